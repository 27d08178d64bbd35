"""Benchmark the Voilà apps in a real browser (Chromium through Playwright), as ``make apps`` serves them.

1. Time from navigation to the first interactive widget, per app, with preheated kernels (apps/voila.json,
   pool of 1 per app) and with Voilà's default (no preheating); median of RUNS, and the ratio, same run.
2. Time from a widget change to its updated output (in-page clock: click → the output's DOM changes), for the
   calculators: median and 95th percentile over CHANGES changes each.
3. SESSIONS browser sessions on one app at once (the workbench if apps/workbench.ipynb exists, else the Red List
   calculator), each setting a distinct value; every session must read back its own value from the kernel.

Run: ``.venv/bin/python benchmarks/bench_apps.py`` (a few minutes on 2 cores). Prints; asserts no timing.
"""

from __future__ import annotations

import os
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
for variable in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR", "MPLCONFIGDIR"):
    os.environ.setdefault(variable, tempfile.mkdtemp(prefix=f"bench-{variable.lower()}-"))
os.environ.setdefault("JUPYTER_PLATFORM_DIRS", "1")

from playwright.sync_api import sync_playwright  # noqa: E402

from tests.apps.helpers import VoilaServer, app_url, launch_chromium, open_app  # noqa: E402

RUNS = 3
CHANGES = 20
SESSIONS = 10
PREHEAT_SETTLE_S = 8.0  # time for a refilled pool kernel to run its notebook (2 busy cores)
APPS = sorted(path.name for path in (ROOT / "apps").glob("*.ipynb"))

# the checkbox clicked (by its label) and a text of the output that must change, per calculator
CHANGE_SPECS = {
    "redlist-calculator.ipynb": ("Leave out records collected before", "Records used"),
    "population-planner.ipynb": ("founder deficit", "Effective size needed"),
    "studbook-analyser.ipynb": ("same location only", "mean_mk"),
}

MEASURE_JS = """
async ([label, outputText]) => {
  const boxes = Array.from(document.querySelectorAll('.widget-checkbox'));
  const box = boxes.find(b => b.innerText.trim().length && (label === null || b.innerText.includes(label)))
             || boxes[0];
  const input = box.querySelector('input');
  const output = Array.from(document.querySelectorAll('.widget-html')).find(e => e.innerText.includes(outputText));
  if (!input || !output) return -1;
  const before = output.innerHTML;
  const t0 = performance.now();
  const changed = new Promise(resolve => {
    const observer = new MutationObserver(() => {
      if (output.innerHTML !== before) { observer.disconnect(); resolve(performance.now() - t0); }
    });
    observer.observe(output, {subtree: true, childList: true, characterData: true, attributes: true});
  });
  input.click();
  return await Promise.race([changed, new Promise(r => setTimeout(() => r(-2), 5000))]);
}
"""


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))  # nearest rank
    return ordered[rank]


def pool_fills(server: VoilaServer, name: str) -> int:
    return len(re.findall(rf"Kernel pool of {re.escape(name)} is filled", server.log_text()))


def start_times(browser, server: VoilaServer) -> dict[str, list[float]]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    if server.preheat:
        server.wait_for_pools(len(APPS))
    open_app(page, server, APPS[0])  # warm the browser cache (the same static files for every app)
    times: dict[str, list[float]] = {}
    for name in APPS:
        for _ in range(RUNS):
            if server.preheat:  # wait for the pool to be refilled after the previous visit
                deadline = time.monotonic() + 60
                while pool_fills(server, name) < 1 + len(times.get(name, [])) + (name == APPS[0]) and \
                        time.monotonic() < deadline:
                    time.sleep(0.2)
                # Voilà logs "filled" once the kernel has started, before it has run the notebook: let it finish
                time.sleep(PREHEAT_SETTLE_S)
            else:
                time.sleep(0.5)
            page.goto("about:blank")
            start = time.perf_counter()
            open_app(page, server, name)
            times.setdefault(name, []).append(time.perf_counter() - start)
    context.close()
    return times


def change_latencies(browser, server: VoilaServer) -> dict[str, list[float]]:
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    results: dict[str, list[float]] = {}
    for name, (label, output) in CHANGE_SPECS.items():
        open_app(page, server, name)
        page.wait_for_timeout(500)
        if name == "studbook-analyser.ipynb":
            page.get_by_text("Pairings", exact=True).click()
        values = [page.evaluate(MEASURE_JS, [label, output]) for _ in range(CHANGES)]
        results[name] = values
    page.context.close()
    return results


