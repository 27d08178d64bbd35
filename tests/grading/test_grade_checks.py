"""The grader's checks before any code runs: reading damaged files, tampering, importing submissions, reports.

No kernels here: these are fast tests of tools/grader/checks.py, collect.py, report.py and lint.py on the
SYNTHETIC demo course in fixtures/demo-course.
"""

from __future__ import annotations

import io
import json
import sys
import unicodedata
import zipfile
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from demo_class import CORRECT, cell_of, filled  # noqa: E402
from tools.grader import report  # noqa: E402
from tools.grader.checks import check_notebook, parse_notebook  # noqa: E402
from tools.grader.collect import clean_learner, collect  # noqa: E402
from tools.grader.course import assignment_names, prepare_course  # noqa: E402
from tools.grader.lint import lint_assignment  # noqa: E402

COURSE = ROOT / "tests" / "grading" / "fixtures" / "demo-course"

pytestmark = pytest.mark.grading


@pytest.fixture(scope="module")
def course_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("course")


@pytest.fixture(scope="module")
def specs(course_dir):
    return prepare_course(COURSE, course_dir, assignment_names(COURSE))


@pytest.fixture(scope="module")
def release(specs, course_dir) -> dict:
    """The learners' exercise: the release nbgrader made from the demo course's solutions."""
    return json.loads((course_dir / "release" / "01-demo" / "demo.ipynb").read_text())


def as_bytes(notebook: dict) -> bytes:
    return json.dumps(notebook).encode()


def ids_of(result) -> list:
    return [c.metadata.get("nbgrader", {}).get("grade_id") for c in result.notebook.cells]


# -- reading files --------------------------------------------------------------------------------------

@pytest.mark.parametrize("raw, reason", [
    (None, "missing notebook: demo.ipynb was not submitted"),
    (b"", "empty file: demo.ipynb"),
    (b"   \n", "empty file: demo.ipynb"),
    (b'{"cells": [', "malformed notebook JSON in demo.ipynb (line 1, column 12"),
    (b"\xff\xfe\x00garbage", "not a notebook: demo.ipynb is not a text file"),
    (b'{"metadata": {}}', "not a notebook: demo.ipynb is JSON but has no list of cells"),
    (b"[1, 2, 3]", "not a notebook: demo.ipynb is JSON but has no list of cells"),
    (b"x" * (20 * 1024 * 1024 + 1), "file too large: demo.ipynb"),
])
def test_unreadable_files_are_named_with_the_reason(raw, reason):
    notebook, fatal, _ = parse_notebook(raw, "demo.ipynb")
    assert notebook is None
    assert fatal.startswith(reason)


def test_damaged_cells_are_dropped_and_counted():
    raw = json.dumps({"cells": [{"cell_type": "code", "source": ["a = ", "1"]}, "junk", {"cell_type": "weird"},
                                {"cell_type": "markdown", "source": "hi", "metadata": {"nbgrader": "bad"}}]})
    notebook, fatal, problems = parse_notebook(raw.encode(), "demo.ipynb")
    assert fatal is None
    assert [c.source for c in notebook.cells] == ["a = 1", "hi"]
    assert "nbgrader" not in notebook.cells[1].metadata
    assert problems == ["2 damaged cells in demo.ipynb were ignored"]


# -- comparing with the release -------------------------------------------------------------------------

def test_untouched_and_correct_submissions_have_no_problems(specs, release):
    spec = specs["01-demo"][0]
    for notebook in (release, filled(release, CORRECT)):
        result = check_notebook(as_bytes(notebook), spec, specs["02-other"])
        assert result.fatal is None and result.problems == []
        assert ids_of(result) == [c.grade_id for c in spec.cells]
    assert check_notebook(as_bytes(filled(release, CORRECT)), spec).answered == {
        "q1_answer", "q2_answer", "q3_answer", "q4_written"}


def test_deleted_test_cell_is_put_back_before_the_next_kept_cell(specs, release):
    spec = specs["01-demo"][0]
    notebook = filled(release, CORRECT)
    notebook["cells"].remove(cell_of(notebook, "q2_tests"))
    notebook["cells"].remove(cell_of(notebook, "q2_text"))
    result = check_notebook(as_bytes(notebook), spec)
    assert ids_of(result) == [c.grade_id for c in spec.cells]
    restored = result.notebook.cells[ids_of(result).index("q2_tests")]
    assert restored.source == spec.cell("q2_tests").source
    assert restored.metadata.nbgrader == spec.cell("q2_tests").metadata["nbgrader"]
    assert result.problems == ["test cell q2_tests was deleted; the original test was put back and run"]


