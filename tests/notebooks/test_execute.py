"""Every lesson, solution and app notebook executes headless, top to bottom, without an error."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted(
    [*ROOT.glob("notebooks/*.ipynb"), *ROOT.glob("solutions/*/*.ipynb"), *ROOT.glob("apps/*.ipynb")]
)
CELL_TIMEOUT_SECONDS = 300


def test_there_are_notebooks_to_run():
    assert any(path.parent.name == "notebooks" for path in NOTEBOOKS)


@pytest.mark.notebooks
@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: str(p.relative_to(ROOT)))
def test_notebook_executes(path: Path, tmp_path: Path):
    # Run a copy beside copies of its neighbours, so a notebook that writes files writes them in tmp_path.
    workdir = tmp_path / path.parent.name
    shutil.copytree(path.parent, workdir)
    notebook = nbformat.read(workdir / path.name, as_version=4)
    client = NotebookClient(notebook, timeout=CELL_TIMEOUT_SECONDS, kernel_name="python3",
                            resources={"metadata": {"path": str(workdir)}})
    try:
        client.execute()
    except CellExecutionError as error:
        index = next((i for i, cell in enumerate(notebook.cells)
                      if any(o.get("output_type") == "error" for o in cell.get("outputs", []))), "?")
        pytest.fail(f"{path.relative_to(ROOT)} failed in cell {index}:\n{error}")
    warnings = [output.get("text", "") for cell in notebook.cells for output in cell.get("outputs", [])
                if output.get("name") == "stderr" and "Warning" in output.get("text", "")]
    assert not warnings, f"{path.relative_to(ROOT)} printed warnings:\n" + "\n".join(warnings)


@pytest.mark.parametrize("path", NOTEBOOKS + sorted(ROOT.glob("exercises/*/*.ipynb")),
                         ids=lambda p: str(p.relative_to(ROOT)))
def test_notebook_is_committed_without_outputs(path: Path):
    notebook = json.loads(path.read_text(encoding="utf-8"))
    dirty = [i for i, cell in enumerate(notebook["cells"]) if cell["cell_type"] == "code"
             and (cell.get("outputs") or cell.get("execution_count"))]
    assert not dirty, f"{path.name}: cells {dirty} have outputs; strip them before committing"
