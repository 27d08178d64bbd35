"""Widgets for Step 5 (decision).

:func:`step5_explorer` is Step 5 as the guidelines frame it: for each ex situ option the group judges its
conservation value, whether the required population or sample structure can be met, and opens or keeps
closed the feasibility and risk gates of its Step 4 appraisal; the outcome (recommended, recommended with
conditions, not recommended, deferred with its evidence) follows (:func:`exsitu.decision.evaluate_option`),
shown beside the risk of doing nothing ex situ; the *Record* part writes the
:class:`~exsitu.decision.DecisionRecord` with the group's reasoning and dissent (named or anonymous). The
weighted scoring below is an **optional aid** (:data:`exsitu.decision.AID_LABEL`).

:func:`decision_explorer` is that optional aid: weights, scores with their rationale, the ranking,
its sensitivity, and a score-only record.

The learner (or a workshop facilitator) moves a weight slider per criterion, edits any score of the
option × criterion grid together with its rationale, and sees the ranking
(:meth:`exsitu.decision.Decision.ranking`), the recommendation statement
(:meth:`~exsitu.decision.Decision.recommendation`, which can be "ex situ management is not
recommended" when the baseline "no ex situ action" leads), the contributions chart
(:func:`exsitu.decision_plots.plot_contributions`), the one-at-a-time weight sensitivity for a chosen
criterion (:func:`exsitu.decision_plots.plot_sensitivity` and
:meth:`~exsitu.decision.SensitivityAnalysis.statement`) and the weight-uncertainty chart
(:func:`exsitu.decision_plots.plot_weight_uncertainty`). The *Record* tab turns the analysis into a
:class:`~exsitu.decision.DecisionRecord` with the group's reasoning, dissent and participants.

The widget computes nothing itself; the :class:`~exsitu.decision.Decision` is frozen, so each edit
makes a changed copy (``parts.decision``; the one given is never changed). A bad value is shown as a
message naming the cell or control, never a traceback, and the last valid decision is kept.

With ``draw_in_background=True`` (the workbench) a weight or score change updates the texts (shares,
recommendation, ranking, sensitivity statement) at once with an "updating the charts…" note, and the three
charts follow from the drawing thread (:func:`exsitu.widgets._cache.draw_later`); charts already drawn for the
same weights and scores come from a cache.
"""

from __future__ import annotations

import html
import io
import json
from dataclasses import dataclass, field
from typing import Any, Mapping

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

import pandas as pd

from exsitu.decision import (AID_LABEL, CONSERVATION_VALUES, FORMS, STRUCTURE_ANSWERS, BaselineEvaluation, Decision,
                             DecisionRecord, Dissent, Option, OptionEvaluation, Recommendation, SensitivityAnalysis,
                             aid_ranking, describe_need, evaluate_baseline, evaluate_option, record_decision)
from exsitu.decision_plots import plot_contributions, plot_sensitivity, plot_weight_uncertainty
from exsitu.validation import InvalidInputError
from exsitu.widgets._cache import ImageSlot, draw_later

__all__ = ["DecisionExplorer", "OptionRow", "ScoreCell", "Step5Explorer", "decision_explorer", "evaluation_html",
           "outcome_html", "ranking_html", "recommendation_html", "record_html", "sensitivity_html", "step5_explorer",
           "step5_record_html"]

UNCERTAINTY_DRAWS = 4000
"""Weight draws for the weight-uncertainty chart (seeded with :data:`UNCERTAINTY_SEED`, so it is reproducible)."""
UNCERTAINTY_SEED = 20240615
SENSITIVITY_TAB = 2
"""Index of the aid's *Sensitivity* tab (its charts are drawn only while it is open in the apps)."""

_VERDICT_COLOURS = {True: "#1a7f37", False: "#57606a", None: "#bf8700"}
_BAD = "2px solid #d93025"


def _error_html(error: InvalidInputError) -> str:
    return ("<div style='background:#fdecea;border-left:4px solid #d93025;padding:4px 8px'>"
            f"<b>Please check {html.escape(error.field)}</b>: {html.escape(error.problem)}"
            + (f"<br>{html.escape(error.fix)}" if error.fix else "") + "</div>")


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=80)
    return buffer.getvalue()


def recommendation_html(recommendation: Recommendation) -> str:
    """The verdict as a coloured label, then the recommendation's own statement."""
    if recommendation.tie:
        label = "tie at the top: the group must choose"
    elif recommendation.ex_situ_recommended is False:
        label = "ex situ management not recommended"
    else:
        label = "ex situ management recommended"
    label = "weighted scoring alone (optional aid): " + label
    colour = _VERDICT_COLOURS[recommendation.ex_situ_recommended if not recommendation.tie else None]
    return (f"<div style='margin:4px 0'><span style='color:white;background:{colour};padding:2px 8px;"
            f"border-radius:3px;font-weight:bold'>{html.escape(label)}</span></div>"
            f"<p style='margin:4px 0'>{html.escape(recommendation.statement)}</p>")


def ranking_html(decision: Decision) -> str:
    """The ranking of ``decision`` as an HTML table: rank, option, form, roles, weighted score, contributions."""
    table = decision.ranking()
    criteria = decision.criteria
    header = ("<tr><th>Rank</th><th style='text-align:left'>Option</th><th style='text-align:left'>Form</th>"
              "<th style='text-align:left'>Roles</th><th>Weighted score</th>"
              + "".join(f"<th><small>{html.escape(c.name)}</small></th>" for c in criteria) + "</tr>")
    rows = []
    for option_id, row in table.iterrows():
        style = "font-weight:bold;background:#eef6ee" if row["rank"] == 1 else ""
        name = html.escape(str(row["option"])) + (" <small>(baseline)</small>" if row["baseline"] else "")
        cells = "".join(f"<td style='text-align:center'>{row[f'contribution_{c.id}']:.2f}</td>" for c in criteria)
        rows.append(f"<tr style='border-top:1px solid #ddd;{style}'><td style='text-align:center'>{row['rank']}</td>"
                    f"<td>{name}</td><td>{html.escape(FORMS[row['form']])}</td>"
                    f"<td>{html.escape(str(row['roles']) or '—')}</td>"
                    f"<td style='text-align:center'>{row['weighted_score']:.2f}</td>{cells}</tr>")
    note = ("<small>Weighted score = Σ weight × value on the "
            f"{decision.score_min:g}–{decision.score_max:g} scale; for a cost criterion (risk, cost) the value is "
            f"{decision.score_min + decision.score_max:g} − score. The criterion columns are each criterion's "
            "contribution; they add up to the weighted score.</small>")
    return f"<table style='border-collapse:collapse;width:100%'>{header}{''.join(rows)}</table>{note}"


