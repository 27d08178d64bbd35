"""Audit of exsitu.pedigree against reference pedigrees and published values, independent of the code.

Sources of the expected values:

* textbook matings worked by hand as exact fractions (Falconer & Mackay, *Introduction to Quantitative
  Genetics*, ch. 5: full sibs 1/4, half sibs 1/8, first cousins 1/16, double first cousins 1/8, uncle–niece
  1/8, repeated full-sib mating F_t = (1 + 2F_{t-1} + F_{t-2})/4, selfing F_t = (1 + F_{t-1})/2) and
  re-derived here with **Wright's path-counting formula** F_X = Σ (1/2)^(n1 + n2 + 1)·(1 + F_A) — a different
  algorithm from the tabular method the package uses;
* the R package kinship2 (Sinnwell, Therneau & Schaid 2014; github.com/mayoverse/kinship2,
  tests/testthat/_snaps/kinship.md): the autosomal kinship matrix of its 10-person test pedigree "ped2";
* Lacy (1989, Zoo Biology 8:111–123) as used in the tests of the R package nprcgenekeepr
  (github.com/rmsharp/nprcgenekeepr, tests/testthat/test_calcFE.R, test_calcFEFG.R): founder equivalents
  2.9090909 and gene-drop founder genome equivalents ≈ 2.18 for its 7-animal pedigree;
* the domain file ``genetics-demography.md`` §6 (PMx conventions: mk includes self-kinship, GD = 1 − MK,
  FGE = 1/(2·MK); Ballou & Lacy 1995).

Conventions checked (and decided where tools differ):

* results are indexed by id and listed in the studbook's **row order** (as kinship2 and PMx report them);
* mean kinship of an individual averages over all the living **including itself** (PMx);
* gene diversity = 1 − mean of the living's mk; FGE = 1/(2·MK) (PMx; Ballou & Lacy 1995), which is not Lacy's
  (1989) gene-drop FGE 1/Σ(p²/r) — both are checked below;
* one unknown parent = a unique, unrelated, non-inbred phantom parent (kinship2, PMx): F = 0, and the phantom
  counts as a founder in founder contributions and founder equivalents;
* the living are the ``alive`` column, or — without one — those with no ``death_date``;
* a parent of sex U may be a sire or a dam (animals not yet sexed, hermaphrodites); a sire recorded F or a
  dam recorded M is an error naming the row.
"""

from __future__ import annotations

import io
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings

from exsitu.pedigree import (founder_contributions, founder_equivalents, founder_genome_equivalents, gene_diversity,
                             gene_drop, genome_uniqueness, inbreeding, kinship_among, kinship_matrix, mean_kinship,
                             pedigree_summary, rank_pairings, read_studbook)
from exsitu.validation import InvalidInputError

from tests.unit.test_pedigree import random_pedigrees

TOL = 1e-12
UNKNOWN = {"", "0", "UNK", "WILD"}


# ------------------------------------------------------------------ Wright's path-counting method (reference)


def _parents(text: str) -> dict[str, tuple[str | None, str | None]]:
    table = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    return {r.id: (None if r.sire.upper() in UNKNOWN else r.sire, None if r.dam.upper() in UNKNOWN else r.dam)
            for r in table.itertuples()}


def _paths_up(parents, start: str) -> list[tuple[str, ...]]:
    """Every path from ``start`` up to each of its ancestors (and the empty path to itself), as node tuples."""
    paths = [(start,)]
    frontier = [(start,)]
    while frontier:
        grown = []
        for path in frontier:
            for parent in parents[path[-1]]:
                if parent is not None:
                    grown.append(path + (parent,))
        paths += grown
        frontier = grown
    return paths


def wright_kinship(parents, i: str, j: str, memo: dict | None = None) -> Fraction:
    """Kinship by path counting: Σ over common ancestors A and pairs of paths i…A, j…A sharing only A of
    (1/2)^(n_i + n_j + 1)·(1 + F_A), with n the number of steps; f(i, i) = (1 + F_i)/2. Exact fractions."""
    memo = {} if memo is None else memo
    key = (i, j) if i <= j else (j, i)
    if key in memo:
        return memo[key]
    if i == j:
        value = (1 + wright_inbreeding(parents, i, memo)) / 2
    else:
        value = Fraction(0)
        up_j = _paths_up(parents, j)
        for left in _paths_up(parents, i):
            ancestor = left[-1]
            for right in up_j:
                if right[-1] != ancestor or set(left) & set(right) != {ancestor}:
                    continue
                steps = (len(left) - 1) + (len(right) - 1)
                value += Fraction(1, 2 ** (steps + 1)) * (1 + wright_inbreeding(parents, ancestor, memo))
    memo[key] = value
    return value


