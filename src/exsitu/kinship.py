"""Kinship (coancestry), inbreeding and mean kinship from a pedigree — exact and vectorised.

Definitions (domain file §6; Ballou & Lacy 1995; PMx manual): kinship f(i, j) is the probability that an
allele drawn at random from i and one from j are identical by descent; f(i, i) = (1 + F_i)/2; the
inbreeding coefficient F_i = f(sire_i, dam_i); the mean kinship of a living individual is the mean of its
kinships with all living individuals *including itself*. Founders — and the stand-in for an unknown parent —
are unrelated and non-inbred, so an unknown parent adds nothing to any kinship (the same result as giving the
individual a unique, unrelated phantom parent, as PMx and kinship2 do).

Three routes, all exact (they agree to rounding, ~1e-15):

* ``"dense"`` — the recursive tabular method (Emik & Terrill 1949; domain file §6) filling the whole N×N
  matrix generation by generation with vectorised row operations. Needs 8·N² bytes.
* ``"pruned"`` — the same recursion, but a row is kept only while the individual still has offspring to come
  (or is asked for); memory is the square of the largest number of such "open" parents, not of N.
  Hand-written (no library offers it); it gives F for everyone and kinships among any chosen subset.
* ``"meuwissen_luo"`` — Meuwissen & Luo (1992, *Genet. Sel. Evol.* 24:305–313) for F: per individual, trace
  its ancestors and sum L²·D. Pure Python, very little memory, slower; kept as an independent check.

Mean kinship of a living subset without any matrix uses Colleau's (2002, *Genet. Sel. Evol.* 34:409–421)
indirect method: the relationship matrix A = 2·kinship = T·D·Tᵀ with T = (I − P)⁻¹ (P holds ½ at each known
parent), so A·x is two triangular sweeps through the pedigree plus a diagonal scaling; D_i = 1 − ¼(1 + F_sire)
− ¼(1 + F_dam) summing over known parents (Henderson 1976; Quaas 1976).
"""

from __future__ import annotations

import heapq
import weakref
from typing import Any

import numpy as np
import pandas as pd

from exsitu.studbook import Pedigree, read_studbook
from exsitu.validation import InvalidInputError, require_choice

__all__ = [
    "kinship_matrix", "kinship_among", "inbreeding", "mean_kinship", "gene_diversity",
    "founder_genome_equivalents", "relationship_product", "AUTO_DENSE_LIMIT",
]

#: ``method="auto"`` uses the full matrix up to this many individuals, the matrix-free routes above it.
AUTO_DENSE_LIMIT = 3000
#: Largest working matrix (bytes) the pruned route may allocate before ``"auto"`` falls back to Meuwissen–Luo.
PRUNED_MEMORY_LIMIT = 1.5e9
_BLOCK_ROWS = 512  # rows computed at once; bounds temporaries to 2 × 512 × N × 8 bytes

_F_METHODS = ("auto", "dense", "pruned", "sparse", "meuwissen_luo")
_MK_METHODS = ("auto", "dense", "sparse", "colleau")


def _as_pedigree(pedigree: Any) -> Pedigree:
    return pedigree if isinstance(pedigree, Pedigree) else read_studbook(pedigree)


# ------------------------------------------------------------------------------------------ dense route


def _dense_kinship(pedigree: Pedigree) -> np.ndarray:
    """Full kinship matrix by the tabular method; returns an N×N C-contiguous view (peak ≈ matrix + 2 blocks).

    For each block of individuals of one generation (none is an ancestor of another), all their kinships with
    earlier individuals are one vectorised step: K[i, :a] = (K[sire_i, :a] + K[dam_i, :a]) / 2, written to the
    row and, transposed, to the column. Unknown parents point at an extra all-zero row.
    """
    n = len(pedigree)
    buffer = np.zeros((n + 1, n))  # row n stays zero: the kinship of an unknown parent with anyone
    sire = np.where(pedigree.sire >= 0, pedigree.sire, n)
    dam = np.where(pedigree.dam >= 0, pedigree.dam, n)
    for a, b in pedigree.generation_blocks(_BLOCK_ROWS):
        s, d = sire[a:b], dam[a:b]
        rows = buffer[s, :a]
        rows += buffer[d, :a]
        rows *= 0.5
        buffer[a:b, :a] = rows
        buffer[:a, a:b] = rows.T
        known = (s < n) & (d < n)
        f = np.zeros(b - a)
        f[known] = buffer[s[known], d[known]]
        # within the block: f(i, j) = (f(sire_i, j) + f(dam_i, j)) / 2 = (rows[j, sire_i] + rows[j, dam_i]) / 2
        within = np.zeros((b - a, b - a))
        if a:
            ks, kd = s < n, d < n
            within[:, ks] += rows[:, s[ks]]
            within[:, kd] += rows[:, d[kd]]
            within *= 0.5
        within[np.diag_indices(b - a)] = 0.5 * (1.0 + f)
        buffer[a:b, a:b] = within.T
    return buffer[:n]


