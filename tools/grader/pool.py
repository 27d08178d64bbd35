"""Grade jobs on a pool of worker processes so that no submission can stop the batch or lose another's grade.

Workers are started with "spawn" (a clean interpreter each: no inherited ZeroMQ state). A job whose worker
process dies (or hangs) is graded again alone; only if it breaks its worker then too does it get a record
saying so. Every other job is graded normally.
"""

from __future__ import annotations

import multiprocessing
import tempfile
import time
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:  # the heavy nbgrader imports stay out of this module: workers of tests import it
    from tools.grader.checks import NotebookSpec
    from tools.grader.jobs import Job, Settings

STARTUP_GRACE = 120.0  # seconds a new pool may take before its first job starts


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
    # progress: a job finished or started (workers take a while to start; that is not a stall)
    waiting, broken, progress = set(futures), False, time.time()
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
            progress = time.time()
        started = [(markers / str(i)).stat().st_mtime for i in futures.values() if (markers / str(i)).exists()]
        progress = max([progress, *started])
        limit = stall_limit if started else max(stall_limit, STARTUP_GRACE)
        if not done and time.time() - progress > limit:
            broken = True
    if not broken:
        pool.shutdown(wait=True)
        return False, set()
    _kill_pool(pool)
    return True, {index for index in jobs if (markers / str(index)).exists()}


def run_jobs(jobs: list[Job], settings: Settings, specs: dict[str, list[NotebookSpec]], workers: int,
             on_result: Callable[[dict[str, Any]], None], task: Callable[[Job], dict[str, Any]] | None = None,
             initializer: Callable[..., None] | None = None, stall_grace: float = 180.0) -> None:
    """Grade jobs on ``workers`` processes; one submission that crashes or hangs its worker loses no other grade.

    When a worker process dies, or no job starts or finishes for the longest notebook time limit plus
    ``stall_grace`` seconds, the pool is killed. The jobs that were running then are suspects: each is graded
    again alone, and if it breaks its worker a second time it gets a "look at it by hand" record. The other
    jobs go on in a new pool. ``task`` and ``initializer`` run in the workers (tests replace them).
    """
    if not jobs:
        return
    from tools.grader import worker

    task = task or worker.grade_job
    initializer = initializer or worker.init_worker
    if workers <= 1 or len(jobs) == 1:
        grader = worker.Grader(settings, specs)
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
        scratch = Path(markers) / "workers"  # workers killed on a crash cannot clean up: this folder goes
        scratch.mkdir()
        settings = replace(settings, scratch_root=scratch)
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
