"""Widgets for Step 3 (the nature of the ex situ population): population planner, studbook analyser, PVA comparison.

* :func:`population_planner` — generation time, Ne/N, gene diversity target, years and founders → the Ne and
  census N needed (:func:`exsitu.genetics.population_target`), the founders needed to capture a founding
  gene diversity (:func:`exsitu.genetics.founders_needed`), and gene diversity over time
  (:func:`exsitu.genetics_plots.plot_gene_diversity`).
* :func:`studbook_analyser` — a studbook (the bundled SYNTHETIC frog studbook by default, or an uploaded CSV)
  → mean kinship table, F, GD, FGE, founder equivalents (:func:`exsitu.pedigree.pedigree_summary` and
  friends), founder representation and mk plots (:mod:`exsitu.pedigree_plots`) and ranked pairings
  (:func:`exsitu.pedigree.rank_pairings`). A bad file shows the :class:`~exsitu.validation.InvalidInputError`
  message (naming the row), never a traceback.
* :func:`pva_comparison` — a few key PVA parameters → "wild only" against "wild + ex situ releases"
  (:func:`exsitu.pva.run_scenarios`, common random numbers, fixed seed, modest replicates), with a fan chart
  and extinction-probability curves (:mod:`exsitu.pva_plots`).

The widgets compute nothing themselves: they read the controls, call :mod:`exsitu` and show what it returns.
Each builder returns a ``VBox`` whose ``parts`` attribute holds every control and output, for tests and apps.
Figures are shown as PNG images (:class:`ipywidgets.Image`) so they work the same in JupyterLab and Voilà. On a
change the text and tables are updated first and the figures after them; results and figures of settings
already seen are reused (kept per widget, keyed by every input they depend on), and each figure is redrawn
into one Figure kept for it.
"""

from __future__ import annotations

import contextvars
import dataclasses
import html
import io
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets
import pandas as pd
from matplotlib.figure import Figure

from exsitu.datasets import data_path
from exsitu.genetics import PopulationTarget, founders_needed, population_target
from exsitu.genetics_plots import plot_gene_diversity
from exsitu.pedigree import (Pedigree, PedigreeSummary, founder_representation, inbreeding, mean_kinship,
                             pedigree_summary, rank_pairings, read_studbook)
from exsitu.kinship import AUTO_DENSE_LIMIT
from exsitu.pairing import PAIRING_DENSE_LIMIT
from exsitu.pedigree_plots import plot_founder_representation, plot_mean_kinship
from exsitu.pva import Catastrophe, PVAParameters, PVAResult, compare_scenarios, run_scenarios
from exsitu.pva_plots import plot_extinction_probability, plot_pva_fan
from exsitu.validation import InvalidInputError
from exsitu.widgets._cache import ImageSlot, ResultCache

__all__ = [
    "DEFAULT_STUDBOOK", "PVAComparison", "PopulationPlanner", "StudbookAnalyser", "WILD_PVA_PARAMETERS",
    "planner_html", "population_planner", "pva_comparison", "pva_parameters", "pva_summary_html",
    "studbook_analyser", "studbook_summary_html",
]

#: The studbook the analyser opens with (a SYNTHETIC frog assurance colony, see data/README.md).
DEFAULT_STUDBOOK = "studbooks/synthetic_frog_studbook.csv"

#: ILLUSTRATIVE (made-up) wild population for the PVA comparison: a small population declining slowly
#: (deterministic λ ≈ 0.96 with the catastrophe) under a threat that lowers juvenile survival. Not a real species.
WILD_PVA_PARAMETERS = PVAParameters(
    initial_size=60, age_at_first_breeding=2, juvenile_survival=0.45, adult_survival=0.85,
    breeding_probability=0.6, mean_offspring=2.0, juvenile_survival_sd=0.1, adult_survival_sd=0.05,
    breeding_probability_sd=0.1, carrying_capacity=250,
    catastrophes=(Catastrophe(probability=0.05, survival_severity=0.3, fecundity_severity=0.3,
                              name="disease outbreak"),),
    quasi_extinction_threshold=20, ne_to_n_ratio=0.3, release_survival=0.5,
)

_PNG_DPI = 90


# ---------------------------------------------------------------------------------------------- shared bits
def _error_html(error: InvalidInputError) -> str:
    return ("<div style='background:#fdecea;border-left:4px solid #d93025;padding:4px 8px'>"
            f"<b>Please check {html.escape(error.field)}</b>: {html.escape(error.problem)}"
            + (f"<br>{html.escape(error.fix)}" if error.fix else "") + "</div>")


def _note_html(text: str) -> str:
    return f"<div style='color:#1a7f37;padding:2px 8px'>{html.escape(text)}</div>"


def _png(figure: Figure) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=_PNG_DPI)
    return buffer.getvalue()


def _redraw(figures: dict[str, Figure], name: str, size: tuple[float, float], draw: Any) -> bytes:
    """``draw(ax)`` into the Figure kept under ``name`` in ``figures`` (made at ``size`` inches, constrained
    layout, the first time; cleared after), as PNG."""
    figure = figures.get(name)
    if figure is None:
        figure = figures[name] = Figure(figsize=size, layout="constrained")
    figure.clear()
    draw(figure.subplots())
    return _png(figure)