def concurrent_sessions(browser, server: VoilaServer) -> tuple[str, int, list[str], float]:
    """Open SESSIONS pages at once, set a distinct value in each, read each back; returns the problems."""
    workbench = "workbench.ipynb" in APPS
    name = "workbench.ipynb" if workbench else "redlist-calculator.ipynb"
    pages = [browser.new_context(viewport={"width": 1280, "height": 900}).new_page() for _ in range(SESSIONS)]
    start = time.perf_counter()
    for page in pages:  # start every navigation before waiting for any
        page.evaluate("url => { window.location.href = url; }", app_url(server, name))
    failed_to_open = []
    for index, page in enumerate(pages):
        try:
            page.locator(".jupyter-widgets.widget-button, .widget-dropdown select").first.wait_for(
                state="visible", timeout=180_000)
        except Exception:  # noqa: BLE001
            failed_to_open.append(index)
            page.screenshot(path=str(Path(tempfile.gettempdir()) / f"bench-session-{index}.png"))
    opened = time.perf_counter() - start
    if failed_to_open:
        print("server log tail:\n" + server.log_text()[-3000:])
        return name, SESSIONS, [f"session {i} did not open" for i in failed_to_open], opened
    expected = {}
    for index, page in enumerate(pages):
        if workbench:
            value = f"Exemplia session{index:02d}"
            page.get_by_placeholder("scientific name").fill(value)
            page.get_by_role("button", name="Start blank").click()
        else:
            value = ["bracket fungus (SYNTHETIC)", "island snail (SYNTHETIC)", "montane shrub (SYNTHETIC)",
                     "springfish (SYNTHETIC)"][index % 4]
            page.locator(".widget-dropdown select").first.select_option(label=value)
        expected[index] = value
    problems = []
    for index, page in enumerate(pages):
        try:
            if workbench:
                taxon = page.locator(".widget-text", has=page.locator("label", has_text=re.compile(r"^Taxon$")))
                page.wait_for_function(
                    "v => Array.from(document.querySelectorAll('.widget-text input')).some(i => i.value === v)",
                    arg=expected[index], timeout=60_000)
                values = [box.input_value() for box in taxon.locator("input").all()]
                if expected[index] not in values:
                    problems.append(f"session {index}: taxon {values} != {expected[index]!r}")
                page.locator(".wb-saved").first.wait_for(timeout=60_000)
                saved = list(server.workbench_dir.glob("*.json"))
                if not any(expected[index] in path.read_text(encoding="utf-8") for path in saved):
                    problems.append(f"session {index}: no autosave holds {expected[index]!r}")
            else:
                page.get_by_text(f"Loaded {expected[index]}").wait_for(timeout=60_000)
        except Exception as error:  # noqa: BLE001 - report every session, not just the first failure
            problems.append(f"session {index}: {type(error).__name__}: {str(error)[:200]}")
    for page in pages:
        page.context.close()
    return name, SESSIONS, problems, opened


def main() -> None:
    only_sessions = "--sessions-only" in sys.argv
    print(f"apps: {', '.join(APPS)}; {RUNS} runs each; Chromium headless; {os.cpu_count()} CPUs")
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        results = {}
        for preheat in () if only_sessions else (True, False):
            with VoilaServer(preheat=preheat, pool_size=1) as server:
                results[preheat] = start_times(browser, server)
                if preheat:
                    latencies = change_latencies(browser, server)
        if only_sessions:
            results, latencies = {True: {}, False: {}}, {}
        print("\n1. navigation → first interactive widget (s, median of runs)")
        print(f"{'app':28s} {'preheated':>10s} {'default':>10s} {'ratio':>7s}   runs preheated / default")
        for name in APPS if not only_sessions else ():
            hot, cold = statistics.median(results[True][name]), statistics.median(results[False][name])
            print(f"{name:28s} {hot:10.2f} {cold:10.2f} {cold / hot:7.1f}   "
                  f"{[round(t, 2) for t in results[True][name]]} / {[round(t, 2) for t in results[False][name]]}")
        print(f"\n2. widget change → updated output (ms, {CHANGES} changes each; in-page clock)")
        for name, values in latencies.items():
            good = [v for v in values if v >= 0]
            print(f"{name:28s} median {statistics.median(good):7.1f}   p95 {percentile(good, 95):7.1f}   "
                  f"max {max(good):7.1f}   failed {len(values) - len(good)}")
        with VoilaServer(preheat=True, pool_size=2) as server:
            name, sessions, problems, opened = concurrent_sessions(browser, server)
        print(f"\n3. {sessions} sessions at once on {name}: all opened in {opened:.1f} s; "
              f"{'nothing lost or mixed' if not problems else 'PROBLEMS:'}")
        for problem in problems:
            print("   ", problem)
        browser.close()


if __name__ == "__main__":
    main()
