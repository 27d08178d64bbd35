"""The persistent nbgrader course under grades/course: source, release and gradebook (formgrader uses it).

``prepare_course`` copies each assignment of ``<course root>/solutions`` into ``grades/course/source`` and
runs nbgrader's generate_assignment there (only when the solutions changed, tracked by a content hash), so the
gradebook knows every cell, its points and its hidden tests. The release it makes is what submissions are
compared with.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import sys
from pathlib import Path

import nbformat
from traitlets.config import Config
from traitlets.config.loader import PyFileConfigLoader

from tools.grader.checks import NotebookSpec

FORMGRADER_CONFIG = '''"""nbgrader configuration of the grading course made by `make grade` (tools/grade.py).

Open the formgrader here to grade written answers by hand:  jupyter lab  (then Nbgrader > Formgrader).
Do not edit source/ here: edit the course's solutions/ and run `make grade` again.
"""
from pathlib import Path

c = get_config()  # noqa: F821
c.CourseDirectory.root = str(Path(__file__).resolve().parent)
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
c.CourseDirectory.course_id = {course_id!r}
c.CourseDirectory.include = ["*.ipynb"]
c.ClearSolutions.code_stub = {code_stub!r}
c.Exchange.root = str(Path(__file__).resolve().parent / "exchange")  # unused: no JupyterHub exchange
'''


def assignment_names(course_root: Path) -> list[str]:
    """Assignments of a course: folders of ``solutions/`` that hold at least one notebook."""
    source = course_root / "solutions"
    if not source.is_dir():
        return []
    return sorted(p.name for p in source.iterdir() if p.is_dir() and any(p.glob("*.ipynb")))


def load_course_config(course_root: Path) -> Config:
    """The course's nbgrader_config.py (time limit, code stubs, hidden-test rules), or an empty Config."""
    path = course_root / "nbgrader_config.py"
    if not path.exists():
        return Config()
    return PyFileConfigLoader(path.name, str(course_root)).load_config()


def source_hash(course_root: Path, assignment: str) -> str:
    """A hash of every file of one assignment's solutions folder (names and bytes)."""
    digest = hashlib.sha256()
    folder = course_root / "solutions" / assignment
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and ".ipynb_checkpoints" not in p.parts):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def course_config(course_root: Path, course_dir: Path) -> Config:
    """The course's config pointed at the grading course folder ``course_dir``."""
    config = load_course_config(course_root)
    config.CourseDirectory.root = str(course_dir)
    config.CourseDirectory.source_directory = "source"
    config.CourseDirectory.release_directory = "release"
    config.CourseDirectory.submitted_directory = "submitted"
    config.CourseDirectory.autograded_directory = "autograded"
    config.CourseDirectory.feedback_directory = "feedback"
    config.CourseDirectory.db_url = f"sqlite:///{course_dir / 'gradebook.db'}"
    config.CourseDirectory.include = ["*.ipynb"]
    config.CourseDirectory.course_id = config.CourseDirectory.get("course_id") or "course"
    return config


def use_fast_gradebook_creation() -> None:
    """Let nbgrader create gradebooks without running ``alembic heads`` in a subprocess (seconds each time).

    nbgrader stamps a new gradebook with the newest migration of its own alembic scripts, which it learns by
    running the ``alembic`` command. The same answer comes from reading those scripts in this process.
    """
    import nbgrader.api
    from alembic.script import ScriptDirectory
    from nbgrader.dbutil import ALEMBIC_DIR

    if getattr(nbgrader.api.get_alembic_version, "exsitu_fast", False):
        return
    head = ScriptDirectory(ALEMBIC_DIR).get_current_head()

    def get_alembic_version() -> str:
        return head

    get_alembic_version.exsitu_fast = True  # type: ignore[attr-defined]
    nbgrader.api.get_alembic_version = get_alembic_version


def _generate(config: Config, names: list[str]) -> None:
    from nbgrader.apps import NbGraderAPI

    api = NbGraderAPI(config=config)
    for name in names:
        result = api.generate_assignment(name, force=True, create=True)
        if not result["success"]:
            raise RuntimeError(f"nbgrader generate_assignment {name} failed:\n{result.get('log', '')}\n"
                               f"{result.get('error', '')}")


def prepare_course(course_root: Path, course_dir: Path, names: list[str]) -> dict[str, list[NotebookSpec]]:
    """Bring ``course_dir`` up to date with the course's solutions; return each assignment's notebook specs."""
    use_fast_gradebook_creation()
    course_dir.mkdir(parents=True, exist_ok=True)
    config = course_config(course_root, course_dir)
    stub = config.ClearSolutions.get("code_stub", {"python": "# YOUR CODE HERE\nraise NotImplementedError()"})
    (course_dir / "nbgrader_config.py").write_text(FORMGRADER_CONFIG.format(
        course_id=config.CourseDirectory.course_id, code_stub=dict(stub)), encoding="utf-8")
    hashes_file = course_dir / "source-hashes.json"
    hashes = json.loads(hashes_file.read_text()) if hashes_file.exists() else {}
    current = {name: source_hash(course_root, name) for name in names}
    stale = [n for n in names if hashes.get(n) != current[n] or not (course_dir / "release" / n).is_dir()]
    for name in stale:
        target = course_dir / "source" / name
        if target.exists():
            shutil.rmtree(target)
        shutil.copytree(course_root / "solutions" / name, target,
                        ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    if stale:
        try:
            _generate(config, stale)
        except RuntimeError:
            # the gradebook refuses to change cells that already have grades: keep it aside, start afresh
            database = course_dir / "gradebook.db"
            if database.exists():
                backup = course_dir / f"gradebook-before-{'-'.join(stale)}.db.bak"
                shutil.move(database, backup)
                print(f"grade: the solutions changed; the old gradebook was kept as {backup}", file=sys.stderr)
            _generate(config, names)
        hashes.update({n: current[n] for n in stale})
        hashes_file.write_text(json.dumps(hashes, indent=1, sort_keys=True) + "\n")
    specs: dict[str, list[NotebookSpec]] = {}
    for name in names:
        release = course_dir / "release" / name
        specs[name] = [NotebookSpec.from_release(name, path.stem, nbformat.read(path, as_version=4))
                       for path in sorted(release.glob("*.ipynb"))]
    return specs
