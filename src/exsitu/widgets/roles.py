"""Widget for Step 2 (roles): edit a species' threats and see which ex situ roles are suggested, and why.

The learner (or a workshop facilitator) edits the Step 1 inputs — Red List category, mature individuals,
threats with their IUCN code, timing, scope and severity, which major threats are controllable in the wild,
declared situations — and sees the ranked roles of :func:`exsitu.roles.suggest_roles` with every point of
each score explained. Roles are accepted, rejected or added with a rationale; decisions are kept (replayed)
when the inputs change, so the group can test "what if" without losing its record.

Started from a saved :class:`~exsitu.roles.RoleSelection` (``roles_explorer(review, selection=saved)``), the
explorer shows the saved roles exactly — ranking, decisions, rationales and log — and changes nothing until
the group edits: a decision is applied on top of the saved roles; changing an input (or pressing *re-rank*)
ranks the roles again with every saved decision and the log carried over, and *restore the saved roles*
goes back to them.

The widget computes nothing itself: impacts come from :class:`exsitu.threats.ThreatImpact`, the ranking
from :func:`exsitu.roles.suggest_roles`, the record from :class:`exsitu.roles.RoleSelection`. A bad value
(e.g. a non-numeric count, a decision without a rationale) is shown as a message, never a traceback.
"""

from __future__ import annotations

import copy
import html
from dataclasses import dataclass, field
from typing import Any, Iterable

import ipywidgets as widgets

from exsitu.roles import (CATEGORIES, PURPOSE_GROUPS, SITUATIONS, Role, RoleSelection, suggest_roles)
from exsitu.status_review import StatusReview
from exsitu.threats import SCOPES, SEVERITIES, TIMINGS, ThreatImpact, threat_classification
from exsitu.validation import InvalidInputError

__all__ = ["RolesExplorer", "ThreatRow", "roles_explorer", "ranking_html", "threat_code_options"]

#: Situations a facilitator declares (the others are detected from the Step 1 inputs).
DECLARED_SITUATIONS: tuple[str, ...] = tuple(k for k, s in SITUATIONS.items() if s.detected_from == "declared")

_STRENGTH_COLOURS = {"strong": "#1a9850", "moderate": "#91cf60", "weak": "#d9ef8b", "none": "#eeeeee",
                     "excluded": "#bbbbbb"}
_STATUS_STYLE = {"accepted": "color:#1a7f37;font-weight:bold", "added": "color:#0550ae;font-weight:bold",
                 "rejected": "color:#8c8c8c;text-decoration:line-through", "suggested": "",
                 "not suggested": "color:#8c8c8c"}


def threat_code_options() -> list[tuple[str, str]]:
    """(label, code) pairs for a threat-code dropdown: every code stored of the Threats Classification
    Scheme v3.3, level-3 codes labelled with their parent's name."""
    table = threat_classification(levels=3)
    names = dict(zip(table["code"], table["name"]))
    options = []
    for code, level, name, parent in zip(table["code"], table["level"], table["name"], table["parent"]):
        indent = "\u2003" * (int(level) - 1)
        label = f"{indent}{code} {names[parent]}: {name}" if level == 3 else f"{indent}{code} {name}"
        options.append((label, code))
    return options


def _error_html(error: InvalidInputError) -> str:
    return ("<div style='background:#fdecea;border-left:4px solid #d93025;padding:4px 8px'>"
            f"<b>Please check {html.escape(error.field)}</b>: {html.escape(error.problem)}"
            + (f"<br>{html.escape(error.fix)}" if error.fix else "") + "</div>")


def _note_html(text: str) -> str:
    return f"<div style='color:#1a7f37;padding:2px 8px'>{html.escape(text)}</div>"


