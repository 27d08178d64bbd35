"""How ``make apps`` serves the apps: the landing page lists the apps and nothing else, the config's safety
settings are in force, and a page cannot run code in its kernel (Voilà's allow-list of kernel messages)."""

from __future__ import annotations

import datetime
import json
import re
import urllib.error
import urllib.request
import uuid

import pytest
import websocket

from exsitu.widgets.apps import MAX_UPLOAD_BYTES

from tests.apps.helpers import REPO_ROOT, page_problems, server_problems

APPS = sorted(path.name for path in (REPO_ROOT / "apps").glob("*.ipynb"))
PAGES_AT_ONCE = 10
MANY_PAGES_AT_ONCE = 30
# The tree page of Voilà 0.5 starts the JupyterLab widget plugins without a kernel; they log these errors.
TREE_NOISE = re.compile(r"kernel id\s+does not exist|status of 404|net::ERR_NAME_NOT_RESOLVED")


def test_config_keeps_the_safety_settings():
    config = json.loads((REPO_ROOT / "apps" / "voila.json").read_text(encoding="utf-8"))
    voila = config["VoilaConfiguration"]
    assert voila["show_tracebacks"] is False
    assert voila.get("strip_sources", True) is True
    assert voila["preheat_kernel"] is True and voila["default_pool_size"] >= 1
    assert voila["file_allowlist"] == []  # no file of apps/ is served except the notebooks as apps
    assert 0 < config["VoilaExecutor"]["timeout"] <= 300
    # nbclient waits iopub_timeout (default 4 s) after a cell's reply for the rest of its output, then drops it:
    # with a room opening pages the workbench's display (after hundreds of widget messages) came later, and the
    # page rendered without its widgets (a blank page, every kernel idle)
    assert config["VoilaExecutor"]["iopub_timeout"] >= 60
    # the apps, not the server, refuse files too large: the websocket carries any file up to 4× the apps' limit
    assert config["Voila"]["tornado_settings"]["websocket_max_message_size"] >= 4 * MAX_UPLOAD_BYTES
    # Kernels no page ever connected to are culled within minutes; connected ones never are (a closed tab's
    # kernel is stopped by exsitu.serve when its websocket closes).
    culling = config["MappingKernelManager"]
    assert 0 < culling["cull_idle_timeout"] <= 300 and culling["cull_connected"] is False  # minutes, not 30
    assert 0 < culling["cull_interval"] <= culling["cull_idle_timeout"] / 3
    serving = config["ExsituVoila"]  # exsitu.serve: caps and kernel shutdown when a tab closes
    assert serving["max_kernels"] >= 0 and serving["max_kernels_per_client"] >= 1
    assert 0 < serving["shutdown_grace_seconds"] <= 60
    makefile = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    assert "--Voila.config_file_paths=apps" in makefile  # `make apps` uses this same file
    assert "-m exsitu.serve apps/" in makefile  # through the hardened launcher


def test_landing_page_lists_the_apps_and_nothing_else(browser_page, voila_server):
    page = browser_page
    page.goto(voila_server.url)
    page.locator("a[href*='voila/render/']").first.wait_for()
    hrefs = page.eval_on_selector_all("a[href]", "links => links.map(link => link.getAttribute('href'))")
    listed = {href.split("voila/render/", 1)[1].split("?", 1)[0] for href in hrefs if "voila/render/" in href}
    assert listed == set(APPS), listed  # every app linked, and nothing else of the folder (no voila.json)
    problems = [text for text in page_problems(page) if not TREE_NOISE.search(text)]
    assert not problems, problems
    with pytest.raises(urllib.error.HTTPError) as error:  # the config file is not served
        urllib.request.urlopen(f"{voila_server.url}voila/files/voila.json", timeout=10)
    assert error.value.code in (403, 404)


