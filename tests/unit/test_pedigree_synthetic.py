"""SYNTHETIC studbook generator and the course's synthetic studbook file."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np
import pytest

from exsitu.pedigree import founder_genome_equivalents, pedigree_summary, read_studbook, synthetic_studbook
from exsitu.validation import InvalidInputError

REPO = Path(__file__).resolve().parents[2]
STUDBOOK = REPO / "data" / "studbooks" / "synthetic_frog_studbook.csv"


def test_generator_is_reproducible_and_valid():
    first = synthetic_studbook(500, 10, n_living=80, unknown_sex_rate=0.02, seed=3)
    assert first.equals(synthetic_studbook(500, 10, n_living=80, unknown_sex_rate=0.02, seed=3))
    assert not first.equals(synthetic_studbook(500, 10, n_living=80, unknown_sex_rate=0.02, seed=4))
    ped = read_studbook(first)  # passes every check: parents born first, sexes match roles, no cycles
    assert len(ped) == 500 and int(ped.alive.sum()) == 80
    assert list(first.columns) == ["id", "sire", "dam", "sex", "birth_date", "death_date", "alive", "location"]
    assert (first.loc[first["alive"] == "yes", "death_date"] == "").all()
    assert set(first["location"]) <= {"Site A", "Site B", "Site C"}
    # overlapping generations: some parents are more than one generation apart in depth
    gap = ped.generation[ped.sire >= 0] - ped.generation[ped.sire[ped.sire >= 0]]
    assert gap.max() > 1
    assert ((ped.sire < 0) != (ped.dam < 0)).any()  # some unknown sires


def test_generator_makes_loopy_inbred_pedigrees():
    ped = read_studbook(synthetic_studbook(300, 8, n_founders=4, breeding_fraction=0.3, seed=1))
    summary = pedigree_summary(ped)
    assert summary.max_inbreeding >= 0.25
    assert summary.gene_diversity < 0.9


@pytest.mark.parametrize("kwargs, field", [({"n_individuals": 2}, "n_individuals"),
                                           ({"n_generations": 0}, "n_generations"),
                                           ({"breeding_fraction": 0}, "breeding_fraction"),
                                           ({"n_living": 0}, "n_living")])
def test_generator_bad_arguments(kwargs, field):
    with pytest.raises(InvalidInputError, match=f"^{field}: "):
        synthetic_studbook(**kwargs)


def test_course_studbook_is_labelled_synthetic_and_matches_its_script():
    text = STUDBOOK.read_text(encoding="utf-8")
    assert text.startswith("# SYNTHETIC")
    spec = importlib.util.spec_from_file_location("make_studbook", STUDBOOK.parent / "make_synthetic_studbook.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.make() == text  # regenerating gives the same file


def test_course_studbook_content():
    ped = read_studbook(STUDBOOK)
    assert len(ped) == 300 and int(ped.alive.sum()) == 57
    assert set(ped.location[ped.alive]) == {"Zoo A", "Zoo B", "Rescue centre C"}
    assert (ped.sex[ped.alive] == "U").sum() == 8
    assert ((ped.sire < 0) & (ped.dam >= 0)).sum() == 16
    assert founder_genome_equivalents(ped) == pytest.approx(5.03, abs=0.01)
    summary = pedigree_summary(ped)
    assert summary.gene_diversity == pytest.approx(0.9005, abs=1e-4)
    assert np.isclose(summary.gene_diversity, 1 - summary.mean_kinship)
