"""Step 5 of an ECA: an informed and transparent decision, as the guidelines frame it.

Step 5 asks the group to make an informed and transparent decision on which ex situ roles or activities,
if any, to retain in the species' overall conservation strategy (IUCN/SSC 2014 [G14]; CPSG wording, lightly
paraphrased [CPSG-ECA]). CPSG's ECA weighs **conservation value, the structure the role requires, and
feasibility** [AARK-ECA]. The outcome may be **no ex situ role** — an integrated plan stays integrated when
ex situ actions are judged unnecessary (CPSG via iucn-csg.org, citing Byers et al. 2013) — and the 2021
Canadian snakes ICAP did not recommend ex situ population management for most species (case-studies.md,
case 10).

**The evaluation** (:func:`evaluate_option` → :class:`OptionEvaluation`) takes each ex situ option through
a sequence in which the first stage that fails decides (the course's reading of the guidelines, stated so
that a group can challenge it):

1. **conservation value** — how much the option addresses the threats and roles of Steps 1–2
   (:data:`CONSERVATION_VALUES`: high / medium / low / none, with a rationale); low or none → *not
   recommended*, whatever it costs;
2. **structure** — whether the population or sample structure Step 3 requires (size, founders, genetic
   goals, duration) can be met (:data:`STRUCTURE_ANSWERS`: yes / with conditions / no / unknown);
3. **feasibility and risk as gates** (:func:`feasibility_gate`, :func:`risk_gate`, from the Step 4
   :class:`~exsitu.feasibility.FeasibilityAssessment`): an essential factor rated 'gap' or a residual risk
   at an unacceptable level closes the gate unless the group names the condition that opens it;
4. the **outcome**, one of :data:`OUTCOMES`: *recommended*, *recommended with conditions*, *not
   recommended*, or *deferred* — which always carries the evidence that would change it.

**The risk of doing nothing ex situ** is explicit: :func:`evaluate_baseline` turns a wild-only PVA
(:mod:`exsitu.pva`, Step 3) into a :class:`BaselineEvaluation` shown beside the options.
:func:`record_decision` writes the :class:`DecisionRecord` kept in the assessment: every option's outcome,
conditions and deferral evidence, the baseline, the group's reasoning and :class:`Dissent` (named or
anonymous).

**Weighted scoring is an optional aid** (:data:`AID_LABEL`). A group may still score options on criteria to
compare them and to see where it disagrees; :func:`aid_ranking` shows the ranking beside the outcomes and
ranks only options the sequence retains, so a cheap option of low conservation value can never win on cost.

The optional aid writes the judgement down as a weighted-sum multi-criteria decision analysis:

* **options** (:class:`Option`): the baseline "no ex situ action" (always present, cannot be removed),
  each retained role with living individuals, bio-samples only, and combinations
  (:func:`options_from_roles` builds them from the Step 2 roles);
* **criteria** (:class:`Criterion`) with weights ≥ 0: by default conservation benefit, feasibility, risk
  and cost (:func:`default_criteria`), plus any the group adds;
* **scores** (:class:`Score`): one per option × criterion on the decision's scale (default 0–10), each
  with its rationale, who gave it and when.

Conventions (course choices, stated so a workshop can follow them):

* **Scores say how much of the named thing an option has.** A ``'benefit'`` criterion (conservation
  benefit, feasibility) is better when higher; a ``'cost'`` criterion (risk, cost) is worse when higher,
  so a group scores "risk 8" for a risky option as people naturally say it. For the ranking each score is
  converted to a *value* where higher is always better: value = score for a benefit criterion and
  value = min + max − score for a cost criterion (e.g. risk 8 on 0–10 → value 2).
* **Weights are relative.** They are normalised to sum 1 for the ranking (all zero is an error), so
  weights 2, 1, 1, 1 and 0.4, 0.2, 0.2, 0.2 mean the same.
* **Weighted score** of option *i* = Σ_j w_j · value_ij (weighted-sum model), on the same scale as the
  scores. Options whose weighted scores differ by less than 1e-9 of the scale are a **tie**; a tie is
  reported as a tie, never broken arbitrarily.

**Sensitivity** (:meth:`Decision.sensitivity`): one-at-a-time weight sensitivity — for each criterion,
the smallest change in its (normalised) weight at which the top option changes, and which option then
leads (the idea of the minimum weight change that alters the ranking, for the weighted-sum model:
Triantaphyllou E. & Sánchez A. (1997) A sensitivity analysis approach for some deterministic
multi-criteria decision-making methods. *Decision Sciences* 28(1):151–194,
http://www.csc.lsu.edu/trianta/Journal_PAPERS1/SENSIT1.htm). Scheme used here (the course's choice): criterion
k's weight is set to t ∈ [0, 1] and the other weights are rescaled **proportionally** so that all still
sum to 1, w_j(t) = w_j · (1 − t)/(1 − w_k) (if every other weight is zero the remainder is shared
equally). Each option's weighted score is then linear in t, S_i(t) = R_i + t·(v_ik − R_i) with R_i the
weighted mean of its values on the other criteria, so the crossing points are solved exactly, not
searched for. A criterion is **robust** when no weight in [0, 1] changes the top option.

**Weight uncertainty** (:meth:`Decision.weight_uncertainty`): weights drawn from a Dirichlet
distribution centred on the group's weights (seeded), reporting the share of draws in which each option
ranks first — the acceptability-index idea of SMAA (Lahdelma R., Hokkanen J. & Salminen P. (1998)
SMAA — Stochastic multiobjective acceptability analysis. *European Journal of Operational Research*
106(1):137–143), which explores the whole weight space; here the weights are drawn around the group's
own weights instead (course choice).

The aid's weights and scores can be kept with the record (``DecisionRecord.decision``) for reference.
:func:`example_decisions` gives two worked examples of the aid with **illustrative, course-made
(SYNTHETIC) scores**: one where the baseline leads and one where an insurance population leads; the
bundled assessments of :mod:`exsitu.examples` carry full Step 5 evaluations.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass, field, fields, replace
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from exsitu.validation import (InvalidInputError, field_prefix, require_choice, require_number, require_text,
                               require_texts, slug)

__all__ = [
    "BASELINE_ID", "FORMS", "DIRECTIONS", "TIE_TOLERANCE", "SENSITIVITY_SCHEME",
    "Option", "Criterion", "Score", "Decision", "Recommendation", "WeightSensitivity",
    "SensitivityAnalysis", "DecisionRecord",
    "baseline_option", "default_criteria", "options_from_roles", "example_decisions", "example_decision",
    # Step 5 as the guidelines frame it
    "OUTCOMES", "RECOMMENDED", "CONSERVATION_VALUES", "STRUCTURE_ANSWERS", "GATE_STATES", "UNACCEPTABLE_RISK_LEVELS",
    "AID_LABEL", "SEQUENCE", "Blocker", "Gate", "Dissent", "OptionEvaluation", "BaselineEvaluation",
    "feasibility_gate", "risk_gate", "describe_need", "evaluate_option", "evaluate_baseline", "evaluation_table",
    "aid_ranking", "record_decision",
]

# --------------------------------------------------------------------------------------------------
# Vocabularies
# --------------------------------------------------------------------------------------------------

BASELINE_ID = "no_ex_situ_action"
"""Id of the baseline option that every decision contains."""

FORMS: dict[str, str] = {
    "none": "no ex situ action",
    "living": "living individuals",
    "bio-samples": "bio-samples",
    "living+bio-samples": "living individuals and bio-samples",
}
"""Form an option takes → short label. ECAs cover living populations and bio-samples (gametes, embryos,
tissues, cell lines, seeds, cultures in storage) [AARK-ECA]; only the baseline has form ``'none'``."""

DIRECTIONS: dict[str, str] = {
    "benefit": "higher score = better (e.g. conservation benefit, feasibility)",
    "cost": "higher score = worse (e.g. risk, cost); ranked on the value min + max − score",
}
"""How a criterion's scores are read (see the module docstring)."""

TIE_TOLERANCE = 1e-9
"""Weighted scores closer than this fraction of the score scale are a tie."""

SENSITIVITY_SCHEME = (
    "One criterion's normalised weight is moved to t (0–1); the other weights are rescaled in proportion so "
    "all weights still sum to 1 (if all others are zero the remainder is shared equally). Weighted scores are "
    "then linear in t and the crossing points are solved exactly (one-at-a-time weight sensitivity, "
    "cf. Triantaphyllou & Sánchez 1997)."
)
"""The weight-sensitivity scheme, in words, for reports."""


# --------------------------------------------------------------------------------------------------
# Helpers
# --------------------------------------------------------------------------------------------------




def _check_keys(data: Any, cls: type, what: str, extra: Iterable[str] = ()) -> None:
    if not isinstance(data, Mapping):
        raise InvalidInputError(what, f"expected a dict, got {type(data).__name__}", "pass the output of to_dict()")
    allowed = {f.name for f in fields(cls)} | set(extra)
    for key in data:
        if key not in allowed:
            raise InvalidInputError(f"{what}.{key}", "is not a known field", f"use only {', '.join(sorted(allowed))}")


def _text(value: Any, field_name: str) -> str:
    if not isinstance(value, str):
        raise InvalidInputError(field_name, f"expected a text, got {value!r}", "enter a text (may be empty)")
    return value.strip()


def _id(value: Any, name: Any, field_name: str) -> str:
    """An id: the given one (stripped, no spaces) or a slug of the name."""
    if value is None or (isinstance(value, str) and not value.strip()):
        made = slug(name) if isinstance(name, str) else ""
        if not made:
            raise InvalidInputError(field_name, f"cannot make an id from the name {name!r}",
                                    "give an id of letters, digits and underscores")
        return made
    if not isinstance(value, str):
        raise InvalidInputError(field_name, f"expected a text id, got {value!r}", "give an id such as 'insurance_living'")
    value = value.strip()
    if re.search(r"\s", value):
        raise InvalidInputError(field_name, f"{value!r} contains spaces", "use letters, digits, '_', '-' or '+' only")
    return value





def _iso_date(value: Any, field_name: str) -> str:
    text = _text(value, field_name)
    if text:
        try:
            _dt.date.fromisoformat(text)
        except ValueError:
            raise InvalidInputError(field_name, f"{text!r} is not a date", "write it as YYYY-MM-DD, e.g. 2021-03-15") from None
    return text


def _fmt(x: float) -> str:
    return f"{x:.2f}"


def _quoted_list(names: Sequence[str]) -> str:
    quoted = [f"'{n}'" for n in names]
    if len(quoted) <= 1:
        return "".join(quoted)
    return ", ".join(quoted[:-1]) + " and " + quoted[-1]


# --------------------------------------------------------------------------------------------------
# Options, criteria, scores
# --------------------------------------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class Option:
    """One course of action the group compares: which role(s), in which form.

    ``id`` defaults to a slug of ``name``; ``role_ids`` are role ids of :mod:`exsitu.roles` (or of custom
    roles); ``form`` one of :data:`FORMS`. Only the baseline (:func:`baseline_option`) has form ``'none'``
    and no roles.
    """

    name: str
    id: str = ""
    role_ids: tuple[str, ...] = ()
    form: str = "living"
    description: str = ""

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise InvalidInputError("name", f"an option needs a name, got {self.name!r}",
                                    "give the option a short name, e.g. 'Insurance population'")
        object.__setattr__(self, "name", self.name.strip())
        object.__setattr__(self, "id", _id(self.id, self.name, "id"))
        object.__setattr__(self, "role_ids", require_texts(self.role_ids, "role_ids"))
        if len(set(self.role_ids)) != len(self.role_ids):
            raise InvalidInputError("role_ids", f"a role is listed twice in {list(self.role_ids)}", "list each role once")
        require_choice(self.form, "form", FORMS)
        object.__setattr__(self, "description", _text(self.description, "description"))
        if self.form == "none" and self.role_ids:
            raise InvalidInputError("form", "an option with form 'none' cannot have roles",
                                    "use form 'living', 'bio-samples' or 'living+bio-samples'")
        if self.form != "none" and not self.role_ids:
            raise InvalidInputError("role_ids", "an ex situ option needs at least one role",
                                    "list the role id(s) it serves, e.g. ['insurance']")
        if self.id == BASELINE_ID and self.form != "none":
            raise InvalidInputError("id", f"{BASELINE_ID!r} is reserved for the baseline 'no ex situ action'",
                                    "give this option another id")
        if self.form == "none" and self.id != BASELINE_ID:
            raise InvalidInputError("form", "only the baseline has form 'none'",
                                    f"use baseline_option() (id {BASELINE_ID!r}) for 'no ex situ action'")

    @property
    def is_baseline(self) -> bool:
        return self.id == BASELINE_ID

    def to_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "role_ids": list(self.role_ids), "form": self.form,
                "description": self.description}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Option":
        _check_keys(data, cls, "option")
        if "name" not in data:
            raise InvalidInputError("name", "an option needs a name", "add a 'name'")
        return cls(**dict(data))


def baseline_option(description: str = "") -> Option:
    """The baseline "no ex situ action": in situ actions go on, nothing is held ex situ."""
    return Option(id=BASELINE_ID, name="No ex situ action", form="none", description=description or (
        "Baseline: the species' conservation strategy without any ex situ population or samples (in situ "
        "actions continue). Always compared, so that 'ex situ management not recommended' is a possible outcome."))


