"""Keep grades/course (an nbgrader course) in step with the grading records, so the formgrader works there.

After a submission is graded, its files go to ``grades/course/submitted/<learner>/<assignment>/``, the
autograded notebooks to ``grades/course/autograded/...``, and its scores into ``grades/course/gradebook.db``
with nbgrader's own SaveAutoGrades. Instructors then grade the written answers in the formgrader; the next
``make grade`` reads those hand-given scores back (``hand_grades``).
"""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path
from typing import Any

import nbformat


def store(course_dir: Path, result: dict[str, Any], files: dict[str, bytes | None]) -> None:
    """Replace one learner's submission of one assignment in the course gradebook and folders."""
    from nbgrader.api import Gradebook, MissingEntry
    from nbgrader.preprocessors import SaveAutoGrades

    learner, assignment = result["learner"], result["assignment"]
    db_url = f"sqlite:///{course_dir / 'gradebook.db'}"
    for folder in ("submitted", "autograded"):
        target = course_dir / folder / learner / assignment
        if target.exists():
            shutil.rmtree(target)
        target.mkdir(parents=True)
    for name, data in files.items():
        if data is not None:
            (course_dir / "submitted" / learner / assignment / name).write_bytes(data)
    with Gradebook(db_url) as gb, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        gb.update_or_create_student(learner)
        try:
            gb.remove_submission(assignment, learner)
        except MissingEntry:
            pass
        gb.add_submission(assignment, learner)
    graded = set()
    for name, text in sorted(result.get("autograded", {}).items()):
        notebook = nbformat.reads(text, as_version=4)
        resources = {"nbgrader": {"db_url": db_url, "assignment": assignment, "notebook": name[:-6],
                                  "student": learner}}
        SaveAutoGrades()(notebook, resources)
        nbformat.write(notebook, course_dir / "autograded" / learner / assignment / name)
        graded.add(name[:-6])
    with Gradebook(db_url) as gb:
        submission = gb.find_submission(assignment, learner)
        for notebook in submission.notebooks:
            if notebook.name not in graded:
                for grade in notebook.grades:
                    grade.auto_score = 0.0
                    grade.needs_manual_grade = False
        gb.db.commit()


def hand_grades(course_dir: Path) -> dict[tuple[str, str], dict[str, dict[str, Any]]]:
    """Scores and comments given in the formgrader: {(learner, assignment): {"notebook.ipynb:grade_id": ...}}."""
    from nbgrader.api import Gradebook

    database = course_dir / "gradebook.db"
    found: dict[tuple[str, str], dict[str, dict[str, Any]]] = {}
    if not database.exists():
        return found
    with Gradebook(f"sqlite:///{database}") as gb:
        for assignment in gb.assignments:
            for submission in assignment.submissions:
                given = {}
                for notebook in submission.notebooks:
                    comments = {c.name: c.manual_comment for c in notebook.comments}
                    for grade in notebook.grades:
                        if grade.manual_score is not None:
                            given[f"{notebook.name}.ipynb:{grade.name}"] = {
                                "score": float(grade.manual_score) + float(grade.extra_credit or 0),
                                "comment": comments.get(grade.name) or ""}
                if given:
                    found[(submission.student.id, assignment.name)] = given
    return found
