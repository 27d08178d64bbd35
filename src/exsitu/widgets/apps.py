"""The calculators served as Voilà apps (``apps/*.ipynb``), each one call that builds the whole app.

* :func:`redlist_calculator` — Red List and range calculator: pick a bundled occurrence file or upload one
  (Darwin Core CSV or a GBIF download), see the map, EOO, AOO and the records excluded and why
  (:class:`~exsitu.widgets.status_review.RangeExplorer`, its map drawn after the numbers, on a thread of its
  own), and the category with its reasons from the
  evidence form (:class:`~exsitu.widgets.status_review.EvidenceExplorer`, EOO and AOO linked to the records).
* :func:`population_planner_app` — genetic targets (:func:`~exsitu.widgets.population.population_planner`)
  and the PVA comparison (:func:`~exsitu.widgets.population.pva_comparison`) in two tabs.
* :func:`studbook_app` — the studbook analyser (:func:`~exsitu.widgets.population.studbook_analyser`) with a
  size-limited upload and CSV downloads of its tables.

Like the other widgets these compute nothing themselves. Uploads are size-limited (:data:`MAX_UPLOAD_BYTES`
by default) and read by the library's own readers; a file that is too large or cannot be read gives a message
naming what is wrong and how to fix it, and the app keeps showing the last data that loaded. Each builder
returns a ``VBox`` whose ``parts`` attribute holds the controls and outputs, for tests.
"""

from __future__ import annotations

import base64
import html
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any, Mapping

import ipywidgets as widgets
import pandas as pd

from exsitu.datasets import available, data_path
from exsitu.validation import InvalidInputError, require_number

__all__ = [
    "MAX_UPLOAD_BYTES", "PopulationPlannerApp", "RedListCalculator", "StudbookApp", "bundled_occurrences",
    "check_upload", "csv_download_link", "population_planner_app", "redlist_calculator", "studbook_app",
]

#: Largest file an app accepts by default, bytes (15 MB: tens of thousands of GBIF records with all columns;
#: a GBIF download zip of that size holds several times more). The Voilà server's websocket message limit
#: (apps/voila.json, 64 MiB) is set well above this so the app, not the server, refuses a file too large.
MAX_UPLOAD_BYTES = 15_000_000

_OCCURRENCE_SUFFIXES = (".csv", ".tsv", ".txt")
#: What the Red List calculator accepts as an upload: tables, and GBIF's download zips as they come.
_OCCURRENCE_UPLOAD_SUFFIXES = (*_OCCURRENCE_SUFFIXES, ".zip")


def _message_html(text: str, *, error: bool) -> str:
    if error:
        return ("<div style='color:#8a1c00;background:#fff1ec;border-left:4px solid #d81e05;padding:4px 8px'>"
                f"{text}</div>")
    return f"<div style='color:#1b5e20;background:#eef7ee;border-left:4px solid #2e7d32;padding:4px 8px'>{text}</div>"


def _error_html(error: InvalidInputError, what: str) -> str:
    fix = f"<br><b>How to fix it:</b> {html.escape(error.fix)}" if error.fix else ""
    return _message_html(f"<b>{html.escape(what)} was not loaded.</b> Problem with "
                         f"<code>{html.escape(str(error.field))}</code>: {html.escape(error.problem)}{fix}",
                         error=True)


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB"


