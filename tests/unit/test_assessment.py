"""The Assessment model: lossless JSON round trips (property-based), versioning, and bad files."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from exsitu.assessment import (
    SCHEMA_VERSION,
    Assessment,
    AssessmentLoadError,
    Participant,
    PopulationNeed,
    Source,
    load_assessment,
)
from exsitu.decision import Decision, options_from_roles
from exsitu.feasibility import FeasibilityAssessment, Risk
from exsitu.genetics import population_target
from exsitu.roles import suggest_roles
from exsitu.status_review import StatusReview
from exsitu.threats import ThreatImpact
from exsitu.validation import InvalidInputError

CODES = ["1.1", "2.3", "5.1", "5.3", "7.1", "8.1", "8.2", "9.4", "11.2", "11.4"]
TIMINGS = ["Ongoing", "Future", "Past, unlikely to return", "Unknown"]
SCOPES = ["Whole (>90%)", "Majority (50-90%)", "Minority (<50%)", "Unknown"]
SEVERITIES = ["Very rapid declines", "Rapid declines", "Slow, significant declines", "Negligible declines",
              "No decline", "Unknown"]
text = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=0, max_size=30)
name = text.filter(lambda s: s.strip() != "")


@st.composite
def threats(draw):
    return ThreatImpact(code=draw(st.sampled_from(CODES)), timing=draw(st.sampled_from(TIMINGS)),
                        scope=draw(st.sampled_from(SCOPES)), severity=draw(st.sampled_from(SEVERITIES)),
                        notes=draw(text))


@st.composite
def assessments(draw) -> Assessment:
    taxon = draw(name)
    review = StatusReview(
        taxon=taxon, taxon_group=draw(st.sampled_from(["amphibian", "plant", "fungus", "insect", ""])),
        category=draw(st.sampled_from(["CR", "EN", "VU", "NT", "LC", "DD"])),
        threats=tuple(draw(st.lists(threats(), max_size=4))),
        mature_individuals=draw(st.one_of(st.none(), st.integers(0, 100_000))),
        knowledge_gaps=tuple(draw(st.lists(name, max_size=3))), notes=draw(text),
    )
    assessment = Assessment(taxon=taxon, taxon_group=review.taxon_group, scope=draw(text), title=draw(text),
                            notes=draw(text), status_review=review)
    if draw(st.booleans()):
        selection = suggest_roles(review, can_hold_living=draw(st.sampled_from([None, True, False])))
        candidates = [d.role.id for d in selection.candidates] or [selection.decisions[0].role.id]
        accepted = draw(st.lists(st.sampled_from(candidates), max_size=2, unique=True))
        for role_id in accepted:
            selection.accept(role_id, why=draw(name))
        assessment.roles = selection
        for role_id in accepted:
            target = population_target(draw(st.floats(0.5, 0.95)), draw(st.integers(10, 200)),
                                       generation_time=draw(st.floats(0.5, 30)),
                                       ne_to_n_ratio=draw(st.floats(0.05, 1.0)),
                                       founders=draw(st.one_of(st.none(), st.integers(20, 200))))
            assessment.population_needs.append(PopulationNeed(
                role_id=role_id, form=draw(st.sampled_from(PopulationNeed.FORMS)), target=target,
                samples=draw(st.one_of(st.none(), st.integers(0, 500))),
                pva={"wild only": {"p_extinction": draw(st.floats(0, 1))}}, notes=draw(text)))
            feasibility = FeasibilityAssessment.for_roles(f"{role_id} option", [role_id])
            factor = draw(st.sampled_from([f.id for f in feasibility.factors]))
            feasibility.rate(factor, draw(st.sampled_from(["available", "partial", "gap", "unknown"])), draw(text))
            feasibility.add_risk(Risk(id="extra", category=draw(st.sampled_from(
                ["wild_population", "ex_situ_population", "other_species", "institutions_programme"])),
                description=draw(name), likelihood=draw(st.integers(1, 5)), consequence=draw(st.integers(1, 5))))
            assessment.feasibility.append(feasibility)
        if accepted:
            decision = Decision(title=draw(name), options=options_from_roles(accepted))
            for option in decision.options:
                for criterion in decision.criteria:
                    decision = decision.with_score(option.id, criterion.id, draw(st.integers(0, 10)), draw(text))
            assessment.decision = decision
            chosen = draw(st.sampled_from([o.id for o in decision.options]))
            assessment.decision_record = decision.record(chosen, reasoning=draw(name), date="2026-11-25")
    assessment.participants = [Participant(draw(name), draw(text), draw(st.sampled_from(["in situ", "ex situ"])))
                               for _ in range(draw(st.integers(0, 3)))]
    assessment.sources = [Source("G14", "IUCN/SSC (2014) Guidelines on the Use of Ex Situ Management")]
    return assessment


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(assessments())
def test_json_round_trip_is_lossless(assessment):
    text = assessment.to_json()
    loaded = Assessment.from_json(text)
    assert loaded.to_dict() == assessment.to_dict()
    assert loaded.to_json() == text
    assert loaded == assessment


def test_json_carries_its_schema_version():
    data = json.loads(Assessment(taxon="Atelopus zeteki").to_json())
    assert data["schema_version"] == SCHEMA_VERSION and data["format"] == "exsitu-assessment"


def test_save_and_load_file(tmp_path):
    assessment = Assessment(taxon="Wollemia nobilis", participants=[Participant("A. Facilitator", role="facilitator")])
    path = tmp_path / "sub" / "wollemi.json"
    assessment.save(path)
    assert Assessment.load(path) == assessment
    assert [p.name for p in tmp_path.joinpath("sub").iterdir()] == ["wollemi.json"], "no temporary file left"


@pytest.mark.parametrize("text, field", [
    ("not json", "file"),
    ("[1, 2]", "file"),
    ('{"taxon": "x"}', "schema_version"),
    ('{"schema_version": 99, "taxon": "x"}', "schema_version"),
    ('{"schema_version": 0, "taxon": "x"}', "schema_version"),
    ('{"schema_version": "one", "taxon": "x"}', "schema_version"),
    ('{"schema_version": 1, "format": "other", "taxon": "x"}', "format"),
])
def test_files_that_are_not_assessments_name_the_field(text, field):
    with pytest.raises(AssessmentLoadError) as caught:
        Assessment.from_json(text)
    assert caught.value.field == field
    with pytest.raises(AssessmentLoadError):
        load_assessment(text)


def _good_assessment() -> Assessment:
    review = StatusReview(taxon="Atelopus zeteki", category="CR",
                          threats=(ThreatImpact("8.1", "Ongoing", "Whole (>90%)", "Very rapid declines"),))
    selection = suggest_roles(review)
    selection.accept("insurance", "chytrid cannot yet be controlled in the wild")
    return Assessment(taxon="Atelopus zeteki", status_review=review, roles=selection,
                      population_needs=[PopulationNeed("insurance", target=population_target(0.9, 100, 3.0))])


def test_a_bad_field_is_named_and_strict_loading_refuses():
    data = _good_assessment().to_dict()
    data["population_needs"][0]["form"] = "frozen"
    with pytest.raises(AssessmentLoadError) as caught:
        Assessment.from_dict(data)
    assert caught.value.field == "population_needs[0].form"
    assert "frozen" in str(caught.value)


def test_lenient_loading_keeps_what_is_valid_and_loses_nothing():
    original = _good_assessment()
    data = original.to_dict()
    data["population_needs"][0]["form"] = "frozen"
    data["roles"]["decisions"] = "garbage"
    loaded, problems = load_assessment(json.dumps(data))
    fields = sorted(p.field for p in problems)
    assert fields[0].startswith("population_needs[0]") and any(f.startswith("roles") for f in fields)
    assert loaded.status_review == original.status_review, "valid sections are kept"
    assert loaded.roles is None and loaded.population_needs == []
    resaved = loaded.to_dict()
    assert resaved["population_needs"] == data["population_needs"], "the bad section is written back as it was"
    assert resaved["roles"] == data["roles"]
    # Once fixed by hand, the file loads fully again.
    resaved["population_needs"][0]["form"] = "living"
    resaved["roles"] = original.to_dict()["roles"]
    assert Assessment.from_dict(resaved) == original


def test_unknown_top_level_field_is_reported_not_dropped_silently():
    data = Assessment(taxon="x").to_dict()
    data["colour"] = "green"
    with pytest.raises(AssessmentLoadError, match="colour"):
        Assessment.from_dict(data)
    _, problems = load_assessment(data)
    assert [p.field for p in problems] == ["colour"]


def test_bad_taxon_is_kept_in_notes_when_loading_leniently():
    data = Assessment(taxon="x").to_dict()
    data["taxon"] = ""
    with pytest.raises(AssessmentLoadError) as caught:
        Assessment.from_dict(data)
    assert caught.value.field == "taxon"
    loaded, problems = load_assessment(data)
    assert [p.field for p in problems] == ["taxon"] and loaded.taxon == "unnamed taxon"


def test_constructor_validates_fields():
    with pytest.raises(InvalidInputError, match="taxon"):
        Assessment(taxon=" ")
    with pytest.raises(InvalidInputError, match="created"):
        Assessment(taxon="x", created="yesterday")
    with pytest.raises(InvalidInputError, match="form"):
        PopulationNeed("insurance", form="frozen")
    with pytest.raises(InvalidInputError, match="samples"):
        PopulationNeed("biobank", form="bio-samples", samples=-3)
    with pytest.raises(InvalidInputError, match="name"):
        Participant("")


def test_steps_done_tracks_progress():
    assessment = _good_assessment()
    assert assessment.steps_done() == {1: True, 2: True, 3: True, 4: False, 5: False}


def test_schema_version_1_files_still_load_and_migrate_to_the_new_decision_record():
    """Version 1 stored dissent as texts and had no per-option evaluations; it loads, and saves as version 2."""
    from exsitu.decision import BASELINE_ID, Decision, Dissent, Option, Score, default_criteria

    options = [Option(id="a", name="Option A", role_ids=["insurance"])]
    scores = [Score(option_id=o, criterion_id=c.id, value=5, rationale="r")
              for o in (BASELINE_ID, "a") for c in default_criteria()]
    decision = Decision(options=options, scores=scores)
    version_1 = {
        "format": "exsitu-assessment", "schema_version": 1, "taxon": "Testus oldus",
        "decision": decision.to_dict(),
        "decision_record": {"decision": decision.to_dict(), "chosen_option_ids": ["a"],
                            "roles_retained": ["insurance"], "ex_situ_recommended": True, "summary": "old summary",
                            "reasoning": "chosen in 2024", "dissent": ["C. Person preferred a biobank", ""],
                            "notes": "", "date": "2024-05-01", "participants": ["C. Person"]},
    }
    assert SCHEMA_VERSION == 2
    loaded = Assessment.from_json(json.dumps(version_1))
    record = loaded.decision_record
    assert record.chosen_option_ids == ("a",) and record.summary == "old summary"
    assert record.dissent == (Dissent(text="C. Person preferred a biobank"),), "texts become anonymous dissent"
    assert record.evaluations == () and record.outcomes == {}
    assert record.flags[0].startswith("recorded without the Step 5 evaluation")
    saved = json.loads(loaded.to_json())
    assert saved["schema_version"] == 2
    assert saved["decision_record"]["dissent"] == [{"text": "C. Person preferred a biobank", "by": "",
                                                    "option_id": ""}]
    assert Assessment.from_json(loaded.to_json()) == loaded
    assessment, problems = load_assessment(json.dumps(version_1))
    assert problems == [] and assessment == loaded
