"""exsitu.pedigree ids: labels keep the type the user gave (int64 or text), ids are taken back in either form,
and the pedigree's own ``alive`` array is accepted as ``living``.

The integer-id and text-id versions of the same SYNTHETIC pedigree must give the same numbers from every
function; only the labels differ.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from exsitu.pedigree import (GeneDropResult, Pedigree, founder_contributions, founder_equivalents,
                             founder_genome_equivalents, founder_representation, gene_diversity, gene_drop,
                             genome_uniqueness, inbreeding, kinship_among, kinship_matrix, mean_kinship,
                             pedigree_summary, rank_pairings, read_studbook, synthetic_studbook)
from exsitu.validation import InvalidInputError

FROG = Path(__file__).resolve().parents[2] / "data" / "studbooks" / "synthetic_frog_studbook.csv"
TOL = 1e-12


def _text_and_integer_versions(seed: int = 7) -> tuple[Pedigree, Pedigree]:
    """The same SYNTHETIC pedigree with text ids ("1", "2", ...) and integer ids (0 = unknown parent)."""
    table = synthetic_studbook(120, 5, n_founders=6, unknown_sire_rate=0.1, seed=seed)
    text = table.astype({"id": object, "sire": object, "dam": object})
    integer = table.copy()
    integer["id"] = table["id"].astype(int).to_numpy()
    for role in ("sire", "dam"):
        integer[role] = [0 if v == "UNK" else int(v) for v in table[role]]
    assert integer["id"].dtype == np.int64 and integer["sire"].dtype == np.int64
    return read_studbook(text), read_studbook(integer)


TEXT, INTEGER = _text_and_integer_versions()


def test_versions_differ_only_in_label_type():
    assert not TEXT.integer_ids and INTEGER.integer_ids
    assert TEXT.ids.dtype == object and all(isinstance(i, str) for i in TEXT.ids)
    assert INTEGER.ids.dtype == np.int64
    assert [str(i) for i in INTEGER.ids] == list(TEXT.ids)
    np.testing.assert_array_equal(INTEGER.sire, TEXT.sire)
    np.testing.assert_array_equal(INTEGER.dam, TEXT.dam)
    assert (INTEGER.sire < 0).any() and not INTEGER.in_row_order  # unknown parents (0) and a reordering
    assert INTEGER.founders == [int(i) for i in TEXT.founders] and isinstance(INTEGER.founders[0], int)


def _assert_same_but_labels(text_result, integer_result):
    """Same values; text labels are the str() of the integer labels; integer labels are int64."""
    if isinstance(text_result, float):
        assert integer_result == pytest.approx(text_result, abs=TOL)
        return
    if isinstance(text_result, pd.DataFrame) and "sire" in text_result.columns:  # rank_pairings
        for role in ("sire", "dam"):
            assert integer_result[role].dtype == np.int64
            assert integer_result[role].astype(str).tolist() == text_result[role].tolist()
        pd.testing.assert_frame_equal(integer_result.drop(columns=["sire", "dam"]),
                                      text_result.drop(columns=["sire", "dam"]), check_exact=False, atol=TOL)
        return
    assert [str(i) for i in integer_result.index] == [str(i) for i in text_result.index]
    assert all(isinstance(i, str) for i in text_result.index)
    if all(isinstance(i, (int, np.integer)) for i in integer_result.index):
        assert integer_result.index.dtype == np.int64
    np.testing.assert_allclose(integer_result.select_dtypes("number").to_numpy()
                               if isinstance(integer_result, pd.DataFrame) else integer_result.to_numpy(),
                               text_result.select_dtypes("number").to_numpy()
                               if isinstance(text_result, pd.DataFrame) else text_result.to_numpy(),
                               rtol=0, atol=TOL)
    if isinstance(text_result, pd.DataFrame) and text_result.columns.name == "id":
        assert integer_result.columns.dtype == np.int64


FUNCTIONS = {
    "kinship_matrix": lambda p: kinship_matrix(p),
    "kinship_among": lambda p: kinship_among(p),
    "kinship_among_pruned": lambda p: kinship_among(p, method="pruned"),
    "inbreeding": lambda p: inbreeding(p),
    "inbreeding_meuwissen_luo": lambda p: inbreeding(p, method="meuwissen_luo"),
    "mean_kinship": lambda p: mean_kinship(p),
    "mean_kinship_colleau": lambda p: mean_kinship(p, method="colleau"),
    "gene_diversity": lambda p: gene_diversity(p),
    "founder_genome_equivalents": lambda p: founder_genome_equivalents(p),
    "founder_equivalents": lambda p: founder_equivalents(p),
    "founder_contributions": lambda p: founder_contributions(p),
    "founder_representation": lambda p: founder_representation(p, iterations=200, seed=3),
    "genome_uniqueness": lambda p: genome_uniqueness(p, iterations=200, seed=3),
    "rank_pairings": lambda p: rank_pairings(p),
}


@pytest.mark.parametrize("name", FUNCTIONS)
def test_integer_and_text_ids_give_the_same_numbers(name):
    _assert_same_but_labels(FUNCTIONS[name](TEXT), FUNCTIONS[name](INTEGER))


def test_summary_is_the_same_for_integer_and_text_ids():
    assert pedigree_summary(INTEGER).to_dict() == pytest.approx(pedigree_summary(TEXT).to_dict(), abs=TOL)


def test_integer_ids_are_looked_up_as_integers():
    K = kinship_matrix(INTEGER)
    assert K.index.dtype == np.int64 and K.columns.dtype == np.int64
    child = int(np.flatnonzero(INTEGER.sire >= 0)[0])
    kid, sire = int(INTEGER.ids[child]), int(INTEGER.ids[INTEGER.sire[child]])
    assert K.loc[kid, sire] == pytest.approx(kinship_matrix(TEXT).loc[str(kid), str(sire)], abs=TOL)
    assert K.loc[kid, sire] >= 0.25 - TOL  # parent and offspring
    F = inbreeding(INTEGER)
    assert F.index.dtype == np.int64 and F[kid] == F.loc[kid]
    living = INTEGER.living_ids
    assert all(type(i) is int for i in living)
    assert mean_kinship(INTEGER).index.tolist() == living
    table = founder_representation(INTEGER, iterations=50, seed=1)
    real = table[table["kind"] == "founder"].index
    assert all(isinstance(i, int) for i in real) and len(real) == len(INTEGER.founders)
    assert any(isinstance(i, str) and i.startswith("unknown sire of ") for i in table.index)  # stand-ins
    pairs = rank_pairings(INTEGER, top=3)
    assert pairs["sire"].dtype == np.int64 and pairs["dam"].dtype == np.int64


def test_integer_ids_without_unknown_parent_stand_ins_give_an_int64_founder_index():
    ped = read_studbook(pd.DataFrame({"id": [1, 2, 3, 4], "sire": [0, 0, 1, 1], "dam": [0, 0, 2, 2],
                                      "sex": ["M", "F", "F", "M"], "alive": [False, False, True, True]}))
    for result in (founder_contributions(ped), founder_representation(ped, iterations=20, seed=1)):
        assert result.index.dtype == np.int64 and result.index.tolist() == [1, 2]
    assert genome_uniqueness(ped, iterations=20, seed=1).index.dtype == np.int64
    K = kinship_matrix(ped)
    assert K.loc[3, 4] == pytest.approx(0.25) and K.loc[1, 3] == pytest.approx(0.25) and K.loc[1, 2] == 0


@pytest.mark.parametrize("living", [
    [244, 250], ["244", "250"], [250, "244"], np.array([244, 250]), pd.Index([250, 244]), (" 244", 250.0),
    pd.Series([True, True], index=[244, 250]).reindex(range(1, 301), fill_value=False),
    pd.Series([True, True], index=["244", "250"]).reindex([str(i) for i in range(1, 301)], fill_value=False),
])
def test_living_as_integers_or_text_is_the_same(living):
    ped = read_studbook(FROG)
    expected = mean_kinship(ped, [244, 250])
    assert expected.index.tolist() == [244, 250]
    pd.testing.assert_series_equal(mean_kinship(ped, living), expected)
    assert gene_diversity(ped, living) == pytest.approx(gene_diversity(ped, ["244", "250"]), abs=TOL)


def test_the_course_csv_has_integer_ids():
    ped = read_studbook(FROG)
    assert ped.integer_ids and kinship_matrix(ped).index.dtype == np.int64
    assert read_studbook(ped).integer_ids  # re-reading a Pedigree keeps its id type
    frame = ped.to_frame()
    assert frame["id"].dtype == np.int64 and str(frame["sire"].dtype) == "Int64"
    assert frame["sire"].isna().sum() == int((ped.sire < 0).sum())
    again = read_studbook(frame)  # the table round-trips: an integer id column, <NA> for unknown parents
    assert again.integer_ids and again.ids.tolist() == ped.ids.tolist()
    np.testing.assert_array_equal(again.sire, ped.sire)


@pytest.mark.parametrize("csv, integer", [
    ("id,sire,dam,sex\n1,,,M\n2,,,F\n17,1,2,F\n", True),
    ("id,sire,dam,sex\n1,0,0,M\n2,0,0,F\n17,1,2,F\n", True),  # 0: unknown parent
    ("id,sire,dam,sex\n1,UNK,wild,M\n2,,,F\n-5,1,2,F\n", True),
    ("id,sire,dam,sex\n1,,,M\n2,,,F\n017,1,2,F\n", False),  # a leading zero: text
    ("id,sire,dam,sex\n1.0,,,M\n2,,,F\n3,1.0,2,F\n", False),  # a decimal point: text
    ("id,sire,dam,sex\n1,,,M\nB2,,,F\n3,1,B2,F\n", False),  # mixed: text
    ("id,sire,dam,sex\n1,,,M\n2,,,F\n99999999999999999999,1,2,F\n", False),  # beyond int64: text
    ("id,sire,dam,sex\n+1,,,M\n2,,,F\n3,+1,2,F\n", False),
])
def test_csv_ids_are_integers_only_when_every_id_is_a_plain_decimal_integer(csv, integer):
    ped = read_studbook(csv)
    assert ped.integer_ids is integer
    assert ped.ids.dtype == (np.int64 if integer else object)
    assert ped.sire.tolist()[-1] >= 0 and ped.dam.tolist()[-1] >= 0  # the parents were found either way
    K = kinship_matrix(ped)
    assert K.index.dtype == ped.ids.dtype and K.iat[2, 0] == pytest.approx(0.25)
    if not integer:
        assert all(isinstance(i, str) for i in K.index)
        assert K.index[2] == csv.splitlines()[3].split(",")[0]  # exactly as written


@pytest.mark.parametrize("frame, integer", [
    (pd.DataFrame({"id": [1, 2, 3], "sire": [0, 0, 1], "dam": [0, 0, 2], "sex": list("MFF")}), True),
    (pd.DataFrame({"ID": pd.array([1, 2, 3], dtype="Int64"), "sire": [None, None, 1], "dam": [None, None, 2],
                   "sex": list("MFF")}), True),
    (pd.DataFrame({"id": np.array([1, 2, 3], dtype=object), "sire": ["", "", "1"], "dam": ["", "", "2"],
                   "sex": list("MFF")}), True),  # Python ints in an object column
    (pd.DataFrame({"id": ["1", "2", "3"], "sire": ["", "", "1"], "dam": ["", "", "2"], "sex": list("MFF")}),
     False),  # text given: text kept
    (pd.DataFrame({"id": np.array([1, "B", 3], dtype=object), "sire": ["", "", 1], "dam": ["", "", "B"],
                   "sex": list("MFF")}), False),  # mixed
    (pd.DataFrame({"id": [1.0, 2.0, 3.0], "sire": [0, 0, 1], "dam": [0, 0, 2], "sex": list("MFF")}), False),
])
def test_dataframe_ids_are_integers_for_an_integer_column(frame, integer):
    ped = read_studbook(frame)
    assert ped.integer_ids is integer
    assert [str(i) for i in ped.ids] == ["1", "2", "3"] or [str(i) for i in ped.ids] == ["1", "B", "3"]
    assert kinship_matrix(ped).iat[2, 0] == pytest.approx(0.25)


def test_text_ids_accept_integers_only_where_the_text_matches():
    ped = read_studbook("id,sire,dam,sex,alive\n1,,,M,yes\n02,,,F,yes\n3,1,02,F,yes\n")
    assert not ped.integer_ids and list(ped.ids) == ["1", "02", "3"]
    assert mean_kinship(ped, [1, 3]).index.tolist() == ["1", "3"]
    with pytest.raises(InvalidInputError, match=r"^living: 1 id\(s\) not in the studbook: 2 "):
        mean_kinship(ped, [1, 2])


def test_messages_show_ids_as_the_user_wrote_them():
    ped = read_studbook(FROG)
    with pytest.raises(InvalidInputError, match=r"^living: 2 id\(s\) not in the studbook: 999, '998' "):
        mean_kinship(ped, [244, 999, "998"])
    with pytest.raises(InvalidInputError, match=r"^living: id 244 is listed more than once"):
        mean_kinship(ped, [244, "244"])
    with pytest.raises(InvalidInputError, match=r"^studbook row 3 \(id 17\): sire 99 is not in the studbook"):
        read_studbook("id,sire,dam,sex\n1,0,0,M\n2,0,0,F\n17,99,2,F\n")
    with pytest.raises(InvalidInputError, match=r"^studbook row 3 \(id 17\): sire 2 is recorded as female"):
        read_studbook(pd.DataFrame({"id": [1, 2, 17, 18], "sire": [0, 0, 2, 0], "dam": [0, 0, 18, 0],
                                    "sex": list("MFFF")}))
    with pytest.raises(InvalidInputError, match=r"^studbook row 2 \(id 2\): duplicate id"):
        read_studbook("id,sire,dam,sex\n2,0,0,M\n2,0,0,F\n")
    with pytest.raises(InvalidInputError, match=r"cycle 1 → 2 → 1"):
        read_studbook("id,sire,dam,sex\n1,2,0,M\n2,1,0,M\n")
    with pytest.raises(InvalidInputError, match=r"^studbook row 3 \(id '017'\): sire '99' is not"):
        read_studbook("id,sire,dam,sex\n1,0,0,M\n2,0,0,F\n017,99,2,F\n")


# ------------------------------------------------------------------------- the pedigree's own alive array

LIVING_FUNCTIONS = {
    "mean_kinship": lambda p, living: mean_kinship(p, living),
    "mean_kinship_colleau": lambda p, living: mean_kinship(p, living, method="colleau"),
    "kinship_among": lambda p, living: kinship_among(p, living),
    "gene_diversity": lambda p, living: gene_diversity(p, living),
    "founder_genome_equivalents": lambda p, living: founder_genome_equivalents(p, living),
    "founder_equivalents": lambda p, living: founder_equivalents(p, living),
    "founder_contributions": lambda p, living: founder_contributions(p, living),
    "founder_representation": lambda p, living: founder_representation(p, living, iterations=50, seed=2),
    "genome_uniqueness": lambda p, living: genome_uniqueness(p, living, iterations=50, seed=2),
    "gene_drop": lambda p, living: gene_drop(p, living, iterations=50, seed=2).to_dict(),
    "rank_pairings": lambda p, living: rank_pairings(p, living),
    "pedigree_summary": lambda p, living: pedigree_summary(p, living).to_dict(),
}


def _equal(a, b) -> None:
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b)
    elif isinstance(a, pd.Series):
        pd.testing.assert_series_equal(a, b)
    else:
        assert a == b


@pytest.mark.parametrize("name", LIVING_FUNCTIONS)
def test_the_pedigrees_own_alive_array_is_accepted_as_living(name):
    ped = read_studbook(FROG)
    assert not ped.in_row_order  # its rows are not in pedigree order: a plain True/False list is ambiguous
    function = LIVING_FUNCTIONS[name]
    expected = function(ped, None)
    _equal(function(ped, ped.alive), expected)
    _equal(function(ped, ped.living_ids), expected)
    _equal(function(ped, [str(i) for i in ped.living_ids]), expected)
    with pytest.raises(InvalidInputError, match=r"^(living|ids): .*ambiguous.*pedigree\.living_ids"):
        function(ped, ped.alive.copy())  # the same values, but not the pedigree's own array
    with pytest.raises(InvalidInputError, match=r"^(living|ids): .*ambiguous"):  # (kinship_among: ids)
        function(ped, ped.alive.tolist())


def test_living_ids_are_in_studbook_row_order_and_match_the_alive_column():
    ped = read_studbook(FROG)
    table = pd.read_csv(FROG, comment="#")
    assert ped.living_ids == table.loc[table["alive"] == "yes", "id"].tolist()
    assert mean_kinship(ped, ped.alive).index.tolist() == ped.living_ids
    with pytest.raises(InvalidInputError, match="^alive: .*no alive"):
        read_studbook("id,sire,dam,sex\n1,,,M\n").living_ids


def test_alive_of_another_pedigree_is_not_taken_as_its_own():
    ped = read_studbook(FROG)
    other = read_studbook(FROG)
    with pytest.raises(InvalidInputError, match="^living: .*ambiguous"):
        mean_kinship(ped, other.alive)


# ------------------------------------------------------------------------------------------ round trips


def test_pedigree_dict_round_trip_keeps_the_id_type():
    for ped in (read_studbook(FROG), TEXT, INTEGER):
        data = json.loads(json.dumps(ped.to_dict()))
        again = Pedigree.from_dict(data)
        assert again.integer_ids is ped.integer_ids and again.ids.tolist() == ped.ids.tolist()
        assert again.to_dict() == data
    text_digits = read_studbook(pd.DataFrame({"id": ["1", "2"], "sire": ["", ""], "dam": ["", ""],
                                              "sex": ["M", "F"]}))
    assert not Pedigree.from_dict(text_digits.to_dict()).integer_ids  # text ids stay text
    old = {k: v for k, v in read_studbook(FROG).to_dict().items() if k != "integer_ids"}
    assert Pedigree.from_dict(old).integer_ids  # a dict without the flag is typed as a CSV would be


def test_gene_drop_result_round_trip_keeps_integer_ids():
    result = gene_drop(INTEGER, iterations=20, seed=4)
    assert all(type(i) is int for i in result.individuals)
    assert any(type(f) is int for f in result.founders) and any(type(f) is str for f in result.founders)
    again = GeneDropResult.from_dict(json.loads(json.dumps(result.to_dict())))
    assert again == result
    assert again.uniqueness_table().index.dtype == np.int64
    text = gene_drop(TEXT, iterations=20, seed=4)
    assert GeneDropResult.from_dict(json.loads(json.dumps(text.to_dict()))) == text
    assert all(type(i) is str for i in text.individuals)


def test_pedigree_dict_round_trip_of_a_selfing_plant():
    ped = read_studbook("id,sire,dam,sex\n1,0,0,U\n2,1,1,U\n", allow_selfing=True)
    again = Pedigree.from_dict(json.loads(json.dumps(ped.to_dict())))
    assert again.integer_ids and again.sire.tolist() == again.dam.tolist() == [-1, 0]
    assert inbreeding(again)[2] == pytest.approx(0.5)  # selfing: F = f(1, 1) = 1/2


def test_a_boolean_series_must_be_indexed_by_the_ids():
    ped = read_studbook(FROG)  # ids 1..300
    by_position = pd.Series(ped.alive)  # indexed 0..299: not the ids
    with pytest.raises(InvalidInputError, match="^living: a boolean Series must have one entry per studbook id"):
        mean_kinship(ped, by_position)
    by_id = pd.Series(ped.alive, index=ped.index)
    pd.testing.assert_series_equal(mean_kinship(ped, by_id), mean_kinship(ped))
