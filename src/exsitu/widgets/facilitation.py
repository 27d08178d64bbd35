"""Widgets for lesson 07 (running an ECA): who is in the room, the agenda, and the spread of judgements.

* :func:`participant_picker` — tick the people to invite; the participant map
  (:func:`exsitu.facilitation.participant_map`) and the essential perspectives nobody brings
  (:func:`exsitu.facilitation.missing_perspectives`) update at once.
* :func:`agenda_viewer` — choose 1, 2 or 3 days and see the suggested agenda (:func:`exsitu.facilitation.agenda`).
* :func:`judgement_explorer` — move one participant's score and see the median, the inter-quartile range
  and the mean of the group's scores (:func:`exsitu.facilitation.summarise_judgements`): the median barely
  moves, the mean follows the extreme score.

The widgets compute nothing themselves; a bad value is shown as a message, never a traceback.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any, Sequence

import ipywidgets as widgets
import pandas as pd

from exsitu.facilitation import (agenda, missing_perspectives, most_disagreement, participant_map,
                                 summarise_judgements)
from exsitu.validation import InvalidInputError

__all__ = ["agenda_viewer", "judgement_explorer", "participant_picker"]


def _error_html(error: InvalidInputError) -> str:
    return ("<div style='background:#fdecea;border-left:4px solid #d93025;padding:4px 8px'>"
            f"<b>Please check {html.escape(error.field)}</b>: {html.escape(error.problem)}"
            + (f"<br>{html.escape(error.fix)}" if error.fix else "") + "</div>")


def _table_html(frame: pd.DataFrame) -> str:
    head = "".join(f"<th style='text-align:left;padding:2px 8px'>{html.escape(str(c))}</th>" for c in frame.columns)
    rows = []
    for _, row in frame.iterrows():
        cells = "".join(f"<td style='text-align:left;vertical-align:top;padding:2px 8px'>{html.escape(str(v))}</td>"
                        for v in row)
        rows.append(f"<tr style='border-top:1px solid #ddd'>{cells}</tr>")
    return f"<table style='border-collapse:collapse'><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


# --------------------------------------------------------------------------------------------------
# Participant picker
# --------------------------------------------------------------------------------------------------

@dataclass
class PickerParts:
    boxes: list[widgets.Checkbox]
    candidates: list[dict]
    result: widgets.HTML

    def chosen(self) -> list[dict]:
        """The candidates whose box is ticked."""
        return [c for c, box in zip(self.candidates, self.boxes) if box.value]


def map_html(chosen: Sequence[dict]) -> str:
    """The participant map of ``chosen`` as HTML, with the essential perspectives nobody brings."""
    table = participant_map(list(chosen)).reset_index()
    missing = missing_perspectives(list(chosen))
    rows = []
    for _, row in table.iterrows():
        colour = "#fdecea" if row["perspective"] in missing else ("#e8f5e9" if row["count"] else "white")
        rows.append(f"<tr style='background:{colour};border-top:1px solid #ddd'>"
                    f"<td style='padding:2px 8px'><b>{html.escape(row['perspective'])}</b>"
                    f"{' (essential)' if row['essential'] else ''}</td>"
                    f"<td style='padding:2px 8px;text-align:center'>{row['count']}</td>"
                    f"<td style='padding:2px 8px'>{html.escape(row['who']) or '—'}</td>"
                    f"<td style='padding:2px 8px'><small>{html.escape(row['brings'])}</small></td></tr>")
    if missing:
        verdict = ("<p style='color:#b00020'><b>Missing:</b> " + html.escape(", ".join(missing))
                   + ". Invite someone, or say in the report who was consulted instead and how.</p>")
    else:
        verdict = "<p style='color:#1a7f37'><b>Every essential perspective is in the room.</b></p>"
    return (verdict + "<table style='border-collapse:collapse'><thead><tr><th>Perspective</th><th>How many</th>"
            "<th>Who</th><th>What it brings</th></tr></thead><tbody>" + "".join(rows) + "</tbody></table>")


def participant_picker(candidates: Sequence[dict], chosen: Sequence[str] = ()) -> widgets.VBox:
    """Tick boxes for ``candidates`` (dicts with ``name``, ``perspective`` and optionally ``affiliation``);
    the names in ``chosen`` start ticked. ``widget.parts.chosen()`` gives the ticked candidates."""
    candidates = [dict(c) for c in candidates]
    participant_map(candidates)  # check every candidate's perspective once, with a clear message
    boxes = []
    for c in candidates:
        perspective = c["perspective"] if isinstance(c["perspective"], str) else " + ".join(c["perspective"])
        label = f"{c['name']} — {perspective}" + (f" ({c['affiliation']})" if c.get("affiliation") else "")
        boxes.append(widgets.Checkbox(value=c["name"] in set(chosen), description=label, indent=False,
                                      layout=widgets.Layout(width="auto")))
    result = widgets.HTML()
    parts = PickerParts(boxes, candidates, result)

    def update(_: Any = None) -> None:
        try:
            result.value = map_html(parts.chosen())
        except InvalidInputError as error:  # pragma: no cover - candidates were checked above
            result.value = _error_html(error)

    for box in boxes:
        box.observe(update, names="value")
    update()
    box = widgets.VBox([widgets.HTML("<b>Who is invited?</b> Tick the people on the list."),
                        widgets.VBox(boxes), result])
    box.parts = parts
    return box


# --------------------------------------------------------------------------------------------------
# Agenda viewer
# --------------------------------------------------------------------------------------------------

def agenda_viewer(days: int = 2) -> widgets.VBox:
    """Buttons for 1, 2 or 3 days and the suggested agenda for that length."""
    choice = widgets.ToggleButtons(options=[("1 day", 1), ("2 days", 2), ("3 days", 3)], value=days)
    result = widgets.HTML()

    def update(_: Any = None) -> None:
        table = agenda(choice.value)
        table = table.assign(step=table["step"].map(lambda s: str(s) if s else ""))
        result.value = _table_html(table)

    choice.observe(update, names="value")
    update()
    box = widgets.VBox([choice, result])
    box.parts = {"days": choice, "table": result}
    return box


# --------------------------------------------------------------------------------------------------
# Judgement explorer
# --------------------------------------------------------------------------------------------------

@dataclass
class ExplorerParts:
    sliders: dict[str, widgets.IntSlider]
    option: str
    criterion: str
    result: widgets.HTML
    base: pd.DataFrame = field(repr=False, default_factory=pd.DataFrame)

    def judgements(self) -> pd.DataFrame:
        """The judgements with the sliders' scores for the explored option and criterion."""
        frame = self.base.copy()
        pair = (frame["option"] == self.option) & (frame["criterion"] == self.criterion)
        frame.loc[pair, "score"] = frame.loc[pair, "participant"].map(lambda p: self.sliders[p].value)
        return frame


