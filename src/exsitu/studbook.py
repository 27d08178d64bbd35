"""Read and check a studbook, giving a :class:`Pedigree` whose individuals are ordered parents-first.

A studbook is a table with one row per individual and the columns ``id, sire, dam, sex`` and, optionally,
``birth_date, death_date, alive, location``. Unknown parents are written as an empty cell, ``0``, ``UNK`` or
``WILD`` (any case). Ids are labels of the type the user gave: if every id is an integer — an integer
column of a DataFrame, or in a CSV file every id written as a plain decimal integer such as ``17`` (not
``017`` or ``17.0``) — results are indexed by integers (int64), otherwise by text. Sex is ``M``/``F``/``U``
(or the words male/female/unknown). Every problem found is reported as
:class:`~exsitu.validation.InvalidInputError` naming the data row (1-based, header not counted) and the id, so
that a person can find and fix it in the file.

Use :func:`exsitu.pedigree.read_studbook` (the same function) in lessons and apps.
"""

from __future__ import annotations

import io
import os
import re
from dataclasses import dataclass, field
from typing import Any, Iterable

import numpy as np
import pandas as pd

from exsitu import limits
from exsitu.validation import InvalidInputError

__all__ = ["Pedigree", "read_studbook", "UNKNOWN_PARENT_TOKENS", "REQUIRED_COLUMNS", "OPTIONAL_COLUMNS"]

#: Cell values (compared in upper case, after stripping spaces) that mean "parent unknown".
UNKNOWN_PARENT_TOKENS = frozenset({"", "0", "UNK", "WILD"})
REQUIRED_COLUMNS = ("id", "sire", "dam", "sex")
OPTIONAL_COLUMNS = ("birth_date", "death_date", "alive", "location")

_SEX_WORDS = {"M": "M", "MALE": "M", "F": "F", "FEMALE": "F", "U": "U", "UNKNOWN": "U"}
_TRUE_WORDS = {"TRUE", "T", "YES", "Y", "1", "ALIVE", "LIVING"}
_FALSE_WORDS = {"FALSE", "F", "NO", "N", "0", "DEAD"}
_DECIMAL_INTEGER = re.compile(r"-?(?:0|[1-9][0-9]*)")  # canonical integer text, as str(int) writes it
_INT64_MAX = np.iinfo(np.int64).max


