"""Grade one learner's submission of one assignment: checks, nbgrader's autograding pipeline, a result dict.

A :class:`Grader` lives in one worker process and grades many submissions, one after the other, in its own
temporary nbgrader course (a copy of the prepared gradebook), calling nbgrader's preprocessors in-process:

- sanitising: ClearOutput, DeduplicateIds, OverwriteKernelspec, OverwriteCells (restores read-only and test
  cells, and the hidden tests, from the gradebook), CheckCellMetadata;
- autograding: SafeExecute (nbgrader's Execute in a sandboxed kernel), IgnorePattern, LimitOutput,
  SaveAutoGrades (nbgrader's scoring rules), CheckCellMetadata.

Anything that goes wrong with one notebook is caught and reported in the result; nothing is raised.
"""

from __future__ import annotations

import copy
import re
import shutil
import tempfile
import traceback
import warnings
from pathlib import Path
from typing import Any

import nbformat
from traitlets.config import Config

from tools.grader import boundary
from tools.grader.checks import KIND_LABEL, NotebookSpec, check_notebook
from tools.grader.execute import KERNEL_DIED, NOT_RUN, SafeExecute, TesterPool
from tools.grader.jobs import Job, Limits, Settings
from tools.grader.sandbox import Sandbox

def _clean(text: str, replacements: dict[str, str]) -> str:
    """One line of an error message, without temporary paths or memory addresses (so the CSV is stable)."""
    for old, new in replacements.items():
        if old:
            text = text.replace(old, new)
    text = re.sub(r"0x[0-9a-fA-F]{6,}", "0x…", text)
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= 200 else line[:197] + "..."


def _limit_hint(ename: str, evalue: str, limits: Limits) -> str:
    if ename == "MemoryError":
        return f" (the {limits.memory_mb} MB memory limit)"
    if ename == "StdinNotImplementedError":
        return " (input() gets no answer while grading: write the value in the code instead)"
    if ename == "BlockingIOError" or "Resource temporarily unavailable" in evalue:
        return f" (the limit of {limits.processes} processes)"
    if "File too large" in evalue:
        return f" (the {limits.file_size_mb} MB file-size limit)"
    if "No space left" in evalue:
        return f" (the {limits.scratch_mb} MB scratch space)"
    if "Network is unreachable" in evalue or ename in ("gaierror", "URLError") or "Name or service" in evalue \
            or "Temporary failure in name resolution" in evalue:
        return " (no network while grading)"
    if ename in ("PermissionError", "FileNotFoundError", "OSError", "IsADirectoryError") and (
            "Read-only" in evalue or "Permission denied" in evalue or "/" in evalue):
        return " (grading sandbox: code may only use its own folder)"
    return ""


def _first_error(cell: nbformat.NotebookNode) -> dict[str, str] | None:
    for output in cell.get("outputs", []):
        if output.get("output_type") == "error":
            return {"ename": output.get("ename", ""), "evalue": output.get("evalue", "")}
    return None


def _stderr(cell: nbformat.NotebookNode) -> str | None:
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream" and output.get("name") == "stderr":
            return output.get("text", "")
    return None


def feedback_for_test(cell: nbformat.NotebookNode | None, passed: bool, replacements: dict[str, str],
                      timeout: int, unanswered: str | None = None, earlier: list[str] | None = None) -> str:
    """What the learner is told about one test cell: the assertion's message, never the hidden test's code.

    ``unanswered``: the answer cell just above the test, when it is still the blank exercise; ``earlier``: the
    answer cells above it that are blank or stopped with an error (a name a test needs may come from them).
    """
    if cell is None:
        return "not graded: the notebook could not be graded"
    if passed:
        return "passed"
    error = _first_error(cell)
    if unanswered and (error is None or error["ename"] in ("NameError", "NotImplementedError")):
        return f"not answered yet: {unanswered} is still the blank exercise"
    if error is None:
        err = _stderr(cell)
        if err is not None:
            return ("the test printed to stderr (a warning or error message), which nbgrader counts as a failure: "
                    + _clean(err, replacements))
        return "partial credit"
    ename, evalue = error["ename"], _clean(error["evalue"], replacements)
    if ename == "AssertionError":
        return evalue or "a hidden check failed (the test gives no hint)"
    if ename == NOT_RUN:
        return evalue
    if ename == KERNEL_DIED:
        return evalue
    if ename == "CellTimeoutError":
        return f"the test ran past the {timeout} s time limit"
    if ename == "NotImplementedError":
        return "not answered yet: the answer cell still raises NotImplementedError"
    if ename == "NameError" and earlier:
        return (f"{ename}: {evalue} — it may come from an earlier exercise that is blank or stopped with an error: "
                f"{', '.join(earlier)}")
    if ename == "NameError":
        return f"{ename}: {evalue} — run the answer cell above (and every cell before it) without errors"
    return f"{ename}: {evalue}"