def sensitivity_html(analysis: SensitivityAnalysis) -> str:
    """The sensitivity statement and a table: per criterion, the weights at which the top option changes."""
    frame = analysis.to_frame()
    names = analysis.option_names

    def leaders(text: str) -> str:
        return html.escape("; ".join(names.get(i, i) for i in text.split("; ") if i)) or "—"

    def weight(value: float) -> str:
        return "—" if np.isnan(value) else f"{value:.3f}"

    rows = []
    for _, row in frame.iterrows():
        rows.append("<tr style='border-top:1px solid #ddd'>"
                    f"<td>{html.escape(str(row['criterion']))}</td>"
                    f"<td style='text-align:center'>{row['current_weight']:.3f}</td>"
                    f"<td style='text-align:center'>{weight(row['decrease_to'])}</td>"
                    f"<td>{leaders(row['leader_if_decreased'])}</td>"
                    f"<td style='text-align:center'>{weight(row['increase_to'])}</td>"
                    f"<td>{leaders(row['leader_if_increased'])}</td>"
                    f"<td style='text-align:center'>"
                    f"{'robust' if row['robust'] else weight(row['smallest_change'])}</td></tr>")
    header = ("<tr><th style='text-align:left'>Criterion</th><th>Weight now</th><th>Top changes if it falls to</th>"
              "<th style='text-align:left'>… then leads</th><th>Top changes if it rises to</th>"
              "<th style='text-align:left'>… then leads</th><th>Smallest change</th></tr>")
    return (f"<p style='margin:4px 0'>{html.escape(analysis.statement())}</p>"
            f"<table style='border-collapse:collapse;width:100%'>{header}{''.join(rows)}</table>"
            f"<small>{html.escape(analysis.scheme)}</small>")


def record_html(record: DecisionRecord) -> str:
    """A decision record as HTML: what was chosen, the roles retained, the summary, reasoning, dissent, flags."""
    chosen = ", ".join(option.name for option in record.chosen_options)
    roles = ", ".join(record.roles_retained) or "none"
    parts = [f"<h4 style='margin:4px 0'>Decision record ({html.escape(record.date or 'undated')})</h4>",
             f"<p style='margin:2px 0'><b>Chosen</b>: {html.escape(chosen)} — ex situ management "
             f"{'recommended' if record.ex_situ_recommended else 'not recommended'}; roles retained: "
             f"{html.escape(roles)}.</p>",
             f"<p style='margin:2px 0'><b>Summary</b>: {html.escape(record.summary)}</p>"]
    return "".join(parts) + _record_tail_html(record)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


@dataclass
class ScoreCell:
    """The controls of one score: its value (text, so any entry reaches the checks) and its rationale."""

    option_id: str
    criterion_id: str
    value: widgets.Text
    rationale: widgets.Textarea
    box: widgets.VBox