@dataclass(frozen=True, eq=False)
class Pedigree:
    """A checked studbook; build it with :func:`read_studbook`.

    Individuals are stored in an order where every parent comes before its offspring: by ``generation``
    (0 for founders, otherwise 1 + the larger generation of the two parents), and in studbook row order
    within a generation.

    Ids keep the type the user gave, as pandas would: if every id is an integer (an integer column of a
    DataFrame, or, in a CSV file, every id a plain decimal integer such as ``17`` — not ``017`` or ``17.0``)
    the ids are int64 and every result (kinship matrix rows and columns, Series indexes, the id columns of
    tables) is indexed by integers, so ``kinship_matrix(ped).loc[1, 2]`` works; otherwise they are text
    (``"A12"``, ``"017"``, or a mix of numbers and text). Wherever an id is given back (``living``, pairs,
    individuals), ``17`` and ``"17"`` both name individual 17 of an integer-id studbook. ``0`` is never an id:
    it marks an unknown parent.

    Attributes
    ----------
    ids: studbook ids in pedigree order: an int64 array if every id is an integer (see above), else str
        (object array).
    sire, dam: position of each parent in ``ids`` (int64); -1 where the parent is unknown.
    sex: ``"M"``, ``"F"`` or ``"U"``.
    generation: generation number as defined above (int64, non-decreasing).
    source_row: the 1-based data row of each individual in the table it was read from.
    birth_date, death_date: ``datetime64[D]`` arrays (NaT where not recorded), or None if the column is absent.
    alive: bool array in pedigree order (not studbook row order), or None if the studbook says nothing about
        who is alive. It can be passed as ``living`` as it is (``mean_kinship(ped, ped.alive)``); for the ids of
        the living in studbook row order use :attr:`living_ids`.
    location: text (``""`` where not recorded), or None if the column is absent.
    extra: any further columns of the table, indexed by id, kept as read (or None).
    """

    ids: np.ndarray
    sire: np.ndarray
    dam: np.ndarray
    sex: np.ndarray
    generation: np.ndarray
    source_row: np.ndarray
    birth_date: np.ndarray | None = None
    death_date: np.ndarray | None = None
    alive: np.ndarray | None = None
    location: np.ndarray | None = None
    extra: pd.DataFrame | None = None
    index: pd.Index = field(init=False, repr=False)
    _keys: pd.Index = field(init=False, repr=False)

    def __post_init__(self) -> None:
        ids = np.asarray(self.ids)
        if ids.dtype.kind in "iu":
            ids = ids.astype(np.int64)
            keys = ids.astype(str).astype(object)
        else:
            ids = ids.astype(object)
            keys = ids
        object.__setattr__(self, "ids", ids)
        object.__setattr__(self, "index", pd.Index(ids, dtype=ids.dtype, name="id"))
        object.__setattr__(self, "_keys", pd.Index(keys, dtype=object))  # text form, for look-ups

    def __len__(self) -> int:
        return len(self.ids)

    def __repr__(self) -> str:
        living = "unknown" if self.alive is None else int(self.alive.sum())
        return (f"Pedigree({len(self)} individuals, {int(self.is_founder.sum())} founders, "
                f"{int(self.generation.max(initial=0)) + 1} generations, living={living})")

    @property
    def is_founder(self) -> np.ndarray:
        """True for individuals with both parents unknown."""
        return (self.sire < 0) & (self.dam < 0)

    @property
    def row_order(self) -> np.ndarray:
        """Positions (in pedigree order) listed in studbook row order: ``ids[row_order]`` is the id column as read.

        Results for individuals (kinship matrix, F, mk) are reported in this order, as the user wrote them.
        """
        return np.argsort(self.source_row, kind="stable").astype(np.int64)

    @property
    def in_row_order(self) -> bool:
        """True if pedigree order is the studbook's row order (its rows already list parents first by generation)."""
        return bool(np.all(self.source_row[1:] > self.source_row[:-1]))

    @property
    def integer_ids(self) -> bool:
        """True if the ids are integers (int64 labels), False if they are text."""
        return self.ids.dtype.kind == "i"

    @property
    def founders(self) -> list[int | str]:
        """Ids of the studbook founders (both parents unknown), in pedigree order."""
        return self.labels(np.flatnonzero(self.is_founder))

    @property
    def living_ids(self) -> list[int | str]:
        """Ids of the living individuals in studbook row order (from the alive or death_date column).

        Use it wherever ``living`` is asked for, or to see who is alive; :attr:`alive` is in pedigree order.
        """
        if self.alive is None:
            raise InvalidInputError("alive", "the studbook has no alive (or death_date) column",
                                    "add an alive column (yes/no) or a death_date column (empty for the living)")
        positions = np.flatnonzero(self.alive)
        return self.labels(positions[np.argsort(self.source_row[positions], kind="stable")])

    def labels(self, positions: Any = None) -> list[int | str]:
        """Ids at ``positions`` (pedigree order; default all) as plain Python ints or str."""
        ids = self.ids if positions is None else self.ids[np.asarray(positions, dtype=np.int64)]
        return ids.tolist()

    def generation_blocks(self, max_rows: int | None = None) -> list[tuple[int, int]]:
        """``(start, stop)`` ranges of consecutive individuals of one generation, at most ``max_rows`` long.

        No individual in a block is an ancestor of another in the same block, so a block's kinships can be
        computed at once from those of earlier individuals.
        """
        n = len(self)
        cuts = np.flatnonzero(np.diff(self.generation)) + 1
        starts = np.concatenate([[0], cuts])
        stops = np.concatenate([cuts, [n]])
        blocks: list[tuple[int, int]] = []
        for start, stop in zip(starts.tolist(), stops.tolist()):
            step = stop - start if not max_rows else max_rows
            for a in range(start, stop, max(step, 1)):
                blocks.append((a, min(a + step, stop)))
        return blocks if n else []

    def positions(self, ids: Iterable[Any], field_name: str = "ids") -> np.ndarray:
        """Positions (in pedigree order) of the given ids; raises naming any id not in the studbook.

        An integer-id studbook takes an id as an integer or as its text (``17`` or ``"17"``).
        """
        values = list(ids)
        keys = [_id_text(value) for value in values]
        found = self._keys.get_indexer(keys)
        if (found < 0).any():
            missing = [_plain(v) for v, f in zip(values, found) if f < 0]
            shown = ", ".join(repr(m) for m in missing[:5]) + (" …" if len(missing) > 5 else "")
            raise InvalidInputError(field_name, f"{len(missing)} id(s) not in the studbook: {shown}",
                                    "use ids from the studbook's id column")
        return found.astype(np.int64)

    def living_positions(self, living: Any = None, field_name: str = "living") -> np.ndarray:
        """Positions (in pedigree order) of the living individuals, listed in studbook row order.

        ``living`` may be None (use the studbook's ``alive`` column), a list/array/Index of ids (e.g.
        :attr:`living_ids`), a boolean :class:`pandas.Series` indexed by id, the pedigree's own :attr:`alive`
        array (in pedigree order), or a plain boolean array with one entry per individual. Any other plain
        boolean array is accepted only when it cannot be misread: when the pedigree order (:attr:`ids`) is the
        studbook's row order. Otherwise it raises, asking for ids or an id-indexed Series instead, because a
        True/False list aligned with the table as written would silently pick the wrong individuals.
        """
        n = len(self)
        if living is None or (living is self.alive and living is not None):
            if self.alive is None:
                raise InvalidInputError(field_name, "the studbook has no alive (or death_date) column",
                                        "pass living=[ids of the living individuals] or add an alive column")
            positions = np.flatnonzero(self.alive)
        elif isinstance(living, pd.Series) and pd.api.types.is_bool_dtype(living.dtype):
            if len(living) != n or set(map(_id_text, living.index)) != set(self._keys):
                raise InvalidInputError(field_name, "a boolean Series must have one entry per studbook id",
                                        "index it by the studbook ids")
            chosen = living[living.astype(bool)].index
            positions = np.sort(self.positions(chosen, field_name))
        else:
            if isinstance(living, (set, frozenset, tuple, pd.Index)):
                living = list(living)
            values = np.asarray(living, dtype=object) if not isinstance(living, np.ndarray) else living
            if values.ndim != 1:
                raise InvalidInputError(field_name, "must be a one-dimensional list of ids or a boolean mask",
                                        "pass a list of ids")
            if values.size and all(isinstance(v, (bool, np.bool_)) for v in values.tolist()):
                if values.size != n:
                    raise InvalidInputError(field_name, f"boolean mask has {values.size} entries but the "
                                            f"studbook has {n} individuals",
                                            "give one True/False per individual in pedigree.ids order")
                if not self.in_row_order:
                    raise InvalidInputError(
                        field_name, "a plain True/False list is ambiguous here: the studbook's rows do not list "
                        "parents before offspring generation by generation, so its row order differs from "
                        "pedigree.ids", "pass the ids of the living individuals (pedigree.living_ids gives "
                        "them from the alive column), pedigree.alive itself, or a boolean pandas Series "
                        "indexed by id")
                positions = np.flatnonzero(values.astype(bool))
            else:
                positions = self.positions(values.tolist(), field_name)
                if np.unique(positions).size != positions.size:
                    counts = pd.Series(self.labels(positions), dtype=object).value_counts()
                    raise InvalidInputError(field_name, f"id {counts.index[0]!r} is listed more than once",
                                            "list each living individual once")
                positions = np.sort(positions)
        if positions.size == 0:
            raise InvalidInputError(field_name, "no living individuals", "mark at least one individual as alive")
        positions = positions[np.argsort(self.source_row[positions], kind="stable")]
        return positions.astype(np.int64)

    def to_frame(self) -> pd.DataFrame:
        """The studbook as a table (pedigree order); dates as ISO text.

        Text ids: unknown parents as empty text. Integer ids: ``id`` is int64 and ``sire``/``dam`` are
        nullable integers (``Int64``) with <NA> for an unknown parent.
        """
        ids = self.ids
        if self.integer_ids:
            parents = {role: pd.array(np.where(p >= 0, ids[np.maximum(p, 0)], 0), dtype="Int64")
                       for role, p in (("sire", self.sire), ("dam", self.dam))}
            for role, p in (("sire", self.sire), ("dam", self.dam)):
                parents[role][p < 0] = pd.NA
        else:
            unknown = np.array([""], dtype=object)
            parents = {role: np.where(p >= 0, ids[np.maximum(p, 0)], unknown)
                       for role, p in (("sire", self.sire), ("dam", self.dam))}
        frame = pd.DataFrame({
            "id": ids.copy() if self.integer_ids else ids.astype(object),
            "sire": parents["sire"],
            "dam": parents["dam"],
            "sex": self.sex.astype(object),
        })
        for name in ("birth_date", "death_date"):
            dates = getattr(self, name)
            if dates is not None:
                text = np.datetime_as_string(dates, unit="D").astype(object)
                text[np.isnat(dates)] = ""
                frame[name] = text
        if self.alive is not None:
            frame["alive"] = np.where(self.alive, "yes", "no").astype(object)
        if self.location is not None:
            frame["location"] = self.location.astype(object)
        if self.extra is not None:
            for column in self.extra.columns:
                frame[column] = self.extra[column].to_numpy(dtype=object)
        return frame

    def to_dict(self) -> dict:
        """Plain JSON-able form: ``{"columns": [...], "rows": [[...], ...], "integer_ids": bool}`` (text cells)."""
        frame = self.to_frame()
        for column in frame.columns:
            frame[column] = _cells_as_text(frame[column])
        return {"columns": [str(c) for c in frame.columns],
                "rows": [[str(v) for v in row] for row in frame.itertuples(index=False, name=None)],
                "integer_ids": self.integer_ids}

    @classmethod
    def from_dict(cls, data: dict) -> "Pedigree":
        """Rebuild (and re-check) a pedigree from :meth:`to_dict` output.

        Without an ``integer_ids`` entry the ids are typed as when reading a CSV file.
        """
        frame = pd.DataFrame(data["rows"], columns=data["columns"], dtype=object)
        table = _load_table(frame)
        integer_ids = data.get("integer_ids", True) is not False and _is_decimal_integer_column(table)
        return _build(table, allow_selfing=True, integer_ids=integer_ids)


