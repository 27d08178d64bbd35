"""Widget for Step 4 (resources, feasibility, risks): rate factors and risks, see the summary, register and heat map.

The learner rates each feasibility factor (a dropdown and its evidence), picks a risk and sets its
likelihood and consequence (1–5 sliders), the mitigation and the residual likelihood and consequence,
or adds a risk of their own. The overall summary (:meth:`exsitu.feasibility.FeasibilityAssessment.summary`),
the risk register (:meth:`~exsitu.feasibility.FeasibilityAssessment.risk_register`), the 5×5 heat maps
(:func:`exsitu.feasibility_plots.plot_risk_heatmap`, inherent and residual) and the factor chart
(:func:`exsitu.feasibility_plots.plot_feasibility_factors`) update as they change.

The widget computes nothing itself, and works on a copy of the assessment it is given (``parts.assessment``
holds the edited one). A bad value is shown as a message, never a traceback. With ``draw_in_background=True``
(the workbench) a change updates the register and summary at once, says "updating…" under the heading, and
draws the heat maps and the factor chart on the drawing thread (:func:`exsitu.widgets._cache.draw_later`);
figures already drawn for the same risks or ratings come from a cache.
"""

from __future__ import annotations

import copy
import html
import io
import dataclasses
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets
from matplotlib.figure import Figure

from exsitu.widgets._cache import ImageSlot

from exsitu.feasibility import RATINGS, RISK_CATEGORIES, FeasibilityAssessment, FeasibilitySummary, Risk
from exsitu.feasibility_plots import LEVEL_COLOURS, plot_feasibility_factors, plot_risk_heatmap
from exsitu.validation import InvalidInputError

__all__ = ["FactorRow", "FeasibilityEditor", "feasibility_editor", "register_html", "summary_html"]

_LABEL_COLOURS = {"feasible": "#1a9850", "feasible with conditions": "#e6a100", "not feasible now": "#d73027"}


def _error_html(error: InvalidInputError) -> str:
    return ("<div style='background:#fdecea;border-left:4px solid #d93025;padding:4px 8px'>"
            f"<b>Please check {html.escape(error.field)}</b>: {html.escape(error.problem)}"
            + (f"<br>{html.escape(error.fix)}" if error.fix else "") + "</div>")


def summary_html(summary: FeasibilitySummary) -> str:
    """The overall feasibility label, what blocks the option and why, and the conditions, as HTML."""
    colour = _LABEL_COLOURS.get(summary.label, "#555555")
    parts = [f"<h4 style='margin:4px 0'>{html.escape(summary.option)}: "
             f"<span style='color:white;background:{colour};padding:2px 8px;border-radius:3px'>"
             f"{html.escape(summary.label)}</span></h4>"]
    if summary.blocking_gaps or summary.blocking_risks:
        items = [f"<li><b>{html.escape(g['name'])}</b>: {html.escape(g['why'])}</li>" for g in summary.blocking_gaps]
        items += [f"<li><b>{html.escape(r['label'])}</b>: {html.escape(r['why'])}</li>" for r in summary.blocking_risks]
        parts.append(f"<p style='margin:2px 0'><b>What blocks the option</b></p><ul>{''.join(items)}</ul>")
    if summary.conditions:
        items = "".join(f"<li>{html.escape(c)}</li>" for c in summary.conditions)
        parts.append(f"<p style='margin:2px 0'><b>Conditions</b></p><ul>{items}</ul>")
    counts = ", ".join(f"{n} {rating}" for rating, n in summary.factor_counts.items())
    parts.append(f"<p style='margin:2px 0'>Factors: {html.escape(counts)}. Risks high/extreme before mitigation: "
                 f"{summary.inherent_high}/{summary.inherent_extreme}; after: {summary.residual_high}/"
                 f"{summary.residual_extreme}; not yet rated: {summary.unrated_risks}.</p>")
    return "".join(parts)


def _level_cell(level: Any) -> str:
    if not isinstance(level, str):
        return "<td>—</td>"
    return f"<td style='background:{LEVEL_COLOURS[level]}'>{html.escape(level)}</td>"


def _number(value: Any) -> str:
    return "—" if value is None or value != value else str(value)  # NA / NaN → dash