def check_upload(files: Any, *, max_bytes: int = MAX_UPLOAD_BYTES,
                 suffixes: tuple[str, ...] = _OCCURRENCE_UPLOAD_SUFFIXES) -> tuple[str, bytes]:
    """The ``(name, content)`` of the one file in a FileUpload's ``value``, after checking its size and type.

    ``files``: ``FileUpload.value`` (a sequence of dicts with ``name`` and ``content``). ``max_bytes``: the
    largest size accepted, bytes. ``suffixes``: accepted file-name endings (lower case).
    Raises :class:`InvalidInputError` (field ``upload``) for no file, more than one, a wrong ending, an empty
    file or one larger than ``max_bytes``.
    """
    limit = int(require_number(max_bytes, "max_bytes", minimum=1, unit="bytes"))
    items = list(files or ())
    if len(items) != 1:
        raise InvalidInputError("upload", f"expected one file, got {len(items)}", "choose a single file")
    item = items[0]
    name = str(item.get("name") or "uploaded file")
    content = item.get("content")
    data = bytes(content) if content is not None else b""
    suffix = PurePath(name).suffix.lower()
    if suffixes and suffix not in suffixes:
        raise InvalidInputError("upload", f"{name!r} is not a {' or '.join(suffixes)} file",
                                "save the table as CSV UTF-8 (or upload a GBIF download's zip as it is)")
    if len(data) > limit:
        raise InvalidInputError("upload", f"{name!r} is {_megabytes(len(data))}, larger than the "
                                f"{_megabytes(limit)} limit",
                                "upload the GBIF download's zip as it is (compressed), or keep only the columns "
                                "and records needed (e.g. one species, one region) and upload that smaller file")
    if not data.strip():
        raise InvalidInputError("upload", f"{name!r} is empty", "choose a file with a header line and records")
    return name, data


def bundled_occurrences() -> list[tuple[str, str]]:
    """The bundled occurrence files as ``(label, path relative to data/)`` pairs, for a dataset picker."""
    options = []
    for item in available():
        path = PurePath(item)
        if path.parts[0] == "occurrences" and path.suffix in _OCCURRENCE_SUFFIXES:
            label = path.stem.replace("synthetic_", "").replace("_", " ")
            options.append((f"{label} (SYNTHETIC)" if "synthetic" in path.stem else label, item))
    return options


# ------------------------------------------------------------------------------------ Red List calculator
@dataclass
class RedListCalculator:
    """The parts of the Red List and range calculator (``redlist_calculator().parts``).

    ``dataset`` (Dropdown of bundled files; its last option ``"uploaded file"`` appears after an upload),
    ``upload`` (FileUpload), ``message`` (HTML: what loaded, or what is wrong with a file), ``records`` (Box
    holding the current range explorer's widget). State: ``range`` (the current
    :class:`~exsitu.widgets.status_review.RangeExplorer`), ``evidence`` (the
    :class:`~exsitu.widgets.status_review.EvidenceExplorer`, kept across files), ``source_name``.
    """

    dataset: widgets.Dropdown
    upload: widgets.FileUpload
    message: widgets.HTML
    records: widgets.Box
    evidence: Any
    max_bytes: int = MAX_UPLOAD_BYTES
    group_column: str = "locality"
    cell_size_km: float = 2.0
    range: Any = None
    source_name: str = ""
    container: widgets.VBox | None = None
    _uploaded: bytes | None = None
    _upload_name: str = "uploaded file"

    def load(self, source: Any, name: str) -> bool:
        """Read ``source`` (path, bytes or frame) and show it; on bad input show why and keep the previous one."""
        from exsitu.widgets.status_review import RangeExplorer

        try:
            explorer = RangeExplorer(source, group_column=self.group_column, cell_size_km=self.cell_size_km,
                                     draw_in_background=True)
        except InvalidInputError as error:
            kept = f" Still showing {html.escape(self.source_name)}." if self.range is not None else ""
            self.message.value = _error_html(error, name) + kept
            return False
        except Exception as error:  # noqa: BLE001 - an app must never show a traceback
            kept = f" Still showing {html.escape(self.source_name)}." if self.range is not None else ""
            self.message.value = _message_html(
                f"<b>{html.escape(name)} was not loaded:</b> it could not be read as an occurrence table "
                f"({html.escape(type(error).__name__)}: {html.escape(str(error)[:300])}).<br><b>How to fix it:</b> "
                "save it as CSV UTF-8 with columns decimalLatitude and decimalLongitude (Darwin Core), or "
                "upload a GBIF download unchanged." + kept, error=True)
            return False
        self.range, self.source_name = explorer, name
        self.records.children = (explorer.widget,)
        self.evidence.link(explorer)
        used = explorer.selection.n_kept if explorer.selection is not None else 0
        self.message.value = _message_html(
            f"Loaded <b>{html.escape(name)}</b>: {explorer.n_read:,} records read, "
            f"{sum(explorer.excluded.values()):,} excluded, {used:,} used.", error=False)
        return True

    def _on_dataset(self, change: Any = None) -> None:
        value = self.dataset.value
        if value == "upload":
            if self._uploaded is not None:
                self.load(self._uploaded, self._upload_name)
            return
        self.load(data_path(value), dict((v, k) for k, v in self.dataset.options)[value])

    def _on_upload(self, change: Any = None) -> None:
        files = self.upload.value
        if not files:
            return
        try:
            name, data = check_upload(files, max_bytes=self.max_bytes)
        except InvalidInputError as error:
            name = str(files[0].get("name", "uploaded file")) if len(files) else "uploaded file"
            kept = f" Still showing {html.escape(self.source_name)}." if self.range is not None else ""
            self.message.value = _error_html(error, name) + kept
        else:
            if self.load(data, name):
                self._uploaded, self._upload_name = data, name
                options = [option for option in self.dataset.options if option[1] != "upload"]
                self.dataset.unobserve(self._on_dataset, names="value")
                self.dataset.options = [*options, (f"uploaded: {name}", "upload")]
                self.dataset.value = "upload"
                self.dataset.observe(self._on_dataset, names="value")
        self.upload.value = ()  # ready for the next file, even the same one again



