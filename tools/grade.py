"""Grade learners' submissions: ``make grade SUBMISSIONS=<folder or zip>`` (or ``python tools/grade.py ...``).

Imports every submission (layouts: tools/grader/collect.py), autogrades each one with nbgrader in its own
sandboxed kernel (tools/grader/sandbox.py) on a pool of worker processes, and writes, under ``grades/``:

- ``grades.csv``: learner, assignment, one column per question (its score), total, max, needs_manual_grade
  (questions waiting for a grader), problem (what went wrong, in words);
- ``feedback/<learner>/<assignment>.html``: what each test checked and a hint, never the hidden tests;
- ``records/<learner>/<assignment>.json``: the grading record, with a hash of what was graded;
- ``course/``: an nbgrader course (gradebook, submitted/ and autograded/ notebooks) for the formgrader.

Re-running is incremental and idempotent: a submission whose files (and the assignment's solutions and the
grading settings) hash the same as its record is not graded again, so the same submissions give a
byte-identical CSV, and a new submission from one learner changes only that learner's rows. Records of
learners missing from a later import are kept (delete ``grades/`` to start afresh).
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import json
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, Callable

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tools.grader import gradebook, report  # noqa: E402
from tools.grader.checks import NotebookSpec  # noqa: E402
from tools.grader.collect import Submission, collect  # noqa: E402
from tools.grader.course import assignment_names, load_course_config, prepare_course, source_hash  # noqa: E402
from tools.grader.sandbox import Limits, build_matplotlib_cache, detect_sandbox  # noqa: E402
from tools.grader.worker import Grader, Job, Settings, grade_job, init_worker  # noqa: E402

MAX_ATTEMPTS = 2


def job_key(settings: Settings, source: str, submission: Submission) -> str:
    """What a grading result depends on: grader settings, the assignment's solutions, the submitted bytes."""
    digest = hashlib.sha256()
    digest.update(f"{settings.fingerprint()}|{source}|".encode())
    for name in sorted(submission.files):
        data = submission.files[name]
        digest.update(name.encode() + b"=" + (hashlib.sha256(data).hexdigest().encode() if data is not None
                                              else b"missing") + b";")
    digest.update(json.dumps(submission.problems).encode())
    return digest.hexdigest()


def failed_result(job: Job, specs: dict[str, list[NotebookSpec]], reason: str) -> dict[str, Any]:
    """A record for a submission the grader itself could not finish: zero, with the reason."""
    questions = [{"id": q.grade_id, "notebook": spec.file_name, "kind": q.kind, "score": 0.0, "max": q.points,
                  "status": "not graded", "message": reason}
                 for spec in specs[job.assignment] for q in spec.questions]
    return {"learner": job.learner, "assignment": job.assignment, "key": job.key, "questions": questions,
            "problems": [*job.problems, reason], "autograded": {}}


def _kill_pool(pool: ProcessPoolExecutor) -> None:
    for process in list(getattr(pool, "_processes", {}).values()):
        try:
            process.kill()
        except (OSError, AttributeError):
            pass
    pool.shutdown(wait=False, cancel_futures=True)


def _tracked(task: Callable[[Job], dict[str, Any]], marker: Path, job: Job) -> dict[str, Any]:
    """Run a job in a worker, leaving a marker file first: after a crash it tells which jobs were running."""
    marker.touch()
    return task(job)


def _pool_round(jobs: dict[int, Job], workers: int, settings: Settings, specs: dict[str, list[NotebookSpec]],
                on_result: Callable[[dict[str, Any]], None], task: Callable[[Job], dict[str, Any]],
                initializer: Callable[..., None], stall_limit: float, markers: Path) -> tuple[bool, set[int]]:
    """Run jobs on one pool until done or broken; returns (broken, the jobs that were running then)."""
    for index in jobs:
        (markers / str(index)).unlink(missing_ok=True)
    context = multiprocessing.get_context("spawn")
    pool = ProcessPoolExecutor(max_workers=min(workers, len(jobs)), mp_context=context,
                               initializer=initializer, initargs=(settings, specs))
    futures = {pool.submit(_tracked, task, markers / str(index), job): index for index, job in jobs.items()}
    waiting, broken, progress = set(futures), False, time.monotonic()
    while waiting and not broken:
        done, waiting = wait(waiting, timeout=min(10.0, stall_limit), return_when=FIRST_COMPLETED)
        for future in done:
            index = futures[future]
            try:
                result = future.result()
            except BrokenProcessPool:
                broken = True
                continue
            except Exception as error:  # noqa: BLE001
                result = failed_result(jobs[index], specs, f"the grader failed on this submission ({error!r})")
            on_result(result)
            jobs.pop(index)
            progress = time.monotonic()
        if not done and time.monotonic() - progress > stall_limit:
            broken = True
    if not broken:
        pool.shutdown(wait=True)
        return False, set()
    _kill_pool(pool)
    return True, {index for index in jobs if (markers / str(index)).exists()}