@dataclass(frozen=True, kw_only=True)
class Criterion:
    """A criterion with its weight (≥ 0, relative) and direction (:data:`DIRECTIONS`)."""

    name: str
    id: str = ""
    weight: float = 1.0
    description: str = ""
    direction: str = "benefit"

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise InvalidInputError("name", f"a criterion needs a name, got {self.name!r}",
                                    "give the criterion a short name, e.g. 'Public support'")
        object.__setattr__(self, "name", self.name.strip())
        object.__setattr__(self, "id", _id(self.id, self.name, "id"))
        object.__setattr__(self, "weight", require_number(self.weight, "weight", minimum=0))
        object.__setattr__(self, "description", _text(self.description, "description"))
        require_choice(self.direction, "direction", DIRECTIONS)

    def to_dict(self) -> dict:
        return {"id": self.id, "name": self.name, "weight": self.weight, "description": self.description,
                "direction": self.direction}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Criterion":
        _check_keys(data, cls, "criterion")
        if "name" not in data:
            raise InvalidInputError("name", "a criterion needs a name", "add a 'name'")
        return cls(**dict(data))


def default_criteria() -> list[Criterion]:
    """Conservation benefit, feasibility, risk and cost, equal weights (0.25 each; the group changes them).

    The four follow Step 5's question "does expected conservation benefit outweigh costs and risks,
    relative to alternatives?" and the Step 4 appraisal of feasibility and risks (eca-process.md §2); the
    scale wording is the course's.
    """
    return [
        Criterion(id="conservation_benefit", name="Conservation benefit", weight=0.25, direction="benefit",
                  description="Expected contribution to the species' conservation goals, beyond what in situ action "
                              "alone achieves (0 = none, 10 = decisive)."),
        Criterion(id="feasibility", name="Feasibility", weight=0.25, direction="benefit",
                  description="Likelihood the option can be carried out and fulfil its role with the methods, "
                              "facilities, staff, funding, permits and time available (Step 4) "
                              "(0 = not feasible, 10 = certainly feasible)."),
        Criterion(id="risk", name="Risk", weight=0.25, direction="cost",
                  description="Risks the option creates: to the wild population (e.g. removing founders), to the "
                              "ex situ population (disease, adaptation to captivity, loss of gene diversity), to "
                              "other species, and to the programme and its partners (Step 4) "
                              "(0 = negligible, 10 = severe)."),
        Criterion(id="cost", name="Cost", weight=0.25, direction="cost",
                  description="Money, staff time and space needed over the option's whole duration "
                              "(0 = none, 10 = the most the group can imagine)."),
    ]


@dataclass(frozen=True, kw_only=True)
class Score:
    """The score of one option on one criterion, with its rationale (and optionally who gave it, and when).

    ``value`` is on the decision's scale (checked by :class:`Decision`); for a ``'cost'`` criterion a
    higher value means more risk or cost. ``date`` is ``YYYY-MM-DD`` or empty.
    """

    option_id: str
    criterion_id: str
    value: float
    rationale: str = ""
    by: str = ""
    date: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "option_id", require_text(self.option_id, "option_id"))
        object.__setattr__(self, "criterion_id", require_text(self.criterion_id, "criterion_id"))
        object.__setattr__(self, "value", require_number(self.value, "value"))
        object.__setattr__(self, "rationale", _text(self.rationale, "rationale"))
        object.__setattr__(self, "by", _text(self.by, "by"))
        object.__setattr__(self, "date", _iso_date(self.date, "date"))

    def to_dict(self) -> dict:
        return {"option_id": self.option_id, "criterion_id": self.criterion_id, "value": self.value,
                "rationale": self.rationale, "by": self.by, "date": self.date}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Score":
        _check_keys(data, cls, "score")
        for key in ("option_id", "criterion_id", "value"):
            if key not in data:
                raise InvalidInputError(key, "a score needs an option, a criterion and a value", f"add {key!r}")
        return cls(**dict(data))


# --------------------------------------------------------------------------------------------------
# Options from roles
# --------------------------------------------------------------------------------------------------

def _resolve_roles(roles: Any) -> list[Any]:
    from exsitu import roles as roles_module  # lazy: decision does not need the catalogue otherwise

    if hasattr(roles, "accepted_roles") and callable(roles.accepted_roles):
        roles = roles.accepted_roles()
    if isinstance(roles, (str, Mapping)):
        roles = [roles]
    try:
        items = list(roles)
    except TypeError:
        raise InvalidInputError("role_ids", f"expected a list of role ids, got {roles!r}",
                                "give e.g. ['insurance', 'biobank']") from None
    resolved = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        if isinstance(item, str):
            try:
                role = roles_module.get_role(item.strip())
            except InvalidInputError as error:
                raise InvalidInputError(f"role_ids[{i}]", error.problem,
                                        error.fix + "; for a custom role pass its Role object") from None
        elif isinstance(item, Mapping):
            with field_prefix(f"role_ids[{i}]"):
                role = roles_module.Role.from_dict(item)
        elif hasattr(item, "id") and hasattr(item, "living_individuals") and hasattr(item, "bio_samples"):
            role = item
        else:
            raise InvalidInputError(f"role_ids[{i}]", f"expected a role id or a Role, got {item!r}",
                                    "use ids from exsitu.roles.role_catalogue()")
        if role.id in seen:
            raise InvalidInputError(f"role_ids[{i}]", f"role {role.id!r} is listed twice", "list each role once")
        seen.add(role.id)
        resolved.append(role)
    return resolved


def options_from_roles(roles: Any, include_combination: bool = True, include_bio_samples: bool = True) -> list[Option]:
    """The options to compare for the roles retained in Step 2.

    ``roles``: role ids of the catalogue, :class:`exsitu.roles.Role` objects (for custom roles), or a
    :class:`exsitu.roles.RoleSelection` (its accepted roles are used). Returns, in order:

    1. the baseline "no ex situ action" (always);
    2. one option per role — with living individuals if living individuals can serve it, otherwise
       bio-samples (e.g. the biobank role);
    3. with ``include_bio_samples``: "bio-samples only", covering every role bio-samples can serve, unless
       that is already option 2 for a single bio-sample role or no role can be served by bio-samples;
    4. with ``include_combination`` and two or more roles: all roles together, in every form the roles
       allow (living+bio-samples if some role can be served by living individuals and some by bio-samples).
    """
    resolved = _resolve_roles(roles)
    options = [baseline_option()]
    for role in resolved:
        if role.living_individuals:
            options.append(Option(id=f"{role.id}_living", name=f"{role.name} — living individuals",
                                  role_ids=(role.id,), form="living", description=role.purpose))
        else:
            options.append(Option(id=f"{role.id}_bio_samples", name=f"{role.name} — bio-samples",
                                  role_ids=(role.id,), form="bio-samples", description=role.purpose))
    bio = [role for role in resolved if role.bio_samples]
    if include_bio_samples and bio:
        ids = tuple(role.id for role in bio)
        if not any(o.role_ids == ids and o.form == "bio-samples" for o in options):
            options.append(Option(id="bio_samples_only", name="Bio-samples only", role_ids=ids, form="bio-samples",
                                  description="Bio-samples (gametes, tissues, cell lines, seeds, cultures) collected "
                                              "and stored for: " + "; ".join(role.name for role in bio)))
    if include_combination and len(resolved) >= 2:
        living = any(role.living_individuals for role in resolved)
        samples = any(role.bio_samples for role in resolved)
        form = "living+bio-samples" if living and samples else ("living" if living else "bio-samples")
        options.append(Option(id="combination", name="Combination of all retained roles",
                              role_ids=tuple(role.id for role in resolved), form=form,
                              description="All retained roles together: " + "; ".join(role.name for role in resolved)))
    return options


# --------------------------------------------------------------------------------------------------
# Results: recommendation and sensitivity
# --------------------------------------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class Recommendation:
    """The top of the ranking in plain words.

    ``leader_ids`` holds one option id, or several when they tie. ``ex_situ_recommended`` is ``False``
    when the baseline leads alone, ``True`` when an ex situ option leads alone or ex situ options tie,
    and ``None`` when the baseline ties with an ex situ option (the group must decide). ``margin`` is the
    lead over the best option outside the leaders (``None`` when there is none).
    """

    leader_ids: tuple[str, ...]
    leader_names: tuple[str, ...]
    top_score: float
    margin: float | None
    tie: bool
    ex_situ_recommended: bool | None
    statement: str

    def to_dict(self) -> dict:
        return {"leader_ids": list(self.leader_ids), "leader_names": list(self.leader_names),
                "top_score": self.top_score, "margin": self.margin, "tie": self.tie,
                "ex_situ_recommended": self.ex_situ_recommended, "statement": self.statement}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Recommendation":
        _check_keys(data, cls, "recommendation")
        values = dict(data)
        values["leader_ids"] = tuple(values.get("leader_ids", ()))
        values["leader_names"] = tuple(values.get("leader_names", ()))
        return cls(**values)


