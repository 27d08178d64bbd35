"""Lesson 07 widgets: ticking an invitee updates the participant map; moving a score updates median and IQR.

Every name and score here is SYNTHETIC test data.
"""

from __future__ import annotations

import pytest

from exsitu.validation import InvalidInputError
from exsitu.widgets.facilitation import agenda_viewer, judgement_explorer, participant_picker, spread_html

CANDIDATES = [{"name": "Ana", "perspective": "in situ"}, {"name": "Ben", "perspective": "ex situ", "affiliation": "Zoo"},
              {"name": "Chen", "perspective": ["authority", "funder"]}, {"name": "Dara", "perspective": "community"}]


def test_ticking_the_missing_perspective_completes_the_map():
    picker = participant_picker(CANDIDATES, chosen=["Ana", "Ben", "Chen"])
    assert "Missing:</b> community" in picker.parts.result.value
    picker.parts.boxes[3].value = True
    assert "Every essential perspective is in the room" in picker.parts.result.value
    assert [c["name"] for c in picker.parts.chosen()] == ["Ana", "Ben", "Chen", "Dara"]
    assert "Ben — ex situ (Zoo)" == picker.parts.boxes[1].description


def test_a_bad_candidate_is_refused_by_name():
    with pytest.raises(InvalidInputError) as error:
        participant_picker([{"name": "Eve", "perspective": "press"}])
    assert error.value.field == "participants[0].perspective"


def test_user_text_is_escaped_in_the_map():
    picker = participant_picker([{"name": "<b>x</b>", "perspective": "in situ"}], chosen=["<b>x</b>"])
    assert "&lt;b&gt;x&lt;/b&gt;" in picker.parts.result.value and "<b>x</b>" not in picker.parts.result.value


def test_agenda_viewer_switches_length():
    viewer = agenda_viewer(1)
    one_day = viewer.parts["table"].value
    viewer.parts["days"].value = 3
    assert viewer.parts["table"].value != one_day and "Recap of day 2" in viewer.parts["table"].value


ROWS = [{"participant": p, "option": o, "criterion": c, "score": s}
        for p, scores in {"A": (8, 3), "B": (7, 5), "C": (6, 4), "D": (2, 9)}.items()
        for (o, c), s in zip([("Release now", "value"), ("Release now", "risk")], scores)]


def test_moving_one_score_moves_the_mean_more_than_the_median():
    explorer = judgement_explorer(ROWS, "Release now", "value")
    assert "Median <b>6.5</b>" in explorer.parts.result.value
    explorer.parts.sliders["D"].value = 10
    text = explorer.parts.result.value
    assert "Median <b>7.5</b>" in text and "mean 7.75" in text
    assert list(explorer.parts.judgements().query("participant == 'D' and criterion == 'value'")["score"]) == [10]
    assert "Where the group disagrees most" in text


def test_explorer_refuses_an_unknown_pair():
    with pytest.raises(InvalidInputError) as error:
        judgement_explorer(ROWS, "Nothing", "value")
    assert error.value.field == "option"


def test_spread_html_shades_the_iqr():
    text = spread_html([1, 2, 3, 4, 9])
    assert "IQR <b>2</b>" in text and text.count("#dbe9f6") == 3
