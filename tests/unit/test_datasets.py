"""Tests for exsitu.datasets and the synthetic data files it points to."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from exsitu import datasets
from exsitu.validation import InvalidInputError


def test_data_path_by_relative_path_and_by_file_name():
    by_path = datasets.data_path("occurrences/synthetic_montane_shrub.csv")
    assert by_path.is_file() and by_path.parent.parent == datasets.DATA_DIR
    assert datasets.data_path("synthetic_montane_shrub.csv") == by_path
    assert "occurrences/synthetic_island_snail.csv" in datasets.available()
    assert not any(name.endswith((".py", ".md")) for name in datasets.available())


@pytest.mark.parametrize("name", ["no_such_file.csv", "../pyproject.toml", "", None, "/etc/passwd"])
def test_missing_files_are_reported_with_the_available_ones(name):
    with pytest.raises(InvalidInputError, match="^name: .*available: .*synthetic_montane_shrub.csv"):
        datasets.data_path(name)


def test_synthetic_files_are_exactly_what_the_committed_script_makes(tmp_path):
    script = datasets.DATA_DIR / "occurrences" / "make_synthetic.py"
    spec = importlib.util.spec_from_file_location("make_synthetic", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    rng = np.random.default_rng(module.SEED)
    module.write(module.montane_shrub(rng), tmp_path / "shrub.csv")
    module.write(module.island_snail(rng), tmp_path / "snail.csv")
    assert (tmp_path / "shrub.csv").read_bytes() == datasets.data_path("synthetic_montane_shrub.csv").read_bytes()
    assert (tmp_path / "snail.csv").read_bytes() == datasets.data_path("synthetic_island_snail.csv").read_bytes()
    assert b"SYNTHETIC" in datasets.data_path("synthetic_island_snail.csv").read_bytes().splitlines()[1]
