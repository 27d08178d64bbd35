"""Read a submitted notebook defensively, compare it with the released exercise, and repair it for grading.

Everything a learner can do to the file is caught here, before any code runs, and reported in plain words:
missing, empty, oversized or damaged files; a notebook of another assignment; test or read-only cells that
were deleted, edited or given other points; duplicated nbgrader cells; added cells; moved cells.

The repaired notebook is what nbgrader autogrades: every cell of the release is present once, with the
release's nbgrader metadata (so nbgrader's own OverwriteCells restores the hidden tests from the gradebook),
the learner's answers untouched, and the learner's extra cells kept as ordinary cells.
"""

from __future__ import annotations

import copy
import json
from dataclasses import dataclass, field
from typing import Any

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_raw_cell

MAX_NOTEBOOK_BYTES = 20 * 1024 * 1024   # a notebook without its outputs
MAX_FILE_BYTES = 200 * 1024 * 1024      # a submitted file as read (outputs and all)
STRIP_OUTPUTS_ABOVE = 1024 * 1024       # bigger notebooks lose their outputs as soon as they are read

KIND_LABEL = {
    "test": "test cell",
    "answer": "answer cell",
    "written": "written answer",
    "manual_code": "code answer graded by hand",
    "task": "task",
    "locked": "read-only cell",
}


def _source(value: Any) -> str:
    if isinstance(value, list):
        return "".join(str(part) for part in value)
    return value if isinstance(value, str) else ("" if value is None else str(value))


def _norm(text: str) -> str:
    return text.replace("\r\n", "\n").strip()


def _same(a: str, b: str) -> bool:
    return _norm(a) == _norm(b)


def cell_kind(meta: dict[str, Any], cell_type: str) -> str:
    """The role of an nbgrader cell: test, answer, written, manual_code, task or locked."""
    if meta.get("task"):
        return "task"
    if meta.get("grade") and meta.get("solution"):
        return "written" if cell_type == "markdown" else "manual_code"
    if meta.get("grade"):
        return "test"
    if meta.get("solution"):
        return "answer"
    return "locked"


@dataclass(frozen=True)
class CellSpec:
    """One nbgrader cell of a released notebook."""

    grade_id: str
    kind: str
    cell_type: str
    points: float
    source: str
    metadata: dict[str, Any]

    @property
    def label(self) -> str:
        return f"{KIND_LABEL[self.kind]} {self.grade_id}"

    @property
    def graded(self) -> bool:
        return self.kind in ("test", "written", "manual_code", "task")

    @property
    def manual(self) -> bool:
        return self.kind in ("written", "manual_code", "task")


@dataclass(frozen=True)
class NotebookSpec:
    """A released notebook: its assignment, name (without .ipynb) and nbgrader cells in order."""

    assignment: str
    name: str
    cells: tuple[CellSpec, ...]
    metadata: dict[str, Any]

    @classmethod
    def from_release(cls, assignment: str, name: str, notebook: nbformat.NotebookNode) -> NotebookSpec:
        cells = []
        for cell in notebook.cells:
            meta = cell.metadata.get("nbgrader")
            if not meta or "grade_id" not in meta:
                continue
            cells.append(CellSpec(
                grade_id=meta["grade_id"], kind=cell_kind(meta, cell.cell_type), cell_type=cell.cell_type,
                points=float(meta.get("points", 0) or 0), source=cell.source,
                metadata=json.loads(json.dumps(dict(cell.metadata)))))
        return cls(assignment, name, tuple(cells), json.loads(json.dumps(dict(notebook.metadata))))

    @property
    def file_name(self) -> str:
        return f"{self.name}.ipynb"

    def cell(self, grade_id: str) -> CellSpec:
        return next(c for c in self.cells if c.grade_id == grade_id)

    @property
    def questions(self) -> list[CellSpec]:
        return [c for c in self.cells if c.graded]

    def identity(self, notebook: nbformat.NotebookNode) -> tuple[int, int]:
        """How much of this release a notebook contains: (its read-only cells, found by content; its grade ids)."""
        sources = {(c.cell_type, _norm(c.source)) for c in notebook.cells}
        ids = {c.metadata.get("nbgrader", {}).get("grade_id") for c in notebook.cells}
        locked = sum(1 for c in self.cells if c.kind == "locked" and _norm(c.source)
                     and (c.cell_type, _norm(c.source)) in sources)
        return locked, sum(1 for c in self.cells if c.grade_id in ids)


