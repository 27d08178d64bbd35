"""Tests for exsitu.datasets and the synthetic data files it points to."""

from __future__ import annotations

import importlib.util

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


@pytest.mark.parametrize("script, files", [
    ("make_synthetic.py", ["synthetic_montane_shrub.csv", "synthetic_island_snail.csv"]),
    ("make_synthetic_capstone.py", ["synthetic_springfish.csv", "synthetic_bracket_fungus.csv"]),
])
def test_synthetic_files_are_exactly_what_the_committed_script_makes(tmp_path, script, files):
    path = datasets.DATA_DIR / "occurrences" / script
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.main(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(files)
    for name in files:
        made = (tmp_path / name).read_bytes()
        assert made == datasets.data_path(name).read_bytes(), name
        assert all(b"SYNTHETIC" in line for line in made.splitlines()[1:]), name
