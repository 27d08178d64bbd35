"""Tests for exsitu.roles: the role catalogue, the suggestion rule and the facilitator's record.

Expected scores are worked by hand from the rule in the module docstring (impact points High 3, Medium 2,
Low 1, Unknown 1; situation points in exsitu.roles.SITUATIONS). Species data follow the course domain
brief case-studies.md; values it does not give (e.g. impact classes, the fungus's category) are SYNTHETIC.
"""

from __future__ import annotations

import importlib
import json
from types import SimpleNamespace

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from exsitu import roles
from exsitu.roles import (IMPACTS, SITUATIONS, PopulationImplication, Reason, Role, RoleDecision, RoleSelection,
                          get_role, population_requirements, role_catalogue, scoring_rules, strength_of,
                          suggest_roles, validate_threat_code)
from exsitu.status_review import StatusReview
from exsitu.threats import ThreatImpact
from exsitu.validation import InvalidInputError

# Role list and purpose groups as given in eca-process.md §3 (purpose group = first group listed there).
DOMAIN_ROLES = {
    "Insurance population (assurance colony)": "C",
    "Temporary rescue": "C",
    "Long-term preservation of genetic material (biobank)": "C",
    "Demographic manipulation (e.g. head-starting)": "B",
    "Source for population restoration (reintroduction / reinforcement)": "D",
    "Genetic rescue / genetic management": "B",
    "Ecological replacement": "D",
    "Assisted colonisation": "D",
    "Research": "A",
    "Training": "A",
    "Conservation education / awareness": "A",
}


def _names(selection: RoleSelection) -> list[str]:
    return [d.role.id for d in selection.decisions]


def _reasons_text(decision: RoleDecision) -> str:
    return " | ".join(r.text for r in decision.reasons)


# --------------------------------------------------------------------------------------------- catalogue
def test_catalogue_has_every_domain_role_with_its_purpose_group_and_source():
    table = role_catalogue()
    assert set(table["name"]) == set(DOMAIN_ROLES)
    assert len(table) == len(DOMAIN_ROLES)
    sources = roles.catalogue_sources()
    for role in roles.roles():
        assert role.purpose_group == DOMAIN_ROLES[role.name]
        assert role.sources, role.id
        assert set(role.sources) <= set(sources), role.id
        assert "teaching synthesis" in role.purpose_group_status
        assert role.purpose and role.fits and role.typical_duration and role.evidence
    assert "NOT FOUND" in roles.CATALOGUE_SOURCE_NOTE
    assert "IUCN/SSC (2014)" in sources["G14"]
    # Research and Training are the two descriptions confirmed by CSI-roles.
    assert "confirmed" in get_role("research").evidence and "CSI-roles" in get_role("training").evidence
    # secondary purpose groups from the domain table
    assert get_role("biobank").purpose_groups == ("C", "B", "D")
    assert get_role("genetic_rescue").purpose_groups == ("B", "D")


# Roles a published source read for the course lists (eca-process.md section 3, sources.md): Research and Training
# with their descriptions on the Canadian Species Initiative's page; insurance, genetic material, reintroduction
# stock and education in GSAP Action 4.4. For the other five no source was found.
SOURCED_ROLES = {"research": "CSI-roles", "training": "CSI-roles", "insurance": "GSAP", "biobank": "GSAP",
                 "reintroduction": "GSAP", "education": "GSAP"}
UNSOURCED_ROLES = {"temporary_rescue", "demographic_manipulation", "genetic_rescue", "ecological_replacement",
                   "assisted_colonisation"}


def test_every_role_names_its_source_or_says_none_was_found():
    assert set(SOURCED_ROLES) | UNSOURCED_ROLES == {r.id for r in roles.roles()}
    for role in roles.roles():
        assert role.source, role.id
        if role.id in SOURCED_ROLES:
            assert SOURCED_ROLES[role.id] in role.source and "NOT FOUND" not in role.source, role.id
            assert SOURCED_ROLES[role.id] in role.sources, role.id
        else:
            assert "NOT FOUND" in role.source and "course" in role.sources, role.id
        # no source read maps a role to a purpose group: every role says so
        assert "Purpose group: course mapping - no source" in role.source, role.id
    assert "little brown bat" in get_role("research").source
    assert "health assessment" in get_role("training").purpose
    assert role_catalogue().loc["training", "source"] == get_role("training").source


