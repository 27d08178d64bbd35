"""Grading speed: 30 submissions of the Step 1 assignment, against plainly executing the same notebook.

    .venv/bin/python benchmarks/bench_grading.py [--submissions 30] [--workers 2] [--assignment 05-decision]

Grading runs each notebook in two sandboxed kernels (the learner's cells in one, the read-only cells and the
tests in the other; tools/grader/boundary.py), so this measures that design's cost too. ``--assignment``
picks another assignment (05-decision calls a learner's function about 80 times from its tests).

Grades with the instructors' machinery (tools/grade.py: checks, nbgrader autograding, sandboxed kernel,
process pool) and compares the time per submission with executing the same filled-in notebook with nbclient
and a plain python3 kernel, one after the other. Uses solutions/01-status-review when it exists, else the
SYNTHETIC demo assignment of the grading tests (and says so). Prints sizes, times and ratios; asserts nothing.
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import sys
import tempfile
import time
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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--submissions", type=int, default=30)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--assignment", default="01-status-review")
    args = parser.parse_args()
    course_root, assignment, note = pick_assignment(args.assignment)
    print(f"assignment: {assignment} ({note})")
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
        plain_run(notebook, work)  # warm the file caches once
        plain = statistics.mean(plain_run(notebook, work) for _ in range(2))

        def jobs(n: int) -> list[Job]:
            made = []
            for i in range(n):
                submission = Submission(f"learner{i:02d}", assignment, {spec.file_name: data})
                made.append(Job(submission.learner, assignment, submission.files, [],
                                job_key(settings, source_hash(course_root, assignment), submission)))
            return made

        results: list[dict] = []
        start = time.perf_counter()
        run_jobs(jobs(args.submissions), settings, specs, args.workers, results.append)
        pooled = time.perf_counter() - start
        serial_n = 2
        start = time.perf_counter()
        run_jobs(jobs(serial_n), settings, specs, 1, lambda r: None)
        serial = (time.perf_counter() - start) / serial_n
    scores = sorted({sum(q["score"] or 0 for q in r["questions"]) for r in results})
    per = pooled / args.submissions
    print(f"sandbox: {mode}; cores used: {args.workers}; course preparation (nbgrader generate): {setup:.1f} s")
    print(f"plain nbclient execution of the filled notebook: {plain:.2f} s (mean of 2, one after another)")
    print(f"grading {args.submissions} submissions on {args.workers} workers: {pooled:.1f} s in all, "
          f"{per:.2f} s per submission (scores seen: {scores})")
    print(f"grading one at a time (in-process, {serial_n} submissions): {serial:.2f} s per submission")
    print(f"ratio grading / plain execution: {per / plain:.2f}x with {args.workers} workers (goal < 1.5x); "
          f"{serial / plain:.2f}x one at a time")


if __name__ == "__main__":
    main()
