"""Fixtures shared by the workshop widget tests: a SQLite workshop store of each test's own, a workshop of two
groups (the first holding the golden frog case), and a participant's workbench joined from a group's link."""

from __future__ import annotations

import pytest

from exsitu.examples import example_assessment
from exsitu.widgets.workbench import workbench
from exsitu.widgets.workshop import build_query


@pytest.fixture
def store(tmp_path, monkeypatch):
    from exsitu.workshop import open_store

    monkeypatch.setenv("EXSITU_WORKSHOP_DB", str(tmp_path / "workshop.sqlite3"))
    monkeypatch.delenv("EXSITU_DATABASE_URL", raising=False)
    return open_store(f"sqlite:///{tmp_path / 'workshop.sqlite3'}")


@pytest.fixture
def room(store):
    """A workshop with two groups, the first holding the golden frog case, the second a blank assessment."""
    workshop = store.create_workshop("ECA training", "Atelopus zeteki", "2026-12-03", ["Group A", "Group B"])
    groups = store.groups(workshop.join_code)
    _assessment, version = store.load_assessment(workshop.join_code, groups[0].id)
    store.save_assessment(workshop.join_code, groups[0].id, example_assessment("panamanian-golden-frog"),
                          version, "facilitator", "the case")
    return workshop, groups


def join_from_link(store, workshop, group, name: str):
    """A participant's workbench, joined to ``group`` from its link as ``name`` (affiliation "Zoo")."""
    bench = workbench(store=store, query=build_query(workshop=workshop.join_code, group=group.id))
    bench.join_form.display_name.value = name
    bench.join_form.affiliation.value = "Zoo"
    assert bench.join_form.join(), bench.join_form.message.value
    return bench
