"""Ratings of Steps 2–4 opened to the room (store topics), on SQLite and PostgreSQL: migration, isolation, limits."""

from __future__ import annotations

import json

import pytest
from alembic import command
from sqlalchemy import create_engine, inspect, text

from exsitu.validation import InvalidInputError
from exsitu.workshop import AccessDenied, WorkshopStore
from exsitu.workshop.migrate import _config, current_revision, head_revision

ROLES = ["Insurance population", "Research"]
CRITERIA = ["Addresses the threat", {"id": "urgency", "name": "Urgency"}]


def _workshop(store, groups=("Group A", "Group B")):
    return store.create_workshop("Golden frog ECA", "Atelopus zeteki", "2026-12-03", list(groups))


def _judge(store, ws, group, who, topic="step2-roles", scores=None, weights=None):
    return store.submit_judgement(ws.join_code, group.id, who.id, topic,
                                  scores={"Insurance population": {"urgency": 8}} if scores is None else scores,
                                  weights={"urgency": 1} if weights is None else weights,
                                  vote="recommend", confidence="medium", reason="because")


def test_migration_from_the_previous_revision_keeps_the_data(store_url):
    engine = create_engine(store_url)
    config = _config()
    with engine.begin() as connection:  # a database as the store left it before topics existed
        config.attributes["connection"] = connection
        command.upgrade(config, "0001_initial")
    assert current_revision(engine) == "0001_initial" and "topics" not in inspect(engine).get_table_names()
    with engine.begin() as connection:
        connection.execute(text("INSERT INTO workshops (id, title, taxon, date, join_code, key_hash, created_at) "
                                "VALUES ('w1', 'Old', 'Atelopus zeteki', '2026-12-01', 'ABCD2345', :h, 'x')"),
                           {"h": "0" * 64})
    engine.dispose()
    store = WorkshopStore(store_url)
    try:
        assert current_revision(store.engine) == head_revision() == "0003_supersede_trigger"
        assert "topics" in inspect(store.engine).get_table_names()
        assert store.workshop_by_code("ABCD-2345").title == "Old"
        from alembic.autogenerate import compare_metadata
        from alembic.migration import MigrationContext

        from exsitu.workshop.schema import metadata
        with store.engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), metadata) == []
    finally:
        store.close()


def test_a_rating_opened_to_every_group_or_to_one(store):
    ws = _workshop(store)
    a, b = store.groups(ws.join_code)
    everyone = store.open_topic(ws.facilitator_key, None, "step2-roles", ROLES, CRITERIA)
    assert everyone.group_id is None and everyone.step == 2 and everyone.is_open
    assert [o["id"] for o in everyone.options] == ROLES
    assert everyone.criteria[1] == {"id": "urgency", "name": "Urgency", "direction": "benefit"}
    only_b = store.open_topic(ws.facilitator_key, b.id, "step4-feasibility", ["Zoo A"],
                              ["Feasibility", {"name": "Risk", "direction": "cost"}], scale=(1, 5))
    assert only_b.step == 4 and (only_b.score_min, only_b.score_max) == (1.0, 5.0)
    assert [t.name for t in store.topics(ws.join_code, a.id)] == ["step2-roles"]
    assert [t.name for t in store.topics(ws.join_code, b.id)] == ["step2-roles", "step4-feasibility"]
    assert store.topic(ws.join_code, a.id, "step4-feasibility") is None
    assert store.topic(ws.join_code, b.id, "step4-feasibility").id == only_b.id
    assert {t.id for t in store.workshop_topics(ws.facilitator_key)} == {everyone.id, only_b.id}
    # "" also means every group; a named step overrides the name
    third = store.open_topic(ws.facilitator_key, "", "population need", ["Insurance population"], ["Founders"],
                             step=3)
    assert third.group_id is None and third.step == 3


