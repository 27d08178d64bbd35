"""The ECA workbench: the five steps as a guided sequence on one :class:`~exsitu.assessment.Assessment`.

For workshops (the Voilà app ``apps/workbench.ipynb``) and lessons. Start from a bundled case
(:func:`exsitu.examples.example_assessment`), a blank species, a saved assessment ("resume") or an uploaded
JSON file; work through the steps with the step widgets (status review, roles, population needs,
feasibility and risks, decision), each with a *save this step* button that puts its result into the
assessment; download the assessment JSON and the report (HTML or Markdown,
:func:`exsitu.report.render_report`).

Every change to the assessment is saved on the server at once, in the workshop store
(:mod:`exsitu.workshop`: one SQLite file at ``EXSITU_WORKSHOP_DB``, or PostgreSQL at ``EXSITU_DATABASE_URL``),
and the status line says so ("Saved 14:02:31", "Save failed: ..."); a heartbeat
(:mod:`exsitu.widgets.connection`) replaces that line with "Connection lost — changes after 14:02:31 are not
saved" as soon as the server stops answering. Alone, each assessment is kept under an unguessable id that the
page address carries (``?solo=<id>&step=3``), so a reload resumes it. In a workshop (joined by code or from
the facilitator's link, ``?workshop=<code>&group=<id>``, see :mod:`exsitu.widgets.workshop`) the page works
on its group's one assessment and sees nothing of the other groups. Every save carries the version it was based
on: when someone else saved in between, nothing is overwritten — the page shows what changed and lets the
person merge, or keep their version as a copy. A bad value or file is shown as a message, never as a traceback.

Never losing a group's work: each step's editor starts from what the assessment holds (Step 2 shows the saved
roles, not a new ranking; Step 3 the saved need; Step 5 the saved record, with its date), and saving a step
changes only what was edited there — opening or saving a step unedited leaves the assessment as it was.
Choosing which role, need or option to look at is not an edit. Saving a step rebuilds the other steps'
editors (unless they hold unsaved edits) so they show what was saved.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as _dt
import html
import importlib
import logging
import os
import time
from pathlib import Path
from typing import Any, Callable

import ipywidgets as widgets

from exsitu import workbench_store as store
from exsitu import workbench_store as _files
from exsitu.widgets.connection import ConnectionStatus
from exsitu.widgets.workshop import JoinForm, build_query, parse_query
from exsitu.assessment import STEP_TITLES, Assessment, AssessmentLoadError, PopulationNeed, load_assessment
from exsitu.examples import example_assessment, example_keys
from exsitu.validation import InvalidInputError

__all__ = ["Workbench", "workbench", "open_default_store", "preload", "PRELOADED_MODULES"]

_CATEGORIES = ("EX", "EW", "CR", "EN", "VU", "NT", "LC", "DD", "NE")
_FROM_EVIDENCE = "from the evidence"
_TAB_TITLES = {1: "Status review", 2: "Roles", 3: "Population", 4: "Feasibility", 5: "Decision"}


def _error_html(error: InvalidInputError) -> str:
    fix = f"<br><b>How to fix it:</b> {html.escape(error.fix)}" if error.fix else ""
    return (f"<div style='color:#8a1c00;background:#fff1ec;border-left:4px solid #d81e05;padding:4px 8px'>"
            f"<b>Cannot use <code>{html.escape(str(error.field))}</code>:</b> {html.escape(error.problem)}{fix}"
            f"</div>")


def _note(text: str, colour: str = "#1a5e20", background: str = "#eef7ee") -> str:
    return (f"<div style='color:{colour};background:{background};border-left:4px solid {colour};"
            f"padding:4px 8px'>{text}</div>")


def _heading(text: str) -> widgets.HTML:
    return widgets.HTML(f"<h4 style='margin:8px 0 2px'>{html.escape(text)}</h4>")


def _case_label(key: str) -> str:
    return key.replace("-", " ").capitalize()


def _evidence_or_none(explorer: Any) -> dict | None:
    """The evidence typed in a Red List evidence explorer, or None while it cannot be read."""
    try:
        return explorer.evidence()
    except (InvalidInputError, ValueError, TypeError):
        return None


def _without_summary(record: dict) -> dict:
    return {key: value for key, value in record.items() if key != "summary"}


def _navigation(control: widgets.Widget) -> widgets.Widget:
    """Mark a control that only chooses what to edit (changing it is not an unsaved change)."""
    control.add_class("wb-navigation")
    control._wb_navigation = True
    return control


def _link(uri: str, filename: str, text: str, css_class: str) -> str:
    return (f"<a class='{css_class}' href='{html.escape(uri, quote=True)}' "
            f"download='{html.escape(filename, quote=True)}' target='_blank' "
            f"style='font-weight:bold'>⬇ {html.escape(text)}</a>")


class Workbench:
    """The workbench's state and controls; ``widget`` is what to display (displaying the object shows it).

    State: ``assessment`` (the one :class:`~exsitu.assessment.Assessment` being edited), ``store`` (the
    workshop store), ``assessment_id`` (the solo id, or the group's id in a workshop; ``None`` before the
    first save of a solo assessment), ``version`` (the stored version the work is based on), ``saved_at``
    (time of the last save, or None), ``problems`` (the problems found in the last upload or resume),
    ``conflict`` (the :class:`~exsitu.workshop.StaleVersionError` waiting to be resolved, or None), and in a
    workshop ``workshop``, ``group`` and ``participant``. Controls (for tests and apps): ``case``,
    ``open_case``, ``blank_taxon``, ``start_blank``, ``resume_choice`` (an id or link to resume),
    ``resume``, ``upload``, ``join_form``, ``title``, ``taxon``, ``taxon_group``, ``scope``, ``notes``,
    ``steps`` (the step Tab), ``save_buttons`` (step → Button), ``report_html_button``,
    ``report_markdown_button``, ``merge_button``, ``copy_button``. Outputs: ``status`` (saved state),
    ``connection`` (the heartbeat and page address), ``message``, ``progress``, ``download`` (link to the
    JSON), ``report_links``, ``conflict_box``, ``step_summaries`` and ``step_messages`` (step → HTML).
    ``editors`` holds each step's editor once it has been opened; ``judgements`` the Step 5 group judgement
    panel in a workshop; ``topic_panels`` (store topic id → panel) the ratings of Steps 2–4 the facilitator
    opened to the group, each shown in its step's tab (``topic_slots``: step → box).
    """

    def __init__(self, storage_dir: str | Path | None = None, *, case: str | None = None,
                 taxon: str | None = None, query: str | None = None, store: Any = None) -> None:
        self.store = store if store is not None else _open_store(storage_dir)
        self.assessment: Assessment = Assessment(taxon="unnamed taxon")
        self.assessment_id: str | None = None
        self.version: int | None = None
        self._base: dict | None = None  # the stored assessment the work is based on (for a merge)
        self.conflict: Any = None
        self.workshop: Any = None
        self.group: Any = None
        self.participant: Any = None
        self.judgements: Any = None
        self.topic_panels: dict[str, Any] = {}
        self._topics_signature: tuple = ()
        self.saved_at: float | None = None
        self.last_save_seconds: float | None = None
        self.problems: list = []
        self.editors: dict[int, Any] = {}
        self.pending: set[int] = set()  # steps whose editor has changes not yet saved to the assessment
        self._presetting = False  # True while an editor fills its own controls (not a person's edit)
        self._discarded = ""  # what the last switch of assessment left out (unsaved editor edits), for the message
        self._loading = False
        self._save_summary = ""
        self._pending_join: tuple[str, str] = ("", "")

        keys = example_keys()
        self.case = widgets.Dropdown(options=[(_case_label(k), k) for k in keys], description="Bundled case",
                                     layout=widgets.Layout(width="26em"), style={"description_width": "7em"})
        self.open_case = widgets.Button(description="Open case", icon="folder-open", button_style="primary")
        self.blank_taxon = widgets.Text(description="New species", placeholder="scientific name",
                                        layout=widgets.Layout(width="26em"), style={"description_width": "7em"})
        self.start_blank = widgets.Button(description="Start blank", icon="file")
        self.resume_choice = widgets.Text(description="Resume", placeholder="the id or link of your assessment",
                                          layout=widgets.Layout(width="40em"), style={"description_width": "7em"})
        self.resume = widgets.Button(description="Resume", icon="history")
        self.upload = widgets.FileUpload(accept=".json,application/json", multiple=False,
                                         description="Upload JSON")
        self.download = widgets.HTML()
        self.report_html_button = widgets.Button(description="HTML report", icon="file-text")
        self.report_markdown_button = widgets.Button(description="Markdown report", icon="file-text-o")
        self.report_links = widgets.HTML()
        self.status = widgets.HTML()
        self.status.add_class("wb-status")
        self.connection = ConnectionStatus()
        self.connection.on_tick(self.poll, every=3.0)
        self.identity = widgets.HTML()
        self.message = widgets.HTML()
        self.progress = widgets.HTML()
        self.conflict_html = widgets.HTML()
        self.merge_button = widgets.Button(description="Merge their changes and mine", icon="code-fork",
                                           button_style="warning", layout=widgets.Layout(width="20em"))
        self.copy_button = widgets.Button(description="Keep mine as a copy, take theirs", icon="copy",
                                          layout=widgets.Layout(width="20em"))
        self.merge_button.on_click(lambda _b: self.merge())
        self.copy_button.on_click(lambda _b: self.keep_mine_as_copy())
        # empty until a conflict (its buttons are put in then, so they are never the page's first control)
        self._conflict_parts = (self.conflict_html, widgets.HBox([self.merge_button, self.copy_button]))
        self.conflict_box = widgets.VBox()
        self.conflict_box.layout.display = "none"
        self.join_form = JoinForm(self.store, self._joined)

        wide = dict(layout=widgets.Layout(width="40em"), style={"description_width": "7em"})
        self.title = widgets.Text(description="Title", **wide)
        self.taxon = widgets.Text(description="Taxon", **wide)
        self.taxon_group = widgets.Text(description="Group", placeholder="e.g. amphibian, plant, fungus", **wide)
        self.scope = widgets.Text(description="Scope", placeholder="e.g. global, or a country", **wide)
        self.notes = widgets.Textarea(description="Notes", layout=widgets.Layout(width="40em", height="4em"),
                                      style={"description_width": "7em"})
        self.details_message = widgets.HTML()

        self.step_summaries = {step: widgets.HTML() for step in STEP_TITLES}
        self.step_messages = {step: widgets.HTML() for step in STEP_TITLES}
        self.save_buttons = {step: widgets.Button(description=f"Save Step {step} to the assessment", icon="save",
                                                  button_style="success", layout=widgets.Layout(width="22em"))
                             for step in STEP_TITLES}
        self.open_buttons = {step: widgets.Button(description="Open the editor", icon="pencil",
                                                  layout=widgets.Layout(width="14em"))
                             for step in STEP_TITLES}
        self.editor_slots = {step: widgets.VBox() for step in STEP_TITLES}
        self.judgement_slot = widgets.VBox()
        self.topic_slots = {step: widgets.VBox() for step in (2, 3, 4)}
        pages = []
        for step in STEP_TITLES:
            self.save_buttons[step].on_click(lambda _b, step=step: self.save_step(step))
            self.open_buttons[step].on_click(lambda _b, step=step: self.open_step(step))
            pages.append(widgets.VBox([
                widgets.HTML(f"<h3 style='margin:4px 0'>Step {step} — {html.escape(STEP_TITLES[step])}</h3>"),
                _heading("In the assessment now"), self.step_summaries[step],
                _heading("Edit"), self.open_buttons[step], self.editor_slots[step],
                self.step_messages[step], self.save_buttons[step],
                *([self.judgement_slot] if step == 5 else []),
                *([self.topic_slots[step]] if step in self.topic_slots else []),
            ]))
        self.steps = widgets.Tab(children=pages)
        self.steps.observe(self._tab_changed, names="selected_index")

        self.open_case.on_click(lambda _b: self.start_case(self.case.value))
        self.start_blank.on_click(lambda _b: self.start_blank_species(self.blank_taxon.value))
        self.resume.on_click(lambda _b: self.resume_saved(self.resume_choice.value))
        self.upload.observe(self._uploaded, names="value")
        self.report_html_button.on_click(lambda _b: self.export_report("html"))
        self.report_markdown_button.on_click(lambda _b: self.export_report("markdown"))
        for control in (self.title, self.taxon, self.taxon_group, self.scope, self.notes):
            control.observe(self._details_changed, names="value")

        self.start_panel = widgets.Accordion(children=[widgets.VBox([
            widgets.HBox([self.case, self.open_case]),
            widgets.HBox([self.blank_taxon, self.start_blank]),
            widgets.HBox([self.resume_choice, self.resume]),
            widgets.HBox([self.upload, widgets.HTML("<small>&nbsp;an assessment .json saved by the "
                                                    f"toolkit, at most {_files.MAX_UPLOAD_BYTES // 2**20} MB"
                                                    "</small>")]),
        ]), self.join_form.widget], titles=("Start, resume or upload", "Join a workshop"), selected_index=0)
        self.work = widgets.VBox([
            _heading("Download"),
            widgets.HBox([self.download]),
            widgets.HBox([self.report_html_button, self.report_markdown_button, self.report_links]),
            _heading("Species and scope"),
            self.taxon, self.title, self.taxon_group, self.scope, self.notes, self.details_message,
            _heading("Progress"), self.progress,
            self.steps,
        ])
        self.widget = widgets.VBox([
            widgets.HTML("<h2 style='margin:4px 0'>Ex situ Conservation Assessment workbench</h2>"),
            self.connection,
            widgets.HBox([self.status, self.identity]),
            self.message,
            self.conflict_box,
            self.start_panel,
            self.work,
        ])
        wanted = parse_query(query)
        self._wanted_step = wanted.step
        notes = "".join(f"<br>{text}" for text in wanted.problems)
        if wanted.in_workshop and self.open_workshop(wanted.workshop, wanted.group, wanted.participant):
            pass
        else:
            join_message = self.message.value if wanted.in_workshop else ""
            resumed = bool(wanted.solo) and self.resume_saved(wanted.solo)
            if not resumed:
                problem = self.message.value if wanted.solo else ""
                if taxon is not None:
                    self.start_blank_species(taxon, save=False)
                else:
                    self.start_case(case or keys[0], save=False)
                self.message.value = join_message + problem + ("" if join_message or problem else self.message.value)
        if notes:
            self.message.value += _note(notes[4:], "#5f4b00", "#fff8e1")
        if wanted.step is not None and (self.workshop is not None or self.assessment_id is not None):
            self.steps.selected_index = wanted.step - 1
        self._update_address()

    # ------------------------------------------------------------------------------------- saving
    @property
    def in_workshop(self) -> bool:
        return self.group is not None

    def _author(self) -> str:
        return self.participant.display_name if self.participant is not None else ""

    def autosave(self) -> bool:
        """Save the assessment in the store now, based on :attr:`version`; updates the status line.

        False if it failed (a message says why) or if someone else saved in between (the conflict panel
        shows what changed and offers a merge, or keeping this version as a copy).
        """
        from exsitu.workshop import StaleVersionError

        if self.conflict is not None:
            self._show_conflict()
            return False
        started = time.perf_counter()
        summary, self._save_summary = self._save_summary, ""
        try:
            if self.in_workshop:
                version = self.store.save_assessment(self.workshop.join_code, self.group.id, self.assessment,
                                                     self.version if self.version is not None else 0,
                                                     self._author(), summary)
            elif self.assessment_id is None:
                self.assessment_id, version = self.store.create_solo(self.assessment)
            else:
                version = self.store.save_solo(self.assessment_id, self.assessment,
                                               self.version if self.version is not None else 0, self._author())
        except StaleVersionError as error:
            self.conflict = error
            self._show_conflict()
            return False
        except InvalidInputError as error:
            self.status.value = _note(f"<b>Save failed:</b> {html.escape(error.problem)} "
                                      f"({html.escape(str(error.field))}) — download the JSON below to keep "
                                      "your work", "#8a1c00", "#fff1ec")
            return False
        except Exception as error:  # noqa: BLE001 - a database that cannot be written is a message, not a crash
            self.status.value = _note(f"<b>Save failed:</b> {html.escape(type(error).__name__)}: "
                                      f"{html.escape(str(error)[:300])} — download the JSON below to keep your "
                                      "work", "#8a1c00", "#fff1ec")
            return False
        self.version = version
        self._base = copy.deepcopy(self.assessment.to_dict())
        self.last_save_seconds = time.perf_counter() - started
        self.saved_at = time.time()
        self.connection.saved(self.saved_at)
        self._show_saved()
        self._refresh_identity()
        self._update_address()
        return True

    def _show_saved(self, suffix: str = "") -> None:
        stamp = _dt.datetime.fromtimestamp(self.saved_at).strftime("%H:%M:%S") if self.saved_at else ""
        version = f" (version {self.version})" if stamp and self.version is not None else ""
        saved = f"<b class='wb-saved'>Saved {stamp}</b>{version}{suffix}" if stamp else "<b>Not saved yet</b>"
        if self.pending:
            steps = ", ".join(str(step) for step in sorted(self.pending))
            self.status.value = _note(f"{saved} · <b class='wb-unsaved'>Unsaved changes</b> in the Step {steps} "
                                      f"editor — press <i>Save Step {sorted(self.pending)[0]} to the assessment</i>",
                                      "#5f4b00", "#fff8e1")
        else:
            self.status.value = _note(saved)

    def _editor_edited(self, step: int) -> None:
        if self._presetting:
            return
        if step not in self.pending:
            self.pending.add(step)
            self._show_saved()

    def changed(self, save: bool = True) -> None:
        """Call after every change to :attr:`assessment`: refresh the views and links, and save."""
        self._refresh_views()
        if save:
            self.autosave()
        else:
            self.status.value = _note("<b>Not saved yet</b> — every change you make is saved automatically",
                                      "#5f4b00", "#fff8e1")

    # ------------------------------------------------------------------------------------- address
    def current_step(self) -> int | None:
        index = self.steps.selected_index
        return None if index is None else index + 1

    def address(self) -> str:
        """The page's query string for this work (``workshop=…&group=…&participant=…&step=…``, ``solo=…``)."""
        if self.in_workshop:
            return build_query(workshop=self.workshop.join_code, group=self.group.id,
                               participant=self.participant.id if self.participant is not None else "",
                               step=self.current_step())
        if self.assessment_id is None:
            # not joined yet: keep the workshop and group of the link, so a reload shows the same join form
            code, group_id = self._pending_join
            return build_query(workshop=code, group=group_id) if code else ""
        return build_query(solo=self.assessment_id, step=self.current_step())

    def _update_address(self) -> None:
        self.connection.query = self.address()

    # ------------------------------------------------------------------------------------- conflicts
    def _show_conflict(self) -> None:
        error = self.conflict
        theirs = getattr(error, "current_assessment", None)
        version = getattr(error, "current_version", "?")
        from exsitu.workshop import diff_assessments

        base = self._base or {}
        their_changes = diff_assessments(base, theirs) if theirs is not None else []
        changed = [change.path for change in their_changes]
        mine = [change.path for change in diff_assessments(base, self.assessment)]
        details = "".join(f"<li><code>{html.escape(change.path)}</code>: {html.escape(_short(change.before))} → "
                          f"{html.escape(_short(change.after))}</li>" for change in their_changes[:12])
        who = ""
        try:
            history = (self.store.history(self.workshop.join_code, self.group.id) if self.in_workshop else [])
            latest = next((item for item in history if item.version == version), None)
            if latest is not None:
                who = (f" by <b>{html.escape(latest.author or 'someone')}</b> at "
                       f"{html.escape(str(latest.saved_at)[11:19])} UTC")
        except Exception:  # noqa: BLE001 - the history is a courtesy here
            pass
        overlap = sorted(set(changed) & set(mine))
        self.conflict_html.value = _note(
            f"<b class='wb-conflict'>Not saved: someone else saved version {html.escape(str(version))}{who} while "
            "you were editing.</b> Nothing is lost: your changes are still on this page.<br>"
            f"<b>They changed:</b> {html.escape(', '.join(changed) or 'nothing you edited')}"
            f"<ul class='wb-their-changes' style='margin:2px 0'>{details}</ul>"
            f"<b>You changed:</b> {html.escape(', '.join(mine) or 'nothing yet')}<br>"
            + (f"<b>Both changed:</b> {html.escape(', '.join(overlap))} — a merge keeps yours there (theirs stays in "
               "the history)<br>" if overlap else "")
            + "Choose: <i>merge</i> (their changes plus yours) or <i>keep mine as a copy</i> (your version is saved "
              "as a separate assessment with its own link, and this page takes theirs).",
            "#5f4b00", "#fff8e1")
        self.conflict_box.children = self._conflict_parts
        self.conflict_box.layout.display = None
        self.status.value = _note("<b class='wb-unsaved'>Not saved</b> — someone else saved in between; see below",
                                  "#8a1c00", "#fff1ec")

    def merge(self) -> bool:
        """Resolve a conflict by merging: their version, with every section you changed taken from yours."""
        error = self.conflict
        if error is None:
            return False
        from exsitu.workshop import merge_assessments

        theirs = error.current_assessment.to_dict()
        try:
            # where both changed the same part, the merge keeps yours (theirs stays in the history)
            assessment, _conflicts = merge_assessments(self._base or theirs, self.assessment,
                                                       error.current_assessment, prefer="mine")
        except (InvalidInputError, AssessmentLoadError, ValueError, TypeError, KeyError) as problem:
            self.conflict_html.value += _note(f"The merge could not be made ({html.escape(str(problem))}); keep "
                                              "yours as a copy instead.", "#8a1c00", "#fff1ec")
            return False
        self.conflict = None
        self.conflict_box.layout.display = "none"
        self.conflict_box.children = ()
        self._adopt(assessment, error.current_version, theirs)
        self._save_summary = "merged"
        self.changed()
        self.message.value = _note(f"Merged: version {error.current_version} with your changes"
                                   + (f", saved as version {self.version}." if self.conflict is None else "."))
        return self.conflict is None

    def keep_mine_as_copy(self) -> str | None:
        """Resolve a conflict by saving your version as a separate (solo) assessment and taking theirs here.

        Returns the copy's id (its link is shown), or None if the copy could not be saved.
        """
        error = self.conflict
        if error is None:
            return None
        try:
            copy_id, _version = self.store.create_solo(self.assessment)
        except Exception as problem:  # noqa: BLE001
            self.conflict_html.value += _note(f"The copy could not be saved ({html.escape(str(problem)[:300])}); "
                                              "download the JSON to keep it.", "#8a1c00", "#fff1ec")
            return None
        self.conflict = None
        self.conflict_box.layout.display = "none"
        self.conflict_box.children = ()
        self.pending.clear()
        theirs = error.current_assessment
        self._adopt(theirs, error.current_version, theirs.to_dict())
        self.saved_at = time.time()
        self._refresh_views()
        self._show_saved()
        link = "?" + build_query(solo=copy_id)
        self.message.value = _note(
            f"Your version is kept as a copy: <a class='wb-copy-link' href='{html.escape(link, quote=True)}' "
            f"target='_blank'>open the copy</a> (id <code class='wb-copy-id'>{html.escape(copy_id)}</code>). "
            f"This page now shows version {error.current_version}.")
        return copy_id

    def _adopt(self, assessment: Assessment, version: int, base: dict) -> None:
        """Take a stored assessment as the one edited here (editors rebuilt from it)."""
        self._set_assessment(assessment)
        self.version = version
        self._base = copy.deepcopy(base)

    def poll(self) -> None:
        """In a workshop: take a newer version another member saved (unless this page has unsaved edits)."""
        if not self.in_workshop or self.conflict is not None:
            return
        assessment, version = self.store.load_assessment(self.workshop.join_code, self.group.id)
        if self.version is not None and version > self.version:
            if self.pending:
                self.message.value = _note(f"Someone in your group saved version {version}; your next save will "
                                           "ask you to merge.", "#5f4b00", "#fff8e1")
                return
            self._adopt(assessment, version, assessment.to_dict())
            self.saved_at = time.time()
            self._refresh_views()
            self._show_saved(" · updated with your group's latest save")
        if self.judgements is not None:
            self.judgements.refresh()
        self.refresh_topics()

    def refresh_topics(self) -> None:
        """Show each rating the facilitator opened to the group in its step's tab (Steps 2–4); drop closed ones."""
        if not self.in_workshop:
            return
        from exsitu.widgets.judgements import JudgementPanel, rating_sheet

        try:
            opened = self.store.topics(self.workshop.join_code, self.group.id)
        except Exception:  # noqa: BLE001 - the store unreachable for a moment: keep what is shown
            return
        signature = tuple(t.id for t in opened)
        if signature == self._topics_signature:
            for panel in self.topic_panels.values():
                panel.refresh()
            return
        self._topics_signature = signature
        panels = {}
        for topic in opened:
            panel = self.topic_panels.get(topic.id)
            if panel is None:
                panel = JudgementPanel(self.store, self.workshop.join_code, self.group.id, self.participant,
                                       topic=topic.name, sheet=lambda topic=topic: rating_sheet(topic))
            panels[topic.id] = panel
        self.topic_panels = panels
        for step, slot in self.topic_slots.items():
            parts = []
            for topic in opened:
                if topic.step == step:
                    parts.append(widgets.HTML(
                        f"<h3 class='wb-rating' style='margin:10px 0 2px'>Rating open to the room: "
                        f"{html.escape(topic.name)}</h3><small>Your facilitator asks each of you to rate these "
                        "options on your own; the group then sees the distribution.</small>"))
                    parts.append(panels[topic.id].widget)
            slot.children = tuple(parts)

    # ------------------------------------------------------------------------------------- workshop
    def open_workshop(self, join_code: str, group_id: str, participant_id: str = "") -> bool:
        """Work on a workshop group's assessment (from the page address); the join form if someone is missing.

        False (and a message, with the join form open) on a wrong code, group or participant.
        """
        from exsitu.workshop import AccessDenied

        try:
            workshop = self.store.workshop_by_code(join_code)
            group = next((g for g in self.store.groups(join_code) if g.id == group_id), None)
            participant = (next((p for p in self.store.participants(join_code, group_id) if p.id == participant_id),
                                None) if participant_id and group is not None else None)
        except (AccessDenied, InvalidInputError, LookupError) as error:
            self._show_join(join_code, "", f"The workshop code in the page address is not valid "
                                           f"({html.escape(str(getattr(error, 'problem', error)))}).")
            return False
        if group is None:
            self._show_join(join_code, "", "The group in the page address is not a group of this workshop; "
                                           "choose yours.")
            return False
        if participant is None:
            self._show_join(join_code, group_id, "Say who you are to join your group.")
            return False
        self._enter(workshop, group, participant)
        return True

    def _show_join(self, code: str, group_id: str, text: str) -> None:
        self._pending_join = (code, group_id)
        self.join_form.code.value = code
        if code:
            self.join_form.look_up(group_id)
        self.start_panel.selected_index = 1
        self.message.value = _note(text, "#5f4b00", "#fff8e1")
        self.work.layout.display = "none"

    def _joined(self, workshop: Any, group: Any, participant: Any) -> None:
        self._enter(workshop, group, participant)

    def _enter(self, workshop: Any, group: Any, participant: Any) -> None:
        assessment, version = self.store.load_assessment(workshop.join_code, group.id)
        self.workshop, self.group, self.participant = workshop, group, participant
        self.problems = []
        self.conflict = None
        self.conflict_box.layout.display = "none"
        self.conflict_box.children = ()
        self._set_assessment(assessment)
        self.assessment_id = group.id
        self.version = version
        self._base = copy.deepcopy(assessment.to_dict())
        self.saved_at = time.time()
        self._refresh_views()
        self._show_saved(" · your group's assessment")
        self.work.layout.display = None
        self.start_panel.selected_index = None
        self.join_form.widget.layout.display = "none"
        self.message.value = _note(f"Working with <b>{html.escape(group.name)}</b> in the workshop "
                                   f"<b>{html.escape(workshop.title)}</b> as {html.escape(participant.display_name)}.")
        from exsitu.widgets.judgements import JudgementPanel

        self.judgements = JudgementPanel(self.store, workshop.join_code, group.id, participant,
                                         assessment=lambda: self.assessment)
        self.judgement_slot.children = (self.judgements.widget,)
        self.topic_panels, self._topics_signature = {}, ()
        for slot in self.topic_slots.values():
            slot.children = ()
        self.refresh_topics()
        if self._wanted_step is not None:
            self.steps.selected_index = self._wanted_step - 1
            self._wanted_step = None
        self._update_address()

    # ------------------------------------------------------------------------------------- starting
    def _set_assessment(self, assessment: Assessment) -> None:
        """Show ``assessment`` in every control; editors are rebuilt (an open one at once)."""
        self.assessment = assessment
        was_open = set(self.editors)
        self.editors.clear()
        self.pending.clear()
        for step in STEP_TITLES:
            self.editor_slots[step].children = ()
            self.step_messages[step].value = ""
            self.open_buttons[step].layout.display = None
        self.report_links.value = ""
        self._loading = True
        try:
            for control, value in ((self.title, assessment.title), (self.taxon, assessment.taxon),
                                   (self.taxon_group, assessment.taxon_group), (self.scope, assessment.scope),
                                   (self.notes, assessment.notes)):
                control.value = value
        finally:
            self._loading = False
        self.details_message.value = ""
        # Rebuild the editor on view if one was open; otherwise editors are built when asked (a lighter start).
        if self.steps.selected_index is not None and self.steps.selected_index + 1 in was_open:
            self.open_step(self.steps.selected_index + 1)

    def _replace(self, assessment: Assessment, save: bool, summary: str = "") -> None:
        """Work on ``assessment`` instead: alone, a new stored assessment; in a workshop, the group's next version."""
        if self.pending:
            steps = ", ".join(str(step) for step in sorted(self.pending))
            kept = (f"; that assessment itself is saved (id <code>{html.escape(self.assessment_id)}</code>) and can "
                    "be resumed" if self.saved_at is not None and self.assessment_id else "")
            self._discarded = (f" The edits not saved in the Step {steps} editor of "
                               f"<i>{html.escape(self.assessment.taxon)}</i> were left out{kept}.")
        else:
            self._discarded = ""
        if not self.in_workshop:
            self.assessment_id = None
            self.version = None
            self.saved_at = None
            self.conflict = None
            self.conflict_box.layout.display = "none"
            self.conflict_box.children = ()
        self._set_assessment(assessment)
        self._save_summary = summary
        self.changed(save=save)
        self._update_address()

    def start_case(self, key: str, save: bool = True) -> bool:
        """Start a new assessment from a bundled case (all five steps done); in a workshop, the group's next version."""
        try:
            assessment = example_assessment(key)
        except InvalidInputError as error:
            self.message.value = _error_html(error)
            return False
        self.problems = []
        self._replace(assessment, save, f"opened the bundled case {key}")
        self.message.value = _note(f"Opened the bundled case <b>{html.escape(assessment.taxon)}</b>.{self._discarded}")
        return True

    def start_blank_species(self, taxon: str, save: bool = True) -> bool:
        """Start a new, empty assessment for ``taxon`` (no step done)."""
        try:
            assessment = Assessment(taxon=taxon)
        except InvalidInputError as error:
            self.message.value = _error_html(InvalidInputError("New species", error.problem,
                                                               "type the species' scientific name"))
            return False
        self.problems = []
        self._replace(assessment, save, "started a blank assessment")
        self.message.value = _note(f"Started a blank assessment for <b>{html.escape(assessment.taxon)}</b>."
                                   f"{self._discarded}")
        return True

    def resume_saved(self, assessment_id: str | None) -> bool:
        """Continue a solo assessment saved in the store, by its id or its link (later changes go to it)."""
        from exsitu.workshop import AccessDenied

        text = (assessment_id or "").strip()
        if "solo=" in text:
            text = parse_query(text.split("?", 1)[-1]).solo
        if not text:
            self.message.value = _note("Type the id or paste the link of the assessment to resume.",
                                       "#5f4b00", "#fff8e1")
            return False
        if len(text) > 64 or not parse_query(build_query(solo=text)).solo:
            self.message.value = _error_html(InvalidInputError("Resume", "is not an assessment id",
                                                               "paste the link or the id shown next to 'Saved'"))
            return False
        try:
            assessment, version = self.store.load_solo(text)
        except (AccessDenied, InvalidInputError, LookupError) as error:
            self.message.value = _error_html(InvalidInputError(
                "Resume", f"no assessment with the id {text!r} ({getattr(error, 'problem', error)})",
                "check the link; a new assessment is shown instead"))
            return False
        if self.in_workshop:
            self.message.value = _note("This page works on your workshop group's assessment; open the solo link "
                                       "in a new tab instead.", "#5f4b00", "#fff8e1")
            return False
        self.problems = []
        self._replace(assessment, save=False)
        self.assessment_id, self.version = text, version
        self._base = copy.deepcopy(assessment.to_dict())
        self.saved_at = time.time()
        self._refresh_identity()
        self.status.value = _note(f"<b class='wb-saved'>Saved</b> (resumed, version {version})")
        self.message.value = self._loaded_message(f"Resumed <b>{html.escape(assessment.taxon)}</b>.{self._discarded}",
                                                  [])
        self._update_address()
        return True

    def load_json(self, content: bytes | str, name: str = "the file") -> bool:
        """Load an uploaded assessment JSON as a new assessment (in a workshop, the group's next version).

        A file that is not an assessment leaves the work as is. Sections that cannot be read are listed (each
        naming its field) and kept unchanged.
        """
        size = len(content)
        if size > store.MAX_UPLOAD_BYTES:
            self.message.value = _error_html(InvalidInputError(
                "Upload JSON", f"{name} is {size / 2**20:.1f} MB, more than the {store.MAX_UPLOAD_BYTES // 2**20} "
                "MB allowed", "upload the assessment .json the toolkit saved; your current work is unchanged"))
            return False
        try:
            assessment, problems = load_assessment(content)
        except AssessmentLoadError as error:
            self.message.value = _error_html(InvalidInputError(
                f"{name}: {error.field}", error.problem, (error.fix + "; " if error.fix else "")
                + "your current work is unchanged"))
            return False
        self.problems = problems
        self._replace(assessment, save=True, summary=f"uploaded {name[:100]}")
        self.message.value = self._loaded_message(f"Loaded <b>{html.escape(name)}</b>: "
                                                  f"{html.escape(assessment.taxon)}.{self._discarded}", problems)
        return True

    @staticmethod
    def _loaded_message(text: str, problems: list) -> str:
        if not problems:
            return _note(text)
        items = "".join(f"<li><code>{html.escape(p.field)}</code>: {html.escape(p.problem)}"
                        + (f" — {html.escape(p.fix)}" if p.fix else "") + "</li>" for p in problems)
        return _note(f"{text} Some parts could not be read; they are kept unchanged in the file, but not used "
                     f"until fixed:<ul style='margin:2px 0'>{items}</ul>", "#5f4b00", "#fff8e1")

    def _uploaded(self, change: dict) -> None:
        files = change["new"]
        if not files:
            return
        item = files[0]
        content = bytes(item["content"]) if "content" in item else b""
        name = str(item.get("name", "the file"))
        self.upload.value = ()  # so the same file can be chosen again
        self.load_json(content, name)

    # ------------------------------------------------------------------------------------- details
    def _details_changed(self, _change: Any = None) -> None:
        if self._loading:
            return
        try:
            updated = dataclasses.replace(self.assessment, taxon=self.taxon.value, title=self.title.value,
                                          taxon_group=self.taxon_group.value, scope=self.scope.value,
                                          notes=self.notes.value)
        except InvalidInputError as error:
            self.details_message.value = _error_html(error)
            return
        self.details_message.value = ""
        self.assessment = updated
        self.changed()

    # ------------------------------------------------------------------------------------- views
    def _refresh_views(self) -> None:
        a = self.assessment
        done = a.steps_done()
        marks = "".join(
            f"<span class='wb-step wb-{'done' if done[s] else 'todo'}' style='margin-right:1em'>"
            f"{'✓' if done[s] else '○'} {s}. {html.escape(STEP_TITLES[s])}</span>" for s in STEP_TITLES)
        self.progress.value = f"<div>{marks}</div><small>{sum(done.values())} of 5 steps done</small>"
        for index, step in enumerate(STEP_TITLES):
            self.steps.set_title(index, f"{'✓' if done[step] else '○'} {step} {_TAB_TITLES[step]}")
            self.step_summaries[step].value = self._summary(step)
        self._refresh_identity()
        if self.judgements is not None:
            self.judgements.follow()
        self.download.value = _link(store.data_uri(a.to_json(), "application/json"),
                                    store.file_name(a.taxon, ".json"), "Download the assessment (JSON)",
                                    "wb-download")

    def _refresh_identity(self) -> None:
        if self.in_workshop:
            who = self.participant
            self.identity.value = (
                f"<small style='margin-left:1em;color:#555'>Workshop <b>{html.escape(self.workshop.title)}</b> · "
                f"group <b class='wb-group'>{html.escape(self.group.name)}</b> · you: "
                f"{html.escape(who.display_name)} ({html.escape(who.perspective)}) · id "
                f"<code class='wb-id'>{html.escape(self.group.id)}</code></small>")
        elif self.assessment_id is None:
            self.identity.value = ("<small style='margin-left:1em;color:#555'>Assessment id "
                                   "<code class='wb-id'>new</code> (given at the first save)</small>")
        else:
            self.identity.value = (f"<small style='margin-left:1em;color:#555'>Assessment id "
                                   f"<code class='wb-id'>{html.escape(self.assessment_id)}</code> · the page's "
                                   "link opens it again (keep it to resume)</small>")

    def _summary(self, step: int) -> str:
        a = self.assessment
        empty = "<p style='color:#666'>Not done yet.</p>"
        if step == 1:
            r = a.status_review
            return empty if r is None else f"<p>{html.escape(r.summary())}</p>"
        if step == 2:
            if a.roles is None:
                return empty
            accepted = [role.name for role in a.roles.accepted_roles()]
            return ("<p>Roles retained: " + (html.escape("; ".join(accepted)) if accepted else "none") + "</p>")
        if step == 3:
            if not a.population_needs:
                return empty
            rows = "".join(
                f"<li>{html.escape(n.role_id)} ({html.escape(n.form)})"
                + (f": Ne {n.target.effective_size}, N {n.target.census_size}" if n.target is not None else "")
                + (f", {n.samples} samples" if n.samples is not None else "") + "</li>" for n in a.population_needs)
            return f"<ul style='margin:2px 0'>{rows}</ul>"
        if step == 4:
            if not a.feasibility:
                return empty
            rows = "".join(f"<li>{html.escape(f.option)}: {html.escape(f.summary().label)}</li>"
                           for f in a.feasibility)
            return f"<ul style='margin:2px 0'>{rows}</ul>"
        record = a.decision_record
        if record is None:
            return empty if a.decision is None else "<p>Options scored; no decision recorded yet.</p>"
        if record.evaluations:
            outcomes = "; ".join(f"{e.option.name}: {e.outcome}" for e in record.evaluations)
            return f"<p>Decision recorded: <b>{html.escape(outcomes)}</b></p>"
        names = {option.id: option.name for option in record.chosen_options}
        chosen = ", ".join(names.get(i, i) for i in record.chosen_option_ids)
        return f"<p>Decision recorded: <b>{html.escape(chosen)}</b></p>"

    # ------------------------------------------------------------------------------------- steps
    def _tab_changed(self, change: dict) -> None:
        if change["new"] is not None:
            self.open_step(change["new"] + 1)
        self._update_address()

    def open_step(self, step: int) -> Any:
        """Build the editor of ``step`` (1–5) from the assessment, if not built yet; returns it."""
        if step in self.editors:
            return self.editors[step]
        builders: dict[int, Callable[[], Any]] = {1: self._step1_editor, 2: self._step2_editor,
                                                  3: self._step3_editor, 4: self._step4_editor,
                                                  5: self._step5_editor}
        try:
            editor = builders[step]()
        except InvalidInputError as error:
            self.step_messages[step].value = _error_html(error)
            return None
        self.editors[step] = editor
        self.editor_slots[step].children = (editor["widget"],)
        self._watch(editor["widget"], step)
        self.open_buttons[step].layout.display = "none"
        return editor

    def _watch(self, root: widgets.Widget, step: int) -> None:
        """Mark ``step`` as having unsaved changes when a person changes one of its editor's controls."""
        controls = (widgets.Text, widgets.Textarea, widgets.Combobox, widgets.Dropdown, widgets.Checkbox,
                    widgets.SelectMultiple, widgets.IntSlider, widgets.FloatSlider, widgets.SelectionSlider,
                    widgets.IntRangeSlider)
        stack, seen = [root], set()
        while stack:
            item = stack.pop()
            if id(item) in seen:
                continue
            seen.add(id(item))
            if isinstance(item, controls) and not getattr(item, "_wb_navigation", False):
                item.observe(lambda _change, step=step: self._editor_edited(step), names="value")
            stack.extend(child for child in getattr(item, "children", ()) if isinstance(child, widgets.Widget))

    def save_step(self, step: int) -> bool:
        """Put the result of ``step``'s editor into the assessment and save; False (and a message) if invalid."""
        editor = self.open_step(step)
        if editor is None:
            return False
        try:
            editor["save"]()
        except InvalidInputError as error:
            self.step_messages[step].value = _error_html(error)
            return False
        self.step_messages[step].value = _note(f"Step {step} saved to the assessment.")
        self.pending.discard(step)
        # Other steps' editors were built from the assessment before this save: rebuild them when next viewed
        # (e.g. Step 3's roles after Step 2), unless they hold unsaved edits.
        for other in [s for s in self.editors if s != step and s not in self.pending]:
            del self.editors[other]
            self.editor_slots[other].children = ()
            self.open_buttons[other].layout.display = None
        self.changed()
        return True

    # Step 1: Red List evidence and threats (the records explorer needs an occurrence file, see the Red List app).
    def _step1_editor(self) -> dict:
        from exsitu.status_review import StatusReview
        from exsitu.widgets.status_review import EvidenceExplorer, ThreatEditor

        review = self.assessment.status_review
        evidence = dict(review.redlist.evidence) if review is not None and review.redlist is not None else None
        try:
            explorer = EvidenceExplorer(evidence)
        except InvalidInputError:
            explorer = EvidenceExplorer(None)
        threats = ThreatEditor(review.threats if review is not None else ())
        keep = review is not None and (review.redlist is None or review.category != review.redlist.category)
        category = widgets.Dropdown(options=[_FROM_EVIDENCE, *_CATEGORIES],
                                    value=review.category if keep else _FROM_EVIDENCE,
                                    description="Category", style={"description_width": "7em"})
        gaps = widgets.Textarea(value="\n".join(review.knowledge_gaps) if review is not None else "",
                                description="Knowledge gaps", placeholder="one per line",
                                layout=widgets.Layout(width="40em", height="4em"), style={"description_width": "7em"})

        initial_evidence = _evidence_or_none(explorer)
        initial_category = category.value

        def save() -> None:
            base = review if review is not None else StatusReview(taxon=self.assessment.taxon)
            chosen = None if category.value == _FROM_EVIDENCE else category.value
            gap_lines = tuple(line.strip() for line in gaps.value.splitlines() if line.strip())
            common = dict(taxon=self.assessment.taxon, taxon_group=self.assessment.taxon_group or base.taxon_group,
                          threats=tuple(threats.threats), knowledge_gaps=gap_lines)
            if review is not None and _evidence_or_none(explorer) == initial_evidence:
                # The evidence was not edited: keep the saved Red List result and the figures stored with it
                # (a review saved without evidence keeps its EOO, AOO and count instead of losing them).
                if category.value == initial_category:
                    self.assessment.status_review = dataclasses.replace(base, **common)
                else:
                    self.assessment.status_review = dataclasses.replace(base, category=chosen, criteria=None,
                                                                        **common)
                return
            if explorer.result is None:
                from exsitu.redlist import categorize
                categorize(**explorer.evidence())  # raises the problem shown in the explorer
            self.assessment.status_review = dataclasses.replace(
                base, redlist=explorer.result, category=chosen, criteria=None, eoo_km2=None, aoo_km2=None,
                mature_individuals=None, **common)

        box = widgets.VBox([
            widgets.HTML("<small>The evidence for the Red List criteria and the threats. To work from occurrence "
                         "records (map, EOO, AOO), use the Red List and range calculator and type its EOO and "
                         "AOO here.</small>"),
            widgets.Tab(children=[explorer.widget, threats.widget], titles=("Red List evidence", "Threats")),
            widgets.HBox([category, widgets.HTML("<small>&nbsp;keep a published category, or take the "
                                                 "evidence's</small>")]), gaps])
        return {"widget": box, "evidence": explorer, "threats": threats, "category": category, "save": save}

    def _step2_editor(self) -> dict:
        from exsitu.widgets.roles import roles_explorer

        review = self.assessment.status_review
        saved = self.assessment.roles
        if review is None and saved is None:
            from exsitu.status_review import StatusReview
            review = StatusReview(taxon=self.assessment.taxon, taxon_group=self.assessment.taxon_group)
        container = roles_explorer(review, selection=saved)  # no Step 1 record: the saved roles' basis
        parts = container.parts
        _navigation(parts.role)  # choosing the role to decide on is not an edit
        # threat rows added (or put back by 'restore the saved roles') are watched for edits too
        parts.threats_box.observe(lambda _change: self._watch(parts.threats_box, 2) if 2 in self.editors else None,
                                  names="children")

        def save() -> None:
            if parts.selection is None:
                raise InvalidInputError("Step 2", "the roles cannot be ranked with the inputs above",
                                        "fix the message shown above, then save again")
            self.assessment.roles = copy.deepcopy(parts.selection)
            parts.mark_saved()  # 'restore the saved roles' now goes back to what was just saved

        unreadable = [p for p in self.problems if str(p.field).split(".")[0].split("[")[0] == "roles"]
        if saved is None and unreadable:
            note = ("<small><b>The roles in the file could not be read</b> (see the message at the top); they are kept "
                    "unchanged in the file until you save this step, which replaces them. The explorer ranks the "
                    "roles from the Step 1 record.</small>")
        elif saved is None:
            note = ("<small>The explorer ranks the roles from the Step 1 record; accept, reject or add roles, then "
                    "save.</small>")
        else:
            note = ("<small>The explorer shows the roles saved in the assessment. Decisions made here are added "
                    "to them; changing an input or pressing <i>re-rank from the inputs</i> (they start from the "
                    "Step 1 record) ranks them again, keeping every saved decision and the log. Nothing changes "
                    "in the assessment until you save this step.</small>")
        return {"widget": widgets.VBox([widgets.HTML(note), container]), "parts": parts, "save": save}

    def _role_options(self) -> list[tuple[str, str]]:
        roles = self.assessment.roles
        if roles is None:
            return []
        return [(role.name, role.id) for role in roles.accepted_roles()]

    def _step3_editor(self) -> dict:
        from exsitu.widgets.population import population_planner

        new = "__new__"
        planner_controls = ("generation_time", "ne_to_n_ratio", "target_gene_diversity", "years", "use_founders",
                            "founders", "founding_goal")

        def need_options() -> list[tuple[str, str]]:
            return ([(f"{n.role_id} ({n.form})", str(i)) for i, n in enumerate(self.assessment.population_needs)]
                    + [("+ a new need", new)])

        choice = _navigation(widgets.Dropdown(options=need_options(), description="Need",
                                              layout=widgets.Layout(width="30em"), style={"description_width": "7em"}))
        choice.value = "0" if self.assessment.population_needs else new
        role_ids = [role_id for _, role_id in self._role_options()]
        role = widgets.Combobox(options=role_ids, description="Role", placeholder="role id, e.g. insurance",
                                value=role_ids[0] if role_ids else "", ensure_option=False,
                                style={"description_width": "7em"}, layout=widgets.Layout(width="30em"))
        form = widgets.Dropdown(options=list(PopulationNeed.FORMS), description="Form",
                                style={"description_width": "7em"})
        samples = widgets.Text(description="Samples", placeholder="bio-samples: individuals to sample",
                               style={"description_width": "7em"})
        notes = widgets.Text(description="Notes", layout=widgets.Layout(width="40em"),
                             style={"description_width": "7em"})
        replace = widgets.Checkbox(value=False, indent=False,
                                   description="replace the need already recorded for this role")
        slot = widgets.VBox()
        state: dict[str, Any] = {}

        def show(_change: Any = None) -> None:
            """Build the planner and preset the fields from the chosen need (or the first target, for a new one)."""
            needs = self.assessment.population_needs
            need = needs[int(choice.value)] if choice.value != new else None
            source = need.target if need is not None else next((n.target for n in needs if n.target is not None),
                                                               None)
            settings: dict[str, Any] = {}
            if source is not None:
                settings = dict(generation_time=min(max(source.generation_time, 0.1), 50),
                                ne_to_n_ratio=min(max(source.ne_to_n_ratio, 0.01), 1),
                                target_gene_diversity=min(max(source.target_gene_diversity, 0.5), 0.99),
                                years=int(min(max(source.years, 5), 500)))
            if need is not None:
                founders = need.founders_available
                settings["founders"] = founders if founders is not None and 1 <= founders <= 200 else None
            try:
                container = population_planner(**settings)
            except InvalidInputError:
                container = population_planner()
            state["container"], state["parts"] = container, container.parts
            state["preset"] = {name: getattr(container.parts, name).value for name in planner_controls}
            self._presetting = True
            try:
                if need is not None:
                    role.value, form.value, notes.value = need.role_id, need.form, need.notes
                    samples.value = "" if need.samples is None else str(need.samples)
                    replace.layout.display = "none"
                else:
                    role.value, form.value = (role_ids[0] if role_ids else ""), "living"
                    notes.value, samples.value = "", ""
                    replace.layout.display = None
            finally:
                self._presetting = False
            state["fields"] = (role.value, form.value, samples.value, notes.value)
            slot.children = (container,)
            if 3 in self.editors:
                self._watch(container, 3)

        def save() -> None:
            parts = state["parts"]
            role_id = role.value.strip()
            count = None
            if samples.value.strip():
                try:
                    count = int(samples.value.strip())
                except ValueError:
                    raise InvalidInputError("Samples", f"{samples.value!r} is not a whole number",
                                            "type the number of individuals to sample, or leave it blank") from None
            planner_edited = any(getattr(parts, name).value != value for name, value in state["preset"].items())
            needs = list(self.assessment.population_needs)
            if choice.value != new:
                # Update only what was edited here; the rest of the saved need (target, founders, PVA figures,
                # duration) is kept as saved.
                index = int(choice.value)
                old = needs[index]
                changes: dict[str, Any] = {}
                if (role.value, form.value, samples.value, notes.value) != state["fields"]:
                    changes.update(role_id=role_id, form=form.value, samples=count, notes=notes.value)
                if planner_edited or form.value != old.form:
                    if form.value != "bio-samples" and parts.target is None:
                        raise InvalidInputError("planner", "the planner's inputs are not valid",
                                                "fix the message shown in the planner, then save again")
                    changes.update(target=parts.target if form.value != "bio-samples" else None,
                                   founders_available=parts.founders.value if parts.use_founders.value else None)
                if not changes:
                    return
                needs[index] = dataclasses.replace(old, **changes)
                self.assessment.population_needs = needs
            else:
                if form.value != "bio-samples" and parts.target is None:
                    raise InvalidInputError("planner", "the planner's inputs are not valid",
                                            "fix the message shown in the planner, then save again")
                need = PopulationNeed(
                    role_id=role_id, form=form.value,
                    target=parts.target if form.value != "bio-samples" else None,
                    founders_available=parts.founders.value if parts.use_founders.value else None,
                    samples=count, notes=notes.value)
                index = next((i for i, n in enumerate(needs) if replace.value and n.role_id == need.role_id), None)
                if index is None:
                    index = len(needs)
                    needs.append(need)
                else:
                    needs[index] = need
                self.assessment.population_needs = needs
            # The need saved is now the one edited (saving again updates it in place).
            choice.unobserve(show, names="value")
            choice.options = need_options()
            choice.value = str(index)
            choice.observe(show, names="value")
            state["preset"] = {name: getattr(parts, name).value for name in planner_controls}
            state["fields"] = (role.value, form.value, samples.value, notes.value)
            replace.layout.display = "none"

        choice.observe(show, names="value")
        show()
        box = widgets.VBox([choice, slot, _heading("This need"), role, form, samples, notes, replace])
        return {"widget": box, "parts": state["parts"], "state": state, "choice": choice, "role": role,
                "form": form, "samples": samples, "notes": notes, "save": save}

    def _step4_editor(self) -> dict:
        from exsitu.feasibility import FeasibilityAssessment
        from exsitu.widgets.feasibility import feasibility_editor

        new = "__new__"

        def option_choices() -> list[tuple[str, str]]:
            return ([(f.option, str(i)) for i, f in enumerate(self.assessment.feasibility)]
                    + [("+ a new option from the roles retained", new)])

        choice = _navigation(widgets.Dropdown(options=option_choices(), description="Option",
                                              layout=widgets.Layout(width="40em"),
                                              style={"description_width": "7em"}))
        name = widgets.Text(description="New option", placeholder="name of the option",
                            layout=widgets.Layout(width="40em"), style={"description_width": "7em"})
        slot = widgets.VBox()
        # One editor per option shown, kept while the editor lives: switching options keeps the edits of each,
        # and saving saves every option edited here.
        state: dict[str, Any] = {"editors": {}}

        def show(_change: Any = None) -> None:
            key = choice.value
            if key not in state["editors"]:
                if key == new:
                    role_ids = [role_id for _, role_id in self._role_options()] or ["insurance"]
                    base = FeasibilityAssessment.for_roles(name.value.strip() or "New option", role_ids)
                else:
                    base = self.assessment.feasibility[int(key)]
                state["editors"][key] = (feasibility_editor(base, draw_in_background=True), base.to_dict())
                if 4 in self.editors:
                    self._watch(state["editors"][key][0], 4)
            name.layout.display = None if key == new else "none"
            state["container"] = state["editors"][key][0]
            slot.children = (state["container"],)

        def save() -> None:
            updated = list(self.assessment.feasibility)
            for key, (container, base) in state["editors"].items():
                edited = copy.deepcopy(container.parts.assessment)
                if key != new and edited.to_dict() != base:
                    updated[int(key)] = edited
            added = None
            if new in state["editors"] and (choice.value == new or name.value.strip()):
                option = name.value.strip()
                if not option:
                    raise InvalidInputError("New option", "is empty", "name the option before saving it")
                added = len(updated)
                updated.append(dataclasses.replace(copy.deepcopy(state["editors"][new][0].parts.assessment),
                                                   option=option))
            self.assessment.feasibility = updated
            # What is saved is now the base of each editor; a new option becomes an option like the others.
            editors = {key: (container, self.assessment.feasibility[int(key)].to_dict())
                       for key, (container, _) in state["editors"].items() if key != new}
            state["editors"] = editors  # the new option's editor is rebuilt from the saved option when shown
            shown = str(added) if added is not None and choice.value == new else choice.value
            choice.unobserve(show, names="value")
            choice.options = option_choices()
            choice.value = shown
            choice.observe(show, names="value")
            name.value = ""
            show()

        choice.observe(show, names="value")
        show()
        return {"widget": widgets.VBox([choice, name, slot]), "choice": choice, "name": name, "state": state,
                "save": save}

    def _step5_editor(self) -> dict:
        from exsitu.widgets.decision import step5_explorer

        container = step5_explorer(self.assessment, draw_in_background=True)  # raises InvalidInputError (shown) when no role is retained
        parts = container.parts
        record = self.assessment.decision_record

        def save() -> None:
            taken = parts.take_record()
            if taken is None:
                raise InvalidInputError("Record", "the decision cannot be recorded yet",
                                        "see the message under 'record the decision', then save again")
            if record is not None and _without_summary(taken.to_dict()) == _without_summary(record.to_dict()):
                taken = record  # nothing edited: keep the record as written on its day
            if parts.aid is not None:
                self.assessment.decision = parts.aid.parts.decision
            self.assessment.decision_record = taken

        note = ("<small>Saving records the decision: each option's outcome from conservation value → structure → "
                "feasibility and risk gates, the risk of doing nothing, reasoning and dissent (and the optional "
                "weighted scoring, if used).</small>")
        return {"widget": widgets.VBox([widgets.HTML(note), container]), "parts": parts, "save": save}

    # ------------------------------------------------------------------------------------- report
    def export_report(self, format: str) -> str:
        """Render the report (``'html'`` or ``'markdown'``) and show a download link; returns the link's URI."""
        from exsitu.report import render_report

        try:
            text = render_report(self.assessment, format)
        except InvalidInputError as error:
            self.report_links.value = _error_html(error)
            return ""
        suffix, mime = (".html", "text/html") if format == "html" else (".md", "text/markdown")
        uri = store.data_uri(text, mime)
        label = "HTML report" if format == "html" else "Markdown report"
        self.report_links.value = "&nbsp;" + _link(uri, store.file_name(self.assessment.taxon, "-report" + suffix),
                                                   f"Download the {label}", f"wb-report-{format}")
        return uri

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)