def test_every_purpose_group_names_its_source():
    assert set(roles.PURPOSE_GROUP_SOURCES) == set(roles.PURPOSE_GROUPS) == {"A", "B", "C", "D"}
    for key, source in roles.PURPOSE_GROUP_SOURCES.items():
        assert "CSI-roles" in source and "confirmed" in source, key
    data = roles._catalogue_data()["purpose_groups"]
    assert {key: entry["name"] for key, entry in data.items()} == roles.PURPOSE_GROUPS


def test_role_source_round_trips_and_old_records_still_load():
    role = get_role("research")
    assert Role.from_dict(role.to_dict()).source == role.source
    old = {key: value for key, value in role.to_dict().items() if key != "source"}
    assert Role.from_dict(old).source == ""
    with pytest.raises(InvalidInputError, match="^source: "):
        Role(name="Fundraising", source=3)


def test_catalogue_table_columns_and_living_vs_samples():
    table = role_catalogue()
    for column in ("purpose", "purpose_group", "threat_codes", "living_individuals", "bio_samples",
                   "genetic_management", "size_scale", "duration_scale", "release_ready", "step3_calculation",
                   "step3_tools", "typical_duration", "sources"):
        assert column in table.columns
    assert not table.loc["biobank", "living_individuals"] and table.loc["biobank", "bio_samples"]
    assert table.loc["insurance", "living_individuals"] and not table.loc["insurance", "bio_samples"]
    assert table.loc["insurance", "genetic_management"] and table.loc["insurance", "release_ready"]
    assert not table.loc["temporary_rescue", "genetic_management"]
    assert table.loc["temporary_rescue", "duration_scale"] == "short"
    assert table.loc["biobank", "duration_scale"] == "indefinite"


def test_step3_tools_point_at_real_functions_or_modules():
    for role in roles.roles():
        for tool in role.population.step3_tools:
            module_name, _, attribute = tool.rpartition(".")
            try:
                module = importlib.import_module(tool)
            except ImportError:
                module = importlib.import_module(module_name)
                assert callable(getattr(module, attribute)), tool
    assert "exsitu.genetics.population_target" in get_role("insurance").population.step3_tools


def test_get_role_unknown_names_the_field():
    assert get_role("insurance").name.startswith("Insurance")
    with pytest.raises(InvalidInputError, match="^role_id: .*insurance"):
        get_role("zoo_display")


@pytest.mark.parametrize("code", ["1", "8", "8.1", "8.6", "8.1.2", "11.5", "12.1", " 5.3 "])
def test_valid_threat_codes(code):
    assert validate_threat_code(code) == code.strip()


@pytest.mark.parametrize("code", ["13", "0", "8.7", "12.2", "2.5", "abc", "", None, "8.1.0", True, "1.1.1.1"])
def test_invalid_threat_codes_name_the_field(code):
    with pytest.raises(InvalidInputError, match=r"^threats\[0\]\.code: .*(threat code|Threats Classification).* — "):
        validate_threat_code(code, "threats[0].code")


def test_strength_bands():
    assert [strength_of(s) for s in (0, 1, 2, 3, 4, 5, 11)] == [
        "none", "weak", "weak", "moderate", "moderate", "strong", "strong"]


def test_scoring_rules_table_lists_every_impact_and_situation():
    table = scoring_rules()
    triggers = set(table["trigger"])
    for impact in IMPACTS:
        assert f"threat with impact {impact}" in triggers
    assert set(SITUATIONS) <= triggers
    row = table[table["trigger"] == "threat with impact High"].iloc[0]
    assert row["points"] == 3


# --------------------------------------------------------------------------------------------- real cases
GOLDEN_FROG = {
    "taxon": "Atelopus zeteki",
    "category": "CR",
    # 8.1 chytrid: ongoing, whole, very rapid → 3+3+3 = 9 → High (redlist-threats.md §4 test case).
    # 5.1 pet trade and 1.1 habitat loss: impacts SYNTHETIC.
    "threats": [{"code": "8.1", "impact": "High"}, {"code": "5.1", "impact": "Low"},
                {"code": "1.1", "impact": "Medium"}],
    "knowledge_gaps": ["how to control Bd in the wild"],
}


