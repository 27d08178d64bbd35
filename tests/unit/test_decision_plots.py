"""Tests for exsitu.decision_plots."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from exsitu.decision import BASELINE_ID, example_decision  # noqa: E402
from exsitu.decision_plots import plot_contributions, plot_sensitivity, plot_weight_uncertainty  # noqa: E402
from exsitu.validation import InvalidInputError  # noqa: E402


def test_plot_contributions_bars_are_the_weighted_contributions():
    decision = example_decision("frog_insurance")
    figure = plot_contributions(decision)
    assert isinstance(figure, Figure)
    ax = figure.axes[0]
    table = decision.ranking()
    n = len(table)
    patches = ax.patches
    assert len(patches) == n * len(decision.criteria)
    for j, criterion in enumerate(decision.criteria):
        widths = [p.get_width() for p in patches[j * n:(j + 1) * n]]
        np.testing.assert_allclose(widths, table[f"contribution_{criterion.id}"].to_numpy())
    # segments stack: the last one ends at the weighted score
    last = patches[-n:]
    np.testing.assert_allclose([p.get_x() + p.get_width() for p in last], table["weighted_score"].to_numpy())
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == list(table["option"]) and labels[0] == "Insurance population — living individuals"
    assert ax.get_yticklabels()[0].get_fontweight() == "bold"
    assert "Risk (less = longer bar)" in [t.get_text() for t in ax.get_legend().get_texts()]
    assert "top: Insurance population" in ax.get_title()
    plt.close(figure)


def test_plot_contributions_not_recommended_on_given_axes():
    figure, ax = plt.subplots()
    returned = plot_contributions(example_decision("snake_not_recommended"), ax=ax)
    assert returned is figure
    assert "ex situ management not recommended" in ax.get_title()
    assert ax.get_yticklabels()[0].get_text() == "No ex situ action"
    plt.close(figure)


def test_plot_sensitivity_lines_current_weight_and_crossing():
    decision = example_decision("snake_not_recommended")
    figure = plot_sensitivity(decision, "conservation_benefit")
    ax = figure.axes[0]
    lines = ax.get_lines()
    option_lines = lines[:len(decision.options)]
    sweep = decision.weight_sweep("conservation_benefit", np.linspace(0, 1, 101))
    for line, option in zip(option_lines, decision.options):
        assert line.get_label() == option.name
        np.testing.assert_allclose(line.get_ydata(), sweep[option.id].to_numpy())
    baseline_line = option_lines[decision.option_ids.index(BASELINE_ID)]
    assert baseline_line.get_color() == "black"
    current = lines[len(decision.options)]
    assert current.get_xdata()[0] == pytest.approx(0.4)
    crossing, marker = lines[len(decision.options) + 1:]
    assert crossing.get_xdata()[0] == pytest.approx(22 / 37)
    assert marker.get_xdata()[0] == pytest.approx(22 / 37)
    # at the crossing the baseline (10 − 10t) and the combination meet
    assert marker.get_ydata()[0] == pytest.approx(10 - 10 * 22 / 37)
    assert "Insurance population and reinforcement" in marker.get_label()
    plt.close(figure)


def test_plot_sensitivity_robust_criterion_and_bad_input():
    decision = example_decision("snake_not_recommended")
    figure = plot_sensitivity(decision, "risk")
    ax = figure.axes[0]
    assert len(ax.get_lines()) == len(decision.options) + 1  # lines + current weight, no crossing
    assert any("robust" in t.get_text() for t in ax.texts)
    plt.close(figure)
    with pytest.raises(InvalidInputError) as info:
        plot_sensitivity(decision, "charisma")
    assert info.value.field == "criterion_id"
    with pytest.raises(InvalidInputError) as info:
        plot_contributions({"title": "not a decision"})
    assert info.value.field == "decision"


def test_plot_weight_uncertainty_bars_are_shares():
    decision = example_decision("frog_insurance")
    figure = plot_weight_uncertainty(decision, draws=500, seed=3)
    ax = figure.axes[0]
    shares = decision.weight_uncertainty(draws=500, seed=3)["share_first"].to_numpy()
    np.testing.assert_allclose([p.get_width() for p in ax.patches], shares)
    assert sum(p.get_width() for p in ax.patches) == pytest.approx(1)
    plt.close(figure)
    with pytest.raises(InvalidInputError) as info:
        plot_weight_uncertainty(decision, draws=0)
    assert info.value.field == "draws"


def test_every_plot_is_labelled_as_the_optional_aid():
    import matplotlib.pyplot as plt

    decision = example_decision("frog_insurance")
    for draw in (lambda ax: plot_contributions(decision, ax=ax),
                 lambda ax: plot_sensitivity(decision, "cost", ax=ax),
                 lambda ax: plot_weight_uncertainty(decision, draws=200, seed=1, ax=ax)):
        figure, ax = plt.subplots()
        draw(ax)
        assert "Optional aid" in ax.get_title()
        plt.close(figure)
