"""Workshop mode in the widgets: the page address, joining, the group's shared assessment, live judgements,
the facilitator's view and the connection heartbeat. Each test has a SQLite workshop store of its own
(``EXSITU_WORKSHOP_DB`` under ``tmp_path``)."""

from __future__ import annotations

import base64
import html
import json
import os
import re

import pytest

from exsitu.examples import example_assessment
from exsitu.widgets.connection import ConnectionStatus
from exsitu.widgets.facilitator import Facilitator, qr_svg, workbench_link
from exsitu.widgets.judgements import (JudgementPanel, decision_for_judgements, judgement_summary_html,
                                       outcome_scenarios_for)
from exsitu.widgets.workbench import workbench
from exsitu.widgets.workshop import MAX_QUERY_CHARS, JoinForm, build_query, parse_query
from tests.unit.workshop_fixtures import join_from_link, room, store  # noqa: F401 (fixtures)


# ------------------------------------------------------------------------------------------- the page address

def test_parse_query_reads_a_workshop_link():
    wanted = parse_query("?workshop=K7Q2-P9&group=g_1&participant=p-1&step=3")
    assert (wanted.workshop, wanted.group, wanted.participant, wanted.step) == ("K7Q2-P9", "g_1", "p-1", 3)
    assert wanted.problems == () and wanted.in_workshop
    assert parse_query(build_query(workshop="AB12", group="g", step=5)) == parse_query("workshop=AB12&group=g&step=5")
    assert parse_query("") == parse_query(None) == parse_query("voila=1&theme=dark")


@pytest.mark.parametrize("text, problem", [
    ("workshop=<script>&group=g", "workshop that is not valid"),
    ("solo=../../etc/passwd", "solo that is not valid"),
    ("solo=abc&step=0", "step that is not 1"),
    ("solo=abc&step=1e9", "step that is not 1"),
    ("solo=" + "x" * (MAX_QUERY_CHARS + 1), f"longer than {MAX_QUERY_CHARS}"),
    ("&".join(f"a{i}=1" for i in range(50)), "too many parts"),
    ("workshop=AB12&group=g&solo=abc", "both a workshop and a solo"),
])
def test_parse_query_drops_hostile_values_with_a_message(text, problem):
    wanted = parse_query(text)
    assert any(problem in item for item in wanted.problems), wanted.problems
    assert "<script>" not in "".join(wanted.problems)


@pytest.mark.parametrize("store_id", ["_kL2tHDANgti", "-a0xcx44El9p", "__", "Zz-_09"])
def test_parse_query_accepts_every_id_the_store_can_make(store_id):
    # the store's ids are secrets.token_urlsafe: about 1 in 32 starts with '_' or '-'
    wanted = parse_query(build_query(workshop="AB12", group=store_id, participant=store_id))
    assert wanted.problems == () and (wanted.group, wanted.participant) == (store_id, store_id)
    assert parse_query(build_query(solo=store_id)).solo == store_id


def test_the_store_s_ids_pass_the_page_address_check(store):
    workshop = store.create_workshop("Many groups", "Atelopus zeteki", "2026-12-03",
                                     [f"Group {i}" for i in range(60)])
    ids = [group.id for group in store.groups(workshop.join_code)]
    assert len(set(ids)) == 60
    for group_id in ids:
        assert parse_query(build_query(workshop=workshop.join_code, group=group_id)).group == group_id


def test_participant_without_workshop_is_ignored():
    wanted = parse_query("group=g&participant=p")
    assert not wanted.in_workshop and wanted.group == "" and wanted.participant == ""


# ------------------------------------------------------------------------------------------- joining