def wright_inbreeding(parents, i: str, memo: dict | None = None) -> Fraction:
    sire, dam = parents[i]
    if sire is None or dam is None:
        return Fraction(0)
    if sire == dam:  # selfing: F = f(P, P) = (1 + F_P)/2
        return (1 + wright_inbreeding(parents, sire, memo)) / 2
    return wright_kinship(parents, sire, dam, memo)


def wright_matrix(text: str) -> tuple[list[str], np.ndarray]:
    parents = _parents(text)
    ids = list(parents)
    memo: dict = {}
    return ids, np.array([[float(wright_kinship(parents, a, b, memo)) for b in ids] for a in ids])


# ------------------------------------------------------------------------------- textbook pedigrees

CASES = {
    # name: (studbook, {individual: F}, {(a, b): kinship})
    "full_sibs": ("id,sire,dam,sex\nA,,,M\nB,,,F\nC,A,B,M\nD,A,B,F\nE,C,D,U\n",
                  {"E": Fraction(1, 4)}, {("C", "D"): Fraction(1, 4), ("E", "E"): Fraction(5, 8)}),
    "half_sibs": ("id,sire,dam,sex\nA,,,M\nB,,,F\nX,,,F\nC,A,B,M\nD,A,X,F\nE,C,D,F\n",
                  {"E": Fraction(1, 8)}, {("C", "D"): Fraction(1, 8)}),
    "parent_offspring": ("id,sire,dam,sex\nA,,,M\nB,,,F\nC,A,B,F\nE,A,C,M\n",
                         {"E": Fraction(1, 4)}, {("A", "C"): Fraction(1, 4), ("E", "A"): Fraction(3, 8)}),
    "first_cousins": ("id,sire,dam,sex\nA,,,M\nB,,,F\nP,,,F\nQ,,,M\nC,A,B,M\nD,A,B,F\nE,C,P,M\nG,Q,D,F\n"
                      "H,E,G,U\n", {"H": Fraction(1, 16)}, {("E", "G"): Fraction(1, 16)}),
    "double_first_cousins": ("id,sire,dam,sex\nA,,,M\nB,,,F\nP,,,M\nQ,,,F\nC1,A,B,M\nC2,A,B,F\nD1,P,Q,M\n"
                             "D2,P,Q,F\nE,C1,D2,M\nG,D1,C2,F\nH,E,G,F\n",
                             {"H": Fraction(1, 8)}, {("E", "G"): Fraction(1, 8)}),
    "uncle_niece": ("id,sire,dam,sex\nA,,,M\nB,,,F\nX,,,M\nU,A,B,M\nS,A,B,F\nN,X,S,F\nK,U,N,U\n",
                    {"K": Fraction(1, 8)}, {("U", "N"): Fraction(1, 8)}),
    # half sibs through an inbred common ancestor A (F_A = 1/4): F = (1/2)^3 · (1 + 1/4) = 5/32
    "inbred_common_ancestor": ("id,sire,dam,sex\nP,,,M\nQ,,,F\nS,P,Q,M\nT,P,Q,F\nA,S,T,M\nM1,,,F\nM2,,,F\n"
                               "C,A,M1,M\nD,A,M2,F\nX,C,D,U\n", {"A": Fraction(1, 4), "X": Fraction(5, 32)},
                               {("C", "D"): Fraction(5, 32)}),
    # repeated backcrossing to the same sire: 1/4, 3/8, 7/16
    "backcross": ("id,sire,dam,sex\nA,,,M\nB,,,F\nO1,A,B,F\nO2,A,O1,F\nO3,A,O2,F\nO4,A,O3,F\n",
                  {"O1": Fraction(0), "O2": Fraction(1, 4), "O3": Fraction(3, 8), "O4": Fraction(7, 16)}, {}),
    # repeated full-sib mating (Falconer): 1/4, 3/8, 1/2, 19/32, 43/64
    "full_sib_series": ("id,sire,dam,sex\nA,,,M\nB,,,F\nC1,A,B,M\nD1,A,B,F\nC2,C1,D1,M\nD2,C1,D1,F\n"
                        "C3,C2,D2,M\nD3,C2,D2,F\nC4,C3,D3,M\nD4,C3,D3,F\nC5,C4,D4,M\nD5,C4,D4,F\nC6,C5,D5,U\n",
                        {"C2": Fraction(1, 4), "C3": Fraction(3, 8), "C4": Fraction(1, 2), "C5": Fraction(19, 32),
                         "C6": Fraction(43, 64)}, {}),
    # rows written offspring first and mixed (the package must not depend on row order)
    "rows_out_of_order": ("id,sire,dam,sex\nE,C,D,F\nC,A,B,M\nX,,,F\nD,A,B,F\nG,C,X,M\nA,,,M\nB,,,F\n",
                          {"E": Fraction(1, 4), "G": Fraction(0)},
                          {("E", "G"): Fraction(3, 16), ("C", "D"): Fraction(1, 4)}),
}