def ranking_html(selection: RoleSelection) -> str:
    """The ranked roles as an HTML table: score, strength, status and every reason (with its points)."""
    rows = []
    for rank, decision in enumerate(selection.decisions, start=1):
        role = decision.role
        group = role.purpose_group
        group_text = f"{group} — {PURPOSE_GROUPS[group]}" if group else "custom"
        source = (f"<details><summary><small>source</small></summary><small>{html.escape(role.source)}</small>"
                  "</details>" if role.source else "")
        reasons = "".join(f"<li>{html.escape(r.text)}</li>" for r in decision.reasons)
        rationale = (f"<br><i>Rationale: {html.escape(decision.rationale)}</i>" if decision.rationale else "")
        colour = _STRENGTH_COLOURS.get(decision.strength, "#eeeeee")
        rows.append(
            "<tr style='border-top:1px solid #ddd'>"
            f"<td style='vertical-align:top'>{rank}</td>"
            f"<td style='vertical-align:top'><b>{html.escape(role.name)}</b><br>"
            f"<small>{html.escape(group_text)}</small>{source}</td>"
            f"<td style='vertical-align:top;text-align:center'>{decision.score}</td>"
            f"<td style='vertical-align:top'><span style='background:{colour};padding:1px 6px;border-radius:3px'>"
            f"{html.escape(decision.strength)}</span></td>"
            f"<td style='vertical-align:top;{_STATUS_STYLE.get(decision.status, '')}'>"
            f"{html.escape(decision.status)}{rationale}</td>"
            f"<td style='vertical-align:top'><ul style='margin:0;padding-left:1.2em'>{reasons}</ul></td></tr>")
    header = ("<tr><th>#</th><th style='text-align:left'>Role (purpose group)</th><th>Score</th>"
              "<th>Strength</th><th style='text-align:left'>Status</th>"
              "<th style='text-align:left'>Why (points from each trigger)</th></tr>")
    title = f"<h4>Candidate roles for {html.escape(selection.taxon)}</h4>" if selection.taxon else ""
    return f"{title}<table style='border-collapse:collapse;width:100%'>{header}{''.join(rows)}</table>"


def _log_html(selection: RoleSelection) -> str:
    if not selection.log:
        return "<i>No decisions recorded yet.</i>"
    items = "".join(f"<li><b>{html.escape(entry['status'])}</b> {html.escape(entry['role_id'])}: "
                    f"{html.escape(entry['why'])}</li>" for entry in selection.log)
    retained = selection.accepted_roles()
    step3 = ""
    if retained:
        population = selection.population_requirements()
        step3 = ("<p><b>What the retained roles imply for Step 3</b>: "
                 f"genetic management {'needed' if population.genetic_management else 'not needed'}; "
                 f"size scale <i>{html.escape(population.size_scale)}</i>; "
                 f"duration <i>{html.escape(population.duration_scale)}</i>; "
                 f"release-ready individuals {'needed' if population.release_ready else 'not needed'}."
                 + (f"<br>Step 3 tools: {html.escape(', '.join(population.step3_tools))}"
                    if population.step3_tools else "") + "</p>")
    return f"<b>Decision record</b><ol>{items}</ol>{step3}"


@dataclass
class ThreatRow:
    """The controls of one threat: IUCN code, timing, scope, severity, controllable, notes; its impact."""

    code: widgets.Dropdown
    timing: widgets.Dropdown
    scope: widgets.Dropdown
    severity: widgets.Dropdown
    controllable: widgets.Checkbox
    notes: widgets.Text
    impact: widgets.HTML
    remove: widgets.Button
    box: widgets.HBox


