"""Facilitation helpers: participant map, agenda checks, median/IQR aggregation and vote tally."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exsitu.facilitation import (ESSENTIAL_PERSPECTIVES, PERSPECTIVES, VOTES, Session, agenda, agenda_problems,
                                 missing_perspectives, most_disagreement, participant_map, summarise_judgements,
                                 vote_tally)
from exsitu.validation import InvalidInputError

ROOM = [{"name": "Ana", "perspective": "in situ"}, {"name": "Ben", "perspective": "ex situ"},
        {"name": "Chen", "perspective": ["authority", "funder"]}]


def test_missing_perspectives_names_who_is_not_in_the_room():
    assert missing_perspectives(ROOM) == ["community"]
    assert missing_perspectives([("Ana", "in situ")]) == ["ex situ", "authority", "community", "funder"]
    everyone = ROOM + [{"name": "Dara", "perspective": "Indigenous"}]
    assert missing_perspectives(everyone) == []
    assert missing_perspectives({"Ana": "field", "Ben": "zoo"}, required=["in situ", "ex situ"]) == []


def test_participant_map_counts_and_says_what_each_brings():
    table = participant_map(ROOM)
    assert list(table.index) == list(PERSPECTIVES)
    assert table.loc["authority", "count"] == 1 and table.loc["funder", "who"] == "Chen"
    assert table.loc["community", "count"] == 0
    assert bool(table.loc["community", "essential"]) and not bool(table.loc["other", "essential"])
    assert "Indigenous" in table.loc["community", "brings"]


def test_a_wrong_perspective_is_named():
    with pytest.raises(InvalidInputError) as error:
        missing_perspectives([{"name": "Eve", "perspective": "journalist"}])
    assert error.value.field == "participants[0].perspective"
    with pytest.raises(InvalidInputError):
        participant_map("Ana, Ben")


@pytest.mark.parametrize("days", [1, 2, 3])
def test_suggested_agendas_are_sound(days):
    table = agenda(days)
    assert set(table["day"]) == set(range(1, days + 1))
    sessions = [Session(int(r.day), r.session, int(r.minutes), r.format, int(r.step)) for r in table.itertuples()]
    assert agenda_problems(sessions) == []
    assert table.iloc[0]["start"] == "09:00"
    assert table.groupby("day")["minutes"].sum().max() <= 480


def test_agenda_problems_find_what_the_lesson_teaches():
    sound = [Session(1, "Status", 60, "plenary", 1), Session(1, "Roles", 60, "working groups", 2),
             Session(1, "Population", 45, "working groups", 3), Session(1, "Feasibility", 45, "working groups", 4),
             Session(1, "Report back", 30, "plenary", 4), Session(1, "Private scores", 15, "individual", 5),
             Session(1, "Decision", 45, "plenary", 5)]
    assert agenda_problems(sound) == []
    no_private = [s for s in sound if s.format != "individual"]
    assert any("private" in p for p in agenda_problems(no_private))
    discuss_first = sound[:5] + [Session(1, "Discuss", 30, "plenary", 5), Session(1, "Private", 15, "individual", 5),
                                 Session(1, "Decide", 30, "plenary", 5)]
    assert any("before anyone has judged privately" in p for p in agenda_problems(discuss_first))
    reversed_steps = [sound[3], sound[0], sound[1], sound[2], sound[4], sound[5], sound[6]]
    assert any("not in order" in p for p in agenda_problems(reversed_steps))
    assert any("Step 3 has no session" in p for p in agenda_problems([s for s in sound if s.step != 3]))
    no_report = sound[:4] + [Session(1, "Private", 15, "individual", 5), Session(1, "Vote", 15, "individual", 5)]
    problems = agenda_problems(no_report)
    assert any("does not end in plenary" in p for p in problems)
    assert any("never report back" in p for p in problems)
    long_day = sound + [Session(1, "Field trip", 240, "working groups", 0), Session(1, "Wrap", 30)]
    assert any("Day 1 runs" in p for p in agenda_problems(long_day))


def test_sessions_check_their_fields():
    for kwargs, field in (({"day": 4}, "day"), ({"minutes": 0}, "minutes"), ({"format": "party"}, "format"),
                          ({"step": 6}, "step"), ({"title": " "}, "title")):
        values = {"day": 1, "title": "x", "minutes": 30, "format": "plenary", "step": 1, **kwargs}
        with pytest.raises(InvalidInputError) as error:
            Session(**values)
        assert error.value.field == field
    with pytest.raises(InvalidInputError):
        agenda(4)


def _rows(scores: dict[str, list[float]], option="Insurance", criterion="value"):
    return [{"participant": f"p{i}", "option": option, "criterion": criterion, "score": s}
            for i, s in enumerate(scores)]


def test_median_and_iqr_by_hand():
    summary = summarise_judgements(_rows([1, 2, 3, 4, 9]))
    row = summary.loc[("Insurance", "value")]
    assert row["n"] == 5 and row["median"] == 3 and row["q1"] == 2 and row["q3"] == 4 and row["iqr"] == 2
    assert row["min"] == 1 and row["max"] == 9
    even = summarise_judgements(_rows([1, 2, 3, 4])).loc[("Insurance", "value")]
    assert even["median"] == 2.5 and even["q1"] == 1.75 and even["q3"] == 3.25


def test_most_disagreement_orders_by_iqr_then_range():
    rows = (_rows([5, 5, 5, 5], "A", "value") + _rows([1, 5, 9, 5], "A", "cost")
            + _rows([1, 3, 5, 7], "B", "value") + _rows([4, 5, 5, 6], "B", "cost"))
    top = most_disagreement(summarise_judgements(rows), top=2)
    assert list(top.index) == [("B", "value"), ("A", "cost")]


def test_judgements_are_checked():
    with pytest.raises(InvalidInputError) as error:
        summarise_judgements([{"participant": "a", "option": "x", "score": 1}])
    assert error.value.field == "criterion"
    with pytest.raises(InvalidInputError) as error:
        summarise_judgements(_rows(["high"]))
    assert error.value.field == "score"
    with pytest.raises(InvalidInputError) as error:
        summarise_judgements(_rows([1]) + _rows([2]))
    assert "twice" in error.value.problem
    empty = summarise_judgements(pd.DataFrame(columns=["participant", "option", "criterion", "score"]))
    assert empty.empty and "iqr" in empty.columns


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=10), min_size=1, max_size=30))
def test_summary_matches_numpy_and_is_ordered(scores):
    row = summarise_judgements(_rows(scores)).loc[("Insurance", "value")]
    assert row["median"] == pytest.approx(float(np.median(scores)))
    assert row["min"] <= row["q1"] <= row["median"] <= row["q3"] <= row["max"]
    assert row["iqr"] >= 0


def test_vote_tally_lists_every_vote():
    tally = vote_tally({"a": "recommend", "b": "Defer", "c": "recommend"})
    assert list(tally) == list(VOTES) and tally["recommend"] == 2 and tally["defer"] == 1
    assert tally["not recommended"] == 0
    with pytest.raises(InvalidInputError) as error:
        vote_tally(["recommend", "maybe"])
    assert error.value.field == "votes[1]"


def test_essential_perspectives_are_perspectives():
    assert set(ESSENTIAL_PERSPECTIVES) <= set(PERSPECTIVES)


def test_summarise_judgements_gives_the_workshop_store_s_numbers():
    from exsitu.facilitation import summarise_judgements
    from exsitu.workshop import aggregate_judgements

    rows = [{"participant": p, "option": o, "criterion": c, "score": s}
            for p, o, c, s in (("Ana", "captive", "benefit", 7), ("Ana", "captive", "risk", 2),
                               ("Bo", "captive", "benefit", 3), ("Bo", "biobank", "benefit", 9),
                               ("Cy", "captive", "benefit", 8), ("Cy", "captive", "risk", 6))]
    judgements = [{"participant_id": "Ana", "scores": {"captive": {"benefit": 7, "risk": 2}}},
                  {"participant_id": "Bo", "scores": {"captive": {"benefit": 3}, "biobank": {"benefit": 9}}},
                  {"participant_id": "Cy", "scores": {"captive": {"benefit": 8, "risk": 6}}}]
    summary = summarise_judgements(rows)
    store_table = aggregate_judgements(judgements).set_index(["option", "criterion"])
    assert list(summary.index) == [("captive", "benefit"), ("captive", "risk"), ("biobank", "benefit")]
    assert summary.equals(store_table.loc[summary.index, list(summary.columns)])
    assert summary.loc[("captive", "benefit"), "median"] == 7.0 and summary.loc[("captive", "benefit"), "iqr"] == 2.5
