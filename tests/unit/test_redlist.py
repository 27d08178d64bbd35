import json
import math

import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from exsitu.redlist import (
    CRITERIA, EVIDENCE_FIELDS, THRESHOLDS, CriterionExplanation, RedListResult, c1_window_years, categorize,
    category_rank, criteria_table, e_window_years, reduction_window_years,
)
from exsitu.validation import InvalidInputError

RANK = {"LC": 0, "NT": 1, "VU": 2, "EN": 3, "CR": 4}


# ---------------------------------------------------------------------------------------------------
# The domain's handy test cases (redlist-threats.md §2) and real cases
# ---------------------------------------------------------------------------------------------------

def test_r1_45_mature_individuals_is_cr_d():
    result = categorize(mature_individuals=45)
    assert (result.category, result.criteria) == ("CR", "D")


def test_r2_600_mature_declining_22_percent_in_two_generations_is_en_c1():
    result = categorize(mature_individuals=600, decline_percent=22, decline_years=10, generation_length_years=5)
    assert (result.category, result.criteria) == ("EN", "C1")
    assert result.explanation("D").category == "VU"          # also VU D1, but EN is listed
    assert result.explanation("D").notation == "D1"


def test_r3_aoo_16_three_locations_habitat_declining_is_en_b2ab_iii():
    result = categorize(aoo_km2=16, locations=3, continuing_decline={"iii"})
    assert (result.category, result.criteria) == ("EN", "B2ab(iii)")


def test_r4_35_percent_in_three_generations_causes_ongoing_is_vu_a2():
    result = categorize(reduction_percent=35, reduction_criterion="A2", generation_length_years=4)
    assert (result.category, result.criteria) == ("VU", "A2")


def test_r5_pva_quarter_in_five_generations_is_en_e():
    for generation in (4, 10, 20):
        result = categorize(extinction_probability=0.25, extinction_years=5 * generation,
                            generation_length_years=generation)
        assert (result.category, result.criteria) == ("EN", "E"), generation


def test_wollemi_pine_is_cr_b1ab_iii_plus_2ab_iii():
    # Red List 2011 (RL-Wollemi): EOO = AOO = 4 km² (NSW assessment), one location, habitat decline,
    # about 80 mature individuals (no longer CR under D).
    result = categorize(eoo_km2=4, aoo_km2=4, locations=1, continuing_decline={"iii"}, mature_individuals=80)
    assert (result.category, result.criteria) == ("CR", "B1ab(iii)+2ab(iii)")
    assert result.explanation("D").category == "EN"


def test_criteria_across_letters_are_joined_with_semicolons():
    result = categorize(eoo_km2=50, aoo_km2=8, locations=1, continuing_decline={"iii"}, mature_individuals=200,
                        largest_subpopulation=40, decline_percent=30, decline_years=3)
    assert result.criteria == "B1ab(iii)+2ab(iii); C1+2a(i)"
    assert "b(iii)" in result.criteria and "v" not in result.criteria.split(";")[0]
    assert any("add 'v'" in note for note in result.notes)


def test_full_notation_of_every_letter():
    result = categorize(reduction_percent=85, reduction_criterion="A2", reduction_bases={"a", "c", "e"},
                        eoo_km2=90, aoo_km2=8, severely_fragmented=True, continuing_decline={"v", "i", "iii"},
                        extreme_fluctuation={"iv"}, mature_individuals=40, largest_subpopulation=30,
                        percent_in_largest_subpopulation=95, extinction_probability=0.6, extinction_years=10)
    assert result.category == "CR"
    assert result.criteria == ("A2ace; B1ab(i,iii,v)c(iv)+2ab(i,iii,v)c(iv); C2a(i,ii)b; D; E")


# ---------------------------------------------------------------------------------------------------
# Thresholds: strict '<' for counts and areas, '≤' for locations and C2a(i), '≥' for percentages
# ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("mature, expected", [
    (1, "CR"), (49, "CR"), (49.9, "CR"), (50, "EN"), (249, "EN"), (250, "VU"), (999, "VU")])
def test_d_boundaries(mature, expected):
    result = categorize(mature_individuals=mature)
    assert result.category == expected
    assert result.criteria == ("D1" if expected == "VU" else "D")


def test_d_at_1000_is_not_met_and_c_is_still_unknown():
    result = categorize(mature_individuals=1000)
    assert result.explanation("D").status == "not met"
    assert result.explanation("C1").status == "unknown"
    assert result.category == "DD"   # C and D2 could still qualify; nothing evaluated as a whole


@pytest.mark.parametrize("eoo, expected", [(99.99, "CR"), (100, "EN"), (4999, "EN"), (5000, "VU"),
                                           (19999, "VU"), (20000, "DD")])
def test_b1_boundaries(eoo, expected):
    result = categorize(eoo_km2=eoo, severely_fragmented=True, continuing_decline={"iii"})
    assert result.category == expected
    if expected != "DD":
        assert result.criteria == "B1ab(iii)"
    else:
        # B1 fails, but AOO is unknown so B2 (and B as a whole) is still open: not LC.
        assert result.explanation("B1").status == "not met"
        assert result.explanation("B2").status == "unknown"
        # With AOO known: up to 1.5 × the VU limits is NT (teaching approximation), beyond it LC.
        assert categorize(eoo_km2=eoo, aoo_km2=3500, severely_fragmented=True,
                          continuing_decline={"iii"}).category == "NT"
        assert categorize(eoo_km2=30000, aoo_km2=3500, severely_fragmented=True,
                          continuing_decline={"iii"}).category == "NT"
        assert categorize(eoo_km2=30001, aoo_km2=3500, severely_fragmented=True,
                          continuing_decline={"iii"}).category == "LC"


@pytest.mark.parametrize("aoo, expected", [(9.99, "CR"), (10, "EN"), (499, "EN"), (500, "VU"), (1999, "VU"),
                                           (2000, "NT"), (3000, "NT"), (3001, "LC")])
def test_b2_boundaries(aoo, expected):
    result = categorize(aoo_km2=aoo, eoo_km2=40000, severely_fragmented=True, continuing_decline=True,
                        extreme_fluctuation=False)
    assert result.category == expected
    if expected in ("CR", "EN", "VU"):
        assert result.criteria == "B2ab"
    # Without EOO, B1 stays open once B2 fails: DD rather than LC.
    if expected in ("NT", "LC"):
        assert categorize(aoo_km2=aoo, severely_fragmented=True, continuing_decline=True).category == "DD"


@pytest.mark.parametrize("locations, expected, notation", [
    (1, "CR", "B2ab(ii)"), (2, "EN", "B2ab(ii)"), (5, "EN", "B2ab(ii)"), (6, "VU", "B2ab(ii)"),
    (10, "VU", "B2ab(ii)"), (11, "NT", "")])