def _image() -> widgets.Image:
    return widgets.Image(format="png", layout=widgets.Layout(max_width="100%", align_self="flex-start"))


def _heading(text: str) -> widgets.HTML:
    return widgets.HTML(f"<h4 style='margin:6px 0 2px'>{html.escape(text)}</h4>")


def _table_html(frame: pd.DataFrame, formats: dict[str, str] | None = None, index: bool = True) -> str:
    """A small HTML table (numbers formatted per column)."""
    formats = formats or {}
    columns = list(frame.columns)
    head = ("<th style='text-align:left'>" + html.escape(str(frame.index.name or "")) + "</th>" if index else "")
    head += "".join(f"<th style='text-align:right;padding:0 6px'>{html.escape(str(c))}</th>" for c in columns)
    rows = []
    for label, row in frame.iterrows():
        cells = f"<td>{html.escape(str(label))}</td>" if index else ""
        for column in columns:
            value = row[column]
            if value is None or (isinstance(value, float) and value != value):
                text = "—"
            elif column in formats and isinstance(value, (int, float)):
                text = format(value, formats[column])
            else:
                text = str(value)
            cells += f"<td style='text-align:right;padding:0 6px'>{html.escape(text)}</td>"
        rows.append(f"<tr style='border-top:1px solid #ddd'>{cells}</tr>")
    return f"<table style='border-collapse:collapse'><tr>{head}</tr>{''.join(rows)}</table>"


# ----------------------------------------------------------------------------------------- (a) the planner
def planner_html(target: PopulationTarget, founders_for_goal: int, founding_goal: float) -> str:
    """The planner's answer as HTML: Ne and N needed, starting GD, GD at the end, founders for a founding goal."""
    if target.founders is None:
        start = "founder deficit ignored (starting gene diversity 100% of the wild's)"
    else:
        start = (f"{target.founders:g} founders capture {target.initial_gene_diversity:.2%} of the wild gene "
                 f"diversity (1 − 1/(2·founders))")
    return (
        "<table style='border-collapse:collapse'>"
        f"<tr><td>Goal</td><td><b>{target.target_gene_diversity:.1%}</b> of wild gene diversity after "
        f"<b>{target.years:g} years</b> = {target.generations:.2f} generations of {target.generation_time:g} years"
        "</td></tr>"
        f"<tr><td>Start</td><td>{html.escape(start)}</td></tr>"
        f"<tr><td>Effective size needed</td><td><b>Ne = {target.effective_size}</b> "
        f"(exactly {target.effective_size_exact:.2f})</td></tr>"
        f"<tr><td>Census size needed</td><td><b>N = {target.census_size}</b> individuals at Ne/N = "
        f"{target.ne_to_n_ratio:g}</td></tr>"
        f"<tr><td>Gene diversity at the end</td><td>{target.final_gene_diversity:.2%} with Ne = "
        f"{target.effective_size}</td></tr>"
        f"<tr><td>Founders for the founding goal</td><td><b>{founders_for_goal}</b> unrelated founders capture at "
        f"least {founding_goal:.1%} of the wild gene diversity</td></tr>"
        "</table>")


