"""What changed between two assessments, and a three-way merge of two edits of the same base.

Both work on the assessments' JSON data (:meth:`Assessment.to_dict`) at **section/field level**: a top-level
field (``taxon``, ``notes``) or list section (``feasibility``, ``participants``) is one path; an object
section (``status_review``, ``roles``, ``decision``, ``decision_record`` …) is split one level down
(``decision_record.reasoning``). That is fine enough for "Anna changed the Step 5 reasoning" and coarse
enough that a merge never splices two halves of one list.
"""

from __future__ import annotations

import copy
from typing import Any

from exsitu.assessment import Assessment, AssessmentLoadError
from exsitu.validation import InvalidInputError
from exsitu.workshop.models import Change, Conflict

_IGNORED = ("format", "schema_version", "updated")  # bookkeeping, not content


def _data(assessment: Assessment | dict, field: str) -> dict[str, Any]:
    if isinstance(assessment, Assessment):
        return assessment.to_dict()
    if isinstance(assessment, dict):
        return assessment
    raise InvalidInputError(field, f"expected an Assessment, got {type(assessment).__name__}",
                            "pass exsitu.assessment.Assessment objects")


def _flatten(data: dict[str, Any]) -> dict[str, Any]:
    """path → value at section/field level (see the module docstring)."""
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key in _IGNORED:
            continue
        if isinstance(value, dict) and value:
            for sub, inner in value.items():
                out[f"{key}.{sub}"] = inner
        else:
            out[key] = value
    return out


def changed_paths(before: Assessment | dict | None, after: Assessment | dict) -> list[str]:
    """The paths that differ (sorted); every path of ``after`` when there is no ``before``."""
    if before is None:
        return sorted(_flatten(_data(after, "after")))
    return [change.path for change in diff_assessments(before, after)]


def diff_assessments(a: Assessment | dict, b: Assessment | dict) -> list[Change]:
    """Every path whose value differs between ``a`` (before) and ``b`` (after), sorted by path.

    Object sections filled on both sides are compared field by field (``decision_record.reasoning``); a
    section that is empty on one side and filled on the other is one change at the section level
    (e.g. ``Change("decision_record", None, {...})``).
    """
    data_a, data_b = _data(a, "a"), _data(b, "b")
    changes = []
    for key in sorted((set(data_a) | set(data_b)) - set(_IGNORED)):
        va, vb = data_a.get(key, _MISSING), data_b.get(key, _MISSING)
        if va == vb:
            continue
        if isinstance(va, dict) and isinstance(vb, dict) and va and vb:
            for sub in sorted(set(va) | set(vb)):
                sa, sb = va.get(sub, _MISSING), vb.get(sub, _MISSING)
                if sa != sb:
                    changes.append(Change(f"{key}.{sub}", _shown(sa), _shown(sb)))
        else:
            changes.append(Change(key, _shown(va), _shown(vb)))
    return changes


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


_MISSING = _Missing()


def _shown(value: Any) -> Any:
    return None if value is _MISSING else copy.deepcopy(value)


def _unflatten(flat: dict[str, Any], template: dict[str, Any]) -> dict[str, Any]:
    data: dict[str, Any] = {key: template[key] for key in _IGNORED if key in template}
    for path, value in flat.items():
        if value is _MISSING:
            continue
        if "." in path:
            section, sub = path.split(".", 1)
            if not isinstance(data.get(section), dict):
                data[section] = {}
            data[section][sub] = copy.deepcopy(value)
        else:
            data[path] = copy.deepcopy(value)
    return data


def merge_assessments(base: Assessment, mine: Assessment, theirs: Assessment, *,
                      prefer: str = "theirs") -> tuple[Assessment, list[Conflict]]:
    """Three-way merge at section/field level: ``(merged, conflicts)``.

    A path changed on one side only takes that side's value; changed identically on both, that value;
    changed differently on both, it is a :class:`Conflict` and the merged assessment takes the ``prefer``
    side ('theirs' — the version already saved — by default, so a merge never silently drops a saved
    edit; 'mine' to keep the caller's). If combining fields of one section gives an invalid section
    (e.g. a decision record naming an option the other side removed), that whole section is taken from
    the preferred side and reported as a conflict too.
    """
    if prefer not in ("theirs", "mine"):
        raise InvalidInputError("prefer", f"{prefer!r} is not 'theirs' or 'mine'", "use 'theirs' or 'mine'")
    data_b, data_m, data_t = _data(base, "base"), _data(mine, "mine"), _data(theirs, "theirs")
    flat_b, flat_m, flat_t = _flatten(data_b), _flatten(data_m), _flatten(data_t)
    preferred = flat_t if prefer == "theirs" else flat_m
    # A section that is an object on one side and empty on another is compared as a whole.
    sections = {p.split(".", 1)[0] for p in (*flat_b, *flat_m, *flat_t)}
    merged: dict[str, Any] = {}
    conflicts: list[Conflict] = []
    whole = {s for s in sections
             if len({isinstance(d.get(s), dict) and bool(d.get(s)) for d in (data_b, data_m, data_t)}) > 1}
    for path in sorted(set(flat_b) | set(flat_m) | set(flat_t)):
        if path.split(".", 1)[0] in whole:
            continue
        b, m, t = (flat.get(path, _MISSING) for flat in (flat_b, flat_m, flat_t))
        if m == t:
            merged[path] = m
        elif m == b:
            merged[path] = t
        elif t == b:
            merged[path] = m
        else:
            merged[path] = preferred.get(path, _MISSING)
            conflicts.append(Conflict(path, _shown(b), _shown(m), _shown(t)))
    for section in sorted(whole):
        b, m, t = (d.get(section, _MISSING) for d in (data_b, data_m, data_t))
        value = t if m == b else m if t == b else (t if prefer == "theirs" else m)
        if not (m == b or t == b or m == t):
            conflicts.append(Conflict(section, _shown(b), _shown(m), _shown(t)))
        merged[section] = value
    result = _unflatten(merged, data_t)
    for _ in range(len(result) + 1):
        try:
            return Assessment.from_dict(result), conflicts
        except AssessmentLoadError as error:
            section = (error.field or "").split(".", 1)[0].split("[", 1)[0]
            side = data_t if prefer == "theirs" else data_m
            if section not in side or result.get(section) == side.get(section):
                raise
            conflicts.append(Conflict(section, _shown(data_b.get(section, _MISSING)),
                                      _shown(data_m.get(section, _MISSING)), _shown(data_t.get(section, _MISSING))))
            result[section] = copy.deepcopy(side[section])
    return Assessment.from_dict(result), conflicts  # pragma: no cover - loop always returns or raises
