"""Export a whole workshop as one JSON-serialisable dict, import it back, and render the workshop report.

:func:`export_workshop` is lossless: every group with every version of its assessment (who, when, summary,
changed paths), the participants, every judgement (replaced ones too, with ``superseded_at``) and every
recorded decision with its dissent. :func:`import_workshop` writes exactly that back (same ids, join code
and versions; the original facilitator key opens it, as only its SHA-256 is exported), so
``export_workshop`` of the imported workshop equals the original export except ``exported_at``.

:func:`render_workshop_report` turns an export into one standalone HTML page (or Markdown) with the pieces
of :mod:`exsitu.report`: per group the participants, the decision and the dissent, the judgements with
their aggregation (:mod:`exsitu.workshop.aggregate`) and the group's assessment report; all text escaped.
"""

from __future__ import annotations

import datetime as _dt
import json
from typing import TYPE_CHECKING, Any, Mapping

from sqlalchemy import and_, insert, select

from exsitu.assessment import Assessment, load_assessment
from exsitu.validation import InvalidInputError
from exsitu.workshop import limits
from exsitu.workshop.aggregate import (AGGREGATION_METHOD, aggregate_judgements, aggregate_weights,
                                       outcome_scenarios, vote_tally)
from exsitu.workshop.models import NO_VOTE, PERSPECTIVES, TOPIC_STEPS, VOTES, Workshop
from exsitu.workshop.schema import (decisions, document_versions, documents, groups, judgements, participants, topics,
                                    workshops)
from exsitu.workshop.store import TOPIC_STEP5

if TYPE_CHECKING:  # pragma: no cover
    from exsitu.workshop.store import WorkshopStore

EXPORT_FORMAT = "exsitu-workshop"
EXPORT_SCHEMA_VERSION = 1
MAX_IMPORT_BYTES = 200 * 1024 * 1024
"""Largest workshop export :func:`import_workshop` reads from text (200 MB)."""

_PARTICIPANT = ("id", "display_name", "affiliation", "perspective", "joined_at")
_JUDGEMENT = ("id", "participant_id", "topic", "vote", "confidence", "reason", "submitted_at", "superseded_at")
_DECISION = ("id", "outcome", "rationale", "recorded_by", "recorded_at")
_VERSION = ("version", "author", "saved_at", "summary")


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")


def export_workshop(store: "WorkshopStore", facilitator_key: str) -> dict[str, Any]:
    """Everything of the facilitator's workshop as plain JSON data (see the module docstring)."""
    with store._read() as connection:
        workshop = store._workshop_row_by_key(connection, facilitator_key)
        out: dict[str, Any] = {
            "format": EXPORT_FORMAT, "schema_version": EXPORT_SCHEMA_VERSION, "exported_at": _now(),
            "aggregation_method": AGGREGATION_METHOD,
            "workshop": {"id": workshop.id, "title": workshop.title, "taxon": workshop.taxon, "date": workshop.date,
                         "join_code": f"{workshop.join_code[:4]}-{workshop.join_code[4:]}",
                         "key_hash": workshop.key_hash, "created_at": workshop.created_at},
            "groups": [],
            "topics": [store._topic(t).to_dict() for t in connection.execute(
                select(topics).where(topics.c.workshop_id == workshop.id)
                .order_by(topics.c.opened_at, topics.c.id)).all()],
        }
        for group in connection.execute(select(groups).where(groups.c.workshop_id == workshop.id)
                                        .order_by(groups.c.position)).all():
            document = connection.execute(select(documents).where(documents.c.id == group.document_id)).one()
            versions = connection.execute(select(document_versions)
                                          .where(document_versions.c.document_id == document.id)
                                          .order_by(document_versions.c.version)).all()
            people = connection.execute(select(participants).where(participants.c.group_id == group.id)
                                        .order_by(participants.c.joined_at, participants.c.id)).all()
            judged = connection.execute(select(judgements).where(judgements.c.group_id == group.id)
                                        .order_by(judgements.c.submitted_at, judgements.c.id)).all()
            decided = connection.execute(select(decisions).where(decisions.c.group_id == group.id)
                                         .order_by(decisions.c.recorded_at, decisions.c.id)).all()
            out["groups"].append({
                "id": group.id, "name": group.name, "position": group.position, "created_at": group.created_at,
                "document": {
                    "id": document.id, "version": document.version, "updated_at": document.updated_at,
                    "versions": [{**{k: getattr(v, k) for k in _VERSION},
                                  "changed_paths": json.loads(v.changed_paths),
                                  "assessment": json.loads(v.assessment)} for v in versions]},
                "participants": [{k: getattr(p, k) for k in _PARTICIPANT} for p in people],
                "judgements": [{**{k: getattr(j, k) for k in _JUDGEMENT}, "scores": json.loads(j.scores),
                                "weights": json.loads(j.weights)} for j in judged],
                "decisions": [{**{k: getattr(d, k) for k in _DECISION}, "dissent": json.loads(d.dissent)}
                              for d in decided],
            })
    return out


