"""Tests for exsitu.geo: reading occurrence records, EOO, AOO and the range summary.

References are independent of the code under test: an analytic formula for areas bounded by parallels and
meridians on the ellipsoid, polygon areas from densified edges in an equal-area (Lambert azimuthal) projection,
a brute-force hull on the sphere, per-point pure-Python grid counts, hand-counted records, and ConR's
published EOO for the ConR example data set (ConR tests/testthat/test-1.R).
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pyproj
import pytest

from exsitu import geo
from exsitu.validation import InvalidInputError

REPO_ROOT = Path(__file__).resolve().parents[2]
CONR = REPO_ROOT.parent / "shared" / "data" / "conr-example-occurrences"

GEOD = pyproj.Geod(ellps="WGS84")
A = 6378137.0
F = 1 / 298.257223563
B = A * (1 - F)
E = math.sqrt(F * (2 - F))


# ---------------------------------------------------------------------------------------------- references

def box_area_km2(lat1: float, lat2: float, lon1: float, lon2: float) -> float:
    """Exact area of the ellipsoid between two parallels and two meridians (authalic-latitude formula)."""

    def q(phi_deg: float) -> float:
        s = math.sin(math.radians(phi_deg))
        return s / (1 - E * E * s * s) + math.log((1 + E * s) / (1 - E * s)) / (2 * E)

    return math.radians(lon2 - lon1) * B * B / 2 * (q(lat2) - q(lat1)) / 1e6


def densified_area_km2(lats, lons, spacing_m: float = 500.0) -> float:
    """Area of the polygon with geodesic edges: densify each edge, project equal-area (LAEA), shoelace."""
    lats, lons = list(map(float, lats)), list(map(float, lons))
    ring_lon, ring_lat = [], []
    for k in range(len(lats)):
        lon1, lat1, lon2, lat2 = lons[k], lats[k], lons[(k + 1) % len(lats)], lats[(k + 1) % len(lats)]
        azimuth, _, distance = GEOD.inv(lon1, lat1, lon2, lat2)
        steps = max(1, int(distance // spacing_m))
        for j in range(steps):
            lon, lat, _ = GEOD.fwd(lon1, lat1, azimuth, distance * j / steps)
            ring_lon.append(lon)
            ring_lat.append(lat)
    # centre of the projection: mean direction of the vertices
    v = np.zeros(3)
    for lat, lon in zip(lats, lons):
        p, l = math.radians(lat), math.radians(lon)
        v += [math.cos(p) * math.cos(l), math.cos(p) * math.sin(l), math.sin(p)]
    lat0 = math.degrees(math.atan2(v[2], math.hypot(v[0], v[1])))
    lon0 = math.degrees(math.atan2(v[1], v[0]))
    laea = pyproj.Proj(f"+proj=laea +lat_0={lat0} +lon_0={lon0} +ellps=WGS84")
    x, y = laea(np.array(ring_lon), np.array(ring_lat))
    return abs(0.5 * np.sum(x * np.roll(y, -1) - np.roll(x, -1) * y)) / 1e6


def spherical_hull_vertices(lats, lons) -> list[int]:
    """Brute force: an edge i->j is on the hull if every other point is on its left (great-circle planes)."""
    p = np.radians(np.asarray(lats, float))
    l = np.radians(np.asarray(lons, float))
    unit = np.column_stack((np.cos(p) * np.cos(l), np.cos(p) * np.sin(l), np.sin(p)))
    _, first = np.unique(np.round(unit, 12), axis=0, return_index=True)
    idx = sorted(first)
    hull = set()
    for i in idx:
        for j in idx:
            if i == j:
                continue
            normal = np.cross(unit[i], unit[j])
            sides = unit[idx] @ normal
            if np.all(sides >= -1e-12):
                hull.update((i, j))
    return sorted(hull)


def pure_python_cell_count(lats, lons, cell_km=2.0, origin=(0.0, 0.0)) -> int:
    transformer = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:6933", always_xy=True)
    cells = set()
    for lat, lon in zip(lats, lons):
        x, y = transformer.transform(float(lon), float(lat))
        cells.add((math.floor((x - origin[0]) / (cell_km * 1000)), math.floor((y - origin[1]) / (cell_km * 1000))))
    return len(cells)


TO_GRID = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:6933", always_xy=True)
FROM_GRID = pyproj.Transformer.from_crs("EPSG:6933", "EPSG:4326", always_xy=True)


def point_in_cell(ix: int, iy: int, cell_km: float = 2.0, fx: float = 0.5, fy: float = 0.5):
    """Latitude, longitude of the point at fraction (fx, fy) across cell (ix, iy) of the default grid."""
    s = cell_km * 1000
    lon, lat = FROM_GRID.transform((ix + fx) * s, (iy + fy) * s)
    return lat, lon


def conr_file(name: str) -> Path:
    """A ConR example file; the test is skipped when the data are not beside the repository (never copied in)."""
    if not CONR.is_dir():
        pytest.skip(f"ConR comparison: the ConR example data are not beside the repository ({CONR} is absent; "
                    "they may not be copied into it, see data/README.md)")
    return CONR / f"{name}.csv"


def read_conr(name: str) -> pd.DataFrame:
    return geo.read_occurrences(conr_file(name))


# ---------------------------------------------------------------------------------------------- reading

DWC_CSV = (
    "occurrenceID,scientificName,decimalLatitude,decimalLongitude,eventDate,basisOfRecord,"
    "coordinateUncertaintyInMeters,countryCode,recordedBy\n"
) + """r1,Aus bus,-7.10,37.60,2001-05-03,PreservedSpecimen,100,TZ,"Smith, J."
r2,Aus bus,-7.20,37.70,2003,HumanObservation,,TZ,Jones
r3,Aus bus,-7.30,37.80,2010-01-01/2010-02-01,HumanObservation,30,TZ,Lee
"""


def test_reads_darwin_core_csv_and_keeps_the_darwin_core_columns():
    frame = geo.read_occurrences(DWC_CSV.encode())
    assert list(frame.columns) == ["decimalLatitude", "decimalLongitude", "scientificName", "eventDate",
                                   "basisOfRecord", "coordinateUncertaintyInMeters", "countryCode"]
    assert frame["decimalLatitude"].tolist() == [-7.1, -7.2, -7.3]
    assert frame["decimalLongitude"].dtype == np.float64
    assert frame["eventDate"].tolist() == ["2001-05-03", "2003", "2010-01-01/2010-02-01"]
    uncertainty = frame["coordinateUncertaintyInMeters"].tolist()
    assert uncertainty[0] == 100.0 and math.isnan(uncertainty[1]) and uncertainty[2] == 30.0
    assert frame.attrs["excluded"] == {"missing": 0, "out_of_range": 0, "zero_zero": 0, "duplicate": 0}
    assert frame.attrs["n_read"] == 3


def test_extra_columns_are_kept_on_request_and_unknown_ones_rejected():
    frame = geo.read_occurrences(DWC_CSV.encode(), extra_columns=["recordedBy", "occurrenceID"])
    assert frame["recordedBy"].tolist() == ["Smith, J.", "Jones", "Lee"]
    assert frame["occurrenceID"].tolist() == ["r1", "r2", "r3"]
    with pytest.raises(InvalidInputError, match="^extra_columns: .*'habitat'"):
        geo.read_occurrences(DWC_CSV.encode(), extra_columns=["habitat"])


def gbif_tsv() -> str:
    # A GBIF "simple" download: tab-separated, many columns, quote marks inside fields, one unmatched.
    columns = ["gbifID", "datasetKey", "occurrenceID", "kingdom", "phylum", "class", "order", "family", "genus",
               "species", "infraspecificEpithet", "taxonRank", "scientificName", "verbatimScientificName",
               "countryCode", "locality", "stateProvince", "occurrenceStatus", "individualCount",
               "publishingOrgKey", "decimalLatitude", "decimalLongitude", "coordinateUncertaintyInMeters",
               "coordinatePrecision", "elevation", "eventDate", "day", "month", "year", "taxonKey",
               "basisOfRecord", "institutionCode", "recordedBy", "issue"]
    rows = [
        {"locality": '"Big tree" near the old bridge', "decimalLatitude": "-16.8", "decimalLongitude": "179.9",
         "recordedBy": "A. Smith"},
        {"locality": '"ridge 3 east of camp', "decimalLatitude": "-16.9", "decimalLongitude": "-179.95",
         "recordedBy": "B. O\"Neil"},
        {"locality": "valley", "decimalLatitude": "-17.0", "decimalLongitude": "179.8", "recordedBy": '"Collector"'},
    ]
    lines = ["\t".join(columns)]
    for number, row in enumerate(rows):
        values = {name: f"x{number}" for name in columns}
        values.update(row, scientificName="Partula sp.", eventDate="2019-06-01", basisOfRecord="HUMAN_OBSERVATION",
                      countryCode="FJ", coordinateUncertaintyInMeters="25.0", issue="COORDINATE_ROUNDED;GEODETIC")
        lines.append("\t".join(values[name] for name in columns))
    return "\n".join(lines) + "\n"


def test_reads_gbif_tab_separated_download_with_quotes_inside_fields():
    text = gbif_tsv()
    # Ordinary CSV quoting swallows the lines after an unmatched quote: the test data exercises the problem.
    localities = ['"Big tree" near the old bridge', '"ridge 3 east of camp', "valley"]
    try:
        naive = pd.read_csv(io.StringIO(text), sep="\t", dtype=str)
        assert naive["locality"].tolist() != localities
    except pd.errors.ParserError:
        pass
    frame = geo.read_occurrences(io.StringIO(text), extra_columns=["locality", "recordedBy"])
    assert len(frame) == 3
    assert frame["locality"].tolist() == localities
    assert frame["recordedBy"].tolist() == ["A. Smith", 'B. O"Neil', '"Collector"']
    assert frame["decimalLongitude"].tolist() == [179.9, -179.95, 179.8]
    assert frame["basisOfRecord"].tolist() == ["HUMAN_OBSERVATION"] * 3
    assert "gbifID" not in frame.columns and "issue" not in frame.columns


def test_tab_separated_file_with_a_quoted_header_is_read_with_quoting():
    text = '"decimalLatitude"\t"decimalLongitude"\t"locality"\n1.5\t2.5\t"a, b"\n3\t4\t"c"\n'
    frame = geo.read_occurrences(text.encode(), extra_columns=["locality"])
    assert frame["locality"].tolist() == ["a, b", "c"]
    assert frame["decimalLatitude"].tolist() == [1.5, 3.0]


def test_every_exclusion_reason_is_counted_and_explained():
    text = "\n".join([
        "decimalLatitude,decimalLongitude,scientificName",
        "10.5,20.5,kept 0",          # 0 kept
        ",20.0,missing",             # 1 missing
        "abc,20.0,not a number",     # 2 missing
        "10.0,NA,NA text",           # 3 missing
        "95.0,20.0,lat too big",     # 4 out of range
        "10.0,-180.5,lon too small",  # 5 out of range
        "0,0,zeros",                 # 6 zero
        "0.000,0.0,zeros again",     # 7 zero
        "10.5,20.5,duplicate of 0",  # 8 duplicate
        "10.5000001,20.4999999,rounds to 0",  # 9 duplicate (same to 6 decimals)
        "10.50001,20.5,11 cm away? no: 1.1 m away",  # 10 kept (differs at the 5th decimal)
        "0,12.0,equator kept",       # 11 kept
        "-45.0,180,east side",       # 12 kept
        "-45.0,-180,same meridian",  # 13 duplicate of 12
        "inf,10,infinite",           # 14 missing
    ])
    cleaning = geo.clean_occurrences(pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False))
    assert cleaning.counts == {"missing": 4, "out_of_range": 2, "zero_zero": 2, "duplicate": 3}
    assert cleaning.kept.index.tolist() == [0, 10, 11, 12]
    reasons = cleaning.excluded["reason"].to_dict()
    assert reasons == {1: "missing", 2: "missing", 3: "missing", 4: "out_of_range", 5: "out_of_range",
                       6: "zero_zero", 7: "zero_zero", 8: "duplicate", 9: "duplicate", 13: "duplicate",
                       14: "missing"}
    details = cleaning.excluded["detail"].to_dict()
    assert "'abc'" in details[2] and "decimalLatitude" in details[2]
    assert "decimalLongitude" in details[3]
    assert details[8] == "same coordinates as row 0"
    assert details[13] == "same coordinates as row 12"
    # the excluded rows keep the text as it was written, so a person can see what was wrong
    assert cleaning.excluded.loc[2, "decimalLatitude"] == "abc"
    assert cleaning.n_read == 15 and cleaning.n_kept == 4 and cleaning.n_excluded == 11
    table = cleaning.summary_table()
    assert table["records"].tolist() == [4, 2, 2, 3]
    assert set(table["reason"]) == set(geo.EXCLUSION_REASONS)
    frame = geo.read_occurrences(text.encode())
    assert frame.attrs["excluded"] == cleaning.counts
    assert frame.index.tolist() == [0, 10, 11, 12]


def test_the_first_of_duplicates_is_kept_whatever_the_order():
    frame = pd.DataFrame({"decimalLatitude": [5.0, 1.0, 5.0, 1.0, -0.0], "decimalLongitude": [6.0, 2.0, 6.0, 2.0, 3.0],
                          "eventDate": ["a", "b", "c", "d", "e"]})
    frame.loc[5] = [0.0, 3.0, "f"]
    cleaning = geo.clean_occurrences(frame)
    assert cleaning.kept["eventDate"].tolist() == ["a", "b", "e"]
    assert cleaning.counts["duplicate"] == 3


def test_missing_coordinate_column_is_named_with_the_fix():
    with pytest.raises(InvalidInputError, match="^decimalLatitude: column not found.*rename column 'latitude'"):
        geo.read_occurrences(b"latitude,decimalLongitude\n1,2\n")
    with pytest.raises(InvalidInputError, match="^decimalLongitude: column not found.*add a column"):
        geo.read_occurrences(b"decimalLatitude,x\n1,2\n")


def test_column_names_in_another_case_or_with_a_dwc_prefix_are_accepted():
    frame = geo.read_occurrences(b"DecimalLatitude;dwc:decimalLongitude;COUNTRYCODE\n1,5;2;KE\n3;4;KE\n")
    # semicolon-separated; "1,5" is read as a decimal comma, 1.5
    assert frame.attrs["excluded"]["missing"] == 0
    assert frame["decimalLatitude"].tolist() == [1.5, 3.0]
    assert frame["countryCode"].tolist() == ["KE", "KE"]


def test_inputs_path_bytes_file_objects_and_frames_give_the_same_records(tmp_path):
    path = tmp_path / "records.csv"
    path.write_text(DWC_CSV, encoding="utf-8")
    expected = geo.read_occurrences(path)
    for source in (str(path), DWC_CSV.encode(), bytearray(DWC_CSV.encode()), io.BytesIO(DWC_CSV.encode()),
                   io.StringIO(DWC_CSV), ("\ufeff" + DWC_CSV).encode("utf-8"),
                   pd.read_csv(io.StringIO(DWC_CSV), dtype=str, keep_default_na=False)):
        frame = geo.read_occurrences(source)
        pd.testing.assert_frame_equal(frame, expected)
    with path.open("rb") as handle:
        pd.testing.assert_frame_equal(geo.read_occurrences(handle), expected)


def test_uncertainty_stays_text_when_some_values_are_not_numbers():
    text = b"decimalLatitude,decimalLongitude,coordinateUncertaintyInMeters\n1,2,100\n3,4,about 1 km\n"
    frame = geo.read_occurrences(text)
    assert frame["coordinateUncertaintyInMeters"].tolist() == ["100", "about 1 km"]


@pytest.mark.parametrize("source, problem", [
    (42, "expected a file path"),
    ("/no/such/file.csv", "no file at"),
    (b"", "empty"),
    (b"decimalLatitude,decimalLongitude\n1,2\n\xff\xfe,3\n", "not UTF-8"),
    (b"decimalLatitude,decimalLongitude\n1,2,3,4\n5,6\n", "could not be read"),
])
def test_unreadable_sources_are_reported_for_the_path_field(source, problem):
    with pytest.raises(InvalidInputError, match=f"^path: .*{problem}"):
        geo.read_occurrences(source)


def test_clean_occurrences_needs_a_frame():
    with pytest.raises(InvalidInputError, match="^frame: "):
        geo.clean_occurrences([[1, 2]])


def test_conr_example_files_read_with_independently_counted_duplicates():
    for name in ("berlinia_bruneelii", "psychotria_minuta", "species_1", "species_2"):
        with conr_file(name).open(newline="") as handle:
            rows = list(csv.DictReader(handle))
        seen, duplicates = set(), 0
        for row in rows:
            key = (float(row["decimalLatitude"]), float(row["decimalLongitude"]))
            duplicates += key in seen
            seen.add(key)
        frame = read_conr(name)
        assert frame.attrs["n_read"] == len(rows)
        assert frame.attrs["excluded"]["duplicate"] == duplicates
        assert len(frame) == len(seen)
    psychotria = read_conr("psychotria_minuta")
    # the exact duplicate is excluded; the near-duplicate (3.23805 / 3.23806, about 1 m apart) is kept ...
    assert len(psychotria) == 11
    assert {3.23805, 3.23806} <= set(psychotria["decimalLatitude"])
    # ... and shares an AOO cell with its neighbour, so AOO is unchanged by it
    near = psychotria[psychotria["decimalLatitude"].between(3.238, 3.2381)]
    assert geo.area_of_occupancy(near["decimalLatitude"], near["decimalLongitude"]) == 4.0
    assert read_conr("berlinia_bruneelii").attrs["excluded"]["duplicate"] == 42


# ---------------------------------------------------------------------------------------------- EOO

def test_eoo_of_a_one_degree_square_matches_the_analytic_ellipsoid_area():
    rng = np.random.default_rng(1)
    lat = np.concatenate(([0, 0, 1, 1], rng.uniform(0.01, 0.99, 200)))
    lon = np.concatenate(([0, 1, 1, 0], rng.uniform(0.01, 0.99, 200)))
    eoo = geo.extent_of_occurrence(lat, lon)
    box = box_area_km2(0, 1, 0, 1)
    # The polygon's top edge is a geodesic, which bulges slightly north of the parallel: a bit larger.
    assert box < eoo < box * (1 + 5e-5)
    assert eoo == pytest.approx(densified_area_km2([0, 0, 1, 1], [0, 1, 1, 0]), rel=1e-6)


@pytest.mark.parametrize("lats, lons", [
    ([10.0, 12.0, 11.0], [20.0, 20.5, 23.0]),                  # a few hundred km, low latitude
    ([-40.0, -10.0, -25.0], [-70.0, -60.0, -30.0]),            # thousands of km, southern hemisphere
    ([60.0, 62.0, 70.0, 65.0], [5.0, 40.0, 30.0, -10.0]),      # high latitude quadrilateral
    ([0.1, 0.1, 0.12, 0.12], [36.0, 36.02, 36.02, 36.0]),      # a few km
    ([-5.0, 35.0, 10.0], [-20.0, 10.0, 60.0]),                  # large: planar lon/lat hulls fail here
])
def test_eoo_matches_densified_equal_area_reference(lats, lons):
    assert geo.extent_of_occurrence(lats, lons, at_least_aoo=False) == pytest.approx(
        densified_area_km2(lats, lons), rel=2e-5)


def test_eoo_near_the_north_pole_matches_the_polar_cap_area():
    lon = np.arange(720) * 0.5 - 180.0
    lat = np.full(lon.size, 80.0)
    cap = box_area_km2(80, 90, -180, 180)
    eoo = geo.extent_of_occurrence(lat, lon)
    # geodesic edges between points on the parallel cut slightly inside the cap
    assert cap * (1 - 1e-4) < eoo < cap


def test_eoo_around_the_south_pole_and_across_the_antimeridian_matches_the_reference():
    lats, lons = [-80.0, -70.0, -78.0, -75.0], [-100.0, -60.0, 10.0, 170.0]  # in order round the pole
    assert len(geo.minimum_convex_polygon(lats, lons)[0]) == 4
    eoo = geo.extent_of_occurrence(lats, lons)
    assert eoo == pytest.approx(densified_area_km2(lats, lons), rel=2e-5)
    assert eoo > box_area_km2(-90, -86, -180, 180)  # it holds the pole and the cap round it


def test_eoo_across_the_antimeridian_equals_the_same_shape_elsewhere():
    rng = np.random.default_rng(7)
    lat = rng.uniform(-18.0, -16.0, 50)
    lon = rng.uniform(179.0, 181.0, 50)
    across = geo.extent_of_occurrence(lat, np.mod(lon + 180.0, 360.0) - 180.0)
    shifted = geo.extent_of_occurrence(lat, lon - 40.0)
    assert across == pytest.approx(shifted, rel=1e-9)
    assert across > 30_000  # most of a 2° × 2° range, not the whole world around the other side
    hull = geo.minimum_convex_polygon(lat, lon - 40.0)
    assert across == pytest.approx(densified_area_km2(*hull), rel=2e-5)


def test_eoo_is_unchanged_by_shifting_longitudes_and_mirroring_latitudes():
    rng = np.random.default_rng(3)
    lat = rng.uniform(20.0, 35.0, 300)
    lon = rng.uniform(-10.0, 15.0, 300)
    base = geo.extent_of_occurrence(lat, lon)
    for shift in (-150.0, 37.5, 120.0):
        assert geo.extent_of_occurrence(lat, np.mod(lon + shift + 180, 360) - 180) == pytest.approx(base, rel=1e-9)
    assert geo.extent_of_occurrence(-lat, lon) == pytest.approx(base, rel=1e-9)


def test_interior_and_duplicate_points_do_not_change_eoo():
    corners_lat, corners_lon = [-3.0, -3.0, 2.0, 1.0], [10.0, 16.0, 15.0, 9.0]
    base = geo.extent_of_occurrence(corners_lat, corners_lon)
    rng = np.random.default_rng(11)
    inner_lat = rng.uniform(-1.0, 0.5, 500)
    inner_lon = rng.uniform(11.0, 14.0, 500)
    lat = np.concatenate((inner_lat, corners_lat, corners_lat))
    lon = np.concatenate((inner_lon, corners_lon, corners_lon))
    assert geo.extent_of_occurrence(lat, lon) == pytest.approx(base, rel=1e-12)


def test_fewer_than_three_distinct_points_give_eoo_equal_to_aoo():
    lat, lon = point_in_cell(5000, -300)
    assert geo.extent_of_occurrence([lat], [lon]) == 4.0
    assert geo.extent_of_occurrence([lat, lat, lat], [lon, lon, lon]) == 4.0
    lat2, lon2 = point_in_cell(5000, -300, fx=0.9, fy=0.1)  # same cell
    assert geo.extent_of_occurrence([lat, lat2], [lon, lon2]) == 4.0
    lat3, lon3 = point_in_cell(5100, -310)
    assert geo.extent_of_occurrence([lat, lat3], [lon, lon3]) == 8.0
    assert geo.extent_of_occurrence([lat], [lon], aoo_cell_size_km=10.0) == 100.0
    species_1 = read_conr("species_1")
    assert geo.extent_of_occurrence(species_1["decimalLatitude"], species_1["decimalLongitude"]) == 8.0


def test_points_on_one_geodesic_give_eoo_equal_to_aoo():
    # the equator and a meridian are geodesics
    assert geo.extent_of_occurrence([0.0, 0.0, 0.0, 0.0], [10.0, 10.5, 11.0, 12.0]) == 16.0
    assert geo.extent_of_occurrence([-20.0, 5.0, 30.0], [44.0, 44.0, 44.0]) == 12.0
    # points along a general geodesic
    line = GEOD.npts(-60.0, -10.0, 20.0, 40.0, 8)
    lons, lats = [p[0] for p in line], [p[1] for p in line]
    assert geo.extent_of_occurrence(lats, lons) == 4.0 * pure_python_cell_count(lats, lons)
    assert geo.minimum_convex_polygon(lats, lons) is None


def test_three_points_on_a_parallel_form_a_thin_polygon_and_at_least_aoo_applies_rlg_4_9():
    species_2 = read_conr("species_2")
    lat, lon = species_2["decimalLatitude"], species_2["decimalLongitude"]
    # a parallel is not a geodesic: the three points enclose a sliver of about 1 km²
    sliver = geo.extent_of_occurrence(lat, lon, at_least_aoo=False)
    assert sliver == pytest.approx(densified_area_km2(lat, lon, spacing_m=50.0), rel=1e-3)
    assert 0.5 < sliver < 2.0
    assert geo.extent_of_occurrence(lat, lon) == sliver
    assert geo.extent_of_occurrence(lat, lon, at_least_aoo=True) == 12.0


def test_eoo_of_conr_example_matches_conr_published_value_and_a_brute_force_hull():
    frame = read_conr("berlinia_bruneelii")
    lat, lon = frame["decimalLatitude"].to_numpy(), frame["decimalLongitude"].to_numpy()
    eoo = geo.extent_of_occurrence(lat, lon)
    # ConR's own test: expect_equal(2635042, EOO.computing(dataset.ex)[1, 1]) (Berlinia bruneelii)
    assert eoo == pytest.approx(2635042, abs=1.0)
    vertices = spherical_hull_vertices(lat, lon)
    hull_lat, hull_lon = geo.minimum_convex_polygon(lat, lon)
    assert {(a, b) for a, b in zip(hull_lat, hull_lon)} <= {(lat[i], lon[i]) for i in vertices}
    # order the brute-force vertices by angle round their centre, then measure them independently
    centre_lat, centre_lon = lat[vertices].mean(), lon[vertices].mean()
    order = np.argsort(np.arctan2(lat[vertices] - centre_lat, lon[vertices] - centre_lon))
    reference = densified_area_km2(lat[vertices][order], lon[vertices][order], spacing_m=2000.0)
    assert eoo == pytest.approx(reference, rel=1e-5)


def test_minimum_convex_polygon_returns_anticlockwise_input_vertices():
    lat = [0.0, 0.0, 1.0, 1.0, 0.5]
    lon = [0.0, 1.0, 1.0, 0.0, 0.5]
    hull_lat, hull_lon = geo.minimum_convex_polygon(lat, lon)
    assert len(hull_lat) == 4 and (0.5, 0.5) not in set(zip(hull_lat, hull_lon))
    signed_area, _ = GEOD.polygon_area_perimeter(hull_lon, hull_lat)
    assert signed_area > 0  # pyproj: positive for anticlockwise
    assert geo.minimum_convex_polygon([1.0, 2.0], [3.0, 4.0]) is None


def test_points_beyond_one_point_of_view_use_a_better_centre():
    # The mean direction is near (0, 0), 99° from the last point; a centre near 50° E sees them all.
    lat = np.concatenate((np.zeros(100), [10.0, 0.0]))
    lon = np.concatenate((np.zeros(100), [0.0, 99.0]))
    assert geo.extent_of_occurrence(lat, lon) == pytest.approx(
        densified_area_km2([0.0, 0.0, 10.0], [0.0, 99.0, 0.0]), rel=2e-5)


def test_points_all_round_the_globe_are_rejected_naming_the_field():
    with pytest.raises(InvalidInputError, match="^longitude: .*hemisphere"):
        geo.extent_of_occurrence([0.0, 0.0, 0.0, 60.0, -60.0], [0.0, 120.0, -120.0, 0.0, 0.0])


@pytest.mark.parametrize("latitude, longitude, field, problem", [
    ([1.0, 2.0], [3.0], "longitude", "has 1 values but latitude has 2"),
    ([], [], "latitude", "no coordinates"),
    ([1.0, float("nan")], [2.0, 3.0], "latitude", "position 1 is missing"),
    ([1.0, 91.0], [2.0, 3.0], "latitude", "position 1 is 91, outside -90..90"),
    ([1.0, 2.0], [2.0, 181.0], "longitude", "position 1 is 181"),
    (["1.0", "north"], [2.0, 3.0], "latitude", "position 1 is 'north', not a number"),
    ([True, False], [2.0, 3.0], "latitude", "True/False"),
    (np.ones((2, 2)), [2.0, 3.0], "latitude", "shape"),
    (pd.DataFrame({"a": [1.0]}), [2.0], "latitude", "table"),
    ([1.0, None], [2.0, 3.0], "latitude", "None"),
])
def test_bad_coordinates_are_rejected_naming_the_field(latitude, longitude, field, problem):
    for function in (geo.extent_of_occurrence, geo.area_of_occupancy, geo.minimum_convex_polygon,
                     geo.occupied_cells, geo.aoo_by_origin):
        with pytest.raises(InvalidInputError, match=f"^{field}: .*{problem}"):
            function(latitude, longitude)


def test_coordinates_accept_lists_series_numeric_text_and_scalars():
    assert geo.extent_of_occurrence(pd.Series(["0", "0", "1"]), pd.Series([0, 1, 0])) == pytest.approx(
        densified_area_km2([0, 0, 1], [0, 1, 0]), rel=2e-5)
    assert geo.area_of_occupancy(10.0, 20.0) == 4.0


def test_eoo_rejects_a_bad_cell_size():
    with pytest.raises(InvalidInputError, match="^aoo_cell_size_km: "):
        geo.extent_of_occurrence([1.0], [2.0], aoo_cell_size_km=0)


# ---------------------------------------------------------------------------------------------- AOO

def test_aoo_counts_points_placed_in_known_cells_exactly():
    cells = [(0, 0), (-1, -1), (1234, -567), (-8683, 100), (8682, 3000), (20, 3600), (5, -3500)]
    lats, lons = [], []
    for ix, iy in cells:
        for fx, fy in ((0.5, 0.5), (0.1, 0.9), (0.95, 0.05)):  # three records in each cell
            lat, lon = point_in_cell(ix, iy, fx=fx, fy=fy)
            lats.append(lat)
            lons.append(lon)
    assert geo.area_of_occupancy(lats, lons) == 4.0 * len(cells)
    found = geo.occupied_cells(lats, lons)
    assert sorted(zip(found["cell_x"], found["cell_y"])) == sorted(cells)
    assert found["n_records"].tolist() == [3] * len(cells)


def test_points_on_either_side_of_a_cell_boundary_are_in_two_cells():
    boundary_x = 1000 * 2000.0  # a grid line of the default grid
    y = 150.5 * 2000.0
    lon, lat = FROM_GRID.transform([boundary_x - 1.0, boundary_x + 1.0], [y, y])
    assert geo.area_of_occupancy(lat, lon) == 8.0
    cells = geo.occupied_cells(lat, lon)
    assert cells["cell_x"].tolist() == [999, 1000]
    # with the grid shifted by half a cell they share one cell
    assert geo.area_of_occupancy(lat, lon, origin=(1000.0, 0.0)) == 4.0


@pytest.mark.parametrize("cell_km", [0.5, 1.0, 10.0])
def test_aoo_with_other_cell_sizes(cell_km):
    cells = [(3, 4), (3, 5), (-7, 2), (100, -100)]
    lats, lons = zip(*(point_in_cell(ix, iy, cell_km=cell_km) for ix, iy in cells))
    assert geo.area_of_occupancy(lats, lons, cell_size_km=cell_km) == pytest.approx(len(cells) * cell_km ** 2)
    # on the 2 km grid, the same points fall in however many 2 km cells a per-point count finds
    assert geo.area_of_occupancy(lats, lons) == 4.0 * pure_python_cell_count(lats, lons)


def test_aoo_matches_a_pure_python_count_on_conr_and_random_data():
    frame = read_conr("berlinia_bruneelii")
    lat, lon = frame["decimalLatitude"], frame["decimalLongitude"]
    assert geo.area_of_occupancy(lat, lon) == 4.0 * pure_python_cell_count(lat, lon)
    rng = np.random.default_rng(5)
    lat = rng.normal(-7.0, 0.05, 400)
    lon = rng.normal(37.6, 0.05, 400)
    assert geo.area_of_occupancy(lat, lon) == 4.0 * pure_python_cell_count(lat, lon)
    assert geo.area_of_occupancy(lat, lon, 5.0, origin=(123.0, -456.0)) == \
        25.0 * pure_python_cell_count(lat, lon, 5.0, (123.0, -456.0))


def test_minimising_over_origins_finds_the_single_cell_a_cluster_fits_in():
    # four records 300 m around a grid intersection: four cells on the default grid, one after a half-cell shift
    corner_x, corner_y = 500 * 2000.0, -200 * 2000.0
    x = corner_x + np.array([-300.0, 300.0, -300.0, 300.0])
    y = corner_y + np.array([-300.0, -300.0, 300.0, 300.0])
    lon, lat = FROM_GRID.transform(x, y)
    assert geo.area_of_occupancy(lat, lon) == 16.0
    assert geo.area_of_occupancy(lat, lon, minimise_over_origins=True, origin_steps=2) == 4.0
    assert geo.area_of_occupancy(lat, lon, minimise_over_origins=True) == 4.0
    assert geo.area_of_occupancy(lat, lon, minimise_over_origins=True, origin_steps=1) == 16.0


def test_minimum_over_origins_equals_a_brute_force_search_and_never_exceeds_the_default():
    rng = np.random.default_rng(9)
    for trial in range(4):
        lat = rng.normal(-7.0, 0.03, 60)
        lon = rng.normal(37.6, 0.03, 60)
        steps = 3
        brute = min(
            pure_python_cell_count(lat, lon, 2.0, (i * 2000.0 / steps, j * 2000.0 / steps))
            for i in range(steps) for j in range(steps)
        )
        minimum = geo.area_of_occupancy(lat, lon, minimise_over_origins=True, origin_steps=steps)
        assert minimum == 4.0 * brute
        assert minimum <= geo.area_of_occupancy(lat, lon)


def test_aoo_by_origin_lists_every_shifted_grid():
    rng = np.random.default_rng(2)
    lat = rng.normal(10.0, 0.02, 40)
    lon = rng.normal(-84.0, 0.02, 40)
    table = geo.aoo_by_origin(lat, lon, origin_steps=3)
    assert len(table) == 9
    assert list(table.columns) == ["origin_x_m", "origin_y_m", "n_cells", "aoo_km2"]
    assert table["n_cells"].is_monotonic_increasing
    for row in table.itertuples():
        assert row.aoo_km2 == geo.area_of_occupancy(lat, lon, origin=(row.origin_x_m, row.origin_y_m))
    assert table["aoo_km2"].iloc[0] == geo.area_of_occupancy(lat, lon, minimise_over_origins=True, origin_steps=3)
    assert set(np.round(table["origin_x_m"], 6)) == {0.0, round(2000 / 3, 6), round(4000 / 3, 6)}


def test_occupied_cells_give_true_cell_outlines():
    rng = np.random.default_rng(4)
    lat = rng.uniform(-60, 70, 30)
    lon = rng.uniform(-180, 180, 30)
    cells = geo.occupied_cells(lat, lon, cell_size_km=3.0)
    assert cells["n_records"].sum() == 30
    assert np.allclose(cells["x_max"] - cells["x_min"], 3000.0)
    assert np.allclose(cells["y_max"] - cells["y_min"], 3000.0)
    x, y = TO_GRID.transform(cells["lon_min"].to_numpy(), cells["lat_min"].to_numpy())
    assert np.allclose(x, cells["x_min"], atol=1e-4) and np.allclose(y, cells["y_min"], atol=1e-4)
    for lat_i, lon_i in zip(lat, lon):
        inside = ((cells["lat_min"] <= lat_i) & (lat_i < cells["lat_max"])
                  & (cells["lon_min"] <= lon_i) & (lon_i < cells["lon_max"]))
        assert inside.sum() == 1
    # an equal-area grid: every cell has the same area on the ellipsoid (outlines are lon/lat rectangles)
    for row in cells.itertuples():
        assert box_area_km2(row.lat_min, row.lat_max, row.lon_min, row.lon_max) == pytest.approx(9.0, rel=1e-6)


@pytest.mark.parametrize("kwargs, field", [
    ({"cell_size_km": 0}, "cell_size_km"),
    ({"cell_size_km": "two"}, "cell_size_km"),
    ({"origin": (0.0,)}, "origin"),
    ({"origin": (0.0, float("inf"))}, "origin"),
    ({"minimise_over_origins": "yes"}, "minimise_over_origins"),
    ({"minimise_over_origins": True, "origin_steps": 0}, "origin_steps"),
    ({"minimise_over_origins": True, "origin_steps": 2.5}, "origin_steps"),
])
def test_bad_grid_settings_are_rejected_naming_the_field(kwargs, field):
    with pytest.raises(InvalidInputError, match=f"^{field}: "):
        geo.area_of_occupancy([1.0, 2.0], [3.0, 4.0], **kwargs)


def test_occupied_cells_and_aoo_by_origin_reject_bad_settings():
    with pytest.raises(InvalidInputError, match="^cell_size_km: "):
        geo.occupied_cells([1.0], [2.0], cell_size_km=-1)
    with pytest.raises(InvalidInputError, match="^origin_steps: "):
        geo.aoo_by_origin([1.0], [2.0], origin_steps=100)


# ---------------------------------------------------------------------------------------------- summary

def test_range_summary_of_a_file_carries_the_exclusion_counts_and_round_trips_through_json():
    text = "\n".join(["scientificName,decimalLatitude,decimalLongitude", "Aus bus,-7.0,37.0", "Aus bus,-7.5,37.2",
                      "Aus bus,-7.2,37.6", "Aus bus,-7.0,37.0", "Aus bus,,37.1", "Aus bus,0,0"])
    frame = geo.read_occurrences(text.encode())
    summary = geo.range_summary(frame)
    assert summary.taxon == "Aus bus"
    assert summary.n_records_read == 6 and summary.n_records_kept == 3
    assert summary.excluded == {"missing": 1, "out_of_range": 0, "zero_zero": 1, "duplicate": 1}
    lat, lon = [-7.0, -7.5, -7.2], [37.0, 37.2, 37.6]
    assert summary.eoo_km2 == pytest.approx(densified_area_km2(lat, lon), rel=2e-5)
    assert summary.polygon_area_km2 == summary.eoo_km2
    assert summary.aoo_km2 == 12.0 and summary.n_cells == 3 and summary.cell_size_km == 2.0
    assert summary.eoo_rule == geo.EOO_RULES["polygon"]
    data = json.loads(json.dumps(summary.to_dict()))
    assert geo.RangeSummary.from_dict(data) == summary
    # a raw table, with nothing excluded beforehand, gives the same summary
    raw = pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    assert geo.range_summary(raw) == summary
    assert geo.range_summary(text.encode()) == summary


def test_range_summary_applies_eoo_equal_to_aoo_rules():
    species_2 = geo.range_summary(read_conr("species_2"))
    assert species_2.eoo_km2 == species_2.aoo_km2 == 12.0
    assert species_2.polygon_area_km2 == pytest.approx(1.09, abs=0.05)
    assert species_2.eoo_rule == geo.EOO_RULES["set_to_aoo_smaller"]
    species_1 = geo.range_summary(read_conr("species_1"))
    assert species_1.eoo_km2 == 8.0 and species_1.polygon_area_km2 is None
    assert species_1.eoo_rule == geo.EOO_RULES["set_to_aoo_no_polygon"]
    assert geo.RangeSummary.from_dict(species_1.to_dict()) == species_1


def test_range_summary_options_and_errors():
    corner_x, corner_y = 500 * 2000.0, -200 * 2000.0
    lon, lat = FROM_GRID.transform(corner_x + np.array([-300.0, 300.0, -300.0, 300.0]),
                                   corner_y + np.array([-300.0, -300.0, 300.0, 300.0]))
    frame = pd.DataFrame({"decimalLatitude": lat, "decimalLongitude": lon,
                          "scientificName": ["A a", "A a", "B b", "B b"]})
    summary = geo.range_summary(frame, minimise_over_origins=True, origin_steps=2)
    assert summary.aoo_km2 == 4.0 and "minimum over 4 grid origins" in summary.grid
    assert summary.taxon is None and summary.notes
    assert geo.range_summary(frame, cell_size_km=10.0).aoo_km2 in (100.0, 200.0, 400.0)
    with pytest.raises(InvalidInputError, match="^decimalLatitude: no record has usable coordinates"):
        geo.range_summary(pd.DataFrame({"decimalLatitude": [0.0, None], "decimalLongitude": [0.0, 1.0]}))
    with pytest.raises(InvalidInputError, match="^cell_size_km: "):
        geo.range_summary(frame, cell_size_km=0)
    with pytest.raises(InvalidInputError, match="^aoo_km2: missing"):
        data = summary.to_dict()
        del data["aoo_km2"]
        geo.RangeSummary.from_dict(data)


def test_range_summary_of_the_synthetic_case_study():
    from exsitu.datasets import data_path

    summary = geo.range_summary(geo.read_occurrences(data_path("occurrences/synthetic_montane_shrub.csv")))
    assert summary.n_records_read == 120
    assert summary.excluded == {"missing": 3, "out_of_range": 2, "zero_zero": 2, "duplicate": 8}
    assert "SYNTHETIC" in summary.taxon
    assert summary.eoo_km2 < 5000 and summary.aoo_km2 < 500  # EN thresholds for B1 and B2
    snail = geo.read_occurrences(data_path("synthetic_island_snail.csv"))
    assert (snail["decimalLongitude"] > 179).any() and (snail["decimalLongitude"] < -179).any()
    assert geo.extent_of_occurrence(snail["decimalLatitude"], snail["decimalLongitude"]) < 2000


def test_details_name_blank_coordinates_and_rows_by_the_frame_index():
    frame = pd.DataFrame({"decimalLatitude": ["1.0", "", "1.0"], "decimalLongitude": ["2.0", "3.0", "2.0"]},
                         index=["a", "b", "c"])
    cleaning = geo.clean_occurrences(frame)
    assert cleaning.excluded["detail"].to_dict() == {"b": "decimalLatitude is blank",
                                                     "c": "same coordinates as row a"}


def test_at_least_aoo_must_be_true_or_false():
    with pytest.raises(InvalidInputError, match="^at_least_aoo: "):
        geo.extent_of_occurrence([1.0, 2.0, 3.0], [1.0, 3.0, 2.0], at_least_aoo="yes")


def test_hull_follows_geodesics_not_straight_lines_on_a_longitude_latitude_map():
    # The geodesic from (60 N, 0 E) to (60 N, 90 E) passes about 67.8 N at 45 E, so a record at (65 N, 45 E)
    # lies inside the triangle on the globe, though outside it on a flat longitude-latitude map.
    mid_lon, mid_lat = GEOD.npts(0.0, 60.0, 90.0, 60.0, 1)[0]
    assert mid_lon == pytest.approx(45.0) and mid_lat > 65.0
    triangle = geo.extent_of_occurrence([60.0, 60.0, 50.0], [0.0, 90.0, 45.0])
    with_inner = geo.extent_of_occurrence([60.0, 60.0, 50.0, 65.0], [0.0, 90.0, 45.0, 45.0])
    assert with_inner == pytest.approx(triangle, rel=1e-12)
    assert triangle == pytest.approx(densified_area_km2([60.0, 50.0, 60.0], [0.0, 45.0, 90.0]), rel=2e-5)


# ---------------------------------------------------------------------------------------------- AOO reference cases
# The default grid (area_of_occupancy docstring): EPSG:6933, 2 km cells, grid lines at multiples of 2,000 m,
# a record on a grid line is in the cell east / north of it. Cases built from the grid lines themselves.

def test_records_placed_exactly_on_grid_lines_are_in_the_cell_east_and_north_of_them():
    # PROJ's round trip through EPSG:6933 is good to about 2 mm only, so floor() alone put most of these in
    # the cell to the west or south (audit, 2026-11-25).
    ks = np.arange(-8683, 8684, 97)
    js = np.arange(-3657, 3658, 61)
    k, j = (a.ravel() for a in np.meshgrid(ks, js))
    lon, lat = FROM_GRID.transform(k * 2000.0, j * 2000.0)
    cells = geo.occupied_cells(lat, lon)
    assert len(cells) == k.size
    assert set(zip(cells["cell_x"], cells["cell_y"])) == set(zip(k.tolist(), j.tolist()))
    assert geo.area_of_occupancy(lat, lon) == 4.0 * k.size


def test_a_record_on_a_grid_corner_shares_the_north_east_cell():
    corner = (250 * 2000.0, 1200 * 2000.0)
    offsets = [(0.0, 0.0), (1.0, 1.0), (-1.0, 1.0), (1.0, -1.0), (-1.0, -1.0)]
    lon, lat = FROM_GRID.transform([corner[0] + dx for dx, _ in offsets], [corner[1] + dy for _, dy in offsets])
    cells = geo.occupied_cells(lat, lon)
    assert set(zip(cells["cell_x"], cells["cell_y"])) == {(250, 1200), (249, 1200), (250, 1199), (249, 1199)}
    assert cells.set_index(["cell_x", "cell_y"]).loc[(250, 1200), "n_records"] == 2
    assert geo.area_of_occupancy(lat, lon) == 16.0
    # the equator and the prime meridian are grid lines: (0, 0) is in cell (0, 0), just west or south is not
    origin_cells = geo.occupied_cells([0.0, 0.0, -1e-6], [0.0, -1e-6, 0.0])
    assert set(zip(origin_cells["cell_x"], origin_cells["cell_y"])) == {(0, 0), (-1, 0), (0, -1)}


def test_longitude_180_and_minus_180_are_one_place_in_one_cell():
    assert geo.area_of_occupancy([-17.5, -17.5], [180.0, -180.0]) == 4.0
    cell = geo.occupied_cells([-17.5, -17.5], [180.0, -180.0])
    x_180 = TO_GRID.transform(-180.0, -17.5)[0]
    assert cell["cell_x"].tolist() == [math.floor(x_180 / 2000.0)]  # east of the antimeridian
    assert cell["n_records"].tolist() == [2]
    # records a few metres either side of the antimeridian: the grid ends there, so two cells
    assert geo.area_of_occupancy([-17.5, -17.5], [179.99995, -179.99995]) == 8.0
    # EOO across it is the small polygon, not the rest of the world
    assert geo.extent_of_occurrence([-17.5, -17.6, -17.4], [180.0, -179.9, 179.9]) < 200.0


def test_every_longitude_at_a_pole_is_one_place_in_one_cell():
    assert geo.area_of_occupancy([90.0] * 4, [0.0, 45.0, -120.0, 180.0]) == 4.0
    assert geo.area_of_occupancy([-90.0, -90.0, 90.0], [10.0, -10.0, 10.0]) == 8.0
    # just off the pole longitudes are distinct places again
    lats, lons = [89.9, 89.9, 89.9], [0.0, 90.0, -90.0]
    assert geo.area_of_occupancy(lats, lons) == 4.0 * pure_python_cell_count(lats, lons) == 12.0


def test_aoo_at_high_latitudes_matches_a_pure_python_count_and_cells_stay_4_km2():
    rng = np.random.default_rng(21)
    lat = rng.uniform(78.0, 80.0, 300)
    lon = rng.uniform(10.0, 30.0, 300)
    assert geo.area_of_occupancy(lat, lon) == 4.0 * pure_python_cell_count(lat, lon)
    cells = geo.occupied_cells(lat, lon)
    for row in cells.head(20).itertuples():
        assert box_area_km2(row.lat_min, row.lat_max, row.lon_min, row.lon_max) == pytest.approx(4.0, rel=1e-6)


def test_shifted_grids_also_put_records_on_their_grid_lines_east_and_north():
    # records on lines of the grid shifted by half a cell: one cell each on that grid, found by the search
    k = np.arange(10)
    lon, lat = FROM_GRID.transform(1000.0 + k * 4000.0, 1000.0 + k * 4000.0)
    shifted = geo.aoo_by_origin(lat, lon, origin_steps=2)
    on_lines = shifted[(shifted["origin_x_m"] == 1000.0) & (shifted["origin_y_m"] == 1000.0)]
    assert on_lines["n_cells"].tolist() == [10]
    assert geo.area_of_occupancy(lat, lon, origin=(1000.0, 1000.0)) == 40.0
    cells = geo.occupied_cells(lat, lon, origin=(1000.0, 1000.0))
    assert sorted(cells["cell_x"]) == (2 * k).tolist()


# ---------------------------------------------------------------------------------- select_records and years
# (moved here from tests/unit/test_widgets_status_review.py with select_records itself)

SHRUB = "occurrences/synthetic_montane_shrub.csv"


@pytest.fixture(scope="module")
def shrub() -> pd.DataFrame:
    from exsitu.datasets import data_path

    return geo.read_occurrences(data_path(SHRUB), extra_columns=["locality"])


def slow_year(text) -> float:
    """Slow reference: the year from the first four characters of an ISO date, NaN when they are not digits."""
    text = "" if text is None or (isinstance(text, float) and math.isnan(text)) else str(text).strip()
    return float(text[:4]) if len(text) >= 4 and text[:4].isdigit() else math.nan


def reference_selection(frame, before_year=None, groups=(), max_uncertainty=None):
    """Pure-Python reference for select_records: (kept index, counts per reason)."""
    counts = {"group": 0, "before_year": 0, "uncertainty": 0}
    kept = []
    for index, row in frame.iterrows():
        if groups and row["locality"] in groups:
            counts["group"] += 1
            continue
        if before_year is not None and slow_year(row["eventDate"]) < before_year:
            counts["before_year"] += 1
            continue
        u = row.get("coordinateUncertaintyInMeters")
        if max_uncertainty is not None and u is not None and not pd.isna(u) and float(u) > max_uncertainty:
            counts["uncertainty"] += 1
            continue
        kept.append(index)
    return kept, counts


def test_event_years_reads_the_first_four_digits_and_gives_nan_otherwise(shrub):
    frame = pd.DataFrame({"eventDate": ["1980-01-02", " 2001-05", "", None, "2010-01-01/2010-02-01", "c. 1999",
                                        "1875"]})
    years = geo.event_years(frame)
    assert years.iloc[[0, 1, 4, 6]].tolist() == [1980, 2001, 2010, 1875]
    assert years.iloc[[2, 3, 5]].isna().all()
    expected = [slow_year(text) for text in shrub["eventDate"]]
    np.testing.assert_array_equal(geo.event_years(shrub).to_numpy(dtype=float), np.array(expected, dtype=float))


def test_select_records_counts_each_record_under_its_first_reason():
    frame = pd.DataFrame({
        "decimalLatitude": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        "decimalLongitude": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0],
        "eventDate": ["1980-01-02", "2001-05", "", "1975", "2010-01-01/2010-02-01", "1999"],
        "coordinateUncertaintyInMeters": [10.0, 5000.0, 20000.0, 5000.0, np.nan, 30.0],
        "locality": ["A", "B", "B", "A", "C", "C"],
    })
    selection = geo.select_records(frame, before_year=1990, leave_out_groups=["A"], max_uncertainty_m=1000)
    # rows 0 and 3 are in A (and old: counted once, as "group"); row 1 is too uncertain; row 2 is undated and too
    # uncertain; row 4 has no uncertainty (kept); row 5 is kept.
    assert selection.left_out == {"group": 2, "before_year": 0, "uncertainty": 2}
    assert list(selection.kept.index) == [4, 5]
    assert selection.undated == 1 and selection.uncertainty_unknown == 1
    assert selection.n_kept + selection.n_left_out == len(frame)
    assert list(selection.table()["records"]) == [2, 0, 2]
    assert list(selection.table()["reason"]) == list(geo.LEAVE_OUT_REASONS)
    assert selection.choices == {"leave_out_groups": ["A"], "before_year": 1990, "max_uncertainty_m": 1000}

    only_old = geo.select_records(frame, before_year=1990)
    assert only_old.left_out == {"group": 0, "before_year": 2, "uncertainty": 0}
    assert list(only_old.kept.index) == [1, 2, 4, 5]
    one_group = geo.select_records(frame, leave_out_groups="C")  # a single name, not its letters
    assert list(one_group.kept.index) == [0, 1, 2, 3] and one_group.left_out["group"] == 2


@pytest.mark.parametrize("choices", [
    dict(before_year=1993),
    dict(groups=("East spur",)),
    dict(max_uncertainty=100),
    dict(before_year=2000, groups=("North ridge", "South plateau"), max_uncertainty=30),
])
def test_select_records_matches_a_pure_python_reference(shrub, choices):
    kept, counts = reference_selection(shrub, **choices)
    selection = geo.select_records(shrub, before_year=choices.get("before_year"),
                                   leave_out_groups=choices.get("groups", ()),
                                   max_uncertainty_m=choices.get("max_uncertainty"))
    assert list(selection.kept.index) == kept
    assert selection.left_out == counts


def test_the_east_spur_has_only_records_older_than_1993(shrub):
    spur = shrub[shrub["locality"] == "East spur"]
    assert len(spur) == 10
    assert max(slow_year(d) for d in spur["eventDate"]) < 1993
    by_year = geo.select_records(shrub, before_year=1993)
    assert not (by_year.kept["locality"] == "East spur").any()


@pytest.mark.parametrize("kwargs, field", [
    (dict(leave_out_groups=["West spur"]), "leave_out_groups"),
    (dict(leave_out_groups=["East spur"], group_column="site"), "group_column"),
    (dict(before_year="last year"), "before_year"),
    (dict(before_year=1990.5), "before_year"),
    (dict(max_uncertainty_m=-5), "max_uncertainty_m"),
])
def test_select_records_bad_input_names_the_field(shrub, kwargs, field):
    with pytest.raises(InvalidInputError) as info:
        geo.select_records(shrub, **kwargs)
    assert info.value.field == field
    assert str(info.value).startswith(field)


def test_select_records_needs_the_columns_it_filters_on():
    frame = pd.DataFrame({"decimalLatitude": [1.0], "decimalLongitude": [2.0]})
    with pytest.raises(InvalidInputError, match="^before_year: .*eventDate"):
        geo.select_records(frame, before_year=1990)
    with pytest.raises(InvalidInputError, match="^max_uncertainty_m: .*coordinateUncertaintyInMeters"):
        geo.select_records(frame, max_uncertainty_m=100)
    with pytest.raises(InvalidInputError, match="^occurrences: "):
        geo.select_records([1, 2, 3])
    assert geo.select_records(frame).n_kept == 1


def test_eoo_smaller_than_aoo_is_set_to_aoo_for_criterion_b_but_the_polygon_is_the_default():
    # RLG §4.9: "if EOO is smaller than AOO, set EOO equal to AOO" — a small triangle of records in three
    # cells (polygon about 2 km²) has EOO 12 km² for B1 (at_least_aoo=True, as range_summary gives); the
    # function's default is the minimum convex polygon's own area.
    lat, lon = zip(*(point_in_cell(ix, iy, fx=0.9 if ix == 40 else 0.1, fy=0.5) for ix, iy in
                     ((40, 10), (41, 10), (41, 11))))
    polygon = geo.extent_of_occurrence(lat, lon, at_least_aoo=False)
    assert polygon < 12.0 and geo.extent_of_occurrence(lat, lon) == polygon
    assert geo.extent_of_occurrence(lat, lon, at_least_aoo=True) == geo.area_of_occupancy(lat, lon) == 12.0
    frame = pd.DataFrame({"decimalLatitude": lat, "decimalLongitude": lon})
    summary = geo.range_summary(frame)
    assert summary.eoo_km2 == 12.0 and summary.polygon_area_km2 == pytest.approx(polygon, rel=1e-12)
    # a polygon larger than AOO is returned as it is
    big_lat, big_lon = [0.0, 0.0, 1.0], [0.0, 1.0, 0.0]
    assert geo.extent_of_occurrence(big_lat, big_lon, at_least_aoo=True) == geo.extent_of_occurrence(big_lat,
                                                                                                     big_lon)


# ---------------------------------------------------------------- files as facilitators receive them
SHRUB_FILE = Path(geo.__file__).resolve().parents[2] / "data" / "occurrences" / "synthetic_montane_shrub.csv"


def _zip(members: dict[str, bytes]) -> bytes:
    import zipfile
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def _same_records(a: pd.DataFrame, b: pd.DataFrame) -> None:
    assert a.attrs["excluded"] == b.attrs["excluded"]
    np.testing.assert_array_equal(a["decimalLatitude"].to_numpy(), b["decimalLatitude"].to_numpy())
    np.testing.assert_array_equal(a["decimalLongitude"].to_numpy(), b["decimalLongitude"].to_numpy())


def test_gbif_download_zips_are_read_as_their_occurrence_table(tmp_path):
    text = SHRUB_FILE.read_bytes()
    tsv = "\n".join("\t".join(row) for row in csv.reader(io.StringIO(text.decode()))).encode() + b"\n"
    plain = geo.read_occurrences(SHRUB_FILE)
    # Darwin Core Archive: occurrence.txt among other files; "simple" download: one tab-separated .csv
    archive = _zip({"meta.xml": b"<archive/>", "verbatim.txt": b"gbifID\tx\n1\t2\n", "occurrence.txt": tsv,
                    "dataset/abc.xml": b"<eml/>"})
    simple = _zip({"0001234-260101000000000.csv": tsv})
    for content in (archive, simple):
        _same_records(geo.read_occurrences(content), plain)
    path = tmp_path / "download.zip"
    path.write_bytes(simple)
    _same_records(geo.read_occurrences(path), plain)


@pytest.mark.parametrize("content, message", [
    (_zip({"a.csv": b"x\n", "b.csv": b"y\n"}), "the zip holds 2 tables of records (a.csv, b.csv)"),
    (_zip({"readme.pdf": b"%PDF"}), "the zip holds 0 tables of records (readme.pdf)"),
    (b"PK\x03\x04 not really a zip", "the zip file could not be opened"),
])
def test_other_zips_get_a_message_naming_what_is_inside(content, message):
    with pytest.raises(InvalidInputError, match="^path: ") as error:
        geo.read_occurrences(content)
    assert message in str(error.value)


def test_utf16_unicode_text_and_decimal_commas_are_read():
    text = SHRUB_FILE.read_text(encoding="utf-8")
    plain = geo.read_occurrences(SHRUB_FILE)
    tsv = "\n".join("\t".join(row) for row in csv.reader(io.StringIO(text))) + "\n"
    _same_records(geo.read_occurrences(tsv.encode("utf-16")), plain)
    # a semicolon-separated export with decimal commas, as spreadsheets write it in many countries
    rows = list(csv.reader(io.StringIO(text)))
    semicolons = "\n".join(";".join(field.replace(".", ",") if name.startswith("decimal") else field
                                    for name, field in zip(rows[0], row)) for row in rows)
    assert "-6,9" in semicolons
    _same_records(geo.read_occurrences(semicolons.encode()), plain)
    # a comma that is not a decimal comma still counts as not a number
    frame = pd.DataFrame({"decimalLatitude": ["1,2,3", "10,5"], "decimalLongitude": ["5", "20,25"]})
    cleaning = geo.clean_occurrences(frame)
    assert cleaning.kept["decimalLatitude"].tolist() == [10.5] and cleaning.kept["decimalLongitude"].tolist() == [20.25]
    assert cleaning.counts["missing"] == 1
