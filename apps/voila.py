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
    _SHARE = Path(__file__).resolve().parent.parent / "share" / "jupyter"
    if (_SHARE / "voila" / "templates" / "exsitu").is_dir():
        os.environ["JUPYTER_PATH"] = os.pathsep.join([str(_SHARE), *filter(None, [os.environ.get("JUPYTER_PATH")])])
        c.VoilaConfiguration.template = "exsitu"  # noqa: F821 (traitlets provides `c`)
