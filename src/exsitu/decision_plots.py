"""Plots for the optional weighted-scoring aid of Step 5: what each criterion contributes to each option's
weighted score, and how the weighted scores move with one criterion's weight (see :mod:`exsitu.decision`).
Every title says "Optional aid": the outcome of Step 5 comes from conservation value → structure → gates
(:func:`exsitu.decision.evaluate_option`), never from these scores."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from exsitu.decision import BASELINE_ID, Decision
from exsitu.validation import InvalidInputError, require_number

__all__ = ["plot_contributions", "plot_sensitivity", "plot_weight_uncertainty"]


def _figure(ax: Axes | None, size: tuple[float, float]) -> tuple[Figure, Axes]:
    if ax is None:
        figure, ax = plt.subplots(figsize=size, layout="constrained")
        return figure, ax
    return ax.figure, ax


def _require_decision(decision: object) -> Decision:
    if not isinstance(decision, Decision):
        raise InvalidInputError("decision", f"expected an exsitu.decision.Decision, got {type(decision).__name__}",
                                "build one with exsitu.decision.Decision(...)")
    return decision


def plot_contributions(decision: Decision, ax: Axes | None = None) -> Figure:
    """Horizontal stacked bars: each option's weighted score split into its criteria's contributions.

    Options are in rank order (best at the top); each segment is w_j·value_j (normalised weight × score
    converted so higher is better), so a bar's length is the option's weighted score on the decision's
    scale. The top option(s) are labelled in bold and the total is written at the end of each bar.
    Returns the Figure (draws on ``ax`` if given); never shows it.
    """
    decision = _require_decision(decision)
    table = decision.ranking()
    figure, ax = _figure(ax, (11, 0.6 * len(table) + 1.8))
    y = np.arange(len(table))
    left = np.zeros(len(table))
    for criterion in decision.criteria:
        width = table[f"contribution_{criterion.id}"].to_numpy()
        label = criterion.name if criterion.direction == "benefit" else f"{criterion.name} (less = longer bar)"
        ax.barh(y, width, left=left, label=label, edgecolor="white")
        left = left + width
    for yi, total in zip(y, table["weighted_score"].to_numpy()):
        ax.text(total, yi, f" {total:.2f}", va="center", fontsize="small")
    ax.set_yticks(y, labels=list(table["option"]))
    for label, rank in zip(ax.get_yticklabels(), table["rank"].to_numpy()):
        if rank == 1:
            label.set_fontweight("bold")
    ax.invert_yaxis()
    ax.set_xlim(0, decision.score_max * 1.08)
    ax.set_xlabel(f"Weighted score ({decision.score_min:g}–{decision.score_max:g}; higher is better)")
    recommendation = decision.recommendation()
    if recommendation.tie:
        verdict = "tie at the top"
    elif recommendation.ex_situ_recommended is False:
        verdict = "ex situ management not recommended"
    else:
        verdict = f"top: {recommendation.leader_names[0]}"
    ax.set_title(f"{decision.title}\nOptional aid (does not decide the outcome) — contributions of each criterion "
                 f"({verdict})", fontsize="medium")
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1), fontsize="small")
    ax.grid(True, axis="x", alpha=0.3)
    return figure


def plot_sensitivity(decision: Decision, criterion_id: str, ax: Axes | None = None) -> Figure:
    """Weighted score of each option as one criterion's normalised weight goes from 0 to 1.

    The other weights are rescaled in proportion (:data:`exsitu.decision.SENSITIVITY_SCHEME`), so every
    line is straight. A dashed vertical line marks the current weight; dotted lines and a marker mark the
    weight(s) at which the top option changes (from :meth:`Decision.sensitivity`). The baseline "no ex
    situ action" is drawn in black. Returns the Figure; never shows it.
    """
    decision = _require_decision(decision)
    criterion = decision.criterion(criterion_id)
    grid = np.linspace(0.0, 1.0, 101)
    sweep = decision.weight_sweep(criterion.id, grid)
    item = next(i for i in decision.sensitivity().items if i.criterion_id == criterion.id)
    figure, ax = _figure(ax, (10, 4.5))
    for option in decision.options:
        style = {"color": "black", "linewidth": 2.2, "linestyle": "--"} if option.id == BASELINE_ID else {"linewidth": 1.6}
        ax.plot(grid, sweep[option.id].to_numpy(), label=option.name, **style)
    ax.axvline(item.current_weight, color="grey", linestyle="--", linewidth=1,
               label=f"current weight {item.current_weight:.2f}")
    for point, leaders in ((item.increase_to, item.leaders_if_increased), (item.decrease_to, item.leaders_if_decreased)):
        if point is None:
            continue
        level = float(decision.weight_sweep(criterion.id, [point]).to_numpy().max())
        names = ", ".join(decision.option(i).name for i in leaders)
        ax.axvline(point, color="red", linestyle=":", linewidth=1)
        ax.plot([point], [level], marker="o", color="red", linestyle="none",
                label=f"top changes at {point:.3f} → {names}")
    if item.robust:
        ax.text(0.02, 0.02, "robust: no weight in 0–1 changes the top option", transform=ax.transAxes,
                fontsize="small")
    ax.set_xlim(0, 1)
    ax.set_xlabel(f"Weight of '{criterion.name}' (others rescaled in proportion)")
    ax.set_ylabel(f"Weighted score ({decision.score_min:g}–{decision.score_max:g})")
    ax.set_title(f"Optional aid — sensitivity of the weighted ranking to the weight of '{criterion.name}'",
                 fontsize="medium")
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1), fontsize="x-small")
    ax.grid(True, alpha=0.3)
    return figure


def plot_weight_uncertainty(decision: Decision, draws: int = 10_000, concentration: float = 20.0,
                            seed: int | None = None, ax: Axes | None = None) -> Figure:
    """Share of random weight sets (Dirichlet around the group's weights) in which each option ranks first.

    See :meth:`Decision.weight_uncertainty`; ``seed`` makes the draws reproducible. Returns the Figure.
    """
    decision = _require_decision(decision)
    require_number(draws, "draws", minimum=1, integer=True)
    table = decision.weight_uncertainty(draws=draws, concentration=concentration, seed=seed)
    figure, ax = _figure(ax, (7, 0.5 * len(table) + 1.8))
    y = np.arange(len(table))
    colours = ["black" if i == BASELINE_ID else "tab:blue" for i in table.index]
    ax.barh(y, table["share_first"].to_numpy(), color=colours)
    ax.set_yticks(y, labels=list(table["option"]))
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("Share of weight draws in which the option ranks first")
    ax.set_title(f"Optional aid — weight uncertainty ({draws} draws, concentration {float(concentration):g})",
                 fontsize="medium")
    ax.grid(True, axis="x", alpha=0.3)
    return figure