@dataclass
class DecisionExplorer:
    """The parts of the decision explorer (``decision_explorer(...).parts``).

    ``decision`` is the current :class:`~exsitu.decision.Decision` (a changed copy after every valid edit);
    ``original`` the one given. ``record`` holds the last :class:`~exsitu.decision.DecisionRecord` made with
    the *Record* tab. The images hold the PNGs shown (empty while the decision cannot be ranked).
    """

    original: Decision
    decision: Decision
    weight_sliders: dict[str, widgets.FloatSlider]
    weight_shares: dict[str, widgets.HTML]
    reset_weights: widgets.Button
    scorer: widgets.Text
    score_cells: dict[tuple[str, str], ScoreCell]
    message: widgets.HTML
    recommendation: widgets.HTML
    ranking: widgets.HTML
    transparency: widgets.HTML
    contributions: widgets.Image
    sensitivity_criterion: widgets.Dropdown
    sensitivity_statement: widgets.HTML
    sensitivity_plot: widgets.Image
    uncertainty_plot: widgets.Image
    chosen: widgets.SelectMultiple
    reasoning: widgets.Textarea
    dissent: widgets.Textarea
    participants: widgets.Textarea
    date: widgets.Text
    record_button: widgets.Button
    record_view: widgets.HTML
    record: DecisionRecord | None = None
    container: widgets.VBox | None = None
    charts_status: widgets.HTML = field(default_factory=widgets.HTML)
    draw_in_background: bool = False
    tabs: widgets.Tab | None = None
    _loading: bool = field(default=False, repr=False)
    _slots: dict[str, ImageSlot] = field(init=False, repr=False)
    _status_token: object | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        first_now = not self.draw_in_background  # the aid opens with its texts; its charts follow
        self._slots = {name: ImageSlot(first_now=first_now) for name in ("contributions", "uncertainty", "sensitivity")}

    def _charts_status(self, queued: bool) -> None:
        """Say "updating the charts…" until the charts queued on the drawing thread are shown (its jobs run in
        order, so a job queued after them clears it, unless a later change queued charts of its own)."""
        if not queued:
            if self._status_token is None:
                self.charts_status.value = ""
            return
        token = self._status_token = object()
        self.charts_status.value = "<small style='color:#57606a'>updating the charts…</small>"

        def done() -> None:
            if self._status_token is token:
                self._status_token = None
                self.charts_status.value = ""

        draw_later(done)

    def wait_for_charts(self, timeout: float | None = 60.0) -> None:
        """Wait until the charts being drawn on the drawing thread (``draw_in_background``) are shown."""
        for slot in self._slots.values():
            slot.wait(timeout)

    def _key(self) -> str:
        return json.dumps(self.decision.to_dict(), sort_keys=True, default=str)

    # -- edits -----------------------------------------------------------------------------------
    def set_weight(self, criterion_id: str) -> None:
        """Apply the slider of ``criterion_id`` to the decision and redraw."""
        if self._loading:
            return
        slider = self.weight_sliders[criterion_id]
        try:
            self.decision = self.decision.with_weights({criterion_id: slider.value})
        except InvalidInputError as error:
            self.message.value = _error_html(InvalidInputError(f"weight of '{slider.description}'", error.problem,
                                                               error.fix))
            return
        self.message.value = ""
        self.refresh()

    def edit_score(self, cell: ScoreCell) -> None:
        """Apply one cell's value and rationale to the decision; a bad value leaves a message, not a change."""
        if self._loading:
            return
        option = self.decision.option(cell.option_id)
        criterion = self.decision.criterion(cell.criterion_id)
        where = f"score of '{option.name}' on '{criterion.name}'"
        existing = self.decision.score(cell.option_id, cell.criterion_id)
        value = cell.value.value.strip()
        if not value:
            problem = InvalidInputError(where, "is empty", f"enter a number from {self.decision.score_min:g} to "
                                        f"{self.decision.score_max:g}")
            cell.value.layout.border = _BAD
            self.message.value = _error_html(problem)
            return
        by = self.scorer.value.strip() or (existing.by if existing else "")
        try:
            self.decision = self.decision.with_score(cell.option_id, cell.criterion_id, value, cell.rationale.value,
                                                     by=by, date=existing.date if existing else "")
        except InvalidInputError as error:
            cell.value.layout.border = _BAD
            self.message.value = _error_html(InvalidInputError(where, error.problem, error.fix))
            return
        cell.value.layout.border = ""
        self.message.value = ""
        self.refresh()

    def reset(self, _button: Any = None) -> None:
        """Put the weights back to those of the decision given."""
        self._loading = True
        try:
            for criterion in self.original.criteria:
                self.weight_sliders[criterion.id].value = criterion.weight
        finally:
            self._loading = False
        self.decision = self.decision.with_weights({c.id: c.weight for c in self.original.criteria})
        self.message.value = ""
        self.refresh()

    def take_record(self, _button: Any = None) -> DecisionRecord | None:
        """The :class:`~exsitu.decision.DecisionRecord` from the *Record* tab (``None`` and a message if invalid)."""
        chosen = list(self.chosen.value) or None
        try:
            self.record = self.decision.record(chosen=chosen, reasoning=self.reasoning.value,
                                               dissent=_lines(self.dissent.value), notes="",
                                               date=self.date.value.strip() or None,
                                               participants=_lines(self.participants.value))
        except InvalidInputError as error:
            self.record = None
            self.record_view.value = _error_html(error)
            return None
        self.record_view.value = record_html(self.record)
        return self.record

    # -- outputs ---------------------------------------------------------------------------------
    def sensitivity_shown(self) -> bool:
        """Whether the *Sensitivity* tab's charts are drawn on every change: always, except with
        ``draw_in_background`` (the apps), where they are drawn while that tab is open (and when it opens)."""
        return not self.draw_in_background or self.tabs is None or self.tabs.selected_index == SENSITIVITY_TAB

    def refresh_sensitivity(self, _change: Any = None, key: str | None = None) -> bool:
        """Redraw the sensitivity statement, and the sensitivity and weight-uncertainty charts if shown (see
        :meth:`sensitivity_shown`); returns whether a chart is drawn later (on the drawing thread)."""
        decision, criterion_id = self.decision, self.sensitivity_criterion.value
        try:
            analysis = decision.sensitivity()
            decision.criterion(criterion_id)
        except InvalidInputError as error:
            self.sensitivity_statement.value = _error_html(error)
            self._slots["sensitivity"].clear(self.sensitivity_plot)
            return False
        self.sensitivity_statement.value = sensitivity_html(analysis)
        if not self.sensitivity_shown():
            self._slots["sensitivity"].forget()  # drawn when the tab opens
            self._slots["uncertainty"].forget()
            return False
        key = key or self._key()

        def sensitivity() -> bytes:
            figure = Figure(figsize=(10, 4.5), layout="constrained")
            plot_sensitivity(decision, criterion_id, ax=figure.subplots())
            return _png(figure)

        def uncertainty() -> bytes:
            figure = Figure(figsize=(8, 0.5 * len(decision.options) + 1.8), layout="constrained")
            plot_weight_uncertainty(decision, draws=UNCERTAINTY_DRAWS, seed=UNCERTAINTY_SEED, ax=figure.subplots())
            return _png(figure)

        queued = self._slots["sensitivity"].show(self.sensitivity_plot, (key, criterion_id), sensitivity,
                                                 background=self.draw_in_background)
        queued |= self._slots["uncertainty"].show(self.uncertainty_plot, key, uncertainty,
                                                  background=self.draw_in_background)
        if _change is not None:  # the criterion changed or the tab opened: only these charts
            self._charts_status(queued)
        return queued

    def refresh(self) -> None:
        """Redraw every output from ``decision``."""
        try:
            shares = self.decision.normalised_weights()
        except InvalidInputError as error:
            shares = None
            self.message.value = _error_html(error)
        for cid, label in self.weight_shares.items():
            label.value = "" if shares is None else f"= {shares[cid]:.0%} of the total"
        missing = self.decision.missing_rationales()
        self.transparency.value = (
            "" if not missing else
            f"<div style='color:#9a6700'><b>{len(missing)} score(s) without a rationale</b> (a transparency gap): "
            + html.escape(", ".join(f"{self.decision.option(o).name} / {self.decision.criterion(c).name}"
                                    for o, c in missing)) + "</div>")
        decision = self.decision
        try:
            recommendation = decision.recommendation()
            table = ranking_html(decision)
        except InvalidInputError as error:
            self.recommendation.value = _error_html(error)
            self.ranking.value = ""
            for slot, image in ((self._slots["contributions"], self.contributions),
                                (self._slots["uncertainty"], self.uncertainty_plot),
                                (self._slots["sensitivity"], self.sensitivity_plot)):
                slot.clear(image)
            self.sensitivity_statement.value = ""
            return
        self.recommendation.value = recommendation_html(recommendation)
        self.ranking.value = table
        key = self._key()

        def contributions() -> bytes:
            figure = Figure(figsize=(11, 0.6 * len(decision.options) + 1.8), layout="constrained")
            plot_contributions(decision, ax=figure.subplots())
            return _png(figure)

        # the texts before any chart; then the charts shown (the ranking's always, the Sensitivity tab's if open)
        queued = self._slots["contributions"].show(self.contributions, key, contributions,
                                                   background=self.draw_in_background)
        queued |= self.refresh_sensitivity(key=key)
        self._charts_status(queued)


def _score_cell(decision: Decision, option_id: str, criterion_id: str) -> ScoreCell:
    score = decision.score(option_id, criterion_id)
    value = widgets.Text(value="" if score is None else f"{score.value:g}", placeholder="score",
                         continuous_update=False, layout=widgets.Layout(width="5em"))
    rationale = widgets.Textarea(value="" if score is None else score.rationale,
                                 placeholder="rationale (why this score)", continuous_update=False,
                                 layout=widgets.Layout(width="15em", height="5.5em"))
    return ScoreCell(option_id, criterion_id, value, rationale, widgets.VBox([value, rationale]))


