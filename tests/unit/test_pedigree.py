"""exsitu.pedigree: reading/checking studbooks, kinship, F and mean kinship.

Every route (dense, pruned, Meuwissen–Luo, Colleau) is compared with a slow, straightforward tabular
method written here from the recursive rule of the domain file §6, on hand-built loopy pedigrees and random
ones, to 1e-12; hand-worked values come from the domain file (worked pedigree T10) and textbook matings.
"""

from __future__ import annotations

import io
import json

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import exsitu.kinship as kinship_module
from exsitu.pedigree import (Pedigree, PedigreeSummary, founder_genome_equivalents, gene_diversity, inbreeding,
                             kinship_among, kinship_matrix, mean_kinship, pedigree_summary, read_studbook,
                             relationship_product, synthetic_studbook)
from exsitu.validation import InvalidInputError

TOL = 1e-12


# ------------------------------------------------------------------------------------ reference method


def reference_kinship(rows: list[tuple[str, str | None, str | None]]) -> dict[str, dict[str, float]]:
    """Tabular method, plain Python: f(i,j) = (f(s_i,j) + f(d_i,j))/2, f(i,i) = (1 + f(s_i,d_i))/2.

    ``rows`` are (id, sire, dam) with None for an unknown parent, in any order.
    """
    parents = {i: (s, d) for i, s, d in rows}
    order: list[str] = []
    placed: set[str] = set()

    def place(i: str) -> None:
        if i in placed:
            return
        for p in parents[i]:
            if p is not None:
                place(p)
        placed.add(i)
        order.append(i)

    for i, _, _ in rows:
        place(i)
    K: dict[str, dict[str, float]] = {i: {} for i in order}
    for position, i in enumerate(order):
        s, d = parents[i]
        for j in order[:position]:
            value = 0.5 * ((K[s][j] if s is not None else 0.0) + (K[d][j] if d is not None else 0.0))
            K[i][j] = value
            K[j][i] = value
        K[i][i] = 0.5 * (1.0 + (K[s][d] if s is not None and d is not None else 0.0))
    return K


def rows_of(table: pd.DataFrame) -> list[tuple[str, str | None, str | None]]:
    def parent(value: str) -> str | None:
        return None if value.strip().upper() in {"", "0", "UNK", "WILD"} else value

    return [(str(r.id), parent(str(r.sire)), parent(str(r.dam))) for r in table.itertuples()]


def reference_matrix(table: pd.DataFrame, ids) -> np.ndarray:
    K = reference_kinship(rows_of(table))
    return np.array([[K[a][b] for b in ids] for a in ids])


def studbook(text: str) -> pd.DataFrame:
    return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)


T10 = """id,sire,dam,sex
A,,,M
B,,,F
X,,,F
C,A,B,M
D,A,B,F
G,A,X,M
E,C,D,F
"""