def register_html(assessment: FeasibilityAssessment) -> str:
    """The risk register of ``assessment`` as an HTML table, levels coloured as on the heat map."""
    frame = assessment.risk_register().astype(object).where(lambda f: f.notna(), None)
    rows = []
    for risk_id, row in frame.iterrows():
        rows.append(
            "<tr style='border-top:1px solid #ddd'>"
            f"<td>{html.escape(str(row['label']))}</td>"
            f"<td><small>{html.escape(RISK_CATEGORIES[row['category']])}</small></td>"
            f"<td style='text-align:center'>{_number(row['likelihood'])}</td>"
            f"<td style='text-align:center'>{_number(row['consequence'])}</td>"
            f"<td style='text-align:center'>{_number(row['rating'])}</td>{_level_cell(row['level'])}"
            f"<td><small>{html.escape(str(row['mitigation'] or ''))}</small></td>"
            f"<td style='text-align:center'>{_number(row['residual_likelihood'])}×"
            f"{_number(row['residual_consequence'])} = {_number(row['residual_rating'])}</td>"
            f"{_level_cell(row['residual_level'])}</tr>")
    header = ("<tr><th style='text-align:left'>Risk</th><th style='text-align:left'>Category</th><th>L</th><th>C</th>"
              "<th>L×C</th><th>Level</th><th style='text-align:left'>Mitigation</th><th>Residual L×C</th>"
              "<th>Residual level</th></tr>")
    return f"<table style='border-collapse:collapse;width:100%'>{header}{''.join(rows)}</table>"


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90)
    return buffer.getvalue()


def _heatmaps_png(risks: list[Risk]) -> bytes:
    figure = Figure(figsize=(14, 5.6))
    inherent, residual = figure.subplots(1, 2)
    plot_risk_heatmap(risks, ax=inherent)
    plot_risk_heatmap(risks, residual=True, ax=residual)
    inherent.get_legend().remove()
    figure.tight_layout()
    return _png(figure)


def _factors_png(factors: list) -> bytes:
    figure = Figure(figsize=(9, 0.45 * len(factors) + 1.4))
    plot_feasibility_factors(factors, ax=figure.subplots())
    return _png(figure)


@dataclass
class FactorRow:
    """The controls of one feasibility factor: its rating and the evidence for it."""

    factor_id: str
    rating: widgets.Dropdown
    evidence: widgets.Text
    box: widgets.HBox