# ----------------------------------------------------------------------------------------- pruned route


def _pruned_kinship(pedigree: Pedigree, keep: np.ndarray | None = None,
                    memory_limit: float | None = None) -> tuple[np.ndarray, np.ndarray | None]:
    """Inbreeding of everyone and kinship among ``keep`` (positions), holding only "open" rows.

    An individual gets a row (slot) in a working matrix when it has offspring or is in ``keep``; the slot is
    freed after the last generation holding one of its offspring, and reused. Kinships are computed exactly
    as in the tabular method, so the result equals :func:`_dense_kinship`.
    Raises MemoryError if the working matrix would exceed ``memory_limit`` bytes.
    """
    n = len(pedigree)
    sire, dam, gen = pedigree.sire, pedigree.dam, pedigree.generation
    top = int(gen.max(initial=0)) + 1
    last_child = np.full(n, -1, dtype=np.int64)
    for parent in (sire, dam):
        known = parent >= 0
        np.maximum.at(last_child, parent[known], gen[known])
    keep_mask = np.zeros(n, dtype=bool)
    if keep is not None:
        keep_mask[keep] = True
    needed = (last_child >= 0) | keep_mask
    release = np.where(keep_mask, top, last_child)  # freed after generation `release`
    # open rows while generation g is processed: opened at or before g, not freed before g
    opened = np.bincount(gen[needed], minlength=top + 1)
    freed = np.bincount(release[needed], minlength=top + 1)
    during = np.cumsum(opened) - np.concatenate([[0], np.cumsum(freed)[:-1]])
    capacity = int(during.max(initial=0)) + 1  # slot 0: the all-zero row of an unknown parent
    need_bytes = 8.0 * capacity * (capacity + 2 * _BLOCK_ROWS)
    if memory_limit is not None and need_bytes > memory_limit:
        raise MemoryError(f"pruned kinship needs {need_bytes / 1e9:.2f} GB (limit {memory_limit / 1e9:.2f} GB)")

    work = np.zeros((capacity, capacity))
    slot = np.zeros(n + 1, dtype=np.int64)  # slot[-1] == slot[n] == 0 for unknown parents
    used = np.zeros(capacity, dtype=bool)
    used[0] = True
    high = 1  # slots at or above `high` have never been used
    inbred = np.zeros(n)
    order = np.argsort(release[needed], kind="stable")
    needed_positions = np.flatnonzero(needed)[order]
    cuts = np.searchsorted(release[needed][order], np.arange(top + 2))
    blocks = pedigree.generation_blocks(_BLOCK_ROWS)
    for k, (a, b) in enumerate(blocks):
        inbred[a:b] = work[slot[sire[a:b]], slot[dam[a:b]]]
        new = a + np.flatnonzero(needed[a:b])
        if new.size:
            free = np.flatnonzero(~used)[: new.size]
            upper = max(high, int(free[-1]) + 1)
            s, d = slot[sire[new]], slot[dam[new]]
            rows = work[s, :upper]
            rows += work[d, :upper]
            rows *= 0.5
            within = 0.5 * (rows[:, s] + rows[:, d])  # slot 0 column is zero, so unknown parents add 0
            within[np.diag_indices(new.size)] = 0.5 * (1.0 + inbred[new])
            rows[:, free] = within.T
            work[free, :upper] = rows
            work[:upper, free] = rows.T
            used[free] = True
            slot[new] = free
            high = upper
        g = int(gen[a])
        if k + 1 == len(blocks) or int(gen[blocks[k + 1][0]]) != g:
            done = needed_positions[cuts[g]:cuts[g + 1]]
            used[slot[done]] = False
            used[0] = True
    kept = None
    if keep is not None:
        where = slot[np.asarray(keep, dtype=np.int64)]
        kept = work[np.ix_(where, where)]
    return inbred, kept


