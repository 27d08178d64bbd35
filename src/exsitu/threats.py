"""IUCN Threats Classification Scheme and Red List threat impact scoring (ECA Step 1, threat analysis).

Sources
-------
* Classification: IUCN Red List, *Threats Classification Scheme (Version 3.3)*,
  https://www.iucnredlist.org/resources/threat-classification-scheme — the IUCN–CMP unified classification
  of direct threats (Salafsky et al. 2008, *Conservation Biology* 22:897–911). The 12 level-1 and all
  level-2 codes and names are stored in ``exsitu/data/threats_classification.json`` (copied from the
  course's domain notes ``redlist-threats.md`` §3). Level 3 is stored only for 8.1, 8.2, 8.4 and 8.5
  (x.1 unspecified, x.2 named species; 8.2 assumed to split like 8.1). Code other threats at level 2 and
  name the detail in ``notes``.
* Impact scoring: as implemented in the Red List's Species Information Service (SIS, the
  ``SISThreatStructure`` threat widget): each threat is scored for timing (Ongoing 3, Future 1), scope
  (Whole >90 % 3, Majority 50–90 % 2, Minority <50 % 1) and severity (Very rapid declines 3, Rapid 2,
  Slow, significant 1, Causing/could cause fluctuations 1, Negligible 0, No decline 0); the impact score is
  the sum: 0–2 No/negligible, 3–5 Low, 6–7 Medium, 8–9 High. Either past timing gives "Past" impact; an
  Unknown timing, scope or severity gives "Unknown". "Major" threats are those of High or Medium impact.

SIS codes the past timings as 20 and 30 and Unknown as −10 so that sums outside 0–9 mean "Past" and
negative sums "Unknown". In one corner ("Past, likely to return" with Unknown scope *and* severity,
20 − 10 − 10 = 0) that arithmetic would show "No/negligible"; this module returns "Past" there, as the
rule the codes encode says. Third-party analyses score past timings differently (e.g. 0, or 1 for "Past,
likely to return"); those are not the Red List's scores.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any, Iterable, Mapping

import pandas as pd

from exsitu.validation import InvalidInputError

__all__ = [
    "SCHEME_VERSION", "SOURCE", "TIMINGS", "SCOPES", "SEVERITIES", "TIMING_SCORES", "SCOPE_SCORES",
    "SEVERITY_SCORES", "IMPACTS", "MAJOR_IMPACTS",
    "threat_classification", "threat_name", "validate_threat_code", "impact_score", "impact_from_score",
    "ThreatImpact", "threats_table", "major_threats",
]

#: Timing labels (Red List wording) and their SIS scores; past timings and Unknown have no score.
TIMING_SCORES: Mapping[str, int | None] = {
    "Ongoing": 3,
    "Future": 1,
    "Past, unlikely to return": None,
    "Past, likely to return": None,
    "Unknown": None,
}
SCOPE_SCORES: Mapping[str, int | None] = {
    "Whole (>90%)": 3,
    "Majority (50–90%)": 2,
    "Minority (<50%)": 1,
    "Unknown": None,
}
SEVERITY_SCORES: Mapping[str, int | None] = {
    "Very rapid declines": 3,
    "Rapid declines": 2,
    "Slow, significant declines": 1,
    "Causing/could cause fluctuations": 1,
    "Negligible declines": 0,
    "No decline": 0,
    "Unknown": None,
}
TIMINGS: tuple[str, ...] = tuple(TIMING_SCORES)
SCOPES: tuple[str, ...] = tuple(SCOPE_SCORES)
SEVERITIES: tuple[str, ...] = tuple(SEVERITY_SCORES)
#: Impact labels, in the order :func:`threats_table` sorts them (Unknown above No/negligible: an unscored
#: threat may be serious).
IMPACTS: tuple[str, ...] = ("High", "Medium", "Low", "Unknown", "No/negligible", "Past")
MAJOR_IMPACTS: tuple[str, ...] = ("High", "Medium")
_PAST_TIMINGS = ("Past, unlikely to return", "Past, likely to return")


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.lower()).strip()


def _aliases(labels: Iterable[str], extra: Mapping[str, str]) -> dict[str, str]:
    table = {_key(label): label for label in labels}
    table.update({_key(alias): label for alias, label in extra.items()})
    return table


_TIMING_ALIASES = _aliases(TIMINGS, {
    "past unlikely": "Past, unlikely to return", "past, unlikely": "Past, unlikely to return",
    "past likely": "Past, likely to return", "past, likely": "Past, likely to return",
})
_SCOPE_ALIASES = _aliases(SCOPES, {"whole": "Whole (>90%)", "majority": "Majority (50–90%)",
                                   "minority": "Minority (<50%)"})
_SEVERITY_ALIASES = _aliases(SEVERITIES, {
    "very rapid": "Very rapid declines", "rapid": "Rapid declines", "slow": "Slow, significant declines",
    "slow, significant": "Slow, significant declines", "slow significant declines": "Slow, significant declines",
    "fluctuations": "Causing/could cause fluctuations", "causing fluctuations": "Causing/could cause fluctuations",
    "negligible": "Negligible declines", "none": "No decline", "no declines": "No decline",
})


_SHORT_EXAMPLES = {"timing": "'ongoing', 'past likely'", "scope": "'whole', 'minority'",
                   "severity": "'very rapid', 'slow'"}


def _label(value: Any, field_name: str, aliases: Mapping[str, str], labels: tuple[str, ...]) -> str:
    if isinstance(value, str):
        found = aliases.get(_key(value))
        if found is not None:
            return found
    shown = ", ".join(repr(label) for label in labels)
    raise InvalidInputError(field_name, f"{value!r} is not a recognised {field_name}",
                            f"use one of {shown} (any case; short forms such as "
                            f"{_SHORT_EXAMPLES[field_name]} work)")


# --------------------------------------------------------------------------------------------------
# Classification
# --------------------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _scheme() -> dict[str, Any]:
    text = resources.files("exsitu").joinpath("data", "threats_classification.json").read_text(encoding="utf-8")
    return json.loads(text)


_META = _scheme()
SCHEME_VERSION: str = _META["version"]
SOURCE: str = _META["source"]


@lru_cache(maxsize=1)
def _by_code() -> dict[str, dict[str, Any]]:
    return {row["code"]: row for row in _META["threats"]}


def _sort_key(code: str) -> tuple[int, ...]:
    return tuple(int(part) for part in code.split("."))


def threat_classification(levels: int = 2) -> pd.DataFrame:
    """The Threats Classification Scheme v3.3 as a table with columns code, level, name, parent.

    ``levels=2`` (default) gives the 12 level-1 threats and their level-2 threats; ``levels=3`` adds the
    few level-3 codes stored (8.1, 8.2, 8.4, 8.5) and a ``note`` column. ``attrs['source']`` names the source.
    """
    if levels not in (1, 2, 3):
        raise InvalidInputError("levels", f"{levels!r} is not 1, 2 or 3", "use 1, 2 or 3")
    rows = [row for row in _META["threats"] if row["level"] <= levels]
    rows.sort(key=lambda row: _sort_key(row["code"]))
    columns = ["code", "level", "name", "parent"] + (["note"] if levels == 3 else [])
    frame = pd.DataFrame.from_records(rows)[columns]
    frame["level"] = frame["level"].astype("int64")
    frame.attrs["source"] = SOURCE
    frame.attrs["version"] = SCHEME_VERSION
    return frame.reset_index(drop=True)


def _suggestions(code: str) -> list[str]:
    table = _by_code()
    parts = code.split(".")
    parent = ".".join(parts[:-1])
    if parent in table:
        children = [c for c, row in table.items() if row["parent"] == parent]
        if children:
            return sorted(children, key=_sort_key)
        return [parent]
    words = _key(code)
    if words and not words.replace(" ", "").isdigit():
        contained = [c for c, row in table.items() if words in _key(row["name"])]
        if contained:
            return sorted(contained, key=_sort_key)[:6]
    by_code = difflib.get_close_matches(code, list(table), n=4, cutoff=0.5)
    by_name = [c for name in difflib.get_close_matches(code, [row["name"] for row in table.values()], n=3,
                                                       cutoff=0.5)
               for c, row in table.items() if row["name"] == name]
    found = list(dict.fromkeys(by_name + by_code))
    return found or [c for c, row in table.items() if row["level"] == 1]


def validate_threat_code(code: Any, field_name: str = "code") -> str:
    """Return ``code`` as text ('2.1') if it is in the scheme; otherwise raise naming the nearest codes.

    Accepts text or a number (``2.1`` → '2.1', ``5`` → '5').
    """
    if isinstance(code, bool) or code is None:
        raise InvalidInputError(field_name, f"expected a threat code such as '2.1', got {code!r}",
                                "use a code of the IUCN Threats Classification Scheme v3.3, e.g. '2.1'")
    if isinstance(code, int):
        text = str(code)
    elif isinstance(code, float):
        text = str(int(code)) if code.is_integer() else repr(code)
    elif isinstance(code, str):
        text = code.strip().rstrip(".")
    else:
        raise InvalidInputError(field_name, f"expected a threat code such as '2.1', got {code!r}",
                                "use a code of the IUCN Threats Classification Scheme v3.3, e.g. '2.1'")
    if text in _by_code():
        return text
    if re.fullmatch(r"\d+(\.\d+)*", text):
        shown = ", ".join(f"{c} {_by_code()[c]['name']}" for c in _suggestions(text))
        extra = ""
        if text.count(".") >= 2 and ".".join(text.split(".")[:2]) in _by_code():
            extra = " (only level 3 of 8.1, 8.2, 8.4 and 8.5 is stored: code at level 2 and name the detail " \
                    "in notes)"
        raise InvalidInputError(field_name, f"{text!r} is not a code of the Threats Classification Scheme "
                                            f"v{SCHEME_VERSION}{extra}", f"nearest valid codes: {shown}")
    shown = ", ".join(f"{c} {_by_code()[c]['name']}" for c in _suggestions(text))
    raise InvalidInputError(field_name, f"{text!r} is not a threat code", f"use a code; closest: {shown}")


def threat_name(code: Any) -> str:
    """Name of a threat code, e.g. ``threat_name('8.1')`` → 'Invasive non-native/alien species/diseases'."""
    return _by_code()[validate_threat_code(code)]["name"]


def _level1_name(code: str) -> str:
    return _by_code()[code.split(".")[0]]["name"]


# --------------------------------------------------------------------------------------------------
# Impact scoring
# --------------------------------------------------------------------------------------------------

def impact_from_score(score: int) -> str:
    """Impact label of a summed score 0–9 (SIS): 0–2 No/negligible, 3–5 Low, 6–7 Medium, 8–9 High."""
    if isinstance(score, bool) or not isinstance(score, int) or not 0 <= score <= 9:
        raise InvalidInputError("score", f"{score!r} is not a whole number from 0 to 9",
                                "the impact score is timing + scope + severity, from 0 to 9")
    if score <= 2:
        return "No/negligible"
    if score <= 5:
        return "Low"
    if score <= 7:
        return "Medium"
    return "High"


def impact_score(timing: str, scope: str, severity: str) -> tuple[int | None, str]:
    """Red List (SIS) impact score and label of one threat.

    Returns ``(score, impact)``: score = timing + scope + severity (0–9) and its label, or ``(None, 'Past')``
    for either past timing, or ``(None, 'Unknown')`` when timing, scope or severity is Unknown.
    Labels are case-insensitive; short forms ('ongoing', 'whole', 'very rapid') are accepted.
    """
    timing = _label(timing, "timing", _TIMING_ALIASES, TIMINGS)
    scope = _label(scope, "scope", _SCOPE_ALIASES, SCOPES)
    severity = _label(severity, "severity", _SEVERITY_ALIASES, SEVERITIES)
    if timing in _PAST_TIMINGS:
        return None, "Past"
    parts = (TIMING_SCORES[timing], SCOPE_SCORES[scope], SEVERITY_SCORES[severity])
    if any(part is None for part in parts):
        return None, "Unknown"
    score = sum(parts)
    return score, impact_from_score(score)


@dataclass(frozen=True)
class ThreatImpact:
    """One threat to a taxon, coded and scored as in a Red List assessment.

    ``code`` is a Threats Classification Scheme v3.3 code ('8.1'); ``timing``, ``scope`` and ``severity``
    are stored as the Red List's labels (short forms accepted); ``notes`` names the detail (e.g. the
    pathogen or invasive species).
    """

    code: str
    timing: str
    scope: str
    severity: str
    notes: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "code", validate_threat_code(self.code))
        object.__setattr__(self, "timing", _label(self.timing, "timing", _TIMING_ALIASES, TIMINGS))
        object.__setattr__(self, "scope", _label(self.scope, "scope", _SCOPE_ALIASES, SCOPES))
        object.__setattr__(self, "severity", _label(self.severity, "severity", _SEVERITY_ALIASES, SEVERITIES))
        if self.notes is None:
            object.__setattr__(self, "notes", "")
        if not isinstance(self.notes, str):
            raise InvalidInputError("notes", f"expected text, got {self.notes!r}", "describe the threat in words")

    @property
    def name(self) -> str:
        """Name of the threat code."""
        return _by_code()[self.code]["name"]

    @property
    def score(self) -> int | None:
        """Impact score 0–9, or None for a past or unknown threat."""
        return impact_score(self.timing, self.scope, self.severity)[0]

    @property
    def impact(self) -> str:
        """'High', 'Medium', 'Low', 'No/negligible', 'Past' or 'Unknown'."""
        return impact_score(self.timing, self.scope, self.severity)[1]

    @property
    def is_major(self) -> bool:
        """True for High or Medium impact (the Red List's "major threats")."""
        return self.impact in MAJOR_IMPACTS

    def to_dict(self) -> dict[str, str]:
        return {"code": self.code, "timing": self.timing, "scope": self.scope, "severity": self.severity,
                "notes": self.notes}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "ThreatImpact":
        if not isinstance(data, Mapping):
            raise InvalidInputError("threat", f"expected a mapping, got {data!r}",
                                    "give code, timing, scope, severity (and notes)")
        missing = [key for key in ("code", "timing", "scope", "severity") if key not in data]
        if missing:
            raise InvalidInputError(missing[0], "is missing", "give code, timing, scope, severity (and notes)")
        return cls(code=data["code"], timing=data["timing"], scope=data["scope"], severity=data["severity"],
                   notes=data.get("notes", "") or "")


def _check_threats(threats: Iterable[ThreatImpact], field_name: str = "threats") -> list[ThreatImpact]:
    if isinstance(threats, ThreatImpact):
        threats = [threats]
    items = list(threats)
    for index, item in enumerate(items):
        if not isinstance(item, ThreatImpact):
            raise InvalidInputError(f"{field_name}[{index}]", f"expected a ThreatImpact, got {item!r}",
                                    "create it with ThreatImpact(code, timing, scope, severity)")
    return items


def _impact_order(threat: ThreatImpact) -> tuple:
    score = threat.score
    return (IMPACTS.index(threat.impact), -(score if score is not None else -1), _sort_key(threat.code))


def threats_table(threats: Iterable[ThreatImpact]) -> pd.DataFrame:
    """Threats as a table for lessons, highest impact first.

    Columns: code, threat (name), category (level-1 name), timing, scope, severity, score (nullable
    integer), impact, major, notes. Sorted by impact (High, Medium, Low, Unknown, No/negligible, Past),
    then score, then code. Every threat given is kept (duplicates included).
    """
    items = sorted(_check_threats(threats), key=_impact_order)
    columns = ["code", "threat", "category", "timing", "scope", "severity", "score", "impact", "major", "notes"]
    rows = [{"code": t.code, "threat": t.name, "category": _level1_name(t.code), "timing": t.timing,
             "scope": t.scope, "severity": t.severity, "score": t.score, "impact": t.impact,
             "major": t.is_major, "notes": t.notes} for t in items]
    frame = pd.DataFrame.from_records(rows, columns=columns)
    frame["score"] = pd.array(frame["score"].tolist(), dtype="Int64")
    frame["major"] = frame["major"].astype(bool)
    frame.attrs["source"] = SOURCE
    return frame


def major_threats(threats: Iterable[ThreatImpact]) -> list[ThreatImpact]:
    """The High and Medium impact threats, highest first."""
    return [t for t in sorted(_check_threats(threats), key=_impact_order) if t.is_major]