# ----------------------------------------------------------------------------------------------- reading


def read_studbook(path_or_frame: Any, *, allow_selfing: bool = False) -> Pedigree:
    """Read a studbook (CSV path, CSV text/bytes, file-like object or DataFrame) and check it.

    Columns ``id, sire, dam, sex`` are required (any case); ``birth_date, death_date`` (ISO dates such as
    ``2019-04-30``; kept to the day), ``alive`` (yes/no, true/false, 1/0) and ``location`` are optional; other
    columns are kept in :attr:`Pedigree.extra`. If there is no ``alive`` column but a ``death_date`` column,
    individuals without a death date are taken as alive (likewise for a blank ``alive`` cell when both columns
    exist); an ``alive`` value of yes/no always wins over a missing death date. Lines at the top of a CSV
    starting with ``#`` are comments. A text argument containing a line break is read as CSV text, otherwise as
    a file path.

    Raises :class:`InvalidInputError` naming the row for: a missing required column, an empty or reserved id,
    duplicate ids, a parent not in the studbook, an individual that is its own ancestor (the ids in the cycle
    are named), a sire recorded as female or a dam as male, the same individual as sire and dam (unless
    ``allow_selfing=True``, for self-fertilising plants and hermaphrodites — such a parent must have sex U),
    a parent born after its offspring, a death before birth, and unreadable sex, date or alive values.

    Ids are integers (int64) if the DataFrame's id column is an integer column, or if every id of a CSV is a
    plain decimal integer (``17``; not ``017`` or ``17.0``); otherwise text. See :class:`Pedigree`.
    """
    if isinstance(path_or_frame, Pedigree):
        table = _load_table(path_or_frame.to_frame())
        return _build(table, allow_selfing=bool(allow_selfing), integer_ids=path_or_frame.integer_ids)
    if isinstance(path_or_frame, pd.DataFrame):
        table = _load_table(path_or_frame)
        integer_ids = _is_integer_column(path_or_frame) and _is_decimal_integer_column(table)
    else:
        table = _load_table(path_or_frame)
        integer_ids = _is_decimal_integer_column(table)
    return _build(table, allow_selfing=bool(allow_selfing), integer_ids=integer_ids)