def test_join_form_messages_for_bad_input(store, room):
    workshop, groups = room
    joined = []
    form = JoinForm(store, lambda *args: joined.append(args))
    assert not form.look_up() and "Workshop code" in form.message.value and "is empty" in form.message.value
    form.code.value = "WRONG1"
    assert not form.look_up() and "check the code" in form.message.value
    form.code.value = "x" * 10_000
    assert not form.look_up() and "too long" in form.message.value
    form.code.value = workshop.join_code
    assert form.look_up() and [label for label, _ in form.group.options] == ["Group A", "Group B"]
    form.display_name.value = "Ana"
    # two groups and none chosen: nobody lands in a group they did not pick
    assert form.group.value is None and not form.join() and "choose your working group" in form.message.value
    form.group.value = groups[0].id
    form.display_name.value = "   "
    assert not form.join() and "Your name" in form.message.value
    form.display_name.value = "N" * 10_000  # a huge name: the store's limit, as a message
    assert not form.join() and "Traceback" not in form.message.value and "ws-error" in form.message.value
    assert joined == []
    form.display_name.value = "Ana"
    assert form.join()
    (got_workshop, got_group, participant), = joined
    assert got_group.id == groups[0].id and participant.display_name == "Ana"


def test_joining_from_a_link_lands_on_the_group_and_reload_resumes_the_step(store, room):
    workshop, groups = room
    bench = workbench(store=store, query=build_query(workshop=workshop.join_code, group=groups[0].id, step=4))
    assert not bench.in_workshop and bench.work.layout.display == "none"
    assert "Say who you are" in bench.message.value
    assert bench.join_form.group.value == groups[0].id
    bench.join_form.display_name.value = "Ana"
    assert bench.join_form.join()
    assert bench.in_workshop and bench.steps.selected_index == 3
    assert bench.assessment.to_dict() == example_assessment("panamanian-golden-frog").to_dict()
    query = bench.connection.query
    assert f"workshop={workshop.join_code}" in query and f"participant={bench.participant.id}" in query
    bench.steps.selected_index = 1
    reloaded = workbench(store=store, query=bench.connection.query)  # a reload, or another device
    assert reloaded.in_workshop and reloaded.participant.id == bench.participant.id
    assert reloaded.steps.selected_index == 1 and reloaded.assessment.to_dict() == bench.assessment.to_dict()


def test_a_wrong_code_or_group_in_the_link_is_a_message(store, room):
    workshop, groups = room
    wrong = workbench(store=store, query="workshop=NOPE99&group=g1")
    assert "not valid" in wrong.message.value and not wrong.in_workshop
    other = store.create_workshop("Other", "Other taxon", "2026-12-04", ["X"])
    foreign = store.groups(other.join_code)[0]
    cross = workbench(store=store, query=build_query(workshop=workshop.join_code, group=foreign.id))
    assert "not a group of this workshop" in cross.message.value and not cross.in_workshop


def test_a_group_sees_only_its_own_work(store, room):
    workshop, groups = room
    ana = join_from_link(store, workshop, groups[0], "Ana")
    ben = join_from_link(store, workshop, groups[1], "Ben")
    ana.title.value = "Group A's secret title"
    assert ben.assessment.title != "Group A's secret title"
    ben.poll()
    assert ben.assessment.title != "Group A's secret title"
    assert store.load_assessment(workshop.join_code, groups[1].id)[0].title != "Group A's secret title"
    assert not hasattr(ben, "resume_choice") or "Group A" not in str(ben.resume_choice.value)
    # a participant of group B with group A's id in the address is not let in as group A
    forged = workbench(store=store, query=build_query(workshop=workshop.join_code, group=groups[0].id,
                                                      participant=ben.participant.id))
    assert not forged.in_workshop


def test_group_members_share_one_assessment_and_a_stale_save_is_not_lost(store, room):
    workshop, groups = room
    ana = join_from_link(store, workshop, groups[0], "Ana")
    ben = join_from_link(store, workshop, groups[0], "Ben")
    ana.title.value = "Ana's title"
    ben.poll()  # the heartbeat takes the newer version while Ben has no unsaved edit
    assert ben.assessment.title == "Ana's title" and ben.version == ana.version
    ana.scope.value = "Panama"
    ben.notes.value = "Ben's notes"  # based on the older version: refused, shown, not lost
    assert ben.conflict is not None and "scope" in ben.conflict_html.value
    assert store.load_assessment(workshop.join_code, groups[0].id)[0].scope == "Panama"
    assert ben.merge()
    current, _ = store.load_assessment(workshop.join_code, groups[0].id)
    assert current.scope == "Panama" and current.notes == "Ben's notes" and current.title == "Ana's title"
    authors = [item.author for item in store.history(workshop.join_code, groups[0].id)]
    assert "Ana" in authors and "Ben" in authors