def test_judgements_on_a_topic_are_checked_against_it(store):
    ws = _workshop(store, ["G"])
    (g,) = store.groups(ws.join_code)
    ana = store.join(ws.join_code, g.id, "Ana", "", "ex situ")
    with pytest.raises(InvalidInputError, match="topic.*not open"):
        _judge(store, ws, g, ana)
    store.open_topic(ws.facilitator_key, g.id, "step2-roles", ROLES, CRITERIA, scale=(0, 5))
    judged = _judge(store, ws, g, ana, scores={"Insurance population": {"urgency": 5, "Addresses the threat": 4}})
    assert judged.topic == "step2-roles"
    for scores, weights, field in (({"Captive breeding": {"urgency": 3}}, {}, r"scores\['Captive breeding'\]"),
                                   ({"Research": {"cost": 3}}, {}, r"scores\['Research'\]\['cost'\]"),
                                   ({"Research": {"urgency": 3}}, {"cost": 1}, r"weights\['cost'\]"),
                                   ({"Research": {"urgency": 6}}, {}, "at most 5")):
        with pytest.raises(InvalidInputError, match=field):
            _judge(store, ws, g, ana, scores=scores, weights=weights)
    with pytest.raises(InvalidInputError, match="score_range"):
        store.submit_judgement(ws.join_code, g.id, ana.id, "step2-roles", scores={}, weights={}, vote="defer",
                               confidence="", reason="", score_range=(0, 10))
    assert [j.display_name for j in store.judgements(ws.join_code, g.id, "step2-roles")] == ["Ana"]
    # Step 5 is unchanged: always open, on the decision's scale
    _judge(store, ws, g, ana, topic="step5", scores={"anything": {"c": 9}}, weights={})
    assert store.overview(ws.facilitator_key)[0].judgements == {"step2-roles": 1, "step5": 1}


def test_reopening_starts_a_fresh_round_and_closing_stops_judgements(store):
    ws = _workshop(store)
    a, b = store.groups(ws.join_code)
    ana = store.join(ws.join_code, a.id, "Ana", "", "ex situ")
    bo = store.join(ws.join_code, b.id, "Bo", "", "authority")
    first = store.open_topic(ws.facilitator_key, None, "step2-roles", ROLES, CRITERIA)
    _judge(store, ws, a, ana)
    _judge(store, ws, b, bo)
    second = store.open_topic(ws.facilitator_key, a.id, "step2-roles", ROLES + ["Training"], CRITERIA)
    # group A: a fresh round on the new options; group B keeps the opening for every group and its judgement
    assert store.topic(ws.join_code, a.id, "step2-roles").id == second.id
    assert store.topic(ws.join_code, b.id, "step2-roles").id == first.id
    assert store.judgements(ws.join_code, a.id, "step2-roles") == []
    assert [j.current for j in store.judgement_history(ws.join_code, a.id, "step2-roles")] == [False]
    assert len(store.judgements(ws.join_code, b.id, "step2-roles")) == 1
    _judge(store, ws, a, ana, scores={"Training": {"urgency": 2}})
    closed = store.close_topic(ws.facilitator_key, second.id)
    assert not closed.is_open and closed.closed_at
    assert [t.id for t in store.topics(ws.join_code, a.id)] == [first.id]  # the opening for every group is open
    store.close_topic(ws.facilitator_key, first.id)
    assert store.topics(ws.join_code, a.id) == [] and store.workshop_topics(ws.facilitator_key) == []
    assert len(store.workshop_topics(ws.facilitator_key, include_closed=True)) == 2
    with pytest.raises(InvalidInputError, match="not open"):
        _judge(store, ws, b, bo)
    assert len(store.judgements(ws.join_code, a.id, "step2-roles")) == 1  # what was given stays readable
    assert store.topic(ws.join_code, a.id, "step2-roles").id == second.id


