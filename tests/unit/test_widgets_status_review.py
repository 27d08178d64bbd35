"""Tests for exsitu.widgets.status_review: change a control, check the output changed as the library says."""

from __future__ import annotations

import pandas as pd
import pytest

from exsitu import geo
from exsitu.datasets import data_path
from exsitu.redlist import categorize
from exsitu.status_review import StatusReview
from exsitu.threats import ThreatImpact, impact_score
from exsitu.validation import InvalidInputError
from exsitu.widgets.status_review import (
    EvidenceExplorer,
    RangeExplorer,
    ThreatEditor,
    evidence_explorer,
    parse_quantity,
    range_explorer,
    status_review_explorer,
    threat_editor,
)

from tests.unit.test_geo import reference_selection  # the pure-Python reference for select_records

SHRUB = "occurrences/synthetic_montane_shrub.csv"
CASE_EVIDENCE = dict(locations=4, severely_fragmented=False, continuing_decline={"iii"}, extreme_fluctuation=False)


@pytest.fixture(scope="module")
def shrub() -> pd.DataFrame:
    return geo.read_occurrences(data_path(SHRUB), extra_columns=["locality"])


# ----------------------------------------------------------------------------------------------------------
# select_records (tested in tests/unit/test_geo.py) and parse_quantity
# ----------------------------------------------------------------------------------------------------------

def test_select_records_is_still_importable_from_the_widget_module():
    from exsitu.widgets import status_review

    assert status_review.select_records is geo.select_records
    assert status_review.RecordSelection is geo.RecordSelection
    assert status_review.LEAVE_OUT_REASONS is geo.LEAVE_OUT_REASONS
    assert "select_records" in status_review.__all__


@pytest.mark.parametrize("text, expected", [
    ("", None), ("   ", None), (None, None), ("12", "12"), (" 8, 12 ,20 ", ("8", "12", "20")),
    ("1;2;3", ("1", "2", "3")), (4.5, 4.5),
])
def test_parse_quantity(text, expected):
    assert parse_quantity(text) == expected


# ----------------------------------------------------------------------------------------------------------
# Range explorer
# ----------------------------------------------------------------------------------------------------------

def test_range_explorer_starts_with_all_usable_records(shrub):
    explorer = range_explorer(shrub)
    expected = geo.range_summary(shrub)
    assert explorer.summary.eoo_km2 == pytest.approx(expected.eoo_km2, rel=1e-12)
    assert explorer.summary.aoo_km2 == expected.aoo_km2
    assert explorer.excluded == {"missing": 3, "out_of_range": 2, "zero_zero": 2, "duplicate": 8}
    assert explorer.n_read == 120 and explorer.selection.n_kept == 105
    assert sorted(explorer.group_toggles) == ["Central valley", "East spur", "North ridge", "South plateau"]
    assert bytes(explorer.map_image.value).startswith(b"\x89PNG")
    assert explorer.message.value == ""
    assert "120" in explorer.summary_html.value and "105" in explorer.summary_html.value


def test_leaving_out_the_east_spur_changes_eoo_aoo_map_and_counts(shrub):
    explorer = RangeExplorer(shrub)
    before_png, before = bytes(explorer.map_image.value), explorer.summary
    explorer.group_toggles["East spur"].value = True
    after = explorer.summary
    expected = geo.range_summary(shrub[shrub["locality"] != "East spur"])
    assert after.eoo_km2 == pytest.approx(expected.eoo_km2, rel=1e-12)
    assert after.aoo_km2 == expected.aoo_km2
    assert after.eoo_km2 < 0.5 * before.eoo_km2 and after.aoo_km2 < before.aoo_km2
    assert bytes(explorer.map_image.value) != before_png
    assert explorer.selection.left_out["group"] == 10 and explorer.selection.n_kept == 95
    assert "in East spur" in explorer.summary_html.value and f"{after.eoo_km2:,.0f} km²" in explorer.summary_html.value


def test_leaving_out_old_records_counts_them(shrub):
    explorer = RangeExplorer(shrub)
    explorer.leave_out_old.value = True
    explorer.before_year.value = 1993
    kept, counts = reference_selection(shrub, before_year=1993)
    assert explorer.selection.left_out["before_year"] == counts["before_year"]
    assert explorer.summary.n_records_kept == len(kept)
    assert "collected before 1993" in explorer.summary_html.value
    explorer.leave_out_old.value = False
    assert explorer.selection.n_kept == 105 and explorer.before_year.disabled


