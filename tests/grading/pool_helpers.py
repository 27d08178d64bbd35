"""Stand-ins for the grading worker, for testing tools/grade.py's process pool (imported by the workers)."""

from __future__ import annotations

import os
import time


def init(settings, specs) -> None:  # noqa: ANN001 — same signature as tools.grader.worker.init_worker
    pass


def task(job) -> dict:  # noqa: ANN001
    if job.learner == "crashes":
        os._exit(1)  # the worker process dies, as if the grader itself crashed
    if job.learner == "hangs":
        time.sleep(3600)
    return {"learner": job.learner, "assignment": job.assignment, "key": job.key, "problems": [],
            "questions": [], "autograded": {}}
