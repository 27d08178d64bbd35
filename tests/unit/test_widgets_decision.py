"""Tests for exsitu.widgets.decision: weights, scores and the record drive the ranking, recommendation and plots.

The decisions are the course's worked examples (illustrative, SYNTHETIC scores) from
:func:`exsitu.decision.example_decisions`; the expected leaders are worked out here by an independent
pure-Python weighted sum.
"""

from __future__ import annotations

import html

import pytest

from exsitu.decision import BASELINE_ID, Criterion, Decision, Option, Score, example_decision
from exsitu.validation import InvalidInputError
from exsitu.widgets.decision import (decision_explorer, ranking_html, recommendation_html, record_html,
                                     sensitivity_html)


def leader_by_hand(decision: Decision, weights: dict[str, float]) -> str:
    """Top option by a plain weighted sum (cost criteria converted to 10 − score), weights normalised here."""
    total_weight = sum(weights.values())
    best, best_score = None, -1.0
    for option in decision.options:
        score = 0.0
        for criterion in decision.criteria:
            value = decision.score(option.id, criterion.id).value
            if criterion.direction == "cost":
                value = 10 - value
            score += weights[criterion.id] / total_weight * value
        if score > best_score:
            best, best_score = option.id, score
    return best


@pytest.fixture
def frog():
    return decision_explorer(example_decision("frog_insurance"))


def test_starts_from_the_decision_and_shows_every_output(frog):
    parts = frog.parts
    decision = example_decision("frog_insurance")
    assert parts.decision == decision and parts.original == decision
    assert parts.ranking.value == ranking_html(decision)
    assert parts.recommendation.value == recommendation_html(decision.recommendation())
    assert "ex situ management recommended" in parts.recommendation.value
    for image in (parts.contributions, parts.sensitivity_plot, parts.uncertainty_plot):
        assert image.value[:4] == b"\x89PNG"
    assert parts.sensitivity_criterion.value == "conservation_benefit"      # the most sensitive criterion
    assert set(parts.score_cells) == {(o.id, c.id) for o in decision.options for c in decision.criteria}
    cell = parts.score_cells[("insurance_living", "risk")]
    assert cell.value.value == "3" and cell.rationale.value == decision.score("insurance_living", "risk").rationale
    assert parts.weight_shares["conservation_benefit"].value == "= 40% of the total"
    assert parts.message.value == "" and parts.transparency.value == ""


def test_moving_the_benefit_weight_flips_the_recommendation(frog):
    parts = frog.parts
    decision = example_decision("frog_insurance")
    weights = {c.id: c.weight for c in decision.criteria}
    assert leader_by_hand(decision, weights) == "insurance_living"
    ranking = parts.ranking.value
    slider = parts.weight_sliders["conservation_benefit"]
    slider.value = 0.35                       # 0.35 / 0.95 = 0.368 > 0.308: the insurance population still leads
    assert leader_by_hand(decision, {**weights, "conservation_benefit": 0.35}) == "insurance_living"
    assert parts.decision.recommendation().leader_ids == ("insurance_living",)
    assert "ex situ management recommended" in parts.recommendation.value
    slider.value = 0.25                       # 0.25 / 0.85 = 0.294 < 0.308: the baseline leads
    assert leader_by_hand(decision, {**weights, "conservation_benefit": 0.25}) == BASELINE_ID
    assert parts.decision.recommendation().leader_ids == (BASELINE_ID,)
    assert "ex situ management not recommended" in parts.recommendation.value
    assert "Ex situ management is not recommended" in parts.recommendation.value
    assert parts.ranking.value != ranking
    first_row = parts.ranking.value.split("<tr style='border-top")[1]
    assert "No ex situ action" in first_row and "font-weight:bold" in first_row
    assert parts.weight_shares["conservation_benefit"].value == "= 29% of the total"
    assert parts.decision.criterion("conservation_benefit").weight == 0.25
    assert parts.original.criterion("conservation_benefit").weight == 0.4     # the decision given is unchanged
    parts.reset_weights.click()
    assert slider.value == 0.4 and parts.decision.recommendation().leader_ids == ("insurance_living",)


def test_snake_example_shows_not_recommended():
    parts = decision_explorer(example_decision("snake_not_recommended")).parts
    assert "ex situ management not recommended" in parts.recommendation.value
    parts.weight_sliders["conservation_benefit"].value = 1.0       # 1.0 / 1.6 = 0.625 > 0.595
    assert parts.decision.recommendation().leader_ids == ("combination",)
    assert "ex situ management recommended" in parts.recommendation.value