def _id_column(columns: Iterable[Any]) -> int | None:
    """Position of the id column (names compared as :func:`_build` does), or None."""
    for k, name in enumerate(columns):
        if str(name).strip().lower().replace(" ", "_") == "id":
            return k
    return None


def _is_integer_column(frame: pd.DataFrame) -> bool:
    """True if the DataFrame's id column holds integers: an integer dtype, or Python/NumPy ints only."""
    k = _id_column(frame.columns)
    if k is None:
        return False
    column = frame.iloc[:, k]
    if pd.api.types.is_bool_dtype(column.dtype):
        return False
    if pd.api.types.is_integer_dtype(column.dtype):
        return True
    return column.dtype == object and pd.api.types.infer_dtype(column, skipna=False) == "integer"


def _is_decimal_integer_column(table: pd.DataFrame) -> bool:
    """True if every (text) id is a canonical decimal integer that fits in int64 ("17", not "017" or "17.0")."""
    k = _id_column(table.columns)
    if k is None or len(table) == 0:
        return False
    for text in table.iloc[:, k].tolist():
        if not _DECIMAL_INTEGER.fullmatch(text) or abs(int(text)) > _INT64_MAX:
            return False
    return True


def _load_table(source: Any) -> pd.DataFrame:
    """Return the studbook as a DataFrame of stripped text cells (missing cells as "")."""
    if isinstance(source, Pedigree):
        return _load_table(source.to_frame())
    if isinstance(source, pd.DataFrame):
        frame = source.copy()
        frame.columns = [str(c) for c in frame.columns]
        frame = frame.reset_index(drop=True)
        for column in frame.columns:
            frame[column] = _cells_as_text(frame[column])
        return frame
    # Files and uploads are read as a stream with caps on bytes and lines (exsitu.limits), before parsing.
    bounds = {"field": "studbook", "what": "the studbook", "max_bytes": limits.MAX_TABLE_BYTES,
              "max_lines": limits.MAX_STUDBOOK_LINES}
    if isinstance(source, (bytes, bytearray, memoryview)):
        text = _decode(limits.read_limited(source, **bounds))
    elif isinstance(source, os.PathLike) or (isinstance(source, str) and "\n" not in source and "\r" not in source):
        if not os.path.isfile(os.fspath(source)):
            if os.path.isdir(os.fspath(source)):
                raise InvalidInputError("studbook", f"{os.fspath(source)!r} is a folder, not a CSV file",
                                        "give the path of the CSV file")
            raise InvalidInputError("studbook", f"file {os.fspath(source)!r} not found",
                                    "check the path to the CSV file")
        text = _decode(limits.read_limited(source, **bounds))
    elif isinstance(source, str):
        text = limits.read_limited(io.StringIO(source), **bounds)
    elif hasattr(source, "read"):
        content = limits.read_limited(source, **bounds)
        text = _decode(content) if isinstance(content, (bytes, bytearray)) else str(content)
    else:
        raise InvalidInputError("studbook", f"cannot read a studbook from {type(source).__name__}",
                                "give a CSV file path, CSV text or bytes, an open file or a pandas DataFrame")
    lines = text.splitlines()
    while lines and (lines[0].lstrip().startswith("#") or not lines[0].strip()):
        lines.pop(0)
    if not lines:
        raise InvalidInputError("studbook", "the file is empty", "add a header line: id,sire,dam,sex")
    limits.check_cells(len(lines), lines[0].count(",") + 1, field="studbook", what="the studbook")
    try:
        frame = pd.read_csv(io.StringIO("\n".join(lines)), dtype=str, keep_default_na=False,
                            skipinitialspace=True)
    except (pd.errors.ParserError, ValueError) as error:
        raise InvalidInputError("studbook", f"not readable as CSV ({error})",
                                "save the table as comma-separated values with one header line") from None
    frame.columns = [str(c) for c in frame.columns]
    for column in frame.columns:
        frame[column] = _cells_as_text(frame[column])
    return frame