# ---------------------------------------------------------------------------------------------------- import

def _get(data: Any, key: str, where: str) -> Any:
    if not isinstance(data, Mapping):
        raise InvalidInputError(where or "export", f"expected an object, got {type(data).__name__}",
                                "import a file made by export_workshop()")
    if key not in data:
        raise InvalidInputError(f"{where}.{key}" if where else key, "is missing",
                                "import a file made by export_workshop(), unedited")
    return data[key]


def _str(data: Any, key: str, where: str, *, long: bool = False, nullable: bool = False) -> Any:
    value = _get(data, key, where)
    if value is None and nullable:
        return None
    field = f"{where}.{key}"
    if not isinstance(value, str):
        raise InvalidInputError(field, f"expected a text, got {type(value).__name__}", "import an unedited export")
    return limits.text(value, field) if long else limits.name(value, field, required=False)


def _int(data: Any, key: str, where: str) -> int:
    value = _get(data, key, where)
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInputError(f"{where}.{key}", f"expected a whole number, got {value!r}", "import an unedited export")
    return value


def _list(data: Any, key: str, where: str) -> list:
    value = _get(data, key, where)
    if not isinstance(value, list):
        raise InvalidInputError(f"{where}.{key}", "expected a list", "import an unedited export")
    return value


def import_workshop(store: "WorkshopStore", data: Mapping[str, Any] | str | bytes) -> Workshop:
    """Write an :func:`export_workshop` dict (or its JSON text) into ``store``; returns the workshop.

    Everything is checked before anything is written (limits as for the store's own calls), and written in
    one transaction. The workshop's id and join code must not exist in ``store`` yet
    (:class:`InvalidInputError` naming ``workshop.id`` / ``workshop.join_code`` otherwise).
    """
    from exsitu.workshop.store import _shown_code, normalise_join_code

    if isinstance(data, (str, bytes)):
        if len(data) > MAX_IMPORT_BYTES:
            raise InvalidInputError("export", "is larger than 200 MB", "split the workshop or raise MAX_IMPORT_BYTES")
        try:
            data = json.loads(data)
        except (ValueError, UnicodeDecodeError) as error:
            raise InvalidInputError("export", f"is not JSON ({error})", "import the .json file the facilitator app saved") from None
    if _get(data, "format", "") != EXPORT_FORMAT:
        raise InvalidInputError("format", f"is {data.get('format')!r}, not {EXPORT_FORMAT!r}",
                                "import a workshop export (not an assessment file)")
    if _get(data, "schema_version", "") != EXPORT_SCHEMA_VERSION:
        raise InvalidInputError("schema_version", f"is {data.get('schema_version')!r}; this toolkit reads "
                                f"{EXPORT_SCHEMA_VERSION}", "update the course and import again")
    w = _get(data, "workshop", "")
    code = normalise_join_code(_str(w, "join_code", "workshop"))
    if code is None:
        raise InvalidInputError("workshop.join_code", "is not a join code", "import an unedited export")
    key_hash = _str(w, "key_hash", "workshop")
    if len(key_hash) != 64 or any(c not in "0123456789abcdef" for c in key_hash):
        raise InvalidInputError("workshop.key_hash", "is not a SHA-256 digest", "import an unedited export")
    rows: dict[str, list[dict]] = {name: [] for name in ("documents", "versions", "groups", "participants",
                                                          "judgements", "decisions")}
    workshop_row = {"id": _str(w, "id", "workshop"), "title": limits.name(_get(w, "title", "workshop"), "workshop.title"),
                    "taxon": limits.name(_get(w, "taxon", "workshop"), "workshop.taxon"),
                    "date": _str(w, "date", "workshop"), "join_code": code, "key_hash": key_hash,
                    "created_at": _str(w, "created_at", "workshop")}
    group_list = _list(data, "groups", "")
    if len(group_list) > limits.MAX_ITEMS:
        raise InvalidInputError("groups", f"{len(group_list)} groups, more than {limits.MAX_ITEMS}", "split the export")
    for gi, g in enumerate(group_list):
        where = f"groups[{gi}]"
        d = _get(g, "document", where)
        dwhere = f"{where}.document"
        rows["groups"].append({"id": _str(g, "id", where), "workshop_id": workshop_row["id"],
                               "name": limits.name(_get(g, "name", where), f"{where}.name"),
                               "position": _int(g, "position", where), "document_id": _str(d, "id", dwhere),
                               "created_at": _str(g, "created_at", where)})
        versions = _list(d, "versions", dwhere)
        if not versions:
            raise InvalidInputError(f"{dwhere}.versions", "is empty", "import an unedited export")
        last_text = ""
        for vi, v in enumerate(versions):
            vwhere = f"{dwhere}.versions[{vi}]"
            assessment, _problems = load_assessment(_get(v, "assessment", vwhere))
            text = json.dumps(_get(v, "assessment", vwhere), ensure_ascii=False, allow_nan=False, separators=(",", ":"))
            limits.assessment_json(assessment, f"{vwhere}.assessment")
            paths = _list(v, "changed_paths", vwhere)
            rows["versions"].append({"document_id": rows["groups"][-1]["document_id"], "version": _int(v, "version", vwhere),
                                     "assessment": text, "author": _str(v, "author", vwhere),
                                     "saved_at": _str(v, "saved_at", vwhere), "summary": _str(v, "summary", vwhere, long=True),
                                     "changed_paths": json.dumps([str(p) for p in paths])})
            last_text = assessment
        steps = ",".join(str(s) for s, done in last_text.steps_done().items() if done)
        rows["documents"].append({"id": rows["groups"][-1]["document_id"], "workshop_id": workshop_row["id"],
                                  "version": _int(d, "version", dwhere), "updated_at": _str(d, "updated_at", dwhere),
                                  "steps_done": steps})
        for pi, p in enumerate(_list(g, "participants", where)):
            pwhere = f"{where}.participants[{pi}]"
            perspective = limits.choice(_get(p, "perspective", pwhere), f"{pwhere}.perspective", PERSPECTIVES)
            rows["participants"].append({"id": _str(p, "id", pwhere), "workshop_id": workshop_row["id"],
                                         "group_id": rows["groups"][-1]["id"],
                                         "display_name": limits.name(_get(p, "display_name", pwhere), f"{pwhere}.display_name"),
                                         "affiliation": _str(p, "affiliation", pwhere), "perspective": perspective,
                                         "joined_at": _str(p, "joined_at", pwhere)})
        for ji, j in enumerate(_list(g, "judgements", where)):
            jwhere = f"{where}.judgements[{ji}]"
            # the scale was checked when the judgement was submitted; here only finiteness
            scores = limits.scores(_get(j, "scores", jwhere), (-1e300, 1e300), f"{jwhere}.scores")
            rows["judgements"].append({
                **{k: _str(j, k, jwhere, long=(k == "reason"), nullable=(k == "superseded_at")) for k in _JUDGEMENT},
                "vote": limits.choice(_get(j, "vote", jwhere), f"{jwhere}.vote",
                                      VOTES if _get(j, "topic", jwhere) == TOPIC_STEP5 else VOTES + (NO_VOTE,)),
                "workshop_id": workshop_row["id"], "group_id": rows["groups"][-1]["id"],
                "scores": json.dumps(scores, ensure_ascii=False),
                "weights": json.dumps(limits.weights(_get(j, "weights", jwhere), f"{jwhere}.weights"))})
        for di, dd in enumerate(_list(g, "decisions", where)):
            dwhere2 = f"{where}.decisions[{di}]"
            dissent = _list(dd, "dissent", dwhere2)
            clean = [{"text": limits.text(_get(x, "text", f"{dwhere2}.dissent[{xi}]"), f"{dwhere2}.dissent[{xi}].text"),
                      "participant_id": _str(x, "participant_id", f"{dwhere2}.dissent[{xi}]", nullable=True),
                      "display_name": _str(x, "display_name", f"{dwhere2}.dissent[{xi}]")}
                     for xi, x in enumerate(dissent)]
            rows["decisions"].append({**{k: _str(dd, k, dwhere2, long=k in ("outcome", "rationale")) for k in _DECISION},
                                      "workshop_id": workshop_row["id"], "group_id": rows["groups"][-1]["id"],
                                      "dissent": json.dumps(clean, ensure_ascii=False)})
    group_ids = {g["id"] for g in rows["groups"]}
    topic_rows = []
    topic_list = _list(data, "topics", "") if "topics" in data else []  # absent in exports made before topics
    if len(topic_list) > limits.MAX_ITEMS * 10:
        raise InvalidInputError("topics", f"{len(topic_list)} ratings, more than {limits.MAX_ITEMS * 10}",
                                "split the export")
    for ti, t in enumerate(topic_list):
        twhere = f"topics[{ti}]"
        group_id = _str(t, "group_id", twhere, nullable=True)
        if group_id is not None and group_id not in group_ids:
            raise InvalidInputError(f"{twhere}.group_id", "is not a group of this export", "import an unedited export")
        step = _int(t, "step", twhere)
        if step not in TOPIC_STEPS:
            raise InvalidInputError(f"{twhere}.step", f"{step} is not 2, 3 or 4", "import an unedited export")
        lo = limits.require_number(_get(t, "score_min", twhere), f"{twhere}.score_min")
        hi = limits.require_number(_get(t, "score_max", twhere), f"{twhere}.score_max", minimum=lo,
                                   inclusive_minimum=False)
        topic_rows.append({
            "id": _str(t, "id", twhere), "workshop_id": workshop_row["id"], "group_id": group_id,
            "name": limits.name(_get(t, "name", twhere), f"{twhere}.name"), "step": step,
            "options": json.dumps(limits.topic_items(_get(t, "options", twhere), f"{twhere}.options"),
                                  ensure_ascii=False),
            "criteria": json.dumps(limits.topic_items(_get(t, "criteria", twhere), f"{twhere}.criteria",
                                                      directions=True), ensure_ascii=False),
            "score_min": lo, "score_max": hi, "opened_at": _str(t, "opened_at", twhere),
            "closed_at": _str(t, "closed_at", twhere, nullable=True) or None})
    rows["topics"] = topic_rows
    with store._write() as connection:
        if connection.execute(select(workshops.c.id).where(workshops.c.id == workshop_row["id"])).first():
            raise InvalidInputError("workshop.id", "this workshop is in the store already",
                                    "import it into another database (EXSITU_WORKSHOP_DB) or keep the one there")
        if connection.execute(select(workshops.c.id).where(
                (workshops.c.join_code == code) | (workshops.c.key_hash == key_hash))).first():
            raise InvalidInputError("workshop.join_code", "another workshop in the store uses this join code or key",
                                    "import it into another database")
        connection.execute(insert(workshops).values(**workshop_row))
        for table, name in ((documents, "documents"), (document_versions, "versions"), (groups, "groups"),
                            (participants, "participants"), (judgements, "judgements"), (decisions, "decisions"),
                            (topics, "topics")):
            if rows[name]:
                connection.execute(insert(table), rows[name])
    return Workshop(id=workshop_row["id"], title=workshop_row["title"], taxon=workshop_row["taxon"],
                    date=workshop_row["date"], join_code=_shown_code(code), facilitator_key="",
                    created_at=workshop_row["created_at"])