def decision_explorer(decision: Decision | Mapping[str, Any], *, draw_in_background: bool = False) -> widgets.VBox:
    """An interactive Step 5 explorer for ``decision`` (a :class:`~exsitu.decision.Decision` or its ``to_dict()``).

    ``draw_in_background=True`` (the apps): text outputs at once, the charts after them on a thread of their own.

    Returns the container (a ``VBox``); its ``parts`` attribute is the :class:`DecisionExplorer` with every
    control, the current ``decision`` and the last ``record``. Weight sliders show relative weights (they
    are normalised to sum 1 for the ranking); their range is 0 to the larger of 1 and the largest weight.
    """
    if isinstance(decision, Mapping):
        decision = Decision.from_dict(decision)
    if not isinstance(decision, Decision):
        raise InvalidInputError("decision", f"expected an exsitu.decision.Decision, got {type(decision).__name__}",
                                "use exsitu.decision.example_decision('frog_insurance') or build a Decision(...)")
    top = max(1.0, max(c.weight for c in decision.criteria))
    sliders = {c.id: widgets.FloatSlider(value=c.weight, min=0.0, max=top, step=0.01, description=c.name,
                                         readout_format=".2f", continuous_update=False,
                                         tooltip=c.description, layout=widgets.Layout(width="34em"))
               for c in decision.criteria}
    for slider in sliders.values():
        slider.style.description_width = "12em"
    cells = {(o.id, c.id): _score_cell(decision, o.id, c.id) for o in decision.options for c in decision.criteria}
    options = [(o.name, o.id) for o in decision.options]
    parts = DecisionExplorer(
        original=decision, decision=decision, weight_sliders=sliders,
        weight_shares={cid: widgets.HTML() for cid in sliders},
        reset_weights=widgets.Button(description="reset weights", icon="undo"),
        scorer=widgets.Text(description="Scored by", placeholder="your name (kept with each score you change)",
                            layout=widgets.Layout(width="30em")),
        score_cells=cells, message=widgets.HTML(), recommendation=widgets.HTML(), ranking=widgets.HTML(),
        transparency=widgets.HTML(),
        contributions=widgets.Image(format="png", layout=widgets.Layout(max_width="100%")),
        sensitivity_criterion=widgets.Dropdown(options=[(c.name, c.id) for c in decision.criteria],
                                               description="Criterion", layout=widgets.Layout(width="26em")),
        sensitivity_statement=widgets.HTML(),
        sensitivity_plot=widgets.Image(format="png", layout=widgets.Layout(max_width="100%")),
        uncertainty_plot=widgets.Image(format="png", layout=widgets.Layout(max_width="100%")),
        chosen=widgets.SelectMultiple(options=options, description="Chosen",
                                      layout=widgets.Layout(width="40em", height=f"{1.6 * len(options) + 0.6:.1f}em")),
        reasoning=widgets.Textarea(description="Reasoning", placeholder="why the group chose this (required if it is "
                                   "not the top of the ranking)", layout=widgets.Layout(width="48em", height="5em")),
        dissent=widgets.Textarea(description="Dissent", placeholder="one view per line, with who holds it",
                                 layout=widgets.Layout(width="48em", height="4em")),
        participants=widgets.Textarea(description="Participants", placeholder="one per line",
                                      layout=widgets.Layout(width="48em", height="4em")),
        date=widgets.Text(description="Date", placeholder="YYYY-MM-DD (blank = today)",
                          layout=widgets.Layout(width="20em")),
        record_button=widgets.Button(description="record the decision", icon="check", button_style="success",
                                     layout=widgets.Layout(width="14em")),
        record_view=widgets.HTML(), draw_in_background=bool(draw_in_background),
    )
    for control in (parts.scorer, parts.sensitivity_criterion, parts.chosen, parts.reasoning, parts.dissent,
                    parts.participants, parts.date):
        control.style.description_width = "7em"
    try:
        most = decision.sensitivity().most_sensitive
    except InvalidInputError:
        most = None
    if most is not None:
        parts.sensitivity_criterion.value = most.criterion_id

    for cid, slider in sliders.items():
        slider.observe(lambda _change, cid=cid: parts.set_weight(cid), names="value")
    for cell in cells.values():
        cell.value.observe(lambda _change, cell=cell: parts.edit_score(cell), names="value")
        cell.rationale.observe(lambda _change, cell=cell: parts.edit_score(cell), names="value")
    parts.reset_weights.on_click(parts.reset)
    parts.sensitivity_criterion.observe(parts.refresh_sensitivity, names="value")
    parts.record_button.on_click(parts.take_record)

    heading = lambda text: widgets.HTML(f"<h4 style='margin:6px 0 2px'>{text}</h4>")  # noqa: E731
    small = lambda text: widgets.HTML(f"<small>{text}</small>")  # noqa: E731
    cell_width = "15.5em"
    grid_rows = [widgets.HBox([widgets.HTML("<b>Option</b>", layout=widgets.Layout(width="12em")),
                               *[widgets.HTML(f"<b>{html.escape(c.name)}</b><br><small>"
                                              f"{'higher = better' if c.direction == 'benefit' else 'higher = worse'}"
                                              "</small>", layout=widgets.Layout(width=cell_width))
                                 for c in decision.criteria]])]
    for o in decision.options:
        grid_rows.append(widgets.HBox([widgets.HTML(f"<b>{html.escape(o.name)}</b><br><small>"
                                                    f"{html.escape(FORMS[o.form])}</small>",
                                                    layout=widgets.Layout(width="12em")),
                                       *[cells[(o.id, c.id)].box for c in decision.criteria]],
                                      layout=widgets.Layout(border_top="1px solid #ddd")))
    tabs = widgets.Tab(children=[
        widgets.VBox([small("Weights are relative: they are divided by their sum for the ranking. Hover over a "
                            "slider for what the criterion means."),
                      *[widgets.HBox([sliders[cid], parts.weight_shares[cid]]) for cid in sliders],
                      parts.reset_weights]),
        widgets.VBox([small(f"Scores on the {decision.score_min:g}–{decision.score_max:g} scale. Type a score, "
                            "then press Enter (or click elsewhere); write why in the box below it."),
                      parts.scorer, *grid_rows, parts.transparency]),
        widgets.VBox([parts.sensitivity_criterion, parts.charts_status, parts.sensitivity_plot,
                      parts.sensitivity_statement,
                      heading("Weight uncertainty: how often each option comes first when the weights vary "
                              "around the group's"), parts.uncertainty_plot]),
        widgets.VBox([small("Leave 'Chosen' empty to record the top of the ranking. Choosing anything else "
                            "needs the group's reasoning. Ctrl/Cmd-click to choose several."),
                      parts.chosen, parts.reasoning, parts.dissent, parts.participants, parts.date,
                      parts.record_button, parts.record_view]),
    ])
    for index, title in enumerate(("Weights", "Scores and rationales", "Sensitivity", "Record")):
        tabs.set_title(index, title)
    parts.tabs = tabs
    tabs.observe(lambda change: parts.refresh_sensitivity(change) if change["new"] == SENSITIVITY_TAB else None,
                 names="selected_index")
    description = f"<small>{html.escape(decision.description)}</small>" if decision.description else ""
    container = widgets.VBox([
        widgets.HTML(f"<h3 style='margin:4px 0'>{html.escape(decision.title)}</h3>{description}"),
        widgets.HTML(f"<div style='background:#fff8e1;border-left:4px solid #bf8700;padding:4px 8px'>"
                     f"<b>{html.escape(AID_LABEL)}</b> Step 5's outcome comes from step5_explorer: conservation "
                     "value → structure → feasibility and risk gates.</div>"),
        heading("What the weighted scoring alone says (optional aid)"), parts.recommendation, parts.message, tabs,
        heading("Ranking"), parts.ranking, parts.charts_status, parts.contributions,
    ])
    parts.container = container
    container.parts = parts
    parts.refresh()
    return container


# ==================================================================================================
# Step 5 as the guidelines frame it: value → structure → feasibility and risk gates → outcome
# ==================================================================================================

