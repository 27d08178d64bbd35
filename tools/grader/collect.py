"""Import learners' submissions from a folder or a zip, matching each file to a learner, assignment and notebook.

Accepted layouts (paths inside the folder or the zip; any wrapper folders above them are ignored):

- ``<learner>/<assignment>/<notebook>.ipynb``  — nbgrader's own ``submitted/`` layout
- ``<assignment>/<learner>/<notebook>.ipynb``  — one folder per assignment
- ``<learner>/<notebook>.ipynb``               — the assignment is found from the notebook's name
- flat files ``<learner>_<anything>_<notebook>.ipynb`` (at the top, or in a folder holding several
  learners' files): the learner id is the text before the first ``_``; the notebook is the known notebook
  name the file name ends with; an assignment name in the middle is used when present. This covers LMS
  exports such as ``alice_01-status-review_status-review.ipynb`` or Canvas's
  ``alice_12345_67890_status-review-1.ipynb``.
- Moodle's ``<Full Name>_<id>_assignsubmission_file_/<notebook>.ipynb`` (the learner is ``Full-Name_<id>``).

LMS renaming is tolerated: ``status-review-1.ipynb``, ``status-review (2).ipynb`` and ``status-review_3.ipynb``
all match ``status-review.ipynb``; a notebook whose name matches nothing is matched by its contents (its
nbgrader cell ids). When one learner has several files for the same notebook, the newest is graded.

For any other naming, ``--pattern`` takes a regular expression over the relative path with named groups
``learner`` and optionally ``assignment`` and ``notebook`` — the same idea as nbgrader's ``ZipCollect``
``FileNameCollector.named_regexp``. nbgrader's ZipCollect itself is not used because it needs one assignment
per run and one regular expression, whereas one LMS zip may hold several assignments and renamed files.
"""

from __future__ import annotations

import re
import zipfile
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath

from tools.grader.checks import MAX_NOTEBOOK_BYTES, NotebookSpec, parse_notebook

MAX_ENTRIES = 20_000
SKIPPED_PARTS = {"__MACOSX", ".ipynb_checkpoints", "__pycache__"}
LMS_SUFFIX = re.compile(r"^(?P<base>.+?)(?:\s*\(\d+\)|[-_ ]\d{1,3})$")
MOODLE = re.compile(r"^(?P<learner>.+?)_(?:assignsubmission|onlinetext)_\w*?_?$")


@dataclass
class Entry:
    """One file found in the submissions: its path parts, content (capped) and modification time."""

    parts: tuple[str, ...]
    data: bytes
    mtime: float


@dataclass
class Submission:
    """The files one learner submitted for one assignment (None: that notebook is missing)."""

    learner: str
    assignment: str
    files: dict[str, bytes | None] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def clean_learner(text: str) -> str:
    """A learner id safe as a folder name: letters, digits, ``.``, ``_``, ``@`` and ``-`` only."""
    moodle = MOODLE.match(text)
    if moodle:
        text = moodle.group("learner")
    cleaned = re.sub(r"[^A-Za-z0-9._@-]+", "-", text.strip()).strip("-.")
    return cleaned or "unknown-learner"


def read_entries(path: Path) -> tuple[list[Entry], list[str]]:
    """All files under a folder or inside a zip (each read up to the size limit), and warnings."""
    warnings: list[str] = []
    entries: list[Entry] = []
    if path.is_dir():
        for file in sorted(path.rglob("*")):
            relative = file.relative_to(path).parts
            if not file.is_file() or any(p in SKIPPED_PARTS or p.startswith(".") for p in relative):
                continue
            with open(file, "rb") as handle:
                entries.append(Entry(relative, handle.read(MAX_NOTEBOOK_BYTES + 1), file.stat().st_mtime))
        return entries, warnings
    if not zipfile.is_zipfile(path):
        raise ValueError(f"SUBMISSIONS: {path} is neither a folder nor a zip file; give the folder of "
                         "learners' submissions or the zip your learning platform exported")
    with zipfile.ZipFile(path) as archive:
        infos = [i for i in archive.infolist() if not i.is_dir()]
        if len(infos) > MAX_ENTRIES:
            raise ValueError(f"SUBMISSIONS: {path} holds {len(infos)} files (limit {MAX_ENTRIES})")
        for info in sorted(infos, key=lambda i: i.filename):
            name = PurePosixPath(info.filename.replace("\\", "/"))
            if name.is_absolute() or ".." in name.parts:
                warnings.append(f"skipped {info.filename!r} in the zip: its path leaves the zip's folder")
                continue
            if any(p in SKIPPED_PARTS or p.startswith(".") for p in name.parts):
                continue
            try:
                with archive.open(info) as handle:
                    data = handle.read(MAX_NOTEBOOK_BYTES + 1)
            except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError) as error:
                warnings.append(f"skipped {info.filename!r}: it could not be read from the zip ({error})")
                continue
            mtime = datetime(*info.date_time).timestamp() if info.date_time[0] >= 1980 else 0.0
            entries.append(Entry(name.parts, data, mtime))
    return entries, warnings


