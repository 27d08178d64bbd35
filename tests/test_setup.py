"""The two commands a new user runs: the README opens with them, CI runs exactly the test one."""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_readme_opens_with_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    first_block = re.search(r"```(?:bash|sh|console)?\n(.*?)```", readme, re.S)
    assert first_block, "README.md has no command block"
    commands = [line.split("#")[0].strip() for line in first_block.group(1).splitlines()]
    commands = [command for command in commands if command]
    assert commands == ["make lab", "make test"], commands
    assert readme.index(first_block.group(0)) < readme.index("\n## "), "the commands must come first"


def test_ci_runs_exactly_make_test():
    script = (ROOT / ".ci" / "run").read_text()
    commands = [line.strip() for line in script.splitlines()
                if line.strip() and not line.strip().startswith("#")]
    assert commands[-1] == "make test"
    assert "set -euo pipefail" in script
    assert os.access(ROOT / ".ci" / "run", os.X_OK)


def test_start_page_exists():
    assert (ROOT / "notebooks" / "00-introduction.ipynb").exists()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def make_lab(repository: Path, *make_args: str, timeout: float = 300, env: dict | None = None):
    """Run `make lab` in ``repository`` on a free port; yield (the printed URL, its token, the log so far).

    Waits until the URL is printed and the server answers; stops the whole process group afterwards.
    """
    port = free_port()
    log = repository / f".make-lab-{port}.log" if repository != ROOT else Path(tempfile.mkstemp(suffix=".log")[1])
    with open(log, "w") as sink:
        process = subprocess.Popen(["make", "--no-print-directory", "lab", f"PORT={port}", *make_args],
                                   cwd=repository, stdout=sink, stderr=subprocess.STDOUT, text=True,
                                   start_new_session=True, env=env)
    try:
        url = None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and url is None and process.poll() is None:
            match = re.search(rf"(http://127\.0\.0\.1:{port}/lab\S*\?token=\w+)", log.read_text())
            url = match and match.group(1)
            time.sleep(0.2)
        assert url, "make lab printed no URL:\n" + log.read_text()
        token = url.split("token=")[1]
        contents = f"http://127.0.0.1:{port}/api/contents/notebooks/00-introduction.ipynb?token={token}&content=0"
        for _ in range(120):  # the URL is printed as the server starts listening
            try:
                with urllib.request.urlopen(contents, timeout=30) as response:
                    assert response.status == 200
                    break
            except urllib.error.URLError:
                time.sleep(0.5)
        else:
            pytest.fail("JupyterLab printed its URL but never answered:\n" + log.read_text())
        yield url, token, log.read_text
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
        log.unlink(missing_ok=True)


def http_status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def lab_page_config(url: str) -> dict:
    with urllib.request.urlopen(url, timeout=30) as response:
        html = response.read().decode()
    assert "JupyterLab" in html
    return json.loads(re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>',
                                html, re.S).group(1))


INSTRUCTOR_PLUGINS = {"@jupyter/nbgrader:menu", "@jupyter/nbgrader:formgrader",
                      "@jupyter/nbgrader:create-assignment", "@jupyter/nbgrader:course-list"}
NEWS_PLUGIN = "@jupyterlab/apputils-extension:announcements"


@pytest.mark.slow
def test_make_lab_serves_the_course_on_its_start_page_without_instructor_tools():
    """`make lab` starts JupyterLab headless, prints its URL, and serves the start page, as a learner's Lab:
    nbgrader's instructor tools and the news pop-up are off (project config, nothing in ~/.jupyter)."""
    home_config = Path(os.environ["JUPYTER_CONFIG_DIR"])  # the user's config folder (isolated by conftest)

    def settings_files() -> list[Path]:
        return sorted(p.relative_to(home_config) for p in home_config.rglob("*") if p.suffix in (".json", ".py"))

    before = settings_files()
    with make_lab(ROOT) as (url, token, log):
        assert "00-introduction.ipynb" in url, url
        disabled = set(lab_page_config(url)["disabledExtensions"])
        assert INSTRUCTOR_PLUGINS | {NEWS_PLUGIN} <= disabled, disabled
        assert "@jupyter/nbgrader:validate-assignment" not in disabled  # learners may validate their work
        base = url.split("/lab")[0]
        assert http_status(f"{base}/formgrader?token={token}") == 404
        assert "nbgrader.server_extensions.formgrader" not in log()
    assert settings_files() == before


@pytest.mark.slow
def test_make_lab_instructor_has_the_instructor_tools():
    with make_lab(ROOT, "INSTRUCTOR=1") as (url, token, log):
        disabled = set(lab_page_config(url)["disabledExtensions"])
        assert not INSTRUCTOR_PLUGINS & disabled, disabled
        assert NEWS_PLUGIN in disabled
        base = url.split("/lab")[0]
        assert http_status(f"{base}/formgrader?token={token}") == 200