# -------------------------------------------------------------------------------- Meuwissen & Luo (1992)


def _meuwissen_luo(pedigree: Pedigree) -> np.ndarray:
    """F by Meuwissen & Luo (1992): F_i = Σ_j L_ij² D_j − 1 over i and its ancestors j.

    Hand-written in plain Python (a per-individual walk up the pedigree with a heap, youngest first); the
    unknown parent has F = −1 so that D_j = ½ − ¼(F_sire + F_dam) covers all cases.
    """
    n = len(pedigree)
    sire, dam = pedigree.sire.tolist(), pedigree.dam.tolist()
    F = [0.0] * n + [-1.0]  # index -1 is the unknown parent
    D = [0.0] * n
    L = [0.0] * n
    for i in range(n):
        s, d = sire[i], dam[i]
        D[i] = 0.5 - 0.25 * (F[s] + F[d])
        if s < 0 and d < 0:
            continue
        if i and s == sire[i - 1] and d == dam[i - 1]:  # full sib of the previous individual
            F[i] = F[i - 1]
            continue
        heap = [-i]
        queued = {i}
        L[i] = 1.0
        total = 0.0
        while heap:
            j = -heapq.heappop(heap)
            lj = L[j]
            L[j] = 0.0
            total += lj * lj * D[j]
            half = 0.5 * lj
            for p in (sire[j], dam[j]):
                if p >= 0:
                    if p not in queued:
                        queued.add(p)
                        heapq.heappush(heap, -p)
                    L[p] += half
        F[i] = total - 1.0
    return np.array(F[:n])


# ------------------------------------------------------------------------------- Colleau (2002) product


def relationship_product(pedigree: Pedigree, x: np.ndarray, inbreeding_values: np.ndarray | None = None
                         ) -> np.ndarray:
    """A·x, with A = 2 × kinship matrix, without forming A (Colleau 2002's indirect method).

    ``x`` has one row per individual in pedigree order (a vector or an N×k array). ``inbreeding_values`` are
    the F of every individual in pedigree order (computed with the pruned route if omitted). Cost: a few
    vectorised passes per generation, memory O(N·k).
    """
    ped = _as_pedigree(pedigree)
    n = len(ped)
    x = np.asarray(x, dtype=float)
    if x.shape[0] != n:
        raise InvalidInputError("x", f"has {x.shape[0]} rows but the pedigree has {n} individuals",
                                "give one value per individual in pedigree.ids order")
    F = _pruned_kinship(ped)[0] if inbreeding_values is None else np.asarray(inbreeding_values, dtype=float)
    sire, dam = ped.sire, ped.dam
    Fpad = np.append(F, 0.0)
    D = 1.0 - 0.25 * ((sire >= 0) * (1.0 + Fpad[sire]) + (dam >= 0) * (1.0 + Fpad[dam]))
    blocks = ped.generation_blocks()
    y = np.zeros((n + 1,) + x.shape[1:])
    y[:n] = x
    for a, b in reversed(blocks):  # y = Tᵀx: each individual passes half its total to each parent
        half = 0.5 * y[a:b]
        np.add.at(y, sire[a:b], half)
        np.add.at(y, dam[a:b], half)
        y[n] = 0.0
    y[:n] *= D.reshape((n,) + (1,) * (x.ndim - 1))
    for a, b in blocks:  # T·y: each individual adds half of each parent's value
        y[a:b] += 0.5 * (y[sire[a:b]] + y[dam[a:b]])
    return y[:n]


# ------------------------------------------------------------------------------------------ public API


def _ids_index(pedigree: Pedigree, positions: np.ndarray | None = None) -> pd.Index:
    """Index of ids (int64 for an integer-id studbook, else text) at ``positions`` (default: all)."""
    return pedigree.index.copy() if positions is None else pedigree.index.take(positions)