def test_full_sib_series_follows_falconer_recurrence():
    F = [Fraction(0), Fraction(0)]
    for _ in range(5):
        F.append((1 + 2 * F[-1] + F[-2]) / 4)
    assert F[2:] == [Fraction(1, 4), Fraction(3, 8), Fraction(1, 2), Fraction(19, 32), Fraction(43, 64)]


@pytest.mark.parametrize("name", sorted(CASES))
def test_textbook_inbreeding_and_kinship_by_hand_and_by_path_counting(name):
    text, expected_F, expected_k = CASES[name]
    ped = read_studbook(text)
    parents = _parents(text)
    for individual, value in expected_F.items():
        assert wright_inbreeding(parents, individual) == value, individual  # the reference agrees with the book
        for method in ("dense", "pruned", "meuwissen_luo"):
            assert inbreeding(ped, method=method)[individual] == pytest.approx(float(value), abs=TOL)
    K = kinship_matrix(ped)
    for (a, b), value in expected_k.items():
        assert wright_kinship(parents, a, b) == value, (a, b)
        assert K.loc[a, b] == pytest.approx(float(value), abs=TOL)
        assert K.loc[b, a] == K.loc[a, b]


@pytest.mark.parametrize("name", sorted(CASES))
def test_whole_matrix_equals_path_counting_in_studbook_row_order(name):
    text = CASES[name][0]
    ids, reference = wright_matrix(text)
    ped = read_studbook(text)
    K = kinship_matrix(ped)
    assert list(K.index) == list(K.columns) == ids  # the studbook's row order, as written
    np.testing.assert_allclose(K.to_numpy(), reference, rtol=0, atol=TOL)
    F = inbreeding(ped)
    assert list(F.index) == ids
    np.testing.assert_allclose(F.to_numpy(), 2 * np.diag(reference) - 1, rtol=0, atol=TOL)
    # self-kinship is (1 + F)/2
    np.testing.assert_allclose(np.diag(K.to_numpy()), (1 + F.to_numpy()) / 2, rtol=0, atol=TOL)


def test_selfing_series_by_path_counting():
    text = "id,sire,dam,sex\nP,,,U\nS1,P,P,U\nS2,S1,S1,U\nS3,S2,S2,U\n"
    ped = read_studbook(text, allow_selfing=True)
    F = inbreeding(ped)
    for individual, value in {"S1": 0.5, "S2": 0.75, "S3": 0.875}.items():
        assert F[individual] == pytest.approx(value, abs=TOL)
        assert float(wright_inbreeding(_parents(text), individual)) == value


# ------------------------------------------------------------------------ kinship2 published matrix

