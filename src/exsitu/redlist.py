"""IUCN Red List category from criteria A–E, with the reasons (ECA Step 1, status review).

Sources
-------
* Thresholds: IUCN (2012). *IUCN Red List Categories and Criteria: Version 3.1.* Second edition. Gland and
  Cambridge: IUCN (criteria approved by the 51st meeting of IUCN Council, 9 February 2000). Tabulated in
  the course's domain notes ``redlist-threats.md`` §2, checked against the ConR package defaults.
* *Guidelines for Using the IUCN Red List Categories and Criteria* (IUCN Standards and Petitions Committee):
  the current edition is Version 16 (March 2024), downloadable from
  https://www.iucnredlist.org/documents/RedListGuidelines.pdf; the rules below were checked against v14 (2019)
  and v15.1 (2022), the editions seen for the course's domain notes, and are unchanged in v16 as far as
  this module uses them. "If EOO is smaller than AOO, set EOO equal to AOO": §4.9.
* Possibly Extinct tags: a CR taxon that is likely extinct (or extinct in the wild) but not yet confirmed
  is tagged "Possibly Extinct" or "Possibly Extinct in the Wild", written CR(PE) / CR(PEW) (Guidelines,
  the section on the tags; the tag was defined by Butchart, S.H.M., Stattersfield, A.J., Brooks, T.M. 2006,
  Going or gone: defining 'Possibly Extinct' species, *Bull. Brit. Orn. Club* 126A:7–24). CR only.
* Notation of the criteria met (``criteria``): IUCN (2012), the annex on citing the criteria ("Under Section V ..."):
  numbers within a criterion joined by "+", letters without punctuation, roman numerals in parentheses
  separated by commas, criteria separated by semicolons — e.g. "EN A1c; B1ab(iii); C2a(i)", "VU D1+2".
  The examples are checked in the tests, as in the IUCN SIS criteria code's own tests (CriteriaLevelTest).
* Ranges (low, best, high): evaluated at the best estimates and at the bounds that give the least and the
  most threat, as RAMAS Red List does (Akçakaya, H.R. et al. 2000, Making consistent IUCN classifications
  under uncertainty, *Conservation Biology* 14:1001–1013). Every criterion is monotone in every quantity,
  so these two bounds give the whole plausible range.

Rules this module applies (each is stated in the result's explanations)
-----------------------------------------------------------------------
* Numbers of individuals, areas and locations use the Red List's strict "<" (and "≤" for locations and
  for C2a(i)); percentages and probabilities use "≥".
* Three-valued logic: a sub-criterion is *met*, *not met* or *unknown* at each category. Missing evidence
  never counts as "not met" unless the criterion fails for another reason (e.g. EOO above the VU limit).
  D2 is *not applicable* at CR and EN.
* C1 and E compare a rate with a time window (C1: CR 25 % within max(3 y, 1 generation), EN 20 % within
  max(5 y, 2 gen), VU 10 % within max(10 y, 3 gen), at most 100 y; E: CR 50 % within max(10 y, 3 gen),
  EN 20 % within max(20 y, 5 gen), both at most 100 y, VU 10 % within 100 y). A decline (or extinction
  probability) observed over ``decline_years`` (``extinction_years``) *meets* a category when that period
  is no longer than the category's window and the value reaches the threshold (a continuing decline — or a
  probability of extinction — can only grow over a longer period). It is *not met* when the period is at
  least the window and the value is below the threshold. Otherwise (a shorter period below the threshold,
  or a longer period above it) it is *unknown*: the explanation gives the value a steady (exponential)
  decline would imply, for guidance only. Without ``generation_length_years`` the windows are in years
  alone (a note says so).
* C2 needs a continuing decline in mature individuals: ``continuing_decline`` True or containing 'v', or a
  C1 ``decline_percent`` above 0. C2b needs extreme fluctuations in mature individuals:
  ``extreme_fluctuation`` True or containing 'iv'.
* The category is the highest one any criterion meets, and ``criteria`` lists every criterion met at it.
  If none is met: ``'DD'`` when no criterion (A, B, C, D or E as a whole) could be evaluated as met or not
  met; otherwise ``'NT'`` or ``'LC'``, and ``highest_possible`` / ``could_be_higher`` say whether unknown
  evidence could still raise the category.
* NT is a judgement in the Guidelines. **Teaching approximation used here:** NT when no criterion meets VU
  but one would within a factor of 1.5 of the VU limits (``NEAR_THREATENED_MARGIN`` 0.5: numbers and areas
  up to 1.5 × the limit, the limit itself included; percentages and probabilities down to the limit ÷ 1.5;
  time windows unchanged), or, for B, if only one of a–c were needed. The factor follows the Guidelines'
  own NT examples (v14, 2019, pp. 76–77, as listed in ConR's ``near.threatened`` documentation): NT for
  "about 1,500 mature individuals", a reduction of "20–25% in the last three generations", a 10 % decline
  with "about 15,000 mature individuals", EOO 22,000–30,000 km² or AOO 3,000 km² with decline and few
  locations or severe fragmentation; not NT for "more than 2,000 mature individuals" or a 10 % decline
  with more than 20,000 mature individuals.
* ``continuing_decline=True`` (no sub-criteria named) is written ``b`` without parentheses, and
  ``extreme_fluctuation=True`` ``c``; the Red List always names them, so the notes ask the assessor to.
  Either may be a mapping ``{"B1": {...}, "B2": {...}}`` when B1 and B2 cite different sub-criteria
  (``B1ab(ii,v)+2ab(v)``); C2 then uses what either says about mature individuals.
* Several A sub-criteria at once: ``reductions=[{"criterion": "A2", "percent": 60, "bases": "c"}, ...]``
  gives e.g. ``A2c+3c``; A is met at a category if any of them is.
* Zero mature individuals is not "CR D": it means the taxon is Extinct, Extinct in the Wild or Possibly
  Extinct, which is the assessor's call. ``mature_individuals=0`` is refused unless ``possibly_extinct`` or
  ``possibly_extinct_in_the_wild`` is True (then the result is CR with the tag PE or PEW).
* DD, as the Guidelines put it, is a judgement about the plausible range of categories: a taxon is DD
  when the data are so uncertain that its category could plausibly lie anywhere from LC to CR. Here DD
  is returned when no criterion could be evaluated as met or not met with the evidence given (so every
  category from LC up to ``highest_possible`` remains plausible); the summary says so.
"""

from __future__ import annotations

import difflib
import math
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any, Iterable, Mapping

import pandas as pd

from exsitu.validation import InvalidInputError, require_number

__all__ = [
    "CATEGORIES", "THREATENED", "RESULT_CATEGORIES", "THRESHOLDS", "NEAR_THREATENED_MARGIN",
    "MAX_WINDOW_YEARS", "EVIDENCE_FIELDS", "CRITERIA", "STATUSES", "TAGS",
    "CriterionExplanation", "RedListResult",
    "categorize", "criteria_table", "c1_window_years", "e_window_years", "reduction_window_years",
    "category_rank",
]

#: All Red List categories, most to least threatened, then DD and NE.
CATEGORIES: tuple[str, ...] = ("EX", "EW", "CR", "EN", "VU", "NT", "LC", "DD", "NE")
#: The threatened categories, highest first.
THREATENED: tuple[str, ...] = ("CR", "EN", "VU")
#: Categories :func:`categorize` can return.
RESULT_CATEGORIES: tuple[str, ...] = ("CR", "EN", "VU", "NT", "LC", "DD")
#: The sub-criteria explained separately, in Red List order.
CRITERIA: tuple[str, ...] = ("A", "B1", "B2", "C1", "C2", "D", "D2", "E")
#: Status words used in explanations.
STATUSES: tuple[str, ...] = ("met", "not met", "unknown", "not applicable")
#: Teaching approximation for NT (see module docstring): within a factor of 1 + margin of the VU limits.
NEAR_THREATENED_MARGIN = 0.5
#: Time windows for A3/A4 (future part), C1 and E never extend more than 100 years (IUCN 2012).
MAX_WINDOW_YEARS = 100.0

_RANK = {"LC": 0, "NT": 1, "VU": 2, "EN": 3, "CR": 4}


def _frozen(table: dict) -> Mapping:
    return MappingProxyType({key: MappingProxyType(dict(value)) for key, value in table.items()})


