"""Widgets for ECA Step 1, status review and threat analysis (lesson 01 and the Voilà apps).

Three explorers, each a thin layer over the computing functions of :mod:`exsitu`:

* :class:`RangeExplorer` — choose which occurrence records to keep (leave out records collected before a
  year, a named cluster such as a locality, or records whose coordinates are too uncertain) and see the
  map (:func:`exsitu.geo_plots.plot_range`), EOO and AOO (:func:`exsitu.geo.range_summary`) and the
  counts of records excluded or left out, update.
* :class:`EvidenceExplorer` — the evidence for the IUCN Red List criteria A–E (decline, generation
  length, EOO/AOO, locations, continuing decline and extreme fluctuation sub-criteria, mature
  individuals, extinction probability), any of it unknown, some of it as a (low, best, high) range; shows
  the category, the criteria string and the per-criterion reasons of :func:`exsitu.redlist.categorize`.
  Linked to a :class:`RangeExplorer`, its EOO and AOO follow the records kept.
* :class:`ThreatEditor` — add threats by their Threats Classification Scheme code with timing, scope and
  severity, and see :func:`exsitu.threats.threats_table` with each threat's impact.

:func:`status_review_explorer` builds the three, linked, and turns their state into a
:class:`exsitu.status_review.StatusReview` for Step 2.

Every explorer keeps its controls, outputs and latest result as attributes (documented on each class),
so that a test or an app can set a control and read what changed. A value the library rejects
(:class:`exsitu.validation.InvalidInputError`) is shown as a message in the widget, never as a
traceback. Displaying an explorer object displays its widget.
"""

from __future__ import annotations

import html
import io
import re
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator, Mapping

import ipywidgets as widgets
import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from exsitu import geo
from exsitu.geo import LEAVE_OUT_REASONS, RecordSelection, select_records  # noqa: F401 - re-exported
from exsitu.geo_plots import plot_range
from exsitu.redlist import RedListResult, categorize
from exsitu.status_review import StatusReview
from exsitu.threats import (
    SCOPES,
    SEVERITIES,
    TIMINGS,
    ThreatImpact,
    impact_score,
    threat_classification,
    threats_table,
)
from exsitu.validation import InvalidInputError, require_number
from exsitu.widgets._cache import ImageSlot, ResultCache

__all__ = [
    "CATEGORY_COLOURS",
    "LEAVE_OUT_REASONS",
    "UNCERTAINTY_STEPS_M",
    "EvidenceExplorer",
    "RangeExplorer",
    "RecordSelection",
    "StatusReviewExplorer",
    "ThreatEditor",
    "evidence_explorer",
    "parse_quantity",
    "range_explorer",
    "select_records",
    "status_review_explorer",
    "threat_editor",
]

#: Background colours used to show a category (the colours the Red List website uses for them).
CATEGORY_COLOURS: Mapping[str, str] = {
    "CR": "#d81e05", "EN": "#fc7f3f", "VU": "#f9e814", "NT": "#cce226", "LC": "#60c659", "DD": "#d1d1c6",
}
#: Choices offered for the coordinate-uncertainty limit, metres.
UNCERTAINTY_STEPS_M: tuple[int, ...] = (10, 30, 100, 300, 1_000, 2_000, 5_000, 10_000)

_WIDE = widgets.Layout(width="auto")
_MAP_SIZE = (7, 6.5)  # inches, the size plot_range gives a map of its own
_DESCRIPTION = {"description_width": "initial"}


def _error_html(error: InvalidInputError) -> str:
    fix = f"<br><b>How to fix it:</b> {html.escape(error.fix)}" if error.fix else ""
    return (f"<div style='color:#8a1c00;background:#fff1ec;border-left:4px solid #d81e05;padding:4px 8px'>"
            f"<b>Cannot use <code>{html.escape(str(error.field))}</code>:</b> {html.escape(error.problem)}{fix}"
            f"</div>")


