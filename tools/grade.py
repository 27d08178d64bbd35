"""Grade learners' submissions: ``make grade SUBMISSIONS=<folder or zip>`` (or ``python tools/grade.py ...``).

Imports every submission (layouts: tools/grader/collect.py), autogrades each one with nbgrader in its own
sandboxed kernel (tools/grader/sandbox.py) on a pool of worker processes, and writes, under ``grades/``:

- ``grades.csv``: learner, assignment, one column per question (its score), total, max, needs_manual_grade
  (questions waiting for a grader), problem (what went wrong, in words) — every assignment graded so far;
- ``<assignment>.csv``: the same, one file per assignment, with only that assignment's questions;
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
import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tools.grader import gradebook, report  # noqa: E402
from tools.grader.collect import Submission, collect  # noqa: E402
from tools.grader.course import assignment_names, load_course_config, prepare_course, source_hash  # noqa: E402
from tools.grader.sandbox import Limits, build_matplotlib_cache, detect_sandbox  # noqa: E402
from tools.grader.pool import run_jobs  # noqa: E402
from tools.grader.worker import Job, Settings  # noqa: E402



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


def _stored_key(path: Path) -> str | None:
    """The hash a stored record was graded from (None if there is no readable record)."""
    try:
        return json.loads(path.read_text())["key"]
    except (OSError, ValueError, KeyError, TypeError):
        return None


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
                             "(?P<assignment>) and (?P<notebook>) (nbgrader's student_id and file_id work too), "
                             "for LMS names the defaults do not cover")
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
    for warning in warnings:  # files that are in no row of the CSV: always shown
        print(f"warning: {warning}", file=sys.stderr)
    mode, reason = detect_sandbox(args.sandbox)
    if mode == "bwrap":
        say(f"sandbox: {mode} ({reason})")
    else:
        print(f"warning: sandbox: {mode} — {reason}", file=sys.stderr)
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
        if not args.force and _stored_key(record_path) == key:
            reused += 1
            continue
        files_of[(submission.learner, submission.assignment)] = submission.files
        jobs.append(Job(submission.learner, submission.assignment, submission.files, submission.problems, key))
    say(f"{len(submissions)} submissions: {len(jobs)} to grade, {reused} unchanged since the last run")

    failures = [0]  # submissions the grader itself could not grade

    def on_result(result: dict[str, Any]) -> None:
        if result.get("grader_error") or any("grader problem" in p or "the grader failed" in p
                                             or "a grading problem" in p or "crashed or hung" in p
                                             for p in result["problems"]):
            failures[0] += 1
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
        try:
            record = json.loads(path.read_text())
        except (OSError, ValueError) as error:
            print(f"warning: skipped the unreadable record {path} ({error})", file=sys.stderr)
            continue
        record = report.apply_hand_grades(record, hand.get((record["learner"], record["assignment"]), {}))
        records.append(record)
        report.write_if_changed(output / "feedback" / record["learner"] / f"{record['assignment']}.html",
                                report.feedback_html(record))
    graded = sorted({r["assignment"] for r in records if r["assignment"] in specs})
    report.write_if_changed(output / "grades.csv",
                            report.build_csv(records, {a: specs[a] for a in graded} if graded else specs))
    for assignment in graded:
        report.write_if_changed(output / f"{assignment}.csv", report.build_csv(
            [r for r in records if r["assignment"] == assignment], {assignment: specs[assignment]}))
    problems = sum(1 for r in records if r["problems"])
    learners = {s.learner for s in submissions}
    notebooks = sum(1 for s in submissions for data in s.files.values() if data is not None)
    print(f"summary: {len(learners)} learners, {notebooks} notebooks found, {len(submissions)} submissions in this "
          f"batch, {len(records)} rows written ({problems} with problems)")
    print(f"grades: {output / 'grades.csv'} (and one CSV per assignment: "
          f"{', '.join(f'{a}.csv' for a in graded) or 'none'}); feedback in {output / 'feedback'}; "
          f"{len(jobs)} graded in {time.monotonic() - started:.0f} s")
    if jobs and failures[0] == len(jobs):
        print("grade: the grader could not grade any submission of this batch (see the problem column); "
              "this is a grading problem, not the learners'", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
