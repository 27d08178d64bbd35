"""The tests' kernel kept between submissions (execute.TesterPool): reset, checked, and never trusted after a
flagged run. Nothing of one learner's reaches the next learner's tests."""

from __future__ import annotations

import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from tools.grader.execute import SafeExecute, TesterPool  # noqa: E402
from tools.grader.sandbox import Sandbox, detect_sandbox  # noqa: E402

pytestmark = pytest.mark.grading


def cell(source: str, **nbgrader) -> nbformat.NotebookNode:
    made = nbformat.v4.new_code_cell(source)
    made.metadata["nbgrader"] = {"grade_id": f"c{abs(hash(source))}", "schema_version": 3, **nbgrader}
    return made


def run(pool: TesterPool, tmp_path: Path, number: int, answer: str, test: str):
    workdir = tmp_path / f"work{number}"
    workdir.mkdir()
    (workdir / "data.csv").write_text("a,b\n1,2\n")
    sandbox = Sandbox(mode=detect_sandbox()[0], hidden=(ROOT / "tests", ROOT / "solutions", tmp_path))
    notebook = nbformat.v4.new_notebook(cells=[
        cell("import json\nLIMIT = 3", locked=True, solution=False, grade=False),
        cell(answer, solution=True, grade=False, locked=False),
        cell(test, grade=True, solution=False, locked=True, points=1)])
    nbformat.write(notebook, workdir / "n.ipynb")
    executor = SafeExecute(sandbox=sandbox, files=["data.csv", "n.ipynb"], timeout=20, tester_pool=pool)
    notebook, _ = executor.preprocess(notebook, {"metadata": {"path": str(workdir)},
                                                 "nbgrader": {"assignment": "a", "notebook": "n"}})
    text = "".join(o.get("text", "") for o in notebook.cells[2].outputs if o.get("output_type") == "stream")
    errors = [o["ename"] for o in notebook.cells[2].outputs if o.get("output_type") == "error"]
    return text, errors, executor


@pytest.fixture
def pool(tmp_path):
    made = TesterPool(tmp_path / "testers", cpu_seconds=600, memory_bytes=2 * 1024 ** 3)
    yield made
    made.close()


def test_a_kept_kernel_is_reset_between_learners(pool, tmp_path):
    text, errors, first = run(pool, tmp_path, 1, "x = 41", "open('note.txt', 'w').write(str(x))\n"
                              "print(x + 1, get_ipython().execution_count)")
    count = text.split()[-1]
    assert (text, errors, first.tester_reused) == (f"42 {count}\n", [], False)
    test = ("import os\nprint('x' in globals(), os.path.exists('note.txt'), sorted(os.listdir('.')), "
            "get_ipython().execution_count, LIMIT)")
    text, errors, second = run(pool, tmp_path, 2, "y = 1", test)
    assert second.tester_reused and errors == []
    # no name or file of the first learner's, the same execution count as a fresh kernel; not the notebook
    assert text == f"False False ['data.csv'] {count} 3\n"


def test_a_changed_kernel_is_not_reused(pool, tmp_path):
    text, errors, _ = run(pool, tmp_path, 1, "x = 1", "import string\nstring.capwords = repr\nprint(x)")
    assert (text, errors) == ("1\n", [])
    text, errors, second = run(pool, tmp_path, 2, "x = 2", "import string\nprint(string.capwords('a b'), x)")
    assert not second.tester_reused and text == "A B 2\n"
    assert any("string.capwords" in line for line in pool.log)


def test_a_kernel_is_not_kept_after_a_flagged_run(pool, tmp_path):
    _, errors, first = run(pool, tmp_path, 1, "import os\nos._exit(3)", "print(x)")
    assert "kernel_died" in [e["kind"] for e in first.events] and not pool.idle
    text, errors, second = run(pool, tmp_path, 2, "x = 5", "print(x)")
    assert (text, errors, second.tester_reused) == ("5\n", [], False)
