"""Grading speed: N submissions of the Step 1 assignment, against plainly executing the same notebooks.

    .venv/bin/python benchmarks/bench_grading.py [--submissions 30] [--workers 2] [--assignment 05-decision]
                                                 [--also-fresh]

Grading runs each notebook in two sandboxed kernels (the learner's cells in one, the read-only cells and the
tests in the other; tools/grader/boundary.py), so this measures that design's cost too. Each worker keeps one
tests' kernel per notebook between submissions (execute.TesterPool); ``--also-fresh`` also grades the same
submissions with a fresh tests' kernel per notebook (``Settings.keep_test_kernels=False``, the design before)
for comparison in the same run. ``--assignment`` picks another assignment (05-decision calls a learner's
function about 80 times from its tests).

Like for like: the same filled-in notebook, N times, (a) executed with nbclient and a plain python3 kernel on
the same number of worker processes, and (b) graded with the instructors' machinery (tools/grade.py: checks,
nbgrader autograding, sandboxed kernels, process pool). Both are timed per submission (wall time of the batch
/ N); the plain batch runs before and after the grading and its mean is the baseline, so that a change in the
machine's load (others share it) hits both. The same is done one submission at a time (1 worker). The load
average is printed with each phase. Uses solutions/01-status-review when it exists, else the SYNTHETIC demo
assignment of the grading tests (and says so). Prints sizes, times and ratios; asserts nothing.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tools.grade import job_key  # noqa: E402
from tools.grader.pool import run_jobs  # noqa: E402
from tools.grader.collect import Submission  # noqa: E402
from tools.grader.course import prepare_course, source_hash  # noqa: E402
from tools.grader.sandbox import build_matplotlib_cache, detect_sandbox  # noqa: E402
from tools.grader.worker import Job, Settings  # noqa: E402

MARKERS = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", re.M)


def pick_assignment(name: str = "01-status-review") -> tuple[Path, str, str]:
    """(course root, assignment, note) — Step 1 of the course, or the demo fixture when it is not written yet."""
    if (ROOT / "solutions" / name).is_dir():
        return ROOT, name, f"solutions/{name}"
    fixture = ROOT / "tests" / "grading" / "fixtures" / "demo-course"
    return fixture, "01-demo", "FALLBACK: solutions/01-status-review does not exist yet; used the demo fixture"


def filled_release(release: Path, source: Path) -> nbformat.NotebookNode:
    """The released notebook with every answer cell filled in from the instructor's solution."""
    answers = {}
    for cell in nbformat.read(source, as_version=4).cells:
        meta = cell.metadata.get("nbgrader", {})
        if meta.get("solution"):
            answers[meta["grade_id"]] = MARKERS.sub("", cell.source)
    notebook = nbformat.read(release, as_version=4)
    for cell in notebook.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell.source = answers[grade_id]
    return notebook


def plain_run(notebook: nbformat.NotebookNode, folder: Path) -> float:
    start = time.perf_counter()
    NotebookClient(nbformat.reads(nbformat.writes(notebook), as_version=4), timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(folder)}}).execute()
    return time.perf_counter() - start


def _plain_task(data: str, folder: str) -> float:
    return plain_run(nbformat.reads(data, as_version=4), Path(folder))


def plain_batch(notebook: nbformat.NotebookNode, n: int, workers: int, folder: Path) -> float:
    """Seconds per notebook to execute ``n`` copies plainly on ``workers`` processes (wall time / n)."""
    start = time.perf_counter()
    if workers <= 1:
        for _ in range(n):
            plain_run(notebook, folder)
    else:
        data = nbformat.writes(notebook)
        with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
            list(pool.map(_plain_task, [data] * n, [str(folder)] * n))
    return (time.perf_counter() - start) / n


