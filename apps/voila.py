# Voilà reads this file with apps/voila.json (`--Voila.config_file_paths=apps`, as `make apps` and the browser tests
# run it): the apps' landing page, the "exsitu" template in share/jupyter/voila/templates/exsitu/ (based on "lab",
# so app pages are unchanged; only the folder listing is replaced by a page naming and describing each app).
import os
from pathlib import Path

_SHARE = Path(__file__).resolve().parent.parent / "share" / "jupyter"
if (_SHARE / "voila" / "templates" / "exsitu").is_dir():
    os.environ["JUPYTER_PATH"] = os.pathsep.join([str(_SHARE), *filter(None, [os.environ.get("JUPYTER_PATH")])])
    c.VoilaConfiguration.template = "exsitu"  # noqa: F821 (traitlets provides `c`)
