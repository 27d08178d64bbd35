"""Test-wide set-up.

Jupyter, IPython and matplotlib are pointed at a temporary folder before anything imports them, so the
test run leaves nothing in the home folder and is not influenced by a developer's own settings.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

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


def pytest_configure(config):
    config.exsitu_isolated_home = _ISOLATED_HOME