# ---------------------------------------------------------------------------------------------------- report

def _fmt(x: float) -> str:
    return f"{x:.2f}".rstrip("0").rstrip(".") if x == x else "—"


def _group_section(index: int, group: Mapping[str, Any], figures: bool):
    from exsitu import report as R

    anchor = f"group-{index + 1}"
    blocks: list = []
    people = {p["id"]: p for p in group["participants"]}
    versions = group["document"]["versions"]
    current = versions[-1] if versions else None
    blocks.append(R._Facts([("Participants", str(len(group["participants"]))),
                            ("Assessment version", str(group["document"]["version"])),
                            ("Last saved", group["document"]["updated_at"])]))
    blocks.append(R._Heading(3, "Participants"))
    if group["participants"]:
        blocks.append(R._Table(["Name", "Affiliation", "Perspective", "Joined"],
                               [[p["display_name"], p["affiliation"], p["perspective"], p["joined_at"]]
                                for p in group["participants"]]))
    else:
        blocks.append(R._Para("Nobody joined this group.", kind="missing"))

    blocks.append(R._Heading(3, "Decision and dissent"))
    if group["decisions"]:
        last = group["decisions"][-1]
        blocks.append(R._Facts([("Outcome", last["outcome"]), ("Rationale", last["rationale"] or "—"),
                                ("Recorded by", f"{last['recorded_by']} at {last['recorded_at']}")]))
        if last["dissent"]:
            blocks.append(R._Para("", "Dissent:"))
            blocks.append(R._List([f"{d['display_name']}: {d['text']}" for d in last["dissent"]]))
        else:
            blocks.append(R._Para("No dissent was recorded.", kind="note"))
        if len(group["decisions"]) > 1:
            blocks.append(R._Para(f"Recorded {len(group['decisions'])} times; this is the latest.", kind="note"))
    else:
        blocks.append(R._Para("No decision was recorded.", kind="missing"))

    current_judgements = [dict(j, display_name=people.get(j["participant_id"], {}).get("display_name", "?"))
                          for j in group["judgements"] if j.get("superseded_at") is None]
    topics = list(dict.fromkeys(j["topic"] for j in current_judgements))
    blocks.append(R._Heading(3, "Judgements"))
    if not topics:
        blocks.append(R._Para("No judgements were submitted.", kind="missing"))
    for topic in topics:
        items = [j for j in current_judgements if j["topic"] == topic]
        blocks.append(R._Heading(4, f"Topic: {topic} ({len(items)} judgements)"))
        blocks.append(R._Table(["Participant", "Perspective", "Vote", "Confidence", "Reason"],
                               [[j["display_name"], people.get(j["participant_id"], {}).get("perspective", ""),
                                 j["vote"] or "no vote asked", j["confidence"], j["reason"]] for j in items]))
        tally = vote_tally(items)
        blocks.append(R._Table(["Vote", "Count", "Share", "Who"],
                               [[r.vote, str(r.count), f"{r.share:.0%}", r.names] for r in tally.itertuples()],
                               caption="Every vote cast."))
        table = aggregate_judgements(items)
        if len(table):
            blocks.append(R._Table(
                ["Option", "Criterion", "n", "Median", "Q1–Q3", "IQR", "Min–max", "Disagreement rank"],
                [[r.option, r.criterion, str(r.n), _fmt(r.median), f"{_fmt(r.q1)}–{_fmt(r.q3)}", _fmt(r.iqr),
                  f"{_fmt(r.min)}–{_fmt(r.max)}", str(r.disagreement_rank)] for r in table.itertuples()],
                caption=f"Scores aggregated: {AGGREGATION_METHOD}. Rank 1 = most disagreement."))
            weights = aggregate_weights(items)
            if len(weights):
                blocks.append(R._Table(["Criterion", "n", "Median weight", "Q1–Q3"],
                                       [[r.criterion, str(r.n), _fmt(r.median), f"{_fmt(r.q1)}–{_fmt(r.q3)}"]
                                        for r in weights.itertuples()], caption="Weights (relative)."))
            scenarios = outcome_scenarios(items)
            blocks.append(R._Table(["Scenario", "Participants", "Top option", "Ranking", "Majority vote",
                                    "Changes the outcome"],
                                   [[r.scenario, str(r.participants), r.top_option or "—", r.ranking or "—",
                                     r.vote or "—", "yes" if r.changes_outcome else "no"]
                                    for r in scenarios.itertuples()],
                                   caption="What if the dissenters were right: rankings (weighted sum) on other "
                                           "summaries of the same judgements."))
        replaced = sum(1 for j in group["judgements"] if j["topic"] == topic and j.get("superseded_at"))
        if replaced:
            blocks.append(R._Para(f"{replaced} earlier judgement(s) on this topic were replaced by their authors "
                                  "(kept in the JSON export).", kind="note"))

    blocks.append(R._Heading(3, "Versions of the assessment"))
    blocks.append(R._Table(["Version", "Saved by", "Saved at", "Summary", "Changed"],
                           [[str(v["version"]), v["author"] or "—", v["saved_at"], v["summary"],
                             ", ".join(v["changed_paths"])] for v in versions]))
    if current is not None:
        assessment, problems = load_assessment(current["assessment"])
        title, header, sections = R._document(assessment, figures)
        blocks.append(R._Heading(3, f"Assessment: {title}"))
        if problems:
            blocks.append(R._Para("; ".join(str(p) for p in problems), "Could not read:", kind="warning"))
        blocks.extend(header)
        for section in sections:
            blocks.append(R._Heading(3, section.title, f"{anchor}-{section.anchor}"))
            for block in section.blocks:
                if isinstance(block, R._Heading):
                    block = R._Heading(min(block.level + 1, 6), block.text,
                                       f"{anchor}-{block.anchor}" if block.anchor else "")
                blocks.append(block)
    return R._Section(anchor, f"Group: {group['name']}", blocks, page_break=index > 0)


