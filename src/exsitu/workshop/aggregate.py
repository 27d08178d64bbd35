"""Aggregating a group's judgements: distribution per option × criterion, the votes, and "what if the
dissenters were right". Pure functions on :class:`~exsitu.workshop.Judgement` records (or their dicts); no database.

**Method.** Each participant first scores on their own page; the group then sees the distribution of the
individual scores — the structured-elicitation sequence of the IDEA protocol ("Investigate, Discuss,
Estimate, Aggregate": individual estimates first, discussion, a second private estimate, then a mathematical
aggregation; Hemming V., Burgman M.A., Hanea A.M., McBride M.F. & Wintle B.C. (2018) A practical guide to
structured expert elicitation using the IDEA protocol. *Methods in Ecology and Evolution* 9:169–181
[IDEA-2018 in ../shared/domain/sources.md]). The summary is the **median** with the **inter-quartile
range** (IQR = Q3 − Q1) as the measure of disagreement, plus n, min, max and the mean; the median is the
course's choice of aggregate because it is not pulled by one outlying score in a small group on a bounded
scale (the mean is shown beside it). Quartiles are numpy's ``percentile(..., method="linear")``, i.e.
definition 7 of Hyndman R.J. & Fan Y. (1996) Sample quantiles in statistical packages. *The American
Statistician* 50(4):361–365: for sorted values x₁…xₙ, Q(p) = x_⌊h⌋ + (h − ⌊h⌋)(x_⌊h⌋₊₁ − x_⌊h⌋) with
h = (n − 1)p + 1.

**Ranking.** Options are ranked with the weighted-sum model of :mod:`exsitu.decision` (value = score for a
'benefit' criterion, min + max − score for a 'cost' criterion; weights normalised to sum 1).
:func:`outcome_scenarios` ranks the options on the median scores and median weights of everyone, then
on the lower and upper quartiles of every score (if the low or the high scorers were right), then on the
judgements of the minority only (those whose vote is not the most common vote).
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

from exsitu.validation import InvalidInputError
from exsitu.workshop.models import VOTES, Judgement

AGGREGATION_METHOD = ("median and inter-quartile range of the individual scores (IDEA protocol sequence, "
                      "Hemming et al. 2018, Methods Ecol Evol 9:169–181); quartiles by linear interpolation "
                      "(Hyndman & Fan 1996, definition 7)")
"""One line naming the method, for pages and reports."""

COLUMNS = ["option", "criterion", "n", "median", "q1", "q3", "iqr", "min", "max", "mean", "disagreement",
           "disagreement_rank"]


def _as_dict(judgement: Any, i: int) -> Mapping[str, Any]:
    if isinstance(judgement, Judgement):
        return judgement.to_dict()
    if isinstance(judgement, Mapping):
        return judgement
    raise InvalidInputError(f"judgements[{i}]", f"expected a Judgement, got {type(judgement).__name__}",
                            "pass store.judgements(...)")


def _items(judgements: Iterable[Any]) -> list[Mapping[str, Any]]:
    if judgements is None:
        return []
    return [_as_dict(j, i) for i, j in enumerate(judgements)]


def _cells(items: list[Mapping[str, Any]]) -> dict[tuple[str, str], list[float]]:
    cells: dict[tuple[str, str], list[float]] = {}
    for item in items:
        for option, row in (item.get("scores") or {}).items():
            for criterion, score in row.items():
                cells.setdefault((option, criterion), []).append(float(score))
    return cells


def _summaries(cells: dict[Any, list[float]]) -> dict[Any, dict[str, float]]:
    """:func:`_summary` of every cell, with one vectorised percentile call per distinct n (fast for many cells)."""
    by_size: dict[int, list[Any]] = {}
    for key, values in cells.items():
        by_size.setdefault(len(values), []).append(key)
    out: dict[Any, dict[str, float]] = {}
    for size, keys in by_size.items():
        matrix = np.asarray([cells[key] for key in keys], dtype=float)
        q1, median, q3 = np.percentile(matrix, [25, 50, 75], axis=1, method="linear")
        lows, highs, means = matrix.min(axis=1), matrix.max(axis=1), matrix.mean(axis=1)
        for i, key in enumerate(keys):
            out[key] = {"n": size, "median": float(median[i]), "q1": float(q1[i]), "q3": float(q3[i]),
                        "iqr": float(q3[i] - q1[i]), "min": float(lows[i]), "max": float(highs[i]),
                        "mean": float(means[i])}
    return out


def aggregate_judgements(judgements: Iterable[Judgement]) -> pd.DataFrame:
    """Per option × criterion: n, median, Q1, Q3, IQR, min, max, mean; disagreement (= IQR) and its rank.

    ``disagreement_rank`` 1 is where the group disagrees most (ties share the rank). Rows follow the order in
    which options and criteria first appear. An empty list gives an empty table with these columns.
    """
    cells = _cells(_items(judgements))
    summaries = _summaries(cells)
    rows = [{"option": option, "criterion": criterion, **summaries[(option, criterion)]}
            for (option, criterion) in cells]
    table = pd.DataFrame(rows, columns=COLUMNS[:-2])
    table["disagreement"] = table["iqr"]
    table["disagreement_rank"] = (table["disagreement"].rank(method="min", ascending=False).astype(int)
                                  if len(table) else pd.Series(dtype=int))
    table["n"] = table["n"].astype(int)
    return table[COLUMNS]


def aggregate_weights(judgements: Iterable[Judgement]) -> pd.DataFrame:
    """Per criterion: n, median, Q1, Q3, IQR, min, max, mean of the participants' (relative) weights."""
    values: dict[str, list[float]] = {}
    for item in _items(judgements):
        for criterion, weight in (item.get("weights") or {}).items():
            values.setdefault(criterion, []).append(float(weight))
    summaries = _summaries(values)
    rows = [{"criterion": criterion, **summaries[criterion]} for criterion in values]
    return pd.DataFrame(rows, columns=["criterion", "n", "median", "q1", "q3", "iqr", "min", "max", "mean"])


