"""Input limits the store enforces before anything is written (every input is hostile).

Each check raises :class:`exsitu.validation.InvalidInputError` naming the field and the fix, so a page can
show it as it is. The limits: names and short texts ≤ 200 characters, reasons and rationales ≤ 5,000
characters, an assessment ≤ 5 MB as compact JSON, finite numbers only (NaN and Infinity are refused),
scores within the declared scale, at most 100 options, criteria, groups or dissents.
"""

from __future__ import annotations

import json
import math
from typing import Any, Mapping

from exsitu.assessment import Assessment
from exsitu.validation import InvalidInputError, require_number

MAX_NAME_CHARS = 200
"""Longest name, title, taxon, affiliation, topic or confidence (characters)."""

MAX_TEXT_CHARS = 5_000
"""Longest reason, rationale, summary, outcome or dissent (characters)."""

MAX_ASSESSMENT_BYTES = 5 * 1024 * 1024
"""Largest assessment, as compact UTF-8 JSON (5 MB, as the workbench's upload limit)."""

MAX_ITEMS = 100
"""Most options, criteria, groups or dissents in one call."""

DEFAULT_SCALE: tuple[float, float] = (0.0, 10.0)
"""The score scale when the group's assessment declares none (the default of :class:`exsitu.decision.Decision`)."""


def name(value: Any, field: str, *, required: bool = True, limit: int = MAX_NAME_CHARS) -> str:
    """A short text: stripped, non-empty if ``required``, at most ``limit`` characters, no control characters."""
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise InvalidInputError(field, f"expected a text, got {type(value).__name__}", "type it as text")
    text = value.strip()
    if required and not text:
        raise InvalidInputError(field, "is empty", "type something here")
    if len(text) > limit:
        raise InvalidInputError(field, f"is {len(text):,} characters long, more than the {limit:,} allowed",
                                f"shorten it to at most {limit:,} characters")
    if "\x00" in text:
        raise InvalidInputError(field, "contains a NUL character", "remove it (paste as plain text)")
    return text


def text(value: Any, field: str, *, required: bool = False) -> str:
    """A longer text (reason, rationale): at most :data:`MAX_TEXT_CHARS` characters."""
    return name(value, field, required=required, limit=MAX_TEXT_CHARS)


