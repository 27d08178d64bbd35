"""Setup shared by the benchmarks (imported first): the repository root on ``sys.path`` (for ``tests.apps.helpers``),
Jupyter and Matplotlib folders of their own in a temp folder (a benchmark never reads or writes the user's), the apps
served, and the nearest-rank percentile used in the reports.

Usage, in a benchmark in this folder (run as ``.venv/bin/python benchmarks/bench_….py``, so this folder is on the
path): ``from _setup import APPS, ROOT, percentile``.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
for variable in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR", "MPLCONFIGDIR"):
    os.environ.setdefault(variable, tempfile.mkdtemp(prefix=f"bench-{variable.lower()}-"))
os.environ.setdefault("JUPYTER_PLATFORM_DIRS", "1")

#: The Voilà apps (apps/*.ipynb), by file name.
APPS = sorted(path.name for path in (ROOT / "apps").glob("*.ipynb"))


def percentile(values: list[float], q: float) -> float:
    """The ``q``-th percentile of ``values`` by nearest rank (one of the values)."""
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]
