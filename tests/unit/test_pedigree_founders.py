"""Founder contributions, founder equivalents and gene drop (exsitu.founders via exsitu.pedigree).

Expected values are worked by hand from Mendelian probabilities; gene-drop estimates must fall within
5 standard errors of them, and the reported standard error must match the binomial one.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from exsitu.pedigree import (GeneDropResult, founder_contributions, founder_equivalents, founder_representation,
                             gene_drop, read_studbook, synthetic_studbook)
from exsitu.validation import InvalidInputError

# Domain file §6 worked pedigree T10 with C, D, G living (E dead, with an unknown dam).
T10 = """id,sire,dam,sex,alive
A,,,M,no
B,,,F,no
X,,,F,no
C,A,B,M,yes
D,A,B,F,yes
G,A,X,M,yes
E,C,,F,no
"""


def test_contributions_of_t10_founders():
    p = founder_contributions(read_studbook(T10))
    assert list(p.index) == ["A", "B", "X", "unknown dam of E"]
    assert p["A"] == pytest.approx(1 / 2, abs=1e-15)
    assert p["B"] == pytest.approx(1 / 3, abs=1e-15)
    assert p["X"] == pytest.approx(1 / 6, abs=1e-15)
    assert p["unknown dam of E"] == 0.0
    assert founder_equivalents(read_studbook(T10)) == pytest.approx(36 / 14, abs=1e-12)


def test_unknown_parent_is_a_founder_of_its_own():
    ped = read_studbook("id,sire,dam,sex\nA,,,M\nB,,,F\nC,A,B,F\nK,,C,M\n")
    p = founder_contributions(ped, ["K"])
    assert p.to_dict() == pytest.approx({"A": 0.25, "B": 0.25, "unknown sire of K": 0.5})
    assert founder_equivalents(ped, ["K"]) == pytest.approx(1 / (0.25**2 * 2 + 0.5**2))


def test_contributions_sum_to_one_and_living_founder_counts_itself():
    ped = read_studbook(synthetic_studbook(400, 8, unknown_sire_rate=0.1, seed=2))
    p = founder_contributions(ped)
    assert p.sum() == pytest.approx(1.0, abs=1e-12)
    assert (p >= 0).all()
    p2 = founder_contributions(read_studbook(T10), ["A", "C"])
    assert p2["A"] == pytest.approx(0.75) and p2["B"] == pytest.approx(0.25)


def test_gene_drop_matches_mendelian_probabilities():
    runs = 20000
    result = gene_drop(read_studbook(T10), iterations=runs, seed=7)
    retention = result.founder_table()
    # A has three living offspring: both alleles survive unless all three got the same one (p = 1/4)
    expected = {"A": 0.5 + 0.5 * 0.75, "B": 0.75, "X": 0.5, "unknown dam of E": 0.0}
    for founder, value in expected.items():
        se = max(retention.loc[founder, "retention_se"], 1e-12)
        assert abs(retention.loc[founder, "retention"] - value) <= 5 * se + 1e-12, founder
    # X's retention is exactly 1/2 in every iteration (one living offspring), so its SE is 0
    assert retention.loc["X", "retention"] == 0.5 and retention.loc["X", "retention_se"] == 0.0
    # B: 1/2 or 1 with equal chance → SD 1/4, SE = 0.25 / sqrt(runs)
    assert retention.loc["B", "retention_se"] == pytest.approx(0.25 / math.sqrt(runs), rel=0.05)
    gu = result.uniqueness_table()
    # C: paternal allele unique if neither D nor G got it (1/4); maternal if D got the other one (1/2)
    for individual, value in {"C": 0.375, "D": 0.375, "G": (0.25 + 1.0) / 2}.items():
        se = gu.loc[individual, "genome_uniqueness_se"]
        assert abs(gu.loc[individual, "genome_uniqueness"] - value) <= 5 * se, individual


def test_inbred_homozygote_alleles_count_as_unique_to_it():
    # E (full-sib offspring) is the only living individual: all its alleles are unique to it
    ped = read_studbook("id,sire,dam,sex\nA,,,M\nB,,,F\nC,A,B,M\nD,A,B,F\nE,C,D,F\n")
    result = gene_drop(ped, ["E"], iterations=500, seed=1)
    assert result.uniqueness == (1.0,) and result.uniqueness_se == (0.0,)
    # a living founder keeps both of its alleles
    alive_founder = gene_drop(ped, ["A", "E"], iterations=100, seed=1).founder_table()
    assert alive_founder.loc["A", "retention"] == 1.0


def test_gene_drop_retention_matches_exact_probability_for_full_sib_offspring():
    # E = C x D, C and D full sibs of A x B. E carries 2 alleles drawn from A's and B's 4.
    # P(E carries both alleles of A) = P(C got A1 from A, D got A2 or vice versa...) computed by enumeration.
    ped = read_studbook("id,sire,dam,sex\nA,,,M\nB,,,F\nC,A,B,M\nD,A,B,F\nE,C,D,F\n")
    exact = 0.0
    for a_c in (0, 1):  # which allele of A went to C
        for a_d in (0, 1):  # which allele of A went to D
            for c_pass in (0, 1):  # C passes its A allele (0) or its B allele (1)
                for d_pass in (0, 1):
                    got = set()
                    if c_pass == 0:
                        got.add(a_c)
                    if d_pass == 0:
                        got.add(a_d)
                    exact += len(got) / 2 / 16
    result = gene_drop(ped, ["E"], iterations=40000, seed=3).founder_table()
    assert exact == pytest.approx(0.4375)
    assert abs(result.loc["A", "retention"] - exact) <= 5 * result.loc["A", "retention_se"]


def test_gene_drop_is_reproducible_and_seed_dependent():
    ped = read_studbook(synthetic_studbook(300, 6, seed=4))
    first = gene_drop(ped, iterations=300, seed=11)
    assert gene_drop(ped, iterations=300, seed=11) == first
    assert gene_drop(ped, iterations=300, seed=12) != first
    data = json.loads(json.dumps(first.to_dict()))
    assert GeneDropResult.from_dict(data) == first
    assert len(first.individuals) == int(ped.alive.sum())


def test_gene_drop_chunks_give_the_same_statistics(monkeypatch):
    import exsitu.founders as founders_module

    ped = read_studbook(synthetic_studbook(200, 5, seed=6))
    monkeypatch.setattr(founders_module, "_GENE_DROP_BYTES", 1)  # one iteration per chunk
    small = gene_drop(ped, iterations=400, seed=2)
    assert small.iterations == 400
    means = np.array(small.retention)
    assert ((means >= 0) & (means <= 1)).all()
    # mean retention over founders with living descendants is consistent with a big-chunk run
    monkeypatch.setattr(founders_module, "_GENE_DROP_BYTES", 64e6)
    big = gene_drop(ped, iterations=4000, seed=2)
    diff = np.abs(np.array(big.retention) - means)
    se = np.hypot(np.array(big.retention_se), np.array(small.retention_se))
    assert (diff <= 5 * se + 1e-12).all()


def test_founder_representation_table():
    table = founder_representation(read_studbook(T10), iterations=2000, seed=1)
    assert list(table.columns) == ["kind", "contribution", "retention", "retention_se"]
    assert table.loc["unknown dam of E", "kind"] == "unknown dam"
    assert table.loc["A", "kind"] == "founder"
    assert table["contribution"].sum() == pytest.approx(1.0)
    assert table.loc["X", "retention"] == 0.5


@pytest.mark.parametrize("kwargs, field", [({"iterations": 1}, "iterations"), ({"iterations": 2.5}, "iterations"),
                                           ({"seed": "abc"}, "seed")])
def test_gene_drop_bad_arguments(kwargs, field):
    with pytest.raises(InvalidInputError, match=f"^{field}: "):
        gene_drop(read_studbook(T10), **kwargs)