@dataclass
class FeasibilityEditor:
    """The parts of the feasibility editor (``feasibility_editor(...).parts``).

    ``assessment`` is the edited :class:`~exsitu.feasibility.FeasibilityAssessment` (a copy of the one
    given); ``heatmap`` and ``factors_chart`` hold the images shown. With ``draw_in_background`` the figures
    are drawn on the drawing thread after the text outputs (``heatmap_status`` and ``factors_status`` say
    "updating…" meanwhile); ``wait_for_figures()`` waits for them.
    """

    assessment: FeasibilityAssessment
    factor_rows: list[FactorRow]
    risk: widgets.Dropdown
    rated: widgets.Checkbox
    likelihood: widgets.IntSlider
    consequence: widgets.IntSlider
    mitigation: widgets.Text
    residual_likelihood: widgets.IntSlider
    residual_consequence: widgets.IntSlider
    risk_info: widgets.HTML
    new_category: widgets.Dropdown
    new_label: widgets.Text
    new_description: widgets.Text
    add_risk: widgets.Button
    message: widgets.HTML
    summary: widgets.HTML
    register: widgets.HTML
    heatmap: widgets.Image
    factors_chart: widgets.Image
    heatmap_status: widgets.HTML = dataclasses.field(default_factory=widgets.HTML)
    factors_status: widgets.HTML = dataclasses.field(default_factory=widgets.HTML)
    draw_in_background: bool = False
    container: widgets.VBox | None = None
    _loading: bool = False
    _heatmap_slot: ImageSlot = dataclasses.field(init=False, repr=False)
    _factors_slot: ImageSlot = dataclasses.field(init=False, repr=False)

    def __post_init__(self) -> None:
        first_now = not self.draw_in_background  # in the workbench the editor opens with its text, figures after
        self._heatmap_slot = ImageSlot(status=self.heatmap_status, first_now=first_now,
                                       pending="<small style='color:#57606a'>updating the heat maps…</small>")
        self._factors_slot = ImageSlot(status=self.factors_status, first_now=first_now,
                                       pending="<small style='color:#57606a'>updating the chart…</small>")

    def wait_for_figures(self, timeout: float | None = 60.0) -> None:
        """Wait until the figures being drawn on the drawing thread (``draw_in_background``) are shown."""
        self._heatmap_slot.wait(timeout)
        self._factors_slot.wait(timeout)

    # -- factors -------------------------------------------------------------------------------
    def _rate(self, row: FactorRow) -> None:
        try:
            self.assessment.rate(row.factor_id, row.rating.value, row.evidence.value)
        except InvalidInputError as error:
            self.message.value = _error_html(error)
            return
        self.message.value = ""
        self.refresh_factors()
        self.refresh_summary()

    # -- risks ---------------------------------------------------------------------------------
    def _current_risk(self) -> Risk | None:
        return next((r for r in self.assessment.risks if r.id == self.risk.value), None)

    def load_risk(self, _change: Any = None) -> None:
        """Show the chosen risk's values in the controls."""
        risk = self._current_risk()
        if risk is None:
            return
        self._loading = True
        try:
            self.rated.value = risk.rated
            self.likelihood.value = risk.likelihood or 3
            self.consequence.value = risk.consequence or 3
            residual = risk.residual or (self.likelihood.value, self.consequence.value)
            self.residual_likelihood.value, self.residual_consequence.value = residual
            self.mitigation.value = risk.mitigation
            for control in (self.likelihood, self.consequence, self.residual_likelihood, self.residual_consequence,
                            self.mitigation):
                control.disabled = not risk.rated
            self.risk_info.value = (f"<small><b>{html.escape(RISK_CATEGORIES[risk.category])}</b>: "
                                    f"{html.escape(risk.description)}</small>")
        finally:
            self._loading = False

    def _edit_risk(self, change: Any = None) -> None:
        if self._loading:
            return
        risk = self._current_risk()
        if risk is None:
            return
        owner = getattr(change, "owner", None) if change is not None else None
        if owner is None and isinstance(change, dict):
            owner = change.get("owner")
        changes: dict[str, Any]
        if not self.rated.value:
            changes = {"likelihood": None, "consequence": None, "residual_likelihood": None,
                       "residual_consequence": None}
        else:
            changes = {"likelihood": self.likelihood.value, "consequence": self.consequence.value,
                       "mitigation": self.mitigation.value}
            if owner in (self.residual_likelihood, self.residual_consequence) or risk.residual_likelihood is not None:
                changes["residual_likelihood"] = self.residual_likelihood.value
                changes["residual_consequence"] = self.residual_consequence.value
        try:
            self.assessment.update_risk(risk.id, **changes)
        except InvalidInputError as error:
            self.message.value = _error_html(error)
            return
        self.message.value = ""
        self.load_risk()
        self.refresh_risks()
        self.refresh_summary()

    def _add_risk(self, _button: Any = None) -> None:
        try:
            risk = Risk("", self.new_category.value, self.new_description.value, label=self.new_label.value)
            self.assessment.add_risk(risk)
        except InvalidInputError as error:
            self.message.value = _error_html(InvalidInputError(f"new risk {error.field}", error.problem, error.fix))
            return
        self.message.value = f"<div style='color:#1a7f37'>Added risk '{html.escape(risk.label)}': rate it below.</div>"
        self.new_label.value = ""
        self.new_description.value = ""
        self._risk_options()
        self.risk.value = risk.id
        self.refresh_risks()
        self.refresh_summary()

    def _risk_options(self) -> None:
        chosen = self.risk.value
        self.risk.options = [(f"{r.label} ({RISK_CATEGORIES[r.category].replace('Risks to the ', '')})", r.id)
                             for r in self.assessment.risks]
        ids = [r.id for r in self.assessment.risks]
        if ids and self.risk.value is None:  # a risk is always shown: sliders with none chosen would edit nothing
            self.risk.value = chosen if chosen in ids else ids[0]

    # -- outputs -------------------------------------------------------------------------------
    def refresh_summary(self) -> None:
        self.summary.value = summary_html(self.assessment.summary())

    def refresh_risks(self) -> None:
        """The register at once; the heat maps now, or on the drawing thread (``draw_in_background``)."""
        self.register.value = register_html(self.assessment)
        risks = copy.deepcopy(self.assessment.risks)  # the drawing thread draws these, whatever is edited next
        self._heatmap_slot.show(self.heatmap, repr(risks), lambda: _heatmaps_png(risks),
                                background=self.draw_in_background)

    def refresh_factors(self) -> None:
        """The factor chart now, or on the drawing thread (``draw_in_background``)."""
        factors = copy.deepcopy(self.assessment.factors)
        self._factors_slot.show(self.factors_chart, repr(factors), lambda: _factors_png(factors),
                                background=self.draw_in_background)

    def refresh(self) -> None:
        """Redraw every output from the assessment."""
        self.refresh_factors()
        self.refresh_risks()
        self.refresh_summary()


