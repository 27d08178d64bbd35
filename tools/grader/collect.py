"""Import learners' submissions from a folder or a zip, matching each file to a learner, assignment and notebook.

Accepted layouts (paths inside the folder or the zip; wrapper folders above them are ignored). The first rule
that applies gives the learner id:

1. ``--pattern``: a regular expression over the relative path (see below).
2. nbgrader's exchange: ``<learner>+<assignment>+<timestamp>[+<random>]/<notebook>.ipynb`` (``inbound/``).
3. Moodle: a folder ``<Full Name>_<id>_assignsubmission_file_/`` (the learner is ``Full-Name_<id>``).
4. A folder named like an assignment: ``<learner>/<assignment>/<notebook>.ipynb`` (nbgrader's ``submitted/``;
   a ``timestamp.txt`` next to it is ignored) or ``<assignment>/<learner>/<notebook>.ipynb``.
5. ``<learner>/<notebook>.ipynb``: the folder holding the notebook (the assignment is found from the notebook).
6. Flat file names (at the top, or in a folder where several learners' files of one notebook sit): Canvas
   ``<learner>_[LATE_]<id>_<id>_<notebook>.ipynb``, Moodle ``<Full Name>_<id>_assignsubmission_file_<notebook>``,
   Blackboard ``<assignment title>_<learner>_attempt_<date>_<notebook>.ipynb`` (its ``.txt`` receipts are
   ignored), else ``<learner>_<anything>.ipynb`` (the text before the first ``_``).

Learner ids keep letters of any alphabet, digits, ``.``, ``_``, ``@`` and ``-``; anything else (spaces,
slashes) becomes ``-``. A zip inside the submissions (a learner who uploaded a zip, or a zip per learner) is
opened: when it holds the files of several learners it is read like a folder, otherwise its files belong to
the learner its own name or place gives (``alice.zip``, ``alice/work.zip``, ``alice_123_456_work.zip``).

The notebook is known from the file name: exact, or renamed by a platform or an editor
(``status-review (2).ipynb``, ``status-review-1.ipynb``, ``Copy of status-review.ipynb``,
``status-review-Copy1.ipynb``, ``Status-Review.ipynb``, or ending in ``_status-review``); otherwise from its
contents (its nbgrader cell ids and read-only cells). When one learner has several files for one notebook,
the one with the most answered exercises is graded (the newest among equals), and the note says so.
Notebooks bigger than 1 MB lose their outputs as they are read (the grader clears them anyway).

For any other naming, ``--pattern`` takes a regular expression over the relative path with named groups
``learner`` and optionally ``assignment`` and ``notebook`` — the same idea as nbgrader's ``ZipCollect``
``FileNameCollector.named_regexp``, whose group names ``student_id`` and ``file_id`` are accepted too.
nbgrader's ZipCollect itself is not used because it needs one assignment per run and one regular expression,
whereas one LMS zip may hold several assignments and renamed files.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path, PurePosixPath

from tools.grader.checks import (MAX_FILE_BYTES, MAX_NOTEBOOK_BYTES, NotebookSpec, check_notebook, parse_notebook,
                                 without_outputs)

MAX_ENTRIES = 20_000
MAX_ZIP_DEPTH = 3  # zips inside zips opened, at most
SKIPPED_PARTS = {"__MACOSX", ".ipynb_checkpoints", "__pycache__"}
INSTRUCTOR_FOLDERS = {"source", "release", "autograded", "feedback", "outbound"}  # of an nbgrader course
COURSE_FOLDERS = {"exercises", "submitted", "inbound", *INSTRUCTOR_FOLDERS}  # never a learner's name
IGNORED_FILES = {"timestamp.txt", "thumbs.db", "desktop.ini"}  # nbgrader's submission time; OS clutter
LMS_SUFFIX = re.compile(r"^(?P<base>.+?)(?:\s*\(\d+\)|[-_ ]\d{1,3}|[-_ ]?copy\d*|-checkpoint)$", re.I)
COPY_PREFIX = re.compile(r"^(?:copy[ _]of[ _]|kopie[ _]von[ _]|copie[ _]de[ _])+", re.I)
MOODLE = re.compile(r"^(?P<learner>.+?)_(?:assignsubmission|onlinetext)_\w*?_?$")
MOODLE_FILE = re.compile(r"^(?P<learner>.+?_\d+)_assignsubmission_(?:file|onlinetext)_(?P<rest>.*)$")
CANVAS_FILE = re.compile(r"^(?P<learner>[^_]+)(?:_late)?_(?P<uid>\d+)_\d+_(?P<rest>.+)$", re.I)
BLACKBOARD_FILE = re.compile(r"^(?P<title>.*?)_(?P<learner>[^_]+)_attempt_"
                             r"(?P<when>\d{4}-\d{2}-\d{2}-\d{2}-\d{2}-\d{2})(?:_(?P<rest>.+))?$")
EXCHANGE_FOLDER = re.compile(r"^(?P<learner>[^+]+)\+(?P<assignment>[^+]+)\+(?P<when>[^+]+?)(?:\+[0-9A-Za-z]+)?$")


@dataclass
class Entry:
    """One file found in the submissions: its path parts, content (capped) and modification time.

    ``zips``: indices in ``parts`` of the zips inside the submissions it came from (each part there is the
    zip's file name); ``learner``: set when a learner's own zip decided it.
    """

    parts: tuple[str, ...]
    data: bytes
    mtime: float
    zips: tuple[int, ...] = ()
    learner: str | None = None
    shown: str = ""

    def __post_init__(self) -> None:
        self.shown = self.shown or "/".join(self.parts)


@dataclass
class Submission:
    """The files one learner submitted for one assignment (None: that notebook is missing)."""

    learner: str
    assignment: str
    files: dict[str, bytes | None] = field(default_factory=dict)
    origins: dict[str, str] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)


def clean_learner(text: str) -> str:
    """A learner id safe as a folder name: letters (any alphabet), digits, ``.``, ``_``, ``@`` and ``-`` only."""
    text = unicodedata.normalize("NFC", text)
    moodle = MOODLE.match(text)
    if moodle:
        text = moodle.group("learner")
    cleaned = re.sub(r"[^\w.@-]+", "-", text.strip()).strip("-.")
    return cleaned or "unknown-learner"


def _is_zip_name(name: str) -> bool:
    return name.lower().endswith(".zip")


def _read_zip(data: bytes | Path, prefix: tuple[str, ...], depth: int, zips: tuple[int, ...],
              entries: list[Entry], warnings: list[str], shown: str) -> None:
    with zipfile.ZipFile(data if isinstance(data, Path) else io.BytesIO(data)) as archive:
        infos = [i for i in archive.infolist() if not i.is_dir()]
        if len(entries) + len(infos) > MAX_ENTRIES:
            raise ValueError(f"SUBMISSIONS: {shown or 'the zip'} holds more than {MAX_ENTRIES} files")
        for info in sorted(infos, key=lambda i: i.filename):
            name = PurePosixPath(_zip_name(info).replace("\\", "/"))
            label = f"{shown}/{info.filename}" if shown else info.filename
            if name.is_absolute() or ".." in name.parts:
                warnings.append(f"skipped {label!r} in the zip: its path leaves the zip's folder")
                continue
            if any(p in SKIPPED_PARTS or p.startswith(".") for p in name.parts):
                continue
            if not (_is_zip_name(name.name) or name.name.lower().endswith(".ipynb")):
                _add(entries, warnings, prefix + tuple(name.parts), b"", 0.0, depth, zips,
                     f"{shown}/{name.as_posix()}" if shown else name.as_posix())
                continue  # only the names of other files are used
            try:
                with archive.open(info) as handle:
                    content = handle.read(MAX_FILE_BYTES + 1)
            except (zipfile.BadZipFile, OSError, RuntimeError, NotImplementedError, EOFError) as error:
                warnings.append(f"skipped {label!r}: it could not be read from the zip ({error})")
                continue
            mtime = datetime(*info.date_time).timestamp() if info.date_time[0] >= 1980 else 0.0
            _add(entries, warnings, prefix + tuple(name.parts), content, mtime, depth, zips,
                 f"{shown}/{name.as_posix()}" if shown else name.as_posix())


def _zip_name(info: zipfile.ZipInfo) -> str:
    """A member's name: zips made on macOS and Linux hold UTF-8 names without saying so (Python reads cp437)."""
    if info.flag_bits & 0x800:
        return info.filename
    try:
        return info.filename.encode("cp437").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return info.filename


def _add(entries: list[Entry], warnings: list[str], parts: tuple[str, ...], data: bytes, mtime: float,
         depth: int, zips: tuple[int, ...], shown: str) -> None:
    """Add one file; a zip inside the submissions is opened in its place (its name stays as a folder)."""
    if _is_zip_name(parts[-1]) and zipfile.is_zipfile(io.BytesIO(data)):
        if depth >= MAX_ZIP_DEPTH:
            warnings.append(f"skipped {shown}: zips nested more than {MAX_ZIP_DEPTH} deep")
            return
        try:
            _read_zip(data, parts, depth + 1, (*zips, len(parts) - 1), entries, warnings, shown)
        except zipfile.BadZipFile as error:
            warnings.append(f"skipped {shown}: the zip could not be read ({error})")
        return
    if parts[-1].lower().endswith(".ipynb"):
        data = without_outputs(data)[:MAX_NOTEBOOK_BYTES + 1]  # what is longer is "too large" anyway
    entries.append(Entry(parts, data, mtime, zips, shown=shown))


def read_entries(path: Path) -> tuple[list[Entry], list[str]]:
    """All files under a folder or inside a zip (zips inside opened; each file read up to the size limit)."""
    warnings: list[str] = []
    entries: list[Entry] = []
    if path.is_dir():
        for file in sorted(path.rglob("*")):
            relative = file.relative_to(path).parts
            if not file.is_file() or any(p in SKIPPED_PARTS or p.startswith(".") for p in relative):
                continue
            data = b""
            if _is_zip_name(file.name) or file.name.lower().endswith(".ipynb"):  # only their contents are used
                with open(file, "rb") as handle:
                    data = handle.read(MAX_FILE_BYTES + 1)
            _add(entries, warnings, relative, data, file.stat().st_mtime, 0, (), "/".join(relative))
            if len(entries) > MAX_ENTRIES:
                raise ValueError(f"SUBMISSIONS: {path} holds more than {MAX_ENTRIES} files")
        return entries, warnings
    if not zipfile.is_zipfile(path):
        if path.suffix.lower() == ".zip":
            raise ValueError(f"SUBMISSIONS: {path} is not a readable zip (damaged, or the download did not "
                             "finish); download it again")
        raise ValueError(f"SUBMISSIONS: {path} is neither a folder nor a zip file; give the folder of "
                         "learners' submissions or the zip your learning platform exported")
    try:
        _read_zip(path, (), 0, (), entries, warnings, "")
    except (zipfile.BadZipFile, OSError) as error:
        raise ValueError(f"SUBMISSIONS: {path} could not be read as a zip ({error}); download it again") from error
    return entries, warnings


def read_folders(path: Path) -> set[tuple[str, ...]]:
    """Every folder under a folder of submissions, or in a zip (relative path parts; hidden ones left out)."""
    folders: set[tuple[str, ...]] = set()
    if path.is_dir():
        for folder in path.rglob("*"):
            relative = folder.relative_to(path).parts
            if folder.is_dir() and not any(p in SKIPPED_PARTS or p.startswith(".") for p in relative):
                folders.add(relative)
    elif zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            for info in archive.infolist()[:MAX_ENTRIES]:
                parts = PurePosixPath(_zip_name(info).replace("\\", "/")).parts
                parts = parts if info.is_dir() else parts[:-1]
                if ".." in parts or any(p in SKIPPED_PARTS or p.startswith(".") for p in parts):
                    continue
                folders |= {parts[:i + 1] for i in range(len(parts))}
    return folders


def _without_notebooks(folders: set[tuple[str, ...]], entries: list[Entry], locator: Locator,
                       found: dict[tuple[str, str], Submission], specs: dict[str, list[NotebookSpec]]) -> list[str]:
    """Learners whose folder holds no notebook (empty, or other files only): a submission each with the note
    "no notebook found", so that nobody the submissions name is left out of the grades. Returns warnings."""
    with_work = {e.parts[:i] for e in entries if e.parts[-1].lower().endswith(".ipynb") or _is_zip_name(e.parts[-1])
                 for i in range(len(e.parts))}
    parents = {f[:-1] for f in folders}
    files: dict[tuple[str, ...], list[str]] = {}
    for entry in entries:
        files.setdefault(entry.parts[:-1], []).append(entry.parts[-1])
    batch = sorted({a for _, a in found}) or sorted(specs)
    learners = {learner for learner, _ in found}
    warnings = []
    for folder in sorted(folders):
        if folder in with_work or folder in parents or folder in locator.flat_dirs or any(
                part in INSTRUCTOR_FOLDERS for part in folder):
            continue  # holds work (graded as usual), or other folders (a leaf below says who)
        place = locator.place((*folder, "x.ipynb"))
        if place.skip or not place.learner:
            continue
        learner = clean_learner(place.learner)
        assignment = place.assignment and assignment_named(place.assignment, set(specs))
        if assignment is None and learner in learners:
            continue
        others = sorted(files.get(folder, []))
        note = "no notebook found" + (f" (only: {', '.join(others[:5])})" if others else " (the folder is empty)")
        for name in [assignment] if assignment else batch:
            if (learner, name) not in found:
                found[(learner, name)] = Submission(learner, name, problems=[note])
                warnings.append(f"{'/'.join(folder)}/: {note}; learner {learner} gets a row of zeros for {name}")
    return warnings


def _stem(name: str) -> str:
    return name[:-6] if name.lower().endswith(".ipynb") else PurePosixPath(name).stem


class Matcher:
    """Knows the course's assignments and notebooks, and matches names (and contents) against them."""

    def __init__(self, specs: dict[str, list[NotebookSpec]]):
        self.specs = specs

    def notebook_from_name(self, stem: str, assignment: str | None) -> tuple[NotebookSpec | None, bool]:
        """The notebook a file name stands for, and whether its name was exact."""
        candidates = self.specs.get(assignment, []) if assignment else [s for v in self.specs.values() for s in v]
        names = {s.name.lower(): s for s in candidates}
        if stem in {s.name for s in candidates}:
            return next(s for s in candidates if s.name == stem), True
        forms = [stem.strip().lower()]
        for _ in range(3):  # "Copy of status-review (2)", "status-review-Copy1 (1)"
            form = COPY_PREFIX.sub("", forms[-1]).strip()
            suffix = LMS_SUFFIX.match(form)
            forms.append(suffix.group("base").strip() if suffix else form)
        for form in forms:
            if form in names:
                return names[form], False
        # flat LMS names: the notebook name is the end of the file name after "_", "-" or a space
        for name in sorted(names, key=len, reverse=True):
            if any(form.endswith(sep + name) for form in forms for sep in "_- "):
                return names[name], False
        return None, False

    def notebook_from_content(self, data: bytes, assignment: str | None) -> NotebookSpec | None:
        notebook, fatal, _ = parse_notebook(data, "file")
        if notebook is None:
            return None
        candidates = self.specs.get(assignment, []) if assignment else [s for v in self.specs.values() for s in v]
        best = max(candidates, key=lambda s: s.identity(notebook), default=None)
        return best if best is not None and best.identity(notebook) > (0, 0) else None


@dataclass
class Place:
    """Who and what a file is, from its path: learner, assignment, a notebook name hint, or why it is skipped."""

    learner: str | None = None
    assignment: str | None = None
    notebook: str | None = None
    when: float | None = None  # submission time given by the name (nbgrader, Blackboard)
    skip: str | None = None     # a reason to skip it (None: keep)
    uid: str | None = None      # Canvas's user id (tells apart two learners with the same name)
    lms: bool = False           # found by an LMS's or nbgrader's own naming (not just a folder or a prefix)
    quiet: bool = False         # skip without a warning (receipts)
    generic: bool = False       # found by the generic ``<learner>_<anything>`` rule only (may merge learners)


def assignment_named(folder: str, assignments: set[str]) -> str | None:
    """The assignment a folder name stands for: exact, or differing in case, spaces or ``_`` (``01 Roles``)."""
    if folder in assignments:
        return folder
    key = re.sub(r"[\s_]+", "-", folder.strip().lower())
    return next((a for a in sorted(assignments) if re.sub(r"[\s_]+", "-", a.lower()) == key), None)


def _when(text: str) -> float | None:
    for layout in ("%Y-%m-%d %H:%M:%S.%f %Z", "%Y-%m-%d %H:%M:%S %Z", "%Y-%m-%d %H:%M:%S.%f", "%Y-%m-%d-%H-%M-%S"):
        try:
            return datetime.strptime(text.strip(), layout).replace(tzinfo=timezone.utc).timestamp()
        except ValueError:
            continue
    return None


def flat_name(stem: str, assignments: set[str]) -> Place:
    """Learner and notebook hint from an LMS file name (Blackboard, Moodle, Canvas, ``<learner>_...``)."""
    board = BLACKBOARD_FILE.match(stem)
    if board:
        return Place(board.group("learner"), notebook=board.group("rest"), when=_when(board.group("when")), lms=True)
    moodle = MOODLE_FILE.match(stem)
    if moodle:
        return Place(moodle.group("learner"), notebook=moodle.group("rest") or None, lms=True)
    canvas = CANVAS_FILE.match(stem)
    if canvas:
        return Place(canvas.group("learner"), notebook=canvas.group("rest"), uid=canvas.group("uid"), lms=True)
    if "_" in stem:
        assignment = next((a for a in sorted(assignments, key=len, reverse=True) if f"_{a}_" in f"_{stem}_"), None)
        return Place(stem.split("_", 1)[0], assignment, generic=True)
    return Place()


class Locator:
    """Finds each file's learner and assignment from its path (the rules in this module's docstring)."""

    def __init__(self, entries: list[Entry], assignments: set[str], matcher: Matcher | None = None):
        self.assignments = assignments
        self.matcher = matcher
        # a folder is flat (an LMS export) when it holds one notebook under several <learner>_ prefixes, e.g.
        # alice_..._roles.ipynb and bob_..._roles.ipynb; a learner's folder of my_roles.ipynb and final_decision.ipynb
        # is not. The top of the submissions is always flat.
        by_dir: dict[tuple[str, ...], dict[str, set[str]]] = {}
        for entry in entries:
            file_name = entry.parts[-1]
            if not (file_name.lower().endswith(".ipynb") or _is_zip_name(file_name)):
                continue
            stem = _stem(file_name)
            place = flat_name(stem, assignments)
            if place.learner:
                rest = place.notebook or stem.split("_", 1)[1]
                spec = matcher.notebook_from_name(rest, None)[0] if matcher else None
                key = spec.file_name if spec else rest
                by_dir.setdefault(entry.parts[:-1], {}).setdefault(key, set()).add(place.learner)
        self.flat_dirs = {folder for folder, notebooks in by_dir.items()
                          if not folder or any(len(learners) > 1 for learners in notebooks.values())}

    def _flat_in_folder(self, stem: str) -> bool:
        """Whether a file in an assignment folder is named ``<learner>_<notebook>`` (e.g. ``gina_roles``)."""
        if self.matcher is None or "_" not in stem or self.matcher.notebook_from_name(stem, None)[1]:
            return False
        rest = stem.split("_", 1)[1]
        return self.matcher.notebook_from_name(rest, None)[0] is not None

    def _learner_folder(self, dirs: tuple[str, ...]) -> str | None:
        """The innermost folder that can be a learner's: not an assignment, a notebook or a course folder."""
        for folder in reversed(dirs):
            if assignment_named(folder, self.assignments) or folder.lower() in COURSE_FOLDERS:
                continue
            if self.matcher is not None and self.matcher.notebook_from_name(folder, None)[1]:
                continue
            return folder
        return None

    def place(self, parts: tuple[str, ...]) -> Place:
        dirs, file_name = parts[:-1], parts[-1]
        stem = _stem(file_name)
        if file_name.lower() in IGNORED_FILES:
            return Place(skip="ignored", quiet=True)
        for folder in reversed(dirs):
            exchange = EXCHANGE_FOLDER.match(folder)
            if exchange and exchange.group("assignment") in self.assignments:
                return Place(exchange.group("learner"), exchange.group("assignment"), when=_when(exchange["when"]),
                             lms=True)
        named = [(i, assignment_named(d, self.assignments)) for i, d in enumerate(dirs)]
        index, inner_assignment = next(((i, a) for i, a in reversed(named) if a), (-1, None))
        for folder in reversed(dirs):
            if MOODLE.match(folder):
                return Place(folder, inner_assignment, lms=True)
        if inner_assignment is not None and dirs not in self.flat_dirs:
            if index + 1 < len(dirs):
                return Place(dirs[index + 1], inner_assignment)      # <assignment>/<learner>/...
            learner = self._learner_folder(dirs[:index])
            if learner is not None and not self._flat_in_folder(stem):
                return Place(learner, inner_assignment)             # <learner>/<assignment>/...
        if dirs and dirs not in self.flat_dirs and not assignment_named(dirs[-1], self.assignments):
            learner = self._learner_folder(dirs)
            if learner is not None:
                return Place(learner, inner_assignment)             # <learner>/[<notebook name>/]<notebook>
        place = flat_name(stem, self.assignments)
        if BLACKBOARD_FILE.match(stem) and place.notebook is None:
            return Place(skip="a Blackboard receipt", quiet=True)
        if place.learner is None:
            return Place(skip="no learner id in its name (expected <learner>_<notebook>.ipynb, or a folder per "
                              "learner)" if file_name.lower().endswith(".ipynb") else "not a notebook")
        place.assignment = place.assignment or inner_assignment
        return place


def _without_instructor_folders(entries: list[Entry], warnings: list[str]) -> list[Entry]:
    """An nbgrader course folder given whole: only its ``submitted/`` (or exchange ``inbound/``) is graded.

    Its ``source/`` holds the solutions and ``autograded/`` and ``feedback/`` copies of the submissions; they
    are left out when they sit next to ``submitted/`` or ``inbound/``.
    """
    folders = {e.parts[:i + 1] for e in entries for i in range(len(e.parts) - 1)}
    kept, dropped = [], set()
    for entry in entries:
        skip = next((entry.parts[:i + 1] for i, part in enumerate(entry.parts[:-1])
                     if part in INSTRUCTOR_FOLDERS and ({entry.parts[:i] + (name,) for name in ("submitted", "inbound")}
                                                        & folders)), None)
        if skip is None:
            kept.append(entry)
        else:
            dropped.add("/".join(skip) + "/")
    if dropped:
        warnings.append(f"ignored the nbgrader course folders {', '.join(sorted(dropped))}: only the learners' "
                        "submitted/ (or inbound/) files are graded")
    return kept


def _open_nested_zips(entries: list[Entry], matcher: Matcher) -> None:
    """Decide, for each zip inside the submissions, whether it is a folder of many learners or one learner's.

    A zip holding the files of several learners, or named the way an LMS or nbgrader names them (an export
    put in a folder), is read like a folder. Any other
    zip belongs to one learner: the Moodle or nbgrader folder it is in; else the learner its LMS file name
    gives (``alice_123_456_work.zip``); else, among other learners' zips or files, its own name
    (``alice.zip``); else the learner folder it is in (``alice/work.zip``). Its inner folders only tell the
    assignment.
    """
    assignments = set(matcher.specs)
    while True:
        pending = [e for e in entries if e.zips and e.learner is None]
        if not pending:
            return
        index = min(e.zips[0] for e in pending)
        groups: dict[tuple[str, ...], list[Entry]] = {}
        for e in pending:
            if e.zips[0] == index:
                groups.setdefault(e.parts[:index + 1], []).append(e)
        exports = []
        for outer, members in groups.items():
            inner = Locator([Entry(e.parts[index + 1:], b"", 0) for e in members], assignments, matcher)
            places = [inner.place(e.parts[index + 1:]) for e in members if e.parts[-1].lower().endswith(".ipynb")]
            if len({p.learner for p in places} - {None}) > 1 or any(p.lms and p.learner for p in places):
                exports.append(outer)
        if exports:  # an export: read it like a folder (drop the zip's name from the paths), then look again
            for outer in exports:
                for e in groups[outer]:
                    e.parts = e.parts[:index] + e.parts[index + 1:]
                    e.zips = tuple(i - 1 for i in e.zips[1:])
            continue
        decided = {outer: _zip_owner(entries, outer, matcher) for outer in groups}
        for outer, members in groups.items():
            learner, assignment = decided[outer]
            for e in members:
                inner_dirs = e.parts[index + 1:-1]
                e.learner = learner
                found = next((assignment_named(d, assignments) for d in reversed(inner_dirs)
                              if assignment_named(d, assignments)), None) or assignment
                e.parts = (*outer[:-1], *([found] if found else []), e.parts[-1])
                e.zips = ()


def _zip_owner(entries: list[Entry], outer: tuple[str, ...], matcher: Matcher) -> tuple[str, str | None]:
    """The learner (and assignment, if its place tells) of a zip holding one learner's files."""
    assignments = set(matcher.specs)
    index = len(outer) - 1
    folder, stem = outer[:-1], _stem(outer[-1])
    neighbours = {e.parts[index] for e in entries if e.parts[:index] == folder and len(e.parts) > index
                  and (e.parts[index].lower().endswith(".ipynb") or _is_zip_name(e.parts[index]))}
    place = Locator([], assignments).place((*folder, "x.ipynb"))
    names_work = assignment_named(stem, assignments) is not None or matcher.notebook_from_name(stem, None)[0] is not None
    if any(MOODLE.match(d) or EXCHANGE_FOLDER.match(d) for d in folder):
        learner = place.learner
    elif flat_name(stem, assignments).learner:
        learner = flat_name(stem, assignments).learner
    elif not names_work and (len(neighbours) > 1 or not folder):
        learner = stem
    else:
        learner = place.learner
    return learner or "unknown-learner", place.assignment or assignment_named(stem, assignments)


def collect(path: Path, specs: dict[str, list[NotebookSpec]],
            pattern: str | None = None) -> tuple[list[Submission], list[str]]:
    """Group the files under ``path`` (folder or zip) into submissions; returns them and import warnings."""
    entries, warnings = read_entries(Path(path))
    matcher = Matcher(specs)
    assignments = set(specs)
    regex = re.compile(pattern) if pattern else None
    if regex and not {"learner", "student_id"} & set(regex.groupindex):
        raise ValueError("--pattern: the regular expression needs a named group (?P<learner>...)")
    if not regex:
        entries = _without_instructor_folders(entries, warnings)
        _open_nested_zips(entries, matcher)
    locator = Locator(entries, assignments, matcher)

    places = {} if regex else {id(entry): locator.place(entry.parts) for entry in entries}
    canvas_ids: dict[str, set[str]] = {}
    for place in places.values():
        if place.uid and place.learner:
            canvas_ids.setdefault(place.learner, set()).add(place.uid)

    found: dict[tuple[str, str], Submission] = {}
    candidates: dict[tuple[str, str, str], list[tuple[Entry, bool, str, float, bool]]] = {}
    prefix_of: dict[int, str] = {}  # files named by the generic <learner>_<anything> rule: their whole prefix
    for entry in entries:
        relative = entry.shown
        file_name = entry.parts[-1]
        stem = _stem(file_name)
        if regex:
            match = regex.search(relative)
            if not match:
                warnings.append(f"skipped {relative}: it does not match --pattern")
                continue
            groups = match.groupdict()  # nbgrader's FileNameCollector names work too: student_id, file_id
            place = Place(groups.get("learner") or groups.get("student_id"), groups.get("assignment"),
                          groups.get("notebook") or groups.get("file_id"))
        else:
            place = places[id(entry)]
            if place.uid and len(canvas_ids.get(place.learner or "", ())) > 1:
                place.learner = f"{place.learner}_{place.uid}"  # two learners of the same name: add Canvas's id
            if entry.learner is not None:
                place.learner = entry.learner
                place.skip = None if place.skip != "ignored" else place.skip
        if place.skip:
            if not place.quiet:
                warnings.append(f"skipped {relative}: {place.skip}" if place.skip != "not a notebook" else
                                f"ignored {relative}: not a notebook")
            continue
        assignment = place.assignment and (assignment_named(place.assignment, assignments) or place.assignment)
        if assignment is not None and assignment not in assignments:
            warnings.append(f"skipped {relative}: {assignment!r} is not an assignment of this course")
            continue
        learner = clean_learner(place.learner or "")
        if not file_name.lower().endswith(".ipynb"):
            # an HTML, PDF or .py export of a notebook still tells which assignment the learner meant
            named = matcher.notebook_from_name(_stem(place.notebook or stem), assignment)[0]
            assignment = assignment or (named.assignment if named else None)
            if assignment:
                found.setdefault((learner, assignment), Submission(learner, assignment)).problems.append(
                    f"not a notebook, ignored: {file_name}" + (f" (the learner should submit {named.file_name})"
                                                               if named else ""))
            else:
                warnings.append(f"ignored {relative}: not a notebook")
            continue
        spec = None
        for hint in (place.notebook, stem):
            if hint and spec is None:
                spec, _ = matcher.notebook_from_name(_stem(hint), assignment)
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
        when = place.when if place.when is not None else entry.mtime
        candidates.setdefault((learner, assignment, spec.file_name), []).append(
            (entry, by_name, relative, when, place.when is not None))
        if not regex and place.generic and entry.learner is None:
            prefix_of[id(entry)] = _whole_prefix(stem, spec, assignment)

    warnings += _keep_apart(candidates, found, prefix_of)
    if not regex:
        warnings += _without_notebooks(read_folders(Path(path)), entries, locator, found, specs)
    for (learner, assignment, file_name), options in sorted(candidates.items()):
        submission = found[(learner, assignment)]
        unique: dict[bytes, tuple[Entry, bool, str, float, bool]] = {}
        for option in sorted(options, key=lambda o: o[2]):  # the same file twice (a zip and its extracted copy)
            unique.setdefault(option[0].data, option)
        options = list(unique.values())
        entry, by_name, relative, _, _ = _choose(options, specs, assignment, file_name)
        submission.files[file_name] = entry.data
        submission.origins[file_name] = relative
        if len(options) > 1:
            others = ", ".join(sorted(o[2] for o in options if o[0] is not entry))
            rule = "the latest submission" if all(o[4] for o in options) else "the most answered, then the newest"
            submission.problems.append(f"{len(options)} files for {file_name}; graded {relative} ({rule}), "
                                       f"not {others}")
        elif not by_name:
            submission.problems.append(f"{PurePosixPath(relative).name} was graded as {file_name}")
    for submission in found.values():
        for spec in specs[submission.assignment]:
            submission.files.setdefault(spec.file_name, None)
        if not any(data is not None for data in submission.files.values()) and not any(
                p.startswith("no notebook found") for p in submission.problems):
            submission.problems.insert(0, "no notebook found")
    return sorted(found.values(), key=lambda s: (s.learner, s.assignment)), warnings


def _whole_prefix(stem: str, spec: NotebookSpec, assignment: str) -> str:
    """``ada_smith`` of ``ada_smith_status-review (2)``: the file name before the notebook's (and assignment's) name."""
    at = stem.lower().rfind(spec.name.lower())
    prefix = stem[:at].rstrip("_- ") if at > 0 else stem.split("_", 1)[0]
    if prefix.lower().endswith("_" + assignment.lower()):
        prefix = prefix[:-len(assignment) - 1]
    return prefix or stem.split("_", 1)[0]


def _keep_apart(candidates: dict[tuple[str, str, str], list[tuple[Entry, bool, str, float, bool]]],
                found: dict[tuple[str, str], Submission], prefix_of: dict[int, str]) -> list[str]:
    """Never merge two learners: files that the generic ``<learner>_<anything>`` rule gives one learner id but
    whose names differ before the notebook's name (``ada_smith_...``, ``ada_jones_...``) keep their whole
    prefix as the learner id, with a warning."""
    warnings = []
    by_learner: dict[str, list[tuple[str, str, str]]] = {}
    for key in candidates:
        by_learner.setdefault(key[0], []).append(key)
    for learner, keys in sorted(by_learner.items()):
        options = [(key, o) for key in keys for o in candidates[key]]
        prefixes = {prefix_of.get(id(o[0])) for _, o in options}
        if len(prefixes) < 2 or None in prefixes:
            continue
        names = []
        for key in keys:
            del candidates[key]
        for (_, assignment, file_name), option in options:
            new = clean_learner(prefix_of[id(option[0])])
            names.append(new)
            candidates.setdefault((new, assignment, file_name), []).append(option)
            found.setdefault((new, assignment), Submission(new, assignment))
        for assignment in {key[1] for key in keys}:
            left = any(k[0] == learner and k[1] == assignment for k in candidates)
            if not left and not found[(learner, assignment)].problems:
                del found[(learner, assignment)]
        shown = ", ".join(sorted(o[2] for _, o in options))
        warnings.append(f"the files {shown} would all be learner {learner!r}: kept apart as learners "
                        f"{', '.join(sorted(set(names)))} (the whole name before the notebook's); if your platform "
                        "names files differently, give --pattern, e.g. --pattern "
                        "'(?P<learner>[^/]+)_(?P<notebook>[^_/]+)\\.ipynb$'")
    return warnings


def _choose(options: list[tuple[Entry, bool, str, float, bool]], specs: dict[str, list[NotebookSpec]],
            assignment: str, file_name: str) -> tuple[Entry, bool, str, float, bool]:
    """Of several files for one notebook: the latest when their names give submission times (nbgrader's
    exchange, Blackboard), else the one with the most answered exercises, then the newest."""
    if len(options) == 1:
        return options[0]
    if all(o[4] for o in options):
        return max(options, key=lambda o: (o[3], o[2]))
    spec = next(s for s in specs[assignment] if s.file_name == file_name)

    def answered(option: tuple[Entry, bool, str, float, bool]) -> int:
        try:
            return len(check_notebook(option[0].data, spec).answered)
        except Exception:  # noqa: BLE001 — a damaged file has answered nothing
            return -1

    return max(options, key=lambda o: (answered(o), o[3], o[1], o[2]))
