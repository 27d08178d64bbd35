"""Benchmark: a facilitator and PAGES participants in real browser pages; how long a submitted judgement takes
to reach the facilitator's page (goal: within 2 s), and the participant's own feedback.

Serves the apps as ``make apps`` does (exsitu.serve, preheated kernels unless ``--no-preheat``), with a workshop
store of its own (a SQLite file in a temporary folder). One workshop with one working group of PAGES people
(SYNTHETIC names) whose assessment carries the golden frog case's Step 5 options. The facilitator's page
(``apps/facilitator.ipynb``) shows the group's judgements live. Each participant joins from the group's link in
a page of its own, opens Step 5, scores every option on every criterion and submits; then, for each, the time
from the click on *Submit my judgement* to

- **own page**: the participant's page says it was submitted (``.jd-submitted``);
- **facilitator**: the facilitator's page shows that participant's reason in the group's summary.

Submissions go one after another (``--together`` releases them all at once instead). Prints the median, p95
and max in seconds; asserts no timing. Bounded: every wait ends after TIMEOUT_S.

Two clocks. *As the driver sees it*: from just before Playwright's click to its ``wait_for`` returning; the waits
go in order (participant 1's own page, then the facilitator's, then participant 2's …) and every Playwright
call is a round trip to a busy browser, so with ``--together`` a late participant's time includes the waits
for the earlier ones. *In the pages*: each page records with ``Date.now()`` (one clock on one machine) when the
button's click event fired and when a mutation first showed ``.jd-submitted``, the facilitator's page when each
participant's reason first appeared in ``.jd-summary`` (:data:`PAGE_CLOCK`); this is what a person sees.

Run: ``.venv/bin/python benchmarks/bench_workshop_pages.py [--pages 10] [--together] [--no-preheat]``.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
for variable in ("JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "IPYTHONDIR", "MPLCONFIGDIR"):
    os.environ.setdefault(variable, tempfile.mkdtemp(prefix=f"bench-{variable.lower()}-"))
os.environ.setdefault("JUPYTER_PLATFORM_DIRS", "1")

import numpy as np  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from tests.apps.helpers import VoilaServer, app_url, launch_chromium  # noqa: E402

TIMEOUT_S = 300.0
GOAL_S = 2.0


PAGE_CLOCK = r"""
window.__exsituBench = {clicks: [], submitted: null, seen: {}};
document.addEventListener("click", (event) => {
  const button = event.target && event.target.closest ? event.target.closest("button") : null;
  if (button && button.textContent.includes("Submit my judgement")) window.__exsituBench.clicks.push(Date.now());
}, true);
const exsituBenchObserver = new MutationObserver(() => {
  const bench = window.__exsituBench;
  if (bench.submitted === null && document.querySelector(".jd-submitted")) bench.submitted = Date.now();
  for (const summary of document.querySelectorAll(".jd-summary")) {
    for (const match of summary.textContent.matchAll(/reason of participant (\d+)/g)) {
      if (!(match[1] in bench.seen)) bench.seen[match[1]] = Date.now();
    }
  }
});
document.addEventListener("DOMContentLoaded", () => exsituBenchObserver.observe(
  document.body, {childList: true, subtree: true, characterData: true}));