def _lab_menus_and_notifications(url: str) -> tuple[list[str], str]:
    """Open JupyterLab in Chromium: the main menu's titles and the text of any notification, after the start page
    has opened and the notifications had time to appear."""
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(ROOT))
    from tests.apps.helpers import launch_chromium

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page()
            page.set_default_timeout(90_000)
            page.goto(url)
            page.locator(".jp-NotebookPanel .jp-Cell").first.wait_for(state="visible")
            page.locator("#jp-menu-panel .lm-MenuBar-itemLabel").first.wait_for(state="visible")
            page.wait_for_timeout(5_000)  # JupyterLab asks about news a moment after start
            menus = page.locator("#jp-menu-panel .lm-MenuBar-itemLabel").all_inner_texts()
            notifications = " ".join(page.locator(".Toastify, .jp-Notification-Toast, .jp-toast-message")
                                     .all_inner_texts())
            return menus, notifications
        finally:
            browser.close()


@pytest.mark.slow
@pytest.mark.browser
def test_learner_lab_in_a_browser_has_no_nbgrader_menu_and_no_news_popup_but_instructor_lab_has_the_menu():
    with make_lab(ROOT) as (url, _, _log):
        menus, notifications = _lab_menus_and_notifications(url)
    assert "File" in menus and "Nbgrader" not in menus, menus
    assert "news" not in notifications.lower(), notifications
    with make_lab(ROOT, "INSTRUCTOR=1") as (url, _, _log):
        menus, notifications = _lab_menus_and_notifications(url)
    assert "Nbgrader" in menus, menus
    assert "news" not in notifications.lower(), notifications


# ------------------------------------------------------------------ Debian packages: `make system-deps`

SYSTEM_DEPS = ROOT / "tools" / "system_deps.py"


def _empty_path(tmp_path: Path) -> str:
    folder = tmp_path / "empty-bin"
    folder.mkdir(exist_ok=True)
    return str(folder)


def test_make_test_runs_system_deps_first_and_ci_shares_it():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^test: system-deps install-test$", makefile, re.M), "make test must run system-deps first"
    assert re.search(r"^system-deps:\n\t@?\$\(PYTHON\) tools/system_deps.py --install$", makefile, re.M)
    commands = [line for line in (ROOT / ".ci" / "run").read_text().splitlines() if not line.startswith("#")]
    assert not any("apt-get" in line for line in commands), ".ci/run must leave the packages to make test"