def test_b_locations_boundaries(locations, expected, notation):
    result = categorize(aoo_km2=5, locations=locations, severely_fragmented=False, continuing_decline={"ii"},
                        extreme_fluctuation=False)
    assert (result.category, result.criteria) == (expected, notation)


def test_b_needs_two_of_a_to_c():
    one = categorize(eoo_km2=50, aoo_km2=8, locations=20, severely_fragmented=False,
                     continuing_decline={"iii"}, extreme_fluctuation=False)
    assert one.explanation("B1").status == "not met" and one.category == "NT"
    assert any("only one of a–c" in reason for reason in one.near_threatened)
    two = categorize(eoo_km2=50, aoo_km2=8, locations=20, severely_fragmented=False,
                     continuing_decline={"iii"}, extreme_fluctuation={"iv"})
    assert (two.category, two.criteria) == ("CR", "B1b(iii)c(iv)+2b(iii)c(iv)")


def test_eoo_smaller_than_aoo_is_set_to_aoo():
    result = categorize(eoo_km2=50, aoo_km2=120, locations=1, continuing_decline={"ii"})
    # EOO raised to 120 km² fails CR B1 (< 100) but meets EN; AOO 120 meets EN B2.
    assert (result.category, result.criteria) == ("EN", "B1ab(ii)+2ab(ii)")
    assert any("§4.9" in note for note in result.notes)
    assert "set equal to AOO" in result.explanation("B1").reason


@pytest.mark.parametrize("criterion, percent, expected", [
    ("A1", 90, "CR"), ("A1", 89.9, "EN"), ("A1", 70, "EN"), ("A1", 50, "VU"), ("A1", 49.9, "NT"),
    ("A2", 80, "CR"), ("A2", 79.9, "EN"), ("A2", 50, "EN"), ("A3", 30, "VU"), ("A4", 29.9, "NT"),
    ("A2", 20, "NT"), ("A2", 19.9, "LC"), ("A1", 40, "NT"), ("A1", 33.4, "NT"), ("A1", 33.3, "LC")])
def test_a_boundaries(criterion, percent, expected):
    result = categorize(reduction_percent=percent, reduction_criterion=criterion)
    assert result.category == expected
    assert result.criteria == (criterion if expected in ("CR", "EN", "VU") else "")


def test_a_bases_in_notation_and_without_criterion():
    assert categorize(reduction_percent=55, reduction_criterion="a4",
                      reduction_bases="c,b").criteria == "A4bc"
    unknown = categorize(reduction_percent=35)
    assert unknown.category == "DD" and unknown.explanation("A").status == "unknown"
    assert "reduction_criterion" in unknown.explanation("A").reason
    low = categorize(reduction_percent=20)
    assert low.explanation("A").status == "not met"   # below every A threshold whatever the sub-criterion
    assert low.category == "LC"


def test_c1_windows_and_boundaries():
    # CR: 25% within max(3 y, 1 gen); GL 2 → 3-y window.
    cr = categorize(mature_individuals=200, decline_percent=25, decline_years=3, generation_length_years=2)
    assert (cr.category, cr.criteria) == ("CR", "C1")
    below = categorize(mature_individuals=200, decline_percent=24.9, decline_years=3, generation_length_years=2)
    assert below.explanation("C1").by_category["CR"] == "not met"
    assert below.explanation("C1").category == "EN"
    # mature must be strictly below 250 for CR C.
    at = categorize(mature_individuals=250, decline_percent=30, decline_years=3, generation_length_years=2)
    assert at.explanation("C1").category == "EN"


def test_c1_decline_over_a_longer_period_does_not_meet_a_shorter_window():
    # 30% over 10 y with a 1-y generation: EN's window is 5 y, VU's 10 y.
    result = categorize(mature_individuals=2000, decline_percent=30, decline_years=10, generation_length_years=1)
    c1 = result.explanation("C1")
    assert c1.by_category == {"CR": "not met", "EN": "unknown", "VU": "met"}
    assert "steady decline at that rate would give 16.3%" in c1.reason   # 1 - 0.7 ** (5 / 10)
    assert (result.category, result.criteria) == ("VU", "C1")
    assert result.could_be_higher and result.highest_possible == "CR"   # A, B and E are unknown
    # Below the threshold over a period at least as long as the window: not met.
    slow = categorize(mature_individuals=200, decline_percent=8, decline_years=12, generation_length_years=1)
    assert slow.explanation("C1").by_category == {"CR": "not met", "EN": "not met", "VU": "not met"}
    # Below the threshold over a shorter period: unknown (the decline over the window could be larger).
    short = categorize(mature_individuals=200, decline_percent=8, decline_years=5, generation_length_years=1)
    assert short.explanation("C1").by_category["VU"] == "unknown"


def test_c1_long_generations_widen_the_window_up_to_100_years():
    assert c1_window_years("VU") == 10
    assert c1_window_years("VU", 20) == 60
    assert c1_window_years("VU", 50) == 100
    assert c1_window_years("CR", 2) == 3 and c1_window_years("en", 4) == 8
    result = categorize(mature_individuals=5000, decline_percent=12, decline_years=60, generation_length_years=20)
    assert (result.category, result.criteria) == ("VU", "C1")
    no_gl = categorize(mature_individuals=5000, decline_percent=12, decline_years=60)
    assert no_gl.explanation("C1").by_category["VU"] == "unknown"
    assert any("generation_length_years" in note for note in no_gl.notes)


def test_c2_subcriteria():
    base = dict(mature_individuals=200, continuing_decline={"v"})
    assert categorize(**base, largest_subpopulation=50).criteria == "C2a(i)"
    assert categorize(**base, largest_subpopulation=51).explanation("C2").category == "EN"
    assert categorize(**base, percent_in_largest_subpopulation=90).criteria == "C2a(ii)"
    assert categorize(**base, percent_in_largest_subpopulation=89).explanation("C2").status == "unknown"
    assert categorize(**base, extreme_fluctuation={"iv"}).criteria == "C2b"
    # Fluctuation in EOO only is not C2b, and is unknown for mature individuals.
    assert categorize(**base, extreme_fluctuation={"i"}).explanation("C2").status == "unknown"
    # VU C2a(ii) needs 100% in one subpopulation.
    vu = categorize(mature_individuals=5000, continuing_decline=True, percent_in_largest_subpopulation=100)
    assert (vu.category, vu.criteria) == ("VU", "C2a(ii)")
    assert any("'b' without sub-criteria" in note for note in vu.notes)


def test_c2_needs_a_decline_in_mature_individuals():
    habitat_only = categorize(mature_individuals=200, continuing_decline={"iii"}, largest_subpopulation=20)
    assert habitat_only.explanation("C2").status == "unknown"
    none = categorize(mature_individuals=200, continuing_decline=False, largest_subpopulation=20)
    assert none.explanation("C2").status == "not met"
    from_c1 = categorize(mature_individuals=200, continuing_decline={"iii"}, largest_subpopulation=20,
                         decline_percent=5, decline_years=3)
    assert from_c1.explanation("C2").category == "CR"


