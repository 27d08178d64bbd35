"""The two commands a new user runs: the README opens with them, CI runs exactly the test one."""

from __future__ import annotations

import os
import re
import signal
import subprocess
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