@dataclass(frozen=True, kw_only=True)
class WeightSensitivity:
    """How far one criterion's normalised weight must move before the top option changes.

    ``increase_to`` / ``decrease_to``: the weight (0–1) at which another option first draws level with
    the current leader(s) when the weight is raised / lowered (``None``: no change in that direction);
    beyond it ``leaders_if_increased`` / ``leaders_if_decreased`` lead. When the current top is a tie the
    change point can be the current weight itself (any move breaks the tie).
    """

    criterion_id: str
    criterion: str
    current_weight: float
    increase_to: float | None
    leaders_if_increased: tuple[str, ...]
    decrease_to: float | None
    leaders_if_decreased: tuple[str, ...]

    @property
    def robust(self) -> bool:
        """True when no weight in [0, 1] changes the top option."""
        return self.increase_to is None and self.decrease_to is None

    @property
    def smallest_change(self) -> float | None:
        """Smallest absolute weight change (0–1) that changes the top option, or ``None`` if robust."""
        changes = [abs(t - self.current_weight) for t in (self.increase_to, self.decrease_to) if t is not None]
        return min(changes) if changes else None

    @property
    def new_leaders(self) -> tuple[str, ...]:
        """The option(s) that lead after the smallest change (increase preferred if both are equal)."""
        if self.robust:
            return ()
        up = abs(self.increase_to - self.current_weight) if self.increase_to is not None else np.inf
        down = abs(self.decrease_to - self.current_weight) if self.decrease_to is not None else np.inf
        return self.leaders_if_increased if up <= down else self.leaders_if_decreased

    def to_dict(self) -> dict:
        return {"criterion_id": self.criterion_id, "criterion": self.criterion, "current_weight": self.current_weight,
                "increase_to": self.increase_to, "leaders_if_increased": list(self.leaders_if_increased),
                "decrease_to": self.decrease_to, "leaders_if_decreased": list(self.leaders_if_decreased)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "WeightSensitivity":
        _check_keys(data, cls, "sensitivity")
        values = dict(data)
        for key in ("leaders_if_increased", "leaders_if_decreased"):
            values[key] = tuple(values.get(key, ()))
        return cls(**values)


@dataclass(frozen=True, kw_only=True)
class SensitivityAnalysis:
    """One-at-a-time weight sensitivity of the top option, per criterion (see :data:`SENSITIVITY_SCHEME`)."""

    leader_ids: tuple[str, ...]
    items: tuple[WeightSensitivity, ...]
    option_names: dict[str, str]
    scheme: str = SENSITIVITY_SCHEME

    def to_frame(self) -> pd.DataFrame:
        """One row per criterion (in the decision's order), indexed by criterion id.

        Columns: criterion, current_weight, increase_to, leader_if_increased, decrease_to,
        leader_if_decreased, smallest_change, relative_change (smallest_change / current_weight, the
        relative measure Triantaphyllou & Sánchez report), new_leader, robust. NaN / '' where no change.
        """
        rows = []
        for item in self.items:
            change = item.smallest_change
            rows.append({
                "criterion_id": item.criterion_id, "criterion": item.criterion,
                "current_weight": item.current_weight,
                "increase_to": np.nan if item.increase_to is None else item.increase_to,
                "leader_if_increased": "; ".join(item.leaders_if_increased),
                "decrease_to": np.nan if item.decrease_to is None else item.decrease_to,
                "leader_if_decreased": "; ".join(item.leaders_if_decreased),
                "smallest_change": np.nan if change is None else change,
                "relative_change": (np.nan if change is None or item.current_weight == 0
                                    else change / item.current_weight),
                "new_leader": "; ".join(item.new_leaders), "robust": item.robust,
            })
        return pd.DataFrame(rows).set_index("criterion_id")

    @property
    def most_sensitive(self) -> WeightSensitivity | None:
        """The criterion whose weight needs the smallest change (``None`` if all are robust)."""
        movable = [item for item in self.items if not item.robust]
        return min(movable, key=lambda item: item.smallest_change) if movable else None

    def _names(self, ids: Iterable[str]) -> str:
        return _quoted_list([self.option_names.get(i, i) for i in ids])

    def statement(self) -> str:
        """Plain-language summary: which weight moves would change the recommendation."""
        leaders = self._names(self.leader_ids)
        if all(item.robust for item in self.items):
            return (f"Robust: no single weight between 0 and 1 changes the top option ({leaders}) when the other "
                    "weights are rescaled in proportion.")
        parts = []
        for item in sorted(self.items, key=lambda it: (np.inf if it.robust else it.smallest_change)):
            if item.robust:
                parts.append(f"'{item.criterion}' (weight {item.current_weight:.2f}): robust over 0–1")
                continue
            moves = []
            if item.increase_to is not None:
                moves.append(f"rises to {item.increase_to:.3f} (then {self._names(item.leaders_if_increased)} leads)")
            if item.decrease_to is not None:
                moves.append(f"falls to {item.decrease_to:.3f} (then {self._names(item.leaders_if_decreased)} leads)")
            parts.append(f"'{item.criterion}' (weight {item.current_weight:.2f}) " + " or ".join(moves))
        top = self.most_sensitive
        return (f"The top option ({leaders}) changes if " + "; ".join(parts) + ". "
                f"Most sensitive: '{top.criterion}', a change of {top.smallest_change:.3f} in its weight.")

    def to_dict(self) -> dict:
        return {"leader_ids": list(self.leader_ids), "items": [item.to_dict() for item in self.items],
                "option_names": dict(self.option_names), "scheme": self.scheme}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "SensitivityAnalysis":
        _check_keys(data, cls, "sensitivity")
        return cls(leader_ids=tuple(data.get("leader_ids", ())),
                   items=tuple(WeightSensitivity.from_dict(item) for item in data.get("items", [])),
                   option_names=dict(data.get("option_names", {})), scheme=data.get("scheme", SENSITIVITY_SCHEME))


def _leader_set(scores: np.ndarray, tol: float) -> frozenset[int]:
    best = scores.max()
    return frozenset(np.flatnonzero(scores >= best - tol).tolist())


def _first_change(intercept: np.ndarray, slope: np.ndarray, t0: float, up: bool,
                  tol: float) -> tuple[float | None, frozenset[int]]:
    """First weight beyond ``t0`` (towards 1 if ``up``, else towards 0) where the leader set changes.

    Scores are lines S_i(t) = intercept_i + t·slope_i. Hand-written because it is the exact version of a
    scan: candidate points are every pairwise crossing of the lines between t0 and the end of [0, 1]; the
    leader set is constant between them, so checking each crossing and one point in each gap is exact.
    """
    end = 1.0 if up else 0.0
    if (up and t0 >= 1.0) or (not up and t0 <= 0.0):
        return None, frozenset()
    d_int = intercept[:, None] - intercept[None, :]
    d_slope = slope[:, None] - slope[None, :]
    with np.errstate(divide="ignore", invalid="ignore"):
        cross = -d_int / d_slope
    cross = cross[np.isfinite(cross)]
    beyond = (cross > t0 + 1e-12) & (cross < 1.0 + 1e-12) if up else (cross < t0 - 1e-12) & (cross > -1e-12)
    points = np.unique(np.clip(cross[beyond], 0.0, 1.0))
    points = np.append(points, end) if up else np.append(points[::-1], end)
    points = points[np.r_[True, np.abs(np.diff(points)) > 1e-15]]

    def leaders_at(t: float) -> frozenset[int]:
        return _leader_set(intercept + t * slope, tol)

    current = leaders_at(t0)
    just_after = leaders_at((t0 + points[0]) / 2)
    if just_after != current:
        return t0, just_after
    for k, point in enumerate(points):
        at_point = leaders_at(float(point))
        if at_point != current:
            if k + 1 < len(points):
                return float(point), leaders_at(float(points[k] + points[k + 1]) / 2)
            newcomers = at_point - current
            return float(point), newcomers or at_point
    return None, frozenset()


# --------------------------------------------------------------------------------------------------
# Decision
# --------------------------------------------------------------------------------------------------

def _coerce(items: Any, cls: type, field_name: str) -> tuple:
    if items is None:
        return ()
    if isinstance(items, (str, Mapping)) or not isinstance(items, Iterable):
        raise InvalidInputError(field_name, f"expected a list of {cls.__name__} objects, got {items!r}",
                                f"give a list of exsitu.decision.{cls.__name__}(...)")
    out = []
    for i, item in enumerate(items):
        with field_prefix(f"{field_name}[{i}]"):
            if isinstance(item, Mapping):
                item = cls.from_dict(item)
            if not isinstance(item, cls):
                raise InvalidInputError("item", f"expected a {cls.__name__}, got {item!r}",
                                        f"use exsitu.decision.{cls.__name__}(...)")
        out.append(item)
    return tuple(out)


@dataclass(frozen=True, kw_only=True)
class Decision:
    """A Step 5 decision analysis: options × criteria, the scores with their rationale, and the scale.

    The baseline "no ex situ action" is added in front if ``options`` lacks it and cannot be removed.
    Scores are on ``score_min``–``score_max`` (default 0–10; ``score_min`` ≥ 0 so contributions stack).
    Frozen: ``with_…`` / ``without_…`` methods return a changed copy.
    """

    title: str = "Step 5 decision"
    options: tuple[Option, ...] = ()
    criteria: tuple[Criterion, ...] = field(default_factory=lambda: tuple(default_criteria()))
    scores: tuple[Score, ...] = ()
    score_min: float = 0.0
    score_max: float = 10.0
    description: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "title", require_text(self.title, "title"))
        object.__setattr__(self, "description", _text(self.description, "description"))
        lo = require_number(self.score_min, "score_min", minimum=0)
        hi = require_number(self.score_max, "score_max")
        if hi <= lo:
            raise InvalidInputError("score_max", f"must be above score_min ({lo:g}), got {hi:g}",
                                    "use a scale such as 0–10 or 1–5")
        object.__setattr__(self, "score_min", lo)
        object.__setattr__(self, "score_max", hi)

        options = _coerce(self.options, Option, "options")
        seen: dict[str, int] = {}
        for i, option in enumerate(options):  # indices as the caller gave them (before adding the baseline)
            if option.id in seen:
                raise InvalidInputError(f"options[{i}].id", f"{option.id!r} is used by another option",
                                        "give every option its own id")
            seen[option.id] = i
        if not any(o.is_baseline for o in options):
            options = (baseline_option(),) + options
        object.__setattr__(self, "options", options)

        criteria = _coerce(self.criteria, Criterion, "criteria")
        if not criteria:
            raise InvalidInputError("criteria", "there are no criteria", "use default_criteria() or add at least one")
        seen = {}
        for i, criterion in enumerate(criteria):
            if criterion.id in seen:
                raise InvalidInputError(f"criteria[{i}].id", f"{criterion.id!r} is used by another criterion",
                                        "give every criterion its own id")
            seen[criterion.id] = i
        object.__setattr__(self, "criteria", criteria)

        scores = _coerce(self.scores, Score, "scores")
        option_ids = {o.id for o in options}
        criterion_ids = {c.id for c in criteria}
        pairs: set[tuple[str, str]] = set()
        for i, score in enumerate(scores):
            if score.option_id not in option_ids:
                raise InvalidInputError(f"scores[{i}].option_id", f"no option called {score.option_id!r}",
                                        f"use one of {', '.join(sorted(option_ids))}")
            if score.criterion_id not in criterion_ids:
                raise InvalidInputError(f"scores[{i}].criterion_id", f"no criterion called {score.criterion_id!r}",
                                        f"use one of {', '.join(sorted(criterion_ids))}")
            require_number(score.value, f"scores[{i}].value", minimum=lo, maximum=hi)
            pair = (score.option_id, score.criterion_id)
            if pair in pairs:
                raise InvalidInputError(f"scores[{i}]", f"a second score for option {pair[0]!r} on criterion {pair[1]!r}",
                                        "keep one score per option and criterion (with_score replaces it)")
            pairs.add(pair)
        object.__setattr__(self, "scores", scores)

    # -- look-up -----------------------------------------------------------------------------------
    @property
    def option_ids(self) -> list[str]:
        return [o.id for o in self.options]

    @property
    def criterion_ids(self) -> list[str]:
        return [c.id for c in self.criteria]

    def option(self, option_id: str) -> Option:
        """The option with this id."""
        for option in self.options:
            if option.id == option_id:
                return option
        raise InvalidInputError("option_id", f"no option called {option_id!r}", f"use one of {', '.join(self.option_ids)}")

    def criterion(self, criterion_id: str) -> Criterion:
        """The criterion with this id."""
        for criterion in self.criteria:
            if criterion.id == criterion_id:
                return criterion
        raise InvalidInputError("criterion_id", f"no criterion called {criterion_id!r}",
                                f"use one of {', '.join(self.criterion_ids)}")

    def score(self, option_id: str, criterion_id: str) -> Score | None:
        """The score of an option on a criterion, or ``None`` if not scored yet."""
        self.option(option_id)
        self.criterion(criterion_id)
        for score in self.scores:
            if score.option_id == option_id and score.criterion_id == criterion_id:
                return score
        return None

    # -- changes (return a copy) ---------------------------------------------------------------------
    def with_score(self, option_id: str, criterion_id: str, value: float, rationale: str = "", by: str = "",
                   date: str = "") -> "Decision":
        """Set (or replace) one score, with its rationale."""
        self.option(option_id)
        self.criterion(criterion_id)
        require_number(value, "value", minimum=self.score_min, maximum=self.score_max)
        new = Score(option_id=option_id, criterion_id=criterion_id, value=value, rationale=rationale, by=by, date=date)
        kept = tuple(s for s in self.scores if (s.option_id, s.criterion_id) != (option_id, criterion_id))
        return replace(self, scores=kept + (new,))

    def with_scores(self, scores: Iterable[Score | Mapping[str, Any]]) -> "Decision":
        """Set several scores (each replaces any earlier score for its option and criterion)."""
        new = _coerce(scores, Score, "scores")
        decision = self
        for score in new:
            decision = decision.with_score(score.option_id, score.criterion_id, score.value, score.rationale,
                                           score.by, score.date)
        return decision

    def with_weights(self, weights: Mapping[str, float]) -> "Decision":
        """Change criterion weights, e.g. ``{'risk': 2, 'cost': 0.5}`` (others unchanged)."""
        if not isinstance(weights, Mapping):
            raise InvalidInputError("weights", f"expected a dict of criterion id → weight, got {weights!r}",
                                    "give e.g. {'risk': 2}")
        for key in weights:
            if key not in self.criterion_ids:
                raise InvalidInputError(f"weights[{key!r}]", f"no criterion called {key!r}",
                                        f"use one of {', '.join(self.criterion_ids)}")
        criteria = []
        for c in self.criteria:
            if c.id in weights:
                with field_prefix(f"weights[{c.id!r}]"):
                    c = replace(c, weight=weights[c.id])
            criteria.append(c)
        return replace(self, criteria=tuple(criteria))

    def with_option(self, option: Option | Mapping[str, Any]) -> "Decision":
        """Add an option (its id must be new)."""
        return replace(self, options=self.options + _coerce([option], Option, "option"))

    def without_option(self, option_id: str) -> "Decision":
        """Remove an option and its scores. The baseline cannot be removed."""
        self.option(option_id)
        if option_id == BASELINE_ID:
            raise InvalidInputError("option_id", "the baseline 'no ex situ action' cannot be removed",
                                    "it is always compared, so that 'not recommended' stays a possible outcome")
        return replace(self, options=tuple(o for o in self.options if o.id != option_id),
                       scores=tuple(s for s in self.scores if s.option_id != option_id))

    def with_criterion(self, criterion: Criterion | Mapping[str, Any]) -> "Decision":
        """Add a criterion the group wants (its id must be new); score every option on it."""
        return replace(self, criteria=self.criteria + _coerce([criterion], Criterion, "criterion"))

    def without_criterion(self, criterion_id: str) -> "Decision":
        """Remove a criterion and its scores."""
        self.criterion(criterion_id)
        return replace(self, criteria=tuple(c for c in self.criteria if c.id != criterion_id),
                       scores=tuple(s for s in self.scores if s.criterion_id != criterion_id))

    # -- tables ---------------------------------------------------------------------------------------
    def normalised_weights(self) -> pd.Series:
        """Weights divided by their sum (sum 1), indexed by criterion id."""
        raw = np.array([c.weight for c in self.criteria], dtype=float)
        total = raw.sum()
        if total <= 0:
            raise InvalidInputError("weights", "all criterion weights are zero", "give at least one criterion a weight above 0")
        return pd.Series(raw / total, index=pd.Index(self.criterion_ids, name="criterion_id"), name="weight")

    def score_table(self) -> pd.DataFrame:
        """Scores as entered: options (rows) × criteria (columns), NaN where not scored."""
        table = np.full((len(self.options), len(self.criteria)), np.nan)
        row = {oid: i for i, oid in enumerate(self.option_ids)}
        col = {cid: j for j, cid in enumerate(self.criterion_ids)}
        for s in self.scores:
            table[row[s.option_id], col[s.criterion_id]] = s.value
        return pd.DataFrame(table, index=pd.Index(self.option_ids, name="option_id"),
                            columns=pd.Index(self.criterion_ids, name="criterion_id"))

    def value_table(self) -> pd.DataFrame:
        """Scores converted so that higher is better: min + max − score for 'cost' criteria."""
        table = self.score_table()
        cost = [c.id for c in self.criteria if c.direction == "cost"]
        table[cost] = self.score_min + self.score_max - table[cost]
        return table

    def rationale_table(self) -> pd.DataFrame:
        """One row per score: option, criterion, score, rationale, by, date (long format)."""
        names = {o.id: o.name for o in self.options}
        cnames = {c.id: c.name for c in self.criteria}
        rows = [{"option_id": s.option_id, "option": names[s.option_id], "criterion_id": s.criterion_id,
                 "criterion": cnames[s.criterion_id], "score": s.value, "rationale": s.rationale, "by": s.by,
                 "date": s.date} for s in self.scores]
        columns = ["option_id", "option", "criterion_id", "criterion", "score", "rationale", "by", "date"]
        return pd.DataFrame(rows, columns=columns)

    def missing_scores(self) -> list[tuple[str, str]]:
        """(option id, criterion id) pairs without a score, in table order."""
        have = {(s.option_id, s.criterion_id) for s in self.scores}
        return [(o, c) for o in self.option_ids for c in self.criterion_ids if (o, c) not in have]

    def missing_rationales(self) -> list[tuple[str, str]]:
        """(option id, criterion id) pairs whose score has no rationale (a transparency gap)."""
        return [(s.option_id, s.criterion_id) for s in self.scores if not s.rationale]

    def _values(self) -> np.ndarray:
        missing = self.missing_scores()
        if missing:
            option_id, criterion_id = missing[0]
            more = f" (and {len(missing) - 1} more: " + ", ".join(f"{o}/{c}" for o, c in missing[1:6]) + \
                ("…" if len(missing) > 6 else "") + ")" if len(missing) > 1 else ""
            raise InvalidInputError(f"scores[{option_id!r}][{criterion_id!r}]",
                                    f"option {option_id!r} has no score on criterion {criterion_id!r}{more}",
                                    "score every option on every criterion (with_score) before ranking")
        return self.value_table().to_numpy()

    def _tolerance(self) -> float:
        return TIE_TOLERANCE * (self.score_max - self.score_min)

    # -- ranking and recommendation -------------------------------------------------------------------
    def ranking(self) -> pd.DataFrame:
        """Options ranked by weighted score (best first), indexed by option id.

        Columns: ``option`` (name), ``form``, ``roles``, ``baseline``, ``weighted_score`` (Σ w_j·value_j on
        the score scale), ``rank`` (1 = best; tied options share a rank) and ``contribution_<criterion id>``
        (w_j·value_j; they add up to the weighted score). Missing scores raise InvalidInputError naming the
        option and criterion.
        """
        values = self._values()
        weights = self.normalised_weights().to_numpy()
        contributions = values * weights
        total = contributions.sum(axis=1)
        tol = self._tolerance()
        rank = 1 + (total[None, :] > total[:, None] + tol).sum(axis=1)
        order = np.lexsort((np.arange(len(total)), rank))
        frame = pd.DataFrame({
            "option": [o.name for o in self.options], "form": [o.form for o in self.options],
            "roles": ["; ".join(o.role_ids) for o in self.options], "baseline": [o.is_baseline for o in self.options],
            "weighted_score": total, "rank": rank.astype(int),
        }, index=pd.Index(self.option_ids, name="option_id"))
        for j, cid in enumerate(self.criterion_ids):
            frame[f"contribution_{cid}"] = contributions[:, j]
        return frame.iloc[order]

    def recommendation(self) -> Recommendation:
        """The top option with a plain-language statement; a tie is reported as a tie."""
        table = self.ranking()
        leaders = table[table["rank"] == 1]
        others = table[table["rank"] > 1]
        top = float(leaders["weighted_score"].iloc[0])
        margin = None if others.empty else top - float(others["weighted_score"].iloc[0])
        ids = tuple(leaders.index)
        names = tuple(leaders["option"])
        scale = f"on the {self.score_min:g}–{self.score_max:g} scale"
        baseline_leads = BASELINE_ID in ids
        tie = len(ids) > 1
        if tie:
            recommended: bool | None = None if baseline_leads else True
            statement = (f"Tie: {_quoted_list(names)} share the highest weighted score ({_fmt(top)} {scale}). The "
                         "analysis does not separate them; the group must choose between them and record why.")
            if baseline_leads:
                statement += " Whether ex situ management is recommended is therefore open."
        elif baseline_leads:
            recommended = False
            ex_situ = table[~table["baseline"]]
            if ex_situ.empty:
                statement = "Ex situ management is not recommended: no ex situ option was put forward."
            else:
                best = ex_situ.iloc[0]
                statement = (f"Ex situ management is not recommended: '{names[0]}' has the highest weighted score "
                             f"({_fmt(top)} {scale}), {_fmt(margin)} ahead of the best ex situ option, "
                             f"'{best['option']}' ({_fmt(best['weighted_score'])}). With these criteria, weights and "
                             "scores no ex situ option's benefit outweighs its risks and costs; the species' plan "
                             "stays integrated without an ex situ component.")
        else:
            recommended = True
            option = self.option(ids[0])
            runner = others.iloc[0]
            base = float(table.loc[BASELINE_ID, "weighted_score"])
            statement = (f"Recommended: '{option.name}' ({FORMS[option.form]}; roles: {', '.join(option.role_ids)}) "
                         f"has the highest weighted score ({_fmt(top)} {scale}), {_fmt(margin)} ahead of "
                         f"'{runner['option']}' ({_fmt(runner['weighted_score'])}).")
            if runner.name != BASELINE_ID:
                statement += f" 'No ex situ action' scores {_fmt(base)}."
        return Recommendation(leader_ids=ids, leader_names=names, top_score=top, margin=margin, tie=tie,
                              ex_situ_recommended=recommended, statement=statement)

    # -- sensitivity ------------------------------------------------------------------------------------
    def _lines(self, criterion_id: str) -> tuple[np.ndarray, np.ndarray, float]:
        """Intercepts R_i and slopes (v_ik − R_i) of S_i(t), and the current weight w_k."""
        values = self._values()
        weights = self.normalised_weights().to_numpy()
        k = self.criterion_ids.index(self.criterion(criterion_id).id)
        others = np.arange(len(weights)) != k
        rest = 1.0 - weights[k]
        if not others.any():
            intercept = values[:, k].copy()
        elif rest > 1e-12:
            intercept = values[:, others] @ weights[others] / rest
        else:  # every other weight is zero: the remainder is shared equally
            intercept = values[:, others].mean(axis=1)
        return intercept, values[:, k] - intercept, float(weights[k])

    def weight_sweep(self, criterion_id: str, weights: Iterable[float] | None = None) -> pd.DataFrame:
        """Weighted score of every option (columns) as one criterion's normalised weight (rows) goes 0→1.

        Other weights are rescaled in proportion (:data:`SENSITIVITY_SCHEME`). ``weights`` defaults to 101
        points from 0 to 1.
        """
        grid = np.linspace(0, 1, 101) if weights is None else np.asarray(list(weights), dtype=float)
        if grid.ndim != 1 or grid.size == 0 or not np.all(np.isfinite(grid)) or grid.min() < 0 or grid.max() > 1:
            raise InvalidInputError("weights", "expected a list of weights between 0 and 1", "give e.g. numpy.linspace(0, 1, 51)")
        intercept, slope, _ = self._lines(criterion_id)
        scores = intercept[None, :] + grid[:, None] * slope[None, :]
        return pd.DataFrame(scores, index=pd.Index(grid, name=f"weight_{criterion_id}"),
                            columns=pd.Index(self.option_ids, name="option_id"))

    def sensitivity(self) -> SensitivityAnalysis:
        """For every criterion, the smallest weight change that changes the top option (exact, see module doc)."""
        table = self.ranking()
        leaders = tuple(table.index[table["rank"] == 1])
        tol = self._tolerance()
        ids = self.option_ids
        items = []
        for criterion in self.criteria:
            intercept, slope, w = self._lines(criterion.id)
            if len(self.criteria) == 1:
                up = down = (None, frozenset())
            else:
                up = _first_change(intercept, slope, w, True, tol)
                down = _first_change(intercept, slope, w, False, tol)
            items.append(WeightSensitivity(
                criterion_id=criterion.id, criterion=criterion.name, current_weight=w,
                increase_to=up[0], leaders_if_increased=tuple(ids[i] for i in sorted(up[1])),
                decrease_to=down[0], leaders_if_decreased=tuple(ids[i] for i in sorted(down[1]))))
        return SensitivityAnalysis(leader_ids=leaders, items=tuple(items),
                                   option_names={o.id: o.name for o in self.options})

    def weight_uncertainty(self, draws: int = 10_000, concentration: float = 20.0,
                           seed: int | np.random.Generator | None = None) -> pd.DataFrame:
        """Share of random weight sets in which each option ranks first (ties share the draw equally).

        Weights are drawn from Dirichlet(concentration · w) around the normalised weights w, so their mean
        is w and the variance of weight j is w_j(1 − w_j)/(concentration + 1): larger concentration = the
        group is surer of its weights. Criteria with weight 0 stay 0. Columns: ``option``, ``share_first``
        (0–1, sums to 1), ``mean_score``, ``score_p05``, ``score_p95``. Rank-acceptability idea from SMAA
        (Lahdelma et al. 1998).
        """
        n = int(require_number(draws, "draws", minimum=1, integer=True))
        c = require_number(concentration, "concentration", minimum=0, inclusive_minimum=False)
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        values = self._values()
        w = self.normalised_weights().to_numpy()
        positive = w > 0
        sampled = np.zeros((n, len(w)))
        if positive.sum() == 1:
            sampled[:, positive] = 1.0
        else:
            sampled[:, positive] = rng.dirichlet(c * w[positive], size=n)
        totals = sampled @ values.T
        top = totals >= totals.max(axis=1, keepdims=True) - self._tolerance()
        share = (top / top.sum(axis=1, keepdims=True)).mean(axis=0)
        return pd.DataFrame({"option": [o.name for o in self.options], "share_first": share,
                             "mean_score": totals.mean(axis=0), "score_p05": np.percentile(totals, 5, axis=0),
                             "score_p95": np.percentile(totals, 95, axis=0)},
                            index=pd.Index(self.option_ids, name="option_id"))

    # -- record -----------------------------------------------------------------------------------------
    def record(self, chosen: str | Iterable[str] | None = None, reasoning: str = "", dissent: Iterable[Any] = (),
               notes: str = "", date: str | None = None, participants: Iterable[str] = (), *,
               evaluations: Iterable["OptionEvaluation"] | None = None,
               baseline: "BaselineEvaluation | None" = None) -> "DecisionRecord":
        """The record of the decision, with this weighted scoring kept as the optional aid.

        With ``evaluations`` (the Step 5 :class:`OptionEvaluation` of each option; the way the course records
        a decision) this is :func:`record_decision` with ``decision=self``: the outcomes come from conservation
        value → structure → gates, and ``chosen`` must be left out. Without them (the older, score-only record,
        kept so existing code runs) ``chosen`` defaults to the top of the ranking (a tie must be resolved by
        naming the option(s) and giving ``reasoning``), choosing other than the top needs ``reasoning``, and
        the record is flagged as made without the Step 5 evaluation. ``date`` defaults to today (YYYY-MM-DD).
        """
        if evaluations is not None:
            if chosen is not None:
                raise InvalidInputError("chosen", "the options retained follow from the evaluations' outcomes",
                                        "leave 'chosen' out when you pass evaluations")
            return record_decision(evaluations, baseline=baseline, decision=self, reasoning=reasoning,
                                   dissent=dissent, notes=notes, date=date, participants=participants)
        recommendation = self.recommendation()
        if chosen is None:
            if recommendation.tie:
                raise InvalidInputError("chosen", f"the ranking is a tie between {_quoted_list(recommendation.leader_names)}",
                                        "name the option(s) the group chose and say why in 'reasoning'")
            chosen_ids = recommendation.leader_ids
        else:
            chosen_ids = require_texts(chosen, "chosen")
        reasoning = _text(reasoning, "reasoning")
        if set(chosen_ids) != set(recommendation.leader_ids) and not reasoning:
            raise InvalidInputError("reasoning", "the group chose other than the single top-ranked option without "
                                    "saying why", "write the group's reasoning (it is part of the record)")
        summary = self._summary(recommendation)
        return DecisionRecord(decision=self, chosen_option_ids=chosen_ids, summary=summary, reasoning=reasoning,
                              dissent=_dissents(dissent), notes=notes,
                              date=_dt.date.today().isoformat() if date is None else date,
                              participants=tuple(participants))

    def _summary(self, recommendation: Recommendation) -> str:
        weights = self.normalised_weights()
        weight_text = ", ".join(f"{c.name} {weights[c.id]:.2f}" for c in self.criteria)
        parts = [recommendation.statement,
                 f"{len(self.options)} options were scored on {len(self.criteria)} criteria "
                 f"({self.score_min:g}–{self.score_max:g} scale; weights {weight_text}).",
                 "Sensitivity: " + self.sensitivity().statement()]
        missing = self.missing_rationales()
        if missing:
            parts.append(f"{len(missing)} of {len(self.scores)} scores have no written rationale.")
        return " ".join(parts)

    # -- storage --------------------------------------------------------------------------------------
    def to_dict(self) -> dict:
        return {"title": self.title, "description": self.description,
                "options": [o.to_dict() for o in self.options], "criteria": [c.to_dict() for c in self.criteria],
                "scores": [s.to_dict() for s in self.scores], "score_min": self.score_min, "score_max": self.score_max}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Decision":
        _check_keys(data, cls, "decision")
        values = dict(data)
        for key, item_cls in (("options", Option), ("criteria", Criterion), ("scores", Score)):
            if key in values:
                values[key] = _coerce(values[key], item_cls, key)
        return cls(**values)