# kinship2 tests/testthat/_snaps/kinship.md, kinship(ped2): ids 1..10 (fam, id, dadid, momid, sex as in
# test-kinship.R). 8 and 9 are declared monozygotic twins there, so every value involving 9 is the twin
# value; this package has no twin relation, so 9 is checked separately as an ordinary full sib of 8.
KINSHIP2_PED2 = """id,sire,dam,sex
1,0,0,M
2,0,0,F
3,1,2,M
4,1,2,F
5,0,0,F
6,0,0,M
7,3,5,F
8,6,4,M
9,6,4,M
10,8,7,F
"""
KINSHIP2_PED2_MATRIX = np.array([
    [0.500, 0, 0.2500, 0.2500, 0, 0, 0.12500, 0.12500, 0.12500, 0.12500],
    [0, 0.500, 0.2500, 0.2500, 0, 0, 0.12500, 0.12500, 0.12500, 0.12500],
    [0.250, 0.250, 0.5000, 0.2500, 0, 0, 0.25000, 0.12500, 0.12500, 0.18750],
    [0.250, 0.250, 0.2500, 0.5000, 0, 0, 0.12500, 0.25000, 0.25000, 0.18750],
    [0, 0, 0, 0, 0.500, 0, 0.25000, 0, 0, 0.12500],
    [0, 0, 0, 0, 0, 0.500, 0, 0.25000, 0.25000, 0.12500],
    [0.125, 0.125, 0.2500, 0.1250, 0.250, 0, 0.50000, 0.06250, 0.06250, 0.28125],
    [0.125, 0.125, 0.1250, 0.2500, 0, 0.250, 0.06250, 0.50000, 0.50000, 0.28125],
    [0.125, 0.125, 0.1250, 0.2500, 0, 0.250, 0.06250, 0.50000, 0.50000, 0.28125],
    [0.125, 0.125, 0.1875, 0.1875, 0.125, 0.125, 0.28125, 0.28125, 0.28125, 0.53125],
])


def test_kinship2_ped2_matrix_in_its_row_order():
    K = kinship_matrix(read_studbook(KINSHIP2_PED2))
    assert list(K.index) == list(range(1, 11)) and K.index.dtype == np.int64  # integer ids in the CSV
    values = K.to_numpy()
    keep = [k for k in range(10) if k != 8]  # all but id 9 (an MZ twin in kinship2's test)
    np.testing.assert_allclose(values[np.ix_(keep, keep)], KINSHIP2_PED2_MATRIX[np.ix_(keep, keep)], rtol=0,
                               atol=TOL)
    # 9 as an ordinary full sib of 8: its kinships with everyone but 8, 9, 10 equal 8's (same parents)
    others = [k for k in range(10) if k not in (7, 8, 9)]
    np.testing.assert_allclose(values[8, others], KINSHIP2_PED2_MATRIX[7, others], rtol=0, atol=TOL)
    assert K.loc[8, 9] == pytest.approx(0.25, abs=TOL) and K.loc[9, 9] == pytest.approx(0.5, abs=TOL)
    assert K.loc[9, 10] == pytest.approx((0.25 + 0.0625) / 2, abs=TOL)  # (f(9,8) + f(9,7)) / 2
    assert inbreeding(read_studbook(KINSHIP2_PED2))[10] == pytest.approx(0.0625, abs=TOL)  # 2·0.53125 − 1


def test_kinship2_ped2_with_unknown_parents_written_every_way():
    for token in ("", "UNK", "wild", "0"):
        text = KINSHIP2_PED2.replace(",0,0,", f",{token},{token},")
        np.testing.assert_allclose(kinship_matrix(read_studbook(text)).to_numpy()[:8, :8],
                                   KINSHIP2_PED2_MATRIX[:8, :8], rtol=0, atol=TOL)


# --------------------------------------------------------------- Lacy (1989): fe, FGE two ways, gene drop

LACY_1989 = """id,sire,dam,sex,alive
A,,,M,no
B,,,F,no
C,A,B,M,yes
D,A,B,M,yes
E,,,F,no
F,D,E,M,yes
G,D,E,F,yes
"""


def test_lacy_1989_founder_equivalents_published_value():
    ped = read_studbook(LACY_1989)
    p = founder_contributions(ped)
    # by hand: living C, D (½ A, ½ B each) and F, G (¼ A, ¼ B, ½ E each) → p = 3/8, 3/8, 1/4
    assert p.to_dict() == pytest.approx({"A": 0.375, "B": 0.375, "E": 0.25}, abs=1e-15)
    assert founder_equivalents(ped) == pytest.approx(32 / 11, abs=TOL)
    assert founder_equivalents(ped) == pytest.approx(2.9090909091, abs=1e-10)  # nprcgenekeepr; Lacy: 2.91


