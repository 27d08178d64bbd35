"""Check that an assignment's test cells give feedback that teaches (see tools/README.md, "Writing tests").

The grader shows a learner only the message of the first failing ``assert`` in a test cell, never the test's
code. So every ``assert`` in a test cell needs a message saying what was checked and giving a hint, and each
test cell needs at least one visible self-check (an assert outside the hidden-tests markers) the learner can
run before submitting.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import nbformat

HIDDEN = re.compile(r"### BEGIN HIDDEN TESTS.*?### END HIDDEN TESTS", re.S)


def _asserts(source: str) -> list[ast.Assert] | None:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    return [node for node in ast.walk(tree) if isinstance(node, ast.Assert)]


#: Functions a read-only cell defines to run a self-check with a message ("✓ …" when right, the given and the
#: expected answer when wrong; they raise AssertionError): a call to one counts as a visible self-check.
SELF_CHECK_FUNCTIONS = {"check", "check_answer"}


def _self_check_calls(source: str) -> list[ast.Call]:
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    return [node for node in ast.walk(tree) if isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id in SELF_CHECK_FUNCTIONS]


def lint_notebook(path: Path) -> list[str]:
    """Problems with the test cells of one instructor (solutions/) notebook; empty when all is well."""
    notebook = nbformat.read(path, as_version=4)
    problems = []
    for cell in notebook.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or not meta.get("grade") or meta.get("solution"):
            continue
        grade_id = meta.get("grade_id", "?")
        source = cell.source.replace("### BEGIN HIDDEN TESTS", "").replace("### END HIDDEN TESTS", "")
        asserts = _asserts(source)
        if asserts is None:
            problems.append(f"{path.name}: test cell {grade_id} is not valid Python")
            continue
        if not asserts:
            problems.append(f"{path.name}: test cell {grade_id} has no assert statement")
        for node in asserts:
            if node.msg is None:
                problems.append(f"{path.name}: test cell {grade_id}, line {node.lineno}: assert without a message "
                                "(add `, \"what was checked; a hint\"`)")
        visible = (_asserts(HIDDEN.sub("", cell.source)) or []) + _self_check_calls(HIDDEN.sub("", cell.source))
        if not visible:
            problems.append(f"{path.name}: test cell {grade_id} has no visible self-check (an assert before "
                            "### BEGIN HIDDEN TESTS)")
    return problems


def lint_assignment(folder: Path) -> list[str]:
    """Problems with every notebook of one assignment folder of solutions/."""
    return [problem for path in sorted(Path(folder).glob("*.ipynb")) for problem in lint_notebook(path)]