_OUTCOME_COLOURS = {"recommended": "#1a7f37", "recommended with conditions": "#2f6f3e", "not recommended": "#a40e26",
                    "deferred": "#9a6700"}
_STATE_COLOURS = {"pass": "#1a7f37", "conditions": "#2f6f3e", "fail": "#a40e26", "unknown": "#9a6700"}
_NOT_APPRAISED = "__none__"
_WHOLE_DECISION = "__decision__"


def outcome_html(evaluation: OptionEvaluation) -> str:
    """One option's evaluation: the four stages in order (the first failing one decides), then the outcome."""
    rows = []
    for stage, verdict, reason in evaluation.sequence():
        rows.append(f"<tr><td style='padding:1px 6px'><b>{html.escape(stage)}</b></td>"
                    f"<td style='padding:1px 6px;color:{_STATE_COLOURS[verdict]};font-weight:bold'>"
                    f"{html.escape(verdict)}</td><td style='padding:1px 6px'>{html.escape(reason)}</td></tr>")
    colour = _OUTCOME_COLOURS[evaluation.outcome]
    out = [f"<table style='border-collapse:collapse'>{''.join(rows)}</table>",
           f"<div style='margin:4px 0'><span style='color:white;background:{colour};padding:2px 8px;"
           f"border-radius:3px;font-weight:bold'>{html.escape(evaluation.outcome)}</span> "
           f"{html.escape(evaluation.statement())}</div>"]
    return "".join(out)


def evaluation_html(evaluations: list[OptionEvaluation], baseline: BaselineEvaluation | None) -> str:
    """The options side by side with the baseline "no ex situ action": value, structure, gates, outcome."""
    head = ("<tr><th style='text-align:left'>Option</th><th>Conservation value</th><th>Structure</th>"
            "<th>Feasibility gate</th><th>Risk gate</th><th>Outcome</th></tr>")
    rows = []
    if baseline is not None:
        rows.append("<tr style='border-top:1px solid #ddd;background:#f6f8fa'><td><b>No ex situ action</b> "
                    "<small>(baseline)</small></td>"
                    f"<td colspan='5'><small>{html.escape(baseline.statement())}</small></td></tr>")
    for e in evaluations:
        colour = _OUTCOME_COLOURS[e.outcome]
        rows.append("<tr style='border-top:1px solid #ddd'>"
                    f"<td>{html.escape(e.option.name)}</td>"
                    + "".join(f"<td style='text-align:center'>{html.escape(v)}</td>"
                              for v in (e.conservation_value, e.structure, e.feasibility_gate.state, e.risk_gate.state))
                    + f"<td style='text-align:center;color:{colour};font-weight:bold'>{html.escape(e.outcome)}</td></tr>")
    return f"<table style='border-collapse:collapse;width:100%'>{head}{''.join(rows)}</table>"


def step5_record_html(record: DecisionRecord) -> str:
    """A Step 5 record: verdict, each option's outcome with conditions or deferral evidence, reasoning, dissent."""
    parts = [f"<h4 style='margin:4px 0'>Decision record ({html.escape(record.date or 'undated')})</h4>",
             f"<p style='margin:2px 0'>{html.escape(record.verdict)}</p>"]
    if record.evaluations:
        items = []
        for e in record.evaluations:
            extra = ""
            if e.outcome == "recommended with conditions":
                extra = "<br><small>Conditions: " + html.escape("; ".join(e.conditions)) + "</small>"
            elif e.outcome == "deferred":
                extra = "<br><small>Evidence that would change it: " + html.escape("; ".join(e.evidence_needed)) + "</small>"
            elif e.outcome == "not recommended":
                extra = f"<br><small>Decided by its {html.escape(e.decided_by)}.</small>"
            items.append(f"<li><b>{html.escape(e.option.name)}</b>: {html.escape(e.outcome)}{extra}</li>")
        parts.append(f"<ul>{''.join(items)}</ul>")
    return "".join(parts) + _record_tail_html(record)


def _record_tail_html(record: DecisionRecord) -> str:
    """The parts both record views end with: the group's reasoning, dissent, participants, transparency flags."""
    parts = []
    if record.reasoning:
        parts.append(f"<p style='margin:2px 0'><b>The group's reasoning</b>: {html.escape(record.reasoning)}</p>")
    if record.dissent:
        items = "".join(f"<li>{html.escape(str(d))}</li>" for d in record.dissent)
        parts.append(f"<p style='margin:2px 0'><b>Dissent</b></p><ul>{items}</ul>")
    if record.participants:
        parts.append(f"<p style='margin:2px 0'><b>Participants</b>: {html.escape(', '.join(record.participants))}</p>")
    if record.flags:
        items = "".join(f"<li>{html.escape(f)}</li>" for f in record.flags)
        parts.append(f"<p style='margin:2px 0;color:#9a6700'><b>Transparency flags</b></p><ul>{items}</ul>")
    return "".join(parts)


def _matching_appraisal(option: Option, feasibility: list) -> int | None:
    """Index of the Step 4 appraisal for ``option``: same roles, else the smallest that covers its roles."""
    wanted = set(option.role_ids)
    exact = [i for i, f in enumerate(feasibility) if set(f.role_ids) == wanted]
    if exact:
        return exact[0]
    covering = sorted((len(f.role_ids), i) for i, f in enumerate(feasibility) if wanted <= set(f.role_ids))
    return covering[0][1] if covering else None


@dataclass
class OptionRow:
    """The controls of one option's Step 5 evaluation."""

    option: Option
    value: widgets.Dropdown
    value_rationale: widgets.Textarea
    threats: widgets.Text
    need_view: widgets.HTML
    structure: widgets.Dropdown
    structure_rationale: widgets.Textarea
    appraisal: widgets.Dropdown
    openings: dict[str, widgets.Text]
    openings_box: widgets.VBox
    defer: widgets.Checkbox
    evidence: widgets.Textarea
    outcome: widgets.HTML
    box: widgets.VBox


