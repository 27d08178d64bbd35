"""Tests for exsitu.widgets.roles: changing a control changes the ranking, the reasons and the record.

The case is the Lord Howe Island stick insect (case-studies.md §5: CR D, at most 35 wild individuals
[RL-LHISI]; extirpated on Lord Howe Island by black rats). The threat's timing, scope and severity are
SYNTHETIC (illustrative), not the Red List's coding.
"""

from __future__ import annotations

import pytest

from exsitu.roles import role_catalogue, suggest_roles
from exsitu.status_review import StatusReview
from exsitu.threats import ThreatImpact, threat_classification
from exsitu.validation import InvalidInputError
from exsitu.widgets.roles import DECLARED_SITUATIONS, ranking_html, roles_explorer, threat_code_options


def _review(**changes) -> StatusReview:
    values = dict(taxon="Dryococelus australis", taxon_group="invertebrate", category="CR", criteria="D",
                  threats=(ThreatImpact("8.1.2", "Ongoing", "Whole", "Very rapid declines", notes="black rat"),),
                  mature_individuals=35, knowledge_gaps=("husbandry unknown",))
    values.update(changes)
    return StatusReview(**values)


@pytest.fixture
def explorer():
    return roles_explorer(_review(), situations=["extirpated_locally"])


def _scores(selection) -> dict[str, int]:
    return {d.role.id: d.score for d in selection.decisions}


def test_starts_with_the_same_ranking_as_suggest_roles(explorer):
    parts = explorer.parts
    expected = suggest_roles(_review(), situations=["extirpated_locally"])
    assert _scores(parts.selection) == _scores(expected)
    assert [d.role.id for d in parts.selection.decisions] == [d.role.id for d in expected.decisions]
    # every catalogue role is shown, with its reasons
    for name in role_catalogue()["name"]:
        assert name.replace("(", "").split()[0] in parts.ranking.value
    assert "fewer than 50" in parts.ranking.value
    assert parts.message.value == ""
    assert "impact <b>High</b> (score 9)" in parts.threat_rows[0].impact.value


def test_marking_the_threat_controllable_moves_points_from_insurance_to_reintroduction(explorer):
    parts = explorer.parts
    before_html = parts.ranking.value
    before = _scores(parts.selection)
    parts.threat_rows[0].controllable.value = True
    after = _scores(parts.selection)
    expected = suggest_roles(_review(), situations=["extirpated_locally"], controllable_threats=["8.1.2"])
    assert after == _scores(expected)
    assert after["insurance"] == before["insurance"] - 2       # uncontrolled_major_threat no longer applies
    assert after["reintroduction"] == before["reintroduction"] + 2  # threat_controllable now applies
    assert parts.ranking.value != before_html
    assert "judged controllable" in parts.ranking.value


def test_changing_timing_to_past_updates_impact_and_reasons(explorer):
    parts = explorer.parts
    parts.threat_rows[0].timing.value = "Past, unlikely to return"
    assert "impact <b>Past</b>" in parts.threat_rows[0].impact.value
    insurance = parts.selection.get("insurance")
    assert any("impact Past: +0" in r.text for r in insurance.reasons)
    assert any(r.trigger == "threat_removed" for r in parts.selection.get("reintroduction").reasons)
    assert parts.selection.basis["threats"] == [{"code": "8.1.2", "impact": "Past", "timing": "Past, unlikely to return"}]


def test_changing_the_threat_code_and_category(explorer):
    parts = explorer.parts
    parts.threat_rows[0].code.value = "7.1"      # fire: temporary rescue addresses it
    assert parts.selection.get("temporary_rescue").score == 3
    assert parts.selection.get("temporary_rescue").status == "suggested"
    parts.category.value = "EN"
    assert any("Category EN: +1" in r.text for r in parts.selection.get("biobank").reasons)
    assert parts.status_review.category == "EN"


def test_declared_situation_and_living_checkbox(explorer):
    parts = explorer.parts
    assert parts.selection.get("demographic_manipulation").status == "not suggested"
    parts.situations["early_life_mortality"].value = True
    assert parts.selection.get("demographic_manipulation").score == 3
    parts.can_hold_living.value = False
    insurance = parts.selection.get("insurance")
    assert insurance.strength == "excluded" and insurance.score == 0
    assert "Excluded" in parts.ranking.value


