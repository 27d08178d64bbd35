"""Live judgements in a workshop: each participant scores on their own page, the group sees the distribution.

A participant's judgement on a topic (Step 5's decision, ``topic='step5'``) is their score of each option on
each criterion (on the decision's scale, default 0–10), their weights, a vote (``exsitu.workshop.VOTES``), how
confident they are and why. It is stored with :meth:`~exsitu.workshop.WorkshopStore.submit_judgement` (one per
participant and topic; submitting again replaces it, the older one stays in the store's history).

What the group sees (:func:`judgement_summary_html`), aggregated by :func:`exsitu.workshop.aggregate_judgements`:

* per option × criterion the **median** and the **inter-quartile range** (IQR, the spread of the middle half),
  with n, min and max (:data:`exsitu.workshop.AGGREGATION_METHOD`: individual judgements first, then the
  group's distribution, as in the IDEA protocol, Hemming et al. 2018, *Methods in Ecology and Evolution*
  9:169–181);
* **where people disagree most**: the cells with the largest IQR, with every score given;
* **every vote** with its confidence and reason, and the tally;
* **what if the dissenters were right**: the options ranked (weighted sum, as in :mod:`exsitu.decision`) on
  everyone's median scores and weights, on the lower and upper quartiles, and on the judgements of those whose
  vote differs from the most common vote only (:func:`exsitu.workshop.outcome_scenarios`).

The same panel serves a rating in Steps 2–4 the facilitator opened to the room (a store topic such as
``"step2-roles"``): its options, criteria and scale are the topic's (:func:`rating_sheet`).
"""

from __future__ import annotations

import html
from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable, Iterable

import ipywidgets as widgets

from exsitu.validation import InvalidInputError

__all__ = ["TOPIC_STEP5", "CONFIDENCE", "JudgementPanel", "judgement_summary_html", "outcome_scenarios_for",
           "decision_for_judgements", "RatingSheet", "rating_sheet"]

TOPIC_STEP5 = "step5"
"""The topic of Step 5's judgements."""

NO_VOTE = ""
"""The vote of a judgement on a rating of Steps 2–4 (``exsitu.workshop.NO_VOTE``; not imported from there, so
that this module loads without the database layer)."""

CONFIDENCE = ("low", "medium", "high")
"""How sure a participant is of their judgement."""

MAX_REASON_CHARS = 5000


def decision_for_judgements(assessment: Any) -> Any:
    """The decision whose options and criteria are judged: the assessment's, else one from its Step 2 roles.

    None when there is nothing to judge yet (no decision and no retained role).
    """
    from exsitu.decision import Decision, options_from_roles

    if assessment is None:
        return None
    if getattr(assessment, "decision", None) is not None:
        return assessment.decision
    roles = getattr(assessment, "roles", None)
    if roles is None or not roles.accepted_roles():
        return None
    return Decision(title=f"Ex situ management of {assessment.taxon}", options=tuple(options_from_roles(roles)))


@dataclass(frozen=True)
class RatingItem:
    """An option or criterion of a rating: id, name; criteria also a direction and a default weight (1)."""

    id: str
    name: str
    direction: str = "benefit"
    weight: float = 1.0


@dataclass(frozen=True)
class RatingSheet:
    """What a rating opened to the room asks for: ``options`` × ``criteria`` scored on ``score_min``–``score_max``.

    It has the parts of :class:`exsitu.decision.Decision` the panel and the summary use (without the baseline
    option a decision always adds).
    """

    title: str
    options: tuple[RatingItem, ...]
    criteria: tuple[RatingItem, ...]
    score_min: float = 0.0
    score_max: float = 10.0

    def option(self, option_id: str) -> RatingItem:
        return next(o for o in self.options if o.id == option_id)

    def criterion(self, criterion_id: str) -> RatingItem:
        return next(c for c in self.criteria if c.id == criterion_id)


