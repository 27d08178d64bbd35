"""The course's example assessments: complete, lossless in JSON, sourced, and labelled where invented."""

from __future__ import annotations

import json
import math
import re

import pytest

from exsitu.assessment import Assessment
from exsitu.datasets import data_path
from exsitu.decision import BASELINE_ID, RECOMMENDED, example_decisions
from exsitu.examples import ILLUSTRATIVE, SOURCES, example_assessment, example_keys
from exsitu.geo import range_summary
from exsitu.validation import InvalidInputError

KEYS = ["panamanian-golden-frog", "lord-howe-island-stick-insect", "wood-decay-fungi", "canadian-snakes",
        "exemplia-montana"]
INVENTED = re.compile(r"ILLUSTRATIVE|SYNTHETIC|illustrative", re.IGNORECASE)


@pytest.fixture(scope="module")
def examples() -> dict[str, Assessment]:
    return {key: example_assessment(key) for key in KEYS}


def test_the_course_case_studies_are_all_there():
    assert set(KEYS) <= set(example_keys())


def test_unknown_key_names_the_field():
    with pytest.raises(InvalidInputError) as caught:
        example_assessment("dodo")
    assert caught.value.field == "key" and "panamanian-golden-frog" in str(caught.value)


@pytest.mark.parametrize("key", KEYS)
def test_example_is_complete_and_round_trips_losslessly(key, examples):
    assessment = examples[key]
    assert assessment.steps_done() == {1: True, 2: True, 3: True, 4: True, 5: True}
    text = assessment.to_json()
    loaded = Assessment.from_json(text)
    assert loaded == assessment
    assert loaded.to_json() == text
    assert json.loads(text)["taxon"] == assessment.taxon


@pytest.mark.parametrize("key", KEYS)
def test_examples_are_built_fresh_and_reproducibly(key):
    first = example_assessment(key)
    first.notes = "changed by a learner"
    first.population_needs.clear()
    second = example_assessment(key)
    assert second.notes != "changed by a learner" and second.population_needs
    assert second.to_json() == example_assessment(key).to_json()


def _own_texts(assessment: Assessment) -> list[str]:
    """The texts the example itself wrote (not the catalogues' standard wording)."""
    review = assessment.status_review
    texts = [assessment.notes, review.wild_population, review.ex_situ_holdings, review.notes,
             *review.knowledge_gaps, *(t.notes for t in review.threats)]
    texts += [d.rationale for d in assessment.roles.decisions]
    texts += [need.notes for need in assessment.population_needs]
    texts += [json.dumps(need.pva) for need in assessment.population_needs]
    for feasibility in assessment.feasibility:
        texts += [feasibility.notes, *(f.evidence for f in feasibility.factors), *(r.mitigation for r in feasibility.risks)]
    decision = assessment.decision_record.decision
    texts += [decision.description, *(s.rationale for s in decision.scores)]
    record = assessment.decision_record
    texts += [record.reasoning, *(d.text for d in record.dissent), *(d.by for d in record.dissent)]
    for evaluation in record.evaluations:
        texts += [evaluation.value_rationale, evaluation.structure_rationale, *evaluation.deferral_evidence]
    texts += [record.baseline.notes, record.baseline.source]
    return texts


@pytest.mark.parametrize("key", KEYS)
def test_every_cited_source_key_has_its_full_source_entry(key, examples):
    assessment = examples[key]
    listed = {source.key: source for source in assessment.sources}
    cited = set()
    for text in _own_texts(assessment):
        for group in re.findall(r"\[([A-Za-z][A-Za-z0-9 ;-]*)\]", text):
            cited.update(part.strip() for part in group.split(";"))
    assert cited, "the example cites its sources"
    assert cited <= set(listed), f"cited but not listed: {sorted(cited - set(listed))}"
    for source_key, source in listed.items():
        assert source.citation == SOURCES[source_key][0] and len(source.citation) > 20


@pytest.mark.parametrize("key", KEYS)
def test_invented_numbers_are_labelled(key, examples):
    assessment = examples[key]
    for threat in assessment.status_review.threats:
        assert INVENTED.search(threat.notes), f"threat {threat.code}: timing/scope/severity are invented"
    for feasibility in assessment.feasibility:
        assert INVENTED.search(feasibility.notes)
        assert all(f.rating != "unknown" for f in feasibility.factors), "every factor rated"
        assert all(r.rated for r in feasibility.risks), "every risk rated"
    decision = assessment.decision_record.decision
    assert INVENTED.search(decision.title + decision.description)
    assert all(INVENTED.search(score.by) for score in decision.scores)
    assert not decision.missing_rationales()
    record = assessment.decision_record
    assert INVENTED.search(record.reasoning), "the Step 5 judgements are labelled invented"
    assert all(INVENTED.search(d.text) for d in record.dissent)
    if record.baseline.extinction_probability is not None:
        assert INVENTED.search(record.baseline.source), "the wild-only PVA inputs are invented"
    for need in assessment.population_needs:
        if need.target is not None or need.pva:
            assert INVENTED.search(need.notes), f"{need.role_id}: generation time, Ne/N or PVA inputs are invented"


def test_snakes_outcome_is_not_recommended(examples):
    assessment = examples["canadian-snakes"]
    record = assessment.decision_record
    assert record.ex_situ_recommended is False
    assert record.chosen_option_ids == (BASELINE_ID,) and record.roles_retained == ()
    assert set(record.outcomes.values()) == {"not recommended"}
    assert all(e.decided_by == "conservation value" for e in record.evaluations), "low value decides first"
    # The risk of doing nothing is stated from a wild-only PVA, beside the options.
    assert record.baseline.extinction_probability is not None and record.baseline.years == 100
    assert "Without ex situ action" in record.verdict
    recommendation = record.decision.recommendation()
    assert recommendation.ex_situ_recommended is False and "not recommended" in recommendation.statement
    assert record.decision == example_decisions()["snake_not_recommended"]
    assert "Snakes ICAP" in {s.key for s in assessment.sources}


