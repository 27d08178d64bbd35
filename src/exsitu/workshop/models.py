"""What the workshop store holds and returns: plain frozen records, the fixed vocabularies, the errors.

Nothing here touches the database; :mod:`exsitu.workshop.store` fills these records.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from exsitu.assessment import Assessment
from exsitu.validation import InvalidInputError

PERSPECTIVES: tuple[str, ...] = ("in situ", "ex situ", "authority", "community", "other")
"""The perspective a participant brings (issue 11): in situ or ex situ expertise, a range-state authority, a
community, or another."""

VOTES: tuple[str, ...] = ("recommend", "recommend with conditions", "not recommended", "defer")
"""A participant's vote on an ex situ recommendation (Step 5's judgement)."""

NO_VOTE = ""
"""The vote of a judgement on a rating of Steps 2–4, which asks for scores and a reason only: the overall vote
on ex situ management belongs to Step 5 (a participant may still give one of :data:`VOTES` there)."""

CONFIDENCES: tuple[str, ...] = ("low", "medium", "high")
"""Suggested confidence labels for a judgement. The store accepts any short text (≤ 200 characters), so a
workshop may instead use the IDEA protocol's percentage confidence (e.g. "70%")."""


class AccessDenied(PermissionError):
    """A join code, facilitator key, group, participant or solo id that does not open anything.

    ``str(error)`` is a sentence fit to show on the page as it is (it never says which part was right).
    """


class StaleVersionError(RuntimeError):
    """A save based on a version that is no longer the current one: nothing was written.

    ``current_version`` and ``current_assessment`` are what is stored now; ``yours`` is the assessment the
    caller tried to save and ``base_version`` the version it was based on — so the page can show what
    changed (:func:`exsitu.workshop.diff_assessments`) and merge (:func:`exsitu.workshop.merge_assessments`)
    or keep the caller's as a copy.
    """

    def __init__(self, current_version: int, current_assessment: Assessment, yours: Assessment,
                 base_version: int | None = None) -> None:
        self.current_version = current_version
        self.current_assessment = current_assessment
        self.yours = yours
        self.base_version = base_version
        super().__init__(f"This assessment was saved by someone else in the meantime (now version "
                         f"{current_version}; your edit was based on version {base_version}). Nothing was "
                         "overwritten: look at what changed, then merge or keep yours as a copy.")


@dataclass(frozen=True)
class Workshop:
    """A workshop. ``join_code`` admits participants; ``facilitator_key`` (long, secret) admits the facilitator.

    ``facilitator_key`` is "" wherever the caller did not already hold it (e.g. :meth:`WorkshopStore.workshop_by_code`).
    """

    id: str
    title: str
    taxon: str
    date: str
    join_code: str
    facilitator_key: str = ""
    created_at: str = ""


@dataclass(frozen=True)
class Group:
    """A working group of a workshop; it owns one assessment."""

    id: str
    workshop_id: str
    name: str


@dataclass(frozen=True)
class Participant:
    """Someone who joined a group with the join code (no password): name, affiliation, perspective."""

    id: str
    workshop_id: str
    group_id: str
    display_name: str
    affiliation: str
    perspective: str
    joined_at: str = ""


@dataclass(frozen=True)
class Judgement:
    """One participant's judgement on a topic (e.g. ``"step5"``).

    ``scores[option_id][criterion_id]`` on the decision's scale, ``weights[criterion_id]`` (relative, ≥ 0),
    a vote from :data:`VOTES`, a confidence and a written reason. ``current`` is False for a judgement the
    participant has since replaced (kept in history).
    """

    id: str
    workshop_id: str
    group_id: str
    participant_id: str
    display_name: str
    topic: str
    scores: dict[str, dict[str, float]]
    weights: dict[str, float]
    vote: str
    confidence: str
    reason: str
    submitted_at: str = ""
    perspective: str = ""
    current: bool = True

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "workshop_id": self.workshop_id, "group_id": self.group_id,
                "participant_id": self.participant_id, "display_name": self.display_name, "topic": self.topic,
                "scores": {o: dict(c) for o, c in self.scores.items()}, "weights": dict(self.weights),
                "vote": self.vote, "confidence": self.confidence, "reason": self.reason,
                "submitted_at": self.submitted_at, "perspective": self.perspective, "current": self.current}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Judgement":
        return cls(**data)


