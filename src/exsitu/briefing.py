"""The briefing book: what participants read before an Ex situ Conservation Assessment workshop.

:func:`render_briefing_book` turns an :class:`~exsitu.assessment.Assessment` — usually one still under
way — into a short document in Markdown or as a standalone HTML page (the conventions of
:func:`exsitu.report.render_report`, whose document model and renderers it reuses):

1. the species and its status review (Red List category and criteria, range figures, the threats table,
   knowledge gaps), with a range map when occurrence records are given;
2. the ex situ population: what is already held, each role's population need (Step 3) with its gene
   diversity figure, and a studbook summary when a pedigree is given;
3. the roles under discussion (Step 2) and the options the group will weigh, with their feasibility so far;
4. the OPEN QUESTIONS (:func:`open_questions`): what the assessment lacks — unknown Red List criteria,
   missing numbers, unscored threats, undecided roles, unrated feasibility factors and risks, unscored
   options, no decision yet — so the workshop's agenda can go to them;
5. the sources.

Giving participants the same facts beforehand, and stating what is *not* known, is the data-assembly
step of CPSG's workshop process ("information based on reliable data sources is distinguished from mere
assumptions, and important data gaps are identified": CPSG, *PHVA workshop design and facilitation*).

Output is bounded whatever the assessment holds: every text is cut at :data:`MAX_TEXT_CHARS`, tables at
:data:`MAX_TABLE_ROWS` rows and lists at :data:`MAX_LIST_ITEMS` items (a line says how many were left out),
at most :data:`MAX_MAP_RECORDS` occurrence records are mapped and studbooks over
:data:`MAX_STUDBOOK_INDIVIDUALS` individuals are not summarised here. All text from the assessment is
escaped in HTML (:func:`html.escape`) and neutralised in Markdown, exactly as in the report.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import matplotlib.style
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from exsitu import report as _report
from exsitu.assessment import STEP_TITLES, Assessment
from exsitu.validation import InvalidInputError

__all__ = ["MAX_LIST_ITEMS", "MAX_MAP_RECORDS", "MAX_STUDBOOK_INDIVIDUALS", "MAX_TABLE_ROWS", "MAX_TEXT_CHARS",
           "OpenQuestion", "open_questions", "render_briefing_book"]

MAX_TEXT_CHARS = 2_000
"""Longest text (a paragraph, a table cell, a list item) kept in the briefing book, in characters."""

MAX_TABLE_ROWS = 60
"""Most rows kept in one table."""

MAX_LIST_ITEMS = 80
"""Most items kept in one list (open questions included)."""

MAX_MAP_RECORDS = 20_000
"""Most occurrence records drawn on the range map (an evenly spaced subset of a longer table)."""

MAX_STUDBOOK_INDIVIDUALS = 50_000
"""Largest studbook summarised in the briefing book (analyse bigger ones in the studbook analyser)."""

_B = _report  # the report's document model (_Heading, _Para, _List, _Facts, _Table, _Image, _Section) and renderers


@dataclass(frozen=True)
class OpenQuestion:
    """Something the assessment does not yet hold that the workshop must settle or accept as unknown.

    ``step`` is the ECA step (1–5) it belongs to, ``topic`` a short label, ``question`` the question put
    to the group, and ``why`` why it matters for the decision.
    """

    step: int
    topic: str
    question: str
    why: str = ""


# --------------------------------------------------------------------------------------------------
# Open questions
# --------------------------------------------------------------------------------------------------

def open_questions(assessment: Assessment) -> list[OpenQuestion]:
    """What the assessment lacks, step by step, as questions for the workshop (empty when nothing is missing).

    Looks for: no status review; category NE or DD; Red List sub-criteria whose status is unknown;
    no count of mature individuals, no EOO/AOO or range summary; no threats, or threats whose impact is
    unknown; listed knowledge gaps; nothing said about ex situ holdings; no roles, or roles suggested but
    not decided; no population need, or one without a target, founders or duration; no feasibility
    appraisal, factors rated 'unknown', unrated risks; no options, unscored option/criterion pairs; no
    decision recorded; no participants or sources.
    """
    if not isinstance(assessment, Assessment):
        raise InvalidInputError("assessment", f"expected an exsitu.assessment.Assessment, got "
                                f"{type(assessment).__name__}", "build or load one with exsitu.assessment")
    out: list[OpenQuestion] = []
    add = lambda *args: out.append(OpenQuestion(*args))  # noqa: E731

    review = assessment.status_review
    if review is None:
        add(1, "Status review", "What is the species' wild status and what threatens it? No status review is "
            "recorded.", "Every later step starts from the status review and threat analysis.")
    else:
        if review.category in ("NE", "DD"):
            add(1, "Red List category", f"The category is {review.category}: which evidence would allow a "
                "category to be assigned (population size and trend, range, decline)?",
                "The category and its criteria show how urgent ex situ action may be.")
        result = review.redlist
        if result is not None:
            unknown = list(result.unknown_criteria)
            if unknown:
                add(1, "Red List criteria", "Criteria not assessable for lack of evidence: " + ", ".join(unknown)
                    + ". Does anyone hold data that would settle them?",
                    "Unknown criteria could move the category" + (" up." if result.could_be_higher else "."))
        if review.mature_individuals is None:
            add(1, "Population size", "How many mature individuals are there in the wild (best estimate and "
                "plausible range)?", "Needed for criteria C and D and for the wild-only PVA.")
        if review.eoo_km2 is None and review.aoo_km2 is None and assessment.range_summary is None:
            add(1, "Range", "What are the extent of occurrence and area of occupancy? No range figures are "
                "recorded.", "Criterion B, and where founders or samples could come from.")
        if not review.threats:
            add(1, "Threats", "Which threats act on the species? None is recorded.",
                "Step 2 links each ex situ role to the threat it answers.")
        else:
            unscored = [t for t in review.threats if t.score is None and t.impact == "Unknown"]
            for threat in unscored:
                add(1, "Threat impact", f"Threat {threat.code} ({threat.name}): its timing, scope or severity "
                    "is unknown. What is known about it?", "An unscored threat cannot be ranked against the others.")
        for gap in review.knowledge_gaps:
            add(1, "Knowledge gap", gap, "Recorded as a knowledge gap in the status review.")
        if not review.ex_situ_holdings:
            add(1, "Ex situ holdings", "What is already held ex situ (living collections, seed, tissue, cultures), "
                "where, and with what records?", "Existing holdings may already serve a role, or limit founders.")

    selection = assessment.roles
    if selection is None:
        add(2, "Roles", "Which roles could ex situ management play for this species? No roles are recorded.",
            "Without a role there is nothing to size, appraise or decide.")
    else:
        undecided = [d.role.name for d in selection.decisions if d.status == "suggested"]
        if undecided:
            add(2, "Undecided roles", "Suggested but not yet accepted or rejected: " + ", ".join(undecided) + ".",
                "The group must accept or reject each, with its reason.")
        if not any(d.status in ("accepted", "added") for d in selection.decisions):
            add(2, "Roles", "No role has been accepted yet. Which threat would an ex situ role answer?",
                "An assessment may end with no ex situ role; that too must be decided and recorded.")

    if not assessment.population_needs:
        if selection is not None and selection.accepted_roles():
            add(3, "Population needed", "What population or sample collection does each accepted role need "
                "(size, founders, duration)? No Step 3 result is recorded.", "Feasibility depends on the size.")
    else:
        names = _B._role_names(assessment)
        for need in assessment.population_needs:
            role = _B._role_name(need.role_id, names)
            if need.target is None and need.samples is None:
                add(3, "Population target", f"{role}: no numeric target (Ne, N or samples). What size, founders "
                    "and duration does it need — or does it use another role's population?",
                    "A role without a size cannot be costed.")
                continue
            if need.founders_available is None and need.form != "bio-samples":
                add(3, "Founders", f"{role}: how many founders are (or could be made) available without harming "
                    "the wild population?", "Founders set the gene diversity a population can start with.")
            if need.duration_years is None:
                add(3, "Duration", f"{role}: for how many years must the role last?",
                    "Duration drives size, cost and the risk of adaptation to captivity.")

    if not assessment.feasibility:
        if assessment.population_needs or (selection is not None and selection.accepted_roles()):
            add(4, "Feasibility", "Are the resources and expertise there for each option, and what are the risks? "
                "No Step 4 appraisal is recorded.", "Feasibility and risk act as gates on an option.")
    else:
        for feasibility in assessment.feasibility:
            unknown = [f.name for f in feasibility.factors if f.rating == "unknown"]
            if unknown:
                add(4, "Unrated factors", f"{feasibility.option}: not yet rated — " + ", ".join(unknown) + ".",
                    "An essential factor that turns out to be a gap blocks the option.")
            unrated = [r.label for r in feasibility.risks if r.likelihood is None]
            if unrated:
                add(4, "Unrated risks", f"{feasibility.option}: {len(unrated)} risk(s) not yet rated — "
                    + ", ".join(unrated) + ".", "An extreme residual risk blocks the option.")

    record, decision = _B._record_and_decision(assessment)
    if decision is None:
        add(5, "Options", "Which options will the group weigh (including no ex situ action)? None is recorded.",
            "Step 5 compares options, and doing nothing ex situ is always one of them.")
    else:
        try:
            missing = decision.missing_scores()
        except Exception:  # a decision another version wrote; the report shows its problem
            missing = []
        if missing:
            options = {o.id: o.name for o in decision.options}
            pairs = sorted({options.get(o, o) for o, _ in missing})
            add(5, "Unscored options", f"{len(missing)} option/criterion pair(s) not yet judged, for: "
                + ", ".join(pairs) + ".", "The group's judgements are elicited at the workshop.")
    if record is None:
        add(5, "Decision", "Which ex situ roles, if any, should the species' plan keep — recommended, recommended "
            "with conditions, not recommended, or deferred until which evidence arrives?",
            "The workshop's purpose: an informed and transparent decision, with any dissent recorded.")
    if not assessment.participants:
        add(5, "Participants", "Who takes part? No participants are listed.",
            "In situ and ex situ experts, range-state authorities, local and Indigenous knowledge holders.")
    if not assessment.sources:
        add(1, "Sources", "Which sources support the facts above? None is listed.",
            "Participants must be able to check every figure.")
    return sorted(out, key=lambda q: q.step)


# --------------------------------------------------------------------------------------------------
# Bounding
# --------------------------------------------------------------------------------------------------

def _cut(text: Any, limit: int = MAX_TEXT_CHARS) -> str:
    text = str(text)
    if len(text) <= limit:
        return text
    return text[:limit].rstrip() + f" … [cut: {len(text) - limit:,} more characters]"


def _bound(block: Any) -> Any:
    if isinstance(block, _B._Heading):
        return _B._Heading(block.level, _cut(block.text, 300), block.anchor)
    if isinstance(block, _B._Para):
        return _B._Para(_cut(block.text), _cut(block.label, 300), block.kind)
    if isinstance(block, _B._List):
        items = [_cut(item) for item in block.items[:MAX_LIST_ITEMS]]
        if len(block.items) > MAX_LIST_ITEMS:
            items.append(f"… and {len(block.items) - MAX_LIST_ITEMS:,} more (see the full report).")
        return _B._List(items)
    if isinstance(block, _B._Facts):
        return _B._Facts([(_cut(k, 300), _cut(v)) for k, v in block.rows[:MAX_TABLE_ROWS]])
    if isinstance(block, _B._Table):
        rows = [[_cut(cell) for cell in row] for row in block.rows[:MAX_TABLE_ROWS]]
        caption = _cut(block.caption)
        if len(block.rows) > MAX_TABLE_ROWS:
            caption = (caption + " " if caption else "") + (f"First {MAX_TABLE_ROWS} of {len(block.rows):,} rows; "
                                                             "the rest are in the full report.")
        return _B._Table([_cut(h, 300) for h in block.header], rows, caption)
    if isinstance(block, _B._Sources):
        return _B._Sources([(_cut(k, 300), _cut(c), _cut(u, 1000)) for k, c, u in block.items[:MAX_LIST_ITEMS]])
    if isinstance(block, _B._Pre):
        return _B._Pre(_cut(block.text))
    return block


# --------------------------------------------------------------------------------------------------
# Figures that only the briefing book draws
# --------------------------------------------------------------------------------------------------

def _coordinates(occurrences: Any) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(occurrences, pd.DataFrame):
        columns = {str(c).lower(): c for c in occurrences.columns}
        lat = next((columns[c] for c in ("decimallatitude", "latitude", "lat") if c in columns), None)
        lon = next((columns[c] for c in ("decimallongitude", "longitude", "lon", "lng") if c in columns), None)
        if lat is None or lon is None:
            raise InvalidInputError("occurrences", "has no latitude/longitude columns",
                                    "pass exsitu.geo.read_occurrences(...) or a table with decimalLatitude and "
                                    "decimalLongitude")
        frame = occurrences[[lat, lon]]
    elif isinstance(occurrences, (tuple, list)) and len(occurrences) == 2:
        frame = pd.DataFrame({"lat": np.asarray(occurrences[0]), "lon": np.asarray(occurrences[1])})
    else:
        raise InvalidInputError("occurrences", f"expected a table of records, got {type(occurrences).__name__}",
                                "pass exsitu.geo.read_occurrences(...) or (latitudes, longitudes)")
    if len(frame) > MAX_MAP_RECORDS:  # evenly spaced subset: bounded time, same result on every run
        frame = frame.iloc[np.linspace(0, len(frame) - 1, MAX_MAP_RECORDS).astype(int)]
    lat = pd.to_numeric(frame.iloc[:, 0], errors="coerce").to_numpy(dtype=float)
    lon = pd.to_numeric(frame.iloc[:, 1], errors="coerce").to_numpy(dtype=float)
    keep = np.isfinite(lat) & np.isfinite(lon) & (np.abs(lat) <= 90) & (np.abs(lon) <= 180)
    return lat[keep], lon[keep]


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=_B._DPI, bbox_inches="tight", metadata={"Software": None})
    return buffer.getvalue()


def _range_map(assessment: Assessment, occurrences: Any) -> Any:
    lat, lon = _coordinates(occurrences)
    if lat.size == 0:
        return _B._Para("The occurrence table has no usable coordinates, so no map is drawn.", kind="warning")
    from exsitu.geo_plots import plot_range

    summary = assessment.range_summary
    cell = summary.cell_size_km if summary is not None else 2.0
    try:
        with matplotlib.style.context("default"):
            figure = Figure(figsize=(8, 6), dpi=_B._DPI)
            ax = figure.subplots()
            plot_range(lat, lon, ax=ax, cell_size_km=cell, title=f"Records of {assessment.taxon}")
            png = _png(figure)
    except (InvalidInputError, ValueError) as error:
        return _B._Para(f"The range map could not be drawn ({error}).", kind="warning")
    return _B._Image(png, f"Range map of {assessment.taxon}",
                     f"{lat.size:,} records, their minimum convex polygon (EOO) and occupied {cell:g} × {cell:g} km "
                     "cells (AOO), drawn with exsitu.geo_plots.plot_range.")


def _studbook_blocks(pedigree: Any) -> list[Any]:
    from exsitu.pedigree import pedigree_summary
    from exsitu.studbook import Pedigree

    if not isinstance(pedigree, Pedigree):
        raise InvalidInputError("pedigree", f"expected a studbook read with exsitu.pedigree.read_studbook, got "
                                f"{type(pedigree).__name__}", "read it with read_studbook(path)")
    if len(pedigree) > MAX_STUDBOOK_INDIVIDUALS:
        return [_B._Para(f"The studbook has {len(pedigree):,} individuals, more than the briefing book summarises "
                         f"({MAX_STUDBOOK_INDIVIDUALS:,}); use the studbook analyser app.", kind="warning")]
    try:
        s = pedigree_summary(pedigree)
    except (InvalidInputError, ValueError, ZeroDivisionError) as error:
        return [_B._Para(f"The studbook could not be summarised ({error}).", kind="warning")]
    rows = [("Individuals in the studbook", f"{s.n_individuals:,}"), ("Living", f"{s.n_living:,}"),
            ("Founders", f"{s.n_founders:,} (+{s.n_unknown_parents:,} unknown parents counted as founders)"),
            ("Founders with living descendants", f"{s.n_contributing_founders:,}"),
            ("Gene diversity retained (GD = 1 − MK)", f"{s.gene_diversity:.3f}"),
            ("Mean kinship (MK)", f"{s.mean_kinship:.4f}"),
            ("Founder genome equivalents (FGE = 1/(2·MK))", f"{s.founder_genome_equivalents:.2f}"),
            ("Founder equivalents (fe)", f"{s.founder_equivalents:.2f}"),
            ("Inbreeding among the living (mean; max)", f"{s.mean_inbreeding:.3f}; {s.max_inbreeding:.3f}")]
    return [_B._Heading(3, "Studbook summary"), _B._Facts(rows),
            _B._Para("As in a PMx report (Ballou & Lacy 1995; Lacy, Ballou & Pollak 2012), computed with "
                     "exsitu.pedigree.pedigree_summary.", kind="note")]


# --------------------------------------------------------------------------------------------------
# Sections
# --------------------------------------------------------------------------------------------------

def _about(assessment: Assessment, questions: list[OpenQuestion]) -> Any:
    section = _B._Section("about", "About this briefing book")
    section.blocks.append(_B._Para(
        "Read this before the workshop. It gathers what is known about the species so that every participant "
        "starts from the same facts, and lists the open questions the workshop will work on. It is not the "
        "assessment's result: the roles and options below are under discussion, and nothing in it is decided."))
    done = assessment.steps_done()
    section.blocks.append(_B._Para(f"{len(questions)} open question(s); steps with a result so far: "
                                   + (", ".join(str(n) for n in sorted(done) if done[n]) or "none") + ".",
                                   "In short:"))
    return section


def _status(assessment: Assessment, occurrences: Any, figures: bool) -> Any:
    step1 = _B._step1(assessment)
    section = _B._Section("status", "The species and its status (Step 1)", step1.blocks)
    if occurrences is not None and figures:
        section.blocks = [b for b in section.blocks if not (isinstance(b, _B._Para) and b.kind == "note"
                                                            and "no map is drawn" in b.text)]
        section.blocks.append(_range_map(assessment, occurrences))
    return section


def _ex_situ(assessment: Assessment, pedigree: Any, figures: bool) -> Any:
    section = _B._Section("ex-situ", "The ex situ population (Step 3)", page_break=True)
    blocks = section.blocks
    review = assessment.status_review
    held = review.ex_situ_holdings if review is not None else ""
    blocks.append(_B._Para(held or "Nothing recorded.", "Already held ex situ:", "" if held else "missing"))
    if pedigree is not None:
        blocks.extend(_studbook_blocks(pedigree))
    if assessment.population_needs:
        blocks.append(_B._Heading(3, "What each role would need (as far as worked out)"))
        blocks.extend(b for b in _B._step3(assessment, figures).blocks)
    else:
        blocks.append(_B._Para("No Step 3 result yet: the size of any population is an open question.",
                               kind="missing"))
    return section


def _roles(assessment: Assessment) -> Any:
    section = _B._Section("roles", "Roles and options under discussion (Steps 2 and 4)", page_break=True)
    blocks = section.blocks
    blocks.extend(_B._step2(assessment).blocks)
    record, decision = _B._record_and_decision(assessment)
    names = _B._role_names(assessment)
    feasibility = {f.option: f for f in assessment.feasibility}
    blocks.append(_B._Heading(3, "Options the group will weigh"))
    if decision is None:
        blocks.append(_B._Para("No options listed yet. 'No ex situ action' is always one of them.", kind="missing"))
    else:
        rows = []
        for option in decision.options:
            roles = ", ".join(_B._role_name(r, names) for r in option.role_ids) or "—"
            appraisal = feasibility.get(option.name)
            label = appraisal.summary().label if appraisal is not None else "not appraised"
            rows.append([option.name, roles, _B.FORMS.get(option.form, option.form), label,
                         option.description or "—"])
        blocks.append(_B._Table(["Option", "Roles", "Form", "Feasibility so far (Step 4)", "Description"], rows,
                                "The options as listed in the assessment; the workshop judges them in Step 5."))
    if record is not None:
        blocks.append(_B._Para("A decision is already recorded in this assessment; the workshop reviews it "
                               "(see the full report for its reasoning and any dissent).", kind="note"))
    return section


def _questions(questions: list[OpenQuestion]) -> Any:
    section = _B._Section("open-questions", "Open questions for the workshop", page_break=True)
    if not questions:
        section.blocks.append(_B._Para("The assessment holds a result for every item the briefing book checks. "
                                       "The workshop reviews them."))
        return section
    section.blocks.append(_B._Para("What the assessment does not yet hold. Bring what you know about each; where "
                                   "no one knows, the workshop records the question as a knowledge gap and judges "
                                   "with the uncertainty stated."))
    section.blocks.append(_B._Table(["Step", "Topic", "Open question", "Why it matters"],
                                    [[f"{q.step}. {STEP_TITLES[q.step]}", q.topic, q.question, q.why]
                                     for q in questions]))
    return section


# --------------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------------

def render_briefing_book(assessment: Assessment, format: str = "html", *, figures: bool = True,
                         occurrences: Any = None, pedigree: Any = None) -> str:
    """The workshop's briefing book for ``assessment``: ``format`` 'markdown' (or 'md') or 'html'.

    Sections: about; the species and its status (Step 1: category, criteria, range, threats, knowledge
    gaps; a range map when ``occurrences`` — a table from :func:`exsitu.geo.read_occurrences` or
    ``(latitudes, longitudes)`` — is given); the ex situ population (holdings, Step 3 needs with their
    gene diversity figure, and a studbook summary when ``pedigree`` — from
    :func:`exsitu.pedigree.read_studbook` — is given); roles and options under discussion; the open
    questions (:func:`open_questions`); sources. ``figures=False`` leaves every figure out. Output is
    bounded (see the module's limits) and the same inputs always give the same text. Raises
    :class:`InvalidInputError` naming ``format``, ``figures``, ``assessment``, ``occurrences`` or ``pedigree``.
    """
    kind = _B._format(format)
    if not isinstance(figures, bool):
        raise InvalidInputError("figures", f"expected True or False, got {figures!r}", "use True or False")
    if not isinstance(assessment, Assessment):
        raise InvalidInputError("assessment", f"expected an exsitu.assessment.Assessment, got "
                                f"{type(assessment).__name__}", "build or load one with exsitu.assessment")
    questions = open_questions(assessment)
    title = f"Briefing book — {assessment.title or 'Ex situ Conservation Assessment of ' + assessment.taxon}"
    header = _B._header_blocks(assessment)
    sections = [_about(assessment, questions), _status(assessment, occurrences, figures),
                _ex_situ(assessment, pedigree, figures), _roles(assessment), _questions(questions),
                _B._sources_section(assessment)]
    header = [_bound(block) for block in header if block is not None]
    for section in sections:
        section.blocks = [_bound(block) for block in section.blocks if block is not None]
    title = _cut(title, 300)
    text = _B._markdown(title, header, sections) if kind == "markdown" else _B._html(title, header, sections)
    return text.replace("Report made with the exsitu toolkit", "Briefing book made with the exsitu toolkit", 1)