@dataclass
class Step5Explorer:
    """The parts of :func:`step5_explorer` (``step5_explorer(...).parts``).

    ``evaluations()`` builds the :class:`~exsitu.decision.OptionEvaluation` of every option from the controls;
    ``take_record()`` the :class:`~exsitu.decision.DecisionRecord` (``record``). ``aid`` is the optional
    weighted-scoring explorer (:func:`decision_explorer`) or ``None``.
    """

    assessment: Any
    rows: dict[str, OptionRow]
    unacceptable: widgets.Dropdown
    baseline: BaselineEvaluation | None
    baseline_view: widgets.HTML
    baseline_notes: widgets.Textarea
    table: widgets.HTML
    message: widgets.HTML
    dissent_text: widgets.Textarea
    dissent_by: widgets.Text
    dissent_option: widgets.Dropdown
    dissent_add: widgets.Button
    dissent_list: widgets.Select
    dissent_remove: widgets.Button
    dissents: list[Dissent]
    reasoning: widgets.Textarea
    participants: widgets.Textarea
    date: widgets.Text
    record_button: widgets.Button
    record_view: widgets.HTML
    aid: widgets.VBox | None = None
    aid_table: widgets.HTML | None = None
    aid_decision: Decision | None = None
    aid_slot: widgets.VBox | None = None
    record: DecisionRecord | None = None
    notes: str = ""
    container: widgets.VBox | None = None
    draw_in_background: bool = False
    _loading: bool = field(default=False, repr=False)

    # -- building evaluations ------------------------------------------------------------------
    def _levels(self) -> tuple[str, ...]:
        return tuple(self.unacceptable.value.split("+"))

    def _feasibility(self, row: OptionRow) -> Any:
        key = row.appraisal.value
        return None if key == _NOT_APPRAISED else self.assessment.feasibility[int(key)]

    def _needs(self, row: OptionRow) -> list:
        return [n for n in self.assessment.population_needs if n.role_id in row.option.role_ids]

    def rebuild_openings(self, row: OptionRow) -> None:
        """One 'condition that opens it' box per blocker of the appraisal chosen (texts kept by blocker id)."""
        from exsitu.decision import feasibility_gate, risk_gate

        feasibility = self._feasibility(row)
        blockers = feasibility_gate(feasibility).blockers + risk_gate(feasibility, None, self._levels()).blockers
        kept = {key: box.value for key, box in row.openings.items()}
        row.openings = {}
        for blocker in blockers:
            box = widgets.Text(value=kept.get(blocker.id, ""), description="Opens if",
                               placeholder=f"the named condition that would open the gate closed by '{blocker.label}' "
                                           "(blank: it stays closed)", continuous_update=False,
                               layout=widgets.Layout(width="46em"), style={"description_width": "7em"})
            box.observe(lambda _change, row=row: self.refresh_row(row), names="value")
            row.openings[blocker.id] = box
        row.openings_box.children = tuple(
            widgets.VBox([widgets.HTML(f"<small>Closes a gate: <b>{html.escape(b.label)}</b> — {html.escape(b.why)}"
                                       "</small>"), row.openings[b.id]]) for b in blockers)

    def evaluate_row(self, row: OptionRow) -> OptionEvaluation:
        """The evaluation of one option from its controls (raises InvalidInputError naming the control)."""
        name = row.option.name
        try:
            return evaluate_option(
                row.option, conservation_value=row.value.value, value_rationale=row.value_rationale.value,
                threats_addressed=[t.strip() for t in row.threats.value.split(",") if t.strip()],
                structure=row.structure.value, structure_rationale=row.structure_rationale.value,
                need=self._needs(row) or None, feasibility=self._feasibility(row),
                opening_conditions={k: box.value.strip() for k, box in row.openings.items() if box.value.strip()},
                unacceptable_risk_levels=self._levels(), deferral_evidence=_lines(row.evidence.value),
                defer=row.defer.value)
        except InvalidInputError as error:
            raise InvalidInputError(f"'{name}': {error.field}", error.problem, error.fix) from None

    def evaluations(self) -> list[OptionEvaluation]:
        return [self.evaluate_row(row) for row in self.rows.values()]

    def current_baseline(self) -> BaselineEvaluation | None:
        if self.baseline is None:
            return None
        import dataclasses

        return dataclasses.replace(self.baseline, notes=self.baseline_notes.value.strip())

    # -- refresh ------------------------------------------------------------------------------------
    def refresh_row(self, row: OptionRow, refresh_all: bool = True) -> None:
        if self._loading:
            return
        try:
            row.outcome.value = outcome_html(self.evaluate_row(row))
        except InvalidInputError as error:
            row.outcome.value = _error_html(error)
        if refresh_all:
            self.refresh()

    def refresh(self) -> None:
        """Redraw the table of options beside the baseline, and the optional aid's ranking with the outcomes."""
        if self._loading:
            return
        baseline = self.current_baseline()
        self.baseline_view.value = (
            "<p style='margin:2px 0'>" + html.escape(baseline.statement() if baseline else
                                                    "The risk of doing nothing ex situ is not stated.") + "</p>")
        try:
            evaluations = self.evaluations()
        except InvalidInputError as error:
            self.message.value = _error_html(error)
            self.table.value = ""
            return
        self.message.value = ""
        self.table.value = evaluation_html(evaluations, baseline)
        if self.aid_decision is not None and self.aid_table is not None:
            decision = self.aid.parts.decision if self.aid is not None else self.aid_decision
            try:
                ranking = aid_ranking(decision, evaluations)
            except InvalidInputError as error:
                self.aid_table.value = _error_html(error)
            else:
                rows = "".join(
                    f"<tr style='border-top:1px solid #ddd'><td>{html.escape(str(r['option']))}</td>"
                    f"<td style='text-align:center'>{r['weighted_score']:.2f}</td>"
                    f"<td style='text-align:center'>{'—' if r['aid_rank'] is pd.NA else r['aid_rank']}</td>"
                    f"<td>{html.escape(str(r['outcome']))}</td></tr>" for _, r in ranking.iterrows())
                self.aid_table.value = (
                    f"<p style='margin:2px 0'><b>{html.escape(AID_LABEL)}</b></p>"
                    "<table style='border-collapse:collapse;width:100%'><tr><th style='text-align:left'>Option</th>"
                    "<th>Weighted score</th><th>Aid rank (among options retained)</th>"
                    f"<th style='text-align:left'>Step 5 outcome</th></tr>{rows}</table>")

    # -- dissent and record ------------------------------------------------------------------------------
    def _show_dissent(self) -> None:
        self.dissent_list.options = [(str(d)[:160], i) for i, d in enumerate(self.dissents)]

    def add_dissent(self, _button: Any = None) -> Dissent | None:
        """Add the dissent typed in (named, or anonymous when 'Held by' is blank)."""
        option = self.dissent_option.value
        try:
            dissent = Dissent(text=self.dissent_text.value, by=self.dissent_by.value,
                              option_id="" if option == _WHOLE_DECISION else option)
        except InvalidInputError as error:
            self.message.value = _error_html(InvalidInputError(f"dissent {error.field}", error.problem, error.fix))
            return None
        self.dissents.append(dissent)
        self.dissent_text.value = ""
        self.dissent_by.value = ""
        self.dissent_option.value = _WHOLE_DECISION
        self._show_dissent()
        self.message.value = ""
        return dissent

    def remove_dissent(self, _button: Any = None) -> None:
        index = self.dissent_list.value
        if index is not None and 0 <= index < len(self.dissents):
            del self.dissents[index]
            self._show_dissent()

    def open_aid(self) -> widgets.VBox | None:
        """Build the optional weighted-scoring aid (done when its section is first opened: it draws several
        charts, so the Step 5 evaluation does not wait for it). Returns ``aid`` (``None`` without a decision)."""
        if self.aid is None and self.aid_decision is not None:
            self.aid = decision_explorer(self.aid_decision, draw_in_background=self.draw_in_background)
            for slider in self.aid.parts.weight_sliders.values():
                slider.observe(lambda _change: self.refresh(), names="value")
            for cell in self.aid.parts.score_cells.values():
                cell.value.observe(lambda _change: self.refresh(), names="value")
            if self.aid_slot is not None:
                self.aid_slot.children = (self.aid,)
            self.refresh()
        return self.aid

    def take_record(self, _button: Any = None) -> DecisionRecord | None:
        """The :class:`~exsitu.decision.DecisionRecord` from the controls (``None`` and a message if invalid)."""
        decision = self.aid.parts.decision if self.aid is not None else self.aid_decision
        try:
            self.record = record_decision(self.evaluations(), baseline=self.current_baseline(), decision=decision,
                                          reasoning=self.reasoning.value, dissent=list(self.dissents),
                                          notes=self.notes, date=self.date.value.strip() or None,
                                          participants=_lines(self.participants.value))
        except InvalidInputError as error:
            self.record = None
            self.record_view.value = _error_html(error)
            return None
        self.record_view.value = step5_record_html(self.record)
        return self.record


