"""End to end: release → a class of generated submissions → tools/grade.py → exactly the expected grades.

The class (demo_class.py) holds correct, partly correct and blank work and every adversarial case the grader
must survive; each must get exactly its expected scores and a clear reason. Then: re-running is
byte-identical, one learner's new submission changes only that learner's row, hand grades from the formgrader
flow back into the CSV, and `make grade` grades an LMS-style zip.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from demo_class import CORRECT, Q1, Q2, filled, write_class  # noqa: E402
from tools.grade import main as grade  # noqa: E402
from tools.release import generate_release  # noqa: E402

COURSE = ROOT / "tests" / "grading" / "fixtures" / "demo-course"
HIDDEN_SOURCE = ["BEGIN HIDDEN TESTS", "percent_decline(250, 100)", "three_generations == 3 * generation_length",
                 "is_decline_over(80, 100, 50)"]

pytestmark = [pytest.mark.grading, pytest.mark.slow]


def rows(path: Path) -> dict[str, dict[str, str]]:
    return {(row["learner"]): row for row in csv.DictReader(io.StringIO(path.read_text()))}


def check_row(learner: str, row: dict[str, str], expected: dict) -> None:
    got = {key: row[key] for key in expected if key != "problems"}
    want = {key: value for key, value in expected.items() if key != "problems"}
    assert got == want, f"{learner}: {row['problem']}"
    if expected["problems"]:
        for words in expected["problems"]:
            assert words in row["problem"], f"{learner}: {words!r} not in {row['problem']!r}"
    else:
        assert row["problem"] == "", learner


def test_class_is_graded_exactly(tmp_path, capsys):
    release = tmp_path / "exercises"
    generate_release(release, COURSE)
    escape = tmp_path / "escaped.txt"
    expected = write_class(release, tmp_path / "class", escape, COURSE)
    output = tmp_path / "grades"
    args = ["--course-root", str(COURSE), "--output", str(output), "--timeout", "5"]

    assert grade([str(tmp_path / "class"), *args]) == 0
    table = rows(output / "grades.csv")
    assert sorted(table) == sorted(expected)
    for learner, want in expected.items():
        assert table[learner]["assignment"] == "01-demo"
        check_row(learner, table[learner], want)
    assert not escape.exists()

    # feedback: one page per learner and assignment; assertion messages, never the hidden tests
    for learner in expected:
        page = (output / "feedback" / learner / "01-demo.html").read_text()
        assert not [s for s in HIDDEN_SOURCE if s in page], learner
    partial = (output / "feedback" / "partial" / "01-demo.html").read_text()
    assert "three_generations: the length of three generations of generation_length years" in partial
    assert "not answered yet: answer cell q3_answer is still the blank exercise" in partial
    correct = (output / "feedback" / "correct" / "01-demo.html").read_text()
    assert "waiting for a grader" in correct and "Score: <strong>6 / 8</strong>" in correct
    assert "test cell q2_tests was deleted" in (output / "feedback" / "deleted-test" / "01-demo.html").read_text()
    exception = (output / "feedback" / "exception" / "01-demo.html").read_text()  # q3 needs q1's function
    assert ("NameError: name &#x27;percent_decline&#x27; is not defined — it may come from an earlier exercise that "
            "is blank or stopped with an error: answer cell q1_answer") in exception
    assert (output / "course" / "autograded" / "correct" / "01-demo" / "demo.ipynb").exists()

    # the same submissions again: nothing is graded, the CSV is byte-identical
    before = (output / "grades.csv").read_bytes()
    capsys.readouterr()
    assert grade([str(tmp_path / "class"), *args]) == 0
    assert "0 to grade, 26 unchanged" in capsys.readouterr().out
    assert (output / "grades.csv").read_bytes() == before

    # one learner submits again: only that learner's row changes
    blank = tmp_path / "class" / "blank" / "01-demo" / "demo.ipynb"
    blank.write_text(json.dumps(filled(json.loads(blank.read_text()), {"q1_answer": Q1, "q2_answer": Q2})))
    assert grade([str(tmp_path / "class"), *args]) == 0
    after = rows(output / "grades.csv")
    assert {k: v for k, v in after.items() if k != "blank"} == {k: v for k, v in table.items() if k != "blank"}
    assert (after["blank"]["q1_tests"], after["blank"]["q2_tests"], after["blank"]["total"]) == ("2", "1", "3")

    # a folder with only a newcomer keeps everyone else's rows
    newcomer = tmp_path / "late" / "newcomer" / "01-demo" / "demo.ipynb"
    newcomer.parent.mkdir(parents=True)
    newcomer.write_text(json.dumps(filled(json.loads((release / "01-demo" / "demo.ipynb").read_text()), CORRECT)))
    assert grade([str(tmp_path / "late"), *args]) == 0
    latest = rows(output / "grades.csv")
    assert {k: v for k, v in latest.items() if k != "newcomer"} == after
    assert (latest["newcomer"]["total"], latest["newcomer"]["needs_manual_grade"]) == ("6", "q4_written")

    # a written answer graded by hand in the formgrader's gradebook flows back into the CSV and feedback
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{output / 'course' / 'gradebook.db'}") as gb:
        gb.find_grade("q4_written", "demo", "01-demo", "correct").manual_score = 1.5
        gb.find_comment("q4_written", "demo", "01-demo", "correct").manual_comment = "Good; name a taxon."
        gb.db.commit()
    assert grade([str(tmp_path / "late"), *args]) == 0
    graded = rows(output / "grades.csv")["correct"]
    assert (graded["q4_written"], graded["total"], graded["needs_manual_grade"]) == ("1.5", "7.5", "")
    assert "Good; name a taxon." in (output / "feedback" / "correct" / "01-demo.html").read_text()


def test_make_grade_on_an_lms_zip(tmp_path):
    release = tmp_path / "exercises"
    generate_release(release, COURSE)
    demo = json.loads((release / "01-demo" / "demo.ipynb").read_text())
    other = json.loads((release / "02-other" / "other.ipynb").read_text())
    archive = tmp_path / "lms-export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("alice_01-demo_demo.ipynb", json.dumps(filled(demo, CORRECT)))
        zf.writestr("bob_12345_67890_demo-1.ipynb", json.dumps(filled(demo, {"q1_answer": Q1})))
        zf.writestr("carol_02-other_other.ipynb", json.dumps(filled(other, {"other_answer": "founders = 20"})))
        zf.writestr("__MACOSX/._alice_01-demo_demo.ipynb", b"\x00junk")
    output = tmp_path / "grades"
    result = subprocess.run(
        ["make", "grade", f"SUBMISSIONS={archive}",
         f"GRADE_ARGS=--course-root {COURSE} --output {output} --timeout 10 --workers 1"],
        cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert (output / "grades.csv").read_text() == (
        "learner,assignment,q1_tests,q2_tests,q3_tests,q4_written,other_tests,total,max,needs_manual_grade,problem\n"
        "alice,01-demo,2,1,3,,,6,8,q4_written,\n"
        "bob,01-demo,2,0,0,0,,2,8,,\n"
        "carol,02-other,,,,,1,1,1,,\n")
    assert sorted(p.relative_to(output / "feedback").as_posix() for p in (output / "feedback").rglob("*.html")) == [
        "alice/01-demo.html", "bob/01-demo.html", "carol/02-other.html"]


def test_make_grade_explains_a_missing_argument():
    result = subprocess.run(["make", "grade"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode != 0
    assert "usage: make grade SUBMISSIONS=" in result.stdout + result.stderr