def test_topics_never_cross_groups_or_workshops_and_need_the_facilitator_key(store):
    one, two = _workshop(store), _workshop(store, ["Other"])
    a, b = store.groups(one.join_code)
    (other,) = store.groups(two.join_code)
    opened = store.open_topic(one.facilitator_key, a.id, "step2-roles", ROLES, CRITERIA)
    store.open_topic(two.facilitator_key, None, "step3-population-need", ["x"], ["y"])
    assert store.topics(one.join_code, b.id) == []
    assert [t.name for t in store.topics(two.join_code, other.id)] == ["step3-population-need"]
    assert [t.name for t in store.workshop_topics(one.facilitator_key)] == ["step2-roles"]
    for call in (lambda: store.topics(two.join_code, a.id),
                 lambda: store.topic(two.join_code, a.id, "step2-roles"),
                 lambda: store.open_topic(one.join_code, a.id, "step2-roles", ROLES, CRITERIA),  # code is not key
                 lambda: store.open_topic(one.facilitator_key + "x", None, "step2-roles", ROLES, CRITERIA),
                 lambda: store.open_topic(two.facilitator_key, a.id, "step2-roles", ROLES, CRITERIA),
                 lambda: store.open_topic(one.facilitator_key, "no-such-group", "step2-roles", ROLES, CRITERIA),
                 lambda: store.close_topic(two.facilitator_key, opened.id),
                 lambda: store.close_topic(one.facilitator_key, "x" * 500),
                 lambda: store.workshop_topics(None)):
        with pytest.raises(AccessDenied):
            call()
    assert store.topic(one.join_code, a.id, "step2-roles").is_open  # the refused close changed nothing
    # a participant of another group cannot rate the group's topic
    bo = store.join(one.join_code, b.id, "Bo", "", "other")
    with pytest.raises(InvalidInputError, match="topic"):
        _judge(store, one, b, bo)


def test_hostile_topics_are_refused_naming_the_field(store):
    ws = _workshop(store, ["G"])
    key = ws.facilitator_key
    cases = [
        (dict(topic="t" * 201), "topic", "at most 200"),
        (dict(topic="step5"), "topic", "always open"),
        (dict(topic="roles"), "step", "cannot tell"),
        (dict(topic="step7-x"), "step", "2, 3 or 4"),
        (dict(step=True), "step", "2, 3 or 4"),
        (dict(options=[]), "options", "empty"),
        (dict(options="Insurance"), "options", "expected a list"),
        (dict(options={"a": 1}), "options", "expected a list"),
        (dict(options=[f"o{i}" for i in range(101)]), "options", "more than 100"),
        (dict(options=(f"o{i}" for i in range(10_000))), "options", "more than 100"),
        (dict(options=["a", "a"]), r"options\[1\]", "twice"),
        (dict(options=["a", None]), r"options\[1\]", "expected a text"),
        (dict(options=["a", "x" * 201]), r"options\[1\]", "at most 200"),
        (dict(options=["a\x00"]), r"options\[0\]", "NUL"),
        (dict(criteria=[{"name": "Risk", "direction": "worse"}]), r"criteria\[0\].direction", "not one of"),
        (dict(criteria=[{"id": "r"}]), r"criteria\[0\].name", "expected a text"),
        (dict(scale=(5, 5)), r"scale\[1\]", ""),
        (dict(scale=(0, float("nan"))), r"scale\[1\]", ""),
        (dict(scale="0-10"), "scale", "expected"),
    ]
    for overrides, field, problem in cases:
        call = dict(topic="step2-roles", options=ROLES, criteria=CRITERIA)
        call.update(overrides)
        step = call.pop("step", None)
        with pytest.raises(InvalidInputError, match=field) as error:
            store.open_topic(key, None, call["topic"], call["options"], call["criteria"], step=step,
                             **({"scale": call["scale"]} if "scale" in call else {}))
        assert problem in str(error.value), (overrides, str(error.value))
    assert store.workshop_topics(key, include_closed=True) == []  # nothing was written


