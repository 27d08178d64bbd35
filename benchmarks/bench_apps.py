"""Benchmark the Voilà apps in a real browser (Chromium through Playwright), as ``make apps`` serves them.

1. Time from navigation to the first interactive widget, per app, with preheated kernels (apps/voila.json,
   pool of 1 per app) and with Voilà's default (no preheating); median of RUNS, and the ratio, same run.
2. Time from a widget change to its updated output (in-page clock: click → the output's DOM changes), for the
   calculators: median and 95th percentile over CHANGES changes each, clicked one after the other (the next
   click as soon as the output changed, so a change can wait for the kernel to finish the previous one). The
   first change is also shown on its own (nothing cached yet). For the calculators that redraw a figure next to
   the output: FIGURE_CHANGES changes one at a time on a newly opened app, each timed to the output and to the
   figure's new image.
3. SESSIONS browser sessions on one app at once (the workbench if apps/workbench.ipynb exists, else the Red List
   calculator), each setting a distinct value; every session must read back its own value from the kernel.
   Every wait has a timeout: a session that times out is printed as a failure line, and a watchdog ends the
   benchmark (with what it has) if part 3 as a whole takes longer than SESSIONS_DEADLINE_S.

Run: ``.venv/bin/python benchmarks/bench_apps.py`` (a few minutes on 2 cores). ``--changes-only`` runs part 2
alone (on a fresh preheated server), ``--sessions-only`` part 3 alone. Prints; asserts no timing.
"""

from __future__ import annotations

import os
import re
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from _setup import APPS, ROOT, percentile  # first: paths and temp folders (see benchmarks/_setup.py)
from playwright.sync_api import sync_playwright

from tests.apps.helpers import VoilaServer, app_url, launch_chromium, open_app

RUNS = 3
CHANGES = 20
FIGURE_CHANGES = 6
SESSIONS = 10
PREHEAT_SETTLE_S = 8.0  # time for a refilled pool kernel to run its notebook (2 busy cores)
WAIT_MS = 60_000  # longest wait for one page action or output in part 3
SESSIONS_DEADLINE_S = 600.0  # part 3 as a whole; then the watchdog ends the benchmark

# the checkbox clicked (by its label), a text of the output that must change, and whether a figure (an Image
# widget in the same box as that output) is redrawn too, per calculator
CHANGE_SPECS = {
    "redlist-calculator.ipynb": ("Leave out records collected before", "Records used", True),
    "population-planner.ipynb": ("founder deficit", "Effective size needed", True),
    "studbook-analyser.ipynb": ("same location only", "mean_mk", False),
}

# Clicks the checkbox and resolves with the ms until the output's DOM changed (-1: not found, -2: no change in 5 s)
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

# The same click, then also waits for the figure next to the output (an Image widget in the same box) to get a
# new image: resolves with [ms to the output, ms to the figure] (-1: not found, -2: no change in 10 s).
MEASURE_FIGURE_JS = """
async ([label, outputText]) => {
  const boxes = Array.from(document.querySelectorAll('.widget-checkbox'));
  const box = boxes.find(b => b.innerText.trim().length && b.innerText.includes(label)) || boxes[0];
  const input = box.querySelector('input');
  const output = Array.from(document.querySelectorAll('.widget-html')).find(e => e.innerText.includes(outputText));
  const image = output && output.parentElement.querySelector('img.widget-image, .widget-image img');
  if (!input || !output || !image) return [-1, -1];
  const before = output.innerHTML;
  const t0 = performance.now();
  const wait = (node, options, test) => Promise.race([
    new Promise(resolve => {
      const observer = new MutationObserver(() => {
        if (test()) { observer.disconnect(); resolve(performance.now() - t0); }
      });
      observer.observe(node, options);
    }),
    new Promise(r => setTimeout(() => r(-2), 10000))]);
  const beforeSrc = image.getAttribute('src');
  const text = wait(output, {subtree: true, childList: true, characterData: true, attributes: true},
                    () => output.innerHTML !== before);
  const figure = wait(image, {attributes: true, attributeFilter: ['src']},
                      () => image.getAttribute('src') !== beforeSrc);
  input.click();
  return [await text, await figure];
}
"""


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