def redlist_calculator(dataset: str | None = None, *, evidence: Mapping[str, Any] | None = None,
                       max_bytes: int = MAX_UPLOAD_BYTES, group_column: str = "locality",
                       cell_size_km: float = 2.0) -> widgets.VBox:
    """The Red List and range calculator app.

    ``dataset``: a bundled occurrence file (path relative to ``data/``, see :func:`bundled_occurrences`);
    None opens the first. ``evidence``: starting Red List evidence (keywords of
    :func:`exsitu.redlist.categorize`). ``max_bytes``: upload size limit, bytes. ``cell_size_km``: AOO grid
    cell, km (2 km for the Red List). Returns a ``VBox``; its ``parts`` is the :class:`RedListCalculator`.
    """
    from exsitu.widgets.status_review import EvidenceExplorer

    options = bundled_occurrences()
    if not options:
        raise InvalidInputError("dataset", "no bundled occurrence file found", "check the repository's data/ folder")
    values = [value for _, value in options]
    if dataset is None:
        dataset = values[0]
    elif dataset not in values:
        raise InvalidInputError("dataset", f"{dataset!r} is not a bundled occurrence file",
                                "choose from: " + ", ".join(values))
    parts = RedListCalculator(
        dataset=widgets.Dropdown(options=options, value=dataset, description="Records",
                                 layout=widgets.Layout(width="32em")),
        upload=widgets.FileUpload(accept=",".join(_OCCURRENCE_UPLOAD_SUFFIXES), multiple=False,
                                  description="Upload occurrences", layout=widgets.Layout(width="auto")),
        message=widgets.HTML(), records=widgets.Box(), evidence=EvidenceExplorer(evidence),
        max_bytes=int(require_number(max_bytes, "max_bytes", minimum=1, unit="bytes")),
        group_column=group_column, cell_size_km=cell_size_km,
    )
    if not parts.load(data_path(dataset), dict((v, k) for k, v in options)[dataset]):
        raise InvalidInputError("dataset", f"{dataset!r} could not be read", "see the message in the app")
    parts.dataset.observe(parts._on_dataset, names="value")
    parts.upload.observe(parts._on_upload, names="value")
    tabs = widgets.Tab(children=[parts.records, parts.evidence.widget],
                       titles=("Records and range", "Red List category"))
    container = widgets.VBox([
        widgets.HTML("<h2>Red List and range calculator</h2><p>Pick a bundled set of records or upload your own "
                     "(Darwin Core CSV, or a GBIF download as its zip, up to "
                     f"{_megabytes(parts.max_bytes)}; columns decimalLatitude and decimalLongitude needed). "
                     "The bundled files are SYNTHETIC.</p>"),
        widgets.HBox([parts.dataset, parts.upload]), parts.message, tabs,
    ])
    parts.container = container
    container.parts = parts  # type: ignore[attr-defined]
    return container


