"""The workshop store on SQLite and PostgreSQL: no lost update, versions, rollback, isolation, limits, migrations."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import create_engine, inspect, text

from exsitu.assessment import Assessment
from exsitu.decision import example_decision
from exsitu.validation import InvalidInputError
from exsitu.workshop import (PERSPECTIVES, VOTES, AccessDenied, Dissent, StaleVersionError, WorkshopStore,
                             open_store)
from exsitu.workshop.migrate import head_revision
from exsitu.workshop.schema import TABLES


def _workshop(store, groups=("Group A", "Group B")):
    return store.create_workshop("Golden frog ECA", "Atelopus zeteki", "2026-12-03", list(groups))


def test_migration_from_empty_database_creates_every_table(store_url):
    engine = create_engine(store_url)
    assert not set(TABLES) & set(inspect(engine).get_table_names())
    engine.dispose()
    store = WorkshopStore(store_url)
    try:
        names = set(inspect(store.engine).get_table_names())
        assert set(TABLES) <= names and "alembic_version" in names
        with store.engine.connect() as connection:
            assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == head_revision()
        columns = {c["name"] for c in inspect(store.engine).get_columns("documents")}
        assert {"id", "workshop_id", "version", "updated_at", "steps_done"} <= columns
        # the migrations build exactly the tables schema.py declares (no drift between the two)
        from alembic.autogenerate import compare_metadata
        from alembic.migration import MigrationContext

        from exsitu.workshop.schema import metadata
        with store.engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), metadata) == []
    finally:
        store.close()
    again = WorkshopStore(store_url)  # opening a migrated database is a no-op
    again.close()


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path):
    store = WorkshopStore(f"sqlite:///{tmp_path / 'w.sqlite3'}")
    try:
        with store.engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
            assert connection.exec_driver_sql("PRAGMA busy_timeout").scalar_one() >= 5000
    finally:
        store.close()


def test_open_store_uses_the_environment_and_caches_per_url(tmp_path, monkeypatch):
    monkeypatch.delenv("EXSITU_DATABASE_URL", raising=False)
    monkeypatch.setenv("EXSITU_WORKSHOP_DB", str(tmp_path / "sub" / "ws.sqlite3"))
    store = open_store()
    try:
        assert open_store() is store
        assert (tmp_path / "sub" / "ws.sqlite3").exists()
    finally:
        store.close()
    with pytest.raises(InvalidInputError, match="url"):
        open_store("mysql://x/y")


def test_create_join_save_and_load(store):
    ws = _workshop(store)
    assert len(ws.facilitator_key) >= 40 and ws.join_code.count("-") == 1 and len(ws.join_code) == 9
    assert store.workshop_by_code(ws.join_code.lower().replace("-", " ")).id == ws.id
    assert store.workshop_by_code(ws.join_code).facilitator_key == ""
    assert store.workshop_by_key(ws.facilitator_key).facilitator_key == ws.facilitator_key
    group_a, group_b = store.groups(ws.join_code)
    assert [group_a.name, group_b.name] == ["Group A", "Group B"]
    ana = store.join(ws.join_code, group_a.id, "Ana Pérez", "Zoo X", "ex situ")
    assert store.participants(ws.join_code, group_a.id) == [ana]
    assessment, version = store.load_assessment(ws.join_code, group_a.id)
    assert version == 1 and assessment.taxon == "Atelopus zeteki"
    assessment.notes = "first edit"
    assert store.save_assessment(ws.join_code, group_a.id, assessment, 1, "Ana Pérez", "notes") == 2
    loaded, version = store.load_assessment(ws.join_code, group_a.id)
    assert (loaded, version) == (assessment, 2)
    history = store.history(ws.join_code, group_a.id)
    assert [h.version for h in history] == [1, 2]
    assert history[1].author == "Ana Pérez" and history[1].changed_paths == ("notes",)
    assert history[1].saved_at.endswith("+00:00")


def test_two_writers_one_stale_save_refused_and_both_versions_kept(store):
    ws = _workshop(store)
    group = store.groups(ws.join_code)[0]
    base, version = store.load_assessment(ws.join_code, group.id)
    barrier = threading.Barrier(2)
    results: dict[str, object] = {}

    def write(name: str) -> None:
        mine = Assessment.from_dict(base.to_dict())
        mine.notes = f"edit by {name}"
        barrier.wait()
        try:
            results[name] = store.save_assessment(ws.join_code, group.id, mine, version, name)
        except StaleVersionError as error:
            results[name] = error

    threads = [threading.Thread(target=write, args=(name,)) for name in ("Ana", "Bo")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    wins = [name for name, result in results.items() if result == 2]
    losses = [result for result in results.values() if isinstance(result, StaleVersionError)]
    assert len(wins) == 1 and len(losses) == 1, results
    stale = losses[0]
    loser = ({"Ana", "Bo"} - set(wins)).pop()
    assert stale.current_version == 2 and stale.base_version == 1
    assert stale.current_assessment.notes == f"edit by {wins[0]}"
    assert stale.yours.notes == f"edit by {loser}"
    # the loser keeps their edit: saving it on top of the current version works, and every version is kept
    assert store.save_assessment(ws.join_code, group.id, stale.yours, stale.current_version, loser, "merged") == 3
    history = store.history(ws.join_code, group.id)
    assert [(h.version, h.author) for h in history] == [(1, "facilitator"), (2, wins[0]), (3, loser)]
    assert store.assessment_at(ws.join_code, group.id, 2).notes == f"edit by {wins[0]}"
    assert store.assessment_at(ws.join_code, group.id, 3).notes == f"edit by {loser}"


def test_many_concurrent_writers_exactly_one_wins_per_version(store):
    ws = _workshop(store, ["G"])
    group = store.groups(ws.join_code)[0]
    base, version = store.load_assessment(ws.join_code, group.id)
    barrier = threading.Barrier(8)
    outcomes = []

    def write(i: int) -> None:
        mine = Assessment.from_dict(base.to_dict())
        mine.notes = str(i)
        barrier.wait()
        try:
            outcomes.append(store.save_assessment(ws.join_code, group.id, mine, version, f"p{i}"))
        except StaleVersionError:
            outcomes.append("stale")

    threads = [threading.Thread(target=write, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes, key=str) == [2] + ["stale"] * 7
    assert [h.version for h in store.history(ws.join_code, group.id)] == [1, 2]


def test_rollback_makes_a_new_version_equal_to_the_old_one(store):
    ws = _workshop(store, ["G"])
    group = store.groups(ws.join_code)[0]
    a, v = store.load_assessment(ws.join_code, group.id)
    a.notes = "one"
    v = store.save_assessment(ws.join_code, group.id, a, v, "Ana")
    a.notes = "two"
    v = store.save_assessment(ws.join_code, group.id, a, v, "Bo")
    assert v == 3
    assert store.rollback(ws.join_code, group.id, 2, "Ana") == 4
    current, version = store.load_assessment(ws.join_code, group.id)
    assert version == 4 and current.notes == "one" and current == store.assessment_at(ws.join_code, group.id, 2)
    history = store.history(ws.join_code, group.id)
    assert len(history) == 4 and "Rolled back to version 2" in history[-1].summary
    assert history[-1].changed_paths == ("notes",)
    assert store.assessment_at(ws.join_code, group.id, 3).notes == "two"  # nothing deleted
    with pytest.raises(InvalidInputError, match="version"):
        store.rollback(ws.join_code, group.id, 99, "Ana")


def test_a_group_sees_only_its_own_and_a_workshop_never_sees_another(store):
    one, two = _workshop(store), _workshop(store, ["Other group"])
    a, b = store.groups(one.join_code)
    (other,) = store.groups(two.join_code)
    ana = store.join(one.join_code, a.id, "Ana", "", "in situ")
    store.join(one.join_code, b.id, "Bo", "", "authority")
    assert [p.display_name for p in store.participants(one.join_code, a.id)] == ["Ana"]
    assert [g.name for g in store.groups(two.join_code)] == ["Other group"]
    # another workshop's code with this workshop's group: denied, for every scoped call
    assessment, version = store.load_assessment(one.join_code, a.id)
    for call in (lambda: store.load_assessment(two.join_code, a.id),
                 lambda: store.participants(two.join_code, a.id),
                 lambda: store.history(two.join_code, a.id),
                 lambda: store.assessment_at(two.join_code, a.id, 1),
                 lambda: store.save_assessment(two.join_code, a.id, assessment, version, "x"),
                 lambda: store.rollback(two.join_code, a.id, 1, "x"),
                 lambda: store.join(two.join_code, a.id, "Eve", "", "other"),
                 lambda: store.judgements(two.join_code, a.id, "step5"),
                 lambda: store.load_assessment(one.join_code, other.id),
                 lambda: store.load_assessment("ZZZZ-ZZZZ", a.id),
                 lambda: store.load_assessment(one.join_code, "no-such-group")):
        with pytest.raises(AccessDenied):
            call()
    # a participant of group A cannot judge in group B
    with pytest.raises(AccessDenied):
        store.submit_judgement(one.join_code, b.id, ana.id, "step5", scores={}, weights={}, vote="defer",
                               confidence="low", reason="")
    # a facilitator key opens its own workshop only; a wrong key opens nothing
    assert [g.name for g in store.overview(two.facilitator_key)] == ["Other group"]
    assert store.export_workshop(two.facilitator_key)["workshop"]["id"] == two.id
    for bad in ("", "x" * 43, one.facilitator_key[:-1] + "?", None, 42, "x" * 10_000):
        with pytest.raises(AccessDenied):
            store.workshop_by_key(bad)
        with pytest.raises(AccessDenied):
            store.overview(bad)
    for bad in ("", "ABCD", "0000-0000", None, "A" * 10_000):
        with pytest.raises(AccessDenied) as denied:
            store.workshop_by_code(bad)
        assert "facilitator" in str(denied.value)
    with pytest.raises(AccessDenied):
        store.add_group(one.join_code, "sneaky")  # the join code is not the facilitator key


def test_judgements_replace_the_older_one_and_keep_it(store):
    ws = _workshop(store, ["G"])
    group = store.groups(ws.join_code)[0]
    ana = store.join(ws.join_code, group.id, "Ana", "Zoo", "ex situ")
    bo = store.join(ws.join_code, group.id, "Bo", "Ministry", "authority")
    scores = {"insurance": {"conservation_benefit": 7, "risk": 3}}
    store.submit_judgement(ws.join_code, group.id, ana.id, "step5", scores=scores, weights={"risk": 1},
                           vote="recommend", confidence="medium", reason="first")
    store.submit_judgement(ws.join_code, group.id, ana.id, "step5", scores=scores, weights={"risk": 2},
                           vote="defer", confidence="high", reason="second")
    store.submit_judgement(ws.join_code, group.id, bo.id, "step5", scores=scores, weights={},
                           vote="not recommended", confidence="low", reason="")
    current = store.judgements(ws.join_code, group.id, "step5")
    assert [(j.display_name, j.vote, j.reason) for j in current] == [("Ana", "defer", "second"),
                                                                       ("Bo", "not recommended", "")]
    assert current[0].scores == {"insurance": {"conservation_benefit": 7.0, "risk": 3.0}}
    assert current[0].weights == {"risk": 2.0} and current[0].perspective == "ex situ"
    history = store.judgement_history(ws.join_code, group.id, "step5")
    assert [(j.reason, j.current) for j in history] == [("first", False), ("second", True), ("", True)]
    assert store.judgements(ws.join_code, group.id, "step2") == []
    overview = store.overview(ws.facilitator_key)
    assert overview[0].participants == 2 and overview[0].judgements == {"step5": 2}


def test_scores_must_lie_on_the_groups_scale(store):
    ws = _workshop(store, ["G"])
    group = store.groups(ws.join_code)[0]
    ana = store.join(ws.join_code, group.id, "Ana", "", "ex situ")
    call = dict(weights={}, vote="recommend", confidence="", reason="")
    with pytest.raises(InvalidInputError, match=r"scores\['o'\]\['c'\].*at most 10"):
        store.submit_judgement(ws.join_code, group.id, ana.id, "step5", scores={"o": {"c": 11}}, **call)
    # a group whose Step 5 decision is on 1-5 refuses 6
    a, v = store.load_assessment(ws.join_code, group.id)
    decision = example_decision("frog_insurance")
    from dataclasses import replace
    a.decision = replace(decision, scores=(), score_min=1.0, score_max=5.0)
    store.save_assessment(ws.join_code, group.id, a, v, "Ana")
    with pytest.raises(InvalidInputError, match="at most 5"):
        store.submit_judgement(ws.join_code, group.id, ana.id, "step5", scores={"o": {"c": 6}}, **call)
    store.submit_judgement(ws.join_code, group.id, ana.id, "step5", scores={"o": {"c": 5}}, **call)
    with pytest.raises(InvalidInputError, match="finite"):
        store.submit_judgement(ws.join_code, group.id, ana.id, "step5", scores={"o": {"c": float("nan")}}, **call)
    with pytest.raises(InvalidInputError, match="finite"):
        store.submit_judgement(ws.join_code, group.id, ana.id, "step5", scores={"o": {"c": 3}},
                               **{**call, "weights": {"c": float("inf")}})


def test_limits_name_the_field_and_the_fix(store):
    ws = _workshop(store, ["G"])
    group = store.groups(ws.join_code)[0]
    cases = [
        (lambda: store.create_workshop("t" * 201, "X", "2026-12-03", []), "title", "at most 200"),
        (lambda: store.create_workshop("T", "", "2026-12-03", []), "taxon", "type something"),
        (lambda: store.create_workshop("T", "X", "3 Dec", []), "date", "YYYY-MM-DD"),
        (lambda: store.create_workshop("T", "X", "2026-12-03", ["A", "a"]), "group_names[1]", "own name"),
        (lambda: store.join(ws.join_code, group.id, " ", "", "ex situ"), "display_name", "type something"),
        (lambda: store.join(ws.join_code, group.id, "N" * 201, "", "ex situ"), "display_name", "200"),
        (lambda: store.join(ws.join_code, group.id, "Ana", "a" * 201, "ex situ"), "affiliation", "200"),
        (lambda: store.join(ws.join_code, group.id, "Ana", "", "zoo"), "perspective", "in situ"),
    ]
    for call, field, fix in cases:
        with pytest.raises(InvalidInputError) as error:
            call()
        assert error.value.field == field and fix in str(error.value), (field, str(error.value))
    ana = store.join(ws.join_code, group.id, "Ana", "", PERSPECTIVES[0])
    base = dict(scores={}, weights={}, vote=VOTES[0], confidence="", reason="")
    for changes, field in (({"reason": "r" * 5001}, "reason"), ({"vote": "maybe"}, "vote"),
                           ({"confidence": "c" * 201}, "confidence")):
        with pytest.raises(InvalidInputError) as error:
            store.submit_judgement(ws.join_code, group.id, ana.id, "step5", **{**base, **changes})
        assert error.value.field == field
    store.submit_judgement(ws.join_code, group.id, ana.id, "step5", **{**base, "reason": "r" * 5000})
    a, v = store.load_assessment(ws.join_code, group.id)
    a.notes = "x" * (5 * 1024 * 1024)
    with pytest.raises(InvalidInputError) as error:
        store.save_assessment(ws.join_code, group.id, a, v, "Ana")
    assert error.value.field == "assessment" and "5 MB" in str(error.value)
    a.notes = ""
    a.population_needs = []
    from exsitu.assessment import PopulationNeed
    with pytest.raises(InvalidInputError, match="finite"):  # refused when the need is made ...
        PopulationNeed("insurance", pva={"p": float("nan")})
    a.population_needs = [PopulationNeed("insurance", pva={"p": 0.5})]
    a.population_needs[0].pva["p"] = float("nan")  # ... and when code sets it afterwards, by the store
    with pytest.raises(InvalidInputError, match="finite"):
        store.save_assessment(ws.join_code, group.id, a, v, "Ana")
    with pytest.raises(InvalidInputError, match="base_version"):
        store.save_assessment(ws.join_code, group.id, Assessment(taxon="X"), True, "Ana")
    with pytest.raises(InvalidInputError, match="author"):
        store.save_assessment(ws.join_code, group.id, Assessment(taxon="X"), v, "a" * 201)
    # nothing of the refused saves was written
    assert [h.version for h in store.history(ws.join_code, group.id)] == [1]


def test_decision_with_named_and_anonymous_dissent(store):
    ws = _workshop(store, ["G"])
    group = store.groups(ws.join_code)[0]
    ana = store.join(ws.join_code, group.id, "Ana", "", "ex situ")
    assert store.decision(ws.join_code, group.id) is None
    store.record_decision(ws.join_code, group.id, outcome="Insurance population", rationale="Benefit outweighs risk",
                          dissent=[Dissent("Founders should stay wild", ana.id, "ignored name"),
                                   Dissent("Cost is underestimated")], recorded_by="Facilitator")
    decision = store.decision(ws.join_code, group.id)
    assert decision.outcome == "Insurance population"
    assert decision.dissent == (Dissent("Founders should stay wild", ana.id, "Ana"),
                                Dissent("Cost is underestimated", None, "anonymous"))
    with pytest.raises(InvalidInputError, match=r"dissent\[0\].participant_id"):
        store.record_decision(ws.join_code, group.id, outcome="x", rationale="", recorded_by="F",
                              dissent=[Dissent("no", "someone-else")])
    with pytest.raises(InvalidInputError, match="outcome"):
        store.record_decision(ws.join_code, group.id, outcome="", rationale="", recorded_by="F", dissent=[])
    assert len(store.decisions(ws.join_code, group.id)) == 1


def test_overview_reports_steps_done_and_versions(store):
    ws = _workshop(store)
    a_group, _b_group = store.groups(ws.join_code)
    assessment, version = store.load_assessment(ws.join_code, a_group.id)
    assessment.decision = example_decision("frog_insurance")
    from exsitu.decision import BASELINE_ID, DecisionRecord
    assessment.decision_record = DecisionRecord(decision=assessment.decision, chosen_option_ids=(BASELINE_ID,))
    store.save_assessment(ws.join_code, a_group.id, assessment, version, "Ana")
    overview = store.overview(ws.facilitator_key)
    assert [(g.name, g.version) for g in overview] == [("Group A", 2), ("Group B", 1)]
    assert overview[0].steps_done == {1: False, 2: False, 3: False, 4: False, 5: True}
    assert overview[1].steps_done == {1: False, 2: False, 3: False, 4: False, 5: False}
    assert overview[0].saved_at >= overview[1].saved_at


def test_add_group_with_a_starting_assessment(store):
    ws = _workshop(store, ["A"])
    group = store.add_group(ws.facilitator_key, "B", Assessment(taxon="Atelopus zeteki", notes="start"))
    assert [g.name for g in store.groups(ws.join_code)] == ["A", "B"]
    assert store.load_assessment(ws.join_code, group.id)[0].notes == "start"
    with pytest.raises(InvalidInputError, match="exists already"):
        store.add_group(ws.facilitator_key, "B")


def test_solo_assessments(store):
    solo_id, version = store.create_solo(Assessment(taxon="Atelopus zeteki"))
    assert version == 1 and len(solo_id) >= 20
    a, v = store.load_solo(solo_id)
    a.notes = "mine"
    assert store.save_solo(solo_id, a, v) == 2
    with pytest.raises(StaleVersionError) as stale:
        store.save_solo(solo_id, Assessment(taxon="Other"), 1)
    assert stale.value.current_version == 2 and stale.value.current_assessment.notes == "mine"
    assert store.rollback_solo(solo_id, 1) == 3 and store.load_solo(solo_id)[0].notes == ""
    assert [h.version for h in store.solo_history(solo_id)] == [1, 2, 3]
    for bad in ("nope", "", None, solo_id + "x"):
        with pytest.raises(AccessDenied):
            store.load_solo(bad)
    # a group's assessment is not reachable as a solo assessment
    _workshop(store, ["G"])
    with store.engine.connect() as connection:
        document_id = connection.execute(text("SELECT document_id FROM groups")).scalar_one()
    with pytest.raises(AccessDenied):
        store.load_solo(document_id)


def test_warm_up_compiles_every_statement_a_judgement_and_its_read_back_run(store, caplog):
    # SQLAlchemy logs each statement with "[generated in …]" when it compiles it, "[cached since …]" when not
    ws = _workshop(store, ["G"])
    (group,) = store.groups(ws.join_code)
    ana = store.join(ws.join_code, group.id, "Ana", "", "in situ")
    store.open_topic(ws.facilitator_key, None, "step2-roles", ["Insurance"], ["Urgency"])

    def first_calls(fresh: WorkshopStore) -> list[str]:
        caplog.clear()
        with caplog.at_level("INFO", logger="sqlalchemy.engine.Engine"):
            for topic, scores in (("step5", {"insurance": {"risk": 3}}),
                                  ("step2-roles", {"Insurance": {"Urgency": 4}})):
                fresh.submit_judgement(ws.join_code, group.id, ana.id, topic, scores=scores, weights={},
                                       vote="defer", confidence="low", reason="")
                fresh.judgements(ws.join_code, group.id, topic)
        return [r.getMessage() for r in caplog.records if "[generated in" in r.getMessage()]

    cold = WorkshopStore(store.url, migrate=False)
    warm = WorkshopStore(store.url, migrate=False)
    try:
        assert first_calls(cold)  # without warming, a new process compiles on its first submission
        warm.warm_up()
        assert first_calls(warm) == []
    finally:
        cold.close()
        warm.close()


@pytest.mark.postgres
def test_the_store_carries_on_after_postgresql_restarts(postgres_bin_required):
    # a hosted server's database restarts during a workshop: pooled connections are dead; nothing is lost
    from postgres_cluster import start_cluster

    cluster = start_cluster()  # a cluster of its own: the restart drops every connection to it
    store = WorkshopStore(cluster.url(cluster.create_database()))
    try:
        ws = _workshop(store, ["G"])
        (group,) = store.groups(ws.join_code)
        ana = store.join(ws.join_code, group.id, "Ana", "", "in situ")
        store.warm_up()
        for _ in range(3):  # fill the pool with connections
            store.judgements(ws.join_code, group.id, "step5")
        cluster.restart()
        store.submit_judgement(ws.join_code, group.id, ana.id, "step5", scores={"insurance": {"risk": 3}},
                               weights={}, vote="defer", confidence="low", reason="after the restart")
        assert [j.reason for j in store.judgements(ws.join_code, group.id, "step5")] == ["after the restart"]
        assessment, version = store.load_assessment(ws.join_code, group.id)
        assert store.save_assessment(ws.join_code, group.id, assessment, version, "Ana") == version + 1
    finally:
        store.close()
        cluster.stop()