@dataclass
class RolesExplorer:
    """The parts of the roles explorer (``roles_explorer(...).parts``).

    ``selection`` is the current :class:`~exsitu.roles.RoleSelection` (with the decisions replayed) and
    ``status_review`` the :class:`~exsitu.status_review.StatusReview` built from the controls; both are
    ``None`` until the inputs are valid.
    """

    taxon: widgets.Text
    taxon_group: widgets.Text
    category: widgets.Dropdown
    mature_individuals: widgets.Text
    can_hold_living: widgets.Checkbox
    situations: dict[str, widgets.Checkbox]
    knowledge_gaps: widgets.Textarea
    capacity_gaps: widgets.Textarea
    threat_rows: list[ThreatRow]
    threats_box: widgets.VBox
    add_threat: widgets.Button
    message: widgets.HTML
    ranking: widgets.HTML
    role: widgets.Dropdown
    rationale: widgets.Text
    accept: widgets.Button
    reject: widgets.Button
    custom_name: widgets.Text
    add_custom: widgets.Button
    record: widgets.HTML
    container: widgets.VBox | None = None
    selection: RoleSelection | None = None
    status_review: StatusReview | None = None
    decisions: list[tuple[str, Any, str]] = field(default_factory=list)
    base: RoleSelection | None = None
    reranked: bool = False
    origin: widgets.HTML = field(default_factory=widgets.HTML)
    rerank: widgets.Button = field(default_factory=lambda: widgets.Button(
        description="re-rank from the inputs", icon="refresh", layout=widgets.Layout(width="16em")))
    restore: widgets.Button = field(default_factory=lambda: widgets.Button(
        description="restore the saved roles", icon="undo", layout=widgets.Layout(width="16em")))
    initial: dict[str, Any] = field(default_factory=dict)
    _quiet: bool = False

    def _snapshot(self) -> None:
        """Remember the inputs as they are now (``restore_saved`` puts them back)."""
        self.initial = {"values": {name: getattr(self, name).value for name in _INPUT_NAMES},
                        "situations": {key: box.value for key, box in self.situations.items()},
                        "threats": [(ThreatImpact(row.code.value, row.timing.value, row.scope.value,
                                                  row.severity.value, row.notes.value), row.controllable.value)
                                    for row in self.threat_rows]}

    # -- building the inputs -------------------------------------------------------------------
    def _status_review(self) -> StatusReview:
        mature_text = self.mature_individuals.value.strip()
        gaps = [line for line in self.knowledge_gaps.value.splitlines() if line.strip()]
        threats = []
        for i, row in enumerate(self.threat_rows):
            try:
                threats.append(ThreatImpact(row.code.value, row.timing.value, row.scope.value, row.severity.value,
                                            row.notes.value))
            except InvalidInputError as error:
                raise InvalidInputError(f"threats[{i}].{error.field}", error.problem, error.fix) from None
        return StatusReview(taxon=self.taxon.value, taxon_group=self.taxon_group.value, category=self.category.value,
                            threats=tuple(threats), mature_individuals=mature_text or None,
                            knowledge_gaps=tuple(gaps))

    def _suggest(self, review: StatusReview) -> RoleSelection:
        controllable = list(dict.fromkeys(row.code.value for row in self.threat_rows if row.controllable.value))
        capacity = [line for line in self.capacity_gaps.value.splitlines() if line.strip()]
        declared = [key for key, box in self.situations.items() if box.value]
        return suggest_roles(review, can_hold_living=self.can_hold_living.value,
                             controllable_threats=controllable, capacity_gaps=capacity, situations=declared)

    def _carry_saved(self, selection: RoleSelection) -> None:
        """Replay the saved roles' decisions (status and rationale) on a new ranking and keep their log."""
        assert self.base is not None
        for decision in self.base.decisions:
            if decision.status not in ("accepted", "added", "rejected"):
                continue
            why = decision.rationale.strip() or "(kept from the saved roles)"
            known = any(d.role.id == decision.role.id for d in selection.decisions)
            if not known:
                selection.add_custom(decision.role, why)
                if decision.status == "rejected":
                    selection.reject(decision.role.id, why)
            elif decision.status == "rejected":
                selection.reject(decision.role.id, why)
            else:
                selection.accept(decision.role.id, why)
        selection.log = copy.deepcopy(self.base.log)

    @staticmethod
    def _apply(selection: RoleSelection, action: str, subject: Any, why: str) -> None:
        if action == "accept":
            selection.accept(subject, why)
        elif action == "reject":
            selection.reject(subject, why)
        else:
            selection.add_custom(subject, why)

    # -- refreshing ----------------------------------------------------------------------------
    def refresh(self, _change: Any = None) -> None:
        """Rebuild the Step 1 record, re-run the suggestion, replay the decisions and redraw."""
        for row in self.threat_rows:
            try:
                threat = ThreatImpact(row.code.value, row.timing.value, row.scope.value, row.severity.value)
                score = "" if threat.score is None else f" (score {threat.score})"
                row.impact.value = f"impact <b>{html.escape(threat.impact)}</b>{score}"
            except InvalidInputError as error:
                row.impact.value = f"<span style='color:#d93025'>{html.escape(str(error))}</span>"
        try:
            review = self._status_review()
            if self.base is not None and not self.reranked:
                selection = copy.deepcopy(self.base)
            else:
                selection = self._suggest(review)
                if self.base is not None:
                    self._carry_saved(selection)
            for action, subject, why in self.decisions:
                self._apply(selection, action, subject, why)
        except InvalidInputError as error:
            self.message.value = _error_html(error) + (
                "<small>The table below shows the last valid result.</small>" if self.selection else "")
            return
        self.status_review, self.selection = review, selection
        self.message.value = ""
        self._show_origin()
        self.ranking.value = ranking_html(selection)
        current = self.role.value
        self.role.options = [(d.role.name, d.role.id) for d in selection.decisions]
        ids = [d.role.id for d in selection.decisions]
        self.role.value = current if current in ids else ids[0]
        self.record.value = _log_html(selection)

    def _show_origin(self) -> None:
        if self.base is None:
            self.origin.value = ""
            self.restore.layout.display = "none"
            return
        self.restore.layout.display = None if (self.reranked or self.decisions) else "none"
        if not self.reranked:
            self.origin.value = _note_html(
                "These are the saved roles, as they were ranked and decided"
                + (" (with the decisions made here added)" if self.decisions else "")
                + ". Changing an input above, or pressing 're-rank from the inputs', ranks the roles again; "
                "the saved decisions, rationales and log are kept.")
        else:
            self.origin.value = ("<div style='color:#5f4b00;padding:2px 8px'>Ranked again from the inputs above; "
                                 "the saved decisions and their log were carried over. 'restore the saved roles' "
                                 "goes back to the roles as saved.</div>")

    def inputs_changed(self, _change: Any = None) -> None:
        """An input changed: rank the roles again (saved decisions are carried over) and redraw."""
        if self._quiet:
            return
        self.reranked = True
        self.refresh()

    def restore_saved(self) -> None:
        """Go back to the saved roles and the inputs the explorer started with (drop the re-ranking and the
        decisions made here); no-op without saved roles."""
        if self.base is None:
            return
        self._quiet = True
        try:
            for name, value in self.initial.get("values", {}).items():
                getattr(self, name).value = value
            for key, value in self.initial.get("situations", {}).items():
                self.situations[key].value = value
            for row in list(self.threat_rows):
                self.threat_rows.remove(row)
            for threat, controllable in self.initial.get("threats", []):
                self.add_threat_row(threat, controllable)
            self.threats_box.children = [r.box for r in self.threat_rows]
        finally:
            self._quiet = False
        self.reranked = False
        self.decisions.clear()
        self.refresh()
        self.message.value = _note_html("Restored the saved roles.")

    def mark_saved(self) -> None:
        """Take the current selection and inputs as the saved ones (after the caller stored the selection)."""
        if self.selection is None:
            return
        self.base = copy.deepcopy(self.selection)
        self.decisions.clear()
        self.reranked = False
        self._snapshot()
        self.rerank.layout.display = None
        self._show_origin()

    def _decide(self, action: str) -> None:
        if self.selection is None:
            self.message.value = _error_html(InvalidInputError(
                "inputs", "there is no valid suggestion to decide on yet", "fix the message above first"))
            return
        why = self.rationale.value
        if action == "add":
            try:
                subject: Any = Role(name=self.custom_name.value, purpose="Added by the workshop", custom=True)
            except InvalidInputError as error:
                self.message.value = _error_html(InvalidInputError(f"custom role {error.field}", error.problem,
                                                                   error.fix))
                return
        else:
            subject = self.role.value
        trial = copy.deepcopy(self.selection)
        try:
            self._apply(trial, action, subject, why)
        except InvalidInputError as error:
            self.message.value = _error_html(error)
            return
        self.decisions.append((action, subject, why.strip()))
        self.rationale.value = ""
        if action == "add":
            self.custom_name.value = ""
        self.refresh()
        verb = {"accept": "accepted", "reject": "rejected", "add": "added"}[action]
        name = subject.name if action == "add" else self.selection.get(subject).role.name
        self.message.value = _note_html(f"Recorded: {name} {verb}.")

    # -- threats -------------------------------------------------------------------------------
    def add_threat_row(self, threat: ThreatImpact | None = None, controllable: bool = False) -> ThreatRow:
        """Add a row of threat controls (a new threat defaults to 1.1, ongoing, minority, slow declines)."""
        threat = threat or ThreatImpact("1.1", "Ongoing", "Minority", "Slow")
        row = _threat_row(threat, controllable)
        row.remove.on_click(lambda _button, row=row: self.remove_threat_row(row))
        for control in (row.code, row.timing, row.scope, row.severity, row.controllable, row.notes):
            control.observe(self.inputs_changed, names="value")
        self.threat_rows.append(row)
        self.threats_box.children = [r.box for r in self.threat_rows]
        return row

    def remove_threat_row(self, row: ThreatRow) -> None:
        self.threat_rows.remove(row)
        self.threats_box.children = [r.box for r in self.threat_rows]
        self.inputs_changed()