# --------------------------------------------------------------------------------------------------
# Step 5 as the guidelines frame it: conservation value → structure → feasibility and risk gates → outcome
# --------------------------------------------------------------------------------------------------

OUTCOMES: tuple[str, ...] = ("recommended", "recommended with conditions", "not recommended", "deferred")
"""The four outcomes an ex situ option can get in Step 5 (course vocabulary after IUCN/SSC 2014 [G14] and
CPSG [CPSG-ECA]: the decision says which roles, *if any*, to retain; an option that cannot be judged yet
is deferred, with the evidence that would settle it)."""

RECOMMENDED: tuple[str, ...] = ("recommended", "recommended with conditions")
"""The outcomes that retain an option in the species' conservation strategy."""

CONSERVATION_VALUES: dict[str, str] = {
    "high": "directly addresses a primary threat or need found in Steps 1–2; without it the species' outlook "
            "is clearly worse",
    "medium": "contributes to the species' conservation goals, but partly or indirectly",
    "low": "contributes little to the threats and needs found in Steps 1–2",
    "none": "does not address any threat or need found in Steps 1–2",
    "unknown": "cannot be judged yet (the option is deferred; say what evidence would settle it)",
}
"""Levels of an option's conservation value: how much it addresses the threats and roles of Steps 1–2
(the first thing CPSG's ECA weighs, with required structure and feasibility [AARK-ECA]; the level words are
the course's). Only ``'high'`` and ``'medium'`` can lead to a recommendation."""

VALUE_THAT_CAN_BE_RECOMMENDED: tuple[str, ...] = ("high", "medium")

STRUCTURE_ANSWERS: dict[str, str] = {
    "yes": "the population or sample structure Step 3 requires (size, founders, genetic goals, duration) can be met",
    "with conditions": "it can be met only if named conditions are met (e.g. more founders, a second facility)",
    "no": "it cannot be met (e.g. too few founders exist, the space does not exist anywhere)",
    "unknown": "not yet known (the option is deferred; say what evidence would settle it)",
}
"""Whether the population or bio-sample collection that Step 3 says the role needs can be established and kept
(CPSG: "characteristics and dimensions of the programme" [CPSG-ECA]; required structure [AARK-ECA])."""