def test_uncertainty_limit_and_grid_minimum(shrub):
    explorer = RangeExplorer(shrub)
    explorer.leave_out_uncertain.value = True
    explorer.max_uncertainty_m.value = 100
    kept, counts = reference_selection(shrub, max_uncertainty=100)
    assert explorer.selection.left_out["uncertainty"] == counts["uncertainty"] == 21
    assert explorer.selection.uncertainty_unknown == 19
    assert "without a coordinate uncertainty were kept" in explorer.summary_html.value
    explorer.leave_out_uncertain.value = False
    explorer.minimise_grid.value = True
    lat, lon = shrub["decimalLatitude"], shrub["decimalLongitude"]
    assert explorer.summary.aoo_km2 == geo.area_of_occupancy(lat, lon, minimise_over_origins=True)
    assert explorer.summary.aoo_km2 <= geo.area_of_occupancy(lat, lon)


def test_leaving_out_every_record_shows_a_message_not_a_traceback(shrub):
    explorer = RangeExplorer(shrub)
    for box in explorer.group_toggles.values():
        box.value = True
    assert explorer.summary is None
    assert "no record has usable coordinates" in explorer.message.value
    assert bytes(explorer.map_image.value) == b""
    explorer.group_toggles["North ridge"].value = False
    assert explorer.summary is not None and explorer.message.value == ""


def _fresh_map_png(explorer: RangeExplorer) -> bytes:
    """The map drawn from scratch by plot_range, as the explorer first drew it (independent of its cache)."""
    import io

    from exsitu.geo_plots import plot_range

    kept = explorer.selection.kept
    figure = plot_range(kept["decimalLatitude"].to_numpy(float), kept["decimalLongitude"].to_numpy(float),
                        cell_size_km=explorer.cell_size_km)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=90, bbox_inches="tight")
    return buffer.getvalue()


def test_a_change_shows_the_numbers_before_the_map_and_the_same_map_as_a_fresh_drawing(shrub):
    explorer = RangeExplorer(shrub)
    linked = EvidenceExplorer(CASE_EVIDENCE, range_explorer=explorer)
    order = []
    explorer.summary_html.observe(lambda change: order.append("numbers"), names="value")
    linked.explanations_html.observe(lambda change: order.append("reasons"), names="value")
    explorer.map_image.observe(lambda change: order.append("map"), names="value")
    explorer.group_toggles["East spur"].value = True
    assert order == ["numbers", "reasons", "map"]
    assert bytes(explorer.map_image.value) == _fresh_map_png(explorer)  # the reused Figure draws the same image


def test_going_back_to_a_setting_reuses_its_result_and_map(shrub):
    explorer = RangeExplorer(shrub)
    first_png, first_summary = bytes(explorer.map_image.value), explorer.summary
    first_html = explorer.summary_html.value
    explorer.leave_out_old.value = True
    old_png, old_summary = bytes(explorer.map_image.value), explorer.summary
    assert old_png != first_png and old_summary.aoo_km2 < first_summary.aoo_km2
    drawn = explorer._maps.misses
    explorer.leave_out_old.value = False
    assert explorer._maps.misses == drawn and explorer._maps.hits >= 1      # not drawn again
    assert bytes(explorer.map_image.value) == first_png and explorer.summary == first_summary
    assert explorer.summary_html.value == first_html
    assert explorer.summary == geo.range_summary(explorer.occurrences)       # the same as computed afresh
    explorer.leave_out_old.value = True
    assert bytes(explorer.map_image.value) == old_png == _fresh_map_png(explorer)
    assert explorer._maps.misses == drawn
    # other settings are new inputs: computed and drawn
    explorer.before_year.value = explorer.before_year.value + 1
    assert explorer._maps.misses == drawn + 1
    # replacing the records forgets everything made from the old ones
    explorer.occurrences = shrub[shrub["locality"] != "East spur"]
    explorer.leave_out_old.value = False
    assert explorer.summary == geo.range_summary(explorer.occurrences)


def test_in_the_background_the_numbers_come_at_once_and_the_newest_map_after(shrub):
    explorer = RangeExplorer(shrub, draw_in_background=True)
    first_png = bytes(explorer.map_image.value)
    assert first_png == _fresh_map_png(explorer)                    # the first map is drawn at once
    explorer.group_toggles["East spur"].value = True               # a map to draw on the drawing thread ...
    explorer.leave_out_old.value = True                            # ... superseded at once by another change
    assert "collected before" in explorer.summary_html.value        # the numbers are there already
    explorer.wait_for_map()
    assert bytes(explorer.map_image.value) == _fresh_map_png(explorer)  # the newest setting's map, not the other
    explorer.group_toggles["East spur"].value = False
    explorer.leave_out_old.value = False                           # seen before: shown at once, no waiting
    assert bytes(explorer.map_image.value) == first_png