def test_golden_frog_insurance_and_research_rank_first_because_of_chytrid():
    selection = suggest_roles(GOLDEN_FROG)
    assert _names(selection)[:2] == ["insurance", "research"]
    insurance, research = selection.decisions[:2]
    # insurance: 8.1 High +3, CR +2, major threats 8.1/1.1 not controllable +2 = 7
    assert insurance.score == 7 and insurance.strength == "strong" and insurance.status == "suggested"
    # research: 8.1 High +3 (research addresses class 8), knowledge gap +2 = 5
    assert research.score == 5 and research.strength == "strong"
    assert "8.1" in _reasons_text(insurance) and "8.1" in _reasons_text(research)
    assert any(r.kind == "threat" and r.trigger == "8.1" and r.points == 3 for r in insurance.reasons)
    assert "Bd" in _reasons_text(research)
    # reintroduction is not suggested while the threat persists, and says why
    reintro = selection.get("reintroduction")
    assert reintro.status == "not suggested" and reintro.score == 0
    assert "Not suggested" in _reasons_text(reintro)
    # education from the pet trade (5.1 Low) is weak
    assert selection.get("education").score == 1 and selection.get("education").strength == "weak"
    assert selection.taxon == "Atelopus zeteki"


def test_lord_howe_stick_insect_insurance_and_reintroduction_after_rat_eradication():
    review = {"category": "CR", "mature_individuals": 35,  # max observed wild population 35 [RL-LHISI]
              "threats": [{"code": "8.1", "impact": "High"}]}  # black rats; impact SYNTHETIC
    # Rats were eradicated on Lord Howe Island in 2019 (case-studies.md §5): controllable; the insect
    # is extirpated from Lord Howe Island itself.
    selection = suggest_roles(review, controllable_threats=["8.1"], situations=["extirpated_locally"])
    assert _names(selection)[0] == "insurance"
    insurance = selection.get("insurance")
    # 8.1 High +3, CR +2, 35 < 50 mature +3; 8.1 is controllable so no 'uncontrolled' points → 8
    assert insurance.score == 8
    assert "fewer than 50" in _reasons_text(insurance)
    reintro = selection.get("reintroduction")
    # threat_controllable +2, extirpated_locally +3 = 5
    assert reintro.score == 5 and reintro.strength == "strong"
    assert "8.1" in _reasons_text(reintro) and "controllable" in _reasons_text(reintro)
    assert "reintroduction" in _names(selection)[:3]
    # without the eradication, the 8.1 threat counts as uncontrolled for insurance instead
    before = suggest_roles(review, situations=["extirpated_locally"])
    assert before.get("insurance").score == 10
    assert before.get("reintroduction").score == 3


def test_fungus_that_cannot_be_kept_alive_gets_biobank_first():
    # Wood-decay fungi threatened by forestry (5.3); category and impact SYNTHETIC.
    review = {"taxon": "Amylocystis lapponica", "category": "EN",
              "threats": [{"code": "5.3", "impact": "High"}]}
    selection = suggest_roles(review, can_hold_living=False)
    top = selection.decisions[0]
    assert top.role.id == "biobank"
    # EN +1, cannot hold living +3 = 4
    assert top.score == 4 and top.strength == "moderate"
    assert "cannot be kept alive" in _reasons_text(top)
    education = selection.get("education")
    assert education.strength == "excluded" and education.score == 0 and education.status == "not suggested"
    assert "5.3" in _reasons_text(education) and "Excluded" in _reasons_text(education)
    assert sum(r.points for r in education.reasons) == 0
    assert selection.get("insurance").strength == "excluded"
    # a culture can be the source for reintroduction (inoculation), so it is not excluded
    declared = suggest_roles(review, can_hold_living=False, situations=["extirpated_locally"])
    assert declared.get("reintroduction").score == 3 and declared.get("reintroduction").strength != "excluded"


def test_least_concern_species_with_low_threats_gets_no_strong_population_role():
    review = {"category": "LC", "threats": [{"code": "5.1", "impact": "Low"}, {"code": "1.1", "impact": "Low"}]}
    selection = suggest_roles(review)
    assert all(d.strength in ("weak", "none") for d in selection.decisions)
    for role_id in ("insurance", "reintroduction", "biobank", "genetic_rescue", "temporary_rescue"):
        assert selection.get(role_id).status == "not suggested"
    assert selection.get("education").status == "suggested"
    assert selection.get("education").score == 1


