# Voilà reads this file with apps/voila.json (`--Voila.config_file_paths=apps`, as `make apps` and the browser tests
# run it): the apps' landing page, the "exsitu" template in share/jupyter/voila/templates/exsitu/ (based on "lab",
# so app pages are unchanged; only the folder listing is replaced by a page naming and describing each app).
#
# This file is also on every app kernel's import path (a kernel runs in apps/, and `python -m ipykernel_launcher`
# puts its working folder first on sys.path), where its name shadows the `voila` package: a preheated kernel's
# `from voila.utils import get_query_string` (exsitu.widgets.workshop.query_string) imported this file instead,
# failed, and the page's query string was lost (workshop links and reloads opened solo work). Imported as a module
# (no traitlets `c`), it therefore hands the import over to the real package.
import os
from pathlib import Path

try:
    c  # noqa: B018, F821 - defined when traitlets loads this file as configuration
except NameError:  # imported as the module `voila` (an app kernel): become the real Voilà package
    import importlib
    import sys

    _APPS = Path(__file__).resolve().parent
    del sys.modules[__name__]
    _saved_path = list(sys.path)
    sys.path[:] = [entry for entry in sys.path if Path(entry or os.curdir).resolve() != _APPS]
    try:
        importlib.import_module("voila")  # the import system then returns sys.modules["voila"], the real package
    finally:
        sys.path[:] = _saved_path
else:
    import json

    _CELL_TIMEOUT = json.loads((Path(__file__).resolve().parent / "voila.json").read_text(encoding="utf-8")) \
        .get("VoilaExecutor", {}).get("timeout")

    def _cell_timeout(cell: dict) -> int | None:
        """No time limit for a cell tagged ``wait-for-page``, voila.json's for every other cell.

        A preheated kernel runs its app until that cell, which waits for the page's request (its query string);
        a kernel may wait in the pool for hours. With the cell timeout, nbclient interrupted the wait after 120 s
        and the page that later took the kernel got no query string (a workshop link opened solo work)."""
        return None if "wait-for-page" in cell.get("metadata", {}).get("tags", []) else _CELL_TIMEOUT

    c.VoilaExecutor.timeout_func = _cell_timeout  # noqa: F821 (traitlets provides `c`)
    _SHARE = Path(__file__).resolve().parent.parent / "share" / "jupyter"
    if (_SHARE / "voila" / "templates" / "exsitu").is_dir():
        os.environ["JUPYTER_PATH"] = os.pathsep.join([str(_SHARE), *filter(None, [os.environ.get("JUPYTER_PATH")])])
        c.VoilaConfiguration.template = "exsitu"  # noqa: F821 (traitlets provides `c`)