def rating_sheet(topic: Any) -> RatingSheet | None:
    """The :class:`RatingSheet` of a store topic (:class:`exsitu.workshop.Topic` or its dict); None for None."""
    if topic is None:
        return None
    return RatingSheet(
        title=str(_get(topic, "name", "")),
        options=tuple(RatingItem(str(o["id"]), str(o["name"])) for o in _get(topic, "options", ()) or ()),
        criteria=tuple(RatingItem(str(c["id"]), str(c["name"]), str(c.get("direction", "benefit")))
                       for c in _get(topic, "criteria", ()) or ()),
        score_min=float(_get(topic, "score_min", 0.0)), score_max=float(_get(topic, "score_max", 10.0)))


def _get(item: Any, name: str, default: Any = None) -> Any:
    if isinstance(item, dict):
        return item.get(name, default)
    return getattr(item, name, default)


def outcome_scenarios_for(judgements: Iterable[Any], decision: Any) -> Any:
    """The store's :func:`~exsitu.workshop.outcome_scenarios` with the decision's criteria directions and scale.

    Rows: everyone (median), if the low scorers were right (Q1), if the high scorers were right (Q3), the
    minority voters only (those whose vote is not the most common one); ``changes_outcome`` says whether the
    top option differs from everyone's. None without judgements.
    """
    from exsitu.workshop import outcome_scenarios

    items = list(judgements)
    if not items:
        return None
    if decision is None:
        return outcome_scenarios(items)
    return outcome_scenarios(items, directions={c.id: c.direction for c in decision.criteria},
                             scale=(decision.score_min, decision.score_max))


def _aggregate(judgements: list) -> Any:
    from exsitu.workshop import aggregate_judgements

    return aggregate_judgements(judgements)


def _method() -> str:
    from exsitu.workshop import AGGREGATION_METHOD

    return AGGREGATION_METHOD


def _column(frame: Any, *names: str) -> str | None:
    for name in names:
        if name in frame.columns:
            return name
    return None