def choice(value: Any, field: str, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in choices:
        raise InvalidInputError(field, f"{value!r} is not one of the allowed values",
                                "choose one of " + ", ".join(repr(c) for c in choices))
    return value


def assessment_json(assessment: Any, field: str = "assessment") -> str:
    """The assessment as compact JSON, refusing anything but an Assessment, non-finite numbers and > 5 MB."""
    if not isinstance(assessment, Assessment):
        raise InvalidInputError(field, f"expected an exsitu.assessment.Assessment, got {type(assessment).__name__}",
                                "build or load one with exsitu.assessment")
    try:
        data = json.dumps(assessment.to_dict(), ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except ValueError:
        raise InvalidInputError(field, "contains a number that is not finite (NaN or Infinity)",
                                "replace it with a number or leave the field empty") from None
    size = len(data.encode("utf-8"))
    if size > MAX_ASSESSMENT_BYTES:
        raise InvalidInputError(field, f"is {size / 1e6:.1f} MB as JSON, more than the 5 MB allowed",
                                "shorten the notes or remove pasted data (attach big files elsewhere)")
    return data


def scale_of(assessment: Assessment | None) -> tuple[float, float]:
    """The score scale declared by the assessment's Step 5 decision, else :data:`DEFAULT_SCALE`."""
    if assessment is not None:
        decision = assessment.decision
        if decision is None and assessment.decision_record is not None:
            decision = assessment.decision_record.decision
        if decision is not None:
            return float(decision.score_min), float(decision.score_max)
    return DEFAULT_SCALE


def scores(value: Any, scale: tuple[float, float], field: str = "scores") -> dict[str, dict[str, float]]:
    """``{option_id: {criterion_id: score}}`` with finite scores within ``scale`` (inclusive)."""
    if not isinstance(value, Mapping):
        raise InvalidInputError(field, f"expected {{option: {{criterion: score}}}}, got {type(value).__name__}",
                                "give a score per option and criterion")
    if len(value) > MAX_ITEMS:
        raise InvalidInputError(field, f"has {len(value)} options, more than {MAX_ITEMS}", "score fewer options")
    lo, hi = scale
    out: dict[str, dict[str, float]] = {}
    for option, row in value.items():
        option_id = name(option, f"{field} option")
        if not isinstance(row, Mapping):
            raise InvalidInputError(f"{field}[{option_id!r}]", "expected {criterion: score}",
                                    "give a score per criterion")
        if len(row) > MAX_ITEMS:
            raise InvalidInputError(f"{field}[{option_id!r}]", f"has more than {MAX_ITEMS} criteria",
                                    "score fewer criteria")
        out[option_id] = {}
        for criterion, score in row.items():
            criterion_id = name(criterion, f"{field}[{option_id!r}] criterion")
            where = f"{field}[{option_id!r}][{criterion_id!r}]"
            out[option_id][criterion_id] = require_number(score, where, minimum=lo, maximum=hi)
    return out


def weights(value: Any, field: str = "weights") -> dict[str, float]:
    """``{criterion_id: weight}`` with finite weights ≥ 0 (relative; they need not sum to 1)."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise InvalidInputError(field, f"expected {{criterion: weight}}, got {type(value).__name__}",
                                "give a weight per criterion")
    if len(value) > MAX_ITEMS:
        raise InvalidInputError(field, f"has more than {MAX_ITEMS} criteria", "weigh fewer criteria")
    out = {}
    for criterion, weight in value.items():
        criterion_id = name(criterion, f"{field} criterion")
        out[criterion_id] = require_number(weight, f"{field}[{criterion_id!r}]", minimum=0)
    return out


def topic_items(value: Any, field: str, *, directions: bool = False) -> list[dict[str, str]]:
    """A topic's options or criteria: 1–:data:`MAX_ITEMS` items, each a name or ``{"id", "name"}`` (criteria
    also ``"direction"``, ``"benefit"`` or ``"cost"``); ids (default: the name) unique. Returns the dicts."""
    if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)):
        raise InvalidInputError(field, f"expected a list, got {type(value).__name__}", "give one name per item")
    if not value:
        raise InvalidInputError(field, "is empty", "give at least one")
    if len(value) > MAX_ITEMS:
        raise InvalidInputError(field, f"has {len(value)} items, more than {MAX_ITEMS}", "rate fewer at once")
    out: list[dict[str, str]] = []
    seen: set[str] = set()
    for i, item in enumerate(value):
        where = f"{field}[{i}]"
        if isinstance(item, Mapping):
            label = name(item.get("name"), f"{where}.name")
            item_id = name(item.get("id") or label, f"{where}.id")
            direction = item.get("direction", "benefit")
        else:
            label = name(item, where)
            item_id, direction = label, "benefit"
        if item_id in seen:
            raise InvalidInputError(where, f"{item_id!r} is given twice", "give each item once")
        seen.add(item_id)
        entry = {"id": item_id, "name": label}
        if directions:
            entry["direction"] = choice(direction, f"{where}.direction", ("benefit", "cost"))
        out.append(entry)
    return out


def finite_json(value: Any, field: str) -> str:
    """JSON text of plain data, refusing NaN/Infinity."""
    try:
        return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))
    except ValueError:
        raise InvalidInputError(field, "contains a number that is not finite (NaN or Infinity)",
                                "enter finite numbers only") from None
    except TypeError as error:
        raise InvalidInputError(field, f"is not plain data ({error})", "use texts and numbers only") from None


def is_finite(x: float) -> bool:
    return math.isfinite(x)