# ------------------------------------------------------------------------------------ population planner
@dataclass
class PopulationPlannerApp:
    """The parts of the population planner app: ``planner`` (VBox of
    :func:`~exsitu.widgets.population.population_planner`), ``pva`` (VBox of
    :func:`~exsitu.widgets.population.pva_comparison`, None until its tab is first opened) and ``tabs``."""

    planner: widgets.VBox
    tabs: widgets.Tab
    pva_options: dict[str, Any]
    pva: widgets.VBox | None = None
    container: widgets.VBox | None = None

    def open_pva(self) -> widgets.VBox:
        """Build the PVA comparison (if not built yet) and show it in the second tab."""
        if self.pva is None:
            from exsitu.widgets.population import pva_comparison

            self.pva = pva_comparison(**self.pva_options)
            self.tabs.children = (self.tabs.children[0], self.pva)
        return self.pva

    def _on_tab(self, change: Any) -> None:
        if change["new"] == 1:
            self.open_pva()


def population_planner_app(*, planner: Mapping[str, Any] | None = None,
                           pva: Mapping[str, Any] | None = None, build_pva: bool = False) -> widgets.VBox:
    """The population planner app: genetic targets, and a PVA comparing management options, in two tabs.

    ``planner`` and ``pva``: keyword arguments of :func:`~exsitu.widgets.population.population_planner` and
    :func:`~exsitu.widgets.population.pva_comparison`. The PVA (500 replicates per scenario) runs when its tab
    is first opened, so that the app opens at once; a change shows a quick run (100 replicates) at once, then the
    full one (``quick_replicates``, ``background``); ``build_pva=True`` builds it now. The planner's chart is
    drawn after its answer, on a thread of its own (``draw_in_background``), unless ``planner`` says otherwise.
    Returns a ``VBox``; its ``parts`` is the :class:`PopulationPlannerApp`.
    """
    from exsitu.widgets.population import population_planner

    planner_box = population_planner(**{"draw_in_background": True, **dict(planner or {})})
    placeholder = widgets.HTML("<p>Running the PVA (a few seconds)…</p>")
    tabs = widgets.Tab(children=[planner_box, placeholder],
                       titles=("Genetic targets", "PVA: management options"))
    # A slider answers at once with a quick PVA (100 replicates), refined to the full run on a thread of its own.
    pva_options = {"quick_replicates": 100, "background": True, **dict(pva or {})}
    parts = PopulationPlannerApp(planner=planner_box, tabs=tabs, pva_options=pva_options)
    tabs.observe(parts._on_tab, names="selected_index")
    if build_pva:
        parts.open_pva()
    container = widgets.VBox([
        widgets.HTML("<h2>Population planner</h2><p>How large must the ex situ population be, with how many "
                     "founders, to keep its gene diversity? And would releases from it help the wild population? "
                     "Parameters are ILLUSTRATIVE starting values: set your species' own.</p>"),
        tabs,
    ])
    parts.container = container
    container.parts = parts  # type: ignore[attr-defined]
    return container


# ------------------------------------------------------------------------------------ studbook analyser
def csv_download_link(frame: pd.DataFrame | None, filename: str, label: str, *, index: bool = True) -> str:
    """An HTML link that downloads ``frame`` as a CSV file named ``filename`` (a ``data:`` URI, no server)."""
    if frame is None:
        return f"<span style='color:#888'>{html.escape(label)} (not available)</span>"
    data = frame.to_csv(index=index).encode("utf-8")
    uri = "data:text/csv;charset=utf-8;base64," + base64.b64encode(data).decode("ascii")
    return (f"<a href='{uri}' download='{html.escape(filename)}' class='exsitu-download' "
            f"style='margin-right:1.5em'>⬇ {html.escape(label)}</a>")


