"""Bounds on what a person's input may make the toolkit hold, checked BEFORE it is held.

Every reader of a person's file goes through these helpers, in the library and in the apps alike:

* :func:`read_limited` reads a path, bytes or file object as a stream, counting bytes and lines, and stops with
  an :class:`~exsitu.validation.InvalidInputError` as soon as either passes its cap — so a file of
  gigabytes costs at most the cap in memory and the time to read that much.
* :func:`read_zip_member` does the same for one file inside a zip: it checks the size the zip's directory
  declares (``ZipInfo.file_size``) AND counts the bytes as they inflate, since a zip's headers can lie; a zip
  bomb (0.4 MB that inflates to gigabytes) is refused after inflating at most the cap.
* :func:`check_cells` bounds rows × columns of a table before it is parsed (each cell is a Python object).

The caps are module constants (bytes, lines); the apps' own upload limit (compressed bytes) is
``exsitu.widgets.apps.MAX_UPLOAD_BYTES``.
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path
from typing import Any

from exsitu.validation import InvalidInputError

__all__ = [
    "CHUNK_BYTES", "MAX_TABLE_BYTES", "MAX_TABLE_CELLS", "MAX_OCCURRENCE_LINES", "MAX_STUDBOOK_LINES",
    "MAX_ZIP_MEMBERS", "MAX_JSON_BYTES", "MAX_JSON_DEPTH", "MAX_NAME_CHARS", "MAX_NUMBER_DIGITS", "MAX_TEXT_CHARS",
    "check_cells", "check_json_data", "check_text", "json_depth", "open_zip", "parse_json", "read_limited",
    "read_zip_member",
]

#: Largest text a table may be, bytes, after unzipping (64 MiB: a GBIF "simple" download of ~200,000 records).
MAX_TABLE_BYTES = 64 * 2**20
#: Most lines (records + header) read from an occurrence file.
MAX_OCCURRENCE_LINES = 1_000_000
#: Most lines (individuals + header) read from a studbook.
MAX_STUDBOOK_LINES = 250_000
#: Most cells (rows × columns) parsed from a table: each is a Python object of ~60 bytes, so ≈ 600 MB at most.
MAX_TABLE_CELLS = 10_000_000
#: Most entries a zip may list (a GBIF download zip has fewer than 10).
MAX_ZIP_MEMBERS = 1_000
#: Bytes read at a time.
CHUNK_BYTES = 1 << 20


def _mb(size: float) -> str:
    return f"{size / 2**20:,.0f} MB" if size >= 2**20 else f"{size / 1024:,.0f} kB"


def _too_big(field: str, what: str, max_bytes: int) -> InvalidInputError:
    return InvalidInputError(field, f"{what} is larger than {_mb(max_bytes)} (read as text)",
                             "use a smaller file: keep only the records and columns needed (e.g. one species, one "
                             "region), or split it")


def _too_many_lines(field: str, what: str, max_lines: int) -> InvalidInputError:
    return InvalidInputError(field, f"{what} has more than {max_lines:,} lines",
                             f"use a file of at most {max_lines - 1:,} records (split it, or keep the records needed)")


def _read_stream(read: Any, *, field: str, what: str, max_bytes: int, max_lines: int | None) -> bytes | str:
    """Read ``read(n)`` to the end in chunks, refusing once more than ``max_bytes`` or ``max_lines`` have come."""
    chunks: list = []
    size = lines = 0
    while True:
        chunk = read(CHUNK_BYTES)
        if not chunk:
            break
        if not isinstance(chunk, (bytes, bytearray, str)):
            raise InvalidInputError(field, "the file object did not return text or bytes",
                                    "open the file in text or binary mode")
        size += len(chunk)
        if size > max_bytes:
            raise _too_big(field, what, max_bytes)
        if max_lines is not None:
            lines += chunk.count("\n" if isinstance(chunk, str) else b"\n")
            if lines > max_lines:
                raise _too_many_lines(field, what, max_lines)
        chunks.append(chunk)
    if not chunks:
        return b""
    if isinstance(chunks[0], str):
        return "".join(chunks)
    return b"".join(bytes(chunk) for chunk in chunks)


def read_limited(source: Any, *, field: str = "file", what: str = "the file", max_bytes: int = MAX_TABLE_BYTES,
                 max_lines: int | None = None) -> bytes | str:
    """The content of ``source`` — a path, bytes or a file object (text or binary) — read as a stream.

    Raises :class:`InvalidInputError` (``field``) as soon as more than ``max_bytes`` bytes (characters for a
    text stream) or ``max_lines`` line breaks have been read, before reading the rest; and for a missing file.
    Returns bytes (str if the file object returns text).
    """
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        if len(data) > max_bytes:
            raise _too_big(field, what, max_bytes)
        if max_lines is not None and data.count(b"\n") > max_lines:
            raise _too_many_lines(field, what, max_lines)
        return data
    if isinstance(source, (str, os.PathLike)):
        path = Path(source)
        try:
            with path.open("rb") as handle:
                return _read_stream(handle.read, field=field, what=what, max_bytes=max_bytes, max_lines=max_lines)
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise InvalidInputError(field, f"no file at {str(path)[:200]!r}", "check the folder and file name") \
                from None
        except PermissionError:
            raise InvalidInputError(field, f"the file {str(path)[:200]!r} cannot be read (permission denied)",
                                    "check the file's permissions") from None
    if hasattr(source, "read"):
        return _read_stream(source.read, field=field, what=what, max_bytes=max_bytes, max_lines=max_lines)
    raise InvalidInputError(field, f"expected a file path, bytes or a file object, got {type(source).__name__}",
                            "pass the path of the file")


def open_zip(data: bytes, *, field: str = "file") -> tuple[zipfile.ZipFile, list[zipfile.ZipInfo]]:
    """Open zip bytes; returns the archive and its files (not folders). At most :data:`MAX_ZIP_MEMBERS` entries."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        entries = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as error:
        raise InvalidInputError(field, f"the zip file could not be opened ({error})",
                                "download it again, or unzip it and choose the file inside") from None
    if len(entries) > MAX_ZIP_MEMBERS:
        raise InvalidInputError(field, f"the zip lists {len(entries):,} files (at most {MAX_ZIP_MEMBERS:,} are read)",
                                "unzip it and choose the file needed")
    return archive, [entry for entry in entries if not entry.is_dir()]