LOOPS = {
    "full_sib": ("id,sire,dam,sex\nA,,,M\nB,,,F\nC,A,B,M\nD,A,B,F\nE,C,D,U\n", {"E": 0.25}),
    "half_sib": ("id,sire,dam,sex\nA,,,M\nB,,,F\nX,,,F\nC,A,B,M\nD,A,X,F\nE,C,D,F\n", {"E": 0.125}),
    "parent_offspring": ("id,sire,dam,sex\nA,,,M\nB,,,F\nC,A,B,F\nE,A,C,M\n", {"E": 0.25}),
    "double_first_cousins": (
        "id,sire,dam,sex\nA,,,M\nB,,,F\nP,,,M\nQ,,,F\nC1,A,B,M\nC2,A,B,F\nD1,P,Q,M\nD2,P,Q,F\n"
        "E,C1,D2,M\nG,D1,C2,F\nH,E,G,F\n", {"H": 0.125}),
    # repeated full-sib mating: F_t = (1 + 2F_{t-1} + F_{t-2})/4 → 0.25, 0.375, 0.5, 0.59375
    "full_sib_series": (
        "id,sire,dam,sex\nA,,,M\nB,,,F\nC1,A,B,M\nD1,A,B,F\nC2,C1,D1,M\nD2,C1,D1,F\nC3,C2,D2,M\nD3,C2,D2,F\n"
        "C4,C3,D3,M\nD4,C3,D3,F\nC5,C4,D4,M\n", {"C2": 0.25, "C3": 0.375, "C4": 0.5, "C5": 0.59375}),
    # repeated backcross to the same sire: F_t = (1/2 + F_{t-1}-kinship)/2 → 0.25, 0.375, 0.4375
    "backcross_series": (
        "id,sire,dam,sex\nA,,,M\nB,,,F\nO1,A,B,F\nO2,A,O1,F\nO3,A,O2,F\nO4,A,O3,F\n",
        {"O1": 0.0, "O2": 0.25, "O3": 0.375, "O4": 0.4375}),
    # overlapping generations: a grandsire mates his granddaughter, one parent unknown elsewhere
    "overlapping": (
        "id,sire,dam,sex\nA,,,M\nB,,,F\nC,A,B,M\nW,UNK,B,F\nD,C,W,F\nE,A,D,F\nG,C,E,M\nH,G,,F\n",
        # F_D = f(C,W) = 1/8 (half sibs via B); F_E = f(A,D) = (f(A,C) + f(A,W))/2 = 1/8;
        # F_G = f(C,E) = (f(C,A) + f(C,D))/2 = (1/4 + (1/2 + 1/8)/2)/2 = 9/32
        {"D": 0.125, "E": 0.125, "G": 9 / 32, "H": 0.0}),
}


# -------------------------------------------------------------------------------- hand-worked values


def test_domain_worked_pedigree_t10_kinships():
    ped = read_studbook(T10)
    K = kinship_matrix(ped)
    assert K.loc["A", "A"] == pytest.approx(0.5, abs=TOL)
    assert K.loc["C", "A"] == pytest.approx(0.25, abs=TOL)
    assert K.loc["C", "D"] == pytest.approx(0.25, abs=TOL)
    assert K.loc["C", "G"] == pytest.approx(0.125, abs=TOL)
    assert inbreeding(ped)["E"] == pytest.approx(0.25, abs=TOL)
    assert K.loc["E", "E"] == pytest.approx(0.625, abs=TOL)
    assert K.loc["E", "A"] == pytest.approx(0.25, abs=TOL)
    assert (K.to_numpy() == K.to_numpy().T).all()


@pytest.mark.parametrize("method", ["dense", "colleau", "sparse", "auto"])
def test_domain_worked_pedigree_t10_mean_kinship_gd_fge(method):
    ped = read_studbook(T10)
    mk = mean_kinship(ped, ["C", "D", "G"], method=method)
    assert list(mk.index) == ["C", "D", "G"]
    assert mk["C"] == pytest.approx(0.291667, abs=1e-6)
    assert mk["D"] == pytest.approx(0.291667, abs=1e-6)
    assert mk["G"] == pytest.approx(0.25, abs=TOL)
    assert mk.mean() == pytest.approx(0.277778, abs=1e-6)
    assert gene_diversity(ped, ["C", "D", "G"], method=method) == pytest.approx(0.722222, abs=1e-6)
    assert founder_genome_equivalents(ped, ["C", "D", "G"], method=method) == pytest.approx(1.8, abs=1e-12)
    # founders A, B alone: MK = 0.25, GD = 0.75 = 1 - 1/(2*2)
    assert gene_diversity(ped, ["A", "B"], method=method) == pytest.approx(0.75, abs=TOL)


@pytest.mark.parametrize("name", sorted(LOOPS))
@pytest.mark.parametrize("method", ["dense", "pruned", "meuwissen_luo", "auto"])
def test_inbreeding_of_classic_matings(name, method):
    text, expected = LOOPS[name]
    F = inbreeding(read_studbook(text), method=method)
    for individual, value in expected.items():
        assert F[individual] == pytest.approx(value, abs=TOL), individual