def test_d2_and_not_applicable():
    result = categorize(aoo_km2=19, plausible_threat=True)
    assert (result.category, result.criteria) == ("VU", "D2")
    d2 = result.explanation("D2")
    assert d2.by_category == {"CR": "not applicable", "EN": "not applicable", "VU": "met"}
    assert categorize(aoo_km2=20, locations=8, plausible_threat=True).explanation("D2").status == "not met"
    # AOO 20 km² fails, but locations are unknown and could be ≤ 5.
    assert categorize(aoo_km2=20, plausible_threat=True).explanation("D2").status == "unknown"
    assert categorize(locations=5, plausible_threat=True).criteria == "D2"
    assert categorize(locations=6, aoo_km2=30, plausible_threat=True).explanation("D2").status == "not met"
    assert categorize(aoo_km2=5, plausible_threat=False).explanation("D2").status == "not met"
    assert categorize(aoo_km2=5).explanation("D2").status == "unknown"
    both = categorize(mature_individuals=500, locations=2, plausible_threat=True)
    assert (both.category, both.criteria) == ("VU", "D1+2")


@pytest.mark.parametrize("p, years, gl, expected", [
    (0.5, 10, None, "CR"), (0.49, 10, None, "EN"), (0.2, 20, None, "EN"), (0.19, 20, None, "VU"),
    (0.1, 100, None, "VU"), (0.09, 100, None, "NT"), (0.067, 100, None, "NT"), (0.066, 100, None, "LC"),
    (0.5, 30, 10, "CR"), (0.5, 31, 10, "EN"), (0.2, 100, 25, "EN")])
def test_e_boundaries(p, years, gl, expected):
    result = categorize(extinction_probability=p, extinction_years=years, generation_length_years=gl)
    assert result.category == expected
    assert result.criteria == ("E" if expected in ("CR", "EN", "VU") else "")


def test_e_horizon_longer_than_window_cannot_meet_it():
    result = categorize(extinction_probability=0.9, extinction_years=50)
    e = result.explanation("E")
    assert e.by_category == {"CR": "unknown", "EN": "unknown", "VU": "met"}
    assert result.category == "VU" and result.could_be_higher and result.highest_possible == "CR"
    shorter = categorize(extinction_probability=0.05, extinction_years=20)
    assert shorter.explanation("E").by_category["VU"] == "unknown"
    assert e_window_years("CR", 10) == 30 and e_window_years("EN", 30) == 100 and e_window_years("VU", 1) == 100


# ---------------------------------------------------------------------------------------------------
# Unknown, not applicable, DD, LC and NT
# ---------------------------------------------------------------------------------------------------

def test_no_evidence_is_dd_never_lc():
    result = categorize()
    assert result.category == "DD" and result.criteria == ""
    assert all(e.status == "unknown" for e in result.explanations)
    assert [e.criterion for e in result.explanations] == list(CRITERIA)
    assert result.summary().startswith("DD")


def test_aoo_without_conditions_is_unknown_not_not_met():
    result = categorize(aoo_km2=16)
    b2 = result.explanation("B2")
    assert b2.status == "unknown" and b2.by_category["CR"] == "not met"
    assert b2.by_category["EN"] == "unknown"
    assert result.category == "DD"


def test_lc_needs_a_criterion_evaluated_and_flags_unknowns():
    result = categorize(mature_individuals=20000)
    assert result.category == "LC"
    assert result.could_be_higher and result.highest_possible == "CR"
    assert "unknown evidence" in result.summary()
    assert "D2" in result.unknown_criteria and "A" in result.unknown_criteria
    complete = categorize(mature_individuals=20000, reduction_percent=5, reduction_criterion="A2",
                          eoo_km2=80000, aoo_km2=9000, locations=40, severely_fragmented=False,
                          continuing_decline=False, extreme_fluctuation=False, plausible_threat=False,
                          extinction_probability=0.01, extinction_years=100)
    assert complete.category == "LC" and not complete.could_be_higher and complete.unknown_criteria == ()


def test_nt_approximation_from_each_criterion():
    assert categorize(mature_individuals=1500, continuing_decline=False, aoo_km2=5000,
                      plausible_threat=False).category == "NT"
    assert categorize(mature_individuals=1501, continuing_decline=False, aoo_km2=5000,
                      plausible_threat=False).category == "LC"
    assert categorize(eoo_km2=23000, aoo_km2=3500, locations=8, continuing_decline=True).category == "NT"
    near = categorize(aoo_km2=29, locations=8, mature_individuals=5000, plausible_threat=True)
    assert near.category == "NT" and any(reason.startswith("D2") for reason in near.near_threatened)
    assert any("teaching approximation" in note for note in near.notes)


def test_threatened_category_is_listed_regardless_of_unknowns():
    result = categorize(mature_individuals=45, eoo_km2=None)
    assert result.category == "CR" and not result.could_be_higher


# ---------------------------------------------------------------------------------------------------
# Ranges (RAMAS-style): best estimate category plus plausible range
# ---------------------------------------------------------------------------------------------------

def test_ranges_give_the_category_range():
    result = categorize(mature_individuals=(40, 100, 300))
    assert result.category == "EN" and result.category_range == ("VU", "CR")
    assert result.criteria_range == ("D1", "D")
    assert "plausible range VU–CR" in result.summary()
    result = categorize(eoo_km2=(80, 3000, 40000), aoo_km2=(70, 400, 4000), locations=(1, 3, 16),
                        continuing_decline={"iii"}, severely_fragmented=False)
    assert (result.category, result.criteria) == ("EN", "B1ab(iii)+2ab(iii)")
    assert result.category_range == ("LC", "CR")
    assert result.criteria_range == ("", "B1ab(iii)")
    # Without AOO the least-threat bound leaves B open: DD at that bound.
    open_bound = categorize(eoo_km2=(80, 3000, 40000), locations=(1, 3, 16), continuing_decline={"iii"},
                            severely_fragmented=False)
    assert open_bound.category_range == ("DD", "CR")
    # Higher is worse for percentages: the pessimistic bound is the high one.
    result = categorize(reduction_percent=(15, 45, 85), reduction_criterion="A2")
    assert (result.category, result.category_range) == ("VU", ("LC", "CR"))
    result = categorize(extinction_probability=(0.05, 0.3, 0.6), extinction_years=(10, 20, 40))
    assert result.category == "EN" and result.category_range[1] == "CR"


def test_degenerate_range_equals_point_value():
    point = categorize(mature_individuals=600, decline_percent=22, decline_years=10, generation_length_years=5)
    ranged = categorize(mature_individuals=[600, 600, 600], decline_percent=(22, 22, 22), decline_years=10,
                        generation_length_years=(5, 5, 5))
    assert (ranged.category, ranged.criteria, ranged.category_range) == (point.category, point.criteria,
                                                                         point.category_range)
    assert ranged.explanations == point.explanations