def _km2(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 or float(value).is_integer() else f"{value:,.1f}"


# ----------------------------------------------------------------------------------------------------------
# Range explorer
# ----------------------------------------------------------------------------------------------------------

class RangeExplorer:
    """Choose the records kept; see the map, EOO, AOO and the counts of records excluded and left out.

    Controls: ``leave_out_old`` (Checkbox) with ``before_year`` (IntSlider); ``group_toggles`` (one Checkbox
    per value of ``group_column``, ticked = left out); ``leave_out_uncertain`` (Checkbox) with
    ``max_uncertainty_m`` (SelectionSlider, metres); ``minimise_grid`` (Checkbox: AOO as the smallest over
    4 × 4 grid positions). Outputs: ``map_image`` (Image, PNG), ``summary_html`` (HTML), ``message``
    (HTML, empty unless something is wrong). State: ``selection`` (:class:`RecordSelection`) and ``summary``
    (:class:`exsitu.geo.RangeSummary`, None when no record is kept); ``widget`` is the whole explorer.
    ``draw_in_background=True`` (the apps) draws a changed map on a thread of its own after the numbers are
    shown (:meth:`wait_for_map` waits for it); otherwise every output is up to date when a change returns.
    """

    def __init__(self, occurrences: Any, *, group_column: str = "locality", cell_size_km: float = 2.0,
                 title: str | None = None, draw_in_background: bool = False) -> None:
        frame = _read(occurrences, group_column)
        cleaning = geo.clean_occurrences(frame)
        previous = frame.attrs.get("excluded") if isinstance(frame.attrs.get("excluded"), dict) else {}
        self.excluded: dict[str, int] = {key: int(previous.get(key, 0)) + cleaning.counts[key]
                                         for key in geo.EXCLUSION_REASONS}
        self.occurrences: pd.DataFrame = cleaning.kept.copy()
        self.occurrences.attrs = {}  # the exclusion counts live in self.excluded
        self.n_read: int = len(self.occurrences) + sum(self.excluded.values())
        self.group_column = group_column
        self.cell_size_km = require_number(cell_size_km, "cell_size_km", minimum=0.001, unit="km")
        self.title = title
        self.selection: RecordSelection | None = None
        self.summary: geo.RangeSummary | None = None
        self._listeners: list[Callable[["RangeExplorer"], None]] = []
        # results and map images already made, keyed by every input they depend on (see _key)
        self._results = ResultCache()
        self._maps = ResultCache()
        self._figure: Figure | None = None
        self._cached_for: pd.DataFrame | None = None
        #: Draw a new map on the drawing thread (the apps), so the next change need not wait for it; the
        #: first map, and maps of settings seen before, are shown at once.
        self.draw_in_background = bool(draw_in_background)
        self._map_slot = ImageSlot(self._maps)

        has_dates = "eventDate" in self.occurrences.columns
        years = (geo.event_years(self.occurrences) if has_dates else pd.Series(dtype=float)).dropna()
        first, last = (int(years.min()), int(years.max())) if len(years) else (1900, 2030)
        self.leave_out_old = widgets.Checkbox(value=False, description="Leave out records collected before",
                                              indent=False, layout=_WIDE)
        self.before_year = widgets.IntSlider(value=first + (last - first) // 2, min=first, max=max(last, first + 1),
                                             step=1, description="year", continuous_update=False,
                                             disabled=not len(years))
        if not len(years):
            self.leave_out_old.disabled = True

        groups = []
        if group_column in self.occurrences.columns:
            counts = self.occurrences[group_column].astype("string").fillna("").value_counts()
            groups = sorted(name for name in counts.index if name)
            group_counts = {name: int(counts[name]) for name in groups}
        self.group_toggles: dict[str, widgets.Checkbox] = {
            name: widgets.Checkbox(value=False, description=f"{name} ({group_counts[name]} records)", indent=False,
                                   layout=_WIDE)
            for name in groups
        }
        has_uncertainty = "coordinateUncertaintyInMeters" in self.occurrences.columns
        self.leave_out_uncertain = widgets.Checkbox(value=False, indent=False, layout=_WIDE,
                                                    description="Leave out records with coordinate uncertainty above",
                                                    disabled=not has_uncertainty)
        self.max_uncertainty_m = widgets.SelectionSlider(options=list(UNCERTAINTY_STEPS_M), value=1_000,
                                                         description="metres", continuous_update=False,
                                                         disabled=not has_uncertainty)
        self.minimise_grid = widgets.Checkbox(value=False, indent=False, layout=_WIDE,
                                              description="AOO: smallest over 16 grid positions (shifted by ¼ cell)")
        self.map_image = widgets.Image(format="png", layout=widgets.Layout(max_width="640px"))
        self.summary_html = widgets.HTML()
        self.message = widgets.HTML()

        for control in (self.leave_out_old, self.before_year, self.leave_out_uncertain, self.max_uncertainty_m,
                        self.minimise_grid, *self.group_toggles.values()):
            control.observe(self.update, names="value")

        rows = [widgets.HTML("<b>Records kept</b>"), widgets.HBox([self.leave_out_old, self.before_year])]
        if self.group_toggles:
            rows += [widgets.HTML(f"Leave out the records of ({html.escape(group_column)}):"),
                     widgets.HBox(list(self.group_toggles.values()),
                                  layout=widgets.Layout(flex_flow="row wrap"))]
        rows += [widgets.HBox([self.leave_out_uncertain, self.max_uncertainty_m]), self.minimise_grid]
        self.widget = widgets.VBox([*rows, self.message,
                                    widgets.HBox([self.map_image, self.summary_html])])
        self.update()

    # -- state -------------------------------------------------------------------------------------------
    def choices(self) -> dict[str, Any]:
        """The keyword arguments of :func:`select_records` that the controls stand for."""
        return {
            "before_year": self.before_year.value if self.leave_out_old.value else None,
            "leave_out_groups": [name for name, box in self.group_toggles.items() if box.value],
            "group_column": self.group_column,
            "max_uncertainty_m": self.max_uncertainty_m.value if self.leave_out_uncertain.value else None,
        }

    def on_change(self, callback: Callable[["RangeExplorer"], None]) -> None:
        """Call ``callback(explorer)`` after every update (used to link an :class:`EvidenceExplorer`)."""
        self._listeners.append(callback)

    def update(self, _change: Any = None) -> None:
        """Recompute from the controls and refresh the outputs (called by every control).

        The text (counts, EOO, AOO) and the linked explorers are updated first, the map after it, so that the
        numbers change at once while the map is drawn. Results and maps of settings already seen are reused
        (they depend only on the records and the settings, see :meth:`_key`).
        """
        self.before_year.disabled = not self.leave_out_old.value or self.leave_out_old.disabled
        self.max_uncertainty_m.disabled = not self.leave_out_uncertain.value or self.leave_out_uncertain.disabled
        if self._cached_for is not self.occurrences:  # other records: nothing made so far applies
            self._results.clear()
            self._maps.clear()
            self._cached_for = self.occurrences
        key = self._key()
        try:
            self.selection = self._results.get(("selection", key), lambda: select_records(self.occurrences,
                                                                                          **self.choices()))
            self.summary = self._results.get(("summary", key), lambda: geo.range_summary(
                self.selection.kept, cell_size_km=self.cell_size_km,
                minimise_over_origins=bool(self.minimise_grid.value)))
        except InvalidInputError as error:
            self.summary = None
            self.message.value = _error_html(error)
            self.summary_html.value = self._summary_table()
            self.map_image.value = b""
            failed = True
        else:
            self.message.value = ""
            self.summary_html.value = self._summary_table()
            failed = False
        for listener in self._listeners:
            listener(self)
        if not failed:
            self._show_map(key)
        else:
            self._map_slot.forget()

    def _show_map(self, key: tuple) -> None:
        kept = self.selection.kept
        lat = kept["decimalLatitude"].to_numpy(float)
        lon = kept["decimalLongitude"].to_numpy(float)
        minimise = bool(self.minimise_grid.value)
        self._map_slot.show(self.map_image, key, lambda: self._map_png(lat, lon, minimise),
                            background=self.draw_in_background)

    def wait_for_map(self, timeout: float | None = 60.0) -> None:
        """Wait until a map being drawn on the drawing thread (``draw_in_background``) is shown."""
        self._map_slot.wait(timeout)

    def _key(self) -> tuple:
        """Everything the selection, the summary and the map depend on, besides the records (hashable)."""
        choices = self.choices()
        return (choices["before_year"], tuple(choices["leave_out_groups"]), choices["group_column"],
                choices["max_uncertainty_m"], bool(self.minimise_grid.value), float(self.cell_size_km), self.title)

    # -- outputs -----------------------------------------------------------------------------------------
    def _map_png(self, lat: np.ndarray, lon: np.ndarray, minimise: bool) -> bytes:
        """The map of these records, as PNG (drawn into one Figure kept for this explorer)."""
        origin = (0.0, 0.0)
        if minimise:
            best = geo.aoo_by_origin(lat, lon, self.cell_size_km).iloc[0]
            origin = (float(best["origin_x_m"]), float(best["origin_y_m"]))
        if self._figure is None:
            self._figure = Figure(figsize=_MAP_SIZE, layout="constrained")  # as plot_range makes it
        self._figure.clear()
        plot_range(lat, lon, cell_size_km=self.cell_size_km, origin=origin, title=self.title,
                   ax=self._figure.add_subplot())
        buffer = io.BytesIO()
        self._figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
        return buffer.getvalue()

    def _summary_table(self) -> str:
        def row(label: str, value: str, indent: bool = False) -> str:
            pad = "padding-left:1.5em;" if indent else ""
            return f"<tr><td style='text-align:left;{pad}'>{label}</td><td style='text-align:right'>{value}</td></tr>"

        lines = [row("Records in the file", f"{self.n_read:,}"),
                 row("Excluded: coordinates unusable", f"{sum(self.excluded.values()):,}")]
        names = {"missing": "missing or not a number", "out_of_range": "out of range", "zero_zero": "at (0, 0)",
                 "duplicate": "duplicate"}
        lines += [row(names[key], f"{count:,}", indent=True) for key, count in self.excluded.items()]
        if self.selection is not None:
            sel = self.selection
            lines.append(row("Left out by your choices", f"{sel.n_left_out:,}"))
            labels = {}
            if "leave_out_groups" in sel.choices:
                labels["group"] = "in " + html.escape(", ".join(sel.choices["leave_out_groups"]))
            if "before_year" in sel.choices:
                labels["before_year"] = f"collected before {sel.choices['before_year']}"
            if "max_uncertainty_m" in sel.choices:
                labels["uncertainty"] = f"uncertainty above {sel.choices['max_uncertainty_m']:,.0f} m"
            lines += [row(label, f"{sel.left_out[key]:,}", indent=True) for key, label in labels.items()]
            lines.append(row("<b>Records used</b>", f"<b>{sel.n_kept:,}</b>"))
        parts = ["<table>" + "".join(lines) + "</table>"]
        if self.summary is not None:
            s = self.summary
            parts.append(f"<p><b>EOO</b> {_km2(s.eoo_km2)} km²<br><small>{html.escape(s.eoo_rule)}</small></p>"
                         f"<p><b>AOO</b> {_km2(s.aoo_km2)} km² ({s.n_cells} cells)<br>"
                         f"<small>{html.escape(s.grid)}</small></p>")
        notes = []
        if self.selection is not None and self.selection.undated and "before_year" in self.selection.choices:
            notes.append(f"{self.selection.undated} record(s) without a readable year were kept")
        if self.selection is not None and self.selection.uncertainty_unknown and \
                "max_uncertainty_m" in self.selection.choices:
            notes.append(f"{self.selection.uncertainty_unknown} record(s) without a coordinate uncertainty were kept")
        if notes:
            parts.append("<p><small>" + "; ".join(notes) + ".</small></p>")
        return "<div style='padding-left:1em'>" + "".join(parts) + "</div>"

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)


