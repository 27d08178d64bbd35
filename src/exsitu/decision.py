"""Step 5 of an ECA: an informed and transparent decision, made explicit as a multi-criteria analysis.

Step 5 asks the group to make an informed and transparent decision on which ex situ roles or activities,
if any, to retain in the species' overall conservation strategy (CPSG wording, lightly paraphrased
[CPSG-ECA]), weighing whether the expected conservation benefit outweighs costs and risks, relative to the
alternatives (eca-process.md §2).
The outcome may be **no ex situ role** — an integrated plan stays integrated when ex situ actions are
judged unnecessary (CPSG via iucn-csg.org, citing Byers et al. 2013) — and the 2021 Canadian snakes ICAP
did not recommend ex situ population management for most species (case-studies.md, case 10).

This module writes that judgement down as a weighted-sum multi-criteria decision analysis:

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

The final record (:class:`DecisionRecord`, from :meth:`Decision.record`) keeps the chosen option(s), the
roles retained, an auto-generated summary and the group's own reasoning, dissent, notes, date and
participants. :func:`example_decisions` gives two worked examples for the course with **illustrative,
course-made (SYNTHETIC) scores**: one where ex situ management is not recommended and one where an
insurance population wins.
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
    def record(self, chosen: str | Iterable[str] | None = None, reasoning: str = "", dissent: Iterable[str] = (),
               notes: str = "", date: str | None = None, participants: Iterable[str] = ()) -> "DecisionRecord":
        """The final, transparent record of the decision.

        ``chosen``: the option id(s) the group retains; defaults to the top option (a tie must be resolved
        by naming the option(s) and giving ``reasoning``). Choosing other than the top option also needs
        ``reasoning``. ``date`` defaults to today (YYYY-MM-DD). The auto-generated summary states the
        recommendation, the sensitivity and any missing rationales.
        """
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
                              dissent=tuple(dissent), notes=notes,
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
# Record
# --------------------------------------------------------------------------------------------------

@dataclass(frozen=True, kw_only=True)
class DecisionRecord:
    """The Step 5 record: the analysis, what the group chose and why, dissent, date and participants.

    ``summary`` is generated by :meth:`Decision.record` when the decision is taken and stored as written
    (a record is a document of its day). ``roles_retained`` and ``ex_situ_recommended`` follow from the
    chosen options; ``flags`` lists transparency gaps (missing rationales, a choice other than the top).
    """

    decision: Decision
    chosen_option_ids: tuple[str, ...]
    summary: str = ""
    reasoning: str = ""
    dissent: tuple[str, ...] = ()
    notes: str = ""
    date: str = ""
    participants: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        decision = self.decision
        if isinstance(decision, Mapping):
            with field_prefix("decision"):
                decision = Decision.from_dict(decision)
        if not isinstance(decision, Decision):
            raise InvalidInputError("decision", f"expected a Decision, got {decision!r}", "use exsitu.decision.Decision(...)")
        object.__setattr__(self, "decision", decision)
        chosen = require_texts(self.chosen_option_ids, "chosen_option_ids")
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
        object.__setattr__(self, "dissent", require_texts(self.dissent, "dissent"))
        object.__setattr__(self, "participants", require_texts(self.participants, "participants"))
        object.__setattr__(self, "date", _iso_date(self.date, "date"))

    @property
    def chosen_options(self) -> list[Option]:
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
        missing = self.decision.missing_rationales()
        if missing:
            out.append(f"{len(missing)} score(s) without a rationale: " + ", ".join(f"{o}/{c}" for o, c in missing))
        try:
            leaders = self.decision.recommendation().leader_ids
        except InvalidInputError as error:
            out.append(f"no ranking: {error}")
        else:
            if set(leaders) != set(self.chosen_option_ids):
                out.append("the chosen option(s) differ from the top of the ranking (see the group's reasoning)")
        return tuple(out)

    def to_dict(self) -> dict:
        return {"decision": self.decision.to_dict(), "chosen_option_ids": list(self.chosen_option_ids),
                "roles_retained": list(self.roles_retained), "ex_situ_recommended": self.ex_situ_recommended,
                "summary": self.summary, "reasoning": self.reasoning, "dissent": list(self.dissent),
                "notes": self.notes, "date": self.date, "participants": list(self.participants)}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "DecisionRecord":
        """Rebuild a record; the derived ``roles_retained`` / ``ex_situ_recommended`` are checked, not trusted."""
        _check_keys(data, cls, "record", extra=("roles_retained", "ex_situ_recommended"))
        for key in ("decision", "chosen_option_ids"):
            if key not in data:
                raise InvalidInputError(f"record.{key}", "is missing", "pass the output of DecisionRecord.to_dict()")
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
