"""Tests for exsitu.decision (Step 5: options, criteria, scores, ranking, sensitivity, record)."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exsitu.decision import (
    BASELINE_ID, Criterion, Decision, DecisionRecord, Option, Recommendation, Score, SensitivityAnalysis,
    WeightSensitivity, baseline_option, default_criteria, example_decision, example_decisions, options_from_roles,
)
from exsitu.roles import Role, suggest_roles
from exsitu.validation import InvalidInputError


def _raises(field: str, fn, *args, **kwargs) -> InvalidInputError:
    with pytest.raises(InvalidInputError) as info:
        fn(*args, **kwargs)
    assert info.value.field == field, info.value.field
    assert str(info.value).startswith(field)
    return info.value


def two_criteria(benefit_weight: float = 3, cost_weight: float = 1) -> list[Criterion]:
    return [Criterion(id="benefit", name="Benefit", weight=benefit_weight),
            Criterion(id="cost", name="Cost", weight=cost_weight, direction="cost")]


def hand_decision(b_cost: float = 6) -> Decision:
    """Weights 3:1 → 0.75, 0.25; scale 0–10; cost is converted to 10 − score.

    baseline: 0.75·0 + 0.25·(10 − 0) = 2.5
    a:        0.75·6 + 0.25·(10 − 4) = 4.5 + 1.5 = 6.0
    b:        0.75·8 + 0.25·(10 − 6) = 6.0 + 1.0 = 7.0   (with b_cost = 10: 6.0 + 0 = 6.0, a tie with a)
    """
    options = [Option(id="a", name="Option A", role_ids=["insurance"]),
               Option(id="b", name="Option B", role_ids=["biobank"], form="bio-samples")]
    scores = [Score(option_id=BASELINE_ID, criterion_id="benefit", value=0, rationale="nothing added"),
              Score(option_id=BASELINE_ID, criterion_id="cost", value=0, rationale="free"),
              Score(option_id="a", criterion_id="benefit", value=6, rationale="r"),
              Score(option_id="a", criterion_id="cost", value=4, rationale="r"),
              Score(option_id="b", criterion_id="benefit", value=8, rationale="r"),
              Score(option_id="b", criterion_id="cost", value=b_cost, rationale="")]
    return Decision(title="Hand-worked", options=options, criteria=two_criteria(), scores=scores)


# --------------------------------------------------------------------------------------------------
# Options, criteria, scores
# --------------------------------------------------------------------------------------------------

def test_option_defaults_and_validation():
    option = Option(name="  Insurance Population! ", role_ids=["insurance"])
    assert option.id == "insurance_population" and option.name == "Insurance Population!"
    assert option.role_ids == ("insurance",) and not option.is_baseline
    assert baseline_option().is_baseline and baseline_option().form == "none"
    _raises("name", Option, name="  ", role_ids=["insurance"])
    _raises("name", Option, name=None, role_ids=["insurance"])
    _raises("form", Option, name="x", role_ids=["insurance"], form="frozen")
    _raises("role_ids", Option, name="x", role_ids=[])
    _raises("role_ids", Option, name="x", role_ids=["insurance", "insurance"])
    _raises("form", Option, name="x", role_ids=["insurance"], form="none", id="x")
    _raises("form", Option, name="Nothing", form="none")
    _raises("id", Option, id=BASELINE_ID, name="x", role_ids=["insurance"])
    _raises("id", Option, id="two words", name="x", role_ids=["insurance"])
    _raises("role_ids[0]", Option, name="x", role_ids=[""])


def test_criterion_validation():
    assert [c.id for c in default_criteria()] == ["conservation_benefit", "feasibility", "risk", "cost"]
    assert [c.direction for c in default_criteria()] == ["benefit", "benefit", "cost", "cost"]
    assert sum(c.weight for c in default_criteria()) == pytest.approx(1)
    assert Criterion(name="Public support").id == "public_support"
    error = _raises("weight", Criterion, name="x", weight=-0.1)
    assert "at least 0" in str(error)
    _raises("weight", Criterion, name="x", weight="heavy")
    _raises("direction", Criterion, name="x", direction="lower")
    _raises("name", Criterion, name="")


def test_score_validation():
    _raises("value", Score, option_id="a", criterion_id="b", value=float("nan"))
    _raises("option_id", Score, option_id="", criterion_id="b", value=1)
    _raises("date", Score, option_id="a", criterion_id="b", value=1, date="15/03/2021")
    _raises("rationale", Score, option_id="a", criterion_id="b", value=1, rationale=3)
    assert Score(option_id="a", criterion_id="b", value=1, date="2021-03-15").date == "2021-03-15"


def test_decision_bad_input_names_the_field():
    good = hand_decision()
    _raises("scores[5].value", Decision, options=good.options, criteria=good.criteria,
            scores=good.scores[:5] + (Score(option_id="b", criterion_id="cost", value=11),))
    _raises("scores[0].option_id", Decision, options=good.options, criteria=good.criteria,
            scores=[Score(option_id="zzz", criterion_id="cost", value=1)])
    _raises("scores[0].criterion_id", Decision, options=good.options, criteria=good.criteria,
            scores=[Score(option_id="a", criterion_id="zzz", value=1)])
    _raises("scores[1]", Decision, options=good.options, criteria=good.criteria,
            scores=[Score(option_id="a", criterion_id="cost", value=1), Score(option_id="a", criterion_id="cost", value=2)])
    _raises("options[3].id", Decision, options=[*good.options, Option(id="a", name="Again", role_ids=["x"])])
    _raises("options[1].id", Decision, options=[Option(id="a", name="A", role_ids=["x"]),
                                                Option(id="a", name="Again", role_ids=["x"])])
    _raises("criteria[1].id", Decision, criteria=[Criterion(name="Risk"), Criterion(name="risk")])
    _raises("criteria", Decision, criteria=[])
    _raises("options[1].name", Decision, options=[{"id": "a", "name": "ok", "role_ids": ["x"]}, {"id": "b", "role_ids": ["x"]}])
    _raises("criteria[0].weight", Decision.from_dict, {"criteria": [{"name": "x", "weight": -1}]})
    _raises("score_max", Decision, score_min=5, score_max=5)
    _raises("score_min", Decision, score_min=-1)
    _raises("title", Decision, title=" ")
    _raises("decision.colour", Decision.from_dict, {"colour": "red"})
    _raises("weights['risk'].weight", Decision().with_weights, {"risk": -2})
    _raises("weights['nope']", Decision().with_weights, {"nope": 2})
    _raises("option_id", good.with_score, "nope", "cost", 1)
    _raises("criterion_id", good.with_score, "a", "nope", 1)
    error = _raises("value", good.with_score, "a", "cost", 12)
    assert "at most 10" in str(error)


def test_baseline_always_present_and_cannot_be_removed():
    decision = Decision(options=[Option(id="a", name="A", role_ids=["insurance"])])
    assert decision.option_ids == [BASELINE_ID, "a"]
    assert Decision().option_ids == [BASELINE_ID]
    explicit = Decision(options=[Option(id="a", name="A", role_ids=["insurance"]), baseline_option()])
    assert explicit.option_ids == ["a", BASELINE_ID]
    error = _raises("option_id", hand_decision().without_option, BASELINE_ID)
    assert "cannot be removed" in str(error)
    smaller = hand_decision().without_option("a")
    assert smaller.option_ids == [BASELINE_ID, "b"]
    assert all(s.option_id != "a" for s in smaller.scores)


def test_changes_return_copies():
    decision = hand_decision()
    changed = decision.with_score("a", "cost", 9, "more costly than thought", by="J. Doe", date="2024-05-01")
    assert decision.score("a", "cost").value == 4 and changed.score("a", "cost").value == 9
    assert changed.score("a", "cost").by == "J. Doe" and len(changed.scores) == len(decision.scores)
    heavier = decision.with_weights({"cost": 3})
    assert heavier.normalised_weights().tolist() == [0.5, 0.5] and decision.criterion("cost").weight == 1
    added = decision.with_criterion(Criterion(name="Public support", weight=1))
    assert ("a", "public_support") in added.missing_scores()
    assert added.without_criterion("public_support") == decision
    assert decision.with_option({"id": "c", "name": "C", "role_ids": ["research"]}).option_ids[-1] == "c"
    assert decision.score(BASELINE_ID, "benefit").rationale == "nothing added"
    assert Decision(options=decision.options).score("a", "cost") is None


# --------------------------------------------------------------------------------------------------
# Options from roles
# --------------------------------------------------------------------------------------------------

def test_options_from_roles_living_biobank_and_combination():
    options = options_from_roles(["insurance", "biobank"])
    assert [o.id for o in options] == [BASELINE_ID, "insurance_living", "biobank_bio_samples", "combination"]
    assert [o.form for o in options] == ["none", "living", "bio-samples", "living+bio-samples"]
    assert options[-1].role_ids == ("insurance", "biobank")
    assert options[1].name.startswith("Insurance population")


def test_options_from_roles_bio_samples_only_and_switches():
    options = options_from_roles(["insurance", "research"])
    by_id = {o.id: o for o in options}
    assert set(by_id) == {BASELINE_ID, "insurance_living", "research_living", "bio_samples_only", "combination"}
    assert by_id["bio_samples_only"].role_ids == ("research",) and by_id["bio_samples_only"].form == "bio-samples"
    assert by_id["combination"].form == "living+bio-samples"
    lean = options_from_roles(["insurance", "research"], include_combination=False, include_bio_samples=False)
    assert [o.id for o in lean] == [BASELINE_ID, "insurance_living", "research_living"]
    assert [o.id for o in options_from_roles(["education"])] == [BASELINE_ID, "education_living"]
    assert [o.id for o in options_from_roles([])] == [BASELINE_ID]
    living_only = options_from_roles(["insurance", "education"])
    assert living_only[-1].id == "combination" and living_only[-1].form == "living"


def test_options_from_roles_custom_roles_selection_and_bad_input():
    custom = Role(name="Fundraising for in situ work")
    options = options_from_roles(["insurance", custom])
    assert [o.id for o in options][1:3] == ["insurance_living", "fundraising_for_in_situ_work_living"]
    selection = suggest_roles({"category": "CR", "threats": [{"code": "8.1", "impact": "High"}]})
    selection.accept("insurance", "threat cannot be controlled")
    assert [o.id for o in options_from_roles(selection)] == [BASELINE_ID, "insurance_living"]
    _raises("role_ids[1]", options_from_roles, ["insurance", "not_a_role"])
    _raises("role_ids[1]", options_from_roles, ["insurance", "insurance"])
    _raises("role_ids[0]", options_from_roles, [42])
    _raises("role_ids", options_from_roles, 42)


# --------------------------------------------------------------------------------------------------
# Ranking and recommendation
# --------------------------------------------------------------------------------------------------

def test_ranking_matches_hand_computation():
    table = hand_decision().ranking()
    assert list(table.index) == ["b", "a", BASELINE_ID]
    np.testing.assert_allclose(table["weighted_score"].to_numpy(), [7.0, 6.0, 2.5], rtol=0, atol=1e-12)
    assert table["rank"].tolist() == [1, 2, 3]
    np.testing.assert_allclose(table.loc["b", ["contribution_benefit", "contribution_cost"]].to_numpy(float), [6.0, 1.0])
    np.testing.assert_allclose(table.loc[BASELINE_ID, ["contribution_benefit", "contribution_cost"]].to_numpy(float), [0, 2.5])
    assert table.loc["b", "form"] == "bio-samples" and table.loc["b", "roles"] == "biobank"
    assert table["baseline"].tolist() == [False, False, True]
    weights = hand_decision().normalised_weights()
    assert weights.to_dict() == {"benefit": 0.75, "cost": 0.25}


def test_values_and_tables():
    decision = hand_decision()
    assert decision.score_table().loc["b", "cost"] == 6 and decision.value_table().loc["b", "cost"] == 4
    assert decision.value_table().loc["b", "benefit"] == 8
    rationales = decision.rationale_table()
    assert len(rationales) == 6 and rationales.loc[0, "rationale"] == "nothing added"
    assert decision.missing_rationales() == [("b", "cost")]
    rescaled = Decision(options=decision.options, criteria=two_criteria(), score_min=1, score_max=5,
                        scores=[Score(option_id=o, criterion_id=c, value=v) for o, c, v in
                                [(BASELINE_ID, "benefit", 1), (BASELINE_ID, "cost", 1), ("a", "benefit", 4),
                                 ("a", "cost", 2), ("b", "benefit", 5), ("b", "cost", 5)]])
    # 1–5 scale: cost value = 1 + 5 − score; a = 0.75·4 + 0.25·4 = 4.0, b = 0.75·5 + 0.25·1 = 4.0, base = 0.75 + 1.25
    np.testing.assert_allclose(rescaled.ranking().loc[["a", "b", BASELINE_ID], "weighted_score"], [4.0, 4.0, 2.0])


def test_recommendation_for_an_ex_situ_option():
    rec = hand_decision().recommendation()
    assert rec.leader_ids == ("b",) and not rec.tie and rec.ex_situ_recommended is True
    assert rec.top_score == pytest.approx(7.0) and rec.margin == pytest.approx(1.0)
    assert rec.statement.startswith("Recommended: 'Option B'") and "'No ex situ action' scores 2.50" in rec.statement


def test_baseline_first_means_not_recommended():
    decision = hand_decision().with_weights({"benefit": 0, "cost": 1})
    # only cost counts: baseline value 10, a 6, b 4
    rec = decision.recommendation()
    assert rec.leader_ids == (BASELINE_ID,) and rec.ex_situ_recommended is False
    assert rec.statement.startswith("Ex situ management is not recommended")
    assert "'Option A' (6.00)" in rec.statement and rec.margin == pytest.approx(4.0)
    only_baseline = Decision(criteria=two_criteria(), scores=[Score(option_id=BASELINE_ID, criterion_id=c, value=1)
                                                              for c in ("benefit", "cost")])
    assert "no ex situ option was put forward" in only_baseline.recommendation().statement
    assert only_baseline.recommendation().margin is None


def test_ties_are_reported_not_broken():
    decision = hand_decision(b_cost=10)  # a = b = 6.0
    table = decision.ranking()
    assert table.loc["a", "rank"] == table.loc["b", "rank"] == 1 and table.loc[BASELINE_ID, "rank"] == 3
    rec = decision.recommendation()
    assert rec.tie and set(rec.leader_ids) == {"a", "b"} and rec.ex_situ_recommended is True
    assert rec.statement.startswith("Tie: 'Option A' and 'Option B'")
    _raises("chosen", decision.record)
    # a tie with the baseline leaves the question open
    open_question = Decision(options=decision.options, criteria=two_criteria(0, 1), scores=[
        Score(option_id=o, criterion_id=c, value=v) for o, c, v in
        [(BASELINE_ID, "benefit", 0), (BASELINE_ID, "cost", 0), ("a", "benefit", 6), ("a", "cost", 0),
         ("b", "benefit", 8), ("b", "cost", 5)]])
    rec = open_question.recommendation()
    assert rec.tie and rec.leader_ids == (BASELINE_ID, "a") and rec.ex_situ_recommended is None
    assert "is therefore open" in rec.statement


def test_tie_tolerance_handles_floating_point_sums():
    # 0.1 + 0.2 style sums: value 3 on weights 0.1/0.2 vs 0.3 exactly — equal in exact arithmetic
    criteria = [Criterion(id="x", name="X", weight=0.1), Criterion(id="y", name="Y", weight=0.2),
                Criterion(id="z", name="Z", weight=0.7)]
    options = [Option(id="a", name="A", role_ids=["r"])]
    scores = [Score(option_id=BASELINE_ID, criterion_id="x", value=3), Score(option_id=BASELINE_ID, criterion_id="y", value=3),
              Score(option_id=BASELINE_ID, criterion_id="z", value=0), Score(option_id="a", criterion_id="x", value=0),
              Score(option_id="a", criterion_id="y", value=0), Score(option_id="a", criterion_id="z", value=0.9 / 0.7)]
    rec = Decision(options=options, criteria=criteria, scores=scores).recommendation()
    assert rec.tie


def test_missing_scores_and_zero_weights_are_reported():
    decision = hand_decision()
    partial = Decision(options=decision.options, criteria=decision.criteria, scores=decision.scores[:4])
    assert partial.missing_scores() == [("b", "benefit"), ("b", "cost")]
    error = _raises("scores['b']['benefit']", partial.ranking)
    assert "'b'" in str(error) and "'benefit'" in str(error) and "1 more" in str(error)
    _raises("scores['b']['benefit']", partial.recommendation)
    _raises("scores['b']['benefit']", partial.sensitivity)
    _raises("weights", decision.with_weights({"benefit": 0, "cost": 0}).ranking)
    _raises("weights", decision.with_weights({"benefit": 0, "cost": 0}).normalised_weights)


# --------------------------------------------------------------------------------------------------
# Sensitivity: exact crossings against a brute-force scan
# --------------------------------------------------------------------------------------------------

def _scan_totals(values: np.ndarray, weights: np.ndarray, k: int, t: float) -> np.ndarray:
    """Independent implementation: set weight k to t, rescale the others in proportion, take weighted sums."""
    w = weights.astype(float).copy()
    rest = 1.0 - w[k]
    others = [j for j in range(len(w)) if j != k]
    if rest > 1e-12:
        for j in others:
            w[j] = w[j] * (1.0 - t) / rest
    else:
        for j in others:
            w[j] = (1.0 - t) / len(others)
    w[k] = t
    return np.array([sum(values[i, j] * w[j] for j in range(len(w))) for i in range(values.shape[0])])


def _scan_grid(values: np.ndarray, weights: np.ndarray, k: int, grid: np.ndarray) -> np.ndarray:
    """The same rescaling for a whole grid of t at once (explicit weight matrix, one row per t)."""
    rest = 1.0 - weights[k]
    matrix = np.outer(1.0 - grid, weights / rest)
    matrix[:, k] = grid
    return matrix @ values.T


def _random_decision(rng: np.random.Generator) -> Decision:
    n_opt = int(rng.integers(2, 6))
    n_crit = int(rng.integers(2, 5))
    options = [Option(id=f"o{i}", name=f"Option {i}", role_ids=["r"]) for i in range(n_opt)]
    criteria = [Criterion(id=f"c{j}", name=f"C{j}", weight=float(rng.uniform(0.05, 1)),
                          direction="cost" if rng.random() < 0.4 else "benefit") for j in range(n_crit)]
    ids = [BASELINE_ID] + [o.id for o in options]
    scores = [Score(option_id=o, criterion_id=c.id, value=float(rng.uniform(0, 10))) for o in ids for c in criteria]
    return Decision(options=options, criteria=criteria, scores=scores)


def test_sensitivity_crossings_match_brute_force_scan():
    rng = np.random.default_rng(20240501)
    step = 1e-4
    # the two independent implementations agree with each other before the scan is trusted
    probe = _random_decision(rng)
    v, w = probe.value_table().to_numpy(), probe.normalised_weights().to_numpy()
    np.testing.assert_allclose(_scan_grid(v, w, 1, np.array([0.3]))[0], _scan_totals(v, w, 1, 0.3))
    checked = 0
    for _ in range(25):
        decision = _random_decision(rng)
        values = decision.value_table().to_numpy()
        weights = decision.normalised_weights().to_numpy()
        ids = decision.option_ids
        analysis = decision.sensitivity()
        (leader,) = analysis.leader_ids
        assert leader == decision.ranking().index[0]
        for k, item in enumerate(analysis.items):
            w = weights[k]
            for point, leaders, grid in (
                    (item.increase_to, item.leaders_if_increased, np.append(np.arange(w, 1, step), 1.0)),
                    (item.decrease_to, item.leaders_if_decreased, np.append(np.arange(w, 0, -step), 0.0))):
                scanned = [ids[i] for i in np.argmax(_scan_grid(values, weights, k, grid), axis=1)]
                changed = [i for i, top in enumerate(scanned) if top != leader]
                if not changed:
                    assert point is None
                    continue
                checked += 1
                first = grid[changed[0]]
                assert point is not None
                assert abs(first - point) <= step + 1e-12
                # just past the exact crossing the reported option leads; just before it the old leader does
                direction = 1 if grid[-1] == 1.0 else -1
                after = _scan_totals(values, weights, k, point + direction * 1e-7)
                before = _scan_totals(values, weights, k, point - direction * 1e-7)
                assert leaders == (ids[int(np.argmax(after))],)
                assert ids[int(np.argmax(before))] == leader
                at = _scan_totals(values, weights, k, point)
                assert at[ids.index(leaders[0])] == pytest.approx(at[ids.index(leader)], abs=1e-9)
    assert checked >= 20  # the scan found real changes to compare with


def test_sensitivity_hand_worked_snake_example():
    analysis = example_decision("snake_not_recommended").sensitivity()
    benefit = analysis.items[0]
    # baseline S = 10 − 10t; combination R = (4·0.2 + 3·0.2 + 1·0.2)/0.6 = 8/3, slope 5 − 8/3 → crossing t = 22/37
    assert benefit.increase_to == pytest.approx(22 / 37, abs=1e-12)
    assert benefit.leaders_if_increased == ("combination",) and benefit.decrease_to is None
    assert benefit.smallest_change == pytest.approx(22 / 37 - 0.4)
    assert [item.robust for item in analysis.items] == [False, True, True, True]
    assert analysis.most_sensitive is benefit
    frame = analysis.to_frame()
    assert frame.loc["conservation_benefit", "relative_change"] == pytest.approx((22 / 37 - 0.4) / 0.4)
    assert bool(frame.loc["risk", "robust"]) and np.isnan(frame.loc["risk", "smallest_change"])
    text = analysis.statement()
    assert "rises to 0.595" in text and "'Risk' (weight 0.20): robust" in text


def test_sensitivity_hand_worked_frog_example():
    item = example_decision("frog_insurance").sensitivity().items[0]
    # insurance S = 6 + 3t, baseline 10 − 10t → t = 4/13; combination 13/3 + 17t/3 = 6 + 3t → t = 5/8
    assert item.decrease_to == pytest.approx(4 / 13) and item.leaders_if_decreased == (BASELINE_ID,)
    assert item.increase_to == pytest.approx(5 / 8) and item.leaders_if_increased == ("combination",)
    assert item.new_leaders == (BASELINE_ID,)


def test_sensitivity_when_tied_any_move_changes_the_top():
    decision = hand_decision(b_cost=10)  # a = b = 6.0; b is better on benefit, a on cost
    benefit, cost = decision.sensitivity().items
    assert benefit.increase_to == pytest.approx(0.75) and benefit.leaders_if_increased == ("b",)
    assert benefit.decrease_to == pytest.approx(0.75) and benefit.leaders_if_decreased == ("a",)
    assert benefit.smallest_change == 0
    assert cost.leaders_if_increased == ("a",)


def test_sensitivity_robust_single_criterion_and_zero_other_weights():
    one = Decision(options=[Option(id="a", name="A", role_ids=["r"])], criteria=[Criterion(id="x", name="X")],
                   scores=[Score(option_id=BASELINE_ID, criterion_id="x", value=1), Score(option_id="a", criterion_id="x", value=2)])
    analysis = one.sensitivity()
    assert analysis.items[0].robust and analysis.most_sensitive is None and analysis.statement().startswith("Robust")
    # all weight on benefit: lowering it shares the remainder equally among the others (here: cost only)
    decision = hand_decision().with_weights({"cost": 0})
    sweep = decision.weight_sweep("benefit", [0.0, 1.0])
    np.testing.assert_allclose(sweep.loc[0.0].to_numpy(), [10, 6, 4])  # values on cost alone
    np.testing.assert_allclose(sweep.loc[1.0].to_numpy(), [0, 6, 8])
    item = decision.sensitivity().items[0]
    assert item.increase_to is None
    # lowering the weight from 1: b = 4 + 4t meets a = 6 at t = 0.5 (baseline 10 − 10t reaches b only at 3/7)
    assert item.decrease_to == pytest.approx(0.5) and item.leaders_if_decreased == ("a",)


def test_weight_sweep_matches_ranking_and_validates():
    decision = example_decision("frog_insurance")
    weights = decision.normalised_weights()
    sweep = decision.weight_sweep("risk", [0.0, weights["risk"], 1.0])
    np.testing.assert_allclose(sweep.iloc[1].to_numpy(), decision.ranking().loc[decision.option_ids, "weighted_score"])
    np.testing.assert_allclose(sweep.iloc[2].to_numpy(), decision.value_table()["risk"].to_numpy())
    assert len(decision.weight_sweep("risk")) == 101
    _raises("weights", decision.weight_sweep, "risk", [0.5, 1.5])
    _raises("weights", decision.weight_sweep, "risk", [])
    _raises("criterion_id", decision.weight_sweep, "nope")


# --------------------------------------------------------------------------------------------------
# Weight uncertainty
# --------------------------------------------------------------------------------------------------

def test_weight_uncertainty_against_independent_loop():
    decision = hand_decision().with_criterion(Criterion(id="extra", name="Extra", weight=0))
    decision = decision.with_scores([Score(option_id=o, criterion_id="extra", value=v)
                                     for o, v in [(BASELINE_ID, 10), ("a", 10), ("b", 0)]])
    table = decision.weight_uncertainty(draws=300, concentration=5, seed=7)
    rng = np.random.default_rng(7)
    draws = rng.dirichlet(5 * np.array([0.75, 0.25]), size=300)
    values = decision.value_table().to_numpy()
    counts = dict.fromkeys(decision.option_ids, 0.0)
    for w in draws:
        totals = [values[i, 0] * w[0] + values[i, 1] * w[1] for i in range(3)]  # 'extra' weight stays 0
        best = max(totals)
        tops = [decision.option_ids[i] for i, s in enumerate(totals) if s >= best - 1e-8]
        for option_id in tops:
            counts[option_id] += 1 / len(tops)
    np.testing.assert_allclose(table["share_first"].to_numpy(), np.array(list(counts.values())) / 300)
    assert table["share_first"].sum() == pytest.approx(1)
    assert table.equals(decision.weight_uncertainty(draws=300, concentration=5, seed=7))
    sure = hand_decision().weight_uncertainty(draws=2000, concentration=1e6, seed=1)
    assert sure.loc["b", "share_first"] == 1.0
    assert sure.loc["b", "mean_score"] == pytest.approx(7.0, abs=0.01)
    single = hand_decision().with_weights({"cost": 0}).weight_uncertainty(draws=10, seed=1)
    assert single.loc["b", "share_first"] == 1.0
    _raises("draws", decision.weight_uncertainty, draws=0)
    _raises("concentration", decision.weight_uncertainty, concentration=0)


# --------------------------------------------------------------------------------------------------
# Record
# --------------------------------------------------------------------------------------------------

def test_record_defaults_to_top_option_and_keeps_everything():
    decision = hand_decision()
    record = decision.record(participants=["A. Person", "B. Person"], dissent=["C prefers option A"],
                             reasoning="Agreed by consensus.", date="2024-06-01", notes="Review in 5 years.")
    assert record.chosen_option_ids == ("b",) and record.roles_retained == ("biobank",)
    assert record.ex_situ_recommended is True
    assert record.summary.startswith("Recommended: 'Option B'") and "Sensitivity:" in record.summary
    assert "1 of 6 scores have no written rationale" in record.summary
    assert record.flags[0].startswith("recorded without the Step 5 evaluation"), "a score-only record is flagged"
    assert record.flags[1:] == ("1 score(s) of the optional aid without a rationale: b/cost",)
    data = record.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert DecisionRecord.from_dict(json.loads(json.dumps(data))) == record
    assert decision.record().date == dt.date.today().isoformat()


def test_record_choices_other_than_the_top_need_reasoning():
    decision = hand_decision()
    _raises("reasoning", decision.record, chosen="a")
    record = decision.record(chosen=["a", "b"], reasoning="Both, in sequence: insurance first.", date="")
    assert record.roles_retained == ("insurance", "biobank") and record.date == ""
    assert any("differ from the top" in flag for flag in record.flags)
    not_recommended = decision.record(chosen=BASELINE_ID, reasoning="Funding is not available.")
    assert not_recommended.ex_situ_recommended is False and not_recommended.roles_retained == ()
    _raises("chosen_option_ids", decision.record, chosen=[BASELINE_ID, "a"], reasoning="x")
    _raises("chosen_option_ids[0]", decision.record, chosen="zzz", reasoning="x")
    _raises("chosen_option_ids", decision.record, chosen=["a", "a"], reasoning="x")
    _raises("chosen_option_ids", DecisionRecord, decision=decision, chosen_option_ids=[])
    _raises("date", decision.record, date="June 2024")
    _raises("dissent[0].text", decision.record, dissent=[""])
    _raises("decision", DecisionRecord, decision="x", chosen_option_ids=["a"])


def test_record_from_dict_checks_derived_fields():
    data = hand_decision().record(date="2024-06-01").to_dict()
    tampered = dict(data, roles_retained=["insurance"])
    _raises("record.roles_retained", DecisionRecord.from_dict, tampered)
    _raises("record.ex_situ_recommended", DecisionRecord.from_dict, dict(data, ex_situ_recommended=False))
    _raises("record.chosen_option_ids", DecisionRecord.from_dict, {"decision": data["decision"]})
    _raises("record.colour", DecisionRecord.from_dict, dict(data, colour="red"))
    _raises("decision.scores[0].value", DecisionRecord.from_dict,
            dict(data, decision=dict(data["decision"], scores=[dict(data["decision"]["scores"][0], value=99)])))
    unranked = DecisionRecord(decision=Decision(options=[Option(id="a", name="A", role_ids=["r"])]),
                              chosen_option_ids=["a"], reasoning="scored later")
    assert unranked.flags[1].startswith("no ranking: scores['no_ex_situ_action']['conservation_benefit']")
    minimal = {k: v for k, v in data.items() if k not in ("roles_retained", "ex_situ_recommended")}
    assert DecisionRecord.from_dict(minimal).to_dict() == data


# --------------------------------------------------------------------------------------------------
# Worked examples for the course
# --------------------------------------------------------------------------------------------------

def test_example_decisions_outcomes_and_labels():
    examples = example_decisions()
    assert set(examples) == {"snake_not_recommended", "frog_insurance"}
    snake = examples["snake_not_recommended"].recommendation()
    assert snake.leader_ids == (BASELINE_ID,) and snake.ex_situ_recommended is False and not snake.tie
    frog = examples["frog_insurance"].recommendation()
    assert frog.leader_ids == ("insurance_living",) and frog.ex_situ_recommended is True
    assert example_decision("frog_insurance").option("insurance_living").role_ids == ("insurance",)
    for decision in examples.values():
        assert decision.title.startswith("ILLUSTRATIVE") and "SYNTHETIC" in decision.description
        assert not decision.missing_scores() and not decision.missing_rationales()
        assert all("illustrative" in s.by and len(s.rationale) > 10 for s in decision.scores)
        assert decision.record(date="2024-01-01").flags == (
            "recorded without the Step 5 evaluation (conservation value → structure → feasibility and risk gates): "
            "the options were chosen from the weighted scoring alone",)
    _raises("name", example_decision, "tiger")


# --------------------------------------------------------------------------------------------------
# Round trips
# --------------------------------------------------------------------------------------------------

def test_result_round_trips():
    decision = example_decision("frog_insurance")
    rec = decision.recommendation()
    assert Recommendation.from_dict(json.loads(json.dumps(rec.to_dict()))) == rec
    analysis = decision.sensitivity()
    assert SensitivityAnalysis.from_dict(json.loads(json.dumps(analysis.to_dict()))) == analysis
    item = analysis.items[0]
    assert WeightSensitivity.from_dict(item.to_dict()) == item
    for obj in (decision.options[1], decision.criteria[0], decision.scores[0]):
        assert type(obj).from_dict(json.loads(json.dumps(obj.to_dict()))) == obj
    _raises("option.colour", Option.from_dict, {"name": "x", "colour": 1})
    _raises("name", Option.from_dict, {"id": "x"})
    _raises("name", Criterion.from_dict, {"id": "x"})
    _raises("value", Score.from_dict, {"option_id": "a", "criterion_id": "b"})


_ids = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True).filter(lambda s: s != BASELINE_ID)
_texts = st.text(max_size=15)
_names = st.text(min_size=1, max_size=15).filter(lambda s: s.strip())


@st.composite
def decisions(draw) -> Decision:
    option_ids = draw(st.lists(_ids, max_size=4, unique=True))
    forms = ["living", "bio-samples", "living+bio-samples"]
    options = [Option(id=i, name=draw(_names), role_ids=draw(st.lists(_ids, min_size=1, max_size=3, unique=True)),
                      form=draw(st.sampled_from(forms)), description=draw(_texts)) for i in option_ids]
    criterion_ids = draw(st.lists(_ids, min_size=1, max_size=4, unique=True))
    criteria = [Criterion(id=i, name=draw(_names), weight=draw(st.floats(0, 100)), description=draw(_texts),
                          direction=draw(st.sampled_from(["benefit", "cost"]))) for i in criterion_ids]
    low = draw(st.sampled_from([0.0, 1.0]))
    high = draw(st.sampled_from([5.0, 10.0]))
    scores = []
    for o in [BASELINE_ID, *option_ids]:
        for c in criterion_ids:
            if draw(st.booleans()):
                scores.append(Score(option_id=o, criterion_id=c, value=draw(st.floats(low, high)),
                                    rationale=draw(_texts), by=draw(_texts),
                                    date=draw(st.sampled_from(["", "2021-03-15", "2024-12-31"]))))
    return Decision(title=draw(_names), description=draw(_texts), options=options, criteria=criteria,
                    scores=scores, score_min=low, score_max=high)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(decisions())
def test_decision_round_trip_property(decision):
    data = decision.to_dict()
    text = json.dumps(data)
    again = Decision.from_dict(json.loads(text))
    assert again == decision and json.dumps(again.to_dict()) == text


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(decisions(), st.lists(_names, max_size=3), st.lists(_names, max_size=2), _texts)
def test_record_round_trip_property(decision, participants, dissent, notes):
    if decision.missing_scores() or sum(c.weight for c in decision.criteria) == 0:
        record = DecisionRecord(decision=decision, chosen_option_ids=[decision.option_ids[-1]], summary="hand",
                                participants=participants, dissent=dissent, notes=notes, date="2021-03-15")
    else:
        record = decision.record(chosen=decision.option_ids[-1], reasoning="chosen for the test",
                                 participants=participants, dissent=dissent, notes=notes, date="2021-03-15")
    data = json.loads(json.dumps(record.to_dict()))
    assert DecisionRecord.from_dict(data) == record


# --------------------------------------------------------------------------------------------------
# Step 5 as the guidelines frame it: value → structure → gates → outcome
# --------------------------------------------------------------------------------------------------

from exsitu.decision import (  # noqa: E402
    AID_LABEL, OUTCOMES, RECOMMENDED, BaselineEvaluation, Dissent, Gate, OptionEvaluation, aid_ranking,
    evaluate_baseline, evaluate_option, evaluation_table, feasibility_gate, record_decision, risk_gate,
)
from exsitu.feasibility import FeasibilityAssessment  # noqa: E402
from exsitu.pva import PVAParameters, run_pva  # noqa: E402

INSURANCE = Option(id="insurance_living", name="Insurance population", role_ids=["insurance"])
CHEAP = Option(id="display_living", name="Display animals", role_ids=["education"])


def appraisal(funding: str = "available", residual: tuple[int, int] = (2, 2), unknown_factor: str = "") -> FeasibilityAssessment:
    """Every factor 'available' with evidence, except funding; one rated risk with the given residual."""
    feasibility = FeasibilityAssessment.for_roles("Insurance population", ["insurance"])
    for factor in feasibility.factors:
        feasibility.rate(factor.id, "available", "evidence")
    feasibility.rate("funding", funding, "pledges so far")
    if unknown_factor:
        feasibility.rate(unknown_factor, "unknown")
    feasibility.risks = feasibility.risks[:1]
    risk_id = feasibility.risks[0].id
    feasibility.update_risk(risk_id, likelihood=5, consequence=5, mitigation="quarantine",
                            residual_likelihood=residual[0], residual_consequence=residual[1])
    return feasibility


def evaluate(value="high", structure="yes", feasibility=None, **kwargs) -> OptionEvaluation:
    return evaluate_option(INSURANCE, conservation_value=value, value_rationale="answers the primary threat",
                           structure=structure, structure_rationale="target can be met",
                           feasibility=appraisal() if feasibility is None else feasibility, **kwargs)


def test_outcomes_vocabulary():
    assert OUTCOMES == ("recommended", "recommended with conditions", "not recommended", "deferred")
    assert RECOMMENDED == OUTCOMES[:2]
    assert "does not decide the outcome" in AID_LABEL


def test_everything_open_is_recommended():
    evaluation = evaluate()
    assert evaluation.outcome == "recommended" and evaluation.conditions == () and evaluation.decided_by == ""
    assert [verdict for _, verdict, _ in evaluation.sequence()] == ["pass"] * 4
    assert evaluation.statement().startswith("'Insurance population' is recommended")


@pytest.mark.parametrize("value", ["low", "none"])
def test_low_or_no_conservation_value_is_not_recommended_whatever_else(value):
    evaluation = evaluate(value=value)
    assert evaluation.outcome == "not recommended" and evaluation.decided_by == "conservation value"
    assert "No score on cost or feasibility can make up for that" in evaluation.statement()


def test_structure_decides_before_the_gates():
    assert evaluate(structure="no").outcome == "not recommended"
    assert evaluate(structure="no").decided_by == "population or sample structure"
    conditional = evaluate(structure="with conditions")
    assert conditional.outcome == "recommended with conditions"
    assert conditional.conditions == ("population structure: target can be met",)
    unknown = evaluate(structure="unknown")
    assert unknown.outcome == "deferred" and any("Step 3" in e for e in unknown.evidence_needed)


def test_an_essential_gap_closes_the_feasibility_gate_unless_a_named_condition_opens_it():
    closed = evaluate(feasibility=appraisal(funding="gap"))
    assert closed.feasibility_gate.state == "closed" and closed.outcome == "not recommended"
    assert closed.decided_by == "feasibility gate" and "Funding" in closed.statement()
    opened = evaluate(feasibility=appraisal(funding="gap"),
                      opening_conditions={"funding": "ten years of funding pledged before founders are taken"})
    assert opened.feasibility_gate.state == "open with conditions"
    assert opened.outcome == "recommended with conditions"
    assert opened.conditions[0].startswith("feasibility: ten years of funding pledged")
    partial = evaluate(feasibility=appraisal(funding="partial"))
    assert partial.outcome == "recommended with conditions" and "strengthen" in partial.conditions[0]
    # An opening condition must name something that closes a gate.
    _raises("opening_conditions['staff']", evaluate, opening_conditions={"staff": "hire"})


def test_an_unacceptable_residual_risk_closes_the_risk_gate():
    extreme = evaluate(feasibility=appraisal(residual=(5, 4)))
    assert extreme.risk_gate.state == "closed" and extreme.outcome == "not recommended"
    risk_id = extreme.risk_gate.blockers[0].id
    high = evaluate(feasibility=appraisal(residual=(4, 4)))
    assert high.risk_gate.state == "open with conditions" and high.outcome == "recommended with conditions"
    stricter = evaluate(feasibility=appraisal(residual=(4, 4)), unacceptable_risk_levels=("high", "extreme"))
    assert stricter.outcome == "not recommended"
    opened = evaluate(feasibility=appraisal(residual=(5, 4)), opening_conditions={risk_id: "a second holder"})
    assert opened.outcome == "recommended with conditions"
    _raises("unacceptable_levels[0]", risk_gate, appraisal(), unacceptable_levels=("dire",))


def test_unknowns_defer_and_a_deferral_always_names_its_evidence():
    no_step4 = evaluate_option(INSURANCE, conservation_value="high", value_rationale="r", structure="yes")
    assert no_step4.outcome == "deferred"
    assert any("Step 4" in e for e in no_step4.evidence_needed)
    unrated = evaluate(feasibility=appraisal(unknown_factor="husbandry"))
    assert unrated.outcome == "deferred" and any("Husbandry" in e for e in unrated.evidence_needed)
    unknown_value = evaluate_option(INSURANCE, conservation_value="unknown", value_rationale="", structure="yes",
                                    feasibility=appraisal())
    assert unknown_value.outcome == "deferred" and "conservation value" in unknown_value.evidence_needed[0]
    by_group = evaluate(defer=True, deferral_evidence=["the eradication is confirmed"])
    assert by_group.outcome == "deferred" and by_group.evidence_needed == ("the eradication is confirmed",)
    _raises("deferral_evidence", evaluate, defer=True)
    # A closed gate is not softened into a deferral by the group.
    assert evaluate(feasibility=appraisal(funding="gap"), defer=True, deferral_evidence=["x"]).outcome == "not recommended"
    for evaluation in (no_step4, unrated, unknown_value, by_group):
        assert evaluation.evidence_needed, "deferred always carries what evidence would change it"


def test_evaluation_input_errors_name_the_field():
    _raises("conservation_value", evaluate, value="very high")
    _raises("structure", evaluate, structure="maybe")
    _raises("value_rationale", evaluate_option, INSURANCE, conservation_value="high", value_rationale=" ")
    _raises("option", evaluate_option, baseline_option(), conservation_value="high", value_rationale="r")


def test_evaluation_round_trip_checks_the_stored_outcome():
    evaluation = evaluate(feasibility=appraisal(funding="gap"), opening_conditions={"funding": "pledged"},
                          threats_addressed=["8.1.2"])
    data = json.loads(json.dumps(evaluation.to_dict()))
    assert data["outcome"] == "recommended with conditions"
    assert OptionEvaluation.from_dict(data) == evaluation
    _raises("evaluation.outcome", OptionEvaluation.from_dict, dict(data, outcome="recommended"))
    gate = data["feasibility_gate"]
    _raises("feasibility_gate.gate.state", OptionEvaluation.from_dict,
            dict(data, feasibility_gate=dict(gate, state="open")))
    assert Gate.from_dict(gate) == evaluation.feasibility_gate


def test_gates_without_step4_are_unknown():
    assert feasibility_gate(None).state == "unknown" and risk_gate(None).state == "unknown"


# -- the risk of doing nothing ---------------------------------------------------------------------

def test_baseline_from_a_wild_only_pva_result():
    params = PVAParameters(model="diffusion", initial_size=40, mu=-0.16, sigma2=0.05, quasi_extinction_threshold=10)
    result = run_pva(params, replicates=200, years=50, seed=1)
    baseline = evaluate_baseline(result)
    assert baseline.extinction_probability == pytest.approx(result.extinction_probability[-1])
    assert baseline.years == 50 and baseline.replicates == 200 and baseline.quasi_extinction_threshold == 10
    assert baseline.meets_vu_e_threshold is True
    assert "within 50 years" in baseline.statement() and "criterion E" in baseline.statement()
    assert BaselineEvaluation.from_dict(json.loads(json.dumps(baseline.to_dict()))) == baseline


def test_baseline_from_stored_figures_and_needs():
    figures = {"with collection": {"p_extinction": 0.5, "years": 100},
               "Wild only": {"p_extinction": 0.04, "years": 100, "replicates": 300, "p_quasi_extinction_20": 0.2}}
    baseline = evaluate_baseline(figures)
    assert baseline.scenario == "Wild only" and baseline.extinction_probability == 0.04
    assert baseline.quasi_extinction_probability == 0.2 and baseline.meets_vu_e_threshold is False
    _raises("scenario", evaluate_baseline, {"with collection": {"p_extinction": 0.5, "years": 100}})
    _raises("scenario", evaluate_baseline, figures, scenario="nope")
    _raises("years", BaselineEvaluation, extinction_probability=0.3)
    _raises("extinction_probability", BaselineEvaluation, extinction_probability=1.3, years=10)
    nothing = evaluate_baseline(None, notes="no counts")
    assert nothing.extinction_probability is None and "not been projected: no counts" in nothing.statement()


# -- the optional aid cannot override value or gates -----------------------------------------------

def _cheap_low_value_decision(weights: dict[str, float]) -> Decision:
    """A cheap, easy, riskless option of low conservation value against a costly insurance population."""
    table = {BASELINE_ID: (0, 10, 0, 0), "display_living": (3, 10, 0, 0), "insurance_living": (9, 5, 4, 9)}
    criteria = [c.id for c in default_criteria()]
    scores = [Score(option_id=o, criterion_id=c, value=v, rationale="r")
              for o, values in table.items() for c, v in zip(criteria, values)]
    return Decision(options=[CHEAP, INSURANCE], scores=scores).with_weights(weights)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(weights=st.fixed_dictionaries({c.id: st.floats(0.0, 10.0) for c in default_criteria()})
       .filter(lambda w: sum(w.values()) > 0.01))
def test_a_cheap_low_value_option_is_never_recommended_whatever_the_weights(weights):
    decision = _cheap_low_value_decision(weights)
    cheap = evaluate_option(CHEAP, conservation_value="low", value_rationale="does not address the threat",
                            structure="yes", feasibility=appraisal())
    costly = evaluate(feasibility=appraisal(funding="partial"))
    record = decision.record(evaluations=[cheap, costly], date="2025-01-01")
    assert record.outcomes["display_living"] == "not recommended"
    assert "display_living" not in record.chosen_option_ids
    aid = aid_ranking(decision, [cheap, costly])
    assert aid.loc["display_living", "outcome"] == "not recommended"
    assert aid["aid_rank"].isna()["display_living"], "the aid ranks only options the sequence retains"
    assert not {"recommended", "recommended with conditions"} & {record.outcomes["display_living"]}


def test_the_aid_cannot_open_a_closed_gate():
    decision = _cheap_low_value_decision({"conservation_benefit": 1, "feasibility": 0, "risk": 0, "cost": 0})
    assert decision.recommendation().leader_ids == ("insurance_living",), "the aid puts insurance first"
    closed = evaluate(feasibility=appraisal(funding="gap"))
    record = record_decision([closed], decision=decision, date="2025-01-01")
    assert record.outcomes == {"insurance_living": "not recommended"}
    assert record.chosen_option_ids == (BASELINE_ID,) and record.ex_situ_recommended is False
    assert "Ex situ management is not recommended" in record.summary


# -- the record --------------------------------------------------------------------------------------

def test_record_carries_outcomes_conditions_deferral_evidence_and_dissent():
    recommended = evaluate(feasibility=appraisal(funding="partial"))
    deferred = evaluate_option(CHEAP, conservation_value="medium", value_rationale="awareness", structure="unknown",
                               feasibility=appraisal(), deferral_evidence=["a visitor survey"])
    baseline = evaluate_baseline({"wild only": {"p_extinction": 0.3, "years": 100}})
    record = record_decision([recommended, deferred], baseline=baseline, reasoning="consensus",
                             dissent=["wait a year", Dissent(text="prefer biobank", by="R. Keeper",
                                                             option_id="insurance_living")],
                             date="2025-01-01", participants=["A", "B"], notes="review in 2030")
    assert record.outcomes == {"insurance_living": "recommended with conditions", "display_living": "deferred"}
    assert record.chosen_option_ids == ("insurance_living",) and record.roles_retained == ("insurance",)
    assert record.conditions["insurance_living"][0].startswith("feasibility: strengthen")
    assert record.deferral_evidence["display_living"][0] == "a visitor survey"
    assert record.dissent[0].anonymous and str(record.dissent[0]) == "anonymous: wait a year"
    assert record.dissent[1].by == "R. Keeper" and not record.dissent[1].anonymous
    assert "30%" in record.summary and record.flags == ()
    data = json.loads(json.dumps(record.to_dict()))
    assert DecisionRecord.from_dict(data) == record
    assert DecisionRecord.from_dict(data).to_dict() == data
    _raises("chosen_option_ids", DecisionRecord.from_dict, dict(data, chosen_option_ids=["display_living"]))
    _raises("evaluations", DecisionRecord, evaluations=[recommended, recommended])
    _raises("evaluations", DecisionRecord)
    _raises("chosen", Decision(options=[INSURANCE]).record, chosen="insurance_living", evaluations=[recommended])
    table = evaluation_table(record.evaluations, record.baseline)
    assert list(table.index) == [BASELINE_ID, "insurance_living", "display_living"]
    assert table.loc["display_living", "evidence_needed"].startswith("a visitor survey")


def test_record_without_baseline_or_rationale_is_flagged():
    bare = OptionEvaluation(option=INSURANCE, conservation_value="high", structure="yes")
    record = record_decision([bare], date="")
    assert any("risk of doing nothing" in flag for flag in record.flags)
    assert any("without a rationale" in flag for flag in record.flags)


@settings(max_examples=30, deadline=None)
@given(value=st.sampled_from(["high", "medium", "low", "none", "unknown"]),
       structure=st.sampled_from(["yes", "with conditions", "no", "unknown"]),
       funding=st.sampled_from(["available", "partial", "gap", "unknown"]),
       residual=st.tuples(st.integers(1, 5), st.integers(1, 5)),
       dissent=st.lists(st.tuples(st.text(min_size=1).filter(str.strip), st.text()), max_size=3))
def test_record_round_trip_and_sequence_property(value, structure, funding, residual, dissent):
    evaluation = evaluate_option(INSURANCE, conservation_value=value, value_rationale="r", structure=structure,
                                 feasibility=appraisal(funding=funding, residual=residual))
    if value in ("low", "none") or structure == "no" or funding == "gap" or residual[0] * residual[1] >= 20:
        assert evaluation.outcome == "not recommended"
    elif value == "unknown" or structure == "unknown" or funding == "unknown":
        assert evaluation.outcome == "deferred" and evaluation.evidence_needed
    else:
        assert evaluation.outcome in RECOMMENDED
    record = record_decision([evaluation], dissent=[Dissent(text=t, by=b) for t, b in dissent], date="2025-01-01")
    assert DecisionRecord.from_dict(json.loads(json.dumps(record.to_dict()))) == record