def _read(occurrences: Any, group_column: str) -> pd.DataFrame:
    if isinstance(occurrences, pd.DataFrame):
        return occurrences
    try:
        return geo.read_occurrences(occurrences, extra_columns=[group_column])
    except InvalidInputError as error:
        if error.field != "extra_columns":
            raise
    return geo.read_occurrences(occurrences)


def range_explorer(occurrences: Any, *, group_column: str = "locality", cell_size_km: float = 2.0,
                   title: str | None = None) -> RangeExplorer:
    """A :class:`RangeExplorer` of ``occurrences`` (a frame from read_occurrences, or anything it reads)."""
    return RangeExplorer(occurrences, group_column=group_column, cell_size_km=cell_size_km, title=title)


# ----------------------------------------------------------------------------------------------------------
# Red List evidence explorer
# ----------------------------------------------------------------------------------------------------------

def parse_quantity(text: Any) -> Any:
    """A text box's content as evidence for :func:`exsitu.redlist.categorize`.

    Blank → None (unknown); ``"12"`` → ``"12"``; ``"8, 12, 20"`` (or with semicolons) → the range
    ``("8", "12", "20")`` as (low, best, high). Numbers are not checked here: ``categorize`` checks them and
    names the field when one is wrong. Write numbers without thousands separators.
    """
    if text is None:
        return None
    if not isinstance(text, str):
        return text
    stripped = text.strip()
    if not stripped:
        return None
    parts = [part.strip() for part in re.split(r"[;,]", stripped)]
    if len(parts) == 1:
        return parts[0]
    return tuple(parts)