def test_edited_tests_points_and_flags_are_restored_and_reported(specs, release):
    spec = specs["01-demo"][0]
    notebook = filled(release, CORRECT)
    cell_of(notebook, "q1_tests")["source"] = "pass"
    cell_of(notebook, "q3_tests")["metadata"]["nbgrader"]["points"] = "lots"
    cell_of(notebook, "q2_answer")["metadata"]["nbgrader"]["grade"] = True
    cell_of(notebook, "intro")["source"] = "# my title"
    result = check_notebook(as_bytes(notebook), spec)
    assert result.problems == [
        "read-only cell intro was edited; the original was restored",
        "test cell q1_tests was edited; the original test was run instead",
        "nbgrader settings of answer cell q2_answer were changed (restored)",
        "points of q3_tests were changed from 3 to 'lots' (restored)",
    ]
    cells = dict(zip(ids_of(result), result.notebook.cells))
    assert cells["q1_tests"].source == spec.cell("q1_tests").source
    assert cells["q3_tests"].metadata.nbgrader.points == 3
    assert cells["q2_answer"].metadata.nbgrader.grade is False
    assert cells["q2_answer"].source == CORRECT["q2_answer"]
    assert cells["intro"].source == spec.cell("intro").source


def test_added_duplicated_and_moved_cells_are_reported(specs, release):
    spec = specs["01-demo"][0]
    notebook = filled(release, CORRECT)
    q1_tests = cell_of(notebook, "q1_tests")
    notebook["cells"].append(json.loads(json.dumps(q1_tests)))
    notebook["cells"].insert(0, {"cell_type": "code", "metadata": {"nbgrader": {"grade_id": "mine"}},
                                 "source": "x = 1", "outputs": []})
    notebook["cells"].remove(q1_tests)
    notebook["cells"].insert(0, q1_tests)
    result = check_notebook(as_bytes(notebook), spec)
    assert result.problems == [
        "a cell with unknown nbgrader id 'mine' ran as an ordinary cell",
        "test cell q1_tests was duplicated; the copy ran as an ordinary cell",
        "2 added code cells in demo.ipynb (they ran where the learner put them; check they do not change what "
        "the tests see)",
        "cells were moved in demo.ipynb: test cell q1_tests now comes before read-only cell intro; they ran in "
        "the submitted order",
    ]
    assert ids_of(result).count("q1_tests") == 1 and result.origins.count(None) == 2


def test_changed_cell_type_is_changed_back(specs, release):
    spec = specs["01-demo"][0]
    notebook = filled(release, CORRECT)
    cell_of(notebook, "q4_written")["cell_type"] = "code"
    result = check_notebook(as_bytes(notebook), spec)
    assert result.problems == ["written answer q4_written was changed from markdown to code (changed back)"]
    assert result.notebook.cells[ids_of(result).index("q4_written")].cell_type == "markdown"


def test_notebook_of_another_assignment_is_not_graded(specs):
    other = nbformat.writes(nbformat.read(COURSE / "solutions" / "02-other" / "other.ipynb", as_version=4))
    result = check_notebook(other.encode(), specs["01-demo"][0], specs["02-other"])
    assert result.notebook is None
    assert result.fatal.startswith("wrong assignment: demo.ipynb submitted for 01-demo is the notebook of "
                                   "02-other (other.ipynb)")


def test_notebook_without_exercise_cells_gets_the_tests_appended(specs):
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(CORRECT["q1_answer"])])
    result = check_notebook(nbformat.writes(notebook).encode(), specs["01-demo"][0], specs["02-other"])
    assert result.problems[0].startswith("demo.ipynb: no exercise cells found")
    assert ids_of(result) == [None] + [c.grade_id for c in specs["01-demo"][0].cells if c.kind != "answer"]


