"""The outcome of ECA Step 1 (status review and threat analysis), bundled for the later steps.

A :class:`StatusReview` holds what Step 2 (roles of ex situ management) and later steps need from Step 1:
the taxon, its Red List category and criteria (computed with :func:`exsitu.redlist.categorize` and/or the
published one), the threats scored with :class:`exsitu.threats.ThreatImpact`, range and population
figures, what is already held ex situ, and the knowledge gaps.

The category may differ from the one the evidence gives today: a taxon keeps a higher category until it
has not met it for five years (Red List Guidelines §2.2.1, e.g. the California condor stayed CR in the
2020 assessment although it already met EN thresholds — BirdLife DataZone factsheet). ``category`` is
therefore stored as well as ``redlist``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping

import pandas as pd

from exsitu.redlist import CATEGORIES, RedListResult
from exsitu.threats import ThreatImpact, major_threats, threats_table
from exsitu.validation import InvalidInputError, require_number, require_text

__all__ = ["StatusReview", "TAXON_GROUP_EXAMPLES"]

#: Examples of ``taxon_group`` (free text: any taxon is welcome).
TAXON_GROUP_EXAMPLES: tuple[str, ...] = ("mammal", "bird", "reptile", "amphibian", "fish", "invertebrate",
                                         "plant", "fungus", "alga")


def _optional_number(value: Any, field_name: str, integer: bool = False) -> float | int | None:
    if value is None:
        return None
    number = require_number(value, field_name, minimum=0, integer=integer)
    return int(number) if integer else number


def _text(value: Any, field_name: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise InvalidInputError(field_name, f"expected text, got {value!r}", "write it as text (or leave it empty)")
    return value.strip()


@dataclass(frozen=True)
class StatusReview:
    """Step 1 result for one taxon.

    Fields
    ------
    taxon: scientific (and/or common) name.
    taxon_group: free text, e.g. 'amphibian', 'plant', 'fungus', 'invertebrate'.
    category: Red List category ('EX', 'EW', 'CR', 'EN', 'VU', 'NT', 'LC', 'DD' or 'NE'); taken from
        ``redlist`` when left out, 'NE' (Not Evaluated) when neither is given.
    criteria: Red List criteria string, e.g. 'B1ab(iii)+2ab(iii)'; from ``redlist`` when left out.
    redlist: the :class:`~exsitu.redlist.RedListResult` of :func:`~exsitu.redlist.categorize`, if any.
    threats: the scored threats (:class:`~exsitu.threats.ThreatImpact`).
    eoo_km2, aoo_km2: extent of occurrence and area of occupancy, km² (from ``redlist`` evidence — best
        estimate — when left out).
    records_kept: occurrence records used after cleaning (see ``exsitu.geo.read_occurrences``).
    mature_individuals: wild mature individuals (from ``redlist`` evidence when left out).
    wild_population: notes on the wild population (trend, subpopulations, ...).
    ex_situ_holdings: notes on what is already held ex situ (living collections, seed, cultures, biobank).
    knowledge_gaps: what is not known and matters for the decision.
    notes: anything else.
    """

    taxon: str
    taxon_group: str = ""
    category: str | None = None
    criteria: str | None = None
    redlist: RedListResult | None = None
    threats: tuple[ThreatImpact, ...] = ()
    eoo_km2: float | None = None
    aoo_km2: float | None = None
    records_kept: int | None = None
    mature_individuals: float | None = None
    wild_population: str = ""
    ex_situ_holdings: str = ""
    knowledge_gaps: tuple[str, ...] = ()
    notes: str = ""

    def __post_init__(self) -> None:
        set_ = lambda name, value: object.__setattr__(self, name, value)  # noqa: E731 (frozen dataclass)
        set_("taxon", require_text(self.taxon, "taxon"))
        set_("taxon_group", _text(self.taxon_group, "taxon_group").lower())
        if self.redlist is not None and not isinstance(self.redlist, RedListResult):
            raise InvalidInputError("redlist", f"expected the result of exsitu.redlist.categorize(), got "
                                               f"{type(self.redlist).__name__}", "pass categorize(...)'s result")
        category = self.category
        if category is None:
            category = self.redlist.category if self.redlist is not None else "NE"
        if not isinstance(category, str) or category.strip().upper() not in CATEGORIES:
            raise InvalidInputError("category", f"{category!r} is not a Red List category",
                                    "use one of " + ", ".join(CATEGORIES))
        set_("category", category.strip().upper())
        criteria = self.criteria
        if criteria is None:
            criteria = self.redlist.criteria if self.redlist is not None and \
                self.redlist.category == self.category else ""
        set_("criteria", _text(criteria, "criteria"))
        threats = self.threats
        if isinstance(threats, ThreatImpact):
            threats = (threats,)
        if isinstance(threats, (str, bytes)) or not isinstance(threats, Iterable):
            raise InvalidInputError("threats", f"expected a list of ThreatImpact, got {threats!r}",
                                    "give a list of exsitu.threats.ThreatImpact")
        threats = tuple(threats)
        for index, threat in enumerate(threats):
            if not isinstance(threat, ThreatImpact):
                raise InvalidInputError(f"threats[{index}]", f"expected a ThreatImpact, got {threat!r}",
                                        "create it with ThreatImpact(code, timing, scope, severity)")
        set_("threats", threats)
        evidence = self.redlist.evidence if self.redlist is not None else {}
        for name in ("eoo_km2", "aoo_km2", "mature_individuals"):
            value = getattr(self, name)
            if value is None and name in evidence:
                given = evidence[name]
                value = given[1] if isinstance(given, tuple) else given
            set_(name, _optional_number(value, name))
        set_("records_kept", _optional_number(self.records_kept, "records_kept", integer=True))
        for name in ("wild_population", "ex_situ_holdings", "notes"):
            set_(name, _text(getattr(self, name), name))
        gaps = self.knowledge_gaps
        if isinstance(gaps, str):
            gaps = (gaps,)
        if not isinstance(gaps, Iterable):
            raise InvalidInputError("knowledge_gaps", f"expected a list of texts, got {gaps!r}",
                                    "give one text per gap")
        gaps = tuple(gaps)
        for index, gap in enumerate(gaps):
            if not isinstance(gap, str) or not gap.strip():
                raise InvalidInputError(f"knowledge_gaps[{index}]", f"expected a non-empty text, got {gap!r}",
                                        "describe the gap in words, or remove it")
        set_("knowledge_gaps", tuple(gap.strip() for gap in gaps))

    @property
    def is_threatened(self) -> bool:
        """True for CR, EN and VU (EW and EX are not 'threatened' in the Red List's sense)."""
        return self.category in ("CR", "EN", "VU")

    @property
    def category_differs_from_evidence(self) -> bool:
        """True when ``category`` is not what ``redlist`` computed (e.g. the five-year rule)."""
        return self.redlist is not None and self.redlist.category != self.category

    def major_threats(self) -> list[ThreatImpact]:
        """The High and Medium impact threats, highest first."""
        return major_threats(self.threats)

    def threats_table(self) -> pd.DataFrame:
        """The threats as a table, highest impact first (see :func:`exsitu.threats.threats_table`)."""
        return threats_table(self.threats)

    def summary(self) -> str:
        """One line, e.g. 'Wollemia nobilis (plant): CR B1ab(iii)+2ab(iii); 1 major threat (8.1)'."""
        group = f" ({self.taxon_group})" if self.taxon_group else ""
        status = f"{self.category} {self.criteria}".strip()
        major = self.major_threats()
        codes = ", ".join(t.code for t in major)
        threats_text = f"{len(major)} major threat{'s' if len(major) != 1 else ''}" + (f" ({codes})" if codes else "")
        return f"{self.taxon}{group}: {status}; {threats_text}"

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able data; :meth:`from_dict` reverses it exactly."""
        return {
            "taxon": self.taxon,
            "taxon_group": self.taxon_group,
            "category": self.category,
            "criteria": self.criteria,
            "redlist": self.redlist.to_dict() if self.redlist is not None else None,
            "threats": [t.to_dict() for t in self.threats],
            "eoo_km2": self.eoo_km2,
            "aoo_km2": self.aoo_km2,
            "records_kept": self.records_kept,
            "mature_individuals": self.mature_individuals,
            "wild_population": self.wild_population,
            "ex_situ_holdings": self.ex_situ_holdings,
            "knowledge_gaps": list(self.knowledge_gaps),
            "notes": self.notes,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "StatusReview":
        if not isinstance(data, Mapping):
            raise InvalidInputError("status_review", f"expected a mapping, got {type(data).__name__}",
                                    "pass the dict made by StatusReview.to_dict()")
        known = {"taxon", "taxon_group", "category", "criteria", "redlist", "threats", "eoo_km2", "aoo_km2",
                 "records_kept", "mature_individuals", "wild_population", "ex_situ_holdings",
                 "knowledge_gaps", "notes"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise InvalidInputError(unknown[0], "is not a field of StatusReview", "use " + ", ".join(sorted(known)))
        if "taxon" not in data:
            raise InvalidInputError("taxon", "is missing", "give the taxon name")
        values = dict(data)
        if values.get("redlist") is not None:
            values["redlist"] = RedListResult.from_dict(values["redlist"])
        values["threats"] = tuple(ThreatImpact.from_dict(t) for t in values.get("threats", ()) or ())
        values["knowledge_gaps"] = tuple(values.get("knowledge_gaps", ()) or ())
        return cls(**values)