class Grader:
    """Grades submissions in a private temporary nbgrader course; one per worker process."""

    def __init__(self, settings: Settings, specs: dict[str, list[NotebookSpec]]):
        from tools.grader.course import course_config, use_fast_gradebook_creation

        use_fast_gradebook_creation()
        self.settings = settings
        self.specs = specs
        self.scratch = Path(tempfile.mkdtemp(prefix="exsitu-grader-", dir=settings.scratch_root))
        self.db = self.scratch / "gradebook.db"
        shutil.copy(settings.gradebook_template, self.db)
        self.db_url = f"sqlite:///{self.db}"
        self.config: Config = course_config(settings.course_root, self.scratch)
        self.config.CourseDirectory.db_url = self.db_url
        self.config.Execute.timeout = settings.cell_timeout
        self.config.Execute.interrupt_on_timeout = True
        self.config.SafeExecute.notebook_timeout = settings.notebook_timeout
        self.config.SafeExecute.interrupt_grace = float(min(10, max(3, settings.cell_timeout // 2)))
        self.config.LimitOutput.max_lines = 1000
        self.sandbox = Sandbox(mode=settings.sandbox_mode, limits=settings.limits,
                               hidden=(*settings.hidden, self.scratch), mpl_cache=settings.mpl_cache,
                               readable=settings.readable)
        # the tests' kernel runs under a user id of its own (a learner's fork bomb cannot starve it)
        self.test_sandbox = copy.copy(self.sandbox)
        if self.sandbox.uid is not None:
            self.test_sandbox.uid = self.sandbox.uid + 50_000_000
        rlimits = settings.limits.rlimits(0)
        self.testers = TesterPool(self.scratch / "testers", cpu_seconds=rlimits["RLIMIT_CPU"][0],
                                  memory_bytes=rlimits["RLIMIT_AS"][0])
        self.count = 0

    def close(self) -> None:
        try:
            self.testers.close()
        finally:
            shutil.rmtree(self.scratch, ignore_errors=True)

    # -- one submission ----------------------------------------------------------------------------
    def grade(self, job: Job) -> dict[str, Any]:
        """Grade one submission; always returns a result (problems say what went wrong)."""
        from nbgrader.api import Gradebook, MissingEntry

        self.count += 1
        workroot = self.scratch / "work" / f"{self.count:05d}"
        specs = self.specs[job.assignment]
        others = [s for a, notebooks in self.specs.items() if a != job.assignment for s in notebooks]
        result: dict[str, Any] = {"learner": job.learner, "assignment": job.assignment, "key": job.key,
                                  "questions": [], "problems": list(job.problems), "autograded": {}}
        with Gradebook(self.db_url) as gb, warnings.catch_warnings():
            warnings.simplefilter("ignore")  # SQLAlchemy's autoflush notes while nbgrader builds a submission
            gb.update_or_create_student(job.learner)
            try:
                gb.remove_submission(job.assignment, job.learner)
            except MissingEntry:
                pass
            gb.add_submission(job.assignment, job.learner)
        try:
            for spec in specs:
                self._grade_notebook(job, spec, others, workroot / spec.name, result)
        finally:
            shutil.rmtree(workroot, ignore_errors=True)
        return result

    def _grade_notebook(self, job: Job, spec: NotebookSpec, others: list[NotebookSpec], workdir: Path,
                        result: dict[str, Any]) -> None:
        check = check_notebook(job.files.get(spec.file_name), spec, others)
        result["problems"] += check.problems
        executed = None
        events: list[dict[str, Any]] = []
        replacements = {str(workdir): ".", str(self.scratch): "<grader>"}
        if check.notebook is not None:
            try:
                executed, events = self._autograde(job, spec, check.notebook, workdir)
                result["autograded"][spec.file_name] = nbformat.writes(executed)
            except Exception as error:  # noqa: BLE001 — report it; never lose the other notebooks
                detail = _clean(f"{type(error).__name__}: {error}", replacements)
                result["problems"].append(f"{spec.file_name} could not be autograded ({detail}); "
                                          "this is a grader problem — please report it")
                result["grader_error"] = traceback.format_exc()
                executed = None
        else:
            result["problems"].append(check.fatal)
        scores = self._scores(job, spec, failed=executed is None)
        result["questions"] += self._questions(spec, executed, check.origins if executed is not None else [],
                                               scores, replacements, check.fatal, check.answered)
        if executed is not None:
            result["problems"] += self._execution_problems(spec, executed, check.origins, check.answered,
                                                           events, replacements)
        if check.notebook is not None:
            result["problems"] += tampering_problems(spec, check.notebook, check.origins)

    def _autograde(self, job: Job, spec: NotebookSpec, notebook: nbformat.NotebookNode,
                   workdir: Path) -> tuple[nbformat.NotebookNode, list[dict[str, Any]]]:
        from nbgrader.preprocessors import (CheckCellMetadata, ClearOutput, DeduplicateIds, IgnorePattern,
                                            LimitOutput, OverwriteCells, OverwriteKernelspec, SaveAutoGrades)

        workdir.mkdir(parents=True)
        release = self.settings.course_dir / "release" / job.assignment
        files = []
        for path in sorted(release.rglob("*")):
            if path.is_file() and path.suffix != ".ipynb" and path.parent == release:
                shutil.copy(path, workdir / path.name)
                files.append(path.name)
        nbformat.write(notebook, workdir / spec.file_name)  # what the kernel may see: no hidden tests
        files.append(spec.file_name)
        resources = {"nbgrader": {"db_url": self.db_url, "assignment": job.assignment, "notebook": spec.name,
                                  "student": job.learner},
                     "metadata": {"path": str(workdir)}}
        nb = copy.deepcopy(notebook)
        for cls in (ClearOutput, DeduplicateIds, OverwriteKernelspec, OverwriteCells, CheckCellMetadata):
            nb, resources = cls(config=self.config)(nb, resources)
        executor = SafeExecute(config=self.config, sandbox=self.sandbox, files=files, test_sandbox=self.test_sandbox,
                               tester_pool=self.testers if self.settings.keep_test_kernels else None)
        nb, resources = executor(nb, resources)
        for cls in (IgnorePattern, LimitOutput, SaveAutoGrades, CheckCellMetadata):
            nb, resources = cls(config=self.config)(nb, resources)
        return nb, executor.events

    def _scores(self, job: Job, spec: NotebookSpec, failed: bool) -> dict[str, dict[str, Any]]:
        """Scores from the gradebook; a notebook that could not be graded scores 0 everywhere."""
        from nbgrader.api import Gradebook

        scores = {}
        with Gradebook(self.db_url) as gb:
            submitted = gb.find_submission_notebook(spec.name, job.assignment, job.learner)
            for grade in submitted.grades:
                if failed:
                    grade.auto_score = 0.0
                    grade.needs_manual_grade = False
                scores[grade.name] = {"auto": grade.auto_score, "max": float(grade.max_score),
                                      "pending": bool(grade.needs_manual_grade)}
            gb.db.commit()
        return scores

    def _questions(self, spec: NotebookSpec, executed: nbformat.NotebookNode | None, origins: list[str | None],
                   scores: dict[str, dict[str, Any]], replacements: dict[str, str],
                   fatal: str | None, answered: set[str] = frozenset()) -> list[dict[str, Any]]:
        cells, unanswered, last_answer = {}, {}, None
        broken: list[str] = []  # answer cells so far that are blank or stopped with an error
        earlier: dict[str, list[str]] = {}
        if executed is not None:
            for cell, origin in zip(executed.cells, origins):
                if origin is None:
                    continue
                cells[origin] = cell
                kind = spec.cell(origin).kind
                if kind == "answer":
                    if origin not in answered or _first_error(cell) is not None:
                        broken.append(f"answer cell {origin}")
                    last_answer = origin
                elif kind == "test":
                    if last_answer is not None and last_answer not in answered:
                        unanswered[origin] = f"answer cell {last_answer}"
                    earlier[origin] = list(broken)
                    last_answer = None
        questions = []
        for release in spec.questions:
            score = scores.get(release.grade_id, {"auto": 0.0, "max": release.points, "pending": False})
            pending = bool(score["pending"]) and executed is not None
            value = None if pending else float(score["auto"] or 0.0)
            if fatal:
                status, message = "not graded", fatal
            elif release.kind == "test":
                passed = value == release.points
                status = "passed" if passed else ("partial" if value else "failed")
                message = feedback_for_test(cells.get(release.grade_id), passed, replacements,
                                            self.settings.cell_timeout, unanswered.get(release.grade_id),
                                            earlier.get(release.grade_id))
            elif pending:
                status, message = "waiting for a grader", "graded by hand: waiting for a grader"
            else:
                status, message = "not answered", "no answer was given"
            questions.append({"id": release.grade_id, "notebook": spec.file_name, "kind": release.kind,
                              "score": value, "max": release.points, "status": status, "message": message})
        return questions

    def _execution_problems(self, spec: NotebookSpec, executed: nbformat.NotebookNode, origins: list[str | None],
                            answered: set[str], events: list[dict[str, Any]],
                            replacements: dict[str, str]) -> list[str]:
        def label(index: int) -> str:
            if index < 0 or index >= len(origins):
                return f"{spec.file_name} (before any cell ran)"
            origin = origins[index]
            if origin is None:
                return f"an added cell (cell {index + 1} of {spec.file_name})"
            return f"{KIND_LABEL[spec.cell(origin).kind]} {origin}"

        problems = []
        reported = set()
        restarted = {e["cell"] for e in events if e["kind"] == "restarted"}
        fresh = ("; the cells after it ran in a fresh kernel (the read-only cells and the answers above it were "
                 "run again first)")
        for event in events:
            index, kind, detail = event["cell"], event["kind"], _clean(event["detail"], replacements)
            reported.add(index)
            if kind == "timeout":
                problems.append(f"{label(index)} ran past the {self.settings.cell_timeout} s time limit "
                                "and was stopped")
            elif kind == "unresponsive":
                problems.append(f"{label(index)} ran past the {self.settings.cell_timeout} s time limit and did "
                                "not stop when interrupted; its kernel was killed" + (
                                    fresh if index in restarted else
                                    ", and the cells after it were not run and score 0"))
            elif kind == "kernel_died":
                problems.append(f"the kernel died in {label(index)}: {detail}" + (
                    fresh if index in restarted else "; the cells after it were not run and score 0"))
            elif kind == "output_truncated":
                problems.append(f"{label(index)} printed {detail}; the output was cut")
            elif kind == "notebook_timeout":
                problems.append(f"{spec.file_name} ran past its whole-notebook time limit; the cells from "
                                f"{label(index)} on were not run")
            elif kind == "kernel_failed":
                problems.append(f"the grader could not run {spec.file_name}: {detail} — a grading problem, "
                                "not the learner's; grade it again")
            elif kind == "tampering":
                problems.append(f"possible tampering: before {label(index)} the learner's code changed {detail} "
                                "(the tests ran in a separate kernel and were not affected)")
            elif kind == "transfer_failed":
                problems.append(f"the grader could not read the learner's values for {label(index)}: {detail}")
            elif kind == "test_kernel_died":
                problems.append(f"the tests' kernel died in {label(index)}: {detail}; it was started again for "
                                "the tests after it")
        for index, (cell, origin) in enumerate(zip(executed.cells, origins)):
            if index in reported or cell.cell_type != "code":
                continue
            kind = spec.cell(origin).kind if origin else "added"
            if kind in ("answer", "manual_code") and origin not in answered:
                continue  # an unanswered exercise raising NotImplementedError: the score says it all
            if kind not in ("answer", "added", "manual_code", "locked"):
                continue
            error = _first_error(cell)
            if error is None or error["ename"] in (NOT_RUN, KERNEL_DIED, "CellTimeoutError"):
                continue
            evalue = _clean(error["evalue"], replacements)
            text = f"{error['ename']}: {evalue}" if evalue else error["ename"]
            problems.append(f"{label(index)} raised {text}"
                            f"{_limit_hint(error['ename'], error['evalue'], self.settings.limits)}")
        return problems


def tampering_problems(spec: NotebookSpec, notebook: nbformat.NotebookNode, origins: list[str | None]) -> list[str]:
    """What in the learner's cells looks like tampering with grading (read from the code; see boundary.py)."""
    cells = [(spec.cell(o).kind if o else "added", c.source) for c, o in zip(notebook.cells, origins)
             if c.cell_type == "code"]
    protected = boundary.protected_names(cells)
    exsitu_names = boundary.exsitu_imports(cells)
    problems = []
    for cell, origin in zip(notebook.cells, origins):
        kind = spec.cell(origin).kind if origin else "added"
        if cell.cell_type != "code" or kind not in ("answer", "added", "manual_code"):
            continue
        where = spec.cell(origin).label if origin else "an added cell"
        found = boundary.static_tampering(cell.source, protected, exsitu_names)
        if found:
            problems.append(f"possible tampering: {where} {'; '.join(found)} (the tests ran in a separate kernel "
                            "and were not affected)")
    return problems


_GRADER: Grader | None = None


def init_worker(settings: Settings, specs: dict[str, list[NotebookSpec]]) -> None:
    """Process-pool initializer: one Grader (temporary course, sandbox) per worker process."""
    import signal
    from multiprocessing.util import Finalize

    global _GRADER
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is handled by the main process
    _GRADER = Grader(settings, specs)
    Finalize(_GRADER, _GRADER.close, exitpriority=10)  # worker processes end without running atexit


def grade_job(job: Job) -> dict[str, Any]:
    assert _GRADER is not None, "init_worker was not called"
    return _GRADER.grade(job)