_TEXT_FIELDS: dict[str, tuple[str, str]] = {  # name: (label, placeholder)
    "generation_length_years": ("Generation length (years)", "unknown"),
    "eoo_km2": ("EOO (km²)", "unknown"),
    "aoo_km2": ("AOO (km²)", "unknown"),
    "mature_individuals": ("Mature individuals", "unknown, or low, best, high"),
    "decline_percent": ("C1: decline in mature individuals (%)", "unknown"),
    "decline_years": ("… observed over (years)", "unknown"),
    "largest_subpopulation": ("C2a(i): mature individuals in the largest subpopulation", "unknown"),
    "percent_in_largest_subpopulation": ("C2a(ii): % of mature individuals in one subpopulation", "unknown"),
    "extinction_probability": ("E: probability of extinction (0–1)", "unknown"),
    "extinction_years": ("… within (years)", "unknown"),
}
_TRISTATE = [("unknown", None), ("yes", True), ("no", False)]
_DECLINE_NAMES = {"i": "(i) EOO", "ii": "(ii) AOO", "iii": "(iii) habitat", "iv": "(iv) locations or subpopulations",
                  "v": "(v) mature individuals"}
_FLUCTUATION_NAMES = {"i": "(i) EOO", "ii": "(ii) AOO", "iii": "(iii) locations or subpopulations",
                      "iv": "(iv) mature individuals"}


class _SubcriteriaControl:
    """Unknown / no / yes, and for yes the sub-criteria ticked (none ticked = True, written without them)."""

    def __init__(self, label: str, names: Mapping[str, str]) -> None:
        self.mode = widgets.Dropdown(options=["unknown", "no", "yes"], value="unknown", description=label,
                                     style=_DESCRIPTION, layout=widgets.Layout(width="22em"))
        self.boxes = {key: widgets.Checkbox(value=False, description=text, indent=False,
                                            layout=widgets.Layout(width="auto", margin="0 1em 0 0"))
                      for key, text in names.items()}
        self.widget = widgets.VBox([self.mode, widgets.HBox(list(self.boxes.values()),
                                                            layout=widgets.Layout(flex_flow="row wrap"))])

    def controls(self) -> list[widgets.Widget]:
        return [self.mode, *self.boxes.values()]

    def value(self) -> Any:
        for box in self.boxes.values():
            box.disabled = self.mode.value != "yes"
        if self.mode.value == "unknown":
            return None
        if self.mode.value == "no":
            return False
        ticked = {key for key, box in self.boxes.items() if box.value}
        return ticked or True

    def set(self, value: Any) -> None:
        if isinstance(value, Mapping):
            # B1 and B2 given separately (categorize's mapping form): this control shows one set for both,
            # so it shows what either part says (True if either is True, the union of the named ones).
            parts = [part for part in value.values() if part is not None]
            if any(part is True for part in parts):
                value = True
            elif any(part not in (False,) for part in parts):
                value = {key for part in parts if part not in (True, False)
                         for key in ({part} if isinstance(part, str) else set(part))}
            else:
                value = False if parts else None
        if value is None:
            self.mode.value = "unknown"
        elif value is False:
            self.mode.value = "no"
        else:
            self.mode.value = "yes"
            chosen = set() if value is True else ({value} if isinstance(value, str) else set(value))
            for key, box in self.boxes.items():
                box.value = key in chosen