@pytest.mark.parametrize("name", sorted(LOOPS))
def test_loopy_pedigrees_match_reference_everywhere(name):
    table = studbook(LOOPS[name][0])
    ped = read_studbook(table)
    ids = list(table["id"])  # results follow the studbook's row order
    reference = reference_matrix(table, ids)
    np.testing.assert_allclose(kinship_matrix(ped).to_numpy(), reference, rtol=0, atol=TOL)
    F_ref = 2 * np.diag(reference) - 1
    for method in ("dense", "pruned", "meuwissen_luo"):
        np.testing.assert_allclose(inbreeding(ped, method=method).to_numpy(), F_ref, rtol=0, atol=TOL)
    living = ids[len(ids) // 2:]
    where = [ids.index(i) for i in living]
    mk_ref = reference[np.ix_(where, where)].mean(axis=1)
    for method in ("dense", "colleau"):
        np.testing.assert_allclose(mean_kinship(ped, living, method=method).to_numpy(), mk_ref, rtol=0, atol=TOL)
    for method in ("dense", "pruned"):
        np.testing.assert_allclose(kinship_among(ped, living, method=method).to_numpy(),
                                   reference[np.ix_(where, where)], rtol=0, atol=TOL)


def test_selfing_is_exact_when_allowed():
    text = "id,sire,dam,sex\nP,,,U\nS1,P,P,U\nS2,S1,S1,U\nQ,,,U\nX,S2,Q,U\n"
    ped = read_studbook(text, allow_selfing=True)
    F = inbreeding(ped, method="dense")
    assert F["S1"] == pytest.approx(0.5, abs=TOL)  # F_t = (1 + F_{t-1}) / 2
    assert F["S2"] == pytest.approx(0.75, abs=TOL)
    reference = reference_matrix(studbook(text), list(studbook(text)["id"]))
    np.testing.assert_allclose(kinship_matrix(ped).to_numpy(), reference, atol=TOL, rtol=0)
    for method in ("pruned", "meuwissen_luo"):
        np.testing.assert_allclose(inbreeding(ped, method=method).to_numpy(), F.to_numpy(), atol=TOL, rtol=0)
    np.testing.assert_allclose(mean_kinship(ped, ["S2", "X"], method="colleau").to_numpy(),
                               mean_kinship(ped, ["S2", "X"], method="dense").to_numpy(), atol=TOL, rtol=0)


def test_one_unknown_parent_equals_an_explicit_unique_phantom_parent():
    with_unknown = "id,sire,dam,sex\nA,,,M\nB,,,F\nC,A,,F\nD,A,,F\nE,A,C,M\nG,E,D,F\n"
    with_phantoms = ("id,sire,dam,sex\nA,,,M\nB,,,F\nPC,,,F\nPD,,,F\nC,A,PC,F\nD,A,PD,F\nE,A,C,M\nG,E,D,F\n")
    K1 = kinship_matrix(read_studbook(with_unknown))
    K2 = kinship_matrix(read_studbook(with_phantoms)).loc[K1.index, K1.columns]
    np.testing.assert_allclose(K1.to_numpy(), K2.to_numpy(), atol=TOL, rtol=0)
    assert K1.loc["C", "D"] == pytest.approx(0.125, abs=TOL)  # paternal half sibs, not full sibs
    assert inbreeding(read_studbook(with_unknown))["C"] == 0.0


# ------------------------------------------------------------------------------------ random pedigrees


@st.composite
def random_pedigrees(draw, max_size: int = 35):
    """Random loopy pedigrees of 1–max_size individuals, rows shuffled, parents of sex M/U and F/U."""
    n = draw(st.integers(min_value=1, max_value=max_size))
    sexes = draw(st.lists(st.sampled_from("MFU"), min_size=n, max_size=n))
    rows = []
    for i in range(n):
        males = [j for j in range(i) if sexes[j] in "MU"]
        females = [j for j in range(i) if sexes[j] in "FU"]
        sire = draw(st.one_of(st.none(), st.sampled_from(males))) if males else None
        dam_choices = [j for j in females if j != sire]
        dam = draw(st.one_of(st.none(), st.sampled_from(dam_choices))) if dam_choices else None
        rows.append((f"i{i}", "" if sire is None else f"i{sire}", "0" if dam is None else f"i{dam}", sexes[i]))
    shuffled = draw(st.permutations(rows))
    return pd.DataFrame(shuffled, columns=["id", "sire", "dam", "sex"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(random_pedigrees(), st.data())
def test_random_pedigrees_match_reference(table, data):
    ped = read_studbook(table)
    ids = list(table["id"])  # results follow the studbook's row order
    reference = reference_matrix(table, ids)
    np.testing.assert_allclose(kinship_matrix(ped).to_numpy(), reference, rtol=0, atol=TOL)
    F_ref = 2 * np.diag(reference) - 1
    for method in ("dense", "pruned", "meuwissen_luo"):
        np.testing.assert_allclose(inbreeding(ped, method=method).to_numpy(), F_ref, rtol=0, atol=TOL)
    living = data.draw(st.lists(st.sampled_from(ids), min_size=1, unique=True))
    where = [ids.index(i) for i in living]
    order = np.argsort(where)
    sub = reference[np.ix_(where, where)][np.ix_(order, order)]
    for method in ("dense", "colleau"):
        np.testing.assert_allclose(mean_kinship(ped, living, method=method).to_numpy(), sub.mean(axis=1),
                                   rtol=0, atol=TOL)
    np.testing.assert_allclose(kinship_among(ped, living, method="pruned").to_numpy(), sub, rtol=0, atol=TOL)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_synthetic_studbooks_all_routes_agree_with_reference(seed):
    table = synthetic_studbook(260, 8, n_founders=6, breeding_fraction=0.5, unknown_sire_rate=0.05,
                               unknown_sex_rate=0.02, seed=seed)
    ped = read_studbook(table)
    ids = list(table["id"])  # results follow the studbook's row order
    reference = reference_matrix(table, ids)
    assert (2 * np.diag(reference) - 1).max() > 0.2  # the synthetic population is loopy
    np.testing.assert_allclose(kinship_matrix(ped).to_numpy(), reference, rtol=0, atol=TOL)
    F_ref = 2 * np.diag(reference) - 1
    for method in ("dense", "pruned", "meuwissen_luo"):
        np.testing.assert_allclose(inbreeding(ped, method=method).to_numpy(), F_ref, rtol=0, atol=TOL)
    living = np.flatnonzero(ped.alive[ped.row_order])
    mk_ref = reference[np.ix_(living, living)].mean(axis=1)
    for method in ("dense", "colleau"):
        np.testing.assert_allclose(mean_kinship(ped, method=method).to_numpy(), mk_ref, rtol=0, atol=TOL)


@pytest.mark.parametrize("block_rows", [1, 2, 7])
def test_generations_split_into_small_blocks_give_the_same_result(monkeypatch, block_rows):
    # big generations are computed in blocks of rows; force tiny blocks to exercise the joins between blocks
    table = synthetic_studbook(150, 5, n_founders=9, breeding_fraction=0.7, unknown_sire_rate=0.05, seed=8)
    ped = read_studbook(table)
    ids = list(table["id"])  # results follow the studbook's row order
    reference = reference_matrix(table, ids)
    monkeypatch.setattr(kinship_module, "_BLOCK_ROWS", block_rows)
    np.testing.assert_allclose(kinship_matrix(ped).to_numpy(), reference, rtol=0, atol=TOL)
    np.testing.assert_allclose(inbreeding(ped, method="pruned").to_numpy(), 2 * np.diag(reference) - 1,
                               rtol=0, atol=TOL)
    living = np.flatnonzero(ped.alive[ped.row_order])
    np.testing.assert_allclose(kinship_among(ped, method="pruned").to_numpy(),
                               reference[np.ix_(living, living)], rtol=0, atol=TOL)


def test_auto_switches_route_above_the_size_limit_and_falls_back_under_memory_limit(monkeypatch):
    table = synthetic_studbook(400, 8, n_founders=6, seed=4)
    ped = read_studbook(table)
    dense_F = inbreeding(ped, method="dense")
    dense_mk = mean_kinship(ped, method="dense")
    monkeypatch.setattr(kinship_module, "AUTO_DENSE_LIMIT", 10)
    calls = []
    original = kinship_module._dense_kinship
    monkeypatch.setattr(kinship_module, "_dense_kinship", lambda p: calls.append(1) or original(p))
    np.testing.assert_allclose(inbreeding(ped).to_numpy(), dense_F.to_numpy(), atol=TOL, rtol=0)
    np.testing.assert_allclose(mean_kinship(ped).to_numpy(), dense_mk.to_numpy(), atol=TOL, rtol=0)
    assert calls == []  # the matrix-free routes were used
    monkeypatch.setattr(kinship_module, "PRUNED_MEMORY_LIMIT", 1.0)
    used = []
    ml = kinship_module._meuwissen_luo
    monkeypatch.setattr(kinship_module, "_meuwissen_luo", lambda p: used.append(1) or ml(p))
    ped = read_studbook(table)  # a new Pedigree: F of the first one is kept while it is in use
    np.testing.assert_allclose(inbreeding(ped).to_numpy(), dense_F.to_numpy(), atol=TOL, rtol=0)
    assert used == [1]


def test_matrix_free_inbreeding_is_computed_once_per_pedigree(monkeypatch):
    table = synthetic_studbook(400, 8, n_founders=6, seed=4)
    ped = read_studbook(table)
    monkeypatch.setattr(kinship_module, "AUTO_DENSE_LIMIT", 10)
    calls = []
    pruned = kinship_module._pruned_kinship
    monkeypatch.setattr(kinship_module, "_pruned_kinship",
                        lambda p, *a, **k: calls.append(k.get("keep") is None) or pruned(p, *a, **k))
    first = inbreeding(ped).to_numpy()
    mean_kinship(ped)
    pedigree_summary(ped)
    np.testing.assert_array_equal(inbreeding(ped).to_numpy(), first)
    assert calls == [True]  # F of the whole pedigree computed once
    other = read_studbook(table)
    inbreeding(other)
    assert calls == [True, True]


def test_relationship_product_is_twice_kinship_times_vector():
    ped = read_studbook(synthetic_studbook(200, 6, n_founders=5, seed=5))
    K = kinship_matrix(ped).loc[ped.ids, ped.ids].to_numpy()  # x is in pedigree order
    x = np.random.default_rng(0).normal(size=(len(ped), 3))
    np.testing.assert_allclose(relationship_product(ped, x), 2 * K @ x, atol=1e-11, rtol=0)
    np.testing.assert_allclose(relationship_product(ped, x[:, 0]), 2 * K @ x[:, 0], atol=1e-11, rtol=0)
    with pytest.raises(InvalidInputError, match="^x: "):
        relationship_product(ped, np.ones(3))


def test_results_are_indexed_by_studbook_ids_only():
    ped = read_studbook(LOOPS["overlapping"][0])
    K = kinship_matrix(ped)
    assert list(K.index) == list(K.columns) == ["A", "B", "C", "W", "D", "E", "G", "H"]  # studbook row order
    assert list(inbreeding(ped).index) == list(K.index)
    assert inbreeding(ped).name == "F"


# -------------------------------------------------------------------------------------- living argument


def test_living_can_be_ids_mask_series_or_alive_column():
    text = "id,sire,dam,sex,alive\nA,,,M,no\nB,,,F,no\nC,A,B,M,yes\nD,A,B,F,yes\nG,A,,M,yes\n"
    ped = read_studbook(text)
    by_column = mean_kinship(ped)
    by_ids = mean_kinship(ped, ["G", "C", "D"])
    by_mask = mean_kinship(ped, np.array([False, False, True, True, True]))
    by_series = mean_kinship(ped, pd.Series([False, False, True, True, True], index=list(ped.ids)))
    for other in (by_ids, by_mask, by_series):
        pd.testing.assert_series_equal(by_column, other)
    assert list(by_column.index) == ["C", "D", "G"]


@pytest.mark.parametrize("living, message", [
    (["C", "nope"], "not in the studbook"),
    (["C", "C"], "more than once"),
    ([], "no living"),
    (np.array([True, False]), "boolean mask has 2 entries"),
])
def test_bad_living_names_the_argument(living, message):
    ped = read_studbook(T10)
    with pytest.raises(InvalidInputError, match=f"^living: .*{message}"):
        mean_kinship(ped, living)


def test_living_none_without_alive_column_is_an_error():
    with pytest.raises(InvalidInputError, match="^living: .*alive"):
        gene_diversity(read_studbook(T10))


@pytest.mark.parametrize("function", [inbreeding, lambda p, method: mean_kinship(p, ["C"], method=method)])
def test_unknown_method_is_rejected(function):
    with pytest.raises(InvalidInputError, match="^method: "):
        function(read_studbook(T10), method="magic")


# ------------------------------------------------------------------------------------ reading studbooks


def test_read_from_path_bytes_file_text_and_frame(tmp_path):
    text = "# SYNTHETIC test studbook\nID, Sire, Dam, Sex\nA,,,male\nB,wild,UNK,Female\nC,A,B,unknown\n"
    path = tmp_path / "book.csv"
    path.write_text(text, encoding="utf-8")
    readings = [read_studbook(path), read_studbook(str(path)), read_studbook(text.encode()),
                read_studbook(io.BytesIO(text.encode())), read_studbook(io.StringIO(text)), read_studbook(text),
                read_studbook(pd.DataFrame({"id": ["A", "B", "C"], "sire": [None, "0", "A"],
                                            "dam": [np.nan, "unk", "B"], "sex": ["M", "F", "U"]}))]
    for ped in readings:
        assert list(ped.ids) == ["A", "B", "C"]
        assert list(ped.sex) == ["M", "F", "U"]
        assert ped.sire.tolist() == [-1, -1, 0] and ped.dam.tolist() == [-1, -1, 1]
        assert ped.founders == ["A", "B"]


def test_numeric_ids_in_a_dataframe_with_gaps_match():
    frame = pd.DataFrame({"id": [1, 2, 3], "sire": [np.nan, np.nan, 1.0], "dam": [np.nan, np.nan, 2.0],
                          "sex": ["M", "F", "F"]})
    ped = read_studbook(frame)
    assert ped.ids.tolist() == [1, 2, 3] and ped.ids.dtype == np.int64  # an integer id column: integer ids
    assert ped.sire.tolist() == [-1, -1, 0]


def test_order_puts_parents_first_and_keeps_row_numbers():
    text = "id,sire,dam,sex\nKID,DAD,MUM,F\nMUM,,,F\nDAD,,,M\nGRANDKID,DAD,KID,M\n"
    ped = read_studbook(text)
    assert list(ped.ids) == ["MUM", "DAD", "KID", "GRANDKID"]
    assert ped.generation.tolist() == [0, 0, 1, 2]
    assert ped.source_row.tolist() == [2, 3, 1, 4]
    position = {i: k for k, i in enumerate(ped.ids)}
    for k in range(len(ped)):
        for parent in (ped.sire[k], ped.dam[k]):
            assert parent < k
    assert position["KID"] == 2


def test_optional_columns_are_read():
    text = ("id,sire,dam,sex,birth_date,death_date,alive,location,tag\n"
            "A,,,M,2001-03-04,2010-01-01,no,Zoo 1,x1\n"
            "B,,,F,2002,,yes,Zoo 2,x2\n"
            "C,A,B,F,2005-06,,TRUE,Zoo 2,\n")
    ped = read_studbook(text)
    assert ped.alive.tolist() == [False, True, True]
    assert ped.location.tolist() == ["Zoo 1", "Zoo 2", "Zoo 2"]
    assert str(ped.birth_date[1]) == "2002-01-01"
    assert np.isnat(ped.death_date[1])
    assert ped.extra["tag"].tolist() == ["x1", "x2", ""]


def test_alive_inferred_from_death_date_when_no_alive_column():
    ped = read_studbook("id,sire,dam,sex,death_date\nA,,,M,2010-01-01\nB,,,F,\n")
    assert ped.alive.tolist() == [False, True]


def test_pedigree_to_dict_round_trip_is_exact_and_json_able():
    table = synthetic_studbook(60, 4, seed=9)
    ped = read_studbook(table)
    data = json.loads(json.dumps(ped.to_dict()))
    again = Pedigree.from_dict(data)
    assert again.to_dict() == ped.to_dict()
    assert list(again.ids) == list(ped.ids)
    np.testing.assert_array_equal(again.sire, ped.sire)
    assert "Pedigree(60 individuals" in repr(ped)


BAD = [
    ("id,sire,dam\nA,,\n", "^studbook: missing required column.*'sex'"),
    ("id,sire,dam,sex\nA,,,M\nA,,,F\n", r"^studbook row 2 \(id 'A'\): duplicate id: already used in row 1"),
    ("id,sire,dam,sex\nA,,,M\nB,A,Z9,F\n", r"^studbook row 2 \(id 'B'\): dam 'Z9' is not in the studbook"),
    ("id,sire,dam,sex\nA,,,F\nB,,,F\nC,A,B,F\n", r"^studbook row 3 \(id 'C'\): sire 'A' is recorded as female"),
    ("id,sire,dam,sex\nA,,,M\nB,,,M\nC,A,B,F\n", r"^studbook row 3 \(id 'C'\): dam 'B' is recorded as male"),
    ("id,sire,dam,sex\nA,,,M\nB,,,U\nC,B,B,F\n", r"^studbook row 3 \(id 'C'\): the same individual 'B' .*sire and dam"),
    ("id,sire,dam,sex,birth_date\nA,,,M,2010-01-01\nB,,,F,2001-01-01\nC,A,B,F,2005-01-01\n",
     r"^studbook row 3 \(id 'C'\): sire 'A' was born .*after its offspring"),
    ("id,sire,dam,sex\nA,C,,M\nB,,,F\nC,A,B,M\n",
     r"^studbook row 1 \(id 'A'\): is its own ancestor: cycle 'A' → 'C' → 'A'"),
    ("id,sire,dam,sex\nF0,,,F\nA,C,F0,M\nB,A,F0,M\nC,B,F0,M\nD,C,F0,M\n",
     r"^studbook row 2 \(id 'A'\): is its own ancestor: cycle 'A' → 'C' → 'B' → 'A'"),
    ("id,sire,dam,sex\nA,A,,M\n", r"^studbook row 1 \(id 'A'\): is recorded as its own parent"),
    ("id,sire,dam,sex\nA,,,X\n", r"^studbook row 1 \(id 'A'\): sex 'X' is not M, F or U"),
    ("id,sire,dam,sex\nA,,,M\n,,,F\n", r"^studbook row 2: the id is empty"),
    ("id,sire,dam,sex\nUNK,,,M\n", r"^studbook row 1 \(id 'UNK'\): 'UNK' cannot be an id"),
    ("id,sire,dam,sex,birth_date\nA,,,M,yesterday\n",
     r"^studbook row 1 \(id 'A'\): birth_date 'yesterday' is not a date"),
    ("id,sire,dam,sex,birth_date,death_date\nA,,,M,2010-01-01,2009-01-01\n",
     r"^studbook row 1 \(id 'A'\): death date 2009-01-01 is before birth date"),
    ("id,sire,dam,sex,alive\nA,,,M,maybe\n", r"^studbook row 1 \(id 'A'\): alive 'maybe' is not yes/no"),
    ("id,sire,dam,sex,alive,death_date\nA,,,M,yes,2001-01-01\n", r"^studbook row 1 \(id 'A'\): is marked alive but"),
    ("id,sire,dam,sex,ID\nA,,,M,B\n", "^studbook: column 'id' appears twice"),
    ("id,sire,dam,sex\n", "^studbook: has no individuals"),
    ("# only a comment\n\n", "^studbook: the file is empty"),
]


@pytest.mark.parametrize("text, message", BAD)
def test_bad_studbooks_name_the_row_and_id(text, message):
    with pytest.raises(InvalidInputError, match=message):
        read_studbook(text)


def test_selfing_allowed_only_for_sex_u():
    read_studbook("id,sire,dam,sex\nB,,,U\nC,B,B,F\n", allow_selfing=True)
    with pytest.raises(InvalidInputError, match=r"row 2 \(id 'C'\).*sire 'B' is recorded as female"):
        read_studbook("id,sire,dam,sex\nB,,,F\nC,B,B,F\n", allow_selfing=True)


def test_unreadable_sources_are_rejected(tmp_path):
    with pytest.raises(InvalidInputError, match="^studbook: file .* not found"):
        read_studbook(tmp_path / "missing.csv")
    with pytest.raises(InvalidInputError, match="^studbook: cannot read a studbook from int"):
        read_studbook(42)


def test_parent_born_same_day_is_allowed_but_later_is_not():
    ok = "id,sire,dam,sex,birth_date\nA,,,M,2010-01-01\nB,,,F,2010-01-01\nC,A,B,F,2010-01-01\n"
    assert len(read_studbook(ok)) == 3
    bad = "id,sire,dam,sex,birth_date\nA,,,M,2010-01-01\nB,,,F,2010-01-03\nC,A,B,F,2010-01-02\n"
    with pytest.raises(InvalidInputError, match=r"row 3 \(id 'C'\): dam 'B' was born"):
        read_studbook(bad)


# ----------------------------------------------------------------------------------------------- summary


def test_pedigree_summary_matches_t10_and_round_trips():
    text = T10.replace("id,sire,dam,sex\n", "id,sire,dam,sex,alive\n")
    lines = text.strip().split("\n")
    alive = {"C", "D", "G"}
    text = "\n".join([lines[0]] + [f"{line},{'yes' if line.split(',')[0] in alive else 'no'}"
                                   for line in lines[1:]]) + "\n"
    summary = pedigree_summary(read_studbook(text))
    assert summary.n_living == 3 and summary.n_founders == 3 and summary.n_individuals == 7
    assert summary.gene_diversity == pytest.approx(0.722222, abs=1e-6)
    assert summary.founder_genome_equivalents == pytest.approx(1.8, abs=TOL)
    # p_A = 1/2, p_B = 1/3, p_X = 1/6 → fe = 1 / (1/4 + 1/9 + 1/36) = 36/14
    assert summary.founder_equivalents == pytest.approx(36 / 14, abs=TOL)
    assert summary.mean_inbreeding == 0.0 and summary.n_unknown_parents == 0
    data = json.loads(json.dumps(summary.to_dict()))
    assert PedigreeSummary.from_dict(data) == summary
    with pytest.raises(InvalidInputError, match="^data: "):
        PedigreeSummary.from_dict({**data, "bogus": 1})


def test_summary_counts_unknown_parents_and_uses_sparse_route_consistently():
    ped = read_studbook(synthetic_studbook(300, 6, n_founders=5, unknown_sire_rate=0.1, seed=11))
    dense = pedigree_summary(ped, method="dense")
    sparse = pedigree_summary(ped, method="sparse")
    assert dense.n_unknown_parents == int(((ped.sire < 0) != (ped.dam < 0)).sum()) > 0
    for name in ("gene_diversity", "mean_kinship", "founder_genome_equivalents", "mean_inbreeding"):
        assert getattr(dense, name) == pytest.approx(getattr(sparse, name), abs=TOL)


def test_dataframe_with_typed_columns_and_living_as_set():
    frame = pd.DataFrame({"id": np.array([10, 20, 30]), "sire": [None, None, 10], "dam": [np.nan, np.nan, 20],
                          "sex": ["M", "F", "F"], "alive": [False, True, True],
                          "birth_date": pd.to_datetime(["2001-01-01", None, "2005-05-05"])})
    ped = read_studbook(frame)
    assert ped.ids.tolist() == [10, 20, 30] and ped.alive.tolist() == [False, True, True]
    assert np.isnat(ped.birth_date[1]) and str(ped.birth_date[2]) == "2005-05-05"
    # 20 is the dam of 30: mk = (0.5 + 0.25) / 2 for both
    expected = pd.Series([0.375, 0.375], index=pd.Index([20, 30], name="id"), name="mean_kinship")
    for living in ({"20", "30"}, ("20", 30), pd.Index(["30", "20"]), pd.Index([30, 20]), None):
        result = mean_kinship(ped, living)
        assert result.index.tolist() == [20, 30] and result.index.dtype == np.int64
        np.testing.assert_allclose(result.to_numpy(), expected.to_numpy())
