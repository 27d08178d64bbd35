"""Tests for exsitu.feasibility: factors, risk register, templates and the feasibility summary.

Ratings and risk values below are SYNTHETIC exercise data (an insurance colony for the Lord Howe Island
stick insect, case-studies.md §5), not figures from a real assessment.
"""

from __future__ import annotations

import itertools
import json

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exsitu.feasibility import (FEASIBILITY_LABELS, LEVEL_BANDS, RATINGS, RISK_CATEGORIES, FeasibilityAssessment,
                                FeasibilityFactor, FeasibilitySummary, Risk, default_factors, risk_categories,
                                risk_level, risk_rating, risk_template)
from exsitu.roles import PopulationImplication, Role
from exsitu.validation import InvalidInputError

FACTOR_IDS = ["husbandry", "facilities", "staff", "funding", "permits", "founders", "partners", "biosecurity"]


def _all_available() -> FeasibilityAssessment:
    assessment = FeasibilityAssessment("LHISI insurance colony", ("insurance",))
    for factor_id in FACTOR_IDS:
        assessment.rate(factor_id, "available", f"SYNTHETIC evidence for {factor_id}")
    return assessment


# --------------------------------------------------------------------------------------------- rating math
def test_risk_rating_is_likelihood_times_consequence_for_every_cell():
    for lik, con in itertools.product(range(1, 6), repeat=2):
        assert risk_rating(lik, con) == lik * con


@pytest.mark.parametrize("rating, level", [(1, "low"), (4, "low"), (5, "medium"), (6, "medium"), (9, "medium"),
                                           (10, "high"), (12, "high"), (16, "high"), (20, "extreme"),
                                           (25, "extreme")])
def test_level_bands(rating, level):
    assert risk_level(rating) == level


def test_every_product_of_two_scales_has_exactly_one_band():
    products = {lik * con for lik, con in itertools.product(range(1, 6), repeat=2)}
    for product in products:
        assert sum(low <= product <= high for low, high, _ in LEVEL_BANDS) == 1
    assert LEVEL_BANDS == ((1, 4, "low"), (5, 9, "medium"), (10, 16, "high"), (20, 25, "extreme"))


@pytest.mark.parametrize("lik, con, field", [(0, 3, "likelihood"), (6, 3, "likelihood"), (2.5, 3, "likelihood"),
                                             (None, 3, "likelihood"), (3, 0, "consequence"), (3, 6, "consequence"),
                                             ("high", 3, "likelihood")])
def test_risk_rating_rejects_values_outside_1_to_5(lik, con, field):
    with pytest.raises(InvalidInputError) as info:
        risk_rating(lik, con)
    assert info.value.field == field


# --------------------------------------------------------------------------------------------- risks
def test_risk_inherent_and_residual_ratings():
    risk = Risk("exsitu_disease", "ex_situ_population", "Disease outbreak in the colony", 4, 5,
                mitigation="Quarantine and split the colony over three sites", residual_likelihood=2)
    assert (risk.rating, risk.level) == (20, "extreme")
    assert risk.residual == (2, 5)  # residual consequence defaults to the inherent one
    assert (risk.residual_rating, risk.residual_level) == (10, "high")
    assert risk.label == "exsitu_disease"
    unrated = Risk("x", "other_species", "Spill-over")
    assert unrated.rating is None and unrated.residual_rating is None and unrated.level is None
    no_mitigation = Risk("y", "wild_population", "Founder removal", 3, 3)
    assert no_mitigation.residual_rating == 9 and no_mitigation.residual_level == "medium"


@pytest.mark.parametrize("kwargs, field", [
    ({"likelihood": 0, "consequence": 3}, "likelihood"),
    ({"likelihood": 6, "consequence": 3}, "likelihood"),
    ({"likelihood": 3, "consequence": 0}, "consequence"),
    ({"likelihood": 3, "consequence": 6}, "consequence"),
    ({"likelihood": 3, "consequence": 3, "residual_likelihood": 7}, "residual_likelihood"),
    ({"likelihood": 3, "consequence": 3, "residual_consequence": 0}, "residual_consequence"),
    ({"likelihood": 3}, "consequence"),
    ({"consequence": 3}, "likelihood"),
    ({"residual_likelihood": 2}, "likelihood"),
    ({"category": "weather"}, "category"),
    ({"description": "  "}, "description"),
])
def test_bad_risk_fields_are_named(kwargs, field):
    values = {"id": "r", "category": "wild_population", "description": "Founder removal", **kwargs}
    with pytest.raises(InvalidInputError) as info:
        Risk(**values)
    assert info.value.field == field
    assert str(info.value).startswith(field + ":")