@dataclass
class CheckResult:
    """What was found in one submitted notebook, and the notebook to grade (None: it cannot be graded)."""

    notebook: nbformat.NotebookNode | None
    fatal: str | None = None
    problems: list[str] = field(default_factory=list)
    origins: list[str | None] = field(default_factory=list)  # per cell of `notebook`: grade id or None (added)
    answered: set[str] = field(default_factory=set)  # answer grade ids the learner changed


def without_outputs(raw: bytes) -> bytes:
    """A big notebook's bytes without its outputs (grading clears them anyway); small or unreadable ones as they are.

    A learner who ran every cell may leave tens of MB of plots and printouts in the file; they must not make
    a correct submission "too large", nor fill the grader's memory while a whole class is imported.
    """
    if len(raw) <= STRIP_OUTPUTS_ABOVE or len(raw) > MAX_FILE_BYTES:
        return raw
    try:
        data = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return raw
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        return raw
    for cell in data["cells"]:
        if isinstance(cell, dict) and cell.get("cell_type") == "code":
            cell["outputs"] = []
            cell["execution_count"] = None
    return json.dumps(data, ensure_ascii=False).encode("utf-8")


def _valid_attachments(value: Any) -> bool:
    """Whether a cell's attachments are as nbformat 4 has them: {name: {mime type: base64 text}}."""
    return isinstance(value, dict) and bool(value) and all(
        isinstance(name, str) and isinstance(data, dict) and data
        and all(isinstance(k, str) and isinstance(v, str) for k, v in data.items())
        for name, data in value.items())


def parse_notebook(raw: bytes | None, file_name: str) -> tuple[nbformat.NotebookNode | None, str | None, list[str]]:
    """Turn submitted bytes into a clean v4 notebook, or say in plain words why that is impossible.

    Returns (notebook, fatal reason, problems). Cells are rebuilt from their type, source, nbgrader metadata
    and (text cells) pasted images only; everything else a learner's file holds (outputs, odd metadata) is
    dropped.
    """
    if raw is None:
        return None, f"missing notebook: {file_name} was not submitted", []
    if not raw.strip():
        return None, f"empty file: {file_name} has no content ({len(raw)} bytes)", []
    raw = without_outputs(raw)
    if len(raw) > MAX_FILE_BYTES:
        return None, (f"file too large: {file_name} is more than {MAX_FILE_BYTES / 1e6:.0f} MB; clear its "
                      "outputs and submit it again"), []
    if len(raw) > MAX_NOTEBOOK_BYTES:
        return None, (f"file too large: {file_name} is more than {MAX_NOTEBOOK_BYTES / 1e6:.0f} MB even without "
                      "its outputs; remove pasted images or data and submit it again"), []
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None, f"not a notebook: {file_name} is not a text file", []
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        return None, (f"malformed notebook JSON in {file_name} (line {error.lineno}, column {error.colno}: "
                      f"{error.msg}); the file is damaged — ask for a fresh download"), []
    except RecursionError:
        return None, f"malformed notebook JSON in {file_name} (nested too deeply)", []
    if isinstance(data, dict) and "worksheets" in data:
        try:
            data = json.loads(nbformat.writes(nbformat.reads(text, as_version=4)))
        except Exception:  # noqa: BLE001 — any failure means the same thing to the instructor
            return None, f"not a notebook: {file_name} is an old notebook format that could not be read", []
    if not isinstance(data, dict) or not isinstance(data.get("cells"), list):
        return None, f"not a notebook: {file_name} is JSON but has no list of cells", []
    cells, damaged = [], 0
    makers = {"code": new_code_cell, "markdown": new_markdown_cell, "raw": new_raw_cell}
    for raw_cell in data["cells"]:
        if not isinstance(raw_cell, dict) or raw_cell.get("cell_type") not in makers:
            damaged += 1
            continue
        cell = makers[raw_cell["cell_type"]](_source(raw_cell.get("source")))
        metadata = raw_cell.get("metadata") if isinstance(raw_cell.get("metadata"), dict) else {}
        if isinstance(metadata.get("nbgrader"), dict) and isinstance(metadata["nbgrader"].get("grade_id"), str):
            cell.metadata["nbgrader"] = metadata["nbgrader"]
        attachments = raw_cell.get("attachments")
        if cell.cell_type != "code" and _valid_attachments(attachments):
            cell["attachments"] = attachments  # images pasted into a written answer: the formgrader shows them
        cells.append(cell)
    problems = [f"{damaged} damaged cells in {file_name} were ignored"] if damaged else []
    return new_notebook(cells=cells), None, problems


