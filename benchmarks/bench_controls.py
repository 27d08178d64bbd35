"""Benchmark the slow controls of the workbench, in the kernel: feedback and final result of each change (issue 12).

Goal (issue 12): every control shows **feedback** within 150 ms (p95) and its **final result** within 1 s (p95)
on the 2-core machine. Measured here, in one Python process as a Voilà kernel runs the widgets (as the workbench
builds them: ``draw_in_background=True`` where the code has it), for:

- ``step5 aid weight``: a weight slider of Step 5's optional aid (weighted scoring, its *Weights* tab open), the
  aid opened and drawn; feedback = the ranking table changed, final = the ranking's contributions chart shown
  (the chart on screen beside the sliders; the *Sensitivity* tab's charts are drawn when that tab is open).
- ``step5 aid criterion``: the aid's *Sensitivity* tab open, its criterion dropdown; feedback = the sensitivity
  "updating the charts…" note shown (the code before it had none: then the chart itself), final = the
  sensitivity chart shown.
- ``step4 risk likelihood`` / ``step4 risk consequence``: a risk slider of Step 4 (workbench tab 4); feedback =
  the risk register changed, final = the heat maps shown.
- ``step4 factor rating``: a factor's rating dropdown; feedback = the summary changed, final = the factor chart.

Two ways of changing, CHANGES changes each, every one a setting not seen before (no cached figure):
**one at a time** (the next change after the final result) and **quick succession** (the next change as soon
as the feedback shows, while figures of earlier changes may still be drawn: the drawing thread then competes for
the CPU and the GIL). **Kernel busy** is how long the change's handler holds the kernel (one at a time): a change
the person makes meanwhile waits that long before its own feedback, so it counts against the feedback goal. Times are from setting the control's value to the observed change of the output widget
(the kernel side: the browser adds the websocket round trip, a few ms on loopback; bench_apps.py measures that
in a browser for the calculators). Prints median/p95/max in ms; asserts no timing.

Run: ``.venv/bin/python benchmarks/bench_controls.py [--changes 20] [--only step4]``.
"""

from __future__ import annotations

import argparse
import inspect
import os
import statistics
import threading
import time

from _setup import percentile  # first: paths and temp folders (see benchmarks/_setup.py)

FEEDBACK_GOAL_MS = 150.0
FINAL_GOAL_MS = 1000.0
EXAMPLE = "panamanian-golden-frog"


def _build(function, *args, **kwargs):
    """Call ``function`` with ``draw_in_background=True`` when it takes it (the code before it did not)."""
    if "draw_in_background" in inspect.signature(function).parameters:
        kwargs["draw_in_background"] = True
    return function(*args, **kwargs)


class Watch:
    """Records when widgets' values change (on whatever thread changes them)."""

    def __init__(self, feedback, finals) -> None:
        """``feedback``: a widget, or several (the first change of any); ``finals``: the figures (all change)."""
        self.feedback = feedback if isinstance(feedback, (list, tuple)) else [feedback]
        self.finals = list(finals)
        self.lock = threading.Lock()
        self.reset()
        for widget in self.feedback:
            widget.observe(self._feedback, names="value")
        for index, image in enumerate(self.finals):
            image.observe(lambda change, index=index: self._final(index), names="value")

    def reset(self) -> None:
        with self.lock:
            self.t0 = time.perf_counter()
            self.feedback_at: float | None = None
            self.final_at: dict[int, float] = {}

    def _feedback(self, _change) -> None:
        with self.lock:
            if self.feedback_at is None:
                self.feedback_at = time.perf_counter()

    def _final(self, index: int) -> None:
        with self.lock:
            self.final_at[index] = time.perf_counter()

    def wait_feedback(self, timeout: float = 30.0) -> float:
        end = time.perf_counter() + timeout
        while self.feedback_at is None and time.perf_counter() < end:
            time.sleep(0.001)
        return -1.0 if self.feedback_at is None else (self.feedback_at - self.t0) * 1000

    def wait_final(self, wait, timeout: float = 60.0) -> float:
        """ms to the last figure shown: waits for the drawing thread (``wait``), then for every figure."""
        end = time.perf_counter() + timeout
        wait()
        while len(self.final_at) < len(self.finals) and time.perf_counter() < end:
            time.sleep(0.002)
            wait()
        if len(self.final_at) < len(self.finals):
            return -1.0
        return (max(self.final_at.values()) - self.t0) * 1000


def _aid():
    from exsitu.examples import example_assessment
    from exsitu.widgets.decision import step5_explorer

    parts = _build(step5_explorer, example_assessment(EXAMPLE)).parts
    parts.open_aid()
    aid = parts.aid.parts
    wait = getattr(aid, "wait_for_charts", lambda timeout=60.0: None)
    wait()
    return aid, wait


def step5_aid():
    aid, wait = _aid()
    slider = next(iter(aid.weight_sliders.values()))
    values = iter([round(0.02 + 0.9 * i / 97, 2) for i in range(1, 98)])  # 96 settings not seen before
    watch = Watch(aid.ranking, [aid.contributions])

    seen = {slider.value}

    def change() -> None:
        value = next(values)
        while value in seen:
            value = next(values)
        seen.add(value)
        slider.value = value

    return change, watch, wait


