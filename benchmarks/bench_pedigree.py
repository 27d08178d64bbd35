"""Benchmark: studbook analysis (exsitu.pedigree) on SYNTHETIC pedigrees.

    .venv/bin/python benchmarks/bench_pedigree.py

1. Kinship matrix, F and MK of a 5,000-individual, 20-generation studbook (goal: under 0.2 s, peak memory
   under 2 × the 200 MB matrix). Compared with a straightforward pure-Python tabular method run here on a
   smaller studbook, extrapolated to 5,000 by N² (its cost grows with the number of pairs).
2. F and MK of a 100,000-individual pedigree with 5,000 living, without the full matrix (goal: under 5 s and
   1 GB). The pure-Python tabular method would need the 100,000² matrix; its time is extrapolated by N².
3. The studbook analyser (the app's widget) loading a 100,000-row studbook with 30,000 living (2.3 MB CSV):
   summary, mk table, charts, founder representation and the best pairs (goal: ≤ 5 s and ≤ 1 GB peak memory
   of the whole process, measured in a fresh process). Before the sparse pairing search it died allocating
   the 30,000² kinship matrix of the living (about 7 GB).

Prints sizes, times and ratios; asserts nothing. Times are wall-clock on this machine (shared cores, so they
vary by ±30 %). The first touch of never-used memory is slow on a fresh virtual machine; a separate process
measures that first, and the first call is reported as well as the best of three.
"""

from __future__ import annotations

import subprocess
import sys
import time
import tracemalloc

import numpy as np

from exsitu.pedigree import (inbreeding, kinship_matrix, mean_kinship, read_studbook, synthetic_studbook)
from exsitu import kinship as kinship_module
from exsitu.kinship import _meuwissen_luo

_ANALYSER_RUN = """
import resource, sys, time
from exsitu.pedigree import synthetic_studbook
from exsitu.widgets.population import studbook_analyser
content = synthetic_studbook(100_000, 20, n_living=30_000, seed=3)[["id", "sire", "dam", "sex", "alive"]].to_csv(
    index=False).encode()
parts = studbook_analyser().parts
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
start = time.perf_counter()
ok = parts.load(content, "big.csv")
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{ok} {len(content) / 1e6:.2f} {seconds:.2f} {before:.0f} {peak:.0f} {len(parts.pairings)}")
"""


def tabular_pure_python(sire: list[int], dam: list[int]) -> list[list[float]]:
    """The recursive tabular method in plain Python (lower triangle, parents before offspring)."""
    K: list[list[float]] = []

    def f(a: int, b: int) -> float:
        if a < 0 or b < 0:
            return 0.0
        return K[a][b] if b <= a else K[b][a]

    for i in range(len(sire)):
        s, d = sire[i], dam[i]
        row = [0.0] * (i + 1)
        for j in range(i):
            row[j] = 0.5 * (f(s, j) + f(d, j))
        row[i] = 0.5 * (1.0 + f(s, d))
        K.append(row)
    return K


def timed(function, *args, repeat: int = 1):
    best, result = float("inf"), None
    for _ in range(repeat):
        result = None  # free the previous result first, as a program computing repeatedly would
        start = time.perf_counter()
        result = function(*args)
        best = min(best, time.perf_counter() - start)
    return best, result


def dense_pipeline(ped, living):
    """kinship_matrix, then F (2·diagonal − 1) and MK (mean over the living columns, as K·x) from it."""
    K = kinship_matrix(ped)  # rows and columns in studbook row order
    values = K.to_numpy()
    F = 2.0 * np.diagonal(values) - 1.0
    rank = np.empty(len(ped), dtype=np.int64)
    rank[ped.row_order] = np.arange(len(ped))
    rows = np.sort(rank[living])  # the living (pedigree positions) as rows of K, in studbook order
    x = np.zeros(len(ped))
    x[rows] = 1.0 / rows.size
    mk = (values @ x)[rows]
    return K, F, mk


def peak_bytes(function, *args):
    tracemalloc.start()
    tracemalloc.reset_peak()
    result = function(*args)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak, result


FRESH_FILL = """
import time, numpy as np
start = time.perf_counter(); a = np.ones(({n} + 1, {n})); first = time.perf_counter() - start; del a
start = time.perf_counter(); a = np.ones(({n} + 1, {n})); second = time.perf_counter() - start
print(first, second)
"""


def fresh_fill_seconds(n: int) -> tuple[float, float]:
    """In a new Python process: time to fill an (n+1)×n float array, first and second time."""
    output = subprocess.run([sys.executable, "-c", FRESH_FILL.format(n=n)], capture_output=True, text=True,
                            check=True).stdout.split()
    return float(output[0]), float(output[1])