def test_cells_stripped_of_metadata_are_matched_by_content(specs, release):
    notebook = filled(release, CORRECT)
    for cell in notebook["cells"]:
        cell["metadata"] = {}
    spec = specs["01-demo"][0]
    result = check_notebook(as_bytes(notebook), spec, specs["02-other"])
    answers = {"q1_answer", "q2_answer", "q3_answer", "q4_written"}
    assert ids_of(result) == [None if c.grade_id in answers else c.grade_id for c in spec.cells] + ["q4_written"]
    assert result.problems == [
        "8 cells of demo.ipynb had lost their nbgrader metadata (an editor that drops it?); they were matched to "
        "the exercise by their content, and the answers ran where they are",
        "written answer q4_written was deleted; the blank exercise cell was put back"]
    other = json.loads((COURSE / "solutions" / "02-other" / "other.ipynb").read_text())
    for cell in other["cells"]:
        cell["metadata"] = {}
    assert check_notebook(as_bytes(other), spec, specs["02-other"]).fatal.startswith("wrong assignment")


def _saved_by(editor: str, notebook: dict) -> bytes:
    """The same answers as other Jupyter versions and editors save them."""
    notebook = json.loads(json.dumps(notebook))
    if editor == "old jupyter (4.4, no cell ids)":
        notebook["nbformat_minor"] = 4
        for cell in notebook["cells"]:
            cell.pop("id", None)
    elif editor == "colab":
        notebook["metadata"] = {"colab": {"provenance": []}, "kernelspec": {"name": "python3"}, "accelerator": "GPU"}
        for cell in notebook["cells"]:
            cell["metadata"]["colab"] = {"base_uri": "https://localhost:8080/"}
            cell["source"] = cell["source"].splitlines(True) if isinstance(cell["source"], str) else cell["source"]
    elif editor == "vscode, run":
        notebook["metadata"]["vscode"] = {"interpreter": {"hash": "abc"}}
        for number, cell in enumerate(notebook["cells"]):
            if cell["cell_type"] == "code":
                cell["execution_count"] = number
                cell["outputs"] = [{"output_type": "execute_result", "execution_count": number, "metadata": {},
                                    "data": {"text/plain": "42"}}]
    elif editor == "nbformat 3":
        return nbformat.writes(nbformat.convert(nbformat.reads(json.dumps(notebook), as_version=4), 3)).encode()
    data = json.dumps(notebook, indent=1).encode()
    if editor == "windows (CRLF, BOM)":
        data = b"\xef\xbb\xbf" + data.replace(b"\n", b"\r\n")
    return data


@pytest.mark.parametrize("editor", ["old jupyter (4.4, no cell ids)", "colab", "vscode, run", "nbformat 3",
                                    "windows (CRLF, BOM)"])
def test_notebooks_saved_by_other_editors_are_read_whole(specs, release, editor):
    spec = specs["01-demo"][0]
    result = check_notebook(_saved_by(editor, filled(release, CORRECT)), spec, specs["02-other"])
    assert result.fatal is None and result.problems == []
    assert ids_of(result) == [c.grade_id for c in spec.cells]
    assert result.answered == {"q1_answer", "q2_answer", "q3_answer", "q4_written"}
    assert all(not cell.get("outputs") for cell in result.notebook.cells)


def test_images_pasted_into_a_written_answer_are_kept(specs, release):
    notebook = filled(release, CORRECT)
    image = {"image.png": {"image/png": "iVBORw0KGgo="}}
    cell_of(notebook, "q4_written")["attachments"] = image
    cell_of(notebook, "q4_written")["source"] += "\n![diagram](attachment:image.png)"
    cell_of(notebook, "intro")["attachments"] = {"bad": "not a dict"}
    result = check_notebook(as_bytes(notebook), specs["01-demo"][0])
    cells = dict(zip(ids_of(result), result.notebook.cells))
    assert cells["q4_written"].attachments == image and "attachments" not in cells["intro"]
    nbformat.validate(result.notebook)


def test_deleted_answer_cell_is_not_put_back(specs, release):
    notebook = filled(release, CORRECT)
    answer = cell_of(notebook, "q2_answer")
    notebook["cells"].remove(answer)
    notebook["cells"].insert(0, {"cell_type": "code", "metadata": {}, "outputs": [], "source": answer["source"]})
    result = check_notebook(as_bytes(notebook), specs["01-demo"][0])
    assert "q2_answer" not in ids_of(result)
    assert result.problems == [
        "1 added code cell in demo.ipynb (they ran where the learner put them; check they do not change what the "
        "tests see)",
        "answer cell q2_answer was deleted; its test ran on what the rest of the notebook defines"]


# -- importing submissions ------------------------------------------------------------------------------

