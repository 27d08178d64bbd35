"""Tests for exsitu.widgets.feasibility: rating a factor or a risk updates the summary, register and plots.

The option is a fungal culture collection with re-inoculation (case-studies.md §7); every rating here is
SYNTHETIC test data.
"""

from __future__ import annotations

import pytest

from exsitu.feasibility import FeasibilityAssessment
from exsitu.validation import InvalidInputError
from exsitu.widgets.feasibility import feasibility_editor, register_html, summary_html


def _assessment() -> FeasibilityAssessment:
    assessment = FeasibilityAssessment.for_roles("Culture collection and re-inoculation", ["biobank", "reintroduction"])
    for factor in assessment.factors:
        assessment.rate(factor.id, "available", "SYNTHETIC evidence")
    for risk in assessment.risks:
        assessment.update_risk(risk.id, likelihood=2, consequence=2)
    return assessment


@pytest.fixture
def editor():
    return feasibility_editor(_assessment())


def _row(parts, factor_id):
    return next(row for row in parts.factor_rows if row.factor_id == factor_id)


def test_starts_from_a_copy_and_shows_the_summary(editor):
    parts = editor.parts
    original = _assessment()
    assert parts.assessment.to_dict() == original.to_dict()
    assert "feasible</span>" in parts.summary.value           # all available, all risks low → feasible
    assert parts.summary.value == summary_html(original.summary())
    assert parts.register.value == register_html(original)
    assert parts.heatmap.value[:4] == b"\x89PNG" and parts.factors_chart.value[:4] == b"\x89PNG"
    parts.likelihood.value = 5
    assert original.risks[0].likelihood == 2                   # the given assessment is not edited


def test_rating_an_essential_factor_gap_blocks_the_option(editor):
    parts = editor.parts
    chart = parts.factors_chart.value
    row = _row(parts, "funding")
    row.evidence.value = "Grant ends after 3 years (SYNTHETIC)"
    row.rating.value = "gap"
    assert parts.assessment.factor_table().loc["funding", "blocking"]
    assert "not feasible now" in parts.summary.value
    assert "Funding over the whole duration" in parts.summary.value and "Grant ends" in parts.summary.value
    assert parts.factors_chart.value != chart
    row.rating.value = "partial"
    assert "feasible with conditions" in parts.summary.value
    _row(parts, "partners").rating.value = "gap"                # not essential: a condition, not a block
    assert "not feasible now" not in parts.summary.value


def test_moving_a_risk_slider_updates_register_and_heat_map(editor):
    parts = editor.parts
    parts.risk.value = "exsitu_disease"
    assert parts.rated.value and parts.likelihood.value == 2
    register, heatmap = parts.register.value, parts.heatmap.value
    parts.likelihood.value = 4
    parts.consequence.value = 4
    frame = parts.assessment.risk_register()
    assert frame.loc["exsitu_disease", "rating"] == 16 and frame.loc["exsitu_disease", "level"] == "high"
    assert frame.loc["exsitu_disease", "residual_rating"] == 16   # residual follows until it is set
    assert parts.residual_likelihood.value == 4
    assert parts.register.value != register and parts.heatmap.value != heatmap
    assert "Manage high residual risk &#x27;Disease outbreak&#x27;" in parts.summary.value
    parts.mitigation.value = "Quarantine and screening (SYNTHETIC)"
    parts.residual_likelihood.value = 1
    frame = parts.assessment.risk_register()
    assert frame.loc["exsitu_disease", "residual_rating"] == 4
    assert frame.loc["exsitu_disease", "mitigation"] == "Quarantine and screening (SYNTHETIC)"
    assert "feasible</span>" in parts.summary.value
    parts.likelihood.value = 5                                   # residual, once set, stays
    assert parts.assessment.risk_register().loc["exsitu_disease", "residual_rating"] == 4


def test_extreme_residual_risk_blocks_and_unrating_counts(editor):
    parts = editor.parts
    parts.risk.value = "prog_funding_ends"
    parts.likelihood.value = 5
    parts.consequence.value = 5
    assert "not feasible now" in parts.summary.value and "residual risk is extreme" in parts.summary.value
    parts.rated.value = False
    risk = next(r for r in parts.assessment.risks if r.id == "prog_funding_ends")
    assert not risk.rated and risk.rating is None
    assert "Rate the 1 risk(s) not yet rated" in parts.summary.value
    assert parts.likelihood.disabled
    parts.rated.value = True
    risk = next(r for r in parts.assessment.risks if r.id == "prog_funding_ends")
    assert not parts.likelihood.disabled and risk.rated