@dataclass
class PopulationPlanner:
    """The parts of the population planner (``population_planner().parts``).

    ``target`` is the current :class:`~exsitu.genetics.PopulationTarget` (None while the inputs are invalid);
    ``founders_for_goal`` the founders needed for ``founding_goal``; ``chart`` shows GD over time for the Ne
    needed and for half and twice that Ne. ``draw_in_background=True`` (the app) draws a changed chart on a
    thread of its own after the answer is shown (:meth:`wait_for_chart` waits for it); otherwise every
    output is up to date when a change returns.
    """

    generation_time: widgets.FloatSlider
    ne_to_n_ratio: widgets.FloatSlider
    target_gene_diversity: widgets.FloatSlider
    years: widgets.IntSlider
    use_founders: widgets.Checkbox
    founders: widgets.IntSlider
    founding_goal: widgets.FloatSlider
    message: widgets.HTML
    result: widgets.HTML
    chart: widgets.Image
    container: widgets.VBox | None = None
    target: PopulationTarget | None = None
    founders_for_goal: int | None = None
    draw_in_background: bool = False
    _charts: ResultCache = dataclasses.field(default_factory=ResultCache, repr=False)
    _figures: dict[str, Figure] = dataclasses.field(default_factory=dict, repr=False)
    _chart_slot: ImageSlot = dataclasses.field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._chart_slot = ImageSlot(self._charts)

    def wait_for_chart(self, timeout: float | None = 60.0) -> None:
        """Wait until a chart being drawn on the drawing thread (``draw_in_background``) is shown."""
        self._chart_slot.wait(timeout)

    def refresh(self, _change: Any = None) -> None:
        """Recompute the target and redraw."""
        self.founders.disabled = not self.use_founders.value
        try:
            target = population_target(
                target_gene_diversity=self.target_gene_diversity.value, years=self.years.value,
                generation_time=self.generation_time.value, ne_to_n_ratio=self.ne_to_n_ratio.value,
                founders=self.founders.value if self.use_founders.value else None)
            goal = founders_needed(self.founding_goal.value)
        except InvalidInputError as error:
            self.target = None
            self.founders_for_goal = None
            self._chart_slot.forget()
            self.message.value = _error_html(error)
            self.result.value = ""
            return
        self.target, self.founders_for_goal = target, goal
        self.message.value = ""
        self.result.value = planner_html(target, goal, self.founding_goal.value)
        sizes = tuple(sorted({max(1, target.effective_size // 2), target.effective_size, 2 * target.effective_size}))
        key = (sizes, target.years, target.generation_time, target.initial_gene_diversity,
               target.target_gene_diversity)

        def draw() -> bytes:
            return _redraw(self._figures, "chart", (8, 4.2), lambda ax: plot_gene_diversity(
                list(sizes), years=target.years, generation_time=target.generation_time,
                initial_gene_diversity=target.initial_gene_diversity,
                target_gene_diversity=target.target_gene_diversity, ax=ax))

        self._chart_slot.show(self.chart, key, draw, background=self.draw_in_background)


def population_planner(generation_time: float = 10.0, ne_to_n_ratio: float = 0.1,
                       target_gene_diversity: float = 0.9, years: int = 100, founders: int | None = 20,
                       founding_goal: float = 0.975, *, draw_in_background: bool = False) -> widgets.VBox:
    """An interactive planner: what Ne, census N and founders does a gene diversity goal need?

    Parameters (the starting values of the controls)
    ------------------------------------------------
    generation_time: mean generation time, years (0.1–50).
    ne_to_n_ratio: Ne/N of the managed population (0.01–1); Frankham (1995): wild average 0.10–0.11.
    target_gene_diversity: share of wild gene diversity to keep (0.5–0.99), e.g. 0.9 ("90 % for 100 years").
    years: planning horizon, years (5–500).
    founders: unrelated founders (1–200), or None to ignore the founder deficit.
    founding_goal: share of wild gene diversity the founders should capture (0.5–0.995), e.g. 0.975 (20 founders).
    draw_in_background: draw a changed chart after the answer, on a thread of its own (for the app).

    Returns a ``VBox``; its ``parts`` is the :class:`PopulationPlanner`.
    """
    def slider(kind: type, value: float, low: float, high: float, step: float, label: str, fmt: str | None = None
               ) -> Any:
        options: dict[str, Any] = dict(value=value, min=low, max=high, step=step, description=label,
                                       continuous_update=False, layout=widgets.Layout(width="34em"),
                                       style={"description_width": "15em"})
        if fmt:
            options["readout_format"] = fmt
        return kind(**options)

    checks = [("generation_time", generation_time, 0.1, 50), ("ne_to_n_ratio", ne_to_n_ratio, 0.01, 1),
              ("target_gene_diversity", target_gene_diversity, 0.5, 0.99), ("years", years, 5, 500),
              ("founding_goal", founding_goal, 0.5, 0.995)]
    for name, value, low, high in checks:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
            raise InvalidInputError(name, f"{value!r} is outside the planner's range {low:g}–{high:g}",
                                    f"start the planner with a value from {low:g} to {high:g}")
    if founders is not None and (isinstance(founders, bool) or not isinstance(founders, int)
                                 or not 1 <= founders <= 200):
        raise InvalidInputError("founders", f"{founders!r} is not a whole number from 1 to 200",
                                "start the planner with 1–200 founders, or None to ignore the founder deficit")
    parts = PopulationPlanner(
        generation_time=slider(widgets.FloatSlider, generation_time, 0.1, 50, 0.1, "Generation time (years)",
                               ".1f"),
        ne_to_n_ratio=slider(widgets.FloatSlider, ne_to_n_ratio, 0.01, 1, 0.01, "Ne/N ratio", ".2f"),
        target_gene_diversity=slider(widgets.FloatSlider, target_gene_diversity, 0.5, 0.99, 0.005,
                                     "Gene diversity target", ".3f"),
        years=slider(widgets.IntSlider, years, 5, 500, 5, "Years"),
        use_founders=widgets.Checkbox(value=founders is not None, indent=False,
                                      description="start from a number of founders (founder deficit)"),
        founders=slider(widgets.IntSlider, founders or 20, 1, 200, 1, "Founders"),
        founding_goal=slider(widgets.FloatSlider, founding_goal, 0.5, 0.995, 0.005,
                             "Founding gene diversity goal", ".3f"),
        message=widgets.HTML(), result=widgets.HTML(), chart=_image(), draw_in_background=bool(draw_in_background),
    )
    for control in (parts.generation_time, parts.ne_to_n_ratio, parts.target_gene_diversity, parts.years,
                    parts.use_founders, parts.founders, parts.founding_goal):
        control.observe(parts.refresh, names="value")
    container = widgets.VBox([
        _heading("Goal and life history"), parts.target_gene_diversity, parts.years, parts.generation_time,
        parts.ne_to_n_ratio, _heading("Founders"), parts.use_founders, parts.founders, parts.founding_goal,
        parts.message, _heading("What the goal needs"), parts.result, parts.chart,
    ])
    parts.container = container
    container.parts = parts  # type: ignore[attr-defined]
    parts.refresh()
    return container


# ------------------------------------------------------------------------------------ (b) studbook analyser
#: Rows of the mk table shown in the page (lowest mk first); a larger living population is summarised.
MK_TABLE_ROWS = 200


def studbook_methods(n_individuals: int, n_living: int) -> str:
    """Which exact method the analyser used for a studbook of this size, in words for the page."""
    if n_individuals <= AUTO_DENSE_LIMIT:
        kinship = (f"the full kinship matrix ({n_individuals:,} individuals, up to {AUTO_DENSE_LIMIT:,}: "
                   "the tabular method, dense)")
    else:
        kinship = (f"sparse methods for {n_individuals:,} individuals (over {AUTO_DENSE_LIMIT:,}): F by the pruned "
                   "tabular method, mean kinship of the living by Colleau's matrix-free method, FGE from them")
    if n_living <= PAIRING_DENSE_LIMIT:
        pairs = f"pairs ranked among all {n_living:,} living"
    else:
        pairs = (f"pairs ranked among the lowest-mk candidates of the {n_living:,} living (exactly the best "
                 "pairs, without the kinship matrix of all the living)")
    return f"Exact methods used: {kinship}; {pairs}."


def studbook_summary_html(summary: PedigreeSummary, name: str) -> str:
    """The headline genetic status of the living population (as in a PMx report) as HTML."""
    rows = [
        ("Studbook", f"{html.escape(name)}: {summary.n_individuals} individuals, {summary.n_living} living"),
        ("Founders", f"{summary.n_founders} studbook founders + {summary.n_unknown_parents} stand-ins for an "
                     f"unknown parent; {summary.n_contributing_founders} with living descendants"),
        ("Gene diversity GD = 1 − MK", f"<b>{summary.gene_diversity:.4f}</b>"),
        ("Mean kinship MK", f"{summary.mean_kinship:.4f}"),
        ("Founder genome equivalents FGE = 1/(2·MK)", f"<b>{summary.founder_genome_equivalents:.2f}</b>"),
        ("Founder equivalents fe = 1/Σp²", f"{summary.founder_equivalents:.2f}"),
        ("Inbreeding F of the living", f"mean {summary.mean_inbreeding:.4f}, max {summary.max_inbreeding:.4f}"),
    ]
    body = "".join(f"<tr style='border-top:1px solid #ddd'><td style='padding-right:12px'>{label}</td>"
                   f"<td>{value}</td></tr>" for label, value in rows)
    return f"<table style='border-collapse:collapse'>{body}</table>"


@dataclass
class StudbookAnalyser:
    """The parts of the studbook analyser (``studbook_analyser().parts``).

    ``pedigree`` is the studbook shown (the last one that loaded without error), ``summary`` its
    :class:`~exsitu.pedigree.PedigreeSummary`, ``mk_table`` (living individuals by mk, with F, sex, location),
    ``representation`` and ``pairings`` the tables behind the outputs. ``load(source, name)`` loads a studbook
    (path, CSV text or bytes, DataFrame); an upload goes through it too.
    """

    upload: widgets.FileUpload
    reset: widgets.Button
    max_kinship: widgets.Dropdown
    same_location: widgets.Checkbox
    top: widgets.IntSlider
    message: widgets.HTML
    summary_box: widgets.HTML
    mk_table_box: widgets.HTML
    mk_chart: widgets.Image
    founder_chart: widgets.Image
    pairings_box: widgets.HTML
    iterations: int = 1000
    seed: int = 1
    container: widgets.VBox | None = None
    name: str = ""
    pedigree: Pedigree | None = None
    summary: PedigreeSummary | None = None
    mk_table: pd.DataFrame | None = None
    representation: pd.DataFrame | None = None
    pairings: pd.DataFrame | None = None

    def load(self, source: Any, name: str) -> bool:
        """Read and analyse a studbook; on bad input show the message and keep the previous analysis."""
        try:
            pedigree = read_studbook(source)
            summary = pedigree_summary(pedigree)
            mk = mean_kinship(pedigree)
            representation = founder_representation(pedigree, iterations=self.iterations, seed=self.seed)
        except InvalidInputError as error:
            if error.field == "living":  # the analyser cannot take a list of the living: say what to add
                error = InvalidInputError("studbook", error.problem, "add an alive column (yes/no) or a "
                                          "death_date column (empty for the living)")
            self.message.value = (_error_html(error) + "<div style='padding:2px 8px'>"
                                  f"{html.escape(name)} was not loaded"
                                  + (f"; still showing {html.escape(self.name)}." if self.pedigree else ".")
                                  + "</div>")
            return False
        F = inbreeding(pedigree).reindex(mk.index)
        frame = pedigree.to_frame().set_index("id")
        table = pd.DataFrame({"mk": mk, "F": F, "sex": frame.loc[mk.index, "sex"],
                              "location": frame.loc[mk.index, "location"] if "location" in frame else ""})
        table = table.sort_values("mk", kind="stable")
        table.insert(0, "mk rank", range(1, len(table) + 1))
        table.index.name = "id"
        self.pedigree, self.summary, self.name = pedigree, summary, name
        self.mk_table, self.representation = table, representation
        self.summary_box.value = studbook_summary_html(summary, name)
        shown = table.head(MK_TABLE_ROWS)
        more = (f"<div><i>The {len(shown):,} living individuals with the lowest mk (highest breeding priority) of "
                f"{len(table):,} are listed.</i></div>" if len(shown) < len(table) else "")
        self.mk_table_box.value = (more + "<div style='max-height:24em;overflow-y:auto'>"
                                   + _table_html(shown, {"mk": ".4f", "F": ".4f"}) + "</div>")
        figure = Figure(figsize=(min(12.0, 6.0 + 0.1 * len(mk)), 4.2), layout="constrained")
        plot_mean_kinship(mk, ax=figure.subplots())
        self.mk_chart.value = _png(figure)
        figure = Figure(figsize=(min(12.0, 6.0 + 0.15 * len(representation)), 4.2), layout="constrained")
        plot_founder_representation(representation, ax=figure.subplots())
        self.founder_chart.value = _png(figure)
        self.refresh_pairings()
        # last, so a page that sees "Loaded" already has every table, chart and download of this file
        self.message.value = _note_html(f"Loaded {name}. " + studbook_methods(len(pedigree), len(mk)))
        return True

    def refresh_pairings(self, _change: Any = None) -> None:
        """Re-rank the pairs with the current pairing options."""
        if self.pedigree is None:
            return
        try:
            pairs = rank_pairings(self.pedigree, max_kinship=self.max_kinship.value,
                                  same_location=self.same_location.value, top=self.top.value)
        except InvalidInputError as error:
            self.pairings = None
            self.pairings_box.value = _error_html(error)
            return
        self.pairings = pairs
        if pairs.empty:
            self.pairings_box.value = ("<i>No pair meets these conditions (the living need at least one male and "
                                       "one female; relax the kinship limit or the location rule).</i>")
            return
        shown = pairs.set_index("rank")[["sire", "dam", "sire_mk", "dam_mk", "mean_mk", "offspring_inbreeding",
                                         "sire_location", "dam_location"]]
        self.pairings_box.value = _table_html(shown, {"sire_mk": ".4f", "dam_mk": ".4f", "mean_mk": ".4f",
                                                      "offspring_inbreeding": ".4f"})

    def _on_upload(self, change: Any = None) -> None:
        files = self.upload.value
        if not files:
            return
        item = files[0]
        name = str(item.get("name", "uploaded file"))
        self.load(bytes(item["content"]), name)

    def _on_reset(self, _button: Any = None) -> None:
        self.load(data_path(DEFAULT_STUDBOOK), "synthetic_frog_studbook.csv (SYNTHETIC)")


def studbook_analyser(source: Any = None, name: str | None = None, iterations: int = 1000, seed: int = 1,
                      top: int = 10) -> widgets.VBox:
    """An interactive studbook analysis: GD, MK, FGE, fe, F, founder representation and pairing advice.

    ``source``: a studbook (CSV path, CSV text or bytes, DataFrame) — None opens the bundled SYNTHETIC frog
    studbook (:data:`DEFAULT_STUDBOOK`); ``name`` labels it. ``iterations`` and ``seed``: the gene drop behind
    founder retention (seeded, so the figures do not change between runs). ``top``: pairs shown at first.
    A learner can upload a CSV (columns id, sire, dam, sex; optional birth_date, death_date, alive, location).
    Returns a ``VBox``; its ``parts`` is the :class:`StudbookAnalyser`. Raises InvalidInputError only if the
    first studbook given here cannot be read.
    """
    parts = StudbookAnalyser(
        upload=widgets.FileUpload(accept=".csv", multiple=False, description="Upload studbook CSV"),
        reset=widgets.Button(description="use the SYNTHETIC frog studbook", icon="refresh",
                             layout=widgets.Layout(width="22em")),
        max_kinship=widgets.Dropdown(options=[("no limit", None),
                                              ("≤ 0.25 (no parent–offspring or full sibs)", 0.25),
                                              ("≤ 0.125 (no half sibs)", 0.125),
                                              ("≤ 0.0625 (no first cousins)", 0.0625), ("0 (unrelated only)", 0.0)],
                                     value=None, description="Pair kinship",
                                     layout=widgets.Layout(width="30em")),
        same_location=widgets.Checkbox(value=False, indent=False, description="same location only"),
        top=widgets.IntSlider(value=top, min=1, max=50, description="Pairs shown", continuous_update=False),
        message=widgets.HTML(), summary_box=widgets.HTML(), mk_table_box=widgets.HTML(), mk_chart=_image(),
        founder_chart=_image(), pairings_box=widgets.HTML(), iterations=iterations, seed=seed,
    )
    if source is None:
        source, name = data_path(DEFAULT_STUDBOOK), name or "synthetic_frog_studbook.csv (SYNTHETIC)"
    if not parts.load(source, name or "studbook"):
        read_studbook(source)  # raise the same error for the caller
    parts.upload.observe(parts._on_upload, names="value")
    parts.reset.on_click(parts._on_reset)
    for control in (parts.max_kinship, parts.same_location, parts.top):
        control.observe(parts.refresh_pairings, names="value")
    tabs = widgets.Tab(children=[
        widgets.VBox([parts.mk_chart, parts.mk_table_box]),
        widgets.VBox([parts.founder_chart]),
        widgets.VBox([widgets.HBox([parts.max_kinship, parts.same_location]), parts.top, parts.pairings_box]),
    ])
    for index, title in enumerate(("Mean kinship", "Founders", "Pairings")):
        tabs.set_title(index, title)
    container = widgets.VBox([
        widgets.HBox([parts.upload, parts.reset]),
        widgets.HTML("<small>CSV columns: id, sire, dam, sex (M/F/U); optional birth_date, death_date, alive, "
                     "location. Unknown parents: empty, 0, UNK or WILD.</small>"),
        parts.message, _heading("Genetic status of the living population"), parts.summary_box, tabs,
    ])
    parts.container = container
    container.parts = parts  # type: ignore[attr-defined]
    return container


# -------------------------------------------------------------------------------------- (c) PVA comparison
def pva_parameters(base: PVAParameters, *, initial_size: int, juvenile_survival: float, adult_survival: float,
                   mean_offspring: float, survival_sd: float, carrying_capacity: int,
                   catastrophe_probability: float, catastrophe_severity: float, releases_per_year: int,
                   release_years: int) -> dict[str, PVAParameters]:
    """The two scenarios the PVA widget compares, built from ``base`` with the widget's key parameters.

    ``survival_sd`` (EV) applies to juvenile and adult survival; the catastrophe's severity applies to
    survival and breeding; ``releases_per_year`` (adults; females get the odd one) are released in years
    1 … ``release_years`` with ``base.release_survival``.
    Returns ``{"wild only": …, "wild + ex situ releases": …}``.
    Raises InvalidInputError naming the parameter (e.g. an EV too large for a survival rate).
    """
    catastrophes = (Catastrophe(probability=catastrophe_probability, survival_severity=catastrophe_severity,
                                fecundity_severity=catastrophe_severity, name="catastrophe"),) \
        if catastrophe_probability > 0 else ()
    wild = dataclasses.replace(
        base, initial_size=initial_size, juvenile_survival=juvenile_survival, adult_survival=adult_survival,
        mean_offspring=mean_offspring, juvenile_survival_sd=survival_sd, adult_survival_sd=survival_sd,
        carrying_capacity=carrying_capacity, catastrophes=catastrophes, release_years=(), release_females=0,
        release_males=0)
    releases = int(releases_per_year)
    years = int(release_years)
    supplemented = dataclasses.replace(
        wild, release_years=tuple(range(1, years + 1)) if releases and years else (),
        release_females=releases - releases // 2 if years else 0, release_males=releases // 2 if years else 0)
    return {"wild only": wild, "wild + ex situ releases": supplemented}


def pva_summary_html(table: pd.DataFrame, years: int, replicates: int, seed: int) -> str:
    """The scenario comparison (:func:`exsitu.pva.compare_scenarios`) as HTML."""
    shown = pd.DataFrame({
        f"P(extinct by year {years})": table["extinction_probability"],
        "P(quasi-extinct)": table["quasi_extinction_probability"],
        "median final N": table["median_final_size"],
        "gene diversity at end": table["final_gene_diversity"],
        "released (mean total)": table["total_released"],
    }, index=table.index)
    note = (f"<small>{replicates} replicates, seed {seed}, same random years in both scenarios "
            "(common random numbers). ILLUSTRATIVE parameters.</small>")
    return _table_html(shown, {f"P(extinct by year {years})": ".1%", "P(quasi-extinct)": ".1%",
                               "median final N": ".0f", "gene diversity at end": ".3f",
                               "released (mean total)": ".1f"}) + note


@dataclass
class PVAComparison:
    """The parts of the PVA comparison (``pva_comparison().parts``).

    ``results`` maps the scenario names to :class:`~exsitu.pva.PVAResult`; ``table`` is
    :func:`exsitu.pva.compare_scenarios`' table (None while the inputs are invalid).
    """

    base: PVAParameters
    initial_size: widgets.IntSlider
    juvenile_survival: widgets.FloatSlider
    adult_survival: widgets.FloatSlider
    mean_offspring: widgets.FloatSlider
    survival_sd: widgets.FloatSlider
    carrying_capacity: widgets.IntSlider
    catastrophe_probability: widgets.FloatSlider
    catastrophe_severity: widgets.FloatSlider
    releases_per_year: widgets.IntSlider
    release_years: widgets.IntSlider
    message: widgets.HTML
    summary: widgets.HTML
    fan_chart: widgets.Image
    extinction_chart: widgets.Image
    years: int = 50
    replicates: int = 500
    seed: int = 1
    #: Replicates of the quick first answer shown while the full run is made (0: no quick answer).
    quick_replicates: int = 0
    #: Make the full run on a thread of its own (the apps), so a slider answers at once and the next change
    #: does not wait for the previous full run; False runs it before :meth:`refresh` returns (lessons, tests).
    background: bool = False
    container: widgets.VBox | None = None
    scenarios: dict[str, PVAParameters] | None = None
    results: dict[str, PVAResult] | None = None
    table: pd.DataFrame | None = None
    #: The replicates behind :attr:`results` (``quick_replicates`` until the full run has replaced them).
    shown_replicates: int = 0
    _runs: ResultCache = dataclasses.field(default_factory=ResultCache, repr=False)
    _figures: dict[str, Figure] = dataclasses.field(default_factory=dict, repr=False)
    _generation: int = dataclasses.field(default=0, repr=False)
    _draw_lock: Any = dataclasses.field(default_factory=threading.Lock, repr=False)
    _worker: Any = dataclasses.field(default=None, repr=False)

    def refresh(self, _change: Any = None) -> None:
        """Rebuild both scenarios, run them and redraw: a quick run first if ``quick_replicates`` is set (shown
        at once, marked as such), then the full run (on a thread of its own if ``background``)."""
        self._generation += 1
        generation = self._generation
        try:
            scenarios = pva_parameters(
                self.base, initial_size=self.initial_size.value, juvenile_survival=self.juvenile_survival.value,
                adult_survival=self.adult_survival.value, mean_offspring=self.mean_offspring.value,
                survival_sd=self.survival_sd.value, carrying_capacity=self.carrying_capacity.value,
                catastrophe_probability=self.catastrophe_probability.value,
                catastrophe_severity=self.catastrophe_severity.value,
                releases_per_year=self.releases_per_year.value, release_years=self.release_years.value)
            key = self._key(scenarios, self.replicates)
            quick = 0 < self.quick_replicates < self.replicates and key not in self._runs
            if quick:
                self.message.value = _note_html(f"Running the PVA ({self.quick_replicates} replicates first, "
                                                f"then {self.replicates})…")
                replicates = self.quick_replicates
                results, table = self._runs.get(self._key(scenarios, replicates),
                                                lambda: self._run(scenarios, replicates))
            else:
                replicates = self.replicates
                results, table = self._runs.get(key, lambda: self._run(scenarios, replicates))
        except InvalidInputError as error:
            self.scenarios = self.results = self.table = None
            self.message.value = _error_html(error)
            self.summary.value = ""
            return
        self._show(generation, scenarios, results, table, replicates)
        if replicates != self.replicates:
            if self.background:
                if self._worker is None:
                    self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="pva-refine")
                self._worker.submit(contextvars.copy_context().run, self._refine, generation, scenarios)
            else:
                self._refine(generation, scenarios)

    def _refine(self, generation: int, scenarios: dict[str, PVAParameters]) -> None:
        if generation != self._generation:
            return  # a newer change superseded this one
        try:
            results, table = self._runs.get(self._key(scenarios, self.replicates),
                                            lambda: self._run(scenarios, self.replicates))
            self._show(generation, scenarios, results, table, self.replicates)
        except Exception as error:  # noqa: BLE001 - a thread's failure must still end in a message
            if generation == self._generation:
                self.message.value = _error_html(InvalidInputError("PVA", f"the full run failed ({error})",
                                                                   "change a setting to run it again"))

    def _key(self, scenarios: dict[str, PVAParameters], replicates: int) -> tuple:
        return (tuple(scenarios.items()), replicates, self.years, self.seed)

    def _show(self, generation: int, scenarios: dict[str, PVAParameters], results: dict[str, PVAResult],
              table: pd.DataFrame, replicates: int) -> None:
        quick = replicates != self.replicates
        with self._draw_lock:
            if generation != self._generation:
                return
            key = self._key(scenarios, replicates)
            figures = None
            if not quick:  # the charts (most of the time of an update) are drawn for the full run only
                figures = self._runs.get(("figures", key), lambda: (
                    _redraw(self._figures, "fan", (8, 4.2), lambda ax: plot_pva_fan(results, ax=ax)),
                    _redraw(self._figures, "extinction", (8, 3.8),
                            lambda ax: plot_extinction_probability(results, ax=ax))))
            if generation != self._generation:
                return
            self.scenarios, self.results, self.table, self.shown_replicates = scenarios, results, table, replicates
            self.message.value = (_note_html(f"Quick estimate from {replicates} replicates; refining to "
                                             f"{self.replicates} and redrawing the charts…") if quick else "")
            self.summary.value = pva_summary_html(table, self.years, replicates, self.seed)
            if figures is not None:
                self.fan_chart.value, self.extinction_chart.value = figures

    def _run(self, scenarios: dict[str, PVAParameters], replicates: int | None = None
             ) -> tuple[dict[str, PVAResult], pd.DataFrame]:
        results = run_scenarios(scenarios, replicates=replicates or self.replicates, years=self.years,
                                seed=self.seed)
        return results, compare_scenarios(results)


def pva_comparison(base: PVAParameters | None = None, releases_per_year: int = 6, release_years: int = 10,
                   years: int = 50, replicates: int = 500, seed: int = 1, *, quick_replicates: int = 0,
                   background: bool = False) -> widgets.VBox:
    """Compare a wild population alone with the same population supplemented by releases from an ex situ source.

    ``base``: the wild population's :class:`~exsitu.pva.PVAParameters` (stage model) — None uses the
    ILLUSTRATIVE :data:`WILD_PVA_PARAMETERS`; its values start the sliders (its catastrophe's probability and
    survival severity, if any). ``releases_per_year`` (adults) for ``release_years`` years from year 1;
    ``years`` projected; ``replicates`` and ``seed`` fixed so an update takes well under a second and the
    same settings always give the same picture. ``quick_replicates`` (e.g. 100): show a quick run of that many
    replicates first, then the full one; ``background``: make the full run on a thread (the apps). Returns a
    ``VBox``; its ``parts`` is the :class:`PVAComparison`.
    """
    base = WILD_PVA_PARAMETERS if base is None else base
    if not isinstance(base, PVAParameters) or base.model != "stage":
        raise InvalidInputError("base", "expected PVAParameters of the stage model",
                                "build one with PVAParameters(model='stage', ...)")
    juvenile = base.juvenile_survival_by_age[0]
    catastrophe = base.catastrophes[0] if base.catastrophes else Catastrophe(probability=0.0)

    def slider(kind: type, value: float, low: float, high: float, step: float, label: str, fmt: str | None = None
               ) -> Any:
        options: dict[str, Any] = dict(value=min(max(value, low), high), min=low, max=high, step=step,
                                       description=label, continuous_update=False,
                                       layout=widgets.Layout(width="30em"), style={"description_width": "14em"})
        if fmt:
            options["readout_format"] = fmt
        return kind(**options)

    parts = PVAComparison(
        base=base,
        initial_size=slider(widgets.IntSlider, int(base.initial_size), 4, 1000, 2, "Initial wild N"),
        juvenile_survival=slider(widgets.FloatSlider, juvenile, 0.0, 1.0, 0.01, "Juvenile survival / year", ".2f"),
        adult_survival=slider(widgets.FloatSlider, base.adult_survival, 0.0, 0.99, 0.01, "Adult survival / year",
                              ".2f"),
        mean_offspring=slider(widgets.FloatSlider, base.mean_offspring, 0.0, 20.0, 0.1,
                              "Offspring per breeding female", ".1f"),
        survival_sd=slider(widgets.FloatSlider, max(base.juvenile_survival_sd, base.adult_survival_sd), 0.0, 0.3,
                           0.01, "EV: SD of survival", ".2f"),
        carrying_capacity=slider(widgets.IntSlider, int(base.carrying_capacity or 1000), 10, 5000, 10,
                                 "Carrying capacity K"),
        catastrophe_probability=slider(widgets.FloatSlider, catastrophe.probability, 0.0, 0.5, 0.01,
                                       "Catastrophe probability / year", ".2f"),
        catastrophe_severity=slider(widgets.FloatSlider, catastrophe.survival_severity, 0.0, 1.0, 0.05,
                                    "Catastrophe severity", ".2f"),
        releases_per_year=slider(widgets.IntSlider, releases_per_year, 0, 50, 1, "Releases per year (adults)"),
        release_years=slider(widgets.IntSlider, release_years, 0, years, 1, "Years of releases"),
        message=widgets.HTML(), summary=widgets.HTML(), fan_chart=_image(), extinction_chart=_image(),
        years=int(years), replicates=int(replicates), seed=int(seed),
        quick_replicates=max(0, int(quick_replicates)), background=bool(background),
    )
    controls = (parts.initial_size, parts.juvenile_survival, parts.adult_survival, parts.mean_offspring,
                parts.survival_sd, parts.carrying_capacity, parts.catastrophe_probability,
                parts.catastrophe_severity, parts.releases_per_year, parts.release_years)
    for control in controls:
        control.observe(parts.refresh, names="value")
    container = widgets.VBox([
        widgets.HTML("<small>ILLUSTRATIVE parameters for teaching, not a real species. Releases come from an ex "
                     f"situ source that is assumed able to supply them; each released adult survives with "
                     f"probability {base.release_survival:g}.</small>"),
        widgets.HBox([
            widgets.VBox([_heading("Wild population"), parts.initial_size, parts.juvenile_survival,
                          parts.adult_survival, parts.mean_offspring, parts.survival_sd, parts.carrying_capacity]),
            widgets.VBox([_heading("Catastrophe"), parts.catastrophe_probability, parts.catastrophe_severity,
                          _heading("Ex situ source"), parts.releases_per_year, parts.release_years]),
        ]),
        parts.message, _heading("Wild only vs wild + ex situ releases"), parts.summary, parts.fan_chart,
        parts.extinction_chart,
    ])
    parts.container = container
    container.parts = parts  # type: ignore[attr-defined]
    parts.refresh()
    return container