def _message(msg_type: str, content: dict) -> dict:
    return {"header": {"msg_id": uuid.uuid4().hex, "msg_type": msg_type, "username": "test", "session":
                       uuid.uuid4().hex, "version": "5.3",
                       "date": datetime.datetime.now(datetime.timezone.utc).isoformat()},
            "parent_header": {}, "metadata": {}, "content": content, "channel": "shell", "buffers": []}


def test_a_page_cannot_execute_code_in_its_kernel(voila_server, tmp_path):
    with urllib.request.urlopen(f"{voila_server.url}voila/render/studbook-analyser.ipynb", timeout=120) as response:
        page = response.read().decode("utf-8")
    kernel_id = re.search(r'"kernelId": "([0-9a-f-]+)"', page).group(1)
    marker = tmp_path / "code-ran.txt"
    ws_url = voila_server.url.replace("http://", "ws://")
    connection = websocket.create_connection(
        f"{ws_url}api/kernels/{kernel_id}/channels?session_id={uuid.uuid4().hex}", timeout=30)
    try:
        execute = _message("execute_request", {"code": f"open({str(marker)!r}, 'w').write('ran')", "silent": False,
                                               "store_history": False, "user_expressions": {},
                                               "allow_stdin": False, "stop_on_error": True})
        info = _message("kernel_info_request", {})
        connection.send(json.dumps(execute))
        connection.send(json.dumps(info))  # allowed; the kernel answers shell messages in order
        replies: dict[str, list[str]] = {}
        while "kernel_info_reply" not in replies.get(info["header"]["msg_id"], []):
            reply = json.loads(connection.recv())
            parent = reply.get("parent_header", {}).get("msg_id")
            replies.setdefault(parent, []).append(reply["header"]["msg_type"])
    finally:
        connection.close()
    assert execute["header"]["msg_id"] not in replies, replies[execute["header"]["msg_id"]]
    assert not marker.exists()
    assert not server_problems(voila_server.log_text())


# ------------------------------------------------------------------------------------- caps, hosts, closing tabs
def _get(url: str, *, source: str = "127.0.0.1", headers: dict | None = None, timeout: float = 240.0):
    """GET ``url`` from the loopback address ``source``; returns (status, body text)."""
    import http.client
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=timeout, source_address=(source, 0))
    try:
        connection.request("GET", parts.path or "/", headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read().decode("utf-8", "replace")
    finally:
        connection.close()


def _wait_for(condition, timeout: float, what: str):
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.5)
    raise AssertionError(f"{what} (waited {timeout:.0f} s)")


def test_a_flood_over_the_caps_gets_the_server_is_full_page():
    from concurrent.futures import ThreadPoolExecutor

    from tests.apps.helpers import VoilaServer

    pools = len(APPS)  # one preheated kernel per app
    with VoilaServer(pool_size=1, extra_args=(f"--ExsituVoila.max_kernels={pools + 1}",
                                              "--ExsituVoila.max_kernels_per_client=1")) as server:
        server.wait_for_pools(len(APPS))
        url = f"{server.url}voila/render/studbook-analyser.ipynb"
        with ThreadPoolExecutor(max_workers=14) as executor:
            first = executor.submit(_get, url)  # takes the one place left
            _wait_for(lambda: "Using pre-heated kernel" in server.log_text(), 120, "the first page got no kernel")
            # once the first page holds its place, every other request is refused at once
            _wait_for(lambda: _get(url, timeout=60)[0] == 503, 60, "a second page was never refused")
            flood = [executor.submit(_get, url, timeout=60) for _ in range(12)]
            other = executor.submit(_get, url, source="127.0.0.2", timeout=60)  # another computer
            results = [future.result() for future in flood]
            other_status, other_body = other.result()
            status, body = first.result()
        assert status == 200 and "jupyter-widgets" in body or "kernelId" in body
        assert all(code == 503 for code, _ in results), [code for code, _ in results]
        assert all("The server is full — try again in a minute" in text and "pages open here" in text
                   for _, text in results)
        assert other_status == 503 and "places on this server are taken" in other_body
        assert len(server.kernel_pids()) <= pools + 1
        assert not server_problems(server.log_text())


