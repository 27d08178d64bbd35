"""Cheats and lost learners, on the real Step 1 assignment (exercises/01-status-review): exact scores and flags.

Each submission is the released exercise with answers taken from solutions/ (or left blank) plus one attack.
The tests run in a kernel that never runs learner code (tools/grader/boundary.py), so every cheat scores what
its real answers earn, and is flagged. Also: a learner folder with no notebook still gets a row, two learners
whose flat file names share a first word are kept apart, and a kernel death costs only the exercise it hit.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from tools.grade import main as grade  # noqa: E402

ASSIGNMENT = "01-status-review"
MARKERS = re.compile(r"^[ \t]*### (BEGIN|END) SOLUTION[ \t]*\n?", re.M)
QUESTIONS = ["ex1-tests", "ex2-tests", "ex3-tests", "move-tests", "ex4-tests", "ex5-tests", "ex6-answer"]

pytestmark = [pytest.mark.grading, pytest.mark.slow]


def released() -> dict:
    return json.loads((ROOT / "exercises" / ASSIGNMENT / "status-review.ipynb").read_text())


def solution_answers() -> dict[str, str]:
    notebook = json.loads((ROOT / "solutions" / ASSIGNMENT / "status-review.ipynb").read_text())
    return {c["metadata"]["nbgrader"]["grade_id"]: MARKERS.sub("", "".join(c["source"]))
            for c in notebook["cells"] if c["metadata"].get("nbgrader", {}).get("solution")
            and c["cell_type"] == "code"}


def filled(answers: dict[str, str]) -> str:
    notebook = released()
    for cell in notebook["cells"]:
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell["source"] = answers[grade_id]
    return json.dumps(notebook)


def class_folder(folder: Path) -> dict[str, tuple[list[str], tuple[str, ...]]]:
    """Write the class; return {learner: (scores of QUESTIONS + total, words every problem column must hold)}."""
    good = solution_answers()
    expected: dict[str, tuple[list[str], tuple[str, ...]]] = {}

    def add(learner: str, answers: dict[str, str], scores: list[str], flags: tuple[str, ...] = ()) -> None:
        path = folder / learner / ASSIGNMENT / "status-review.ipynb"
        path.parent.mkdir(parents=True)
        path.write_text(filled(answers))
        expected[learner] = (scores, flags)

    add("correct", good, ["2", "2", "2", "3", "2", "2", "0", "13"])
    add("blank", {}, ["0"] * 8)
    # the hole 1: one line turns every later cell (hidden tests included) into `pass`
    add("hooks", {"ex1-answer": "get_ipython().input_transformers_cleanup.append(lambda lines: ['pass\\n'])"},
        ["0"] * 8, ("input_transformers_cleanup",))
    # the same with real answers: the first answer counts; the hook stops the learner's own later answers
    add("hooks-and-answers", {**good, "ex1-answer": good["ex1-answer"]
                              + "\nget_ipython().input_transformers_cleanup.append(lambda lines: ['pass\\n'])"},
        ["2", "0", "0", "0", "0", "0", "0", "2"], ("input_transformers_cleanup",))
    # hole 2: rebinding what the tests call to compute their expected values
    fake = ("import types\nfake = types.SimpleNamespace(category='CR', criteria='A1', category_range=('CR', 'CR'), "
            "evidence={'locations': (2, 3, 7)})\ncategorize = lambda **k: fake\n")
    add("rebind-categorize", {**good, "ex3-answer": fake + good["ex3-answer"]},
        ["2", "2", "0", "3", "2", "0", "0", "9"], ("rebinds categorize", "changed categorize"))
    patch = ("\nimport types\nexcluded = {'missing': 0, 'out_of_range': 0, 'zero_zero': 0, 'duplicate': 120 - n_kept}\n"
             "geo.clean_occurrences = lambda df: types.SimpleNamespace(counts=dict(excluded), n_kept=n_kept)\n")
    add("patch-geo", {**good, "ex1-answer": good["ex1-answer"] + patch},
        ["0", "0", "0", "3", "2", "0", "0", "5"], ("geo.clean_occurrences",))
    add("builtins-and-modules", {
        "ex1-answer": good["ex1-answer"] + "\nimport builtins, sys\nbuiltins.abs = lambda x: 0\n"
                      "setattr(sys.modules['exsitu.geo'], 'area_of_occupancy', lambda *a, **k: 4.0)",
        "ex2-answer": "aoo_km2 = 4.0\neoo_km2 = 8.0"},
        ["2", "0", "0", "0", "0", "0", "0", "2"], ("builtins", "sys.modules", "exsitu.geo.area_of_occupancy"))
    always = "class Always(str):\n    def __eq__(self, other):\n        return True\n    __hash__ = str.__hash__\n"
    add("always-equal", {**good, "ex3-answer": always + good["ex3-answer"] + "\nresult = Always(result.category)"},
        ["2", "2", "0", "3", "2", "0", "0", "9"])  # ex5's tests read ex3's result too
    # a kernel death costs only the exercise it hit: ex5 (which needs ex2's answers) is graded in a fresh kernel
    add("kernel-death", {**good, "ex4-answer": "import os\nos._exit(1)\n" + good["ex4-answer"]},
        ["2", "2", "2", "3", "0", "2", "0", "11"], ("the kernel died in answer cell ex4-answer", "fresh kernel"))
    # hole 3: a learner folder with nothing in it, and one with only other files
    (folder / "kim" / ASSIGNMENT).mkdir(parents=True)
    expected["kim"] = (["0"] * 8, ("no notebook found",))
    (folder / "lee").mkdir()
    (folder / "lee" / "status-review.pdf").write_bytes(b"%PDF-1.4")
    expected["lee"] = (["0"] * 8, ("no notebook found",))
    # hole 4: flat names that the <learner>_<anything> rule would give one learner, "ada"
    (folder / "ada_smith_status-review.ipynb").write_text(filled(good))
    expected["ada_smith"] = (["2", "2", "2", "3", "2", "2", "0", "13"], ())
    (folder / "ada_jones_status-review.ipynb").write_text(filled({}))
    expected["ada_jones"] = (["0"] * 8, ())
    return expected


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("adversarial")
    course = tmp_path / "course"
    shutil.copytree(ROOT / "solutions" / ASSIGNMENT, course / "solutions" / ASSIGNMENT)
    shutil.copy(ROOT / "nbgrader_config.py", course / "nbgrader_config.py")
    expected = class_folder(tmp_path / "class")
    output = tmp_path / "grades"
    return expected, output, tmp_path, course


def test_every_cheat_scores_what_its_answers_earn_and_is_flagged(graded, capsys):
    expected, output, tmp_path, course = graded
    code = grade([str(tmp_path / "class"), "--course-root", str(course), "--output", str(output),
                  "--timeout", "60"])
    printed = capsys.readouterr()
    assert code == 0
    rows = {row["learner"]: row for row in csv.DictReader(io.StringIO((output / "grades.csv").read_text()))}
    assert sorted(rows) == sorted(expected), "every learner found is a row, and no two learners are merged"
    for learner, (scores, flags) in expected.items():
        row = rows[learner]
        assert [row[q] for q in QUESTIONS] + [row["total"]] == scores, f"{learner}: {row['problem']}"
        for words in flags:
            assert words in row["problem"], f"{learner}: {words!r} not in {row['problem']!r}"
        if learner in ("correct", "blank", "ada_smith", "ada_jones"):
            assert row["problem"] == "", learner
        if learner in ("hooks", "hooks-and-answers", "rebind-categorize", "patch-geo", "builtins-and-modules"):
            assert "possible tampering" in row["problem"], learner
    # the feedback says what was found, and why a value of the notebook's own class scores nothing
    assert "possible tampering" in (output / "feedback" / "hooks" / f"{ASSIGNMENT}.html").read_text()
    assert "cannot be graded" in (output / "feedback" / "always-equal" / f"{ASSIGNMENT}.html").read_text()
    # a batch of one assignment: its own CSV, with only its questions
    per_assignment = (output / f"{ASSIGNMENT}.csv").read_text()
    assert per_assignment == (output / "grades.csv").read_text()
    assert per_assignment.splitlines()[0] == ",".join(["learner", "assignment", *QUESTIONS, "total", "max",
                                                       "needs_manual_grade", "problem"])
    # the run says what it found, and warns about the names it had to keep apart
    assert f"summary: {len(expected)} learners, 11 notebooks found" in printed.out
    assert "kept apart as learners ada_jones, ada_smith" in printed.err and "--pattern" in printed.err
    assert "kim/01-status-review/: no notebook found" in printed.err
