"""Self-checks for the graded exercises: tell a learner whether an answer is right without showing it.

An exercise's visible self-check compares the learner's answer with a *digest* (a SHA-256 fingerprint) of the
right answer, so it can fail on a wrong answer while the notebook never prints the answer itself. When it
passes it prints a line starting with "✓"; when it fails, :func:`feedback` says what was given and describes
what was expected (in words, never the value). Hidden tests still do the grading.

    assert check_answer("to_cr", to_cr, "5d1c…"), feedback("to_cr", to_cr, "the letters of the findings …")

Answers are compared after :func:`normalise`: texts without surrounding blanks and case, sets sorted, tuples
and lists as sequences, numbers rounded to ``digits`` decimals (a whole float equals the integer).
"""

from __future__ import annotations

import hashlib
import json
import math
import numbers
from collections.abc import Mapping, Set
from typing import Any

__all__ = ["check_answer", "digest", "feedback", "normalise"]


def normalise(value: Any, digits: int = 4) -> Any:
    """``value`` as plain JSON data in a canonical form (see the module docstring)."""
    if value is None or isinstance(value, bool):
        return value
    if hasattr(value, "item") and not isinstance(value, (str, bytes)) and getattr(value, "ndim", 1) == 0:
        value = value.item()  # numpy scalars
        if isinstance(value, bool):
            return value
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        number = float(value)
        if not math.isfinite(number):
            return str(number)
        number = round(number, digits)
        return int(number) if number.is_integer() else number
    if isinstance(value, str):
        return value.strip().casefold()
    if isinstance(value, Mapping):
        items = [[normalise(k, digits), normalise(v, digits)] for k, v in value.items()]
        return {"dict": sorted(items, key=lambda item: json.dumps(item, sort_keys=True))}
    if isinstance(value, Set):
        return {"set": sorted((normalise(v, digits) for v in value), key=lambda item: json.dumps(item, sort_keys=True))}
    if isinstance(value, (list, tuple)):
        return [normalise(v, digits) for v in value]
    return {"repr": repr(value)}


def digest(value: Any, digits: int = 4) -> str:
    """A short fingerprint (16 hex digits of SHA-256) of the normalised ``value``."""
    text = json.dumps(normalise(value, digits), sort_keys=True, ensure_ascii=True)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def check_answer(name: str, value: Any, expected_digest: str, *, digits: int = 4) -> bool:
    """True if ``value`` has the expected digest; then prints "✓ <name> is right". Never raises on odd input."""
    try:
        ok = digest(value, digits) == expected_digest
    except (TypeError, ValueError, RecursionError):
        ok = False
    if ok:
        print(f"✓ {name} is right: {_shown(value)}")
    return ok


def feedback(name: str, value: Any, expected: str) -> str:
    """The message of a failed self-check: what was given, and what was expected (described, not shown)."""
    return f"✗ {name}: you gave {_shown(value)}; expected {expected}"


def _shown(value: Any, limit: int = 300) -> str:
    if isinstance(value, Set):
        try:
            text = "{" + ", ".join(repr(v) for v in sorted(value, key=repr)) + "}"
        except TypeError:
            text = repr(value)
    else:
        text = repr(value)
    return text if len(text) <= limit else text[:limit] + "…"
