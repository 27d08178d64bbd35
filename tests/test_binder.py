"""Binder: repo2docker accepts the configuration (it only writes the Dockerfile; no Docker daemon needed)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
REPO2DOCKER = Path(sys.executable).with_name("jupyter-repo2docker")


def dockerfile_for(repository: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(REPO2DOCKER), "--no-build", "--no-run", "--debug", str(repository)],
                          capture_output=True, text=True, timeout=300)


def copy_repository(destination: Path) -> Path:
    """A copy of the tracked files, as Binder would clone them."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout
    for name in filter(None, files.decode().split("\0")):
        source = ROOT / name
        if source.is_file():
            target = destination / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return destination


@pytest.mark.slow
def test_repo2docker_accepts_the_binder_configuration(tmp_path):
    result = dockerfile_for(copy_repository(tmp_path / "repo"))
    log = result.stdout + result.stderr
    assert result.returncode == 0, log
    assert "python=3.11" in log, "Binder must build the Python version the course is pinned for"
    assert 'pip install --no-cache-dir -r "binder/requirements.txt"' in log
    assert "./binder/postBuild" in log
    assert "binder/start" in log, "Binder must start the learner's Lab through binder/start"


@pytest.mark.slow
def test_repo2docker_rejects_a_broken_configuration(tmp_path):
    """The check above can fail: a Binder folder asking for a Python that does not exist is refused."""
    repository = copy_repository(tmp_path / "repo")
    (repository / "binder" / "runtime.txt").write_text("python-2.1\n")
    result = dockerfile_for(repository)
    assert result.returncode != 0 or "python=3.11" not in result.stdout + result.stderr


def test_postbuild_installs_exsitu_and_opens_the_start_page():
    post_build = (ROOT / "binder" / "postBuild").read_text()
    assert "pip install --no-deps" in post_build and "-e ." in post_build
    assert "/lab/tree/notebooks/00-introduction.ipynb" in post_build
    assert (ROOT / "notebooks" / "00-introduction.ipynb").exists()


def test_binder_starts_a_learners_lab_with_the_projects_settings(tmp_path):
    """binder/start adds jupyter-config/learner (as `make lab` does) and then runs the server command."""
    start = ROOT / "binder" / "start"
    assert os.access(start, os.X_OK)
    probe = tmp_path / "probe.sh"
    probe.write_text('#!/bin/sh\necho "$JUPYTER_CONFIG_PATH"\n')
    probe.chmod(0o755)
    result = subprocess.run([str(start), str(probe)], capture_output=True, text=True, timeout=30,
                            env={**os.environ, "JUPYTER_CONFIG_PATH": "/elsewhere"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == f"{ROOT / 'jupyter-config' / 'learner'}:/elsewhere"
    assert (ROOT / "jupyter-config" / "learner" / "labconfig" / "page_config.json").is_file()
