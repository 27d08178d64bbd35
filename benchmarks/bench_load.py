"""Load test of the served apps on loopback: PAGES participants open the workbench at once in one Chromium.

Serves the apps as ``make apps`` does (exsitu.serve, apps/voila.json, pool of POOL per app, the per-address cap
off since every page comes from 127.0.0.1), opens PAGES pages of the workbench at once, checks that every page
shows its widgets (a page that does not within TIMEOUT_S is a blank page), closes them, and checks that the
kernel count comes back to the pools' size. Reports time to open, blank pages, peak kernels and peak memory
(server + kernels, resident), and memory per participant.

Run: ``.venv/bin/python benchmarks/bench_load.py [--pages 30] [--no-preheat] [--app workbench.ipynb]``.
Bounded: at most TIMEOUT_S for the opens and LEAVE_S for the kernels to stop. Prints; asserts no timing.
"""

from __future__ import annotations

import argparse
import os

from _setup import APPS  # first: paths and temp folders (see benchmarks/_setup.py)
from playwright.sync_api import sync_playwright

from tests.apps.helpers import VoilaServer, launch_chromium, open_many, wait_for_kernels

POOL = 2
TIMEOUT_S = 600.0
LEAVE_S = 120.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=30)
    parser.add_argument("--app", default="workbench.ipynb")
    parser.add_argument("--no-preheat", action="store_true")
    options = parser.parse_args()
    pages = max(1, min(options.pages, 60))  # bounded
    print(f"{pages} pages of {options.app} at once; preheat {'off' if options.no_preheat else f'on, pool {POOL}'}; "
          f"{os.cpu_count()} CPUs; load average {', '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)
    with VoilaServer(preheat=not options.no_preheat, pool_size=POOL, startup_timeout=180) as server:
        pool = 0
        if not options.no_preheat:
            server.wait_for_pools(len(APPS), timeout=300)
            pool = POOL * len(APPS)
        settled, _, before = wait_for_kernels(server, pool, 180)
        idle_mb = server.kernel_memory_mb()
        idle_cpu = server.kernel_cpu_seconds()
        print(f"idle: {before} kernels, {idle_mb:.0f} MB (server + kernels)", flush=True)
        with sync_playwright() as playwright:
            browser = launch_chromium(playwright)
            result = open_many(browser, server, options.app, pages, timeout_s=TIMEOUT_S)
            browser.close()
        back, waited, after = wait_for_kernels(server, pool, LEAVE_S)
        print(f"opened: {pages - len(result['blank'])} of {pages} pages showed their widgets in "
              f"{result['opened']:.1f} s; blank: {len(result['blank'])}")
        for index, reason in sorted(result["blank"].items()):
            print(f"    page {index}: {reason}")
        per_page = (result["peak_memory_mb"] - idle_mb) / pages
        print(f"peak: {result['peak_kernels']} kernels, {result['peak_memory_mb']:.0f} MB "
              f"(≈ {per_page:.0f} MB per participant above idle)")
        cpu = (result["kernel_cpu_seconds"] - idle_cpu) / pages
        print(f"CPU: ≈ {cpu:.1f} CPU-seconds per participant to open the app (kernels' CPU time, pool refills "
              "included)")
        print(f"after they left: {after} kernels ({'back to the pool size' if back else 'NOT back'} "
              f"{pool} after {waited:.0f} s)")
        problems = [line for line in server.log_text().splitlines() if "Traceback" in line or "ERROR" in line]
        print(f"server log: {len(problems)} error lines")
        if problems:
            lines = server.log_text().splitlines()
            first = next(i for i, line in enumerate(lines) if "Traceback" in line or "ERROR" in line)
            print("\n".join("    " + line[:200] for line in lines[max(0, first - 2):first + 20]))
    print(f"load average at the end {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