def test_a_spoofed_host_or_origin_cannot_reach_pages_or_kernels(voila_server):
    host = f"127.0.0.1:{voila_server.port}"
    rebound = f"evil.example:{voila_server.port}"  # DNS rebinding: the attacker's name, resolved to us
    assert _get(voila_server.url, headers={"Host": rebound})[0] == 403
    assert _get(f"{voila_server.url}voila/render/workbench.ipynb", headers={"Host": rebound})[0] == 403
    assert _get(voila_server.url, headers={"Host": f"localhost:{voila_server.port}"})[0] == 200
    with urllib.request.urlopen(f"{voila_server.url}voila/render/studbook-analyser.ipynb", timeout=240) as response:
        kernel_id = re.search(r'"kernelId": "([0-9a-f-]+)"', response.read().decode("utf-8")).group(1)
    ws_url = f"ws://127.0.0.1:{voila_server.port}/api/kernels/{kernel_id}/channels?session_id={uuid.uuid4().hex}"
    for headers in ({"Host": rebound, "Origin": f"http://{rebound}"},  # rebinding: Host and Origin agree
                    {"Host": host, "Origin": f"http://{rebound}"}):  # spoofed Host, real Origin
        with pytest.raises(websocket.WebSocketBadStatusException) as refused:
            websocket.create_connection(ws_url, timeout=30, host=headers["Host"], origin=headers["Origin"])
        assert refused.value.status_code in (403, 404)
    connection = websocket.create_connection(ws_url, timeout=30, host=host, origin=f"http://{host}")  # the page's own
    connection.close()


def test_closing_or_reloading_a_tab_stops_its_kernel(voila_server, browser_page):
    from tests.apps.helpers import open_app

    voila_server.wait_for_pools(len(APPS))
    pool = len(APPS)
    _wait_for(lambda: len(voila_server.kernel_pids()) == pool, 120, "the pool did not settle")
    open_app(browser_page, voila_server, "studbook-analyser.ipynb", timeout_ms=240_000)
    _wait_for(lambda: len(voila_server.kernel_pids()) == pool + 1, 120, "the page's kernel and the refill")
    browser_page.reload()  # a fresh kernel for the page; the old one stops once its websocket has gone
    browser_page.locator(".jupyter-widgets.widget-button").first.wait_for(state="visible", timeout=240_000)
    _wait_for(lambda: len(voila_server.kernel_pids()) == pool + 1, 120, "the reloaded page's old kernel kept running")
    browser_page.goto("about:blank")  # the tab leaves the app
    _wait_for(lambda: len(voila_server.kernel_pids()) == pool, 60, "the closed page's kernel kept running")
    assert "its page has gone" in voila_server.log_text()


def test_a_server_bound_beyond_loopback_requires_a_token():
    from exsitu.serve import ExsituVoila, HostAllowList, default_max_kernels

    for ip, needs_token in (("0.0.0.0", True), ("192.0.2.10", True), ("127.0.0.1", False), ("localhost", False)):
        app = ExsituVoila(ip=ip)
        app._require_token()
        assert bool(app.token) is needs_token, ip
        if needs_token:
            assert len(app.token) >= 32
    given = ExsituVoila(ip="0.0.0.0", token="a-token-the-facilitator-chose")
    given._require_token()
    assert given.token == "a-token-the-facilitator-chose"
    hosts = HostAllowList(("eca.example.org",))
    assert all(hosts.allowed(h) for h in ("localhost:8866", "127.0.0.1:8866", "[::1]:8866", "10.1.2.3",
                                          "eca.example.org", "ECA.example.org:443"))
    assert not any(hosts.allowed(h) for h in ("evil.example:8866", "localhost.evil.example", "", "eca.example.org.evil"))
    assert default_max_kernels() >= 2


