"""Plots for Step 3 genetic targets (gene diversity over time against a target)."""

from __future__ import annotations

from typing import Iterable

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from exsitu.genetics import gene_diversity_trajectory
from exsitu.validation import require_number

__all__ = ["plot_gene_diversity"]


def plot_gene_diversity(effective_sizes: float | Iterable[float], years: float = 100,
                        generation_time: float | None = None, initial_gene_diversity: float = 1.0,
                        target_gene_diversity: float | None = 0.9, ax: Axes | None = None) -> Figure:
    """Gene diversity over ``years`` for one or more Ne, with the target as a dashed line.

    One line per Ne (labelled ``Ne = …``), from GD_t = GD_0·(1 − 1/(2Ne))^(t/L) (see
    :func:`exsitu.genetics.gene_diversity_retained`). ``target_gene_diversity=None`` leaves the target out.
    Units: years, generation_time in years; gene diversity as a proportion of the source population's.
    Returns the Figure (draws on ``ax`` if given); never shows it.
    """
    table = gene_diversity_trajectory(effective_sizes, years, generation_time, initial_gene_diversity)
    if ax is None:
        figure, ax = plt.subplots(figsize=(7, 4))
    else:
        figure = ax.figure
    for ne, rows in table.groupby("effective_size", sort=False):
        ax.plot(rows["year"].to_numpy(), rows["gene_diversity"].to_numpy(), label=f"Ne = {ne:g}")
    if target_gene_diversity is not None:
        target = require_number(target_gene_diversity, "target_gene_diversity", minimum=0, maximum=1)
        ax.axhline(target, color="black", linestyle="--", linewidth=1, label=f"target {target:.0%}")
    ax.set_xlabel("Years")
    ax.set_ylabel("Gene diversity retained (proportion of source)")
    ax.set_xlim(0, float(table["year"].max()))
    ax.set_title(f"Gene diversity over time (generation time {float(generation_time):g} years)")
    ax.legend(loc="best", fontsize="small")
    ax.grid(True, alpha=0.3)
    return figure