def run_jobs(jobs: list[Job], settings: Settings, specs: dict[str, list[NotebookSpec]], workers: int,
             on_result: Callable[[dict[str, Any]], None], task: Callable[[Job], dict[str, Any]] = grade_job,
             initializer: Callable[..., None] = init_worker, stall_grace: float = 180.0) -> None:
    """Grade jobs on ``workers`` processes; one submission that crashes or hangs its worker loses no other grade.

    When a worker process dies or the pool makes no progress for the longest notebook time limit plus
    ``stall_grace`` seconds, the pool is killed. The jobs that were running then are suspects: each is graded
    again alone, and if it breaks its worker a second time it gets a "look at it by hand" record. The other
    jobs go on in a new pool. ``task`` and ``initializer`` run in the workers (tests replace them).
    """
    if not jobs:
        return
    if workers <= 1 or len(jobs) == 1:
        grader = Grader(settings, specs)
        try:
            for job in jobs:
                try:
                    on_result(grader.grade(job))
                except Exception as error:  # noqa: BLE001
                    on_result(failed_result(job, specs, f"the grader failed on this submission ({error!r})"))
        finally:
            grader.close()
        return
    most_notebooks = max(len(v) for v in specs.values())
    stall_limit = settings.notebook_timeout * most_notebooks + stall_grace
    index_of = {(job.learner, job.assignment): i for i, job in enumerate(jobs)}
    finished: set[int] = set()
    suspects: set[int] = set()

    def record(result: dict[str, Any]) -> None:
        finished.add(index_of[(result["learner"], result["assignment"])])
        on_result(result)

    with tempfile.TemporaryDirectory(prefix="exsitu-pool-") as markers:
        while len(finished) < len(jobs):
            normal = {i: job for i, job in enumerate(jobs) if i not in finished and i not in suspects}
            if normal:
                broken, running = _pool_round(dict(normal), workers, settings, specs, record, task, initializer,
                                              stall_limit, Path(markers))
                if broken:  # no job running means the pool itself failed: suspect them all
                    suspects |= running or {i for i in normal if i not in finished}
                continue
            index = min(suspects)
            suspects.discard(index)
            broken, _ = _pool_round({index: jobs[index]}, 1, settings, specs, record, task, initializer,
                                    stall_limit, Path(markers))
            if broken:
                record(failed_result(jobs[index], specs, "the grading process crashed or hung twice while this "
                                                         "submission was being graded; look at it by hand"))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("submissions", type=Path, help="folder of submissions, or a zip exported from an LMS")
    parser.add_argument("--course-root", type=Path, default=ROOT,
                        help="course folder holding solutions/ and nbgrader_config.py (default: this repository)")
    parser.add_argument("--output", type=Path, default=None, help="where grades go (default: <course-root>/grades)")
    parser.add_argument("--workers", type=int, default=min(2, os.cpu_count() or 1),
                        help="submissions graded in parallel (default: 2)")
    parser.add_argument("--timeout", type=int, default=None,
                        help="seconds per cell (default: Execute.timeout of nbgrader_config.py, else 60)")
    parser.add_argument("--notebook-timeout", type=float, default=600.0, help="seconds per notebook (default 600)")
    defaults = Limits()
    parser.add_argument("--memory-mb", type=int, default=defaults.memory_mb, help="kernel memory limit")
    parser.add_argument("--cpu-seconds", type=int, default=defaults.cpu_seconds, help="kernel CPU-time limit")
    parser.add_argument("--processes", type=int, default=defaults.processes, help="kernel process limit")
    parser.add_argument("--file-size-mb", type=int, default=defaults.file_size_mb, help="largest file a kernel writes")
    parser.add_argument("--sandbox", default="auto", choices=["auto", "bwrap", "unshare", "none"],
                        help="kernel isolation (default: the strongest that works; see tools/grader/sandbox.py)")
    parser.add_argument("--pattern", default=None,
                        help="regular expression over each file's path with groups (?P<learner>) and optionally "
                             "(?P<assignment>) and (?P<notebook>), for LMS names the defaults do not cover")
    parser.add_argument("--force", action="store_true", help="grade every submission again, even if unchanged")
    parser.add_argument("--quiet", action="store_true", help="print only the summary")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    course_root = args.course_root.resolve()
    output = (args.output or course_root / "grades").resolve()
    say = (lambda *a: None) if args.quiet else (lambda *a: print(*a, flush=True))
    names = assignment_names(course_root)
    if not names:
        print(f"grade: no assignments in {course_root / 'solutions'} (one folder of notebooks per assignment)",
              file=sys.stderr)
        return 2
    if not args.submissions.exists():
        print(f"grade: SUBMISSIONS={args.submissions} does not exist; give a folder or a zip of submissions",
              file=sys.stderr)
        return 2
    output.mkdir(parents=True, exist_ok=True)
    lock = open(output / ".lock", "w")  # noqa: SIM115 — held for the whole run
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        print(f"grade: another grading run is using {output}; wait for it to finish", file=sys.stderr)
        return 2

    started = time.monotonic()
    course_dir = output / "course"
    specs = prepare_course(course_root, course_dir, names)
    try:
        submissions, warnings = collect(args.submissions, specs, args.pattern)
    except ValueError as error:
        print(f"grade: {error}", file=sys.stderr)
        return 2
    for warning in warnings:
        say(f"warning: {warning}")
    mode, reason = detect_sandbox(args.sandbox)
    say(f"sandbox: {mode} ({reason})")
    config = load_course_config(course_root)
    timeout = args.timeout or int(config.get("Execute", {}).get("timeout", 60) or 60)
    template = output / ".cache" / "gradebook-template.db"
    template.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(course_dir / "gradebook.db", template)
    hidden = (course_root / "solutions", output, args.submissions.resolve(), ROOT / "solutions", ROOT / "tests")
    settings = Settings(
        course_root=course_root, course_dir=course_dir, gradebook_template=template, sandbox_mode=mode,
        limits=Limits(memory_mb=args.memory_mb, cpu_seconds=args.cpu_seconds, processes=args.processes,
                      file_size_mb=args.file_size_mb),
        cell_timeout=timeout, notebook_timeout=args.notebook_timeout, hidden=hidden,
        readable=(course_root / "data", ROOT / "data"),
        mpl_cache=build_matplotlib_cache(output / ".cache" / "matplotlib")
        if not (output / ".cache" / "matplotlib").exists() else output / ".cache" / "matplotlib")

    sources = {name: source_hash(course_root, name) for name in names}
    records_dir = output / "records"
    jobs: list[Job] = []
    files_of: dict[tuple[str, str], dict[str, bytes | None]] = {}
    reused = 0
    for submission in submissions:
        key = job_key(settings, sources[submission.assignment], submission)
        record_path = records_dir / submission.learner / f"{submission.assignment}.json"
        if not args.force and record_path.exists() and json.loads(record_path.read_text())["key"] == key:
            reused += 1
            continue
        files_of[(submission.learner, submission.assignment)] = submission.files
        jobs.append(Job(submission.learner, submission.assignment, submission.files, submission.problems, key))
    say(f"{len(submissions)} submissions: {len(jobs)} to grade, {reused} unchanged since the last run")

    def on_result(result: dict[str, Any]) -> None:
        record = {k: result[k] for k in ("key", "learner", "assignment", "questions", "problems")}
        path = records_dir / result["learner"] / f"{result['assignment']}.json"
        report.write_if_changed(path, json.dumps(record, indent=1, sort_keys=True, ensure_ascii=False) + "\n")
        try:
            gradebook.store(course_dir, result, files_of[(result["learner"], result["assignment"])])
        except Exception as error:  # noqa: BLE001 — the CSV and feedback do not depend on it
            print(f"warning: could not store {result['learner']}/{result['assignment']} in the formgrader "
                  f"gradebook ({error!r})", file=sys.stderr)
        total, maximum, _ = report.totals(record)
        say(f"graded {result['learner']}/{result['assignment']}: {report.fmt(total)}/{report.fmt(maximum)}"
            + (f" — {len(record['problems'])} problem(s)" if record["problems"] else ""))

    run_jobs(jobs, settings, specs, args.workers, on_result)

    hand = gradebook.hand_grades(course_dir)
    records = []
    for path in sorted(records_dir.glob("*/*.json")):
        record = json.loads(path.read_text())
        record = report.apply_hand_grades(record, hand.get((record["learner"], record["assignment"]), {}))
        records.append(record)
        report.write_if_changed(output / "feedback" / record["learner"] / f"{record['assignment']}.html",
                                report.feedback_html(record))
    report.write_if_changed(output / "grades.csv", report.build_csv(records, specs))
    problems = sum(1 for r in records if r["problems"])
    print(f"grades: {output / 'grades.csv'} ({len(records)} rows, {problems} with problems); feedback in "
          f"{output / 'feedback'}; {len(jobs)} graded in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