def _points(meta: dict[str, Any]) -> float | None:
    try:
        return float(meta.get("points"))
    except (TypeError, ValueError):
        return None


def check_notebook(raw: bytes | None, spec: NotebookSpec, others: list[NotebookSpec] = ()) -> CheckResult:
    """Check one submitted notebook against its release and build the notebook nbgrader will grade."""
    parsed, fatal, problems = parse_notebook(raw, spec.file_name)
    if parsed is None:
        return CheckResult(None, fatal, problems)

    own = spec.identity(parsed)
    if own == (0, 0):
        best = max(others, key=lambda other: other.identity(parsed), default=None)
        if best is not None and best.identity(parsed) > (0, 0):
            return CheckResult(None, (f"wrong assignment: {spec.file_name} submitted for {spec.assignment} is "
                                      f"the notebook of {best.assignment} ({best.file_name}); not graded — "
                                      f"the learner should submit {spec.assignment}/{spec.file_name}"), problems)
        problems.append(f"{spec.file_name}: no exercise cells found (the notebook was not made from the "
                        f"exercise file, or its cells were deleted); the tests were put back and run")

    known = {c.grade_id: c for c in spec.cells}
    ids_present = {c.metadata.get("nbgrader", {}).get("grade_id") for c in parsed.cells}
    by_source: dict[tuple[str, str], list[str]] = {}
    for release in spec.cells:  # read-only and test cells a learner's editor stripped of metadata
        if release.kind in ("test", "locked") and release.source.strip() and release.grade_id not in ids_present:
            key = (release.cell_type, _norm(release.source))
            by_source.setdefault(key, []).append(release.grade_id)
    seen: set[str] = set()
    order: list[str] = []
    kept: list[tuple[nbformat.NotebookNode, str | None]] = []
    extra_code = rematched = 0
    answered: set[str] = set()
    for cell in parsed.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        candidates = by_source.get((cell.cell_type, _norm(cell.source)), [])
        if grade_id not in known and candidates:
            grade_id = candidates.pop(0)
            cell.metadata["nbgrader"] = copy.deepcopy(known[grade_id].metadata["nbgrader"])
            rematched += 1
        if grade_id in known and grade_id not in seen:
            seen.add(grade_id)
            order.append(grade_id)
            release = known[grade_id]
            problems += _compare(cell, release)
            if release.kind in ("answer", "written", "manual_code") and not _same(cell.source, release.source):
                answered.add(grade_id)
            _restore(cell, release)
            kept.append((cell, grade_id))
            continue
        if grade_id in known:
            problems.append(f"{known[grade_id].label} was duplicated; the copy ran as an ordinary cell")
        elif grade_id is not None and cell.cell_type == "code":
            problems.append(f"a cell with unknown nbgrader id {grade_id!r} ran as an ordinary cell")
        cell.metadata.pop("nbgrader", None)
        if cell.cell_type == "code" and cell.source.strip():
            extra_code += 1
        kept.append((cell, None))

    if rematched:
        problems.append(f"{rematched} cells of {spec.file_name} had lost their nbgrader metadata (an editor that "
                        "drops it?); they were matched to the exercise by their content, and the answers ran "
                        "where they are")
    elif extra_code:
        problems.append(f"{extra_code} added code cell{'s' if extra_code > 1 else ''} in {spec.file_name} "
                        "(they ran where the learner put them; check they do not change what the tests see)")
    release_order = [c.grade_id for c in spec.cells]
    for earlier, later in zip(order, order[1:]):
        if release_order.index(earlier) > release_order.index(later):
            problems.append(f"cells were moved in {spec.file_name}: {known[earlier].label} now comes before "
                            f"{known[later].label}; they ran in the submitted order")
            break

    missing = [c for c in spec.cells if c.grade_id not in seen]
    for release in missing:
        if release.kind == "test":
            problems.append(f"{release.label} was deleted; the original test was put back and run")
        elif release.kind == "answer" and not rematched:
            # not put back: its blank stub would undo answers the learner wrote in cells of their own
            problems.append(f"{release.label} was deleted; its test ran on what the rest of the notebook defines")
        elif release.kind in ("written", "manual_code", "task"):
            problems.append(f"{release.label} was deleted; the blank exercise cell was put back")
        # deleted read-only instructions are put back silently: they change nothing
    restore = {c.grade_id for c in missing if c.kind != "answer"}
    cells = _insert_missing(kept, spec, restore)
    notebook = new_notebook(cells=[c for c, _ in cells], metadata=copy.deepcopy(spec.metadata))
    for index, cell in enumerate(notebook.cells):
        cell["id"] = f"cell-{index:03d}"
    return CheckResult(notebook, None, problems, [origin for _, origin in cells], answered)