def _open_at_once(server, browser, pages: int, *, timeout_s: float) -> dict:
    """Open ``pages`` workbench pages at once: none blank, and the kernels back to the pools' size after."""
    import time

    from tests.apps.helpers import open_many, wait_for_kernels

    server.wait_for_pools(len(APPS))
    pool = len(APPS)  # one preheated kernel per app
    assert wait_for_kernels(server, pool, 180)[0], "the pool did not settle"
    result = open_many(browser, server, "workbench.ipynb", pages, timeout_s=timeout_s)
    assert not result["blank"], result["blank"]
    assert result["peak_kernels"] > pool
    back, waited, left = wait_for_kernels(server, pool, 180)
    assert back, f"{left} kernels left after {waited:.0f} s (pool {pool})"
    assert not server_problems(server.log_text())
    print(f"{pages} workbench pages at once: all showed their widgets in {result['opened']:.0f} s; peak "
          f"{result['peak_kernels']} kernels, {result['peak_memory_mb']:.0f} MB; back to {pool} kernels "
          f"{waited:.0f} s after they closed ({time.strftime('%H:%M:%S')})")
    return result


def test_pages_opened_at_once_all_show_their_widgets_and_their_kernels_stop_after(voila_server, chromium):
    """A smaller version of benchmarks/bench_load.py (30 pages): no blank page, and the kernels come back to the
    pools' size once the pages have gone."""
    _open_at_once(voila_server, chromium, PAGES_AT_ONCE, timeout_s=300)


@pytest.mark.slow
def test_thirty_pages_opened_at_once_all_show_their_widgets(chromium):
    """Issue 12: no blank page under 30 concurrent opens of the workbench (own server: the session's keeps its
    kernels for the other tests)."""
    from tests.apps.helpers import VoilaServer

    with VoilaServer(pool_size=1) as server:
        _open_at_once(server, chromium, MANY_PAGES_AT_ONCE, timeout_s=540)


def test_a_kernel_handed_to_a_page_is_not_culled_before_the_page_connects():
    """The root cause of blank pages under load: a page slow to connect lost its kernel to the idle culler."""
    import asyncio

    from exsitu import serve

    class FakeKernelManager:
        def __init__(self):
            self.culled: list[str] = []

        async def start_kernel(self, **kwargs):
            return "k1"

        async def cull_kernel_if_idle(self, kernel_id):
            self.culled.append(kernel_id)

        def __contains__(self, kernel_id):
            return True

    async def scenario():
        manager = FakeKernelManager()
        admission = serve.Admission(max_kernels=10, max_per_client=2)
        serve._track_kernels(manager, admission)
        await manager.cull_kernel_if_idle("pool-kernel")  # not handed to a page: the culler decides as before
        reservation = admission.reserve("192.0.2.1")
        token = serve._CLIENT.set(reservation)
        try:
            assert await manager.start_kernel() == "k1"
        finally:
            serve._CLIENT.reset(token)
        assert admission.owners == {"k1": "192.0.2.1"} and admission.pending == {}
        await manager.cull_kernel_if_idle("k1")  # the page has not connected yet: kept
        assert manager.culled == ["pool-kernel"]
        admission.connected.add("k1")  # the page connected (and may since have gone): the culler decides
        await manager.cull_kernel_if_idle("k1")
        assert manager.culled == ["pool-kernel", "k1"]
        admission.assigned_at["k2"], admission.owners["k2"] = -1e9, "192.0.2.1"  # handed out long ago
        await manager.cull_kernel_if_idle("k2")
        assert manager.culled[-1] == "k2"

    import threading  # Playwright's sync API may hold an event loop in this thread: run the scenario in another

    errors: list[BaseException] = []
    runner = threading.Thread(target=lambda: _collect(errors, lambda: asyncio.run(scenario())))
    runner.start()
    runner.join(timeout=60)
    assert not runner.is_alive() and not errors, errors


def _collect(errors: list, call) -> None:
    try:
        call()
    except BaseException as error:  # noqa: BLE001 - re-raised by the test
        errors.append(error)