def test_a_bad_score_shows_a_message_and_keeps_the_last_valid_decision(frog):
    parts = frog.parts
    before = parts.decision
    cell = parts.score_cells[("insurance_living", "risk")]
    cell.value.value = "12"
    assert "score of &#x27;Insurance population — living individuals&#x27; on &#x27;Risk&#x27;" in parts.message.value
    assert "at most 10" in parts.message.value
    assert parts.decision == before and cell.value.layout.border
    cell.value.value = "high"
    assert "expected a number" in parts.message.value and parts.decision == before
    cell.value.value = " "
    assert "is empty" in parts.message.value and parts.decision == before
    cell.value.value = "9"
    assert parts.message.value == "" and not cell.value.layout.border
    assert parts.decision.score("insurance_living", "risk").value == 9


def test_editing_a_score_and_its_rationale_changes_the_ranking(frog):
    parts = frog.parts
    parts.scorer.value = "A. Learner"
    ranking = parts.ranking.value
    cell = parts.score_cells[("reintroduction_living", "conservation_benefit")]
    cell.rationale.value = "SYNTHETIC: Bd has gone from the release site"
    cell.value.value = "10"
    score = parts.decision.score("reintroduction_living", "conservation_benefit")
    assert score.value == 10 and score.rationale.startswith("SYNTHETIC") and score.by == "A. Learner"
    assert parts.ranking.value != ranking
    cell.rationale.value = ""
    assert "1 score(s) without a rationale" in parts.transparency.value
    assert "Reintroduction — living individuals / Conservation benefit" in parts.transparency.value


def test_all_weights_zero_is_a_message_not_a_traceback(frog):
    parts = frog.parts
    for slider in parts.weight_sliders.values():
        slider.value = 0.0
    assert "all criterion weights are zero" in parts.recommendation.value
    assert parts.contributions.value == b"" and parts.sensitivity_plot.value == b"" and parts.ranking.value == ""
    parts.weight_sliders["risk"].value = 0.5
    assert parts.decision.recommendation().leader_ids == (BASELINE_ID,)        # only risk counts: the baseline risks 0
    assert parts.contributions.value[:4] == b"\x89PNG"


def test_missing_scores_are_reported_then_filled():
    decision = Decision(options=[Option(id="seed_bank", name="Seed bank", role_ids=["biobank"], form="bio-samples")],
                        criteria=[Criterion(id="benefit", name="Benefit"),
                                  Criterion(id="cost", name="Cost", direction="cost")],
                        scores=[Score(option_id=BASELINE_ID, criterion_id="benefit", value=0, rationale="r"),
                                Score(option_id=BASELINE_ID, criterion_id="cost", value=0, rationale="r"),
                                Score(option_id="seed_bank", criterion_id="benefit", value=8, rationale="r")])
    parts = decision_explorer(decision).parts
    assert "has no score on criterion" in parts.recommendation.value and parts.contributions.value == b""
    assert parts.score_cells[("seed_bank", "cost")].value.value == ""
    parts.score_cells[("seed_bank", "cost")].value.value = "4"            # 0.5·8 + 0.5·6 = 7 > 5 (baseline)
    assert parts.decision.recommendation().leader_ids == ("seed_bank",)
    assert "ex situ management recommended" in parts.recommendation.value


def test_sensitivity_follows_the_chosen_criterion(frog):
    parts = frog.parts
    decision = example_decision("frog_insurance")
    assert parts.sensitivity_statement.value == sensitivity_html(decision.sensitivity())
    assert html.escape("falls to 0.308") in parts.sensitivity_statement.value
    plot = parts.sensitivity_plot.value
    parts.sensitivity_criterion.value = "cost"
    assert parts.sensitivity_plot.value != plot and parts.sensitivity_plot.value[:4] == b"\x89PNG"


def test_recording_the_decision(frog):
    parts = frog.parts
    parts.participants.value = "A. Facilitator\nB. Keeper\n"
    parts.dissent.value = "B. Keeper: a biobank should start now, not later"
    parts.date.value = "2024-06-15"
    record = parts.take_record()
    assert record is parts.record and record.chosen_option_ids == ("insurance_living",)
    assert record.participants == ("A. Facilitator", "B. Keeper") and len(record.dissent) == 1
    assert record.date == "2024-06-15" and record.ex_situ_recommended and record.roles_retained == ("insurance",)
    assert parts.record_view.value == record_html(record)
    parts.chosen.value = ("combination",)                 # not the top: needs reasoning
    parts.record_button.click()
    assert parts.record is None and "reasoning" in parts.record_view.value
    parts.reasoning.value = "SYNTHETIC: the group wants cryopreservation developed alongside the colonies"
    parts.record_button.click()
    assert parts.record.chosen_option_ids == ("combination",)
    assert "differ from the top of the ranking" in parts.record_view.value
    parts.date.value = "15/06/2024"
    parts.record_button.click()
    assert parts.record is None and "YYYY-MM-DD" in parts.record_view.value


