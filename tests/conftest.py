"""Test-wide set-up.

Jupyter, IPython and matplotlib are pointed at a temporary folder before anything imports them, so the
test run leaves nothing in the home folder and is not influenced by a developer's own settings.
"""

from __future__ import annotations

import atexit
import importlib.util
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

_ISOLATED_HOME = Path(tempfile.mkdtemp(prefix="exsitu-tests-"))
atexit.register(shutil.rmtree, _ISOLATED_HOME, ignore_errors=True)

for variable, folder in {
    "JUPYTER_CONFIG_DIR": "jupyter-config",
    "JUPYTER_DATA_DIR": "jupyter-data",
    "JUPYTER_RUNTIME_DIR": "jupyter-runtime",
    "IPYTHONDIR": "ipython",
    "MPLCONFIGDIR": "matplotlib",
}.items():
    path = _ISOLATED_HOME / folder
    path.mkdir(parents=True, exist_ok=True)
    os.environ[variable] = str(path)
os.environ["JUPYTER_PLATFORM_DIRS"] = "1"
os.environ.setdefault("MPLBACKEND", "Agg")
os.environ["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"

REPO_ROOT = Path(__file__).resolve().parents[1]


def _load_system_deps():
    spec = importlib.util.spec_from_file_location("exsitu_system_deps", REPO_ROOT / "tools" / "system_deps.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


system_deps = _load_system_deps()

#: Tests that need a Debian package but are not marked in their own file: path (relative to tests/) -> marker.
_MARKED_BY_PATH = {"grading/test_grade_sandbox.py": "sandbox"}


def pytest_configure(config):
    config.exsitu_isolated_home = _ISOLATED_HOME


@pytest.hookimpl(trylast=True)  # after tests/apps/conftest.py has marked the browser tests
def pytest_collection_modifyitems(config, items):
    """Skip the tests whose Debian package is missing (``make system-deps`` says which and how to install it)."""
    tests_root = Path(__file__).resolve().parent
    for item in items:
        relative = Path(str(item.fspath)).resolve()
        if relative.is_relative_to(tests_root) and relative.relative_to(tests_root).as_posix() in _MARKED_BY_PATH:
            item.add_marker(getattr(pytest.mark, _MARKED_BY_PATH[relative.relative_to(tests_root).as_posix()]))
    absent = system_deps.missing_markers()
    if not absent:
        return
    for item in items:
        reasons = [reason for marker, reason in absent.items() if item.get_closest_marker(marker) is not None]
        if reasons:
            item.add_marker(pytest.mark.skip(reason="; ".join(reasons)))