def write(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)


def test_folder_layouts(specs, release, tmp_path):
    good = as_bytes(filled(release, CORRECT))
    other = (COURSE / "solutions" / "02-other" / "other.ipynb").read_bytes()
    write(tmp_path / "ann" / "01-demo" / "demo.ipynb", good)             # learner/assignment/notebook
    write(tmp_path / "02-other" / "ben" / "other.ipynb", other)          # assignment/learner/notebook
    write(tmp_path / "cat" / "demo (2).ipynb", good)                      # learner/notebook, LMS suffix
    write(tmp_path / "cat" / "renamed-by-cat.ipynb", other)               # matched by its contents
    write(tmp_path / "Dee Doe_1234_assignsubmission_file_" / "demo.ipynb", good)   # Moodle
    write(tmp_path / "eve" / "01-demo" / "notes.txt", b"no notebook")
    write(tmp_path / ".ipynb_checkpoints" / "x.ipynb", good)
    submissions, warnings = collect(tmp_path, specs)
    found = {(s.learner, s.assignment): s for s in submissions}
    assert sorted(found) == [("Dee-Doe_1234", "01-demo"), ("ann", "01-demo"), ("ben", "02-other"),
                             ("cat", "01-demo"), ("cat", "02-other"), ("eve", "01-demo")]
    assert found[("ann", "01-demo")].files == {"demo.ipynb": good} and found[("ann", "01-demo")].problems == []
    assert found[("cat", "02-other")].files == {"other.ipynb": other}
    assert found[("cat", "02-other")].problems == ["renamed-by-cat.ipynb was graded as other.ipynb"]
    assert found[("cat", "01-demo")].problems == []  # an LMS's " (2)" is not worth a note
    assert found[("eve", "01-demo")].files == {"demo.ipynb": None}
    assert found[("eve", "01-demo")].problems == ["no notebook found", "not a notebook, ignored: notes.txt"]
    assert warnings == []


def test_flat_lms_zip(specs, release, tmp_path):
    good = as_bytes(filled(release, CORRECT))
    old = as_bytes(release)
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("alice_01-demo_demo.ipynb", good)
        zf.writestr(zipfile.ZipInfo("bob_12345_67890_demo.ipynb", (2024, 1, 1, 10, 0, 0)), old)
        zf.writestr(zipfile.ZipInfo("bob_12345_67891_demo-1.ipynb", (2024, 1, 2, 10, 0, 0)), good)
        zf.writestr("carol_other.ipynb", b"")
        zf.writestr("__MACOSX/._alice_01-demo_demo.ipynb", b"junk")
        zf.writestr("../evil_demo.ipynb", good)
        zf.writestr("readme.txt", b"exported by the LMS")
    submissions, warnings = collect(archive, specs)
    found = {(s.learner, s.assignment): s for s in submissions}
    assert sorted(found) == [("alice", "01-demo"), ("bob", "01-demo"), ("carol", "02-other")]
    assert found[("alice", "01-demo")].problems == []
    assert found[("bob", "01-demo")].files["demo.ipynb"] == good
    assert found[("bob", "01-demo")].problems == ["2 files for demo.ipynb; graded bob_12345_67891_demo-1.ipynb "
                                                  "(the most answered, then the newest), not "
                                                  "bob_12345_67890_demo.ipynb"]
    assert found[("carol", "02-other")].files == {"other.ipynb": b""}
    assert warnings == ["skipped '../evil_demo.ipynb' in the zip: its path leaves the zip's folder",
                        "ignored readme.txt: not a notebook"]