# ---------------------------------------------------------------------------------------------------
# Independent reference implementation for complete evidence (property tests)
# ---------------------------------------------------------------------------------------------------

TABLE = {  # category: thresholds, written out again from the domain notes (IUCN 2012)
    "CR": dict(A1=90, A2=80, eoo=100, aoo=10, loc=1, c=250, c1=25, c1y=3, c1g=1, c2i=50, c2ii=90, d=50,
               e=0.5, ey=10, eg=3),
    "EN": dict(A1=70, A2=50, eoo=5000, aoo=500, loc=5, c=2500, c1=20, c1y=5, c1g=2, c2i=250, c2ii=95, d=250,
               e=0.2, ey=20, eg=5),
    "VU": dict(A1=50, A2=30, eoo=20000, aoo=2000, loc=10, c=10000, c1=10, c1y=10, c1g=3, c2i=1000, c2ii=100,
               d=1000, e=0.1, ey=100, eg=0),
}


def rate(value, years, threshold, window):
    if years <= window and value >= threshold:
        return True
    if years >= window and value < threshold:
        return False
    return None


def reference(ev):
    """Letters met at the highest category, for evidence with every field given (booleans for b and c)."""
    out = {}
    for cat in ("CR", "EN", "VU"):
        t = TABLE[cat]
        letters = set()
        a_limit = t["A1"] if ev["reduction_criterion"] == "A1" else t["A2"]
        if ev["reduction_percent"] >= a_limit:
            letters.add("A")
        conditions = [ev["severely_fragmented"] or ev["locations"] <= t["loc"], ev["continuing_decline"],
                      ev["extreme_fluctuation"]]
        if sum(conditions) >= 2 and (max(ev["eoo_km2"], ev["aoo_km2"]) < t["eoo"] or ev["aoo_km2"] < t["aoo"]):
            letters.add("B")
        gl = ev["generation_length_years"]
        small = ev["mature_individuals"] < t["c"]
        c1 = rate(ev["decline_percent"], ev["decline_years"], t["c1"], min(max(t["c1y"], t["c1g"] * gl), 100))
        decline = ev["continuing_decline"] or ev["decline_percent"] > 0
        c2 = decline and (ev["largest_subpopulation"] <= t["c2i"]
                          or ev["percent_in_largest_subpopulation"] >= t["c2ii"] or ev["extreme_fluctuation"])
        if small and (c1 is True or c2):
            letters.add("C")
        if ev["mature_individuals"] < t["d"]:
            letters.add("D")
        if cat == "VU" and ev["plausible_threat"] and (ev["aoo_km2"] < 20 or ev["locations"] <= 5):
            letters.add("D")
        window = min(max(t["ey"], t["eg"] * gl), 100)
        if rate(ev["extinction_probability"], ev["extinction_years"], t["e"], window) is True:
            letters.add("E")
        out[cat] = letters
    for cat in ("CR", "EN", "VU"):
        if out[cat]:
            return cat, out[cat]
    return None, set()


def numbers(low, high, special=()):
    return st.one_of(st.sampled_from(special), st.floats(low, high, allow_nan=False)) if special \
        else st.floats(low, high, allow_nan=False)


@st.composite
def complete_evidence(draw):
    mature = draw(numbers(1, 15000, (1, 49, 50, 249, 250, 999, 1000, 2499, 2500, 9999, 10000)))
    ev = dict(
        reduction_percent=draw(numbers(0, 100, (30, 50, 70, 80, 90))),
        reduction_criterion=draw(st.sampled_from(["A1", "A2", "A3", "A4"])),
        generation_length_years=draw(numbers(0.5, 40, (1, 3.3, 10, 34))),
        eoo_km2=draw(numbers(0, 30000, (100, 5000, 20000))),
        aoo_km2=draw(numbers(0, 3000, (10, 20, 500, 2000))),
        locations=draw(st.integers(1, 15)),
        severely_fragmented=draw(st.booleans()),
        continuing_decline=draw(st.booleans()),
        extreme_fluctuation=draw(st.booleans()),
        mature_individuals=mature,
        decline_percent=draw(numbers(0, 100, (10, 20, 25))),
        decline_years=draw(numbers(0.5, 120, (3, 5, 10))),
        largest_subpopulation=draw(st.floats(0, 1, allow_nan=False)) * mature,
        percent_in_largest_subpopulation=draw(numbers(0, 100, (90, 95, 100))),
        plausible_threat=draw(st.booleans()),
        extinction_probability=draw(numbers(0, 1, (0.1, 0.2, 0.5))),
        extinction_years=draw(numbers(1, 150, (10, 20, 100))),
    )
    if not ev["continuing_decline"]:
        ev["decline_percent"] = 0.0    # continuing_decline=False with a decline is rejected as contradictory
    return ev


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(complete_evidence())
def test_matches_independent_reference_on_complete_evidence(ev):
    result = categorize(**ev)
    category, letters = reference(ev)
    if category is None:
        assert result.category in ("NT", "LC")     # never DD: A, B and D are fully evaluated
        assert result.criteria == ""
    else:
        assert result.category == category
        got = {part.strip()[0] for part in result.criteria.split(";")}
        assert got == letters


@settings(max_examples=200, deadline=None)
@given(complete_evidence(), st.sampled_from(["mature_individuals", "eoo_km2", "aoo_km2", "reduction_percent",
                                             "decline_percent", "decline_years", "extinction_probability",
                                             "extinction_years", "generation_length_years", "locations",
                                             "largest_subpopulation", "percent_in_largest_subpopulation"]),
       st.floats(0.05, 0.95))
def test_worse_evidence_never_lowers_the_category(ev, name, fraction):
    higher_is_worse = name in ("reduction_percent", "decline_percent", "extinction_probability",
                               "generation_length_years", "percent_in_largest_subpopulation")
    worse = dict(ev)
    upper = {"reduction_percent": 100, "decline_percent": 100, "extinction_probability": 1,
             "generation_length_years": 60, "percent_in_largest_subpopulation": 100}
    if higher_is_worse:
        worse[name] = ev[name] + (upper[name] - ev[name]) * fraction
    else:
        worse[name] = ev[name] * (1 - fraction)
        if name == "locations":
            worse[name] = max(1, int(worse[name]))
        if name in ("decline_years", "extinction_years", "generation_length_years"):
            assume(worse[name] > 0)
    if name == "mature_individuals":
        assume(worse[name] >= ev["largest_subpopulation"])
    if name == "decline_percent" and not ev["continuing_decline"]:
        return
    before, after = categorize(**ev), categorize(**worse)
    assert RANK[after.category] >= RANK[before.category]


RANGE_FIELDS = {  # name: True when a higher value means more threat
    "mature_individuals": False, "eoo_km2": False, "aoo_km2": False, "locations": False,
    "reduction_percent": True, "decline_percent": True, "decline_years": False,
    "extinction_probability": True, "extinction_years": False, "generation_length_years": True,
}


