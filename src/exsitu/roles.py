"""Step 2 of an ECA: the roles ex situ management could play, and which ones fit a species.

The role catalogue (``data/ex_situ_roles.json``) follows the course's domain brief
(``eca-process.md`` §3), which lists the roles recognised by the IUCN SSC *Guidelines on the Use of Ex
Situ Management for Species Conservation* v2.0 (IUCN/SSC 2014, source key G14) as presented by the
Canadian Species Initiative (CSI-roles) and the Global Species Action Plan (GSAP Action 4.4). The four
purpose groups A–D are confirmed [CSI-roles] (:data:`PURPOSE_GROUP_SOURCES`); every role's ``source``
says which source lists it, or that none read by the course does. **The role → purpose-group mapping, the
IUCN threat codes each role addresses and the population implications are this course's teaching
synthesis** (the G14 Section 3 figure was not available; see :data:`CATALOGUE_SOURCE_NOTE`).

:func:`suggest_roles` turns a Step 1 result into ranked candidate roles with every point of the score
explained (:func:`scoring_rules` shows the rule table). The suggestion is a starting point for a
workshop, never the decision: a facilitator accepts, rejects or adds roles with a rationale in the
returned :class:`RoleSelection`, which keeps a log of every change.

Scoring rule (documented also in :func:`scoring_rules`):

* each threat whose IUCN code matches one of the role's ``threat_codes`` adds points by its impact —
  High 3, Medium 2, Low 1, Unknown 1, No/negligible 0, Past 0 (impact classes from the Red List threat
  impact scoring [TCS]; the points are the course's convention);
* each situation the role fits adds its points (:data:`SITUATIONS`), e.g. fewer than 50 mature
  individuals +3 (criterion D threshold for CR [RL31]), a major (High or Medium [TCS]) threat not judged
  controllable in the wild +2;
* a role that needs living individuals of this taxon scores 0 when the organism cannot be kept alive ex
  situ (``can_hold_living=False``);
* strength: score ≥ 5 ``strong``, 3–4 ``moderate``, 1–2 ``weak``, 0 ``none`` (course convention).

Threat codes (in the catalogue and in the Step 1 input) are checked against the Threats Classification
Scheme v3.3 with :func:`exsitu.threats.validate_threat_code`; a level-1 code matches all its sub-codes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields, replace
from functools import lru_cache
from importlib import resources
from typing import Any, Iterable, Mapping

import pandas as pd

from exsitu.threats import ThreatImpact, threat_name, validate_threat_code
from exsitu.validation import (InvalidInputError, field_prefix, require_number, require_text, require_texts,
                               slug)

__all__ = [
    "CATEGORIES", "CATALOGUE_SOURCE_NOTE", "DURATION_SCALES", "IMPACTS", "IMPACT_POINTS", "PURPOSE_GROUPS",
    "PURPOSE_GROUP_SOURCES",
    "SITUATIONS", "SIZE_SCALES", "STATUSES", "STRENGTH_BANDS", "PopulationImplication", "Reason", "Role",
    "RoleDecision", "RoleSelection", "Situation", "catalogue_sources", "get_role", "population_requirements",
    "role_catalogue", "roles", "scoring_rules", "strength_of", "suggest_roles", "threat_name",
    "validate_threat_code",
]

# --------------------------------------------------------------------------------------------------
# Vocabularies
# --------------------------------------------------------------------------------------------------

PURPOSE_GROUPS: dict[str, str] = {
    "A": "Addressing the causes of primary threats",
    "B": "Offsetting the effects of threats",
    "C": "Buying time",
    "D": "Restoring wild populations",
}
"""The four broad purposes of ex situ management [G14 via CSI-roles] (confirmed)."""

CATEGORIES: tuple[str, ...] = ("EX", "EW", "CR", "EN", "VU", "NT", "LC", "DD", "NE")
"""IUCN Red List categories v3.1 [RL31]."""

IMPACTS: tuple[str, ...] = ("High", "Medium", "Low", "No/negligible", "Past", "Unknown")
"""Threat impact classes of the Red List threat impact scoring [TCS]."""

IMPACT_POINTS: dict[str, int] = {"High": 3, "Medium": 2, "Low": 1, "Unknown": 1, "No/negligible": 0, "Past": 0}
"""Points a matching threat adds to a role, by impact (course convention; Unknown counts as 1 because it
may matter and is itself a knowledge gap)."""

STRENGTH_BANDS: tuple[tuple[int, str], ...] = ((5, "strong"), (3, "moderate"), (1, "weak"), (0, "none"))
"""Minimum score → strength label (course convention)."""

SIZE_SCALES: dict[str, str] = {
    "not applicable": "no population is held",
    "small": "tens of individuals or samples",
    "medium": "tens to a few hundred individuals or donors",
    "large": "hundreds or more; the number comes from the Step 3 calculation",
}
"""Rough size scale of the ex situ population a role needs (teaching labels; Step 3 sets the number)."""

DURATION_SCALES: dict[str, str] = {
    "short": "weeks to a few years",
    "medium": "a few years to a few generations",
    "long": "decades",
    "indefinite": "no planned end",
}
"""Rough duration scale of a role (teaching labels)."""

STATUSES: tuple[str, ...] = ("suggested", "not suggested", "accepted", "rejected", "added")
"""Status of a role in a :class:`RoleSelection`. ``added`` = the facilitator added a role the rules did not
suggest (or a custom role)."""



@dataclass(frozen=True)
class Situation:
    """A non-threat (or cross-threat) situation that makes a role fit, and the points it adds."""

    key: str
    points: int
    description: str
    detected_from: str
    declarable: bool = True


SITUATIONS: dict[str, Situation] = {s.key: s for s in (
    Situation("threatened_category", 3, "Red List category EW +3, CR +2, EN +1 (others 0)",
              "category", declarable=False),
    Situation("extinct_in_wild", 3, "Category EW: the taxon survives only ex situ", "category",
              declarable=False),
    Situation("taxon_extinct", 3, "Category EX: a function may be lost with the taxon", "category",
              declarable=False),
    Situation("very_small_population", 3,
              "Fewer than 50 mature individuals +3 (CR threshold of criterion D), fewer than 250 +2 "
              "(CR threshold of criterion C) [RL31]; declared without a count: +2",
              "mature_individuals"),
    Situation("uncontrolled_major_threat", 2,
              "At least one major threat (High or Medium impact [TCS]) not judged controllable in the wild",
              "threats, controllable_threats"),
    Situation("threat_controllable", 2,
              "At least one major threat judged controllable in the wild (e.g. an eradicable invasive "
              "predator), so released individuals could survive", "controllable_threats"),
    Situation("threat_removed", 2,
              "A threat with Past impact (ceased or removed) in a threatened or EW taxon", "threats, category"),
    Situation("knowledge_gap", 2, "Knowledge gaps listed, a threat of Unknown impact, or category DD",
              "knowledge_gaps, threats, category"),
    Situation("capacity_gap", 2, "Gaps in people's skills the strategy needs", "capacity_gaps"),
    Situation("cannot_hold_living", 3,
              "The organism cannot be kept alive ex situ as whole organisms; only bio-samples "
              "(seeds, cultures, gametes, tissues) can be held", "can_hold_living"),
    Situation("extirpated_locally", 3, "The taxon has been lost from part of its range (locally extirpated)",
              "declared"),
    Situation("genetic_erosion", 2, "Inbreeding depression or low gene diversity observed", "declared"),
    Situation("early_life_mortality", 3, "High mortality at an early life stage (eggs, larvae, juveniles)",
              "declared"),
    Situation("function_lost", 3, "An ecological function has been lost with a taxon", "declared"),
    Situation("habitat_lost_in_range", 2, "Irreversible loss of habitat within the indigenous range",
              "declared"),
)}
"""Situations and their points (course convention). ``declared`` ones come from the facilitator through
``suggest_roles(..., situations=[...])``; the others are detected from the Step 1 result."""

_CATEGORY_POINTS = {"EW": 3, "CR": 2, "EN": 1}


# --------------------------------------------------------------------------------------------------
# Threat codes
# --------------------------------------------------------------------------------------------------

def _codes_match(role_code: str, threat_code: str) -> bool:
    """True if one code is the other or one of its sub-classes ('8' ~ '8.1' ~ '8.1.2')."""
    return (role_code == threat_code or threat_code.startswith(role_code + ".")
            or role_code.startswith(threat_code + "."))


# --------------------------------------------------------------------------------------------------
# Role model
# --------------------------------------------------------------------------------------------------




def _require_bool(value: Any, field_name: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidInputError(field_name, f"expected True or False, got {value!r}", "use True or False")
    return value


def _check_keys(data: Mapping[str, Any], cls: type, what: str) -> None:
    if not isinstance(data, Mapping):
        raise InvalidInputError(what, f"expected a dict, got {type(data).__name__}", "pass the output of to_dict()")
    allowed = {f.name for f in fields(cls)}
    for key in data:
        if key not in allowed:
            raise InvalidInputError(f"{what}.{key}" if what else str(key), "is not a known field",
                                    f"use only {', '.join(sorted(allowed))}")


@dataclass(frozen=True, kw_only=True)
class PopulationImplication:
    """What a role implies for the ex situ population planned in Step 3.

    ``step3_tools`` names (dotted) the toolkit functions or modules that compute the Step 3 numbers,
    e.g. ``exsitu.genetics.population_target`` (target size for a gene-diversity goal).
    """

    genetic_management: bool = False
    size_scale: str = "small"
    duration_scale: str = "medium"
    release_ready: bool = False
    step3_calculation: str = ""
    step3_tools: tuple[str, ...] = ()
    notes: str = ""

    def __post_init__(self) -> None:
        _require_bool(self.genetic_management, "genetic_management")
        _require_bool(self.release_ready, "release_ready")
        if self.size_scale not in SIZE_SCALES:
            raise InvalidInputError("size_scale", f"{self.size_scale!r} is not a size scale",
                                    f"use one of {', '.join(map(repr, SIZE_SCALES))}")
        if self.duration_scale not in DURATION_SCALES:
            raise InvalidInputError("duration_scale", f"{self.duration_scale!r} is not a duration scale",
                                    f"use one of {', '.join(map(repr, DURATION_SCALES))}")
        for name in ("step3_calculation", "notes"):
            if not isinstance(getattr(self, name), str):
                raise InvalidInputError(name, f"expected a text, got {getattr(self, name)!r}", "enter a text")
        object.__setattr__(self, "step3_tools", require_texts(self.step3_tools, "step3_tools"))

    def to_dict(self) -> dict:
        return {"genetic_management": self.genetic_management, "size_scale": self.size_scale,
                "duration_scale": self.duration_scale, "release_ready": self.release_ready,
                "step3_calculation": self.step3_calculation, "step3_tools": list(self.step3_tools),
                "notes": self.notes}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "PopulationImplication":
        _check_keys(data, cls, "")
        return cls(**dict(data))





@dataclass(frozen=True, kw_only=True)
class Role:
    """One ex situ conservation role.

    ``threat_codes`` are the IUCN threat codes (level 1 or 2) the role addresses; ``situations`` the
    keys of :data:`SITUATIONS` it fits. ``living_individuals`` / ``bio_samples`` say what can serve the
    role; ``surrogate_ok`` that a related species can serve it (research, training [CSI-roles]).
    ``custom`` marks a role a workshop added that is not in the catalogue. ``id`` defaults to a slug of
    ``name``. ``source`` says in plain words which published source lists the role and its description, and
    whether any source maps it to a purpose group ("NOT FOUND" where none was found).
    """

    name: str
    id: str = ""
    purpose: str = ""
    purpose_groups: tuple[str, ...] = ()
    threat_codes: tuple[str, ...] = ()
    situations: tuple[str, ...] = ()
    fits: str = ""
    living_individuals: bool = True
    bio_samples: bool = False
    surrogate_ok: bool = False
    population: PopulationImplication = field(default_factory=PopulationImplication)
    typical_duration: str = ""
    sources: tuple[str, ...] = ()
    evidence: str = ""
    purpose_group_status: str = ""
    source: str = ""
    custom: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise InvalidInputError("name", f"a role needs a name, got {self.name!r}",
                                    "give the role a short name, e.g. 'Fundraising for in situ work'")
        object.__setattr__(self, "name", self.name.strip())
        if not isinstance(self.id, str):
            raise InvalidInputError("id", f"expected a text, got {self.id!r}",
                                    "give an id of letters, digits and underscores, or leave it out")
        role_id = slug(self.id) if self.id.strip() else slug(self.name)
        if not role_id:
            raise InvalidInputError("id", f"cannot make an id from {self.id!r} / {self.name!r}",
                                    "give an id of letters, digits and underscores")
        object.__setattr__(self, "id", role_id)
        for name in ("purpose", "fits", "typical_duration", "evidence", "purpose_group_status", "source"):
            value = getattr(self, name)
            if not isinstance(value, str):
                raise InvalidInputError(name, f"expected a text, got {value!r}", "enter a text (may be empty)")
        groups = require_texts(self.purpose_groups, "purpose_groups")
        for i, group in enumerate(groups):
            if group not in PURPOSE_GROUPS:
                raise InvalidInputError(f"purpose_groups[{i}]", f"{group!r} is not a purpose group",
                                        "use 'A', 'B', 'C' or 'D' (see exsitu.roles.PURPOSE_GROUPS)")
        object.__setattr__(self, "purpose_groups", groups)
        codes = require_texts(self.threat_codes, "threat_codes")
        object.__setattr__(self, "threat_codes", tuple(
            validate_threat_code(code, f"threat_codes[{i}]") for i, code in enumerate(codes)))
        situations = require_texts(self.situations, "situations")
        for i, key in enumerate(situations):
            if key not in SITUATIONS:
                raise InvalidInputError(f"situations[{i}]", f"{key!r} is not a known situation",
                                        f"use one of {', '.join(SITUATIONS)}")
        object.__setattr__(self, "situations", situations)
        _require_bool(self.living_individuals, "living_individuals")
        _require_bool(self.bio_samples, "bio_samples")
        _require_bool(self.surrogate_ok, "surrogate_ok")
        _require_bool(self.custom, "custom")
        if not (self.living_individuals or self.bio_samples):
            raise InvalidInputError("living_individuals", "neither living individuals nor bio-samples can serve "
                                    "this role", "set living_individuals and/or bio_samples to True")
        if isinstance(self.population, Mapping):
            try:
                population = PopulationImplication.from_dict(self.population)
            except InvalidInputError as error:
                raise InvalidInputError(f"population.{error.field}", error.problem, error.fix) from None
            object.__setattr__(self, "population", population)
        if not isinstance(self.population, PopulationImplication):
            raise InvalidInputError("population", f"expected a PopulationImplication, got {self.population!r}",
                                    "use exsitu.roles.PopulationImplication(...)")
        object.__setattr__(self, "sources", require_texts(self.sources, "sources"))

    @property
    def purpose_group(self) -> str | None:
        """The primary purpose group (first listed), or ``None`` for a custom role without one."""
        return self.purpose_groups[0] if self.purpose_groups else None

    def to_dict(self) -> dict:
        return {
            "id": self.id, "name": self.name, "purpose": self.purpose,
            "purpose_groups": list(self.purpose_groups), "threat_codes": list(self.threat_codes),
            "situations": list(self.situations), "fits": self.fits,
            "living_individuals": self.living_individuals, "bio_samples": self.bio_samples,
            "surrogate_ok": self.surrogate_ok, "population": self.population.to_dict(),
            "typical_duration": self.typical_duration, "sources": list(self.sources),
            "evidence": self.evidence, "purpose_group_status": self.purpose_group_status, "source": self.source,
            "custom": self.custom,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Role":
        _check_keys(data, cls, "role")
        values = dict(data)
        if "name" not in values:
            raise InvalidInputError("name", "a role needs a name", "add a 'name'")
        return cls(**values)


# --------------------------------------------------------------------------------------------------
# Catalogue
# --------------------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _catalogue_data() -> dict:
    with resources.files("exsitu").joinpath("data/ex_situ_roles.json").open(encoding="utf-8") as handle:
        return json.load(handle)


@lru_cache(maxsize=1)
def _catalogue() -> tuple[Role, ...]:
    return tuple(Role.from_dict(item) for item in _catalogue_data()["roles"])


def catalogue_sources() -> dict[str, str]:
    """Source key → full reference for the role catalogue."""
    return dict(_catalogue_data()["sources"])


CATALOGUE_SOURCE_NOTE: str = _catalogue_data()["source_note"]
"""What in the catalogue is confirmed, by which source, and what no source read confirms."""

PURPOSE_GROUP_SOURCES: dict[str, str] = {key: entry["source"]
                                         for key, entry in _catalogue_data()["purpose_groups"].items()}
"""Purpose group → the source that lists it (all four: the Canadian Species Initiative, following G14)."""


def roles() -> tuple[Role, ...]:
    """All catalogue roles, in catalogue order."""
    return _catalogue()


def get_role(role_id: str) -> Role:
    """The catalogue role with this id (see :func:`role_catalogue`)."""
    for role in _catalogue():
        if role.id == role_id:
            return role
    raise InvalidInputError("role_id", f"no role called {role_id!r} in the catalogue",
                            f"use one of {', '.join(r.id for r in _catalogue())}")


def role_catalogue() -> pd.DataFrame:
    """The role catalogue as a table (one row per role, lists joined with '; '), indexed by role id."""
    rows = []
    for role in _catalogue():
        rows.append({
            "id": role.id, "name": role.name, "purpose": role.purpose,
            "purpose_group": role.purpose_group,
            "purpose_group_name": PURPOSE_GROUPS[role.purpose_group] if role.purpose_group else None,
            "other_purpose_groups": "; ".join(role.purpose_groups[1:]),
            "threat_codes": "; ".join(role.threat_codes), "situations": "; ".join(role.situations),
            "fits": role.fits, "living_individuals": role.living_individuals, "bio_samples": role.bio_samples,
            "surrogate_ok": role.surrogate_ok,
            "genetic_management": role.population.genetic_management,
            "size_scale": role.population.size_scale, "duration_scale": role.population.duration_scale,
            "release_ready": role.population.release_ready,
            "step3_calculation": role.population.step3_calculation,
            "step3_tools": "; ".join(role.population.step3_tools),
            "typical_duration": role.typical_duration, "sources": "; ".join(role.sources),
            "evidence": role.evidence, "purpose_group_status": role.purpose_group_status,
            "source": role.source,
        })
    return pd.DataFrame(rows).set_index("id")


def scoring_rules() -> pd.DataFrame:
    """The suggestion rule as a table: every kind of trigger and the points it adds."""
    rows = [{"trigger": f"threat with impact {impact}", "points": points,
             "applies to": "roles listing the threat's code (or its class)",
             "source": "impact classes [TCS]; points: course convention"}
            for impact, points in IMPACT_POINTS.items()]
    rows += [{"trigger": s.key, "points": s.points, "applies to": "roles listing this situation",
              "source": s.description} for s in SITUATIONS.values()]
    rows.append({"trigger": "can_hold_living=False", "points": None,
                 "applies to": "roles that need living individuals of this taxon (no surrogate)",
                 "source": "score set to 0 (excluded)"})
    rows.append({"trigger": "strength", "points": None, "applies to": "total score",
                 "source": "≥5 strong, 3–4 moderate, 1–2 weak, 0 none (course convention)"})
    return pd.DataFrame(rows)


def population_requirements(roles_: Iterable[Role | str]) -> PopulationImplication:
    """The most demanding Step 3 implication across several roles.

    Genetic management / release-ready if any role needs it; the largest size and longest duration
    scale; all Step 3 calculations and tools (in role order, without repeats).
    """
    items = [get_role(r) if isinstance(r, str) else r for r in roles_]
    if not items:
        raise InvalidInputError("roles", "no roles given", "pass at least one role or role id")
    sizes, durations = list(SIZE_SCALES), list(DURATION_SCALES)
    tools: list[str] = []
    calcs: list[str] = []
    for role in items:
        if not isinstance(role, Role):
            raise InvalidInputError("roles", f"expected a Role or a role id, got {role!r}", "pass Role objects or ids")
        for tool in role.population.step3_tools:
            if tool not in tools:
                tools.append(tool)
        if role.population.step3_calculation:
            calcs.append(f"{role.name}: {role.population.step3_calculation}")
    return PopulationImplication(
        genetic_management=any(r.population.genetic_management for r in items),
        size_scale=max((r.population.size_scale for r in items), key=sizes.index),
        duration_scale=max((r.population.duration_scale for r in items), key=durations.index),
        release_ready=any(r.population.release_ready for r in items),
        step3_calculation="; ".join(calcs),
        step3_tools=tuple(tools),
        notes="Combined from: " + ", ".join(r.id for r in items),
    )


# --------------------------------------------------------------------------------------------------
# Suggestions and the facilitator's record
# --------------------------------------------------------------------------------------------------

REASON_KINDS = ("threat", "category", "situation", "exclusion", "no trigger", "facilitator")


@dataclass(frozen=True)
class Reason:
    """One step of a role's score: what triggered it and how many points it added."""

    kind: str
    trigger: str
    points: int
    text: str

    def __post_init__(self) -> None:
        if self.kind not in REASON_KINDS:
            raise InvalidInputError("kind", f"{self.kind!r} is not a reason kind",
                                    f"use one of {', '.join(REASON_KINDS)}")
        require_number(self.points, "points", integer=True)
        _require_str(self.trigger, "trigger")
        _require_str(self.text, "text")

    def to_dict(self) -> dict:
        return {"kind": self.kind, "trigger": self.trigger, "points": int(self.points), "text": self.text}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Reason":
        _check_keys(data, cls, "reason")
        return cls(**dict(data))