#: Thresholds of IUCN (2012) v3.1, by key then category. Comparisons: A*, C1_percent, C2aii_percent_in_one,
#: E_probability "≥"; B1/B2/C_mature/D_mature/D2_aoo_km2 "<"; Ba_locations, C2ai_largest_subpopulation,
#: D2_locations "≤". ``*_years``/``*_generations`` are the windows ("whichever is longer").
THRESHOLDS: Mapping[str, Mapping[str, float | None]] = _frozen({
    "A1": {"CR": 90, "EN": 70, "VU": 50},
    "A2": {"CR": 80, "EN": 50, "VU": 30},
    "A3": {"CR": 80, "EN": 50, "VU": 30},
    "A4": {"CR": 80, "EN": 50, "VU": 30},
    "B1_eoo_km2": {"CR": 100, "EN": 5_000, "VU": 20_000},
    "B2_aoo_km2": {"CR": 10, "EN": 500, "VU": 2_000},
    "Ba_locations": {"CR": 1, "EN": 5, "VU": 10},
    "C_mature": {"CR": 250, "EN": 2_500, "VU": 10_000},
    "C1_percent": {"CR": 25, "EN": 20, "VU": 10},
    "C1_years": {"CR": 3, "EN": 5, "VU": 10},
    "C1_generations": {"CR": 1, "EN": 2, "VU": 3},
    "C2ai_largest_subpopulation": {"CR": 50, "EN": 250, "VU": 1_000},
    "C2aii_percent_in_one": {"CR": 90, "EN": 95, "VU": 100},
    "D_mature": {"CR": 50, "EN": 250, "VU": 1_000},
    "D2_aoo_km2": {"CR": None, "EN": None, "VU": 20},
    "D2_locations": {"CR": None, "EN": None, "VU": 5},
    "E_probability": {"CR": 0.5, "EN": 0.2, "VU": 0.1},
    "E_years": {"CR": 10, "EN": 20, "VU": 100},
    "E_generations": {"CR": 3, "EN": 5, "VU": None},
})

# Keys whose limit is an upper bound on the quantity ("<" or "≤"): relaxed upward for NT.
_UPPER_LIMITS = {"B1_eoo_km2", "B2_aoo_km2", "Ba_locations", "C_mature", "C2ai_largest_subpopulation",
                 "D_mature", "D2_aoo_km2", "D2_locations"}
# Keys whose limit is a lower bound on a percentage or probability ("≥"): relaxed downward for NT.
_LOWER_LIMITS = {"A1", "A2", "A3", "A4", "C1_percent", "C2aii_percent_in_one", "E_probability"}

# name: (which end is worse, require_number bounds, unit for messages)
_QUANTITIES: dict[str, tuple[str, dict, str]] = {
    "reduction_percent": ("high", {"minimum": 0, "maximum": 100}, "%"),
    "generation_length_years": ("high", {"minimum": 0, "inclusive_minimum": False}, "years"),
    "eoo_km2": ("low", {"minimum": 0}, "km²"),
    "aoo_km2": ("low", {"minimum": 0}, "km²"),
    "locations": ("low", {"minimum": 1, "integer": True}, ""),
    "mature_individuals": ("low", {"minimum": 0}, ""),
    "decline_percent": ("high", {"minimum": 0, "maximum": 100}, "%"),
    "decline_years": ("low", {"minimum": 0, "inclusive_minimum": False}, "years"),
    "largest_subpopulation": ("low", {"minimum": 0}, "mature individuals"),
    "percent_in_largest_subpopulation": ("high", {"minimum": 0, "maximum": 100}, "%"),
    "extinction_probability": ("high", {"minimum": 0, "maximum": 1}, ""),
    "extinction_years": ("low", {"minimum": 0, "inclusive_minimum": False}, "years"),
}
_FLAGS = ("severely_fragmented", "plausible_threat", "possibly_extinct", "possibly_extinct_in_the_wild")
_SUBCRITERIA = {
    "continuing_decline": ("i", "ii", "iii", "iv", "v"),
    "extreme_fluctuation": ("i", "ii", "iii", "iv"),
}
_B_DECLINE_NAMES = {"i": "EOO", "ii": "AOO", "iii": "area, extent and/or quality of habitat",
                    "iv": "number of locations or subpopulations", "v": "number of mature individuals"}
_B_FLUCTUATION_NAMES = {"i": "EOO", "ii": "AOO", "iii": "number of locations or subpopulations",
                        "iv": "number of mature individuals"}
_REDUCTION_CRITERIA = ("A1", "A2", "A3", "A4")
_REDUCTION_BASES = ("a", "b", "c", "d", "e")

#: Every keyword :func:`categorize` accepts.
EVIDENCE_FIELDS: tuple[str, ...] = (
    "reduction_percent", "reduction_criterion", "reduction_bases", "generation_length_years",
    "eoo_km2", "aoo_km2", "locations", "severely_fragmented", "continuing_decline", "extreme_fluctuation",
    "mature_individuals", "decline_percent", "decline_years", "largest_subpopulation",
    "percent_in_largest_subpopulation", "plausible_threat", "extinction_probability", "extinction_years",
    "reductions", "possibly_extinct", "possibly_extinct_in_the_wild",
)
#: Tags a CR result may carry: Possibly Extinct and Possibly Extinct in the Wild.
TAGS: tuple[str, ...] = ("PE", "PEW")
_B_SUBCRITERIA = ("B1", "B2")


# --------------------------------------------------------------------------------------------------
# Windows
# --------------------------------------------------------------------------------------------------

def _check_category(category: str, field_name: str = "category", allowed: Iterable[str] = THREATENED) -> str:
    allowed = tuple(allowed)
    if not isinstance(category, str) or category.strip().upper() not in allowed:
        raise InvalidInputError(field_name, f"{category!r} is not one of the allowed categories",
                                "use one of " + ", ".join(allowed))
    return category.strip().upper()


def _gl(generation_length_years: float | None) -> float | None:
    if generation_length_years is None:
        return None
    return require_number(generation_length_years, "generation_length_years", minimum=0,
                          inclusive_minimum=False, unit="years")


def c1_window_years(category: str, generation_length_years: float | None = None) -> float:
    """C1 window in years: the longer of the years and generations limits, at most 100 years (IUCN 2012).

    CR 3 y or 1 generation, EN 5 y or 2 generations, VU 10 y or 3 generations. Without a generation length
    the years limit alone is returned.
    """
    category = _check_category(category)
    gl = _gl(generation_length_years)
    years = float(THRESHOLDS["C1_years"][category])
    if gl is not None:
        years = max(years, THRESHOLDS["C1_generations"][category] * gl)
    return min(years, MAX_WINDOW_YEARS)


def e_window_years(category: str, generation_length_years: float | None = None) -> float:
    """Criterion E window in years (IUCN 2012): CR max(10 y, 3 gen), EN max(20 y, 5 gen), both ≤ 100 y; VU 100 y."""
    category = _check_category(category)
    gl = _gl(generation_length_years)
    years = float(THRESHOLDS["E_years"][category])
    generations = THRESHOLDS["E_generations"][category]
    if gl is not None and generations is not None:
        years = max(years, generations * gl)
    return min(years, MAX_WINDOW_YEARS)


def reduction_window_years(generation_length_years: float | None = None) -> float:
    """Criterion A window in years: the longer of 10 years or 3 generations (IUCN 2012).

    For A3 and the future part of A4 the window may not reach more than 100 years into the future; a past
    window (A1, A2) may be longer than 100 years for long-lived taxa.
    """
    gl = _gl(generation_length_years)
    return 10.0 if gl is None else max(10.0, 3 * gl)


def category_rank(category: str) -> int:
    """Order of threat: LC 0 < NT 1 < VU 2 < EN 3 < CR 4 (DD has no rank and raises)."""
    return _RANK[_check_category(category, "category", tuple(_RANK))]


# --------------------------------------------------------------------------------------------------
# Threshold table for lessons
# --------------------------------------------------------------------------------------------------