@settings(max_examples=150, deadline=None)
@given(complete_evidence(), st.sets(st.sampled_from(sorted(RANGE_FIELDS)), min_size=1, max_size=4),
       st.floats(0.1, 0.9))
def test_range_bounds_are_the_categories_at_the_extreme_points(ev, names, spread):
    ev = dict(ev, largest_subpopulation=0.0)
    ranged, best_first, worst_first = dict(ev), dict(ev), dict(ev)
    for name in names:
        value = ev[name]
        if name == "locations":
            low, high = max(1, value - 3), value + 3
        else:
            low, high = value * (1 - spread), value * (1 + spread)
            if name in ("reduction_percent", "decline_percent"):
                high = min(high, 100)
            if name == "extinction_probability":
                high = min(high, 1)
            if name in ("decline_years", "extinction_years", "generation_length_years"):
                assume(low > 0)
        ranged[name] = (low, value, high)
        best_first[name] = high if not RANGE_FIELDS[name] else low
        worst_first[name] = low if not RANGE_FIELDS[name] else high
    if not ev["continuing_decline"]:
        for d in (ranged, best_first, worst_first):
            d["decline_percent"] = 0.0
    result = categorize(**ranged)
    assert result.category == categorize(**ev).category
    assert result.category_range == (categorize(**best_first).category, categorize(**worst_first).category)
    low, high = result.category_range
    assert RANK[low] <= RANK[result.category] <= RANK[high]


# ---------------------------------------------------------------------------------------------------
# Result object
# ---------------------------------------------------------------------------------------------------

def test_round_trip_through_json():
    result = categorize(eoo_km2=(3, 4, 40), aoo_km2=4, locations=1, continuing_decline={"iii"},
                        extreme_fluctuation=True, mature_individuals=80, reduction_percent=60,
                        reduction_criterion="A2", reduction_bases="ac", generation_length_years=(20, 30, 40))
    data = json.loads(json.dumps(result.to_dict()))
    assert RedListResult.from_dict(data) == result
    assert data["evidence"]["eoo_km2"] == [3.0, 4.0, 40.0]
    assert data["evidence"]["continuing_decline"] == ["iii"]
    entry = result.explanation("B1")
    assert CriterionExplanation.from_dict(entry.to_dict()) == entry and entry.letter == "B"
    with pytest.raises(InvalidInputError, match="^category: "):
        RedListResult.from_dict(dict(data, category="XX"))


def test_explanations_carry_numbers_and_thresholds():
    result = categorize(aoo_km2=16, locations=3, continuing_decline={"iii"})
    reason = result.explanation("B2").reason
    assert reason.startswith("Met at EN (B2ab(iii))")
    for text in ("AOO 16 km²", "not below 10 km²", "< 500 km²", "3 location(s) ≤ 5", "(iii) area"):
        assert text in reason
    table = result.explanations_table()
    assert list(table["criterion"]) == list(CRITERIA)
    assert list(table.columns) == ["criterion", "status", "category", "CR", "EN", "VU", "notation", "reason"]
    assert table.set_index("criterion").loc["B2", "EN"] == "met"
    with pytest.raises(InvalidInputError, match="^criterion: "):
        result.explanation("F")


def test_summary_lines():
    assert categorize(mature_individuals=45).summary() == "CR D"
    assert categorize(aoo_km2=16, locations=3, continuing_decline={"iii"}).summary().startswith(
        "EN B2ab(iii); unknown evidence")
    assert "close to it" in categorize(reduction_percent=25, reduction_criterion="A2").summary()


def test_is_threatened():
    assert categorize(mature_individuals=45).is_threatened
    assert not categorize().is_threatened


# ---------------------------------------------------------------------------------------------------
# Tables and windows
# ---------------------------------------------------------------------------------------------------

def test_criteria_table_matches_thresholds():
    table = criteria_table()
    assert list(table.columns) == ["criterion", "measure", "comparison", "CR", "EN", "VU", "unit", "window"]
    rows = table.set_index(["criterion", "unit"])
    assert tuple(rows.loc[("B1", "km²"), ["CR", "EN", "VU"]]) == (100, 5000, 20000)
    assert tuple(rows.loc[("A1", "%"), ["CR", "EN", "VU"]]) == (90, 70, 50)
    assert tuple(rows.loc[("C2a(ii)", "%"), ["CR", "EN", "VU"]]) == (90, 95, 100)
    d2 = rows.loc[("D2", "km²")]
    assert math.isnan(d2["CR"]) and d2["VU"] == 20
    assert "Version 3.1" in table.attrs["source"] and "2012" in table.attrs["source"]
    assert THRESHOLDS["D_mature"]["CR"] == 50
    with pytest.raises(TypeError):
        THRESHOLDS["D_mature"]["CR"] = 10


def test_window_helpers_and_rank():
    assert reduction_window_years() == 10 and reduction_window_years(5) == 15
    assert category_rank("CR") == 4 and category_rank("lc") == 0
    for bad_call, field in [(lambda: c1_window_years("NT"), "category"),
                            (lambda: e_window_years("VU", -1), "generation_length_years"),
                            (lambda: category_rank("DD"), "category")]:
        with pytest.raises(InvalidInputError, match=f"^{field}: "):
            bad_call()


# ---------------------------------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("evidence, field, text", [
    ({"mature_individuals": -1}, "mature_individuals", "at least 0"),
    ({"eoo_km2": "big"}, "eoo_km2", "expected a number"),
    ({"reduction_percent": 120, "reduction_criterion": "A2"}, "reduction_percent", "at most 100"),
    ({"decline_percent": 101}, "decline_percent", "at most 100"),
    ({"percent_in_largest_subpopulation": -5}, "percent_in_largest_subpopulation", "at least 0"),
    ({"extinction_probability": 25}, "extinction_probability", "0.25 for 25%"),
    ({"generation_length_years": 0}, "generation_length_years", "more than 0"),
    ({"locations": 2.5}, "locations", "whole number"),
    ({"locations": 0}, "locations", "at least 1"),
    ({"reduction_criterion": "A5"}, "reduction_criterion", "A1, A2, A3, A4"),
    ({"reduction_bases": "af"}, "reduction_bases", "a, b, c, d, e"),
    ({"reduction_criterion": "A3", "reduction_bases": {"a"}}, "reduction_bases", "future"),
    ({"continuing_decline": {"vi"}}, "continuing_decline", "i, ii, iii, iv, v"),
    ({"extreme_fluctuation": {"v"}}, "extreme_fluctuation", "i, ii, iii, iv"),
    ({"continuing_decline": 3}, "continuing_decline", "True, False or a set"),
    ({"severely_fragmented": "yes"}, "severely_fragmented", "True, False or None"),
    ({"plausible_threat": 1}, "plausible_threat", "True, False or None"),
    ({"mature_individuals": (300, 200, 400)}, "mature_individuals", "low ≤ best ≤ high"),
    ({"mature_individuals": (100, 200)}, "mature_individuals", "3 values"),
    ({"aoo_km2": (1, None, 3)}, r"aoo_km2\[best\]", "expected a number"),
    ({"mature_individuals": 100, "largest_subpopulation": 150}, "largest_subpopulation", "whole population"),
    ({"continuing_decline": False, "decline_percent": 20}, "continuing_decline", "contradicts"),
])
def test_bad_input_names_the_field(evidence, field, text):
    with pytest.raises(InvalidInputError, match=f"^{field}: ") as error:
        categorize(**evidence)
    assert text in str(error.value)


