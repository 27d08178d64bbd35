"""Autograde notebooks with nbgrader in a throw-away course folder.

Used by the grading tests (a solution scores full marks, an untouched release scores zero) and the base
for the instructors' ``make grade``. Each call builds a temporary course: the assignment's source from
solutions/, a gradebook, and the notebook to grade as one student's submission.
"""

from __future__ import annotations

import shutil
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from tools.release import nbgrader_environment  # noqa: E402


@dataclass(frozen=True)
class GradeResult:
    """Scores of one autograded submission (points as nbgrader counts them)."""

    assignment: str
    student: str
    code_score: float
    max_code_score: float
    written_max_score: float
    needs_manual_grade: bool
    log: str


def autograde(assignment: str, notebooks: dict[str, Path], student: str = "learner",
              root: Path = ROOT) -> GradeResult:
    """Autograde ``notebooks`` (notebook name → file to submit under that name) as one student's submission."""
    from nbgrader.api import Gradebook

    with tempfile.TemporaryDirectory(prefix="exsitu-grade-") as scratch:
        course = Path(scratch)
        shutil.copytree(root / "solutions" / assignment, course / "source" / assignment)
        submission = course / "submitted" / student / assignment
        submission.mkdir(parents=True)
        for name, path in notebooks.items():
            shutil.copy(path, submission / name)
        db_url = f"sqlite:///{course / 'gradebook.db'}"
        common = [
            f"--CourseDirectory.root={course}",
            "--CourseDirectory.source_directory=source",
            "--CourseDirectory.release_directory=release",
            f"--CourseDirectory.db_url={db_url}",
        ]
        log = []
        for step in (["generate_assignment", assignment, "--force"],
                     ["autograde", assignment, f"--student={student}", "--create", "--force"]):
            result = subprocess.run([sys.executable, "-m", "nbgrader", *step, *common],
                                    cwd=course, capture_output=True, text=True,
                                    env=nbgrader_environment())
            log.append(result.stdout + result.stderr)
            if result.returncode != 0:
                raise RuntimeError(f"nbgrader {step[0]} failed:\n" + "\n".join(log))
        with Gradebook(db_url) as gradebook:
            submitted = gradebook.find_submission(assignment, student)
            return GradeResult(
                assignment=assignment,
                student=student,
                code_score=float(submitted.code_score),
                max_code_score=float(submitted.max_code_score),
                written_max_score=float(submitted.max_written_score),
                needs_manual_grade=bool(submitted.needs_manual_grade),
                log="\n".join(log),
            )
