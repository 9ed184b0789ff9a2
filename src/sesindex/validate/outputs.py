"""Where a study writes: CSV tables, PNG figures (Agg, no display) and ``manifest.json``.

Figures are drawn on :class:`matplotlib.figure.Figure` with the Agg canvas directly, so
the global pyplot backend of the caller is never touched.

Examples
--------
>>> import tempfile, pandas as pd
>>> out = StudyOutput(tempfile.mkdtemp())
>>> out.table("numbers", pd.DataFrame({"a": [1, 2]})).name
'numbers.csv'
>>> fig, ax = out.figure()
>>> _ = ax.plot([0, 1], [0, 1])
>>> out.save(fig, "line").suffix
'.png'
>>> sorted(out.files)
['line.png', 'numbers.csv']
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import numpy as np
import pandas as pd

#: Footer on every figure: where its numbers come from.
SOURCE_NOTE = "sesindex validation"
_EXTRA_PACKAGES = ("joblib", "matplotlib")


class StudyResult(dict):
    """A study's manifest (a dict: its key numbers and the files written) that also gives
    its tables as one tree.

    Examples
    --------
    >>> import tempfile
    >>> out = StudyOutput(tempfile.mkdtemp())
    >>> _ = out.table("coverage", pd.DataFrame({"level": [0.9], "coverage": [0.91]}))
    >>> result = StudyResult({"study": "x", "files": dict(out.files)}, out.dir)
    >>> tree = result.to_tree()
    >>> float(tree["coverage"]["coverage"][0]), tree.attrs["study"]
    (0.91, 'x')
    """

    def __init__(self, manifest: dict, path: str | Path):
        super().__init__(manifest)
        self.path = Path(path)

    def to_tree(self):
        """Each CSV table the study wrote as a node (dimension ``row``, its rows in file
        order), the manifest in the root's attrs (:func:`sesindex.runs.with_manifest`).
        """
        import xarray as xr

        from sesindex.runs import with_manifest

        nodes = {
            f"/{Path(name).stem}": pd.read_csv(self.path / name).rename_axis("row").to_xarray()
            for name in self.get("files", {})
            if name.endswith(".csv")
        }
        return with_manifest(xr.DataTree.from_dict(nodes), dict(self))


class StudyOutput:
    """Collects a study's files in ``out_dir`` and remembers what was written."""

    def __init__(self, out_dir: str | Path, note: str = SOURCE_NOTE):
        self.dir = Path(out_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.note = note
        self.files: dict[str, str] = {}

    def table(
        self, name: str, frame: pd.DataFrame, description: str = "", index: bool = False
    ) -> Path:
        r"""Write ``frame`` as ``<name>.csv`` (UTF-8, comma separated).

        Examples
        --------
        >>> import tempfile
        >>> out = StudyOutput(tempfile.mkdtemp())
        >>> out.table("t", pd.DataFrame({"x": [0.5]}), "a table").read_text()
        'x\n0.5\n'
        """
        path = self.dir / f"{name}.csv"
        frame.to_csv(path, index=index, float_format="%.6g")
        self.files[path.name] = description
        return path

    def figure(self, nrows: int = 1, ncols: int = 1, size: tuple[float, float] = (7.5, 5.0)):
        """A new Agg figure and its axes.

        Examples
        --------
        >>> import tempfile
        >>> fig, axes = StudyOutput(tempfile.mkdtemp()).figure(1, 2)
        >>> len(axes), type(fig.canvas).__name__
        (2, 'FigureCanvasAgg')
        """
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        fig = Figure(figsize=size, layout="constrained")
        FigureCanvasAgg(fig)
        return fig, fig.subplots(nrows, ncols, squeeze=True)

    @staticmethod
    def _wrap(fig) -> None:
        """Wrap titles and axis labels that would not fit their axes."""
        import textwrap

        w_in, h_in = fig.get_size_inches()
        for ax in fig.axes:
            box = ax.get_position()
            width_chars = max(int(box.width * w_in * 10), 24)
            height_chars = max(int(box.height * h_in * 10), 20)
            title = ax.get_title()
            if len(title) > width_chars:
                ax.set_title("\n".join(textwrap.wrap(title, width_chars)))
            for get, set_, n in (
                (ax.get_xlabel, ax.set_xlabel, width_chars + 10),
                (ax.get_ylabel, ax.set_ylabel, height_chars),
            ):
                text = get()
                if len(text) > n:
                    set_("\n".join(textwrap.wrap(text, n)))
        sup = fig._suptitle.get_text() if fig._suptitle is not None else ""
        if len(sup) > int(w_in * 9):
            fig.suptitle("\n".join(textwrap.wrap(sup, int(w_in * 9))))

    def save(self, fig, name: str, description: str = "") -> Path:
        r"""Save ``fig`` as ``<name>.png`` with the source note at the bottom.

        Examples
        --------
        >>> import tempfile
        >>> out = StudyOutput(tempfile.mkdtemp())
        >>> fig, ax = out.figure()
        >>> out.save(fig, "empty", "nothing").read_bytes()[:4]
        b'\x89PNG'
        """
        self._wrap(fig)
        engine = fig.get_layout_engine()
        if engine is not None and hasattr(engine, "set"):
            engine.set(rect=(0, 0.03, 1, 0.97))  # leave room for the source note
        fig.text(0.995, 0.004, self.note, ha="right", va="bottom", fontsize=7, color="0.4")
        path = self.dir / f"{name}.png"
        fig.savefig(path, dpi=120)
        self.files[path.name] = description
        return path


def plain(value):
    """JSON-ready copy of numbers, arrays and nested containers (NaN becomes null).

    Examples
    --------
    >>> plain({"a": np.float64(0.5), "b": [np.int64(2), float("nan")]})
    {'a': 0.5, 'b': [2, None]}
    """
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return plain(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return None if not np.isfinite(value) else value
    return value


def write_manifest(
    out: StudyOutput,
    *,
    command: str,
    spec: dict,
    inputs: dict[str, str],
    seed: int,
    timings: dict[str, float],
    **extra,
) -> dict:
    """The project's ``manifest.json`` (:func:`sesindex.manifest.write_manifest`) for a study,
    with the files written and the versions of the plotting and parallel packages.

    Examples
    --------
    >>> import tempfile
    >>> m = write_manifest(
    ...     StudyOutput(tempfile.mkdtemp()),
    ...     command="validate x",
    ...     spec={},
    ...     inputs={},
    ...     seed=1,
    ...     timings={"total": np.float64(0.5)},
    ... )
    >>> m["seed"], m["timings_seconds"], "joblib" in m["more_packages"]
    (1, {'total': 0.5}, True)
    """
    from sesindex.manifest import write_manifest as project_manifest

    more = {}
    for name in _EXTRA_PACKAGES:
        try:
            more[name] = version(name)
        except PackageNotFoundError:
            more[name] = "not installed"
    files = {**out.files, "manifest.json": "this run's spec, inputs, versions, key numbers"}
    return project_manifest(
        out.dir,
        command=command,
        spec=plain(spec),
        inputs=inputs,
        seed=seed,
        timings=plain(timings),
        **plain({**extra, "files": files, "more_packages": more}),
    )
