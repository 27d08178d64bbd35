"""Tests for exsitu.feasibility_plots (risk heat map, factor chart). Risk values are SYNTHETIC."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.colors import to_hex  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from exsitu.feasibility import FeasibilityAssessment, Risk, risk_level  # noqa: E402
from exsitu.feasibility_plots import (LEVEL_COLOURS, plot_feasibility_factors, plot_risk_heatmap)  # noqa: E402
from exsitu.validation import InvalidInputError  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _risk_texts(ax):
    return {t.get_gid()[5:]: t for t in ax.texts if (t.get_gid() or "").startswith("risk:")}


def _assessment() -> FeasibilityAssessment:
    assessment = FeasibilityAssessment.for_roles("LHISI insurance colony", "insurance")
    values = {"exsitu_disease": (4, 5, 2, 5), "exsitu_adaptation": (3, 3, 2, 3), "exsitu_gd_loss": (3, 3, 2, 2),
              "exsitu_hybridisation": (3, 3, 1, 3), "prog_funding_ends": (2, 4, 2, 4)}
    for risk_id, (lik, con, rlik, rcon) in values.items():
        assessment.update_risk(risk_id, likelihood=lik, consequence=con, mitigation="SYNTHETIC mitigation",
                               residual_likelihood=rlik, residual_consequence=rcon)
    return assessment


def test_heatmap_places_every_rated_risk_in_its_cell():
    assessment = _assessment()
    fig = plot_risk_heatmap(assessment)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    texts = _risk_texts(ax)
    rated = [r for r in assessment.risks if r.rated]
    assert set(texts) == {r.id for r in rated}  # 5 labelled risks, unrated ones left out
    for risk in rated:
        x, y = texts[risk.id].get_position()
        assert x == risk.consequence
        assert risk.likelihood - 0.5 < y < risk.likelihood + 0.5
        assert texts[risk.id].get_text() == risk.label
    # three risks share cell (3, 3): all shown, at different heights
    shared = [texts[i].get_position()[1] for i in ("exsitu_adaptation", "exsitu_gd_loss", "exsitu_hybridisation")]
    assert len(set(shared)) == 3
    unrated = sum(not r.rated for r in assessment.risks)
    assert f"{unrated} risk(s) not yet rated" in ax.get_title()
    assert len([t for t in ax.texts if t.get_gid() == "cell-rating"]) == 25


def test_heatmap_cells_are_coloured_by_level():
    fig = plot_risk_heatmap(_assessment())
    ax = fig.axes[0]
    image = ax.images[0]
    rgba = image.to_rgba(image.get_array())
    for lik in range(1, 6):
        for con in range(1, 6):
            colour = to_hex(rgba[lik - 1, con - 1])
            assert colour == LEVEL_COLOURS[risk_level(lik * con)]


def test_residual_heatmap_moves_risks_to_their_residual_cells():
    assessment = _assessment()
    fig = plot_risk_heatmap(assessment, residual=True)
    texts = _risk_texts(fig.axes[0])
    x, y = texts["exsitu_disease"].get_position()
    assert x == 5 and 1.5 < y < 2.5  # residual 2 × 5
    # risks without residual values are shown at their inherent cell; unrated ones not at all
    assert len(texts) == 5
    assert "residual" in fig.axes[0].get_title()


def test_heatmap_accepts_a_list_of_risks_dicts_and_an_axes():
    risks = [Risk("a", "wild_population", "Founder removal", 2, 2, label="Founders"),
             {"id": "b", "category": "other_species", "description": "Spill-over", "likelihood": 2,
              "consequence": 2, "label": "Spill-over"},
             Risk("c", "institutions_programme", "Funding ends", 5, 5)]
    fig, ax = plt.subplots()
    returned = plot_risk_heatmap(risks, ax=ax, title="Register")
    assert returned is fig
    texts = _risk_texts(ax)
    assert set(texts) == {"a", "b", "c"}
    assert texts["a"].get_position()[1] != texts["b"].get_position()[1]
    assert ax.get_title() == "Register"


def test_many_risks_in_one_cell_are_all_labelled():
    risks = [Risk(f"r{i}", "wild_population", f"risk {i}", 3, 4) for i in range(8)]
    fig = plot_risk_heatmap(risks)
    texts = _risk_texts(fig.axes[0])
    assert len(texts) == 8
    ys = sorted(t.get_position()[1] for t in texts.values())
    assert all(2.5 < y < 3.5 for y in ys) and len(set(np.round(ys, 6))) == 8


def test_heatmap_bad_input_names_the_field():
    with pytest.raises(InvalidInputError, match="^assessment_or_risks: "):
        plot_risk_heatmap(42)
    with pytest.raises(InvalidInputError, match=r"^risks\[0\]\.likelihood: "):
        plot_risk_heatmap([{"category": "wild_population", "description": "x", "likelihood": 0, "consequence": 1}])
    with pytest.raises(InvalidInputError, match=r"^risks\[1\]: "):
        plot_risk_heatmap([Risk("a", "wild_population", "x"), "not a risk"])
    with pytest.raises(InvalidInputError, match="^residual: "):
        plot_risk_heatmap([], residual="yes")
    with pytest.raises(InvalidInputError, match="^ax: "):
        plot_risk_heatmap([], ax="axes")


def test_factor_chart_one_bar_per_factor_and_blocking_marked():
    assessment = _assessment()
    assessment.rate("husbandry", "available", "Honan 2008").rate("funding", "gap", "SYNTHETIC")
    assessment.rate("partners", "gap", "SYNTHETIC").rate("staff", "partial", "SYNTHETIC")
    fig = plot_feasibility_factors(assessment)
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    bars = {p.get_gid()[7:]: p for p in ax.patches if (p.get_gid() or "").startswith("factor:")}
    assert list(bars) == [f.id for f in assessment.factors]
    assert bars["husbandry"].get_width() == 3 and bars["staff"].get_width() == 2
    assert bars["funding"].get_width() == 1 and bars["facilities"].get_width() < 1
    notes = [t.get_text() for t in ax.texts]
    assert sum("BLOCKS" in n for n in notes) == 1  # funding (essential); partners is not essential
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert "Partners in and outside the range" in labels
    assert "Funding over the whole duration *" in labels


def test_factor_chart_bad_input():
    with pytest.raises(InvalidInputError, match="^factors: "):
        plot_feasibility_factors([])
    with pytest.raises(InvalidInputError, match=r"^factors\[0\]: "):
        plot_feasibility_factors(["funding"])
    with pytest.raises(InvalidInputError, match="^assessment_or_factors: "):
        plot_feasibility_factors(3)