def test_a_preheated_workbench_page_gets_its_query_string(voila_server, browser_page):
    """Workshop links and reloads with preheated kernels (as `make apps` serves them): the page's query string
    reaches the kernel (Voilà's request-info websocket), so a solo link reopens that work and a group link opens
    the join form on that group. (apps/voila.py once shadowed the voila package in the kernels, and every
    preheated page opened new solo work.)"""
    from exsitu.assessment import Assessment
    from exsitu.workshop import open_store

    from tests.apps.helpers import app_url

    store = open_store(f"sqlite:///{voila_server.workshop_db}")
    solo, _version = store.create_solo(Assessment(taxon="Atelopus zeteki", title="reopened by its link"))
    room = store.create_workshop("Preheat workshop", "Atelopus zeteki", "2026-01-01", ["Group A", "Group B"])
    group_b = next(group for group in store.groups(room.join_code) if group.name == "Group B")
    voila_server.wait_for_pools(len(APPS))
    page = browser_page
    page.goto(f"{app_url(voila_server, 'workbench.ipynb')}?solo={solo}&step=3", timeout=240_000, wait_until="commit")
    page.locator("code.wb-id").wait_for(timeout=240_000)
    assert page.locator("code.wb-id").inner_text() == solo
    assert "Using pre-heated kernel" in voila_server.log_text()  # the page was given a preheated kernel
    link = f"{app_url(voila_server, 'workbench.ipynb')}?workshop={room.join_code}&group={group_b.id}"
    page.goto(link, timeout=240_000, wait_until="commit")
    page.get_by_role("button", name="Join the group").wait_for(timeout=240_000)
    group = page.locator(".widget-dropdown", has_text="Group").locator("select").first
    assert group.evaluate("select => select.options[select.selectedIndex].text").replace("\xa0", " ") == "Group B"
    assert not server_problems(voila_server.log_text())


def test_a_preheated_kernel_waits_for_its_page_without_a_time_limit():
    """A preheated workbench kernel runs the app until the page's request arrives (its query string), maybe hours
    later: that cell (tagged ``wait-for-page``) has no cell timeout, every other cell keeps voila.json's. (With the
    timeout, nbclient interrupted the wait after 120 s and the page then given the kernel opened solo work.) And
    apps/voila.py, on the kernels' import path, does not shadow the voila package."""
    import subprocess
    import sys

    from traitlets.config.loader import PyFileConfigLoader

    config = PyFileConfigLoader("voila.py", path=str(REPO_ROOT / "apps")).load_config()
    timeout_func = config.VoilaExecutor.timeout_func
    limit = json.loads((REPO_ROOT / "apps" / "voila.json").read_text(encoding="utf-8"))["VoilaExecutor"]["timeout"]
    notebook = json.loads((REPO_ROOT / "apps" / "workbench.ipynb").read_text(encoding="utf-8"))
    waits = ["".join(cell["source"]) for cell in notebook["cells"] if timeout_func(cell) is None]
    assert len(waits) == 1 and "query_string()" in waits[0] and "workbench(" not in waits[0], waits
    assert all(timeout_func(cell) == limit for cell in notebook["cells"] if "".join(cell["source"]) not in waits)
    for app in APPS:  # every other app's cells keep the limit; only a cell that waits for its page may go without
        cells = json.loads((REPO_ROOT / "apps" / app).read_text(encoding="utf-8"))["cells"]
        assert all(timeout_func(cell) == limit or "query_string()" in "".join(cell["source"]) for cell in cells), app
    # a kernel runs in apps/, first on its import path: `import voila` must still be Voilà's package
    found = subprocess.run([sys.executable, "-c", "from voila.utils import get_query_string; import voila; "
                            "print(voila.__file__)"], cwd=REPO_ROOT / "apps", capture_output=True, text=True,
                           timeout=120)
    assert found.returncode == 0, found.stderr
    assert not found.stdout.strip().startswith(str(REPO_ROOT / "apps")), found.stdout