def _option_row(option: Option, evaluation: OptionEvaluation | None, appraisal_choices: list, appraisal: str,
                needs: list) -> OptionRow:
    wide = widgets.Layout(width="46em")
    style = {"description_width": "9em"}
    value = widgets.Dropdown(options=[(f"{k} — {v}", k) for k, v in CONSERVATION_VALUES.items()],
                             value=evaluation.conservation_value if evaluation else "unknown",
                             description="Conservation value", layout=wide, style=style)
    value_rationale = widgets.Textarea(value=evaluation.value_rationale if evaluation else "",
                                       description="Why", continuous_update=False, style=style,
                                       placeholder="which threats or roles of Steps 1–2 it addresses, and how much",
                                       layout=widgets.Layout(width="46em", height="4em"))
    threats = widgets.Text(value=", ".join(evaluation.threats_addressed) if evaluation else "",
                           description="Threats addressed", placeholder="e.g. 8.1.2, 5.1 (Step 1 threat codes)",
                           continuous_update=False, layout=wide, style=style)
    need_text = " | ".join(describe_need(n) for n in needs) or "Step 3 has no need recorded for these roles."
    need_view = widgets.HTML(f"<small><b>Step 3 requires</b>: {html.escape(need_text)}</small>")
    structure = widgets.Dropdown(options=[(f"{k} — {v}", k) for k, v in STRUCTURE_ANSWERS.items()],
                                 value=evaluation.structure if evaluation else "unknown",
                                 description="Structure met?", layout=wide, style=style)
    structure_rationale = widgets.Textarea(value=evaluation.structure_rationale if evaluation else "",
                                           description="Why", continuous_update=False, style=style,
                                           placeholder="e.g. founders available, space, duration; a condition if any",
                                           layout=widgets.Layout(width="46em", height="3.5em"))
    appraisal_box = widgets.Dropdown(options=appraisal_choices, value=appraisal, description="Step 4 appraisal",
                                     layout=wide, style=style)
    defer = widgets.Checkbox(value=evaluation.defer if evaluation else False,
                             description="The group defers this option (name the evidence below)",
                             layout=widgets.Layout(width="46em"), indent=False)
    evidence = widgets.Textarea(value="\n".join(evaluation.deferral_evidence) if evaluation else "",
                                description="Evidence", continuous_update=False, style=style,
                                placeholder="what evidence would change a deferral (one per line)",
                                layout=widgets.Layout(width="46em", height="3.5em"))
    openings_box = widgets.VBox()
    outcome = widgets.HTML()
    heading = lambda text: widgets.HTML(f"<b style='display:block;margin-top:6px'>{text}</b>")  # noqa: E731
    box = widgets.VBox([
        heading("1. Conservation value"), value, value_rationale, threats,
        heading("2. Can the population or sample structure be met?"), need_view, structure, structure_rationale,
        heading("3. Feasibility and risk gates (Step 4)"), appraisal_box, openings_box,
        heading("Deferral"), defer, evidence,
        heading("Outcome"), outcome])
    return OptionRow(option=option, value=value, value_rationale=value_rationale, threats=threats,
                     need_view=need_view, structure=structure, structure_rationale=structure_rationale,
                     appraisal=appraisal_box, openings={}, openings_box=openings_box, defer=defer, evidence=evidence,
                     outcome=outcome, box=box)