def change_latencies(browser, server: VoilaServer) -> tuple[dict[str, list[float]], dict[str, list[list[float]]]]:
    """Per calculator: the output's delay after each of CHANGES clicks made one after the other (ms); and, for
    those with a figure, [output, figure] delays of FIGURE_CHANGES clicks made one at a time on a newly opened
    app (the first with nothing cached, the later ones going back and forth between settings seen)."""
    page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.set_default_timeout(WAIT_MS)
    results: dict[str, list[float]] = {}
    figures: dict[str, list[list[float]]] = {}
    for name, (label, output, figure) in CHANGE_SPECS.items():
        open_app(page, server, name)
        page.wait_for_timeout(500)
        if name == "studbook-analyser.ipynb":
            page.get_by_text("Pairings", exact=True).click()
        results[name] = [page.evaluate(MEASURE_JS, [label, output]) for _ in range(CHANGES)]
        if figure:
            page.goto("about:blank")
            open_app(page, server, name)  # a new kernel: nothing drawn or cached yet
            page.wait_for_timeout(500)
            figures[name] = []
            for _ in range(FIGURE_CHANGES):
                figures[name].append(page.evaluate(MEASURE_FIGURE_JS, [label, output]))
                page.wait_for_timeout(300)
    page.context.close()
    return results, figures


def concurrent_sessions(browser, server: VoilaServer) -> tuple[str, int, list[str], float]:
    """Open SESSIONS pages at once, set a distinct value in each, read each back; returns the problems.

    Every page action and wait has a timeout (WAIT_MS, or 180 s for opening under load): a session that times
    out is reported as a problem, and the other sessions are still checked.
    """
    workbench = "workbench.ipynb" in APPS
    name = "workbench.ipynb" if workbench else "redlist-calculator.ipynb"
    pages = []
    for _ in range(SESSIONS):
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.set_default_timeout(WAIT_MS)
        context.set_default_navigation_timeout(180_000)
        pages.append(context.new_page())
    problems: dict[int, str] = {}

    def fail(index: int, what: str, error: Exception) -> None:
        problems.setdefault(index, f"session {index}: {what}: {type(error).__name__}: {str(error)[:200]}")

    start = time.perf_counter()
    url = app_url(server, name)
    for index, page in enumerate(pages):  # start every navigation before waiting for any
        try:  # (wait_for_function, unlike evaluate, honours a timeout; the navigation starts after it returns)
            page.wait_for_function("url => { setTimeout(() => { window.location.href = url; }, 0); return true; }",
                                   arg=url, timeout=WAIT_MS)
        except Exception as error:  # noqa: BLE001 - report every session, not just the first failure
            fail(index, "navigation did not start", error)
    for index, page in enumerate(pages):
        if index in problems:
            continue
        try:
            page.locator(".jupyter-widgets.widget-button, .widget-dropdown select").first.wait_for(
                state="visible", timeout=180_000)
        except Exception as error:  # noqa: BLE001
            fail(index, "did not open", error)
            try:
                page.screenshot(path=str(Path(tempfile.gettempdir()) / f"bench-session-{index}.png"), timeout=WAIT_MS)
            except Exception:  # noqa: BLE001 - the screenshot is only a help
                pass
    opened = time.perf_counter() - start
    if problems:
        print("server log tail:\n" + server.log_text()[-3000:])
    expected = {}
    for index, page in enumerate(pages):
        if index in problems:
            continue
        try:
            if workbench:
                value = f"Exemplia session{index:02d}"
                page.get_by_placeholder("scientific name").fill(value, timeout=WAIT_MS)
                page.get_by_role("button", name="Start blank").click(timeout=WAIT_MS)
            else:
                value = ["bracket fungus (SYNTHETIC)", "island snail (SYNTHETIC)", "montane shrub (SYNTHETIC)",
                         "springfish (SYNTHETIC)"][index % 4]
                page.locator(".widget-dropdown select").first.select_option(label=value, timeout=WAIT_MS)
            expected[index] = value
        except Exception as error:  # noqa: BLE001
            fail(index, "could not set its value", error)
    for index, page in enumerate(pages):
        if index not in expected:
            continue
        try:
            if workbench:
                taxon = page.locator(".widget-text", has=page.locator("label", has_text=re.compile(r"^Taxon$")))
                page.wait_for_function(
                    "v => Array.from(document.querySelectorAll('.widget-text input')).some(i => i.value === v)",
                    arg=expected[index], timeout=WAIT_MS)
                values = [box.input_value(timeout=WAIT_MS) for box in taxon.locator("input").all()]
                if expected[index] not in values:
                    problems[index] = f"session {index}: taxon {values} != {expected[index]!r}"
                    continue
                page.locator(".wb-saved").first.wait_for(timeout=WAIT_MS)
                from exsitu.workshop import open_store

                store = open_store(f"sqlite:///{server.workshop_db}")
                solo = page.locator("code.wb-id").first.inner_text(timeout=WAIT_MS).strip()
                if solo == "new" or expected[index] not in store.load_solo(solo)[0].taxon:
                    problems[index] = f"session {index}: no autosave holds {expected[index]!r}"
            else:
                page.get_by_text(f"Loaded {expected[index]}").wait_for(timeout=WAIT_MS)
        except Exception as error:  # noqa: BLE001 - report every session, not just the first failure
            fail(index, "did not read back its value", error)
    for page in pages:
        try:
            page.context.close()
        except Exception:  # noqa: BLE001 - closing is best effort
            pass
    return name, SESSIONS, [problems[index] for index in sorted(problems)], opened