_INPUT_NAMES = ("taxon", "taxon_group", "category", "mature_individuals", "can_hold_living", "knowledge_gaps",
                "capacity_gaps")
_CODE_OPTIONS: list[tuple[str, str]] | None = None


def _texts(value: Any) -> list[str]:
    """The texts in a saved basis entry (anything else is left out: the basis is only a preset)."""
    if not isinstance(value, (list, tuple)):
        return []
    return [item.strip() for item in value if isinstance(item, str) and item.strip()]


def _review_from_basis(selection: RoleSelection) -> StatusReview | None:
    """A Step 1 record with the taxon, category, count and knowledge gaps of a saved basis (threats need
    scope and severity, which the basis does not keep, so they are left out); None if the basis is unusable."""
    basis = selection.basis if isinstance(selection.basis, dict) else {}
    try:
        return StatusReview(taxon=selection.taxon.strip() or "My species", category=basis.get("category") or "NE",
                            mature_individuals=basis.get("mature_individuals"),
                            knowledge_gaps=tuple(_texts(basis.get("knowledge_gaps"))))
    except (InvalidInputError, TypeError):
        return None


def _threat_row(threat: ThreatImpact, controllable: bool) -> ThreatRow:
    global _CODE_OPTIONS
    if _CODE_OPTIONS is None:
        _CODE_OPTIONS = threat_code_options()
    code = widgets.Dropdown(options=_CODE_OPTIONS, value=threat.code, description="Code",
                            layout=widgets.Layout(width="30em"))
    timing = widgets.Dropdown(options=list(TIMINGS), value=threat.timing, description="Timing",
                              layout=widgets.Layout(width="17em"))
    scope = widgets.Dropdown(options=list(SCOPES), value=threat.scope, description="Scope",
                             layout=widgets.Layout(width="17em"))
    severity = widgets.Dropdown(options=list(SEVERITIES), value=threat.severity, description="Severity",
                                layout=widgets.Layout(width="30em"))
    for control in (code, timing, scope, severity):
        control.style.description_width = "5em"
    box_controllable = widgets.Checkbox(value=controllable, description="controllable in the wild",
                                        indent=False, layout=widgets.Layout(width="15em"))
    notes = widgets.Text(value=threat.notes, placeholder="what the threat is", layout=widgets.Layout(width="12em"))
    impact = widgets.HTML()
    remove = widgets.Button(description="remove", layout=widgets.Layout(width="6em"))
    box = widgets.HBox([widgets.VBox([widgets.HBox([code, timing]), widgets.HBox([scope, severity])]),
                        widgets.VBox([box_controllable, notes]), widgets.VBox([impact, remove])],
                       layout=widgets.Layout(border="1px solid #ddd", padding="2px", margin="2px 0"))
    return ThreatRow(code, timing, scope, severity, box_controllable, notes, impact, remove, box)


