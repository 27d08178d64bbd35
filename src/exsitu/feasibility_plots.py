"""Plots for Step 4: the 5×5 risk heat map and the feasibility-factor chart.

Level bands and colours follow :data:`exsitu.feasibility.LEVEL_BANDS` (course convention: 1–4 low,
5–9 medium, 10–16 high, 20–25 extreme).
"""

from __future__ import annotations

import textwrap
from collections import defaultdict
from typing import Any, Iterable

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.colors import ListedColormap
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from exsitu.feasibility import (LEVELS, RATINGS, FeasibilityAssessment, FeasibilityFactor, Risk, risk_level)
from exsitu.validation import InvalidInputError

LEVEL_COLOURS: dict[str, str] = {"low": "#9bd4a4", "medium": "#ffe08a", "high": "#f6a55b", "extreme": "#e0604f"}
RATING_COLOURS: dict[str, str] = {"available": "#5aae61", "partial": "#f2c14e", "gap": "#d7301f", "unknown": "#bdbdbd"}
_RATING_LENGTH = {"gap": 1, "partial": 2, "available": 3, "unknown": 0.5}


def _new_axes(ax: Axes | None, size: tuple[float, float]) -> tuple[Figure, Axes]:
    if ax is None:
        fig, ax = plt.subplots(figsize=size)
        return fig, ax
    if not isinstance(ax, Axes):
        raise InvalidInputError("ax", f"expected a matplotlib Axes, got {type(ax).__name__}",
                                "pass ax=None or an Axes from plt.subplots()")
    return ax.figure, ax


def _risks_of(source: Any) -> list[Risk]:
    if isinstance(source, FeasibilityAssessment):
        return list(source.risks)
    if isinstance(source, Risk):
        return [source]
    try:
        items = list(source)
    except TypeError:
        raise InvalidInputError("assessment_or_risks", f"expected a FeasibilityAssessment or a list of risks, "
                                f"got {type(source).__name__}", "pass assessment or assessment.risks") from None
    out = []
    for i, item in enumerate(items):
        if isinstance(item, Risk):
            out.append(item)
        elif isinstance(item, dict):
            try:
                out.append(Risk.from_dict(item))
            except InvalidInputError as error:
                raise InvalidInputError(f"risks[{i}].{error.field}", error.problem, error.fix) from None
        else:
            raise InvalidInputError(f"risks[{i}]", f"expected a Risk, got {type(item).__name__}",
                                    "pass exsitu.feasibility.Risk objects")
    return out