def test_unknown_keyword_lists_the_valid_ones():
    with pytest.raises(InvalidInputError, match="^mature_individual: ") as error:
        categorize(mature_individual=40)
    message = str(error.value)
    assert "did you mean 'mature_individuals'" in message
    assert all(name in message for name in EVIDENCE_FIELDS)


def test_empty_subcriteria_set_means_no_decline_and_text_is_accepted():
    result = categorize(continuing_decline=set(), extreme_fluctuation="i, iv", aoo_km2=5, locations=1)
    assert result.evidence["continuing_decline"] is False
    assert result.evidence["extreme_fluctuation"] == ("i", "iv")
    assert result.criteria == "B2ac(i,iv)"


def test_explanations_table_has_a_reason_per_row():
    table = categorize(mature_individuals=45).explanations_table()
    assert isinstance(table, pd.DataFrame) and table["reason"].str.len().min() > 10


# ---------------------------------------------------------------------------------------------------
# Reference cases (audit, 2026-11-25)
# Notation: IUCN (2012) Categories and Criteria v3.1, annex on citing the criteria ("Under Section V there is a
# hierarchical alphanumeric numbering system ...", quoted in public parsing code), and its examples as in the
# IUCN SIS criteria code's unit tests (CriteriaLevelTest: "A1cd", "EN A2c; D", "D1+2", "B2b(iii)c(ii)",
# "A1c; B1ab(iii); C2a(i)", "C1+2a(i,ii)b; D", ...): numbers within a criterion joined by '+', letters
# without punctuation, roman numerals in parentheses separated by commas, criteria separated by '; '.
# ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("evidence, category, criteria", [
    (dict(reduction_percent=90, reduction_criterion="A1", reduction_bases="dc"), "CR", "A1cd"),
    (dict(reduction_percent=60, reduction_criterion="A2", reduction_bases="c", mature_individuals=200),
     "EN", "A2c; D"),
    (dict(eoo_km2=4000, aoo_km2=600, locations=5, continuing_decline=False,
          extreme_fluctuation={"iii", "i", "ii"}), "EN", "B1ac(i,ii,iii)"),
    (dict(mature_individuals=800, locations=3, plausible_threat=True), "VU", "D1+2"),
    (dict(mature_individuals=49), "CR", "D"),
    (dict(aoo_km2=12, plausible_threat=True, mature_individuals=5000, continuing_decline=False), "VU", "D2"),
    (dict(aoo_km2=400, eoo_km2=6000, locations=4, continuing_decline={"iii", "ii", "i"}), "EN", "B2ab(i,ii,iii)"),
    (dict(mature_individuals=8000, continuing_decline={"v"}, percent_in_largest_subpopulation=100),
     "VU", "C2a(ii)"),
    (dict(reduction_percent=75, reduction_criterion="A1", reduction_bases="c", eoo_km2=3000, aoo_km2=600,
          locations=4, continuing_decline={"iii"}, mature_individuals=1000, largest_subpopulation=250,
          decline_percent=5, decline_years=10), "EN", "A1c; B1ab(iii); C2a(i)"),
    (dict(aoo_km2=300, eoo_km2=30000, locations=20, severely_fragmented=False, continuing_decline={"iii"},
          extreme_fluctuation={"ii"}), "EN", "B2b(iii)c(ii)"),
    (dict(eoo_km2=15000, aoo_km2=1500, locations=8, continuing_decline={"iii"}), "VU", "B1ab(iii)+2ab(iii)"),
    (dict(mature_individuals=40, decline_percent=30, decline_years=3, largest_subpopulation=30,
          percent_in_largest_subpopulation=95, extreme_fluctuation={"iv"}), "CR", "C1+2a(i,ii)b; D"),
])
def test_notation_examples_of_the_categories_and_criteria(evidence, category, criteria):
    result = categorize(**evidence)
    assert (result.category, result.criteria) == (category, criteria)


def test_only_the_criteria_of_the_highest_category_are_listed():
    # B met at EN (AOO 100 km², 4 locations, decline) and D at CR: listed as CR D only.
    result = categorize(mature_individuals=30, aoo_km2=100, locations=4, continuing_decline={"iii"})
    assert (result.category, result.criteria) == ("CR", "D")
    assert result.explanation("B2").category == "EN"
    # the same B with D only at VU: EN B2ab(iii), D1 not listed
    result = categorize(mature_individuals=600, aoo_km2=100, locations=4, continuing_decline={"iii"})
    assert (result.category, result.criteria) == ("EN", "B2ab(iii)")


@pytest.mark.parametrize("evidence, expected", [
    # C: mature individuals strictly below 250 / 2,500 / 10,000
    (dict(mature_individuals=250, continuing_decline={"v"}, largest_subpopulation=40), "EN"),
    (dict(mature_individuals=249, continuing_decline={"v"}, largest_subpopulation=40), "CR"),
    (dict(mature_individuals=2500, continuing_decline={"v"}, largest_subpopulation=200, plausible_threat=False),
     "VU"),
    (dict(mature_individuals=10000, continuing_decline={"v"}, largest_subpopulation=900,
          plausible_threat=False), "NT"),
    # C2a(i): at most 50 / 250 / 1,000 in each subpopulation ("≤")
    (dict(mature_individuals=240, continuing_decline={"v"}, largest_subpopulation=50), "CR"),
    (dict(mature_individuals=240, continuing_decline={"v"}, largest_subpopulation=51,
          percent_in_largest_subpopulation=30), "EN"),
    (dict(mature_individuals=2400, continuing_decline={"v"}, largest_subpopulation=250,
          plausible_threat=False), "EN"),
    (dict(mature_individuals=9000, continuing_decline={"v"}, largest_subpopulation=1000,
          plausible_threat=False), "VU"),
    # C2a(ii): 90 / 95 / 100 % in one subpopulation ("≥")
    (dict(mature_individuals=240, continuing_decline={"v"}, percent_in_largest_subpopulation=90), "CR"),
    (dict(mature_individuals=2400, continuing_decline={"v"}, percent_in_largest_subpopulation=95,
          plausible_threat=False), "EN"),
    (dict(mature_individuals=2400, continuing_decline={"v"}, percent_in_largest_subpopulation=94.9,
          largest_subpopulation=2000, extreme_fluctuation=False, plausible_threat=False), "NT"),  # VU needs 100%
])
def test_c_boundaries(evidence, expected):
    assert categorize(**evidence).category == expected


