"""Lessons follow the course skeleton: one H1, objectives at the top, key points and references at the end."""

from __future__ import annotations

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
