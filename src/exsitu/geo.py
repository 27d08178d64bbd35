"""Occurrence records and geographic range for IUCN Red List criterion B (ECA Step 1).

* :func:`read_occurrences` reads Darwin Core CSV or a GBIF tab-separated download and excludes, with a
  count per reason, the records whose coordinates cannot be used.
* :func:`extent_of_occurrence` (EOO, criterion B1) is the area of the minimum convex polygon around the
  records, geodesic, on the WGS84 ellipsoid.
* :func:`area_of_occupancy` (AOO, criterion B2) is the number of occupied grid cells × the cell area, on a
  2 × 2 km grid by default (IUCN Red List Guidelines v15.1 §4.10).
* :func:`range_summary` puts the three together for a lesson or an app.
* :func:`select_records` leaves out usable records by an assessor's choice (old records, a locality, records
  too uncertain), counting each reason, before EOO and AOO are computed.

Definitions and thresholds: IUCN Red List Categories and Criteria v3.1 and the Guidelines (RLG v15.1), as
summarised with sources in the course's domain notes (``redlist-threats.md`` §2 B).
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
import threading
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

from exsitu import limits
from exsitu.validation import InvalidInputError, require_number

__all__ = [
    "AOO_CRS",
    "DUPLICATE_DECIMALS",
    "EOO_RULES",
    "EXCLUSION_REASONS",
    "KEPT_COLUMNS",
    "LEAVE_OUT_REASONS",
    "OccurrenceCleaning",
    "RangeSummary",
    "RecordSelection",
    "aoo_by_origin",
    "area_of_occupancy",
    "clean_occurrences",
    "event_years",
    "extent_of_occurrence",
    "minimum_convex_polygon",
    "occupied_cells",
    "polygon_area_km2",
    "range_summary",
    "read_occurrences",
    "select_records",
]

#: Equal-area projection of the default AOO grid: WGS 84 / NSIDC EASE-Grid 2.0 Global.
AOO_CRS = "EPSG:6933"
#: Darwin Core columns that :func:`read_occurrences` keeps when the file has them (the first two are required).
KEPT_COLUMNS = (
    "decimalLatitude",
    "decimalLongitude",
    "scientificName",
    "eventDate",
    "basisOfRecord",
    "coordinateUncertaintyInMeters",
    "countryCode",
)
#: Why a record is excluded, checked in this order (a record gets the first reason that applies).
EXCLUSION_REASONS = {
    "missing": "latitude or longitude is missing or not a number",
    "out_of_range": "latitude outside -90..90 or longitude outside -180..180 degrees",
    "zero_zero": "latitude and longitude are both 0 (usually a blank filled with zeros)",
    "duplicate": "same coordinates (rounded to 6 decimal places, about 0.1 m) as an earlier record",
}
#: Decimal places to which coordinates are rounded when looking for duplicates.
DUPLICATE_DECIMALS = 6

_LATITUDE, _LONGITUDE = "decimalLatitude", "decimalLongitude"
# pyproj and scipy.spatial are imported when first used (they cost seconds at import; the workbench and the
# assessment model import this module for RangeSummary only).


def _pyproj():
    import pyproj

    return pyproj


def _geod():
    geod = getattr(_geod, "cached", None)
    if geod is None:
        geod = _geod.cached = _pyproj().Geod(ellps="WGS84")
    return geod


_LOCAL = threading.local()  # pyproj transformers are not safe to share between threads
# Hull whose area is this small a fraction of its perimeter squared is treated as a line (all points on one
# geodesic): in the centred gnomonic projection a geodesic's points are collinear to about 1e-14.
_DEGENERATE_RATIO = 1e-10
# Points must be within this angle of the projection centre (the gnomonic projection shows less than a hemisphere).
_MAX_ANGLE_DEG = 89.0
# A record this close (metres) to an AOO grid line counts as on it (see _floor_to_line); records are never
# this precise (6 decimal places of a degree is about 0.1 m).
_EDGE_TOLERANCE_M = 0.01


# --------------------------------------------------------------------------------------------------------------
# Reading and cleaning occurrence records
# --------------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class OccurrenceCleaning:
    """Records kept and excluded by :func:`clean_occurrences`.

    ``kept`` and ``excluded`` keep the input's index, so every record can be traced back to its row
    (for a file, index 0 is the first line after the header). ``excluded`` has two extra columns:
    ``reason`` (a key of :data:`EXCLUSION_REASONS`) and ``detail`` (what was wrong, in words).
    ``counts`` maps every reason to its number of records (zero included).
    """

    kept: pd.DataFrame
    excluded: pd.DataFrame
    counts: dict[str, int]

    @property
    def n_read(self) -> int:
        return len(self.kept) + len(self.excluded)

    @property
    def n_kept(self) -> int:
        return len(self.kept)

    @property
    def n_excluded(self) -> int:
        return len(self.excluded)

    def summary_table(self) -> pd.DataFrame:
        """One row per exclusion reason: ``reason``, ``description``, ``records``."""
        return pd.DataFrame({
            "reason": list(EXCLUSION_REASONS),
            "description": list(EXCLUSION_REASONS.values()),
            "records": [self.counts[key] for key in EXCLUSION_REASONS],
        })


def read_occurrences(
    source: Any,
    *,
    delimiter: str | None = None,
    extra_columns: Iterable[str] = (),
) -> pd.DataFrame:
    """Read occurrence records and keep those whose coordinates are usable.

    ``source`` is a path, the file's bytes, a file-like object (an upload in an app) or a
    ``pandas.DataFrame``. Files are UTF-8 text: Darwin Core CSV (comma) or a GBIF "simple" download
    (tab-separated, fields not quoted, so a field may hold a stray quote mark; it is read with quoting
    switched off, as GBIF users do, e.g. ``quote = ""`` in R). A tab-separated file whose header is quoted is
    read with ordinary quoting. The delimiter (comma, tab or semicolon) is guessed from the header unless given.
    Also read as they come: GBIF's download zips (the Darwin Core Archive's ``occurrence.txt``, or the one
    table of a "simple" download zip), UTF-16 text with a byte-order mark (spreadsheets' "Unicode text"), and
    coordinates written with a decimal comma (``-6,95``, as spreadsheets in many countries save them).

    Columns ``decimalLatitude`` and ``decimalLongitude`` (WGS84 decimal degrees) are required (names are
    matched ignoring case and a ``dwc:`` prefix); :data:`KEPT_COLUMNS` and ``extra_columns`` are kept when
    present, other columns are dropped. Coordinates become floats; other columns stay text, except
    ``coordinateUncertaintyInMeters``, which becomes a float when every non-blank value is a number.

    Records are excluded as described in :func:`clean_occurrences`; the returned frame holds the kept
    records, and ``frame.attrs["excluded"]`` the count per reason (every key of :data:`EXCLUSION_REASONS`
    present). Use ``clean_occurrences`` on the raw table to see the excluded rows themselves.
    """
    table = _read_table(source, delimiter)
    table = _standard_columns(table)
    wanted = list(KEPT_COLUMNS) + [name for name in extra_columns if name not in KEPT_COLUMNS]
    missing_extra = [name for name in extra_columns if name not in table.columns]
    if missing_extra:
        raise InvalidInputError("extra_columns", f"no column named {missing_extra[0]!r} in the table",
                                f"choose from: {', '.join(map(str, table.columns))}")
    table = table[[name for name in wanted if name in table.columns]]
    if "coordinateUncertaintyInMeters" in table.columns:
        table["coordinateUncertaintyInMeters"] = _numeric_if_all_numbers(table["coordinateUncertaintyInMeters"])
    cleaning = clean_occurrences(table)
    kept = cleaning.kept
    kept.attrs["excluded"] = dict(cleaning.counts)
    kept.attrs["n_read"] = cleaning.n_read
    return kept


def clean_occurrences(frame: pd.DataFrame) -> OccurrenceCleaning:
    """Split records into usable and excluded ones, with the reason for each exclusion.

    Reasons, checked in this order (see :data:`EXCLUSION_REASONS`):

    1. ``missing`` — latitude or longitude blank, not a number, or infinite;
    2. ``out_of_range`` — latitude outside [-90, 90] or longitude outside [-180, 180];
    3. ``zero_zero`` — both exactly 0;
    4. ``duplicate`` — the same coordinates as an earlier record once both are rounded to
       6 decimal places (about 0.1 m; longitude 180 and -180 count as the same). The first record
       in table order is kept. Near-duplicates farther apart than that are kept: they still fall in the same
       AOO cell and inside the same convex polygon, so they do not change EOO or AOO.

    Columns are kept as they are, except that latitude and longitude become floats.
    """
    if not isinstance(frame, pd.DataFrame):
        raise InvalidInputError("frame", f"expected a pandas DataFrame, got {type(frame).__name__}",
                                "read the file with read_occurrences, or build a DataFrame")
    frame = _standard_columns(frame)
    raw_lat, raw_lon = frame[_LATITUDE], frame[_LONGITUDE]
    lat, lon = _to_float(raw_lat), _to_float(raw_lon)

    reason = np.full(len(frame), "", dtype=object)
    detail = np.full(len(frame), "", dtype=object)

    bad_lat, bad_lon = ~np.isfinite(lat), ~np.isfinite(lon)
    missing = bad_lat | bad_lon
    if missing.any():
        reason[missing] = "missing"
        detail[missing] = [
            f"{_LATITUDE if bl else _LONGITUDE} is blank" if (a if bl else b).strip() == "" else
            f"{_LATITUDE if bl else _LONGITUDE} {(a if bl else b)!r} is not a number"
            for bl, a, b in zip(bad_lat[missing], _texts(raw_lat[missing]), _texts(raw_lon[missing]))
        ]
    with np.errstate(invalid="ignore"):
        out = ~missing & ((np.abs(lat) > 90) | (np.abs(lon) > 180))
    if out.any():
        reason[out] = "out_of_range"
        detail[out] = [f"{_LATITUDE} {a:g}, {_LONGITUDE} {b:g}" for a, b in zip(lat[out], lon[out])]
    usable = ~missing & ~out
    zero = usable & (lat == 0) & (lon == 0)
    reason[zero] = "zero_zero"
    detail[zero] = f"{_LATITUDE} 0, {_LONGITUDE} 0"
    usable &= ~zero

    # Duplicates among the records still usable; "+ 0.0" turns -0.0 into 0.0.
    key_lat = np.round(lat, DUPLICATE_DECIMALS) + 0.0
    key_lon = np.round(np.where(lon == -180.0, 180.0, lon), DUPLICATE_DECIMALS) + 0.0
    keys = pd.DataFrame({"lat": key_lat[usable], "lon": key_lon[usable]})
    dup_local = keys.duplicated(keep="first").to_numpy()
    if dup_local.any():
        positions = np.flatnonzero(usable)
        group = keys.groupby(["lat", "lon"], sort=False).ngroup().to_numpy()
        _, first_in_group = np.unique(group, return_index=True)  # groups are numbered in order of appearance
        first_row = frame.index.to_numpy()[positions[first_in_group[group[dup_local]]]]
        dup = positions[dup_local]
        reason[dup] = "duplicate"
        detail[dup] = [f"same coordinates as row {row}" for row in first_row]
        usable[dup] = False

    result = frame.copy()
    result[_LATITUDE] = lat
    result[_LONGITUDE] = lon
    kept = result.loc[usable].copy()
    excluded = result.loc[~usable].copy()
    # Excluded rows show the coordinates as written (e.g. "n/a"), so a person can see what was wrong.
    for column, raw in ((_LATITUDE, raw_lat), (_LONGITUDE, raw_lon)):
        if not pd.api.types.is_numeric_dtype(raw):
            excluded[column] = raw.loc[~usable].astype(object).to_numpy()
    excluded["reason"] = pd.Series(reason[~usable], index=excluded.index).astype(str)
    excluded["detail"] = pd.Series(detail[~usable], index=excluded.index).astype(str)
    counts = {key: int((reason == key).sum()) for key in EXCLUSION_REASONS}
    return OccurrenceCleaning(kept=kept, excluded=excluded, counts=counts)


def _read_table(source: Any, delimiter: str | None) -> pd.DataFrame:
    if isinstance(source, pd.DataFrame):
        return source.copy()
    if isinstance(source, str) and not isinstance(source, os.PathLike) and not Path(source).is_file():
        hint = " (to read text rather than a file, pass it as bytes or io.StringIO)" if "\n" in source else ""
        raise InvalidInputError("path", f"no file at {source[:200]!r}{hint}", "check the folder and file name")
    if not isinstance(source, (bytes, bytearray, memoryview, str, os.PathLike)) and not hasattr(source, "read"):
        raise InvalidInputError("path", f"expected a file path, bytes, a file object or a DataFrame, "
                                        f"got {type(source).__name__}", "pass the path of a CSV or GBIF file")
    # Read as a stream with caps on bytes and lines (limits.read_limited): a huge file is refused, not held.
    data: bytes | str = limits.read_limited(source, field="path", what="the occurrence file",
                                            max_bytes=limits.MAX_TABLE_BYTES, max_lines=limits.MAX_OCCURRENCE_LINES)
    if isinstance(data, bytes) and data[:4] == b"PK\x03\x04":
        data = _occurrence_file_in_zip(data)
    if isinstance(data, bytes) and data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        # spreadsheets' "Unicode text" export: UTF-16 with a byte-order mark (tab-separated)
        try:
            data = data.decode("utf-16")
        except UnicodeDecodeError as error:
            raise InvalidInputError("path", f"the file starts like UTF-16 text but is not (byte {error.start})",
                                    "save it as 'CSV UTF-8'") from None
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise InvalidInputError("path", f"the file is not UTF-8 text (byte {error.start})",
                                    "save it as 'CSV UTF-8' (GBIF downloads already are)") from None
    else:
        text = data.removeprefix("\ufeff")
    if not text.strip():
        raise InvalidInputError("path", "the file is empty", "choose a file with a header line and records")
    header = next(line for line in text.splitlines() if line.strip())
    if delimiter is None:
        counts = {sep: header.count(sep) for sep in ("\t", ",", ";")}
        delimiter = max(counts, key=lambda sep: counts[sep]) if max(counts.values()) else ","
    # GBIF's tab-separated downloads are not quoted and fields may hold stray quote marks, so no quoting —
    # unless the header itself is quoted (tab-separated files written by R or spreadsheets quote text).
    header_fields = header.split(delimiter)
    quoted_header = all(len(f.strip()) >= 2 and f.strip()[0] == f.strip()[-1] == '"' for f in header_fields)
    quoting = csv.QUOTE_NONE if delimiter == "\t" and not quoted_header else csv.QUOTE_MINIMAL
    limits.check_cells(text.count("\n") + 1, len(header_fields), field="path", what="the occurrence file")
    try:
        with warnings.catch_warnings():
            # a line with more fields than the header would otherwise lose data with only a warning
            warnings.simplefilter("error", pd.errors.ParserWarning)
            return pd.read_csv(io.StringIO(text), sep=delimiter, dtype=str, keep_default_na=False,
                               quoting=quoting, skip_blank_lines=True, index_col=False)
    except (pd.errors.ParserError, pd.errors.ParserWarning, csv.Error) as error:
        raise InvalidInputError("path", f"the table could not be read: {error}",
                                "check that every line has as many fields as the header") from None


#: Largest uncompressed occurrence file read from a zip, bytes (:data:`exsitu.limits.MAX_TABLE_BYTES`).
MAX_UNZIPPED_BYTES = limits.MAX_TABLE_BYTES
#: Files of a GBIF Darwin Core Archive that are not the occurrence table.
_NOT_OCCURRENCE_TABLES = {"verbatim.txt", "multimedia.txt", "citations.txt", "rights.txt", "meta.xml",
                          "metadata.xml", "eml.xml"}


def _occurrence_file_in_zip(data: bytes) -> bytes:
    """The occurrence table inside a zip: GBIF's Darwin Core Archive (``occurrence.txt``) or a zip holding one
    CSV/TSV/TXT file (GBIF's "simple" download). Other zips get a message listing what is inside."""
    archive, members = limits.open_zip(data, field="path")
    names = {Path(m.filename).name.lower(): m for m in members}
    if "occurrence.txt" in names:
        chosen = names["occurrence.txt"]
    else:
        tables = [m for m in members if Path(m.filename).suffix.lower() in (".csv", ".tsv", ".txt")
                  and Path(m.filename).name.lower() not in _NOT_OCCURRENCE_TABLES
                  and not Path(m.filename).name.startswith(".")]
        if len(tables) != 1:
            shown = ", ".join(m.filename for m in members[:10]) or "nothing"
            raise InvalidInputError("path", f"the zip holds {len(tables)} tables of records ({shown})",
                                    "use a GBIF download zip, or a zip with exactly one CSV file in it")
        chosen = tables[0]
    # the declared size is checked, then the bytes are counted as they inflate (headers can lie: zip bombs)
    return limits.read_zip_member(archive, chosen, field="path", max_bytes=MAX_UNZIPPED_BYTES,
                                  max_lines=limits.MAX_OCCURRENCE_LINES)


def _standard_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Rename Darwin Core columns written in another case or with a ``dwc:`` prefix; check the required ones."""
    canonical = {name.lower(): name for name in KEPT_COLUMNS}
    renames = {}
    for column in frame.columns:
        text = str(column).strip().removeprefix("\ufeff")
        bare = text.split(":", 1)[1] if text.lower().startswith("dwc:") else text
        target = canonical.get(bare.lower())
        if target is not None and column != target and target not in frame.columns:
            renames[column] = target
    if renames:
        frame = frame.rename(columns=renames)
    for required, word in ((_LATITUDE, "latitude"), (_LONGITUDE, "longitude")):
        if required not in frame.columns:
            similar = [str(c) for c in frame.columns if word[:3] in str(c).lower()]
            fix = (f"rename column {similar[0]!r} to {required!r}" if similar else
                   f"add a column {required!r} with the {word} in decimal degrees (WGS84), as in Darwin Core "
                   f"and GBIF downloads")
            shown = ", ".join(map(str, list(frame.columns)[:12])) or "none"
            raise InvalidInputError(required, f"column not found (columns: {shown})", fix)
    return frame


def _to_float(values: pd.Series) -> np.ndarray:
    if pd.api.types.is_bool_dtype(values):
        return np.full(len(values), np.nan)
    if pd.api.types.is_numeric_dtype(values):
        return values.to_numpy(dtype=float, na_value=np.nan)
    text = values.astype("string").str.strip()
    numbers = pd.Series(pd.to_numeric(text, errors="coerce")).to_numpy(dtype=float, na_value=np.nan)
    failed = np.isnan(numbers) & text.fillna("").ne("").to_numpy(dtype=bool)
    if failed.any():
        # a decimal comma, as spreadsheets in many countries write it ("-6,95" in a semicolon-separated file)
        fixed = text[failed].str.replace(_DECIMAL_COMMA, r"\1.\2", regex=True)
        numbers[failed] = pd.Series(pd.to_numeric(fixed, errors="coerce")).to_numpy(dtype=float, na_value=np.nan)
    return numbers


_DECIMAL_COMMA = re.compile(r"^([+-]?\d+),(\d+)$")


def _texts(values: pd.Series) -> list[str]:
    return ["" if value is None or (isinstance(value, float) and math.isnan(value)) else str(value)
            for value in values.tolist()]


def _numeric_if_all_numbers(values: pd.Series) -> pd.Series:
    text = values.astype("string").str.strip()
    numbers = pd.to_numeric(text.replace("", pd.NA), errors="coerce")
    if (numbers.isna() & text.fillna("").ne("")).any():
        return values  # some values are not numbers: keep the text rather than lose them
    return pd.Series(numbers, index=values.index).astype(float)


# --------------------------------------------------------------------------------------------------------------
# Coordinates
# --------------------------------------------------------------------------------------------------------------

def _as_float_array(values: Any, name: str) -> np.ndarray:
    if isinstance(values, pd.DataFrame):
        raise InvalidInputError(name, "expected one column of numbers, got a table",
                                f"pass one column, e.g. frame['decimal{name.capitalize()}']")
    array = np.asarray(values)
    if array.ndim == 0:
        array = array.reshape(1)
    if array.ndim != 1:
        raise InvalidInputError(name, f"expected a list of numbers, got an array of shape {array.shape}",
                                "pass a one-dimensional list, array or column")
    if array.dtype.kind == "b":
        raise InvalidInputError(name, "expected numbers in decimal degrees, got True/False values",
                                "pass the coordinates, not a mask")
    if array.dtype.kind in "iuf":
        return array.astype(float, copy=False)
    out = np.empty(array.size)
    for position, value in enumerate(array.tolist()):
        try:
            if isinstance(value, bool) or value is None:
                raise TypeError
            out[position] = float(value)
        except (TypeError, ValueError):
            raise InvalidInputError(name, f"value at position {position} is {value!r}, not a number",
                                    "correct or remove that record (read_occurrences excludes such records)"
                                    ) from None
    return out


def _coordinates(latitude: Any, longitude: Any) -> tuple[np.ndarray, np.ndarray]:
    """Validated float arrays of latitude and longitude (degrees, WGS84)."""
    lat = _as_float_array(latitude, "latitude")
    lon = _as_float_array(longitude, "longitude")
    if lat.size != lon.size:
        raise InvalidInputError("longitude", f"has {lon.size} values but latitude has {lat.size}",
                                "give one latitude and one longitude per record")
    if lat.size == 0:
        raise InvalidInputError("latitude", "no coordinates given", "give at least one record")
    for name, values, limit in (("latitude", lat, 90.0), ("longitude", lon, 180.0)):
        bad = ~(np.abs(values) <= limit)  # catches NaN too
        if bad.any():
            position = int(np.flatnonzero(bad)[0])
            value = values[position]
            problem = (f"value at position {position} is missing (NaN)" if math.isnan(value) else
                       f"value at position {position} is {value:g}, outside -{limit:g}..{limit:g} degrees")
            raise InvalidInputError(name, problem,
                                    "correct or remove that record (read_occurrences excludes such records)")
    return lat, lon


def _to_grid_projection(lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    transformer = getattr(_LOCAL, "forward", None)
    if transformer is None:
        transformer = _LOCAL.forward = _pyproj().Transformer.from_crs("EPSG:4326", AOO_CRS, always_xy=True)
    x, y = transformer.transform(lon, lat)
    return np.asarray(x, dtype=float), np.asarray(y, dtype=float)


def _record_grid_xy(lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Grid (EPSG:6933) coordinates of records, one position per place on the globe.

    Longitude 180 is the same meridian as -180: it is taken as -180, the cell east of the antimeridian (the
    same "east / north of a grid line" rule as everywhere else). At a pole every longitude is the same point:
    it is taken as 0. Without this one place would count as two (or more) cells.
    """
    lon = np.where(lon == 180.0, -180.0, lon)
    lon = np.where(np.abs(lat) == 90.0, 0.0, lon)
    return _to_grid_projection(lat, lon)


def _from_grid_projection(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    transformer = getattr(_LOCAL, "inverse", None)
    if transformer is None:
        transformer = _LOCAL.inverse = _pyproj().Transformer.from_crs(AOO_CRS, "EPSG:4326", always_xy=True)
    lon, lat = transformer.transform(x, y)
    return np.asarray(lat, dtype=float), np.asarray(lon, dtype=float)


# --------------------------------------------------------------------------------------------------------------
# Extent of occurrence
# --------------------------------------------------------------------------------------------------------------

def minimum_convex_polygon(latitude: Any, longitude: Any) -> tuple[np.ndarray, np.ndarray] | None:
    """Vertices (latitude, longitude; degrees, anticlockwise, not closed) of the records' minimum convex polygon.

    The polygon's edges are geodesics on the WGS84 ellipsoid. The points are projected with an ellipsoidal
    gnomonic projection (PROJ ``gnom``, Karney's formulation) centred on their mean direction; in it
    geodesics are straight lines (to about 1e-14 relative for these point sets), so the planar convex hull
    (Qhull, via scipy) is the hull on the ellipsoid. Works across the antimeridian and around the poles.

    Returns ``None`` when there is no polygon: fewer than three distinct points, or all points on one
    geodesic. Raises :class:`InvalidInputError` when the points do not fit within one hemisphere (then the
    minimum convex polygon on the globe is not defined).
    """
    lat, lon = _coordinates(latitude, longitude)
    return _hull(lat, lon)


def _hull(lat: np.ndarray, lon: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    if lat.size < 3:
        return None
    phi, lam = np.radians(lat), np.radians(lon)
    cos_phi = np.cos(phi)
    unit = np.column_stack((cos_phi * np.cos(lam), cos_phi * np.sin(lam), np.sin(phi)))
    centre = unit.sum(axis=0)
    if np.linalg.norm(centre) < 1e-9 * lat.size or (unit @ centre).min() / np.linalg.norm(centre) < \
            math.cos(math.radians(_MAX_ANGLE_DEG)):
        centre = _hemisphere_centre(unit)
    centre = centre / np.linalg.norm(centre)
    lat0 = math.degrees(math.asin(max(-1.0, min(1.0, centre[2]))))
    lon0 = math.degrees(math.atan2(centre[1], centre[0]))
    from scipy.spatial import ConvexHull, QhullError

    projection = _pyproj().Proj(f"+proj=gnom +lat_0={lat0!r} +lon_0={lon0!r} +ellps=WGS84 +units=m +no_defs")
    x, y = projection(lon, lat)
    xy = np.column_stack((x, y))
    if not np.isfinite(xy).all():
        raise _hemisphere_error()
    try:
        hull = ConvexHull(xy)
    except QhullError:  # fewer than three distinct points, or all on one line (one geodesic)
        return None
    if hull.volume <= _DEGENERATE_RATIO * hull.area ** 2:  # in 2-D, volume is the area, area the perimeter
        return None
    vertices = hull.vertices  # anticlockwise for 2-D input
    return lat[vertices].copy(), lon[vertices].copy()


def _hemisphere_centre(unit: np.ndarray) -> np.ndarray:
    """A direction within ``_MAX_ANGLE_DEG`` of every point, by linear programming; error if there is none."""
    from scipy.optimize import linprog

    # maximise t subject to unit @ c >= t and -1 <= c_k <= 1
    reduced = np.unique(np.round(unit, 12), axis=0)
    result = linprog(
        c=[0.0, 0.0, 0.0, -1.0],
        A_ub=np.column_stack((-reduced, np.ones(len(reduced)))),
        b_ub=np.zeros(len(reduced)),
        bounds=[(-1, 1)] * 3 + [(None, 1)],
        method="highs",
    )
    if not result.success:
        raise _hemisphere_error()
    centre = result.x[:3]
    norm = np.linalg.norm(centre)
    if norm == 0 or (reduced @ centre).min() / norm < math.cos(math.radians(_MAX_ANGLE_DEG)):
        raise _hemisphere_error()
    return centre


def _hemisphere_error() -> InvalidInputError:
    return InvalidInputError(
        "longitude",
        f"the records do not all lie within {_MAX_ANGLE_DEG:g} degrees of one point (less than a hemisphere), "
        "so a minimum convex polygon on the globe is not defined",
        "check for coordinates with a wrong sign, or assess EOO separately for each region")


def extent_of_occurrence(
    latitude: Any,
    longitude: Any,
    *,
    at_least_aoo: bool = False,
    aoo_cell_size_km: float = 2.0,
) -> float:
    """Extent of occurrence (EOO), km²: area of the minimum convex polygon around the records.

    The polygon is found with :func:`minimum_convex_polygon` (geodesic edges, correct across the antimeridian
    and near the poles); its area on the WGS84 ellipsoid comes from Karney's algorithm
    (``pyproj.Geod.polygon_area_perimeter``), exact for the geodesic polygon to far better than 0.5 %.
    Duplicate points and points inside the polygon do not change the result.

    By default the polygon's own area is returned — the minimum convex polygon, as its definition says.
    Fewer than three distinct points, or all points on one geodesic (no polygon, zero area): EOO is set
    equal to AOO on the default grid (2 × 2 km cells of EPSG:6933 unless ``aoo_cell_size_km`` says
    otherwise), ConR's practice for fewer than three unique points, justified by the Red List Guidelines
    §4.9 rule "if EOO is smaller than AOO, set EOO equal to AOO" (domain notes ``redlist-threats.md`` §2 B).
    With ``at_least_aoo=True`` that rule is applied to every case (EOO = max(polygon area, AOO)): the value
    to compare with the B1 thresholds, as :func:`range_summary` and ConR's criterion B use it.

    Raises :class:`InvalidInputError` for empty, non-numeric, out-of-range or unequal-length input, and
    when the points do not fit within one hemisphere.
    """
    lat, lon = _coordinates(latitude, longitude)
    cell = require_number(aoo_cell_size_km, "aoo_cell_size_km", minimum=0.001, unit="km")
    if not isinstance(at_least_aoo, (bool, np.bool_)):
        raise InvalidInputError("at_least_aoo", f"expected True or False, got {at_least_aoo!r}",
                                "use True to apply the Guidelines' EOO-at-least-AOO rule")
    hull = _hull(lat, lon)
    if hull is None:
        return _aoo_km2(lat, lon, cell, (0.0, 0.0))
    area = polygon_area_km2(*hull)
    if at_least_aoo:
        area = max(area, _aoo_km2(lat, lon, cell, (0.0, 0.0)))
    return area


def polygon_area_km2(latitude: np.ndarray, longitude: np.ndarray) -> float:
    """Area (km²) on the WGS84 ellipsoid of the polygon with these vertices joined by geodesics (Karney 2013)."""
    area_m2, _ = _geod().polygon_area_perimeter(np.asarray(longitude, float), np.asarray(latitude, float))
    return abs(float(area_m2)) / 1e6


# --------------------------------------------------------------------------------------------------------------
# Area of occupancy
# --------------------------------------------------------------------------------------------------------------

def _grid_inputs(cell_size_km: Any, origin: Any) -> tuple[float, tuple[float, float]]:
    cell = require_number(cell_size_km, "cell_size_km", minimum=0.001, unit="km")
    try:
        ox, oy = origin
    except (TypeError, ValueError):
        raise InvalidInputError("origin", f"expected a pair (x, y) in metres, got {origin!r}",
                                "use e.g. origin=(0, 0)") from None
    return cell, (require_number(ox, "origin", unit="m"), require_number(oy, "origin", unit="m"))


def _cell_indices(x: np.ndarray, y: np.ndarray, cell_m: float, origin: tuple[float, float]):
    return _floor_to_line(x - origin[0], cell_m), _floor_to_line(y - origin[1], cell_m)


def _floor_to_line(offset: np.ndarray, cell_m: float) -> np.ndarray:
    """floor(offset / cell), counting a position within ``_EDGE_TOLERANCE_M`` of a grid line as on the line.

    PROJ's EPSG:6933 round trip (degrees → metres → degrees) is good to about 2 mm, so a record placed exactly
    on a grid line could otherwise fall a hair west or south of it, into the wrong cell.
    """
    position = offset / cell_m
    nearest = np.rint(position)
    on_line = np.abs(position - nearest) * cell_m <= _EDGE_TOLERANCE_M
    return np.where(on_line, nearest, np.floor(position)).astype(np.int64)


def _pack(ix: np.ndarray, iy: np.ndarray) -> np.ndarray:
    # |index| < 2**31 for any cell of 1 m or more (EPSG:6933 spans about ±1.74e7 m by ±7.3e6 m)
    return (ix << 32) + (iy + (1 << 31))


def _aoo_km2(lat: np.ndarray, lon: np.ndarray, cell_km: float, origin: tuple[float, float]) -> float:
    x, y = _record_grid_xy(lat, lon)
    ix, iy = _cell_indices(x, y, cell_km * 1000.0, origin)
    return float(np.unique(_pack(ix, iy)).size) * cell_km ** 2


def area_of_occupancy(
    latitude: Any,
    longitude: Any,
    cell_size_km: float = 2.0,
    *,
    origin: tuple[float, float] = (0.0, 0.0),
    minimise_over_origins: bool = False,
    origin_steps: int = 4,
) -> float:
    """Area of occupancy (AOO), km²: number of grid cells holding at least one record × cell area.

    The grid: square cells of ``cell_size_km`` (2 km, i.e. 4 km² cells, is the Red List scale, RLG v15.1
    §4.10) in the equal-area projection EPSG:6933 (WGS 84 / NSIDC EASE-Grid 2.0 Global), with grid lines at
    ``origin + k × cell size`` (metres; the projection's origin by default), so results are reproducible. A
    record's cell is (floor((x − x0)/s), floor((y − y0)/s)); a record exactly on a grid line (to within 1 cm,
    which absorbs projection round-off) belongs to the cell east / north of it. Cells are equal in area
    everywhere; the grid ends at the antimeridian, so a range across it has cells on both sides. One place
    is one cell: longitude 180 is taken as −180 (east of the antimeridian), and any longitude at a pole as 0.

    ``minimise_over_origins=True`` returns the smallest AOO over ``origin_steps`` × ``origin_steps`` grids
    shifted systematically by multiples of ``cell size / origin_steps`` in x and y (the default grid
    included, so the result is never larger). AOO depends on where the grid falls; tools report the minimum
    (redlistr shifts the grid systematically, ConR randomly) — see the domain notes ``redlist-threats.md``
    §2 B. :func:`aoo_by_origin` lists every shift.
    """
    lat, lon = _coordinates(latitude, longitude)
    cell, origin_m = _grid_inputs(cell_size_km, origin)
    if not isinstance(minimise_over_origins, (bool, np.bool_)):
        raise InvalidInputError("minimise_over_origins", f"expected True or False, got {minimise_over_origins!r}",
                                "use True to search shifted grids")
    if not minimise_over_origins:
        return _aoo_km2(lat, lon, cell, origin_m)
    steps = int(require_number(origin_steps, "origin_steps", minimum=1, maximum=50, integer=True))
    counts = _counts_by_origin(lat, lon, cell, origin_m, steps)
    return float(counts.min()) * cell ** 2


def _counts_by_origin(lat, lon, cell_km, origin, steps) -> np.ndarray:
    """Occupied-cell counts for grids shifted by (i, j) × cell/steps, i, j = 0..steps-1; shape (steps, steps)."""
    x, y = _record_grid_xy(lat, lon)
    cell_m = cell_km * 1000.0
    # A point's cell under any of these shifts depends only on its sub-cell of size cell/steps, so work on the
    # distinct sub-cells (integer arithmetic from here on).
    sx, sy = _cell_indices(x, y, cell_m / steps, origin)
    sub = np.unique(_pack(sx, sy))
    sx = sub >> 32
    sy = (sub & 0xFFFFFFFF) - (1 << 31)
    shifts = np.arange(steps, dtype=np.int64)
    ix = (sx[None, :] - shifts[:, None]) // steps  # (steps, n)
    iy = (sy[None, :] - shifts[:, None]) // steps
    counts = np.empty((steps, steps), dtype=np.int64)
    for i in range(steps):
        keys = np.sort(_pack(np.broadcast_to(ix[i], iy.shape), iy), axis=1)
        counts[i] = 1 + np.count_nonzero(np.diff(keys, axis=1), axis=1)
    # The unshifted grid computed directly, as area_of_occupancy does, so the minimum never exceeds it.
    direct = np.unique(_pack(*_cell_indices(x, y, cell_m, origin))).size
    counts[0, 0] = min(counts[0, 0], direct)
    return counts


def aoo_by_origin(
    latitude: Any,
    longitude: Any,
    cell_size_km: float = 2.0,
    *,
    origin: tuple[float, float] = (0.0, 0.0),
    origin_steps: int = 4,
) -> pd.DataFrame:
    """AOO for each systematically shifted grid (see :func:`area_of_occupancy`), smallest first.

    Columns: ``origin_x_m``, ``origin_y_m`` (the shifted grid's origin in EPSG:6933 metres), ``n_cells``,
    ``aoo_km2``. Shows a learner how much AOO depends on where the grid falls.
    """
    lat, lon = _coordinates(latitude, longitude)
    cell, origin_m = _grid_inputs(cell_size_km, origin)
    steps = int(require_number(origin_steps, "origin_steps", minimum=1, maximum=50, integer=True))
    counts = _counts_by_origin(lat, lon, cell, origin_m, steps)
    shift = np.arange(steps) * cell * 1000.0 / steps
    gx, gy = np.meshgrid(origin_m[0] + shift, origin_m[1] + shift, indexing="ij")
    table = pd.DataFrame({
        "origin_x_m": gx.ravel(),
        "origin_y_m": gy.ravel(),
        "n_cells": counts.ravel(),
        "aoo_km2": counts.ravel() * cell ** 2,
    })
    return table.sort_values(["n_cells", "origin_x_m", "origin_y_m"], kind="stable").reset_index(drop=True)


def occupied_cells(
    latitude: Any,
    longitude: Any,
    cell_size_km: float = 2.0,
    origin: tuple[float, float] = (0.0, 0.0),
) -> pd.DataFrame:
    """The occupied grid cells (same grid as :func:`area_of_occupancy`), one row per cell.

    Columns: ``cell_x``, ``cell_y`` (integer cell indices), ``n_records``; the cell's bounds in EPSG:6933
    metres ``x_min``, ``x_max``, ``y_min``, ``y_max``; and in degrees ``lon_min``, ``lon_max``, ``lat_min``,
    ``lat_max`` — EPSG:6933 is cylindrical, so each cell is exactly a longitude-latitude rectangle (longitudes
    of the cell that straddles the antimeridian may pass ±180); ``centre_latitude``, ``centre_longitude``.
    """
    lat, lon = _coordinates(latitude, longitude)
    cell, origin_m = _grid_inputs(cell_size_km, origin)
    cell_m = cell * 1000.0
    x, y = _record_grid_xy(lat, lon)
    ix, iy = _cell_indices(x, y, cell_m, origin_m)
    keys, n_records = np.unique(_pack(ix, iy), return_counts=True)
    cx = keys >> 32
    cy = (keys & 0xFFFFFFFF) - (1 << 31)
    x_min = origin_m[0] + cx * cell_m
    y_min = origin_m[1] + cy * cell_m
    x_max, y_max = x_min + cell_m, y_min + cell_m
    # Longitude is linear in x for a cylindrical projection; latitude depends on y only.
    x_at_180, _ = _to_grid_projection(np.array([0.0]), np.array([180.0]))
    degrees_per_m = 180.0 / float(x_at_180[0])
    y_limit = float(_to_grid_projection(np.array([90.0]), np.array([0.0]))[1][0])
    lat_edges, _ = _from_grid_projection(np.zeros(2 * len(keys)),
                                        np.clip(np.concatenate((y_min, y_max)), -y_limit, y_limit))
    lat_min, lat_max = lat_edges[: len(keys)], lat_edges[len(keys):]
    centre_lat, _ = _from_grid_projection(np.zeros(len(keys)), np.clip((y_min + y_max) / 2, -y_limit, y_limit))
    return pd.DataFrame({
        "cell_x": cx,
        "cell_y": cy,
        "n_records": n_records.astype(np.int64),
        "x_min": x_min, "x_max": x_max, "y_min": y_min, "y_max": y_max,
        "lon_min": x_min * degrees_per_m, "lon_max": x_max * degrees_per_m,
        "lat_min": lat_min, "lat_max": lat_max,
        "centre_latitude": centre_lat,
        "centre_longitude": (x_min + x_max) / 2 * degrees_per_m,
    })


# --------------------------------------------------------------------------------------------------------------
# Summary for lessons and apps
# --------------------------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RangeSummary:
    """Records, EOO and AOO of one taxon, as a lesson or an app shows them (criterion B inputs).

    ``eoo_km2`` is the value to compare with the B1 thresholds: the minimum convex polygon's area
    (``polygon_area_km2``; ``None`` when there is no polygon), set equal to AOO when smaller, as the Red List
    Guidelines §4.9 say. ``eoo_rule`` says which applied. ``excluded`` counts records per exclusion reason.
    """

    taxon: str | None
    n_records_read: int
    n_records_kept: int
    excluded: dict[str, int]
    eoo_km2: float
    polygon_area_km2: float | None
    eoo_rule: str
    aoo_km2: float
    n_cells: int
    cell_size_km: float
    grid: str
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-able data; :meth:`from_dict` reverses it exactly."""
        return {
            "taxon": self.taxon,
            "n_records_read": int(self.n_records_read),
            "n_records_kept": int(self.n_records_kept),
            "excluded": {str(k): int(v) for k, v in self.excluded.items()},
            "eoo_km2": float(self.eoo_km2),
            "polygon_area_km2": None if self.polygon_area_km2 is None else float(self.polygon_area_km2),
            "eoo_rule": self.eoo_rule,
            "aoo_km2": float(self.aoo_km2),
            "n_cells": int(self.n_cells),
            "cell_size_km": float(self.cell_size_km),
            "grid": self.grid,
            "notes": list(self.notes),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "RangeSummary":
        try:
            return cls(
                taxon=data["taxon"],
                n_records_read=int(data["n_records_read"]),
                n_records_kept=int(data["n_records_kept"]),
                excluded={str(k): int(v) for k, v in data["excluded"].items()},
                eoo_km2=float(data["eoo_km2"]),
                polygon_area_km2=None if data["polygon_area_km2"] is None else float(data["polygon_area_km2"]),
                eoo_rule=str(data["eoo_rule"]),
                aoo_km2=float(data["aoo_km2"]),
                n_cells=int(data["n_cells"]),
                cell_size_km=float(data["cell_size_km"]),
                grid=str(data["grid"]),
                notes=[str(note) for note in data.get("notes", [])],
            )
        except KeyError as error:
            raise InvalidInputError(str(error.args[0]), "missing from the saved range summary",
                                    "save it again with RangeSummary.to_dict()") from None


EOO_RULES = {
    "polygon": "EOO is the area of the minimum convex polygon",
    "set_to_aoo_no_polygon": "fewer than three distinct points or all on one line: EOO set equal to AOO",
    "set_to_aoo_smaller": "minimum convex polygon smaller than AOO: EOO set equal to AOO (RLG §4.9)",
}


def range_summary(
    occurrences: Any,
    *,
    cell_size_km: float = 2.0,
    minimise_over_origins: bool = False,
    origin_steps: int = 4,
) -> RangeSummary:
    """Clean the records and compute EOO and AOO for criterion B.

    ``occurrences`` is a frame from :func:`read_occurrences` (its ``attrs["excluded"]`` counts are carried
    over), a raw table with ``decimalLatitude`` / ``decimalLongitude``, or anything ``read_occurrences``
    reads. Records are cleaned with :func:`clean_occurrences` (a no-op on an already clean frame). EOO
    follows :func:`extent_of_occurrence` with ``at_least_aoo=True``; AOO follows :func:`area_of_occupancy`.
    """
    frame = occurrences if isinstance(occurrences, pd.DataFrame) else read_occurrences(occurrences)
    cell, _ = _grid_inputs(cell_size_km, (0.0, 0.0))
    cleaning = clean_occurrences(frame)
    previous = frame.attrs.get("excluded", {}) if isinstance(frame.attrs.get("excluded"), dict) else {}
    excluded = {key: int(previous.get(key, 0)) + cleaning.counts[key] for key in EXCLUSION_REASONS}
    kept = cleaning.kept
    if kept.empty:
        shown = ", ".join(f"{key} {count}" for key, count in excluded.items())
        raise InvalidInputError(_LATITUDE, f"no record has usable coordinates (excluded: {shown})",
                                "correct the coordinates, or choose another file")
    lat, lon = kept[_LATITUDE].to_numpy(float), kept[_LONGITUDE].to_numpy(float)
    if minimise_over_origins:
        steps = int(require_number(origin_steps, "origin_steps", minimum=1, maximum=50, integer=True))
        n_cells = int(_counts_by_origin(lat, lon, cell, (0.0, 0.0), steps).min())
        grid = (f"{AOO_CRS}, {cell:g} km cells, minimum over {steps * steps} grid origins "
                f"shifted by {cell / steps:g} km steps")
    else:
        x, y = _record_grid_xy(lat, lon)
        n_cells = int(np.unique(_pack(*_cell_indices(x, y, cell * 1000.0, (0.0, 0.0)))).size)
        grid = f"{AOO_CRS}, {cell:g} km cells, origin (0, 0)"
    aoo = n_cells * cell ** 2
    hull = _hull(lat, lon)
    polygon_area = None if hull is None else polygon_area_km2(*hull)
    if polygon_area is None:
        eoo, rule = aoo, EOO_RULES["set_to_aoo_no_polygon"]
    elif polygon_area < aoo:
        eoo, rule = aoo, EOO_RULES["set_to_aoo_smaller"]
    else:
        eoo, rule = polygon_area, EOO_RULES["polygon"]
    taxon = None
    if "scientificName" in kept.columns:
        names = kept["scientificName"].dropna().astype(str).str.strip()
        names = names[names != ""].unique()
        taxon = str(names[0]) if len(names) == 1 else None
    notes = []
    if "scientificName" in kept.columns and taxon is None and kept["scientificName"].nunique() > 1:
        notes.append("records of more than one scientificName were combined")
    return RangeSummary(
        taxon=taxon,
        n_records_read=len(kept) + sum(excluded.values()),
        n_records_kept=len(kept),
        excluded=excluded,
        eoo_km2=float(eoo),
        polygon_area_km2=polygon_area,
        eoo_rule=rule,
        aoo_km2=float(aoo),
        n_cells=n_cells,
        cell_size_km=cell,
        grid=grid,
        notes=notes,
    )


# --------------------------------------------------------------------------------------------------------------
# Which records to keep (an assessor's choice)
# --------------------------------------------------------------------------------------------------------------

#: Why a usable record was left out by a person's choice (see :func:`select_records`), in the order checked.
LEAVE_OUT_REASONS: Mapping[str, str] = {
    "group": "in a group (e.g. locality) chosen to be left out",
    "before_year": "collected before the chosen year",
    "uncertainty": "coordinate uncertainty above the chosen limit",
}

_YEAR = re.compile(r"^\s*(\d{4})")


@dataclass(frozen=True)
class RecordSelection:
    """The records a person chose to keep, from records with usable coordinates (see :func:`select_records`).

    ``kept`` keeps the input's index. ``left_out`` counts records per key of :data:`LEAVE_OUT_REASONS`
    (each record under the first reason that applies, zero included). ``undated`` and
    ``uncertainty_unknown`` count records *kept* although the year or the uncertainty test could not be
    applied to them (no readable year in ``eventDate``; no ``coordinateUncertaintyInMeters``).
    """

    kept: pd.DataFrame
    left_out: dict[str, int]
    undated: int = 0
    uncertainty_unknown: int = 0
    choices: dict[str, Any] = field(default_factory=dict)

    @property
    def n_kept(self) -> int:
        return len(self.kept)

    @property
    def n_left_out(self) -> int:
        return int(sum(self.left_out.values()))

    def table(self) -> pd.DataFrame:
        """One row per reason: ``reason``, ``description``, ``records``."""
        return pd.DataFrame({"reason": list(LEAVE_OUT_REASONS), "description": list(LEAVE_OUT_REASONS.values()),
                             "records": [self.left_out[key] for key in LEAVE_OUT_REASONS]})


def event_years(frame: pd.DataFrame) -> pd.Series:
    """Year of each record from the first four digits of ``eventDate`` (ISO 8601, as Darwin Core asks), or NaN."""
    text = frame["eventDate"].astype("string").fillna("")
    return pd.to_numeric(text.str.extract(_YEAR, expand=False), errors="coerce")


def select_records(
    occurrences: pd.DataFrame,
    *,
    before_year: int | None = None,
    leave_out_groups: Iterable[str] = (),
    group_column: str = "locality",
    max_uncertainty_m: float | None = None,
) -> RecordSelection:
    """Leave out usable records by a person's choice, counting each reason; nothing else is dropped.

    ``before_year``: leave out records whose ``eventDate`` year is earlier (records without a readable year
    are kept and counted in ``undated``). ``leave_out_groups``: values of ``group_column`` (e.g. localities)
    whose records are left out. ``max_uncertainty_m``: leave out records with ``coordinateUncertaintyInMeters``
    above it, metres (records without a value are kept and counted). Reasons are checked in the order of
    :data:`LEAVE_OUT_REASONS`. Whether old records still count is the assessor's judgement (EOO is defined on
    the known, inferred or projected sites of present occurrence, IUCN 2012); this function only applies it.
    """
    if not isinstance(occurrences, pd.DataFrame):
        raise InvalidInputError("occurrences", f"expected a pandas DataFrame, got {type(occurrences).__name__}",
                                "read the file with exsitu.geo.read_occurrences")
    n = len(occurrences)
    reason = np.full(n, "", dtype=object)
    choices: dict[str, Any] = {}

    groups = [leave_out_groups] if isinstance(leave_out_groups, str) else list(leave_out_groups)
    if groups:
        if group_column not in occurrences.columns:
            raise InvalidInputError("group_column", f"no column {group_column!r} in the records",
                                    "read the file with read_occurrences(..., extra_columns=['locality']) "
                                    "or choose another column")
        values = occurrences[group_column].astype("string").fillna("")
        present = set(values)
        for name in groups:
            if name not in present:
                shown = ", ".join(sorted(repr(v) for v in present if v))
                raise InvalidInputError("leave_out_groups", f"no record has {group_column} {name!r}",
                                        f"choose from {shown}")
        hit = values.isin(groups).to_numpy() & (reason == "")
        reason[hit] = "group"
        choices["leave_out_groups"] = sorted(groups)

    undated = 0
    if before_year is not None:
        year = int(require_number(before_year, "before_year", minimum=1000, maximum=3000, integer=True))
        if "eventDate" not in occurrences.columns:
            raise InvalidInputError("before_year", "the records have no eventDate column",
                                    "leave before_year out, or read a file with eventDate")
        years = event_years(occurrences).to_numpy(dtype=float)
        undated = int(np.count_nonzero(np.isnan(years) & (reason == "")))
        with np.errstate(invalid="ignore"):
            hit = (years < year) & (reason == "")
        reason[hit] = "before_year"
        choices["before_year"] = year

    uncertainty_unknown = 0
    if max_uncertainty_m is not None:
        limit = require_number(max_uncertainty_m, "max_uncertainty_m", minimum=0, unit="m")
        column = "coordinateUncertaintyInMeters"
        if column not in occurrences.columns:
            raise InvalidInputError("max_uncertainty_m", f"the records have no {column} column",
                                    "leave max_uncertainty_m out, or read a file with that column")
        uncertainty = pd.to_numeric(occurrences[column], errors="coerce").to_numpy(dtype=float)
        uncertainty_unknown = int(np.count_nonzero(np.isnan(uncertainty) & (reason == "")))
        with np.errstate(invalid="ignore"):
            hit = (uncertainty > limit) & (reason == "")
        reason[hit] = "uncertainty"
        choices["max_uncertainty_m"] = limit

    keep = reason == ""
    left_out = {key: int(np.count_nonzero(reason == key)) for key in LEAVE_OUT_REASONS}
    return RecordSelection(kept=occurrences.loc[keep], left_out=left_out, undated=undated,
                           uncertainty_unknown=uncertainty_unknown, choices=choices)