def test_wollemi_pine_fire_suggests_temporary_rescue_and_visitors_education():
    review = {"category": "CR", "mature_individuals": 80,  # ~80 mature individuals [RL-Wollemi]
              "threats": [{"code": "8.1", "impact": "High"}, {"code": "6.1", "impact": "Medium"},
                          {"code": "7.1", "impact": "Medium"}]}  # impacts SYNTHETIC
    selection = suggest_roles(review)
    # insurance: 8.1 +3, CR +2, 80 < 250 +2, uncontrolled major threats +2 = 9
    assert selection.get("insurance").score == 9
    rescue = selection.get("temporary_rescue")
    assert rescue.score == 2 and "7.1" in _reasons_text(rescue)
    assert selection.get("education").score == 2 and "6.1" in _reasons_text(selection.get("education"))


def test_category_and_situation_triggers():
    ew = suggest_roles({"category": "EW", "threats": [{"code": "8.1", "impact": "Past"}]})
    # reintroduction: EW +3, Past threat removed +2
    assert ew.get("reintroduction").score == 5
    # the Past threat matches insurance's codes but adds nothing
    insurance = ew.get("insurance")
    assert any(r.trigger == "8.1" and r.points == 0 for r in insurance.reasons)
    assert insurance.score == 3  # EW +3 only
    ex = suggest_roles({"category": "EX", "threats": []})
    assert ex.decisions[0].role.id == "ecological_replacement" and ex.decisions[0].score == 3
    dd = suggest_roles({"category": "DD", "threats": [{"code": "2.1", "impact": "Unknown"}]})
    assert dd.get("research").score == 2 and "category DD" in _reasons_text(dd.get("research"))
    gaps = suggest_roles({"category": "VU", "threats": []}, capacity_gaps=["health assessment of wild animals"])
    assert gaps.decisions[0].role.id == "training" and gaps.get("training").score == 2
    climate = suggest_roles({"category": "VU", "threats": [{"code": "11.1", "impact": "High"},
                                                            {"code": "11.4", "impact": "Medium"}]})
    # assisted colonisation matches class 11: 3 + 2; temporary rescue only 11.4: 2; biobank class 11: 3 + 2
    assert climate.get("assisted_colonisation").score == 5
    assert climate.get("temporary_rescue").score == 2
    assert climate.get("biobank").score == 5
    head = suggest_roles({"category": "EN", "threats": []}, situations=["early_life_mortality"])
    assert head.decisions[0].role.id == "demographic_manipulation"


def test_level1_threat_code_matches_role_codes_once():
    selection = suggest_roles({"category": "VU", "threats": [{"code": "8", "impact": "High"}]})
    insurance = selection.get("insurance")
    assert [r.trigger for r in insurance.reasons if r.kind == "threat"] == ["8"]
    level3 = suggest_roles({"category": "VU", "threats": [{"code": "8.1.2", "impact": "Medium"}]})
    assert level3.get("insurance").score == 2 + 2  # 8.1.2 Medium +2, uncontrolled major +2


def test_duck_typed_status_review_and_threat_objects():
    threat = SimpleNamespace(code="8.1", impact="High", timing="Ongoing")
    review = SimpleNamespace(taxon="Atelopus zeteki", category="CR", threats=[threat, SimpleNamespace(code="5.1", impact="Low")],
                             mature_individuals=None, knowledge_gaps=["how to control Bd in the wild"])
    from_object = suggest_roles(review)
    from_dict = suggest_roles({**GOLDEN_FROG, "threats": GOLDEN_FROG["threats"][:2]})
    assert [(d.role.id, d.score) for d in from_object.decisions] == [(d.role.id, d.score) for d in from_dict.decisions]
    assert from_object.basis["threats"][0] == {"code": "8.1", "impact": "High", "timing": "Ongoing"}