def strength_of(score: int) -> str:
    """Strength label of a suggestion score (≥5 strong, 3–4 moderate, 1–2 weak, 0 none)."""
    for minimum, label in STRENGTH_BANDS:
        if score >= minimum:
            return label
    return "none"


_STRENGTHS = ("strong", "moderate", "weak", "none", "excluded")


@dataclass(frozen=True)
class RoleDecision:
    """A role in a workshop's selection: the rule's suggestion and the facilitator's decision."""

    role: Role
    status: str
    score: int = 0
    strength: str = "none"
    reasons: tuple[Reason, ...] = ()
    rationale: str = ""

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise InvalidInputError("status", f"{self.status!r} is not a status", f"use one of {', '.join(STATUSES)}")
        if self.strength not in _STRENGTHS:
            raise InvalidInputError("strength", f"{self.strength!r} is not a strength",
                                    f"use one of {', '.join(_STRENGTHS)}")
        if not isinstance(self.role, Role):
            raise InvalidInputError("role", f"expected a Role, got {self.role!r}", "use exsitu.roles.Role(name=...)")
        require_number(self.score, "score", integer=True)
        _require_str(self.rationale, "rationale")
        if isinstance(self.reasons, (str, bytes, Mapping)) or not isinstance(self.reasons, Iterable):
            raise InvalidInputError("reasons", f"expected a list of reasons, got {self.reasons!r}",
                                    "give a list of Reason objects (or their to_dict())")
        object.__setattr__(self, "reasons", tuple(self.reasons))
        for i, reason in enumerate(self.reasons):
            if not isinstance(reason, Reason):
                raise InvalidInputError(f"reasons[{i}]", f"expected a Reason, got {reason!r}",
                                        "use exsitu.roles.Reason(kind, trigger, points, text)")

    @property
    def role_id(self) -> str:
        return self.role.id

    def to_dict(self) -> dict:
        return {"role": self.role.to_dict(), "status": self.status, "score": int(self.score),
                "strength": self.strength, "reasons": [r.to_dict() for r in self.reasons],
                "rationale": self.rationale}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "RoleDecision":
        _check_keys(data, cls, "decision")
        values = dict(data)
        for name in ("role", "status"):
            if name not in values:
                raise InvalidInputError(name, "is missing", f"give the decision a {name!r} (see to_dict())")
        _check_keys(values["role"], Role, "role")
        with field_prefix("role"):
            values["role"] = Role.from_dict(values["role"])
        reasons = values.get("reasons", ())
        if not isinstance(reasons, (list, tuple)):
            raise InvalidInputError("reasons", f"expected a list of reasons, got {reasons!r}",
                                    "give a list of {kind, trigger, points, text} entries")
        parsed = []
        for i, reason in enumerate(reasons):
            _check_keys(reason, Reason, f"reasons[{i}]")
            with field_prefix(f"reasons[{i}]"):
                parsed.append(Reason.from_dict(reason))
        values["reasons"] = tuple(parsed)
        return cls(**values)