def criteria_table() -> pd.DataFrame:
    """The thresholds of criteria A–E as a table (IUCN 2012, Red List Categories and Criteria v3.1, 2nd ed.).

    Columns: ``criterion``, ``measure``, ``comparison``, ``CR``, ``EN``, ``VU`` (numbers; NaN where the
    criterion does not apply), ``unit``, ``window`` (the time frame, where there is one).
    """
    t = THRESHOLDS
    a_window = "longer of 10 years or 3 generations"
    rows = [
        ("A1", "population reduction; causes clearly reversible AND understood AND ceased", "≥", t["A1"],
         "%", a_window + " (past)"),
        ("A2", "population reduction; causes may not have ceased OR may not be understood OR may not be "
               "reversible", "≥", t["A2"], "%", a_window + " (past)"),
        ("A3", "population reduction projected or suspected in the future", "≥", t["A3"], "%",
         a_window + " (future, at most 100 years)"),
        ("A4", "population reduction over a window including past and future; causes as A2", "≥", t["A4"],
         "%", a_window + " (at most 100 years into the future)"),
        ("B1", "extent of occurrence (EOO), plus at least 2 of a–c", "<", t["B1_eoo_km2"], "km²", ""),
        ("B2", "area of occupancy (AOO), plus at least 2 of a–c", "<", t["B2_aoo_km2"], "km²", ""),
        ("B a", "number of locations (or severely fragmented)", "≤", t["Ba_locations"], "locations", ""),
        ("B b", "continuing decline in (i) EOO, (ii) AOO, (iii) habitat, (iv) locations or subpopulations, "
                "(v) mature individuals", "any", {}, "", ""),
        ("B c", "extreme fluctuations in (i) EOO, (ii) AOO, (iii) locations or subpopulations, "
                "(iv) mature individuals", "any", {}, "", ""),
        ("C", "number of mature individuals, plus C1 or C2", "<", t["C_mature"], "mature individuals", ""),
        ("C1", "continuing decline of mature individuals", "≥", t["C1_percent"], "%",
         "CR 3 y or 1 gen; EN 5 y or 2 gen; VU 10 y or 3 gen; whichever longer, at most 100 y"),
        ("C2a(i)", "continuing decline and mature individuals in each subpopulation", "≤",
         t["C2ai_largest_subpopulation"], "mature individuals", ""),
        ("C2a(ii)", "continuing decline and % of mature individuals in one subpopulation", "≥",
         t["C2aii_percent_in_one"], "%", ""),
        ("C2b", "continuing decline and extreme fluctuations in number of mature individuals", "any", {}, "", ""),
        ("D", "number of mature individuals (D1 for VU)", "<", t["D_mature"], "mature individuals", ""),
        ("D2", "VU only: restricted AOO (typically) with a plausible threat", "<", t["D2_aoo_km2"], "km²", ""),
        ("D2", "VU only: few locations (typically) with a plausible threat", "≤", t["D2_locations"],
         "locations", ""),
        ("E", "probability of extinction in the wild (quantitative analysis)", "≥", t["E_probability"],
         "probability", "CR 10 y or 3 gen; EN 20 y or 5 gen (whichever longer, at most 100 y); VU 100 y"),
    ]
    records = []
    for criterion, measure, comparison, limits, unit, window in rows:
        record = {"criterion": criterion, "measure": measure, "comparison": comparison}
        for category in THREATENED:
            value = limits.get(category) if limits else None
            record[category] = math.nan if value is None else float(value)
        record.update(unit=unit, window=window)
        records.append(record)
    frame = pd.DataFrame.from_records(records)
    frame.attrs["source"] = ("IUCN (2012). IUCN Red List Categories and Criteria: Version 3.1. "
                             "Second edition. Gland and Cambridge: IUCN.")
    return frame


# --------------------------------------------------------------------------------------------------
# Input checking
# --------------------------------------------------------------------------------------------------

def _quantity(name: str, value: Any) -> float | tuple[float, float, float]:
    _, bounds, unit = _QUANTITIES[name]
    fix = ""
    if name == "extinction_probability":
        fix = "give a probability between 0 and 1 (e.g. 0.25 for 25%)"

    def one(item: Any, label: str) -> float:
        try:
            return require_number(item, label, unit=unit, **bounds)
        except InvalidInputError as error:
            if fix:
                raise InvalidInputError(label, error.problem, fix) from None
            raise

    if isinstance(value, (tuple, list)) or (hasattr(value, "shape") and getattr(value, "ndim", 0) == 1):
        items = list(value)
        if len(items) != 3:
            raise InvalidInputError(name, f"a range must have 3 values (low, best, high), got {len(items)}",
                                    "give one number, or a (low, best, high) tuple")
        low, best, high = (one(item, f"{name}[{part}]") for item, part in zip(items, ("low", "best", "high")))
        if not low <= best <= high:
            raise InvalidInputError(name, f"range not ordered: low {low:g}, best {best:g}, high {high:g}",
                                    "give the range as (low, best, high) with low ≤ best ≤ high")
        return (low, best, high)
    return one(value, name)


def _flag(name: str, value: Any) -> bool:
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return bool(value)
    raise InvalidInputError(name, f"expected True, False or None, got {value!r}",
                            "use True, False, or leave it out if it is not known")


def _subcriteria(name: str, value: Any) -> bool | tuple[str, ...] | dict[str, Any]:
    """True/False, the sorted tuple of named sub-criteria (an empty set means False), or for B1 and B2
    separately a dict ``{"B1": ..., "B2": ...}`` of those (a part left out is unknown)."""
    if isinstance(value, Mapping):
        parts: dict[str, Any] = {}
        for key, item in value.items():
            which = key.strip().upper() if isinstance(key, str) else key
            if which not in _B_SUBCRITERIA:
                raise InvalidInputError(name, f"{key!r} is not B1 or B2",
                                        "give a mapping such as {'B1': {'ii', 'v'}, 'B2': {'v'}}")
            if which in parts:
                raise InvalidInputError(name, f"{which} is given twice", "give B1 and B2 once each")
            if item is None:
                continue
            if isinstance(item, Mapping):
                raise InvalidInputError(f"{name}['{which}']", "a mapping inside the mapping",
                                        "give True, False or a set of sub-criteria for each of B1 and B2")
            parts[which] = _subcriteria_one(f"{name}['{which}']", item, _SUBCRITERIA[name],
                                            "b" if name == "continuing_decline" else "c")
        if not parts:
            raise InvalidInputError(name, "the mapping names neither B1 nor B2",
                                    "give {'B1': ..., 'B2': ...}, or one value for both")
        return {which: parts[which] for which in _B_SUBCRITERIA if which in parts}
    return _subcriteria_one(name, value, _SUBCRITERIA[name], "b" if name == "continuing_decline" else "c")


def _subcriteria_one(name: str, value: Any, allowed: tuple[str, ...], letter: str) -> bool | tuple[str, ...]:
    if isinstance(value, bool) or type(value).__name__ == "bool_":
        return bool(value)
    if isinstance(value, str):
        items = [item for item in value.replace(",", " ").split()]
    elif isinstance(value, (set, frozenset, list, tuple)):
        items = list(value)
    else:
        raise InvalidInputError(name, f"expected True, False or a set of sub-criteria, got {value!r}",
                                "use True, False or a set such as {'iii'} (allowed: " + ", ".join(allowed) + ")")
    chosen = set()
    for item in items:
        key = item.strip().lower() if isinstance(item, str) else item
        if key not in allowed:
            raise InvalidInputError(name, f"{item!r} is not a sub-criterion of {letter}",
                                    "use roman numerals from: " + ", ".join(allowed))
        chosen.add(key)
    if not chosen:
        return False
    return tuple(key for key in allowed if key in chosen)


def _normalise(evidence: dict[str, Any]) -> dict[str, Any]:
    clean: dict[str, Any] = {}
    for name, value in evidence.items():
        if name not in EVIDENCE_FIELDS:
            close = difflib.get_close_matches(name, EVIDENCE_FIELDS, n=1)
            hint = f"did you mean {close[0]!r}? " if close else ""
            raise InvalidInputError(name, "is not a kind of evidence categorize() knows",
                                    hint + "valid keywords: " + ", ".join(EVIDENCE_FIELDS))
        if value is None:
            continue
        if name in _QUANTITIES:
            clean[name] = _quantity(name, value)
        elif name in _FLAGS:
            clean[name] = _flag(name, value)
        elif name in _SUBCRITERIA:
            clean[name] = _subcriteria(name, value)
        elif name == "reduction_criterion":
            text = str(value).strip().upper() if isinstance(value, str) else value
            if text not in _REDUCTION_CRITERIA:
                raise InvalidInputError(name, f"{value!r} is not one of A1, A2, A3, A4",
                                        "use 'A1' (causes reversible, understood and ceased), 'A2' (past, "
                                        "causes not ceased/understood/reversible), 'A3' (future) or 'A4' "
                                        "(past and future)")
            clean[name] = text
        elif name == "reductions":
            clean[name] = _reductions(value)
        elif name == "reduction_bases":
            if isinstance(value, str):
                items = [c for c in value.replace(",", "").replace(" ", "")]
            elif isinstance(value, (set, frozenset, list, tuple)):
                items = list(value)
            else:
                raise InvalidInputError(name, f"expected letters a–e, got {value!r}", "use e.g. {'a', 'c'} or 'ac'")
            letters = _bases(name, items)
            if letters:
                clean[name] = letters
    _check_consistency(clean)
    return clean