def judgement_summary_html(judgements: Iterable[Any], decision: Any = None,
                           names: dict[str, str] | None = None, *, top: int = 3) -> str:
    """The group's judgements as HTML: medians and spread, where people disagree most, every vote, what-if.

    ``names`` maps participant ids to display names; ``decision`` gives the option and criterion names and
    the ranking for "what if the dissenters were right".
    """
    items = list(judgements)
    if not items:
        return "<p class='jd-empty' style='color:#666'>No judgement submitted yet.</p>"
    names = dict(names or {})

    def who(j: Any) -> str:
        pid = _get(j, "participant_id", "")
        return names.get(pid) or _get(j, "display_name", "") or "a participant"

    option_names = {o.id: o.name for o in decision.options} if decision is not None else {}
    criterion_names = {c.id: c.name for c in decision.criteria} if decision is not None else {}
    parts = [f"<p class='jd-count'><b>{len(items)}</b> judgement{'s' if len(items) != 1 else ''} submitted.</p>"]

    # medians and spread
    frame = _aggregate(items)
    if frame is not None and len(frame):
        frame = frame.reset_index() if _column(frame, "option", "option_id") is None else frame
        o_col, c_col = _column(frame, "option", "option_id"), _column(frame, "criterion", "criterion_id")
        med, iqr = _column(frame, "median"), _column(frame, "iqr", "IQR")
        n_col, lo, hi = _column(frame, "n"), _column(frame, "min"), _column(frame, "max")
        dis = _column(frame, "disagreement", "iqr", "IQR")
        if o_col and c_col and med:
            rows = []
            for _, row in frame.iterrows():
                rows.append(
                    "<tr>" + f"<td>{html.escape(option_names.get(row[o_col], str(row[o_col])))}</td>"
                    f"<td>{html.escape(criterion_names.get(row[c_col], str(row[c_col])))}</td>"
                    f"<td class='jd-median'>{row[med]:.3g}</td>"
                    + (f"<td>{row[iqr]:.3g}</td>" if iqr else "<td></td>")
                    + (f"<td>{int(row[n_col])}</td>" if n_col else "<td></td>")
                    + (f"<td>{row[lo]:.3g}–{row[hi]:.3g}</td>" if lo and hi else "<td></td>") + "</tr>")
            parts.append("<h4 style='margin:6px 0 2px'>Scores: median and spread</h4>"
                         "<table class='jd-table' style='border-collapse:collapse' border='1' cellpadding='3'>"
                         "<tr><th>Option</th><th>Criterion</th><th>Median</th><th>IQR</th><th>n</th>"
                         "<th>Range</th></tr>" + "".join(rows) + "</table>"
                         f"<small>Method: {html.escape(_method())}.</small>")
            if dis:
                worst = frame[frame[dis] > 0].sort_values(dis, ascending=False).head(top)
                if len(worst):
                    lines = []
                    for _, row in worst.iterrows():
                        given = ", ".join(
                            f"{html.escape(who(j))} {float(_get(j, 'scores', {})[row[o_col]][row[c_col]]):g}"
                            for j in items if row[c_col] in (_get(j, "scores", {}) or {}).get(row[o_col], {}))
                        lines.append(f"<li><b>{html.escape(option_names.get(row[o_col], str(row[o_col])))}</b> on "
                                     f"<b>{html.escape(criterion_names.get(row[c_col], str(row[c_col])))}</b>: "
                                     f"IQR {row[dis]:.3g} ({given})</li>")
                    parts.append("<h4 style='margin:6px 0 2px'>Where people disagree most</h4>"
                                 f"<ul class='jd-disagree' style='margin:2px 0'>{''.join(lines)}</ul>")
                else:
                    parts.append("<p class='jd-disagree'>Everyone gave the same scores.</p>")

    # votes (a rating of Steps 2–4 asks for none: then every reason, without a vote column)
    voted = [j for j in items if _get(j, "vote", "") != NO_VOTE]
    tally = Counter(_get(j, "vote", "") for j in voted)
    votes = ", ".join(f"{html.escape(vote)}: {count}" for vote, count in tally.most_common())
    if voted:
        rows = "".join(
            f"<tr><td>{html.escape(who(j))}</td>"
            f"<td class='jd-vote'>{html.escape(str(_get(j, 'vote', '')) or '—')}</td>"
            f"<td>{html.escape(str(_get(j, 'confidence', '')))}</td>"
            f"<td>{html.escape(str(_get(j, 'reason', ''))[:500])}</td></tr>" for j in items)
        parts.append(f"<h4 style='margin:6px 0 2px'>Votes</h4><p class='jd-tally'>{votes}</p>"
                     "<table class='jd-votes' style='border-collapse:collapse' border='1' cellpadding='3'>"
                     f"<tr><th>Who</th><th>Vote</th><th>Confidence</th><th>Reason</th></tr>{rows}</table>")
    else:
        rows = "".join(f"<tr><td>{html.escape(who(j))}</td><td>{html.escape(str(_get(j, 'confidence', '')))}</td>"
                       f"<td>{html.escape(str(_get(j, 'reason', ''))[:500])}</td></tr>" for j in items)
        parts.append("<h4 style='margin:6px 0 2px'>Reasons</h4><p class='jd-tally'>No vote is asked in this "
                     "rating: the overall vote on ex situ management is Step 5's.</p>"
                     "<table class='jd-votes' style='border-collapse:collapse' border='1' cellpadding='3'>"
                     f"<tr><th>Who</th><th>Confidence</th><th>Reason</th></tr>{rows}</table>")

    # what if the dissenters were right (the store's scenarios: everyone, low/high scorers, minority voters)
    scenarios = outcome_scenarios_for(items, decision)
    if scenarios is not None and len(scenarios):
        def named(top: str) -> str:
            if top.startswith("tie: "):
                return "tie: " + " / ".join(option_names.get(o, o) for o in top[5:].split(" / "))
            return option_names.get(top, top) or "—"

        everyone = scenarios.iloc[0]
        minority = scenarios.iloc[-1]
        text = (f"With everyone's median scores and weights the top option is "
                f"<b class='jd-group-leader'>{html.escape(named(everyone.top_option))}</b>. ")
        if not voted:
            high_low = scenarios.iloc[1:-1]
            moved = [r for r in high_low.itertuples() if r.changes_outcome]
            text += ("Taking the lowest or the highest scores instead of the medians changes it: see below."
                     if moved else "Taking the lowest or the highest scores instead of the medians does not change it.")
        elif str(everyone.vote).startswith("tie"):
            text += "The votes are split evenly: there is no majority to dissent from."
        elif not minority.participants:
            text += f"Everyone voted <i>{html.escape(str(everyone.vote))}</i>: no dissent."
        else:
            dissenters = [who(j) for j in items if _get(j, "vote", "") != everyone.vote]
            verb = "would be" if minority.changes_outcome else "would still be"
            text += (f"If the dissenters ({html.escape(', '.join(dissenters))}; most voted "
                     f"<i>{html.escape(str(everyone.vote))}</i>) were right, the top option {verb} "
                     f"<b class='jd-whatif-leader'>{html.escape(named(minority.top_option))}</b>.")
        rows = "".join(f"<tr><td>{html.escape(str(r.scenario))}</td><td>{int(r.participants)}</td>"
                       f"<td>{html.escape(named(str(r.top_option)))}</td>"
                       f"<td>{'yes' if r.changes_outcome else 'no'}</td></tr>" for r in scenarios.itertuples())
        parts.append(f"<h4 style='margin:6px 0 2px'>What if the dissenters were right?</h4>"
                     f"<p class='jd-whatif'>{text}</p>"
                     "<table class='jd-scenarios' style='border-collapse:collapse' border='1' cellpadding='3'>"
                     "<tr><th>If …</th><th>People</th><th>Top option</th><th>Changes the outcome</th></tr>"
                     f"{rows}</table>")
    return "<div class='jd-summary'>" + "".join(parts) + "</div>"