def read_zip_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo, *, field: str = "file",
                    max_bytes: int = MAX_TABLE_BYTES, max_lines: int | None = None) -> bytes:
    """The inflated bytes of ``member``, refused (:class:`InvalidInputError`) beyond ``max_bytes``/``max_lines``.

    Checks the size the zip declares first, then counts the bytes as they inflate (a zip's headers can lie),
    so a zip bomb costs at most ``max_bytes`` of memory and the time to inflate that much.
    """
    what = f"{member.filename[:200]} in the zip"
    if member.file_size > max_bytes:
        raise InvalidInputError(field, f"{what} is {_mb(member.file_size)} unzipped, larger than the "
                                f"{_mb(max_bytes)} limit",
                                "use a smaller download (fewer records), or keep only the records needed")
    try:
        with archive.open(member) as handle:
            return _read_stream(handle.read, field=field, what=what, max_bytes=max_bytes, max_lines=max_lines)
    except InvalidInputError:
        raise
    except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError, ValueError) as error:
        raise InvalidInputError(field, f"{what} could not be read ({str(error)[:200]})",
                                "download it again, or unzip it and choose the file inside") from None
    except Exception as error:  # noqa: BLE001 - zlib/bz2/lzma errors of a corrupt member
        raise InvalidInputError(field, f"{what} could not be read ({type(error).__name__})",
                                "download it again, or unzip it and choose the file inside") from None


def check_cells(lines: int, columns: int, *, field: str = "file", what: str = "the table",
                max_cells: int = MAX_TABLE_CELLS) -> None:
    """Refuse a table of ``lines`` × ``columns`` above ``max_cells`` cells, before parsing it."""
    if lines * max(columns, 1) > max_cells:
        raise InvalidInputError(field, f"{what} has about {lines:,} rows × {columns:,} columns, more than the "
                                f"{max_cells:,} cells read at once",
                                "keep only the columns and records needed, or split the file")


# ------------------------------------------------------------------------------------------------ JSON and text
#: Largest assessment JSON read or written, bytes (the course's complete examples are under 100 kB).
MAX_JSON_BYTES = 5 * 1024 * 1024
#: Deepest nesting of JSON arrays/objects read (an assessment file nests about 8 deep).
MAX_JSON_DEPTH = 32
#: Most digits a JSON number may have (an integer of more digits is refused before ``int()`` converts it).
MAX_NUMBER_DIGITS = 30
#: Longest name-like text (taxon, title, a participant's name), characters.
MAX_NAME_CHARS = 200
#: Longest free text (notes, reasons, descriptions), characters.
MAX_TEXT_CHARS = 20_000

_JSON_FIX = "upload the .json file the toolkit saved, unedited"


def _json_number_too_long(text: str, field: str) -> InvalidInputError:
    shown = text[:20] + ("…" if len(text) > 20 else "")
    return InvalidInputError(field, f"holds a number with more than {MAX_NUMBER_DIGITS} digits ({shown})", _JSON_FIX)


def _parse_int(text: str, field: str) -> int:
    if len(text.lstrip("-")) > MAX_NUMBER_DIGITS:
        raise _json_number_too_long(text, field)
    return int(text)


def _parse_float(text: str, field: str) -> float:
    digits = sum(ch.isdigit() for ch in text.split("e")[0].split("E")[0])
    if digits > MAX_NUMBER_DIGITS + 10:
        raise _json_number_too_long(text, field)
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise InvalidInputError(field, f"holds a number too large to use ({text[:20]})", _JSON_FIX)
    return value


def _parse_constant(text: str, field: str) -> None:
    raise InvalidInputError(field, f"holds {text}, which is not a number in standard JSON", _JSON_FIX)


