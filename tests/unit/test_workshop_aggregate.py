"""Aggregation of judgements checked against a hand calculation; diff and three-way merge of assessments."""

from __future__ import annotations

import pandas as pd
import pytest

from exsitu.assessment import Assessment
from exsitu.workshop import (Change, aggregate_judgements, aggregate_weights, diff_assessments, majority_vote,
                             merge_assessments, outcome_scenarios, rank_options, vote_tally)

# SYNTHETIC judgements: four participants, options A and B, criteria conservation_benefit (benefit) and risk (cost).
JUDGEMENTS = [
    {"display_name": "P1", "vote": "recommend", "weights": {"conservation_benefit": 1, "risk": 1},
     "scores": {"A": {"conservation_benefit": 1, "risk": 2}, "B": {"conservation_benefit": 5, "risk": 3}}},
    {"display_name": "P2", "vote": "recommend", "weights": {"conservation_benefit": 1, "risk": 1},
     "scores": {"A": {"conservation_benefit": 2, "risk": 2}, "B": {"conservation_benefit": 6, "risk": 3}}},
    {"display_name": "P3", "vote": "recommend", "weights": {"conservation_benefit": 1, "risk": 1},
     "scores": {"A": {"conservation_benefit": 3, "risk": 2}, "B": {"conservation_benefit": 7, "risk": 3}}},
    {"display_name": "P4", "vote": "not recommended", "weights": {"conservation_benefit": 1, "risk": 1},
     "scores": {"A": {"conservation_benefit": 9, "risk": 2}, "B": {"conservation_benefit": 0, "risk": 3}}},
]


def test_median_and_iqr_by_hand():
    table = aggregate_judgements(JUDGEMENTS).set_index(["option", "criterion"])
    # A × benefit: sorted 1, 2, 3, 9. Linear quantile (Hyndman & Fan 7), h = (n-1)p:
    # Q1: h = 0.75 -> 1 + 0.75*(2-1) = 1.75; median: h = 1.5 -> 2.5; Q3: h = 2.25 -> 3 + 0.25*(9-3) = 4.5
    a = table.loc[("A", "conservation_benefit")]
    assert tuple(a[k] for k in ("n", "median", "q1", "q3", "iqr", "min", "max", "mean")) == (4, 2.5, 1.75, 4.5, 2.75, 1, 9, 3.75)
    # B × benefit: sorted 0, 5, 6, 7 -> Q1 = 0 + 0.75*5 = 3.75, median 5.5, Q3 = 6 + 0.25*1 = 6.25, IQR 2.5
    b = table.loc[("B", "conservation_benefit")]
    assert tuple(b[k] for k in ("median", "q1", "q3", "iqr")) == (5.5, 3.75, 6.25, 2.5)
    assert table.loc[("A", "risk")].iqr == 0 and table.loc[("B", "risk")]["median"] == 3
    # disagreement = IQR, rank 1 = most; the two risk rows tie at rank 3
    assert table["disagreement"].equals(table["iqr"])
    assert table["disagreement_rank"].tolist() == [1, 3, 2, 3]
    assert list(aggregate_judgements(JUDGEMENTS)["option"]) == ["A", "A", "B", "B"]


def test_empty_judgements_give_empty_tables():
    assert aggregate_judgements([]).empty and "disagreement_rank" in aggregate_judgements([]).columns
    assert vote_tally([])["count"].sum() == 0
    assert majority_vote([]) == ""


def test_vote_tally_and_majority():
    tally = vote_tally(JUDGEMENTS).set_index("vote")
    assert tally.loc["recommend", "count"] == 3 and tally.loc["recommend", "share"] == 0.75
    assert tally.loc["not recommended", "names"] == "P4" and tally.loc["defer", "count"] == 0
    assert list(tally.index) == ["recommend", "recommend with conditions", "not recommended", "defer"]
    assert majority_vote(JUDGEMENTS) == "recommend"
    assert majority_vote(JUDGEMENTS[2:]) == "tie: recommend / not recommended"


def test_weights_are_summarised_too():
    weights = aggregate_weights(JUDGEMENTS).set_index("criterion")
    assert weights.loc["risk", "median"] == 1 and weights.loc["risk", "n"] == 4


