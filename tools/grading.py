"""Autograde notebooks with nbgrader in a throw-away course folder.

Used by the grading tests (a solution scores full marks, an untouched release scores zero). It runs the same
machinery as the instructors' ``make grade`` (tools/grade.py, tools/grader/): the checks against the
release, nbgrader's autograding pipeline, and a sandboxed kernel with resource limits.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
from tools.grader.course import load_course_config, prepare_course  # noqa: E402
from tools.grader.sandbox import detect_sandbox  # noqa: E402
from tools.grader.worker import Grader, Job, Settings  # noqa: E402


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
    root = Path(root).resolve()
    with tempfile.TemporaryDirectory(prefix="exsitu-grade-") as scratch:
        course_dir = Path(scratch) / "course"
        specs = prepare_course(root, course_dir, [assignment])
        template = Path(scratch) / "template.db"
        shutil.copy(course_dir / "gradebook.db", template)
        timeout = int(load_course_config(root).get("Execute", {}).get("timeout", 60) or 60)
        settings = Settings(course_root=root, course_dir=course_dir, gradebook_template=template,
                            sandbox_mode=detect_sandbox()[0], cell_timeout=timeout,
                            hidden=(root / "solutions", Path(scratch)), readable=(root / "data", ROOT / "data"))
        grader = Grader(settings, specs)
        try:
            files = {spec.file_name: (Path(notebooks[spec.file_name]).read_bytes()
                                      if spec.file_name in notebooks else None) for spec in specs[assignment]}
            result = grader.grade(Job(student, assignment, files, [], ""))
        finally:
            grader.close()
    code = [q for q in result["questions"] if q["kind"] in ("test", "manual_code")]
    written = [q for q in result["questions"] if q["kind"] == "written"]
    return GradeResult(
        assignment=assignment,
        student=student,
        code_score=float(sum(q["score"] or 0.0 for q in code)),
        max_code_score=float(sum(q["max"] for q in code)),
        written_max_score=float(sum(q["max"] for q in written)),
        needs_manual_grade=any(q["score"] is None for q in result["questions"]),
        log=json.dumps({"problems": result["problems"], "questions": result["questions"]}, indent=1),
    )