def _bases(name: str, items: Iterable[Any]) -> tuple[str, ...]:
    letters = set()
    for item in items:
        key = item.strip().lower() if isinstance(item, str) else item
        if key not in _REDUCTION_BASES:
            raise InvalidInputError(name, f"{item!r} is not a basis of criterion A", "use letters from a, b, c, d, e")
        letters.add(key)
    return tuple(sorted(letters))


_MAX_REDUCTIONS = len(_REDUCTION_CRITERIA)


def _reductions(value: Any) -> tuple[dict[str, Any], ...]:
    """Check ``reductions``: a list of {"criterion": "A1"–"A4", "percent": % or (low, best, high), "bases"}."""
    fix = 'give a list such as [{"criterion": "A2", "percent": 60, "bases": "c"}, {"criterion": "A3", ...}]'
    if isinstance(value, (str, bytes, Mapping)) or not isinstance(value, (list, tuple)):
        raise InvalidInputError("reductions", f"expected a list of reductions, got {type(value).__name__}", fix)
    if len(value) > _MAX_REDUCTIONS:
        raise InvalidInputError("reductions", f"{len(value)} reductions given; A has only A1–A4", fix)
    entries: dict[str, dict[str, Any]] = {}
    for index, entry in enumerate(value):
        where = f"reductions[{index}]"
        if not isinstance(entry, Mapping):
            raise InvalidInputError(where, f"expected a mapping, got {type(entry).__name__}", fix)
        unknown = set(entry) - {"criterion", "percent", "bases"}
        if unknown:
            raise InvalidInputError(where, "unknown key(s): " + ", ".join(sorted(map(str, unknown))),
                                    "use the keys criterion, percent and bases")
        criterion = entry.get("criterion")
        criterion = criterion.strip().upper() if isinstance(criterion, str) else criterion
        if criterion not in _REDUCTION_CRITERIA:
            raise InvalidInputError(f"{where}.criterion", f"{entry.get('criterion')!r} is not one of A1, A2, A3, A4",
                                    "use 'A1', 'A2', 'A3' or 'A4'")
        if criterion in entries:
            raise InvalidInputError(f"{where}.criterion", f"{criterion} is given twice",
                                    "give each of A1–A4 at most once")
        if entry.get("percent") is None:
            raise InvalidInputError(f"{where}.percent", "missing", "give the reduction in % (0–100)")
        percent = _quantity("reduction_percent", entry["percent"])
        bases = entry.get("bases") or ()
        if isinstance(bases, str):
            bases = [c for c in bases.replace(",", "").replace(" ", "")]
        elif not isinstance(bases, (set, frozenset, list, tuple)):
            raise InvalidInputError(f"{where}.bases", f"expected letters a–e, got {bases!r}", "use e.g. 'c' or 'ac'")
        letters = _bases(f"{where}.bases", bases)
        if criterion == "A3" and "a" in letters:
            raise InvalidInputError(f"{where}.bases", "basis (a) direct observation cannot support A3 "
                                    "(a future reduction cannot be observed)", "remove 'a'")
        entries[criterion] = {"criterion": criterion, "percent": percent, "bases": letters}
    if not entries:
        raise InvalidInputError("reductions", "the list is empty", fix)
    return tuple(entries[key] for key in _REDUCTION_CRITERIA if key in entries)


def _b_part(value: Any, which: str) -> Any:
    """The B1 or B2 part of a continuing_decline / extreme_fluctuation value (a mapping gives per-part values)."""
    return value.get(which) if isinstance(value, dict) else value


def _population_wide(value: Any) -> Any:
    """One value for C2 from a per-B1/B2 mapping: True if either is True, the union of sub-criteria, or
    False only if both parts are False."""
    if not isinstance(value, dict):
        return value
    parts = [value.get(which) for which in _B_SUBCRITERIA]
    if any(part is True for part in parts):
        return True
    named = sorted({key for part in parts if isinstance(part, tuple) for key in part})
    if named:
        return tuple(named)
    if all(part is False for part in parts):
        return False
    return None


def _best(value: Any) -> Any:
    return value[1] if isinstance(value, tuple) and len(value) == 3 and not isinstance(value[0], str) else value


def _check_consistency(clean: dict[str, Any]) -> None:
    if "reductions" in clean:
        single = [name for name in ("reduction_percent", "reduction_criterion", "reduction_bases") if name in clean]
        if single:
            raise InvalidInputError("reductions", "given together with " + ", ".join(single),
                                    "put every reduction in the reductions list (each with its criterion), "
                                    "or use reduction_percent/reduction_criterion for a single one")
    if clean.get("possibly_extinct") and clean.get("possibly_extinct_in_the_wild"):
        raise InvalidInputError("possibly_extinct_in_the_wild", "both possibly_extinct and "
                                "possibly_extinct_in_the_wild are True",
                                "choose one: PE if the taxon may be extinct everywhere, PEW if it survives "
                                "only in captivity or cultivation")
    mature = clean.get("mature_individuals")
    if mature is not None and _best(mature) == 0 and not (clean.get("possibly_extinct")
                                                         or clean.get("possibly_extinct_in_the_wild")):
        raise InvalidInputError(
            "mature_individuals", "0 mature individuals in the wild is not a Critically Endangered (D) taxon: "
            "it is Extinct (EX), Extinct in the Wild (EW) or Possibly Extinct, which is the assessor's judgement",
            "if exhaustive surveys found none and no reasonable doubt remains, the taxon is EX (or EW if it "
            "survives in captivity or cultivation), which categorize() does not return; if it may still "
            "survive, give possibly_extinct=True (or possibly_extinct_in_the_wild=True when individuals "
            "survive ex situ) for CR(PE) / CR(PEW); otherwise give the best estimate above 0")
    if clean.get("reduction_criterion") == "A3" and "a" in clean.get("reduction_bases", ()):
        raise InvalidInputError("reduction_bases", "basis (a) direct observation cannot support A3 "
                                "(a future reduction cannot be observed)", "remove 'a' or use A2/A4")
    largest = clean.get("largest_subpopulation")
    mature = clean.get("mature_individuals")
    if largest is not None and mature is not None and _best(largest) > _best(mature):
        raise InvalidInputError("largest_subpopulation",
                                f"{_best(largest):g} is more than the {_best(mature):g} mature individuals "
                                "in the whole population", "check both numbers")
    if _population_wide(clean.get("continuing_decline")) is False and clean.get("decline_percent") is not None \
            and _best(clean["decline_percent"]) > 0:
        raise InvalidInputError("continuing_decline",
                                f"False contradicts decline_percent={_best(clean['decline_percent']):g} "
                                "(a C1 decline is a continuing decline in mature individuals)",
                                "set continuing_decline to True or to the sub-criteria that decline "
                                "(e.g. {'v'}), or leave decline_percent out")


# --------------------------------------------------------------------------------------------------
# Three-valued logic (True = met, False = not met, None = unknown)
# --------------------------------------------------------------------------------------------------

def _and(*values: bool | None) -> bool | None:
    if any(value is False for value in values):
        return False
    if all(value is True for value in values):
        return True
    return None


def _or(*values: bool | None) -> bool | None:
    if any(value is True for value in values):
        return True
    if all(value is False for value in values):
        return False
    return None


def _at_least(needed: int, values: list[bool | None]) -> bool | None:
    true = sum(value is True for value in values)
    unknown = sum(value is None for value in values)
    if true >= needed:
        return True
    if true + unknown < needed:
        return False
    return None


def _fmt(x: float) -> str:
    if float(x).is_integer() and abs(x) < 1e15:
        return f"{int(x):,}"
    return f"{x:,.4g}" if abs(x) < 1 else f"{x:,.6g}"


def _yesno(value: bool | None) -> str:
    return {True: "met", False: "not met", None: "unknown"}[value]


# --------------------------------------------------------------------------------------------------
# Evaluation of one scenario (scalar values)
# --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Check:
    state: bool | None | str  # True, False, None (unknown) or "n/a"
    detail: str
    notation: str = ""