GATE_STATES: tuple[str, ...] = ("open", "open with conditions", "closed", "unknown")
"""States of the feasibility and the risk gate. A gate is **closed** by an essential feasibility factor
rated 'gap' or by a residual risk at an unacceptable level (default 'extreme'), unless the group names a
condition that opens it; a closed gate makes the option 'not recommended' whatever its value or score."""

UNACCEPTABLE_RISK_LEVELS: tuple[str, ...] = ("extreme",)
"""Residual risk levels (:data:`exsitu.feasibility.LEVEL_BANDS`) that close the risk gate by default."""

AID_LABEL = ("Optional aid — weighted scoring. It helps a group compare options and see where it disagrees; it "
             "does not decide the outcome, cannot open a closed gate and cannot make up for low conservation value.")
"""The label put wherever the weighted scoring is shown."""

SEQUENCE = ("conservation value", "population or sample structure", "feasibility gate", "risk gate")
"""The order in which Step 5 evaluates an option (the first stage that fails decides)."""


@dataclass(frozen=True, kw_only=True)
class Blocker:
    """What closes a gate: an essential factor rated 'gap' or a residual risk at an unacceptable level.

    ``opened_by`` is the condition the group names that would open the gate (``''``: none, the gate stays closed),
    e.g. "funding for 10 years is pledged before founders are collected".
    """

    id: str
    label: str
    why: str
    opened_by: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "id", require_text(self.id, "id"))
        object.__setattr__(self, "label", require_text(self.label, "label"))
        object.__setattr__(self, "why", _text(self.why, "why"))
        object.__setattr__(self, "opened_by", _text(self.opened_by, "opened_by"))

    def to_dict(self) -> dict:
        return {"id": self.id, "label": self.label, "why": self.why, "opened_by": self.opened_by}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Blocker":
        _check_keys(data, cls, "blocker")
        return cls(**dict(data))


@dataclass(frozen=True, kw_only=True)
class Gate:
    """The feasibility or the risk gate of one option, as Step 4 left it (a snapshot kept with the decision).

    ``state`` follows from the contents: **closed** if a blocker has no opening condition; else **unknown**
    if something essential is not yet known (``unknowns``); else **open with conditions** if there are
    ``conditions`` or opened blockers; else **open**.
    """

    name: str
    blockers: tuple[Blocker, ...] = ()
    conditions: tuple[str, ...] = ()
    unknowns: tuple[str, ...] = ()
    source: str = ""

    def __post_init__(self) -> None:
        require_choice(self.name, "name", ("feasibility", "risk"))
        blockers = []
        for i, item in enumerate(self.blockers or ()):
            with field_prefix(f"blockers[{i}]"):
                blockers.append(item if isinstance(item, Blocker) else Blocker.from_dict(item))
        object.__setattr__(self, "blockers", tuple(blockers))
        object.__setattr__(self, "conditions", require_texts(self.conditions, "conditions"))
        object.__setattr__(self, "unknowns", require_texts(self.unknowns, "unknowns"))
        object.__setattr__(self, "source", _text(self.source, "source"))

    @property
    def state(self) -> str:
        """One of :data:`GATE_STATES`."""
        if any(not b.opened_by for b in self.blockers):
            return "closed"
        if self.unknowns:
            return "unknown"
        if self.conditions or self.blockers:
            return "open with conditions"
        return "open"

    @property
    def all_conditions(self) -> tuple[str, ...]:
        """The conditions the gate stays open on: the named conditions that open blockers, then the others."""
        return tuple(f"{b.opened_by} (opens the gate closed by '{b.label}')" for b in self.blockers if b.opened_by) \
            + self.conditions

    def describe(self) -> str:
        """The gate's state and why, in one line."""
        closed = [b for b in self.blockers if not b.opened_by]
        if closed:
            return "closed by " + "; ".join(f"'{b.label}' ({b.why})" if b.why else f"'{b.label}'" for b in closed)
        if self.unknowns:
            return "unknown: " + "; ".join(self.unknowns)
        if self.all_conditions:
            return "open with conditions: " + "; ".join(self.all_conditions)
        return "open"

    def to_dict(self) -> dict:
        return {"name": self.name, "state": self.state, "blockers": [b.to_dict() for b in self.blockers],
                "conditions": list(self.conditions), "unknowns": list(self.unknowns), "source": self.source}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Gate":
        """Rebuild a gate; a stored ``state`` is checked against the contents, not trusted."""
        _check_keys(data, cls, "gate", extra=("state",))
        values = {k: v for k, v in data.items() if k != "state"}
        gate = cls(**values)
        if "state" in data and data["state"] != gate.state:
            raise InvalidInputError("gate.state", f"{data['state']!r} does not follow from the gate's contents "
                                    f"({gate.state!r})", "remove 'state' or fix the blockers and conditions")
        return gate


def _opening(opening_conditions: Mapping[str, str] | None) -> dict[str, str]:
    if opening_conditions is None:
        return {}
    if not isinstance(opening_conditions, Mapping):
        raise InvalidInputError("opening_conditions", f"expected a dict of blocker id → condition, got "
                                f"{opening_conditions!r}", "give e.g. {'funding': 'funding for 10 years is pledged'}")
    out = {}
    for key, value in opening_conditions.items():
        out[require_text(key, "opening_conditions")] = _text(value, f"opening_conditions[{key!r}]")
    return out


def feasibility_gate(feasibility: Any | None, opening_conditions: Mapping[str, str] | None = None,
                     source: str = "") -> Gate:
    """The feasibility gate from a Step 4 :class:`~exsitu.feasibility.FeasibilityAssessment`.

    Closed by every **essential** factor rated 'gap' (unless ``opening_conditions`` names, by factor id, the
    condition that would open it); unknown while an essential factor is 'unknown'; conditions from factors
    rated 'partial', non-essential gaps and unknowns. ``None`` (Step 4 not done for this option) → unknown.
    """
    opening = _opening(opening_conditions)
    if feasibility is None:
        return Gate(name="feasibility", unknowns=("Step 4 has not appraised the feasibility of this option",),
                    source=source)
    blockers, conditions, unknowns = [], [], []
    for f in feasibility.factors:
        if f.essential and f.rating == "gap":
            blockers.append(Blocker(id=f.id, label=f.name, why=f"essential, rated 'gap': {f.evidence or 'no evidence recorded'}",
                                    opened_by=opening.get(f.id, "")))
        elif f.essential and f.rating == "unknown":
            unknowns.append(f"rate '{f.name}' with its evidence (essential factor, not yet rated)")
        elif f.rating == "partial":
            conditions.append(f"strengthen '{f.name}' (rated partial: {f.evidence or 'no evidence recorded'})")
        elif f.rating == "gap":
            conditions.append(f"close the gap in '{f.name}' (not essential: {f.evidence or 'no evidence recorded'})")
        elif f.rating == "unknown":
            conditions.append(f"assess '{f.name}' (not essential, not yet rated)")
    return Gate(name="feasibility", blockers=tuple(blockers), conditions=tuple(conditions), unknowns=tuple(unknowns),
                source=source or f"Step 4 appraisal '{feasibility.option}'")


def risk_gate(feasibility: Any | None, opening_conditions: Mapping[str, str] | None = None,
              unacceptable_levels: Iterable[str] = UNACCEPTABLE_RISK_LEVELS, source: str = "") -> Gate:
    """The risk gate from a Step 4 risk register (:class:`~exsitu.feasibility.FeasibilityAssessment`).

    Closed by every risk whose **residual** level (after mitigation) is in ``unacceptable_levels`` (default
    'extreme'), unless ``opening_conditions`` names, by risk id, the condition that would open it; unknown
    while a risk is not rated or the register is empty; a residual 'high' risk (if acceptable) is a condition.
    """
    from exsitu.feasibility import LEVELS

    opening = _opening(opening_conditions)
    levels = tuple(unacceptable_levels)
    for i, level in enumerate(levels):
        require_choice(level, f"unacceptable_levels[{i}]", LEVELS)
    if feasibility is None:
        return Gate(name="risk", unknowns=("Step 4 has no risk register for this option",), source=source)
    blockers, conditions, unknowns = [], [], []
    if not feasibility.risks:
        unknowns.append("the risk register is empty: list and rate the risks (Step 4)")
    for r in feasibility.risks:
        if not r.rated:
            unknowns.append(f"rate the risk '{r.label}' (likelihood and consequence)")
        elif r.residual_level in levels:
            lik, con = r.residual
            blockers.append(Blocker(id=r.id, label=r.label, why=(
                f"residual risk {lik}×{con} = {r.residual_rating} ({r.residual_level})"
                + (f" after '{r.mitigation}'" if r.mitigation else ", no mitigation recorded")),
                opened_by=opening.get(r.id, "")))
        elif r.residual_level in ("high", "extreme"):
            lik, con = r.residual
            conditions.append(f"manage the {r.residual_level} residual risk '{r.label}' ({lik}×{con} = "
                              f"{r.residual_rating})")
    return Gate(name="risk", blockers=tuple(blockers), conditions=tuple(conditions), unknowns=tuple(unknowns),
                source=source or f"Step 4 risk register '{feasibility.option}'")


@dataclass(frozen=True, kw_only=True)
class Dissent:
    """A view that differs from the group's decision: the text, who holds it (``by``; ``''`` = anonymous) and,
    optionally, the option it concerns (``option_id``; ``''`` = the decision as a whole)."""

    text: str
    by: str = ""
    option_id: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "text", require_text(self.text, "text"))
        object.__setattr__(self, "by", _text(self.by, "by"))
        object.__setattr__(self, "option_id", _text(self.option_id, "option_id"))

    @property
    def anonymous(self) -> bool:
        return not self.by

    def __str__(self) -> str:
        who = self.by or "anonymous"
        return f"{who}: {self.text}"

    def to_dict(self) -> dict:
        return {"text": self.text, "by": self.by, "option_id": self.option_id}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | str) -> "Dissent":
        """From :meth:`to_dict` output, or from a plain text (anonymous; the form of schema version 1)."""
        if isinstance(data, str):
            return cls(text=data)
        _check_keys(data, cls, "dissent")
        return cls(**dict(data))


def _dissents(items: Any) -> tuple[Dissent, ...]:
    if items is None:
        return ()
    if isinstance(items, (str, Dissent, Mapping)):
        items = [items]
    out = []
    for i, item in enumerate(items):
        with field_prefix(f"dissent[{i}]"):
            if isinstance(item, str) and not item.strip():
                raise InvalidInputError("text", "is empty", "write the dissenting view, or leave it out")
            out.append(item if isinstance(item, Dissent) else Dissent.from_dict(item))
    return tuple(out)


def describe_need(need: Any) -> str:
    """What Step 3 says a role needs, in one line (from an :class:`exsitu.assessment.PopulationNeed`)."""
    parts = []
    target = getattr(need, "target", None)
    if target is not None:
        parts.append(f"Ne ≥ {target.effective_size} and N ≥ {target.census_size} to keep "
                     f"{target.target_gene_diversity:.0%} of wild gene diversity for {target.years:g} years")
        if target.founders is not None:
            parts.append(f"planned from {target.founders:g} founders")
    if getattr(need, "founders_available", None) is not None:
        parts.append(f"{need.founders_available} founders available")
    if getattr(need, "samples", None) is not None:
        parts.append(f"{need.samples} individuals to sample")
    if getattr(need, "duration_years", None) is not None:
        parts.append(f"for {need.duration_years:g} years")
    head = f"{need.role_id} ({need.form})"
    return head + (": " + "; ".join(parts) if parts else ": no numeric target recorded" +
                   (f" — {need.notes}" if getattr(need, "notes", "") else ""))