def test_bad_count_shows_a_message_not_a_traceback_and_keeps_the_last_result(explorer):
    parts = explorer.parts
    last = parts.selection
    parts.mature_individuals.value = "about forty"
    assert "mature_individuals" in parts.message.value and "expected a number" in parts.message.value
    assert parts.selection is last
    parts.mature_individuals.value = "-3"
    assert "at least 0" in parts.message.value
    parts.mature_individuals.value = ""          # blank = unknown: the +3 for < 50 disappears
    assert parts.message.value == ""
    assert parts.selection.get("insurance").score == last.get("insurance").score - 3
    parts.taxon.value = "  "
    assert "taxon" in parts.message.value


def test_accept_needs_a_rationale_and_decisions_survive_input_changes(explorer):
    parts = explorer.parts
    parts.role.value = "insurance"
    parts.accept.click()
    assert "why" in parts.message.value and "rationale is required" in parts.message.value
    assert parts.selection.get("insurance").status == "suggested"
    parts.rationale.value = "Rats still on Lord Howe Island"
    parts.accept.click()
    assert parts.selection.get("insurance").status == "accepted"
    assert parts.rationale.value == ""
    assert "Rats still on Lord Howe Island" in parts.record.value
    assert "genetic management needed" in parts.record.value     # Step 3 implication of the retained role
    parts.role.value = "education"
    parts.rationale.value = "Visitors learn why rats were eradicated"
    parts.accept.click()
    assert parts.selection.get("education").status == "added"   # not suggested by the rule
    parts.role.value = "biobank"
    parts.rationale.value = "No cryopreservation method for this insect"
    parts.reject.click()
    assert parts.selection.get("biobank").status == "rejected"
    parts.category.value = "EN"                                  # the decisions are replayed
    assert [e["status"] for e in parts.selection.log] == ["accepted", "added", "rejected"]
    assert parts.selection.get("insurance").rationale == "Rats still on Lord Howe Island"


def test_custom_role_needs_a_name(explorer):
    parts = explorer.parts
    parts.rationale.value = "Zoo visitors fund the eradication"
    parts.add_custom.click()
    assert "custom role name" in parts.message.value
    parts.custom_name.value = "Fundraising for rat eradication"
    parts.add_custom.click()
    decision = parts.selection.get("fundraising_for_rat_eradication")
    assert decision.status == "added" and decision.role.custom
    assert "Fundraising for rat eradication" in parts.ranking.value


def test_add_and_remove_threat_rows(explorer):
    parts = explorer.parts
    parts.add_threat.click()
    assert len(parts.threat_rows) == 2 and len(parts.threats_box.children) == 2
    row = parts.threat_rows[1]
    row.code.value = "11.1"
    row.scope.value = "Whole (>90%)"
    row.severity.value = "Rapid declines"
    assert parts.selection.get("assisted_colonisation").score == 3  # 3+3+2 = 8 High → +3
    row.remove.click()
    assert len(parts.threat_rows) == 1
    assert parts.selection.get("assisted_colonisation").score == 0


def test_factory_rejects_bad_arguments():
    with pytest.raises(InvalidInputError) as info:
        roles_explorer({"taxon": "x"})
    assert info.value.field == "status_review"
    with pytest.raises(InvalidInputError) as info:
        roles_explorer(_review(), situations=["threatened_category"])
    assert info.value.field == "situations[0]"


def test_empty_explorer_and_helpers():
    explorer = roles_explorer()
    assert explorer.parts.selection.taxon == "My species"
    assert set(DECLARED_SITUATIONS) == {"extirpated_locally", "genetic_erosion", "early_life_mortality",
                                        "function_lost", "habitat_lost_in_range"}
    codes = [code for _, code in threat_code_options()]
    assert codes == list(threat_classification(levels=3)["code"])
    html_text = ranking_html(suggest_roles(_review()))
    assert html_text.count("<tr style") == len(role_catalogue())