def test_real_status_review_and_threat_impact_classes():
    review = StatusReview(
        taxon="Atelopus zeteki", taxon_group="amphibian", category="CR",
        threats=(ThreatImpact("8.1", "ongoing", "whole", "very rapid", notes="Bd chytrid"),  # 9 → High
                 ThreatImpact("5.1", "ongoing", "minority", "slow, significant"),  # 5 → Low
                 ThreatImpact("1.1", "ongoing", "majority", "rapid")),  # 7 → Medium
        knowledge_gaps=("how to control Bd in the wild",))
    from_classes = suggest_roles(review)
    from_dicts = suggest_roles(GOLDEN_FROG)
    assert [(d.role.id, d.score, d.strength) for d in from_classes.decisions] == [
        (d.role.id, d.score, d.strength) for d in from_dicts.decisions]
    assert from_classes.taxon == "Atelopus zeteki"
    assert from_classes.basis["threats"][0] == {"code": "8.1", "impact": "High",
                                                "timing": "Ongoing"}
    insurance = from_classes.get("insurance")
    assert "Invasive non-native/alien species/diseases" in _reasons_text(insurance)
    # a dict with timing/scope/severity instead of impact is scored with exsitu.threats
    scored = suggest_roles({"category": "CR", "threats": [
        {"code": "8.1", "timing": "future", "scope": "whole", "severity": "very rapid"}]})  # 7 → Medium
    assert scored.basis["threats"][0]["impact"] == "Medium"
    with pytest.raises(InvalidInputError, match=r"^threats\[0\]\.timing: "):
        suggest_roles({"category": "CR", "threats": [
            {"code": "8.1", "timing": "someday", "scope": "whole", "severity": "very rapid"}]})


# --------------------------------------------------------------------------------------------- bad input
def test_unknown_threat_code_names_the_indexed_field():
    review = {"category": "CR", "threats": [{"code": "8.1", "impact": "High"}, {"code": "5.1", "impact": "Low"},
                                            {"code": "13.1", "impact": "High"}]}
    with pytest.raises(InvalidInputError) as info:
        suggest_roles(review)
    assert info.value.field == "threats[2].code"
    assert "13.1" in str(info.value) and "nearest valid codes" in info.value.fix


@pytest.mark.parametrize("review, field", [
    ({"category": "XX", "threats": []}, "category"),
    ({"threats": []}, "category"),
    ({"category": "CR", "threats": [{"code": "8.1", "impact": "Very high"}]}, "threats[0].impact"),
    ({"category": "CR", "threats": [{"impact": "High"}]}, "threats[0].code"),
    ({"category": "CR", "threats": {"code": "8.1"}}, "threats"),
    ({"category": "CR", "threats": [], "mature_individuals": -3}, "mature_individuals"),
    ({"category": "CR", "threats": [], "knowledge_gaps": ["", "x"]}, "knowledge_gaps[0]"),
])
def test_bad_status_review_names_the_field(review, field):
    with pytest.raises(InvalidInputError) as info:
        suggest_roles(review)
    assert info.value.field == field
    assert str(info.value).startswith(field + ":")


def test_bad_keyword_inputs_name_the_field():
    review = {"category": "CR", "threats": [{"code": "8.1", "impact": "High"}]}
    with pytest.raises(InvalidInputError, match=r"^controllable_threats\[0\]: .*not among the threats"):
        suggest_roles(review, controllable_threats=["5.1"])
    with pytest.raises(InvalidInputError, match=r"^controllable_threats\[0\]: "):
        suggest_roles(review, controllable_threats=["99"])
    with pytest.raises(InvalidInputError, match=r"^situations\[0\]: .*cannot be declared"):
        suggest_roles(review, situations=["extinct_in_wild"])
    with pytest.raises(InvalidInputError, match=r"^situations\[1\]: "):
        suggest_roles(review, situations=["genetic_erosion", "bored_keepers"])
    with pytest.raises(InvalidInputError, match="^can_hold_living: "):
        suggest_roles(review, can_hold_living="no")


@pytest.mark.parametrize("name", ["", "   ", None])
def test_role_without_a_name_is_refused(name):
    with pytest.raises(InvalidInputError) as info:
        Role(name=name, purpose="raise funds")
    assert info.value.field == "name"


