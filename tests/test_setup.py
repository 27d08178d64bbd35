"""The two commands a new user runs: the README opens with them, CI runs exactly the test one."""

from __future__ import annotations

import importlib.util
import os
import re
import signal
import subprocess
import sys
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


@pytest.mark.slow
def test_make_lab_serves_the_course_on_its_start_page(tmp_path):
    """`make lab` starts JupyterLab headless, prints its URL, and serves the start page."""
    port = 8800 + os.getpid() % 150
    process = subprocess.Popen(
        ["make", "--no-print-directory", "lab", f"PORT={port}"], cwd=ROOT,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    output = []
    try:
        url = None
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and url is None:
            line = process.stdout.readline()
            if not line:
                break
            output.append(line)
            match = re.search(rf"(http://127\.0\.0\.1:{port}/lab\S*\?token=\w+)", line)
            if match:
                url = match.group(1)
        assert url, "make lab printed no URL:\n" + "".join(output)
        assert "00-introduction.ipynb" in url, url
        token = url.split("token=")[1]
        contents = f"http://127.0.0.1:{port}/api/contents/notebooks/00-introduction.ipynb?token={token}&content=0"
        for _ in range(60):  # the URL is printed as the server starts listening
            try:
                with urllib.request.urlopen(contents, timeout=30) as response:
                    assert response.status == 200
                    break
            except urllib.error.URLError:
                time.sleep(0.5)
        else:
            pytest.fail("JupyterLab printed its URL but never answered")
        with urllib.request.urlopen(url, timeout=30) as response:
            assert response.status == 200
            assert "JupyterLab" in response.read().decode()
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


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
    assert "missing chromium, bubblewrap, postgresql" in lines[0]
    assert "apt-get install chromium bubblewrap postgresql" in lines[0]
    assert "browser, grading sandbox, PostgreSQL tests will be skipped" in lines[0]


def test_system_deps_is_silent_when_everything_is_there(tmp_path):
    tools = tmp_path / "bin"
    postgres = tmp_path / "postgresql" / "15" / "bin"
    for folder, names in ((tools, ["chromium", "bwrap"]), (postgres, ["initdb", "pg_ctl", "postgres"])):
        folder.mkdir(parents=True)
        for name in names:
            (folder / name).write_text("#!/bin/sh\n")
            (folder / name).chmod(0o755)
    env = {**os.environ, "PATH": str(tools), "EXSITU_POSTGRES_BIN": str(postgres)}
    env.pop("EXSITU_CHROMIUM", None)
    result = subprocess.run([sys.executable, str(SYSTEM_DEPS), "--install"], env=env,
                            capture_output=True, text=True, timeout=60)
    assert (result.returncode, result.stdout) == (0, ""), result.stdout + result.stderr


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
    """With chromium, bubblewrap and PostgreSQL out of sight, their tests are skipped (not failed) with the reason
    and pytest still ends with its normal summary."""
    env = {**os.environ, "PATH": _empty_path(tmp_path), "EXSITU_CHROMIUM": str(tmp_path / "no-chromium"),
           "EXSITU_POSTGRES_BIN": str(tmp_path / "no-postgres")}
    tests = ["tests/apps/test_apps.py::test_redlist_calculator_dataset_change_updates_range",
             "tests/grading/test_grade_sandbox.py::test_bubblewrap_is_used",
             "tests/test_setup.py::test_postgres_server_programs_are_found"]
    result = subprocess.run([sys.executable, "-m", "pytest", "-n", "0", "-rs", "-p", "no:cacheprovider", *tests],
                            cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert re.search(r"=+ 3 skipped in [\d.]+s", output), output
    assert "needs chromium, which is not installed (install it: " in output
    assert "needs bubblewrap, which is not installed" in output
    assert "needs postgresql, which is not installed" in output
