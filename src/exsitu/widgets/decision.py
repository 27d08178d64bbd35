"""Widget for Step 5 (decision): weights, scores with their rationale, the ranking, the recommendation,
its sensitivity, and the record of what the group chose.

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
"""

from __future__ import annotations

import html
import io
from dataclasses import dataclass, field
from typing import Any, Mapping

import ipywidgets as widgets
import numpy as np
from matplotlib.figure import Figure

from exsitu.decision import FORMS, Decision, DecisionRecord, Recommendation, SensitivityAnalysis
from exsitu.decision_plots import plot_contributions, plot_sensitivity, plot_weight_uncertainty
from exsitu.validation import InvalidInputError

__all__ = ["DecisionExplorer", "ScoreCell", "decision_explorer", "ranking_html", "recommendation_html",
           "record_html", "sensitivity_html"]

UNCERTAINTY_DRAWS = 4000
"""Weight draws for the weight-uncertainty chart (seeded with :data:`UNCERTAINTY_SEED`, so it is reproducible)."""
UNCERTAINTY_SEED = 20240615

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
    if record.reasoning:
        parts.append(f"<p style='margin:2px 0'><b>The group's reasoning</b>: {html.escape(record.reasoning)}</p>")
    if record.dissent:
        items = "".join(f"<li>{html.escape(d)}</li>" for d in record.dissent)
        parts.append(f"<p style='margin:2px 0'><b>Dissent</b></p><ul>{items}</ul>")
    if record.participants:
        parts.append(f"<p style='margin:2px 0'><b>Participants</b>: {html.escape(', '.join(record.participants))}</p>")
    if record.flags:
        items = "".join(f"<li>{html.escape(f)}</li>" for f in record.flags)
        parts.append(f"<p style='margin:2px 0;color:#9a6700'><b>Transparency flags</b></p><ul>{items}</ul>")
    return "".join(parts)


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
    _loading: bool = field(default=False, repr=False)

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
    def refresh_sensitivity(self, _change: Any = None) -> None:
        """Redraw the sensitivity statement and plot for the criterion chosen."""
        try:
            analysis = self.decision.sensitivity()
            criterion_id = self.sensitivity_criterion.value
            figure = Figure(figsize=(10, 4.5), layout="constrained")
            plot_sensitivity(self.decision, criterion_id, ax=figure.subplots())
        except InvalidInputError as error:
            self.sensitivity_statement.value = _error_html(error)
            self.sensitivity_plot.value = b""
            return
        self.sensitivity_statement.value = sensitivity_html(analysis)
        self.sensitivity_plot.value = _png(figure)

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
        try:
            recommendation = self.decision.recommendation()
            table = ranking_html(self.decision)
            figure = Figure(figsize=(11, 0.6 * len(self.decision.options) + 1.8), layout="constrained")
            plot_contributions(self.decision, ax=figure.subplots())
            uncertainty = Figure(figsize=(8, 0.5 * len(self.decision.options) + 1.8), layout="constrained")
            plot_weight_uncertainty(self.decision, draws=UNCERTAINTY_DRAWS, seed=UNCERTAINTY_SEED,
                                    ax=uncertainty.subplots())
        except InvalidInputError as error:
            self.recommendation.value = _error_html(error)
            self.ranking.value = ""
            self.contributions.value = b""
            self.uncertainty_plot.value = b""
            self.sensitivity_statement.value = ""
            self.sensitivity_plot.value = b""
            return
        self.recommendation.value = recommendation_html(recommendation)
        self.ranking.value = table
        self.contributions.value = _png(figure)
        self.uncertainty_plot.value = _png(uncertainty)
        self.refresh_sensitivity()


def _score_cell(decision: Decision, option_id: str, criterion_id: str) -> ScoreCell:
    score = decision.score(option_id, criterion_id)
    value = widgets.Text(value="" if score is None else f"{score.value:g}", placeholder="score",
                         continuous_update=False, layout=widgets.Layout(width="5em"))
    rationale = widgets.Textarea(value="" if score is None else score.rationale,
                                 placeholder="rationale (why this score)", continuous_update=False,
                                 layout=widgets.Layout(width="15em", height="5.5em"))
    return ScoreCell(option_id, criterion_id, value, rationale, widgets.VBox([value, rationale]))


def decision_explorer(decision: Decision | Mapping[str, Any]) -> widgets.VBox:
    """An interactive Step 5 explorer for ``decision`` (a :class:`~exsitu.decision.Decision` or its ``to_dict()``).

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
        record_view=widgets.HTML(),
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
        widgets.VBox([parts.sensitivity_criterion, parts.sensitivity_plot, parts.sensitivity_statement,
                      heading("Weight uncertainty: how often each option comes first when the weights vary "
                              "around the group's"), parts.uncertainty_plot]),
        widgets.VBox([small("Leave 'Chosen' empty to record the top of the ranking. Choosing anything else "
                            "needs the group's reasoning. Ctrl/Cmd-click to choose several."),
                      parts.chosen, parts.reasoning, parts.dissent, parts.participants, parts.date,
                      parts.record_button, parts.record_view]),
    ])
    for index, title in enumerate(("Weights", "Scores and rationales", "Sensitivity", "Record")):
        tabs.set_title(index, title)
    description = f"<small>{html.escape(decision.description)}</small>" if decision.description else ""
    container = widgets.VBox([
        widgets.HTML(f"<h3 style='margin:4px 0'>{html.escape(decision.title)}</h3>{description}"),
        heading("Recommendation"), parts.recommendation, parts.message, tabs,
        heading("Ranking"), parts.ranking, parts.contributions,
    ])
    parts.container = container
    container.parts = parts
    parts.refresh()
    return container