TOPIC_STEPS: tuple[int, ...] = (2, 3, 4)
"""The steps whose ratings a facilitator can open to the room (Step 5's judgements, topic ``"step5"``, are always open)."""

DIRECTIONS: tuple[str, ...] = ("benefit", "cost")
"""A criterion's direction, as in :class:`exsitu.decision.Criterion`: a higher score is better, or worse."""


@dataclass(frozen=True)
class Topic:
    """A rating the facilitator opened to the room: participants score ``options`` × ``criteria`` on it.

    ``name`` is the judgements' topic (e.g. ``"step2-roles"``); ``step`` 2, 3 or 4; ``options`` and
    ``criteria`` are ``{"id", "name"}`` dicts (criteria also ``"direction"``: ``"benefit"`` or ``"cost"``);
    scores lie on ``score_min``–``score_max``. ``group_id`` None: open to every group of the workshop.
    ``closed_at`` "" while open.
    """

    id: str
    workshop_id: str
    group_id: str | None
    name: str
    step: int
    options: tuple[dict, ...]
    criteria: tuple[dict, ...]
    score_min: float = 0.0
    score_max: float = 10.0
    opened_at: str = ""
    closed_at: str = ""

    @property
    def is_open(self) -> bool:
        return not self.closed_at

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "workshop_id": self.workshop_id, "group_id": self.group_id, "name": self.name,
                "step": self.step, "options": [dict(o) for o in self.options],
                "criteria": [dict(c) for c in self.criteria], "score_min": self.score_min,
                "score_max": self.score_max, "opened_at": self.opened_at, "closed_at": self.closed_at}


@dataclass(frozen=True)
class Dissent:
    """A dissenting view recorded with the decision: by name (``participant_id``) or anonymous (``None``)."""

    text: str
    participant_id: str | None = None
    display_name: str = "anonymous"

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "participant_id": self.participant_id, "display_name": self.display_name}


@dataclass(frozen=True)
class DecisionEntry:
    """A group's recorded decision: outcome, rationale, dissent, who recorded it and when."""

    outcome: str
    rationale: str
    dissent: tuple[Dissent, ...]
    recorded_by: str
    recorded_at: str


@dataclass(frozen=True)
class VersionInfo:
    """One saved version of an assessment: who saved it, when (ISO 8601, UTC), why, and which paths changed."""

    version: int
    author: str
    saved_at: str
    summary: str
    changed_paths: tuple[str, ...] = ()


@dataclass(frozen=True)
class GroupProgress:
    """A group as the facilitator's overview shows it."""

    group_id: str
    name: str
    version: int
    saved_at: str
    steps_done: dict[int, bool]
    participants: int
    judgements: dict[str, int] = field(default_factory=dict)  # topic -> current judgements


@dataclass(frozen=True)
class Change:
    """One difference between two assessments: the path (``"roles"``, ``"decision_record.reasoning"``) and both values."""

    path: str
    before: Any
    after: Any


@dataclass(frozen=True)
class Conflict:
    """A path both sides of a merge changed differently: the common base, mine and theirs."""

    path: str
    base: Any
    mine: Any
    theirs: Any


__all__ = ["PERSPECTIVES", "VOTES", "NO_VOTE", "CONFIDENCES", "TOPIC_STEPS", "DIRECTIONS", "Topic", "AccessDenied", "StaleVersionError", "InvalidInputError",
           "Workshop", "Group", "Participant", "Judgement", "Dissent", "DecisionEntry", "VersionInfo",
           "GroupProgress", "Change", "Conflict"]
