"""How the ECA workbench hands files to the browser, and its older file-per-assessment folder.

The workbench now autosaves in the workshop store (:mod:`exsitu.workshop`, versioned, one SQLite file or
PostgreSQL); what it still uses from here are the upload limit (:data:`MAX_UPLOAD_BYTES`), download file
names (:func:`file_name`) and ``data:`` URIs (:func:`data_uri`), which a browser saves without a server
round trip. The folder helpers (``EXSITU_WORKBENCH_DIR``, :func:`list_saved`, :func:`assessment_path`) read
assessments saved as one JSON file each by earlier versions of the workbench; they are no longer written.
"""

from __future__ import annotations

import base64
import datetime as _dt
import os
import re
import uuid
from dataclasses import dataclass
from pathlib import Path

from exsitu.limits import MAX_JSON_BYTES, MAX_NAME_CHARS, parse_json
from exsitu.validation import InvalidInputError

ENV_VAR = "EXSITU_WORKBENCH_DIR"
"""Environment variable naming the folder where the workbench keeps assessments."""

MAX_UPLOAD_BYTES = MAX_JSON_BYTES
"""Largest assessment file the workbench accepts (5 MB; the course's complete examples are under 100 kB)."""

_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


def default_storage_dir() -> Path:
    """The folder named by ``EXSITU_WORKBENCH_DIR``, else ``~/.local/share/exsitu-workbench``."""
    configured = os.environ.get(ENV_VAR, "").strip()
    if configured:
        return Path(configured).expanduser()
    return Path.home() / ".local" / "share" / "exsitu-workbench"


def new_assessment_id() -> str:
    """A fresh random id for an assessment file (12 hex digits of a UUID4: collisions are negligible)."""
    return uuid.uuid4().hex[:12]


def assessment_path(storage_dir: str | Path, assessment_id: str) -> Path:
    """The file of one assessment: ``<storage_dir>/<assessment_id>.json`` (the id must be a plain name)."""
    if not isinstance(assessment_id, str) or not _ID.match(assessment_id):
        raise InvalidInputError("assessment_id", f"{assessment_id!r} is not a plain file name",
                                "use letters, digits, '-' or '_' (at most 64)")
    return Path(storage_dir) / f"{assessment_id}.json"


@dataclass(frozen=True)
class SavedAssessment:
    """One assessment file in the storage folder: its id, path, last change and (if readable) its taxon."""

    assessment_id: str
    path: Path
    modified: float  # seconds since the epoch
    taxon: str = ""
    title: str = ""

    def label(self) -> str:
        when = _dt.datetime.fromtimestamp(self.modified).strftime("%Y-%m-%d %H:%M")
        name = self.taxon or "(unreadable file)"
        title = f" — {self.title}" if self.title else ""
        return f"{name}{title} · saved {when} · {self.assessment_id}"


def list_saved(storage_dir: str | Path, limit: int = 200) -> list[SavedAssessment]:
    """Assessment files in ``storage_dir``, newest first (at most ``limit``); a missing folder gives ``[]``."""
    folder = Path(storage_dir)
    if not folder.is_dir():
        return []
    found = []
    for path in folder.glob("*.json"):
        if not _ID.match(path.stem):
            continue
        try:
            found.append((path.stat().st_mtime, path))
        except OSError:
            continue
    found.sort(key=lambda item: item[0], reverse=True)
    out = []
    for modified, path in found[:limit]:
        taxon = title = ""
        try:  # a file larger than an upload may be (e.g. written by hand) is listed but not read
            if path.stat().st_size <= MAX_UPLOAD_BYTES:
                data = parse_json(path.read_bytes(), field=path.name)
                if isinstance(data, dict):
                    taxon, title = (str(data.get(key, ""))[:MAX_NAME_CHARS] for key in ("taxon", "title"))
        except (OSError, ValueError):
            pass
        out.append(SavedAssessment(path.stem, path, modified, taxon, title))
    return out


def file_name(text: str, suffix: str) -> str:
    """A safe download file name from a taxon or title, e.g. ``'Atelopus zeteki'`` → ``'atelopus-zeteki.json'``."""
    slug = re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-")[:60] or "assessment"
    return f"{slug}{suffix}"


def data_uri(content: str | bytes, mime: str) -> str:
    """A base64 ``data:`` URI of ``content`` (text is encoded as UTF-8)."""
    raw = content.encode("utf-8") if isinstance(content, str) else bytes(content)
    charset = ";charset=utf-8" if isinstance(content, str) else ""
    return f"data:{mime}{charset};base64,{base64.b64encode(raw).decode('ascii')}"


def decode_data_uri(uri: str) -> bytes:
    """The bytes of a base64 ``data:`` URI made by :func:`data_uri`."""
    if not isinstance(uri, str) or not uri.startswith("data:") or ";base64," not in uri:
        raise InvalidInputError("uri", "is not a base64 data: URI", "pass a link made by data_uri()")
    return base64.b64decode(uri.split(";base64,", 1)[1])