@dataclass(frozen=True, kw_only=True)
class OptionEvaluation:
    """Step 5 for one ex situ option: conservation value → structure → feasibility and risk gates → outcome.

    The guidelines ask for an informed and transparent decision on which ex situ roles, if any, to retain
    (IUCN/SSC 2014 [G14]; CPSG [CPSG-ECA]); CPSG's ECA weighs **conservation value, required structure and
    feasibility** [AARK-ECA]. This record makes that a sequence (the course's reading, stated so a group can
    challenge it): the first stage that fails decides, so no score elsewhere can make up for it.

    1. ``conservation_value`` (:data:`CONSERVATION_VALUES`) with ``value_rationale`` and the Step 1–2
       ``threats_addressed``: 'low' or 'none' → **not recommended**; 'unknown' → **deferred**.
    2. ``structure`` (:data:`STRUCTURE_ANSWERS`): can the Step 3 population or sample structure
       (``structure_need``) be met? 'no' → **not recommended**; 'unknown' → **deferred**; 'with conditions'
       adds ``structure_rationale`` as a condition.
    3. ``feasibility_gate`` and ``risk_gate`` (:class:`Gate`, from Step 4): closed → **not recommended**;
       unknown → **deferred**; conditions → **recommended with conditions**.
    4. Otherwise **recommended**. The group may still ``defer`` an option the sequence would recommend (it
       must then give ``deferral_evidence``); it can never upgrade one.

    A deferred option always carries :attr:`evidence_needed`: the group's ``deferral_evidence`` plus what
    the unknown stages need.
    """

    option: Option
    conservation_value: str
    value_rationale: str = ""
    threats_addressed: tuple[str, ...] = ()
    structure: str = "unknown"
    structure_rationale: str = ""
    structure_need: str = ""
    feasibility_gate: Gate = field(default_factory=lambda: Gate(name="feasibility", unknowns=(
        "Step 4 has not appraised the feasibility of this option",)))
    risk_gate: Gate = field(default_factory=lambda: Gate(name="risk", unknowns=(
        "Step 4 has no risk register for this option",)))
    deferral_evidence: tuple[str, ...] = ()
    defer: bool = False

    def __post_init__(self) -> None:
        option = self.option
        if isinstance(option, Mapping):
            with field_prefix("option"):
                option = Option.from_dict(option)
        if not isinstance(option, Option):
            raise InvalidInputError("option", f"expected an Option, got {option!r}", "use exsitu.decision.Option(...)")
        if option.is_baseline:
            raise InvalidInputError("option", "the baseline 'no ex situ action' is not evaluated as an option",
                                    "describe the risk of doing nothing with evaluate_baseline(...)")
        object.__setattr__(self, "option", option)
        require_choice(self.conservation_value, "conservation_value", CONSERVATION_VALUES)
        require_choice(self.structure, "structure", STRUCTURE_ANSWERS)
        for name in ("value_rationale", "structure_rationale", "structure_need"):
            object.__setattr__(self, name, _text(getattr(self, name), name))
        object.__setattr__(self, "threats_addressed", require_texts(self.threats_addressed, "threats_addressed"))
        object.__setattr__(self, "deferral_evidence", require_texts(self.deferral_evidence, "deferral_evidence"))
        for name, expected in (("feasibility_gate", "feasibility"), ("risk_gate", "risk")):
            gate = getattr(self, name)
            if isinstance(gate, Mapping):
                with field_prefix(name):
                    gate = Gate.from_dict(gate)
            if not isinstance(gate, Gate) or gate.name != expected:
                raise InvalidInputError(name, f"expected the {expected} Gate, got {gate!r}",
                                        f"use {expected}_gate(...)")
            object.__setattr__(self, name, gate)
        if not isinstance(self.defer, bool):
            raise InvalidInputError("defer", f"expected True or False, got {self.defer!r}", "use True or False")
        if self.defer and not self.deferral_evidence:
            raise InvalidInputError("deferral_evidence", "the group defers the option but does not say what evidence "
                                    "would change that", "name the evidence, e.g. 'a tested cryopreservation protocol'")

    # -- the sequence ------------------------------------------------------------------------------
    def sequence(self) -> list[tuple[str, str, str]]:
        """(stage, verdict, reason) for the four stages of :data:`SEQUENCE`, in order ('pass', 'conditions',
        'fail', 'unknown'); every stage is shown, but the first 'fail' decides."""
        value = self.conservation_value
        rows = [("conservation value",
                 "pass" if value in VALUE_THAT_CAN_BE_RECOMMENDED else ("unknown" if value == "unknown" else "fail"),
                 f"{value}: {self.value_rationale or CONSERVATION_VALUES[value]}")]
        structure = {"yes": "pass", "with conditions": "conditions", "no": "fail", "unknown": "unknown"}[self.structure]
        need = f" (Step 3: {self.structure_need})" if self.structure_need else ""
        rows.append(("population or sample structure", structure,
                     f"{self.structure}: {self.structure_rationale or STRUCTURE_ANSWERS[self.structure]}{need}"))
        for gate in (self.feasibility_gate, self.risk_gate):
            verdict = {"open": "pass", "open with conditions": "conditions", "closed": "fail",
                       "unknown": "unknown"}[gate.state]
            rows.append((f"{gate.name} gate", verdict, gate.describe()))
        return rows

    @property
    def outcome(self) -> str:
        """One of :data:`OUTCOMES`, from the sequence (see the class docstring)."""
        verdicts = [verdict for _, verdict, _ in self.sequence()]
        if "fail" in verdicts:
            return "not recommended"
        if "unknown" in verdicts or self.defer:
            return "deferred"
        return "recommended with conditions" if self.conditions else "recommended"

    @property
    def decided_by(self) -> str:
        """The stage that settled the outcome: the first failing (or, if none fails, unknown) stage, else ''."""
        stages = self.sequence()
        for wanted in ("fail", "unknown"):
            for stage, verdict, _ in stages:
                if verdict == wanted:
                    return stage
        return "the group (deferred)" if self.defer else ""

    @property
    def conditions(self) -> tuple[str, ...]:
        """The conditions a recommendation depends on (structure, then the gates)."""
        out = []
        if self.structure == "with conditions":
            out.append("population structure: " + (self.structure_rationale or "meet the Step 3 requirement"))
        out += [f"feasibility: {c}" for c in self.feasibility_gate.all_conditions]
        out += [f"risk: {c}" for c in self.risk_gate.all_conditions]
        return tuple(out)

    @property
    def evidence_needed(self) -> tuple[str, ...]:
        """What evidence would settle a deferral: the group's ``deferral_evidence``, then the unknown stages'."""
        out = list(self.deferral_evidence)
        if self.conservation_value == "unknown":
            out.append("judge the conservation value: which Step 1–2 threats and roles the option addresses")
        if self.structure == "unknown":
            out.append("show whether the Step 3 population or sample structure can be met"
                       + (f" ({self.structure_need})" if self.structure_need else ""))
        out += list(self.feasibility_gate.unknowns) + list(self.risk_gate.unknowns)
        return tuple(dict.fromkeys(out))

    def statement(self) -> str:
        """The outcome with its reason, in one or two sentences."""
        outcome = self.outcome
        name = self.option.name
        if outcome == "not recommended":
            stage = self.decided_by
            reason = next(r for s, v, r in self.sequence() if s == stage)
            text = f"'{name}' is not recommended: its {stage} fails ({reason})."
            if stage == "conservation value":
                text += " No score on cost or feasibility can make up for that."
            return text
        if outcome == "deferred":
            return f"'{name}' is deferred until: " + "; ".join(self.evidence_needed) + "."
        if outcome == "recommended with conditions":
            return f"'{name}' is recommended with conditions: " + "; ".join(self.conditions) + "."
        return f"'{name}' is recommended: conservation value {self.conservation_value}, structure can be met, " \
               "feasibility and risk gates open."

    def to_dict(self) -> dict:
        return {"option": self.option.to_dict(), "conservation_value": self.conservation_value,
                "value_rationale": self.value_rationale, "threats_addressed": list(self.threats_addressed),
                "structure": self.structure, "structure_rationale": self.structure_rationale,
                "structure_need": self.structure_need, "feasibility_gate": self.feasibility_gate.to_dict(),
                "risk_gate": self.risk_gate.to_dict(), "deferral_evidence": list(self.deferral_evidence),
                "defer": self.defer, "outcome": self.outcome}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "OptionEvaluation":
        """Rebuild an evaluation; a stored ``outcome`` is checked against the sequence, not trusted."""
        _check_keys(data, cls, "evaluation", extra=("outcome",))
        for key in ("option", "conservation_value"):
            if key not in data:
                raise InvalidInputError(f"evaluation.{key}", "is missing", "pass the output of OptionEvaluation.to_dict()")
        evaluation = cls(**{k: v for k, v in data.items() if k != "outcome"})
        if "outcome" in data and data["outcome"] != evaluation.outcome:
            raise InvalidInputError("evaluation.outcome", f"{data['outcome']!r} does not follow from the evaluation "
                                    f"({evaluation.outcome!r})", "remove 'outcome' or fix the evaluation")
        return evaluation


def evaluate_option(option: Option | Mapping[str, Any], *, conservation_value: str, value_rationale: str,
                    threats_addressed: Iterable[str] = (), structure: str = "unknown", structure_rationale: str = "",
                    need: Any = None, feasibility: Any = None, opening_conditions: Mapping[str, str] | None = None,
                    unacceptable_risk_levels: Iterable[str] = UNACCEPTABLE_RISK_LEVELS,
                    deferral_evidence: Iterable[str] = (), defer: bool = False) -> OptionEvaluation:
    """Evaluate one ex situ option as Step 5 frames it: value → structure → gates → outcome.

    ``conservation_value``: :data:`CONSERVATION_VALUES`, with ``value_rationale`` (required unless 'unknown')
    saying how far the option addresses the threats and roles of Steps 1–2 (``threats_addressed``, e.g.
    threat codes or names). ``structure``: :data:`STRUCTURE_ANSWERS` — can the Step 3 population or sample
    structure be met; ``need`` (a :class:`~exsitu.assessment.PopulationNeed` or a list of them) is described
    beside it (:func:`describe_need`). ``feasibility``: the Step 4
    :class:`~exsitu.feasibility.FeasibilityAssessment` of the option (``None``: not appraised → the gates are
    unknown); ``opening_conditions``: factor or risk id → the named condition that opens a gate it closes;
    ``unacceptable_risk_levels``: residual levels that close the risk gate (default 'extreme').
    ``deferral_evidence``/``defer``: the group's own deferral (see :class:`OptionEvaluation`).

    Sources: the five steps and Step 5's informed, transparent decision [G14; CPSG-ECA]; value, structure and
    feasibility as what an ECA weighs [AARK-ECA]; gates and levels are the course's reading (eca-process.md §2).
    """
    if isinstance(option, Mapping):
        with field_prefix("option"):
            option = Option.from_dict(option)
    require_choice(conservation_value, "conservation_value", CONSERVATION_VALUES)
    rationale = _text(value_rationale, "value_rationale")
    if conservation_value != "unknown" and not rationale:
        raise InvalidInputError("value_rationale", f"conservation value '{conservation_value}' has no rationale",
                                "say which threats or roles of Steps 1–2 the option addresses, and how much")
    opening = _opening(opening_conditions)
    levels = tuple(unacceptable_risk_levels)
    gate_f = feasibility_gate(feasibility, opening)
    gate_r = risk_gate(feasibility, opening, levels)
    known = {b.id for b in gate_f.blockers + gate_r.blockers}
    for key in opening:
        if key not in known:
            raise InvalidInputError(f"opening_conditions[{key!r}]", "names nothing that closes a gate of this option",
                                    "use the id of an essential factor rated 'gap' or of an unacceptable risk: "
                                    + (", ".join(sorted(known)) or "there is none"))
    if need is None:
        need_text = ""
    elif isinstance(need, (list, tuple)):
        need_text = " | ".join(describe_need(n) for n in need)
    else:
        need_text = describe_need(need)
    return OptionEvaluation(option=option, conservation_value=conservation_value, value_rationale=rationale,
                            threats_addressed=tuple(threats_addressed), structure=structure,
                            structure_rationale=structure_rationale, structure_need=need_text,
                            feasibility_gate=gate_f, risk_gate=gate_r, deferral_evidence=tuple(deferral_evidence),
                            defer=defer)


# -- the risk of doing nothing ex situ ---------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class BaselineEvaluation:
    """The risk of doing nothing ex situ: the "no ex situ action" option, judged from a wild-only projection.

    Typically the Step 3 PVA of the wild population without any ex situ action (:func:`exsitu.pva.run_pva`):
    ``extinction_probability`` within ``years``, optionally the quasi-extinction probability (N ≤
    ``quasi_extinction_threshold``) and the median time to extinction. ``source`` says where the figures come
    from (and whether they are ILLUSTRATIVE); ``notes`` the group's own words. Always shown beside the options,
    so that "not recommended" is weighed against what doing nothing risks.
    """

    scenario: str = "wild only"
    years: float | None = None
    extinction_probability: float | None = None
    quasi_extinction_probability: float | None = None
    quasi_extinction_threshold: float | None = None
    median_time_to_extinction: float | None = None
    replicates: int | None = None
    source: str = ""
    notes: str = ""

    def __post_init__(self) -> None:
        object.__setattr__(self, "scenario", require_text(self.scenario, "scenario"))
        for name in ("extinction_probability", "quasi_extinction_probability"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, require_number(value, name, minimum=0, maximum=1))
        for name in ("years", "quasi_extinction_threshold", "median_time_to_extinction"):
            value = getattr(self, name)
            if value is not None:
                object.__setattr__(self, name, require_number(value, name, minimum=0))
        if self.replicates is not None:
            object.__setattr__(self, "replicates", int(require_number(self.replicates, "replicates", minimum=1,
                                                                      integer=True)))
        if self.extinction_probability is not None and self.years is None:
            raise InvalidInputError("years", "an extinction probability needs its time horizon",
                                    "give the years the projection covers, e.g. 100")
        object.__setattr__(self, "source", _text(self.source, "source"))
        object.__setattr__(self, "notes", _text(self.notes, "notes"))

    @property
    def meets_vu_e_threshold(self) -> bool | None:
        """Whether P(extinction) ≥ 10% within ≤ 100 years — the VU threshold of Red List criterion E
        (IUCN 2012, Categories and Criteria 3.1 [RL31]); ``None`` when it cannot be told from the figures."""
        p, years = self.extinction_probability, self.years
        if p is None or years is None:
            return None
        if p >= 0.10 and years <= 100:
            return True
        if p < 0.10 and years >= 100:
            return False
        return None

    def statement(self) -> str:
        """The risk of doing nothing ex situ, in words."""
        if self.extinction_probability is None:
            text = "The risk of doing nothing ex situ has not been projected"
            return text + (f": {self.notes}" if self.notes else " (run a wild-only PVA in Step 3).")
        runs = f", {self.replicates} runs" if self.replicates else ""
        text = (f"Without ex situ action ('{self.scenario}' projection{runs}), the probability that the wild "
                f"population goes extinct within {self.years:g} years is {self.extinction_probability:.0%}")
        if self.quasi_extinction_probability is not None:
            below = f" (N ≤ {self.quasi_extinction_threshold:g})" if self.quasi_extinction_threshold is not None else ""
            text += f", and of falling to quasi-extinction{below} {self.quasi_extinction_probability:.0%}"
        if self.median_time_to_extinction is not None:
            text += f"; median time to extinction among runs that went extinct: {self.median_time_to_extinction:g} years"
        text += "."
        if self.meets_vu_e_threshold:
            text += " That alone meets the VU threshold of Red List criterion E (≥ 10% within 100 years)."
        if self.source:
            text += f" Source: {self.source}."
        if self.notes:
            text += f" {self.notes}"
        return text

    def to_dict(self) -> dict:
        return {"scenario": self.scenario, "years": self.years, "extinction_probability": self.extinction_probability,
                "quasi_extinction_probability": self.quasi_extinction_probability,
                "quasi_extinction_threshold": self.quasi_extinction_threshold,
                "median_time_to_extinction": self.median_time_to_extinction, "replicates": self.replicates,
                "source": self.source, "notes": self.notes}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "BaselineEvaluation":
        _check_keys(data, cls, "baseline")
        return cls(**dict(data))