class Matcher:
    """Knows the course's assignments and notebooks, and matches names (and contents) against them."""

    def __init__(self, specs: dict[str, list[NotebookSpec]]):
        self.specs = specs
        self.by_name: dict[str, list[NotebookSpec]] = {}
        for notebooks in specs.values():
            for spec in notebooks:
                self.by_name.setdefault(spec.name, []).append(spec)

    def notebook_from_name(self, stem: str, assignment: str | None) -> tuple[NotebookSpec | None, bool]:
        """The notebook a file name stands for, and whether its name was exact."""
        candidates = self.specs.get(assignment, []) if assignment else [s for v in self.specs.values() for s in v]
        names = {s.name: s for s in candidates}
        if stem in names:
            return names[stem], True
        base = LMS_SUFFIX.match(stem)
        if base and base.group("base") in names:
            return names[base.group("base")], False
        # flat LMS names: the notebook name is the end of the file name after an underscore
        for name in sorted(names, key=len, reverse=True):
            for candidate in (stem, base.group("base") if base else stem):
                if candidate.endswith("_" + name) or candidate.endswith("-" + name):
                    return names[name], False
        return None, False

    def notebook_from_content(self, data: bytes, assignment: str | None) -> NotebookSpec | None:
        notebook, fatal, _ = parse_notebook(data, "file")
        if notebook is None:
            return None
        candidates = self.specs.get(assignment, []) if assignment else [s for v in self.specs.values() for s in v]
        best = max(candidates, key=lambda s: s.identity(notebook), default=None)
        return best if best is not None and best.identity(notebook) > (0, 0) else None


def _flat_learner(stem: str) -> str | None:
    return stem.split("_", 1)[0] if "_" in stem else None


def collect(path: Path, specs: dict[str, list[NotebookSpec]],
            pattern: str | None = None) -> tuple[list[Submission], list[str]]:
    """Group the files under ``path`` (folder or zip) into submissions; returns them and import warnings."""
    entries, warnings = read_entries(Path(path))
    matcher = Matcher(specs)
    assignments = set(specs)
    regex = re.compile(pattern) if pattern else None
    if regex and "learner" not in regex.groupindex:
        raise ValueError("--pattern: the regular expression needs a named group (?P<learner>...)")

    # a folder holding notebooks of several learners named <learner>_..._<notebook> is a flat export
    flat_dirs: set[tuple[str, ...]] = set()
    by_dir: dict[tuple[str, ...], set[str]] = {}
    for entry in entries:
        stem = PurePosixPath(entry.parts[-1]).stem
        learner = _flat_learner(stem)
        if entry.parts[-1].endswith(".ipynb") and learner and matcher.notebook_from_name(stem, None)[0]:
            by_dir.setdefault(entry.parts[:-1], set()).add(learner)
    for folder, learners in by_dir.items():
        if not folder or len(learners) > 1:
            flat_dirs.add(folder)

    found: dict[tuple[str, str], Submission] = {}
    candidates: dict[tuple[str, str, str], list[tuple[Entry, bool, str]]] = {}
    for entry in entries:
        relative = "/".join(entry.parts)
        file_name = entry.parts[-1]
        stem = PurePosixPath(file_name).stem
        dirs = entry.parts[:-1]
        learner = assignment = notebook_hint = None
        if regex:
            match = regex.search(relative)
            if not match:
                warnings.append(f"skipped {relative}: it does not match --pattern")
                continue
            groups = match.groupdict()
            learner, assignment, notebook_hint = groups["learner"], groups.get("assignment"), groups.get("notebook")
        elif len(dirs) >= 2 and dirs[-1] in assignments:
            learner, assignment = dirs[-2], dirs[-1]
        elif len(dirs) >= 2 and dirs[-2] in assignments:
            learner, assignment = dirs[-1], dirs[-2]
        elif dirs and dirs not in flat_dirs:
            learner = dirs[-1]
        else:
            learner = _flat_learner(stem)
            assignment = next((a for a in sorted(assignments, key=len, reverse=True) if f"_{a}_" in f"_{stem}_"),
                               None)
            if learner is None:
                warnings.append(f"ignored {relative}: not a notebook" if not file_name.endswith(".ipynb") else
                                f"skipped {relative}: no learner id in its name (expected "
                                "<learner>_<notebook>.ipynb)")
                continue
        if assignment is not None and assignment not in assignments:
            warnings.append(f"skipped {relative}: {assignment!r} is not an assignment of this course")
            continue
        learner = clean_learner(learner)
        if not file_name.endswith(".ipynb"):
            if assignment:
                found.setdefault((learner, assignment), Submission(learner, assignment)).problems.append(
                    f"not a notebook, ignored: {file_name}")
            else:
                warnings.append(f"ignored {relative}: not a notebook")
            continue
        spec, _ = matcher.notebook_from_name(notebook_hint or stem, assignment)
        by_name = spec is not None
        if spec is None:
            spec = matcher.notebook_from_content(entry.data, assignment)
        if spec is None and assignment and len(specs[assignment]) == 1:
            spec = specs[assignment][0]  # the only notebook of the assignment: the checks will tell what it is
        if spec is None:
            if assignment:
                found.setdefault((learner, assignment), Submission(learner, assignment)).problems.append(
                    f"unrecognised notebook {file_name} (expected one of: "
                    f"{', '.join(s.file_name for s in specs[assignment])})")
            else:
                warnings.append(f"skipped {relative}: it matches no notebook of any assignment by name or content")
            continue
        assignment = assignment or spec.assignment
        found.setdefault((learner, assignment), Submission(learner, assignment))
        candidates.setdefault((learner, assignment, spec.file_name), []).append((entry, by_name, relative))

    for (learner, assignment, file_name), options in sorted(candidates.items()):
        submission = found[(learner, assignment)]
        options.sort(key=lambda o: (o[0].mtime, o[1], o[2]))
        entry, by_name, relative = options[-1]
        submission.files[file_name] = entry.data
        submission.origins[file_name] = relative
        if len(options) > 1:
            submission.problems.append(f"{len(options)} files for {file_name}; graded the newest, "
                                       f"{PurePosixPath(relative).name}")
        elif not by_name:
            submission.problems.append(f"{PurePosixPath(relative).name} was graded as {file_name}")
    for submission in found.values():
        for spec in specs[submission.assignment]:
            submission.files.setdefault(spec.file_name, None)
    return sorted(found.values(), key=lambda s: (s.learner, s.assignment)), warnings