PRELOADED_MODULES = ("exsitu.workshop", "exsitu.widgets.judgements", "exsitu.widgets.decision")
"""What a workshop page needs on its first clicks and the workbench imports only on first use: the store
(SQLAlchemy), the judgement panel, Step 5's editor (matplotlib)."""


def preload() -> tuple[str, ...]:
    """In a preheated Voilà kernel (``VOILA_PREHEAT`` set): import :data:`PRELOADED_MODULES` and draw one small
    figure (matplotlib loads its fonts), now; returns the modules imported. Elsewhere it does nothing.

    A preheated kernel runs the app before a page asks for it, so this costs the page nothing. Without it, a
    workshop link opening Step 5 kept the page's kernel busy importing matplotlib for seconds after the page
    already showed the judgement form (about 1.2 s alone, up to 3 s with a room joining), and a judgement
    submitted meanwhile waited for it. In tests, JupyterLab or Voilà without preheating the imports stay lazy.
    """
    if os.environ.get("VOILA_PREHEAT", "False") == "False":
        return ()
    for name in PRELOADED_MODULES:
        importlib.import_module(name)
    import io

    from matplotlib.figure import Figure

    figure = Figure(figsize=(1, 1))
    figure.subplots().set_title("fonts")
    figure.savefig(io.BytesIO(), format="png")
    return PRELOADED_MODULES