def plot_risk_heatmap(assessment_or_risks: FeasibilityAssessment | Iterable[Risk], residual: bool = False,
                      ax: Axes | None = None, title: str | None = None) -> Figure:
    """5×5 risk matrix (likelihood × consequence) coloured by level, with each rated risk's label in its cell.

    ``residual=True`` places risks by their residual likelihood and consequence (after mitigation).
    Several risks in one cell are stacked. Each risk's label is a text artist with gid ``'risk:<id>'``;
    unrated risks are left out and counted in the title. Given ``ax``, the caller lays out its figure (e.g.
    ``tight_layout`` once for both heat maps side by side: each layout pass draws every text, so one pass, not
    three, makes the widgets' redraw cheaper); without it, the new figure is laid out here.
    """
    own_figure = ax is None
    risks = _risks_of(assessment_or_risks)
    if not isinstance(residual, bool):
        raise InvalidInputError("residual", f"expected True or False, got {residual!r}", "use True or False")
    fig, ax = _new_axes(ax, (7.5, 6.5))

    grid = np.array([[LEVELS.index(risk_level(lik * con)) for con in range(1, 6)] for lik in range(1, 6)])
    cmap = ListedColormap([LEVEL_COLOURS[level] for level in LEVELS])
    ax.imshow(grid, cmap=cmap, vmin=-0.5, vmax=len(LEVELS) - 0.5, origin="lower",
              extent=(0.5, 5.5, 0.5, 5.5), aspect="auto")
    for lik in range(1, 6):
        for con in range(1, 6):
            text = ax.text(con + 0.45, lik - 0.45, str(lik * con), ha="right", va="bottom", fontsize=7,
                           color="0.35")
            text.set_gid("cell-rating")
    ax.set_xticks(range(1, 6))
    ax.set_yticks(range(1, 6))
    ax.set_xticks(np.arange(0.5, 6), minor=True)
    ax.set_yticks(np.arange(0.5, 6), minor=True)
    ax.grid(which="minor", color="white", linewidth=2)
    ax.tick_params(which="minor", length=0)
    ax.set_xlim(0.5, 5.5)
    ax.set_ylim(0.5, 5.5)
    ax.set_xlabel("Consequence (1 = minor … 5 = severe)")
    ax.set_ylabel("Likelihood (1 = rare … 5 = almost certain)")

    cells: dict[tuple[int, int], list[Risk]] = defaultdict(list)
    unrated = 0
    for risk in risks:
        pair = risk.residual if residual else ((risk.likelihood, risk.consequence) if risk.rated else None)
        if pair is None:
            unrated += 1
            continue
        cells[pair].append(risk)
    for (lik, con), members in cells.items():
        n = len(members)
        size = max(5.0, 9.0 - 0.8 * (n - 1))
        step = 0.84 / n
        for k, risk in enumerate(members):
            y = lik + 0.42 - step * (k + 0.5)
            label = textwrap.shorten(risk.label, width=28, placeholder="…")
            text = ax.text(con, y, label, ha="center", va="center", fontsize=size, wrap=False)
            text.set_gid(f"risk:{risk.id}")

    which = "residual (after mitigation)" if residual else "inherent (before mitigation)"
    heading = title if title is not None else f"Risk matrix — {which}"
    if unrated:
        heading += f"\n{unrated} risk(s) not yet rated are not shown"
    ax.set_title(heading)
    handles = [Patch(facecolor=LEVEL_COLOURS[level], label=level) for level in LEVELS]
    ax.legend(handles=handles, title="Level (L×C)", loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    if own_figure:
        fig.tight_layout()
    return fig


def _factors_of(source: Any) -> list[FeasibilityFactor]:
    if isinstance(source, FeasibilityAssessment):
        return list(source.factors)
    try:
        items = list(source)
    except TypeError:
        raise InvalidInputError("assessment_or_factors", f"expected a FeasibilityAssessment or a list of factors, "
                                f"got {type(source).__name__}", "pass assessment or assessment.factors") from None
    for i, item in enumerate(items):
        if not isinstance(item, FeasibilityFactor):
            raise InvalidInputError(f"factors[{i}]", f"expected a FeasibilityFactor, got {type(item).__name__}",
                                    "pass exsitu.feasibility.FeasibilityFactor objects")
    return items


def plot_feasibility_factors(assessment_or_factors: FeasibilityAssessment | Iterable[FeasibilityFactor],
                             ax: Axes | None = None, title: str | None = None) -> Figure:
    """One bar per factor, coloured and sized by its rating (gap < partial < available; unknown = short hatched bar).

    Essential factors are marked '*' in the axis label; a blocking gap (essential and 'gap') is outlined
    and labelled 'BLOCKS'. Each bar's patch has gid ``'factor:<id>'``.
    """
    factors = _factors_of(assessment_or_factors)
    if not factors:
        raise InvalidInputError("factors", "no factors to plot", "rate at least one feasibility factor")
    fig, ax = _new_axes(ax, (8.0, 0.5 * len(factors) + 1.5))
    y = np.arange(len(factors))[::-1]
    for yi, factor in zip(y, factors):
        bar = ax.barh(yi, _RATING_LENGTH[factor.rating], color=RATING_COLOURS[factor.rating],
                      hatch="//" if factor.rating == "unknown" else None,
                      edgecolor="black" if factor.blocking else "white",
                      linewidth=2.0 if factor.blocking else 0.5)[0]
        bar.set_gid(f"factor:{factor.id}")
        note = factor.rating + ("  — BLOCKS" if factor.blocking else "")
        ax.text(_RATING_LENGTH[factor.rating] + 0.05, yi, note, va="center", fontsize=9,
                fontweight="bold" if factor.blocking else "normal")
    ax.set_yticks(y)
    ax.set_yticklabels([f"{f.name}{' *' if f.essential else ''}" for f in factors])
    ax.set_xlim(0, 4.2)
    ax.set_xticks([1, 2, 3])
    ax.set_xticklabels(["gap", "partial", "available"])
    ax.set_xlabel("Rating (* = essential factor; an essential gap blocks the option)")
    handles = [Patch(facecolor=RATING_COLOURS[r], hatch="//" if r == "unknown" else None, label=r) for r in RATINGS]
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False, fontsize=8)
    ax.set_title(title if title is not None else "Feasibility factors")
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)
    fig.tight_layout()
    return fig
