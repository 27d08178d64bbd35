"""The grades CSV and the feedback pages, built from the stored grading records (byte-identical on re-runs).

Records are JSON files ``grades/records/<learner>/<assignment>.json`` (see grade.py). Scores given by hand
in nbgrader's formgrader (``grades/course/gradebook.db``) replace the autograder's and fill in the written
answers waiting for a grader.
"""

from __future__ import annotations

import csv
import html
import io
from pathlib import Path
from typing import Any

from tools.grader.checks import NotebookSpec

FIXED_START = ["learner", "assignment"]
FIXED_END = ["total", "max", "needs_manual_grade", "problem"]


def fmt(value: float | None) -> str:
    """A score as the CSV shows it: ``2``, ``1.5``; empty when not graded yet."""
    return "" if value is None else f"{value:g}"


def column_names(record: dict[str, Any]) -> dict[tuple[str, str], str]:
    """The CSV column of each (notebook, question): the grade id, or ``notebook:grade_id`` if it repeats."""
    ids = [q["id"] for q in record["questions"]]
    return {(q["notebook"], q["id"]): q["id"] if ids.count(q["id"]) == 1 else f"{q['notebook'][:-6]}:{q['id']}"
            for q in record["questions"]}


def apply_hand_grades(record: dict[str, Any], hand: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The record with the formgrader's hand-given scores and comments (keyed by notebook:grade_id)."""
    questions = []
    for question in record["questions"]:
        question = dict(question)
        given = hand.get(f"{question['notebook']}:{question['id']}")
        if given and given.get("score") is not None:
            question["score"] = float(given["score"])
            question["status"] = "graded by hand"
            question["message"] = given.get("comment") or "graded by hand"
        questions.append(question)
    return {**record, "questions": questions}


def totals(record: dict[str, Any]) -> tuple[float, float, list[str]]:
    """(points so far, points possible, ids of questions waiting for a grader)."""
    total = sum(q["score"] for q in record["questions"] if q["score"] is not None)
    maximum = sum(q["max"] for q in record["questions"])
    waiting = [q["id"] for q in record["questions"] if q["score"] is None]
    return total, maximum, waiting


def build_csv(records: list[dict[str, Any]], specs: dict[str, list[NotebookSpec]]) -> str:
    """The grades table: one row per learner and assignment, sorted; one column per question."""
    columns: list[str] = []
    for assignment in sorted(specs):
        ids = [q.grade_id for spec in specs[assignment] for q in spec.questions]
        for spec in specs[assignment]:
            for question in spec.questions:
                name = question.grade_id if ids.count(question.grade_id) == 1 else f"{spec.name}:{question.grade_id}"
                if name not in columns:
                    columns.append(name)
    rows = []
    for record in sorted(records, key=lambda r: (r["learner"], r["assignment"])):
        names = column_names(record)
        for name in names.values():
            if name not in columns:
                columns.append(name)
        total, maximum, waiting = totals(record)
        row = {"learner": record["learner"], "assignment": record["assignment"],
               "total": fmt(total), "max": fmt(maximum), "needs_manual_grade": " ".join(waiting),
               "problem": "; ".join(record["problems"])}
        for question in record["questions"]:
            row[names[(question["notebook"], question["id"])]] = fmt(question["score"])
        rows.append(row)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=FIXED_START + columns + FIXED_END, lineterminator="\n",
                            restval="")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


STYLE = """
body { font-family: system-ui, sans-serif; max-width: 56rem; margin: 2rem auto; padding: 0 1rem; color: #222; }
table { border-collapse: collapse; width: 100%; }
th, td { border-bottom: 1px solid #ddd; padding: .4rem .5rem; text-align: left; vertical-align: top; }
.passed { color: #1a7f37; } .failed { color: #b42318; } .partial { color: #9a6700; }
.waiting { color: #555; font-style: italic; }
.notes { background: #fff8e1; border-left: 4px solid #f0b400; padding: .5rem 1rem; margin: 1rem 0; }
"""


CSS_CLASS = {"passed": "passed", "graded by hand": "passed", "partial": "partial", "failed": "failed",
             "not answered": "failed", "not graded": "failed", "waiting for a grader": "waiting"}


def feedback_html(record: dict[str, Any]) -> str:
    """One learner's feedback page for one assignment: score, notes, and a line per question.

    Test failures show the assertion's message (what was checked, and a hint) — never the hidden test.
    """
    esc = html.escape
    total, maximum, waiting = totals(record)
    lines = [
        "<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
        f"<title>Feedback: {esc(record['assignment'])} — {esc(record['learner'])}</title>",
        f"<style>{STYLE}</style>", "</head>", "<body>",
        f"<h1>Feedback: {esc(record['assignment'])}</h1>",
        f"<p>Learner: <strong>{esc(record['learner'])}</strong></p>",
        f"<p>Score: <strong>{fmt(total)} / {fmt(maximum)}</strong>"
        + (f" — {fmt(sum(q['max'] for q in record['questions'] if q['score'] is None))} points are "
           "waiting for a grader (written answers are graded by hand)." if waiting else ".") + "</p>",
    ]
    if record["problems"]:
        lines += ['<div class="notes">', "<p><strong>Notes from the grader</strong></p>", "<ul>"]
        lines += [f"<li>{esc(p)}</li>" for p in record["problems"]]
        lines += ["</ul>", "</div>"]
    lines += ["<table>", "<thead><tr><th>Question</th><th>Points</th><th>Result</th>"
              "<th>What was checked</th></tr></thead>", "<tbody>"]
    for question in record["questions"]:
        status = question["status"]
        css = CSS_CLASS.get(status, "failed")
        points = "–" if question["score"] is None else fmt(question["score"])
        lines.append(
            f'<tr><td>{esc(question["id"])}<br><small>{esc(question["notebook"])}</small></td>'
            f"<td>{points} / {fmt(question['max'])}</td>"
            f'<td class="{esc(css)}">{esc(status)}</td><td>{esc(question["message"])}</td></tr>')
    lines += ["</tbody>", "</table>",
              "<p><small>Hidden tests are not shown. Each message says what was checked and gives a hint; "
              "run the self-checks in the exercise notebook before you submit again.</small></p>",
              "</body>", "</html>", ""]
    return "\n".join(lines)


def write_if_changed(path: Path, text: str) -> bool:
    """Write text (UTF-8, \\n line ends) unless the file already holds exactly that; True if written."""
    data = text.encode("utf-8")
    if path.exists() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return True
