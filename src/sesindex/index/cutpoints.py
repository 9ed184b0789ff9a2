"""National cut points (mu, sigma) supplied by the user, one pair per year or one for all.

Types rest on the national mean and standard deviation of the index over *all* areas of
a year. A file that holds only some areas cannot give them; SCB publishes them (2022:
mu = 9.10, sigma = 5.47), and the user passes them on: ``"9.10,5.47"`` (one pair for
every year, with a warning when that is more than one year: mu and sigma move from year
to year) or ``"2022:9.10,5.47;2023:9.20,5.50"`` (a pair per year; years without one get
no types). The deterministic index (:func:`sesindex.index.compute_index`) and the
Bayesian fit apply the same rule (:func:`typing_rule`).

Examples
--------
>>> parse_cutpoints("2022:9.10,5.47;2023:9.2,5.5")
{2022: (9.1, 5.47), 2023: (9.2, 5.5)}
>>> parse_cutpoints("9.10,5.47")
{None: (9.1, 5.47)}
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from sesindex.data.spans import year_spans  # noqa: F401 - the notes' ranges of years

#: the syntax, as every message about ``--cutpoints`` shows it
CUTPOINTS_SYNTAX = (
    "decimal points, a comma between mu and sigma: '9.10,5.47' for every "
    "year, or '2022:9.10,5.47;2023:9.20,5.50' per year"
)
#: one number written with a decimal comma (Swedish style), e.g. 9,10
_DECIMAL_COMMA = re.compile(r"^\s*\d+,\d+\s*$")


def parse_cutpoints(text: str | None) -> dict[int | None, tuple[float, float]] | None:
    """``"mu,sigma"`` (every year, key None) or ``"YEAR:mu,sigma;YEAR:mu,sigma"``.

    Decimal commas are recognised: ``"9,10;5,47"`` (mu and sigma each with a decimal
    comma, a semicolon between them) can only mean mu 9.10 and sigma 5.47 and is read
    so; any other text with decimal commas that does not parse is refused, showing the
    syntax.

    Examples
    --------
    >>> parse_cutpoints("9,10;5,47")
    {None: (9.1, 5.47)}
    >>> parse_cutpoints("2022:9.1")
    Traceback (most recent call last):
    ...
    ValueError: --cutpoints '2022:9.1': '2022:9.1' is not 'mu,sigma' or 'YEAR:mu,sigma'; write
    decimal points, a comma between mu and sigma: '9.10,5.47' for every year, or
    '2022:9.10,5.47;2023:9.20,5.50' per year
    """
    if text is None or not str(text).strip():
        return None
    text = str(text)
    parts = [part.strip() for part in text.split(";")]
    if len(parts) == 2 and all(_DECIMAL_COMMA.match(part) for part in parts):
        return _pairs(text, ",".join(part.replace(",", ".") for part in parts))
    try:
        return _pairs(text, text)
    except ValueError:
        if "." not in text and (
            re.search(r"\d,\d+\s*;\s*\d", text) or text.count(",") > text.count(";") + 1
        ):
            raise ValueError(
                f"--cutpoints {text!r} looks written with decimal commas "
                f"(Swedish style), which cannot be read unambiguously here; "
                f"write {CUTPOINTS_SYNTAX}"
            ) from None
        raise


def _pairs(given: str, text: str) -> dict[int | None, tuple[float, float]]:
    """The pairs of ``text`` (``given``: what the user wrote, for the messages)."""

    def refuse(what: str) -> ValueError:
        return ValueError(f"--cutpoints {given!r}: {what}; write {CUTPOINTS_SYNTAX}")

    out: dict[int | None, tuple[float, float]] = {}
    for part in text.split(";"):
        part = part.strip()
        year, _, pair = part.rpartition(":")
        try:
            mu, sigma = (float(v) for v in pair.split(","))
            key = int(year) if year else None
        except ValueError:
            raise refuse(f"{part!r} is not 'mu,sigma' or 'YEAR:mu,sigma'") from None
        if not sigma > 0:
            raise refuse(f"sigma must be positive, got {sigma} in {part!r}")
        if key in out:
            raise refuse(f"{'every year' if key is None else key} is given twice")
        out[key] = (mu, sigma)
    if None in out and len(out) > 1:
        raise refuse(
            "give either one 'mu,sigma' for every year or one 'YEAR:mu,sigma' per year, not both"
        )
    return out


#: The parts of a run's types note in Swedish and English: the note is said in English
#: (:func:`types_note`), the reports say it in their language.
TYPES_NOTES = {
    "types_supplied": (
        "typer från de angivna nationella gränsvärdena för {years}{unranked}",
        "types from the supplied national cut points in {years}{unranked}",
    ),
    "types_supplied_unranked": (
        " (ingen rang för {years}: rang bland de givna områdena är inte nationell rang)",
        " (no ranks in {years}: ranks among the areas given are not national ranks)",
    ),
    "types_given_areas": (
        "typer och rang i förhållande till de givna områdena (inte den nationella regeln)",
        "types and ranks relative to the areas given (not the national rule)",
    ),
    "types_none": (
        "inga områdestyper och ingen rang för {years}: {reason}",
        "no area types and no ranks for {years}: {reason}",
    ),
    "types_none_why": (
        "data innehåller inte alla områden i indelningen (ange --cutpoints för typer)",
        "the data do not hold every area of the division (supply --cutpoints for types)",
    ),
    "types_short": (
        "data innehåller {held}, och de officiella typerna och den nationella "
        "rangen vilar på alla områden i indelningen (typerna på deras nationella "
        "medelvärde och standardavvikelse), vilket dessa data inte kan ge "
        "(--cutpoints mu,sigma eller ÅR:mu,sigma;... anger SCB:s mu och sigma för "
        "typer; rang kräver alla områden)",
        "the data holds {held}, and the official types and national ranks rest "
        "on all areas of the division (the types on their national mean and "
        "standard deviation), which this data cannot give (--cutpoints mu,sigma "
        "or YEAR:mu,sigma;... supplies SCB's mu and sigma for types; ranks need "
        "every area)",
    ),
    "types_held": (
        "{n} av {size} områden i {version} år {years}{lacking}",
        "{n} of {size} {version} areas in {years}{lacking}",
    ),
    "types_mixed_version": ("blandad indelning", "mixed-version"),
    "types_lacking_one": (
        " (saknar {n} område som finns i data: {named}{more})",
        " (lacking {n} area of the data: {named}{more})",
    ),
    "types_lacking": (
        " (saknar {n} områden som finns i data: {named}{more})",
        " (lacking {n} areas of the data: {named}{more})",
    ),
    "types_more": (" och {n} till", " and {n} more"),
}


def types_note(key: str, **values) -> str:
    """A part of a run's types note (:data:`TYPES_NOTES`) in English, ``values`` filled in.

    Examples
    --------
    >>> types_note("types_none", years="2023-2024", reason="")
    'no area types and no ranks for 2023-2024: '
    """
    return TYPES_NOTES[key][1].format(**values)


@dataclass
class Typing:
    """How a run types its areas, per year: from the data's own national moments
    (``national``), from supplied cut points (``mu``, ``sigma``) or not at all.
    """

    years: list[int]
    national: np.ndarray  # bool per year: typed from the data's own mu and sigma
    mu: np.ndarray  # supplied mu per year (NaN where none)
    sigma: np.ndarray
    note: str = ""
    warnings: list[str] = field(default_factory=list)
    #: bool per year: ranked (the data hold the whole division, or the areas given are
    #: asked for); supplied cut points give types, never ranks. None: as ``national``.
    ranked: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.ranked is None:
            self.ranked = np.asarray(self.national, dtype=bool)

    @property
    def supplied(self) -> np.ndarray:
        """Years typed from supplied cut points."""
        return np.isfinite(self.mu)

    @property
    def typed(self) -> np.ndarray:
        """Years that get types at all."""
        return self.national | self.supplied


def typing_rule(
    years, national_years, cutpoints, given_areas: bool = False, reason: str = ""
) -> Typing:
    """Which years get types, and from what.

    ``national_years``: the years whose data hold the whole division; ``cutpoints``: the
    parsed ``--cutpoints`` (:func:`parse_cutpoints`; supplied pairs win over the data's
    moments); ``given_areas``: type relative to the areas present (an explicit opt-in,
    never the default); ``reason``: why the other years are not national.

    Examples
    --------
    >>> t = typing_rule([2022, 2023], [], {None: (9.1, 5.47)})
    >>> t.typed.tolist(), t.warnings[0][:40]
    ([True, True], 'one --cutpoints pair (mu 9.1, sigma 5.47')
    >>> typing_rule([2022], [], None).typed.tolist()
    [False]
    """
    years = [int(y) for y in years]
    n = len(years)
    mu, sigma = np.full(n, np.nan), np.full(n, np.nan)
    warnings: list[str] = []
    if cutpoints:
        if None in cutpoints:
            mu[:], sigma[:] = cutpoints[None]
            if n > 1:
                warnings.append(
                    f"one --cutpoints pair (mu {cutpoints[None][0]:g}, sigma "
                    f"{cutpoints[None][1]:g}) is applied to {n} years "
                    f"({years[0]}-{years[-1]}); national mu and sigma move "
                    "from year to year: give one pair per year "
                    "('2022:9.10,5.47;2023:...')"
                )
        else:
            unknown = sorted(set(cutpoints) - set(years))
            if unknown:
                raise ValueError(
                    f"--cutpoints names years {unknown} that are not in the data ({years})"
                )
            for k, y in enumerate(years):
                if y in cutpoints:
                    mu[k], sigma[k] = cutpoints[y]
    ranked = np.isin(years, list(national_years)) | bool(given_areas)
    national = ranked & ~np.isfinite(mu)
    notes = []
    if np.isfinite(mu).any():
        unranked = [
            y for y, s, r in zip(years, np.isfinite(mu), ranked, strict=True) if s and not r
        ]
        supplied = [y for y, s in zip(years, np.isfinite(mu), strict=True) if s]
        notes.append(
            types_note(
                "types_supplied",
                years=", ".join(str(y) for y in supplied),
                unranked=types_note("types_supplied_unranked", years=year_spans(unranked))
                if unranked
                else "",
            )
        )
    if given_areas:
        notes.append(types_note("types_given_areas"))
    untyped = [y for y, t in zip(years, national | np.isfinite(mu), strict=True) if not t]
    if untyped:
        notes.append(
            types_note(
                "types_none",
                years=year_spans(untyped),
                reason=reason or types_note("types_none_why"),
            )
        )
    return Typing(years, national, mu, sigma, "; ".join(notes), warnings, ranked)
