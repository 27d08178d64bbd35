"""Workshop mode's store: an ECA run as a group — workshops, groups, participants, judgements, decisions.

Deviations from / additions to the store ↔ workshop-ui contract (team brief): nothing removed or renamed.
Additions: ``CONFIDENCES`` (suggested labels; any text ≤ 200 characters is accepted), ``submit_judgement``
takes an optional keyword ``score_range`` (default: the scale of the group's Step 5 decision, else 0–10),
``store.judgement_history``, ``store.decisions`` / ``store.decision``, ``store.solo_history`` /
``store.rollback_solo``, ``store.import_workshop``; ratings of Steps 2–4 opened to the room:
``store.open_topic`` / ``store.close_topic`` / ``store.topics`` / ``store.topic`` / ``store.workshop_topics``
(:class:`Topic`; any topic but ``"step5"`` must be opened before it takes judgements); ``Workshop.created_at``,
``Participant.joined_at``, ``Judgement.display_name/perspective/submitted_at/current`` are extra fields with
defaults.
A join code is shown as ``ABCD-2345`` and accepted with or without the dash, in any case.

Modules, one job each: :mod:`~exsitu.workshop.models` (records, vocabularies, errors),
:mod:`~exsitu.workshop.limits` (input limits), :mod:`~exsitu.workshop.schema` (tables),
:mod:`~exsitu.workshop.migrate` (Alembic, run on open), :mod:`~exsitu.workshop.store` (the store),
:mod:`~exsitu.workshop.diff` (what changed; three-way merge), :mod:`~exsitu.workshop.aggregate`
(median/IQR, votes, "what if the dissenters were right"), :mod:`~exsitu.workshop.export` (JSON export and
import, HTML/Markdown workshop report).

Quick use::

    from exsitu.workshop import open_store
    store = open_store()                      # SQLite (WAL) file, or EXSITU_DATABASE_URL
    ws = store.create_workshop("Golden frog ECA", "Atelopus zeteki", "2026-12-03", ["Group A", "Group B"])
    group = store.groups(ws.join_code)[0]
    me = store.join(ws.join_code, group.id, "Ana", "Zoo X", "ex situ")
    assessment, version = store.load_assessment(ws.join_code, group.id)
    version = store.save_assessment(ws.join_code, group.id, assessment, version, author="Ana")
"""

from exsitu.validation import InvalidInputError
from exsitu.workshop.aggregate import (AGGREGATION_METHOD, aggregate_judgements, aggregate_weights, majority_vote,
                                       outcome_scenarios, rank_options, vote_tally)
from exsitu.workshop.diff import changed_paths, diff_assessments, merge_assessments
from exsitu.workshop.export import import_workshop, render_workshop_report
from exsitu.workshop.limits import MAX_ASSESSMENT_BYTES, MAX_NAME_CHARS, MAX_TEXT_CHARS
from exsitu.workshop.models import (CONFIDENCES, NO_VOTE, PERSPECTIVES, TOPIC_STEPS, VOTES, AccessDenied, Change, Conflict,
                                    DecisionEntry, Dissent, Group, GroupProgress, Judgement, Participant,
                                    StaleVersionError, Topic, VersionInfo, Workshop)
from exsitu.workshop.store import TOPIC_STEP5, WorkshopStore, default_url, open_store

__all__ = [
    "open_store", "WorkshopStore", "default_url", "StaleVersionError", "AccessDenied", "InvalidInputError",
    "PERSPECTIVES", "VOTES", "NO_VOTE", "CONFIDENCES", "TOPIC_STEPS", "TOPIC_STEP5", "Topic",
    "Workshop", "Group", "Participant", "Judgement", "Dissent",
    "DecisionEntry", "VersionInfo", "GroupProgress", "Change", "Conflict",
    "diff_assessments", "merge_assessments", "changed_paths",
    "aggregate_judgements", "aggregate_weights", "vote_tally", "majority_vote", "outcome_scenarios", "rank_options",
    "AGGREGATION_METHOD", "import_workshop", "render_workshop_report",
    "MAX_NAME_CHARS", "MAX_TEXT_CHARS", "MAX_ASSESSMENT_BYTES",
]