def vote_tally(judgements: Iterable[Judgement]) -> pd.DataFrame:
    """Every vote of :data:`VOTES` (in that order): count, share of the votes cast, and who voted so.
    Judgements without a vote (ratings of Steps 2–4, :data:`NO_VOTE`) are not votes cast."""
    items = _items(judgements)
    total = sum(1 for item in items if item.get("vote") in VOTES)
    rows = []
    for vote in VOTES:
        names = [str(item.get("display_name", "")) for item in items if item.get("vote") == vote]
        rows.append({"vote": vote, "count": len(names), "share": (len(names) / total) if total else 0.0,
                     "names": ", ".join(names)})
    return pd.DataFrame(rows, columns=["vote", "count", "share", "names"])


def majority_vote(judgements: Iterable[Judgement]) -> str:
    """The most common vote; a tie is reported as a tie (``"tie: recommend / defer"``); "" when nobody voted."""
    counts = Counter(item.get("vote") for item in _items(judgements) if item.get("vote") in VOTES)
    if not counts:
        return ""
    top = max(counts.values())
    leaders = [vote for vote in VOTES if counts.get(vote) == top]
    return leaders[0] if len(leaders) == 1 else "tie: " + " / ".join(leaders)


def _directions(directions: Mapping[str, str] | None) -> dict[str, str]:
    from exsitu.decision import default_criteria

    known = {criterion.id: criterion.direction for criterion in default_criteria()}
    known.update(dict(directions or {}))
    return known


