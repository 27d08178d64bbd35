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
    # the apps, not the server, refuse files too large: the websocket carries any file up to 4× the apps' limit
    assert config["Voila"]["tornado_settings"]["websocket_max_message_size"] >= 4 * MAX_UPLOAD_BYTES
    # A closed tab leaves its kernel running (Voilà's shutdown beacon is refused for want of an XSRF token), so
    # kernels no page is connected to are culled after a while; connected ones never are.
    culling = config["MappingKernelManager"]
    assert 0 < culling["cull_idle_timeout"] <= 4 * 3600 and culling["cull_connected"] is False
    assert 0 < culling["cull_interval"] <= culling["cull_idle_timeout"]
    makefile = (REPO_ROOT / "Makefile").read_text(encoding="utf-8")
    assert "--Voila.config_file_paths=apps" in makefile  # `make apps` uses this same file


def test_landing_page_lists_the_apps_and_nothing_else(browser_page, voila_server):
    page = browser_page
    page.goto(voila_server.url)
    for name in APPS:
        page.get_by_text(name, exact=True).first.wait_for()
    body = page.inner_text("body")
    listed = set(re.findall(r"[\w.-]+\.\w+", body))
    assert listed == set(APPS), listed
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