class EvidenceExplorer:
    """Evidence for criteria A–E in; category, criteria string and per-criterion reasons out, live.

    Controls (leave any unknown):

    * A — ``reduction_known`` (Checkbox), ``reduction_percent`` (FloatSlider, %), ``reduction_criterion``
      (Dropdown A1–A4); ``texts['generation_length_years']``.
    * B — ``texts['eoo_km2']``, ``texts['aoo_km2']`` (filled from a linked :class:`RangeExplorer` while
      ``use_records`` is ticked); ``locations_known`` (Checkbox), ``locations`` (IntSlider) and, for a
      plausible range, ``locations_range_on`` (Checkbox) with ``locations_range`` (IntRangeSlider);
      ``severely_fragmented`` (Dropdown unknown/yes/no); ``continuing_decline`` and ``extreme_fluctuation``
      (each a Dropdown ``.mode`` unknown/no/yes and a Checkbox per sub-criterion in ``.boxes``).
    * C, D — ``texts`` for mature individuals, C1 decline % and years, C2a(i) and C2a(ii);
      ``plausible_threat`` (Dropdown, for VU D2).
    * E — ``texts`` for extinction probability and years.

    Every box in ``texts`` takes a number, or a (low, best, high) range written ``low, best, high``
    (see :func:`parse_quantity`). Outputs: ``category_html``, ``explanations_html``, ``notes_html``,
    ``message`` (HTML). State: ``result`` (:class:`exsitu.redlist.RedListResult`, None while the evidence
    is invalid); ``widget`` is the whole explorer.
    """

    def __init__(self, initial: Mapping[str, Any] | None = None, *,
                 range_explorer: RangeExplorer | None = None) -> None:
        self.result: RedListResult | None = None
        self._hold = False
        self._linked: dict[str, tuple[str, float]] = {}

        self.reduction_known = widgets.Checkbox(value=False, description="Population reduction known",
                                                indent=False, layout=_WIDE)
        self.reduction_percent = widgets.FloatSlider(value=30.0, min=0.0, max=100.0, step=1.0,
                                                     description="reduction (%)", style=_DESCRIPTION,
                                                     continuous_update=False)
        self.reduction_criterion = widgets.Dropdown(
            options=[("A1 past; causes reversible, understood and ceased", "A1"),
                     ("A2 past; causes not ceased, understood or reversible", "A2"),
                     ("A3 projected in the future", "A3"), ("A4 window with past and future", "A4")],
            value="A2", description="sub-criterion", style=_DESCRIPTION, layout=widgets.Layout(width="32em"))
        self.texts: dict[str, widgets.Text] = {
            name: widgets.Text(value="", description=label, placeholder=placeholder, style=_DESCRIPTION,
                               continuous_update=False, layout=widgets.Layout(width="34em"))
            for name, (label, placeholder) in _TEXT_FIELDS.items()
        }
        self.use_records = widgets.Checkbox(value=range_explorer is not None, indent=False, layout=_WIDE,
                                            description="EOO and AOO from the records kept above",
                                            disabled=range_explorer is None)
        self.locations_known = widgets.Checkbox(value=False, description="Number of locations known", indent=False,
                                                layout=_WIDE)
        self.locations = widgets.IntSlider(value=5, min=1, max=20, description="locations (best)",
                                           style=_DESCRIPTION, continuous_update=False)
        self.locations_range_on = widgets.Checkbox(value=False, description="give a plausible range", indent=False,
                                                   layout=_WIDE)
        self.locations_range = widgets.IntRangeSlider(value=(3, 8), min=1, max=20, description="low–high",
                                                      style=_DESCRIPTION, continuous_update=False)
        self.severely_fragmented = widgets.Dropdown(options=_TRISTATE, value=None, description="Severely fragmented",
                                                    style=_DESCRIPTION)
        self.continuing_decline = _SubcriteriaControl("Continuing decline (b)", _DECLINE_NAMES)
        self.extreme_fluctuation = _SubcriteriaControl("Extreme fluctuations (c)", _FLUCTUATION_NAMES)
        self.plausible_threat = widgets.Dropdown(options=_TRISTATE, value=None, style=_DESCRIPTION,
                                                 description="VU D2: plausible threat that could make it CR or EX "
                                                             "in a very short time")

        self.category_html = widgets.HTML()
        self.explanations_html = widgets.HTML()
        self.notes_html = widgets.HTML()
        self.message = widgets.HTML()

        tab_a = widgets.VBox([widgets.HBox([self.reduction_known, self.reduction_percent]), self.reduction_criterion,
                              self.texts["generation_length_years"],
                              widgets.HTML("<small>The window is the longer of 10 years or 3 generations.</small>")])
        tab_b = widgets.VBox([self.use_records, self.texts["eoo_km2"], self.texts["aoo_km2"],
                              widgets.HBox([self.locations_known, self.locations]),
                              widgets.HBox([self.locations_range_on, self.locations_range]),
                              self.severely_fragmented, self.continuing_decline.widget,
                              self.extreme_fluctuation.widget])
        tab_cd = widgets.VBox([self.texts[name] for name in ("mature_individuals", "decline_percent", "decline_years",
                                                              "largest_subpopulation",
                                                              "percent_in_largest_subpopulation")]
                              + [self.plausible_threat])
        tab_e = widgets.VBox([self.texts["extinction_probability"], self.texts["extinction_years"]])
        self.tabs = widgets.Tab(children=[tab_a, tab_b, tab_cd, tab_e],
                                titles=("A reduction", "B range", "C, D population", "E extinction risk"))
        self.tabs.selected_index = 1
        help_text = widgets.HTML("<small>Leave a box empty when the value is not known. Write a range as "
                                 "<code>low, best, high</code> (e.g. <code>150, 400, 900</code>).</small>")
        self.widget = widgets.VBox([widgets.HTML("<b>Red List evidence</b>"), help_text, self.tabs, self.message,
                                    self.category_html, self.explanations_html, self.notes_html])

        controls = [self.reduction_known, self.reduction_percent, self.reduction_criterion, *self.texts.values(),
                    self.use_records, self.locations_known, self.locations, self.locations_range_on,
                    self.locations_range, self.severely_fragmented, *self.continuing_decline.controls(),
                    *self.extreme_fluctuation.controls(), self.plausible_threat]
        for control in controls:
            control.observe(self.update, names="value")

        self.range_explorer: RangeExplorer | None = None
        with self._holding():
            if initial:
                self.set_evidence(initial)
            if range_explorer is not None:
                self.link(range_explorer)
        self.update()

    @contextmanager
    def _holding(self) -> Iterator[None]:
        """Change several controls, then update once."""
        previous, self._hold = self._hold, True
        try:
            yield
        finally:
            self._hold = previous

    # -- evidence in ----------------------------------------------------------------------------------------
    def set_evidence(self, evidence: Mapping[str, Any]) -> None:
        """Set controls from ``categorize``-style keywords (a range as a (low, best, high) tuple)."""
        with self._holding():
            for name, value in evidence.items():
                if name == "reduction_percent":
                    self.reduction_known.value = value is not None
                    if value is not None:
                        self.reduction_percent.value = float(value)
                elif name == "reduction_criterion":
                    self.reduction_criterion.value = value
                elif name == "locations":
                    self.locations_known.value = value is not None
                    if isinstance(value, (tuple, list)):
                        low, best, high = value
                        self.locations_range_on.value = True
                        self.locations_range.value = (int(low), int(high))
                        self.locations.value = int(best)
                    elif value is not None:
                        self.locations_range_on.value = False
                        self.locations.value = int(value)
                elif name in self.texts:
                    if name in ("eoo_km2", "aoo_km2"):
                        self.use_records.value = False
                    self.texts[name].value = _as_text(value)
                elif name == "severely_fragmented":
                    self.severely_fragmented.value = value
                elif name == "plausible_threat":
                    self.plausible_threat.value = value
                elif name == "continuing_decline":
                    self.continuing_decline.set(value)
                elif name == "extreme_fluctuation":
                    self.extreme_fluctuation.set(value)
                else:
                    raise InvalidInputError(name, "is not evidence this explorer shows",
                                            "use the keywords of exsitu.redlist.categorize shown on its tabs")
        self.update()

    def link(self, explorer: RangeExplorer) -> None:
        """Fill EOO and AOO from ``explorer``'s records kept, now and after every change there."""
        self.range_explorer = explorer
        self.use_records.disabled = False
        self.use_records.value = True
        explorer.on_change(lambda _: self._from_records())
        self._from_records()

    def _from_records(self) -> None:
        if self.range_explorer is None or not self.use_records.value:
            return
        summary = self.range_explorer.summary
        with self._holding():
            self._linked = {}
            for name in ("eoo_km2", "aoo_km2"):
                if summary is None:
                    self.texts[name].value = ""  # no record kept: EOO and AOO are unknown, not zero
                    continue
                value = float(getattr(summary, name))
                text = f"{value:.1f}"
                self._linked[name] = (text, value)
                self.texts[name].value = text
        self.update()

    def evidence(self) -> dict[str, Any]:
        """The keyword arguments passed to :func:`exsitu.redlist.categorize` (unknown ones left out)."""
        evidence: dict[str, Any] = {}
        if self.reduction_known.value:
            evidence["reduction_percent"] = float(self.reduction_percent.value)
            evidence["reduction_criterion"] = self.reduction_criterion.value
        for name, box in self.texts.items():
            value = parse_quantity(box.value)
            linked = self._linked.get(name)
            if linked is not None and self.use_records.value and box.value.strip() == linked[0]:
                value = linked[1]  # the exact figure from the records, not its rounded display
            if value is not None:
                evidence[name] = value
        if self.locations_known.value:
            if self.locations_range_on.value:
                low, high = self.locations_range.value
                evidence["locations"] = (low, self.locations.value, high)
            else:
                evidence["locations"] = self.locations.value
        for name, control in (("severely_fragmented", self.severely_fragmented),
                              ("plausible_threat", self.plausible_threat)):
            if control.value is not None:
                evidence[name] = control.value
        for name, control in (("continuing_decline", self.continuing_decline),
                              ("extreme_fluctuation", self.extreme_fluctuation)):
            value = control.value()
            if value is not None:
                evidence[name] = value
        return evidence

    # -- result out -----------------------------------------------------------------------------------------
    def update(self, _change: Any = None) -> None:
        """Categorise the evidence and refresh the outputs (called by every control)."""
        if self._hold:
            return
        self.reduction_percent.disabled = not self.reduction_known.value
        self.reduction_criterion.disabled = not self.reduction_known.value
        self.locations.disabled = not self.locations_known.value
        self.locations_range_on.disabled = not self.locations_known.value
        self.locations_range.disabled = not (self.locations_known.value and self.locations_range_on.value)
        for name in ("eoo_km2", "aoo_km2"):
            self.texts[name].disabled = bool(self.use_records.value and self.range_explorer is not None)
        if self.use_records.value and self.range_explorer is not None and not self._linked_current():
            self._from_records()
            return
        try:
            self.result = categorize(**self.evidence())
        except InvalidInputError as error:
            self.result = None
            self.message.value = _error_html(error)
            self.category_html.value = ("<p style='color:#666'>No category while the evidence above cannot be "
                                        "used.</p>")
            self.explanations_html.value = ""
            self.notes_html.value = ""
            return
        self.message.value = ""
        self.category_html.value = _category_html(self.result)
        self.explanations_html.value = _explanations_html(self.result)
        self.notes_html.value = _notes_html(self.result)

    def _linked_current(self) -> bool:
        summary = self.range_explorer.summary if self.range_explorer is not None else None
        if summary is None:
            return all(not self.texts[name].value.strip() for name in ("eoo_km2", "aoo_km2"))
        return all(self._linked.get(name, (None, None))[1] == float(getattr(summary, name))
                   and self.texts[name].value.strip() == self._linked[name][0] for name in ("eoo_km2", "aoo_km2"))

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)


