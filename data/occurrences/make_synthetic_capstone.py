"""Generate the SYNTHETIC occurrence files of the capstone (fixed seed, so the output never changes).

    python data/occurrences/make_synthetic_capstone.py

Writes, next to this script:

* ``synthetic_springfish.csv`` — *Exemplichthys fontanus*, an invented small fish of six desert springs in
  one basin (coordinates in the Moroccan desert, used only as a place on the map), for the capstone lesson
  (notebooks/06-capstone.ipynb). One Darwin Core record per survey: a visit to a spring with the number of
  adults counted (``individualCount``), 2000–2024, some years missed. The springs decline from 2019 to 2024
  (1,630 → 1,275 adults counted in the five springs that still flow, −21.8 %). "Dry wash spring" dried up:
  its last record is from 2013. Bad rows of the kinds ``exsitu.geo.read_occurrences`` excludes: 2 with
  missing coordinates, 1 at (0, 0), 1 survey entered twice; and 2 museum specimens from 1965 whose label
  says only "the basin" (coordinate uncertainty 15 km), for the range explorer's uncertainty filter.
* ``synthetic_bracket_fungus.csv`` — *Exemplopora vetusta*, an invented wood-decay bracket fungus of
  old-growth spruce forest in five reserves (coordinates in eastern Finland, used only as a place on the
  map), for the capstone assignment (solutions/06-capstone). Records of fruit bodies, 1990–2024; the
  "Lammi clear-cut" site was logged in 2008 and has no record since. 2 rows with missing coordinates, 1
  out of range, 2 duplicates (the same specimen in two herbaria).

Both species, all records, counts, places' roles and collectors are SYNTHETIC (invented). Licence: CC0 1.0.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from make_synthetic import scatter_points, write  # noqa: E402  (the sibling script's helpers)

SEED = 20250115
COLUMNS = ["occurrenceID", "scientificName", "decimalLatitude", "decimalLongitude", "coordinateUncertaintyInMeters",
           "eventDate", "basisOfRecord", "individualCount", "countryCode", "locality", "datasetName"]
DATASET = "SYNTHETIC - invented records for the exsitu course (data/occurrences/make_synthetic_capstone.py)"


def _date(rng, year, months=(3, 4, 5)):
    return f"{year:04d}-{int(rng.choice(months)):02d}-{int(rng.integers(1, 29)):02d}"


def springfish(rng) -> list[dict]:
    name = "Exemplichthys fontanus (SYNTHETIC)"
    # spring, lat, lon, adults counted in 2019 and in 2024 (the springs still flowing)
    springs = [
        ("North spring", 31.120, -4.310, 540, 450),
        ("Twin spring A", 31.020, -4.180, 380, 300),
        ("Twin spring B", 31.015, -4.171, 320, 250),
        ("Pool spring", 30.930, -4.250, 240, 180),
        ("West seep", 30.980, -4.420, 150, 95),
    ]
    rows = []
    for spring, lat, lon, n2019, n2024 in springs:
        years = [y for y in range(2000, 2025) if y in (2019, 2024) or rng.random() > 0.2]
        lats, lons = scatter_points(rng, lat, lon, 0.05, len(years))
        for year, la, lo in zip(years, lats, lons):
            if year == 2019:
                count = n2019
            elif year == 2024:
                count = n2024
            elif year > 2019:   # geometric decline between the two full surveys, with counting noise
                count = n2019 * (n2024 / n2019) ** ((year - 2019) / 5) * rng.normal(1.0, 0.04)
            else:               # roughly stable before 2019
                count = n2019 * rng.normal(1.02, 0.07)
            rows.append({"decimalLatitude": f"{la:.5f}", "decimalLongitude": f"{lo:.5f}", "eventDate": _date(rng, year),
                         "basisOfRecord": "HumanObservation", "individualCount": str(int(round(count))),
                         "coordinateUncertaintyInMeters": "30", "locality": spring})
    # The spring that dried up: counts fall to a handful, last survey 2013.
    dry_lat, dry_lon = 30.900, -4.080
    dry_years = list(range(2000, 2014))
    lats, lons = scatter_points(rng, dry_lat, dry_lon, 0.05, len(dry_years))
    for year, la, lo in zip(dry_years, lats, lons):
        count = max(2, 120 * 0.72 ** (year - 2000) * rng.normal(1.0, 0.1))
        rows.append({"decimalLatitude": f"{la:.5f}", "decimalLongitude": f"{lo:.5f}", "eventDate": _date(rng, year),
                     "basisOfRecord": "HumanObservation", "individualCount": str(int(round(count))),
                     "coordinateUncertaintyInMeters": "30", "locality": "Dry wash spring"})
    rows.append(dict(rows[7]))  # one survey entered twice
    for la, lo in ((31.000, -4.250), (31.050, -4.300)):  # museum specimens labelled only "the basin"
        rows.append({"decimalLatitude": f"{la:.3f}", "decimalLongitude": f"{lo:.3f}", "eventDate": "1965-04-12",
                     "basisOfRecord": "PreservedSpecimen", "individualCount": "3",
                     "coordinateUncertaintyInMeters": "15000", "locality": "the basin (old museum label)"})
    for la, lo, locality in (("", "-4.18", "Twin spring A (latitude not written down)"),
                             ("31.12", "", "North spring (longitude not written down)"),
                             ("0", "0", "Pool spring (GPS not switched on)")):
        rows.append({"decimalLatitude": la, "decimalLongitude": lo, "eventDate": _date(rng, 2021),
                     "basisOfRecord": "HumanObservation", "individualCount": "", "coordinateUncertaintyInMeters": "",
                     "locality": locality})
    order = rng.permutation(len(rows))
    rows = [rows[i] for i in order]
    for number, row in enumerate(rows, start=1):
        row.update(occurrenceID=f"SYN-EF-{number:04d}", scientificName=name, countryCode="MA", datasetName=DATASET)
    return rows


def bracket_fungus(rng) -> list[dict]:
    name = "Exemplopora vetusta (SYNTHETIC)"
    # reserve, lat, lon, spread km, records, first year, last year
    reserves = [
        ("Koli old forest", 63.100, 29.800, 2.0, 28, 1990, 2024),
        ("Patvinsuo reserve", 63.120, 30.700, 2.5, 22, 1992, 2024),
        ("Petkeljärvi reserve", 62.580, 31.180, 1.5, 14, 1995, 2023),
        ("Ruunaa spruce mire", 63.430, 30.450, 1.2, 9, 2001, 2022),
        ("Lammi clear-cut", 62.950, 30.050, 0.8, 8, 1990, 2007),
    ]
    rows = []
    for reserve, lat, lon, sigma, n, first, last in reserves:
        lats, lons = scatter_points(rng, lat, lon, sigma, n)
        years = rng.integers(first, last + 1, n)
        years[-1] = last
        for la, lo, year in zip(lats, lons, years):
            basis = str(rng.choice(["PreservedSpecimen", "HumanObservation"], p=[0.35, 0.65]))
            rows.append({"decimalLatitude": f"{la:.5f}", "decimalLongitude": f"{lo:.5f}",
                         "eventDate": _date(rng, int(year), months=(8, 9, 10)), "basisOfRecord": basis,
                         "individualCount": "", "coordinateUncertaintyInMeters": str(rng.choice(["10", "50", "250"])),
                         "locality": reserve})
    for source in rng.choice(len(rows), 2, replace=False):  # the same specimen in two herbaria
        rows.append(dict(rows[source]))
    for la, lo, locality in (("", "29.81", "Koli old forest (latitude missing)"),
                             ("63.12", "n/a", "Patvinsuo reserve (longitude not recorded)"),
                             ("631.1", "30.70", "Patvinsuo reserve (decimal point misplaced)")):
        rows.append({"decimalLatitude": la, "decimalLongitude": lo, "eventDate": _date(rng, 2015, months=(9,)),
                     "basisOfRecord": "HumanObservation", "individualCount": "", "coordinateUncertaintyInMeters": "",
                     "locality": locality})
    order = rng.permutation(len(rows))
    rows = [rows[i] for i in order]
    for number, row in enumerate(rows, start=1):
        row.update(occurrenceID=f"SYN-EV-{number:04d}", scientificName=name, countryCode="FI", datasetName=DATASET)
    return rows


def main(folder: Path = HERE) -> None:
    rng = np.random.default_rng(SEED)
    write(springfish(rng), folder / "synthetic_springfish.csv", COLUMNS)
    write(bracket_fungus(rng), folder / "synthetic_bracket_fungus.csv", COLUMNS)


if __name__ == "__main__":
    main()