def load() -> str:
    return "load average " + " ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--submissions", type=int, default=30)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--serial", type=int, default=2, help="submissions for the one-at-a-time comparison")
    parser.add_argument("--assignment", default="01-status-review")
    parser.add_argument("--also-fresh", action="store_true",
                        help="also grade with a fresh tests' kernel per notebook (the design before)")
    args = parser.parse_args()
    course_root, assignment, note = pick_assignment(args.assignment)
    print(f"assignment: {assignment} ({note}); {os.cpu_count()} cores; {load()}", flush=True)
    with tempfile.TemporaryDirectory(prefix="bench-grading-") as scratch:
        scratch = Path(scratch)
        start = time.perf_counter()
        specs = prepare_course(course_root, scratch / "course", [assignment])
        template = scratch / "template.db"
        shutil.copy(scratch / "course" / "gradebook.db", template)
        mode = detect_sandbox()[0]
        settings = Settings(course_root=course_root, course_dir=scratch / "course", gradebook_template=template,
                            sandbox_mode=mode, hidden=(course_root / "solutions", scratch),
                            readable=(course_root / "data", ROOT / "data"),
                            mpl_cache=build_matplotlib_cache(scratch / "mpl"))
        setup = time.perf_counter() - start
        spec = specs[assignment][0]
        notebook = filled_release(scratch / "course" / "release" / assignment / spec.file_name,
                                  course_root / "solutions" / assignment / spec.file_name)
        data = nbformat.writes(notebook).encode()
        work = scratch / "plain"
        work.mkdir()
        for name in (scratch / "course" / "release" / assignment).iterdir():
            if name.is_file() and name.suffix != ".ipynb":
                shutil.copy(name, work / name.name)
        print(f"sandbox: {mode}; course preparation (nbgrader generate): {setup:.1f} s", flush=True)
        plain_run(notebook, work)  # warm the file caches once

        def jobs(n: int) -> list[Job]:
            made = []
            for i in range(n):
                submission = Submission(f"learner{i:02d}", assignment, {spec.file_name: data})
                made.append(Job(submission.learner, assignment, submission.files, [],
                                job_key(settings, source_hash(course_root, assignment), submission)))
            return made

        def grade(n: int, workers: int, keep: bool) -> tuple[float, list[float]]:
            results: list[dict] = []
            begin = time.perf_counter()
            run_jobs(jobs(n), replace(settings, keep_test_kernels=keep), specs, workers, results.append)
            per = (time.perf_counter() - begin) / n
            return per, sorted({sum(q["score"] or 0 for q in r["questions"]) for r in results})

        n, w = args.submissions, args.workers
        rows = []

        def phase(label: str, seconds: float, extra: str = "") -> float:
            rows.append((label, seconds))
            print(f"  {label:58s} {seconds:6.2f} s per submission{extra}   [{load()}]", flush=True)
            return seconds

        print(f"{n} submissions on {w} workers (wall time / {n}):", flush=True)
        plain_a = phase("plain nbclient (before the grading)", plain_batch(notebook, n, w, work))
        kept, scores = grade(n, w, keep=True)
        phase("grading, tests' kernels kept (make grade)", kept, f" (scores {scores})")
        fresh = None
        if args.also_fresh:
            fresh, scores = grade(n, w, keep=False)
            phase("grading, a fresh tests' kernel per notebook", fresh, f" (scores {scores})")
        plain_b = phase("plain nbclient (after the grading)", plain_batch(notebook, n, w, work))
        plain = (plain_a + plain_b) / 2
        s = args.serial
        print(f"one at a time ({s} submissions, 1 worker, in-process grading):", flush=True)
        serial_plain_a = phase("plain nbclient", plain_batch(notebook, s, 1, work))
        serial_kept, _ = grade(s, 1, keep=True)
        phase("grading, tests' kernels kept", serial_kept)
        serial_plain_b = phase("plain nbclient", plain_batch(notebook, s, 1, work))
        serial_plain = (serial_plain_a + serial_plain_b) / 2
    print(f"ratio grading / plain execution, {w} workers: {kept / plain:.2f}x (goal <= 1.5x)"
          + (f"; with a fresh tests' kernel per notebook: {fresh / plain:.2f}x" if fresh else ""))
    print(f"ratio grading / plain execution, one at a time: {serial_kept / serial_plain:.2f}x "
          "(the first submission of a worker starts its tests' kernel)")


if __name__ == "__main__":
    main()
