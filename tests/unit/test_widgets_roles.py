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
    # every role shows where it comes from (or that no source was found)
    assert html_text.count("<summary><small>source</small></summary>") == len(role_catalogue())
    assert "NOT FOUND in any source read" in html_text and "CSI-roles" in html_text


# ---------------------------------------------------------------------------------------------- saved roles

def _saved():
    """A selection a workshop saved: two decisions, a custom role, declared situations (one without a default
    checkbox: very_small_population), a controllable threat and a capacity gap."""
    from exsitu.roles import Role

    selection = suggest_roles(_review(), controllable_threats=["8.1.2"], capacity_gaps=["captive husbandry"],
                              situations=["extirpated_locally", "very_small_population"])
    selection.accept("insurance", "A single wild population on one sea stack")
    selection.reject("biobank", "No cryopreservation method for this insect")
    selection.add_custom(Role(name="Fundraising for rat eradication"), "Zoo visitors fund the eradication")
    return selection


def test_starts_from_saved_roles_exactly():
    saved = _saved()
    parts = roles_explorer(_review(), selection=saved).parts
    assert parts.selection.to_dict() == saved.to_dict()
    assert parts.selection is not saved and parts.base is not saved  # the caller's object is never changed
    assert parts.ranking.value == ranking_html(saved)
    assert "A single wild population on one sea stack" in parts.record.value
    assert "saved roles" in parts.origin.value and parts.restore.layout.display == "none"
    # the controls the Step 1 record does not set come from the saved basis
    assert parts.threat_rows[0].controllable.value
    assert parts.situations["extirpated_locally"].value and parts.situations["very_small_population"].value
    assert parts.capacity_gaps.value == "captive husbandry"


def test_a_decision_is_applied_to_the_saved_roles():
    saved = _saved()
    parts = roles_explorer(_review(), selection=saved).parts
    parts.role.value = "education"
    parts.rationale.value = "Visitors learn why rats were eradicated"
    parts.accept.click()
    after = parts.selection
    assert after.get("education").status == "added"
    assert [d.to_dict() for d in after.decisions if d.role.id != "education"] == \
        [d.to_dict() for d in saved.decisions if d.role.id != "education"]
    assert after.log == saved.log + [{"role_id": "education", "status": "added",
                                      "why": "Visitors learn why rats were eradicated"}]
    assert not parts.reranked and parts.restore.layout.display is None


def test_changing_an_input_reranks_and_carries_the_saved_decisions():
    saved = _saved()
    parts = roles_explorer(_review(), selection=saved).parts
    parts.category.value = "EN"
    after = parts.selection
    assert parts.reranked and after.basis["category"] == "EN"
    assert after.get("insurance").score == saved.get("insurance").score - 1  # CR +2 → EN +1
    for role_id in ("insurance", "biobank", "fundraising_for_rat_eradication"):
        assert (after.get(role_id).status, after.get(role_id).rationale) == \
            (saved.get(role_id).status, saved.get(role_id).rationale)
    assert after.get("fundraising_for_rat_eradication").role.custom
    assert after.log == saved.log  # replaying does not write the decisions twice
    assert "Ranked again" in parts.origin.value


def test_restore_puts_back_the_saved_roles_and_inputs():
    saved = _saved()
    parts = roles_explorer(_review(), selection=saved).parts
    parts.category.value = "EN"
    parts.threat_rows[0].severity.value = "Slow, significant declines"
    parts.add_threat.click()
    parts.rationale.value = "x"
    parts.role.value = "education"
    parts.accept.click()
    parts.restore.click()
    assert parts.selection.to_dict() == saved.to_dict()
    assert parts.category.value == "CR" and len(parts.threat_rows) == 1
    assert parts.threat_rows[0].severity.value == "Very rapid declines"
    parts.rerank.click()  # the same inputs rank the roles as they were saved
    assert [(d.role.id, d.score, d.status, d.rationale) for d in parts.selection.decisions] == \
        [(d.role.id, d.score, d.status, d.rationale) for d in saved.decisions]
    assert parts.selection.log == saved.log


def test_saved_roles_without_a_status_review_use_their_basis():
    saved = _saved()
    parts = roles_explorer(selection=saved).parts
    assert parts.selection.to_dict() == saved.to_dict()
    assert parts.taxon.value == "Dryococelus australis" and parts.category.value == "CR"
    assert parts.mature_individuals.value == "35"


def test_saved_roles_must_be_a_role_selection():
    with pytest.raises(InvalidInputError) as info:
        roles_explorer(_review(), selection=_saved().to_dict())
    assert info.value.field == "selection"


def test_an_explorer_without_saved_roles_has_no_restore():
    parts = roles_explorer(_review()).parts
    assert parts.base is None and parts.origin.value == ""
    assert parts.rerank.layout.display == "none" and parts.restore.layout.display == "none"
    parts.restore_saved()  # nothing to restore: no change
    assert parts.selection.to_dict() == suggest_roles(_review()).to_dict()