def kinship_matrix(pedigree: Pedigree) -> pd.DataFrame:
    """Kinship (coancestry) of every pair, a symmetric DataFrame indexed by id on both axes.

    Rows and columns follow the studbook's row order (as written), whatever order the parents came in.
    Tabular method, vectorised by generation (domain file §6). Memory 8·N² bytes (5,000 individuals: 200 MB;
    rows are put back into studbook order in place); for large pedigrees use
    :func:`kinship_among`, :func:`inbreeding` and :func:`mean_kinship` instead.
    """
    ped = _as_pedigree(pedigree)
    values = _dense_kinship(ped)
    if ped.in_row_order:
        index = _ids_index(ped)
    else:
        order = ped.row_order
        _reorder_symmetric(values, order)
        index = _ids_index(ped, order)
    return pd.DataFrame(values, index=index, columns=index.copy(), copy=False)


def _reorder_symmetric(values: np.ndarray, order: np.ndarray) -> None:
    """values[:] = values[order][:, order] for a symmetric square array, in place (no second N×N copy).

    Hand-written because numpy has no in-place permutation: permute the rows by following the permutation's
    cycles (one spare row), transpose in place tile by tile, and permute the rows again. For a symmetric K,
    (K[order]ᵀ)[order] = K[order][:, order]. Far faster than a column gather (5,000²: ~0.08 s vs ~0.2 s).
    """
    _permute_rows(values, order)
    _transpose_in_place(values)
    _permute_rows(values, order)


def _permute_rows(values: np.ndarray, order: np.ndarray) -> None:
    n = values.shape[0]
    done = np.zeros(n, dtype=bool)
    for start in np.flatnonzero(order != np.arange(n)).tolist():
        if done[start]:
            continue
        spare = values[start].copy()
        i = start
        while True:
            done[i] = True
            j = int(order[i])
            if j == start:
                values[i] = spare
                break
            values[i] = values[j]
            i = j


def _transpose_in_place(values: np.ndarray, tile: int = 128) -> None:
    n = values.shape[0]
    for i in range(0, n, tile):
        diagonal = values[i:i + tile, i:i + tile]
        diagonal[...] = diagonal.T.copy()
        for j in range(i + tile, n, tile):
            upper = values[i:i + tile, j:j + tile].copy()
            values[i:i + tile, j:j + tile] = values[j:j + tile, i:i + tile].T
            values[j:j + tile, i:i + tile] = upper.T


def kinship_among(pedigree: Pedigree, ids: Any = None, method: str = "auto") -> pd.DataFrame:
    """Kinship among a subset (default: the living), without the full matrix when ``method`` is "pruned".

    ``ids`` accepts what ``living`` accepts (see :meth:`Pedigree.living_positions`); rows and columns follow
    studbook row order. ``method``: "auto" (dense up to :data:`AUTO_DENSE_LIMIT` individuals), "dense", "pruned".
    """
    ped = _as_pedigree(pedigree)
    method = require_choice(method, "method", ("auto", "dense", "pruned", "sparse"))
    positions = ped.living_positions(ids, "ids")
    if method == "dense" or (method == "auto" and len(ped) <= AUTO_DENSE_LIMIT):
        values = _dense_kinship(ped)[np.ix_(positions, positions)]
    else:
        values = _pruned_kinship(ped, keep=positions)[1]
    index = _ids_index(ped, positions)
    return pd.DataFrame(values, index=index, columns=index.copy(), copy=False)


# F of a large pedigree by the matrix-free routes, kept per Pedigree (which is immutable) while it is in use:
# a studbook analysis asks for F several times (summary, mk of the living, pairings), each 0.3–0.5 s at 100,000.
_SPARSE_F: "weakref.WeakKeyDictionary[Pedigree, np.ndarray]" = weakref.WeakKeyDictionary()