def rank_options(scores: Mapping[tuple[str, str], float], weights: Mapping[str, float], *,
                 directions: Mapping[str, str] | None = None,
                 scale: tuple[float, float] = (0.0, 10.0)) -> list[tuple[str, float]]:
    """Options by weighted score, best first: ``[(option, weighted score), …]`` (weighted-sum model).

    ``scores[(option, criterion)]``; criteria without a weight get the mean of the given weights (all
    equal when none is given); a criterion is 'benefit' unless ``directions`` (or the default criteria of
    :func:`exsitu.decision.default_criteria`) says 'cost'.
    """
    lo, hi = scale
    kinds = _directions(directions)
    criteria = list(dict.fromkeys(criterion for _option, criterion in scores))
    given = [float(weights[c]) for c in criteria if c in weights]
    fallback = (sum(given) / len(given)) if given else 1.0
    raw = {c: float(weights.get(c, fallback)) for c in criteria}
    total = sum(raw.values())
    norm = {c: (w / total if total > 0 else 1.0 / len(criteria)) for c, w in raw.items()} if criteria else {}
    totals: dict[str, float] = {}
    for (option, criterion), score in scores.items():
        value = (lo + hi - score) if kinds.get(criterion) == "cost" else score
        totals[option] = totals.get(option, 0.0) + norm[criterion] * value
    return sorted(totals.items(), key=lambda item: (-item[1], item[0]))


def _scenario(name: str, items: list[Mapping[str, Any]], statistics: list[str], directions,
              scale) -> list[dict[str, Any]]:
    """One row per statistic ('median', 'q1', 'q3') ranking the options on that summary of ``items``."""
    if not items:
        return [{"scenario": name, "participants": 0, "top_option": "", "ranking": "", "weighted_scores": {},
                 "vote": ""} for _ in statistics]
    summaries = _summaries(_cells(items))
    weight_cells: dict[str, list[float]] = {}
    for item in items:
        for criterion, weight in (item.get("weights") or {}).items():
            weight_cells.setdefault(criterion, []).append(float(weight))
    weights = {criterion: summary["median"] for criterion, summary in _summaries(weight_cells).items()}
    vote = majority_vote(items)
    rows = []
    for statistic in statistics:
        scores = {key: summary[statistic] for key, summary in summaries.items()}
        ranking = rank_options(scores, weights, directions=directions, scale=scale)
        best = ranking[0][1] if ranking else 0.0
        leaders = [option for option, value in ranking if abs(value - best) <= 1e-9 * (scale[1] - scale[0])]
        rows.append({"scenario": name, "participants": len(items),
                     "top_option": leaders[0] if len(leaders) == 1 else "tie: " + " / ".join(leaders),
                     "ranking": " > ".join(option for option, _ in ranking),
                     "weighted_scores": {option: round(value, 6) for option, value in ranking}, "vote": vote})
    return rows


def outcome_scenarios(judgements: Iterable[Judgement], *, directions: Mapping[str, str] | None = None,
                      scale: tuple[float, float] = (0.0, 10.0)) -> pd.DataFrame:
    """How the outcome would change if the dissenters were right (see the module docstring).

    Rows: "everyone (median)", "if the low scorers were right (Q1)", "if the high scorers were right (Q3)",
    "minority voters only (median)". Columns: participants, top_option, ranking, weighted_scores, vote,
    and ``changes_outcome`` (True when the top option differs from everyone's).
    """
    items = _items(judgements)
    majority = majority_vote(items)
    minority = [item for item in items if majority and not majority.startswith("tie")
                and item.get("vote") in VOTES and item.get("vote") != majority]
    rows = _scenario("everyone", items, ["median", "q1", "q3"], directions, scale)
    for row, label in zip(rows, ("everyone (median)", "if the low scorers were right (Q1)",
                                 "if the high scorers were right (Q3)")):
        row["scenario"] = label
    rows += _scenario("minority voters only (median)", minority, ["median"], directions, scale)
    table = pd.DataFrame(rows, columns=["scenario", "participants", "top_option", "ranking", "weighted_scores", "vote"])
    base = rows[0]["top_option"]
    table["changes_outcome"] = [bool(r["top_option"]) and r["top_option"] != base for r in rows]
    return table
