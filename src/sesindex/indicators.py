"""The indicator registry: identifiers, kinds, directions and labels.

Every indicator that can enter the data model is declared here once. An indicator has a
*kind* that says how its value is carried:

``count``
    a count and its denominator (the rate is ``100 * count / denominator``);
``percent``
    a published percentage only, no counts (e.g. SCB's TAB6586 table, rounded to 0.1);
``continuous``
    a value in its own unit (e.g. median income, thousand SEK);
``published``
    a published result carried for comparison (SCB's index and area type), never an input.

``direction`` is +1 when a higher value means *lower* socioeconomic status (the sense of
the official index) and -1 when higher means better (income).

Examples
--------
>>> from sesindex.indicators import INDICATORS, official_indicators
>>> official_indicators()
('V1', 'V2', 'V3')
>>> INDICATORS["V2"].label_en
'Share aged 20-64 with compulsory (förgymnasial) education only'
"""

from __future__ import annotations

from dataclasses import dataclass

KINDS = ("count", "percent", "continuous", "published")


@dataclass(frozen=True)
class Indicator:
    """One indicator of the data model."""

    id: str
    label_sv: str
    label_en: str
    direction: int = 1
    unit: str = "percent"
    official: bool = False


_ALL = (
    Indicator(
        "V1",
        "Andelen personer med låg ekonomisk standard (oavsett ålder)",
        "Share of residents with low economic standard (any age)",
        official=True,
    ),
    Indicator(
        "V2",
        "Andelen med förgymnasial utbildning (20-64 år)",
        "Share aged 20-64 with compulsory (förgymnasial) education only",
        official=True,
    ),
    Indicator(
        "V3",
        "Andelen med ekonomiskt bistånd och/eller långtidsarbetslösa (20-64 år)",
        "Share aged 20-64 with long-term income support and/or long-term unemployment",
        official=True,
    ),
    Indicator(
        "forgymnasial_25_64",
        "Andelen 25-64 år med förgymnasial eller okänd utbildning",
        "Share aged 25-64 with compulsory (förgymnasial) or unknown education",
    ),
    Indicator(
        "median_income",
        "Medianinkomst (tkr)",
        "Median total income (thousand SEK)",
        direction=-1,
        unit="thousand SEK",
    ),
    Indicator(
        "mean_wage_income",
        "Medelförvärvsinkomst (tkr)",
        "Mean wage income of all persons (thousand SEK)",
        direction=-1,
        unit="thousand SEK",
    ),
    Indicator("rental_dwellings", "Andel hyresrätter", "Share of dwellings that are rented"),
    Indicator("foreign_born", "Andel utrikes födda", "Share of residents born abroad"),
    Indicator(
        "published_index", "Socioekonomiskt index (publicerat)", "Socioeconomic index (published)"
    ),
    Indicator("published_type", "Områdestyp (publicerad)", "Area type (published)", unit="type"),
)

INDICATORS: dict[str, Indicator] = {ind.id: ind for ind in _ALL}
PUBLISHED = ("published_index", "published_type")


def official_indicators() -> tuple[str, ...]:
    """The three indicators of the official index, in SCB's order V1, V2, V3."""
    return tuple(i.id for i in _ALL if i.official)


def official_positions(indicators) -> list[int]:
    """Positions in ``indicators`` of the official three that are among them, in SCB's
    order (all three present: the index can be formed).

    Examples
    --------
    >>> official_positions(("V3", "income", "V1", "V2"))
    [2, 3, 0]
    """
    indicators = list(indicators)
    return [indicators.index(i) for i in official_indicators() if i in indicators]
