"""One species' whole Ex situ Conservation Assessment, as a single record.

The :class:`Assessment` holds every step's result — the Step 1 status review and range, the Step 2 role
selection, the Step 3 population needs, the Step 4 feasibility and risks, the Step 5 decision — with the
taxon and scope, participants, dates and sources. The lessons, the apps and the report all read and
write this one model.

It saves to JSON and loads back losslessly (``Assessment.from_json(a.to_json()) == a``). The JSON carries
``schema_version``; files written by an older version are migrated on load. A bad field raises
:class:`AssessmentLoadError` naming the field; :func:`load_assessment` instead keeps every valid section,
reports each bad one, and keeps the bad section's raw data so that saving again loses nothing.
"""

from __future__ import annotations

import copy
import datetime as _dt
import json
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from exsitu.decision import Decision, DecisionRecord
from exsitu.feasibility import FeasibilityAssessment
from exsitu.genetics import PopulationTarget
from exsitu.geo import RangeSummary
from exsitu.roles import RoleSelection
from exsitu.status_review import StatusReview
from exsitu import limits
from exsitu.validation import InvalidInputError, require_text

SCHEMA_VERSION = 2
"""The version of the JSON layout this code writes. Bump it and add a migration when the layout changes.

2: the Step 5 ``decision_record`` carries per-option evaluations (outcome, conditions, deferral evidence),
the "no ex situ action" baseline, an optional weighted-scoring ``decision``, and dissent as objects
(``{"text", "by", "option_id"}``; version 1 stored texts)."""

FORMAT_NAME = "exsitu-assessment"

STEP_TITLES = {
    1: "Status review and threat analysis",
    2: "Roles of ex situ management",
    3: "Nature of the ex situ population",
    4: "Resources, feasibility and risks",
    5: "Decision",
}


class AssessmentLoadError(InvalidInputError):
    """An assessment file could not be read; ``field`` names the JSON field at fault (e.g. ``roles.decisions[2]``)."""


def _today() -> str:
    return _dt.date.today().isoformat()


def _iso_date(value: Any, field_name: str) -> str:
    if value in (None, ""):
        return ""
    text = str(value)
    try:
        _dt.date.fromisoformat(text[:10])
    except ValueError:
        raise InvalidInputError(field_name, f"{value!r} is not a date", "write it as YYYY-MM-DD") from None
    return text


