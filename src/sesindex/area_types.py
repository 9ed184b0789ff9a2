"""Area types (områdestyper) from the national mean and standard deviation of the index.

Type 1: index >= mu+2sd; 2: [mu+sd, mu+2sd); 3: [mu, mu+sd); 4: [mu-sd, mu); 5: < mu-sd.
Higher index = lower socioeconomic status.

Examples
--------
>>> import numpy as np
>>> area_types(np.array([20.0, 15.0, 10.0, 5.0, 0.0]), mu=10.0, sigma=5.0).tolist()
[1, 2, 3, 4, 5]
"""

from __future__ import annotations

import numpy as np
import xarray as xr

TYPE_LABELS = {
    "sv": {
        1: "Områdestyp 1 – områden med stora socioekonomiska utmaningar",
        2: "Områdestyp 2 – områden med socioekonomiska utmaningar",
        3: "Områdestyp 3 – socioekonomiskt blandade områden",
        4: "Områdestyp 4 – områden med goda socioekonomiska förutsättningar",
        5: "Områdestyp 5 – områden med mycket goda socioekonomiska förutsättningar",
    },
    "en": {
        1: "Type 1 – major socioeconomic challenges",
        2: "Type 2 – socioeconomic challenges",
        3: "Type 3 – socioeconomically mixed",
        4: "Type 4 – good socioeconomic conditions",
        5: "Type 5 – very good socioeconomic conditions",
    },
}
#: Multiples of sigma above mu at which types 4, 3, 2, 1 begin.
CUT_MULTIPLES = (-1.0, 0.0, 1.0, 2.0)


def cut_points(mu, sigma):
    """The four thresholds mu-sd, mu, mu+sd, mu+2sd (broadcasts over arrays)."""
    return [mu + k * sigma for k in CUT_MULTIPLES]


def area_types(index, mu, sigma):
    """Type 1-5 of each index value; closed lower ends as SCB defines them.

    Works on numpy arrays or xarray objects; ``mu`` and ``sigma`` broadcast (e.g. per
    year, or per posterior draw). NaN index gives type 0 (no type).
    """
    t = 5 - sum((index >= c) for c in cut_points(mu, sigma))
    if isinstance(t, xr.DataArray):
        return t.where(~np.isnan(index), 0).astype("int8").rename("type")
    return np.where(np.isnan(index), 0, t).astype("int8")