def _compare(cell: nbformat.NotebookNode, release: CellSpec) -> list[str]:
    found = []
    meta = cell.metadata.get("nbgrader", {})
    if cell.cell_type != release.cell_type:
        found.append(f"{release.label} was changed from {release.cell_type} to {cell.cell_type} (changed back)")
    if release.kind == "test" and not _same(cell.source, release.source):
        found.append(f"{release.label} was edited; the original test was run instead")
    elif release.kind == "locked" and not _same(cell.source, release.source):
        found.append(f"{release.label} was edited; the original was restored")
    if release.graded:
        points = _points(meta)
        if points != release.points:
            shown = meta.get("points")
            found.append(f"points of {release.grade_id} were changed from {release.points:g} to {shown!r} "
                          "(restored)")
            return found
    flags = ("grade", "solution", "locked", "task")
    release_meta = release.metadata.get("nbgrader", {})
    if any(bool(meta.get(flag)) != bool(release_meta.get(flag)) for flag in flags):
        found.append(f"nbgrader settings of {release.label} were changed (restored)")
    return found


def _restore(cell: nbformat.NotebookNode, release: CellSpec) -> None:
    """Give a submitted cell the release's type and metadata (and source, for read-only cells)."""
    if cell.cell_type != release.cell_type:
        source = cell.source
        maker = {"code": new_code_cell, "markdown": new_markdown_cell, "raw": new_raw_cell}[release.cell_type]
        cell.clear()
        cell.update(maker(source))
    cell.metadata = nbformat.from_dict(copy.deepcopy(release.metadata))
    if release.kind in ("test", "locked"):
        cell.source = release.source


def _release_cell(release: CellSpec) -> nbformat.NotebookNode:
    maker = {"code": new_code_cell, "markdown": new_markdown_cell, "raw": new_raw_cell}[release.cell_type]
    cell = maker(release.source)
    cell.metadata = nbformat.from_dict(copy.deepcopy(release.metadata))
    return cell


def _insert_missing(kept: list[tuple[nbformat.NotebookNode, str | None]], spec: NotebookSpec,
                    missing: set[str]) -> list[tuple[nbformat.NotebookNode, str | None]]:
    """Put each missing release cell just before the next release cell the learner kept (else at the end)."""
    position = {c.grade_id: i for i, c in enumerate(spec.cells)}
    pending = [c for c in spec.cells if c.grade_id in missing]
    result: list[tuple[nbformat.NotebookNode, str | None]] = []
    for cell, origin in kept:
        if origin is not None:
            while pending and position[pending[0].grade_id] < position[origin]:
                release = pending.pop(0)
                result.append((_release_cell(release), release.grade_id))
        result.append((cell, origin))
    result += [(_release_cell(release), release.grade_id) for release in pending]
    return result