def test_factory_accepts_a_dict_and_rejects_other_things():
    decision = example_decision("snake_not_recommended")
    assert decision_explorer(decision.to_dict()).parts.decision == decision
    with pytest.raises(InvalidInputError) as info:
        decision_explorer(["not", "a", "decision"])
    assert info.value.field == "decision"


def test_ranking_html_has_one_row_per_option_in_rank_order():
    decision = example_decision("frog_insurance")
    text = ranking_html(decision)
    assert text.count("<tr style='border-top") == len(decision.options)
    positions = [text.index(html.escape(name)) for name in decision.ranking()["option"]]
    assert positions == sorted(positions)


# --------------------------------------------------------------------------------------------------
# step5_explorer: value → structure → gates → outcome, beside the risk of doing nothing
# --------------------------------------------------------------------------------------------------

from exsitu.examples import example_assessment  # noqa: E402
from exsitu.widgets.decision import step5_explorer  # noqa: E402


@pytest.fixture
def snakes():
    return step5_explorer(example_assessment("canadian-snakes"))


def test_step5_starts_from_the_recorded_evaluations_and_reproduces_the_record(snakes):
    parts = snakes.parts
    assessment = parts.assessment
    assert list(parts.rows) == [e.option.id for e in assessment.decision_record.evaluations]
    assert "Without ex situ action" in parts.baseline_view.value
    assert parts.table.value.count("not recommended") == 2 and "No ex situ action" in parts.table.value
    record = parts.take_record()
    old = assessment.decision_record.to_dict()
    assert {k: v for k, v in record.to_dict().items() if k != "summary"} == \
        {k: v for k, v in old.items() if k != "summary"}


def test_raising_value_moves_the_outcome_to_the_next_stage_that_fails(snakes):
    parts = snakes.parts
    row = parts.rows["insurance_living"]
    assert "FAILS" not in row.outcome.value and "not recommended" in row.outcome.value
    row.value.value = "high"
    evaluation = parts.evaluate_row(row)
    # Value now passes, but the funding gap (an essential factor rated 'gap') still closes the feasibility gate.
    assert evaluation.outcome == "not recommended" and evaluation.decided_by == "feasibility gate"
    assert "funding" in row.openings, "a box to name the condition that would open the gate"
    row.openings["funding"].value = "a 20-year funding pledge before founders are taken"
    evaluation = parts.evaluate_row(row)
    assert evaluation.outcome == "recommended with conditions"
    assert "recommended with conditions" in row.outcome.value and "recommended with conditions" in parts.table.value


def test_the_aid_is_labelled_and_cannot_rank_an_option_the_sequence_rejects(snakes):
    parts = snakes.parts
    assert parts.aid is None and "does not decide the outcome" in parts.aid_table.value, "built when opened"
    snakes.children[-1].selected_index = 0          # open the accordion
    assert parts.aid is not None and parts.aid_slot.children == (parts.aid,)
    parts.aid.parts.weight_sliders["cost"].value = 0.0
    parts.aid.parts.weight_sliders["conservation_benefit"].value = 1.0
    assert parts.aid.parts.decision.recommendation().leader_ids != (BASELINE_ID,), "the aid alone would say yes"
    record = parts.take_record()
    assert record.ex_situ_recommended is False and set(record.outcomes.values()) == {"not recommended"}
    assert "<td style='text-align:center'>—</td><td>not recommended</td>" in parts.aid_table.value


def test_deferral_needs_evidence_and_a_bad_entry_is_a_message_not_a_traceback(snakes):
    parts = snakes.parts
    row = parts.rows["insurance_living"]
    row.value.value = "high"
    row.openings["funding"].value = "pledged"
    row.defer.value = True
    assert "Please check" in row.outcome.value and "deferral_evidence" in row.outcome.value
    assert parts.take_record() is None and "Please check" in parts.record_view.value
    row.evidence.value = "a wild population estimate below a few hundred adults"
    assert parts.evaluate_row(row).outcome == "deferred"
    row.value_rationale.value = ""
    assert "value_rationale" in row.outcome.value
    assert parts.take_record() is None


def test_dissent_named_or_anonymous_goes_into_the_record(snakes):
    parts = snakes.parts
    parts.dissent_text.value = "Start a small insurance group now."
    parts.dissent_by.value = "R. Keeper"
    parts.dissent_option.value = "insurance_living"
    parts.add_dissent()
    parts.dissent_text.value = "Re-assess in five years."
    parts.add_dissent()
    parts.dissent_text.value = "   "
    assert parts.add_dissent() is None and "Please check" in parts.message.value
    record = parts.take_record()
    assert [(d.by, d.option_id) for d in record.dissent][-2:] == [("R. Keeper", "insurance_living"), ("", "")]
    assert "anonymous: Re-assess in five years." in parts.record_view.value
    parts.dissent_list.value = 0
    parts.remove_dissent()
    assert len(parts.take_record().dissent) == 2