def test_risk_categories_cover_the_four_groups_with_source():
    assert list(RISK_CATEGORIES) == ["wild_population", "ex_situ_population", "other_species",
                                     "institutions_programme"]
    table = risk_categories()
    assert "adaptation to captivity" in table.loc["ex_situ_population", "examples"]
    assert "hybridisation" in table.loc["ex_situ_population", "examples"]
    from exsitu import feasibility
    assert "eca-process.md" in feasibility.TEMPLATE_SOURCE_NOTE
    assert "teaching synthesis" in feasibility.TEMPLATE_SOURCE_NOTE
    assert "UNCONFIRMED" in feasibility.TEMPLATE_SOURCE_NOTE


def test_risk_template_for_a_living_release_role():
    risks = risk_template("insurance")
    ids = [r.id for r in risks]
    assert {r.category for r in risks} == set(RISK_CATEGORIES)
    for expected in ("wild_founder_removal", "exsitu_disease", "exsitu_adaptation", "exsitu_gd_loss",
                     "exsitu_hybridisation", "wild_disease_at_release", "prog_funding_ends", "prog_staff_loss"):
        assert expected in ids
    assert "biobank_storage_loss" not in ids
    assert all(not r.rated for r in risks)
    assert len(ids) == len(set(ids))


def test_risk_template_depends_on_the_role():
    biobank = [r.id for r in risk_template("biobank")]
    assert "biobank_storage_loss" in biobank and "biobank_not_viable" in biobank
    assert "exsitu_disease" not in biobank and "wild_disease_at_release" not in biobank
    rescue = [r.id for r in risk_template("temporary_rescue")]
    assert "prog_staff_loss" not in rescue  # a short role
    education = [r.id for r in risk_template("education")]
    assert "wild_disease_at_release" not in education  # no releases
    both = [r.id for r in risk_template(["biobank", "insurance"])]
    assert set(both) == set(biobank) | set(risk_template_ids("insurance"))
    assert len(both) == len(set(both))
    custom = Role(name="Seed bank", living_individuals=False, bio_samples=True,
                  population=PopulationImplication(duration_scale="indefinite"))
    assert [r.id for r in risk_template(custom)] == [r.id for r in risk_template("biobank")]


def risk_template_ids(role_id: str) -> list[str]:
    return [r.id for r in risk_template(role_id)]


def test_risk_template_bad_role():
    with pytest.raises(InvalidInputError, match="^role_id: "):
        risk_template("zoo_display")
    with pytest.raises(InvalidInputError, match="^role_id: "):
        risk_template([])
    with pytest.raises(InvalidInputError, match="^role_id: "):
        risk_template([42])


# --------------------------------------------------------------------------------------------- factors
def test_default_factors():
    factors = default_factors()
    assert [f.id for f in factors] == FACTOR_IDS
    assert all(f.rating == "unknown" and f.question for f in factors)
    assert [f.id for f in factors if not f.essential] == ["partners"]
    assert set(RATINGS) == {"available", "partial", "gap", "unknown"}


@pytest.mark.parametrize("kwargs, field", [({"rating": "good"}, "rating"), ({"name": ""}, "name"),
                                           ({"essential": "yes"}, "essential"), ({"evidence": 3}, "evidence")])
def test_bad_factor_fields_are_named(kwargs, field):
    values = {"id": "funding", "name": "Funding", **kwargs}
    with pytest.raises(InvalidInputError) as info:
        FeasibilityFactor(**values)
    assert info.value.field == field


def test_factor_blocking_only_when_essential_gap():
    assert FeasibilityFactor("f", "Funding", "gap").blocking
    assert not FeasibilityFactor("p", "Partners", "gap", essential=False).blocking
    assert not FeasibilityFactor("f", "Funding", "partial").blocking


# --------------------------------------------------------------------------------------------- summary
def test_all_available_and_low_risks_is_feasible():
    assessment = _all_available()
    assessment.add_risk(Risk("r1", "wild_population", "Founder removal", 1, 3))
    summary = assessment.summary()
    assert summary.label == "feasible"
    assert summary.blocking_gaps == () and summary.blocking_risks == () and summary.conditions == ()
    assert summary.factor_counts == {"available": 8, "partial": 0, "gap": 0, "unknown": 0}
    assert not summary.blocked


def test_essential_gap_blocks_with_its_evidence():
    assessment = _all_available().rate("funding", "gap", "Only two years of funding for a decades-long role")
    summary = assessment.summary()
    assert summary.label == "not feasible now" and summary.blocked
    assert [g["factor_id"] for g in summary.blocking_gaps] == ["funding"]
    assert "essential" in summary.blocking_gaps[0]["why"]
    assert "two years" in summary.blocking_gaps[0]["why"]