def feasibility_editor(assessment: FeasibilityAssessment, *, draw_in_background: bool = False) -> widgets.VBox:
    """An interactive Step 4 editor for one option (works on a copy of ``assessment``).

    ``draw_in_background=True`` (the apps): text outputs at once, the figures after them on a thread of their own.

    Returns the container (a ``VBox``); its ``parts`` attribute is the :class:`FeasibilityEditor` with every
    control and the edited ``assessment``. Build the assessment with
    :meth:`exsitu.feasibility.FeasibilityAssessment.for_roles` to start from the standard factors and risks.
    """
    if not isinstance(assessment, FeasibilityAssessment):
        raise InvalidInputError("assessment", f"expected a FeasibilityAssessment, got {type(assessment).__name__}",
                                "build one with FeasibilityAssessment.for_roles(option, role_ids)")
    assessment = copy.deepcopy(assessment)
    rows = []
    for factor in assessment.factors:
        name = widgets.HTML(f"<span title='{html.escape(factor.question, quote=True)}'>"
                            f"{html.escape(factor.name)}{' *' if factor.essential else ''}</span>",
                            layout=widgets.Layout(width="25em"))
        rating = widgets.Dropdown(options=list(RATINGS), value=factor.rating, tooltip=factor.question,
                                  layout=widgets.Layout(width="9em"))
        evidence = widgets.Text(value=factor.evidence, placeholder="evidence for this rating",
                                layout=widgets.Layout(width="36em"))
        rows.append(FactorRow(factor.id, rating, evidence, widgets.HBox([name, rating, evidence])))
    slider = dict(min=1, max=5, step=1, continuous_update=False, layout=widgets.Layout(width="24em"))
    parts = FeasibilityEditor(
        assessment=assessment, factor_rows=rows,
        risk=widgets.Dropdown(description="Risk", layout=widgets.Layout(width="36em")),
        rated=widgets.Checkbox(description="rated", indent=False),
        likelihood=widgets.IntSlider(description="Likelihood", **slider),
        consequence=widgets.IntSlider(description="Consequence", **slider),
        mitigation=widgets.Text(description="Mitigation", placeholder="what will reduce the risk",
                                layout=widgets.Layout(width="48em")),
        residual_likelihood=widgets.IntSlider(description="Residual L", **slider),
        residual_consequence=widgets.IntSlider(description="Residual C", **slider),
        risk_info=widgets.HTML(),
        new_category=widgets.Dropdown(options=[(name, key) for key, name in RISK_CATEGORIES.items()],
                                      description="Category", layout=widgets.Layout(width="30em")),
        new_label=widgets.Text(description="Short label", placeholder="shown on the heat map",
                               layout=widgets.Layout(width="24em")),
        new_description=widgets.Text(description="Description", placeholder="what could happen (required)",
                                     layout=widgets.Layout(width="48em")),
        add_risk=widgets.Button(description="add risk", icon="plus", button_style="info"),
        message=widgets.HTML(), summary=widgets.HTML(), register=widgets.HTML(),
        heatmap=widgets.Image(format="png", layout=widgets.Layout(max_width="100%", align_self="flex-start")),
        factors_chart=widgets.Image(format="png", layout=widgets.Layout(max_width="100%", align_self="flex-start")),
        draw_in_background=bool(draw_in_background),
    )
    for control in (parts.likelihood, parts.consequence, parts.residual_likelihood, parts.residual_consequence,
                    parts.mitigation, parts.new_category, parts.new_label, parts.new_description):
        control.style.description_width = "7em"
    for row in rows:
        row.rating.observe(lambda _change, row=row: parts._rate(row), names="value")
        row.evidence.observe(lambda _change, row=row: parts._rate(row), names="value")
    parts._risk_options()
    parts.risk.observe(parts.load_risk, names="value")
    for control in (parts.rated, parts.likelihood, parts.consequence, parts.mitigation, parts.residual_likelihood,
                    parts.residual_consequence):
        control.observe(parts._edit_risk, names="value")
    parts.add_risk.on_click(parts._add_risk)
    parts.load_risk()

    heading = lambda text: widgets.HTML(f"<h4 style='margin:6px 0 2px'>{text}</h4>")  # noqa: E731
    tabs = widgets.Tab(children=[
        widgets.VBox([widgets.HTML("<small>* essential: an essential factor rated 'gap' blocks the option. "
                                   "Hover over a factor for its question.</small>"),
                      *[row.box for row in rows], parts.factors_status, parts.factors_chart]),
        widgets.VBox([parts.risk, parts.risk_info, parts.rated, widgets.HBox([parts.likelihood, parts.consequence]),
                      parts.mitigation, widgets.HBox([parts.residual_likelihood, parts.residual_consequence]),
                      heading("Add a risk of your own"), parts.new_category, parts.new_label,
                      parts.new_description, parts.add_risk]),
    ])
    for index, title in enumerate(("Factors", "Risks")):
        tabs.set_title(index, title)
    container = widgets.VBox([heading("Overall feasibility"), parts.summary, parts.message, tabs,
                              heading("Risk heat maps: before and after mitigation"), parts.heatmap_status,
                              parts.heatmap,
                              heading("Risk register"), parts.register])
    parts.container = container
    container.parts = parts
    parts.refresh()
    return container
