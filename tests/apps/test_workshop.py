"""Workshop mode in a real browser: a facilitator and three participants on one workshop, live judgements,
reload at the same step, group isolation, bad input, and the server killed and restarted mid-edit.

Each test module's server has a workshop store of its own (a SQLite file under a temporary folder, passed to
the kernels as ``EXSITU_WORKSHOP_DB``); the tests read it with the same store API as the apps.
"""

from __future__ import annotations

import os
import re
import signal
import tempfile
import time
from pathlib import Path

import pytest

from tests.apps.helpers import VoilaServer, app_url, page_problems, server_problems

OFFLINE_NOISE = re.compile(r"net::ERR_(NAME_NOT_RESOLVED|INTERNET_DISCONNECTED|CONNECTION_REFUSED)|WebSocket|"
                           r"Failed to load resource")
WAIT_MS = 300_000  # the shared test machine can be slow to start a kernel
# The servers preheat kernels, as `make apps` serves the apps: a workbench page's query string reaches its
# preheated kernel through Voilà's request-info websocket (see tests/apps/test_serving.py).


def _errors(page) -> list[str]:
    return [text for text in page_problems(page) if not OFFLINE_NOISE.search(text)]


def _wait(predicate, timeout: float = 180.0, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.fixture(scope="module")
def workshop_server():
    folder = Path(tempfile.mkdtemp(prefix="workshop-test-"))
    env = {"EXSITU_WORKBENCH_DIR": str(folder), "EXSITU_WORKSHOP_DB": str(folder / "workshop.sqlite3")}
    with VoilaServer(env=env) as server:
        yield server


def _new_page(chromium):
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(WAIT_MS)
    page.console_errors, page.page_errors = [], []
    page.on("console", lambda m: page.console_errors.append(f"console: {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: page.page_errors.append(f"page error: {e}"))
    return page


def _url(page) -> str:
    """The page's address as the browser shows it (Playwright's page.url misses history.replaceState)."""
    return page.evaluate("window.location.href")


def _text_input(page, label: str):
    return page.locator(".widget-text", has=page.locator("label", has_text=re.compile(f"^{re.escape(label)}$"))) \
        .locator("input").first


def _create_workshop(page, server, groups: str = "Group A\nGroup B") -> dict:
    page.goto(app_url(server, "facilitator.ipynb"), timeout=WAIT_MS, wait_until="commit")
    page.get_by_role("button", name="Create the workshop").wait_for()
    page.get_by_role("button", name="Create the workshop").click()  # empty title: a message, nothing created
    page.locator(".fc-error", has_text="Title").wait_for()
    _text_input(page, "Title").fill("Browser ECA workshop")
    _text_input(page, "Taxon").fill("Atelopus zeteki")
    page.locator(".widget-textarea", has_text="Groups").locator("textarea").fill(groups)
    page.get_by_role("button", name="Create the workshop").click()
    code = page.locator(".fc-code").inner_text().strip()
    key = page.locator("code.fc-key").inner_text().strip()
    _wait(lambda: page.locator("a.fc-link").count() == len(groups.splitlines())
          and page.locator("a.fc-link").first.get_attribute("href").startswith("http"), what="absolute links")
    assert page.locator("img.fc-qr").count() == len(groups.splitlines())
    links = {}
    for row in page.locator("table.fc-links tr").all():
        links[row.locator("td").first.inner_text().strip()] = row.locator("a.fc-link").get_attribute("href")
    return {"code": code, "key": key, "links": links}


def _join(page, link: str | None, name: str) -> None:
    if link is not None:
        page.goto(link, timeout=WAIT_MS, wait_until="commit")
    page.get_by_role("button", name="Join the group").wait_for()
    _text_input(page, "Your name").fill(name)
    page.get_by_role("button", name="Join the group").click()
    page.get_by_text(f"as {name}.").wait_for()
    _wait(lambda: "participant=" in _url(page), what="the address to carry the participant")


def _open_case(page, label: str) -> None:
    if not page.get_by_role("button", name="Open case").is_visible():
        page.get_by_text("Start, resume or upload").click()
    page.locator(".widget-dropdown", has_text="Bundled case").locator("select").select_option(label=label)
    page.get_by_role("button", name="Open case").click()
    page.get_by_text("Opened the bundled case").wait_for()


_TABS = {1: "Status review", 2: "Roles", 3: "Population", 4: "Feasibility", 5: "Decision"}


def _tab(page, number: int) -> None:
    page.get_by_role("tab", name=re.compile(f"{number} {_TABS[number]}")).click()


def test_a_facilitator_and_three_participants(workshop_server, chromium):
    from exsitu.workshop import open_store

    server = workshop_server
    store = open_store(f"sqlite:///{server.workshop_db}")
    facilitator = _new_page(chromium)
    room = _create_workshop(facilitator, server)
    ana, ben, cai = (_new_page(chromium) for _ in range(3))

    # bad input on the join form: an empty name, then a wrong code, each a message
    ana.goto(room["links"]["Group A"], timeout=WAIT_MS, wait_until="commit")
    ana.get_by_role("button", name="Join the group").wait_for()
    ana.get_by_role("button", name="Join the group").click()
    ana.locator(".ws-error", has_text="Your name").wait_for()
    _text_input(ana, "Workshop code").fill("WRONG-CODE")
    ana.get_by_role("button", name="Find my workshop").click()
    ana.locator(".ws-error", has_text="check the code").wait_for()
    _text_input(ana, "Workshop code").fill(room["code"].lower())  # typed by hand, in any case
    ana.get_by_role("button", name="Find my workshop").click()
    _text_input(ana, "Your name").wait_for(state="visible")  # the code is found: the rest of the form shows
    _join(ana, None, "Ana")
    _join(ben, room["links"]["Group A"], "Ben")
    _join(cai, room["links"]["Group B"], "Cai")

    # Ana opens the golden frog case for group A; the facilitator's progress follows
    _open_case(ana, "Panamanian golden frog")
    _text_input(ana, "Title").fill("Group A's frog assessment")
    group_a = next(g for g in store.groups(room["code"]) if g.name == "Group A")
    _wait(lambda: store.load_assessment(room["code"], group_a.id)[0].title == "Group A's frog assessment",
          what="group A's save")
    _wait(lambda: facilitator.locator("tr.fc-group", has_text="Group A").inner_text().count("✓") == 5,
          what="the facilitator's progress of group A")

    # a judgement submitted on Ana's page appears on the facilitator's page
    _tab(ana, 5)
    ana.locator(".jd-score").first.wait_for()
    for box in ana.locator(".jd-score input").all():
        box.fill("6")
    ana.get_by_placeholder("why you judge it so (required)").fill("Chytrid persists in the wild")
    ana.get_by_role("button", name="Submit my judgement").click()
    ana.locator(".jd-submitted").wait_for()
    started = time.perf_counter()
    facilitator.locator(".jd-summary", has_text="Chytrid persists in the wild").wait_for(timeout=15_000)
    print(f"workshop: judgement submitted → on the facilitator's page in {time.perf_counter() - started:.2f} s")
    # Ben's page (same group) shows it too, without a reload
    _tab(ben, 5)
    ben.locator(".jd-summary", has_text="Chytrid persists in the wild").wait_for(timeout=15_000)

    # group B cannot see group A: not its title, not its judgements, not with a forged address
    _tab(cai, 5)
    time.sleep(3)  # several heartbeats
    assert "Group A's frog assessment" not in cai.content()
    assert "Chytrid persists" not in cai.content()
    cai_participant = re.search(r"participant=([^&]+)", _url(cai)).group(1)
    forged = room["links"]["Group A"] + f"&participant={cai_participant}"
    cai.goto(forged, timeout=WAIT_MS, wait_until="commit")
    cai.get_by_role("button", name="Join the group").wait_for()
    assert "Group A's frog assessment" not in cai.content()

    # reload resumes the same work at the same step
    _tab(ben, 3)
    _wait(lambda: "step=3" in _url(ben), what="the step in Ben's address")
    ben.reload(timeout=WAIT_MS, wait_until="commit")
    ben.get_by_text("as Ben.").wait_for()
    selected = ben.get_by_role("tab", selected=True)
    _wait(lambda: re.search(r" 3 Population", selected.inner_text()), what="step 3 selected after the reload")
    assert ben.locator(".widget-text", has=ben.locator("label", has_text=re.compile("^Title$"))) \
        .locator("input").first.input_value() == "Group A's frog assessment"

    # a huge reason is a message, and nothing is lost
    ana.get_by_placeholder("why you judge it so (required)").fill("x" * 6000)
    ana.get_by_role("button", name="Submit my judgement").click()
    ana.locator(".jd-error", has_text="Reason").wait_for()
    assert [j.reason for j in store.judgements(room["code"], group_a.id, "step5")] == ["Chytrid persists in the wild"]

    # the facilitator opens a Step 2 rating to every group; Ben rates it in his Step 2 tab; the room sees it
    facilitator.get_by_role("button", name="Take them from the assessment").click()
    options = facilitator.locator(".widget-textarea", has_text="Options").locator("textarea")
    _wait(lambda: "Research" in options.input_value(), what="the options taken from group A's roles")
    options.fill("Insurance population\nResearch")
    facilitator.get_by_role("button", name="Open the rating to the room").click()
    facilitator.locator("table.fc-ratings", has_text="step2-roles").wait_for()
    _tab(ben, 2)
    ben.locator(".wb-rating", has_text="step2-roles").wait_for(timeout=30_000)  # on the page's next poll
    ben.locator(".jd-score input:visible").first.wait_for()
    scores = ben.locator(".jd-score input:visible").all()
    assert len(scores) == 4  # 2 options × 2 criteria
    # the rating's scale is shown; no vote is asked (the overall vote is Step 5's, in a tab not shown now)
    assert ben.locator("text=Scores on 0–10 >> visible=true").count() == 1
    assert ben.locator("text=Your vote >> visible=true").count() == 0
    for box in scores:
        box.fill("8")
    ben.locator("textarea[placeholder='why you judge it so (required)']:visible").fill("Roles fit the chytrid threat")
    ben.get_by_role("button", name="Submit my judgement").click()
    ben.locator(".jd-submitted:visible").wait_for()
    facilitator.locator(".jd-summary", has_text="Roles fit the chytrid threat").wait_for(timeout=15_000)
    assert [j.reason for j in store.judgements(room["code"], group_a.id, "step2-roles")] == \
        ["Roles fit the chytrid threat"]
    assert [t.name for t in store.topics(room["code"], group_a.id)] == ["step2-roles"]

    for page in (facilitator, ana, ben, cai):
        assert "Traceback" not in page.content()
        assert _errors(page) == []
        page.context.close()
    assert server_problems(server.log_text()) == []


def test_server_killed_mid_edit_says_connection_lost_and_keeps_the_last_save(chromium, tmp_path):
    env = {"EXSITU_WORKBENCH_DIR": str(tmp_path), "EXSITU_WORKSHOP_DB": str(tmp_path / "workshop.sqlite3")}
    page = _new_page(chromium)
    server = VoilaServer(env=env)
    try:
        page.goto(app_url(server, "workbench.ipynb"), timeout=WAIT_MS, wait_until="commit")
        page.locator("code.wb-id").wait_for()
        page.locator(".exsitu-connection-ok").wait_for()
        _open_case(page, "Canadian snakes")
        _text_input(page, "Title").fill("saved before the stop")
        page.locator(".wb-saved").wait_for()
        _wait(lambda: "solo=" in _url(page), what="the address to carry the work")
        query = _url(page).split("?", 1)[1]
        from exsitu.workshop import open_store

        store = open_store(f"sqlite:///{tmp_path / 'workshop.sqlite3'}")
        solo = re.search(r"solo=([^&]+)", query).group(1)
        _wait(lambda: store.load_solo(solo)[0].title == "saved before the stop", what="the save")

        os.killpg(server.process.pid, signal.SIGKILL)  # the server dies, as on a crash
        server.process.wait(timeout=10)
        started = time.perf_counter()
        lost = page.locator(".exsitu-connection-lost")
        lost.wait_for(timeout=30_000)
        print(f"workshop: server killed → 'Connection lost' shown in {time.perf_counter() - started:.2f} s")
        assert re.search(r"Connection lost — changes after \d\d:\d\d:\d\d are not saved", lost.inner_text())
        assert not page.locator(".wb-saved").is_visible()  # no stale "Saved"
        _text_input(page, "Title").fill("typed after the stop")  # not saved: the server is gone
    finally:
        server.stop()

    with VoilaServer(env=env) as restarted:
        # the last saved version is there after the restart, and nothing typed after the stop was written
        assert store.load_solo(solo)[0].title == "saved before the stop"
        page.goto(f"{app_url(restarted, 'workbench.ipynb')}?{query}", timeout=WAIT_MS, wait_until="commit")
        page.locator("code.wb-id").wait_for()  # the restarted server serves the workbench again
        page.locator(".exsitu-connection-ok").wait_for()
        assert page.locator("code.wb-id").inner_text() == solo  # the same solo work, reopened by its address
        assert _text_input(page, "Title").input_value() == "saved before the stop"
        assert "Traceback" not in page.content()
        assert server_problems(restarted.log_text()) == []
    page.context.close()