def json_depth(text: str) -> int:
    """Deepest nesting of ``[``/``{`` in JSON text (brackets inside strings ignored), computed without recursion."""
    import re

    import numpy as np

    bare = re.sub(r'"[^"\\]*(?:\\.[^"\\]*)*"', '""', text)
    codes = np.frombuffer(bare.encode("utf-8", "replace"), dtype=np.uint8)
    steps = np.zeros(len(codes), dtype=np.int32)
    steps[(codes == ord("[")) | (codes == ord("{"))] = 1
    steps[(codes == ord("]")) | (codes == ord("}"))] = -1
    return int(np.cumsum(steps).max(initial=0))


def parse_json(text: str | bytes, *, field: str = "file", max_bytes: int = MAX_JSON_BYTES,
               max_depth: int = MAX_JSON_DEPTH) -> Any:
    """Parse JSON a person supplied, bounded: size (bytes), nesting depth (checked before parsing, without
    recursion), numbers of at most :data:`MAX_NUMBER_DIGITS` digits, no ``NaN``/``Infinity``. Raises
    :class:`InvalidInputError` (``field``) with a message for anything else, never another exception."""
    import json

    if isinstance(text, (bytes, bytearray, memoryview)):
        raw = bytes(text)
        if len(raw) > max_bytes:
            raise InvalidInputError(field, f"is {_mb(len(raw))}, more than the {_mb(max_bytes)} allowed", _JSON_FIX)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InvalidInputError(field, "is not UTF-8 text", _JSON_FIX) from None
    if not isinstance(text, str):
        raise InvalidInputError(field, f"expected JSON text, got {type(text).__name__}", _JSON_FIX)
    if len(text) > max_bytes:
        raise InvalidInputError(field, f"is more than {_mb(max_bytes)}", _JSON_FIX)
    depth = json_depth(text)
    if depth > max_depth:
        raise InvalidInputError(field, f"nests {depth} levels deep (at most {max_depth} are read)", _JSON_FIX)
    try:
        return json.loads(text, parse_int=lambda s: _parse_int(s, field),
                          parse_float=lambda s: _parse_float(s, field),
                          parse_constant=lambda s: _parse_constant(s, field))
    except json.JSONDecodeError as error:
        raise InvalidInputError(field, f"is not valid JSON (line {error.lineno}, column {error.colno}: "
                                f"{error.msg})", _JSON_FIX) from None
    except RecursionError:
        raise InvalidInputError(field, "nests too deep", _JSON_FIX) from None


def check_json_data(data: Any, *, field: str = "", max_text: int = MAX_TEXT_CHARS,
                    max_depth: int = MAX_JSON_DEPTH) -> None:
    """Check plain data (dicts, lists, texts, numbers) before it is written as JSON, without recursion: every text
    at most ``max_text`` characters, every number finite and of at most :data:`MAX_NUMBER_DIGITS` digits, nesting
    at most ``max_depth``, only JSON types. Raises :class:`InvalidInputError` naming the path (e.g. ``notes``)."""
    import math

    stack: list[tuple[Any, str, int]] = [(data, field, 0)]
    while stack:
        value, path, depth = stack.pop()
        where = path or "value"
        if depth > max_depth:
            raise InvalidInputError(where, f"nests more than {max_depth} levels deep", "simplify it")
        if value is None or isinstance(value, bool):
            continue
        if isinstance(value, str):
            if len(value) > max_text:
                raise InvalidInputError(where, f"is {len(value):,} characters long, more than the {max_text:,} "
                                        "allowed", "shorten it (keep long documents as sources, cited by key)")
        elif isinstance(value, int):
            if abs(value) >= 10**MAX_NUMBER_DIGITS:
                raise InvalidInputError(where, f"has more than {MAX_NUMBER_DIGITS} digits", "enter a smaller number")
        elif isinstance(value, float):
            if not math.isfinite(value):
                raise InvalidInputError(where, f"is {value!r}, not a finite number", "enter a finite number")
        elif isinstance(value, dict):
            for key, item in value.items():
                if not isinstance(key, str):
                    raise InvalidInputError(where, f"has a key {key!r} that is not a text", "use text keys")
                stack.append((item, f"{path}.{key}" if path else key, depth + 1))
        elif isinstance(value, (list, tuple)):
            for index, item in enumerate(value):
                stack.append((item, f"{path}[{index}]", depth + 1))
        else:
            raise InvalidInputError(where, f"is a {type(value).__name__}, not JSON data", "use texts and numbers")


def check_text(value: Any, field: str, max_chars: int = MAX_TEXT_CHARS) -> str:
    """Return ``value`` if it is a text of at most ``max_chars`` characters; otherwise raise naming ``field``."""
    if not isinstance(value, str):
        raise InvalidInputError(field, f"expected a text, got {type(value).__name__}", "write it as text")
    if len(value) > max_chars:
        raise InvalidInputError(field, f"is {len(value):,} characters long, more than the {max_chars:,} allowed",
                                "shorten it")
    return value
