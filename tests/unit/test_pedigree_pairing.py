"""rank_pairings: ranking by mean of the parents' mk (= offspring's mk), with the pair's kinship (= offspring F)."""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd
import pytest

from exsitu.pedigree import kinship_matrix, mean_kinship, rank_pairings, read_studbook, synthetic_studbook
from exsitu.validation import InvalidInputError

BOOK = """id,sire,dam,sex,alive,location
A,,,M,no,Zoo 1
B,,,F,no,Zoo 1
X,,,F,no,Zoo 2
Y,,,M,no,Zoo 2
C,A,B,M,yes,Zoo 1
D,A,B,F,yes,Zoo 1
G,A,X,M,yes,Zoo 2
H,Y,X,F,yes,Zoo 2
U1,Y,X,U,yes,Zoo 2
"""


def test_pairs_ranked_by_mean_mk_with_offspring_inbreeding():
    ped = read_studbook(BOOK)
    pairs = rank_pairings(ped)
    K = kinship_matrix(ped)
    living = ["C", "D", "G", "H", "U1"]
    mk = K.loc[living, living].mean(axis=1)
    expected = []
    for s, d in itertools.product(["C", "G"], ["D", "H"]):
        expected.append((round((mk[s] + mk[d]) / 2, 12), K.loc[s, d], s, d))
    expected.sort()
    assert list(zip(pairs["sire"], pairs["dam"])) == [(s, d) for _, _, s, d in expected]
    assert pairs["rank"].tolist() == [1, 2, 3, 4]
    np.testing.assert_allclose(pairs["kinship"], [k for _, k, _, _ in expected], atol=1e-15)
    assert (pairs["offspring_inbreeding"] == pairs["kinship"]).all()
    np.testing.assert_allclose(pairs["mean_mk"], (pairs["sire_mk"] + pairs["dam_mk"]) / 2)
    np.testing.assert_allclose(pairs["mk_difference"], (pairs["sire_mk"] - pairs["dam_mk"]).abs())
    # full sibs C x D: offspring F = 0.25
    row = pairs[(pairs["sire"] == "C") & (pairs["dam"] == "D")].iloc[0]
    assert row["offspring_inbreeding"] == pytest.approx(0.25)
    assert pairs["mean_mk"].is_monotonic_increasing


def test_mean_mk_equals_offspring_mean_kinship_with_the_living():
    ped = read_studbook(synthetic_studbook(150, 5, n_founders=6, seed=1))
    best = rank_pairings(ped, top=3)
    living = list(ped.ids[ped.alive])
    table = ped.to_frame()
    for row in best.itertuples():
        child = pd.DataFrame([{"id": "NEW", "sire": row.sire, "dam": row.dam, "sex": "U", "alive": "no"}])
        bigger = read_studbook(pd.concat([table, child], ignore_index=True).fillna(""))
        offspring_mk = kinship_matrix(bigger).loc["NEW", living].mean()
        assert offspring_mk == pytest.approx(row.mean_mk, abs=1e-12)


def test_filters_threshold_location_unknown_sex_and_top():
    ped = read_studbook(BOOK)
    limited = rank_pairings(ped, max_kinship=0.2)
    assert not ((limited["sire"] == "C") & (limited["dam"] == "D")).any()
    assert (limited["kinship"] <= 0.2).all()
    local = rank_pairings(ped, same_location=True)
    assert (local["sire_location"] == local["dam_location"]).all()
    assert set(zip(local["sire"], local["dam"])) == {("C", "D"), ("G", "H")}
    with_u = rank_pairings(ped, include_unknown_sex=True)
    assert ("U1", "D") in set(zip(with_u["sire"], with_u["dam"]))
    assert ("C", "U1") in set(zip(with_u["sire"], with_u["dam"]))
    assert not ((with_u["sire"] == "U1") & (with_u["dam"] == "U1")).any()
    assert len(rank_pairings(ped, top=2)) == 2


def test_mk_columns_agree_with_mean_kinship():
    ped = read_studbook(synthetic_studbook(200, 5, seed=3))
    pairs = rank_pairings(ped, method="pruned")
    mk = mean_kinship(ped)
    np.testing.assert_allclose(pairs["sire_mk"], mk[pairs["sire"]].to_numpy(), atol=1e-12)
    np.testing.assert_allclose(pairs["dam_mk"], mk[pairs["dam"]].to_numpy(), atol=1e-12)
    males = int(((ped.sex == "M") & ped.alive).sum())
    females = int(((ped.sex == "F") & ped.alive).sum())
    assert len(pairs) == males * females


def test_no_pairs_gives_an_empty_table_with_columns():
    ped = read_studbook("id,sire,dam,sex,alive\nA,,,M,yes\nB,,,M,yes\n")
    pairs = rank_pairings(ped)
    assert pairs.empty and "offspring_inbreeding" in pairs.columns


@pytest.mark.parametrize("kwargs, field", [({"max_kinship": -0.1}, "max_kinship"), ({"top": 0}, "top"),
                                           ({"method": "magic"}, "method")])
def test_bad_arguments_name_the_field(kwargs, field):
    with pytest.raises(InvalidInputError, match=f"^{field}: "):
        rank_pairings(read_studbook(BOOK), **kwargs)


def test_same_location_needs_a_location_column():
    ped = read_studbook("id,sire,dam,sex,alive\nA,,,M,yes\nB,,,F,yes\n")
    with pytest.raises(InvalidInputError, match="^same_location: "):
        rank_pairings(ped, same_location=True)


# ---------------------------------------------------------------------------------------------------
# Large living populations: the candidate search gives exactly the full ranking's top pairs
# ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("seed", [1, 2, 3, 4])
@pytest.mark.parametrize("options", [
    {"top": 1}, {"top": 10}, {"top": 60}, {"top": 25, "max_kinship": 0.0625}, {"top": 15, "max_kinship": 0.0},
    {"top": 12, "same_location": True}, {"top": 30, "include_unknown_sex": True},
])
def test_candidate_search_matches_the_full_ranking(monkeypatch, seed, options):
    import exsitu.pairing as pairing
    from exsitu.pedigree import read_studbook, synthetic_studbook
    ped = read_studbook(synthetic_studbook(400, 6, n_living=150, unknown_sex_rate=0.05, seed=seed))
    full = pairing.rank_pairings(ped, **options)
    monkeypatch.setattr(pairing, "PAIRING_DENSE_LIMIT", 10)
    monkeypatch.setattr(pairing, "_FIRST_CANDIDATES", 2)  # force several doublings
    searched = pairing.rank_pairings(ped, **options)
    pd.testing.assert_frame_equal(searched, full, check_exact=False, rtol=1e-12, atol=1e-12)


def test_without_top_a_huge_pair_list_is_refused(monkeypatch):
    import exsitu.pairing as pairing
    from exsitu.pedigree import read_studbook, synthetic_studbook
    ped = read_studbook(synthetic_studbook(400, 6, n_living=150, seed=5))
    monkeypatch.setattr(pairing, "MAX_PAIRS_LISTED", 100)
    with pytest.raises(InvalidInputError) as caught:
        pairing.rank_pairings(ped)
    assert caught.value.field == "top"