@pytest.mark.parametrize("kwargs, field", [
    ({"purpose_groups": ["E"]}, "purpose_groups[0]"),
    ({"threat_codes": ["8.1", "14"]}, "threat_codes[1]"),
    ({"situations": ["sunny"]}, "situations[0]"),
    ({"living_individuals": False, "bio_samples": False}, "living_individuals"),
    ({"bio_samples": "yes"}, "bio_samples"),
    ({"population": {"size_scale": "huge"}}, "population.size_scale"),
    ({"population": {"duration_scale": "forever"}}, "population.duration_scale"),
    ({"population": {"colour": "red"}}, "population.colour"),
])
def test_bad_role_fields_are_named(kwargs, field):
    with pytest.raises(InvalidInputError) as info:
        Role(name="Something", **kwargs)
    assert info.value.field == field


def test_custom_role_gets_a_slug_id():
    role = Role(name="Fundraising for in situ work", purpose="Raise money for habitat protection",
                living_individuals=True)
    assert role.id == "fundraising_for_in_situ_work"
    assert role.purpose_group is None


# --------------------------------------------------------------------------------------------- the record
def test_accept_reject_add_and_log():
    selection = suggest_roles(GOLDEN_FROG)
    selection.accept("insurance", "Bd cannot be controlled in the wild yet")
    selection.reject("research", "Already covered by the Amphibian Rescue and Conservation Project")
    selection.accept("reintroduction", "Plan releases for when Bd can be managed")  # not suggested → added
    fundraising = Role(name="Fundraising", purpose="Raise funds for in situ work", purpose_groups=["A"])
    selection.add_custom(fundraising, "Golden frog is a national symbol of Panama")
    assert selection.get("insurance").status == "accepted"
    assert selection.get("insurance").rationale == "Bd cannot be controlled in the wild yet"
    assert selection.get("research").status == "rejected"
    assert selection.get("reintroduction").status == "added"
    custom = selection.get("fundraising")
    assert custom.status == "added" and custom.role.custom
    assert [r.id for r in selection.accepted_roles()] == ["insurance", "reintroduction", "fundraising"]
    assert [(e["role_id"], e["status"]) for e in selection.log] == [
        ("insurance", "accepted"), ("research", "rejected"), ("reintroduction", "added"), ("fundraising", "added")]
    # a rejected role can be accepted later; the log keeps both decisions
    selection.accept("research", "New questions on Bd resistance")
    assert selection.get("research").status == "accepted" and len(selection.log) == 5
    frame = selection.to_frame()
    assert frame.loc["research", "rationale"] == "New questions on Bd resistance"
    assert frame.loc["fundraising", "custom"]
    assert {d.role_id for d in selection.candidates} >= {"insurance", "research", "reintroduction", "fundraising"}


@pytest.mark.parametrize("why", ["", "   ", None])
def test_decisions_need_a_rationale(why):
    selection = suggest_roles(GOLDEN_FROG)
    for call in (lambda: selection.accept("insurance", why), lambda: selection.reject("insurance", why),
                 lambda: selection.add_custom(Role(name="Fundraising"), why)):
        with pytest.raises(InvalidInputError) as info:
            call()
        assert info.value.field == "why"
    assert selection.log == []


def test_selection_errors_name_the_field():
    selection = suggest_roles(GOLDEN_FROG)
    with pytest.raises(InvalidInputError, match="^role_id: .*zoo_display"):
        selection.accept("zoo_display", "because")
    with pytest.raises(InvalidInputError, match=r"^role\.id: "):
        selection.add_custom(Role(name="Insurance"), "duplicate id")
    with pytest.raises(InvalidInputError, match="^name: "):
        selection.add_custom({"name": ""}, "no name")
    with pytest.raises(InvalidInputError, match="^decisions: "):
        selection.population_requirements()


def test_population_requirements_take_the_most_demanding_role():
    combined = population_requirements(["temporary_rescue", "research"])
    assert not combined.genetic_management and combined.size_scale == "small"
    assert combined.duration_scale == "medium" and combined.release_ready
    combined = population_requirements([get_role("research"), "biobank", "insurance"])
    assert combined.genetic_management and combined.size_scale == "large" and combined.duration_scale == "indefinite"
    assert combined.step3_tools == ("exsitu.genetics.founders_needed", "exsitu.genetics.samples_to_capture_allele",
                                    "exsitu.genetics.population_target")
    selection = suggest_roles(GOLDEN_FROG).accept("insurance", "buy time against Bd")
    assert selection.population_requirements().step3_tools == ("exsitu.genetics.population_target",)
    with pytest.raises(InvalidInputError, match="^roles: "):
        population_requirements([])


