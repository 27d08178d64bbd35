"""The assessment report: one :class:`~exsitu.assessment.Assessment` as Markdown or as a standalone HTML page.

:func:`render_report` states the recommendation, the role(s), the population needed, feasibility, the
risks, the Step 5 outcome of each option with the group's reasoning and dissent, and the sources — then
gives each of the five steps in full. Step 5 shows the sequence the guidelines' decision follows in this
course (conservation value → structure → feasibility and risk gates → outcome; :mod:`exsitu.decision`),
the risk of doing nothing ex situ, the conditions and deferral evidence, the dissent (named or
anonymous), and then the weighted scoring, labelled as an optional aid, with its sensitivity (how far
each criterion's weight must move before another option comes first). A step
without a result says "Not yet done", so a report can be printed at any point of a workshop.

The HTML page stands alone: figures are embedded as PNG (``data:`` URIs), the CSS is inline, there is no
script, web font or other external file, and it prints with a page break before each step. All text
that comes from the assessment is escaped (:func:`html.escape`). The Markdown carries the same content
(figures as ``data:`` PNG images); ``figures=False`` leaves the figures out of either format.

The same assessment always gives the same text, byte for byte: figures are drawn with Matplotlib's
default style and saved without a software tag or date, and nothing depends on the clock. Figures come
from the step modules' plot functions (:mod:`exsitu.genetics_plots`, :mod:`exsitu.feasibility_plots`,
:mod:`exsitu.decision_plots`). The assessment stores the range summary, not the occurrence records, so
no range map is drawn; make one with :func:`exsitu.geo_plots.plot_range` from the records.
"""

from __future__ import annotations

import base64
import html
import io
import json
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, Callable, Iterable, Union

import matplotlib
import matplotlib.style
import pandas as pd
from matplotlib.figure import Figure

from exsitu.assessment import SCHEMA_VERSION, STEP_TITLES, Assessment, PopulationNeed
from exsitu.decision import AID_LABEL, FORMS, RECOMMENDED, SEQUENCE, Decision, DecisionRecord, aid_ranking
from exsitu.feasibility import RISK_CATEGORIES, FeasibilityAssessment
from exsitu.validation import InvalidInputError

__all__ = ["FORMATS", "NOT_YET_DONE", "render_briefing_book", "render_report", "save_report"]

FORMATS: dict[str, str] = {"markdown": "markdown", "md": "markdown", "html": "html"}
"""Accepted ``format`` values → the format written."""

_EXTENSIONS = {".md": "markdown", ".markdown": "markdown", ".html": "html", ".htm": "html"}

NOT_YET_DONE = "Not yet done."
"""What a step without a result says."""

_DPI = 110

# --------------------------------------------------------------------------------------------------
# A small document model, rendered to Markdown or HTML (so both formats carry the same content)
# --------------------------------------------------------------------------------------------------


@dataclass
class _Heading:
    level: int
    text: str
    anchor: str = ""


@dataclass
class _Para:
    text: str
    label: str = ""
    kind: str = ""  # '', 'missing', 'note', 'verdict-yes', 'verdict-no', 'verdict-open', 'warning'


@dataclass
class _List:
    items: list[str]


@dataclass
class _Facts:
    rows: list[tuple[str, str]]


@dataclass
class _Table:
    header: list[str]
    rows: list[list[str]]
    caption: str = ""


@dataclass
class _Image:
    png: bytes
    alt: str
    caption: str


@dataclass
class _Sources:
    items: list[tuple[str, str, str]]  # key, citation, url


@dataclass
class _Pre:
    text: str


_Block = Union[_Heading, _Para, _List, _Facts, _Table, _Image, _Sources, _Pre]


@dataclass
class _Section:
    anchor: str
    title: str
    blocks: list[_Block] = field(default_factory=list)
    page_break: bool = False


# --------------------------------------------------------------------------------------------------
# Formatting helpers
# --------------------------------------------------------------------------------------------------

def _num(value: float | int | None, digits: int = 0) -> str:
    """Thousands separators; whole numbers without decimals, others with ``digits`` decimals."""
    if value is None:
        return "—"
    value = float(value)
    if abs(value - round(value)) < 1e-9 * max(1.0, abs(value)):
        return f"{round(value):,}"
    return f"{value:,.{digits}f}"


def _weight(value: float | None) -> str:
    return "—" if value is None else f"{max(0.0, float(value)):.3f}"


def _quoted(names: Iterable[str]) -> str:
    items = [f"'{name}'" for name in names]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


_URL = re.compile(r"^https?://[^\s<>\"'`]+$")


def _safe_url(url: str) -> str | None:
    url = url.strip()
    return url if _URL.match(url) else None


# --------------------------------------------------------------------------------------------------
# Figures (cached on the JSON of what they show, so the Markdown and HTML of one assessment share them)
# --------------------------------------------------------------------------------------------------

def _draw(size: tuple[float, float], draw: Callable[[Figure], None], nrows: int = 1, ncols: int = 1) -> bytes:
    with matplotlib.style.context("default"):
        figure = Figure(figsize=size, dpi=_DPI)
        axes = figure.subplots(nrows, ncols, squeeze=False)
        draw(figure, *axes.ravel())
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png", dpi=_DPI, bbox_inches="tight", metadata={"Software": None})
    return buffer.getvalue()


