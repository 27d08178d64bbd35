"""Paths to the course's data files (the repository's ``data/`` folder; see ``data/README.md``)."""

from __future__ import annotations

from pathlib import Path

from exsitu.validation import InvalidInputError

__all__ = ["DATA_DIR", "available", "data_path"]

#: The repository's data folder (the package is installed editable from ``<repo>/src/exsitu``).
DATA_DIR = Path(__file__).resolve().parents[2] / "data"

_NOT_DATA = {".py", ".pyc", ".md"}


def available() -> list[str]:
    """Data files under ``data/``, as paths relative to it (scripts and READMEs left out), sorted."""
    if not DATA_DIR.is_dir():
        return []
    return sorted(
        path.relative_to(DATA_DIR).as_posix()
        for path in DATA_DIR.rglob("*")
        if path.is_file() and path.suffix not in _NOT_DATA and "__pycache__" not in path.parts
    )


def data_path(name: str) -> Path:
    """Path of a data file, given relative to ``data/`` (``"occurrences/x.csv"``) or by its file name alone.

    Raises :class:`InvalidInputError` listing the available files when there is no such file, or when a bare
    file name matches more than one file.
    """
    if not isinstance(name, str) or not name.strip():
        raise InvalidInputError("name", f"expected a file name, got {name!r}", _listing())
    relative = Path(name.strip())
    if relative.is_absolute() or ".." in relative.parts:
        raise InvalidInputError("name", f"{name!r} is not a path inside data/", _listing())
    candidate = DATA_DIR / relative
    if candidate.is_file():
        return candidate
    if len(relative.parts) == 1:
        matches = [DATA_DIR / item for item in available() if Path(item).name == relative.name]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            shown = ", ".join(m.relative_to(DATA_DIR).as_posix() for m in matches)
            raise InvalidInputError("name", f"{name!r} matches several files ({shown})",
                                    "give the path relative to data/")
    raise InvalidInputError("name", f"no data file {name!r} in {DATA_DIR}", _listing())


def _listing() -> str:
    files = available()
    return "available: " + (", ".join(files) if files else "none (is the repository's data/ folder present?)")