def _strings(value: Any, field_name: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise InvalidInputError(field_name, f"expected a list of texts, got {value!r}", "give a list such as [\"…\"]")
    out = []
    for i, item in enumerate(value):
        if not isinstance(item, str):
            raise InvalidInputError(f"{field_name}[{i}]", f"expected a text, got {item!r}", "write it as text")
        out.append(item)
    return out


def _check_keys(data: Any, known: set[str], where: str) -> None:
    if not isinstance(data, Mapping):
        raise InvalidInputError(where, f"expected an object, got {type(data).__name__}", "see the assessment JSON layout")
    unknown = sorted(set(data) - known)
    if unknown:
        prefix = f"{where}." if where else ""
        raise InvalidInputError(f"{prefix}{unknown[0]}", "is not a known field", "use " + ", ".join(sorted(known)))


@dataclass
class Participant:
    """Someone who took part: name, organisation, and the expertise they brought (e.g. 'in situ', 'ex situ')."""

    name: str
    organisation: str = ""
    expertise: str = ""
    role: str = ""  # e.g. 'facilitator', 'species expert', 'studbook keeper'

    def __post_init__(self) -> None:
        self.name = limits.check_text(require_text(self.name, "name"), "name", limits.MAX_NAME_CHARS)
        for attribute in ("organisation", "expertise", "role"):
            value = getattr(self, attribute)
            if not isinstance(value, str):
                raise InvalidInputError(attribute, f"expected a text, got {value!r}", "write it as text")
            limits.check_text(value, attribute, limits.MAX_NAME_CHARS)

    def to_dict(self) -> dict[str, str]:
        return {"name": self.name, "organisation": self.organisation, "expertise": self.expertise, "role": self.role}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Participant":
        _check_keys(data, {"name", "organisation", "expertise", "role"}, "")
        return cls(**dict(data))


@dataclass
class Source:
    """A source the assessment relies on: a short key, the full citation and, if any, a URL."""

    key: str
    citation: str
    url: str = ""

    def __post_init__(self) -> None:
        self.key = require_text(self.key, "key")
        self.citation = require_text(self.citation, "citation")
        if not isinstance(self.url, str):
            raise InvalidInputError("url", f"expected a text, got {self.url!r}", "write the address as text")
        limits.check_text(self.key, "key", limits.MAX_NAME_CHARS)
        limits.check_text(self.citation, "citation")
        limits.check_text(self.url, "url", 2_000)

    def to_dict(self) -> dict[str, str]:
        return {"key": self.key, "citation": self.citation, "url": self.url}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Source":
        _check_keys(data, {"key", "citation", "url"}, "")
        return cls(**dict(data))


@dataclass
class PopulationNeed:
    """Step 3 for one role: what population (or bio-sample collection) the role needs.

    ``target`` is the genetic target from :func:`exsitu.genetics.population_target` (living populations);
    ``samples`` the number of individuals to sample for a bio-sample role; ``pva`` a small dictionary of
    headline PVA figures (e.g. ``{"wild only": {"p_extinction_100y": 0.42}}``), kept as plain numbers.
    """

    role_id: str
    form: str = "living"  # 'living', 'bio-samples' or 'living+bio-samples'
    target: PopulationTarget | None = None
    founders_available: int | None = None
    samples: int | None = None
    duration_years: float | None = None
    pva: dict = field(default_factory=dict)
    notes: str = ""

    FORMS = ("living", "bio-samples", "living+bio-samples")

    def __post_init__(self) -> None:
        self.role_id = require_text(self.role_id, "role_id")
        if self.form not in self.FORMS:
            raise InvalidInputError("form", f"{self.form!r} is not a form of ex situ population",
                                    "use " + ", ".join(self.FORMS))
        if isinstance(self.target, Mapping):
            self.target = PopulationTarget.from_dict(self.target)
        for attribute in ("founders_available", "samples"):
            value = getattr(self, attribute)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
                raise InvalidInputError(attribute, f"expected a whole number ≥ 0 or nothing, got {value!r}",
                                        "enter a whole number")
        if self.duration_years is not None:
            if isinstance(self.duration_years, bool) or not isinstance(self.duration_years, (int, float)) \
                    or self.duration_years <= 0:
                raise InvalidInputError("duration_years", f"expected a positive number of years, got "
                                        f"{self.duration_years!r}", "enter the years the role must last")
        if not isinstance(self.pva, Mapping):
            raise InvalidInputError("pva", f"expected an object of figures, got {self.pva!r}",
                                    "use e.g. {\"wild only\": {\"p_extinction\": 0.4}}")
        limits.check_json_data(dict(self.pva), field="pva")  # plain JSON data: finite numbers, bounded texts
        self.pva = dict(self.pva)
        if not isinstance(self.notes, str):
            raise InvalidInputError("notes", f"expected a text, got {self.notes!r}", "write notes as text")
        limits.check_text(self.notes, "notes")
        if self.duration_years is not None and not math.isfinite(self.duration_years):
            raise InvalidInputError("duration_years", f"expected a finite number of years, got "
                                    f"{self.duration_years!r}", "enter the years the role must last")

    def to_dict(self) -> dict[str, Any]:
        return {"role_id": self.role_id, "form": self.form,
                "target": None if self.target is None else self.target.to_dict(),
                "founders_available": self.founders_available, "samples": self.samples,
                "duration_years": self.duration_years, "pva": copy.deepcopy(self.pva), "notes": self.notes}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "PopulationNeed":
        _check_keys(data, {"role_id", "form", "target", "founders_available", "samples", "duration_years", "pva",
                           "notes"}, "")
        return cls(**dict(data))


# Sections stored as another module's object: JSON key → (attribute, loader, dumper).
def _list_of(loader: Callable[[Any], Any]) -> Callable[[Any], list]:
    def load(items: Any) -> list:
        if not isinstance(items, list):
            raise InvalidInputError("", f"expected a list, got {type(items).__name__}", "give a list")
        out = []
        for i, item in enumerate(items):
            try:
                out.append(loader(item))
            except InvalidInputError as error:
                raise InvalidInputError(f"[{i}]" + (f".{error.field}" if error.field else ""), error.problem,
                                        error.fix) from None
        return out
    return load


def _optional(loader: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda data: None if data is None else loader(data)


_SECTIONS: dict[str, tuple[Callable[[Any], Any], Callable[[Any], Any]]] = {
    "status_review": (_optional(StatusReview.from_dict), lambda v: None if v is None else v.to_dict()),
    "range_summary": (_optional(RangeSummary.from_dict), lambda v: None if v is None else v.to_dict()),
    "roles": (_optional(RoleSelection.from_dict), lambda v: None if v is None else v.to_dict()),
    "population_needs": (_list_of(PopulationNeed.from_dict), lambda v: [item.to_dict() for item in v]),
    "feasibility": (_list_of(FeasibilityAssessment.from_dict), lambda v: [item.to_dict() for item in v]),
    "decision": (_optional(Decision.from_dict), lambda v: None if v is None else v.to_dict()),
    "decision_record": (_optional(DecisionRecord.from_dict), lambda v: None if v is None else v.to_dict()),
    "participants": (_list_of(Participant.from_dict), lambda v: [item.to_dict() for item in v]),
    "sources": (_list_of(Source.from_dict), lambda v: [item.to_dict() for item in v]),
}

_SCALARS = ("taxon", "taxon_group", "scope", "title", "created", "updated", "notes")
#: Longest text of each scalar field, characters (enforced when an Assessment is made or changed).
_TEXT_LIMITS = {"taxon": limits.MAX_NAME_CHARS, "taxon_group": limits.MAX_NAME_CHARS, "title": limits.MAX_NAME_CHARS,
                "scope": 2_000, "notes": limits.MAX_TEXT_CHARS}


def _shown(value: Any) -> str:
    """A value for a message, cut to 80 characters."""
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "…"


@dataclass(frozen=True)
class LoadProblem:
    """A section of an assessment file that could not be read, with the reason; its raw data is kept."""

    field: str
    problem: str
    fix: str = ""

    def __str__(self) -> str:
        return f"{self.field}: {self.problem}" + (f" — {self.fix}" if self.fix else "")


@dataclass
class Assessment:
    """A species' Ex situ Conservation Assessment: the five steps' results and who made them, when, from what.

    Every step's section may be empty (``None`` or ``[]``) while the assessment is under way.
    ``unparsed`` holds, as they were, sections of a loaded file that could not be read (see
    :func:`load_assessment`); they are written back unchanged by :meth:`to_dict` so nothing is lost.
    """

    taxon: str
    taxon_group: str = ""
    scope: str = ""
    title: str = ""
    created: str = field(default_factory=_today)
    updated: str = ""
    participants: list[Participant] = field(default_factory=list)
    sources: list[Source] = field(default_factory=list)
    status_review: StatusReview | None = None
    range_summary: RangeSummary | None = None
    roles: RoleSelection | None = None
    population_needs: list[PopulationNeed] = field(default_factory=list)
    feasibility: list[FeasibilityAssessment] = field(default_factory=list)
    decision: Decision | None = None
    decision_record: DecisionRecord | None = None
    notes: str = ""
    unparsed: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.taxon = require_text(self.taxon, "taxon")
        for attribute in ("taxon_group", "scope", "title", "notes"):
            if not isinstance(getattr(self, attribute), str):
                raise InvalidInputError(attribute, f"expected a text, got {_shown(getattr(self, attribute))}",
                                        "write it as text")
        # text limits enforced here, in the kernel, whatever the browser sent (see exsitu.limits)
        for attribute, most in _TEXT_LIMITS.items():
            limits.check_text(getattr(self, attribute), attribute, most)
        self.created = _iso_date(self.created, "created")
        self.updated = _iso_date(self.updated, "updated")

    # ------------------------------------------------------------------------------------ progress
    def steps_done(self) -> dict[int, bool]:
        """Which of the five steps hold a result (for a progress display)."""
        return {
            1: self.status_review is not None,
            2: self.roles is not None,
            3: bool(self.population_needs),
            4: bool(self.feasibility),
            5: self.decision_record is not None,
        }

    # ------------------------------------------------------------------------------------ JSON
    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able data with ``format`` and ``schema_version``; :meth:`from_dict` reverses it exactly."""
        data: dict[str, Any] = {"format": FORMAT_NAME, "schema_version": SCHEMA_VERSION}
        for name in _SCALARS:
            data[name] = getattr(self, name)
        for name, (_, dump) in _SECTIONS.items():
            data[name] = copy.deepcopy(self.unparsed[name]) if name in self.unparsed else dump(getattr(self, name))
        return data

    def to_json(self, indent: int | None = 2) -> str:
        """The assessment as standard JSON text (UTF-8 safe, stable key order; never ``NaN``/``Infinity``).

        Raises :class:`InvalidInputError` naming the field if a value cannot be written as standard JSON (a
        non-finite number, a text over its limit) or the whole is larger than :data:`exsitu.limits.MAX_JSON_BYTES`.
        """
        data = self.to_dict()
        limits.check_json_data(data)
        text = json.dumps(data, indent=indent, ensure_ascii=False, allow_nan=False)
        if len(text) > limits.MAX_JSON_BYTES:
            raise InvalidInputError("assessment", f"would be {len(text) / 2**20:.1f} MB as JSON, more than the "
                                    f"{limits.MAX_JSON_BYTES // 2**20} MB allowed",
                                    "shorten long texts (notes, reasons) or remove unused sections")
        return text

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Assessment":
        """Rebuild an assessment; raises :class:`AssessmentLoadError` naming the first bad field."""
        assessment, problems = _guarded_load(data, strict=True)
        return assessment

    @classmethod
    def from_json(cls, text: str | bytes) -> "Assessment":
        """Read an assessment from JSON text; raises :class:`AssessmentLoadError` naming the first bad field."""
        return cls.from_dict(_parse_json(text))

    def save(self, path) -> None:
        """Write the assessment to a JSON file (atomically: a crash mid-write never leaves half a file)."""
        import os
        import tempfile
        from pathlib import Path

        text = self.to_json()  # raises InvalidInputError before any file is touched
        target = Path(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as stream:
                stream.write(text)
            os.replace(temporary, target)
        except BaseException:
            if os.path.exists(temporary):
                os.unlink(temporary)
            raise

    @classmethod
    def load(cls, path) -> "Assessment":
        """Read an assessment JSON file (strict: raises on any bad field; see :func:`load_assessment`)."""
        from pathlib import Path

        return cls.from_json(Path(path).read_text(encoding="utf-8"))


def _parse_json(text: str | bytes) -> Any:
    """Parse an assessment file, bounded (exsitu.limits.parse_json: size, depth, number digits, no NaN)."""
    try:
        return limits.parse_json(text, field="file")
    except InvalidInputError as error:
        raise AssessmentLoadError(error.field, error.problem, error.fix) from None


def _migrate_1_to_2(data: dict) -> dict:
    """Version 1 → 2: dissent texts become anonymous dissent objects; the record gains (empty) evaluations."""
    record = data.get("decision_record")
    if isinstance(record, dict):
        dissent = record.get("dissent")
        if isinstance(dissent, list):
            record["dissent"] = [{"text": d, "by": "", "option_id": ""} if isinstance(d, str) else d
                                 for d in dissent if not (isinstance(d, str) and not d.strip())]
        record.setdefault("evaluations", [])
        record.setdefault("baseline", None)
    data["schema_version"] = 2
    return data


# Migrations: MIGRATIONS[n] turns a version-n dict into a version-(n+1) dict.
MIGRATIONS: dict[int, Callable[[dict], dict]] = {1: _migrate_1_to_2}


def _migrate(data: dict) -> dict:
    version = data.get("schema_version")
    if version is None:
        raise AssessmentLoadError("schema_version", "is missing, so this is not an assessment saved by exsitu",
                                  "upload a file saved by the toolkit (it starts with \"format\": "
                                  f"\"{FORMAT_NAME}\")")
    if isinstance(version, bool) or not isinstance(version, int):
        raise AssessmentLoadError("schema_version", f"must be a whole number, got {version!r}",
                                  "upload the file as the toolkit saved it")
    if version > SCHEMA_VERSION:
        raise AssessmentLoadError("schema_version", f"is {version}, newer than this toolkit reads ({SCHEMA_VERSION})",
                                  "update the course (git pull, then make lab) and load it again")
    while version < SCHEMA_VERSION:
        if version not in MIGRATIONS:
            raise AssessmentLoadError("schema_version", f"{version} is older than any version this toolkit can read",
                                      f"this toolkit reads versions {min(MIGRATIONS, default=SCHEMA_VERSION)} to "
                                      f"{SCHEMA_VERSION}")
        data = MIGRATIONS[version](data)
        version = data["schema_version"]
    return data


def _load(data: Any, strict: bool) -> tuple[Assessment, list[LoadProblem]]:
    if not isinstance(data, Mapping):
        raise AssessmentLoadError("file", f"expected a JSON object, got {type(data).__name__}",
                                  "upload the .json file the toolkit saved")
    data = _migrate(copy.deepcopy(dict(data)))
    if data.get("format", FORMAT_NAME) != FORMAT_NAME:
        raise AssessmentLoadError("format", f"is {data.get('format')!r}, not {FORMAT_NAME!r}",
                                  "upload an assessment file saved by the toolkit")
    known = {"format", "schema_version", *_SCALARS, *_SECTIONS}
    problems: list[LoadProblem] = []
    for key in sorted(set(data) - known):
        problem = LoadProblem(key, "is not a field of an assessment", "use " + ", ".join(sorted(known)))
        if strict:
            raise AssessmentLoadError(problem.field, problem.problem, problem.fix)
        problems.append(problem)

    scalars: dict[str, Any] = {}
    for name in _SCALARS:
        if name in data:
            scalars[name] = data[name]
    sections: dict[str, Any] = {}
    unparsed: dict[str, Any] = {}
    for name, (load, _) in _SECTIONS.items():
        if name not in data:
            continue
        try:
            sections[name] = load(data[name])
        except (InvalidInputError, KeyError, TypeError, ValueError, AttributeError) as error:
            if isinstance(error, InvalidInputError):
                inner = error.field
                where = name + ("" if not inner else (inner if inner.startswith("[") else f".{inner}"))
                problem = LoadProblem(where, error.problem, error.fix)
            else:
                problem = LoadProblem(name, f"could not be read ({type(error).__name__}: {error})",
                                      "check this section against a file saved by the toolkit")
            if strict:
                raise AssessmentLoadError(problem.field, problem.problem, problem.fix) from None
            problems.append(problem)
            unparsed[name] = copy.deepcopy(data[name])
    for _ in range(len(_SCALARS) + 2):  # each pass drops one bad scalar
        try:
            assessment = Assessment(**scalars, **sections, unparsed=unparsed)
            break
        except InvalidInputError as error:
            if strict or error.field not in scalars:
                raise AssessmentLoadError(error.field, error.problem, error.fix) from None
            # Keep what is valid: drop the bad scalar, note it, and keep (the start of) its raw value in the notes.
            problems.append(LoadProblem(error.field, error.problem, error.fix))
            bad = scalars.pop(error.field)
            if error.field == "taxon":
                scalars["taxon"] = "unnamed taxon"
            if error.field != "notes":
                notes = scalars.get("notes", "")
                notes = notes if isinstance(notes, str) and len(notes) <= limits.MAX_TEXT_CHARS - 200 else ""
                scalars["notes"] = (notes + f"\n[unreadable {error.field}: {_shown(bad)}]").strip()
    else:
        raise AssessmentLoadError("file", "has too many unreadable fields", "upload the file the toolkit saved")
    return assessment, problems


def load_assessment(source: str | bytes | Mapping[str, Any]) -> tuple[Assessment, list[LoadProblem]]:
    """Read an assessment keeping everything valid: returns it with the list of problems found.

    Each unreadable section is reported (naming the field) and its raw data kept in
    ``assessment.unparsed``, so saving the assessment again writes it back unchanged. Only a file that is
    not an assessment at all (not JSON, wrong format, unknown schema version) raises
    :class:`AssessmentLoadError`.
    """
    data = source if isinstance(source, Mapping) else _parse_json(source)
    return _guarded_load(data, strict=False)


def _guarded_load(data: Any, strict: bool) -> tuple[Assessment, list[LoadProblem]]:
    """:func:`_load`, with every problem reaching the caller as an :class:`AssessmentLoadError` (a message)."""
    try:
        if isinstance(data, Mapping):
            limits.check_json_data(dict(data), max_text=limits.MAX_JSON_BYTES)  # finite numbers, bounded depth
        return _load(data, strict=strict)
    except AssessmentLoadError:
        raise
    except InvalidInputError as error:
        raise AssessmentLoadError(error.field, error.problem, error.fix) from None
    except (KeyError, TypeError, ValueError, AttributeError, RecursionError) as error:
        raise AssessmentLoadError("file", f"could not be read ({type(error).__name__}: {str(error)[:200]})",
                                  "upload the .json file the toolkit saved, unedited") from None