def test_lacy_1989_mean_kinship_gd_and_pmx_fge():
    ped = read_studbook(LACY_1989)
    mk = mean_kinship(ped)
    # kinships among C, D, F, G worked by hand; mk includes self-kinship 0.5
    expected = {"C": (0.5 + 0.25 + 0.125 + 0.125) / 4, "D": (0.25 + 0.5 + 0.25 + 0.25) / 4,
                "F": (0.125 + 0.25 + 0.5 + 0.25) / 4, "G": (0.125 + 0.25 + 0.25 + 0.5) / 4}
    assert list(mk.index) == ["C", "D", "F", "G"]
    assert mk.to_dict() == pytest.approx(expected, abs=TOL)
    MK = sum(expected.values()) / 4  # 9/32
    assert gene_diversity(ped) == pytest.approx(1 - MK, abs=TOL)
    assert founder_genome_equivalents(ped) == pytest.approx(1 / (2 * MK), abs=TOL) == pytest.approx(16 / 9)
    summary = pedigree_summary(ped)
    assert summary.gene_diversity == pytest.approx(23 / 32, abs=TOL)
    assert summary.founder_equivalents == pytest.approx(32 / 11, abs=TOL)
    # FGE ≤ fe: drift among the descendants loses more than unequal founder use alone
    assert summary.founder_genome_equivalents < summary.founder_equivalents


def test_lacy_1989_gene_drop_founder_genome_equivalents_about_2_18():
    ped = read_studbook(LACY_1989)
    result = gene_drop(ped, iterations=20000, seed=1989)
    table = result.founder_table()
    # each founder has two living offspring-lines, so both its alleles survive with probability 1/2: r = 3/4
    for founder in ("A", "B", "E"):
        se = table.loc[founder, "retention_se"]
        assert se > 0 and abs(table.loc[founder, "retention"] - 0.75) <= 5 * se, founder
    p = founder_contributions(ped)
    fg = 1 / float(np.sum(p.to_numpy() ** 2 / table.loc[p.index, "retention"].to_numpy()))
    assert fg == pytest.approx(24 / 11, abs=0.03)  # exact 2.1818; Lacy (1989) reports 2.18
    assert abs(fg - 2.18) < 0.05


# ------------------------------------------------------------------------- living and unknown parents


def test_mean_kinship_includes_self_and_gd_is_one_minus_mean_mk():
    ped = read_studbook("id,sire,dam,sex\nA,,,M\nB,,,F\nC,A,B,M\nD,A,B,F\n")
    mk = mean_kinship(ped, ["C", "D"])
    assert mk.to_dict() == pytest.approx({"C": 0.375, "D": 0.375}, abs=TOL)  # (0.5 + 0.25) / 2, not 0.25
    assert gene_diversity(ped, ["C", "D"]) == pytest.approx(0.625, abs=TOL)
    assert founder_genome_equivalents(ped, ["C", "D"]) == pytest.approx(4 / 3, abs=TOL)
    # N unrelated founders alive: MK = 1/(2N), GD = 1 − 1/(2N), FGE = N
    for n in (1, 2, 5, 10):
        book = "id,sire,dam,sex\n" + "".join(f"f{k},,,U\n" for k in range(n))
        ids = [f"f{k}" for k in range(n)]
        assert gene_diversity(read_studbook(book), ids) == pytest.approx(1 - 1 / (2 * n), abs=TOL)
        assert founder_genome_equivalents(read_studbook(book), ids) == pytest.approx(n, abs=1e-10)
        assert founder_equivalents(read_studbook(book), ids) == pytest.approx(n, abs=1e-10)


def test_results_follow_studbook_row_order_and_living_order_does_not_matter():
    text = CASES["rows_out_of_order"][0]
    ped = read_studbook(text)
    mk = mean_kinship(ped, ["G", "A", "E"])
    assert list(mk.index) == ["E", "G", "A"]  # the order of the rows in the studbook
    among = kinship_among(ped, ["G", "A", "E"])
    assert list(among.index) == list(among.columns) == ["E", "G", "A"]
    np.testing.assert_allclose(among.to_numpy().mean(axis=1), mk.to_numpy(), rtol=0, atol=TOL)
    # a plain True/False list cannot be matched to rows when the rows are not parents-first: refused, not guessed
    with pytest.raises(InvalidInputError, match="^living: .*ambiguous"):
        mean_kinship(ped, [True] * 7)
    # an id-indexed boolean Series is unambiguous
    alive = pd.Series([i in {"E", "G", "A"} for i in "ECXDGAB"], index=list("ECXDGAB"))
    pd.testing.assert_series_equal(mean_kinship(ped, alive), mk)