@lru_cache(maxsize=64)
def _figure_png(kind: str, payload: str) -> bytes:
    data = json.loads(payload)
    if kind == "gene_diversity":
        from exsitu.genetics_plots import plot_gene_diversity

        def draw(figure, ax):
            plot_gene_diversity([data["effective_size"]], years=data["years"], generation_time=data["generation_time"],
                                initial_gene_diversity=data["initial_gene_diversity"],
                                target_gene_diversity=data["target_gene_diversity"], ax=ax)
        return _draw((7, 3.6), draw)
    if kind == "risk_heatmaps":
        from exsitu.feasibility_plots import plot_risk_heatmap
        feasibility = FeasibilityAssessment.from_dict(data)

        def draw(figure, left, right):
            plot_risk_heatmap(feasibility, residual=False, ax=left)
            plot_risk_heatmap(feasibility, residual=True, ax=right)
            figure.tight_layout(w_pad=3.0)
        return _draw((13, 5.6), draw, 1, 2)
    if kind == "factors":
        from exsitu.feasibility_plots import plot_feasibility_factors
        feasibility = FeasibilityAssessment.from_dict(data)
        return _draw((8, 0.45 * len(feasibility.factors) + 1.5),
                     lambda figure, ax: plot_feasibility_factors(feasibility, ax=ax))
    decision = Decision.from_dict(data)
    if kind == "contributions":
        from exsitu.decision_plots import plot_contributions
        return _draw((10, 0.55 * len(decision.options) + 1.8), lambda figure, ax: plot_contributions(decision, ax=ax))
    if kind == "sensitivity":
        from exsitu.decision_plots import plot_sensitivity

        n = len(decision.criteria)
        ncols = 1 if n == 1 else 2
        nrows = -(-n // ncols)

        def draw(figure, *axes):
            for criterion, ax in zip(decision.criteria, axes):
                plot_sensitivity(decision, criterion.id, ax=ax)
                ax.set_title(f"Weight of '{criterion.name}'", fontsize="medium")
                ax.set_xlabel("Weight (others rescaled in proportion)")
                handles, labels = ax.get_legend_handles_labels()
                ax.get_legend().remove()
                # Keep in each panel only what is particular to it (current weight, change points);
                # the options' lines are named once in a legend for the whole figure.
                own = [(h, lab) for h, lab in zip(handles, labels)
                       if lab.startswith("current weight") or lab.startswith("top changes")]
                ax.legend([h for h, _ in own], [lab for _, lab in own], loc="best", fontsize="x-small")
            for ax in axes[n:]:
                ax.set_axis_off()
            lines, names = axes[0].get_legend_handles_labels()
            options = [(h, lab) for h, lab in zip(lines, names) if lab in {o.name for o in decision.options}]
            figure.legend([h for h, _ in options], [lab for _, lab in options], loc="lower center",
                          ncols=2, fontsize="small", frameon=False, bbox_to_anchor=(0.5, 0.0))
            figure.tight_layout(rect=(0, 0.04 + 0.025 * ((len(options) + 1) // 2), 1, 1), h_pad=1.5, w_pad=2.0)
        return _draw((11, 3.4 * nrows + 0.3 * len(decision.options)), draw, nrows, ncols)
    raise ValueError(f"unknown figure kind {kind!r}")  # pragma: no cover - internal


def _image(kind: str, data: dict, alt: str, caption: str, figures: bool = True) -> _Block | None:
    if not figures:
        return None
    try:
        png = _figure_png(kind, json.dumps(data, sort_keys=True))
    except (InvalidInputError, ValueError, KeyError, TypeError) as error:
        return _Para(f"The figure could not be drawn ({error}).", kind="warning")
    return _Image(png, alt, caption)


# --------------------------------------------------------------------------------------------------
# Building the document
# --------------------------------------------------------------------------------------------------

def _role_names(assessment: Assessment) -> dict[str, str]:
    names: dict[str, str] = {}
    if assessment.roles is not None:
        names.update({d.role.id: d.role.name for d in assessment.roles.decisions})
    return names


def _role_name(role_id: str, names: dict[str, str]) -> str:
    if role_id in names:
        return names[role_id]
    try:
        from exsitu.roles import get_role

        return get_role(role_id).name
    except InvalidInputError:
        return role_id


def _record_and_decision(assessment: Assessment) -> tuple[DecisionRecord | None, Decision | None]:
    record = assessment.decision_record
    decision = record.decision if record is not None else assessment.decision
    return record, decision


def _ranking_ok(decision: Decision) -> bool:
    try:
        decision.normalised_weights()
    except InvalidInputError:
        return False
    return not decision.missing_scores()


def _verdict(assessment: Assessment) -> _Para:
    """The recommendation in one paragraph (the words tests and readers look for)."""
    record, decision = _record_and_decision(assessment)
    names = _role_names(assessment)
    if record is not None and record.evaluations:
        when = f" (decision recorded {record.date})" if record.date else ""
        outcomes = set(record.outcomes.values())
        kind = "verdict-yes" if record.ex_situ_recommended else ("verdict-open" if "deferred" in outcomes else "verdict-no")
        return _Para(record.verdict + when, "Recommendation:", kind)
    if record is not None:
        when = f" (decision recorded {record.date})" if record.date else ""
        if not record.ex_situ_recommended:
            return _Para(f"Ex situ management is not recommended{when}: the group chose 'No ex situ action'; the "
                         "species' plan stays integrated without an ex situ component.", "Recommendation:", "verdict-no")
        chosen = _quoted(option.name for option in record.chosen_options)
        roles = ", ".join(_role_name(r, names) for r in record.roles_retained)
        forms = ", ".join(sorted({FORMS[o.form] for o in record.chosen_options}))
        return _Para(f"Ex situ management is recommended{when}: {chosen} ({forms}); role(s) retained: {roles}.",
                     "Recommendation:", "verdict-yes")
    if decision is not None and _ranking_ok(decision):
        statement = decision.recommendation().statement
        return _Para("Step 5 not yet done: no decision has been recorded. Optional aid only (weighted scoring, which "
                     f"does not decide the outcome) so far: {statement}", "Recommendation:", "verdict-open")
    return _Para("Step 5 not yet done: no decision has been recorded.", "Recommendation:", "verdict-open")


def _need_line(need: PopulationNeed, names: dict[str, str]) -> str:
    parts = [f"{_role_name(need.role_id, names)} ({need.form})"]
    if need.target is not None:
        t = need.target
        parts.append(f"Ne ≥ {_num(t.effective_size)} and N ≥ {_num(t.census_size)} to keep "
                     f"{t.target_gene_diversity:.0%} of wild gene diversity for {_num(t.years)} years")
    if need.samples is not None:
        parts.append(f"{_num(need.samples)} individuals sampled")
    if need.founders_available is not None:
        parts.append(f"{_num(need.founders_available)} founders available")
    if len(parts) == 1:
        parts.append("no numeric target (see notes)")
    return ": ".join([parts[0], "; ".join(parts[1:])])


def _sensitivity_lines(decision: Decision) -> tuple[list[str], str]:
    """One sentence per criterion and the headline (most sensitive criterion)."""
    analysis = decision.sensitivity()
    names = {o.id: o.name for o in decision.options}
    leaders = _quoted(names[i] for i in analysis.leader_ids)
    lines = []
    for item in sorted(analysis.items, key=lambda it: (it.smallest_change is None, it.smallest_change or 0.0)):
        head = f"{item.criterion} (weight {item.current_weight:.2f})"
        if item.robust:
            lines.append(f"{head}: no weight between 0 and 1 changes the top option.")
            continue
        moves = []
        if item.increase_to is not None:
            moves.append(f"rising to {_weight(item.increase_to)} puts {_quoted(names[i] for i in item.leaders_if_increased)}"
                         " first")
        if item.decrease_to is not None:
            moves.append(f"falling to {_weight(item.decrease_to)} puts {_quoted(names[i] for i in item.leaders_if_decreased)}"
                         " first")
        lines.append(f"{head}: " + "; ".join(moves) + f" (smallest change {_weight(item.smallest_change)}).")
    top = analysis.most_sensitive
    if top is None:
        headline = (f"Robust: no single weight between 0 and 1 changes the top option ({leaders}) when the other "
                    "weights are rescaled in proportion.")
    else:
        new = _quoted(names[i] for i in top.new_leaders)
        headline = (f"The top option ({leaders}) is most sensitive to the weight of '{top.criterion}': a change of "
                    f"{_weight(top.smallest_change)} (from {top.current_weight:.3f}) puts {new} first.")
    return lines, headline


def _summary_section(assessment: Assessment) -> _Section:
    section = _Section("summary", "Summary")
    blocks = section.blocks
    blocks.append(_verdict(assessment))
    names = _role_names(assessment)
    if assessment.roles is not None:
        accepted = assessment.roles.accepted_roles()
        text = ", ".join(role.name for role in accepted) if accepted else "none accepted yet"
        blocks.append(_Para(text, "Roles accepted (Step 2):"))
    else:
        blocks.append(_Para(NOT_YET_DONE, "Roles accepted (Step 2):", "missing"))
    if assessment.population_needs:
        blocks.append(_Para("", "Population needed (Step 3):"))
        blocks.append(_List([_need_line(need, names) for need in assessment.population_needs]))
    else:
        blocks.append(_Para(NOT_YET_DONE, "Population needed (Step 3):", "missing"))
    if assessment.feasibility:
        blocks.append(_Para("", "Feasibility and risks (Step 4):"))
        items = []
        for feasibility in assessment.feasibility:
            summary = feasibility.summary()
            text = f"{feasibility.option}: {summary.label}"
            blockers = [g["name"] for g in summary.blocking_gaps] + [r["label"] for r in summary.blocking_risks]
            if blockers:
                text += " (blocked by: " + "; ".join(blockers) + ")"
            risky = [r for r in feasibility.risks if r.residual_level in ("high", "extreme")]
            if risky:
                text += "; residual risks rated high or extreme: " + "; ".join(
                    f"{r.label} ({r.residual[0]}×{r.residual[1]} = {r.residual_rating}, {r.residual_level})"
                    for r in sorted(risky, key=lambda r: -r.residual_rating))
            else:
                text += "; no residual risk rated high or extreme"
            if summary.unrated_risks:
                text += f"; {summary.unrated_risks} risk(s) not yet rated"
            items.append(text)
        blocks.append(_List(items))
    else:
        blocks.append(_Para(NOT_YET_DONE, "Feasibility and risks (Step 4):", "missing"))
    record, decision = _record_and_decision(assessment)
    if record is not None and record.evaluations:
        blocks.append(_Para("", "Outcome of each option (Step 5):"))
        blocks.append(_List([_outcome_line(e) for e in record.evaluations]))
    if record is not None and record.reasoning:
        blocks.append(_Para(record.reasoning, "The group's reasoning (Step 5):"))
    if record is not None and record.dissent:
        blocks.append(_Para("; ".join(_dissent_line(d, record) for d in record.dissent), "Dissent (Step 5):"))
    if decision is not None and _ranking_ok(decision):
        blocks.append(_Para(_sensitivity_lines(decision)[1], "Optional aid — sensitivity of the weighted scoring (Step 5):"))
    return section


def _outcome_line(evaluation: Any) -> str:
    text = f"{evaluation.option.name}: {evaluation.outcome}"
    if evaluation.outcome == "not recommended":
        text += f" (decided by its {evaluation.decided_by})"
    elif evaluation.outcome == "deferred":
        text += " until: " + "; ".join(evaluation.evidence_needed)
    elif evaluation.conditions:
        text += f" ({len(evaluation.conditions)} condition(s), see Step 5)"
    return text


def _dissent_line(dissent: Any, record: DecisionRecord) -> str:
    about = ""
    if dissent.option_id:
        names = {e.option.id: e.option.name for e in record.evaluations}
        if record.decision is not None:
            names.update({o.id: o.name for o in record.decision.options})
        about = f" (on '{names.get(dissent.option_id, dissent.option_id)}')"
    return f"{dissent.by or 'anonymous'}{about}: {dissent.text}"


def _header_blocks(assessment: Assessment) -> list[_Block]:
    rows = [("Taxon", assessment.taxon)]
    for label, value in (("Taxon group", assessment.taxon_group), ("Scope", assessment.scope),
                         ("Created", assessment.created), ("Updated", assessment.updated)):
        if value:
            rows.append((label, value))
    if assessment.participants:
        rows.append(("Participants", "; ".join(
            ", ".join(part for part in (p.name, p.organisation, p.role, p.expertise) if part)
            for p in assessment.participants)))
    done = assessment.steps_done()
    rows.append(("Steps done", "\n".join(f"{n}. {STEP_TITLES[n]}: {'done' if done[n] else 'not yet done'}"
                                          for n in sorted(done))))
    blocks: list[_Block] = [_Facts(rows)]
    if assessment.unparsed:
        blocks.append(_Para("These sections of the file could not be read and are shown as stored at the end of "
                            "the report: " + ", ".join(sorted(assessment.unparsed)) + ".", "Warning:", "warning"))
    return blocks


def _step1(assessment: Assessment) -> _Section:
    section = _Section("step-1", f"Step 1 — {STEP_TITLES[1]}", page_break=True)
    blocks = section.blocks
    review = assessment.status_review
    if review is None:
        blocks.append(_Para(NOT_YET_DONE, kind="missing"))
    else:
        rows = [("Taxon", review.taxon)]
        if review.taxon_group:
            rows.append(("Taxon group", review.taxon_group))
        shown = review.category
        if review.redlist is not None and review.redlist.tag and review.redlist.category == review.category:
            shown = review.redlist.label  # CR(PE) or CR(PEW): the Possibly Extinct tags
        rows.append(("Red List category", f"{shown} {review.criteria}".strip()))
        if review.category_differs_from_evidence:
            rows.append(("Category from the evidence", review.redlist.category + " (the category kept differs, e.g. "
                         "by the five-year rule)"))
        for label, value, unit in (("Extent of occurrence (EOO)", review.eoo_km2, " km²"),
                                   ("Area of occupancy (AOO)", review.aoo_km2, " km²"),
                                   ("Records used", review.records_kept, ""),
                                   ("Mature individuals", review.mature_individuals, "")):
            if value is not None:
                rows.append((label, _num(value, 1) + unit))
        for label, value in (("Wild population", review.wild_population),
                             ("Already held ex situ", review.ex_situ_holdings), ("Notes", review.notes)):
            if value:
                rows.append((label, value))
        blocks.append(_Facts(rows))
        blocks.append(_Heading(3, "Threats"))
        if review.threats:
            table = review.threats_table()
            blocks.append(_Table(["Code", "Threat", "Timing", "Scope", "Severity", "Impact (score)", "Notes"], [
                [row["code"], f"{row['threat']} ({row['category']})", row["timing"], row["scope"], row["severity"],
                 f"{row['impact']} ({'—' if pd.isna(row['score']) else int(row['score'])})", row["notes"]]
                for _, row in table.iterrows()],
                "Highest impact first. Impact from the IUCN threat impact scoring: timing + scope + severity "
                "(0–2 negligible, 3–5 Low, 6–7 Medium, 8–9 High)."))
        else:
            blocks.append(_Para("No threats recorded.", kind="missing"))
        if review.redlist is not None:
            result = review.redlist
            blocks.append(_Heading(3, "Red List criteria from the evidence"))
            blocks.append(_Para(result.summary(), "Result:"))
            blocks.append(_Table(["Criterion", "Status", "Reason"],
                                 [[e.criterion, e.status + (f" ({e.notation})" if e.notation else ""), e.reason]
                                  for e in result.explanations]))
            if result.notes:
                blocks.append(_List(list(result.notes)))
        if review.knowledge_gaps:
            blocks.append(_Heading(3, "Knowledge gaps"))
            blocks.append(_List(list(review.knowledge_gaps)))
    summary = assessment.range_summary
    blocks.append(_Heading(3, "Range (criterion B)"))
    if summary is None:
        blocks.append(_Para("No range summary in the assessment.", kind="missing"))
    else:
        from exsitu.geo import EXCLUSION_REASONS

        excluded = "; ".join(f"{count} {EXCLUSION_REASONS.get(key, key.replace('_', ' '))}"
                             for key, count in summary.excluded.items() if count)
        rows = [("Records", f"{_num(summary.n_records_read)} read, {_num(summary.n_records_kept)} kept"
                 + (f" (excluded: {excluded})" if excluded else "")),
                ("EOO", f"{_num(summary.eoo_km2, 1)} km² — {summary.eoo_rule}"),
                ("AOO", f"{_num(summary.aoo_km2, 1)} km² ({_num(summary.n_cells)} cells of "
                        f"{summary.cell_size_km:g} × {summary.cell_size_km:g} km; grid {summary.grid})")]
        rows += [("Note", note) for note in summary.notes]
        blocks.append(_Facts(rows))
        blocks.append(_Para("The assessment stores this summary, not the records, so no map is drawn here.",
                            kind="note"))
    return section


def _step2(assessment: Assessment) -> _Section:
    section = _Section("step-2", f"Step 2 — {STEP_TITLES[2]}", page_break=True)
    blocks = section.blocks
    selection = assessment.roles
    if selection is None:
        blocks.append(_Para(NOT_YET_DONE, kind="missing"))
        return section
    retained = [d for d in selection.decisions if d.status in ("accepted", "added")]
    rejected = [d for d in selection.decisions if d.status == "rejected"]
    open_ = [d for d in selection.decisions if d.status == "suggested"]
    blocks.append(_Heading(3, "Roles retained"))
    if retained:
        blocks.append(_Table(["Role", "Purpose", "Suggestion (score)", "Status", "Why"], [
            [d.role.name, d.role.purpose_group or "—", f"{d.strength} ({d.score})", d.status, d.rationale]
            for d in retained]))
        try:
            need = selection.population_requirements()
        except InvalidInputError:
            need = None
        if need is not None:
            blocks.append(_Facts([
                ("Genetic management", "yes" if need.genetic_management else "no"),
                ("Size", need.size_scale), ("Duration", need.duration_scale),
                ("Individuals for release", "yes" if need.release_ready else "no"),
                ("Step 3 calculation", need.step3_calculation or "—")]))
    else:
        blocks.append(_Para("No role accepted yet.", kind="missing"))
    if rejected:
        blocks.append(_Heading(3, "Roles rejected"))
        blocks.append(_Table(["Role", "Suggestion (score)", "Why"],
                             [[d.role.name, f"{d.strength} ({d.score})", d.rationale] for d in rejected]))
    if open_:
        blocks.append(_Heading(3, "Other roles the rules suggested (not decided)"))
        blocks.append(_Table(["Role", "Suggestion (score)", "Reasons"],
                             [[d.role.name, f"{d.strength} ({d.score})", "; ".join(r.text for r in d.reasons)]
                              for d in open_]))
    from exsitu.roles import PURPOSE_GROUPS

    blocks.append(_Para("Purpose groups: " + "; ".join(f"{k} {v}" for k, v in PURPOSE_GROUPS.items()) +
                        " (IUCN/SSC 2014 via the Canadian Species Initiative; the role → group mapping is the course's "
                        "teaching synthesis).", kind="note"))
    return section


def _pva_blocks(pva: dict) -> list[_Block]:
    if not pva:
        return []
    if all(isinstance(value, dict) for value in pva.values()):
        columns: list[str] = []
        for value in pva.values():
            columns.extend(key for key in value if key not in columns)
        rows = [[str(name)] + [_cell(value.get(col)) for col in columns] for name, value in pva.items()]
        return [_Table(["Scenario"] + [c.replace("_", " ") for c in columns], rows, "Population viability figures.")]
    return [_Facts([(str(key).replace("_", " "), _cell(value)) for key, value in pva.items()])]


def _cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return f"{value:.3g}" if abs(value) < 1000 else _num(value)
    if isinstance(value, (list, dict)):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _step3(assessment: Assessment, figures: bool) -> _Section:
    section = _Section("step-3", f"Step 3 — {STEP_TITLES[3]}", page_break=True)
    blocks = section.blocks
    if not assessment.population_needs:
        blocks.append(_Para(NOT_YET_DONE, kind="missing"))
        return section
    names = _role_names(assessment)
    for need in assessment.population_needs:
        role = _role_name(need.role_id, names)
        blocks.append(_Heading(3, f"{role} — {need.form}"))
        rows = [("Form", need.form)]
        if need.duration_years is not None:
            rows.append(("Duration", f"{_num(need.duration_years, 1)} years"))
        if need.founders_available is not None:
            rows.append(("Founders available", _num(need.founders_available)))
        if need.samples is not None:
            rows.append(("Individuals to sample", _num(need.samples)))
        target = need.target
        if target is not None:
            founders = "ignored (GD₀ = 1)" if target.founders is None else (
                f"{_num(target.founders, 1)} → GD₀ = {target.initial_gene_diversity:.4f}")
            rows += [
                ("Genetic goal", f"keep {target.target_gene_diversity:.0%} of wild gene diversity for "
                                 f"{_num(target.years, 1)} years ({target.generations:.1f} generations of "
                                 f"{target.generation_time:g} years)"),
                ("Founders", founders),
                ("Effective size needed", f"Ne ≥ {_num(target.effective_size)} (exact {target.effective_size_exact:.2f})"),
                ("Census size needed", f"N ≥ {_num(target.census_size)} at Ne/N = {target.ne_to_n_ratio:g}"),
                ("Gene diversity at the end", f"{target.final_gene_diversity:.4f} with Ne = {target.effective_size}"),
            ]
        if need.notes:
            rows.append(("Notes", need.notes))
        blocks.append(_Facts(rows))
        blocks.extend(_pva_blocks(need.pva))
        if target is not None:
            blocks.append(_image("gene_diversity", {
                "effective_size": target.effective_size, "years": target.years,
                "generation_time": target.generation_time, "initial_gene_diversity": target.initial_gene_diversity,
                "target_gene_diversity": target.target_gene_diversity},
                f"Gene diversity over {_num(target.years, 1)} years at Ne = {target.effective_size}",
                f"Gene diversity retained over time at the Ne needed for {role}: GD_t = GD₀·(1 − 1/(2Ne))^(t/L); "
                "dashed line: the goal.", figures))
    blocks.append(_Para("GD_t = GD₀·(1 − 1/(2Ne))^(years/L); N = Ne/(Ne/N); GD₀ = 1 − 1/(2·founders) "
                        "(exsitu.genetics; Frankham 1995 for wild Ne/N ≈ 0.1).", kind="note"))
    return section


def _step4(assessment: Assessment, figures: bool) -> _Section:
    section = _Section("step-4", f"Step 4 — {STEP_TITLES[4]}", page_break=True)
    blocks = section.blocks
    if not assessment.feasibility:
        blocks.append(_Para(NOT_YET_DONE, kind="missing"))
        return section
    names = _role_names(assessment)
    for feasibility in assessment.feasibility:
        summary = feasibility.summary()
        roles = ", ".join(_role_name(r, names) for r in feasibility.role_ids)
        blocks.append(_Heading(3, feasibility.option))
        blocks.append(_Para(summary.label + (f" (roles: {roles})" if roles else ""), "Feasibility:",
                            "verdict-no" if summary.blocked else ""))
        if summary.blocking_gaps or summary.blocking_risks:
            blocks.append(_Para("", "What blocks it:"))
            blocks.append(_List([f"{g['name']}: {g['why']}" for g in summary.blocking_gaps] +
                                [f"{r['label']}: {r['why']}" for r in summary.blocking_risks]))
        if summary.conditions:
            blocks.append(_Para("", "Conditions:"))
            blocks.append(_List(list(summary.conditions)))
        blocks.append(_Table(["Factor", "Essential", "Rating", "Evidence"], [
            [f.name, "yes" if f.essential else "no", f.rating + (" — BLOCKS" if f.blocking else ""), f.evidence or "—"]
            for f in feasibility.factors], "Ratings: available, partial, gap, unknown; an essential gap blocks."))
        if feasibility.factors:
            blocks.append(_image("factors", feasibility.to_dict(), f"Feasibility factors of {feasibility.option}",
                                 f"Feasibility factors — {feasibility.option}.", figures))
        if feasibility.risks:
            def rated(likelihood, consequence, level):
                return "not rated" if likelihood is None else f"{likelihood}×{consequence} = {likelihood * consequence} ({level})"
            blocks.append(_Table(["Category", "Risk", "Description", "Before mitigation", "Mitigation",
                                  "After mitigation"], [
                [RISK_CATEGORIES.get(r.category, r.category), r.label, r.description,
                 rated(r.likelihood, r.consequence, r.level), r.mitigation or "—",
                 rated(*(r.residual or (None, None)), r.residual_level)]
                for r in sorted(feasibility.risks, key=lambda r: -(r.residual_rating or 0))],
                "Risk register, highest residual rating first. Likelihood × consequence on 1–5 scales; levels "
                "1–4 low, 5–9 medium, 10–16 high, 20–25 extreme (course convention)."))
            blocks.append(_image("risk_heatmaps", feasibility.to_dict(), f"Risk matrices of {feasibility.option}",
                                 f"Risk matrix before (left) and after (right) mitigation — {feasibility.option}.",
                                 figures))
        else:
            blocks.append(_Para("No risks recorded.", kind="missing"))
        if feasibility.notes:
            blocks.append(_Para(feasibility.notes, "Notes:", "note"))
    return section


_STAGE_WORDS = {"pass": "passes", "conditions": "passes with conditions", "fail": "FAILS", "unknown": "not yet known"}


def _step5_sequence(record: DecisionRecord, names: dict[str, str]) -> list[_Block]:
    """The value → structure → gates → outcome evaluation of every option, the baseline and the dissent."""
    blocks: list[_Block] = [_Heading(3, "The evaluation: conservation value → structure → feasibility and risk gates")]
    blocks.append(_Para(
        "Each ex situ option is taken through " + " → ".join(SEQUENCE) + " → outcome; the first stage that fails "
        "decides, so nothing later (and no weighted score) can make up for it. Outcomes: recommended, recommended "
        "with conditions, not recommended, deferred (with the evidence that would change it). The guidelines ask "
        "for an informed, transparent decision on which ex situ roles, if any, to retain (IUCN/SSC 2014; CPSG); "
        "CPSG's ECA weighs conservation value, required structure and feasibility (Amphibian Ark on CPSG's course). "
        "A gate is closed by an essential feasibility factor rated 'gap' or a residual risk at an unacceptable level "
        "(course reading).", kind="note"))
    if record.baseline is not None:
        blocks.append(_Para(record.baseline.statement(), "The risk of doing nothing ex situ (No ex situ action):"))
    rows = [["No ex situ action (baseline)", "—", "—", "—", "—", "the risk of doing nothing, above"]]
    rows += [[e.option.name, e.conservation_value, e.structure, e.feasibility_gate.state, e.risk_gate.state, e.outcome]
             for e in record.evaluations]
    blocks.append(_Table(["Option", "Conservation value", "Structure can be met", "Feasibility gate", "Risk gate",
                          "Outcome"], rows, "Conservation value: high, medium, low, none (low or none → not "
                                               "recommended). Structure: yes, with conditions, no, unknown. Gates: open, "
                                               "open with conditions, closed, unknown."))
    for e in record.evaluations:
        blocks.append(_Heading(4, f"{e.option.name} — {e.outcome}"))
        roles = ", ".join(_role_name(r, names) for r in e.option.role_ids)
        blocks.append(_Para(f"{FORMS[e.option.form]}; role(s): {roles}"
                            + (f"; threats addressed: {', '.join(e.threats_addressed)}" if e.threats_addressed else ""),
                            kind="note"))
        blocks.append(_List([f"{stage.capitalize()} — {_STAGE_WORDS[verdict]}: {reason}"
                             for stage, verdict, reason in e.sequence()]))
        blocks.append(_Para(e.statement(), "Outcome:",
                            "verdict-yes" if e.outcome in RECOMMENDED else
                            ("verdict-open" if e.outcome == "deferred" else "verdict-no")))
        if e.outcome == "recommended with conditions":
            blocks.append(_Para("", "Conditions:"))
            blocks.append(_List(list(e.conditions)))
        if e.outcome == "deferred":
            blocks.append(_Para("", "What evidence would change the deferral:"))
            blocks.append(_List(list(e.evidence_needed)))
    return blocks


def _step5(assessment: Assessment, figures: bool) -> _Section:
    section = _Section("step-5", f"Step 5 — {STEP_TITLES[5]}", page_break=True)
    blocks = section.blocks
    record, decision = _record_and_decision(assessment)
    names = _role_names(assessment)
    blocks.append(_verdict(assessment))
    if record is None and decision is None:
        return section
    if record is not None:
        rows = [("Options retained", _quoted(o.name for o in record.chosen_options)),
                ("Roles retained", ", ".join(_role_name(r, names) for r in record.roles_retained) or
                 "none (no ex situ action)")]
        if record.date:
            rows.append(("Date", record.date))
        if record.participants:
            rows.append(("Participants", ", ".join(record.participants)))
        rows.append(("The group's reasoning", record.reasoning or "— (not written)"))
        if record.notes:
            rows.append(("Notes", record.notes))
        blocks.append(_Facts(rows))
        if record.evaluations:
            blocks.extend(_step5_sequence(record, names))
        else:
            blocks.append(_Para("This record was made before the Step 5 evaluation of conservation value, structure "
                                "and the feasibility and risk gates (or from the weighted scoring alone): the outcome "
                                "of each option is not recorded.", kind="warning"))
        blocks.append(_Heading(3, "Dissent"))
        if record.dissent:
            blocks.append(_List([_dissent_line(d, record) for d in record.dissent]))
        else:
            blocks.append(_Para("No dissent recorded.", kind="missing"))
        if record.flags:
            blocks.append(_Para("", "Transparency flags:", "warning"))
            blocks.append(_List(list(record.flags)))
        if decision is not None and assessment.decision is not None and assessment.decision != record.decision:
            blocks.append(_Para("The working weighted scoring in this assessment has changed since the decision was "
                                "recorded; the optional aid below is shown as recorded.", kind="warning"))
    if decision is None:
        return section
    blocks.append(_Heading(3, f"Optional aid: weighted scoring — {decision.title}"))
    blocks.append(_Para(AID_LABEL, kind="warning"))
    if decision.description:
        blocks.append(_Para(decision.description, kind="note"))
    try:
        weights = decision.normalised_weights()
    except InvalidInputError as error:
        blocks.append(_Para(str(error), kind="warning"))
        return section
    blocks.append(_Table(["Criterion", "Direction", "Weight", "Description"], [
        [c.name, "higher is better" if c.direction == "benefit" else "higher is worse", f"{weights[c.id]:.2f}",
         c.description] for c in decision.criteria],
        f"Weights normalised to sum 1; scores on {decision.score_min:g}–{decision.score_max:g}."))
    missing = decision.missing_scores()
    if missing:
        blocks.append(_Para(f"{len(missing)} option/criterion pair(s) not yet scored, so the options cannot be ranked: "
                            + ", ".join(f"{o}/{c}" for o, c in missing[:12]) + ("…" if len(missing) > 12 else "")
                            + ".", kind="missing"))
    else:
        evaluations = record.evaluations if record is not None else ()
        ranking = aid_ranking(decision, evaluations) if evaluations else decision.ranking()
        uncertainty = decision.weight_uncertainty(draws=4000, seed=0)
        blocks.append(_Heading(3, "Optional aid: ranking by weighted score"))
        header = ["Rank", "Option", "Form", "Roles", "Weighted score", "First in weight draws"]
        if evaluations:
            header += ["Step 5 outcome"]
        blocks.append(_Table(header, [
            [str(row["rank"]), row["option"], FORMS[row["form"]],
             ", ".join(_role_name(r, names) for r in decision.option(option_id).role_ids) or "—",
             f"{row['weighted_score']:.2f}", f"{uncertainty.loc[option_id, 'share_first']:.0%}"]
            + ([row["outcome"]] if evaluations else [])
            for option_id, row in ranking.iterrows()],
            "Optional aid, not the decision. Weighted score = Σ weight × value (cost criteria counted as min + max − "
            "score). 'First in weight draws': share of 4,000 weight sets drawn around the group's weights (Dirichlet, "
            "concentration 20, seed 0) in which the option ranks first."
            + (" The Step 5 outcome comes from conservation value → structure → gates; the weighted score cannot "
               "change it." if evaluations else "")))
        blocks.append(_Para(decision.recommendation().statement, "Weighted-scoring aid alone would say:"))
        blocks.append(_image("contributions", decision.to_dict(), "Contributions of each criterion",
                             "Optional aid: what each criterion contributes to each option's weighted score (best at "
                             "the top).", figures))
        lines, headline = _sensitivity_lines(decision)
        blocks.append(_Heading(3, "Optional aid: how far each weight must move"))
        blocks.append(_Para(headline))
        blocks.append(_List(lines))
        analysis = decision.sensitivity()
        option_names = {o.id: o.name for o in decision.options}
        blocks.append(_Table(["Criterion", "Weight now", "Rises to (then first)", "Falls to (then first)",
                              "Smallest change"], [
            [item.criterion, f"{item.current_weight:.3f}",
             "—" if item.increase_to is None else
             f"{_weight(item.increase_to)} ({', '.join(option_names[i] for i in item.leaders_if_increased)})",
             "—" if item.decrease_to is None else
             f"{_weight(item.decrease_to)} ({', '.join(option_names[i] for i in item.leaders_if_decreased)})",
             "robust" if item.robust else _weight(item.smallest_change)]
            for item in analysis.items], "One criterion's weight moves; the others are rescaled in proportion "
                                          "so all sum to 1 (exact crossings)."))
        blocks.append(_image("sensitivity", decision.to_dict(), "Weighted scores against each criterion's weight",
                             "Optional aid: weighted score of every option as one criterion's weight goes from 0 to 1 "
                             "(one panel per criterion); red: where the top option changes; black dashed: no ex situ "
                             "action.", figures))
    blocks.append(_Heading(3, "Optional aid: scores and their rationale"))
    if decision.scores:
        option_names = {o.id: o.name for o in decision.options}
        criterion_names = {c.id: c.name for c in decision.criteria}
        order = {(o, c): i for i, (o, c) in enumerate((o, c) for o in decision.option_ids for c in decision.criterion_ids)}
        scores = sorted(decision.scores, key=lambda s: order[(s.option_id, s.criterion_id)])
        authors = {s.by for s in scores}
        if len(authors) == 1:
            by = authors.pop()
            blocks.append(_Table(["Option", "Criterion", "Score", "Rationale"], [
                [option_names[s.option_id], criterion_names[s.criterion_id], f"{s.value:g}", s.rationale or "— (none)"]
                for s in scores], f"Scores by: {by}." if by else ""))
        else:
            blocks.append(_Table(["Option", "Criterion", "Score", "Rationale", "By"], [
                [option_names[s.option_id], criterion_names[s.criterion_id], f"{s.value:g}", s.rationale or "— (none)",
                 s.by or "—"] for s in scores]))
    else:
        blocks.append(_Para("No scores yet.", kind="missing"))
    if record is not None and record.summary:
        blocks.append(_Para(record.summary, "Summary recorded with the decision:", "note"))
    return section


def _sources_section(assessment: Assessment) -> _Section:
    section = _Section("sources", "Sources", page_break=True)
    if assessment.sources:
        section.blocks.append(_Sources([(s.key, s.citation, s.url) for s in assessment.sources]))
    else:
        section.blocks.append(_Para("No sources recorded.", kind="missing"))
    if assessment.notes:
        section.blocks.append(_Heading(3, "Notes"))
        section.blocks.append(_Para(assessment.notes))
    if assessment.unparsed:
        section.blocks.append(_Heading(3, "Sections that could not be read"))
        for name in sorted(assessment.unparsed):
            section.blocks.append(_Para("", f"{name}:"))
            section.blocks.append(_Pre(json.dumps(assessment.unparsed[name], indent=2, ensure_ascii=False)))
    return section


def _document(assessment: Assessment, figures: bool) -> tuple[str, list[_Block], list[_Section]]:
    if not isinstance(assessment, Assessment):
        raise InvalidInputError("assessment", f"expected an exsitu.assessment.Assessment, got "
                                f"{type(assessment).__name__}", "build or load one with exsitu.assessment")
    title = assessment.title or f"Ex situ Conservation Assessment — {assessment.taxon}"
    sections = [_summary_section(assessment), _step1(assessment), _step2(assessment), _step3(assessment, figures),
                _step4(assessment, figures), _step5(assessment, figures), _sources_section(assessment)]
    for section in sections:
        section.blocks = [block for block in section.blocks if block is not None]
    return title, _header_blocks(assessment), sections


# --------------------------------------------------------------------------------------------------
# Markdown
# --------------------------------------------------------------------------------------------------

_MD_SPECIAL = re.compile(r"([\\`*_\[\]])")
_MD_ENTITY = re.compile(r"&(?=#?[A-Za-z0-9]+;)")
_MD_LINE_START = re.compile(r"^(\s*)(?:(#)|([-+=])(?=\s|[-=]*\s*$)|(\d+)([.)])(?=\s))", re.MULTILINE)


def _md(text: str) -> str:
    """Text safe as Markdown: no raw HTML (< and > as entities), no emphasis, link, code, heading or list by accident."""
    text = _MD_ENTITY.sub("&amp;", str(text)).replace("<", "&lt;").replace(">", "&gt;")
    text = _MD_SPECIAL.sub(r"\\\1", text).replace("\r", "")

    def guard(match: re.Match) -> str:
        indent, hash_, bullet, digits, mark = match.groups()
        if hash_:
            return indent + "\\#"
        if bullet:
            return indent + "\\" + bullet
        return indent + digits + "\\" + mark
    return _MD_LINE_START.sub(guard, text)


def _md_inline(text: str) -> str:
    """As :func:`_md`, with line breaks as ``<br>`` so that the text stays in its list item or table cell."""
    return _md(text).replace("\n", "<br>")


def _md_cell(text: str) -> str:
    return _md_inline(text).replace("|", "\\|") or " "


def _md_block(block: _Block) -> str:
    if isinstance(block, _Heading):
        return "#" * block.level + " " + _md_inline(block.text)
    if isinstance(block, _Para):
        label = f"**{_md_inline(block.label)}** " if block.label else ""
        body = _md(block.text)
        if block.kind == "missing":
            body = f"*{body}*"
        return (label + body).strip()
    if isinstance(block, _List):
        return "\n".join("- " + _md_inline(item) for item in block.items)
    if isinstance(block, _Facts):
        return "\n".join(f"- **{_md_inline(key)}:** " + _md_inline(value) for key, value in block.rows)
    if isinstance(block, _Table):
        lines = ["| " + " | ".join(_md_cell(h) for h in block.header) + " |",
                 "|" + "|".join("---" for _ in block.header) + "|"]
        lines += ["| " + " | ".join(_md_cell(cell) for cell in row) + " |" for row in block.rows]
        if block.caption:
            lines.append("")
            lines.append(f"*{_md_inline(block.caption)}*")
        return "\n".join(lines)
    if isinstance(block, _Image):
        data = base64.b64encode(block.png).decode("ascii")
        return f"![{_md_inline(block.alt)}](data:image/png;base64,{data})\n\n*{_md_inline(block.caption)}*"
    if isinstance(block, _Sources):
        lines = []
        for key, citation, url in block.items:
            link = _safe_url(url)
            tail = f" <{link}>" if link else (f" {_md_inline(url)}" if url else "")
            lines.append(f"- **\\[{_md_inline(key)}\\]** {_md_inline(citation)}{tail}")
        return "\n".join(lines)
    if isinstance(block, _Pre):
        fence = "````" if "```" in block.text else "```"
        return f"{fence}\n{block.text}\n{fence}"
    raise TypeError(block)  # pragma: no cover - internal


def _markdown(title: str, header: list[_Block], sections: list[_Section]) -> str:
    parts = [f"# {_md_inline(title)}"]
    parts += [_md_block(block) for block in header]
    parts.append("Contents: " + " · ".join(f"[{_md_inline(s.title)}](#{s.anchor})" for s in sections))
    for section in sections:
        parts.append(f'<a id="{section.anchor}"></a>\n\n## {_md_inline(section.title)}')
        parts += [_md_block(block) for block in section.blocks]
    parts.append(_md(_footer()))
    return "\n\n".join(part for part in parts if part) + "\n"


# --------------------------------------------------------------------------------------------------
# HTML
# --------------------------------------------------------------------------------------------------

_CSS = """
:root { --ink: #1f2933; --muted: #52606d; --rule: #cbd2d9; --band: #f5f7fa; --accent: #1d3557; }
* { box-sizing: border-box; }
body { font-family: -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; color: var(--ink);
       line-height: 1.5; margin: 0 auto; max-width: 62rem; padding: 1.5rem 2rem 3rem; font-size: 16px; }
h1 { font-size: 1.8rem; margin: 0 0 1rem; color: var(--accent); }
h2 { font-size: 1.4rem; margin: 2.2rem 0 0.8rem; padding-bottom: 0.3rem; border-bottom: 2px solid var(--accent);
     color: var(--accent); }
h3 { font-size: 1.12rem; margin: 1.6rem 0 0.5rem; }
p { margin: 0.5rem 0; }
ul { margin: 0.4rem 0 0.8rem; padding-left: 1.4rem; }
li { margin: 0.2rem 0; }
dl.facts { display: grid; grid-template-columns: minmax(9rem, 14rem) 1fr; gap: 0.25rem 1rem; margin: 0.6rem 0 1rem; }
dl.facts dt { font-weight: 600; color: var(--muted); }
dl.facts dd { margin: 0; overflow-wrap: break-word; }
table { border-collapse: collapse; width: 100%; margin: 0.6rem 0 0.3rem; font-size: 0.88rem; }
th, td { border: 1px solid var(--rule); padding: 0.3rem 0.45rem; text-align: left; vertical-align: top;
         overflow-wrap: break-word; hyphens: manual; }
th { background: var(--band); }
tbody tr:nth-child(even) td { background: #fbfcfd; }
.caption, figcaption { color: var(--muted); font-size: 0.85rem; margin: 0.2rem 0 1rem; }
figure { margin: 1rem 0 1.4rem; text-align: center; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--rule); }
.missing { color: var(--muted); font-style: italic; }
.note { color: var(--muted); font-size: 0.92rem; }
.warning { border-left: 4px solid #d97706; background: #fff7ed; padding: 0.4rem 0.7rem; }
.verdict-yes, .verdict-no, .verdict-open { padding: 0.6rem 0.8rem; border-radius: 4px; font-size: 1.05rem; }
.verdict-yes { background: #e8f5e9; border-left: 5px solid #2e7d32; }
.verdict-no { background: #fdecea; border-left: 5px solid #c62828; }
.verdict-open { background: #fff8e1; border-left: 5px solid #f9a825; }
nav.toc { background: var(--band); padding: 0.6rem 1rem; border-radius: 4px; margin: 1rem 0; }
nav.toc ol { margin: 0.2rem 0; }
ol.sources li { margin: 0.35rem 0; overflow-wrap: anywhere; }
ol.sources a { word-break: break-all; }
pre { background: var(--band); padding: 0.6rem; overflow-x: auto; font-size: 0.8rem; white-space: pre-wrap; }
a { color: #1565c0; }
footer { margin-top: 3rem; color: var(--muted); font-size: 0.8rem; border-top: 1px solid var(--rule);
         padding-top: 0.6rem; }
@media print {
  @page { size: A4; margin: 16mm 14mm; }
  body { max-width: none; padding: 0; font-size: 10.5pt; }
  nav.toc { display: none; }
  section.page-break { break-before: page; page-break-before: always; }
  h2, h3 { break-after: avoid; page-break-after: avoid; }
  figure, tr, dl.facts, .verdict-yes, .verdict-no, .verdict-open { break-inside: avoid; page-break-inside: avoid; }
  thead { display: table-header-group; }
  a { color: inherit; text-decoration: none; }
  figure img { border: none; }
}
""".strip()


def _h(text: str) -> str:
    return html.escape(str(text), quote=True).replace("\n", "<br>")


def _html_block(block: _Block) -> str:
    if isinstance(block, _Heading):
        anchor = f' id="{_h(block.anchor)}"' if block.anchor else ""
        return f"<h{block.level}{anchor}>{_h(block.text)}</h{block.level}>"
    if isinstance(block, _Para):
        css = f' class="{block.kind}"' if block.kind else ""
        label = f"<strong>{_h(block.label)}</strong> " if block.label else ""
        return f"<p{css}>{label}{_h(block.text)}</p>"
    if isinstance(block, _List):
        return "<ul>\n" + "\n".join(f"<li>{_h(item)}</li>" for item in block.items) + "\n</ul>"
    if isinstance(block, _Facts):
        return '<dl class="facts">\n' + "\n".join(f"<dt>{_h(key)}</dt><dd>{_h(value)}</dd>"
                                                   for key, value in block.rows) + "\n</dl>"
    if isinstance(block, _Table):
        head = "<tr>" + "".join(f'<th scope="col">{_h(cell)}</th>' for cell in block.header) + "</tr>"
        body = "\n".join("<tr>" + "".join(f"<td>{_h(cell)}</td>" for cell in row) + "</tr>" for row in block.rows)
        caption = f'\n<p class="caption">{_h(block.caption)}</p>' if block.caption else ""
        return f"<table>\n<thead>{head}</thead>\n<tbody>\n{body}\n</tbody>\n</table>{caption}"
    if isinstance(block, _Image):
        data = base64.b64encode(block.png).decode("ascii")
        return (f'<figure><img src="data:image/png;base64,{data}" alt="{_h(block.alt)}">'
                f"<figcaption>{_h(block.caption)}</figcaption></figure>")
    if isinstance(block, _Sources):
        items = []
        for key, citation, url in block.items:
            link = _safe_url(url)
            tail = (f' <a href="{_h(link)}">{_h(link)}</a>' if link else (f" {_h(url)}" if url else ""))
            items.append(f'<li id="source-{_h(re.sub(r"[^A-Za-z0-9_-]+", "-", key))}"><strong>[{_h(key)}]</strong> '
                         f"{_h(citation)}{tail}</li>")
        return '<ol class="sources">\n' + "\n".join(items) + "\n</ol>"
    if isinstance(block, _Pre):
        return f"<pre>{html.escape(block.text, quote=True)}</pre>"
    raise TypeError(block)  # pragma: no cover - internal


def _html(title: str, header: list[_Block], sections: list[_Section]) -> str:
    toc = "\n".join(f'<li><a href="#{s.anchor}">{_h(s.title)}</a></li>' for s in sections)
    body = [f"<h1>{_h(title)}</h1>"]
    body += [_html_block(block) for block in header]
    body.append(f'<nav class="toc" aria-label="Contents"><strong>Contents</strong>\n<ol>\n{toc}\n</ol></nav>')
    for section in sections:
        css = "step page-break" if section.page_break else "step"
        inner = "\n".join(_html_block(block) for block in section.blocks)
        body.append(f'<section class="{css}" id="{section.anchor}">\n<h2>{_h(section.title)}</h2>\n{inner}\n</section>')
    body.append(f"<footer>{_h(_footer())}</footer>")
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            "<meta name=\"generator\" content=\"exsitu.report\">\n"
            f"<title>{_h(title)}</title>\n<style>\n{_CSS}\n</style>\n</head>\n<body>\n"
            + "\n".join(body) + "\n</body>\n</html>\n")


def _footer() -> str:
    from exsitu import __version__

    return (f"Report made with the exsitu toolkit {__version__} (assessment schema version {SCHEMA_VERSION}) "
            "following the five steps of the IUCN SSC Guidelines on the Use of Ex Situ Management for Species "
            "Conservation (IUCN/SSC 2014).")


# --------------------------------------------------------------------------------------------------
# Public API
# --------------------------------------------------------------------------------------------------

def _format(value: Any) -> str:
    key = value.strip().lower() if isinstance(value, str) else value
    if key not in FORMATS:
        raise InvalidInputError("format", f"{value!r} is not a report format",
                                "use 'markdown' (or 'md') or 'html'")
    return FORMATS[key]


def render_report(assessment: Assessment, format: str = "html", *, figures: bool = True) -> str:
    """The assessment as a report: ``format`` 'markdown' (or 'md') or 'html' (a standalone, printable page).

    States the recommendation, the role(s), the population needed, feasibility, the risks, the
    decision's reasoning and sensitivity, and the sources, then each step in full; a step without a
    result says "Not yet done". ``figures=False`` leaves the figures out (faster; a text-only report).
    The same assessment always gives the same text. Raises
    :class:`InvalidInputError` naming ``format`` for any other format.
    """
    kind = _format(format)
    if not isinstance(figures, bool):
        raise InvalidInputError("figures", f"expected True or False, got {figures!r}", "use True or False")
    title, header, sections = _document(assessment, figures)
    if kind == "markdown":
        return _markdown(title, header, sections)
    return _html(title, header, sections)


def save_report(assessment: Assessment, path: str | Path, *, figures: bool = True) -> Path:
    """Write the report to ``path``, choosing the format by its extension (.md/.markdown or .html/.htm).

    Returns the path written (UTF-8). Raises :class:`InvalidInputError` naming ``path`` for another extension.
    """
    target = Path(path)
    kind = _EXTENSIONS.get(target.suffix.lower())
    if kind is None:
        raise InvalidInputError("path", f"{str(path)!r} does not end in .md, .markdown, .html or .htm",
                                "name the file e.g. report.html or report.md")
    text = render_report(assessment, kind, figures=figures)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    return target


def render_briefing_book(assessment: Assessment, format: str = "html", **options: Any) -> str:
    """The briefing book participants read before an ECA workshop (see :mod:`exsitu.briefing`).

    ``format`` as for :func:`render_report`; keyword options ``figures``, ``occurrences`` (records for a
    range map) and ``pedigree`` (a studbook to summarise) are passed on to
    :func:`exsitu.briefing.render_briefing_book`.
    """
    from exsitu.briefing import render_briefing_book as _render_briefing_book

    return _render_briefing_book(assessment, format, **options)
