"""Tests for exsitu.genetics_plots."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from exsitu.genetics import gene_diversity_retained  # noqa: E402
from exsitu.genetics_plots import plot_gene_diversity  # noqa: E402
from exsitu.validation import InvalidInputError  # noqa: E402


def test_plot_gene_diversity_lines_follow_formula_and_target():
    figure = plot_gene_diversity([24, 48, 96], years=100, generation_time=10, target_gene_diversity=0.9)
    assert isinstance(figure, Figure)
    ax = figure.axes[0]
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["Ne = 24", "Ne = 48", "Ne = 96", "target 90%"]
    for line, ne in zip(lines[:3], [24, 48, 96]):
        x, y = line.get_data()
        np.testing.assert_allclose(y, gene_diversity_retained(ne, np.asarray(x), 10), rtol=1e-14)
    assert lines[1].get_data()[1][-1] >= 0.9 > gene_diversity_retained(47, 100, 10)
    np.testing.assert_allclose(lines[3].get_ydata(), [0.9, 0.9])
    plt.close(figure)


def test_plot_gene_diversity_on_given_axes_without_target():
    figure, ax = plt.subplots()
    returned = plot_gene_diversity(50, years=40, generation_time=4, initial_gene_diversity=0.95,
                                   target_gene_diversity=None, ax=ax)
    assert returned is figure
    assert len(ax.get_lines()) == 1 and ax.get_lines()[0].get_ydata()[0] == 0.95
    plt.close(figure)


def test_plot_gene_diversity_bad_input():
    with pytest.raises(InvalidInputError, match="^generation_time: "):
        plot_gene_diversity(50, years=100)
    with pytest.raises(InvalidInputError, match="^target_gene_diversity: "):
        plot_gene_diversity(50, years=100, generation_time=5, target_gene_diversity=2)
    plt.close("all")