# ------------------------------------------------------------------------------------------- judgements

def _fill(panel: JudgementPanel, score: float, vote: str, reason: str = "because") -> None:
    for box in panel.score_inputs.values():
        box.value = f"{score:g}"
    panel.vote.value = vote
    panel.reason.value = reason


def test_judgement_form_checks_each_field(store, room):
    workshop, groups = room
    ana = join_from_link(store, workshop, groups[0], "Ana")
    panel = ana.judgements
    assert panel is not None and panel.score_inputs
    assert not panel.submit() and "is empty" in panel.message.value  # nothing typed
    _fill(panel, 5, "recommend", reason="")
    assert not panel.submit() and "Reason" in panel.message.value
    panel.reason.value = "x" * 5001
    assert not panel.submit() and "5,001 characters" in panel.message.value
    panel.reason.value = "ok"
    first = next(iter(panel.score_inputs.values()))
    first.value = "eleven"
    assert not panel.submit() and "'eleven' is not a number" in html.unescape(panel.message.value)
    first.value = "11"
    assert not panel.submit() and "outside 0–10" in panel.message.value
    first.value = "5"
    for box in panel.weight_inputs.values():
        box.value = "0"
    assert not panel.submit() and "all zero" in panel.message.value
    assert store.judgements(workshop.join_code, groups[0].id, "step5") == []


def test_judgements_show_the_distribution_and_what_if_the_dissenters_were_right(store, room):
    workshop, groups = room
    people = [join_from_link(store, workshop, groups[0], name) for name in ("Ana", "Ben", "Cai")]
    decision = people[0].judgements.decision
    baseline = decision.options[0].id
    for bench, score, vote in zip(people, (8, 7, 1), ("recommend", "recommend", "not recommended")):
        panel = bench.judgements
        _fill(panel, score, vote, reason=f"{bench.participant.display_name}'s <reason>")
        for (option_id, criterion_id), box in panel.score_inputs.items():
            if option_id == baseline and criterion_id == "conservation_benefit":
                box.value = "10" if vote == "not recommended" else "0"
        assert panel.submit(), panel.message.value
    judgements = store.judgements(workshop.join_code, groups[0].id, "step5")
    assert len(judgements) == 3
    people[0].judgements.refresh()
    shown = people[0].judgements.distribution.value
    assert "3</b> judgements submitted" in shown
    assert "recommend: 2" in shown and "not recommended: 1" in shown
    assert "Cai&#x27;s &lt;reason&gt;" in shown and "<reason>" not in shown  # escaped
    assert "Where people disagree most" in shown and "Cai 1" in shown
    scenarios = outcome_scenarios_for(judgements, decision)
    minority = scenarios.iloc[-1]
    assert scenarios.iloc[0].vote == "recommend" and minority.participants == 1
    assert minority.top_option == baseline and minority.changes_outcome
    assert "If the dissenters (Cai; most voted <i>recommend</i>) were right, the top option would be" in shown
    assert f"<b class='jd-whatif-leader'>{decision.options[0].name}</b>" in shown
    # resubmitting replaces the earlier judgement
    people[2].judgements.vote.value = "recommend"
    assert people[2].judgements.submit()
    assert len(store.judgements(workshop.join_code, groups[0].id, "step5")) == 3
    assert "Everyone voted" in people[2].judgements.distribution.value


def test_summary_of_no_judgement_and_nothing_to_judge():
    assert "No judgement submitted yet" in judgement_summary_html([])
    from exsitu.assessment import Assessment

    assert decision_for_judgements(Assessment(taxon="Exemplia nova")) is None


# ------------------------------------------------------------------------------------------- facilitator

