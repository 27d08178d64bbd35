"""Founder contributions, founder equivalents, and gene drop (founder allele retention, genome uniqueness).

Founders are the studbook individuals with both parents unknown, plus one unique, unrelated, non-inbred
stand-in ("unknown sire of X" / "unknown dam of X") for each unknown parent of an individual whose other
parent is known — as PMx and kinship2 treat such a parent (domain file §6; PMx manual; Sinnwell et al. 2014).

* Contribution p_f of founder f to the living population = mean over the living of the expected share of
  their genes from f (½ per generation along each path); Σ p_f = 1. Founder equivalents
  fe = 1 / Σ p_f² (Lacy 1989; PMx manual).
* Gene drop (MacCluer et al. 1986, the PMx "gene drop"): each founder gets two unique alleles; every
  offspring draws one allele at random from each parent; repeated ``iterations`` times (vectorised over the
  iterations). Retention of a founder = mean share of its two alleles still present among the living;
  genome uniqueness GU of a living individual = mean share of its two alleles carried by no other living
  individual. Each comes with its Monte Carlo standard error (SD over iterations / √iterations).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from exsitu.kinship import _as_pedigree
from exsitu.studbook import Pedigree
from exsitu.validation import InvalidInputError, require_number

__all__ = ["founder_contributions", "founder_equivalents", "gene_drop", "founder_representation",
           "genome_uniqueness", "GeneDropResult"]

_GENE_DROP_BYTES = 64e6  # working memory per chunk of iterations


@dataclass(frozen=True)
class _Extended:
    sire: np.ndarray  # length n + m, phantoms at n..n+m-1; -1 only for founders
    dam: np.ndarray
    founders: np.ndarray  # ext positions of founders: studbook founders (pedigree order), then phantoms
    labels: list[int | str]  # founder ids (int for an integer-id studbook), then "unknown sire of X" texts
    kinds: list[str]


def _extended(ped: Pedigree) -> _Extended:
    """Add a phantom founder for each unknown parent of an individual with one known parent."""
    n = len(ped)
    owner_sire = np.flatnonzero((ped.sire < 0) & (ped.dam >= 0))
    owner_dam = np.flatnonzero((ped.dam < 0) & (ped.sire >= 0))
    owners = np.concatenate([owner_sire, owner_dam])
    is_sire = np.concatenate([np.ones(owner_sire.size, bool), np.zeros(owner_dam.size, bool)])
    order = np.lexsort((~is_sire, ped.source_row[owners]))  # listed in studbook row order of the offspring
    owners, is_sire = owners[order], is_sire[order]
    m = owners.size
    sire = np.concatenate([ped.sire, np.full(m, -1, dtype=np.int64)])
    dam = np.concatenate([ped.dam, np.full(m, -1, dtype=np.int64)])
    phantom = n + np.arange(m)
    sire[owners[is_sire]] = phantom[is_sire]
    dam[owners[~is_sire]] = phantom[~is_sire]
    real = np.flatnonzero(ped.is_founder)
    labels: list[int | str] = ped.labels(real)
    kinds = ["founder"] * real.size
    for owner, role_sire in zip(owners.tolist(), is_sire.tolist()):
        role = "sire" if role_sire else "dam"
        labels.append(f"unknown {role} of {ped.ids[owner]}")
        kinds.append(f"unknown {role}")
    return _Extended(sire, dam, np.concatenate([real, phantom]).astype(np.int64), labels, kinds)


def _label_index(labels: Any, name: str) -> pd.Index:
    """An Index of ids: int64 if every label is an integer id, else object (text, or ints mixed with the
    "unknown sire of X" labels of an integer-id studbook)."""
    labels = list(labels)
    if labels and all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in labels):
        return pd.Index(labels, dtype=np.int64, name=name)
    return pd.Index(labels, dtype=object, name=name)


def _contributions(ped: Pedigree, ext: _Extended, living: np.ndarray) -> np.ndarray:
    """p_f for every founder (ext order): y = Tᵀx with x = 1/N on the living, read at the founders."""
    total = ext.sire.size
    y = np.zeros(total + 1)
    y[living] = 1.0 / living.size
    for a, b in reversed(ped.generation_blocks()):
        half = 0.5 * y[a:b]
        np.add.at(y, ext.sire[a:b], half)
        np.add.at(y, ext.dam[a:b], half)
        y[total] = 0.0
    return y[ext.founders]


def founder_contributions(pedigree: Pedigree, living: Any = None) -> pd.Series:
    """Share p_f of the living population's genes from each founder (Series indexed by founder; sums to 1).

    Founders that left no living descendants are listed with 0. Unknown parents of individuals with one
    known parent appear as "unknown sire of X" / "unknown dam of X". The index holds int64 ids for an
    integer-id studbook without such stand-ins; with them it is an object index of ints and those texts.
    """
    ped = _as_pedigree(pedigree)
    ext = _extended(ped)
    values = _contributions(ped, ext, ped.living_positions(living))
    return pd.Series(values, index=_label_index(ext.labels, "founder"), name="contribution")


def founder_equivalents(pedigree: Pedigree, living: Any = None) -> float:
    """Founder equivalents fe = 1 / Σ p_f² over founder contributions to the living (Lacy 1989; PMx)."""
    p = founder_contributions(pedigree, living).to_numpy()
    return float(1.0 / np.sum(p * p))


@dataclass(frozen=True)
class GeneDropResult:
    """Gene-drop estimates with Monte Carlo standard errors (proportions, 0–1).

    ``retention[k]``: mean share of founder ``founders[k]``'s two alleles present among the living.
    ``uniqueness[k]``: genome uniqueness of living ``individuals[k]`` — mean share of its two alleles that
    no other living individual carries. Ids are ints for an integer-id studbook, else text.
    """

    iterations: int
    seed: int | None
    founders: tuple[int | str, ...]
    retention: tuple[float, ...]
    retention_se: tuple[float, ...]
    individuals: tuple[int | str, ...]
    uniqueness: tuple[float, ...]
    uniqueness_se: tuple[float, ...]

    def founder_table(self) -> pd.DataFrame:
        """Retention and its standard error per founder."""
        return pd.DataFrame({"retention": self.retention, "retention_se": self.retention_se},
                            index=_label_index(self.founders, "founder"))

    def uniqueness_table(self) -> pd.DataFrame:
        """Genome uniqueness and its standard error per living individual."""
        return pd.DataFrame({"genome_uniqueness": self.uniqueness, "genome_uniqueness_se": self.uniqueness_se},
                            index=_label_index(self.individuals, "id"))

    def to_dict(self) -> dict:
        return {"iterations": self.iterations, "seed": self.seed, "founders": list(self.founders),
                "retention": list(self.retention), "retention_se": list(self.retention_se),
                "individuals": list(self.individuals), "uniqueness": list(self.uniqueness),
                "uniqueness_se": list(self.uniqueness_se)}

    @classmethod
    def from_dict(cls, data: dict) -> "GeneDropResult":
        return cls(iterations=int(data["iterations"]), seed=None if data["seed"] is None else int(data["seed"]),
                   founders=tuple(_id_value(v) for v in data["founders"]),
                   retention=tuple(float(v) for v in data["retention"]),
                   retention_se=tuple(float(v) for v in data["retention_se"]),
                   individuals=tuple(_id_value(v) for v in data["individuals"]),
                   uniqueness=tuple(float(v) for v in data["uniqueness"]),
                   uniqueness_se=tuple(float(v) for v in data["uniqueness_se"]))


def _id_value(value: Any) -> int | str:
    """An id read back from JSON: integers stay integers, anything else is text."""
    return int(value) if isinstance(value, (int, np.integer)) and not isinstance(value, bool) else str(value)


def _standard_error(total: np.ndarray, squares: np.ndarray, count: int) -> np.ndarray:
    variance = np.maximum(squares - total * total / count, 0.0) / (count - 1)
    return np.sqrt(variance / count)


def gene_drop(pedigree: Pedigree, living: Any = None, iterations: int = 1000, seed: int | None = None
              ) -> GeneDropResult:
    """Simulate Mendelian inheritance of unique founder alleles down the pedigree ``iterations`` times.

    Only the living and their ancestors are simulated; the iterations are vectorised in chunks of bounded
    memory. The same ``seed`` gives the same result.
    """
    ped = _as_pedigree(pedigree)
    runs = int(require_number(iterations, "iterations", minimum=2, maximum=10_000_000, integer=True))
    if seed is not None and not isinstance(seed, (int, np.integer)):
        raise InvalidInputError("seed", f"must be a whole number or None, got {seed!r}", "use e.g. seed=1")
    rng = np.random.default_rng(seed)
    ext = _extended(ped)
    living = ped.living_positions(living)
    total = ext.sire.size
    sire = np.append(ext.sire, total)  # index total: padding, never needed
    dam = np.append(ext.dam, total)
    need = np.zeros(total + 1, dtype=bool)
    need[living] = True
    blocks = [(a, b) for a, b in ped.generation_blocks() if ped.generation[a] > 0]
    for a, b in reversed(blocks):
        chosen = a + np.flatnonzero(need[a:b])
        need[sire[chosen]] = True
        need[dam[chosen]] = True
    need = need[:total]
    compact = np.full(total, -1, dtype=np.int64)
    compact[need] = np.arange(int(need.sum()))
    founder_need = need[ext.founders]
    founders_used = compact[ext.founders[founder_need]]
    n_alleles = 2 * founders_used.size
    steps = [(a + np.flatnonzero(need[a:b])) for a, b in blocks]
    steps = [(compact[c], compact[sire[c]], compact[dam[c]]) for c in steps if c.size]
    living_c = compact[living]
    per_run = 8 * (int(need.sum()) + n_alleles) + 40 * living.size
    chunk = int(max(1, min(runs, _GENE_DROP_BYTES // max(per_run, 1))))

    sums = {"ret": np.zeros(founders_used.size), "ret2": np.zeros(founders_used.size),
            "gu": np.zeros(living.size), "gu2": np.zeros(living.size)}
    first0 = (2 * np.arange(founders_used.size, dtype=np.int32))[:, None]
    done = 0
    while done < runs:
        c = min(chunk, runs - done)
        allele0 = np.empty((int(need.sum()), c), dtype=np.int32)
        allele1 = np.empty_like(allele0)
        allele0[founders_used] = first0
        allele1[founders_used] = first0 + 1
        for child, s, d in steps:
            from_sire = rng.random((child.size, c)) < 0.5
            from_dam = rng.random((child.size, c)) < 0.5
            allele0[child] = np.where(from_sire, allele1[s], allele0[s])
            allele1[child] = np.where(from_dam, allele1[d], allele0[d])
        a0, a1 = allele0[living_c], allele1[living_c]
        column = np.arange(c, dtype=np.int64)
        key0 = a0 * np.int64(c) + column
        key1 = a1 * np.int64(c) + column
        counts = np.bincount(np.concatenate([key0.ravel(), key1.ravel()]), minlength=n_alleles * c)
        own = 1 + (a0 == a1)
        unique = 0.5 * ((counts[key0] == own).astype(float) + (counts[key1] == own))
        present = (counts.reshape(n_alleles, c) > 0).reshape(founders_used.size, 2, c)
        kept = 0.5 * present.sum(axis=1)
        sums["ret"] += kept.sum(axis=1)
        sums["ret2"] += (kept * kept).sum(axis=1)
        sums["gu"] += unique.sum(axis=1)
        sums["gu2"] += (unique * unique).sum(axis=1)
        done += c

    retention = np.zeros(ext.founders.size)
    retention_se = np.zeros(ext.founders.size)
    retention[founder_need] = sums["ret"] / runs
    retention_se[founder_need] = _standard_error(sums["ret"], sums["ret2"], runs)
    return GeneDropResult(
        iterations=runs, seed=None if seed is None else int(seed), founders=tuple(ext.labels),
        retention=tuple(retention.tolist()), retention_se=tuple(retention_se.tolist()),
        individuals=tuple(ped.labels(living)),
        uniqueness=tuple((sums["gu"] / runs).tolist()),
        uniqueness_se=tuple(_standard_error(sums["gu"], sums["gu2"], runs).tolist()),
    )


def founder_representation(pedigree: Pedigree, living: Any = None, iterations: int = 1000,
                           seed: int | None = None) -> pd.DataFrame:
    """Per founder: kind, contribution p_f to the living, and gene-drop retention with its standard error.

    Index: founder id (or "unknown sire/dam of X"; int64 ids as in :func:`founder_contributions`); columns
    ``kind``, ``contribution``, ``retention``, ``retention_se``. Founders without living descendants are
    listed with zeros.
    """
    ped = _as_pedigree(pedigree)
    ext = _extended(ped)
    positions = ped.living_positions(living)
    drop = gene_drop(ped, list(ped.ids[positions]), iterations=iterations, seed=seed)
    return pd.DataFrame({
        "kind": pd.Series(ext.kinds, dtype=object).to_numpy(),
        "contribution": _contributions(ped, ext, positions),
        "retention": np.asarray(drop.retention),
        "retention_se": np.asarray(drop.retention_se),
    }, index=_label_index(ext.labels, "founder"))


def genome_uniqueness(pedigree: Pedigree, living: Any = None, iterations: int = 1000,
                      seed: int | None = None) -> pd.DataFrame:
    """Genome uniqueness of each living individual by gene drop, with its Monte Carlo standard error.

    GU = mean share of the individual's two alleles that no other living individual carries (PMx's "genome
    uniqueness"; MacCluer et al. 1986 gene drop). Index: id (studbook row order); columns
    ``genome_uniqueness``, ``genome_uniqueness_se`` (proportions, 0–1). The same ``seed`` gives the same table.
    """
    return gene_drop(pedigree, living, iterations=iterations, seed=seed).uniqueness_table()