def test_range_explorer_reads_a_path_and_a_table_without_groups():
    explorer = range_explorer(data_path(SHRUB))
    assert "East spur" in explorer.group_toggles
    snail = RangeExplorer(data_path("occurrences/synthetic_island_snail.csv"), group_column="no_such_column")
    assert snail.group_toggles == {}
    raw = geo.read_occurrences(data_path("occurrences/synthetic_island_snail.csv"))
    assert snail.summary.eoo_km2 == pytest.approx(geo.range_summary(raw).eoo_km2, rel=1e-12)
    with pytest.raises(InvalidInputError, match="^path: "):
        RangeExplorer("no/such/file.csv")


# ----------------------------------------------------------------------------------------------------------
# Evidence explorer
# ----------------------------------------------------------------------------------------------------------

def test_evidence_explorer_gives_what_categorize_gives():
    explorer = evidence_explorer(dict(eoo_km2=4, aoo_km2=4, locations=1, continuing_decline={"iii"}))
    assert explorer.result.category == "CR" and explorer.result.criteria == "B1ab(iii)+2ab(iii)"  # Wollemi pine
    assert "B1ab(iii)+2ab(iii)" in explorer.category_html.value
    assert "Met at CR" in explorer.explanations_html.value
    assert explorer.evidence() == {"eoo_km2": "4", "aoo_km2": "4", "locations": 1, "continuing_decline": {"iii"}}


@pytest.mark.parametrize("evidence, category, criteria", [
    (dict(mature_individuals=45), "CR", "D"),                                                  # R1
    (dict(mature_individuals=600, decline_percent=22, decline_years=10, generation_length_years=5,
          continuing_decline={"v"}), "EN", "C1"),                                              # R2
    (dict(aoo_km2=16, locations=3, continuing_decline={"iii"}), "EN", "B2ab(iii)"),            # R3
    (dict(reduction_percent=35, reduction_criterion="A2", generation_length_years=5), "VU", "A2"),  # R4
    (dict(extinction_probability=0.25, extinction_years=25, generation_length_years=5), "EN", "E"),  # R5
    ({}, "DD", ""),
])
def test_handy_cases_through_the_widget(evidence, category, criteria):
    explorer = EvidenceExplorer(evidence)
    assert (explorer.result.category, explorer.result.criteria) == (category, criteria)
    direct = categorize(**evidence)
    assert explorer.result.category == direct.category and explorer.result.criteria == direct.criteria


def test_linked_explorer_follows_the_records_kept(shrub):
    ranges = RangeExplorer(shrub)
    explorer = EvidenceExplorer(CASE_EVIDENCE, range_explorer=ranges)
    assert explorer.evidence()["eoo_km2"] == ranges.summary.eoo_km2  # exact figure, not the rounded text
    assert explorer.texts["eoo_km2"].value == f"{ranges.summary.eoo_km2:.1f}"
    first_reason = explorer.result.explanation("B1").reason
    assert explorer.result.category == "EN" and explorer.result.criteria == "B1ab(iii)+2ab(iii)"

    ranges.group_toggles["East spur"].value = True
    assert explorer.evidence()["eoo_km2"] == ranges.summary.eoo_km2
    assert explorer.evidence()["aoo_km2"] == ranges.summary.aoo_km2 == 88.0
    assert explorer.result.explanation("B1").reason != first_reason
    assert f"{ranges.summary.eoo_km2:,.0f}" in explorer.result.explanation("B1").reason
    expected = categorize(**{**CASE_EVIDENCE, "eoo_km2": ranges.summary.eoo_km2, "aoo_km2": 88.0})
    assert explorer.result.to_dict() == expected.to_dict()

    # No record left: EOO and AOO become unknown (not zero) and B can no longer be evaluated.
    for box in ranges.group_toggles.values():
        box.value = True
    assert explorer.texts["eoo_km2"].value == "" and "eoo_km2" not in explorer.evidence()
    assert explorer.result.category == "DD"


def test_unlinking_lets_the_learner_type_eoo():
    ranges = RangeExplorer(geo.read_occurrences(data_path(SHRUB), extra_columns=["locality"]))
    explorer = EvidenceExplorer(CASE_EVIDENCE, range_explorer=ranges)
    assert explorer.texts["eoo_km2"].disabled
    explorer.use_records.value = False
    assert not explorer.texts["eoo_km2"].disabled
    explorer.texts["eoo_km2"].value = "90"
    explorer.texts["aoo_km2"].value = "8"
    explorer.locations.value = 1
    assert (explorer.result.category, explorer.result.criteria) == ("CR", "B1ab(iii)+2ab(iii)")
    ranges.group_toggles["East spur"].value = True  # no longer linked: the typed values stay
    assert explorer.texts["eoo_km2"].value == "90"
    explorer.use_records.value = True  # linked again
    assert explorer.evidence()["eoo_km2"] == ranges.summary.eoo_km2