def _decode(content: bytes) -> str:
    try:
        return content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return content.decode("latin-1")


def _id_text(value: Any) -> str:
    """Text form of an id; integral floats (e.g. 12.0 from a numeric column with gaps) become ``"12"``."""
    if isinstance(value, (float, np.floating)) and np.isfinite(value) and float(value).is_integer():
        return str(int(value))
    if isinstance(value, (int, np.integer)) and not isinstance(value, (bool, np.bool_)):
        return str(int(value))
    return str(value).strip()


def _cells_as_text(column: pd.Series) -> pd.Series:
    """Cells as stripped text; missing values (None, NaN, NA, NaT) become ""."""
    missing = column.isna().to_numpy()
    dtype = column.dtype
    if pd.api.types.is_datetime64_any_dtype(dtype):
        text = column.dt.strftime("%Y-%m-%d").to_numpy(dtype=object)
    elif pd.api.types.is_bool_dtype(dtype):
        text = np.where(column.to_numpy(dtype=bool, na_value=False), "True", "False").astype(object)
    elif pd.api.types.is_integer_dtype(dtype):
        text = column.astype(object).to_numpy(dtype=object)
        text = np.array([str(int(v)) if not m else "" for v, m in zip(text, missing)], dtype=object)
    elif pd.api.types.is_float_dtype(dtype):
        values = column.to_numpy(dtype=float, na_value=np.nan)
        integral = np.isfinite(values) & (values == np.round(values))
        text = np.where(integral, np.round(np.nan_to_num(values)).astype(np.int64).astype(str),
                        values.astype(str)).astype(object)
    else:
        values = column.to_numpy(dtype=object)
        if all(type(v) is str for v in values):
            text = np.array([v.strip() for v in values], dtype=object)
        else:
            text = np.array(["" if m else _id_text(v) for v, m in zip(values, missing)], dtype=object)
    text[missing] = ""
    return pd.Series(text, dtype=object)