def workbench(storage_dir: str | Path | None = None, *, case: str | None = None,
              taxon: str | None = None, query: str | None = None, store: Any = None) -> Workbench:
    """An ECA workbench, opened on a bundled case (``case``, default the first), or blank for ``taxon``.

    ``query``: the page's query string (:func:`exsitu.widgets.workshop.query_string` in the app): a workshop
    group (``workshop=…&group=…``) or a solo assessment (``solo=…``) to open, and the step to show.
    ``store``: the workshop store (default :func:`exsitu.workshop.open_store`, i.e. ``EXSITU_DATABASE_URL``,
    else the SQLite file ``EXSITU_WORKSHOP_DB``); ``storage_dir``: instead, a folder for a SQLite store of its
    own (``<storage_dir>/workshop.sqlite3``; for tests and lessons). Nothing is written until the first change.
    """
    return Workbench(storage_dir, case=case, taxon=taxon, query=query, store=store)


def open_default_store() -> bool:
    """Open the app's workshop store now (:func:`exsitu.workshop.open_store`: migrated, its statements warmed
    up), so that a preheated kernel has it ready before its page arrives. True if it opened; a problem is only
    logged here — the workbench reports it on the page when it opens the store itself."""
    try:
        _open_store(None)
    except Exception as error:  # noqa: BLE001 - reported by the workbench, on the page
        logging.getLogger(__name__).warning("workshop store not opened in advance: %s", error)
        return False
    return True


def _open_store(storage_dir: str | Path | None) -> Any:
    from exsitu.workshop import open_store

    if storage_dir is None:
        return open_store()
    folder = Path(storage_dir)
    folder.mkdir(parents=True, exist_ok=True)
    return open_store(f"sqlite:///{(folder / 'workshop.sqlite3').resolve()}")


def _short(value: Any, limit: int = 80) -> str:
    """A value of a diff, shortened for the page."""
    text = "(empty)" if value in (None, "", [], {}) else str(value)
    return text if len(text) <= limit else text[:limit - 1] + "…"