def test_facilitator_creates_a_workshop_and_follows_the_groups(store):
    fac = Facilitator(store)
    assert not fac.create() and "Title" in fac.message.value
    fac.title.value, fac.taxon.value = "Kihansi spray toad ECA", "Nectophrynoides asperginis"
    fac.date.value = "03/12/2026"
    assert not fac.create() and "YYYY-MM-DD" in fac.message.value
    fac.date.value = "2026-12-03"
    fac.group_names.value = "\n  \n"
    assert not fac.create() and "Groups" in fac.message.value
    fac.group_names.value = "Group A\nGroup B\nGroup C"
    assert fac.create(), fac.message.value
    key = fac.workshop.facilitator_key
    assert html.escape(key) in fac.message.value and fac.workshop.join_code in fac.header.value
    assert [g.name for g in fac.groups] == ["Group A", "Group B", "Group C"]
    assert "workbench.ipynb?workshop=" in fac.links.value

    fac.connection.page_url = "http://127.0.0.1:8866/voila/render/facilitator.ipynb"
    assert "fc-qr" in fac.links.value and "http://127.0.0.1:8866/voila/render/workbench.ipynb?workshop=" \
        in html.unescape(fac.links.value)

    ana = join_from_link(store, fac.workshop, fac.groups[1], "Ana")
    ana.start_case("panamanian-golden-frog")
    fac.refresh()
    rows = re.findall(r"<tr class='fc-group'>(.*?)</tr>", fac.progress.value)
    assert len(rows) == 3 and "Group B" in rows[1] and rows[1].count("✓") == 5 and rows[0].count("✓") == 0

    assert fac.judgement_group.value == fac.decision_group.value == fac.groups[0].id  # the first group at first
    fac.judgement_group.value = fac.groups[1].id
    _fill(ana.judgements, 6, "defer", reason="need more data")
    ana.judgements.build()
    _fill(ana.judgements, 6, "defer", reason="need more data")
    assert ana.judgements.submit(), ana.judgements.message.value
    fac.connection.tick()  # the heartbeat polls the store
    assert "need more data" in fac.judgements_html.value and "defer: 1" in fac.judgements_html.value

    # the facilitator opens it again with the key, not with a wrong one
    again = Facilitator(store)
    assert not again.open("not-the-key") and "Facilitator key" in again.message.value
    assert not again.open("") and "is empty" in again.message.value
    assert again.open(key) and again.workshop.join_code == fac.workshop.join_code


def test_facilitator_records_the_decision_and_exports(store, room):
    workshop, groups = room
    fac = Facilitator(store)
    assert fac.open(workshop.facilitator_key)
    join_from_link(store, workshop, groups[0], "Ana")
    fac.decision_group.value = groups[0].id
    assert not fac.record_decision() and "Outcome" in fac.decision_message.value
    fac.outcome.value = "recommend an insurance population"
    fac.rationale.value = "the chytrid threat cannot be removed in the wild soon"
    fac.dissent.value = "Ana: the cost is underestimated\nanonymous: prefer to defer\n"
    assert fac.record_decision(), fac.decision_message.value
    assert "2 dissents" in fac.decision_message.value

    uri = fac.export("json")
    data = json.loads(base64.b64decode(uri.split(";base64,", 1)[1]))
    text = json.dumps(data)
    assert "recommend an insurance population" in text and "the cost is underestimated" in text
    assert "Group A" in text and "Group B" in text
    assert "fc-export-json" in fac.export_links.value
    report = fac.export("html")
    if report:
        page = base64.b64decode(report.split(";base64,", 1)[1]).decode("utf-8")
        assert "recommend an insurance population" in page
        assert "fc-export-html" in fac.export_links.value and "fc-export-json" in fac.export_links.value


