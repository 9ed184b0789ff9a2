"""The packaged specs: index variants and Bayesian models, addressable by name.

``models/`` at the repository's top is a link to this folder, so ``models/official.toml``
paths keep working beside the names.

Examples
--------
>>> resolve_spec("official").name
'official.toml'
>>> "latent_factor" in packaged_specs()
True
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def _folder() -> Path:
    return Path(str(resources.files("sesindex.specs")))


def packaged_specs() -> list[str]:
    """The names of the packaged specs (file stems)."""
    return sorted(p.stem for p in _folder().glob("*.toml"))


def resolve_spec(name_or_path: str | Path) -> Path:
    """A spec file from a path, or from the name of a packaged spec.

    Examples
    --------
    >>> resolve_spec("no_such_spec")
    Traceback (most recent call last):
    ...
    FileNotFoundError: spec 'no_such_spec' is neither a file nor a packaged spec (latent_factor,
    latent_factor_binomial, latent_factor_real_bundle, latent_factor_single_year,
    minmax_geometric, official, official_population_weighted, pca, rank, real_bundle_proxy,
    weighted_income, zscore)
    """
    path = Path(name_or_path)
    if path.is_file():
        return path
    packaged = _folder() / f"{path.stem if path.suffix == '.toml' else path.name}.toml"
    if packaged.is_file() and path.parent in (Path("."), Path("models")):
        return packaged
    raise FileNotFoundError(
        f"spec {str(name_or_path)!r} is neither a file nor a packaged "
        f"spec ({', '.join(packaged_specs())})"
    )