def test_non_essential_gap_and_partial_are_conditions():
    assessment = _all_available().rate("partners", "gap", "No partner in the range yet")
    summary = assessment.summary()
    assert summary.label == "feasible with conditions" and summary.blocking_gaps == ()
    assert any("Partners" in c and "not essential" in c for c in summary.conditions)
    partial = _all_available().rate("staff", "partial", "One trained keeper")
    assert partial.summary().label == "feasible with conditions"
    assert any("Staff" in c and "partial" in c for c in partial.summary().conditions)
    unknown = _all_available().rate("permits", "unknown")
    assert any("Permits" in c and "not yet rated" in c for c in unknown.summary().conditions)
    no_evidence = _all_available().rate("facilities", "available", "")
    assert any("Record the evidence" in c for c in no_evidence.summary().conditions)


def test_residual_risk_levels_drive_the_label_and_counts():
    assessment = _all_available()
    assessment.add_risk(Risk("disease", "ex_situ_population", "Disease outbreak", 4, 5,
                             mitigation="Quarantine", residual_likelihood=2, residual_consequence=3,
                             label="Disease outbreak"))
    summary = assessment.summary()
    assert (summary.inherent_extreme, summary.residual_extreme, summary.residual_high) == (1, 0, 0)
    assert summary.label == "feasible"  # 2×3 = 6 medium after mitigation
    assessment.update_risk("disease", residual_likelihood=3, residual_consequence=4)  # 12 high
    summary = assessment.summary()
    assert summary.label == "feasible with conditions" and summary.residual_high == 1
    assert any("Disease outbreak" in c and "12" in c for c in summary.conditions)
    assessment.update_risk("disease", residual_likelihood=None, residual_consequence=None, mitigation="")
    summary = assessment.summary()  # unmitigated: residual = inherent 20, extreme
    assert summary.label == "not feasible now" and summary.residual_extreme == 1
    assert summary.blocking_risks[0]["risk_id"] == "disease"
    assert "no mitigation" in summary.blocking_risks[0]["why"]


def test_unrated_risks_are_a_condition():
    assessment = _all_available()
    assessment.risks.extend(risk_template("insurance"))
    summary = assessment.summary()
    assert summary.unrated_risks == len(risk_template("insurance"))
    assert summary.label == "feasible with conditions"
    assert any(f"Rate the {summary.unrated_risks} risk" in c for c in summary.conditions)


def _reference_label(factors: list[tuple[str, bool, str]], risks: list[tuple[int, int]]) -> str:
    """Independent statement of the documented rule, on plain tuples."""
    if any(essential and rating == "gap" for rating, essential, _ in factors):
        return "not feasible now"
    if any(lik * con >= 20 for lik, con in risks):
        return "not feasible now"
    if any(rating != "available" or not evidence for rating, _, evidence in factors):
        return "feasible with conditions"
    if any(10 <= lik * con <= 16 for lik, con in risks):
        return "feasible with conditions"
    return "feasible"


@settings(max_examples=80, deadline=None)
@given(ratings=st.lists(st.tuples(st.sampled_from(list(RATINGS)), st.sampled_from(["", "SYNTHETIC note"])),
                        min_size=8, max_size=8),
       risks=st.lists(st.tuples(st.integers(1, 5), st.integers(1, 5)), max_size=6))
def test_summary_label_matches_the_documented_rule(ratings, risks):
    assessment = FeasibilityAssessment("option", ("insurance",))
    for factor_id, (rating, evidence) in zip(FACTOR_IDS, ratings):
        assessment.rate(factor_id, rating, evidence)
    for i, (lik, con) in enumerate(risks):
        assessment.add_risk(Risk(f"r{i}", "wild_population", "risk", lik, con))
    factors = [(f.rating, f.essential, f.evidence) for f in assessment.factors]
    summary = assessment.summary()
    assert summary.label == _reference_label(factors, risks)
    assert summary.label in FEASIBILITY_LABELS
    assert summary.residual_high == sum(10 <= l * c <= 16 for l, c in risks)
    assert summary.residual_extreme == sum(l * c >= 20 for l, c in risks)


# --------------------------------------------------------------------------------------------- register and editing
def test_for_roles_builds_factors_and_template_risks():
    assessment = FeasibilityAssessment.for_roles("LHISI insurance + reintroduction", ["insurance", "reintroduction"])
    assert assessment.role_ids == ("insurance", "reintroduction")
    assert [f.id for f in assessment.factors] == FACTOR_IDS
    assert [r.id for r in assessment.risks] == [r.id for r in risk_template(["insurance", "reintroduction"])]


