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
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from exsitu.kinship import _as_pedigree, kinship_among
from exsitu.validation import InvalidInputError, require_number

__all__ = ["rank_pairings"]

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
    kin = kinship_among(ped, list(ped.ids[positions]), method=method).to_numpy()
    mk = kin.mean(axis=1)
    sex = ped.sex[positions]
    may_sire = (sex == "M") | (include_unknown_sex & (sex == "U"))
    may_dam = (sex == "F") | (include_unknown_sex & (sex == "U"))
    sires, dams = np.flatnonzero(may_sire), np.flatnonzero(may_dam)
    s = np.repeat(sires, dams.size)
    d = np.tile(dams, sires.size)
    keep = s != d
    if limit is not None:
        keep &= kin[s, d] <= limit + 1e-12
    location = ped.location[positions] if ped.location is not None else np.full(positions.size, "", dtype=object)
    if same_location:
        keep &= (location[s] == location[d]) & (location[s] != "")
    s, d = s[keep], d[keep]
    mean_mk = 0.5 * (mk[s] + mk[d])
    difference = np.abs(mk[s] - mk[d])
    pair_kinship = kin[s, d]
    # round the sort keys so that rounding noise does not break exact ties
    order = np.lexsort((d, s, np.round(difference, 12), np.round(pair_kinship, 12), np.round(mean_mk, 12)))
    if keep_top is not None:
        order = order[:keep_top]
    s, d = s[order], d[order]
    ids = ped.ids[positions] if ped.integer_ids else ped.ids[positions].astype(object)  # int64 or text ids
    return pd.DataFrame({
        "rank": np.arange(1, s.size + 1, dtype=np.int64),
        "sire": ids[s], "dam": ids[d],
        "sire_mk": mk[s], "dam_mk": mk[d], "mean_mk": mean_mk[order], "offspring_mk": mean_mk[order].copy(),
        "mk_difference": difference[order],
        "kinship": pair_kinship[order], "offspring_inbreeding": pair_kinship[order].copy(),
        "sire_location": location[s].astype(object), "dam_location": location[d].astype(object),
    }, columns=_COLUMNS)