def render_workshop_report(export: Mapping[str, Any], format: str = "html", *, figures: bool = True) -> str:
    """The workshop report from an :func:`export_workshop` dict: ``format`` 'html' (standalone page) or 'markdown'.

    Every group's participants, decision and dissent, judgements (each vote, the median/IQR aggregation,
    the weights, "what if the dissenters were right") and assessment report. All text is escaped.
    ``figures=False`` leaves out the assessment figures (faster).
    """
    from exsitu import report as R

    kind = R._format(format)
    if not isinstance(export, Mapping) or export.get("format") != EXPORT_FORMAT:
        raise InvalidInputError("export", "is not a workshop export", "pass what export_workshop() returned")
    w = export["workshop"]
    title = f"Workshop report — {w['title']}"
    header = [R._Facts([("Taxon", w["taxon"]), ("Date", w["date"]), ("Join code", w["join_code"]),
                        ("Groups", str(len(export["groups"]))), ("Exported", export.get("exported_at", ""))]),
              R._Para(f"Judgements are aggregated as the {AGGREGATION_METHOD}.", kind="note")]
    sections = [_group_section(i, g, figures) for i, g in enumerate(export["groups"])]
    if not sections:
        sections = [R._Section("groups", "Groups", [R._Para("This workshop has no groups.", kind="missing")])]
    return R._markdown(title, header, sections) if kind == "markdown" else R._html(title, header, sections)
