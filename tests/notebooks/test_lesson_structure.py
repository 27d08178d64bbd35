"""Lessons follow the course skeleton: one H1, objectives at the top, key points and references at the end."""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
LESSONS = sorted(ROOT.glob("notebooks/*.ipynb"))


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_lesson_has_the_course_skeleton(path: Path):
    notebook = nbformat.read(path, as_version=4)
    markdown = [cell.source for cell in notebook.cells if cell.cell_type == "markdown"]
    headings = [line for text in markdown for line in text.splitlines() if line.startswith("#")]
    assert sum(1 for h in headings if h.startswith("# ")) == 1, "exactly one H1 title"
    assert notebook.cells[0].cell_type == "markdown" and notebook.cells[0].source.startswith("# ")
    text = "\n".join(markdown).lower()
    first_third = "\n".join(markdown[: max(2, len(markdown) // 3)]).lower()
    assert "learning objectives" in first_third, "learning objectives near the top"
    for section in ("key points", "references"):
        assert section in text, f"missing a '{section}' section"
    last_sections = "\n".join(markdown[-3:]).lower()
    assert "key points" in last_sections or "references" in last_sections, "key points at the end"


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_lesson_imports_exsitu_not_local_code(path: Path):
    notebook = nbformat.read(path, as_version=4)
    code = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
    assert "exsitu" in code
    assert "sys.path" not in code, "lessons import the installed package, never local paths"


# ------------------------------------------------------------------------------------------------------------
# The path for learners who do not program (issue 13, item 5). The convention, checkable:
# - a lesson code cell that only sets things up — its first line is an import (`import`, `from`), `%matplotlib`,
#   or a comment starting `# setup` — is collapsed (`metadata.jupyter.source_hidden`), and only such cells are
#   collapsed (so hiding is declared in the cell's own first line, and the lesson's own code stays in sight);
#   collapsed cells are still code cells, so they run;
# - every exercise heading, in lessons ("Check yourself", "Your turn") and in assignments ("Exercise",
#   "Question", the capstone's steps), says "Needs Python: yes" or "Needs Python: no" in its cell;
# - lesson 00's prerequisites say that the graded exercises need programming.
# Lessons and assignments of other owners join when they follow it: the lead empties this set at merge.
NOT_YET_CONVERTED: set[str] = set()

SETUP_LINE = re.compile(r"(import |from |%matplotlib|# setup)")
LESSON_EXERCISE = re.compile(r"^#{2,4}\s+(Check yourself|Your turn|Exercise)")
ASSIGNMENT_EXERCISE = re.compile(r"^#{2,4}\s+(Check yourself|Exercise|Question|Step \d|The assessment and the report)")
NEEDS_PYTHON = re.compile(r"Needs Python:\**\s*(yes|no)\b")


def _converted(paths):
    return [p for p in paths if p.stem not in NOT_YET_CONVERTED and p.parent.name not in NOT_YET_CONVERTED]


CONVERTED_LESSONS = _converted(LESSONS)
CONVERTED_ASSIGNMENTS = _converted(sorted(ROOT.glob("solutions/*/*.ipynb")))


def _first_line(source: str) -> str:
    return next((line for line in source.splitlines() if line.strip()), "")


def _unlabelled_exercises(notebook, heading=LESSON_EXERCISE) -> list[str]:
    missing = []
    for cell in notebook.cells:
        if cell.cell_type != "markdown":
            continue
        lines = cell.source.splitlines()
        for i, line in enumerate(lines):
            if heading.match(line) and not NEEDS_PYTHON.search("\n".join(lines[i + 1:])):
                missing.append(line)
    return missing


def test_the_convention_covers_the_lessons_and_assignments():
    assert {p.stem for p in CONVERTED_LESSONS} >= {"00-introduction", "01-status-review", "02-roles",
                                                   "03-population", "04-feasibility", "06-capstone"}
    assert {p.parent.name for p in CONVERTED_ASSIGNMENTS} >= {"01-status-review", "02-roles", "03-population",
                                                              "04-feasibility", "06-capstone"}


@pytest.mark.parametrize("path", CONVERTED_LESSONS, ids=lambda p: p.name)
def test_setup_code_is_collapsed_and_only_setup_code(path: Path):
    notebook = nbformat.read(path, as_version=4)
    for index, cell in enumerate(notebook.cells):
        hidden = cell.metadata.get("jupyter", {}).get("source_hidden", False)
        if cell.cell_type != "code":
            assert not hidden, f"cell {index} is collapsed but is not code"
            continue
        setup = bool(SETUP_LINE.match(_first_line(cell.source)))
        assert hidden == setup, (
            f"cell {index} ({_first_line(cell.source)!r}): setup cells (first line an import, %matplotlib or "
            "'# setup') are collapsed with metadata jupyter.source_hidden, and no other cell is")
    assert any(c.metadata.get("jupyter", {}).get("source_hidden") for c in notebook.cells), "the imports are collapsed"
    first_code = next(c for c in notebook.cells if c.cell_type == "code")
    assert first_code.metadata["jupyter"]["source_hidden"], "the lesson opens with prose, not with visible code"


@pytest.mark.parametrize("path", CONVERTED_LESSONS + CONVERTED_ASSIGNMENTS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_exercise_says_whether_it_needs_python(path: Path):
    notebook = nbformat.read(path, as_version=4)
    heading = LESSON_EXERCISE if path.parent.name == "notebooks" else ASSIGNMENT_EXERCISE
    assert not _unlabelled_exercises(notebook, heading), "add 'Needs Python: yes' or 'no' under these headings"
    if path.parent.name != "notebooks":
        assert any(heading.match(line) for c in notebook.cells if c.cell_type == "markdown"
                   for line in c.source.splitlines()), "an assignment has exercise headings"


def test_the_convention_test_catches_an_unlabelled_exercise():
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("## Exercise 1 — Count (2 points)\n\nDo it."),
                                               nbformat.v4.new_markdown_cell("### Check yourself\n\n**Needs Python: no.**")])
    assert _unlabelled_exercises(notebook) == ["## Exercise 1 — Count (2 points)"]


def test_prerequisites_say_the_graded_exercises_need_programming():
    first = nbformat.read(ROOT / "notebooks" / "00-introduction.ipynb", as_version=4).cells[0].source
    assert "needed for the graded exercises" in first
    assert "| Programming | Not needed |" not in first