def test_extra_roles_are_scored_with_the_same_rule():
    patrol = Role(name="Anti-poaching support", threat_codes=["5.1"], purpose_groups=["A"])
    selection = suggest_roles(GOLDEN_FROG, extra_roles=[patrol])
    decision = selection.get("anti_poaching_support")
    assert decision.score == 1 and decision.role.custom


# --------------------------------------------------------------------------------------------- storage
def test_selection_round_trips_through_json():
    selection = suggest_roles(GOLDEN_FROG, capacity_gaps=["Bd swabbing"], situations=["genetic_erosion"])
    selection.accept("insurance", "buy time").reject("education", "not the main driver")
    selection.add_custom(Role(name="Fundraising", bio_samples=True), "national symbol")
    data = json.loads(json.dumps(selection.to_dict()))
    again = RoleSelection.from_dict(data)
    assert again == selection
    assert again.to_dict() == selection.to_dict()


def test_role_and_parts_round_trip():
    for role in roles.roles():
        assert Role.from_dict(json.loads(json.dumps(role.to_dict()))) == role
    implication = get_role("biobank").population
    assert PopulationImplication.from_dict(implication.to_dict()) == implication
    reason = Reason("threat", "8.1", 3, "text")
    assert Reason.from_dict(reason.to_dict()) == reason
    with pytest.raises(InvalidInputError, match=r"^role\.colour: "):
        Role.from_dict({"name": "x", "colour": "red"})
    with pytest.raises(InvalidInputError, match="^kind: "):
        Reason("mood", "", 0, "")
    with pytest.raises(InvalidInputError, match="^status: "):
        RoleDecision(get_role("research"), "maybe")


def _saved_selection() -> dict:
    selection = suggest_roles(GOLDEN_FROG)
    selection.accept("insurance", "buy time").reject("education", "not the main driver")
    selection.add_custom(Role(name="Fundraising", bio_samples=True), "national symbol")
    return json.loads(json.dumps(selection.to_dict()))


def _edited(data: dict, path: tuple, value) -> dict:
    """A copy of ``data`` with the entry at ``path`` (keys and indexes) set to ``value`` (or deleted: ...)."""
    data = json.loads(json.dumps(data))
    target = data
    for key in path[:-1]:
        target = target[key]
    if value is ...:
        del target[path[-1]]
    else:
        target[path[-1]] = value
    return data


@pytest.mark.parametrize("path, value, field", [
    (("taxon",), 42, "taxon"),
    (("taxon",), None, "taxon"),
    (("taxon",), ["Atelopus zeteki"], "taxon"),
    (("basis",), ["CR"], "basis"),
    (("basis", "category"), {1, 2}, "basis"),  # not JSON data (set below, after the JSON copy)
    (("decisions",), {"insurance": "accepted"}, "decisions"),
    (("decisions", 0), "insurance", "decisions[0]"),
    (("decisions", 0, "role"), ..., "decisions[0].role"),
    (("decisions", 0, "status"), ..., "decisions[0].status"),
    (("decisions", 0, "status"), "maybe", "decisions[0].status"),
    (("decisions", 0, "score"), "nine", "decisions[0].score"),
    (("decisions", 0, "score"), 2.5, "decisions[0].score"),
    (("decisions", 0, "rationale"), 7, "decisions[0].rationale"),
    (("decisions", 0, "reasons"), "Bd", "decisions[0].reasons"),
    (("decisions", 0, "reasons", 0, "text"), None, "decisions[0].reasons[0].text"),
    (("decisions", 0, "reasons", 0, "trigger"), 8.1, "decisions[0].reasons[0].trigger"),
    (("decisions", 0, "role", "name"), 12, "decisions[0].role.name"),
    (("decisions", 0, "role", "id"), 12, "decisions[0].role.id"),
    (("decisions", 0, "role", "population", "size_scale"), "huge", "decisions[0].role.population.size_scale"),
    (("decisions", 1, "role", "id"), "insurance", "decisions[1].role.id"),  # a role listed twice
    (("decisions", 0, "colour"), "red", "decisions[0].colour"),
    (("decisions", 0, "role"), "insurance", "decisions[0].role"),
    (("decisions", 0, "role", "colour"), "red", "decisions[0].role.colour"),
    (("decisions", 0, "reasons", 0), "Bd", "decisions[0].reasons[0]"),
    (("decisions", 0, "reasons", 0, "colour"), "red", "decisions[0].reasons[0].colour"),
    (("colour",), "red", "selection.colour"),
    (("log",), "accepted insurance", "log"),
    (("log", 0), ["insurance", "accepted"], "log[0]"),
    (("log", 0, "why"), None, "log[0].why"),
    (("log", 0, "why"), ..., "log[0].why"),
    (("log", 0, "status"), "maybe", "log[0].status"),
    (("log", 0, "mood"), "happy", "log[0].mood"),
])
def test_selection_from_dict_names_the_bad_field(path, value, field):
    data = _edited(_saved_selection(), path, value)
    if path == ("basis", "category"):
        data["basis"]["category"] = {1, 2}
    with pytest.raises(InvalidInputError) as info:
        RoleSelection.from_dict(data)
    assert info.value.field == field
    assert str(info.value).startswith(field + ":")