class Watchdog:
    """Ends the benchmark if ``seconds`` pass before :meth:`cancel`: prints ``what`` timed out as a failure line,
    stops the Voilà server (its process group) and exits with status 1, so that a hung wait cannot hang the run."""

    def __init__(self, seconds: float, what: str, server: VoilaServer) -> None:
        self.what, self.server = what, server
        self.timer = threading.Timer(seconds, self._expire)
        self.timer.daemon = True
        self.timer.start()

    def _expire(self) -> None:
        print(f"\n    FAILED: {self.what} did not finish within {self.timer.interval:.0f} s (timed out); "
              "benchmark ended", flush=True)
        try:
            os.killpg(self.server.process.pid, 15)  # the server was started in a session of its own
        except OSError:
            pass
        os._exit(1)

    def cancel(self) -> None:
        self.timer.cancel()


def print_changes(latencies: dict[str, list[float]], figures: dict[str, list[list[float]]]) -> None:
    print(f"\n2. widget change → updated output (ms, {CHANGES} changes each, one after the other; in-page clock)")
    for name, values in latencies.items():
        good = [v for v in values if v >= 0]
        if not good:
            print(f"{name:28s} FAILED: no change seen ({values})")
            continue
        first = f"{values[0]:7.1f}" if values[0] >= 0 else "   fail"
        print(f"{name:28s} median {statistics.median(good):7.1f}   p95 {percentile(good, 95):7.1f}   "
              f"max {max(good):7.1f}   first {first}   failed {len(values) - len(good)}")
        print(f"{'':28s} each: {' '.join(f'{v:.0f}' for v in values)}")
    if figures:
        print(f"\n   and with its figure, {FIGURE_CHANGES} changes one at a time on a newly opened app "
              "(ms: output / figure; the first with nothing cached, then settings seen before)")
    for name, pairs in figures.items():
        shown = "  ".join(f"{text:.0f}/{figure:.0f}" for text, figure in pairs)
        failed = sum(1 for text, figure in pairs if text < 0 or figure < 0)
        print(f"{name:28s} {shown}   failed {failed}")


def main() -> None:
    only_sessions = "--sessions-only" in sys.argv
    only_changes = "--changes-only" in sys.argv
    print(f"apps: {', '.join(APPS)}; {RUNS} runs each; Chromium headless; {os.cpu_count()} CPUs; "
          f"load average {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        results: dict[bool, dict[str, list[float]]] = {True: {}, False: {}}
        latencies: dict[str, list[float]] = {}
        figures: dict[str, list[list[float]]] = {}
        if only_changes:
            with VoilaServer(preheat=True, pool_size=1) as server:
                server.wait_for_pools(len(APPS))
                latencies, figures = change_latencies(browser, server)
        elif not only_sessions:
            for preheat in (True, False):
                with VoilaServer(preheat=preheat, pool_size=1) as server:
                    results[preheat] = start_times(browser, server)
                    if preheat:
                        latencies, figures = change_latencies(browser, server)
        if results[True]:
            print("\n1. navigation → first interactive widget (s, median of runs)")
            print(f"{'app':28s} {'preheated':>10s} {'default':>10s} {'ratio':>7s}   runs preheated / default")
            for name in APPS:
                hot, cold = statistics.median(results[True][name]), statistics.median(results[False][name])
                print(f"{name:28s} {hot:10.2f} {cold:10.2f} {cold / hot:7.1f}   "
                      f"{[round(t, 2) for t in results[True][name]]} / "
                      f"{[round(t, 2) for t in results[False][name]]}")
        if latencies:
            print_changes(latencies, figures)
        if not only_changes:
            with VoilaServer(preheat=True, pool_size=2) as server:
                watchdog = Watchdog(SESSIONS_DEADLINE_S, f"part 3 ({SESSIONS} sessions at once)", server)
                name, sessions, problems, opened = concurrent_sessions(browser, server)
                watchdog.cancel()
            opened_text = "all opened" if not problems else f"{sessions - len(problems)} of {sessions} fine,"
            print(f"\n3. {sessions} sessions at once on {name}: {opened_text} in {opened:.1f} s; "
                  f"{'nothing lost or mixed' if not problems else f'PROBLEMS ({len(problems)} sessions):'}")
            for problem in problems:
                print("   ", problem)
        print(f"\nload average at the end {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
        browser.close()


if __name__ == "__main__":
    main()