def _inbreeding_values(ped: Pedigree, method: str) -> np.ndarray:
    """F of every individual in pedigree order (read-only array for the matrix-free routes: it is shared)."""
    method = require_choice(method, "method", _F_METHODS)
    if method == "dense" or (method == "auto" and len(ped) <= AUTO_DENSE_LIMIT):
        return 2.0 * np.diagonal(_dense_kinship(ped)) - 1.0
    if method == "meuwissen_luo":
        return _meuwissen_luo(ped)
    cached = _SPARSE_F.get(ped)
    if cached is not None:
        return cached
    try:
        values = _pruned_kinship(ped, memory_limit=None if method == "pruned" else PRUNED_MEMORY_LIMIT)[0]
    except MemoryError:  # too many parents open at once: trade time for memory
        values = _meuwissen_luo(ped)
    values.setflags(write=False)
    _SPARSE_F[ped] = values
    return values


def inbreeding(pedigree: Pedigree, method: str = "auto") -> pd.Series:
    """Inbreeding coefficient F of every individual (Series indexed by id, in studbook row order).

    F_i = kinship of its parents (domain file §6). ``method``: "auto" (dense up to :data:`AUTO_DENSE_LIMIT`
    individuals, else "sparse"), "dense", "sparse" (pruned, falling back to Meuwissen–Luo if the pruned
    working matrix would need over 1.5 GB), "pruned", "meuwissen_luo". All are exact.
    """
    ped = _as_pedigree(pedigree)
    order = ped.row_order
    return pd.Series(_inbreeding_values(ped, method)[order], index=_ids_index(ped, order), name="F")


def _mean_kinship_values(ped: Pedigree, positions: np.ndarray, method: str,
                         inbreeding_values: np.ndarray | None = None) -> np.ndarray:
    """mk of the individuals at ``positions``; ``inbreeding_values`` (F of all, if known) saves recomputing."""
    method = require_choice(method, "method", _MK_METHODS)
    x = np.zeros(len(ped))
    x[positions] = 1.0 / positions.size
    if method == "dense" or (method == "auto" and len(ped) <= AUTO_DENSE_LIMIT):
        return (_dense_kinship(ped) @ x)[positions]
    F = _inbreeding_values(ped, "sparse") if inbreeding_values is None else inbreeding_values
    return 0.5 * relationship_product(ped, x, F)[positions]


def mean_kinship(pedigree: Pedigree, living: Any = None, method: str = "auto") -> pd.Series:
    """Mean kinship mk_i of each living individual with all living individuals, itself included.

    mk_i = (1/N) Σ_j f(i, j) over the N living (Ballou & Lacy 1995; domain file §6, as PMx), listed in
    studbook row order. ``living``: ids (``17`` or ``"17"`` for an integer id), a boolean Series indexed by
    id, ``pedigree.alive``, or None for the studbook's alive column (see :meth:`Pedigree.living_positions`).
    ``method``: "auto" (dense up to :data:`AUTO_DENSE_LIMIT` individuals), "dense", "colleau" (alias
    "sparse": Colleau 2002, no matrix).
    """
    ped = _as_pedigree(pedigree)
    positions = ped.living_positions(living)
    values = _mean_kinship_values(ped, positions, method)
    return pd.Series(values, index=_ids_index(ped, positions), name="mean_kinship")


def gene_diversity(pedigree: Pedigree, living: Any = None, method: str = "auto") -> float:
    """Gene diversity retained relative to the founders, GD = 1 − mean of the living's mk (domain file §6)."""
    ped = _as_pedigree(pedigree)
    values = _mean_kinship_values(ped, ped.living_positions(living), method)
    return float(1.0 - values.mean())


def founder_genome_equivalents(pedigree: Pedigree, living: Any = None, method: str = "auto") -> float:
    """Founder genome equivalents FGE = 1 / (2 · MK), MK = mean of the living's mk (domain file §6).

    This is the PMx definition (Ballou & Lacy 1995). Lacy's (1989) original estimate from a gene drop,
    1 / Σ(p_f² / r_f) with r_f the founder's expected allele retention, can differ: for the 7-animal example of
    Lacy (1989) it gives 2.18, while 1 / (2 · MK) = 16/9 ≈ 1.78 (tests/unit/test_pedigree_reference.py).
    """
    ped = _as_pedigree(pedigree)
    values = _mean_kinship_values(ped, ped.living_positions(living), method)
    return float(1.0 / (2.0 * values.mean()))