def step5_explorer(assessment: Any, *, with_aid: bool = True, draw_in_background: bool = False) -> widgets.VBox:
    """Step 5 for an :class:`~exsitu.assessment.Assessment`: evaluate each option, see the outcomes beside the risk
    of doing nothing, record the decision with dissent; the weighted scoring is an optional aid below.

    The options are those of the assessment's recorded evaluations, else of its weighted-scoring decision, else
    one per role retained in Step 2. Each option takes the sequence of :func:`exsitu.decision.evaluate_option`
    (conservation value → structure → the gates from the Step 4 appraisal chosen → outcome). The baseline comes
    from the record or from a wild-only PVA of Step 3 (:func:`exsitu.decision.evaluate_baseline`). Returns the
    container; its ``parts`` is the :class:`Step5Explorer`. The assessment given is never changed.
    ``draw_in_background=True`` (the apps): the optional aid's charts are drawn after its texts, on a thread of
    their own (see :func:`decision_explorer`).
    """
    from exsitu.decision import options_from_roles

    if not hasattr(assessment, "population_needs") or not hasattr(assessment, "feasibility"):
        raise InvalidInputError("assessment", f"expected an exsitu.assessment.Assessment, got {type(assessment).__name__}",
                                "use exsitu.examples.example_assessment(...) or the workbench")
    record = assessment.decision_record
    decision = assessment.decision if assessment.decision is not None else (record.decision if record else None)
    evaluations = {e.option.id: e for e in record.evaluations} if record is not None else {}
    if evaluations:
        options = [e.option for e in evaluations.values()]
    elif decision is not None:
        options = [o for o in decision.options if not o.is_baseline]
    elif assessment.roles is not None and assessment.roles.accepted_roles():
        options = [o for o in options_from_roles(assessment.roles, include_combination=False,
                                                 include_bio_samples=False) if not o.is_baseline]
    else:
        raise InvalidInputError("Step 5", "no option to decide on: no role is retained in Step 2",
                                "retain at least one role in Step 2 and save it first")
    choices = [("(not appraised in Step 4 — the gates stay unknown)", _NOT_APPRAISED)] + [
        (f"{f.option} ({f.summary().label})", str(i)) for i, f in enumerate(assessment.feasibility)]
    rows: dict[str, OptionRow] = {}
    for option in options:
        evaluation = evaluations.get(option.id)
        index = None
        if evaluation is not None and evaluation.feasibility_gate.source:
            named = [i for i, f in enumerate(assessment.feasibility) if f"'{f.option}'" in evaluation.feasibility_gate.source]
            index = named[0] if named else None
        if index is None:
            index = _matching_appraisal(option, list(assessment.feasibility))
        needs = [n for n in assessment.population_needs if n.role_id in option.role_ids]
        rows[option.id] = _option_row(option, evaluation, choices, _NOT_APPRAISED if index is None else str(index),
                                      needs)
    if record is not None and record.baseline is not None:
        baseline = record.baseline
    else:
        try:
            baseline = evaluate_baseline(list(assessment.population_needs))
        except InvalidInputError:
            baseline = evaluate_baseline(None, notes="No wild-only scenario is named among the Step 3 PVAs.")
    levels = [("extreme", "extreme"), ("high or extreme", "high+extreme")]
    dissent_targets = [("the decision as a whole", _WHOLE_DECISION)] + [(o.name, o.id) for o in options]
    wide = widgets.Layout(width="48em")
    parts = Step5Explorer(
        assessment=assessment, rows=rows,
        unacceptable=widgets.Dropdown(options=levels, value="extreme", description="Residual risk that closes the "
                                      "risk gate", style={"description_width": "18em"}, layout=widgets.Layout(width="34em")),
        baseline=baseline, baseline_view=widgets.HTML(),
        baseline_notes=widgets.Textarea(value=baseline.notes if baseline else "", description="Group's words",
                                        placeholder="what doing nothing ex situ would mean for the species",
                                        continuous_update=False, layout=widgets.Layout(width="48em", height="3.5em")),
        table=widgets.HTML(), message=widgets.HTML(),
        dissent_text=widgets.Textarea(description="Dissent", placeholder="a view that differs from the decision",
                                      layout=widgets.Layout(width="48em", height="3.5em")),
        dissent_by=widgets.Text(description="Held by", placeholder="name — or leave blank to record it anonymously",
                                layout=wide),
        dissent_option=widgets.Dropdown(options=dissent_targets, value=_WHOLE_DECISION, description="About",
                                        layout=wide),
        dissent_add=widgets.Button(description="add dissent", icon="plus"),
        dissent_list=widgets.Select(options=[], layout=widgets.Layout(width="48em", height="6em")),
        dissent_remove=widgets.Button(description="remove selected", icon="trash"),
        dissents=list(record.dissent) if record is not None else [],
        reasoning=widgets.Textarea(value=record.reasoning if record else "", description="Reasoning",
                                   placeholder="why the group decided so (it is part of the record)",
                                   layout=widgets.Layout(width="48em", height="5em")),
        participants=widgets.Textarea(value="\n".join(record.participants) if record else "", description="Participants",
                                      placeholder="one per line", layout=widgets.Layout(width="48em", height="4em")),
        date=widgets.Text(value=record.date if record else "", description="Date",
                          placeholder="YYYY-MM-DD (blank = today)", layout=widgets.Layout(width="20em")),
        record_button=widgets.Button(description="record the decision", icon="check", button_style="success",
                                     layout=widgets.Layout(width="14em")),
        record_view=widgets.HTML(), notes=record.notes if record is not None else "",
        draw_in_background=bool(draw_in_background),
    )
    for control in (parts.dissent_text, parts.dissent_by, parts.dissent_option, parts.reasoning, parts.participants,
                    parts.date, parts.baseline_notes):
        control.style.description_width = "7em"
    if evaluations and record is not None:
        parts.unacceptable.value = ("high+extreme" if any(
            "high" in b.why for e in record.evaluations for b in e.risk_gate.blockers) else "extreme")
    parts._loading = True
    for row in rows.values():
        parts.rebuild_openings(row)
        evaluation = evaluations.get(row.option.id)
        if evaluation is not None:
            for blocker in evaluation.feasibility_gate.blockers + evaluation.risk_gate.blockers:
                if blocker.id in row.openings:
                    row.openings[blocker.id].value = blocker.opened_by
    parts._loading = False
    parts._show_dissent()
    for row in rows.values():
        for control in (row.value, row.value_rationale, row.threats, row.structure, row.structure_rationale,
                        row.defer, row.evidence):
            control.observe(lambda _change, row=row: parts.refresh_row(row), names="value")
        row.appraisal.observe(lambda _change, row=row: (parts.rebuild_openings(row), parts.refresh_row(row)),
                              names="value")
        parts.refresh_row(row, refresh_all=False)

    def levels_changed(_change: Any) -> None:
        for row in rows.values():
            parts.rebuild_openings(row)
            parts.refresh_row(row, refresh_all=False)
        parts.refresh()

    parts.unacceptable.observe(levels_changed, names="value")
    parts.baseline_notes.observe(lambda _change: parts.refresh(), names="value")
    parts.dissent_add.on_click(parts.add_dissent)
    parts.dissent_remove.on_click(parts.remove_dissent)
    parts.record_button.on_click(parts.take_record)

    heading = lambda text: widgets.HTML(f"<h4 style='margin:8px 0 2px'>{text}</h4>")  # noqa: E731
    small = lambda text: widgets.HTML(f"<small>{text}</small>")  # noqa: E731
    option_tabs = widgets.Tab(children=[row.box for row in rows.values()])
    for index, row in enumerate(rows.values()):
        option_tabs.set_title(index, row.option.name[:28])
    children = [
        widgets.HTML(f"<h3 style='margin:4px 0'>Step 5 — {html.escape(assessment.taxon)}</h3>"),
        small("Each option goes through conservation value → structure → feasibility and risk gates → outcome; the "
              "first stage that fails decides (IUCN/SSC 2014; CPSG: an ECA weighs conservation value, required "
              "structure and feasibility). Outcomes: recommended, recommended with conditions, not recommended, or "
              "deferred with the evidence that would change it."),
        heading("The risk of doing nothing ex situ (no ex situ action)"), parts.baseline_view, parts.baseline_notes,
        heading("The options beside it"), parts.table, parts.message, parts.unacceptable, option_tabs,
        heading("Record the decision"), parts.reasoning,
        small("Dissent: a view that differs from the decision, named or anonymous, about the whole decision or one "
              "option."), parts.dissent_text, parts.dissent_by, parts.dissent_option,
        widgets.HBox([parts.dissent_add, parts.dissent_remove]), parts.dissent_list,
        parts.participants, parts.date, parts.record_button, parts.record_view,
    ]
    if with_aid and decision is not None:
        parts.aid_decision = decision
        parts.aid_table = widgets.HTML()
        parts.aid_slot = widgets.VBox([small("The weights and scores open here (it takes a moment to draw).")])
        accordion = widgets.Accordion(children=[widgets.VBox([small(html.escape(AID_LABEL)), parts.aid_table,
                                                              parts.aid_slot])])
        accordion.set_title(0, "Optional aid — weighted scoring (does not decide the outcome)")
        accordion.selected_index = None
        accordion.observe(lambda change: parts.open_aid() if change["new"] == 0 else None, names="selected_index")
        children.append(accordion)
    container = widgets.VBox(children)
    parts.container = container
    container.parts = parts
    parts.refresh()
    return container