def test_system_deps_names_what_is_missing_in_one_line_and_how_to_install_it(tmp_path):
    """Not root-installable here (no apt-get on PATH): one line, every missing package, the command; exit 0."""
    env = {**os.environ, "PATH": _empty_path(tmp_path), "EXSITU_POSTGRES_BIN": str(tmp_path / "no-postgres")}
    env.pop("EXSITU_CHROMIUM", None)
    result = subprocess.run([sys.executable, str(SYSTEM_DEPS), "--install"], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    assert "missing chromium, bubblewrap, postgresql, npm" in lines[0]
    assert "apt-get install chromium bubblewrap postgresql npm" in lines[0]
    assert "browser, grading sandbox, PostgreSQL, JupyterHub tests will be skipped" in lines[0]


def test_system_deps_is_silent_when_everything_is_there(tmp_path):
    tools = tmp_path / "bin"
    postgres = tmp_path / "postgresql" / "15" / "bin"
    for folder, names in ((tools, ["chromium", "bwrap", "npm", "node"]), (postgres, ["initdb", "pg_ctl", "postgres"])):
        folder.mkdir(parents=True)
        for name in names:
            (folder / name).write_text("#!/bin/sh\n")
            (folder / name).chmod(0o755)
    env = {**os.environ, "PATH": str(tools), "EXSITU_POSTGRES_BIN": str(postgres)}
    env.pop("EXSITU_CHROMIUM", None)
    result = subprocess.run([sys.executable, str(SYSTEM_DEPS), "--install"], env=env,
                            capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stdout) == (0, ""), result.stdout + result.stderr


def test_system_deps_as_root_runs_apt_get_update_once_and_installs_only_what_is_missing(tmp_path):
    """A stand-in apt-get on PATH records its calls and "installs" the packages it is given."""
    tools, postgres, calls = tmp_path / "bin", tmp_path / "postgresql" / "15" / "bin", tmp_path / "apt-calls"
    tools.mkdir()
    (tools / "bwrap").write_text("#!/bin/sh\n")  # already there
    (tools / "apt-get").write_text(f"""#!/bin/sh
echo "$*" >> {calls}
[ "$1" = install ] || exit 0
for package in "$@"; do
  case "$package" in
    chromium) printf '#!/bin/sh\\n' > {tools}/chromium ;;
    npm) printf '#!/bin/sh\\n' > {tools}/npm; printf '#!/bin/sh\\n' > {tools}/node ;;
    postgresql) /bin/mkdir -p {postgres}; for t in initdb pg_ctl postgres; do printf '#!/bin/sh\\n' > {postgres}/$t; done ;;
  esac
done
/bin/chmod +x {tools}/* {postgres}/* 2>/dev/null; exit 0
""")
    for tool in tools.iterdir():
        tool.chmod(0o755)
    env = {**os.environ, "PATH": str(tools), "EXSITU_POSTGRES_BIN": str(postgres)}
    env.pop("EXSITU_CHROMIUM", None)
    result = subprocess.run([sys.executable, str(SYSTEM_DEPS), "--install"], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    if os.geteuid() != 0:  # not root: nothing is installed, one line says how
        assert not calls.exists() and len(result.stdout.splitlines()) == 1, result.stdout
        return
    assert calls.read_text().splitlines() == ["update -qq", "install -y -qq chromium postgresql npm"]
    assert result.stdout == "system-deps: installing chromium postgresql npm with apt-get\n"
    again = subprocess.run([sys.executable, str(SYSTEM_DEPS), "--install"], env=env,
                           capture_output=True, text=True, timeout=60)
    assert again.stdout == "" and len(calls.read_text().splitlines()) == 2  # nothing missing: apt-get not run


@pytest.mark.postgres
def test_postgres_server_programs_are_found():
    """The workshop store's PostgreSQL fixture starts its cluster with these programs."""
    spec = importlib.util.spec_from_file_location("system_deps_under_test", SYSTEM_DEPS)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    folder = Path(module.postgres_bin())
    version = subprocess.run([str(folder / "initdb"), "--version"], capture_output=True, text=True, timeout=30)
    assert version.returncode == 0 and "PostgreSQL" in version.stdout


@pytest.mark.slow
def test_tests_needing_a_missing_package_are_skipped_with_the_reason(tmp_path):
    """With chromium, bubblewrap, PostgreSQL and npm out of sight, their tests are skipped (not failed) with the reason
    and pytest still ends with its normal summary."""
    env = {**os.environ, "PATH": _empty_path(tmp_path), "EXSITU_CHROMIUM": str(tmp_path / "no-chromium"),
           "EXSITU_POSTGRES_BIN": str(tmp_path / "no-postgres")}
    tests = ["tests/apps/test_apps.py::test_redlist_calculator_dataset_change_updates_range",
             "tests/grading/test_grade_sandbox.py::test_bubblewrap_is_used",
             "tests/test_setup.py::test_postgres_server_programs_are_found",
             "tests/test_hub.py::test_three_participants_each_get_their_own_server_and_open_the_workbench"]
    result = subprocess.run([sys.executable, "-m", "pytest", "-n", "0", "-rs", "-p", "no:cacheprovider", *tests],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert re.search(r"=+ 4 skipped in [\d.]+s", output), output
    assert "needs chromium, which is not installed (install it: " in output
    assert "needs bubblewrap, which is not installed" in output
    assert "needs postgresql, which is not installed" in output
    assert "needs npm, which is not installed" in output


# ------------------------------------------------------------------ a newcomer's first commands

@pytest.mark.slow
def test_a_fresh_clone_installs_and_serves_the_course_with_the_readmes_first_command(tmp_path):
    """A clone of the current commit, with no ../shared beside it, runs `make lab` (the README's first command):
    it creates .venv, installs the pinned course and serves the start page. uv's cache is shared, so this takes
    about a minute, not a download of everything. A missing install step (a file not committed, a dependency
    not declared) fails here."""
    clone = tmp_path / "exsitu-course"
    head = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True, check=True)
    subprocess.run(["git", "clone", "--quiet", "--no-checkout", str(ROOT), str(clone)], check=True, timeout=120)
    subprocess.run(["git", "checkout", "--quiet", head.stdout.strip()], cwd=clone, check=True, timeout=120)
    assert not (clone.parent / "shared").exists()
    readme = (clone / "README.md").read_text()
    assert readme.index("make lab") < readme.index("make test")
    with make_lab(clone, timeout=900) as (url, token, log):
        assert "00-introduction.ipynb" in url
        with urllib.request.urlopen(url, timeout=30) as response:
            assert response.status == 200
    assert (clone / ".venv" / ".course-installed").exists()
    deps = subprocess.run(["make", "--no-print-directory", "-n", "test"], cwd=clone, capture_output=True, text=True,
                          timeout=60)
    assert "tools/system_deps.py --install" in deps.stdout, deps.stdout + deps.stderr


# ------------------------------------------------------------------ licences

def test_licences_exist_and_the_readme_names_them():
    assert (ROOT / "LICENSE").read_text().startswith("MIT License")
    assert 'license = { text = "MIT" }' in (ROOT / "pyproject.toml").read_text()
    content = (ROOT / "LICENSE-CONTENT.md").read_text()
    assert "CC BY 4.0" in content and "https://creativecommons.org/licenses/by/4.0/legalcode" in content
    assert "How to credit" in content
    readme = (ROOT / "README.md").read_text()
    licences = readme[readme.index("## Licences"):]
    for name in ("`LICENSE`", "`LICENSE-CONTENT.md`", "MIT", "CC BY 4.0", "data/README.md"):
        assert name in licences, name
    data = (ROOT / "data" / "README.md").read_text()
    rows = [line for line in data.splitlines() if line.startswith("| `")]
    assert rows and all(line.rstrip(" |").split("|")[-1].strip() for line in rows), "every data file names a licence"