_WILD_ONLY_WORDS = ("wild only", "wild-only", "no ex situ", "without ex situ", "no collection", "baseline")


def _first(figures: Mapping[str, Any], *keys: str) -> Any:
    for key in keys:
        if key in figures and figures[key] is not None:
            return figures[key]
    for key, value in figures.items():  # e.g. 'p_quasi_extinction_4'
        if any(key.startswith(k) for k in keys) and value is not None:
            return value
    return None


def evaluate_baseline(pva: Any = None, *, scenario: str | None = None, years: float | None = None,
                      source: str = "", notes: str = "") -> BaselineEvaluation:
    """The "no ex situ action" baseline from a wild-only PVA (Step 3, :mod:`exsitu.pva`).

    ``pva``: a :class:`~exsitu.pva.PVAResult`; a mapping of scenario name → result or headline figures (as
    :class:`~exsitu.assessment.PopulationNeed.pva` stores them, e.g. ``{"wild only": {"p_extinction": 0.42,
    "years": 100}}``), in which ``scenario`` (default: the first whose name says wild only / no ex situ / no
    collection / baseline) is used; a list of population needs (their ``pva`` figures are searched); or
    ``None`` (no projection: the statement says so). ``years`` overrides the horizon stored with the figures.
    """
    from exsitu.pva import PVAResult

    if pva is None:
        return BaselineEvaluation(scenario=scenario or "wild only", source=source, notes=notes)
    if isinstance(pva, (list, tuple)):  # population needs
        merged: dict[str, Any] = {}
        for need in pva:
            figures = getattr(need, "pva", None)
            if isinstance(figures, Mapping):
                merged.update({k: v for k, v in figures.items() if isinstance(v, (Mapping, PVAResult))})
        if not merged:
            return BaselineEvaluation(scenario=scenario or "wild only", source=source, notes=notes or
                                      "No wild-only PVA is recorded in Step 3.")
        pva = merged
    if isinstance(pva, PVAResult):
        summary = pva.summary()
        return BaselineEvaluation(
            scenario=scenario or "wild only", years=float(years if years is not None else pva.years),
            extinction_probability=summary["extinction_probability"],
            quasi_extinction_probability=summary["quasi_extinction_probability"],
            quasi_extinction_threshold=getattr(pva.parameters, "quasi_extinction_threshold", None),
            median_time_to_extinction=summary["median_time_to_extinction"], replicates=pva.replicates,
            source=source or "wild-only PVA (exsitu.pva)", notes=notes)
    if not isinstance(pva, Mapping):
        raise InvalidInputError("pva", f"expected a PVA result or its figures, got {type(pva).__name__}",
                                "pass exsitu.pva.run_pva(...) or a dict such as {'wild only': {...}}")
    if scenario is None:
        nested = [k for k, v in pva.items() if isinstance(v, (Mapping, PVAResult))]
        if nested:
            matches = [k for k in nested if any(w in str(k).lower() for w in _WILD_ONLY_WORDS)]
            if not matches:
                raise InvalidInputError("scenario", f"none of the scenarios {nested!r} says it is wild only",
                                        "name the wild-only scenario with scenario=...")
            scenario = matches[0]
    if scenario is not None and scenario in pva:
        chosen = pva[scenario]
    elif scenario is not None and any(isinstance(v, Mapping) for v in pva.values()):
        raise InvalidInputError("scenario", f"no scenario called {scenario!r}",
                                "use one of " + ", ".join(map(str, pva)))
    else:
        chosen = pva
    if isinstance(chosen, PVAResult):
        return evaluate_baseline(chosen, scenario=scenario, years=years, source=source, notes=notes)
    horizon = years if years is not None else _first(chosen, "years")
    return BaselineEvaluation(
        scenario=str(scenario or "wild only"), years=None if horizon is None else float(horizon),
        extinction_probability=_first(chosen, "extinction_probability", "p_extinction"),
        quasi_extinction_probability=_first(chosen, "quasi_extinction_probability", "p_quasi_extinction"),
        quasi_extinction_threshold=_first(chosen, "quasi_extinction_threshold"),
        median_time_to_extinction=_first(chosen, "median_time_to_extinction"),
        replicates=_first(chosen, "replicates"), source=source or "Step 3 PVA figures", notes=notes)


# -- tables and the optional aid -----------------------------------------------------------------------

def evaluation_table(evaluations: Iterable[OptionEvaluation], baseline: BaselineEvaluation | None = None) -> pd.DataFrame:
    """One row per option (the baseline first, if given): value, structure, gates, outcome, conditions, evidence."""
    rows = []
    if baseline is not None:
        rows.append({"option_id": BASELINE_ID, "option": "No ex situ action", "conservation_value": "—",
                     "structure": "—", "feasibility_gate": "—", "risk_gate": "—",
                     "outcome": "baseline (the risk of doing nothing)", "decided_by": "",
                     "conditions": "", "evidence_needed": "", "reason": baseline.statement()})
    for e in evaluations:
        rows.append({"option_id": e.option.id, "option": e.option.name, "conservation_value": e.conservation_value,
                     "structure": e.structure, "feasibility_gate": e.feasibility_gate.state,
                     "risk_gate": e.risk_gate.state, "outcome": e.outcome, "decided_by": e.decided_by,
                     "conditions": "; ".join(e.conditions), "evidence_needed": "; ".join(e.evidence_needed),
                     "reason": e.statement()})
    columns = ["option_id", "option", "conservation_value", "structure", "feasibility_gate", "risk_gate", "outcome",
               "decided_by", "conditions", "evidence_needed", "reason"]
    return pd.DataFrame(rows, columns=columns).set_index("option_id")


def aid_ranking(decision: Decision, evaluations: Iterable[OptionEvaluation]) -> pd.DataFrame:
    """The weighted-scoring ranking as an **optional aid** beside the Step 5 outcomes (:data:`AID_LABEL`).

    :meth:`Decision.ranking` plus ``outcome`` (from the evaluations; the baseline: 'baseline'; an option
    without an evaluation: 'not evaluated') and ``aid_rank``: the rank among options whose outcome retains
    them (:data:`RECOMMENDED`) only — an option the sequence does not recommend gets no aid rank, whatever its
    weighted score, so the aid can only order options the sequence already retains.
    """
    ranking = decision.ranking()
    outcomes = {e.option.id: e.outcome for e in evaluations}
    ranking["outcome"] = ["baseline" if i == BASELINE_ID else outcomes.get(i, "not evaluated") for i in ranking.index]
    eligible = ranking["outcome"].isin(RECOMMENDED)
    scores = ranking.loc[eligible, "weighted_score"].to_numpy()
    tol = decision._tolerance()
    ranks = 1 + (scores[None, :] > scores[:, None] + tol).sum(axis=1) if len(scores) else np.array([], dtype=int)
    ranking["aid_rank"] = pd.array([pd.NA] * len(ranking), dtype="Int64")
    ranking.loc[eligible, "aid_rank"] = ranks
    return ranking


def _verdict_text(evaluations: Sequence[OptionEvaluation], baseline: BaselineEvaluation | None) -> str:
    retained = [e for e in evaluations if e.outcome in RECOMMENDED]
    deferred = [e for e in evaluations if e.outcome == "deferred"]
    if retained:
        text = "Ex situ management is recommended: " + "; ".join(
            f"'{e.option.name}' ({e.outcome})" for e in retained) + "."
    elif deferred:
        text = ("No ex situ option is recommended yet: " + "; ".join(f"'{e.option.name}'" for e in deferred)
                + " deferred until the evidence named is available.")
    else:
        text = ("Ex situ management is not recommended: no option passes conservation value, structure and the "
                "feasibility and risk gates; the species' plan stays integrated without an ex situ component.")
    if baseline is not None:
        text += " Risk of doing nothing ex situ: " + baseline.statement()
    return text


def record_decision(evaluations: Iterable[OptionEvaluation], *, baseline: BaselineEvaluation | None = None,
                    decision: Decision | None = None, reasoning: str = "", dissent: Iterable[Any] = (),
                    notes: str = "", date: str | None = None, participants: Iterable[str] = ()) -> "DecisionRecord":
    """The Step 5 record: the outcome of every option, their conditions and deferral evidence, the risk of doing
    nothing (``baseline``), the group's reasoning, ``dissent`` (texts, :class:`Dissent` or dicts; named or
    anonymous), notes, date (default today) and participants. ``decision``: the optional weighted-scoring aid,
    kept for reference; it does not change any outcome. The options retained are those recommended (with or
    without conditions); none retained means "no ex situ action".
    """
    items = tuple(evaluations)
    summary = _verdict_text(items, baseline)
    if decision is not None:
        try:
            aid = aid_ranking(decision, items)
        except InvalidInputError as error:
            summary += f" Optional aid (weighted scoring): not computed ({error.problem})."
        else:
            first = aid[aid["aid_rank"] == 1]
            if len(first):
                summary += (" Optional aid (weighted scoring, does not decide the outcome): among the options "
                            "retained, " + _quoted_list(list(first["option"])) + " scores highest.")
    return DecisionRecord(decision=decision, evaluations=items, baseline=baseline, summary=summary,
                          reasoning=reasoning, dissent=_dissents(dissent), notes=notes,
                          date=_dt.date.today().isoformat() if date is None else date,
                          participants=tuple(participants))