def _plain(value: Any) -> Any:
    """A NumPy scalar as the Python value it holds (so that messages show 17, not np.int64(17))."""
    return value.item() if isinstance(value, np.generic) else value


def _label(text: str, integer_ids: bool) -> int | str:
    """An id cell as a label: an int for an integer-id studbook (if it reads as one), else the text."""
    return int(text) if integer_ids and _DECIMAL_INTEGER.fullmatch(text) else text


def _row_error(rows: np.ndarray, ids: np.ndarray, k: int, problem: str, fix: str) -> InvalidInputError:
    return InvalidInputError(f"studbook row {int(rows[k])} (id {ids[k]!r})", problem, fix)


def _build(table: pd.DataFrame, *, allow_selfing: bool, integer_ids: bool = False) -> Pedigree:
    """Check the text table and build the Pedigree. Messages show ids as labels (17 for integer ids, 'A')."""
    # ---- columns
    lowered = [c.strip().lower().replace(" ", "_") for c in table.columns]
    seen: set[str] = set()
    for name in lowered:
        if name in seen:
            raise InvalidInputError("studbook", f"column {name!r} appears twice", "keep one column of each name")
        seen.add(name)
    table = table.set_axis(lowered, axis=1)
    missing = [c for c in REQUIRED_COLUMNS if c not in table.columns]
    if missing:
        raise InvalidInputError("studbook", f"missing required column(s) {', '.join(map(repr, missing))}",
                                "the studbook needs the columns id, sire, dam, sex")
    n = len(table)
    if n == 0:
        raise InvalidInputError("studbook", "has no individuals", "add one row per individual")
    rows = np.arange(1, n + 1, dtype=np.int64)
    ids = table["id"].to_numpy(dtype=object)  # text, for matching parents
    numbers = ids.astype(np.int64) if integer_ids else None  # every id is a canonical integer text here
    shown = numbers.astype(object) if integer_ids else ids  # ids as labels (Python ints or text), for messages

    # ---- ids
    upper_ids = np.array([v.upper() for v in ids], dtype=object)
    for k in range(n):
        if ids[k] == "":
            raise InvalidInputError(f"studbook row {k + 1}", "the id is empty", "give every individual an id")
        if upper_ids[k] in UNKNOWN_PARENT_TOKENS:
            raise _row_error(rows, shown, k, f"{shown[k]!r} cannot be an id: it means 'unknown parent'",
                             "renumber this individual")
    duplicated = pd.Series(ids).duplicated(keep="first").to_numpy()
    if duplicated.any():
        k = int(np.flatnonzero(duplicated)[0])
        first = int(np.flatnonzero(ids == ids[k])[0])
        raise _row_error(rows, shown, k, f"duplicate id: already used in row {first + 1}",
                         "give each individual a unique id")

    # ---- sex
    sex = np.empty(n, dtype="<U1")
    for k, value in enumerate(table["sex"].to_numpy(dtype=object)):
        code = _SEX_WORDS.get(value.upper())
        if code is None:
            raise _row_error(rows, shown, k, f"sex {value!r} is not M, F or U",
                             "write M (male), F (female) or U (unknown)")
        sex[k] = code

    # ---- parents
    index = pd.Index(ids, dtype=object)
    parents = {}
    for role in ("sire", "dam"):
        values = table[role].to_numpy(dtype=object)
        unknown = np.array([v.upper() in UNKNOWN_PARENT_TOKENS for v in values], dtype=bool)
        position = index.get_indexer(values).astype(np.int64)
        position[unknown] = -1
        absent = (~unknown) & (position < 0)
        if absent.any():
            k = int(np.flatnonzero(absent)[0])
            parent = _label(values[k], integer_ids)
            raise _row_error(rows, shown, k, f"{role} {parent!r} is not in the studbook",
                             f"add a row for {parent!r}, or write the {role} as UNK if unknown")
        parents[role] = position
    sire, dam = parents["sire"], parents["dam"]

    own = (sire == np.arange(n)) | (dam == np.arange(n))
    if own.any():
        k = int(np.flatnonzero(own)[0])
        raise _row_error(rows, shown, k, "is recorded as its own parent (it would be its own ancestor)",
                         "correct the sire or dam")
    selfed = (sire >= 0) & (sire == dam)
    if selfed.any() and not allow_selfing:
        k = int(np.flatnonzero(selfed)[0])
        raise _row_error(rows, shown, k, f"the same individual {shown[sire[k]]!r} is recorded as both sire and dam",
                         "correct one parent (or, for a self-fertilising plant or hermaphrodite, "
                         "read the studbook with allow_selfing=True)")
    bad_sire = (sire >= 0) & (sex[np.maximum(sire, 0)] == "F")
    if bad_sire.any():
        k = int(np.flatnonzero(bad_sire)[0])
        raise _row_error(rows, shown, k, f"sire {shown[sire[k]]!r} is recorded as female",
                         "correct the sire, or that individual's sex")
    bad_dam = (dam >= 0) & (sex[np.maximum(dam, 0)] == "M")
    if bad_dam.any():
        k = int(np.flatnonzero(bad_dam)[0])
        raise _row_error(rows, shown, k, f"dam {shown[dam[k]]!r} is recorded as male",
                         "correct the dam, or that individual's sex")
    if selfed.any():
        not_u = selfed & (sex[np.maximum(sire, 0)] != "U")
        if not_u.any():
            k = int(np.flatnonzero(not_u)[0])
            raise _row_error(rows, shown, k, f"parent {shown[sire[k]]!r} of a selfing is recorded as "
                             f"{sex[sire[k]]}", "record a self-fertilising parent's sex as U")

    # ---- generations (also finds cycles)
    generation = _generations(sire, dam, rows, shown)

    # ---- dates, alive, location
    birth = _dates(table, "birth_date", rows, shown)
    death = _dates(table, "death_date", rows, shown)
    if birth is not None and death is not None:
        early = ~np.isnat(birth) & ~np.isnat(death) & (death < birth)
        if early.any():
            k = int(np.flatnonzero(early)[0])
            raise _row_error(rows, shown, k, f"death date {death[k]} is before birth date {birth[k]}",
                             "correct one of the dates")
    if birth is not None:
        for role, position in (("sire", sire), ("dam", dam)):
            known = position >= 0
            parent_birth = np.where(known, birth[np.maximum(position, 0)], np.datetime64("NaT"))
            late = known & ~np.isnat(parent_birth) & ~np.isnat(birth) & (parent_birth > birth)
            if late.any():
                k = int(np.flatnonzero(late)[0])
                raise _row_error(rows, shown, k, f"{role} {shown[position[k]]!r} was born ({parent_birth[k]}) "
                                 f"after its offspring ({birth[k]})", "correct the parent or the birth dates")
    alive = _alive(table, death, rows, shown)
    location = table["location"].to_numpy(dtype=object) if "location" in table.columns else None

    extra_columns = [c for c in table.columns if c not in REQUIRED_COLUMNS + OPTIONAL_COLUMNS]
    extra = table[extra_columns] if extra_columns else None

    # ---- order: generation, then row
    order = np.lexsort((rows, generation))
    new_position = np.empty(n, dtype=np.int64)
    new_position[order] = np.arange(n)

    def remap(position: np.ndarray) -> np.ndarray:
        p = position[order]
        return np.where(p >= 0, new_position[np.maximum(p, 0)], -1).astype(np.int64)

    ordered_ids = numbers[order] if numbers is not None else ids[order].astype(object)
    if extra is not None:
        extra = extra.iloc[order].set_axis(pd.Index(ordered_ids, dtype=ordered_ids.dtype, name="id"), axis=0)
    return Pedigree(
        ids=ordered_ids,
        sire=remap(sire),
        dam=remap(dam),
        sex=sex[order],
        generation=generation[order],
        source_row=rows[order],
        birth_date=None if birth is None else birth[order],
        death_date=None if death is None else death[order],
        alive=None if alive is None else alive[order],
        location=None if location is None else location[order],
        extra=extra,
    )