def test_living_from_alive_column_or_death_date():
    by_death = read_studbook("id,sire,dam,sex,death_date\nA,,,M,2001-05-01\nB,,,F,\nC,A,B,M,\n")
    assert list(mean_kinship(by_death).index) == ["B", "C"]
    by_alive = read_studbook("id,sire,dam,sex,alive,death_date\nA,,,M,no,2001-05-01\nB,,,F,no,\nC,A,B,M,yes,\n")
    assert list(mean_kinship(by_alive).index) == ["C"]  # the alive column wins (B left without a death date)
    # a blank alive cell falls back on the death date; without a death_date column it is an error
    mixed = read_studbook("id,sire,dam,sex,alive,death_date\nA,,,M,,2001-05-01\nB,,,F,,\nC,A,B,M,no,\n")
    assert mixed.alive.tolist() == [False, True, False]
    with pytest.raises(InvalidInputError, match=r"^studbook row 2 \(id 'B'\): alive '' is not yes/no"):
        read_studbook("id,sire,dam,sex,alive\nA,,,M,yes\nB,,,F,\n")
    with pytest.raises(InvalidInputError, match=r"^studbook row 1 \(id 'A'\): is marked alive but has a death"):
        read_studbook("id,sire,dam,sex,alive,death_date\nA,,,M,yes,2001-05-01\n")


def test_one_unknown_parent_is_a_unique_phantom_founder():
    unknown = "id,sire,dam,sex,alive\nA,,,M,no\nB,,,F,no\nC,A,UNK,F,yes\nD,A,WILD,F,yes\nE,,B,M,yes\n"
    phantom = ("id,sire,dam,sex,alive\nA,,,M,no\nB,,,F,no\nPC,,,F,no\nPD,,,F,no\nPE,,,M,no\n"
               "C,A,PC,F,yes\nD,A,PD,F,yes\nE,PE,B,M,yes\n")
    ped_u, ped_p = read_studbook(unknown), read_studbook(phantom)
    F = inbreeding(ped_u)
    assert (F == 0).all()
    K_u, K_p = kinship_matrix(ped_u), kinship_matrix(ped_p).loc[list("ABCDE"), list("ABCDE")]
    np.testing.assert_allclose(K_u.to_numpy(), K_p.to_numpy(), rtol=0, atol=TOL)
    assert K_u.loc["C", "D"] == pytest.approx(0.125, abs=TOL)  # paternal half sibs: the unknown dams differ
    assert gene_diversity(ped_u) == pytest.approx(gene_diversity(ped_p), abs=TOL)
    # founders: A, B and one phantom per unknown parent, each with its own contribution
    p_u = founder_contributions(ped_u)
    p_p = founder_contributions(ped_p)
    assert p_u.to_dict() == pytest.approx({"A": 1 / 3, "B": 1 / 6, "unknown dam of C": 1 / 6,
                                           "unknown dam of D": 1 / 6, "unknown sire of E": 1 / 6}, abs=1e-15)
    assert sorted(p_u.to_numpy()) == pytest.approx(sorted(p_p.to_numpy()), abs=1e-15)
    assert founder_equivalents(ped_u) == pytest.approx(founder_equivalents(ped_p), abs=TOL)
    assert founder_equivalents(ped_u) == pytest.approx(1 / (1 / 9 + 4 / 36), abs=TOL)
    summary = pedigree_summary(ped_u)
    assert summary.n_founders == 2 and summary.n_unknown_parents == 3 and summary.n_contributing_founders == 5


def test_sex_u_may_be_sire_or_dam_but_wrong_sex_is_an_error_naming_the_row():
    ped = read_studbook("id,sire,dam,sex\nS,,,U\nD,,,U\nK,S,D,M\n")
    assert inbreeding(ped)["K"] == 0.0 and kinship_matrix(ped).loc["S", "K"] == pytest.approx(0.25)
    with pytest.raises(InvalidInputError, match=r"^studbook row 3 \(id 'K'\): sire 'S' is recorded as female"):
        read_studbook("id,sire,dam,sex\nS,,,F\nD,,,F\nK,S,D,M\n")
    with pytest.raises(InvalidInputError, match=r"^studbook row 3 \(id 'K'\): dam 'D' is recorded as male"):
        read_studbook("id,sire,dam,sex\nS,,,M\nD,,,M\nK,S,D,M\n")