class _Thresholds:
    """Threshold lookup, optionally relaxed by the NT margin (limits × (1 + margin), percentages ÷ it)."""

    def __init__(self, relax: float = 0.0) -> None:
        self.relax = relax

    def __call__(self, key: str, category: str) -> float | None:
        value = THRESHOLDS[key][category]
        if value is None or not self.relax:
            return value
        # Rounded so that e.g. 30 / 1.5 is exactly 20 and a value on the relaxed limit counts.
        if key in _UPPER_LIMITS:
            return round(value * (1 + self.relax), 9)
        if key in _LOWER_LIMITS:
            return round(value / (1 + self.relax), 9)
        return value

    def below(self, value: float, limit: float) -> bool:
        """The Red List's strict "<"; a relaxed (NT) limit includes the limit itself ("within a factor")."""
        return value <= limit if self.relax else value < limit

    @property
    def lt(self) -> str:
        return "≤" if self.relax else "<"


_STRICT = _Thresholds()


def _window(kind: str, category: str, gl: float | None) -> float:
    return c1_window_years(category, gl) if kind == "C1" else e_window_years(category, gl)


def _rate_check(value: float | None, years: float | None, threshold: float, window: float,
                names: tuple[str, str], unit: str, steady: bool) -> tuple[bool | None, str]:
    """Compare a decline (or extinction probability) over ``years`` with a threshold over ``window``."""
    if value is None or years is None:
        missing = " and ".join(name for name, v in zip(names, (value, years)) if v is None)
        return None, f"unknown (give {missing})"
    shown = f"{_fmt(value * 100 if unit == 'prob' else value)}%"
    need = f"{_fmt(threshold * 100 if unit == 'prob' else threshold)}%"
    period = f"{_fmt(years)} y"
    win = f"{_fmt(window)}-y window"
    if unit == "prob":
        shown = "probability of extinction " + shown
    if years <= window and value >= threshold:
        return True, f"{shown} over {period} ≥ {need} within the {win}"
    if years >= window and value < threshold:
        return False, f"{shown} over {period} < {need}, so less than {need} within the shorter {win}" \
            if years > window else f"{shown} over {period} < {need} within the {win}"
    hint = ""
    if steady and 0 < value < 100:
        projected = 100 * (1 - (1 - value / 100) ** (window / years))
        hint = f" (a steady decline at that rate would give {_fmt(round(projected, 1))}%)"
    if years < window:
        return None, (f"{shown} over {period} is below {need}, but the {win} is longer: the decline over the "
                      f"whole window is not known{hint}")
    return None, (f"{shown} over {period} is not the rate within the shorter {win}: give the value over "
                  f"{_fmt(window)} y{hint}")


def _b_subparts(v: dict, category: str, thr: _Thresholds,
                which: str = "B1") -> tuple[list[bool | None], list[str], list[str]]:
    """States, explanations and notation pieces for B a, b and c at ``category``."""
    fragmented = v.get("severely_fragmented")
    locations = v.get("locations")
    limit = thr("Ba_locations", category)
    by_locations = None if locations is None else locations <= limit
    a = _or(fragmented, by_locations)
    if a is True:
        a_text = "a: severely fragmented" if fragmented else f"a: {_fmt(locations)} location(s) ≤ {_fmt(limit)}"
    elif a is False:
        a_text = f"a: not severely fragmented and {_fmt(locations)} locations > {_fmt(limit)}"
    else:
        known = []
        if fragmented is False:
            known.append("not severely fragmented")
        if locations is not None:
            known.append(f"{_fmt(locations)} locations > {_fmt(limit)}")
        missing = [name for name, value in (("locations", locations), ("severely_fragmented", fragmented))
                   if value is None]
        a_text = "a: unknown (" + "; ".join(known + ["give " + " or ".join(missing)]) + ")"
    decline = _b_part(v.get("continuing_decline"), which)
    b = None if decline is None else bool(decline)
    if isinstance(decline, tuple):
        b_text = "b: continuing decline in " + ", ".join(f"({k}) {_B_DECLINE_NAMES[k]}" for k in decline)
        b_note = "b(" + ",".join(decline) + ")"
    else:
        b_text = {True: "b: continuing decline", False: "b: no continuing decline",
                  None: "b: continuing decline unknown"}[b]
        b_note = "b"
    fluctuation = _b_part(v.get("extreme_fluctuation"), which)
    c = None if fluctuation is None else bool(fluctuation)
    if isinstance(fluctuation, tuple):
        c_text = "c: extreme fluctuations in " + ", ".join(f"({k}) {_B_FLUCTUATION_NAMES[k]}" for k in fluctuation)
        c_note = "c(" + ",".join(fluctuation) + ")"
    else:
        c_text = {True: "c: extreme fluctuations", False: "c: no extreme fluctuations",
                  None: "c: extreme fluctuations unknown"}[c]
        c_note = "c"
    return [a, b, c], [a_text, b_text, c_text], ["a", b_note, c_note]


def _eval_b(v: dict, category: str, which: str, thr: _Thresholds, needed: int = 2) -> _Check:
    if which == "B1":
        value, key, label = v.get("eoo_km2"), "B1_eoo_km2", "EOO"
        aoo = v.get("aoo_km2")
        raised = value is not None and aoo is not None and value < aoo
        if raised:
            value = aoo
    else:
        value, key, label, raised = v.get("aoo_km2"), "B2_aoo_km2", "AOO", False
    limit = thr(key, category)
    if value is None:
        range_ok, range_text = None, f"{label} unknown (give {'eoo_km2' if which == 'B1' else 'aoo_km2'})"
    else:
        range_ok = thr.below(value, limit)
        shown = f"{label} {_fmt(value)} km²" + (" (set equal to AOO, RLG §4.9)" if raised else "")
        range_text = f"{shown} {thr.lt} {_fmt(limit)} km²" if range_ok else \
            f"{shown} is not {'within' if thr.relax else 'below'} {_fmt(limit)} km²"
    if range_ok is False:
        return _Check(False, range_text)
    states, texts, notes = _b_subparts(v, category, thr, which)
    conditions = _at_least(needed, states)
    count = sum(state is True for state in states)
    tally = f"{count} of a–c hold (need {needed})"
    state = _and(range_ok, conditions)
    notation = which + "".join(note for note, s in zip(notes, states) if s is True) if state is True else ""
    return _Check(state, f"{range_text}; " + "; ".join(texts) + f" → {tally}", notation)


def _mature_check(v: dict, category: str, key: str, thr: _Thresholds) -> tuple[bool | None, str]:
    mature = v.get("mature_individuals")
    limit = thr(key, category)
    if mature is None:
        return None, "number of mature individuals unknown (give mature_individuals)"
    if thr.below(mature, limit):
        return True, f"{_fmt(mature)} mature individuals {thr.lt} {_fmt(limit)}"
    return False, f"{_fmt(mature)} mature individuals is not {'within' if thr.relax else 'below'} {_fmt(limit)}"


def _eval_c1(v: dict, category: str, thr: _Thresholds) -> _Check:
    mature_ok, mature_text = _mature_check(v, category, "C_mature", thr)
    if mature_ok is False:
        return _Check(False, mature_text)
    window = c1_window_years(category, v.get("generation_length_years"))
    rate, rate_text = _rate_check(v.get("decline_percent"), v.get("decline_years"),
                                  thr("C1_percent", category), window, ("decline_percent", "decline_years"), "%",
                                  steady=True)
    state = _and(mature_ok, rate)
    return _Check(state, f"{mature_text}; decline: {rate_text}", "C1" if state is True else "")


def _c2_decline(v: dict) -> tuple[bool | None, str]:
    decline = _population_wide(v.get("continuing_decline"))
    percent = v.get("decline_percent")
    if decline is True or (isinstance(decline, tuple) and "v" in decline):
        return True, "continuing decline in mature individuals"
    if percent is not None and percent > 0:
        return True, f"continuing decline in mature individuals (decline_percent {_fmt(percent)}%)"
    if decline is False or (percent is not None and percent == 0):
        return False, "no continuing decline in mature individuals"
    return None, "continuing decline in mature individuals unknown (continuing_decline True or with 'v')"