# --------------------------------------------------------------------------------------------------
# Record
# --------------------------------------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class DecisionRecord:
    """The Step 5 record: each option's outcome, conditions and deferral evidence, the risk of doing nothing,
    what the group retained and why, dissent, date and participants.

    Made by :func:`record_decision` from the :class:`OptionEvaluation` of every option (``evaluations``) and the
    :class:`BaselineEvaluation` (``baseline``); ``decision`` is the optional weighted-scoring aid (or ``None``).
    With evaluations, ``chosen_option_ids`` are the options recommended (with or without conditions), or the
    baseline when none is — derived, never chosen against the outcomes. A record without evaluations (made by
    :meth:`Decision.record` alone, or saved by schema version 1) keeps the options chosen then and is flagged.
    ``summary`` is written when the decision is taken and stored as written (a record is a document of its day).
    ``dissent`` holds :class:`Dissent` (texts are accepted and stored as anonymous dissent).
    """

    decision: Decision | None = None
    chosen_option_ids: tuple[str, ...] = ()
    evaluations: tuple[OptionEvaluation, ...] = ()
    baseline: BaselineEvaluation | None = None
    summary: str = ""
    reasoning: str = ""
    dissent: tuple[Dissent, ...] = ()
    notes: str = ""
    date: str = ""
    participants: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        decision = self.decision
        if isinstance(decision, Mapping):
            with field_prefix("decision"):
                decision = Decision.from_dict(decision)
        if decision is not None and not isinstance(decision, Decision):
            raise InvalidInputError("decision", f"expected a Decision, got {decision!r}", "use exsitu.decision.Decision(...)")
        object.__setattr__(self, "decision", decision)
        evaluations = []
        for i, item in enumerate(self.evaluations or ()):
            with field_prefix(f"evaluations[{i}]"):
                evaluations.append(item if isinstance(item, OptionEvaluation) else OptionEvaluation.from_dict(item))
        ids = [e.option.id for e in evaluations]
        if len(set(ids)) != len(ids):
            raise InvalidInputError("evaluations", "an option is evaluated twice", "keep one evaluation per option")
        object.__setattr__(self, "evaluations", tuple(evaluations))
        baseline = self.baseline
        if isinstance(baseline, Mapping):
            with field_prefix("baseline"):
                baseline = BaselineEvaluation.from_dict(baseline)
        if baseline is not None and not isinstance(baseline, BaselineEvaluation):
            raise InvalidInputError("baseline", f"expected a BaselineEvaluation, got {baseline!r}",
                                    "use exsitu.decision.evaluate_baseline(...)")
        object.__setattr__(self, "baseline", baseline)

        given = require_texts(self.chosen_option_ids, "chosen_option_ids")
        if evaluations:
            derived = tuple(e.option.id for e in evaluations if e.outcome in RECOMMENDED) or (BASELINE_ID,)
            if given and set(given) != set(derived):
                raise InvalidInputError("chosen_option_ids", f"{list(given)!r} are not the options the evaluations "
                                        f"recommend ({list(derived)!r})",
                                        "the options retained follow from the outcomes; leave chosen_option_ids out")
            chosen = derived
        else:
            if decision is None:
                raise InvalidInputError("evaluations", "a decision record needs the evaluation of the options",
                                        "make it with record_decision([evaluate_option(...), ...])")
            chosen = given
            if not chosen:
                raise InvalidInputError("chosen_option_ids", "no option was chosen",
                                        f"name at least one option (the baseline {BASELINE_ID!r} if no ex situ action)")
            for i, option_id in enumerate(chosen):
                if option_id not in decision.option_ids:
                    raise InvalidInputError(f"chosen_option_ids[{i}]", f"no option called {option_id!r}",
                                            f"use one of {', '.join(decision.option_ids)}")
        if len(set(chosen)) != len(chosen):
            raise InvalidInputError("chosen_option_ids", "an option is chosen twice", "list each option once")
        if BASELINE_ID in chosen and len(chosen) > 1:
            raise InvalidInputError("chosen_option_ids", "'no ex situ action' cannot be chosen together with an ex situ option",
                                    "choose either the baseline or the ex situ option(s)")
        object.__setattr__(self, "chosen_option_ids", chosen)
        for name in ("summary", "reasoning", "notes"):
            object.__setattr__(self, name, _text(getattr(self, name), name))
        object.__setattr__(self, "dissent", _dissents(self.dissent))
        object.__setattr__(self, "participants", require_texts(self.participants, "participants"))
        object.__setattr__(self, "date", _iso_date(self.date, "date"))

    # -- outcomes ----------------------------------------------------------------------------------
    @property
    def outcomes(self) -> dict[str, str]:
        """Option id → outcome (:data:`OUTCOMES`); empty for a record without evaluations."""
        return {e.option.id: e.outcome for e in self.evaluations}

    @property
    def conditions(self) -> dict[str, tuple[str, ...]]:
        """Option id → the conditions of a 'recommended with conditions' outcome."""
        return {e.option.id: e.conditions for e in self.evaluations if e.outcome == "recommended with conditions"}

    @property
    def deferral_evidence(self) -> dict[str, tuple[str, ...]]:
        """Option id → the evidence that would change a 'deferred' outcome."""
        return {e.option.id: e.evidence_needed for e in self.evaluations if e.outcome == "deferred"}

    def evaluation(self, option_id: str) -> OptionEvaluation:
        """The evaluation of one option."""
        for e in self.evaluations:
            if e.option.id == option_id:
                return e
        raise InvalidInputError("option_id", f"no evaluated option called {option_id!r}",
                                "use one of " + ", ".join(e.option.id for e in self.evaluations))

    @property
    def verdict(self) -> str:
        """The decision in a sentence or two (recommended options, deferrals, or no ex situ role)."""
        if self.evaluations:
            return _verdict_text(self.evaluations, self.baseline)
        if not self.ex_situ_recommended:
            return "Ex situ management is not recommended (chosen: 'No ex situ action')."
        return "Ex situ management is recommended: " + _quoted_list([o.name for o in self.chosen_options]) + "."

    @property
    def chosen_options(self) -> list[Option]:
        if BASELINE_ID in self.chosen_option_ids:
            return [baseline_option()]
        if self.evaluations:
            by_id = {e.option.id: e.option for e in self.evaluations}
            return [by_id[i] for i in self.chosen_option_ids]
        return [self.decision.option(i) for i in self.chosen_option_ids]

    @property
    def roles_retained(self) -> tuple[str, ...]:
        """Role ids of the chosen options, each once, in order (empty for 'no ex situ action')."""
        seen: list[str] = []
        for option in self.chosen_options:
            seen.extend(r for r in option.role_ids if r not in seen)
        return tuple(seen)

    @property
    def ex_situ_recommended(self) -> bool:
        return BASELINE_ID not in self.chosen_option_ids

    @property
    def flags(self) -> tuple[str, ...]:
        """Transparency gaps worth showing next to the record."""
        out = []
        if not self.evaluations:
            out.append("recorded without the Step 5 evaluation (conservation value → structure → feasibility and "
                       "risk gates): the options were chosen from the weighted scoring alone")
        else:
            missing = [e.option.name for e in self.evaluations
                       if e.conservation_value != "unknown" and not e.value_rationale]
            if missing:
                out.append("conservation value without a rationale: " + ", ".join(missing))
            if self.baseline is None:
                out.append("the risk of doing nothing ex situ is not stated (no baseline evaluation)")
        if self.decision is not None:
            missing_scores = self.decision.missing_rationales()
            if missing_scores:
                out.append(f"{len(missing_scores)} score(s) of the optional aid without a rationale: "
                           + ", ".join(f"{o}/{c}" for o, c in missing_scores))
            if not self.evaluations:
                try:
                    leaders = self.decision.recommendation().leader_ids
                except InvalidInputError as error:
                    out.append(f"no ranking: {error}")
                else:
                    if set(leaders) != set(self.chosen_option_ids):
                        out.append("the chosen option(s) differ from the top of the ranking (see the group's reasoning)")
        return tuple(out)

    def to_dict(self) -> dict:
        return {"decision": None if self.decision is None else self.decision.to_dict(),
                "evaluations": [e.to_dict() for e in self.evaluations],
                "baseline": None if self.baseline is None else self.baseline.to_dict(),
                "chosen_option_ids": list(self.chosen_option_ids),
                "roles_retained": list(self.roles_retained), "ex_situ_recommended": self.ex_situ_recommended,
                "summary": self.summary, "reasoning": self.reasoning, "dissent": [d.to_dict() for d in self.dissent],
                "notes": self.notes, "date": self.date, "participants": list(self.participants)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "DecisionRecord":
        """Rebuild a record; the derived ``roles_retained`` / ``ex_situ_recommended`` are checked, not trusted."""
        _check_keys(data, cls, "record", extra=("roles_retained", "ex_situ_recommended"))
        if not data.get("evaluations") and ("decision" not in data or "chosen_option_ids" not in data):
            missing = "decision" if "decision" not in data else "chosen_option_ids"
            raise InvalidInputError(f"record.{missing}", "is missing", "pass the output of DecisionRecord.to_dict()")
        values = {k: v for k, v in data.items() if k not in ("roles_retained", "ex_situ_recommended")}
        record = cls(**values)
        if "roles_retained" in data and list(data["roles_retained"]) != list(record.roles_retained):
            raise InvalidInputError("record.roles_retained", f"{data['roles_retained']!r} does not match the chosen "
                                    f"options' roles {list(record.roles_retained)!r}", "fix chosen_option_ids or remove the field")
        if "ex_situ_recommended" in data and data["ex_situ_recommended"] != record.ex_situ_recommended:
            raise InvalidInputError("record.ex_situ_recommended", f"{data['ex_situ_recommended']!r} does not match the "
                                    "chosen options", "fix chosen_option_ids or remove the field")
        return record


# --------------------------------------------------------------------------------------------------
# Worked examples for the course (ILLUSTRATIVE, course-made scores — SYNTHETIC)
# --------------------------------------------------------------------------------------------------

_EXAMPLE_BY = "course example (illustrative, SYNTHETIC scores)"
_EXAMPLE_WEIGHTS = {"conservation_benefit": 0.4, "feasibility": 0.2, "risk": 0.2, "cost": 0.2}


def _example(title: str, description: str, options: list[Option],
             table: Mapping[str, Mapping[str, tuple[float, str]]]) -> Decision:
    decision = Decision(title=title, description=description, options=tuple(options)).with_weights(_EXAMPLE_WEIGHTS)
    scores = [Score(option_id=o, criterion_id=c, value=value, rationale=why, by=_EXAMPLE_BY)
              for o, row in table.items() for c, (value, why) in row.items()]
    return decision.with_scores(scores)


def _snake_example() -> Decision:
    options = [
        baseline_option(),
        Option(id="insurance_living", name="Insurance population — living individuals", role_ids=("insurance",),
               form="living", description="A managed ex situ population of the snake kept against extinction."),
        Option(id="reinforcement_living", name="Reinforcement — living individuals", role_ids=("reintroduction",),
               form="living", description="Breed snakes ex situ and release them to supplement wild populations."),
        Option(id="combination", name="Insurance population and reinforcement", role_ids=("insurance", "reintroduction"),
               form="living", description="Both: a managed population that also supplies releases."),
    ]
    no_role = "The threats (habitat loss, roads, persecution) act on the wild population and are not reduced by it"
    table = {
        BASELINE_ID: {
            "conservation_benefit": (0, "By definition the baseline adds nothing beyond in situ action; it is the "
                                        "yardstick the ex situ options are measured against."),
            "feasibility": (10, "Nothing to set up: in situ actions continue as planned."),
            "risk": (0, "Creates no new risk: no animals are removed from the wild and none are released. (The risk "
                        "of the species declining without ex situ help is judged under conservation benefit.)"),
            "cost": (0, "No ex situ cost."),
        },
        "insurance_living": {
            "conservation_benefit": (3, f"{no_role}; the wild population is not judged close to extinction, so an "
                                        "insurance population buys time the species does not yet need."),
            "feasibility": (6, "Snakes of this kind are kept and bred in zoos, but a managed population needs "
                               "space and long-term commitment across institutions."),
            "risk": (6, "Founders must be taken from a declining wild population; disease and adaptation to "
                        "captivity over many generations."),
            "cost": (7, "Decades of husbandry for a population large enough to keep gene diversity."),
        },
        "reinforcement_living": {
            "conservation_benefit": (4, f"{no_role}; released snakes would meet the same roads and habitat loss, "
                                        "so releases add individuals without removing the cause of decline."),
            "feasibility": (4, "Release methods and post-release monitoring would have to be developed; suitable "
                               "protected release sites are few."),
            "risk": (7, "Disease transmission to wild snakes at release; founders removed from the wild; public "
                        "concern about releasing snakes."),
            "cost": (8, "Breeding, release and years of monitoring."),
        },
        "combination": {
            "conservation_benefit": (5, "Adds insurance to releases, but neither removes the threats acting on the "
                                        "wild population."),
            "feasibility": (4, "Needs everything both options need at the same time."),
            "risk": (7, "The risks of both options (founder removal, disease at release, captivity effects)."),
            "cost": (9, "The cost of both options together."),
        },
    }
    return _example(
        "ILLUSTRATIVE: a Canadian snake species — ex situ population management not recommended",
        "ILLUSTRATIVE, course-made (SYNTHETIC) scores and weights for a hypothetical snake species, in the spirit "
        "of the 2021 Canadian snakes ICAP, where ex situ population management was not recommended for most "
        "species (case-studies.md, case 10). The species-level scores of that workshop were not available; none "
        "of these numbers come from it. Education, training and research with snakes already held (prioritised "
        "for almost all species in that ICAP) are outside this example, which compares population management "
        "options only.", options, table)


def _frog_example() -> Decision:
    options = [
        baseline_option(),
        Option(id="insurance_living", name="Insurance population — living individuals", role_ids=("insurance",),
               form="living", description="Assurance colonies of the frog in facilities kept free of chytrid."),
        Option(id="biobank_bio_samples", name="Biobank — bio-samples", role_ids=("biobank",), form="bio-samples",
               description="Cryopreserved sperm and tissues kept for future use."),
        Option(id="reintroduction_living", name="Reintroduction — living individuals", role_ids=("reintroduction",),
               form="living", description="Breed frogs ex situ and release them to the wild."),
        Option(id="combination", name="Insurance population and biobank", role_ids=("insurance", "biobank"),
               form="living+bio-samples", description="Assurance colonies plus a biobank."),
    ]
    bd = "chytridiomycosis (Bd) cannot be controlled in the wild"
    table = {
        BASELINE_ID: {
            "conservation_benefit": (0, "By definition the baseline adds nothing beyond in situ action; with "
                                        f"{bd}, in situ action alone may not prevent extinction."),
            "feasibility": (10, "Nothing to set up."),
            "risk": (0, "Creates no new risk (the risk of losing the species is judged under conservation benefit)."),
            "cost": (0, "No ex situ cost."),
        },
        "insurance_living": {
            "conservation_benefit": (9, f"Insurance is the role that fits when {bd}: it keeps the species alive "
                                        "and keeps future options open (case-studies.md, case 9)."),
            "feasibility": (7, "Frogs of this genus can be kept and bred ex situ; institutions able to hold "
                               "them exist, but biosecure rooms are needed."),
            "risk": (3, "Collecting founders removes few animals from a population Bd is already destroying; "
                        "captive disease outbreaks are manageable with biosecurity."),
            "cost": (6, "Long-term husbandry at several institutions."),
        },
        "biobank_bio_samples": {
            "conservation_benefit": (4, "Keeps genetic material, but cannot by itself keep a living population; "
                                        "useful later for genetic management."),
            "feasibility": (4, "Cryopreservation methods for this species would need to be developed and tested."),
            "risk": (2, "Sampling is low-impact; the main risk is that stored samples cannot be used later."),
            "cost": (4, "Collection and long-term storage in liquid nitrogen."),
        },
        "reintroduction_living": {
            "conservation_benefit": (2, f"Released frogs would die while {bd}; reintroduction is blocked while Bd "
                                        "persists (case-studies.md, case 9)."),
            "feasibility": (2, "No release site is free of Bd."),
            "risk": (8, "Released animals would be lost to disease; wasted founders and loss of support."),
            "cost": (7, "Breeding plus releases and monitoring."),
        },
        "combination": {
            "conservation_benefit": (10, "Insurance plus stored genetic material: the most complete protection."),
            "feasibility": (5, "Both programmes at once, including an untested cryopreservation method."),
            "risk": (4, "The risks of both options."),
            "cost": (8, "The cost of both options together."),
        },
    }
    return _example(
        "ILLUSTRATIVE: an amphibian threatened by chytrid — an insurance population wins",
        "ILLUSTRATIVE, course-made (SYNTHETIC) scores and weights for a frog in the situation of the Panamanian "
        "golden frog (case-studies.md, case 9: chytrid cannot be controlled in the wild, reintroduction blocked "
        "while Bd persists). Not the scores of any real workshop.", options, table)


def example_decisions() -> dict[str, Decision]:
    """Two worked Step 5 examples for the course, every score's rationale written out.

    ``'snake_not_recommended'``: the baseline "no ex situ action" ranks first (cf. case 10, Canadian
    snakes); ``'frog_insurance'``: an insurance population ranks first (cf. case 9). **All scores and
    weights are illustrative and course-made (SYNTHETIC)**; weights 0.4 benefit, 0.2 feasibility, 0.2 risk,
    0.2 cost.
    """
    return {"snake_not_recommended": _snake_example(), "frog_insurance": _frog_example()}


def example_decision(name: str) -> Decision:
    """One of :func:`example_decisions` by name."""
    examples = example_decisions()
    require_choice(name, "name", examples)
    return examples[name]
