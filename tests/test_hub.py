"""JupyterHub for workshops (deploy/jupyterhub/): three participants each get their own server and open the
workbench; the Kubernetes values (deploy/z2jh/values.yaml) carry the same settings.

The hub runs on 127.0.0.1 on free ports, with the project's configuration plus a test override: a test
authenticator (DummyAuthenticator with a password) and an API token to watch the servers start.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
import yaml
from traitlets.config import Config

ROOT = Path(__file__).resolve().parents[1]
HUB = ROOT / "deploy" / "jupyterhub"
CONFIG = HUB / "jupyterhub_config.py"
VALUES = ROOT / "deploy" / "z2jh" / "values.yaml"
JUPYTERHUB = Path(sys.executable).with_name("jupyterhub")
PASSWORD = "workshop-" + secrets.token_hex(4)
PARTICIPANTS = ["ana", "bo", "chidi"]
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def load_local_config(env: dict[str, str] | None = None) -> tuple[Config, dict]:
    """Run jupyterhub_config.py as JupyterHub does; return its config and its module-level names."""
    config = Config()
    names = {"get_config": lambda: config, "__file__": str(CONFIG)}
    saved = dict(os.environ)
    os.environ.update(env or {})
    try:
        exec(compile(CONFIG.read_text(), str(CONFIG), "exec"), names)
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return config, names


def participant_processes(name: str) -> list[int]:
    """Pids of the processes started for hub user ``name`` (their environment names them)."""
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                environ = (entry / "environ").read_bytes().split(b"\0")
            except OSError:
                continue
            if f"JUPYTERHUB_USER={name}".encode() in environ:
                pids.append(int(entry.name))
    return pids


def process_environ(pid: int) -> dict[str, str]:
    pairs = (Path(f"/proc/{pid}/environ").read_bytes().decode(errors="replace").split("\0"))
    return dict(pair.split("=", 1) for pair in pairs if "=" in pair)


@contextlib.contextmanager
def running_hub(folder: Path, override: str = "", env: dict[str, str] | None = None):
    """The project's jupyterhub_config.py on 127.0.0.1 (free ports), plus ``override`` (Python run at its end,
    with ``token`` an admin API token); yields {"url", "token", "log", "env"}."""
    subprocess.run(["make", "--no-print-directory", "hub-proxy"], cwd=ROOT, check=True, timeout=300,
                   capture_output=True)
    assert (HUB / "node_modules" / ".bin" / "configurable-http-proxy").exists()
    port, hub_port, api_port = free_port(), free_port(), free_port()
    token = secrets.token_hex(32)
    override_file = folder / "test_override.py"
    override_file.write_text(f'''
c.JupyterHub.bind_url = "http://127.0.0.1:{port}"
c.JupyterHub.hub_bind_url = "http://127.0.0.1:{hub_port}"
c.ConfigurableHTTPProxy.api_url = "http://127.0.0.1:{api_port}"
c.JupyterHub.services.append({{"name": "test", "api_token": {token!r}}})
c.JupyterHub.load_roles.append({{"name": "test", "services": ["test"],
    "scopes": ["admin:users", "admin:servers", "list:users", "read:users", "access:servers"]}})
''' + override)
    env = {**os.environ, "EXSITU_HUB_DATA": str(folder / "data"), "EXSITU_HUB_CONFIG_OVERRIDE": str(override_file),
           **(env or {})}
    log = folder / "hub.log"
    with open(log, "w") as sink:
        process = subprocess.Popen([str(JUPYTERHUB), "-f", str(CONFIG)], cwd=folder, env=env, stdout=sink,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            assert process.poll() is None, log.read_text()
            try:
                if requests.get(f"{url}/hub/api", timeout=5).status_code == 200:
                    break
            except requests.ConnectionError:
                pass
            time.sleep(0.5)
        else:
            pytest.fail("JupyterHub did not answer:\n" + log.read_text())
        yield {"url": url, "token": token, "log": log, "env": env}
    finally:
        if process.poll() is None:
            os.killpg(process.pid, 15)
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, 9)
        for name in PARTICIPANTS:  # servers are in their own sessions: stop any left behind
            for pid in participant_processes(name):
                try:
                    os.kill(pid, 9)
                except ProcessLookupError:
                    pass


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    folder = tmp_path_factory.mktemp("hub")
    override = f'''
c.JupyterHub.authenticator_class = "dummy"
c.DummyAuthenticator.password = {PASSWORD!r}
if os.geteuid() == 0:  # this test machine runs as root; a workshop hub runs the servers as EXSITU_HUB_RUN_AS
    c.Spawner.args.append("--allow-root")
'''
    with running_hub(folder, override, {"EXSITU_DATABASE_URL": f"sqlite:///{folder / 'store.sqlite3'}"}) as hub:
        yield hub


def log_in(url: str, name: str) -> requests.Session:
    session = requests.Session()
    session.get(f"{url}/hub/login", timeout=30)
    response = session.post(f"{url}/hub/login?next=", timeout=60, allow_redirects=False,
                            data={"username": name, "password": PASSWORD, "_xsrf": session.cookies.get("_xsrf")})
    assert response.status_code == 302, (response.status_code, response.text[:500])
    return session


def wait_ready(hub, name: str, timeout: float = 240) -> None:
    headers = {"Authorization": f"token {hub['token']}"}
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        user = requests.get(f"{hub['url']}/hub/api/users/{name}", headers=headers, timeout=30).json()
        server = user.get("servers", {}).get("")
        if server and server.get("ready"):
            return
        time.sleep(1)
    pytest.fail(f"{name}'s server never became ready:\n" + hub["log"].read_text()[-5000:])


@pytest.mark.slow
@pytest.mark.hub
@pytest.mark.browser
def test_three_participants_each_get_their_own_server_and_open_the_workbench(hub):
    url, headers = hub["url"], {"Authorization": f"token {hub['token']}"}
    sessions = {name: log_in(url, name) for name in PARTICIPANTS}
    for name in PARTICIPANTS:  # start all three, as a room does, then wait
        response = requests.post(f"{url}/hub/api/users/{name}/server", headers=headers, timeout=60)
        assert response.status_code in (201, 202), response.text
    for name in PARTICIPANTS:
        wait_ready(hub, name)

    servers = {}
    for name, session in sessions.items():
        response = session.get(f"{url}/user/{name}/", timeout=120)  # the default URL: the apps' landing page
        assert response.status_code == 200 and response.url.endswith(f"/user/{name}/voila/tree"), response.url
        assert "ECA workbench" in response.text
        response = session.get(f"{url}/user/{name}/voila/render/workbench.ipynb", timeout=180)
        assert response.status_code == 200, response.text[-2000:]
        assert WIDGET_VIEW in response.text, "the workbench rendered no widgets"
        assert "Traceback" not in response.text
        pids = participant_processes(name)
        assert pids, f"no process runs for {name}"
        servers[name] = pids

    # each participant their own processes, given the workshop store and the limits
    assert not set(servers["ana"]) & set(servers["bo"])
    config, names = load_local_config()
    for name, pids in servers.items():
        environ = process_environ(pids[0])
        assert environ["EXSITU_DATABASE_URL"] == hub["env"]["EXSITU_DATABASE_URL"]
        assert environ["MEM_LIMIT"] == str(1024 ** 3) and float(environ["CPU_LIMIT"]) == names["CPU_LIMIT"]
        assert environ["HOME"].endswith(f"/users/{name}")
        limits = Path(f"/proc/{pids[0]}/limits").read_text()
        assert re.search(rf"Max address space\s+{4 * 1024 ** 3}\s", limits), limits

    # a participant cannot write into the apps through their server (Voilà would run such a notebook)
    response = requests.put(f"{url}/user/ana/api/contents/mine.ipynb", headers=headers, timeout=30,
                            json={"type": "notebook", "content": {"cells": [], "metadata": {}, "nbformat": 4,
                                                                  "nbformat_minor": 5}})
    assert response.status_code == 403, response.text
    assert requests.get(f"{url}/user/ana/lab", headers=headers, timeout=30).status_code == 404  # no JupyterLab
    # ... and cannot send code to a kernel: only widget messages pass (as with `make apps`)
    kernel = requests.post(f"{url}/user/ana/api/kernels", headers=headers, timeout=60, json={}).json()
    marker = Path(hub["env"]["EXSITU_HUB_DATA"]) / "code-ran"
    import json as _json
    import uuid

    import websocket

    socket_url = f"{url.replace('http', 'ws')}/user/ana/api/kernels/{kernel['id']}/channels"
    channel = websocket.create_connection(socket_url, header=[f"Authorization: token {hub['token']}"], timeout=60)
    try:
        message_id = uuid.uuid4().hex
        channel.send(_json.dumps({
            "header": {"msg_id": message_id, "msg_type": "execute_request", "username": "ana", "session": "s",
                       "version": "5.3", "date": ""},
            "parent_header": {}, "metadata": {}, "channel": "shell",
            "content": {"code": f"open({str(marker)!r}, 'w').write('x')", "silent": False,
                        "store_history": False, "user_expressions": {}, "allow_stdin": False}}))
        time.sleep(5)
    finally:
        channel.close()
    assert not marker.exists(), "a participant ran code in a kernel"
    assert '"execute_request", which is not allowed' in hub["log"].read_text()  # refused, not just slow
    assert requests.get(f"{url}/user/ana/terminals/1", headers=headers, timeout=30).status_code == 404

    # one participant in a real browser: log in with the form, the workbench's widgets render
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(ROOT))
    from tests.apps.helpers import INTERACTIVE, launch_chromium

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page()
            page.set_default_timeout(120_000)
            page.goto(f"{url}/hub/login")
            page.fill("input[name=username]", "ana")
            page.fill("input[name=password]", PASSWORD)
            page.click("[type=submit]")
            page.wait_for_url(re.compile(r".*/user/ana/voila/tree.*"))
            page.get_by_role("link", name="ECA workbench").click()
            page.locator(INTERACTIVE).first.wait_for(state="visible")
            assert "Traceback" not in page.inner_text("body")
        finally:
            browser.close()
    log = hub["log"].read_text()
    assert "Traceback" not in log
    # the idle culler runs as a hub service and has asked the hub which servers are idle
    assert "Service idle-culler exited" not in log, log[-3000:]
    assert re.search(r"200 GET /hub/api/users\S* .*idle-culler", log), log[-3000:]


def sign_up(url: str, name: str, password: str) -> str:
    session = requests.Session()
    session.get(f"{url}/hub/signup", timeout=30)
    response = session.post(f"{url}/hub/signup", timeout=60, data={
        "username": name, "signup_password": password, "signup_password_confirmation": password,
        "_xsrf": session.cookies.get("_xsrf")})
    assert response.status_code == 200, response.text[-2000:]
    return response.text


def try_log_in(url: str, name: str, password: str) -> tuple[requests.Session, requests.Response]:
    session = requests.Session()
    session.get(f"{url}/hub/login", timeout=30)
    response = session.post(f"{url}/hub/login?next=", timeout=60, allow_redirects=False,
                            data={"username": name, "password": password, "_xsrf": session.cookies.get("_xsrf")})
    return session, response


@pytest.mark.slow
@pytest.mark.hub
def test_participants_sign_up_and_the_facilitator_lets_them_in(tmp_path):
    """The workshop login (NativeAuthenticator, as configured): sign up, wait for the facilitator's approval,
    log in; weak passwords are refused; a wrong password gets a message, not an error."""
    with running_hub(tmp_path, env={"EXSITU_HUB_ADMINS": "facilitator", "EXSITU_HUB_OPEN_SIGNUP": "0"}) as hub:
        url = hub["url"]
        sign_up(url, "weakling", "password")  # a common password, and shorter than 8 characters
        sign_up(url, "weakling", "12345678")  # a common password
        sign_up(url, "facilitator", "facilitate-2026")
        sign_up(url, "dana", "a-long-pass-1234")
        _, response = try_log_in(url, "dana", "a-long-pass-1234")
        assert response.status_code == 200 and "has not been authorized" in response.text
        facilitator, response = try_log_in(url, "facilitator", "facilitate-2026")
        assert response.status_code == 302, response.text[-2000:]
        assert facilitator.get(f"{url}/hub/authorize/dana", timeout=30).status_code == 200
        _, response = try_log_in(url, "dana", "a-long-pass-1234")
        assert response.status_code == 302, response.text[-2000:]
        for password in ("password", "12345678"):  # the weak sign-ups made no account
            _, response = try_log_in(url, "weakling", password)
            assert response.status_code == 200 and "Invalid username or password" in response.text
        _, response = try_log_in(url, "dana", "not-her-password")
        assert response.status_code == 200 and "Invalid username or password" in response.text
        assert "Traceback" not in hub["log"].read_text()


def test_idle_culler_runs_as_a_hub_service():
    config, names = load_local_config()
    (culler,) = [s for s in config.JupyterHub.services if s["name"] == "idle-culler"]
    assert culler["command"][1:3] == ["-m", "jupyterhub_idle_culler"]
    assert f"--timeout={names['CULL_TIMEOUT']}" in culler["command"]
    (role,) = [r for r in config.JupyterHub.load_roles if r["name"] == "idle-culler"]
    assert {"list:users", "read:users:activity", "delete:servers"} <= set(role["scopes"])


def test_local_config_passes_the_workshop_store_to_every_server():
    config, _ = load_local_config({"EXSITU_DATABASE_URL": "postgresql+psycopg://exsitu@db/exsitu"})
    assert config.Spawner.environment["EXSITU_DATABASE_URL"] == "postgresql+psycopg://exsitu@db/exsitu"
    assert config.JupyterHub.authenticator_class == "nativeauthenticator.NativeAuthenticator"


def _bytes(size: str) -> int:
    units = {"K": 1024, "M": 1024 ** 2, "G": 1024 ** 3, "T": 1024 ** 4}
    return int(float(size[:-1]) * units[size[-1].upper()]) if size[-1].upper() in units else int(size)


def test_kubernetes_values_parse_and_match_the_local_config():
    values = yaml.safe_load(VALUES.read_text())
    config, names = load_local_config()
    singleuser = values["singleuser"]
    assert _bytes(singleuser["memory"]["limit"]) == _bytes(names["MEM_LIMIT"])
    assert float(singleuser["cpu"]["limit"]) == names["CPU_LIMIT"]
    assert singleuser["defaultUrl"] == names["DEFAULT_URL"] == config.Spawner.default_url
    assert values["cull"]["enabled"] is True
    assert values["cull"]["timeout"] == names["CULL_TIMEOUT"] and values["cull"]["every"] == names["CULL_EVERY"]
    assert names["STORE_ENV"] in singleuser["extraEnv"]
    for key in ("JUPYTERHUB_SINGLEUSER_APP", "JUPYTER_CONFIG_PATH"):
        assert key in singleuser["extraEnv"], key
    assert singleuser["extraEnv"]["JUPYTERHUB_SINGLEUSER_APP"] == config.Spawner.environment["JUPYTERHUB_SINGLEUSER_APP"]
    hub_config = values["hub"]["config"]
    assert hub_config["JupyterHub"]["authenticator_class"] == config.JupyterHub.authenticator_class
    native = hub_config["NativeAuthenticator"]
    assert native["open_signup"] == config.NativeAuthenticator.open_signup
    assert native["minimum_password_length"] == config.NativeAuthenticator.minimum_password_length
    assert set(hub_config["Authenticator"]["admin_users"]) == set(config.Authenticator.admin_users)
    # the single-user lock-down file shipped to the pods is the local one
    files = singleuser["extraFiles"]
    (lockdown,) = [f for f in files.values() if f["mountPath"].endswith("jupyter_server_config.py")]
    assert lockdown["mountPath"].startswith(singleuser["extraEnv"]["JUPYTER_CONFIG_PATH"].split(":")[0])