def roles_explorer(status_review: StatusReview | None = None, *, controllable_threats: Iterable[str] = (),
                   situations: Iterable[str] = (), can_hold_living: bool = True,
                   capacity_gaps: Iterable[str] = (), selection: RoleSelection | None = None) -> widgets.VBox:
    """An interactive Step 2 explorer, started from a Step 1 record (or an empty one).

    Returns the container (a ``VBox``); its ``parts`` attribute is the :class:`RolesExplorer` with every
    control, the current ``selection`` and ``status_review``. ``controllable_threats``, ``situations``,
    ``can_hold_living`` and ``capacity_gaps`` preset the controls with the same meaning as in
    :func:`exsitu.roles.suggest_roles`.

    ``selection``: saved roles (a :class:`~exsitu.roles.RoleSelection`) to start from. They are shown as
    saved (``parts.selection`` equals them) until the group edits; the controls not set by ``status_review``
    (controllable threats, declared situations, can_hold_living, capacity gaps) are preset from their
    ``basis``, so a re-ranking uses the same inputs.
    """
    if selection is not None and not isinstance(selection, RoleSelection):
        raise InvalidInputError("selection", f"expected a RoleSelection, got {type(selection).__name__}",
                                "pass saved roles (exsitu.roles.RoleSelection), e.g. assessment.roles, or None")
    if status_review is None:
        status_review = _review_from_basis(selection) if selection is not None else None
        status_review = status_review or StatusReview(taxon="My species", category="NE")
    if not isinstance(status_review, StatusReview):
        raise InvalidInputError("status_review", f"expected a StatusReview, got {type(status_review).__name__}",
                                "build one with exsitu.status_review.StatusReview(...)")
    situations = list(situations)
    for i, key in enumerate(situations):
        if key not in DECLARED_SITUATIONS:
            raise InvalidInputError(f"situations[{i}]", f"{key!r} is not a situation to declare here",
                                    f"use one of {', '.join(DECLARED_SITUATIONS)}")
    extra_situations: list[str] = []
    if selection is not None:
        basis = selection.basis if isinstance(selection.basis, dict) else {}
        saved_living = basis.get("can_hold_living")
        can_hold_living = saved_living if isinstance(saved_living, bool) else can_hold_living
        controllable_threats = [*controllable_threats, *_texts(basis.get("controllable_threats"))]
        declarable = [key for key in _texts(basis.get("declared_situations"))
                      if key in SITUATIONS and SITUATIONS[key].declarable]
        situations += [key for key in declarable if key in DECLARED_SITUATIONS and key not in situations]
        extra_situations = [key for key in dict.fromkeys(declarable) if key not in DECLARED_SITUATIONS]
        saved_gaps = _texts(basis.get("capacity_gaps"))
        capacity_gaps = list(dict.fromkeys([*capacity_gaps, *saved_gaps]))
    controllable = {str(code) for code in controllable_threats}
    wide = widgets.Layout(width="24em")
    taxon = widgets.Text(value=status_review.taxon, description="Taxon", layout=wide)
    taxon_group = widgets.Text(value=status_review.taxon_group, description="Group", layout=widgets.Layout(width="16em"))
    category = widgets.Dropdown(options=list(CATEGORIES), value=status_review.category, description="Category",
                                layout=widgets.Layout(width="15em"))
    mature = widgets.Text(value="" if status_review.mature_individuals is None else f"{status_review.mature_individuals:g}",
                          description="Mature indiv.", placeholder="blank = unknown",
                          layout=widgets.Layout(width="19em"))
    living = widgets.Checkbox(value=can_hold_living, description="whole organisms can be kept alive ex situ",
                              indent=False)
    situation_boxes = {key: widgets.Checkbox(value=key in situations, description=SITUATIONS[key].description,
                                             indent=False, layout=widgets.Layout(width="auto"))
                       for key in DECLARED_SITUATIONS}
    for key in extra_situations:  # declared in the saved roles' basis, though not offered by default
        situation_boxes[key] = widgets.Checkbox(value=True, description=f"{SITUATIONS[key].description} (declared)",
                                                indent=False, layout=widgets.Layout(width="auto"))
    knowledge = widgets.Textarea(value="\n".join(status_review.knowledge_gaps), description="Knowledge gaps",
                                 placeholder="one per line", layout=widgets.Layout(width="30em", height="4.5em"))
    capacity = widgets.Textarea(value="\n".join(capacity_gaps), description="Capacity gaps",
                                placeholder="one per line", layout=widgets.Layout(width="30em", height="4.5em"))
    for control in (taxon, taxon_group, category, mature, knowledge, capacity):
        control.style.description_width = "8.5em"
    parts = RolesExplorer(
        taxon=taxon, taxon_group=taxon_group, category=category, mature_individuals=mature,
        can_hold_living=living, situations=situation_boxes, knowledge_gaps=knowledge, capacity_gaps=capacity,
        threat_rows=[], threats_box=widgets.VBox(), add_threat=widgets.Button(description="add a threat", icon="plus"),
        message=widgets.HTML(), ranking=widgets.HTML(),
        role=widgets.Dropdown(description="Role", layout=widgets.Layout(width="32em")),
        rationale=widgets.Text(description="Rationale", placeholder="why the group decides this (required)",
                               layout=widgets.Layout(width="40em")),
        accept=widgets.Button(description="accept", button_style="success"),
        reject=widgets.Button(description="reject", button_style="warning"),
        custom_name=widgets.Text(description="Custom role", placeholder="name of a role not in the catalogue",
                                 layout=widgets.Layout(width="32em")),
        add_custom=widgets.Button(description="add custom role", button_style="info"),
        record=widgets.HTML(),
    )
    for threat in status_review.threats:
        parts.add_threat_row(threat, controllable=threat.code in controllable)
    parts.base = copy.deepcopy(selection)
    parts._snapshot()
    parts.add_threat.on_click(lambda _button: (parts.add_threat_row(), parts.inputs_changed()))
    for control in (taxon, taxon_group, category, mature, living, knowledge, capacity, *situation_boxes.values()):
        control.observe(parts.inputs_changed, names="value")
    parts.rerank.on_click(lambda _button: parts.inputs_changed())
    parts.restore.on_click(lambda _button: parts.restore_saved())
    if selection is None:
        parts.rerank.layout.display = "none"
    parts.accept.on_click(lambda _button: parts._decide("accept"))
    parts.reject.on_click(lambda _button: parts._decide("reject"))
    parts.add_custom.on_click(lambda _button: parts._decide("add"))

    heading = lambda text: widgets.HTML(f"<h4 style='margin:6px 0 2px'>{text}</h4>")  # noqa: E731
    container = widgets.VBox([
        heading("1. The Step 1 record"),
        widgets.HBox([taxon, taxon_group]),
        widgets.HBox([category, mature]),
        heading("2. Threats (IUCN code, timing, scope, severity)"),
        parts.threats_box, parts.add_threat,
        heading("3. Situations the group declares"),
        living, *situation_boxes.values(), knowledge, capacity,
        parts.message,
        heading("4. Suggested roles, ranked, with the reason for every point"),
        parts.origin, widgets.HBox([parts.rerank, parts.restore]),
        parts.ranking,
        heading("5. The group's decisions"),
        parts.role, parts.rationale, widgets.HBox([parts.accept, parts.reject]),
        widgets.HBox([parts.custom_name, parts.add_custom]),
        parts.record,
    ])
    parts.container = container
    container.parts = parts
    parts.refresh()
    return container