def test_decline_slider_raises_the_category_and_missing_evidence_is_not_lc():
    explorer = EvidenceExplorer({**CASE_EVIDENCE, "eoo_km2": 1679, "aoo_km2": 100})
    assert explorer.result.category == "EN"
    explorer.reduction_known.value = True
    explorer.reduction_criterion.value = "A2"
    explorer.reduction_percent.value = 85
    assert (explorer.result.category, explorer.result.criteria) == ("CR", "A2")
    explorer.reduction_percent.value = 20
    assert explorer.result.category == "EN"
    explorer.continuing_decline.mode.value = "unknown"  # B can't be evaluated; A is (not met at VU)
    assert explorer.result.category == "NT" and explorer.result.could_be_higher
    explorer.reduction_known.value = False  # nothing evaluated any more: Data Deficient, not Least Concern
    assert explorer.result.category == "DD"
    assert explorer.reduction_percent.disabled
    assert "unknown" in explorer.explanations_html.value.lower()
    explorer.continuing_decline.mode.value = "yes"  # the ticks are remembered
    assert explorer.result.criteria == "B1ab(iii)+2ab(iii)"
    explorer.continuing_decline.boxes["iii"].value = False  # yes, sub-criteria not named: 'b'
    assert explorer.result.criteria == "B1ab+2ab"
    assert any("without sub-criteria" in note for note in explorer.result.notes)
    explorer.continuing_decline.boxes["iii"].value = True
    explorer.continuing_decline.boxes["v"].value = True
    assert explorer.result.criteria == "B1ab(iii,v)+2ab(iii,v)"


def test_locations_slider_and_range():
    explorer = EvidenceExplorer({**CASE_EVIDENCE, "eoo_km2": 1679, "aoo_km2": 100})
    explorer.locations.value = 11
    assert explorer.result.category == "NT"  # B with only b and c (teaching approximation for NT)
    explorer.locations.value = 4
    explorer.locations_range_on.value = True
    explorer.locations_range.value = (1, 12)
    assert explorer.evidence()["locations"] == (1, 4, 12)
    expected = categorize(**{**CASE_EVIDENCE, "eoo_km2": "1679", "aoo_km2": "100", "locations": (1, 4, 12)})
    assert explorer.result.category_range == expected.category_range == ("NT", "EN")
    assert "Plausible range" in explorer.category_html.value


def test_text_range_gives_the_category_range():
    explorer = EvidenceExplorer()
    explorer.texts["mature_individuals"].value = "30, 200, 1200"
    assert explorer.result.category == "EN"
    # 30 < 50 is CR D; with 1200 (≥ 1000) D is not met and nothing else is known: DD, never LC
    assert explorer.result.category_range == ("DD", "CR")
    assert explorer.result.category_range == categorize(mature_individuals=(30, 200, 1200)).category_range
    assert "Plausible range" in explorer.category_html.value


@pytest.mark.parametrize("name, text, field", [
    ("mature_individuals", "many", "mature_individuals"),
    ("mature_individuals", "300, 200, 100", "mature_individuals"),
    ("mature_individuals", "100, 200", "mature_individuals"),
    ("extinction_probability", "25", "extinction_probability"),
    ("generation_length_years", "0", "generation_length_years"),
])
def test_bad_values_show_a_message_naming_the_field(name, text, field):
    explorer = EvidenceExplorer()
    explorer.texts[name].value = text
    assert explorer.result is None
    assert f"<code>{field}" in explorer.message.value
    assert "No category" in explorer.category_html.value
    explorer.texts[name].value = ""
    assert explorer.result is not None and explorer.message.value == ""


def test_contradictory_evidence_shows_a_message():
    explorer = EvidenceExplorer(dict(mature_individuals=100, decline_percent=30, decline_years=3))
    explorer.continuing_decline.mode.value = "no"
    assert explorer.result is None and "continuing_decline" in explorer.message.value
    explorer.locations_known.value = True
    explorer.locations_range_on.value = True
    explorer.locations.value = 10
    explorer.locations_range.value = (2, 5)
    explorer.continuing_decline.mode.value = "yes"
    assert explorer.result is None and "<code>locations" in explorer.message.value


def test_set_evidence_rejects_unknown_keywords():
    explorer = EvidenceExplorer()
    with pytest.raises(InvalidInputError, match="^colour: "):
        explorer.set_evidence({"colour": "red"})


