"""Tests for exsitu.pva_plots."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from exsitu.pva import Catastrophe, PVAParameters, run_pva, run_scenarios  # noqa: E402
from exsitu.pva_plots import plot_extinction_probability, plot_pva_fan, plot_pva_gene_diversity  # noqa: E402
from exsitu.validation import InvalidInputError  # noqa: E402

PARAMS = PVAParameters(initial_size=30, adult_survival=0.8, breeding_probability=0.5, mean_offspring=1.5,
                       carrying_capacity=80, catastrophes=(Catastrophe(0.05, 0.3),), quasi_extinction_threshold=10)


@pytest.fixture(scope="module")
def results():
    releases = PVAParameters.from_dict({**PARAMS.to_dict(), "release_years": [1, 2, 3], "release_females": 3,
                                        "release_males": 3})
    return run_scenarios({"wild only": PARAMS, "wild + releases": releases}, replicates=300, years=30, seed=1)


def test_fan_chart_bands_and_median_match_result(results):
    figure = plot_pva_fan(results)
    assert isinstance(figure, Figure)
    ax = figure.axes[0]
    medians = [line for line in ax.get_lines() if line.get_label().endswith("median")]
    assert [line.get_label() for line in medians] == ["wild only median", "wild + releases median"]
    np.testing.assert_allclose(medians[0].get_ydata(), results["wild only"].percentile(50))
    assert len(ax.collections) == 4  # two bands per scenario
    band = ax.collections[0].get_paths()[0].vertices
    assert band[:, 1].max() == pytest.approx(results["wild only"].percentile(95).max())
    assert any(line.get_label() == "carrying capacity" for line in ax.get_lines())
    plt.close(figure)


def test_fan_chart_single_result_on_axes(results):
    figure, ax = plt.subplots()
    assert plot_pva_fan(results["wild only"], ax=ax, bands=[(25, 75)]) is figure
    assert len(ax.collections) == 1
    plt.close(figure)


def test_extinction_curves(results):
    figure = plot_extinction_probability(results)
    lines = figure.axes[0].get_lines()
    assert [line.get_label() for line in lines] == ["wild only extinction", "wild only N ≤ 10",
                                                    "wild + releases extinction", "wild + releases N ≤ 10"]
    np.testing.assert_allclose(lines[1].get_ydata(), results["wild only"].quasi_extinction_probability)
    plt.close(figure)
    figure = plot_extinction_probability(results["wild only"], kind="quasi")
    assert len(figure.axes[0].get_lines()) == 1
    plt.close(figure)


def test_gene_diversity_plot(results):
    figure = plot_pva_gene_diversity(results, target_gene_diversity=0.9)
    lines = figure.axes[0].get_lines()
    np.testing.assert_allclose(lines[1].get_ydata(), results["wild + releases"].gene_diversity_mean)
    assert lines[-1].get_label() == "target 90%"
    plt.close(figure)


def test_plot_bad_input(results):
    with pytest.raises(InvalidInputError, match="^results: "):
        plot_pva_fan({})
    with pytest.raises(InvalidInputError, match="^results: "):
        plot_extinction_probability([1, 2])
    with pytest.raises(InvalidInputError, match="^bands: "):
        plot_pva_fan(results, bands=[(10, 90)])
    with pytest.raises(InvalidInputError, match="^bands: "):
        plot_pva_fan(results, bands=[(5, 50, 95)])
    with pytest.raises(InvalidInputError, match="^kind: "):
        plot_extinction_probability(results, kind="all")
    no_median = run_pva(PARAMS, 20, 5, seed=1, percentile_levels=[5, 95])
    with pytest.raises(InvalidInputError, match="^show_median: "):
        plot_pva_fan(no_median, bands=[(5, 95)])
    plt.close("all")