def _as_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (tuple, list)):
        return ", ".join(_as_text(item) for item in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _badge(category: str, size: str = "1.6em") -> str:
    colour = CATEGORY_COLOURS.get(category, "#eeeeee")
    text_colour = "white" if category in ("CR",) else "black"
    return (f"<span style='background:{colour};color:{text_colour};font-weight:bold;font-size:{size};"
            f"padding:2px 10px;border-radius:4px'>{html.escape(category)}</span>")


def _category_html(result: RedListResult) -> str:
    criteria = f" <span style='font-size:1.4em'>{html.escape(result.criteria)}</span>" if result.criteria else ""
    lines = [f"<p>{_badge(result.category)}{criteria}</p>", f"<p>{html.escape(result.summary())}</p>"]
    low, high = result.category_range
    if low != high:
        low_criteria, high_criteria = result.criteria_range
        lines.append(f"<p><b>Plausible range</b> (from the ranges given): {_badge(low, '1em')} "
                     f"{html.escape(low_criteria)} (least threat) to {_badge(high, '1em')} "
                     f"{html.escape(high_criteria)} (most threat); the category above is from the best estimates.</p>")
    return "".join(lines)


_STATUS_COLOURS = {"met": "#ffe0d6", "not met": "#e9f5e1", "unknown": "#f2f2f2", "not applicable": "#ffffff"}


def _explanations_html(result: RedListResult) -> str:
    table = result.explanations_table()
    rows = []
    for record in table.to_dict("records"):
        colour = _STATUS_COLOURS.get(record["status"], "#ffffff")
        cells = [record["criterion"], record["status"], record["CR"], record["EN"], record["VU"], record["reason"]]
        rows.append(f"<tr style='background:{colour}'>" + "".join(
            f"<td style='text-align:left;vertical-align:top;padding:2px 6px'>{html.escape(str(c))}</td>"
            for c in cells) + "</tr>")
    header = "".join(f"<th style='text-align:left;padding:2px 6px'>{h}</th>"
                     for h in ("criterion", "status", "CR", "EN", "VU", "why"))
    return ("<details open><summary><b>Why: each criterion at each category</b></summary>"
            f"<table style='font-size:0.9em'><tr>{header}</tr>{''.join(rows)}</table></details>")


def _notes_html(result: RedListResult) -> str:
    if not result.notes:
        return ""
    items = "".join(f"<li>{html.escape(note)}</li>" for note in result.notes)
    return f"<p><b>Notes</b></p><ul style='font-size:0.9em'>{items}</ul>"


def evidence_explorer(initial: Mapping[str, Any] | None = None, *,
                      range_explorer: RangeExplorer | None = None) -> EvidenceExplorer:
    """An :class:`EvidenceExplorer`, prefilled with ``initial`` evidence and linked to ``range_explorer``."""
    return EvidenceExplorer(initial, range_explorer=range_explorer)


# ----------------------------------------------------------------------------------------------------------
# Threat impact editor
# ----------------------------------------------------------------------------------------------------------

def _code_options() -> list[str]:
    table = threat_classification(levels=3)
    return [f"{code} {name}" for code, name in zip(table["code"], table["name"])]


class ThreatEditor:
    """Add threats by Threats Classification Scheme code with timing, scope and severity; see their impact.

    Controls: ``code`` (Combobox: pick '8.1 Invasive …' or type a code), ``timing``, ``scope``, ``severity``
    (Dropdowns with the Red List's labels), ``notes`` (Text), ``add_button``, ``remove_last_button``,
    ``clear_button``. Outputs: ``preview`` (HTML: the impact of the threat being edited), ``table_html``
    (HTML: :func:`exsitu.threats.threats_table`), ``message`` (HTML). State: ``threats`` (list of
    :class:`exsitu.threats.ThreatImpact`, in the order added); ``widget`` is the whole editor.
    """

    def __init__(self, threats: Iterable[ThreatImpact] = ()) -> None:
        self.threats: list[ThreatImpact] = []
        self.code = widgets.Combobox(options=_code_options(), ensure_option=False, value="",
                                     placeholder="code, e.g. 8.1, or pick from the list", description="Threat",
                                     layout=widgets.Layout(width="34em"))
        self.timing = widgets.Dropdown(options=list(TIMINGS), value="Ongoing", description="Timing")
        self.scope = widgets.Dropdown(options=list(SCOPES), value="Majority (50–90%)", description="Scope")
        self.severity = widgets.Dropdown(options=list(SEVERITIES), value="Slow, significant declines",
                                         description="Severity", layout=widgets.Layout(width="22em"))
        self.notes = widgets.Text(value="", description="Notes", placeholder="e.g. the named invasive species",
                                  layout=widgets.Layout(width="34em"))
        self.add_button = widgets.Button(description="Add threat", button_style="primary", icon="plus")
        self.remove_last_button = widgets.Button(description="Remove last", icon="minus")
        self.clear_button = widgets.Button(description="Remove all", icon="trash")
        self.preview = widgets.HTML()
        self.table_html = widgets.HTML()
        self.message = widgets.HTML()

        self.add_button.on_click(lambda _: self.add())
        self.remove_last_button.on_click(lambda _: self.remove_last())
        self.clear_button.on_click(lambda _: self.clear())
        for control in (self.timing, self.scope, self.severity):
            control.observe(self._preview, names="value")
        self.widget = widgets.VBox([
            widgets.HTML("<b>Threats</b> (IUCN Threats Classification Scheme v3.3; impact as the Red List scores "
                         "it)"),
            self.code, widgets.HBox([self.timing, self.scope]), self.severity, self.notes, self.preview,
            widgets.HBox([self.add_button, self.remove_last_button, self.clear_button]), self.message,
            self.table_html,
        ])
        for threat in threats:
            if not isinstance(threat, ThreatImpact):
                raise InvalidInputError("threats", f"expected ThreatImpact objects, got {threat!r}",
                                        "create them with exsitu.threats.ThreatImpact(code, timing, scope, severity)")
            self.threats.append(threat)
        self._preview()
        self._refresh()

    def _preview(self, _change: Any = None) -> None:
        score, impact = impact_score(self.timing.value, self.scope.value, self.severity.value)
        shown = f"score {score} → <b>{impact}</b>" if score is not None else f"<b>{impact}</b> (not scored)"
        self.preview.value = f"<small>Impact of this timing, scope and severity: {shown}</small>"

    def add(self, code: Any = None, timing: str | None = None, scope: str | None = None,
            severity: str | None = None, notes: str | None = None) -> ThreatImpact | None:
        """Add a threat from the arguments given, or else from the controls; None (and a message) if invalid."""
        text = self.code.value if code is None else code
        if isinstance(text, str):
            match = re.match(r"^\s*(\d+(?:\.\d+)*)\.?(\s|$)", text)
            text = match.group(1) if match else text.strip()
        try:
            threat = ThreatImpact(code=text, timing=self.timing.value if timing is None else timing,
                                  scope=self.scope.value if scope is None else scope,
                                  severity=self.severity.value if severity is None else severity,
                                  notes=self.notes.value if notes is None else notes)
        except InvalidInputError as error:
            self.message.value = _error_html(error)
            return None
        self.threats.append(threat)
        self.message.value = ""
        self._refresh()
        return threat

    def remove_last(self) -> None:
        if self.threats:
            self.threats.pop()
        self.message.value = ""
        self._refresh()

    def clear(self) -> None:
        self.threats.clear()
        self.message.value = ""
        self._refresh()

    def table(self) -> pd.DataFrame:
        """The threats as :func:`exsitu.threats.threats_table` gives them, highest impact first."""
        return threats_table(self.threats)

    def _refresh(self) -> None:
        if not self.threats:
            self.table_html.value = "<p style='color:#666'>No threat added yet.</p>"
            return
        table = self.table().drop(columns=["category"])
        table["score"] = table["score"].astype(object).where(table["score"].notna(), "–")
        table["major"] = table["major"].map({True: "yes", False: ""})
        self.table_html.value = table.to_html(index=False, escape=True, border=0)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)