def _require_why(why: Any) -> str:
    if not isinstance(why, str) or not why.strip():
        raise InvalidInputError("why", "a rationale is required for every decision",
                                "say in a sentence why the group takes this decision (it is part of the record)")
    return why.strip()


@dataclass
class RoleSelection:
    """Ranked candidate roles for one taxon and the workshop's decisions on them.

    ``decisions`` holds every catalogue role (suggested ones first, by score) plus any custom roles;
    ``basis`` the Step 1 inputs the suggestion used; ``log`` every change with its rationale.
    Methods change the selection in place and return it (so calls can be chained).
    """

    taxon: str
    basis: dict
    decisions: list[RoleDecision]
    log: list[dict] = field(default_factory=list)

    def __post_init__(self) -> None:
        _require_str(self.taxon, "taxon")

    # -- look-up ---------------------------------------------------------------------------------
    def _index(self, role_id: str) -> int:
        for i, decision in enumerate(self.decisions):
            if decision.role.id == role_id:
                return i
        raise InvalidInputError("role_id", f"no role called {role_id!r} in this selection",
                                f"use one of {', '.join(d.role.id for d in self.decisions)}, "
                                "or add_custom() a new role")

    def get(self, role_id: str) -> RoleDecision:
        """The decision record of one role."""
        return self.decisions[self._index(role_id)]

    @property
    def candidates(self) -> list[RoleDecision]:
        """Roles the rule suggested or the facilitator added/accepted (everything but 'not suggested')."""
        return [d for d in self.decisions if d.status != "not suggested"]

    def accepted_roles(self) -> list[Role]:
        """Roles the workshop retained (status 'accepted' or 'added')."""
        return [d.role for d in self.decisions if d.status in ("accepted", "added")]

    # -- decisions ------------------------------------------------------------------------------
    def _set(self, role_id: str, status: str, why: str) -> "RoleSelection":
        i = self._index(role_id)
        self.decisions[i] = replace(self.decisions[i], status=status, rationale=why)
        self.log.append({"role_id": role_id, "status": status, "why": why})
        return self

    def accept(self, role_id: str, why: str) -> "RoleSelection":
        """Retain a role. A role the rule did not suggest becomes 'added'."""
        why = _require_why(why)
        current = self.get(role_id)
        status = "added" if current.status == "not suggested" or current.role.custom else "accepted"
        return self._set(role_id, status, why)

    def reject(self, role_id: str, why: str) -> "RoleSelection":
        """Reject a role, saying why (e.g. 'reintroduction blocked while Bd persists')."""
        why = _require_why(why)
        self._index(role_id)
        return self._set(role_id, "rejected", why)

    def add_custom(self, role: Role | Mapping[str, Any], why: str) -> "RoleSelection":
        """Add a role that is not in the catalogue (marked ``custom``), with the group's rationale."""
        why = _require_why(why)
        if isinstance(role, Mapping):
            role = Role.from_dict(role)
        if not isinstance(role, Role):
            raise InvalidInputError("role", f"expected a Role, got {role!r}", "build one with exsitu.roles.Role(name=...)")
        if any(d.role.id == role.id for d in self.decisions):
            raise InvalidInputError("role.id", f"a role called {role.id!r} is already in the selection",
                                    "give the custom role another id or name, or accept() the existing one")
        role = replace(role, custom=True)
        reason = Reason("facilitator", "added", 0, f"Custom role added by the facilitator: {why}")
        self.decisions.append(RoleDecision(role, "added", 0, "none", (reason,), why))
        self.log.append({"role_id": role.id, "status": "added", "why": why})
        return self

    def population_requirements(self) -> PopulationImplication:
        """Combined Step 3 implication of the retained roles (see :func:`population_requirements`)."""
        retained = self.accepted_roles()
        if not retained:
            raise InvalidInputError("decisions", "no role has been accepted or added yet",
                                    "accept() or add_custom() at least one role first")
        return population_requirements(retained)

    # -- display and storage --------------------------------------------------------------------
    def to_frame(self) -> pd.DataFrame:
        """One row per role: rank, score, strength, status, reasons and rationale."""
        rows = []
        for rank, d in enumerate(self.decisions, start=1):
            rows.append({"rank": rank, "role_id": d.role.id, "name": d.role.name,
                         "purpose_group": d.role.purpose_group, "score": d.score, "strength": d.strength,
                         "status": d.status, "reasons": "; ".join(r.text for r in d.reasons),
                         "rationale": d.rationale, "custom": d.role.custom})
        return pd.DataFrame(rows).set_index("role_id")

    def log_frame(self) -> pd.DataFrame:
        """The log as a table for people: one row per change, with the role's name (not its id), status and why."""
        names = {d.role.id: d.role.name for d in self.decisions}
        return pd.DataFrame([{"role": names.get(entry.get("role_id"), entry.get("role_id")),
                              "status": entry.get("status", ""), "why": entry.get("why", "")}
                             for entry in self.log], columns=["role", "status", "why"])

    def to_dict(self) -> dict:
        return {"taxon": self.taxon, "basis": json.loads(json.dumps(self.basis)),
                "decisions": [d.to_dict() for d in self.decisions],
                "log": [dict(entry) for entry in self.log]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "RoleSelection":
        """Rebuild a selection from :meth:`to_dict`; a bad entry raises InvalidInputError naming its field
        (e.g. ``taxon``, ``decisions[3].role.name``, ``log[0].why``)."""
        _check_keys(data, cls, "selection")
        taxon = _require_str(data.get("taxon", ""), "taxon")
        basis = data.get("basis", {})
        if not isinstance(basis, Mapping):
            raise InvalidInputError("basis", f"expected an object of the Step 1 inputs, got {basis!r}",
                                    "pass the 'basis' of to_dict() (or {})")
        try:
            basis = json.loads(json.dumps(basis))
        except (TypeError, ValueError):
            raise InvalidInputError("basis", "holds values that are not plain JSON data",
                                    "keep texts, numbers, true/false, null, lists and objects only") from None
        decisions = []
        for i, item in enumerate(_require_list(data.get("decisions", []), "decisions")):
            _check_keys(item, RoleDecision, f"decisions[{i}]")
            with field_prefix(f"decisions[{i}]"):
                decisions.append(RoleDecision.from_dict(item))
        seen: set[str] = set()
        for i, decision in enumerate(decisions):
            if decision.role.id in seen:
                raise InvalidInputError(f"decisions[{i}].role.id", f"role {decision.role.id!r} is listed twice",
                                        "keep one decision per role")
            seen.add(decision.role.id)
        log = [_log_entry(entry, f"log[{i}]") for i, entry in enumerate(_require_list(data.get("log", []), "log"))]
        return cls(taxon=taxon, basis=basis, decisions=decisions, log=log)


def _require_str(value: Any, field_name: str) -> str:
    """A text that may be empty (the Role's and Reason's optional texts)."""
    if not isinstance(value, str):
        raise InvalidInputError(field_name, f"expected a text, got {value!r}", "enter a text (may be empty)")
    return value


def _require_list(value: Any, field_name: str) -> list:
    if not isinstance(value, (list, tuple)):
        raise InvalidInputError(field_name, f"expected a list, got {value!r}", "give a list (see to_dict())")
    return list(value)


_LOG_KEYS = ("role_id", "status", "why")


def _log_entry(entry: Any, field_name: str) -> dict:
    """One log entry ``{role_id, status, why}`` (all texts; the status one of :data:`STATUSES`)."""
    if not isinstance(entry, Mapping):
        raise InvalidInputError(field_name, f"expected an object {{role_id, status, why}}, got {entry!r}",
                                "pass the 'log' of to_dict()")
    for key in entry:
        if key not in _LOG_KEYS:
            raise InvalidInputError(f"{field_name}.{key}", "is not a known field", f"use only {', '.join(_LOG_KEYS)}")
    for key in _LOG_KEYS:
        if key not in entry:
            raise InvalidInputError(f"{field_name}.{key}", "is missing", "give role_id, status and why")
        _require_str(entry[key], f"{field_name}.{key}")
    if entry["status"] not in STATUSES:
        raise InvalidInputError(f"{field_name}.status", f"{entry['status']!r} is not a status",
                                f"use one of {', '.join(STATUSES)}")
    return dict(entry)


# -- reading the Step 1 result (duck-typed) -------------------------------------------------------

def _get(source: Any, key: str, default: Any = None) -> Any:
    if isinstance(source, Mapping):
        return source.get(key, default)
    return getattr(source, key, default)


def _read_threat(item: Any, i: int) -> dict:
    field_name = f"threats[{i}]"
    code = _get(item, "code")
    if code is None:
        raise InvalidInputError(f"{field_name}.code", "missing", "give each threat an IUCN code, e.g. '8.1'")
    code = validate_threat_code(code, f"{field_name}.code")
    impact = _get(item, "impact")
    if impact is None and isinstance(item, Mapping) and {"timing", "scope", "severity"} <= set(item):
        try:
            impact = ThreatImpact(code, item["timing"], item["scope"], item["severity"]).impact
        except InvalidInputError as error:
            raise InvalidInputError(f"{field_name}.{error.field}", error.problem, error.fix) from None
    if impact not in IMPACTS:
        raise InvalidInputError(f"{field_name}.impact", f"{impact!r} is not a threat impact",
                                f"use one of {', '.join(map(repr, IMPACTS))} (or give timing, scope and severity)")
    out = {"code": code, "impact": str(impact)}
    timing = _get(item, "timing")
    if timing is not None:
        out["timing"] = str(timing)
    return out


def _text_list(value: Any, field_name: str) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        return [value.strip()] if value.strip() else []
    try:
        items = list(value)
    except TypeError:
        raise InvalidInputError(field_name, f"expected a list of texts, got {value!r}", "give a list of texts") from None
    return [require_text(item, f"{field_name}[{i}]") for i, item in enumerate(items)]


def _fmt_codes(codes: Iterable[str]) -> str:
    return ", ".join(codes)


def suggest_roles(
    status_review: Any,
    *,
    can_hold_living: bool | None = None,
    controllable_threats: Iterable[str] = (),
    capacity_gaps: Iterable[str] | str = (),
    situations: Iterable[str] = (),
    extra_roles: Iterable[Role] = (),
) -> RoleSelection:
    """Rank the catalogue roles against a Step 1 result, with the reasons for every point.

    ``status_review`` is an :class:`exsitu.status_review.StatusReview` or a dict with ``category`` and
    ``threats`` (dicts ``{code, impact}`` or :class:`exsitu.threats.ThreatImpact` objects), optionally
    ``mature_individuals``, ``knowledge_gaps``, ``taxon`` and the keyword arguments below as keys.

    ``can_hold_living``: False if the organism can only be held as bio-samples (default True).
    ``controllable_threats``: codes of listed threats the group judges controllable in the wild.
    ``capacity_gaps``: skills gaps (→ training). ``situations``: keys of :data:`SITUATIONS` the facilitator
    declares (e.g. ``'early_life_mortality'``). ``extra_roles``: custom roles to score with the same rule.
    The scoring rule is in the module docstring and :func:`scoring_rules`.
    """
    category = _get(status_review, "category")
    if not isinstance(category, str) or category.strip().upper() not in CATEGORIES:
        raise InvalidInputError("category", f"{category!r} is not a Red List category",
                                f"use one of {', '.join(CATEGORIES)}")
    category = category.strip().upper()
    raw_threats = _get(status_review, "threats", None) or []
    if isinstance(raw_threats, (str, Mapping)):
        raise InvalidInputError("threats", "expected a list of threats", "give a list of {code, impact} entries")
    threats = [_read_threat(item, i) for i, item in enumerate(raw_threats)]
    mature = _get(status_review, "mature_individuals")
    if mature is not None:
        mature = require_number(mature, "mature_individuals", minimum=0)
    knowledge_gaps = _text_list(_get(status_review, "knowledge_gaps"), "knowledge_gaps")
    capacity = _text_list(_get(status_review, "capacity_gaps"), "capacity_gaps") + _text_list(capacity_gaps, "capacity_gaps")
    if can_hold_living is None:
        can_hold_living = _get(status_review, "can_hold_living", True)
        can_hold_living = True if can_hold_living is None else can_hold_living
    _require_bool(can_hold_living, "can_hold_living")
    controllable_in = list(_get(status_review, "controllable_threats", None) or []) + list(controllable_threats)
    controllable: list[str] = []
    for i, code in enumerate(controllable_in):
        code = validate_threat_code(code, f"controllable_threats[{i}]")
        if not any(_codes_match(code, t["code"]) for t in threats):
            raise InvalidInputError(f"controllable_threats[{i}]", f"{code!r} is not among the threats listed",
                                    "list only codes of threats in the status review")
        controllable.append(code)
    declared_in = list(_get(status_review, "situations", None) or []) + list(situations)
    declared: list[str] = []
    for i, key in enumerate(declared_in):
        situation = SITUATIONS.get(key)
        if situation is None or not situation.declarable:
            allowed = [k for k, s in SITUATIONS.items() if s.declarable]
            raise InvalidInputError(f"situations[{i}]", f"{key!r} cannot be declared",
                                    f"use one of {', '.join(allowed)} (category-based situations come from 'category')")
        declared.append(key)
    taxon = _get(status_review, "taxon", "") or ""

    detected = _detect_situations(category, threats, mature, knowledge_gaps, capacity, can_hold_living,
                                  controllable, declared)

    candidates = list(_catalogue()) + [replace(r, custom=True) for r in extra_roles]
    scored = []
    for index, role in enumerate(candidates):
        reasons = _score_role(role, threats, detected, can_hold_living)
        score = sum(r.points for r in reasons)
        excluded = any(r.kind == "exclusion" for r in reasons)
        if not reasons:
            reasons = [_no_trigger_reason(role)]
        strength = "excluded" if excluded else strength_of(score)
        status = "suggested" if score > 0 else "not suggested"
        scored.append((-score, index, RoleDecision(role, status, score, strength, tuple(reasons))))
    scored.sort(key=lambda item: (item[0], item[1]))
    basis = {"category": category, "threats": threats, "mature_individuals": mature,
             "knowledge_gaps": knowledge_gaps, "capacity_gaps": capacity, "can_hold_living": can_hold_living,
             "controllable_threats": controllable, "declared_situations": declared,
             "detected_situations": {k: v[0] for k, v in detected.items()}}
    return RoleSelection(taxon=str(taxon), basis=basis, decisions=[item[2] for item in scored])


def _detect_situations(category: str, threats: list[dict], mature: float | None, knowledge_gaps: list[str],
                       capacity: list[str], can_hold_living: bool, controllable: list[str],
                       declared: list[str]) -> dict[str, tuple[int, str]]:
    """Situation key → (points, explanation) for the situations that apply."""
    found: dict[str, tuple[int, str]] = {}
    if category in _CATEGORY_POINTS:
        found["threatened_category"] = (_CATEGORY_POINTS[category],
                                        f"Category {category}: +{_CATEGORY_POINTS[category]} (EW +3, CR +2, EN +1)")
    if category == "EW":
        found["extinct_in_wild"] = (3, "Category EW, the taxon survives only ex situ: +3")
    if category == "EX":
        found["taxon_extinct"] = (3, "Category EX, the taxon is extinct: +3")
    if mature is not None and mature < 50:
        found["very_small_population"] = (3, f"{mature:g} mature individuals, fewer than 50 "
                                             "(CR threshold of criterion D): +3")
    elif mature is not None and mature < 250:
        found["very_small_population"] = (2, f"{mature:g} mature individuals, fewer than 250 "
                                             "(CR threshold of criterion C): +2")
    major = [t for t in threats if t["impact"] in ("High", "Medium")]
    uncontrolled = [t["code"] for t in major if not any(_codes_match(c, t["code"]) for c in controllable)]
    controlled = [t["code"] for t in major if any(_codes_match(c, t["code"]) for c in controllable)]
    if uncontrolled:
        found["uncontrolled_major_threat"] = (2, f"Major threat(s) {_fmt_codes(uncontrolled)} not judged "
                                                 "controllable in the wild, so time must be bought: +2")
    if controlled:
        found["threat_controllable"] = (2, f"Major threat(s) {_fmt_codes(controlled)} judged controllable in "
                                           "the wild, so released individuals could survive once it is controlled: +2")
    past = [t["code"] for t in threats if t["impact"] == "Past"]
    if past and category in ("EW", "CR", "EN", "VU"):
        found["threat_removed"] = (2, f"Threat(s) {_fmt_codes(past)} have Past impact (ceased or removed) "
                                      f"in a {category} taxon: +2")
    unknown = [t["code"] for t in threats if t["impact"] == "Unknown"]
    gap_parts = []
    if knowledge_gaps:
        gap_parts.append("knowledge gaps: " + "; ".join(knowledge_gaps))
    if unknown:
        gap_parts.append(f"threat(s) {_fmt_codes(unknown)} of Unknown impact")
    if category == "DD":
        gap_parts.append("category DD")
    if gap_parts:
        found["knowledge_gap"] = (2, "Knowledge gap (" + "; ".join(gap_parts) + "): +2")
    if capacity:
        found["capacity_gap"] = (2, "Capacity gaps: " + "; ".join(capacity) + ": +2")
    if not can_hold_living:
        found["cannot_hold_living"] = (3, "The organism cannot be kept alive ex situ (can_hold_living=False); "
                                          "only bio-samples such as seeds, cultures or gametes can be held: +3")
    for key in declared:
        if key in found:
            continue
        points = 2 if key == "very_small_population" else SITUATIONS[key].points
        label = "Capacity gap" if key == "capacity_gap" else SITUATIONS[key].description
        found[key] = (points, f"{label} (declared by the facilitator): +{points}")
    return found


def _score_role(role: Role, threats: list[dict], detected: dict[str, tuple[int, str]],
                can_hold_living: bool) -> list[Reason]:
    reasons: list[Reason] = []
    for threat in threats:
        matched = [c for c in role.threat_codes if _codes_match(c, threat["code"])]
        if not matched:
            continue
        points = IMPACT_POINTS[threat["impact"]]
        name = threat_name(threat["code"])
        label = f"Threat {threat['code']}" + (f" ({name})" if name else "")
        if points:
            text = (f"{label}, impact {threat['impact']}: +{points} — {role.name} addresses threat code(s) "
                    f"{_fmt_codes(matched)}")
        else:
            text = (f"{label}, impact {threat['impact']}: +0 — matches {_fmt_codes(matched)}, but only High, "
                    "Medium, Low or Unknown impacts count")
        reasons.append(Reason("threat", threat["code"], points, text))
    for key in role.situations:
        if key in detected:
            points, text = detected[key]
            kind = "category" if key in ("threatened_category", "extinct_in_wild", "taxon_extinct") else "situation"
            reasons.append(Reason(kind, key, points, text))
    if not can_hold_living and role.living_individuals and not role.bio_samples and not role.surrogate_ok:
        total = sum(r.points for r in reasons)
        reasons.append(Reason("exclusion", "can_hold_living", -total,
                              "Excluded: this role needs living individuals of the taxon, which cannot be kept "
                              f"alive ex situ (score {total} set to 0)"))
    return reasons


def _no_trigger_reason(role: Role) -> Reason:
    parts = []
    if role.threat_codes:
        parts.append(f"none of its threat codes ({_fmt_codes(role.threat_codes)}) is listed with an impact")
    if role.situations:
        parts.append(f"none of its situations ({', '.join(role.situations)}) applies")
    text = "Not suggested: " + (" and ".join(parts) if parts else "the role has no threat codes or situations")
    return Reason("no trigger", "", 0, text)