def zipped(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in files.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def test_layouts_of_lms_exports_and_the_nbgrader_exchange(specs, release, tmp_path):
    """What instructors really receive: each file lands with the right learner, assignment and notebook."""
    good = as_bytes(filled(release, CORRECT))
    blank = as_bytes(release)
    other = (COURSE / "solutions" / "02-other" / "other.ipynb").read_bytes()
    # nbgrader: `collect` layout with its timestamp.txt, and the exchange's inbound folder (latest one graded)
    write(tmp_path / "submitted" / "bo" / "01-demo" / "demo.ipynb", good)
    write(tmp_path / "submitted" / "bo" / "01-demo" / "timestamp.txt", b"2026-11-20 10:00:00.000000 UTC")
    write(tmp_path / "inbound" / "cy+01-demo+2026-11-20 10:00:00.000000 UTC+a1b2" / "demo.ipynb", good)
    write(tmp_path / "inbound" / "cy+01-demo+2026-11-21 09:00:00.000000 UTC+c3d4" / "demo.ipynb", blank)
    # Blackboard (two learners, one assignment title, with receipts), Moodle without folders, Canvas "LATE"
    write(tmp_path / "Demo Week_bb1_attempt_2026-11-20-10-00-00_demo.ipynb", good)
    write(tmp_path / "Demo Week_bb1_attempt_2026-11-20-10-00-00.txt", b"Name: B One")
    write(tmp_path / "Demo Week_bb2_attempt_2026-11-21-09-00-00_demo.ipynb", good)
    write(tmp_path / "Dee Doe_1234_assignsubmission_file_demo (1).ipynb", good)
    write(tmp_path / "smithjo_LATE_123_456_Copy of demo.ipynb", good)
    write(tmp_path / "lee_201_1_demo.ipynb", good)   # two learners named Lee: Canvas's user ids tell them apart
    write(tmp_path / "lee_202_2_demo.ipynb", good)
    # learner ids in other alphabets (a macOS zip spells them decomposed), and a zip a learner uploaded
    write(tmp_path / "李雷_1002_assignsubmission_file_" / "demo.ipynb", good)
    write(tmp_path / unicodedata.normalize("NFD", "Zoë Öz_1005_assignsubmission_file_") / "demo.ipynb", good)
    write(tmp_path / "Ann Lee_1004_assignsubmission_file_" / "my work.zip", zipped({"My Project/demo.ipynb": good}))
    # a zip per learner in a wrapper folder; an LMS export zip put in a folder
    write(tmp_path / "Course Export" / "erin.zip", zipped({"01-demo/demo.ipynb": good, "02-other/other.ipynb": other}))
    write(tmp_path / "Course Export" / "frank.zip", zipped({"demo.ipynb": good}))
    write(tmp_path / "downloads" / "export.zip", zipped({"gus_01-demo_demo.ipynb": good, "hal_demo.ipynb": good}))
    write(tmp_path / "downloads" / "Other-123.zip", zipped({"Tom Tu_77_assignsubmission_file_/other.ipynb": other}))
    write(tmp_path / "uma" / "01-demo.zip", zipped({"01-demo/demo.ipynb": good}))  # a zip named after its assignment
    # flat files in an assignment folder; an HTML export; editors' renamings; two copies; big outputs
    write(tmp_path / "week 1" / "01-demo" / "ivy_demo.ipynb", good)
    write(tmp_path / "jo" / "demo.html", b"<html></html>")
    write(tmp_path / "kim" / "Demo-Copy1.ipynb", good)
    write(tmp_path / "pat" / "demo" / "demo.ipynb", good)                      # a folder named after the notebook
    write(tmp_path / "quinn" / "exercises" / "01-demo" / "demo.ipynb", good)   # the course's own folders
    write(tmp_path / "rae" / "my_demo.ipynb", good)       # a learner's own names with "_" are not an LMS export
    write(tmp_path / "rae" / "final_other.ipynb", other)
    write(tmp_path / "sam" / "demo.ipynb", good)           # the same file twice: no note
    write(tmp_path / "sam" / "01-demo.zip", zipped({"demo.ipynb": good}))
    write(tmp_path / "vic" / "01_Demo" / "demo.ipynb", good)   # the assignment folder renamed by a platform
    write(tmp_path / "max" / "demo.ipynb", good)
    write(tmp_path / "max" / "demo (1).ipynb", blank)  # written last: the newest, but nothing answered
    big = filled(release, CORRECT)
    for cell in big["cells"]:
        if cell["cell_type"] == "code":
            cell["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "x" * 4_000_000}]
    write(tmp_path / "ned" / "demo.ipynb", as_bytes(big))

    submissions, warnings = collect(tmp_path, specs)
    found = {(s.learner, s.assignment): s for s in submissions}
    assert sorted(found) == sorted([
        ("bo", "01-demo"), ("cy", "01-demo"), ("bb1", "01-demo"), ("bb2", "01-demo"), ("Dee-Doe_1234", "01-demo"),
        ("smithjo", "01-demo"), ("李雷_1002", "01-demo"), ("Zoë-Öz_1005", "01-demo"), ("Ann-Lee_1004", "01-demo"),
        ("erin", "01-demo"), ("erin", "02-other"), ("frank", "01-demo"), ("gus", "01-demo"), ("hal", "01-demo"),
        ("ivy", "01-demo"), ("jo", "01-demo"), ("kim", "01-demo"), ("max", "01-demo"), ("ned", "01-demo"),
        ("pat", "01-demo"), ("quinn", "01-demo"), ("lee_201", "01-demo"), ("lee_202", "01-demo"),
        ("rae", "01-demo"), ("rae", "02-other"), ("sam", "01-demo"),
        ("Tom-Tu_77", "02-other"), ("uma", "01-demo"), ("vic", "01-demo")])
    assert warnings == []
    for key, submission in found.items():
        if key[0] not in ("cy", "jo", "max"):
            assert submission.problems == [], key
            if key[0] != "ned":
                assert submission.files == ({"demo.ipynb": good} if key[1] == "01-demo" else {"other.ipynb": other})
    assert found[("cy", "01-demo")].files == {"demo.ipynb": blank}
    assert found[("cy", "01-demo")].problems == [
        "2 files for demo.ipynb; graded inbound/cy+01-demo+2026-11-21 09:00:00.000000 UTC+c3d4/demo.ipynb (the "
        "latest submission), not inbound/cy+01-demo+2026-11-20 10:00:00.000000 UTC+a1b2/demo.ipynb"]
    assert found[("max", "01-demo")].files == {"demo.ipynb": good}
    assert found[("max", "01-demo")].problems == [
        "2 files for demo.ipynb; graded max/demo.ipynb (the most answered, then the newest), not max/demo (1).ipynb"]
    assert found[("jo", "01-demo")].files == {"demo.ipynb": None}
    assert found[("jo", "01-demo")].problems == [
        "no notebook found", "not a notebook, ignored: demo.html (the learner should submit demo.ipynb)"]
    huge = found[("ned", "01-demo")].files["demo.ipynb"]
    assert len(huge) < 100_000  # the outputs went at once; the cells stay
    assert check_notebook(huge, specs["01-demo"][0]).answered == {"q1_answer", "q2_answer", "q3_answer", "q4_written"}
    assert parse_notebook(as_bytes(big), "demo.ipynb")[1] is None


def test_zip_member_names_in_utf8_without_the_utf8_flag(specs, release, tmp_path):
    """Zips made on macOS or Linux store UTF-8 names without the flag; Python reads them as cp437."""
    archive = tmp_path / "export.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("José Müller_1001_assignsubmission_file_/demo.ipynb", as_bytes(release))
    data = bytearray(archive.read_bytes())
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):  # clear bit 11 in every header
        start = data.find(signature)
        while start >= 0:
            data[start + offset + 1] &= 0xF7  # bit 11 of the little-endian flags
            start = data.find(signature, start + 4)
    archive.write_bytes(bytes(data))
    assert zipfile.ZipFile(archive).infolist()[0].filename.startswith("Jos├")
    submissions, _ = collect(archive, specs)
    assert [s.learner for s in submissions] == ["José-Müller_1001"]


def test_a_whole_nbgrader_course_folder_grades_only_the_submissions(specs, release, tmp_path):
    good = as_bytes(filled(release, CORRECT))
    solution = (COURSE / "solutions" / "01-demo" / "demo.ipynb").read_bytes()
    write(tmp_path / "course" / "source" / "01-demo" / "demo.ipynb", solution)
    write(tmp_path / "course" / "release" / "01-demo" / "demo.ipynb", as_bytes(release))
    write(tmp_path / "course" / "submitted" / "ann" / "01-demo" / "demo.ipynb", good)
    write(tmp_path / "course" / "autograded" / "ann" / "01-demo" / "demo.ipynb", solution)
    write(tmp_path / "course" / "feedback" / "ann" / "01-demo" / "demo.html", b"<html></html>")
    submissions, warnings = collect(tmp_path, specs)
    assert [(s.learner, s.assignment, s.files, s.problems) for s in submissions] == [
        ("ann", "01-demo", {"demo.ipynb": good}, [])]
    assert warnings == ["ignored the nbgrader course folders course/autograded/, course/feedback/, course/release/, "
                        "course/source/: only the learners' submitted/ (or inbound/) files are graded"]


def test_pattern_option(specs, release, tmp_path):
    write(tmp_path / "week1" / "submission-zoe-demo.ipynb", as_bytes(release))
    submissions, _ = collect(tmp_path, specs, r"submission-(?P<learner>[a-z]+)-(?P<notebook>\w+)\.ipynb$")
    assert [(s.learner, s.assignment) for s in submissions] == [("zoe", "01-demo")]
    nbgrader_names = r"submission-(?P<student_id>[a-z]+)-(?P<file_id>\w+)\.ipynb$"  # nbgrader's FileNameCollector
    assert [(s.learner, s.assignment) for s in collect(tmp_path, specs, nbgrader_names)[0]] == [("zoe", "01-demo")]
    with pytest.raises(ValueError, match="named group"):
        collect(tmp_path, specs, r"(?P<student>.*)")


def test_not_a_folder_or_zip(specs, tmp_path):
    path = tmp_path / "grades.csv"
    path.write_text("a,b")
    with pytest.raises(ValueError, match="neither a folder nor a zip"):
        collect(path, specs)
    damaged = tmp_path / "export.zip"
    damaged.write_bytes(zipped({"alice_demo.ipynb": b"{}" * 1000})[:500])  # a download that stopped
    with pytest.raises(ValueError, match="not a readable zip"):
        collect(damaged, specs)


@pytest.mark.parametrize("raw, clean", [("alice", "alice"), ("Ann Lee", "Ann-Lee"), ("../../etc", "etc"),
                                        ("<script>", "script"), ("", "unknown-learner"),
                                        ("Dee Doe_1234_assignsubmission_file_", "Dee-Doe_1234")])
def test_learner_ids_are_safe_folder_names(raw, clean):
    assert clean_learner(raw) == clean


# -- reports and authoring ------------------------------------------------------------------------------

def test_csv_and_feedback_are_stable_and_escaped(specs):
    record = {"learner": "b", "assignment": "01-demo", "key": "k", "problems": ["x <b>bold</b>, y"],
              "questions": [{"id": "q1_tests", "notebook": "demo.ipynb", "kind": "test", "score": 1.5, "max": 2.0,
                             "status": "partial", "message": "a < b"},
                            {"id": "q4_written", "notebook": "demo.ipynb", "kind": "written", "score": None,
                             "max": 2.0, "status": "waiting for a grader", "message": "graded by hand"}]}
    first = {**record, "learner": "a", "problems": []}
    text = report.build_csv([record, first], specs)
    assert text == (
        "learner,assignment,q1_tests,q2_tests,q3_tests,q4_written,other_tests,total,max,needs_manual_grade,problem\n"
        "a,01-demo,1.5,,,,,1.5,4,q4_written,\n"
        'b,01-demo,1.5,,,,,1.5,4,q4_written,"x <b>bold</b>, y"\n')
    page = report.feedback_html(record)
    assert "x &lt;b&gt;bold&lt;/b&gt;, y" in page and "a &lt; b" in page
    assert "2 points are waiting for a grader" in page
    graded = report.apply_hand_grades(record, {"demo.ipynb:q4_written": {"score": 2, "comment": "good"}})
    assert report.totals(graded) == (3.5, 4.0, [])


def test_demo_course_tests_teach(tmp_path):
    for assignment in assignment_names(COURSE):
        assert lint_assignment(COURSE / "solutions" / assignment) == []
    bad = nbformat.read(COURSE / "solutions" / "02-other" / "other.ipynb", as_version=4)
    bad.cells[2].source = "### BEGIN HIDDEN TESTS\nassert founders == 20\n### END HIDDEN TESTS"
    nbformat.write(bad, tmp_path / "other.ipynb")
    assert lint_assignment(tmp_path) == [
        "other.ipynb: test cell other_tests, line 2: assert without a message (add `, \"what was checked; a "
        "hint\"`)",
        "other.ipynb: test cell other_tests has no visible self-check (an assert before ### BEGIN HIDDEN TESTS)",
    ]


@pytest.mark.parametrize("assignment", assignment_names(ROOT))
def test_course_assignments_tests_teach(assignment):
    """The real course's test cells: every assert has a message and each test cell has a visible self-check."""
    assert lint_assignment(ROOT / "solutions" / assignment) == []


def test_a_crashed_or_hung_worker_loses_no_other_grade(specs, tmp_path):
    import pool_helpers
    from tools.grader.pool import run_jobs
    from tools.grader.jobs import Job, Settings

    settings = Settings(course_root=COURSE, course_dir=tmp_path, gradebook_template=tmp_path / "x.db",
                        sandbox_mode="none", notebook_timeout=1)
    learners = ["ann", "crashes", "ben", "hangs", "cy", "dee"]
    jobs = [Job(name, "01-demo", {"demo.ipynb": None}, [], name) for name in learners]
    results = []
    run_jobs(jobs, settings, specs, 2, results.append, task=pool_helpers.task, initializer=pool_helpers.init,
             stall_grace=3)
    got = {r["learner"]: r["problems"] for r in results}
    assert sorted(got) == sorted(learners)
    assert {name: got[name] for name in ("ann", "ben", "cy", "dee")} == dict.fromkeys(("ann", "ben", "cy", "dee"), [])
    for name in ("crashes", "hangs"):
        assert got[name] == ["the grading process crashed or hung twice while this submission was being graded; "
                             "look at it by hand"]


def test_feedback_names_the_likely_cause_of_an_error():
    from nbformat.v4 import new_code_cell, new_output

    from tools.grader.jobs import Limits
    from tools.grader.worker import _limit_hint, feedback_for_test

    cell = new_code_cell("assert is_decline_over(80, 100, 10)")
    cell.outputs = [new_output("error", ename="NameError", evalue="name 'percent_decline' is not defined",
                               traceback=[])]
    assert feedback_for_test(cell, False, {}, 60, earlier=["answer cell q1_answer"]) == (
        "NameError: name 'percent_decline' is not defined — it may come from an earlier exercise that is blank or "
        "stopped with an error: answer cell q1_answer")
    assert feedback_for_test(cell, False, {}, 60).endswith("run the answer cell above (and every cell before it) "
                                                           "without errors")
    assert _limit_hint("StdinNotImplementedError", "raw_input was called", Limits()).startswith(" (input() gets no")


def test_flat_names_never_merge_two_learners(specs, release, tmp_path):
    good, blank = as_bytes(filled(release, CORRECT)), as_bytes(release)
    other = json.loads((COURSE / "solutions" / "02-other" / "other.ipynb").read_text())
    write(tmp_path / "ada_smith_demo.ipynb", good)
    write(tmp_path / "ada_jones_demo.ipynb", blank)
    write(tmp_path / "bo_smith_02-other_other.ipynb", as_bytes(other))
    write(tmp_path / "bo_jones_01-demo_demo.ipynb", good)
    write(tmp_path / "cy_demo.ipynb", blank)
    write(tmp_path / "cy_demo (2).ipynb", good)
    submissions, warnings = collect(tmp_path, specs)
    found = {(s.learner, s.assignment): s for s in submissions}
    assert sorted(found) == [("ada_jones", "01-demo"), ("ada_smith", "01-demo"), ("bo_jones", "01-demo"),
                             ("bo_smith", "02-other"), ("cy", "01-demo")]
    assert found[("ada_smith", "01-demo")].files == {"demo.ipynb": good}
    assert found[("ada_jones", "01-demo")].files == {"demo.ipynb": blank}
    assert found[("cy", "01-demo")].files == {"demo.ipynb": good}  # one learner's two files: the most answered
    assert sorted(w.split(": kept apart as learners ")[1].split(" (")[0] for w in warnings) == [
        "ada_jones, ada_smith", "bo_jones, bo_smith"]
    assert all("--pattern" in w for w in warnings)


def test_learner_folders_without_a_notebook_get_a_row(specs, release, tmp_path):
    write(tmp_path / "ann" / "01-demo" / "demo.ipynb", as_bytes(filled(release, CORRECT)))
    (tmp_path / "kim" / "01-demo").mkdir(parents=True)
    write(tmp_path / "lee" / "essay.pdf", b"%PDF")
    (tmp_path / "02-other" / "max").mkdir(parents=True)
    submissions, warnings = collect(tmp_path, specs)
    rows = {(s.learner, s.assignment): s.problems for s in submissions}
    assert rows == {("ann", "01-demo"): [], ("kim", "01-demo"): ["no notebook found (the folder is empty)"],
                    ("lee", "01-demo"): ["no notebook found (only: essay.pdf)"],
                    ("max", "02-other"): ["no notebook found (the folder is empty)"]}
    assert sum("no notebook found" in w for w in warnings) == 3