@pytest.mark.parametrize("key", [k for k in KEYS if k != "canadian-snakes"])
def test_other_examples_retain_what_the_sequence_recommends(key, examples):
    record = examples[key].decision_record
    assert record.ex_situ_recommended is True
    assert record.evaluations and record.baseline is not None
    assert set(record.chosen_option_ids) == {i for i, o in record.outcomes.items() if o in RECOMMENDED}
    assert record.flags == (), "every judgement has a rationale and the baseline is stated"
    for evaluation in record.evaluations:
        assert evaluation.conservation_value in ("high", "medium") or evaluation.outcome == "not recommended"
        if evaluation.outcome == "deferred":
            assert evaluation.evidence_needed, "a deferral names the evidence that would change it"
    accepted = {role.id for role in examples[key].roles.accepted_roles()}
    assert set(record.roles_retained) <= accepted


def test_golden_frog_insurance_and_research(examples):
    assessment = examples["panamanian-golden-frog"]
    assert assessment.status_review.category == "CR" and "Atelopus zeteki" in assessment.taxon
    assert {"insurance", "research"} <= {role.id for role in assessment.roles.accepted_roles()}
    assert assessment.roles.get("reintroduction").status == "rejected"
    assert set(assessment.decision_record.roles_retained) == {"insurance", "research"}
    target = assessment.population_needs[0].target
    # Hand-worked: 100 years / 3 years per generation; Ne >= 1 / (2 (1 - 0.9^(1/t))); N = Ne / 0.3.
    t = 100 / 3
    exact = 1 / (2 * (1 - 0.9 ** (1 / t)))
    assert target.effective_size_exact == pytest.approx(exact)
    assert target.effective_size == math.ceil(exact)
    assert target.census_size == math.ceil(exact / 0.3 - 1e-9)
    assert "1,000 adults" in assessment.status_review.ex_situ_holdings


def test_stick_insect_status_founders_and_pva(examples):
    assessment = examples["lord-howe-island-stick-insect"]
    review = assessment.status_review
    assert (review.category, review.criteria) == ("CR", "D")
    assert review.redlist.category == "CR" and review.redlist.criteria == "D"  # 35 < 50 mature individuals
    insurance = assessment.population_needs[0]
    assert insurance.founders_available == 4
    assert insurance.target.initial_gene_diversity == pytest.approx(1 - 1 / 8)
    record = assessment.decision_record
    assert set(record.roles_retained) == {"insurance", "research", "education"}
    assert record.outcomes["reintroduction_living"] == "deferred"
    assert any("eradication" in e for e in record.deferral_evidence["reintroduction_living"])
    assert record.dissent[0].by and record.dissent[0].option_id == "reintroduction_living"
    assert record.baseline.scenario == "Ball's Pyramid, no collection" and record.baseline.years == 50
    assert len(insurance.pva) == 2
    for figures in insurance.pva.values():
        assert figures["replicates"] == 400 and figures["seed"] == 2003
        assert 0 <= figures["p_extinction"] <= figures["p_quasi_extinction_4"] <= 1


def test_fungi_are_bio_samples(examples):
    assessment = examples["wood-decay-fungi"]
    assert assessment.taxon_group == "fungus"
    assert assessment.roles.basis["can_hold_living"] is False
    assert {need.form for need in assessment.population_needs} == {"bio-samples"}
    # Hand-worked: 1 - 0.95^n >= 0.95  ->  n >= ln 0.05 / ln 0.95 = 58.4  ->  59 gene copies, one per culture.
    assert assessment.population_needs[0].samples == math.ceil(math.log(0.05) / math.log(0.95)) == 59
    chosen = assessment.decision_record.chosen_options
    assert {option.form for option in chosen} == {"bio-samples"}
    assert set(assessment.decision_record.roles_retained) == {"biobank", "reintroduction"}
    assert assessment.decision_record.baseline.extinction_probability is None, "no projection, and it says so"
    assert "not been projected" in assessment.decision_record.baseline.statement()
    assert "28–60%" in assessment.roles.get("reintroduction").rationale


def test_exemplia_range_and_category_come_from_the_synthetic_records(examples):
    assessment = examples["exemplia-montana"]
    expected = range_summary(data_path("occurrences/synthetic_montane_shrub.csv"))
    assert assessment.range_summary == expected
    assert expected.n_records_read == 120 and expected.n_records_kept == 105  # data/README.md: 15 bad rows
    review = assessment.status_review
    assert review.eoo_km2 == expected.eoo_km2 and review.aoo_km2 == expected.aoo_km2 == expected.n_cells * 4.0
    # Criterion B at EN: EOO < 5,000 km², AOO < 500 km², <= 5 locations, continuing decline (RL31); not CR (AOO >= 10).
    assert 100 <= expected.eoo_km2 < 5000 and 10 <= expected.aoo_km2 < 500
    assert review.category == "EN" and review.criteria == "B1ab(iii,iv)+2ab(iii,iv)"
    assert "SYNTHETIC" in assessment.taxon and "SYNTHETIC" in assessment.notes
    record = assessment.decision_record
    assert record.outcomes == {"seed_bank": "recommended with conditions", "reintroduction_living": "deferred"}
    assert record.evaluation("reintroduction_living").defer, "the group deferred it, naming the evidence"


def test_label_constant_says_illustrative():
    assert "ILLUSTRATIVE" in ILLUSTRATIVE