"""
"""Recorded in every page: when *Submit my judgement* was clicked, when ``.jd-submitted`` showed, and when each
participant's reason showed in a ``.jd-summary`` (milliseconds of the machine's clock)."""


def _page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    context.add_init_script(PAGE_CLOCK)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_S * 1000)
    return page


def _quantiles(values: list[float]) -> str:
    if not values:
        return "no values"
    data = np.asarray(values)
    return (f"median {np.median(data):.2f} s, p95 {np.percentile(data, 95):.2f} s, max {data.max():.2f} s "
            f"({int((data <= GOAL_S).sum())} of {len(data)} within {GOAL_S:g} s)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=10)
    parser.add_argument("--together", action="store_true", help="every participant submits at the same moment")
    parser.add_argument("--no-preheat", action="store_true")
    options = parser.parse_args()
    pages = max(1, min(options.pages, 30))  # bounded
    print(f"{pages} participant pages + 1 facilitator page; preheat {'off' if options.no_preheat else 'on'}; "
          f"{os.cpu_count()} CPUs; load average {', '.join(f'{x:.2f}' for x in os.getloadavg())}", flush=True)

    from exsitu.examples import example_assessment
    from exsitu.widgets.workshop import build_query
    from exsitu.workshop import open_store

    folder = Path(tempfile.mkdtemp(prefix="bench-workshop-pages-"))
    database = folder / "workshop.sqlite3"
    store = open_store(f"sqlite:///{database}")
    workshop = store.create_workshop("Benchmark ECA (SYNTHETIC)", "Atelopus zeteki", "2026-12-03", ["Group A"])
    group = store.groups(workshop.join_code)[0]
    _blank, version = store.load_assessment(workshop.join_code, group.id)
    store.save_assessment(workshop.join_code, group.id, example_assessment("panamanian-golden-frog"), version,
                          "facilitator", "the case")
    env = {"EXSITU_WORKBENCH_DIR": str(folder), "EXSITU_WORKSHOP_DB": str(database)}
    with VoilaServer(preheat=not options.no_preheat, env=env, startup_timeout=180) as server, \
            sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        start = time.perf_counter()
        facilitator = _page(browser)
        facilitator.goto(app_url(server, "facilitator.ipynb"), wait_until="commit")
        facilitator.get_by_text("Open a workshop (facilitator key)").click()
        facilitator.get_by_placeholder("the key shown when it was created").fill(workshop.facilitator_key)
        facilitator.get_by_role("button", name="Open the workshop").click()
        facilitator.locator("tr.fc-group", has_text="Group A").wait_for()
        link = app_url(server, "workbench.ipynb") + "?" + build_query(workshop=workshop.join_code, group=group.id,
                                                                      step=5)
        people = [_page(browser) for _ in range(pages)]
        for page in people:  # every page starts loading before any is waited for
            page.evaluate("url => { setTimeout(() => { window.location.href = url; }, 0); }", link)
        for number, page in enumerate(people, start=1):
            page.get_by_role("button", name="Join the group").wait_for()
            page.locator(".widget-text", has=page.locator("label", has_text="Your name")).locator("input") \
                .first.fill(f"Participant {number} (SYNTHETIC)")
            page.get_by_role("button", name="Join the group").click()
            page.get_by_text(f"as Participant {number} (SYNTHETIC).").wait_for()
            page.locator(".jd-score").first.wait_for()
            for box in page.locator(".jd-score input").all():
                box.fill(str((number * 3) % 11))
            page.get_by_placeholder("why you judge it so (required)").fill(f"reason of participant {number}")
        print(f"ready: {pages} participants joined, Step 5 open, in {time.perf_counter() - start:.1f} s",
              flush=True)

        own, seen = [], []
        clicked: dict[int, float] = {}
        order = list(enumerate(people, start=1))
        if options.together:
            for number, page in order:
                clicked[number] = time.perf_counter()
                page.get_by_role("button", name="Submit my judgement").click(no_wait_after=True)
        for number, page in order:
            if not options.together:
                clicked[number] = time.perf_counter()
                page.get_by_role("button", name="Submit my judgement").click(no_wait_after=True)
            page.locator(".jd-submitted").wait_for()
            own.append(time.perf_counter() - clicked[number])
            facilitator.locator(".jd-summary", has_text=f"reason of participant {number}").wait_for()
            seen.append(time.perf_counter() - clicked[number])
        print("as the driver sees it (Playwright's click to its wait_for returning):")
        print(f"  own page says submitted: {_quantiles(own)}")
        print(f"  on the facilitator's page: {_quantiles(seen)}")
        shown = facilitator.evaluate("() => window.__exsituBench.seen")
        own_page, facilitator_page = [], []
        for number, page in order:
            times = page.evaluate("() => window.__exsituBench")
            if not times["clicks"]:
                continue
            click = times["clicks"][-1]
            if times["submitted"] is not None:
                own_page.append((times["submitted"] - click) / 1000)
            if str(number) in shown:
                facilitator_page.append((shown[str(number)] - click) / 1000)
        print("in the pages (the click event to the change on screen, Date.now() in each page):")
        print(f"  own page says submitted: {_quantiles(own_page)}")
        print(f"  on the facilitator's page: {_quantiles(facilitator_page)}")
        stored = store.judgements(workshop.join_code, group.id, "step5")
        print(f"store: {len(stored)} current judgements (expected {pages})")
        browser.close()
    print(f"load average at the end {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