def test_c1_and_e_windows_with_generation_lengths_and_the_100_year_cap():
    # VU C1: 10% within max(10 y, 3 generations), at most 100 y. GL 40 y: the window is 100 y, not 120.
    assert c1_window_years("VU", 40) == 100
    met = categorize(mature_individuals=9000, decline_percent=10, decline_years=100, generation_length_years=40)
    assert (met.category, met.criteria) == ("VU", "C1")
    longer = categorize(mature_individuals=9000, decline_percent=10, decline_years=120, generation_length_years=40)
    assert longer.explanation("C1").by_category["VU"] == "unknown"   # 10% over 120 y says little about 100 y
    # EN C1: 20% within max(5 y, 2 generations): GL 10 → 20 y
    assert categorize(mature_individuals=2000, decline_percent=20, decline_years=20,
                      generation_length_years=10).criteria == "C1"
    assert categorize(mature_individuals=2000, decline_percent=19.9, decline_years=20,
                      generation_length_years=10).explanation("C1").by_category["EN"] == "not met"
    # CR C1: 25% within max(3 y, 1 generation): GL 2 → 3 y; GL 5 → 5 y
    assert categorize(mature_individuals=200, decline_percent=25, decline_years=5,
                      generation_length_years=5).criteria == "C1"
    # E: CR 50% within max(10 y, 3 gen) capped at 100 y; EN 20% within max(20 y, 5 gen) capped at 100 y
    assert e_window_years("CR", 40) == 100 and e_window_years("EN", 25) == 100 and e_window_years("CR", 2) == 10
    assert categorize(extinction_probability=0.5, extinction_years=100, generation_length_years=40).criteria == "E"
    assert categorize(extinction_probability=0.5, extinction_years=100, generation_length_years=40).category == "CR"
    assert categorize(extinction_probability=0.2, extinction_years=100, generation_length_years=25).category == "EN"


def test_b_at_the_exact_thresholds_is_not_met():
    # "less than" for EOO/AOO: EOO 100 / 5,000 / 20,000 and AOO 10 / 500 / 2,000 are not CR / EN / VU
    base = dict(locations=1, continuing_decline={"iii"})
    assert categorize(eoo_km2=100, aoo_km2=100, **base).criteria == "B1ab(iii)+2ab(iii)"
    assert categorize(eoo_km2=100, aoo_km2=100, **base).category == "EN"
    assert categorize(eoo_km2=5000, aoo_km2=500, **base).category == "VU"
    at_vu = categorize(eoo_km2=20000, aoo_km2=2000, **base)
    assert at_vu.category == "NT" and at_vu.criteria == ""
    assert at_vu.explanation("B1").status == at_vu.explanation("B2").status == "not met"
    # "no more than" for locations: 1 / 5 / 10
    assert categorize(aoo_km2=8, locations=1, continuing_decline={"iii"}).category == "CR"
    assert categorize(aoo_km2=8, locations=2, continuing_decline={"iii"}, extreme_fluctuation=False).category == "EN"
    assert categorize(aoo_km2=8, locations=10, continuing_decline={"iii"}).category == "VU"


# Guidelines v14 (2019) pp. 76–77 examples of NT and not NT, as transcribed in ConR's near.threatened
# documentation (R/near.threatened.R); the toolkit's approximation (within a factor of 1.5 of the VU limits,
# or B with one of a–c) reproduces them where the evidence can be given to categorize.
@pytest.mark.parametrize("evidence, expected", [
    # "Population has declined by an estimated 20–25% in the last three generations." → NT
    (dict(reduction_percent=20, reduction_criterion="A2"), "NT"),
    (dict(reduction_percent=25, reduction_criterion="A2"), "NT"),
    # "... meets the area requirements under criterion B ... and is declining, but ... not severely fragmented,
    # occurs at many more than 10 locations, and there are no extreme fluctuations." → NT
    (dict(eoo_km2=15000, aoo_km2=1500, locations=40, severely_fragmented=False, continuing_decline={"iii"},
          extreme_fluctuation=False), "NT"),
    # "... is declining and occurs at ten locations, but has an EOO of 30,000 km² and/or an AOO of 3,000 km²" → NT
    (dict(eoo_km2=30000, aoo_km2=3000, locations=10, continuing_decline={"iii"}, extreme_fluctuation=False), "NT"),
    # "... declining and severely fragmented, but has an EOO of 22,000 km² ..." → NT
    (dict(eoo_km2=22000, aoo_km2=4000, severely_fragmented=True, continuing_decline={"iii"}), "NT"),
    # "Population has declined by an estimated 10% in the last three generations, and is continuing to decline,
    # and has about 15,000 mature individuals." → NT
    (dict(mature_individuals=15000, decline_percent=10, decline_years=30, generation_length_years=10,
          continuing_decline={"v"}), "NT"),
    # "The taxon exists in a single subpopulation of about 15,000 individuals and is declining." → NT
    (dict(mature_individuals=15000, percent_in_largest_subpopulation=100, continuing_decline={"v"},
          plausible_threat=False), "NT"),
    # "The population has about 1,500 mature individuals." → NT
    (dict(mature_individuals=1500, plausible_threat=False), "NT"),
    # "Population has declined by 40% ... but the decline has stopped, and the causes ... understood." → NT
    (dict(reduction_percent=40, reduction_criterion="A1"), "NT"),
    # Not NT: "declined by an estimated 10% in the last three generations, and there are more than 20,000
    # mature individuals."
    (dict(reduction_percent=10, reduction_criterion="A2", mature_individuals=20001, continuing_decline={"v"},
          decline_percent=10, decline_years=30, generation_length_years=10), "LC"),
    # Not NT: "The population has more than 2,000 mature individuals."
    (dict(mature_individuals=2001, plausible_threat=False, continuing_decline=False), "LC"),
])
def test_guidelines_near_threatened_examples(evidence, expected):
    result = categorize(**evidence)
    assert (result.category, result.criteria) == (expected, "")
    if expected == "NT":
        assert result.near_threatened and any("factor of 1.5" in reason for reason in result.near_threatened) \
            or any("only one of a–c" in reason for reason in result.near_threatened)


def test_nt_reasons_show_the_relaxed_comparison():
    result = categorize(mature_individuals=1500, plausible_threat=False)
    assert result.near_threatened == ("D: would meet VU within a factor of 1.5 of its limits — "
                                      "1,500 mature individuals ≤ 1,500",)
    assert any("factor of 1.5" in note for note in result.notes)


# ---------------------------------------------------------------------------------------------------
# Edge cases: zero mature individuals, Possibly Extinct tags, B1/B2 sub-criteria, several A sub-criteria
# ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("extra", [{}, {"possibly_extinct": False}, {"possibly_extinct_in_the_wild": False},
                                   {"eoo_km2": 50, "aoo_km2": 4, "locations": 1}])