def test_step5_for_an_assessment_without_a_record_starts_unknown_and_deferred():
    assessment = example_assessment("panamanian-golden-frog")
    assessment.decision_record = None
    assessment.decision = None
    parts = step5_explorer(assessment).parts
    assert set(parts.rows) == {"insurance_living", "research_living"}
    for row in parts.rows.values():
        assert row.appraisal.value == "0", "the appraisal covering the option's roles is chosen"
        assert "Please check" in row.outcome.value or "deferred" in row.outcome.value
    assert parts.aid is None
    assert "Bd persists" in parts.baseline_view.value, "the wild-only PVA of Step 3 is the baseline"
    with pytest.raises(InvalidInputError):
        step5_explorer("not an assessment")


def test_the_weighted_scoring_explorer_says_it_is_an_optional_aid(frog):
    assert "does not decide the outcome" in frog.children[1].value
    assert "weighted scoring alone (optional aid)" in frog.parts.recommendation.value


# -- the optional aid in the apps: texts at once with "updating the charts…", the charts from the drawing thread ----
def _hold_drawing_thread():
    """Block the widgets' drawing thread until the returned event is set (so a test sees the state in between)."""
    import threading

    from exsitu.widgets._cache import draw_later

    release = threading.Event()
    draw_later(lambda: release.wait(30))
    return release


def test_in_the_background_a_weight_slider_shows_the_ranking_at_once_then_the_chart():
    parts = decision_explorer(example_decision("frog_insurance"), draw_in_background=True).parts
    parts.wait_for_charts()
    assert parts.contributions.value[:4] == b"\x89PNG" and parts.charts_status.value == ""
    assert parts.sensitivity_plot.value == b""            # the Sensitivity tab is closed: not drawn
    ranking, chart = parts.ranking.value, parts.contributions.value
    release = _hold_drawing_thread()
    try:
        parts.weight_sliders["conservation_benefit"].value = 0.05
        assert parts.ranking.value != ranking and parts.ranking.value == ranking_html(parts.decision)  # at once
        assert parts.weight_shares["conservation_benefit"].value != "= 40% of the total"
        assert "updating the charts" in parts.charts_status.value
        assert parts.contributions.value == chart        # not drawn yet
    finally:
        release.set()
    parts.wait_for_charts()
    _wait_for(lambda: parts.charts_status.value == "")
    assert parts.contributions.value != chart and parts.contributions.value[:4] == b"\x89PNG"
    parts.weight_sliders["conservation_benefit"].value = 0.4   # a setting drawn before: shown at once
    assert parts.contributions.value == chart


def _wait_for(condition, timeout: float = 30.0) -> None:
    import time

    end = time.monotonic() + timeout
    while not condition() and time.monotonic() < end:
        time.sleep(0.01)
    assert condition()


def test_in_the_background_the_sensitivity_charts_are_drawn_when_their_tab_opens():
    parts = decision_explorer(example_decision("frog_insurance"), draw_in_background=True).parts
    parts.wait_for_charts()
    parts.weight_sliders["conservation_benefit"].value = 0.2
    parts.wait_for_charts()
    assert parts.sensitivity_plot.value == b"" and parts.uncertainty_plot.value == b""
    assert "conservation" in parts.sensitivity_statement.value.lower()   # the statement is kept up to date
    parts.tabs.selected_index = 2
    parts.wait_for_charts()
    assert parts.sensitivity_plot.value[:4] == b"\x89PNG" and parts.uncertainty_plot.value[:4] == b"\x89PNG"
    plot = parts.sensitivity_plot.value
    release = _hold_drawing_thread()
    try:
        parts.sensitivity_criterion.value = "risk"
        assert "updating the charts" in parts.charts_status.value and parts.sensitivity_plot.value == plot
    finally:
        release.set()
    parts.wait_for_charts()
    _wait_for(lambda: parts.charts_status.value == "")
    assert parts.sensitivity_plot.value != plot and parts.sensitivity_plot.value[:4] == b"\x89PNG"


def test_step5_explorer_passes_drawing_in_the_background_to_its_aid():
    from exsitu.examples import example_assessment
    from exsitu.widgets.decision import step5_explorer

    parts = step5_explorer(example_assessment("panamanian-golden-frog"), draw_in_background=True).parts
    aid = parts.open_aid().parts
    assert aid.draw_in_background
    aid.wait_for_charts()
    assert aid.contributions.value[:4] == b"\x89PNG"
