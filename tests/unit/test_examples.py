"""The course's example assessments: complete, lossless in JSON, sourced, and labelled where invented."""

from __future__ import annotations

import json
import math
import re

import pytest

from exsitu.assessment import Assessment
from exsitu.datasets import data_path
from exsitu.decision import BASELINE_ID, example_decisions
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
    texts += [assessment.decision_record.reasoning, *assessment.decision_record.dissent]
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
    for need in assessment.population_needs:
        if need.target is not None or need.pva:
            assert INVENTED.search(need.notes), f"{need.role_id}: generation time, Ne/N or PVA inputs are invented"


def test_snakes_outcome_is_not_recommended(examples):
    assessment = examples["canadian-snakes"]
    record = assessment.decision_record
    assert record.ex_situ_recommended is False
    assert record.chosen_option_ids == (BASELINE_ID,) and record.roles_retained == ()
    recommendation = record.decision.recommendation()
    assert recommendation.ex_situ_recommended is False and "not recommended" in recommendation.statement
    assert record.decision == example_decisions()["snake_not_recommended"]
    assert "Snakes ICAP" in {s.key for s in assessment.sources}


@pytest.mark.parametrize("key", [k for k in KEYS if k != "canadian-snakes"])
def test_other_examples_recommend_the_top_ex_situ_option(key, examples):
    record = examples[key].decision_record
    assert record.ex_situ_recommended is True
    assert set(record.chosen_option_ids) == set(record.decision.recommendation().leader_ids)
    assert record.flags == (), "no missing rationale and the chosen option is the top one"
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
    assert set(assessment.decision_record.roles_retained) == {"insurance", "research", "reintroduction", "education"}
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
    assert [option.form for option in chosen] == ["bio-samples"]
    assert set(assessment.decision_record.roles_retained) == {"biobank", "reintroduction"}
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


def test_label_constant_says_illustrative():
    assert "ILLUSTRATIVE" in ILLUSTRATIVE