def threat_editor(threats: Iterable[ThreatImpact] = ()) -> ThreatEditor:
    """A :class:`ThreatEditor` starting with ``threats``."""
    return ThreatEditor(threats)


# ----------------------------------------------------------------------------------------------------------
# All three, linked
# ----------------------------------------------------------------------------------------------------------

@dataclass
class StatusReviewExplorer:
    """The three Step 1 explorers, linked: records kept → EOO and AOO → category and reasons; threats."""

    range: RangeExplorer
    evidence: EvidenceExplorer
    threats: ThreatEditor
    widget: widgets.Widget

    def status_review(self, taxon: str | None = None, **fields: Any) -> StatusReview:
        """A :class:`exsitu.status_review.StatusReview` of the current state (raises if the evidence is invalid).

        ``taxon`` defaults to the records' scientific name; other ``fields`` (``taxon_group``,
        ``knowledge_gaps``, ...) go to StatusReview as they are.
        """
        if self.evidence.result is None:
            categorize(**self.evidence.evidence())  # raises the InvalidInputError shown in the widget
        summary = self.range.summary
        name = taxon if taxon is not None else (summary.taxon if summary is not None else None)
        records = self.range.selection.n_kept if self.range.selection is not None else None
        fields.setdefault("records_kept", records)
        return StatusReview(taxon=name, redlist=self.evidence.result, threats=tuple(self.threats.threats), **fields)

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)


def status_review_explorer(occurrences: Any, *, evidence: Mapping[str, Any] | None = None,
                           threats: Iterable[ThreatImpact] = (), group_column: str = "locality",
                           cell_size_km: float = 2.0) -> StatusReviewExplorer:
    """Range explorer, evidence explorer (EOO and AOO linked to the records kept) and threat editor, in tabs."""
    ranges = RangeExplorer(occurrences, group_column=group_column, cell_size_km=cell_size_km)
    evidence_widget = EvidenceExplorer(evidence, range_explorer=ranges)
    editor = ThreatEditor(threats)
    tabs = widgets.Tab(children=[ranges.widget, evidence_widget.widget, editor.widget],
                       titles=("1 Records and range", "2 Red List category", "3 Threats"))
    return StatusReviewExplorer(range=ranges, evidence=evidence_widget, threats=editor, widget=tabs)
