"""Step 4 of an ECA: the resources and expertise an ex situ option needs, its feasibility and its risks.

An option (one or more roles from :mod:`exsitu.roles`) is appraised on

* **feasibility factors** — husbandry/cultivation/cryo knowledge, facilities, staff, funding over the whole
  duration, permits and legal framework, founders or samples without harming the wild population,
  partners in and outside the range, disease and biosecurity capacity — each rated on :data:`RATINGS`
  with its evidence. An ``essential`` factor rated ``'gap'`` blocks the option.
* a **risk register** — risks to the wild population, to the ex situ population, to other species and to
  the institutions and the programme (:data:`RISK_CATEGORIES`), each with likelihood and consequence on
  1–5 scales, a mitigation and the residual likelihood and consequence after it.

Sources: the factor list and the risk categories follow the course domain brief (``eca-process.md`` §2,
Step 4 row, synthesised from IUCN/SSC 2014 [G14], CPSG-ECA, CSI-roles and McGowan et al. 2017) and the
course issue; the official G14 Step 4 risk list was not available, so the factor list, the ``essential``
flags and the template risks are **teaching synthesis** (see :data:`TEMPLATE_SOURCE_NOTE`).

Risk rating = likelihood × consequence (1–25) with level bands 1–4 low, 5–9 medium, 10–16 high,
20–25 extreme (:data:`LEVEL_BANDS`). This is the **course's convention** in the style of common 5×5 risk
matrices; ISO 31000-style practice leaves the scales and bands to each organisation, so state the bands
whenever a register is shown.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields, replace
from functools import lru_cache
from importlib import resources
from typing import Any, Iterable, Mapping

import pandas as pd

from exsitu.validation import InvalidInputError, field_prefix, require_number, slug

# --------------------------------------------------------------------------------------------------
# Templates and scales
# --------------------------------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _templates() -> dict:
    with resources.files("exsitu").joinpath("data/feasibility_templates.json").open(encoding="utf-8") as handle:
        return json.load(handle)


TEMPLATE_SOURCE_NOTE: str = _templates()["source_note"]
"""Where the factor list and risk categories come from, and what is teaching synthesis."""

RATINGS: dict[str, str] = dict(_templates()["ratings"])
"""Feasibility factor ratings and what each means (course convention)."""

RISK_CATEGORIES: dict[str, str] = {c["id"]: c["name"] for c in _templates()["risk_categories"]}
"""Risk category id → name (eca-process.md Step 4 row + course issue; teaching synthesis)."""

LEVEL_BANDS: tuple[tuple[int, int, str], ...] = ((1, 4, "low"), (5, 9, "medium"), (10, 16, "high"), (20, 25, "extreme"))
"""(lowest rating, highest rating, level). Every product of two 1–5 integers falls in one band (course
convention in the style of common 5×5 risk matrices)."""

LEVELS: tuple[str, ...] = tuple(band[2] for band in LEVEL_BANDS)

FEASIBILITY_LABELS: tuple[str, ...] = ("feasible", "feasible with conditions", "not feasible now")
"""Overall feasibility labels of :meth:`FeasibilityAssessment.summary`."""

_SCALE_FIELDS = ("likelihood", "consequence", "residual_likelihood", "residual_consequence")


def risk_rating(likelihood: int, consequence: int) -> int:
    """Risk rating = likelihood × consequence, each an integer 1–5 (result 1–25)."""
    lik = int(require_number(likelihood, "likelihood", minimum=1, maximum=5, integer=True))
    con = int(require_number(consequence, "consequence", minimum=1, maximum=5, integer=True))
    return lik * con


def risk_level(rating: int) -> str:
    """Level band of a rating: 1–4 low, 5–9 medium, 10–16 high, 20–25 extreme (course convention)."""
    value = int(require_number(rating, "rating", minimum=1, maximum=25, integer=True))
    for low, high, level in LEVEL_BANDS:
        if low <= value <= high:
            return level
    raise InvalidInputError("rating", f"{rating!r} is not a product of two integers 1–5",
                            "use likelihood × consequence")





def _check_keys(data: Any, cls: type, what: str) -> None:
    if not isinstance(data, Mapping):
        raise InvalidInputError(what, f"expected a dict, got {type(data).__name__}", "pass the output of to_dict()")
    allowed = {f.name for f in fields(cls)}
    for key in data:
        if key not in allowed:
            raise InvalidInputError(f"{what}.{key}" if what else key, "is not a known field",
                                    f"use only {', '.join(sorted(allowed))}")


def _text(value: Any, field_name: str, *, required: bool = False) -> str:
    if not isinstance(value, str):
        raise InvalidInputError(field_name, f"expected a text, got {value!r}", "enter a text")
    if required and not value.strip():
        raise InvalidInputError(field_name, "must not be empty", "enter a short name or description")
    return value.strip()





# --------------------------------------------------------------------------------------------------
# Factors
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeasibilityFactor:
    """One resource or capacity an option needs, rated with its evidence.

    ``rating`` is one of :data:`RATINGS`; an ``essential`` factor rated ``'gap'`` blocks the option.
    """

    id: str
    name: str
    rating: str = "unknown"
    evidence: str = ""
    essential: bool = True
    question: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "name", _text(self.name, "name", required=True))
        role_id = _text(self.id, "id") or slug(self.name)
        object.__setattr__(self, "id", role_id)
        if self.rating not in RATINGS:
            raise InvalidInputError("rating", f"{self.rating!r} is not a rating",
                                    f"use one of {', '.join(map(repr, RATINGS))}")
        object.__setattr__(self, "evidence", _text(self.evidence, "evidence"))
        object.__setattr__(self, "question", _text(self.question, "question"))
        if not isinstance(self.essential, bool):
            raise InvalidInputError("essential", f"expected True or False, got {self.essential!r}", "use True or False")

    @property
    def blocking(self) -> bool:
        """True if this factor blocks the option (essential and rated 'gap')."""
        return self.essential and self.rating == "gap"

    def to_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "rating": self.rating, "evidence": self.evidence,
                "essential": self.essential, "question": self.question}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "FeasibilityFactor":
        _check_keys(data, cls, "factor")
        if "name" not in data:
            raise InvalidInputError("name", "a factor needs a name", "add a 'name'")
        return cls(**{"id": "", **dict(data)})


def default_factors() -> list[FeasibilityFactor]:
    """The eight standard feasibility factors, rated 'unknown' (see :data:`TEMPLATE_SOURCE_NOTE`)."""
    return [FeasibilityFactor(f["id"], f["name"], "unknown", "", f["essential"], f["question"])
            for f in _templates()["factors"]]


# --------------------------------------------------------------------------------------------------
# Risks
# --------------------------------------------------------------------------------------------------


def _scale(value: Any, field_name: str) -> int | None:
    if value is None:
        return None
    number = require_number(value, field_name, minimum=1, maximum=5, integer=True)
    return int(number)


@dataclass(frozen=True)
class Risk:
    """One entry of a risk register.

    ``likelihood`` and ``consequence`` are integers 1–5 (``None`` = not yet rated). The residual values
    are those expected after ``mitigation``; when not given they equal the inherent ones.
    ``label`` is the short text shown on the heat map (defaults to ``id``).
    """

    id: str
    category: str
    description: str
    likelihood: int | None = None
    consequence: int | None = None
    mitigation: str = ""
    residual_likelihood: int | None = None
    residual_consequence: int | None = None
    label: str = ""

    def __post_init__(self) -> None:
        if self.category not in RISK_CATEGORIES:
            raise InvalidInputError("category", f"{self.category!r} is not a risk category",
                                    f"use one of {', '.join(map(repr, RISK_CATEGORIES))}")
        object.__setattr__(self, "description", _text(self.description, "description", required=True))
        object.__setattr__(self, "mitigation", _text(self.mitigation, "mitigation"))
        object.__setattr__(self, "id", _text(self.id, "id") or slug(self.label or self.description)[:40])
        object.__setattr__(self, "label", _text(self.label, "label") or self.id)
        for name in _SCALE_FIELDS:
            object.__setattr__(self, name, _scale(getattr(self, name), name))
        if (self.likelihood is None) != (self.consequence is None):
            missing = "consequence" if self.consequence is None else "likelihood"
            raise InvalidInputError(missing, "is missing while the other scale is rated",
                                    "rate both likelihood and consequence (1–5), or neither")
        if not self.rated and (self.residual_likelihood is not None or self.residual_consequence is not None):
            raise InvalidInputError("likelihood", "the residual risk is rated but the risk itself is not",
                                    "rate likelihood and consequence before mitigation first")

    @property
    def rated(self) -> bool:
        return self.likelihood is not None

    @property
    def rating(self) -> int | None:
        """Inherent rating likelihood × consequence (None if not rated)."""
        return None if not self.rated else self.likelihood * self.consequence

    @property
    def level(self) -> str | None:
        return None if self.rating is None else risk_level(self.rating)

    @property
    def residual(self) -> tuple[int, int] | None:
        """(likelihood, consequence) after mitigation; inherent values where residual ones are not given."""
        if not self.rated:
            return None
        lik = self.residual_likelihood if self.residual_likelihood is not None else self.likelihood
        con = self.residual_consequence if self.residual_consequence is not None else self.consequence
        return lik, con

    @property
    def residual_rating(self) -> int | None:
        pair = self.residual
        return None if pair is None else pair[0] * pair[1]

    @property
    def residual_level(self) -> str | None:
        return None if self.residual_rating is None else risk_level(self.residual_rating)

    def to_dict(self) -> dict:
        return {"id": self.id, "category": self.category, "description": self.description,
                "likelihood": self.likelihood, "consequence": self.consequence, "mitigation": self.mitigation,
                "residual_likelihood": self.residual_likelihood,
                "residual_consequence": self.residual_consequence, "label": self.label}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Risk":
        _check_keys(data, cls, "risk")
        for required in ("category", "description"):
            if required not in data:
                raise InvalidInputError(required, "is missing", f"give the risk a {required}")
        return cls(**{"id": "", **dict(data)})


def _role_of(role: Any) -> Any:
    from exsitu import roles as roles_module  # imported here: feasibility works without the catalogue

    if isinstance(role, str):
        return roles_module.get_role(role)
    if isinstance(role, roles_module.Role):
        return role
    raise InvalidInputError("role_id", f"expected a role id or a Role, got {role!r}",
                            "pass an id such as 'insurance' (see exsitu.roles.role_catalogue())")


def _applies(condition: str, role: Any) -> bool:
    population = role.population
    return {
        "all": True,
        "living": role.living_individuals,
        "bio_samples_only": role.bio_samples and not role.living_individuals,
        "release": population.release_ready,
        "long_term": population.duration_scale in ("long", "indefinite"),
    }[condition]


def risk_template(role_id: str | Any | Iterable[str | Any]) -> list[Risk]:
    """Standard, unrated risks for one role (id or :class:`exsitu.roles.Role`) or several.

    Covers the four :data:`RISK_CATEGORIES`; which risks apply depends on the role: living individuals
    (disease, adaptation to captivity, gene-diversity loss, hybridisation …), bio-samples only (sample
    loss, viability), release (disease or maladapted individuals introduced to the wild) and long
    duration (staff loss). Template risks are teaching synthesis (:data:`TEMPLATE_SOURCE_NOTE`).
    """
    items = [role_id] if isinstance(role_id, str) or not isinstance(role_id, Iterable) else list(role_id)
    if not items:
        raise InvalidInputError("role_id", "no role given", "pass at least one role id")
    resolved = [_role_of(item) for item in items]
    out = []
    for template in _templates()["risks"]:
        if any(_applies(template["applies_to"], role) for role in resolved):
            out.append(Risk(template["id"], template["category"], template["description"], label=template["label"]))
    return out


def risk_categories() -> pd.DataFrame:
    """The risk categories with examples (teaching synthesis of eca-process.md Step 4 and the course issue)."""
    return pd.DataFrame(_templates()["risk_categories"]).set_index("id")


# --------------------------------------------------------------------------------------------------
# Assessment and summary
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FeasibilitySummary:
    """Overall appraisal of one option.

    ``label``: 'not feasible now' if an essential factor is a gap or a residual risk is extreme;
    otherwise 'feasible with conditions' if anything in ``conditions`` remains; otherwise 'feasible'.
    """

    option: str
    role_ids: tuple[str, ...]
    label: str
    blocking_gaps: tuple[dict, ...]
    blocking_risks: tuple[dict, ...]
    conditions: tuple[str, ...]
    factor_counts: dict
    residual_high: int
    residual_extreme: int
    inherent_high: int
    inherent_extreme: int
    unrated_risks: int

    @property
    def blocked(self) -> bool:
        return bool(self.blocking_gaps or self.blocking_risks)

    def to_dict(self) -> dict:
        return {"option": self.option, "role_ids": list(self.role_ids), "label": self.label,
                "blocking_gaps": [dict(g) for g in self.blocking_gaps],
                "blocking_risks": [dict(r) for r in self.blocking_risks],
                "conditions": list(self.conditions), "factor_counts": dict(self.factor_counts),
                "residual_high": self.residual_high, "residual_extreme": self.residual_extreme,
                "inherent_high": self.inherent_high, "inherent_extreme": self.inherent_extreme,
                "unrated_risks": self.unrated_risks}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "FeasibilitySummary":
        _check_keys(data, cls, "summary")
        values = dict(data)
        values["role_ids"] = tuple(values["role_ids"])
        values["blocking_gaps"] = tuple(dict(g) for g in values["blocking_gaps"])
        values["blocking_risks"] = tuple(dict(r) for r in values["blocking_risks"])
        values["conditions"] = tuple(values["conditions"])
        values["factor_counts"] = dict(values["factor_counts"])
        return cls(**values)


@dataclass
class FeasibilityAssessment:
    """Feasibility factors and risk register of one ex situ option (a working record a workshop edits).

    ``factors`` and ``risks`` may be given as objects or dicts. Editing methods change the assessment in
    place and return it.
    """

    option: str
    role_ids: tuple[str, ...] = ()
    factors: list[FeasibilityFactor] = field(default_factory=default_factors)
    risks: list[Risk] = field(default_factory=list)
    notes: str = ""

    def __post_init__(self) -> None:
        self.option = _text(self.option, "option", required=True)
        ids = [self.role_ids] if isinstance(self.role_ids, str) else list(self.role_ids)
        self.role_ids = tuple(_text(r, f"role_ids[{i}]", required=True) for i, r in enumerate(ids))
        self.notes = _text(self.notes, "notes")
        self.factors = [self._coerce(item, FeasibilityFactor, f"factors[{i}]") for i, item in enumerate(self.factors)]
        self.risks = [self._coerce(item, Risk, f"risks[{i}]") for i, item in enumerate(self.risks)]
        for name, items in (("factors", self.factors), ("risks", self.risks)):
            seen: set[str] = set()
            for i, item in enumerate(items):
                if item.id in seen:
                    raise InvalidInputError(f"{name}[{i}].id", f"{item.id!r} is used twice", "give each entry its own id")
                seen.add(item.id)

    @staticmethod
    def _coerce(item: Any, cls: type, prefix: str) -> Any:
        if isinstance(item, cls):
            return item
        with field_prefix(prefix):
            return cls.from_dict(item)

    @classmethod
    def for_roles(cls, option: str, role_ids: str | Iterable[str]) -> "FeasibilityAssessment":
        """A new assessment with the default factors and the risk template of the roles."""
        ids = [role_ids] if isinstance(role_ids, str) else list(role_ids)
        role_objects = [_role_of(r) for r in ids]
        return cls(option, tuple(r.id for r in role_objects), default_factors(), risk_template(role_objects))

    # -- editing --------------------------------------------------------------------------------
    def _factor_index(self, factor_id: str) -> int:
        for i, factor in enumerate(self.factors):
            if factor.id == factor_id:
                return i
        raise InvalidInputError("factor_id", f"no factor called {factor_id!r}",
                                f"use one of {', '.join(f.id for f in self.factors)}")

    def _risk_index(self, risk_id: str) -> int:
        for i, risk in enumerate(self.risks):
            if risk.id == risk_id:
                return i
        raise InvalidInputError("risk_id", f"no risk called {risk_id!r}",
                                f"use one of {', '.join(r.id for r in self.risks)}")

    def rate(self, factor_id: str, rating: str, evidence: str = "") -> "FeasibilityAssessment":
        """Rate one factor ('available', 'partial', 'gap', 'unknown') with its evidence."""
        i = self._factor_index(factor_id)
        self.factors[i] = replace(self.factors[i], rating=rating, evidence=evidence)
        return self

    def add_factor(self, factor: FeasibilityFactor | Mapping[str, Any]) -> "FeasibilityAssessment":
        factor = self._coerce(factor, FeasibilityFactor, f"factors[{len(self.factors)}]")
        if any(f.id == factor.id for f in self.factors):
            raise InvalidInputError("factor.id", f"{factor.id!r} is already a factor", "use another id")
        self.factors.append(factor)
        return self

    def add_risk(self, risk: Risk | Mapping[str, Any]) -> "FeasibilityAssessment":
        risk = self._coerce(risk, Risk, f"risks[{len(self.risks)}]")
        if any(r.id == risk.id for r in self.risks):
            raise InvalidInputError("risk.id", f"{risk.id!r} is already in the register", "use another id")
        self.risks.append(risk)
        return self

    def update_risk(self, risk_id: str, **changes: Any) -> "FeasibilityAssessment":
        """Change fields of one risk, e.g. ``update_risk('exsitu_disease', likelihood=3, consequence=5)``."""
        i = self._risk_index(risk_id)
        allowed = {f.name for f in fields(Risk)} - {"id"}
        for key in changes:
            if key not in allowed:
                raise InvalidInputError(key, "is not a field a risk can change", f"use {', '.join(sorted(allowed))}")
        self.risks[i] = replace(self.risks[i], **changes)
        return self

    def remove_risk(self, risk_id: str) -> "FeasibilityAssessment":
        del self.risks[self._risk_index(risk_id)]
        return self

    # -- results --------------------------------------------------------------------------------
    def summary(self) -> FeasibilitySummary:
        """Overall label, what blocks the option and why, conditions, and counts of high/extreme risks."""
        blocking_gaps = tuple(
            {"factor_id": f.id, "name": f.name,
             "why": f"essential factor rated 'gap' — {f.evidence or 'no evidence recorded'}"}
            for f in self.factors if f.blocking)
        blocking_risks = tuple(
            {"risk_id": r.id, "label": r.label,
             "why": (f"residual risk is extreme ({r.residual[0]}×{r.residual[1]} = {r.residual_rating})"
                     + (f" after mitigation: {r.mitigation}" if r.mitigation else " and no mitigation is recorded"))}
            for r in self.risks if r.residual_level == "extreme")
        conditions: list[str] = []
        for f in self.factors:
            if f.blocking:
                continue
            if f.rating == "partial":
                conditions.append(f"Strengthen '{f.name}' (rated partial): {f.evidence or 'no evidence recorded'}")
            elif f.rating == "unknown":
                conditions.append(f"Assess '{f.name}' (not yet rated)")
            elif f.rating == "gap":
                conditions.append(f"Close the gap in '{f.name}' (not essential): {f.evidence or 'no evidence recorded'}")
            elif not f.evidence:
                conditions.append(f"Record the evidence that '{f.name}' is available")
        for r in self.risks:
            if r.residual_level == "high":
                conditions.append(f"Manage high residual risk '{r.label}' ({r.residual[0]}×{r.residual[1]} = "
                                  f"{r.residual_rating})")
        unrated = sum(not r.rated for r in self.risks)
        if unrated:
            conditions.append(f"Rate the {unrated} risk(s) not yet rated")
        if blocking_gaps or blocking_risks:
            label = "not feasible now"
        elif conditions:
            label = "feasible with conditions"
        else:
            label = "feasible"
        counts = {rating: sum(f.rating == rating for f in self.factors) for rating in RATINGS}
        return FeasibilitySummary(
            option=self.option, role_ids=self.role_ids, label=label, blocking_gaps=blocking_gaps,
            blocking_risks=blocking_risks, conditions=tuple(conditions), factor_counts=counts,
            residual_high=sum(r.residual_level == "high" for r in self.risks),
            residual_extreme=sum(r.residual_level == "extreme" for r in self.risks),
            inherent_high=sum(r.level == "high" for r in self.risks),
            inherent_extreme=sum(r.level == "extreme" for r in self.risks),
            unrated_risks=unrated)

    def risk_register(self) -> pd.DataFrame:
        """The risk register, one row per risk, with inherent and residual ratings and levels."""
        columns = ["id", "category", "label", "description", "likelihood", "consequence", "rating", "level",
                   "mitigation", "residual_likelihood", "residual_consequence", "residual_rating", "residual_level"]
        rows = []
        for r in self.risks:
            residual = r.residual or (None, None)
            rows.append({"id": r.id, "category": r.category, "label": r.label, "description": r.description,
                         "likelihood": r.likelihood, "consequence": r.consequence, "rating": r.rating,
                         "level": r.level, "mitigation": r.mitigation, "residual_likelihood": residual[0],
                         "residual_consequence": residual[1], "residual_rating": r.residual_rating,
                         "residual_level": r.residual_level})
        frame = pd.DataFrame(rows, columns=columns)
        for name in ("likelihood", "consequence", "rating", "residual_likelihood", "residual_consequence",
                     "residual_rating"):
            frame[name] = frame[name].astype("Int64")
        return frame.set_index("id")

    def factor_table(self) -> pd.DataFrame:
        """The factors, one row each, with whether each blocks the option."""
        columns = ["id", "name", "rating", "essential", "blocking", "evidence", "question"]
        rows = [{"id": f.id, "name": f.name, "rating": f.rating, "essential": f.essential, "blocking": f.blocking,
                 "evidence": f.evidence, "question": f.question} for f in self.factors]
        return pd.DataFrame(rows, columns=columns).set_index("id")

    def to_dict(self) -> dict:
        return {"option": self.option, "role_ids": list(self.role_ids),
                "factors": [f.to_dict() for f in self.factors], "risks": [r.to_dict() for r in self.risks],
                "notes": self.notes}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "FeasibilityAssessment":
        _check_keys(data, cls, "assessment")
        if "option" not in data:
            raise InvalidInputError("option", "is missing", "name the option being assessed")
        return cls(option=data["option"], role_ids=tuple(data.get("role_ids", ())),
                   factors=list(data.get("factors", [])), risks=list(data.get("risks", [])),
                   notes=data.get("notes", ""))
