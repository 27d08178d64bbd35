"""nbgrader: exercises/ is exactly what generate_assignment makes from solutions/; solutions score full marks;
the untouched release scores zero."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from tools.grading import autograde  # noqa: E402
from tools.release import assignments, generate_release  # noqa: E402

ASSIGNMENTS = assignments(ROOT)


def is_capstone(assignment: str) -> bool:
    """The capstone is graded by hand only (rubric): no autograded tests, at least one manually graded cell."""
    return "capstone" in assignment


def notebooks_of(folder: Path) -> dict[str, Path]:
    return {path.name: path for path in sorted(folder.glob("*.ipynb"))}


def test_every_step_has_an_assignment():
    assert "01-status-review" in ASSIGNMENTS


@pytest.fixture(scope="module")
def fresh_release(tmp_path_factory) -> Path:
    destination = tmp_path_factory.mktemp("release")
    generate_release(destination, ROOT, ASSIGNMENTS)
    return destination


@pytest.mark.grading
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_exercises_are_exactly_the_nbgrader_release(assignment, fresh_release):
    committed = ROOT / "exercises" / assignment
    regenerated = fresh_release / assignment
    committed_files = sorted(p.relative_to(committed).as_posix() for p in committed.rglob("*") if p.is_file())
    regenerated_files = sorted(p.relative_to(regenerated).as_posix() for p in regenerated.rglob("*") if p.is_file())
    assert committed_files == regenerated_files, "exercises/ drifted from solutions/: run `make release`"
    for name in committed_files:
        assert (committed / name).read_bytes() == (regenerated / name).read_bytes(), (
            f"exercises/{assignment}/{name} differs from the nbgrader release: run `make release`")


@pytest.mark.grading
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_assignment_has_autograded_and_manual_questions(assignment):
    points = {"auto": 0.0, "manual": 0.0, "tests": 0}
    for path in notebooks_of(ROOT / "solutions" / assignment).values():
        for cell in nbformat.read(path, as_version=4).cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("task"):
                points["manual"] += meta["points"]
            elif meta.get("grade") and not meta.get("solution"):
                points["auto"] += meta["points"]
                points["tests"] += 1
                assert "BEGIN HIDDEN TESTS" in cell.source, f"{meta['grade_id']} has no hidden tests"
            elif meta.get("grade") and meta.get("solution") and cell.cell_type == "markdown":
                points["manual"] += meta["points"]
    if is_capstone(assignment):
        assert points["tests"] == 0, "the capstone is graded by hand with its rubric, not by tests"
    else:
        assert points["tests"] >= 3, "at least three autograded exercises"
    assert points["manual"] > 0, "at least one written answer graded by hand"


@pytest.mark.grading
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solution_scores_full_marks(assignment):
    result = autograde(assignment, notebooks_of(ROOT / "solutions" / assignment), student="solution")
    assert result.max_code_score == 0 if is_capstone(assignment) else result.max_code_score > 0
    assert result.code_score == result.max_code_score, result.log
    assert result.written_max_score > 0 and result.needs_manual_grade


@pytest.mark.grading
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_unmodified_release_scores_zero(assignment):
    result = autograde(assignment, notebooks_of(ROOT / "exercises" / assignment), student="blank")
    assert result.max_code_score == 0 if is_capstone(assignment) else result.max_code_score > 0
    assert result.code_score == 0, result.log
    if is_capstone(assignment):
        assert result.written_max_score > 0 and result.needs_manual_grade, result.log


@pytest.mark.grading
@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_exercises_import_the_installed_package(assignment):
    folder = ROOT / "exercises" / assignment
    assert not list(folder.glob("*.py")), "exercises must import exsitu, not a loose .py beside the notebook"
    for path in folder.glob("*.ipynb"):
        text = json.loads(path.read_text())
        code = "\n".join("".join(c["source"]) for c in text["cells"] if c["cell_type"] == "code")
        assert "import exsitu" in code or "from exsitu" in code
        assert "sys.path" not in code