def spread_html(scores: Sequence[float], low: int = 0, high: int = 10) -> str:
    """A dot strip of ``scores`` on ``low``–``high`` (one column per whole score) with median and IQR."""
    summary = summarise_judgements([{"participant": str(i), "option": "o", "criterion": "c", "score": s}
                                    for i, s in enumerate(scores)]).iloc[0]
    mean = sum(scores) / len(scores)
    cells = []
    for value in range(low, high + 1):
        n = sum(1 for s in scores if round(s) == value)
        inside = summary["q1"] <= value <= summary["q3"]
        cells.append(f"<td style='width:2.2em;text-align:center;vertical-align:bottom;"
                     f"background:{'#dbe9f6' if inside else 'white'};border-bottom:2px solid #555'>"
                     + "●<br>" * n + f"</td>")
    axis = "".join(f"<td style='text-align:center'><small>{v}</small></td>" for v in range(low, high + 1))
    return ("<table style='border-collapse:collapse'><tr>" + "".join(cells) + f"</tr><tr>{axis}</tr></table>"
            f"<p>Median <b>{summary['median']:g}</b> · inter-quartile range {summary['q1']:g}–{summary['q3']:g} "
            f"(IQR <b>{summary['iqr']:g}</b>, shaded) · mean {mean:.2f} · n = {int(summary['n'])}</p>")


def judgement_explorer(judgements: Any, option: str, criterion: str) -> widgets.VBox:
    """A slider (0–10) per participant for one option and criterion of ``judgements`` (rows with participant,
    option, criterion, score); the spread, median, IQR and mean update as the sliders move, and below them
    the pairs where the group disagrees most."""
    base = pd.DataFrame(judgements if isinstance(judgements, pd.DataFrame) else list(judgements))
    summarise_judgements(base)  # checks the table once
    pair = base[(base["option"] == option) & (base["criterion"] == criterion)]
    if pair.empty:
        raise InvalidInputError("option", f"no judgements of {option!r} on {criterion!r}",
                                "choose an option and criterion that appear in the judgements")
    sliders = {row.participant: widgets.IntSlider(value=int(round(row.score)), min=0, max=10,
                                                  description=str(row.participant),
                                                  style={"description_width": "10em"},
                                                  layout=widgets.Layout(width="32em"))
               for row in pair.itertuples()}
    result = widgets.HTML()
    parts = ExplorerParts(sliders, option, criterion, result, base)

    def update(_: Any = None) -> None:
        frame = parts.judgements()
        scores = [float(s.value) for s in sliders.values()]
        top = most_disagreement(summarise_judgements(frame), top=3).reset_index()
        top = top[["option", "criterion", "median", "q1", "q3", "iqr"]]
        result.value = (f"<p><b>{html.escape(option)} — {html.escape(criterion)}</b></p>" + spread_html(scores)
                        + "<p><b>Where the group disagrees most</b> (widest IQR, all options and criteria)</p>"
                        + _table_html(top))

    for slider in sliders.values():
        slider.observe(update, names="value")
    update()
    box = widgets.VBox([widgets.VBox(list(sliders.values())), result])
    box.parts = parts
    return box
