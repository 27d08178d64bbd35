"""Regenerate the student exercises (exercises/) from the instructor notebooks (solutions/) with nbgrader.

``python tools/release.py`` (or ``make release``) rewrites exercises/ in place. The nbgrader gradebook that
generate_assignment needs is kept in a temporary folder, so releasing leaves nothing behind but exercises/.
Tests call :func:`generate_release` with another destination and compare it with the committed exercises/.
"""

from __future__ import annotations

import json
import shutil
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def nbgrader_environment() -> dict[str, str]:
    """The environment for nbgrader: it runs `alembic` from PATH, so the venv's bin folder goes first."""
    env = dict(os.environ)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    return env


def assignments(root: Path = ROOT) -> list[str]:
    """The assignment names: one folder per assignment in solutions/ holding at least one notebook."""
    source = root / "solutions"
    if not source.is_dir():
        return []
    return sorted(p.name for p in source.iterdir() if p.is_dir() and any(p.glob("*.ipynb")))


def normalise_notebook(path: Path) -> None:
    """Write a released notebook in a stable form (sorted keys, no outputs) so releases diff cleanly."""
    notebook = json.loads(path.read_text(encoding="utf-8"))
    for cell in notebook.get("cells", []):
        if cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    path.write_text(json.dumps(notebook, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")


def generate_release(destination: Path, root: Path = ROOT, names: list[str] | None = None) -> list[Path]:
    """Run ``nbgrader generate_assignment`` for every assignment, writing the student versions to destination.

    Returns the notebooks written. Raises ``RuntimeError`` with nbgrader's own output when it fails.
    """
    destination = Path(destination).resolve()
    names = names or assignments(root)
    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="exsitu-release-") as scratch:
        db_url = f"sqlite:///{Path(scratch) / 'gradebook.db'}"
        staging = Path(scratch) / "release"
        for name in names:
            command = [
                sys.executable, "-m", "nbgrader", "generate_assignment", name, "--force",
                f"--CourseDirectory.root={root}",
                f"--CourseDirectory.release_directory={staging}",
                f"--CourseDirectory.db_url={db_url}",
                "--log-level=WARN",
            ]
            result = subprocess.run(command, cwd=root, capture_output=True, text=True,
                                    env=nbgrader_environment())
            if result.returncode != 0:
                raise RuntimeError(f"nbgrader generate_assignment {name} failed:\n{result.stdout}\n{result.stderr}")
            target = destination / name
            if target.exists():
                shutil.rmtree(target)
            shutil.copytree(staging / name, target)
            for notebook in sorted(target.glob("**/*.ipynb")):
                normalise_notebook(notebook)
                written.append(notebook)
    return written


def main() -> None:
    exercises = ROOT / "exercises"
    exercises.mkdir(exist_ok=True)
    names = assignments(ROOT)
    for stale in exercises.iterdir():
        if stale.is_dir() and stale.name not in names:
            shutil.rmtree(stale)
    written = generate_release(exercises, ROOT, names)
    for notebook in written:
        print(f"released {notebook.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
