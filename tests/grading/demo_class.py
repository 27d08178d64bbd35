"""A generated class of submissions to the SYNTHETIC demo course, each with the grades it must get.

``write_class(release, folder, escape_path, course_root)`` writes ``folder/<learner>/<assignment>/...`` from
the released notebooks and returns the expected CSV values per learner. The demo assignment 01-demo has
q1_tests (2 points), q2_tests (1), q3_tests (3) and the written answer q4_written (2, graded by hand).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

Q1 = "def percent_decline(start, end):\n    return 100 * (start - end) / start"
Q2 = "generation_length = 4.0\nthree_generations = 3 * generation_length"
Q3 = "def is_decline_over(threshold, start, end):\n    return percent_decline(start, end) >= threshold"
WRITTEN = "**Q4.** Three generations follow each species' own life history, not a fixed calendar."
CORRECT = {"q1_answer": Q1, "q2_answer": Q2, "q3_answer": Q3, "q4_written": WRITTEN}


def filled(release: dict[str, Any], answers: dict[str, str]) -> dict[str, Any]:
    """The released notebook with the given answer cells replaced (by grade id)."""
    notebook = json.loads(json.dumps(release))
    for cell in notebook["cells"]:
        grade_id = cell["metadata"].get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            cell["source"] = answers[grade_id]
    return notebook


def cell_of(notebook: dict[str, Any], grade_id: str) -> dict[str, Any]:
    return next(c for c in notebook["cells"] if c["metadata"].get("nbgrader", {}).get("grade_id") == grade_id)


def expect(q1: str, q2: str, q3: str, q4: str, total: str, waiting: str = "", problems: tuple[str, ...] = (),
           max_: str = "8") -> dict[str, Any]:
    return {"q1_tests": q1, "q2_tests": q2, "q3_tests": q3, "q4_written": q4, "total": total, "max": max_,
            "needs_manual_grade": waiting, "problems": problems}


def write_class(release_dir: Path, folder: Path, escape_path: Path, course_root: Path) -> dict[str, dict[str, Any]]:
    """Write every submission under ``folder``; return {learner: expected row values}."""
    demo = json.loads((release_dir / "01-demo" / "demo.ipynb").read_text())
    other_solution = json.loads((course_root / "solutions" / "02-other" / "other.ipynb").read_text())
    expected: dict[str, dict[str, Any]] = {}
    files: dict[str, bytes] = {}

    def add(learner: str, notebook: dict[str, Any] | bytes, expectation: dict[str, Any]) -> None:
        data = notebook if isinstance(notebook, bytes) else json.dumps(notebook, indent=1).encode()
        files[learner] = data
        expected[learner] = expectation

    def with_q2(code: str) -> dict[str, Any]:
        return filled(demo, {**CORRECT, "q2_answer": code})

    add("correct", filled(demo, CORRECT), expect("2", "1", "3", "", "6", "q4_written"))
    add("partial", filled(demo, {"q1_answer": Q1, "q2_answer": "generation_length = 4.0\nthree_generations = 9.0"}),
        expect("2", "0", "0", "0", "2"))
    add("blank", demo, expect("0", "0", "0", "0", "0"))
    add("infinite-loop", with_q2("while True:\n    pass"),
        expect("2", "0", "3", "", "5", "q4_written", ("answer cell q2_answer ran past the",)))
    add("sys-exit", with_q2("import sys\nsys.exit('bye')"),
        expect("2", "0", "3", "", "5", "q4_written", ("answer cell q2_answer raised SystemExit",)))
    add("os-exit", with_q2("import os\nos._exit(3)"),  # q3 runs in a fresh kernel (q1 is run again first)
        expect("2", "0", "3", "", "5", "q4_written", ("the kernel died in answer cell q2_answer", "exit status 3",
                                                      "fresh kernel")))
    add("exception", filled(demo, {**CORRECT, "q1_answer": "x = 1 / 0\n" + Q1}),
        expect("0", "1", "0", "", "1", "q4_written",
               ("answer cell q1_answer raised ZeroDivisionError: division by zero",)))

    deleted = filled(demo, CORRECT)
    deleted["cells"].remove(cell_of(deleted, "q2_tests"))
    add("deleted-test", deleted, expect("2", "1", "3", "", "6", "q4_written",
                                        ("test cell q2_tests was deleted; the original test was put back and run",)))
    deleted_wrong = filled(demo, {**CORRECT, "q2_answer": "generation_length = 4.0\nthree_generations = 9.0"})
    deleted_wrong["cells"].remove(cell_of(deleted_wrong, "q2_tests"))
    add("deleted-test-wrong", deleted_wrong, expect("2", "0", "3", "", "5", "q4_written",
                                                    ("test cell q2_tests was deleted",)))
    edited = filled(demo, {**CORRECT, "q1_answer": "def percent_decline(start, end):\n    return 0"})
    cell_of(edited, "q1_tests")["source"] = "pass  # the learner removed the checks"
    add("edited-test", edited, expect("0", "1", "0", "", "1", "q4_written",
                                      ("test cell q1_tests was edited; the original test was run instead",)))
    points = filled(demo, CORRECT)
    cell_of(points, "q3_tests")["metadata"]["nbgrader"]["points"] = 100
    add("changed-points", points, expect("2", "1", "3", "", "6", "q4_written",
                                         ("points of q3_tests were changed from 3 to 100",)))
    extra = filled(demo, CORRECT)
    index = extra["cells"].index(cell_of(extra, "q1_answer")) + 1
    extra["cells"].insert(index, {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
                                  "source": "print('my scratch work')", "id": "extra-1"})
    extra["cells"].insert(index, {"cell_type": "markdown", "metadata": {}, "source": "my notes", "id": "extra-2"})
    add("extra-cells", extra, expect("2", "1", "3", "", "6", "q4_written", ("1 added code cell in demo.ipynb",)))
    duplicate = filled(demo, CORRECT)
    duplicate["cells"].append(json.loads(json.dumps(cell_of(duplicate, "q1_tests"))))
    add("duplicate-test", duplicate, expect("2", "1", "3", "", "6", "q4_written",
                                            ("test cell q1_tests was duplicated",)))
    stripped = filled(demo, CORRECT)
    for cell in stripped["cells"]:
        cell["metadata"] = {}
    add("stripped-metadata", stripped, expect("2", "1", "3", "0", "6", "", (
        "had lost their nbgrader metadata", "written answer q4_written was deleted")))
    add("malformed-json", json.dumps(filled(demo, CORRECT)).encode()[:900],
        expect("0", "0", "0", "0", "0", "", ("malformed notebook JSON in demo.ipynb",)))
    add("empty-file", b"", expect("0", "0", "0", "0", "0", "", ("empty file: demo.ipynb",)))
    add("wrong-assignment", other_solution,
        expect("0", "0", "0", "0", "0", "", ("wrong assignment: demo.ipynb submitted for 01-demo is the notebook "
                                             "of 02-other",)))
    add("huge-output", with_q2("print('x' * 100_000_000)\n" + Q2),
        expect("2", "1", "3", "", "6", "q4_written", ("answer cell q2_answer printed more than 1 MB of output",)))
    hidden = course_root / "solutions" / "01-demo" / "demo.ipynb"
    add("read-hidden-tests", filled(demo, {**CORRECT, "q1_answer": f"source = open({str(hidden)!r}).read()\n" + Q1}),
        expect("0", "1", "0", "", "1", "q4_written",
               ("answer cell q1_answer raised FileNotFoundError", "grading sandbox")))
    add("write-outside", with_q2(f"open({str(escape_path)!r}, 'w').write('escaped')\n" + Q2),
        expect("2", "0", "3", "", "5", "q4_written", ("answer cell q2_answer raised", "grading sandbox")))
    add("memory-hog", with_q2("hog = bytearray(8 * 1024**3)\n" + Q2),
        expect("2", "0", "3", "", "5", "q4_written", ("answer cell q2_answer raised MemoryError", "memory limit")))
    add("fork-bomb", with_q2("import os, time\nwhile True:\n    if os.fork() == 0:\n        time.sleep(600)\n" + Q2),
        expect("2", "0", "3", "", "5", "q4_written", ("answer cell q2_answer raised BlockingIOError",
                                                      "processes")))
    add("huge-file", with_q2("with open('big.bin', 'wb') as f:\n    for _ in range(1024):\n"
                             "        f.write(b'0' * 2**20)\n" + Q2),
        expect("2", "0", "3", "", "5", "q4_written", ("answer cell q2_answer raised OSError", "file-size limit")))
    add("network", with_q2("import socket\nsocket.create_connection(('pypi.org', 443), timeout=5)\n" + Q2),
        expect("2", "0", "3", "", "5", "q4_written", ("answer cell q2_answer raised", "no network")))
    add("stubborn-loop", with_q2("import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n"
                                 "    pass"),
        expect("2", "0", "3", "", "5", "q4_written", ("answer cell q2_answer ran past the",
                                                      "did not stop when interrupted", "fresh kernel")))

    for learner, data in files.items():
        target = folder / learner / "01-demo" / "demo.ipynb"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    notes = folder / "missing-notebook" / "01-demo" / "notes.txt"
    notes.parent.mkdir(parents=True)
    notes.write_text("I could not find the notebook")
    expected["missing-notebook"] = expect("0", "0", "0", "0", "0", "", (
        "not a notebook, ignored: notes.txt", "missing notebook: demo.ipynb was not submitted"))
    return expected