def test_topics_travel_in_the_export(store):
    ws = _workshop(store, ["G"])
    (g,) = store.groups(ws.join_code)
    ana = store.join(ws.join_code, g.id, "Ana", "", "ex situ")
    store.open_topic(ws.facilitator_key, g.id, "step2-roles", ROLES, CRITERIA)
    store.open_topic(ws.facilitator_key, None, "step4-feasibility", ["Zoo A"], [{"name": "Risk", "direction": "cost"}])
    _judge(store, ws, g, ana)
    exported = store.export_workshop(ws.facilitator_key)
    assert [t["name"] for t in exported["topics"]] == ["step2-roles", "step4-feasibility"]
    with store.engine.begin() as connection:
        connection.execute(text("DELETE FROM workshops WHERE id = :id"), {"id": ws.id})
    store.import_workshop(json.dumps(exported))
    again = store.export_workshop(ws.facilitator_key)
    exported.pop("exported_at"), again.pop("exported_at")
    assert again == exported
    _judge(store, ws, g, ana, scores={"Research": {"urgency": 1}})  # the imported topic is open
    old = dict(exported, topics=[dict(exported["topics"][0], group_id="elsewhere")])
    with store.engine.begin() as connection:
        connection.execute(text("DELETE FROM workshops WHERE id = :id"), {"id": ws.id})
    with pytest.raises(InvalidInputError, match=r"topics\[0\].group_id"):
        store.import_workshop(old)


def test_a_rating_asks_for_no_vote_and_step5_still_does(store, tmp_path):
    ws = _workshop(store, ["G"])
    (group,) = store.groups(ws.join_code)
    ana = store.join(ws.join_code, group.id, "Ana", "", "ex situ")
    bo = store.join(ws.join_code, group.id, "Bo", "", "authority")
    store.open_topic(ws.facilitator_key, None, "step2-roles", ROLES, CRITERIA)
    for who, score in ((ana, 8), (bo, 2)):
        store.submit_judgement(ws.join_code, group.id, who.id, "step2-roles",
                               scores={"Insurance population": {"urgency": score}}, weights={}, vote="",
                               confidence="medium", reason="scores only")
    with pytest.raises(InvalidInputError, match="vote"):
        store.submit_judgement(ws.join_code, group.id, ana.id, "step5", scores={}, weights={}, vote="",
                               confidence="low", reason="")
    from exsitu.workshop import majority_vote, outcome_scenarios, render_workshop_report, vote_tally

    judged = store.judgements(ws.join_code, group.id, "step2-roles")
    assert majority_vote(judged) == "" and vote_tally(judged)["count"].sum() == 0
    assert outcome_scenarios(judged).iloc[-1]["participants"] == 0  # no voters, so no minority voters
    exported = store.export_workshop(ws.facilitator_key)
    again = WorkshopStore(f"sqlite:///{tmp_path / 'again.sqlite3'}")  # the export imports again, votes and all
    try:
        copy = again.import_workshop(exported)
        assert {j.vote for j in again.judgements(copy.join_code, again.groups(copy.join_code)[0].id,
                                                  "step2-roles")} == {""}
    finally:
        again.close()
    assert "no vote asked" in render_workshop_report(exported)


def test_a_rating_closed_while_a_judgement_is_on_its_way_takes_no_more(store, monkeypatch):
    # the judgement is checked against the open rating, then the facilitator closes it, then it would be written
    ws = _workshop(store, ["G"])
    (group,) = store.groups(ws.join_code)
    ana = store.join(ws.join_code, group.id, "Ana", "", "ex situ")
    opened = store.open_topic(ws.facilitator_key, None, "step2-roles", ROLES, CRITERIA)
    facilitator = WorkshopStore(store.url, migrate=False)  # the facilitator's page: a kernel of its own
    import exsitu.workshop.store as store_module

    checked = store_module._check_against_topic  # runs after the rating was found open, before the write

    def check_then_close(*args, **kwargs):
        checked(*args, **kwargs)
        facilitator.close_topic(ws.facilitator_key, opened.id)

    monkeypatch.setattr(store_module, "_check_against_topic", check_then_close)
    try:
        with pytest.raises(InvalidInputError, match="closed") as refused:
            _judge(store, ws, group, ana)
        assert refused.value.field == "topic"
    finally:
        monkeypatch.undo()
        facilitator.close()
    assert store.judgement_history(ws.join_code, group.id, "step2-roles") == []
