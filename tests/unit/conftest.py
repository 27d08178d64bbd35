"""Fixtures for the workshop store tests: the same tests run on SQLite and on a throw-away PostgreSQL.

``store_url`` is parametrised over ``sqlite`` (a file in the test's tmp_path) and ``postgresql`` (a new
database in a session-wide cluster, see tests/postgres_cluster.py; marked ``postgres``). ``store`` is an
open :class:`exsitu.workshop.WorkshopStore` on it, closed afterwards.
"""

from __future__ import annotations

import pytest

from postgres_cluster import postgres_bin, start_cluster


@pytest.fixture(scope="session")
def postgres_cluster():
    if postgres_bin() is None:
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")
    cluster = start_cluster()
    yield cluster
    cluster.stop()


@pytest.fixture
def postgres_bin_required():
    if postgres_bin() is None:
        pytest.skip("PostgreSQL is not installed (apt-get install postgresql)")


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'workshop.sqlite3'}"
        return
    cluster = request.getfixturevalue("postgres_cluster")
    name = cluster.create_database()
    yield cluster.url(name)
    cluster.drop_database(name)


@pytest.fixture
def store(store_url):
    from exsitu.workshop import WorkshopStore

    opened = WorkshopStore(store_url)
    yield opened
    opened.close()