# ----------------------------------------------------------------------------------------------------------
# Threat editor
# ----------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("timing, scope, severity, score, impact", [
    ("Ongoing", "Whole (>90%)", "Very rapid declines", 9, "High"),
    ("Ongoing", "Minority (<50%)", "Slow, significant declines", 5, "Low"),
    ("Future", "Whole (>90%)", "Very rapid declines", 7, "Medium"),
    ("Ongoing", "Majority (50–90%)", "Rapid declines", 7, "Medium"),
    ("Ongoing", "Minority (<50%)", "No decline", 4, "Low"),
    ("Past, likely to return", "Whole (>90%)", "Rapid declines", None, "Past"),
])
def test_threat_editor_scores_the_domain_test_cases(timing, scope, severity, score, impact):
    editor = ThreatEditor()
    editor.code.value = "7.1 Fire & fire suppression"
    editor.timing.value, editor.scope.value, editor.severity.value = timing, scope, severity
    assert f"<b>{impact}</b>" in editor.preview.value
    editor.add_button.click()
    (threat,) = editor.threats
    assert threat.code == "7.1" and (threat.score, threat.impact) == (score, impact)
    assert (score, impact) == impact_score(timing, scope, severity)
    assert "Fire &amp; fire suppression" in editor.table_html.value and impact in editor.table_html.value


def test_threat_editor_table_is_sorted_and_buttons_remove():
    editor = threat_editor([ThreatImpact("2.1", "ongoing", "minority", "slow")])
    assert editor.add("8.1", "Ongoing", "Whole (>90%)", "Very rapid declines", "a named pathogen") is not None
    table = editor.table()
    assert list(table["code"]) == ["8.1", "2.1"] and list(table["impact"]) == ["High", "Low"]
    assert "a named pathogen" in editor.table_html.value
    editor.remove_last_button.click()
    assert [t.code for t in editor.threats] == ["2.1"]
    editor.clear_button.click()
    assert editor.threats == [] and "No threat added" in editor.table_html.value


@pytest.mark.parametrize("kwargs, field", [
    (dict(code="13.1"), "code"),
    (dict(code="fire and brimstone"), "code"),
    (dict(code=""), "code"),
    (dict(code="7.1", timing="sometimes"), "timing"),
    (dict(code="7.1", scope="half"), "scope"),
])
def test_threat_editor_bad_values_show_a_message(kwargs, field):
    editor = ThreatEditor()
    assert editor.add(**kwargs) is None
    assert editor.threats == []
    assert f"<code>{field}</code>" in editor.message.value
    editor.add("7.1")
    assert editor.message.value == "" and len(editor.threats) == 1


def test_threat_editor_rejects_non_threats():
    with pytest.raises(InvalidInputError, match="^threats: "):
        ThreatEditor(["7.1"])


# ----------------------------------------------------------------------------------------------------------
# All three linked, and the StatusReview
# ----------------------------------------------------------------------------------------------------------

def test_status_review_explorer_links_and_builds_a_status_review(shrub):
    explorer = status_review_explorer(shrub, evidence=CASE_EVIDENCE,
                                      threats=[ThreatImpact("7.1", "Ongoing", "Whole (>90%)", "Rapid declines")])
    assert explorer.evidence.range_explorer is explorer.range
    explorer.range.group_toggles["East spur"].value = True
    explorer.threats.add("2.1", "Ongoing", "Majority (50–90%)", "Slow, significant declines")
    review = explorer.status_review(taxon_group="plant", knowledge_gaps=["number of mature individuals"])
    assert isinstance(review, StatusReview)
    assert review.taxon == "Exemplia montana (SYNTHETIC)"
    assert (review.category, review.criteria) == ("EN", "B1ab(iii)+2ab(iii)")
    assert review.records_kept == 95 and review.aoo_km2 == 88.0
    assert review.eoo_km2 == pytest.approx(explorer.range.summary.eoo_km2)
    assert [t.code for t in review.major_threats()] == ["7.1", "2.1"]
    assert StatusReview.from_dict(review.to_dict()) == review

    explorer.evidence.texts["mature_individuals"].value = "lots"
    with pytest.raises(InvalidInputError, match="^mature_individuals: "):
        explorer.status_review()


def test_explorers_display_as_widgets(shrub):
    explorer = status_review_explorer(shrub)
    for item in (explorer, explorer.range, explorer.evidence, explorer.threats):
        bundle = item._repr_mimebundle_()
        data = bundle[0] if isinstance(bundle, tuple) else bundle
        assert "application/vnd.jupyter.widget-view+json" in data
