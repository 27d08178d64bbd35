"""Figures for studbook analysis: they draw the numbers they are given and return a Figure."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.figure import Figure

from exsitu.pedigree import founder_contributions, founder_representation, mean_kinship, read_studbook
from exsitu.pedigree_plots import plot_founder_representation, plot_mean_kinship
from exsitu.validation import InvalidInputError

T10 = "id,sire,dam,sex,alive\nA,,,M,no\nB,,,F,no\nX,,,F,no\nC,A,B,M,yes\nD,A,B,F,yes\nG,A,X,M,yes\nE,C,,F,no\n"


def test_mean_kinship_bars_sorted_lowest_first_with_population_line():
    mk = mean_kinship(read_studbook(T10))
    figure = plot_mean_kinship(mk)
    assert isinstance(figure, Figure)
    axes = figure.axes[0]
    heights = [bar.get_height() for bar in axes.patches]
    assert heights == sorted(heights) and heights[0] == pytest.approx(0.25)
    assert [t.get_text() for t in axes.get_xticklabels()] == ["G", "C", "D"]
    line = axes.lines[0].get_ydata()
    assert line[0] == pytest.approx(mk.mean())
    plt.close(figure)


def test_plots_draw_on_a_given_axes():
    figure, axes = plt.subplots()
    returned = plot_mean_kinship(pd.Series([0.3, 0.1], index=["a", "b"]), ax=axes)
    assert returned is figure
    plt.close(figure)


def test_founder_representation_bars_and_retention_points():
    table = founder_representation(read_studbook(T10), iterations=200, seed=1)
    figure = plot_founder_representation(table)
    axes = figure.axes[0]
    heights = [bar.get_height() for bar in axes.patches]
    np.testing.assert_allclose(heights, [0.5, 1 / 3, 1 / 6])  # the zero-contribution founder is not a bar
    assert len(figure.axes) == 2  # retention on a second axis
    assert "3 of 4 founders" in axes.get_title()
    plt.close(figure)
    only_p = plot_founder_representation(founder_contributions(read_studbook(T10)), top=2)
    assert len(only_p.axes[0].patches) == 2 and len(only_p.axes) == 1
    plt.close(only_p)


@pytest.mark.parametrize("function, bad, field", [
    (plot_mean_kinship, pd.Series(dtype=float), "mean_kinship"),
    (plot_mean_kinship, [0.1, 0.2], "mean_kinship"),
    (plot_founder_representation, pd.DataFrame({"x": [1]}), "representation"),
])
def test_bad_inputs_name_the_argument(function, bad, field):
    with pytest.raises(InvalidInputError, match=f"^{field}: "):
        function(bad)
