"""Small, pure helpers for facilitating an ECA workshop (lesson 07): who is in the room, the agenda, and
how the group's judgements are combined.

* **Participant map** — :data:`PERSPECTIVES` names the perspectives an ECA needs in the room and what each
  brings; :func:`participant_map` counts a list of invitees by perspective and :func:`missing_perspectives`
  names the essential ones nobody covers. The perspectives follow CPSG's inclusivity principle ("people
  with relevant knowledge, those who direct conservation action, and those who are affected by that
  action", CPSG *Principles*) and the IUCN/SSC (2008) handbook's definition of a stakeholder by concern,
  expertise and power (Box 4.1); the ECA itself is a workshop of field-based (in situ) and ex situ experts
  (CPSG, *Ex situ Conservation Assessment*). The first four names are those of the workbench's workshop
  mode (``exsitu.workshop.PERSPECTIVES``: in situ, ex situ, authority, community); funders are added here.
* **Agenda** — :func:`agenda` lays out a 1-, 2- or 3-day workshop (plenary and working-group sessions in the
  order of the five steps) and :func:`agenda_problems` checks an agenda against the rules the lesson
  teaches. Session lengths are the course's suggestion, not a CPSG standard.
* **Judgements** — :func:`summarise_judgements` gives, per option and criterion, the median and
  inter-quartile range (IQR) of the participants' scores, the course's aggregation: the median is not
  pulled by one extreme score, and the IQR shows how far the group agrees (show the spread, never only
  the mean, as the IDEA protocol asks: Hemming et al. 2018). Quartiles are linear interpolation between
  order statistics (numpy's default, Hyndman & Fan type 7). :func:`vote_tally` counts the votes.
  The workshop store's ``exsitu.workshop.aggregate_judgements`` does the same for judgements stored there;
  these functions work on plain tables for the lesson and the exercises.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from exsitu.validation import InvalidInputError

__all__ = ["ESSENTIAL_PERSPECTIVES", "PERSPECTIVES", "SESSION_FORMATS", "VOTES", "Session", "agenda",
           "agenda_problems", "agenda_table", "missing_perspectives", "most_disagreement", "participant_map",
           "summarise_judgements", "vote_tally"]

PERSPECTIVES: dict[str, str] = {
    "in situ": "Field biologists and managers of the wild population: status, trends, threats, what in situ "
               "action can and cannot do, where founders could come from.",
    "ex situ": "Zoo, aquarium, botanic garden, seed bank or biobank specialists: husbandry or propagation, "
               "population management (studbooks, PMx), facilities and their limits.",
    "authority": "Range-state wildlife or plant authorities: the legal mandate, permits to collect, export "
                 "or release, national plans; they can adopt or block a recommendation.",
    "community": "Indigenous and local knowledge holders and communities who live with the species: knowledge "
                 "of its history and ecology, cultural values, consent for taking or returning animals or "
                 "plants, and the people most affected by the decision.",
    "funder": "Those who would pay for the programme over its whole duration: whether the money can last as "
              "long as the role.",
    "other": "Anyone else the decision needs: geneticists and modellers (PVA), veterinarians and disease "
             "specialists, social scientists, educators.",
}
"""Perspective → what it brings to an ECA workshop."""

ESSENTIAL_PERSPECTIVES: tuple[str, ...] = ("in situ", "ex situ", "authority", "community", "funder")
"""Perspectives lesson 07 asks a facilitator to have in the room (or to consult, and say so)."""

VOTES: tuple[str, ...] = ("recommend", "recommend with conditions", "not recommended", "defer")
"""The votes of the workshop mode (the outcomes of Step 5)."""

SESSION_FORMATS: tuple[str, ...] = ("plenary", "working groups", "individual", "break")
"""How a session is run: the whole room, groups in parallel, each person alone (private estimates), or a break."""

_ALIASES = {"in-situ": "in situ", "insitu": "in situ", "field": "in situ", "ex-situ": "ex situ", "exsitu": "ex situ",
            "zoo": "ex situ", "government": "authority", "range-state authority": "authority",
            "range state authority": "authority", "indigenous": "community", "local": "community",
            "local community": "community", "indigenous and local knowledge": "community", "funders": "funder",
            "donor": "funder"}


def _perspective(value: Any, field_name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InvalidInputError(field_name, f"expected a perspective, got {value!r}",
                                "use one of " + ", ".join(PERSPECTIVES))
    key = value.strip().lower()
    key = _ALIASES.get(key, key)
    if key not in PERSPECTIVES:
        raise InvalidInputError(field_name, f"{value!r} is not a perspective", "use one of " + ", ".join(PERSPECTIVES))
    return key


def _people(participants: Any) -> list[tuple[str, list[str]]]:
    """(name, perspectives) per participant; one person may bring several perspectives."""
    if isinstance(participants, pd.DataFrame):
        participants = participants.to_dict("records")
    if isinstance(participants, Mapping):  # name -> perspective(s)
        participants = [{"name": k, "perspective": v} for k, v in participants.items()]
    if isinstance(participants, (str, bytes)) or not isinstance(participants, Iterable):
        raise InvalidInputError("participants", f"expected a list of participants, got {type(participants).__name__}",
                                "give a list of {'name': ..., 'perspective': ...} or a dict name -> perspective")
    out = []
    for i, person in enumerate(participants):
        if isinstance(person, Mapping):
            name, given = person.get("name", f"participant {i + 1}"), person.get("perspective")
        elif isinstance(person, (tuple, list)) and len(person) == 2:
            name, given = person
        elif hasattr(person, "perspective"):
            name, given = getattr(person, "display_name", getattr(person, "name", f"participant {i + 1}")), \
                person.perspective
        else:
            raise InvalidInputError(f"participants[{i}]", f"expected a name and a perspective, got {person!r}",
                                    "write it as {'name': 'A. Ortiz', 'perspective': 'in situ'}")
        given = [given] if isinstance(given, str) else list(given or [])
        if not given:
            raise InvalidInputError(f"participants[{i}].perspective", "is missing",
                                    "use one of " + ", ".join(PERSPECTIVES))
        out.append((str(name), [_perspective(p, f"participants[{i}].perspective") for p in given]))
    return out


def participant_map(participants: Any) -> pd.DataFrame:
    """One row per perspective: how many invitees bring it, who, and what the perspective brings.

    ``participants``: a list of ``{"name", "perspective"}`` dicts (``perspective`` may be a list), of
    ``(name, perspective)`` pairs, of workshop-store participants, or a dict name → perspective(s).
    """
    people = _people(participants)
    rows = []
    for perspective, brings in PERSPECTIVES.items():
        names = [name for name, given in people if perspective in given]
        rows.append({"perspective": perspective, "essential": perspective in ESSENTIAL_PERSPECTIVES,
                     "count": len(names), "who": ", ".join(names), "brings": brings})
    return pd.DataFrame(rows).set_index("perspective")


def missing_perspectives(participants: Any, required: Sequence[str] = ESSENTIAL_PERSPECTIVES) -> list[str]:
    """The required perspectives (in the order of ``required``) that no participant brings."""
    wanted = [_perspective(p, "required") for p in required]
    present = {p for _, given in _people(participants) for p in given}
    return [p for p in wanted if p not in present]


# --------------------------------------------------------------------------------------------------
# Agenda
# --------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Session:
    """One agenda item: day (1–3), title, minutes, format (:data:`SESSION_FORMATS`) and ECA step (0 = none)."""

    day: int
    title: str
    minutes: int
    format: str = "plenary"
    step: int = 0

    def __post_init__(self) -> None:
        if isinstance(self.day, bool) or not isinstance(self.day, int) or not 1 <= self.day <= 3:
            raise InvalidInputError("day", f"expected day 1, 2 or 3, got {self.day!r}", "an ECA workshop lasts 1–3 days")
        if not isinstance(self.title, str) or not self.title.strip():
            raise InvalidInputError("title", "a session needs a title", "say what the session does")
        if isinstance(self.minutes, bool) or not isinstance(self.minutes, int) or not 5 <= self.minutes <= 240:
            raise InvalidInputError("minutes", f"expected 5–240 minutes, got {self.minutes!r}",
                                    "split a longer session in two")
        if self.format not in SESSION_FORMATS:
            raise InvalidInputError("format", f"{self.format!r} is not a session format",
                                    "use one of " + ", ".join(SESSION_FORMATS))
        if isinstance(self.step, bool) or not isinstance(self.step, int) or not 0 <= self.step <= 5:
            raise InvalidInputError("step", f"expected an ECA step 1–5 (or 0), got {self.step!r}", "use 0 for none")


_OPENING = [Session(1, "Welcome, purpose, ground rules; the facilitator's neutral role", 30),
            Session(1, "Introductions: who brings which perspective", 30)]
_CLOSING = ("Agree the workshop report outline, who writes what, next steps", 30)

_TEMPLATES: dict[int, list[tuple[int, str, int, str, int]]] = {
    1: [(1, "Step 1 status review: briefing book, corrections, open questions", 45, "plenary", 1),
        (1, "Break", 15, "break", 0),
        (1, "Step 2 roles: which threat each role answers", 50, "working groups", 2),
        (1, "Step 3 the population or collection each role needs", 40, "working groups", 3),
        (1, "Lunch", 45, "break", 0),
        (1, "Step 4 resources, feasibility and risks", 40, "working groups", 4),
        (1, "Working groups report back: roles, sizes, what blocks each option", 30, "plenary", 4),
        (1, "Step 5 first private judgements (scores, vote, reason)", 15, "individual", 5),
        (1, "Step 5 discuss the distribution: where we disagree and why", 45, "plenary", 5),
        (1, "Step 5 second private judgements", 15, "individual", 5),
        (1, "Step 5 decision, conditions and dissent recorded", 40, "plenary", 5)],
    2: [(1, "Step 1 status review: briefing book, corrections, open questions", 90, "plenary", 1),
        (1, "Break", 15, "break", 0),
        (1, "Step 1 threat analysis in working groups", 75, "working groups", 1),
        (1, "Lunch", 60, "break", 0),
        (1, "Step 2 roles: which threat each role answers", 90, "working groups", 2),
        (1, "Roles: groups report back, roles accepted or rejected with reasons", 45, "plenary", 2),
        (2, "Recap of day 1; open questions resolved overnight", 30, "plenary", 0),
        (2, "Step 3 the population or collection each role needs", 75, "working groups", 3),
        (2, "Step 4 resources, feasibility and risks", 75, "working groups", 4),
        (2, "Lunch", 60, "break", 0),
        (2, "Steps 3–4 report back", 45, "plenary", 4),
        (2, "Step 5 first private judgements (scores, vote, reason)", 20, "individual", 5),
        (2, "Step 5 discuss the distribution: where we disagree and why", 60, "plenary", 5),
        (2, "Step 5 second private judgements", 15, "individual", 5),
        (2, "Step 5 decision, conditions and dissent recorded", 45, "plenary", 5)],
    3: [(1, "Step 1 status review: briefing book, corrections, open questions", 90, "plenary", 1),
        (1, "Break", 15, "break", 0),
        (1, "Step 1 threat analysis in working groups", 90, "working groups", 1),
        (1, "Lunch", 60, "break", 0),
        (1, "Step 1 report back; knowledge gaps listed", 60, "plenary", 1),
        (2, "Recap of day 1", 30, "plenary", 0),
        (2, "Step 2 roles: which threat each role answers", 90, "working groups", 2),
        (2, "Roles: report back, accepted or rejected with reasons", 60, "plenary", 2),
        (2, "Lunch", 60, "break", 0),
        (2, "Step 3 the population or collection each role needs (PVA, genetics)", 120, "working groups", 3),
        (3, "Recap of day 2", 30, "plenary", 0),
        (3, "Step 4 resources, feasibility and risks", 120, "working groups", 4),
        (3, "Step 4 report back: what blocks each option, on which conditions", 45, "plenary", 4),
        (3, "Lunch", 60, "break", 0),
        (3, "Step 5 first private judgements (scores, vote, reason)", 20, "individual", 5),
        (3, "Step 5 discuss the distribution: where we disagree and why", 60, "plenary", 5),
        (3, "Step 5 second private judgements", 15, "individual", 5),
        (3, "Step 5 decision, conditions and dissent recorded", 60, "plenary", 5)],
}


def agenda(days: int = 2) -> pd.DataFrame:
    """A suggested agenda for a ``days``-day (1–3) ECA workshop: day, start (hh:mm from 09:00), minutes,
    session, format and step. Steps come in order; working groups report back in plenary; Step 5 has a
    private first judgement, a discussion of the spread, a second private judgement and a recorded decision
    with dissent (after the IDEA protocol's estimate–discuss–estimate sequence, Hemming et al. 2018).
    """
    if isinstance(days, bool) or days not in _TEMPLATES:
        raise InvalidInputError("days", f"expected 1, 2 or 3 days, got {days!r}",
                                "an ECA workshop usually lasts one to three days")
    sessions = list(_OPENING)
    sessions += [Session(*row) for row in _TEMPLATES[days]]
    sessions += [Session(days, *_CLOSING)]
    return agenda_table(sessions)


def agenda_table(sessions: Iterable[Session]) -> pd.DataFrame:
    """The sessions as a table with each one's start time (each day starts at 09:00)."""
    rows, clock = [], {}
    for i, session in enumerate(sessions):
        if not isinstance(session, Session):
            raise InvalidInputError(f"sessions[{i}]", f"expected a Session, got {session!r}",
                                    "make it with Session(day, title, minutes, format, step)")
        start = clock.get(session.day, 9 * 60)
        clock[session.day] = start + session.minutes
        rows.append({"day": session.day, "start": f"{start // 60:02d}:{start % 60:02d}", "minutes": session.minutes,
                     "session": session.title, "format": session.format, "step": session.step})
    return pd.DataFrame(rows)


def agenda_problems(sessions: Iterable[Session], max_minutes_per_day: int = 8 * 60) -> list[str]:
    """What is wrong with an agenda, in words (empty list: sound). The rules lesson 07 teaches:

    every step 1–5 has time; steps are taken in order (a step's first session comes after the previous
    step's first session); Step 5 has a private (individual) judgement before its plenary discussion and
    ends in plenary (the decision is the whole group's); working groups report back in a plenary; no day
    runs over ``max_minutes_per_day`` (8 hours, breaks included) and no day exceeds 3.
    """
    items = list(sessions)
    for i, session in enumerate(items):
        if not isinstance(session, Session):
            raise InvalidInputError(f"sessions[{i}]", f"expected a Session, got {session!r}",
                                    "make it with Session(day, title, minutes, format, step)")
    problems: list[str] = []
    order = sorted(range(len(items)), key=lambda i: (items[i].day, i))
    items = [items[i] for i in order]
    first = {}
    for position, session in enumerate(items):
        if session.step and session.step not in first:
            first[session.step] = position
    for step in range(1, 6):
        if step not in first:
            problems.append(f"Step {step} has no session.")
    present = sorted(first, key=first.get)
    if present != sorted(present):
        problems.append("The steps are not in order: " + " → ".join(str(s) for s in present) + ".")
    step5 = [(k, s) for k, s in enumerate(items) if s.step == 5]
    if step5:
        private = [k for k, s in step5 if s.format == "individual"]
        discussion = [k for k, s in step5 if s.format == "plenary"]
        if not private:
            problems.append("Step 5 has no private (individual) judgement: people hear the loudest voice first.")
        elif discussion and min(private) > min(discussion):
            problems.append("Step 5 discusses in plenary before anyone has judged privately.")
        if step5[-1][1].format != "plenary":
            problems.append("Step 5 does not end in plenary: the decision and any dissent are the whole group's.")
    for k, session in enumerate(items):
        if session.format == "working groups":
            later = [s for s in items[k + 1:] if s.format == "plenary"]
            if not later:
                problems.append(f"Working groups on '{session.title}' never report back in plenary.")
    for day in sorted({s.day for s in items}):
        total = sum(s.minutes for s in items if s.day == day)
        if total > max_minutes_per_day:
            problems.append(f"Day {day} runs {total} minutes, more than {max_minutes_per_day}.")
    return problems


# --------------------------------------------------------------------------------------------------
# Judgements
# --------------------------------------------------------------------------------------------------

_JUDGEMENT_COLUMNS = ("participant", "option", "criterion", "score")


def _judgement_frame(judgements: Any) -> pd.DataFrame:
    frame = judgements if isinstance(judgements, pd.DataFrame) else pd.DataFrame(list(judgements))
    missing = [c for c in _JUDGEMENT_COLUMNS if c not in frame.columns]
    if missing:
        raise InvalidInputError(missing[0], "is missing from the judgements",
                                "give one row per participant, option and criterion: "
                                + ", ".join(_JUDGEMENT_COLUMNS))
    frame = frame[list(_JUDGEMENT_COLUMNS)].copy()
    scores = pd.to_numeric(frame["score"], errors="coerce")
    bad = frame.index[scores.isna() | ~np.isfinite(scores.fillna(0))]
    if len(bad):
        raise InvalidInputError("score", f"row {bad[0]}: {frame.loc[bad[0], 'score']!r} is not a number",
                                "give every score as a number on the agreed scale")
    frame["score"] = scores.astype(float)
    duplicated = frame.duplicated(["participant", "option", "criterion"], keep=False)
    if duplicated.any():
        row = frame[duplicated].iloc[0]
        raise InvalidInputError("participant", f"{row['participant']!r} scored {row['option']!r} on "
                                f"{row['criterion']!r} twice", "keep each participant's latest score only")
    return frame


def summarise_judgements(judgements: Any) -> pd.DataFrame:
    """Median and inter-quartile range of the participants' scores, per option and criterion.

    ``judgements``: rows (dicts or a DataFrame) with ``participant``, ``option``, ``criterion`` and
    ``score``. Returns a table indexed by (option, criterion) with ``n``, ``median``, ``q1``, ``q3``,
    ``iqr`` (= q3 − q1: the group's disagreement), ``min`` and ``max``, in the order the pairs first appear.
    Quartiles: linear interpolation (numpy's default). The median is the group's answer; the IQR how far it
    agrees. The numbers are those of the workshop store's :func:`exsitu.workshop.aggregate_judgements`
    (one row per participant here, one judgement per participant there).
    """
    from exsitu.workshop.aggregate import aggregate_judgements

    columns = ["n", "median", "q1", "q3", "iqr", "min", "max"]
    frame = _judgement_frame(judgements)
    if frame.empty:
        return pd.DataFrame(columns=columns, index=pd.MultiIndex.from_tuples([], names=["option", "criterion"]))
    per_participant: dict[Any, dict[str, Any]] = {}
    for participant, option, criterion, score in frame[["participant", "option", "criterion", "score"]].itertuples(
            index=False, name=None):
        judgement = per_participant.setdefault(participant, {"participant_id": participant, "scores": {}})
        judgement["scores"].setdefault(option, {})[criterion] = float(score)
    table = aggregate_judgements(list(per_participant.values())).set_index(["option", "criterion"])
    order = list(dict.fromkeys(zip(frame["option"], frame["criterion"])))
    return table.loc[order, columns]


def most_disagreement(summary: pd.DataFrame, top: int = 3) -> pd.DataFrame:
    """The ``top`` option/criterion pairs with the widest IQR (ties broken by the wider range max − min)."""
    if not isinstance(summary, pd.DataFrame) or "iqr" not in summary.columns:
        raise InvalidInputError("summary", "expected the table of summarise_judgements()", "pass its result")
    spread = summary.assign(range=summary["max"] - summary["min"])
    return spread.sort_values(["iqr", "range"], ascending=False, kind="stable").head(top).drop(columns="range")


def vote_tally(votes: Any) -> dict[str, int]:
    """How many participants gave each vote (:data:`VOTES`, all listed, zeros included).

    ``votes``: a list of votes or a dict participant → vote.
    """
    values = list(votes.values()) if isinstance(votes, Mapping) else list(votes)
    tally = {vote: 0 for vote in VOTES}
    for i, vote in enumerate(values):
        key = vote.strip().lower() if isinstance(vote, str) else vote
        if key not in tally:
            raise InvalidInputError(f"votes[{i}]", f"{vote!r} is not a vote", "use one of " + ", ".join(VOTES))
        tally[key] += 1
    return tally