def test_facilitator_shows_a_judgement_at_the_next_half_second_poll_and_rereads_the_case_only_on_a_new_version(
        store, room, monkeypatch):
    import dataclasses

    import exsitu.widgets.connection as connection

    workshop, groups = room
    clock = [100.0]
    monkeypatch.setattr(connection.time, "monotonic", lambda: clock[0])
    fac = Facilitator(store)
    assert fac.open(workshop.facilitator_key) and fac.judgement_group.value == groups[0].id
    assert fac.connection.heartbeat_ms == 500  # the page pings twice a second
    people = [join_from_link(store, workshop, groups[0], name) for name in ("Ana", "Ben")]
    fac.connection.tick()
    reads = []  # the facilitator's reads of the group's assessment from now on
    load_assessment = store.load_assessment
    monkeypatch.setattr(store, "load_assessment", lambda *args: reads.append(args) or load_assessment(*args))
    for number, bench in enumerate(people):
        _fill(bench.judgements, 5 + number, "recommend", reason=f"reason {number}")
        assert bench.judgements.submit(), bench.judgements.message.value
        clock[0] += 0.5  # the next ping
        fac.connection.tick()
        assert f"reason {number}" in fac.judgements_html.value  # shown at the next poll, not a second later
    assert "2</b> judgements submitted" in fac.judgements_html.value
    assert reads == []  # new judgements alone: the case judged is the one already read
    # a member renames an option: the next poll reads the new version once and shows the new name
    case, version = load_assessment(workshop.join_code, groups[0].id)
    decision = case.decision
    renamed = dataclasses.replace(decision, options=(decision.options[0],
                                                     dataclasses.replace(decision.options[1], name="Renamed option"),
                                                     *decision.options[2:]))
    store.save_assessment(workshop.join_code, groups[0].id, dataclasses.replace(case, decision=renamed), version,
                          "Ana", "renamed an option")
    clock[0] += 0.5
    fac.connection.tick()
    assert len(reads) == 1 and "Renamed option" in fac.judgements_html.value
    clock[0] += 0.5
    fac.connection.tick()
    assert len(reads) == 1  # nothing new: nothing read


def test_workbench_link_and_qr():
    assert workbench_link("https://eca.example.org/voila/render/facilitator.ipynb?x=1#k", "AB12", "g1") == \
        "https://eca.example.org/voila/render/workbench.ipynb?workshop=AB12&group=g1"
    assert workbench_link("javascript:alert(1)", "AB12", "g1") == "workbench.ipynb?workshop=AB12&group=g1"
    assert workbench_link("", "AB12", "g1").startswith("workbench.ipynb?")
    assert qr_svg("https://eca.example.org/").startswith("<img class='fc-qr'")
    assert "data:image/svg+xml" in qr_svg("x")


# ------------------------------------------------------------------------------------------- connection

def test_heartbeat_answers_and_runs_due_callbacks():
    status = ConnectionStatus()
    sent, calls = [], []
    status.send = lambda content, buffers=None: sent.append(content)
    status.on_tick(lambda: calls.append("poll"), every=3600)
    status.on_tick(lambda: 1 / 0, every=0)  # a failing poll never breaks the heartbeat
    status._handle(status, {"type": "ping", "seq": 7}, None)
    status._handle(status, {"type": "ping", "seq": 8}, None)
    status._handle(status, {"type": "other"}, None)
    assert sent == [{"type": "pong", "seq": 7}, {"type": "pong", "seq": 8}]
    assert status.pings == 2 and calls == ["poll"]  # throttled to once an hour
    status.saved(0)
    assert re.fullmatch(r"\d\d:\d\d:\d\d", status.saved_label)
    assert "Connection lost" in status._esm and "history.replaceState" in status._esm


def test_query_string_outside_a_preheated_voila_kernel(monkeypatch):
    from exsitu.widgets.workshop import query_string

    monkeypatch.delenv("VOILA_PREHEAT", raising=False)
    monkeypatch.setenv("QUERY_STRING", "solo=abc&step=2")
    assert query_string() == "solo=abc&step=2"
    monkeypatch.delenv("QUERY_STRING")
    assert query_string() == ""


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _preheated_kernel_env(monkeypatch, port: int) -> None:
    monkeypatch.setenv("VOILA_PREHEAT", "True")
    monkeypatch.setenv("VOILA_KERNEL_ID", "k-123")
    monkeypatch.setenv("VOILA_APP_IP", "127.0.0.1")
    monkeypatch.setenv("VOILA_APP_PORT", str(port))
    monkeypatch.setenv("VOILA_SERVER_URL", "/")
    monkeypatch.delenv("VOILA_WS_BASE_URL", raising=False)
    monkeypatch.setenv("QUERY_STRING", "")
    monkeypatch.setenv("SCRIPT_NAME", "")  # set by a request info: restored after the test


def test_a_preheated_kernel_that_cannot_reach_the_server_says_so_in_the_log(monkeypatch, caplog):
    import exsitu.widgets.workshop as workshop

    _preheated_kernel_env(monkeypatch, _free_port())  # nothing listens there
    monkeypatch.setattr(workshop, "CONNECT_ATTEMPTS", 2)
    with caplog.at_level("WARNING", logger="exsitu.workshop"):
        assert workshop.query_string() == ""
    assert "did not reach this kernel" in caplog.text