def test_risk_register_frame():
    assessment = FeasibilityAssessment.for_roles("LHISI insurance colony", "insurance")
    assessment.update_risk("exsitu_disease", likelihood=3, consequence=5, mitigation="Quarantine",
                           residual_likelihood=1)
    assessment.update_risk("exsitu_gd_loss", likelihood=4, consequence=4)
    register = assessment.risk_register()
    assert isinstance(register, pd.DataFrame) and register.index.name == "id"
    assert len(register) == len(assessment.risks)
    row = register.loc["exsitu_disease"]
    assert (row["rating"], row["level"], row["residual_rating"], row["residual_level"]) == (15, "high", 5, "medium")
    assert register.loc["exsitu_gd_loss", "residual_rating"] == 16
    assert pd.isna(register.loc["prog_permits", "rating"])
    assert str(register["rating"].dtype) == "Int64"
    rated = register.dropna(subset=["rating"])
    assert (rated["rating"] == rated["likelihood"] * rated["consequence"]).all()
    table = assessment.rate("funding", "gap", "none").factor_table()
    assert table.loc["funding", "blocking"] and not table.loc["partners", "essential"]


def test_editing_errors_name_the_field():
    assessment = FeasibilityAssessment.for_roles("option", "insurance")
    with pytest.raises(InvalidInputError, match="^factor_id: "):
        assessment.rate("money", "gap")
    with pytest.raises(InvalidInputError, match="^rating: "):
        assessment.rate("funding", "bad")
    with pytest.raises(InvalidInputError, match="^risk_id: "):
        assessment.update_risk("meteor", likelihood=1, consequence=1)
    with pytest.raises(InvalidInputError, match="^likelihood: "):
        assessment.update_risk("exsitu_disease", likelihood=6, consequence=2)
    with pytest.raises(InvalidInputError, match="^colour: "):
        assessment.update_risk("exsitu_disease", colour="red")
    with pytest.raises(InvalidInputError, match=r"^risk\.id: "):
        assessment.add_risk(Risk("exsitu_disease", "ex_situ_population", "again"))
    with pytest.raises(InvalidInputError, match=r"^risks\[\d+\]\.consequence: "):
        assessment.add_risk({"category": "other_species", "description": "x", "likelihood": 2, "consequence": 9})
    with pytest.raises(InvalidInputError, match=r"^factor\.id: "):
        assessment.add_factor(FeasibilityFactor("funding", "Funding again"))
    assessment.add_factor({"name": "Community support", "rating": "partial", "essential": False})
    assert assessment.factors[-1].id == "community_support"
    assessment.remove_risk("exsitu_disease")
    assert "exsitu_disease" not in [r.id for r in assessment.risks]


@pytest.mark.parametrize("kwargs, field", [
    ({"option": ""}, "option"),
    ({"option": "o", "risks": [{"category": "wild_population", "description": "a", "likelihood": 2, "consequence": 2},
                               {"category": "wild_population", "description": "b", "likelihood": 0,
                                "consequence": 2}]}, "risks[1].likelihood"),
    ({"option": "o", "risks": [Risk("a", "wild_population", "a"), Risk("a", "wild_population", "b")]}, "risks[1].id"),
    ({"option": "o", "factors": [{"name": "Funding", "rating": "lots"}]}, "factors[0].rating"),
    ({"option": "o", "role_ids": [""]}, "role_ids[0]"),
])
def test_bad_assessment_input_names_the_field(kwargs, field):
    with pytest.raises(InvalidInputError) as info:
        FeasibilityAssessment(**kwargs)
    assert info.value.field == field


# --------------------------------------------------------------------------------------------- storage
def test_assessment_and_summary_round_trip_through_json():
    assessment = FeasibilityAssessment.for_roles("LHISI insurance colony", ["insurance"])
    assessment.rate("husbandry", "available", "Husbandry documented by Honan (2008)")
    assessment.rate("funding", "gap", "SYNTHETIC: two years funded")
    assessment.update_risk("exsitu_gd_loss", likelihood=4, consequence=4, mitigation="Mean-kinship pairing",
                           residual_likelihood=3, residual_consequence=3)
    assessment.notes = "SYNTHETIC exercise data"
    data = json.loads(json.dumps(assessment.to_dict()))
    again = FeasibilityAssessment.from_dict(data)
    assert again == assessment and again.to_dict() == assessment.to_dict()
    summary = assessment.summary()
    summary_again = FeasibilitySummary.from_dict(json.loads(json.dumps(summary.to_dict())))
    assert summary_again == summary
    for risk in assessment.risks:
        assert Risk.from_dict(risk.to_dict()) == risk
    for factor in assessment.factors:
        assert FeasibilityFactor.from_dict(factor.to_dict()) == factor
    with pytest.raises(InvalidInputError, match=r"^assessment\.colour: "):
        FeasibilityAssessment.from_dict({**data, "colour": "red"})
    with pytest.raises(InvalidInputError, match="^option: "):
        FeasibilityAssessment.from_dict({"factors": []})
