"""A sampler's draws in one form, whichever PyMC/ArviZ generation made them.

nutpie and PyMC return an ``arviz.InferenceData`` with ArviZ 0.x and an
``xarray.DataTree`` with ArviZ 1.x. :func:`as_trace` turns either into an
``xarray.DataTree`` (groups ``posterior``, ``sample_stats``, ...), the form every fit
keeps (``FitResult.idata``) and writes; :func:`group` gives one group as an
``xarray.Dataset`` (:func:`posterior_of` the posterior, which every fit has).

Examples
--------
>>> import numpy as np, xarray as xr
>>> post = xr.Dataset({"tau": (("chain", "draw"), np.ones((2, 3)))})
>>> trace = as_trace(xr.DataTree.from_dict({"/posterior": post}))
>>> group(trace, "posterior")["tau"].shape, group(trace, "sample_stats") is None
((2, 3), True)
>>> trace = with_group(trace, "posterior", post.isel(draw=[0]))
>>> group(trace, "posterior").sizes["draw"]
1
"""

from __future__ import annotations

import xarray as xr


def as_trace(idata) -> xr.DataTree:
    """``idata`` (an ``arviz.InferenceData`` or an ``xarray.DataTree``) as a DataTree
    with one child per group; a DataTree is returned as it is.
    """
    if isinstance(idata, xr.DataTree):
        return idata
    return xr.DataTree.from_dict({f"/{g}": idata[g] for g in idata.groups()})


def group(trace: xr.DataTree, name: str) -> xr.Dataset | None:
    """The group ``name`` of a trace as a Dataset (``None`` if the trace has none)."""
    return trace[name].to_dataset() if name in trace.children else None


def posterior_of(trace: xr.DataTree) -> xr.Dataset:
    """The trace's ``posterior`` group as a Dataset: :func:`group`, but a trace without
    one is refused, naming the groups it has.

    Examples
    --------
    >>> import numpy as np, xarray as xr
    >>> post = xr.Dataset({"tau": (("chain", "draw"), np.ones((2, 3)))})
    >>> posterior_of(xr.DataTree.from_dict({"/posterior": post}))["tau"].shape
    (2, 3)
    >>> posterior_of(xr.DataTree.from_dict({"/sample_stats": post}))
    Traceback (most recent call last):
    ...
    ValueError: the trace has no posterior group (its groups: ['sample_stats'])
    """
    post = group(trace, "posterior")
    if post is None:
        raise ValueError(f"the trace has no posterior group (its groups: {groups(trace)})")
    return post


def with_group(trace: xr.DataTree, name: str, ds: xr.Dataset) -> xr.DataTree:
    """``trace`` with its group ``name`` replaced by ``ds`` (in place; returned)."""
    trace[name] = ds
    return trace


def groups(trace: xr.DataTree) -> list[str]:
    """The names of a trace's groups."""
    return list(trace.children)