def test_adding_a_risk(editor):
    parts = editor.parts
    parts.add_risk.click()
    assert "new risk description" in parts.message.value and "must not be empty" in parts.message.value
    n = len(parts.assessment.risks)
    parts.new_category.value = "other_species"
    parts.new_label.value = "Spread of cultured strains"
    parts.new_description.value = "Inoculated strains spread beyond the target logs (SYNTHETIC)"
    parts.add_risk.click()
    assert len(parts.assessment.risks) == n + 1
    assert parts.risk.value == "spread_of_cultured_strains" and not parts.rated.value
    assert "Spread of cultured strains" in parts.register.value
    parts.rated.value = True
    assert parts.assessment.risks[-1].rating == 9                 # sliders start at 3 × 3


def test_factory_rejects_what_is_not_an_assessment():
    with pytest.raises(InvalidInputError) as info:
        feasibility_editor({"option": "x"})
    assert info.value.field == "assessment"


def test_register_html_has_one_row_per_risk():
    assessment = _assessment()
    assert register_html(assessment).count("<tr style") == len(assessment.risks)


# -- in the workbench: the text at once with "updating…", the heat maps from the drawing thread ------------------
def _hold_drawing_thread():
    """Block the widgets' drawing thread until the returned event is set (so a test sees the state in between)."""
    import threading

    from exsitu.widgets._cache import draw_later

    release = threading.Event()
    draw_later(lambda: release.wait(30))
    return release


def test_in_the_background_a_risk_slider_shows_the_register_at_once_then_the_heat_maps():
    parts = feasibility_editor(_assessment(), draw_in_background=True).parts
    parts.wait_for_figures()
    assert parts.heatmap.value[:4] == b"\x89PNG" and parts.heatmap_status.value == ""
    parts.risk.value = "exsitu_disease"
    register, heatmap = parts.register.value, parts.heatmap.value
    release = _hold_drawing_thread()
    try:
        parts.likelihood.value = 4
        assert parts.register.value != register                      # feedback at once
        assert parts.assessment.risk_register().loc["exsitu_disease", "rating"] == 8
        assert "updating the heat maps" in parts.heatmap_status.value
        assert parts.heatmap.value == heatmap                        # the figure is not drawn yet
    finally:
        release.set()
    parts.wait_for_figures()
    assert parts.heatmap.value != heatmap and parts.heatmap.value[:4] == b"\x89PNG"
    assert parts.heatmap_status.value == ""
    parts.likelihood.value = 2                                       # back to a setting drawn before: at once
    assert parts.heatmap.value == heatmap and parts.heatmap_status.value == ""


def test_in_the_background_only_the_newest_heat_map_is_drawn(monkeypatch):
    from exsitu.widgets import feasibility as module

    parts = feasibility_editor(_assessment(), draw_in_background=True).parts
    parts.wait_for_figures()
    parts.risk.value = "exsitu_disease"
    drawn = []
    real = module._heatmaps_png
    monkeypatch.setattr(module, "_heatmaps_png", lambda risks: drawn.append(risks) or real(risks))
    release = _hold_drawing_thread()
    try:
        for value in (3, 4, 5):
            parts.likelihood.value = value
    finally:
        release.set()
    parts.wait_for_figures()
    assert len(drawn) == 1 and next(r for r in drawn[0] if r.id == "exsitu_disease").likelihood == 5
    assert parts.heatmap_status.value == ""


def test_in_the_background_a_factor_rating_shows_the_summary_at_once_then_the_chart():
    parts = feasibility_editor(_assessment(), draw_in_background=True).parts
    parts.wait_for_figures()
    chart = parts.factors_chart.value
    release = _hold_drawing_thread()
    try:
        _row(parts, "funding").rating.value = "gap"
        assert "not feasible now" in parts.summary.value
        assert "updating the chart" in parts.factors_status.value and parts.factors_chart.value == chart
    finally:
        release.set()
    parts.wait_for_figures()
    assert parts.factors_chart.value != chart and parts.factors_status.value == ""


def test_the_risk_editor_opens_on_a_risk(editor):
    """Sliders with no risk chosen would edit nothing: the first risk of the register is shown from the start."""
    parts = editor.parts
    first = parts.assessment.risks[0]
    assert parts.risk.value == first.id
    assert parts.rated.value == first.rated and parts.mitigation.value == first.mitigation
    assert parts.likelihood.value == (first.likelihood or 3)
