"""Benchmark: EOO and AOO of 100,000 occurrence records (goal: both together under 1 s on 2 cores).

    .venv/bin/python benchmarks/bench_range.py

Prints the size, the time of each step (median of 5 runs), and the speed-up over a straightforward
pure-Python implementation (a loop over points calling pyproj once per point, a monotone-chain hull in
Python) timed in the same process on a 5,000-point subsample. The pure-Python time is extrapolated to the
full size linearly, which flatters it (its hull is O(n log n)), so the printed ratio is a lower bound.
"""

from __future__ import annotations

import math
import platform
import statistics
import time

import numpy as np
import pyproj

from exsitu import geo

N_POINTS = 100_000
N_SUBSAMPLE = 5_000
SEED = 42


def make_points(n: int, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """SYNTHETIC records: 40 clusters (a few km across) scattered over central Africa, as GBIF data look."""
    centres_lat = rng.uniform(-10.0, 8.0, 40)
    centres_lon = rng.uniform(9.0, 30.0, 40)
    which = rng.integers(0, 40, n)
    lat = centres_lat[which] + rng.normal(0.0, 0.05, n)
    lon = centres_lon[which] + rng.normal(0.0, 0.05, n)
    return lat, lon


def timed(function, repeats: int = 5) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


# ------------------------------------------------------------------ the straightforward pure-Python version

def pure_python_aoo(lat, lon, cell_km: float = 2.0) -> float:
    transformer = pyproj.Transformer.from_crs("EPSG:4326", "EPSG:6933", always_xy=True)
    cells = set()
    for la, lo in zip(lat.tolist(), lon.tolist()):
        x, y = transformer.transform(lo, la)
        cells.add((math.floor(x / (cell_km * 1000)), math.floor(y / (cell_km * 1000))))
    return len(cells) * cell_km ** 2


def pure_python_eoo(lat, lon) -> float:
    lat_list, lon_list = lat.tolist(), lon.tolist()
    sx = sy = sz = 0.0
    for la, lo in zip(lat_list, lon_list):
        p, l = math.radians(la), math.radians(lo)
        sx += math.cos(p) * math.cos(l)
        sy += math.cos(p) * math.sin(l)
        sz += math.sin(p)
    lat0 = math.degrees(math.atan2(sz, math.hypot(sx, sy)))
    lon0 = math.degrees(math.atan2(sy, sx))
    gnomonic = pyproj.Proj(f"+proj=gnom +lat_0={lat0} +lon_0={lon0} +ellps=WGS84")
    points = sorted({(*gnomonic(lo, la), la, lo) for la, lo in zip(lat_list, lon_list)})

    def cross(o, a, b):
        return (a[0] - o[0]) * (b[1] - o[1]) - (a[1] - o[1]) * (b[0] - o[0])

    lower, upper = [], []
    for point in points:  # Andrew's monotone chain
        while len(lower) >= 2 and cross(lower[-2], lower[-1], point) <= 0:
            lower.pop()
        lower.append(point)
    for point in reversed(points):
        while len(upper) >= 2 and cross(upper[-2], upper[-1], point) <= 0:
            upper.pop()
        upper.append(point)
    hull = lower[:-1] + upper[:-1]
    area, _ = pyproj.Geod(ellps="WGS84").polygon_area_perimeter([p[3] for p in hull], [p[2] for p in hull])
    return abs(area) / 1e6


def main() -> None:
    rng = np.random.default_rng(SEED)
    lat, lon = make_points(N_POINTS, rng)
    geo.extent_of_occurrence(lat[:10], lon[:10])  # warm-up: pyproj's database, transformer caches
    geo.area_of_occupancy(lat[:10], lon[:10])

    t_eoo, eoo = timed(lambda: geo.extent_of_occurrence(lat, lon))
    t_aoo, aoo = timed(lambda: geo.area_of_occupancy(lat, lon))
    t_total, _ = timed(lambda: (geo.extent_of_occurrence(lat, lon), geo.area_of_occupancy(lat, lon)))
    t_min, aoo_min = timed(lambda: geo.area_of_occupancy(lat, lon, minimise_over_origins=True, origin_steps=4))

    sub = rng.choice(N_POINTS, N_SUBSAMPLE, replace=False)
    start = time.perf_counter()
    slow_eoo = pure_python_eoo(lat[sub], lon[sub])
    t_slow_eoo = time.perf_counter() - start
    start = time.perf_counter()
    slow_aoo = pure_python_aoo(lat[sub], lon[sub])
    t_slow_aoo = time.perf_counter() - start
    fast_eoo_sub = geo.extent_of_occurrence(lat[sub], lon[sub])
    fast_aoo_sub = geo.area_of_occupancy(lat[sub], lon[sub])
    scale = N_POINTS / N_SUBSAMPLE
    slow_total = (t_slow_eoo + t_slow_aoo) * scale

    print(f"machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}, "
          f"pyproj {pyproj.__version__} (PROJ {pyproj.proj_version_str})")
    print(f"points: {N_POINTS:,} (SYNTHETIC, 40 clusters), EOO {eoo:,.0f} km², AOO {aoo:,.0f} km²")
    print(f"EOO                          {t_eoo * 1000:8.1f} ms")
    print(f"AOO (default grid)           {t_aoo * 1000:8.1f} ms")
    print(f"EOO + AOO                    {t_total * 1000:8.1f} ms   (goal < 1000 ms: "
          f"{'met' if t_total < 1 else 'NOT met'})")
    print(f"AOO minimised over 16 grids  {t_min * 1000:8.1f} ms   (AOO {aoo_min:,.0f} km²)")
    print(f"pure Python on {N_SUBSAMPLE:,} points: EOO {t_slow_eoo * 1000:.0f} ms, AOO {t_slow_aoo * 1000:.0f} ms; "
          f"same results as exsitu: EOO {math.isclose(slow_eoo, fast_eoo_sub, rel_tol=1e-9)}, "
          f"AOO {slow_aoo == fast_aoo_sub}")
    print(f"pure Python extrapolated linearly to {N_POINTS:,} points: {slow_total:.2f} s "
          f"-> exsitu is {slow_total / t_total:.0f}x faster (lower bound; the hull is O(n log n))")


if __name__ == "__main__":
    main()