def main() -> None:
    print("=== 1. kinship matrix, F and MK: 5,000 individuals, 20 generations (SYNTHETIC) ===")
    table = synthetic_studbook(5000, 20, seed=1)
    ped = read_studbook(table)
    living = np.flatnonzero(ped.alive)
    n = len(ped)
    print(f"studbook: {n} individuals, {int(ped.is_founder.sum())} founders, 20 generations of 3 overlapping "
          f"cohorts (pedigree depth {int(ped.generation.max()) + 1}), {living.size} living")
    matrix_bytes = 8 * n * n
    first_fill, second_fill = fresh_fill_seconds(n)
    print(f"machine check: a new process filling a {matrix_bytes / 1e6:.0f} MB array with np.ones took "
          f"{first_fill:.3f} s the first time, {second_fill:.3f} s the second (on a fresh virtual machine the first "
          f"touch of never-used memory is slow; any method that writes the matrix pays it once)")
    cold = timed(dense_pipeline, ped, living)[0]
    warm, (K, F, mk) = timed(dense_pipeline, ped, living, repeat=3)
    del K
    peak = peak_bytes(dense_pipeline, ped, living)[0]
    print(f"dense kinship matrix + F + MK: first call {cold:.3f} s, best of 3 {warm:.3f} s (goal < 0.2 s); "
          f"peak traced memory {peak / 1e6:.0f} MB = {peak / matrix_bytes:.2f} × the {matrix_bytes / 1e6:.0f} MB "
          f"matrix (goal < 2×)")
    t_f, F_auto = timed(inbreeding, ped, repeat=3)
    t_mk, mk_auto = timed(mean_kinship, ped, None, repeat=3)
    print(f"public inbreeding(ped) [auto → pruned]: {t_f:.4f} s; mean_kinship(ped) [auto → Colleau]: {t_mk:.4f} s; "
          f"max |difference| from the dense route: F {np.abs(F_auto.to_numpy() - F).max():.1e}, "
          f"MK {np.abs(mk_auto.to_numpy() - mk).max():.1e}")
    t_ml, F_ml = timed(_meuwissen_luo, ped)
    print(f"pure-Python Meuwissen–Luo F (same process, full size): {t_ml:.2f} s "
          f"= {t_ml / t_f:.0f} × the pruned route; max |difference| {np.abs(F_ml[ped.row_order] - F).max():.1e}")

    small_n = 1500
    small = read_studbook(synthetic_studbook(small_n, 20, seed=1))
    t_py, K_py = timed(tabular_pure_python, small.sire.tolist(), small.dam.tolist())
    t_np, (K_small, _, _) = timed(dense_pipeline, small, np.flatnonzero(small.alive), repeat=3)
    values = K_small.loc[small.ids, small.ids].to_numpy()  # K_py is in pedigree order
    check = max(abs(values[i, j] - K_py[i][j]) for i in range(0, small_n, 37) for j in range(i + 1))
    extrapolated = t_py * (n / small_n) ** 2
    print(f"pure-Python tabular method, N = {small_n} (run here): {t_py:.2f} s vs numpy {t_np:.4f} s "
          f"→ ratio {t_py / t_np:.0f}× (max |difference| {check:.1e})")
    print(f"pure-Python tabular extrapolated to N = {n} by N²: ≈ {extrapolated:.0f} s → ratio ≈ "
          f"{extrapolated / warm:.0f}× the warm dense run")

    print()
    print("=== 2. F and MK without the full matrix: 100,000 individuals, 5,000 living (SYNTHETIC) ===")
    big_table = synthetic_studbook(100_000, 20, n_living=5000, seed=2)
    t_read, big = timed(read_studbook, big_table)
    big_n = len(big)
    print(f"pedigree: {big_n} individuals, {int(big.is_founder.sum())} founders, pedigree depth "
          f"{int(big.generation.max()) + 1}, {int(big.alive.sum())} living (read and checked in {t_read:.2f} s)")

    def matrix_free():
        kinship_module._SPARSE_F.clear()  # F is kept per pedigree; measure the computation itself
        return inbreeding(big, method="pruned"), mean_kinship(big, method="colleau")

    cold = timed(matrix_free)[0]
    warm, (F_big, mk_big) = timed(matrix_free, repeat=3)
    peak = peak_bytes(matrix_free)[0]
    print(f"F (pruned tabular) + MK (Colleau): cold {cold:.2f} s, warm {warm:.2f} s (goal < 5 s); peak traced "
          f"memory {peak / 1e6:.0f} MB (goal < 1 GB; the full matrix would be {8 * big_n**2 / 1e9:.0f} GB)")
    print(f"mean F {F_big.mean():.4f} (max {F_big.max():.3f}); population MK {mk_big.mean():.5f}, "
          f"GD {1 - mk_big.mean():.5f}")
    kinship_module._SPARSE_F.clear()
    t_f_only, _ = timed(lambda: (kinship_module._SPARSE_F.clear(), inbreeding(big, "pruned")))
    print(f"of which F alone: {t_f_only:.2f} s; MK then reuses it (F is kept per pedigree)")
    stress = read_studbook(synthetic_studbook(100_000, 20, n_living=5000, breeding_fraction=1.0, litter_size=1.5,
                                              seed=2))
    t_stress, (F_stress, _) = timed(lambda: (inbreeding(stress, method="pruned"),
                                             mean_kinship(stress, method="colleau")))
    peak_stress = peak_bytes(lambda: inbreeding(stress, method="pruned"))[0]
    print(f"stress variant (every individual breeds, ~1.5 offspring per pair, so many more parents are 'open' at "
          f"once): F + MK {t_stress:.2f} s, peak traced memory of F {peak_stress / 1e6:.0f} MB")
    extrapolated = t_py * (big_n / small_n) ** 2
    print(f"pure-Python tabular extrapolated to N = {big_n} by N²: ≈ {extrapolated / 3600:.1f} h and "
          f"≈ {big_n**2 / 2 * 8 / 1e9:.0f} GB for the half matrix of floats alone (not run) → ratio ≈ "
          f"{extrapolated / warm:,.0f}×")

    print()
    print("=== 3. The studbook analyser: 100,000 rows, 30,000 living (SYNTHETIC), in a fresh process ===")
    for run in range(2):
        out = subprocess.run([sys.executable, "-c", _ANALYSER_RUN], capture_output=True, text=True, check=True)
        ok, size, seconds, before, peak, pairs = out.stdout.split()
        print(f"run {run + 1}: loaded={ok}, {size} MB CSV, load {seconds} s (goal ≤ 5 s); process peak memory "
              f"{peak} MB, {before} MB before loading (goal ≤ 1 GB); {pairs} best pairs listed")


if __name__ == "__main__":
    main()