def _eval_c2(v: dict, category: str, thr: _Thresholds) -> _Check:
    mature_ok, mature_text = _mature_check(v, category, "C_mature", thr)
    if mature_ok is False:
        return _Check(False, mature_text)
    decline, decline_text = _c2_decline(v)
    if decline is False:
        return _Check(False, f"{mature_text}; {decline_text}")
    largest = v.get("largest_subpopulation")
    limit_i = thr("C2ai_largest_subpopulation", category)
    if largest is None:
        a_i, a_i_text = None, "a(i): largest subpopulation unknown"
    else:
        a_i = largest <= limit_i
        a_i_text = f"a(i): largest subpopulation {_fmt(largest)} {'≤' if a_i else '>'} {_fmt(limit_i)}"
    percent = v.get("percent_in_largest_subpopulation")
    limit_ii = thr("C2aii_percent_in_one", category)
    if percent is None:
        a_ii, a_ii_text = None, "a(ii): % in one subpopulation unknown"
    else:
        a_ii = percent >= limit_ii
        a_ii_text = f"a(ii): {_fmt(percent)}% in one subpopulation {'≥' if a_ii else '<'} {_fmt(limit_ii)}%"
    fluctuation = _population_wide(v.get("extreme_fluctuation"))
    if fluctuation is True or (isinstance(fluctuation, tuple) and "iv" in fluctuation):
        b, b_text = True, "b: extreme fluctuations in mature individuals"
    elif fluctuation is None or isinstance(fluctuation, tuple):
        b, b_text = None, "b: extreme fluctuations in mature individuals unknown"
    else:
        b, b_text = False, "b: no extreme fluctuations"
    state = _and(mature_ok, decline, _or(a_i, a_ii, b))
    notation = ""
    if state is True:
        parts = [name for name, s in (("i", a_i), ("ii", a_ii)) if s is True]
        notation = "C2" + (f"a({','.join(parts)})" if parts else "") + ("b" if b is True else "")
    return _Check(state, f"{mature_text}; {decline_text}; {a_i_text}; {a_ii_text}; {b_text}", notation)


def _eval_d(v: dict, category: str, thr: _Thresholds) -> _Check:
    state, text = _mature_check(v, category, "D_mature", thr)
    return _Check(state, text, ("D1" if category == "VU" else "D") if state is True else "")


def _eval_d2(v: dict, category: str, thr: _Thresholds) -> _Check:
    if category != "VU":
        return _Check("n/a", "D2 applies to VU only")
    aoo, locations = v.get("aoo_km2"), v.get("locations")
    aoo_limit, loc_limit = thr("D2_aoo_km2", "VU"), thr("D2_locations", "VU")
    by_aoo = None if aoo is None else thr.below(aoo, aoo_limit)
    by_locations = None if locations is None else locations <= loc_limit
    restricted = _or(by_aoo, by_locations)
    texts = []
    if aoo is not None:
        sign = thr.lt if by_aoo else (">" if thr.relax else "≥")
        texts.append(f"AOO {_fmt(aoo)} km² {sign} {_fmt(aoo_limit)} km²")
    if locations is not None:
        texts.append(f"{_fmt(locations)} locations {'≤' if by_locations else '>'} {_fmt(loc_limit)}")
    if not texts:
        texts.append("AOO and locations unknown")
    threat = v.get("plausible_threat")
    texts.append({True: "a plausible threat could drive it to CR or EX in a very short time",
                  False: "no plausible threat", None: "plausible threat not stated (give plausible_threat)"}[threat])
    state = _and(restricted, threat)
    return _Check(state, "; ".join(texts), "D2" if state is True else "")


def _eval_a(v: dict, category: str, thr: _Thresholds) -> _Check:
    percent, criterion = v.get("reduction_percent"), v.get("reduction_criterion")
    gl = v.get("generation_length_years")
    window = f"over {_fmt(reduction_window_years(gl))} y (longer of 10 y or 3 generations)" if gl is not None \
        else "over the longer of 10 years or 3 generations"
    if v.get("reductions"):
        states, texts, met = [], [], []
        for entry in v["reductions"]:
            limit = thr(entry["criterion"], category)
            ok = entry["percent"] >= limit
            states.append(ok)
            texts.append(f"{entry['criterion']}: {_fmt(entry['percent'])}% reduction {window} "
                         f"{'≥' if ok else '<'} {_fmt(limit)}%")
            if ok:
                met.append(entry["criterion"] + "".join(entry["bases"]))
        notation = "+".join([met[0], *(m[1:] for m in met[1:])]) if met else ""
        return _Check(_or(*states), "; ".join(texts), notation)
    if percent is None:
        return _Check(None, "no population reduction given (reduction_percent)")
    if criterion is None:
        lowest = min(thr(key, category) for key in _REDUCTION_CRITERIA)
        if percent < lowest:
            return _Check(False, f"{_fmt(percent)}% reduction {window} < {_fmt(lowest)}%, the lowest {category} "
                                 "threshold of A1–A4")
        return _Check(None, f"{_fmt(percent)}% reduction: whether A1 (≥ {_fmt(thr('A1', category))}%) or A2–A4 "
                            f"(≥ {_fmt(thr('A2', category))}%) applies is needed (give reduction_criterion)")
    limit = thr(criterion, category)
    if percent >= limit:
        return _Check(True, f"{_fmt(percent)}% reduction {window} ≥ {_fmt(limit)}% ({criterion})",
                      criterion + "".join(v.get("reduction_bases", ())))
    return _Check(False, f"{_fmt(percent)}% reduction {window} < {_fmt(limit)}% ({criterion})")


def _eval_e(v: dict, category: str, thr: _Thresholds) -> _Check:
    window = e_window_years(category, v.get("generation_length_years"))
    state, text = _rate_check(v.get("extinction_probability"), v.get("extinction_years"),
                              thr("E_probability", category), window, ("extinction_probability", "extinction_years"),
                              "prob", steady=False)
    return _Check(state, text, "E" if state is True else "")


_EVALUATORS = {
    "A": _eval_a,
    "B1": lambda v, c, t: _eval_b(v, c, "B1", t),
    "B2": lambda v, c, t: _eval_b(v, c, "B2", t),
    "C1": _eval_c1,
    "C2": _eval_c2,
    "D": _eval_d,
    "D2": _eval_d2,
    "E": _eval_e,
}
_GROUPS = {"A": ("A",), "B": ("B1", "B2"), "C": ("C1", "C2"), "D": ("D", "D2"), "E": ("E",)}


def _notation(checks: dict[str, _Check]) -> str:
    """Red List notation for the sub-criteria met at one category, e.g. 'B1ab(iii)+2ab(iii); C2a(i)'."""
    groups = []
    for letter, members in _GROUPS.items():
        parts = [checks[m].notation for m in members if checks[m].state is True and checks[m].notation]
        if not parts:
            continue
        first, rest = parts[0], [p[len(letter):] for p in parts[1:]]
        groups.append("+".join([first, *rest]))
    return "; ".join(groups)


# --------------------------------------------------------------------------------------------------
# Results
# --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class CriterionExplanation:
    """Why one sub-criterion is or is not met.

    ``status`` is 'met', 'not met' or 'unknown' over all categories ('met' if met at any); ``by_category``
    gives it per category ('not applicable' for D2 at CR and EN); ``category`` is the highest category it
    supports (None unless met); ``notation`` is its Red List notation at that category.
    """

    criterion: str
    status: str
    category: str | None
    by_category: dict[str, str]
    reason: str
    notation: str = ""

    @property
    def letter(self) -> str:
        """The criterion letter, 'A' to 'E'."""
        return self.criterion[0]

    def to_dict(self) -> dict[str, Any]:
        return {"criterion": self.criterion, "status": self.status, "category": self.category,
                "by_category": dict(self.by_category), "reason": self.reason, "notation": self.notation}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "CriterionExplanation":
        return cls(criterion=data["criterion"], status=data["status"], category=data["category"],
                   by_category=dict(data["by_category"]), reason=data["reason"],
                   notation=data.get("notation", ""))


