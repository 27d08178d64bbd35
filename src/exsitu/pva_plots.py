"""Plots of population viability results: fan charts, extinction-risk curves, gene diversity over time."""

from __future__ import annotations

from typing import Mapping, Sequence

import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from exsitu.pva import PVAResult
from exsitu.validation import InvalidInputError, require_choice

__all__ = ["plot_extinction_probability", "plot_pva_fan", "plot_pva_gene_diversity"]


def _named(results: PVAResult | Mapping[str, PVAResult]) -> dict[str, PVAResult]:
    if isinstance(results, PVAResult):
        return {"": results}
    if isinstance(results, Mapping) and results and all(isinstance(r, PVAResult) for r in results.values()):
        return {str(name): result for name, result in results.items()}
    raise InvalidInputError("results", "expected a PVAResult or a non-empty mapping of name → PVAResult",
                            "pass the output of run_pva or run_scenarios")


def _axes(ax: Axes | None) -> tuple[Figure, Axes]:
    if ax is None:
        figure, ax = plt.subplots(figsize=(8, 4.5))
        return figure, ax
    return ax.figure, ax


def plot_pva_fan(results: PVAResult | Mapping[str, PVAResult], ax: Axes | None = None,
                 bands: Sequence[tuple[float, float]] = ((5, 95), (25, 75)), show_median: bool = True,
                 carrying_capacity: bool = True) -> Figure:
    """Fan chart: population size N over years as shaded percentile bands with the median line.

    ``results``: one :class:`~exsitu.pva.PVAResult` or ``{name: result}`` (one colour per scenario).
    ``bands``: pairs of stored percentile levels to shade, widest first (default 5–95 and 25–75).
    ``carrying_capacity``: draw K as a dotted line when the scenarios share one.
    Returns the Figure; never shows it.
    """
    named = _named(results)
    figure, ax = _axes(ax)
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, (name, result) in enumerate(named.items()):
        colour = colours[i % len(colours)]
        for j, band in enumerate(bands):
            if len(band) != 2:
                raise InvalidInputError("bands", f"{band!r} is not a pair of percentiles", "e.g. (5, 95)")
            try:
                low, high = result.percentile(band[0]), result.percentile(band[1])
            except InvalidInputError as error:
                raise InvalidInputError("bands", error.problem, error.fix) from None
            label = f"{name} {band[0]:g}–{band[1]:g}%".strip()
            ax.fill_between(result.year, low, high, color=colour, alpha=0.15 + 0.15 * j, linewidth=0,
                            label=label)
        if show_median:
            try:
                median = result.percentile(50)
            except InvalidInputError as error:
                raise InvalidInputError("show_median", "the median (50th percentile) was not stored",
                                        error.fix) from None
            ax.plot(result.year, median, color=colour, linewidth=2, label=f"{name} median".strip())
    capacities = {r.parameters.carrying_capacity for r in named.values()}
    if carrying_capacity and len(capacities) == 1 and None not in capacities:
        ax.axhline(capacities.pop(), color="grey", linestyle=":", linewidth=1, label="carrying capacity")
    ax.set_xlabel("Years")
    ax.set_ylabel("Population size (individuals)")
    ax.set_title("Projected population size")
    ax.set_xlim(0, max(r.years for r in named.values()))
    ax.set_ylim(bottom=0)
    ax.legend(loc="best", fontsize="small")
    ax.grid(True, alpha=0.3)
    return figure


def plot_extinction_probability(results: PVAResult | Mapping[str, PVAResult], ax: Axes | None = None,
                                kind: str = "both") -> Figure:
    """Cumulative probability of extinction (solid) and/or quasi-extinction (dashed) by year.

    ``kind``: ``"extinction"``, ``"quasi"`` or ``"both"``. Returns the Figure.
    """
    require_choice(kind, "kind", ("extinction", "quasi", "both"))
    named = _named(results)
    figure, ax = _axes(ax)
    colours = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for i, (name, result) in enumerate(named.items()):
        colour = colours[i % len(colours)]
        if kind in ("extinction", "both"):
            ax.plot(result.year, result.extinction_probability, color=colour, linewidth=2,
                    label=f"{name} extinction".strip())
        if kind in ("quasi", "both"):
            threshold = result.parameters.quasi_extinction_threshold
            ax.plot(result.year, result.quasi_extinction_probability, color=colour, linestyle="--",
                    label=f"{name} N ≤ {threshold:g}".strip())
    ax.set_xlabel("Years")
    ax.set_ylabel("Cumulative probability")
    ax.set_ylim(0, 1)
    ax.set_xlim(0, max(r.years for r in named.values()))
    ax.set_title("Probability of extinction by year")
    ax.legend(loc="best", fontsize="small")
    ax.grid(True, alpha=0.3)
    return figure


def plot_pva_gene_diversity(results: PVAResult | Mapping[str, PVAResult], ax: Axes | None = None,
                            target_gene_diversity: float | None = 0.9) -> Figure:
    """Mean expected gene diversity (heterozygosity) of extant replicates by year, with an optional target."""
    named = _named(results)
    figure, ax = _axes(ax)
    for name, result in named.items():
        ax.plot(result.year, result.gene_diversity_mean, linewidth=2, label=name or "gene diversity")
    if target_gene_diversity is not None:
        ax.axhline(target_gene_diversity, color="black", linestyle="--", linewidth=1,
                   label=f"target {target_gene_diversity:.0%}")
    ax.set_xlabel("Years")
    ax.set_ylabel("Gene diversity (proportion of source)")
    ax.set_ylim(0, 1.02)
    ax.set_xlim(0, max(r.years for r in named.values()))
    ax.set_title("Expected gene diversity of surviving populations")
    ax.legend(loc="best", fontsize="small")
    ax.grid(True, alpha=0.3)
    return figure
