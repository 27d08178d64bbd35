"""The facilitator's view of a workshop (the Voilà app ``apps/facilitator.ipynb``).

Create a workshop and its working groups (or open one with its facilitator key); show the join code and,
for every group, its link and a QR code (made with ``segno``, an SVG in the page) that opens the workbench
on that group; follow every group through the five steps live (the store is polled twice a second on the page's
heartbeat, :data:`HEARTBEAT_MS`: one cheap :meth:`~exsitu.workshop.WorkshopStore.overview` query and the
chosen group's current judgements, redrawn only when they changed); see each group's
aggregated judgements (:func:`exsitu.widgets.judgements.judgement_summary_html`); open a rating in Step 2, 3
or 4 to one group or to every group (prefilled from the groups' assessments, editable) and close it again;
record the group's decision
and any dissent, by name or anonymously; and export the whole workshop as one JSON file and one HTML
workshop report, as downloads.

The facilitator key is a secret: it is shown once, when the workshop is created, and is never put in the
page's address (a projected screen shows the address bar).
"""

from __future__ import annotations

import datetime as _dt
import html
import json
import urllib.parse
from typing import Any

import ipywidgets as widgets

from exsitu import workbench_store as files
from exsitu.validation import InvalidInputError
from exsitu.widgets.connection import ConnectionStatus
from exsitu.widgets.judgements import TOPIC_STEP5, decision_for_judgements, judgement_summary_html, rating_sheet
from exsitu.widgets.workshop import build_query

__all__ = ["Facilitator", "facilitator", "workbench_link", "qr_svg", "RATING_DEFAULTS", "RATING_SCALES",
           "rating_options"]

WORKBENCH_APP = "workbench.ipynb"

HEARTBEAT_MS = 500
"""How often the facilitator's page pings its kernel, which then polls the store (:meth:`Facilitator.refresh`).
A judgement waits for the next poll: half a second at most (with 1 s, ten judgements submitted together took
up to 1.2 s to show, 2 s and more with the room's pages loading the machine). A poll that finds nothing new
costs about 3 ms of the kernel's time."""

COST_MARK = "(higher = worse)"
"""Ending a criterion's line with this makes it a 'cost' criterion (a higher score is worse, e.g. a risk)."""

RATING_DEFAULTS: dict[int, tuple[str, str, tuple[str, ...]]] = {
    2: ("Step 2 — the candidate roles", "step2-roles", ("Addresses the threat", "Urgency")),
    3: ("Step 3 — the population each role needs", "step3-population-need",
        ("Founders are available", "Target size is achievable")),
    4: ("Step 4 — the options' feasibility and risks", "step4-feasibility",
        ("Feasibility", f"Risk {COST_MARK}")),
}
"""Per step: label, default topic name and default criteria of a rating opened to the room (the course's
wording; the facilitator edits them). Step 2 follows the roles' questions "which threat does it address, how
urgently" (CPSG ex situ guidelines, IUCN/SSC 2014, Step 2), Step 4 its feasibility and risk appraisal."""

RATING_SCALES: tuple[tuple[str, tuple[float, float]], ...] = (
    ("0–10", (0.0, 10.0)), ("1–5", (1.0, 5.0)), ("0–100", (0.0, 100.0)))
"""The scales a facilitator can open a rating on: 0–10 (the course's Step 5 default), a five-point scale as on
a flipchart dot vote, or 0–100 (percentages)."""


def rating_options(step: int, assessment: Any) -> list[str]:
    """What the room rates in ``step`` according to one group's assessment (names, in the assessment's order).

    Step 2: the candidate roles (every role not rejected); Step 3: the population needs, by role and form;
    Step 4: the options appraised for feasibility. Empty when the assessment has none yet.
    """
    if assessment is None:
        return []
    if step == 2:
        roles = getattr(assessment, "roles", None)
        if roles is None:
            return []
        return [d.role.name for d in roles.decisions if d.status in ("accepted", "added", "suggested")]
    if step == 3:
        names = {}
        roles = getattr(assessment, "roles", None)
        if roles is not None:
            names = {d.role.id: d.role.name for d in roles.decisions}
        return [f"{names.get(n.role_id, n.role_id)} ({n.form})" for n in getattr(assessment, "population_needs", [])]
    if step == 4:
        return [f.option for f in getattr(assessment, "feasibility", [])]
    return []