def step5_criterion():
    aid, wait = _aid()
    tabs = getattr(aid, "tabs", None) or aid.container.children[4]
    tabs.selected_index = 2  # the Sensitivity tab
    wait()
    criteria = [c.id for c in aid.decision.criteria]
    sliders = list(aid.weight_sliders.values())
    values = iter([round(0.05 + 0.9 * i / 41, 2) for i in range(1, 42)])
    status = getattr(aid, "charts_status", None)
    watch = Watch([aid.sensitivity_plot] + ([status] if status is not None else []), [aid.sensitivity_plot])

    def change() -> None:
        # a criterion not shown before with these weights: change a weight unmeasured, then the criterion
        sliders[-1].value = next(values)
        wait()
        now = aid.sensitivity_criterion.value
        watch.reset()
        aid.sensitivity_criterion.value = criteria[(criteria.index(now) + 1) % len(criteria)]

    return change, watch, wait


def _step4():
    from exsitu.examples import example_assessment
    from exsitu.widgets.feasibility import feasibility_editor

    parts = _build(feasibility_editor, example_assessment(EXAMPLE).feasibility[0]).parts
    parts.risk.value = next(r.id for r in parts.assessment.risks if r.rated)
    wait = getattr(parts, "wait_for_figures", lambda timeout=60.0: None)
    wait()
    return parts, wait


def step4_risk(which: str):
    def build():
        parts, wait = _step4()
        slider = getattr(parts, which)
        other = parts.consequence if which == "likelihood" else parts.likelihood
        # every (this, other) pair once, then the next risk: settings (risks' ratings) not seen before
        settings = iter([(a, b) for b in range(1, 6) for a in range(1, 6)])
        watch = Watch(parts.register, [parts.heatmap])
        state = {"previous": (slider.value, other.value)}

        def change() -> None:
            value, other_value = next(settings)
            while (value, other_value) == state["previous"] or value == slider.value:
                value, other_value = next(settings)
            if other.value != other_value:  # set the other slider first, unmeasured (its own figures)
                other.value = other_value
                wait()
            watch.reset()
            slider.value = value
            state["previous"] = (value, other_value)

        return change, watch, wait
    return build


def step4_factor():
    parts, wait = _step4()
    rows = parts.factor_rows
    cycle = ["available", "partial", "gap", "unknown"]
    settings = iter([(row, rating) for rating in cycle for row in rows])
    watch = Watch(parts.summary, [parts.factors_chart])

    def change() -> None:
        row, rating = next(settings)
        while row.rating.value == rating:
            row, rating = next(settings)
        watch.reset()
        row.rating.value = rating

    return change, watch, wait


CONTROLS = {
    "step5 aid weight": step5_aid,
    "step5 aid criterion": step5_criterion,
    "step4 risk likelihood": step4_risk("likelihood"),
    "step4 risk consequence": step4_risk("consequence"),
    "step4 factor rating": step4_factor,
}


def measure(build, changes: int) -> dict[str, list[float]]:
    out: dict[str, list[float]] = {"feedback": [], "busy": [], "final": [], "quick feedback": [], "quick final": []}
    change, watch, wait = build()
    for _ in range(changes):  # one at a time
        watch.reset()
        change()
        out["busy"].append((time.perf_counter() - watch.t0) * 1000)  # the kernel can take the next change
        out["feedback"].append(watch.wait_feedback())
        out["final"].append(watch.wait_final(wait))
    wait()
    change, watch, wait = build()  # anew: nothing cached
    for index in range(changes):  # quick succession
        watch.reset()
        change()
        out["quick feedback"].append(watch.wait_feedback())
    out["quick final"].append(watch.wait_final(wait))  # the last change's figures after the burst
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--changes", type=int, default=20)
    parser.add_argument("--only", default="", help="measure only controls whose name contains this")
    options = parser.parse_args()
    changes = max(2, min(options.changes, 40))
    print(f"{changes} changes per control and way; {os.cpu_count()} CPUs; load average "
          f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}; goal: feedback p95 ≤ {FEEDBACK_GOAL_MS:.0f} ms, "
          f"final p95 ≤ {FINAL_GOAL_MS:.0f} ms", flush=True)
    print(f"{'control':24s} {'way':34s} {'median':>8s} {'p95':>8s} {'max':>8s}  goal")
    for name, build in CONTROLS.items():
        if options.only not in name:
            continue
        results = measure(build, changes)
        for what, values in results.items():
            good = [v for v in values if v >= 0]
            if not good:
                print(f"{name:24s} {what:34s} FAILED: nothing seen")
                continue
            goal = FEEDBACK_GOAL_MS if what in ("feedback", "busy", "quick feedback") else FINAL_GOAL_MS
            p95 = percentile(good, 95)
            label = {"feedback": "feedback, one at a time", "busy": "kernel busy (a next change waits)",
                     "final": "final, one at a time",
                     "quick feedback": "feedback, quick succession",
                     "quick final": "final of the last, quick succession"}[what]
            print(f"{name:24s} {label:34s} {statistics.median(good):8.0f} {p95:8.0f} {max(good):8.0f}  "
                  f"{'met' if p95 <= goal else 'MISSED'}{'' if len(good) == len(values) else ' (some failed)'}",
                  flush=True)
    print(f"load average at the end {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
