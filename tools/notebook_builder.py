"""Small helpers to author lesson, app and nbgrader notebooks from Python.

Notebooks are the source of truth once written; these helpers only save typing when creating or
rewriting one (cells with the right nbgrader metadata, no outputs, a Python 3 kernel).

    from tools.notebook_builder import md, code, solution, hidden_tests, written, save
    save("solutions/01-status-review/status-review.ipynb", [md("# Title"), solution("x = 1", "q1"), ...])
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook


def _nbgrader(grade_id: str, *, grade: bool, solution: bool, locked: bool, points: float | None = None,
              task: bool = False) -> dict[str, Any]:
    meta: dict[str, Any] = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": 3,
                            "solution": solution, "task": task}
    if points is not None:
        meta["points"] = points
    return {"nbgrader": meta}


def md(text: str, grade_id: str | None = None) -> nbformat.NotebookNode:
    """A markdown cell; with ``grade_id`` it is locked (read-only) in the student version."""
    cell = new_markdown_cell(text.strip("\n"))
    if grade_id:
        cell.metadata.update(_nbgrader(grade_id, grade=False, solution=False, locked=True))
    return cell


def code(source: str, grade_id: str | None = None, tags: list[str] | None = None) -> nbformat.NotebookNode:
    """A code cell; with ``grade_id`` it is locked (read-only) in the student version."""
    cell = new_code_cell(source.strip("\n"))
    if grade_id:
        cell.metadata.update(_nbgrader(grade_id, grade=False, solution=False, locked=True))
    if tags:
        cell.metadata["tags"] = tags
    return cell


def solution(source: str, grade_id: str) -> nbformat.NotebookNode:
    """An autograded answer cell: wrap the answer in ``### BEGIN SOLUTION`` / ``### END SOLUTION``."""
    cell = new_code_cell(source.strip("\n"))
    cell.metadata.update(_nbgrader(grade_id, grade=False, solution=True, locked=False))
    return cell


def hidden_tests(source: str, grade_id: str, points: float) -> nbformat.NotebookNode:
    """A locked, graded test cell; put hidden checks between ``### BEGIN HIDDEN TESTS`` / ``### END HIDDEN TESTS``."""
    cell = new_code_cell(source.strip("\n"))
    cell.metadata.update(_nbgrader(grade_id, grade=True, solution=False, locked=True, points=points))
    return cell


def written(prompt_answer: str, grade_id: str, points: float) -> nbformat.NotebookNode:
    """A manually graded written answer (markdown); the text between the SOLUTION markers is removed on release."""
    cell = new_markdown_cell(prompt_answer.strip("\n"))
    cell.metadata.update(_nbgrader(grade_id, grade=True, solution=True, locked=False, points=points))
    return cell


def save(path: str | Path, cells: list[nbformat.NotebookNode], **metadata: Any) -> Path:
    """Write a notebook with a Python 3 kernel and no outputs; extra keyword arguments go to its metadata."""
    notebook = new_notebook(cells=cells)
    notebook.metadata.update({
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
        **metadata,
    })
    for index, cell in enumerate(notebook.cells):
        cell["id"] = f"cell-{index:03d}"
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.validate(notebook)
    nbformat.write(notebook, path)
    return path