def test_zero_mature_individuals_is_refused_with_the_extinction_question(extra):
    with pytest.raises(InvalidInputError) as caught:
        categorize(mature_individuals=0, **extra)
    assert caught.value.field == "mature_individuals"
    text = str(caught.value)
    for word in ("EX", "EW", "possibly_extinct", "possibly_extinct_in_the_wild"):
        assert word in text


@pytest.mark.parametrize("flag, tag", [("possibly_extinct", "PE"), ("possibly_extinct_in_the_wild", "PEW")])
def test_possibly_extinct_tags_on_cr(flag, tag):
    result = categorize(mature_individuals=0, **{flag: True})
    assert (result.category, result.criteria, result.tag) == ("CR", "D", tag)
    assert result.label == f"CR({tag})"
    assert result.summary().startswith(f"CR({tag}) D")
    assert any(tag in note for note in result.notes)
    other = categorize(mature_individuals=12, reduction_percent=90, reduction_criterion="A2", **{flag: True})
    assert other.tag == tag and other.summary().startswith(f"CR({tag}) A2; D")
    assert RedListResult.from_dict(other.to_dict()) == other


def test_untagged_result_has_empty_tag_and_plain_summary():
    result = categorize(mature_individuals=12)
    assert result.tag == "" and result.label == "CR" and result.summary().startswith("CR D")


@pytest.mark.parametrize("flag", ["possibly_extinct", "possibly_extinct_in_the_wild"])
@pytest.mark.parametrize("evidence", [{"mature_individuals": 120}, {"mature_individuals": 600},
                                      {"mature_individuals": 50_000, "eoo_km2": 90_000}, {}])
def test_possibly_extinct_refused_on_any_other_category(flag, evidence):
    with pytest.raises(InvalidInputError) as caught:
        categorize(**evidence, **{flag: True})
    assert caught.value.field == flag
    assert "CR" in str(caught.value)


def test_both_tags_at_once_are_refused():
    with pytest.raises(InvalidInputError) as caught:
        categorize(mature_individuals=3, possibly_extinct=True, possibly_extinct_in_the_wild=True)
    assert caught.value.field == "possibly_extinct_in_the_wild"


def test_tag_on_a_non_cr_result_is_refused_when_read_back():
    data = categorize(mature_individuals=120).to_dict()
    data["tag"] = "PE"
    with pytest.raises(InvalidInputError):
        RedListResult.from_dict(data)


def test_b1_and_b2_with_different_subcriteria():
    result = categorize(eoo_km2=80, aoo_km2=8, locations=1,
                        continuing_decline={"B1": {"ii", "v"}, "B2": {"v"}})
    assert result.category == "CR"
    assert result.criteria == "B1ab(ii,v)+2ab(v)"
    assert "(ii) AOO" in result.explanation("B1").reason
    assert "(ii) AOO" not in result.explanation("B2").reason
    assert RedListResult.from_dict(result.to_dict()) == result


def test_b1_b2_mapping_with_fluctuations_and_a_part_left_unknown():
    result = categorize(eoo_km2=4_000, aoo_km2=400, continuing_decline={"B1": {"iii"}, "B2": {"iii", "v"}},
                        extreme_fluctuation={"B2": {"iv"}})
    # B1 has b only (c unknown, a unknown): not met yet; B2 has b and c(iv): EN.
    assert result.category == "EN"
    assert result.criteria == "B2b(iii,v)c(iv)"
    assert result.explanation("B1").status == "unknown"


def test_b_mapping_feeds_c2_with_what_either_part_says_of_mature_individuals():
    result = categorize(mature_individuals=200, largest_subpopulation=40,
                        continuing_decline={"B1": {"iii"}, "B2": {"v"}})
    assert result.category == "CR" and result.criteria == "C2a(i)"
    not_declining = categorize(mature_individuals=200, largest_subpopulation=40,
                               continuing_decline={"B1": False, "B2": False})
    assert not_declining.explanation("C2").status == "not met"


@pytest.mark.parametrize("bad, field", [
    ({"B3": {"v"}}, "continuing_decline"),
    ({"B1": {"vi"}}, "continuing_decline['B1']"),
    ({"B1": {"B2": "v"}}, "continuing_decline['B1']"),
    ({}, "continuing_decline"),
])
def test_bad_b_mappings_name_the_field(bad, field):
    with pytest.raises(InvalidInputError) as caught:
        categorize(eoo_km2=80, continuing_decline=bad)
    assert caught.value.field == field


def test_several_a_subcriteria_at_once():
    result = categorize(reductions=[{"criterion": "A2", "percent": 60, "bases": "c"},
                                    {"criterion": "A3", "percent": 55, "bases": "c"}])
    assert result.category == "EN"
    assert result.criteria == "A2c+3c"
    # Only the ones met at the category are written.
    higher = categorize(reductions=[{"criterion": "A2", "percent": 85, "bases": "ac"},
                                    {"criterion": "A4", "percent": 55, "bases": "c"}])
    assert (higher.category, higher.criteria) == ("CR", "A2ac")
    assert RedListResult.from_dict(higher.to_dict()) == higher


def test_reductions_order_and_ranges():
    result = categorize(reductions=[{"criterion": "a3", "percent": 55, "bases": "c"},
                                    {"criterion": "A2", "percent": (40, 60, 85), "bases": ["c", "a"]}])
    assert result.criteria == "A2ac+3c"
    assert result.category_range == ("EN", "CR")
    assert result.criteria_range == ("A3c", "A2ac")


@pytest.mark.parametrize("bad, field", [
    ("A2", "reductions"),
    ([], "reductions"),
    ([{"criterion": "A5", "percent": 50}], "reductions[0].criterion"),
    ([{"criterion": "A2", "percent": 50}, {"criterion": "A2", "percent": 60}], "reductions[1].criterion"),
    ([{"criterion": "A2"}], "reductions[0].percent"),
    ([{"criterion": "A2", "percent": 150}], "reduction_percent"),
    ([{"criterion": "A3", "percent": 50, "bases": "a"}], "reductions[0].bases"),
    ([{"criterion": "A2", "percent": 50, "basis": "a"}], "reductions[0]"),
])
def test_bad_reductions_name_the_field(bad, field):
    with pytest.raises(InvalidInputError) as caught:
        categorize(reductions=bad)
    assert caught.value.field == field


def test_reductions_and_single_reduction_keywords_are_not_mixed():
    with pytest.raises(InvalidInputError) as caught:
        categorize(reductions=[{"criterion": "A2", "percent": 60}], reduction_percent=30)
    assert caught.value.field == "reductions"


def test_dd_is_explained_as_a_wide_plausible_range():
    summary = categorize().summary()
    assert summary.startswith("DD") and "from LC to CR" in summary and "plausible" in summary
