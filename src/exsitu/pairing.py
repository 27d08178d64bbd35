"""Pairing advice: rank the possible male × female pairs among the living by mean kinship.

Ranking rule (the mean-kinship strategy of Ballou & Lacy 1995, as summarised in the domain file §6: breed
the individuals with the lowest mk, avoid pairing mates of very different mk, avoid close inbreeding):

1. ``mean_mk`` = (mk_sire + mk_dam) / 2, ascending. This is exactly the mean kinship of the pair's offspring
   with the current living population, because an offspring's kinship with anyone who is not its descendant
   is the mean of its parents' kinships with them (the tabular rule, domain file §6) — so the top pairs add
   the least to population mean kinship and lose the least gene diversity.
2. ties: ``kinship`` of the pair (= inbreeding coefficient F of their offspring), ascending;
3. then ``mk_difference`` = |mk_sire − mk_dam|, ascending; then studbook order.

This is a simplified stand-in for PMx's mate suitability index, not a reproduction of it.

Large living populations (more than :data:`PAIRING_DENSE_LIMIT` living): the kinship matrix of all the living
would need 8·L² bytes (30,000 living: 7 GB), so the best ``top`` pairs are found among *candidates*: the m
lowest-mk sires and the m lowest-mk dams (mk of every living individual from Colleau's matrix-free method).
Every pair left out has mean_mk ≥ T = ½·min(mk of the m-th sire + lowest dam mk, mk of the m-th dam + lowest
sire mk), so when the ``top``-th ranked candidate pair has mean_mk < T the result is exactly the full ranking's
top; otherwise m is doubled (up to all the living). Only the candidates' kinships are computed. This search is
our own (no library ranks pairs by mean kinship); the tests compare it with the full ranking.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from exsitu.kinship import _as_pedigree, _mean_kinship_values, kinship_among
from exsitu.validation import InvalidInputError, require_number

__all__ = ["rank_pairings", "PAIRING_DENSE_LIMIT", "MAX_PAIRS_LISTED"]

#: Above this many living individuals, pairs are ranked among the lowest-mk candidates (see the module docstring).
PAIRING_DENSE_LIMIT = 2000
#: The most pairs listed when ``top`` is not given (male × female pairs grow as the square of the living).
MAX_PAIRS_LISTED = 2_000_000
_FIRST_CANDIDATES = 64

_COLUMNS = ["rank", "sire", "dam", "sire_mk", "dam_mk", "mean_mk", "offspring_mk", "mk_difference", "kinship",
            "offspring_inbreeding", "sire_location", "dam_location"]


def rank_pairings(pedigree: Any, living: Any = None, *, max_kinship: float | None = None,
                  same_location: bool = False, include_unknown_sex: bool = False, top: int | None = None,
                  method: str = "auto") -> pd.DataFrame:
    """Rank every possible pair of a living male (sire) and living female (dam), best first.

    Columns: ``rank`` (1 = best), ``sire``, ``dam`` (ids: int64 for an integer-id studbook, else text),
    ``sire_mk``, ``dam_mk`` (mean kinships among the living), ``mean_mk`` and ``offspring_mk`` (the same
    number: the mean kinship of the pair's offspring with the living, which the ranking minimises),
    ``mk_difference``, ``kinship`` (coancestry of the pair) and ``offspring_inbreeding`` (the same number: the
    F of their offspring), ``sire_location``, ``dam_location`` (empty text if the studbook has no location
    column). Ranking rule: see the module docstring (Ballou & Lacy 1995).

    ``max_kinship``: drop pairs whose kinship is above it (e.g. 0.0625, first cousins). ``same_location``:
    keep only pairs at the same location. ``include_unknown_sex``: let living individuals of sex U take
    either role (hermaphrodites, or animals not yet sexed); otherwise they are left out of pairing.
    ``top``: keep only the best ``top`` pairs. ``method`` as in :func:`exsitu.pedigree.kinship_among`.
    """
    ped = _as_pedigree(pedigree)
    limit = None if max_kinship is None else require_number(max_kinship, "max_kinship", minimum=0, maximum=1)
    keep_top = None if top is None else int(require_number(top, "top", minimum=1, integer=True))
    if same_location and ped.location is None:
        raise InvalidInputError("same_location", "the studbook has no location column",
                                "add a location column or use same_location=False")
    positions = ped.living_positions(living)
    sex = ped.sex[positions]
    may_sire = (sex == "M") | (include_unknown_sex & (sex == "U"))
    may_dam = (sex == "F") | (include_unknown_sex & (sex == "U"))
    location = ped.location[positions] if ped.location is not None else np.full(positions.size, "", dtype=object)
    filters = dict(limit=limit, same_location=same_location, location=location)
    if positions.size <= PAIRING_DENSE_LIMIT:
        kin = kinship_among(ped, list(ped.ids[positions]), method=method).to_numpy()
        mk = kin.mean(axis=1)
        s, d, mean_mk, difference, pair_kinship = _ranked(
            np.flatnonzero(may_sire), np.flatnonzero(may_dam), mk, lambda a, b: kin[a, b], **filters)
    else:
        mk = _mean_kinship_values(ped, positions, "auto" if method in ("auto", "dense") else method)
        s, d, mean_mk, difference, pair_kinship = _ranked_among_candidates(
            ped, positions, may_sire, may_dam, mk, keep_top, method, **filters)
    if keep_top is not None:
        s, d, mean_mk, difference, pair_kinship = (a[:keep_top] for a in (s, d, mean_mk, difference, pair_kinship))
    elif s.size > MAX_PAIRS_LISTED:
        raise InvalidInputError("top", f"{s.size:,} pairs would be listed", "give top (e.g. top=50) to list "
                                "the best pairs only")
    ids = ped.ids[positions] if ped.integer_ids else ped.ids[positions].astype(object)  # int64 or text ids
    return pd.DataFrame({
        "rank": np.arange(1, s.size + 1, dtype=np.int64),
        "sire": ids[s], "dam": ids[d],
        "sire_mk": mk[s], "dam_mk": mk[d], "mean_mk": mean_mk, "offspring_mk": mean_mk.copy(),
        "mk_difference": difference,
        "kinship": pair_kinship, "offspring_inbreeding": pair_kinship.copy(),
        "sire_location": location[s].astype(object), "dam_location": location[d].astype(object),
    }, columns=_COLUMNS)


def _ranked(sires: np.ndarray, dams: np.ndarray, mk: np.ndarray, kinship_of: Any, *, limit: float | None,
            same_location: bool, location: np.ndarray) -> tuple[np.ndarray, ...]:
    """All allowed pairs of ``sires`` × ``dams`` (positions among the living), best first:
    (sire, dam, mean_mk, mk_difference, kinship)."""
    s = np.repeat(sires, dams.size)
    d = np.tile(dams, sires.size)
    keep = s != d
    pair_kinship = kinship_of(s, d)
    if limit is not None:
        keep &= pair_kinship <= limit + 1e-12
    if same_location:
        keep &= (location[s] == location[d]) & (location[s] != "")
    s, d, pair_kinship = s[keep], d[keep], pair_kinship[keep]
    mean_mk = 0.5 * (mk[s] + mk[d])
    difference = np.abs(mk[s] - mk[d])
    # round the sort keys so that rounding noise does not break exact ties
    order = np.lexsort((d, s, np.round(difference, 12), np.round(pair_kinship, 12), np.round(mean_mk, 12)))
    return s[order], d[order], mean_mk[order], difference[order], pair_kinship[order]


def _ranked_among_candidates(ped: Any, positions: np.ndarray, may_sire: np.ndarray, may_dam: np.ndarray,
                             mk: np.ndarray, keep_top: int | None, method: str, **filters: Any
                             ) -> tuple[np.ndarray, ...]:
    """The exact best ``keep_top`` pairs of a large living population, from the lowest-mk candidates."""
    sires = np.flatnonzero(may_sire)
    dams = np.flatnonzero(may_dam)
    sires = sires[np.lexsort((sires, np.round(mk[sires], 12)))]  # lowest mk first, then studbook order
    dams = dams[np.lexsort((dams, np.round(mk[dams], 12)))]
    wanted = keep_top if keep_top is not None else None
    m = _FIRST_CANDIDATES if wanted is None else max(_FIRST_CANDIDATES, 2 * wanted)
    while True:
        all_in = wanted is None or (m >= sires.size and m >= dams.size)
        cs, cd = (sires, dams) if all_in else (sires[:m], dams[:m])
        chosen = np.union1d(cs, cd)
        kin = kinship_among(ped, list(ped.ids[positions[chosen]]), method=method).to_numpy()
        where = np.searchsorted(chosen, np.arange(positions.size))  # position among the living → row of kin
        result = _ranked(cs, cd, mk, lambda a, b: kin[where[a], where[b]], **filters)
        if all_in:
            return result
        mean_mk = result[2]
        bound = np.inf
        if m < sires.size and dams.size:
            bound = min(bound, 0.5 * (mk[sires[m - 1]] + mk[dams[0]]))
        if m < dams.size and sires.size:
            bound = min(bound, 0.5 * (mk[dams[m - 1]] + mk[sires[0]]))
        if mean_mk.size >= wanted and round(mean_mk[wanted - 1], 12) < round(bound, 12):
            return result
        m *= 2