def _error_html(error: InvalidInputError) -> str:
    fix = f"<br><b>How to fix it:</b> {html.escape(error.fix)}" if error.fix else ""
    return (f"<div class='jd-error' style='color:#8a1c00;background:#fff1ec;border-left:4px solid #d81e05;"
            f"padding:4px 8px'><b>Cannot use <code>{html.escape(str(error.field))}</code>:</b> "
            f"{html.escape(error.problem)}{fix}</div>")


class JudgementPanel:
    """One participant's judgement form on a topic and the group's live distribution.

    ``assessment``: a callable giving the group's current assessment (the options and criteria judged come
    from its decision, or its Step 2 roles). ``sheet``: instead, a callable giving what is judged — e.g. the
    :func:`rating_sheet` of a rating in Steps 2–4 opened to the room (then ``topic`` is that rating's name).
    Controls: ``score_inputs`` ((option id, criterion id) → Text),
    ``weight_inputs`` (criterion id → Text), ``vote``, ``confidence``, ``reason``, ``submit_button``;
    outputs ``message`` and ``distribution``. :meth:`refresh` re-reads the group's judgements (the workbench
    calls it on its heartbeat).
    """

    def __init__(self, store: Any, join_code: str, group_id: str, participant: Any, *, topic: str = TOPIC_STEP5,
                 assessment: Callable[[], Any] | None = None, sheet: Callable[[], Any] | None = None) -> None:
        from exsitu.workshop import VOTES

        self.store, self.join_code, self.group_id, self.participant, self.topic = (store, join_code, group_id,
                                                                                  participant, topic)
        self._assessment = assessment or (lambda: None)
        self._sheet = sheet or (lambda: decision_for_judgements(self._assessment()))
        self._is_topic = sheet is not None
        self.decision: Any = None
        self.score_inputs: dict[tuple[str, str], widgets.Text] = {}
        self.weight_inputs: dict[str, widgets.Text] = {}
        self.grid = widgets.VBox()
        self.vote = widgets.Dropdown(options=list(VOTES), description="Your vote", style={"description_width": "8em"},
                                     layout=widgets.Layout(width="30em"))
        self.confidence = widgets.Dropdown(options=list(CONFIDENCE), value="medium", description="Confidence",
                                           style={"description_width": "8em"})
        self.reason = widgets.Textarea(description="Reason", placeholder="why you judge it so (required)",
                                       layout=widgets.Layout(width="40em", height="5em"),
                                       style={"description_width": "8em"})
        self.submit_button = widgets.Button(description="Submit my judgement", icon="check", button_style="primary",
                                            layout=widgets.Layout(width="16em"))
        self.rebuild_button = widgets.Button(description="Take the options again", icon="refresh",
                                             tooltip="after Step 2 or Step 5 changed the options or criteria")
        self.message = widgets.HTML()
        self.distribution = widgets.HTML()
        self.distribution.add_class("jd-distribution")
        self.submit_button.on_click(lambda _b: self.submit())
        self.rebuild_button.on_click(lambda _b: self.build())
        self._signature: tuple = ()
        if self._is_topic:  # a rating of Steps 2–4 asks for scores and reasons; the overall vote is Step 5's
            self.vote.layout.display = "none"
        asked = "weigh the criteria and say why" if self._is_topic else "weigh the criteria, vote and say why"
        self.widget = widgets.VBox([
            widgets.HTML("<h3 style='margin:8px 0 2px'>Your judgement (live, shared with your group)</h3>"
                         f"<small>Score every option on every criterion on your own, {asked}. Your group and "
                         "the facilitator see the distribution below as you submit; submitting again replaces "
                         "your judgement.</small>"),
            self.grid, self.vote, self.confidence, self.reason,
            widgets.HBox([self.submit_button, self.rebuild_button]), self.message,
            widgets.HTML("<h3 style='margin:8px 0 2px'>The group's judgements</h3>"), self.distribution])
        self.build()
        self.refresh()

    @staticmethod
    def _shape(decision: Any) -> tuple:
        if decision is None:
            return ()
        return (tuple((o.id, o.name) for o in decision.options), tuple((c.id, c.name) for c in decision.criteria),
                decision.score_min, decision.score_max)

    def follow(self) -> bool:
        """Rebuild the grid if the group's options or criteria changed (the workbench calls it after each change)."""
        if self._shape(self._sheet()) == self._shape(self.decision):
            return False
        self.build()
        self.refresh(force=True)
        return True

    def build(self) -> None:
        """(Re)build the score grid from the group's current options and criteria, keeping typed values."""
        self.decision = self._sheet()
        if self.decision is None:
            self.grid.children = (widgets.HTML(
                "<p style='color:#666'>This rating is closed or no longer open to your group.</p>" if self._is_topic
                else "<p style='color:#666'>Nothing to judge yet: retain at least one role in Step 2 (or score "
                     "options in Step 5) first.</p>"),)
            self.submit_button.disabled = True
            return
        self.submit_button.disabled = False
        d = self.decision
        mine = self._mine()
        scale = f"{d.score_min:g}–{d.score_max:g}"
        header = widgets.HBox([widgets.HTML("<b>Option</b>", layout=widgets.Layout(width="18em"))]
                              + [widgets.HTML(f"<b>{html.escape(c.name)}</b>"
                                              + ("" if c.direction == "benefit"
                                                 else " <small>(higher = worse)</small>"),
                                              layout=widgets.Layout(width="9em")) for c in d.criteria])
        rows = [header]
        old = {key: box.value for key, box in self.score_inputs.items()}
        self.score_inputs = {}
        for option in d.options:
            cells = [widgets.HTML(html.escape(option.name), layout=widgets.Layout(width="18em"))]
            for criterion in d.criteria:
                key = (option.id, criterion.id)
                given = (_get(mine, "scores", {}) or {}).get(option.id, {}).get(criterion.id) if mine else None
                value = old.get(key, "" if given is None else f"{float(given):g}")
                box = widgets.Text(value=value, placeholder=scale, layout=widgets.Layout(width="9em"))
                box.add_class("jd-score")
                self.score_inputs[key] = box
                cells.append(box)
            rows.append(widgets.HBox(cells))
        weights = (_get(mine, "weights", {}) or {}) if mine else {}
        old_w = {key: box.value for key, box in self.weight_inputs.items()}
        self.weight_inputs = {c.id: widgets.Text(value=old_w.get(c.id, f"{float(weights.get(c.id, c.weight)):g}"),
                                                 layout=widgets.Layout(width="9em")) for c in d.criteria}
        rows.append(widgets.HBox([widgets.HTML("<b>Weight</b> <small>(relative, ≥ 0)</small>",
                                               layout=widgets.Layout(width="18em"))]
                                 + list(self.weight_inputs.values())))
        self.grid.children = (widgets.HTML(f"<small>Scores on {scale}.</small>"), *rows)
        if mine:
            if _get(mine, "vote") in self.vote.options:
                self.vote.value = _get(mine, "vote")
            if _get(mine, "confidence") in CONFIDENCE:
                self.confidence.value = _get(mine, "confidence")
            if not self.reason.value:
                self.reason.value = str(_get(mine, "reason", ""))

    def _mine(self) -> Any:
        try:
            return next((j for j in self.store.judgements(self.join_code, self.group_id, self.topic)
                         if _get(j, "participant_id") == self.participant.id), None)
        except Exception:  # noqa: BLE001 - a form without the earlier judgement is still usable
            return None

    def _number(self, text: str, field: str, low: float, high: float | None) -> float:
        try:
            value = float(text.strip())
        except ValueError:
            raise InvalidInputError(field, f"{text.strip()[:40]!r} is not a number" if text.strip() else "is empty",
                                    f"type a number from {low:g}" + (f" to {high:g}" if high is not None else "")) \
                from None
        if value != value or value < low or (high is not None and value > high):
            raise InvalidInputError(field, f"{value:g} is outside {low:g}" + (f"–{high:g}" if high is not None else
                                                                              " or more"),
                                    f"type a number from {low:g}" + (f" to {high:g}" if high is not None else ""))
        return value

    def read(self) -> dict:
        """The judgement typed in the form, checked: ``{'scores', 'weights', 'vote', 'confidence', 'reason'}``."""
        d = self.decision
        if d is None:
            raise InvalidInputError("judgement", "there is nothing to judge yet", "retain a role in Step 2 first")
        scores: dict[str, dict[str, float]] = {}
        for (option_id, criterion_id), box in self.score_inputs.items():
            field = f"score of {d.option(option_id).name} on {d.criterion(criterion_id).name}"
            scores.setdefault(option_id, {})[criterion_id] = self._number(box.value, field, d.score_min, d.score_max)
        weights = {cid: self._number(box.value, f"weight of {d.criterion(cid).name}", 0.0, None)
                   for cid, box in self.weight_inputs.items()}
        if sum(weights.values()) <= 0:
            raise InvalidInputError("weights", "are all zero", "give at least one criterion a weight above 0")
        reason = self.reason.value.strip()
        if not reason:
            raise InvalidInputError("Reason", "is empty", "say in a sentence why you judge it so")
        if len(reason) > MAX_REASON_CHARS:
            raise InvalidInputError("Reason", f"is {len(reason):,} characters long, more than {MAX_REASON_CHARS:,}",
                                    "shorten it; the full argument can go in the assessment's notes")
        return {"scores": scores, "weights": weights, "vote": NO_VOTE if self._is_topic else self.vote.value,
                "confidence": self.confidence.value, "reason": reason}

    def submit(self) -> bool:
        """Store this participant's judgement (replacing an earlier one); False and a message if invalid."""
        try:
            values = self.read()
            self.store.submit_judgement(self.join_code, self.group_id, self.participant.id, self.topic, **values)
        except InvalidInputError as error:
            self.message.value = _error_html(error)
            return False
        except Exception as error:  # noqa: BLE001 - the store refusing (access, database) is a message
            self.message.value = _error_html(InvalidInputError("judgement", str(getattr(error, "problem", error))[:300],
                                                               "check the message, then submit again"))
            return False
        self.message.value = "<div class='jd-submitted' style='color:#1a5e20'>Your judgement is submitted.</div>"
        self.refresh(force=True)
        return True

    def refresh(self, force: bool = False) -> None:
        """Re-read the group's judgements and redraw the distribution (only when they changed)."""
        judgements = self.store.judgements(self.join_code, self.group_id, self.topic)
        signature = tuple(sorted((str(_get(j, "participant_id")), str(_get(j, "submitted_at", "")),
                                  str(_get(j, "vote")), str(_get(j, "reason"))[:50]) for j in judgements))
        if signature == self._signature and not force:
            return
        self._signature = signature
        try:
            names = {p.id: p.display_name for p in self.store.participants(self.join_code, self.group_id)}
        except Exception:  # noqa: BLE001
            names = {}
        self.distribution.value = judgement_summary_html(judgements, self.decision, names)
