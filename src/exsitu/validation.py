"""Input checks shared by every module.

Every bad input raises :class:`InvalidInputError` (a ``ValueError``) whose message names the field,
says what is wrong with the value, and how to fix it — so that a lesson, an app or a workshop
facilitator can show it to a person as it is.
"""

from __future__ import annotations

import math
import re
from contextlib import contextmanager
from numbers import Real
from typing import Any, Iterable, Iterator


class InvalidInputError(ValueError):
    """A value a person supplied is not usable.

    Attributes
    ----------
    field: the name of the argument, column or form field at fault (e.g. ``"generation_length_years"``).
    problem: what is wrong with it, in plain words.
    fix: what to do about it (may be empty).
    """

    def __init__(self, field: str, problem: str, fix: str = "") -> None:
        self.field = field
        self.problem = problem
        self.fix = fix
        message = f"{field}: {problem}"
        if fix:
            message += f" — {fix}"
        super().__init__(message)


def require_number(
    value: Any,
    field: str,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    inclusive_minimum: bool = True,
    inclusive_maximum: bool = True,
    integer: bool = False,
    unit: str = "",
) -> float:
    """Return ``value`` as a float after checking it is a finite number within bounds."""
    unit_text = f" {unit}" if unit else ""
    if isinstance(value, bool) or not isinstance(value, Real):
        try:
            if isinstance(value, bool) or value is None:
                raise TypeError
            number = float(value)
        except (TypeError, ValueError):
            raise InvalidInputError(field, f"expected a number{unit_text}, got {value!r}",
                                    "enter a number") from None
    else:
        number = float(value)
    if not math.isfinite(number):
        raise InvalidInputError(field, f"expected a finite number{unit_text}, got {value!r}",
                                "enter a finite number")
    if integer and number != int(number):
        raise InvalidInputError(field, f"expected a whole number, got {value!r}", "enter a whole number")
    if minimum is not None:
        too_small = number < minimum if inclusive_minimum else number <= minimum
        if too_small:
            bound = "at least" if inclusive_minimum else "more than"
            raise InvalidInputError(field, f"must be {bound} {minimum:g}{unit_text}, got {value!r}",
                                    f"enter a value {bound} {minimum:g}")
    if maximum is not None:
        too_big = number > maximum if inclusive_maximum else number >= maximum
        if too_big:
            bound = "at most" if inclusive_maximum else "less than"
            raise InvalidInputError(field, f"must be {bound} {maximum:g}{unit_text}, got {value!r}",
                                    f"enter a value {bound} {maximum:g}")
    return number


def require_choice(value: Any, field: str, choices: Iterable[Any]) -> Any:
    """Return ``value`` if it is one of ``choices``; otherwise raise naming the allowed values."""
    options = list(choices)
    if value not in options:
        shown = ", ".join(repr(option) for option in options)
        raise InvalidInputError(field, f"{value!r} is not one of the allowed values", f"use one of {shown}")
    return value


def require_text(value: Any, field: str) -> str:
    """Return ``value`` stripped if it is a non-empty string."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidInputError(field, f"must be a non-empty text, got {value!r}", "enter a name or description")
    return value.strip()


def require_texts(value: Any, field: str) -> tuple[str, ...]:
    """Return a list of non-empty texts as a tuple (a single text counts as a list of one; None as empty)."""
    if value is None:
        return ()
    if isinstance(value, str):
        value = [value]
    try:
        items = list(value)
    except TypeError:
        raise InvalidInputError(field, f"expected a list of texts, got {value!r}",
                                "give a list such as ['a', 'b']") from None
    return tuple(require_text(item, f"{field}[{index}]") for index, item in enumerate(items))


def slug(text: str) -> str:
    """An id made from a name: lower case letters and digits joined by '_' ("Insurance population" → "insurance_population")."""
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")


@contextmanager
def field_prefix(prefix: str) -> Iterator[None]:
    """Re-raise an InvalidInputError with ``prefix`` in front of its field (e.g. 'risks[2].likelihood')."""
    try:
        yield
    except InvalidInputError as error:
        raise InvalidInputError(f"{prefix}.{error.field}", error.problem, error.fix) from None
