"""Studbook (pedigree) analysis as PMx does it — Step 3 of an ECA: what does the ex situ population hold?

One import for lessons and apps::

    from exsitu.pedigree import read_studbook, mean_kinship, gene_diversity, rank_pairings
    ped = read_studbook("data/studbooks/synthetic_frog_studbook.csv")
    mean_kinship(ped)            # mk of each living individual (living = the studbook's alive column)

The work is split into small modules: :mod:`exsitu.studbook` (reading and checking),
:mod:`exsitu.kinship` (kinship, F, mean kinship — dense or matrix-free), :mod:`exsitu.founders`
(founder contributions, founder equivalents, gene drop), :mod:`exsitu.pairing` (pairing advice),
:mod:`exsitu.pedigree_synthetic` (SYNTHETIC studbooks) and :mod:`exsitu.pedigree_plots` (figures).
Definitions and formulas: domain file ``genetics-demography.md`` §6–7 (Ballou & Lacy 1995; PMx manual).

``living`` arguments accept a list of ids (e.g. ``ped.living_ids``), a boolean Series indexed by id, the
pedigree's own ``ped.alive`` array, or None (the alive column); results for individuals are listed in the
studbook's row order. Ids keep the type the user gave: a studbook whose ids are all integers (an integer
DataFrame column, or plain decimal integers in a CSV file) gives results indexed by int64 ids
(``kinship_matrix(ped).loc[1, 2]``), and takes ids back as ``1`` or ``"1"``; any other studbook uses text ids.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields
from typing import Any

import numpy as np

from exsitu.founders import (GeneDropResult, _contributions, _extended, founder_contributions,
                             founder_equivalents, founder_representation, gene_drop, genome_uniqueness)
from exsitu.kinship import (AUTO_DENSE_LIMIT, _as_pedigree, _inbreeding_values, _mean_kinship_values,
                            founder_genome_equivalents, gene_diversity, inbreeding, kinship_among,
                            kinship_matrix, mean_kinship, relationship_product)
from exsitu.pairing import rank_pairings
from exsitu.pedigree_synthetic import synthetic_studbook
from exsitu.studbook import Pedigree, read_studbook
from exsitu.validation import InvalidInputError

__all__ = [
    "Pedigree", "read_studbook", "kinship_matrix", "kinship_among", "inbreeding", "mean_kinship",
    "gene_diversity", "founder_genome_equivalents", "founder_equivalents", "founder_contributions",
    "founder_representation", "gene_drop", "genome_uniqueness", "GeneDropResult", "rank_pairings",
    "relationship_product",
    "PedigreeSummary", "pedigree_summary", "synthetic_studbook", "AUTO_DENSE_LIMIT",
]


@dataclass(frozen=True)
class PedigreeSummary:
    """Headline genetic status of a living population, as in a PMx report (domain file §6–7).

    gene_diversity: GD = 1 − MK (proportion of founding gene diversity retained).
    mean_kinship: population MK = mean of the living's mk.
    founder_genome_equivalents: FGE = 1 / (2·MK).
    founder_equivalents: fe = 1 / Σ p_f² over founder contributions.
    mean_inbreeding, max_inbreeding: F among the living.
    n_founders: studbook founders (both parents unknown); n_unknown_parents: stand-in founders for an unknown
    parent of an individual with one known parent; n_contributing_founders: founders of either kind with
    living descendants (or themselves living).
    """

    n_individuals: int
    n_living: int
    n_founders: int
    n_unknown_parents: int
    n_contributing_founders: int
    gene_diversity: float
    mean_kinship: float
    founder_genome_equivalents: float
    founder_equivalents: float
    mean_inbreeding: float
    max_inbreeding: float

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> "PedigreeSummary":
        names = {f.name: f.type for f in fields(cls)}
        unknown = set(data) - set(names)
        if unknown:
            raise InvalidInputError("data", f"unexpected keys {sorted(unknown)}", "use PedigreeSummary.to_dict()")
        return cls(**{name: (int(data[name]) if name.startswith("n_") else float(data[name])) for name in names})


def pedigree_summary(pedigree: Any, living: Any = None, method: str = "auto") -> PedigreeSummary:
    """GD, MK, FGE, founder equivalents and inbreeding of the living population in one call."""
    ped = _as_pedigree(pedigree)
    positions = ped.living_positions(living)
    F_all = _inbreeding_values(ped, "sparse" if method in ("sparse", "colleau") else method)
    mk = _mean_kinship_values(ped, positions, method, inbreeding_values=F_all)
    F = F_all[positions]
    ext = _extended(ped)
    p = _contributions(ped, ext, positions)
    population_mk = float(mk.mean())
    return PedigreeSummary(
        n_individuals=len(ped), n_living=int(positions.size), n_founders=int(ped.is_founder.sum()),
        n_unknown_parents=int(ext.founders.size - ped.is_founder.sum()),
        n_contributing_founders=int((p > 0).sum()),
        gene_diversity=1.0 - population_mk, mean_kinship=population_mk,
        founder_genome_equivalents=1.0 / (2.0 * population_mk),
        founder_equivalents=float(1.0 / np.sum(p * p)),
        mean_inbreeding=float(F.mean()), max_inbreeding=float(F.max()),
    )