@dataclass
class StudbookApp:
    """The parts of the studbook app: ``analyser`` (the
    :class:`~exsitu.widgets.population.StudbookAnalyser`; its ``upload`` is size-limited here) and
    ``downloads`` (HTML with one CSV link per table: mean kinship, founder representation, pairings)."""

    analyser: Any
    downloads: widgets.HTML
    max_bytes: int = MAX_UPLOAD_BYTES
    container: widgets.VBox | None = None

    def refresh_downloads(self, _change: Any = None) -> None:
        """Rebuild the download links from the analyser's current tables."""
        parts = self.analyser
        stem = PurePath(parts.name.split(" ")[0]).stem or "studbook"
        self.downloads.value = ("<b>Download the tables (CSV):</b> "
                                + csv_download_link(parts.mk_table, f"{stem}_mean_kinship.csv", "mean kinship, F")
                                + csv_download_link(parts.representation, f"{stem}_founders.csv",
                                                    "founder representation")
                                + csv_download_link(parts.pairings, f"{stem}_pairings.csv", "ranked pairings",
                                                    index=False))

    def _on_upload(self, change: Any = None) -> None:
        parts = self.analyser
        files = parts.upload.value
        if not files:
            return
        try:
            name, data = check_upload(files, max_bytes=self.max_bytes, suffixes=(".csv", ".txt"))
        except InvalidInputError as error:
            name = str(files[0].get("name", "uploaded file")) if len(files) else "uploaded file"
            kept = f" Still showing {html.escape(parts.name)}." if parts.pedigree is not None else ""
            parts.message.value = _error_html(error, name) + kept
        else:
            try:
                parts.load(data, name)
            except Exception as error:  # noqa: BLE001 - an app must never show a traceback
                kept = f" Still showing {html.escape(parts.name)}." if parts.pedigree is not None else ""
                parts.message.value = _message_html(
                    f"<b>{html.escape(name)} was not loaded:</b> it could not be analysed "
                    f"({html.escape(type(error).__name__)}: {html.escape(str(error)[:300])}).<br><b>How to fix it:"
                    "</b> save it as CSV UTF-8 with columns id, sire, dam, sex." + kept, error=True)
        parts.upload.value = ()


def studbook_app(source: Any = None, name: str | None = None, *, max_bytes: int = MAX_UPLOAD_BYTES,
                 iterations: int = 1000, seed: int = 1) -> widgets.VBox:
    """The studbook analyser app: upload a studbook CSV (or use the bundled SYNTHETIC one); MK, F, FGE, founder
    representation and ranked pairings, with the tables to download as CSV.

    ``source``, ``name``, ``iterations``, ``seed``: as :func:`~exsitu.widgets.population.studbook_analyser`.
    ``max_bytes``: upload size limit, bytes. Returns a ``VBox``; its ``parts`` is the :class:`StudbookApp`.
    """
    from exsitu.widgets.population import studbook_analyser

    analyser_box = studbook_analyser(source, name, iterations=iterations, seed=seed)
    analyser = analyser_box.parts
    parts = StudbookApp(analyser=analyser, downloads=widgets.HTML(),
                        max_bytes=int(require_number(max_bytes, "max_bytes", minimum=1, unit="bytes")))
    analyser.upload.unobserve(analyser._on_upload, names="value")
    analyser.upload.observe(parts._on_upload, names="value")
    for box in (analyser.summary_box, analyser.mk_table_box, analyser.pairings_box):
        box.observe(parts.refresh_downloads, names="value")
    parts.refresh_downloads()
    container = widgets.VBox([
        widgets.HTML("<h2>Studbook analyser</h2><p>Genetic status of a managed population from its studbook: "
                     f"upload a CSV (up to {_megabytes(parts.max_bytes)}) or use the bundled SYNTHETIC frog "
                     "studbook.</p>"),
        analyser_box, parts.downloads,
    ])
    parts.container = container
    container.parts = parts  # type: ignore[attr-defined]
    return container