def test_a_preheated_kernel_waits_for_a_server_that_is_slow_to_answer(monkeypatch):
    """The server starts listening only after the kernel's first attempts failed (Voilà's helper gives up)."""
    import asyncio
    import json
    import threading
    import time as clock

    import websockets

    import exsitu.widgets.workshop as workshop

    port = _free_port()
    _preheated_kernel_env(monkeypatch, port)
    paths, ready = [], threading.Event()

    async def answer(socket):
        paths.append(socket.request.path)
        await socket.send(json.dumps({"QUERY_STRING": "workshop=AB12&group=_g1&step=3",
                                      "SCRIPT_NAME": "/voila/render/workbench.ipynb"}))

    def serve_late():
        async def main():
            clock.sleep(2.5)  # the kernel's first connects are refused
            async with websockets.serve(answer, "127.0.0.1", port):
                ready.set()
                await asyncio.sleep(10)

        asyncio.new_event_loop().run_until_complete(main())

    threading.Thread(target=serve_late, daemon=True).start()
    assert workshop.query_string() == "workshop=AB12&group=_g1&step=3"
    assert ready.is_set() and paths == ["/voila/query/k-123"]
    assert os.environ["SCRIPT_NAME"] == "/voila/render/workbench.ipynb"


def test_a_preheated_workbench_kernel_imports_what_its_page_would_wait_for(monkeypatch):
    import importlib
    from pathlib import Path

    import exsitu.widgets.workbench as workbench_module

    imported = []
    real_import = importlib.import_module
    monkeypatch.setattr(importlib, "import_module", lambda name, *rest: imported.append(name) or real_import(name,
                                                                                                          *rest))
    monkeypatch.delenv("VOILA_PREHEAT", raising=False)
    assert workbench_module.preload() == () and imported == []  # tests, JupyterLab: the imports stay lazy
    monkeypatch.setenv("VOILA_PREHEAT", "True")
    assert workbench_module.preload() == workbench_module.PRELOADED_MODULES
    assert [name for name in imported if name.startswith("exsitu")] == ["exsitu.workshop", "exsitu.widgets.judgements",
                                                                         "exsitu.widgets.decision"]
    # the app preloads before it waits for its page's address
    cells = json.loads((Path(__file__).resolve().parents[2] / "apps" / "workbench.ipynb").read_text("utf-8"))["cells"]
    code = "\n".join("".join(cell["source"]) for cell in cells)
    assert 0 <= code.index("preload()") < code.index("query_string()")


def test_a_heartbeat_a_little_early_still_runs_a_once_a_second_callback(monkeypatch):
    import exsitu.widgets.connection as connection

    clock = [100.0]
    monkeypatch.setattr(connection.time, "monotonic", lambda: clock[0])
    status = ConnectionStatus()
    calls = []
    status.on_tick(lambda: calls.append(clock[0]), every=1.0)
    for beat in (0.0, 0.97, 1.95, 2.4, 2.92):  # pings 1 s apart, with jitter, and one out of step
        clock[0] = 100.0 + beat
        status.tick()
    assert calls == [100.0, 100.97, 101.95, 102.92]


def test_a_preheated_kernel_opens_the_default_store_before_its_page(tmp_path, monkeypatch, caplog):
    from exsitu.widgets.workbench import open_default_store
    from exsitu.workshop import open_store

    monkeypatch.delenv("EXSITU_DATABASE_URL", raising=False)
    monkeypatch.setenv("EXSITU_WORKSHOP_DB", str(tmp_path / "room.sqlite3"))
    assert open_default_store()
    store = open_store()  # the workbench then finds it open and migrated
    try:
        from exsitu.workshop.migrate import current_revision, head_revision

        assert (tmp_path / "room.sqlite3").exists() and current_revision(store.engine) == head_revision()
    finally:
        store.close()
    monkeypatch.setenv("EXSITU_DATABASE_URL", "mysql://nobody@nowhere/db")
    with caplog.at_level("WARNING"):
        assert not open_default_store()  # only logged: the workbench says it on the page
    assert "not supported" in caplog.text
