"""Figures for studbook analysis (Step 3): mean kinship ranking and founder representation.

Each function takes results already computed with :mod:`exsitu.pedigree`, draws on ``ax`` if given (else
on a new figure) and returns the matplotlib ``Figure``; nothing is shown.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from exsitu.validation import InvalidInputError

__all__ = ["plot_mean_kinship", "plot_founder_representation"]

_MAX_LABELS = 60
#: Above this many bars a ranking is drawn as one filled profile (one artist instead of one per bar: 30,000
#: bars take about 25 s to draw, the profile a few milliseconds) and founders are cut to the largest ones.
MAX_BARS = 300


def _axes(ax: Axes | None, width: float) -> tuple[Figure, Axes]:
    if ax is not None:
        return ax.figure, ax
    figure, axes = plt.subplots(figsize=(width, 4.0), layout="constrained")
    return figure, axes


def plot_mean_kinship(mean_kinship: pd.Series, ax: Axes | None = None) -> Figure:
    """Bar per living individual, sorted from lowest mk (highest breeding priority) to highest.

    ``mean_kinship``: the Series from :func:`exsitu.pedigree.mean_kinship`. A dashed line marks the
    population MK (= 1 − gene diversity).
    """
    if not isinstance(mean_kinship, pd.Series) or mean_kinship.empty:
        raise InvalidInputError("mean_kinship", "must be a non-empty pandas Series of mk by id",
                                "pass the result of exsitu.pedigree.mean_kinship")
    values = mean_kinship.sort_values(kind="stable")
    figure, axes = _axes(ax, min(12.0, 6.0 + 0.1 * len(values)))
    positions = np.arange(len(values))
    if len(values) <= MAX_BARS:
        axes.bar(positions, values.to_numpy(dtype=float), color="tab:blue", label="mk of individual")
    else:  # too many bars to draw one by one: the sorted mk as a filled profile
        axes.fill_between(positions, values.to_numpy(dtype=float), step="mid", color="tab:blue", linewidth=0,
                          label="mk of individual (sorted)")
        axes.set_xlim(-0.5, len(values) - 0.5)
    population = float(values.mean())
    axes.axhline(population, color="black", linestyle="--",
                 label=f"population MK = {population:.4f} (GD = {1 - population:.4f})")
    if len(values) <= _MAX_LABELS:
        axes.set_xticks(positions, [str(i) for i in values.index], rotation=90, fontsize=7)
    else:
        axes.set_xticks([])
    axes.set_xlabel(f"{len(values)} living individuals, lowest mk (highest priority) first")
    axes.set_ylabel("mean kinship mk")
    axes.set_ylim(0, 1.3 * float(values.max()))
    axes.set_title("Mean kinship ranking")
    axes.legend(loc="upper left", fontsize=8)
    return figure


def plot_founder_representation(representation: pd.DataFrame | pd.Series, ax: Axes | None = None,
                                top: int | None = None) -> Figure:
    """Bars of each founder's contribution to the living gene pool, largest first (zero contributions omitted
    from the bars but counted in the title); retention from gene drop as points with ±2 SE when present.

    ``representation``: the DataFrame from :func:`exsitu.pedigree.founder_representation` (or the Series from
    :func:`exsitu.pedigree.founder_contributions`). ``top``: show only the largest ``top`` founders.
    """
    table = representation.to_frame("contribution") if isinstance(representation, pd.Series) else representation
    if not isinstance(table, pd.DataFrame) or "contribution" not in table.columns or table.empty:
        raise InvalidInputError("representation", "needs a non-empty table with a 'contribution' column",
                                "pass the result of exsitu.pedigree.founder_representation")
    contributing = table[table["contribution"] > 0].sort_values("contribution", ascending=False, kind="stable")
    if top is None and len(contributing) > MAX_BARS:
        top = MAX_BARS
    shown = contributing if top is None else contributing.head(int(top))
    figure, axes = _axes(ax, min(12.0, 6.0 + 0.15 * len(shown)))
    positions = np.arange(len(shown))
    axes.bar(positions, shown["contribution"].to_numpy(dtype=float), color="tab:green",
             label="contribution to living gene pool")
    if len(contributing):
        axes.axhline(1.0 / len(contributing), color="grey", linestyle=":",
                     label=f"equal shares (1/{len(contributing)})")
    if "retention" in shown.columns:
        twin = axes.twinx()
        error = 2 * shown["retention_se"].to_numpy(dtype=float) if "retention_se" in shown.columns else None
        twin.errorbar(positions, shown["retention"].to_numpy(dtype=float), yerr=error, fmt="o",
                      color="tab:orange", markersize=4, label="allele retention (gene drop, ±2 SE)")
        twin.set_ylim(0, 1.4)
        twin.set_ylabel("retention")
        handles = axes.get_legend_handles_labels()[0] + twin.get_legend_handles_labels()[0]
    else:
        handles = axes.get_legend_handles_labels()[0]
    if len(shown) <= _MAX_LABELS:
        axes.set_xticks(positions, [str(i) for i in shown.index], rotation=90, fontsize=7)
    else:
        axes.set_xticks([])
    if len(shown):
        axes.set_ylim(0, 1.4 * float(shown["contribution"].max()))
    axes.set_ylabel("contribution p")
    axes.set_xlabel("founder")
    largest = f"; the largest {len(shown)} shown" if len(shown) < len(contributing) else ""
    axes.set_title(f"Founder representation ({len(contributing)} of {len(table)} founders contribute{largest})")
    axes.legend(handles=handles, loc="upper right", fontsize=8)
    return figure