def _lines(text: str) -> list[str]:
    """The non-blank lines of a text box, stripped (one group, option or criterion per line)."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def _criteria_items(lines: list[str]) -> list[dict[str, str]]:
    items = []
    for line in lines:
        if line.endswith(COST_MARK):
            items.append({"name": line[: -len(COST_MARK)].strip() or line, "direction": "cost"})
        else:
            items.append({"name": line, "direction": "benefit"})
    return items


def _error_html(error: InvalidInputError) -> str:
    fix = f"<br><b>How to fix it:</b> {html.escape(error.fix)}" if error.fix else ""
    return (f"<div class='fc-error' style='color:#8a1c00;background:#fff1ec;border-left:4px solid #d81e05;"
            f"padding:4px 8px'><b>Cannot use <code>{html.escape(str(error.field))}</code>:</b> "
            f"{html.escape(error.problem)}{fix}</div>")


def _ok(text: str) -> str:
    return (f"<div style='color:#1a5e20;background:#eef7ee;border-left:4px solid #1a5e20;padding:4px 8px'>"
            f"{text}</div>")


def workbench_link(page_url: str, join_code: str, group_id: str) -> str:
    """The workbench's address for a group, next to the facilitator's page (``page_url``, what the browser says).

    Only an ``http``/``https`` address is used (anything else gives a relative link, ``workbench.ipynb?…``).
    """
    query = build_query(workshop=join_code, group=group_id)
    try:
        parts = urllib.parse.urlsplit(str(page_url or "")[:2000])
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in ("http", "https") or not parts.netloc:
        return f"{WORKBENCH_APP}?{query}"
    path = parts.path.rsplit("/", 1)[0] + "/" + WORKBENCH_APP
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, query, ""))


def qr_svg(text: str, scale: int = 3) -> str:
    """A QR code of ``text`` as an ``<img>`` with an SVG data URI (``segno``, error correction M)."""
    import segno

    code = segno.make(text, error="m", micro=False)
    return (f"<img class='fc-qr' alt='QR code of {html.escape(text, quote=True)}' "
            f"src='{code.svg_data_uri(scale=scale)}'>")


def _get(item: Any, name: str, default: Any = None) -> Any:
    if isinstance(item, dict):
        return item.get(name, default)
    return getattr(item, name, default)


class Facilitator:
    """The facilitator's app; ``widget`` is what to display (displaying the object shows it).

    Controls: ``title``, ``taxon``, ``date``, ``group_names`` (one per line), ``create_button``; ``key``,
    ``open_button``; ``new_group``, ``add_group_button``; ``judgement_group``; ``decision_group``,
    ``outcome``, ``rationale``, ``dissent`` (one per line, ``Name: text`` or ``anonymous: text``),
    ``record_button``; ``topic`` (the judgements' topic shown, ``step5``, an opened rating or any other
    submitted); a rating in Steps 2–4: ``rating_step``, ``rating_group`` ("" = all groups), ``rating_name``,
    ``rating_options`` and ``rating_criteria`` (one per line), ``rating_scale`` (:data:`RATING_SCALES`),
    ``prefill_button``, ``open_rating_button``, ``close_choice``, ``close_button``, with ``rating_message`` and
    ``open_ratings``;
    ``export_json_button``, ``export_html_button``. Outputs: ``message``, ``links``,
    ``progress``, ``judgements_html``, ``decision_message``, ``export_links``. State: ``workshop`` (with its
    facilitator key), ``groups``.
    """

    def __init__(self, store: Any = None) -> None:
        if store is None:
            from exsitu.workshop import open_store

            store = open_store()
        self.store = store
        self.workshop: Any = None
        self.groups: list = []
        self._progress_signature: Any = None
        self._judgement_signature: Any = None
        self._versions: dict[str, Any] = {}  # group id → its assessment's version, as the last overview said
        self._judged: tuple[Any, Any] = ((None, None), None)  # ((group id, version), its Step 5 decision)
        self._loading_groups = False  # True while the group lists are refilled (not the facilitator's choice)
        style = {"description_width": "8em"}
        wide = widgets.Layout(width="36em")
        self.connection = ConnectionStatus(heartbeat_ms=HEARTBEAT_MS)
        self.connection.on_tick(self.refresh, every=HEARTBEAT_MS / 1000)
        self.connection.observe(lambda _c: self._show_links(), names="page_url")
        self.message = widgets.HTML()

        self.title = widgets.Text(description="Title", placeholder="e.g. ECA workshop for the Kihansi spray toad",
                                  style=style, layout=wide)
        self.taxon = widgets.Text(description="Taxon", placeholder="scientific name", style=style, layout=wide)
        self.date = widgets.Text(value=_dt.date.today().isoformat(), description="Date", placeholder="YYYY-MM-DD",
                                 style=style, layout=widgets.Layout(width="20em"))
        self.group_names = widgets.Textarea(value="Group A\nGroup B\nGroup C", description="Groups",
                                            placeholder="one group per line", style=style,
                                            layout=widgets.Layout(width="36em", height="6em"))
        self.create_button = widgets.Button(description="Create the workshop", icon="plus", button_style="primary")
        self.key = widgets.Password(description="Facilitator key", placeholder="the key shown when it was created",
                                    style=style, layout=wide)
        self.open_button = widgets.Button(description="Open the workshop", icon="folder-open")
        self.create_button.on_click(lambda _b: self.create())
        self.open_button.on_click(lambda _b: self.open(self.key.value))
        self.start = widgets.Accordion(children=[
            widgets.VBox([self.title, self.taxon, self.date, self.group_names, self.create_button]),
            widgets.VBox([widgets.HBox([self.key, self.open_button])]),
        ], titles=("Create a workshop", "Open a workshop (facilitator key)"), selected_index=0)

        self.header = widgets.HTML()
        self.links = widgets.HTML()
        self.new_group = widgets.Text(description="New group", placeholder="name", style=style,
                                      layout=widgets.Layout(width="24em"))
        self.add_group_button = widgets.Button(description="Add the group", icon="plus")
        self.add_group_button.on_click(lambda _b: self.add_group(self.new_group.value))
        self.progress = widgets.HTML()
        self.judgement_group = widgets.Dropdown(description="Group", style=style)
        self.judgement_group.observe(lambda _c: self.refresh_judgements(force=True), names="value")
        self.topic = widgets.Dropdown(options=[TOPIC_STEP5], value=TOPIC_STEP5, description="Topic", style=style)
        self.topic.observe(lambda _c: self.refresh_judgements(force=True), names="value")
        self.judgements_html = widgets.HTML()
        self.rating_step = widgets.Dropdown(options=[(label, step) for step, (label, *_rest) in RATING_DEFAULTS.items()],
                                            value=2, description="Step", style=style, layout=wide)
        self.rating_group = widgets.Dropdown(options=[("All groups", "")], value="", description="Open to",
                                             style=style)
        self.rating_name = widgets.Text(description="Topic", style=style, layout=widgets.Layout(width="24em"))
        self.rating_scale = widgets.Dropdown(options=list(RATING_SCALES), value=RATING_SCALES[0][1],
                                             description="Scores on", style=style)
        self.rating_options = widgets.Textarea(description="Options", placeholder="one option per line", style=style,
                                               layout=widgets.Layout(width="36em", height="6em"))
        self.rating_criteria = widgets.Textarea(description="Criteria", placeholder=f"one criterion per line; end "
                                                f"with {COST_MARK} where a higher score is worse", style=style,
                                                layout=widgets.Layout(width="36em", height="4em"))
        self.prefill_button = widgets.Button(description="Take them from the assessment", icon="refresh",
                                             tooltip="the options of the chosen group (all groups: of every group)")
        self.open_rating_button = widgets.Button(description="Open the rating to the room", icon="users",
                                                 button_style="primary", layout=widgets.Layout(width="20em"))
        self.rating_message = widgets.HTML()
        self.open_ratings = widgets.HTML()
        self.close_choice = widgets.Dropdown(description="Open rating", style=style, layout=wide)
        self.close_button = widgets.Button(description="Close the rating", icon="lock")
        self.rating_step.observe(lambda _c: self.prefill_rating(), names="value")
        self.rating_group.observe(lambda _c: None if self._loading_groups else self.prefill_rating(), names="value")
        self.prefill_button.on_click(lambda _b: self.prefill_rating())
        self.open_rating_button.on_click(lambda _b: self.open_rating())
        self.close_button.on_click(lambda _b: self.close_rating(self.close_choice.value))
        self.decision_group = widgets.Dropdown(description="Group", style=style)
        self.outcome = widgets.Text(description="Outcome", placeholder="e.g. recommend an insurance population",
                                    style=style, layout=wide)
        self.rationale = widgets.Textarea(description="Rationale", style=style,
                                          layout=widgets.Layout(width="36em", height="5em"))
        self.dissent = widgets.Textarea(description="Dissent", placeholder="one per line — Name: text, or "
                                        "anonymous: text", style=style, layout=widgets.Layout(width="36em",
                                                                                              height="5em"))
        self.record_button = widgets.Button(description="Record the decision", icon="gavel", button_style="success")
        self.record_button.on_click(lambda _b: self.record_decision())
        self.decision_message = widgets.HTML()
        self.export_json_button = widgets.Button(description="Export JSON", icon="download")
        self.export_html_button = widgets.Button(description="Export HTML report", icon="file-text")
        self.export_json_button.on_click(lambda _b: self.export("json"))
        self.export_html_button.on_click(lambda _b: self.export("html"))
        self.export_links = widgets.HTML()

        def heading(text: str) -> widgets.HTML:
            return widgets.HTML(f"<h3 style='margin:10px 0 2px'>{html.escape(text)}</h3>")

        self.board = widgets.VBox([
            self.header,
            heading("Join codes and links"), self.links, widgets.HBox([self.new_group, self.add_group_button]),
            heading("Progress of the groups (live)"), self.progress,
            heading("Open a rating in Steps 2–4 to the room"),
            widgets.HTML("<small>Each participant rates the options on every criterion on their own page (in the "
                         "step's tab of their workbench); the group then sees the distribution below under "
                         "<i>Judgements</i>, with the rating's topic.</small>"),
            self.rating_step, widgets.HBox([self.rating_group, self.rating_name]), self.rating_options,
            self.rating_scale,
            self.rating_criteria, widgets.HBox([self.prefill_button, self.open_rating_button]), self.rating_message,
            self.open_ratings, widgets.HBox([self.close_choice, self.close_button]),
            heading("Judgements (live)"), widgets.HBox([self.judgement_group, self.topic]), self.judgements_html,
            heading("Record the decision and the dissent"), self.decision_group, self.outcome, self.rationale,
            self.dissent, self.record_button, self.decision_message,
            heading("Export the workshop"), widgets.HBox([self.export_json_button, self.export_html_button]),
            self.export_links,
        ])
        self.board.layout.display = "none"
        self.widget = widgets.VBox([
            widgets.HTML("<h2 style='margin:4px 0'>ECA workshop — facilitator</h2>"),
            self.connection, self.message, self.start, self.board])

    # ---------------------------------------------------------------------------------- opening
    def create(self) -> bool:
        """Create a workshop from the form; False (and a message naming the field) if something is wrong."""
        names = _lines(self.group_names.value)
        for field, value in (("Title", self.title.value), ("Taxon", self.taxon.value)):
            if not value.strip():
                self.message.value = _error_html(InvalidInputError(field, "is empty", f"type the workshop's "
                                                                   f"{field.lower()}"))
                return False
        if not names:
            self.message.value = _error_html(InvalidInputError("Groups", "no group is named",
                                                               "type one working group per line"))
            return False
        try:
            _dt.date.fromisoformat(self.date.value.strip())
        except ValueError:
            self.message.value = _error_html(InvalidInputError("Date", f"{self.date.value[:40]!r} is not a date",
                                                               "type it as YYYY-MM-DD"))
            return False
        try:
            workshop = self.store.create_workshop(self.title.value.strip(), self.taxon.value.strip(),
                                                  self.date.value.strip(), names)
        except InvalidInputError as error:
            self.message.value = _error_html(error)
            return False
        self._show(workshop)
        self.message.value = _ok(
            f"Workshop created. <b>Keep the facilitator key</b> — you need it to open this workshop again, and "
            f"anyone with it can see every group: <code class='fc-key'>{html.escape(workshop.facilitator_key)}"
            "</code>")
        return True

    def open(self, key: str) -> bool:
        """Open a workshop by its facilitator key; False (and a message) on a wrong key."""
        from exsitu.workshop import AccessDenied

        key = (key or "").strip()
        if not key or len(key) > 200:
            self.message.value = _error_html(InvalidInputError("Facilitator key", "is empty" if not key else
                                                               "is too long to be a key",
                                                               "paste the key shown when the workshop was created"))
            return False
        try:
            workshop = self.store.workshop_by_key(key)
        except (AccessDenied, InvalidInputError) as error:
            self.message.value = _error_html(InvalidInputError("Facilitator key",
                                                               str(getattr(error, "problem", error)) or "is wrong",
                                                               "paste the key shown when the workshop was created"))
            return False
        self.key.value = ""
        self._show(workshop)
        self.message.value = _ok(f"Opened <b>{html.escape(workshop.title)}</b>.")
        return True

    def _show(self, workshop: Any) -> None:
        self.workshop = workshop
        self.start.layout.display = "none"
        self.board.layout.display = None
        self.header.value = (f"<h3 style='margin:4px 0'>{html.escape(workshop.title)} — <i>"
                             f"{html.escape(workshop.taxon)}</i>, {html.escape(str(workshop.date))}</h3>"
                             f"<p style='font-size:1.4em'>Join code: <b class='fc-code' style='letter-spacing:2px'>"
                             f"{html.escape(workshop.join_code)}</b></p>")
        self._load_groups()
        self.prefill_rating()
        self._show_ratings()
        self.refresh(force=True)

    def _load_groups(self) -> None:
        self.groups = list(self.store.groups(self.workshop.join_code))
        options = [(g.name, g.id) for g in self.groups]
        chosen = self.rating_group.value
        self._loading_groups = True
        try:
            self.rating_group.options = [("All groups", "")] + options
            self.rating_group.value = chosen if chosen in [gid for _, gid in options] else ""
        finally:
            self._loading_groups = False
        for dropdown in (self.judgement_group, self.decision_group):
            value = dropdown.value
            dropdown.options = options
            if value in [gid for _, gid in options]:
                dropdown.value = value
            elif options and dropdown.value is None:
                dropdown.value = options[0][1]
        self._show_links()

    def _show_links(self) -> None:
        if self.workshop is None:
            return
        rows = []
        for group in self.groups:
            url = workbench_link(self.connection.page_url, self.workshop.join_code, group.id)
            qr = qr_svg(url) if url.startswith("http") else ""
            rows.append(f"<tr><td><b>{html.escape(group.name)}</b></td>"
                        f"<td><a class='fc-link' href='{html.escape(url, quote=True)}' target='_blank'>"
                        f"{html.escape(url)}</a></td><td>{qr}</td></tr>")
        self.links.value = ("<p>Participants open their group's link (or scan its code), or open the workbench and "
                            f"type the join code <b>{html.escape(self.workshop.join_code)}</b>.</p>"
                            "<table class='fc-links' cellpadding='4'>" + "".join(rows) + "</table>")

    def add_group(self, name: str) -> bool:
        """Add a working group to the open workshop."""
        if self.workshop is None:
            return False
        if not name.strip():
            self.message.value = _error_html(InvalidInputError("New group", "is empty", "name the group"))
            return False
        try:
            self.store.add_group(self.workshop.facilitator_key, name.strip())
        except InvalidInputError as error:
            self.message.value = _error_html(error)
            return False
        self.new_group.value = ""
        self._load_groups()
        self.refresh(force=True)
        return True

    # ---------------------------------------------------------------------------------- live
    def refresh(self, force: bool = False) -> None:
        """Poll the store: the groups' progress and the chosen group's judgements (redrawn when changed)."""
        if self.workshop is None:
            return
        overview = self.store.overview(self.workshop.facilitator_key)
        self._versions = {str(_get(g, "group_id")): _get(g, "version") for g in overview}
        signature = repr([(_get(g, "name"), _get(g, "version"), _get(g, "saved_at"), _get(g, "steps_done"),
                           _get(g, "participants"), _get(g, "judgements")) for g in overview])
        if force or signature != self._progress_signature:
            self._progress_signature = signature
            if len(overview) != len(self.groups):
                self._load_groups()
            topics = sorted({TOPIC_STEP5, *(str(t) for g in overview for t in (_get(g, "judgements") or {})),
                             *(t.name for t in self.store.workshop_topics(self.workshop.facilitator_key))})
            if list(self.topic.options) != topics:
                current = self.topic.value
                self.topic.options = topics
                self.topic.value = current if current in topics else TOPIC_STEP5
            self.progress.value = self._progress_html(overview)
        self.refresh_judgements(force=force)

    @staticmethod
    def _progress_html(overview: list) -> str:
        rows = []
        for g in overview:
            done = _get(g, "steps_done", {}) or {}
            marks = "".join("<td class='fc-step' style='text-align:center'>"
                            f"{'✓' if done.get(s, done.get(str(s))) else '○'}</td>" for s in range(1, 6))
            people = _get(g, "participants", 0)
            people = len(people) if isinstance(people, (list, tuple)) else people
            counts = _get(g, "judgements", None) or _get(g, "judgement_counts", {}) or {}
            judged = ", ".join(f"{html.escape(str(t))}: {n}" for t, n in dict(counts).items()) or "—"
            saved = str(_get(g, "saved_at", "") or "")
            rows.append(f"<tr class='fc-group'><td><b>{html.escape(str(_get(g, 'name', '')))}</b></td>{marks}"
                        f"<td>{html.escape(str(_get(g, 'version', '')))}</td>"
                        f"<td>{html.escape(saved[11:19] or '—')}</td><td>{people}</td><td>{judged}</td></tr>")
        return ("<table class='fc-progress' border='1' cellpadding='3' style='border-collapse:collapse'>"
                "<tr><th>Group</th><th>1</th><th>2</th><th>3</th><th>4</th><th>5</th><th>Version</th>"
                "<th>Last save (UTC)</th><th>People</th><th>Judgements</th></tr>" + "".join(rows) + "</table>")

    def refresh_judgements(self, force: bool = False) -> None:
        if self.workshop is None or not self.judgement_group.value:
            self.judgements_html.value = ""
            return
        code, group_id = self.workshop.join_code, self.judgement_group.value
        topic = self.topic.value or TOPIC_STEP5
        judgements = self.store.judgements(code, group_id, topic)
        signature = repr(sorted((str(_get(j, "participant_id")), str(_get(j, "submitted_at", "")),
                                 str(_get(j, "vote")), str(_get(j, "reason"))[:50]) for j in judgements))
        if topic == TOPIC_STEP5:  # a new version may rename the options judged
            signature += repr(self._versions.get(group_id))
        if not force and signature == self._judgement_signature:
            return
        self._judgement_signature = signature
        if topic == TOPIC_STEP5:
            judged = self._step5_decision(code, group_id)
        else:  # a rating opened to the room: its own options and criteria
            judged = rating_sheet(self.store.topic(code, group_id, topic))
        names = {p.id: p.display_name for p in self.store.participants(code, group_id)}
        self.judgements_html.value = judgement_summary_html(judgements, judged, names)

    def _step5_decision(self, code: str, group_id: str) -> Any:
        """The decision the group's Step 5 judgements are on; the assessment is read and parsed again only when
        the last overview shows a version other than the one it came from (new judgements alone keep it)."""
        (group, version), judged = self._judged
        if group == group_id and version is not None and self._versions.get(group_id) == version:
            return judged
        assessment, version = self.store.load_assessment(code, group_id)
        judged = decision_for_judgements(assessment)
        self._judged = ((group_id, version), judged)
        return judged

    # ---------------------------------------------------------------------------------- ratings (Steps 2–4)
    def prefill_rating(self) -> None:
        """Fill the rating form for the chosen step: its default topic and criteria, the options from the chosen
        group's assessment (all groups: every group's, each option once)."""
        if self.workshop is None:
            return
        step = self.rating_step.value
        _label, name, criteria = RATING_DEFAULTS[step]
        chosen = [g for g in self.groups if not self.rating_group.value or g.id == self.rating_group.value]
        options: list[str] = []
        for group in chosen:
            try:
                assessment, _version = self.store.load_assessment(self.workshop.join_code, group.id)
            except Exception:  # noqa: BLE001 - a group that cannot be read adds nothing
                continue
            options.extend(o for o in rating_options(step, assessment) if o not in options)
        self.rating_name.value = name
        self.rating_options.value = "\n".join(options)
        self.rating_criteria.value = "\n".join(criteria)
        self.rating_message.value = "" if options else _ok(
            "The assessment has nothing to rate in this step yet: type the options, one per line.")

    def open_rating(self) -> Any:
        """Open the rating in the form to the chosen group or to every group; the store's topic, or None (and a
        message naming the field) if something is wrong."""
        from exsitu.workshop import AccessDenied

        if self.workshop is None:
            return None
        lines = _lines(self.rating_options.value)
        criteria = _lines(self.rating_criteria.value)
        if not lines:
            self.rating_message.value = _error_html(InvalidInputError("Options", "no option is given",
                                                                      "type one option per line"))
            return None
        if not criteria:
            self.rating_message.value = _error_html(InvalidInputError("Criteria", "no criterion is given",
                                                                      "type one criterion per line"))
            return None
        try:
            topic = self.store.open_topic(self.workshop.facilitator_key, self.rating_group.value or None,
                                          self.rating_name.value.strip(), lines, _criteria_items(criteria),
                                          step=self.rating_step.value, scale=self.rating_scale.value)
        except (InvalidInputError, AccessDenied) as error:
            self.rating_message.value = _error_html(error if isinstance(error, InvalidInputError) else
                                                    InvalidInputError("Open to", str(error), "choose the group again"))
            return None
        audience = "every group" if not topic.group_id else html.escape(self.rating_group.label)
        self.rating_message.value = _ok(f"<b>{html.escape(topic.name)}</b> is open to {audience}: "
                                        f"{len(topic.options)} options × {len(topic.criteria)} criteria, scored "
                                        f"{topic.score_min:g}–{topic.score_max:g}. Participants "
                                        f"see it in the Step {topic.step} tab of their workbench.")
        self._show_ratings()
        self.judgement_group.value = topic.group_id or self.judgement_group.value
        self._add_topic(topic.name)
        self.topic.value = topic.name
        return topic

    def close_rating(self, topic_id: str | None) -> bool:
        """Close an open rating (it takes no more judgements; those given stay)."""
        from exsitu.workshop import AccessDenied

        if self.workshop is None or not topic_id:
            self.rating_message.value = _error_html(InvalidInputError("Open rating", "none is chosen",
                                                                      "choose the rating to close"))
            return False
        try:
            topic = self.store.close_topic(self.workshop.facilitator_key, topic_id)
        except AccessDenied as error:
            self.rating_message.value = _error_html(InvalidInputError("Open rating", str(error),
                                                                      "choose it again from the list"))
            return False
        self.rating_message.value = _ok(f"<b>{html.escape(topic.name)}</b> is closed.")
        self._show_ratings()
        return True

    def _show_ratings(self) -> None:
        if self.workshop is None:
            return
        names = {g.id: g.name for g in self.groups}
        opened = self.store.workshop_topics(self.workshop.facilitator_key)
        rows = "".join(f"<tr class='fc-rating'><td>{t.step}</td><td><b>{html.escape(t.name)}</b></td>"
                       f"<td>{html.escape(names.get(t.group_id, '?') if t.group_id else 'all groups')}</td>"
                       f"<td>{html.escape(', '.join(o['name'] for o in t.options))}</td>"
                       f"<td>{html.escape(', '.join(c['name'] for c in t.criteria))}</td></tr>" for t in opened)
        self.open_ratings.value = (
            "<table class='fc-ratings' border='1' cellpadding='3' style='border-collapse:collapse'><tr><th>Step</th>"
            "<th>Topic</th><th>Open to</th><th>Options</th><th>Criteria</th></tr>" + rows + "</table>"
            if opened else "<p class='fc-ratings' style='color:#666'>No rating is open to the room.</p>")
        self.close_choice.options = [(f"{t.name} — {names.get(t.group_id, '?') if t.group_id else 'all groups'}",
                                      t.id) for t in opened]
        for topic in opened:
            self._add_topic(topic.name)

    def _add_topic(self, name: str) -> None:
        if name not in self.topic.options:
            current = self.topic.value
            self.topic.options = sorted({*self.topic.options, name})
            self.topic.value = current

    # ---------------------------------------------------------------------------------- decision
    def record_decision(self) -> bool:
        """Record the chosen group's decision and dissent; False (and a message naming the field) if invalid."""
        from exsitu.workshop import Dissent

        if self.workshop is None or not self.decision_group.value:
            self.decision_message.value = _error_html(InvalidInputError("Group", "no group is chosen",
                                                                        "choose the group whose decision it is"))
            return False
        if not self.outcome.value.strip():
            self.decision_message.value = _error_html(InvalidInputError("Outcome", "is empty",
                                                                        "say what the group decided"))
            return False
        code, group_id = self.workshop.join_code, self.decision_group.value
        names = {p.display_name.casefold(): p for p in self.store.participants(code, group_id)}
        dissent = []
        for line in self.dissent.value.splitlines():
            if not line.strip():
                continue
            who, sep, text = line.partition(":")
            if not sep or not text.strip():
                who, text = "anonymous", line
            who = who.strip()
            person = names.get(who.casefold())
            if who.casefold() in ("anonymous", "anon", ""):
                dissent.append(Dissent(text.strip(), None, "anonymous"))
            else:
                dissent.append(Dissent(text.strip(), person.id if person else None, who))
        try:
            self.store.record_decision(code, group_id, outcome=self.outcome.value.strip(),
                                       rationale=self.rationale.value.strip(), dissent=dissent,
                                       recorded_by="facilitator")
        except InvalidInputError as error:
            self.decision_message.value = _error_html(error)
            return False
        self.decision_message.value = _ok(f"Decision recorded for <b>{html.escape(self.decision_group.label)}</b> "
                                          f"with {len(dissent)} dissent{'s' if len(dissent) != 1 else ''}.")
        return True

    # ---------------------------------------------------------------------------------- export
    def export(self, format: str) -> str:
        """Export the whole workshop (``'json'`` or ``'html'``) and show a download link; returns its URI."""
        if self.workshop is None:
            return ""
        try:
            data = self.store.export_workshop(self.workshop.facilitator_key)
            if format == "json":
                text, mime, suffix = json.dumps(data, indent=2, ensure_ascii=False), "application/json", ".json"
            else:
                text, mime, suffix = _workshop_report(data), "text/html", "-report.html"
        except InvalidInputError as error:
            self.export_links.value = _error_html(error)
            return ""
        uri = files.data_uri(text, mime)
        name = files.file_name(f"workshop {self.workshop.title}", suffix)
        label = "the workshop (JSON)" if format == "json" else "the workshop report (HTML)"
        link = (f"<a class='fc-export-{format}' href='{html.escape(uri, quote=True)}' "
                f"download='{html.escape(name, quote=True)}' target='_blank' style='font-weight:bold'>"
                f"⬇ Download {label}</a>")
        self.export_links.value = (self.export_links.value if format == "html" and "fc-export-json" in
                                   self.export_links.value else "") + "&nbsp; " + link
        return uri

    def _repr_mimebundle_(self, **kwargs: Any) -> Any:
        return self.widget._repr_mimebundle_(**kwargs)


def _workshop_report(data: dict) -> str:
    """The store's HTML workshop report of an export."""
    import exsitu.workshop as workshop

    for name in ("render_workshop_report", "workshop_report", "render_report", "report_html"):
        render = getattr(workshop, name, None)
        if callable(render):
            return render(data)
    raise InvalidInputError("report", "this version of the workshop store has no HTML report",
                            "export the JSON instead")


def facilitator(store: Any = None) -> Facilitator:
    """The facilitator's app on ``store`` (default :func:`exsitu.workshop.open_store`)."""
    return Facilitator(store)