def test_rank_options_weighted_sum_with_cost_criteria():
    # value = score for benefit, 0 + 10 - score for a cost criterion; weights normalised 0.5/0.5
    ranking = rank_options({("A", "conservation_benefit"): 2.5, ("A", "risk"): 2,
                            ("B", "conservation_benefit"): 5.5, ("B", "risk"): 3},
                           {"conservation_benefit": 1, "risk": 1})
    assert ranking == [("B", pytest.approx(6.25)), ("A", pytest.approx(5.25))]
    # declared as a benefit instead, risk flips the sums: A = 2.25, B = 4.25
    assert rank_options({("A", "risk"): 2, ("B", "risk"): 3}, {}, directions={"risk": "benefit"})[0][0] == "B"


def test_what_if_the_dissenters_were_right():
    table = outcome_scenarios(JUDGEMENTS).set_index("scenario")
    everyone = table.loc["everyone (median)"]
    # A = 0.5*2.5 + 0.5*(10-2) = 5.25; B = 0.5*5.5 + 0.5*(10-3) = 6.25
    assert everyone.top_option == "B" and everyone.weighted_scores == {"B": 6.25, "A": 5.25}
    assert everyone.vote == "recommend" and everyone.participants == 4
    low = table.loc["if the low scorers were right (Q1)"]  # A = 0.875 + 4 = 4.875; B = 1.875 + 3.5 = 5.375
    assert low.weighted_scores == {"B": 5.375, "A": 4.875}
    high = table.loc["if the high scorers were right (Q3)"]  # A = 2.25 + 4 = 6.25; B = 3.125 + 3.5 = 6.625
    assert high.weighted_scores == {"B": 6.625, "A": 6.25} and not high.changes_outcome
    minority = table.loc["minority voters only (median)"]  # P4 only: A = 4.5 + 4 = 8.5; B = 0 + 3.5 = 3.5
    assert minority.participants == 1 and minority.top_option == "A" and minority.ranking == "A > B"
    assert minority.vote == "not recommended" and minority.changes_outcome


def test_judgement_objects_and_dicts_give_the_same_table():
    from exsitu.workshop import Judgement

    objects = [Judgement(id=str(i), workshop_id="w", group_id="g", participant_id=str(i), topic="step5",
                         confidence="", reason="", **j) for i, j in enumerate(JUDGEMENTS)]
    pd.testing.assert_frame_equal(aggregate_judgements(objects), aggregate_judgements(JUDGEMENTS))


# ------------------------------------------------------------------------------------------- diff and merge

def _base() -> Assessment:
    return Assessment(taxon="Atelopus zeteki", title="ECA", notes="base", scope="global")


def test_diff_names_changed_paths():
    a, b = _base(), _base()
    b.notes = "changed"
    b.participants = []
    assert diff_assessments(a, b) == [Change("notes", "base", "changed")]
    from exsitu.decision import BASELINE_ID, DecisionRecord, example_decision

    b.decision = example_decision("frog_insurance")
    changes = diff_assessments(a, b)
    assert [c.path for c in changes] == ["decision", "notes"] and changes[0].before is None
    c = Assessment.from_dict(b.to_dict())
    c.decision_record = DecisionRecord(decision=c.decision, chosen_option_ids=(BASELINE_ID,), reasoning="one")
    d = Assessment.from_dict(c.to_dict())
    d.decision_record = DecisionRecord(decision=d.decision, chosen_option_ids=(BASELINE_ID,), reasoning="two")
    assert [(x.path, x.before, x.after) for x in diff_assessments(c, d)] == [
        ("decision_record.reasoning", "one", "two")]
    assert diff_assessments(d, d) == []


def test_merge_takes_both_sides_edits_and_reports_conflicts():
    base = _base()
    mine, theirs = _base(), _base()
    mine.notes = "mine"
    theirs.scope = "Panama"
    merged, conflicts = merge_assessments(base, mine, theirs)
    assert (merged.notes, merged.scope, conflicts) == ("mine", "Panama", [])
    mine.scope = "Costa Rica"
    merged, conflicts = merge_assessments(base, mine, theirs)
    assert merged.scope == "Panama" and merged.notes == "mine"
    assert [(c.path, c.base, c.mine, c.theirs) for c in conflicts] == [("scope", "global", "Costa Rica", "Panama")]
    merged, _ = merge_assessments(base, mine, theirs, prefer="mine")
    assert merged.scope == "Costa Rica"
    with pytest.raises(ValueError, match="prefer"):
        merge_assessments(base, mine, theirs, prefer="both")


def test_merge_of_a_section_added_on_one_side():
    from exsitu.decision import example_decision

    base, mine, theirs = _base(), _base(), _base()
    mine.decision = example_decision("frog_insurance")
    theirs.notes = "theirs"
    merged, conflicts = merge_assessments(base, mine, theirs)
    assert merged.decision == mine.decision and merged.notes == "theirs" and conflicts == []