@pytest.mark.parametrize("text, message", [
    ("id,sire,dam,sex\nA,,,M\nB,,,F\nB,A,,F\n", r"^studbook row 3 \(id 'B'\): duplicate id"),
    ("id,sire,dam,sex\nA,,,M\nC,A,Z,F\n", r"^studbook row 2 \(id 'C'\): dam 'Z' is not in the studbook"),
    ("id,sire,dam,sex\nA,B,,M\nB,A,,M\n", r"^studbook row 1 \(id 'A'\): is its own ancestor"),
    ("id,sire,dam,sex,birth_date\nA,,,M,2020-01-01\nB,,,F,2010-01-01\nC,A,B,F,2015-06-01\n",
     r"^studbook row 3 \(id 'C'\): sire 'A' was born \(2020-01-01\) after its offspring"),
])
def test_studbook_errors_name_the_row(text, message):
    with pytest.raises(InvalidInputError, match=message):
        read_studbook(text)


# ------------------------------------------------------------------------ gene drop and pairing


def test_genome_uniqueness_of_full_sibs_is_one_half():
    # living C, D (full sibs; parents dead): C's paternal allele is unique iff D got A's other allele (1/2),
    # likewise maternal → GU = 1/2 each. A lone living individual's alleles are all unique: GU = 1.
    ped = read_studbook("id,sire,dam,sex,alive\nA,,,M,no\nB,,,F,no\nC,A,B,M,yes\nD,A,B,F,yes\n")
    table = gene_drop(ped, iterations=20000, seed=5).uniqueness_table()
    for individual in ("C", "D"):
        se = table.loc[individual, "genome_uniqueness_se"]
        assert se == pytest.approx(np.sqrt(0.125 / 20000), rel=0.05)  # GU ∈ {0, ½, 1} w.p. ¼, ½, ¼: SD² = 1/8
        assert abs(table.loc[individual, "genome_uniqueness"] - 0.5) <= 5 * se
    lone = gene_drop(ped, ["C"], iterations=50, seed=5)
    assert lone.uniqueness == (1.0,)
    again = gene_drop(ped, iterations=20000, seed=5)
    assert again == gene_drop(ped, iterations=20000, seed=5)  # the seed makes it reproducible
    gu = genome_uniqueness(ped, iterations=20000, seed=5)
    pd.testing.assert_frame_equal(gu, table)
    assert list(gu.columns) == ["genome_uniqueness", "genome_uniqueness_se"] and list(gu.index) == ["C", "D"]


def test_pairing_minimises_offspring_mk_and_reports_offspring_f_by_adding_the_offspring():
    text = ("id,sire,dam,sex,alive\nA,,,M,no\nB,,,F,no\nX,,,F,no\nY,,,M,no\nC,A,B,M,yes\nD,A,B,F,yes\n"
            "G,A,X,M,yes\nH,Y,X,F,yes\nJ,C,H,F,yes\n")
    ped = read_studbook(text)
    pairs = rank_pairings(ped)
    living = ["C", "D", "G", "H", "J"]
    results = []
    for row in pairs.itertuples():
        book = text + f"NEW,{row.sire},{row.dam},U,no\n"
        bigger = read_studbook(book)
        K = kinship_matrix(bigger)
        offspring_mk = K.loc["NEW", living].mean()  # mean kinship of the offspring with the living
        assert row.mean_mk == pytest.approx(offspring_mk, abs=TOL)
        assert row.offspring_mk == row.mean_mk
        assert row.offspring_inbreeding == pytest.approx(inbreeding(bigger)["NEW"], abs=TOL)
        results.append(offspring_mk)
    assert results == sorted(results)  # ranked from the lowest offspring mk
    assert set(zip(pairs["sire"], pairs["dam"])) == {(s, d) for s in ("C", "G") for d in ("D", "H", "J")}


def small_pedigrees():
    """test_pedigree's random pedigrees, at most 10 individuals (path counting is exponential), as CSV text."""
    return random_pedigrees(max_size=10).map(lambda table: table.to_csv(index=False))


@settings(max_examples=40, deadline=None)
@given(small_pedigrees())
def test_random_pedigrees_match_path_counting(text):
    ids, reference = wright_matrix(text)
    ped = read_studbook(text)
    K = kinship_matrix(ped)
    assert list(K.index) == ids
    np.testing.assert_allclose(K.to_numpy(), reference, rtol=0, atol=TOL)
    for method in ("pruned", "meuwissen_luo"):
        np.testing.assert_allclose(inbreeding(ped, method=method).to_numpy(), 2 * np.diag(reference) - 1,
                                   rtol=0, atol=TOL)
    np.testing.assert_allclose(mean_kinship(ped, ids, method="colleau").to_numpy(), reference.mean(axis=1),
                               rtol=0, atol=TOL)