@dataclass(frozen=True)
class RedListResult:
    """The outcome of :func:`categorize`.

    Attributes
    ----------
    category: 'CR', 'EN', 'VU', 'NT', 'LC' or 'DD', from the best estimates.
    criteria: Red List notation of every criterion met at ``category`` ('' unless threatened).
    explanations: one :class:`CriterionExplanation` per sub-criterion A, B1, B2, C1, C2, D, D2, E.
    category_range: (category at the least-threat bounds, category at the most-threat bounds) of any
        (low, best, high) ranges; both equal ``category`` when no range was given.
    criteria_range: the criteria strings at those two bounds.
    highest_possible: the highest category the evidence could still give if every unknown turned out
        to be met (equals ``category`` when nothing unknown could raise it).
    near_threatened: for NT, which criteria are close to VU and why (see NEAR_THREATENED_MARGIN).
    tag: 'PE' (Possibly Extinct) or 'PEW' (Possibly Extinct in the Wild) on a CR result, else ''.
    notes: caveats about the evidence (assumptions made, notation, missing generation length, ...).
    evidence: the evidence as checked (sets as sorted tuples, ranges as (low, best, high)).
    """

    category: str
    criteria: str
    explanations: tuple[CriterionExplanation, ...]
    category_range: tuple[str, str]
    criteria_range: tuple[str, str]
    highest_possible: str
    near_threatened: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    evidence: dict[str, Any] = field(default_factory=dict)
    tag: str = ""

    @property
    def label(self) -> str:
        """The category with its tag, as the Red List writes it: 'CR(PE)', 'CR(PEW)', or e.g. 'EN'."""
        return f"{self.category}({self.tag})" if self.tag else self.category

    @property
    def is_threatened(self) -> bool:
        """True for CR, EN and VU."""
        return self.category in THREATENED

    @property
    def could_be_higher(self) -> bool:
        """True when unknown evidence could still put the taxon in a higher category."""
        if self.category == "DD":
            return self.highest_possible in THREATENED
        return _RANK[self.highest_possible] > _RANK[self.category]

    @property
    def unknown_criteria(self) -> tuple[str, ...]:
        """Sub-criteria whose status is 'unknown'."""
        return tuple(e.criterion for e in self.explanations if e.status == "unknown")

    def explanation(self, criterion: str) -> CriterionExplanation:
        """The explanation for one sub-criterion ('A', 'B1', 'B2', 'C1', 'C2', 'D', 'D2' or 'E')."""
        for entry in self.explanations:
            if entry.criterion == criterion:
                return entry
        raise InvalidInputError("criterion", f"{criterion!r} is not explained", "use one of " + ", ".join(CRITERIA))

    def explanations_table(self) -> pd.DataFrame:
        """The explanations as a table: criterion, status, category, CR, EN, VU, notation, reason."""
        rows = [{"criterion": e.criterion, "status": e.status, "category": e.category,
                 **{c: e.by_category.get(c) for c in THREATENED}, "notation": e.notation, "reason": e.reason}
                for e in self.explanations]
        return pd.DataFrame.from_records(rows)

    def summary(self) -> str:
        """One line, e.g. 'EN B2ab(iii) (plausible range VU–CR)' or 'CR(PE) D'."""
        text = f"{self.label} {self.criteria}".strip()
        if self.category_range[0] != self.category_range[1]:
            text += f" (plausible range {self.category_range[0]}–{self.category_range[1]})"
        if self.category == "DD":
            text += (f" — no criterion could be evaluated with the evidence given, so every category from LC to "
                     f"{self.highest_possible} remains plausible (the Guidelines list a taxon as DD when its "
                     "plausible range of categories is that wide)")
        elif not self.is_threatened:
            text += " — no criterion met at VU"
            if self.category == "NT":
                text += ", but close to it"
        if self.could_be_higher:
            unknown = sorted({e.letter for e in self.explanations
                              if any(e.by_category.get(c) == "unknown" for c in THREATENED
                                     if _RANK[c] > _RANK.get(self.category, -1))})
            text += f"; unknown evidence ({', '.join(unknown)}) could raise it up to {self.highest_possible}"
        return text

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able data; :meth:`from_dict` reverses it exactly."""
        return {
            "category": self.category,
            "criteria": self.criteria,
            "explanations": [e.to_dict() for e in self.explanations],
            "category_range": list(self.category_range),
            "criteria_range": list(self.criteria_range),
            "highest_possible": self.highest_possible,
            "near_threatened": list(self.near_threatened),
            "notes": list(self.notes),
            "evidence": {k: _jsonable(v) for k, v in self.evidence.items()},
            "tag": self.tag,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "RedListResult":
        category = data.get("category")
        if category not in RESULT_CATEGORIES:
            raise InvalidInputError("category", f"{category!r} is not a category categorize() returns",
                                    "use one of " + ", ".join(RESULT_CATEGORIES))
        return cls(
            category=category,
            criteria=data["criteria"],
            explanations=tuple(CriterionExplanation.from_dict(e) for e in data["explanations"]),
            category_range=tuple(data["category_range"]),
            criteria_range=tuple(data["criteria_range"]),
            highest_possible=data["highest_possible"],
            near_threatened=tuple(data.get("near_threatened", ())),
            notes=tuple(data.get("notes", ())),
            evidence={k: _from_json(v) for k, v in data.get("evidence", {}).items()},
            tag=_check_tag(data.get("tag", ""), category),
        )


def _jsonable(value: Any) -> Any:
    if isinstance(value, (tuple, list)):
        return [_jsonable(item) for item in value]
    if isinstance(value, dict):
        return {key: _jsonable(item) for key, item in value.items()}
    return value


def _from_json(value: Any) -> Any:
    """Evidence read back from JSON: lists become tuples again (ranges, sub-criteria, reductions)."""
    if isinstance(value, list):
        return tuple(_from_json(item) for item in value)
    if isinstance(value, dict):
        return {key: _from_json(item) for key, item in value.items()}
    return value


def _check_tag(tag: Any, category: str) -> str:
    if tag in ("", None):
        return ""
    if tag not in TAGS:
        raise InvalidInputError("tag", f"{tag!r} is not a Red List tag", "use 'PE', 'PEW' or ''")
    if category != "CR":
        raise InvalidInputError("tag", f"{tag} is given on {category}", "the PE and PEW tags apply to CR only")
    return tag


@dataclass(frozen=True)
class _Scenario:
    category: str
    criteria: str
    checks: dict[str, dict[str, _Check]]
    highest_possible: str
    near: tuple[str, ...]


def _assess(v: dict[str, Any]) -> _Scenario:
    checks = {name: {cat: evaluate(v, cat, _STRICT) for cat in THREATENED} for name, evaluate in _EVALUATORS.items()}
    met = [cat for cat in THREATENED if any(checks[name][cat].state is True for name in CRITERIA)]
    possible = [cat for cat in THREATENED if any(checks[name][cat].state in (True, None) for name in CRITERIA)]
    near: list[str] = []
    if met:
        category = met[0]
        criteria = _notation({name: checks[name][category] for name in CRITERIA})
    else:
        criteria = ""
        evaluated = False
        for members in _GROUPS.values():
            states = [checks[m][cat].state for m in members for cat in THREATENED]
            if all(state in (False, "n/a") for state in states):
                evaluated = True
        if not evaluated:
            category = "DD"
        else:
            relaxed = _Thresholds(NEAR_THREATENED_MARGIN)
            for name, evaluate in _EVALUATORS.items():
                check = evaluate(v, "VU", relaxed)
                if check.state is True:
                    near.append(f"{name}: would meet VU within a factor of {1 + NEAR_THREATENED_MARGIN:g} of its "
                                f"limits — {check.detail}")
                elif name in ("B1", "B2"):
                    single = _eval_b(v, "VU", name, _STRICT, needed=1)
                    if single.state is True:
                        near.append(f"{name}: would meet VU if only one of a–c were needed — {single.detail}")
            category = "NT" if near else "LC"
    if category == "DD":
        highest = possible[0] if possible else "LC"
    else:
        above = [cat for cat in possible if _RANK[cat] > _RANK[category]]
        highest = above[0] if above else category
    return _Scenario(category, criteria, checks, highest, tuple(near))


def _explain(name: str, per_category: dict[str, _Check]) -> CriterionExplanation:
    by_category = {cat: ("not applicable" if check.state == "n/a" else _yesno(check.state))
                   for cat, check in per_category.items()}
    met = [cat for cat in THREATENED if per_category[cat].state is True]
    applicable = [cat for cat in THREATENED if per_category[cat].state != "n/a"]
    if met:
        status, category, notation = "met", met[0], per_category[met[0]].notation
        headline = f"Met at {category} ({notation})"
    elif all(per_category[cat].state is False for cat in applicable):
        status, category, notation = "not met", None, ""
        headline = "Not met"
    else:
        status, category, notation = "unknown", None, ""
        headline = "Unknown"
    details = [(cat, by_category[cat], per_category[cat].detail) for cat in THREATENED]
    if len({(s, d) for _, s, d in details}) == 1:
        reason = f"{headline}: {details[0][2]}."
    else:
        reason = headline + ". " + " ".join(f"{cat}: {s} — {d}." for cat, s, d in details)
    return CriterionExplanation(name, status, category, by_category, reason, notation)


def _notes(clean: dict[str, Any], best: dict[str, Any], scenario: _Scenario) -> list[str]:
    notes = []
    eoo, aoo = best.get("eoo_km2"), best.get("aoo_km2")
    if eoo is not None and aoo is not None and eoo < aoo:
        notes.append(f"EOO ({_fmt(eoo)} km²) is smaller than AOO ({_fmt(aoo)} km²): EOO was set equal to AOO "
                     "for B1 (IUCN Red List Guidelines §4.9).")
    if any(_b_part(clean.get("continuing_decline"), which) is True for which in _B_SUBCRITERIA):
        notes.append("continuing_decline=True is written 'b' without sub-criteria; a Red List assessment names "
                     "them, e.g. b(iii) for habitat — give the set of (i)–(v) that decline.")
    if any(_b_part(clean.get("extreme_fluctuation"), which) is True for which in _B_SUBCRITERIA):
        notes.append("extreme_fluctuation=True is written 'c' without sub-criteria; a Red List assessment names "
                     "them, e.g. c(iv) for mature individuals — give the set of (i)–(iv) that fluctuate.")
    decline = _population_wide(clean.get("continuing_decline"))
    percent = best.get("decline_percent")
    if isinstance(decline, tuple) and "v" not in decline and percent is not None and percent > 0:
        notes.append("decline_percent shows a decline in mature individuals; C2 used it, but B's b lists only "
                     f"({','.join(decline)}) — add 'v' to continuing_decline if B should cite it.")
    if clean.get("generation_length_years") is None and (
            clean.get("decline_percent") is not None or clean.get("extinction_probability") is not None):
        notes.append("No generation_length_years: C1 and E windows are in years alone (3/5/10 y for C1, "
                     "10/20/100 y for E); a long generation length would lengthen them.")
    if clean.get("reduction_bases") and clean.get("reduction_criterion") is None:
        notes.append("reduction_bases were given without reduction_criterion, so A cannot be written.")
    if scenario.checks["D2"]["VU"].state is not False and (aoo is not None or best.get("locations") is not None):
        notes.append("D2 uses the typical values (AOO < 20 km² or ≤ 5 locations); the Guidelines treat them "
                     "as guidance: the plausible threat is what matters.")
    if scenario.category == "NT":
        notes.append(f"NT is a judgement in the Guidelines; here it means a criterion is within a factor of "
                     f"{1 + NEAR_THREATENED_MARGIN:g} of the VU limits (as in the Guidelines' NT examples, e.g. "
                     "about 1,500 mature individuals), or B with one of a–c (a teaching approximation).")
    if scenario.category in ("LC", "NT", "DD") or _RANK.get(scenario.highest_possible, 0) > _RANK.get(
            scenario.category, 0):
        unknown = []
        for name in CRITERIA:
            cats = [cat for cat in THREATENED if scenario.checks[name][cat].state is None
                    and (scenario.category in ("LC", "NT", "DD") or _RANK[cat] > _RANK[scenario.category])]
            if cats:
                unknown.append(f"{name} at {'/'.join(cats)}")
        if unknown:
            notes.append("Unknown with this evidence and able to raise the category: " + ", ".join(unknown) + ".")
    return notes


def categorize(**evidence: Any) -> RedListResult:
    """Red List category and criteria (IUCN 2012, v3.1) from the evidence given, with reasons.

    Every keyword is optional; leave out what is not known. Numbers may be given as a (low, best, high)
    range. Keywords (see ``EVIDENCE_FIELDS``):

    * A: ``reduction_percent`` (%), ``reduction_criterion`` ('A1'–'A4'), ``reduction_bases`` (letters a–e,
      for the notation), ``generation_length_years``.
    * B: ``eoo_km2``, ``aoo_km2`` (km²), ``locations``, ``severely_fragmented`` (bool),
      ``continuing_decline`` (True or a set of 'i'–'v'), ``extreme_fluctuation`` (True or a set of 'i'–'iv').
    * C: ``mature_individuals``, ``decline_percent`` (%) over ``decline_years`` (C1), ``largest_subpopulation``
      (mature individuals) and ``percent_in_largest_subpopulation`` (%) (C2a), with the B flags above.
    * D: ``mature_individuals``; VU D2 ``aoo_km2`` or ``locations`` with ``plausible_threat`` (bool).
    * E: ``extinction_probability`` (0–1) within ``extinction_years``.
    * Several A sub-criteria at once: ``reductions`` — a list of ``{"criterion": "A2", "percent": 60,
      "bases": "c"}`` (instead of the three single-reduction keywords).
    * B1 and B2 with different sub-criteria: ``continuing_decline={"B1": {"ii", "v"}, "B2": {"v"}}`` (and
      likewise ``extreme_fluctuation``).
    * Tags for CR: ``possibly_extinct=True`` → CR(PE); ``possibly_extinct_in_the_wild=True`` → CR(PEW). With
      ``mature_individuals=0`` one of them is required (0 alone raises: the taxon would be EX, EW or PE).

    Returns a :class:`RedListResult`. Raises :class:`InvalidInputError` naming the field for unknown
    keywords, numbers out of range, unordered ranges, bad sub-criteria or contradictions.
    """
    clean = _normalise(evidence)
    quantities = {k: v for k, v in clean.items() if k in _QUANTITIES}
    ranged = {k for k, v in quantities.items() if isinstance(v, tuple)}
    if any(isinstance(entry["percent"], tuple) for entry in clean.get("reductions", ())):
        ranged.add("reductions")

    def pick(key: str, value: Any, part: int) -> Any:
        """The low (0), best (1) or high (2) value of a ranged quantity (reductions: of each percent)."""
        if key == "reductions":
            return tuple({**entry, "percent": entry["percent"][part] if isinstance(entry["percent"], tuple)
                          else entry["percent"]} for entry in value)
        return value[part]

    best = {k: (pick(k, v, 1) if k in ranged else v) for k, v in clean.items()}
    scenario = _assess(best)
    if ranged:
        def bound(worst: bool) -> dict[str, Any]:
            values = dict(best)
            for key in ranged:
                high_is_worse = key == "reductions" or _QUANTITIES[key][0] == "high"
                values[key] = pick(key, clean[key], 2 if high_is_worse == worst else 0)
            return values
        optimistic, pessimistic = _assess(bound(False)), _assess(bound(True))
        category_range = (optimistic.category, pessimistic.category)
        criteria_range = (optimistic.criteria, pessimistic.criteria)
    else:
        category_range = (scenario.category, scenario.category)
        criteria_range = (scenario.criteria, scenario.criteria)
    explanations = tuple(_explain(name, scenario.checks[name]) for name in CRITERIA)
    tag = "PE" if clean.get("possibly_extinct") else "PEW" if clean.get("possibly_extinct_in_the_wild") else ""
    if tag and scenario.category != "CR":
        field_name = "possibly_extinct" if tag == "PE" else "possibly_extinct_in_the_wild"
        raise InvalidInputError(field_name, f"the evidence gives {scenario.category}, and the {tag} tag applies "
                                "to Critically Endangered taxa only",
                                "leave the tag out, or check the evidence: a taxon that may be extinct usually "
                                "has very few mature individuals (CR D) or a steep decline")
    notes = _notes(clean, best, scenario)
    if tag:
        notes.append({"PE": "Tagged Possibly Extinct: CR(PE). The tag records that the taxon is likely extinct "
                            "but this is not yet confirmed; it stays CR for Red List statistics.",
                      "PEW": "Tagged Possibly Extinct in the Wild: CR(PEW). The taxon survives in captivity or "
                             "cultivation and is likely, but not confirmed, to be extinct in the wild."}[tag])
    mature = clean.get("mature_individuals")
    if isinstance(mature, tuple) and mature[0] == 0 and not tag:
        notes.append("The low bound of mature_individuals is 0: if the taxon may already be extinct (in the wild), "
                     "say so with possibly_extinct or possibly_extinct_in_the_wild.")
    if ranged:
        notes.append("Ranges given for " + ", ".join(sorted(ranged)) + ": the category is from the best "
                     f"estimates; the bounds give {category_range[0]} (least threat) to {category_range[1]} "
                     "(most threat). The explanations use the best estimates.")
    return RedListResult(
        category=scenario.category,
        criteria=scenario.criteria,
        explanations=explanations,
        category_range=category_range,
        criteria_range=criteria_range,
        highest_possible=scenario.highest_possible,
        near_threatened=scenario.near,
        notes=tuple(notes),
        evidence=dict(clean),
        tag=tag,
    )
