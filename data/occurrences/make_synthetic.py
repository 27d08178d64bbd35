"""Generate the course's SYNTHETIC occurrence files (fixed seed, so the output never changes).

    python data/occurrences/make_synthetic.py

Writes, next to this script:

* ``synthetic_montane_shrub.csv`` — *Exemplia montana*, an invented narrow-range montane shrub: 120 Darwin
  Core records in four clusters, with bad rows of every kind that ``exsitu.geo.read_occurrences`` excludes
  (3 missing or non-numeric coordinates, 2 out of range, 2 at (0, 0), 8 duplicates), for the Step 1 lesson.
  The smallest cluster has only records from 1978-1992, so a lesson can ask whether it still exists.
* ``synthetic_island_snail.csv`` — *Exemplina insularis*, an invented tree snail of an island that the
  180th meridian crosses (coordinates around Taveuni, Fiji, used only as a place on the map): 26 records,
  one of them a duplicate, for an exercise on ranges that cross the antimeridian.

Both species, all records and all names of collectors are SYNTHETIC (invented). Licence: CC0 1.0.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
SEED = 20240611
COLUMNS = ["occurrenceID", "scientificName", "decimalLatitude", "decimalLongitude", "coordinateUncertaintyInMeters",
           "eventDate", "basisOfRecord", "countryCode", "locality", "datasetName"]
DATASET = "SYNTHETIC - invented records for the exsitu course (data/occurrences/make_synthetic.py)"
KM_PER_DEGREE = 111.32


def scatter_points(rng, lat, lon, sigma_km, n):
    """n points scattered normally (sigma_km, km) around (lat, lon), degrees; shared with the capstone script."""
    lats = lat + rng.normal(0.0, sigma_km / KM_PER_DEGREE, n)
    lons = lon + rng.normal(0.0, sigma_km / (KM_PER_DEGREE * np.cos(np.radians(lat))), n)
    return lats, lons


def _dates(rng, first, last, n):
    years = rng.integers(first, last + 1, n)
    months = rng.integers(1, 13, n)
    days = rng.integers(1, 29, n)
    return [f"{y:04d}-{m:02d}-{d:02d}" for y, m, d in zip(years, months, days)]


def montane_shrub(rng) -> list[dict]:
    name = "Exemplia montana (SYNTHETIC)"
    clusters = [  # locality, centre lat, centre lon, spread km, records, first year, last year
        ("North ridge", -6.95, 37.65, 1.5, 45, 1985, 2023),
        ("Central valley", -7.15, 37.55, 1.0, 30, 1990, 2022),
        ("South plateau", -7.40, 37.80, 0.8, 20, 1995, 2021),
        ("East spur", -6.80, 37.95, 0.5, 10, 1978, 1992),
    ]
    rows = []
    for locality, lat, lon, sigma, n, first, last in clusters:
        lats, lons = scatter_points(rng, lat, lon, sigma, n)
        basis = rng.choice(["PreservedSpecimen", "HumanObservation"], n, p=[0.4, 0.6])
        uncertainty = rng.choice(["10", "30", "100", "1000", ""], n)
        for la, lo, date, b, u in zip(lats, lons, _dates(rng, first, last, n), basis, uncertainty):
            rows.append({"decimalLatitude": f"{la:.4f}", "decimalLongitude": f"{lo:.4f}", "eventDate": date,
                         "basisOfRecord": str(b), "coordinateUncertaintyInMeters": str(u), "locality": locality})
    # Duplicates: the same specimen held by two herbaria, or an observation entered twice.
    for source in rng.choice(len(rows), 8, replace=False):
        rows.append(dict(rows[source]))
    bad = [
        ("", "37.61", "missing latitude"),
        ("-7.12", "n/a", "longitude not a number"),
        ("NA", "NA", "coordinates not recorded"),
        ("-97.05", "37.66", "latitude out of range (typing error)"),
        ("-6.93", "376.6", "longitude out of range (typing error)"),
        ("0", "0", "coordinates left as 0, 0"),
        ("0.0", "0.0", "coordinates left as 0, 0"),
    ]
    for la, lo, locality in bad:
        rows.append({"decimalLatitude": la, "decimalLongitude": lo, "eventDate": _dates(rng, 1980, 2020, 1)[0],
                     "basisOfRecord": "PreservedSpecimen", "coordinateUncertaintyInMeters": "",
                     "locality": locality})
    order = rng.permutation(len(rows))
    rows = [rows[i] for i in order]
    for number, row in enumerate(rows, start=1):
        row.update(occurrenceID=f"SYN-EM-{number:04d}", scientificName=name, countryCode="TZ", datasetName=DATASET)
    return rows


def island_snail(rng) -> list[dict]:
    name = "Exemplina insularis (SYNTHETIC)"
    # Along the island's axis, from its north-east end (west of the antimeridian, written here as 180.10
    # degrees east) to its south-west end (east of it), then wrapped into -180..180.
    t = rng.uniform(0.0, 1.0, 22)
    lats = -16.72 + t * (-17.02 - -16.72) + rng.normal(0.0, 0.015, t.size)
    lons = 180.10 + t * (179.85 - 180.10) + rng.normal(0.0, 0.015, t.size)
    lons = np.mod(lons + 180.0, 360.0) - 180.0
    qamea_lat, qamea_lon = scatter_points(rng, -16.77, -179.76, 0.8, 3)
    lats, lons = np.concatenate((lats, qamea_lat)), np.concatenate((lons, qamea_lon))
    localities = ["Main island"] * 22 + ["Small island to the north-east"] * 3
    rows = [{"decimalLatitude": f"{la:.4f}", "decimalLongitude": f"{lo:.4f}", "eventDate": date,
             "basisOfRecord": "HumanObservation", "coordinateUncertaintyInMeters": "30", "locality": loc}
            for la, lo, date, loc in zip(lats, lons, _dates(rng, 2005, 2023, lats.size), localities)]
    rows.append(dict(rows[4]))  # one observation entered twice
    for number, row in enumerate(rows, start=1):
        row.update(occurrenceID=f"SYN-EI-{number:04d}", scientificName=name, countryCode="FJ", datasetName=DATASET)
    return rows


def write(rows: list[dict], path: Path, columns: list[str] = COLUMNS) -> None:
    """Write Darwin Core rows as UTF-8 CSV with Unix line ends (byte-identical on every run)."""
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def main(folder: Path = HERE) -> None:
    rng = np.random.default_rng(SEED)
    write(montane_shrub(rng), folder / "synthetic_montane_shrub.csv")
    write(island_snail(rng), folder / "synthetic_island_snail.csv")


if __name__ == "__main__":
    main()