def _generations(sire: np.ndarray, dam: np.ndarray, rows: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Generation of each individual, found by peeling founders first; a left-over means a cycle.

    Vectorised breadth-first pass over the parent→child links (each link is looked at once).
    """
    n = len(sire)
    generation = np.full(n, -1, dtype=np.int64)
    child = np.concatenate([np.flatnonzero(sire >= 0), np.flatnonzero(dam >= 0)])
    parent = np.concatenate([sire[sire >= 0], dam[dam >= 0]])
    order = np.argsort(parent, kind="stable")
    child, parent = child[order], parent[order]
    start = np.searchsorted(parent, np.arange(n + 1))
    waiting = (sire >= 0).astype(np.int64) + (dam >= 0).astype(np.int64)
    waiting[(sire >= 0) & (sire == dam)] = 1  # selfing: one parent, counted once
    frontier = np.flatnonzero(waiting == 0)
    generation[frontier] = 0
    while frontier.size:
        counts = start[frontier + 1] - start[frontier]
        total = int(counts.sum())
        if total == 0:
            break
        offsets = np.repeat(start[frontier] - np.cumsum(counts) + counts, counts) + np.arange(total)
        kids = child[offsets]
        from_parent = parent[offsets]
        # a selfed child is listed twice under the same parent; count it once
        pair = kids * (n + 1) + from_parent
        _, first = np.unique(pair, return_index=True)
        kids = kids[np.sort(first)]
        np.subtract.at(waiting, kids, 1)
        ready = np.unique(kids[waiting[kids] == 0])
        s = np.where(sire[ready] >= 0, generation[np.maximum(sire[ready], 0)], -1)
        d = np.where(dam[ready] >= 0, generation[np.maximum(dam[ready], 0)], -1)
        generation[ready] = np.maximum(s, d) + 1
        frontier = ready
    left = np.flatnonzero(generation < 0)
    if left.size:
        raise _cycle_error(left, sire, dam, rows, ids, generation)
    return generation


def _cycle_error(left: np.ndarray, sire: np.ndarray, dam: np.ndarray, rows: np.ndarray, ids: np.ndarray,
                 generation: np.ndarray) -> InvalidInputError:
    """Walk up unplaced parents from an unplaced individual until an individual repeats: that is a cycle."""
    path: list[int] = []
    seen: dict[int, int] = {}
    k = int(left[0])
    while k not in seen:
        seen[k] = len(path)
        path.append(k)
        k = int(sire[k]) if sire[k] >= 0 and generation[sire[k]] < 0 else int(dam[k])
    cycle = path[seen[k]:]
    first = min(cycle, key=lambda j: rows[j])
    start = cycle.index(first)
    cycle = cycle[start:] + cycle[:start]
    chain = " → ".join(repr(ids[j]) for j in cycle + [cycle[0]])
    return _row_error(rows, ids, first, f"is its own ancestor: cycle {chain} (each is a parent of the one before)",
                      "correct the sire or dam of one of these individuals")


def _dates(table: pd.DataFrame, name: str, rows: np.ndarray, ids: np.ndarray) -> np.ndarray | None:
    if name not in table.columns:
        return None
    text = table[name].to_numpy(dtype=object)
    given = text != ""
    parsed = pd.to_datetime(pd.Series(np.where(given, text, None), dtype=object), format="ISO8601",
                            errors="coerce")
    values = parsed.to_numpy(dtype="datetime64[ns]")
    bad = given & np.isnat(values)
    if bad.any():
        k = int(np.flatnonzero(bad)[0])
        raise _row_error(rows, ids, k, f"{name} {text[k]!r} is not a date",
                         "write dates as YYYY-MM-DD (or YYYY-MM, YYYY), or leave the cell empty")
    return values.astype("datetime64[D]")


def _alive(table: pd.DataFrame, death: np.ndarray | None, rows: np.ndarray, ids: np.ndarray) -> np.ndarray | None:
    if "alive" not in table.columns:
        return None if death is None else np.isnat(death)
    text = table["alive"].to_numpy(dtype=object)
    alive = np.zeros(len(text), dtype=bool)
    for k, value in enumerate(text):
        word = value.upper()
        if word in _TRUE_WORDS:
            alive[k] = True
        elif word == "" and death is not None:  # blank: alive unless a death date is recorded
            alive[k] = bool(np.isnat(death[k]))
        elif word not in _FALSE_WORDS:
            raise _row_error(rows, ids, k, f"alive {value!r} is not yes/no", "write yes or no (or true/false, 1/0)"
                             + ("" if value else ", or add a death_date column"))
    if death is not None:
        contradiction = alive & ~np.isnat(death)
        if contradiction.any():
            k = int(np.flatnonzero(contradiction)[0])
            raise _row_error(rows, ids, k, f"is marked alive but has a death date ({death[k]})",
                             "remove the death date or mark it as not alive")
    return alive