def test_selection_from_dict_accepts_what_to_dict_writes():
    data = _saved_selection()
    again = RoleSelection.from_dict(data)
    assert again.to_dict() == data
    assert RoleSelection.from_dict({"taxon": "", "basis": {}, "decisions": [], "log": []}).decisions == []
    with pytest.raises(InvalidInputError, match="^taxon: "):
        RoleSelection(taxon=None, basis={}, decisions=[])


def test_role_and_decision_reject_non_text_parts():
    with pytest.raises(InvalidInputError, match="^id: "):
        Role(name="Fundraising", id=3)
    assert Role(name="Fundraising", id="  ").id == "fundraising"  # a blank id is made from the name
    with pytest.raises(InvalidInputError, match="^text: "):
        Reason("threat", "8.1", 3, None)
    with pytest.raises(InvalidInputError, match="^role: "):
        RoleDecision("research", "accepted")
    with pytest.raises(InvalidInputError, match=r"^reasons\[0\]: "):
        RoleDecision(get_role("research"), "accepted", reasons=["Bd"])
    with pytest.raises(InvalidInputError, match="^step3_tools"):
        PopulationImplication.from_dict({"step3_tools": [1]})


# --------------------------------------------------------------------------------------------- properties
threat_strategy = st.fixed_dictionaries({
    "code": st.sampled_from(["1.1", "2.3", "5", "5.1", "5.3", "6.1", "7.1", "8", "8.1", "8.2", "8.3", "9.2",
                             "11", "11.1", "11.4", "12.1"]),
    "impact": st.sampled_from(IMPACTS),
})


@settings(max_examples=60, deadline=None)
@given(category=st.sampled_from(roles.CATEGORIES), threats=st.lists(threat_strategy, max_size=6),
       mature=st.one_of(st.none(), st.integers(0, 2000)), living=st.booleans())
def test_scores_are_the_sum_of_their_reasons_and_ranked(category, threats, mature, living):
    selection = suggest_roles({"category": category, "threats": threats, "mature_individuals": mature},
                              can_hold_living=living)
    scores = [d.score for d in selection.decisions]
    assert scores == sorted(scores, reverse=True)
    assert len(selection.decisions) == len(roles.roles())
    for d in selection.decisions:
        assert d.score == sum(r.points for r in d.reasons) >= 0
        assert d.reasons
        assert d.status == ("suggested" if d.score > 0 else "not suggested")
        if d.strength != "excluded":
            assert d.strength == strength_of(d.score)
        # independent check of the threat points: every matching threat contributes its impact points
        expected = 0
        for t in threats:
            if any(t["code"] == c or t["code"].startswith(c + ".") or c.startswith(t["code"] + ".")
                   for c in d.role.threat_codes):
                expected += {"High": 3, "Medium": 2, "Low": 1, "Unknown": 1}.get(t["impact"], 0)
        assert sum(r.points for r in d.reasons if r.kind == "threat") == expected


def test_catalogue_frame_is_a_dataframe_indexed_by_id():
    table = role_catalogue()
    assert isinstance(table, pd.DataFrame) and table.index.name == "id"
    assert list(table.index) == [r.id for r in roles.roles()]
