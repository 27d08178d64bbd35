"""The workshop store: workshops, groups and their assessments (every version kept), participants,
judgements and decisions — in one SQLite file (WAL) or on PostgreSQL, through SQLAlchemy Core.

**No lost update.** Every save names the version it was based on and is one conditional
``UPDATE documents SET version = base + 1 … WHERE id = :doc AND version = :base``; when no row matches, nothing
is written and :class:`StaleVersionError` carries the current version and assessment. Two writers can never
both win: SQLite serialises writers (``BEGIN IMMEDIATE``) and PostgreSQL's row lock makes the second
``UPDATE`` re-check ``version`` after the first commits (READ COMMITTED), so it matches no row.

**Isolation.** Every participant-side call is scoped by the join code and the group id (both must match
one group of that workshop); facilitator calls by the facilitator key (stored only as SHA-256 and compared in
constant time). A solo assessment is reached only by its unguessable id.

**Topics.** Step 5's judgements (topic ``"step5"``) are always open. A rating in Steps 2–4 is opened by the
facilitator (:meth:`WorkshopStore.open_topic`) to one group or — group None or "" — to every group of the
workshop; participants see it in :meth:`WorkshopStore.topics` and their judgements on it are checked against
its options, criteria and scale. Opening a topic again under the same name starts a fresh round (the earlier
judgements are kept in history, superseded); a closed topic takes no more judgements.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import hmac
import json
import logging
import os
import secrets
import threading
import uuid
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import Any, Iterable, Iterator, Mapping

from sqlalchemy import URL, and_, bindparam, create_engine, event, exists, func, insert, select, update
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import ArgumentError, IntegrityError

from exsitu.assessment import Assessment, load_assessment as _read_assessment
from exsitu.validation import InvalidInputError
from exsitu.workshop import limits
from exsitu.workshop.diff import changed_paths
from exsitu.workshop.migrate import upgrade
from exsitu.workshop.models import (NO_VOTE, PERSPECTIVES, TOPIC_STEPS, VOTES, AccessDenied, DecisionEntry, Dissent,
                                    GroupProgress, Group, Judgement, Participant, StaleVersionError, Topic,
                                    VersionInfo, Workshop)
from exsitu.workshop.schema import (decisions, document_versions, documents, groups, judgements, participants,
                                    topics, workshops)

DATABASE_URL_ENV = "EXSITU_DATABASE_URL"
"""Environment variable with a database URL (e.g. ``postgresql+psycopg://user@host/db``)."""

TOPIC_STEP5 = "step5"
"""The topic of Step 5's judgements: always open, its options and criteria those of the group's decision."""

DB_PATH_ENV = "EXSITU_WORKSHOP_DB"
"""Environment variable with the SQLite file to use when no database URL is set."""

JOIN_CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
"""Join code characters: digits and capitals without 0/O, 1/I/L (31 symbols; 8 of them ≈ 8.5 × 10¹¹ codes)."""

JOIN_CODE_LENGTH = 8

WRONG_CODE = "This code does not open a workshop. Check it with your facilitator (it looks like ABCD-2345)."
WRONG_KEY = "This facilitator key does not open a workshop. Use the key shown when the workshop was created."
WRONG_GROUP = "This group is not part of the workshop. Choose your group again from the workshop's page."
WRONG_PARTICIPANT = "You are not a participant of this group. Join the group again with your name."
WRONG_TOPIC = "This rating is not part of the workshop. Choose it again from the list of open ratings."
WRONG_SOLO = "No saved assessment has this id. Start a new one or open the link you saved."


def default_url() -> str:
    """``EXSITU_DATABASE_URL``, else SQLite at ``EXSITU_WORKSHOP_DB``, else ``~/.local/share/exsitu/workshop.sqlite3``."""
    url = os.environ.get(DATABASE_URL_ENV, "").strip()
    if url:
        return url
    path = os.environ.get(DB_PATH_ENV, "").strip()
    target = Path(path).expanduser() if path else Path.home() / ".local" / "share" / "exsitu" / "workshop.sqlite3"
    return URL.create("sqlite+pysqlite", database=str(target.resolve())).render_as_string()


def _now() -> str:
    return _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="microseconds")


def _key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def normalise_join_code(code: Any) -> str | None:
    """``'abcd-2345'`` → ``'ABCD2345'``; None if it cannot be a join code."""
    if not isinstance(code, str) or len(code) > 64:
        return None
    cleaned = "".join(ch for ch in code.upper() if ch not in " -_\t")
    if len(cleaned) != JOIN_CODE_LENGTH or any(ch not in JOIN_CODE_ALPHABET for ch in cleaned):
        return None
    return cleaned


def _shown_code(code: str) -> str:
    return f"{code[:4]}-{code[4:]}"


def _new_join_code() -> str:
    return "".join(secrets.choice(JOIN_CODE_ALPHABET) for _ in range(JOIN_CODE_LENGTH))


def _plain_id(value: Any) -> str | None:
    return value if isinstance(value, str) and 0 < len(value) <= 64 else None


def _make_engine(url: str) -> Engine:
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise InvalidInputError("url", f"{url!r} is not a database URL",
                                "use postgresql+psycopg://user@host/dbname or sqlite:////path/file.sqlite3") from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        database = parsed.database or ""
        if not database or database == ":memory:" or database.startswith("file:"):
            raise InvalidInputError("url", "an in-memory SQLite database cannot be shared between connections",
                                    "give a file, e.g. sqlite:////tmp/workshop.sqlite3")
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(parsed, connect_args={"timeout": 30, "check_same_thread": False},
                               pool_size=10, max_overflow=50, pool_timeout=60)

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_connection, _record) -> None:
            dbapi_connection.isolation_level = None  # transactions are begun below, not by the driver
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA busy_timeout = 30000")
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
            cursor.execute("PRAGMA foreign_keys = ON")
            cursor.close()

        @event.listens_for(engine, "begin")
        def _on_begin(connection: Connection) -> None:
            options = connection.get_execution_options()
            if options.get("exsitu_autocommit", False):
                return  # every statement its own transaction (the driver runs with isolation_level None)
            connection.exec_driver_sql("BEGIN IMMEDIATE" if options.get("exsitu_write", False) else "BEGIN")

        return engine
    if backend == "postgresql":
        # Connections are made only when needed, and a pool keeps up to pool_size of them: one beyond it is
        # closed when returned, and opening a PostgreSQL connection starts a server process (several ms of
        # CPU). A kernel needs two or three at once; a process serving forty people at once (threads) reopened
        # most of its connections with a pool of 10 (p95 ≈ 280 ms against ≈ 185 ms with 40; bench_workshop.py).
        return create_engine(parsed, pool_size=40, max_overflow=20, pool_timeout=60, pool_pre_ping=True)
    raise InvalidInputError("url", f"{backend!r} databases are not supported",
                            "use SQLite (the default) or postgresql+psycopg://…")


_STORES: dict[str, "WorkshopStore"] = {}
_STORES_LOCK = threading.Lock()


def open_store(url: str | None = None) -> "WorkshopStore":
    """The store at ``url`` (None → :func:`default_url`), migrated to the newest schema; one per URL per process."""
    resolved = default_url() if url is None else url
    if not isinstance(resolved, str) or not resolved.strip():
        raise InvalidInputError("url", f"expected a database URL, got {resolved!r}",
                                "leave it out for the default SQLite file")
    with _STORES_LOCK:
        store = _STORES.get(resolved)
        if store is None:
            store = _STORES[resolved] = WorkshopStore(resolved)
            store.warm_up()
        return store


def _steps_text(assessment: Assessment) -> str:
    return ",".join(str(step) for step, done in assessment.steps_done().items() if done)


def _steps_dict(text: str) -> dict[int, bool]:
    done = {int(part) for part in text.split(",") if part.strip().isdigit()}
    return {step: step in done for step in range(1, 6)}


def _parse(text: str) -> Assessment:
    assessment, _problems = _read_assessment(text)  # keeps every readable section, never loses data
    return assessment


# The hot paths (a judgement submitted, a group's judgements read back; every page's 3-second poll) run
# these statements, built once: building a SQLAlchemy statement per call cost more CPU than the database
# itself, and 40 participants submitting at once on 2 cores queue behind that CPU.
_WORKSHOP_BY_CODE = select(workshops).where(workshops.c.join_code == bindparam("code"))
_GROUP_OF_WORKSHOP = select(groups).where(and_(groups.c.id == bindparam("gid"),
                                               groups.c.workshop_id == bindparam("wid")))
_PARTICIPANT_OF_GROUP = select(participants).where(and_(participants.c.id == bindparam("pid"),
                                                        participants.c.group_id == bindparam("gid")))
_VERSION_TEXT = select(document_versions.c.assessment).where(and_(
    document_versions.c.document_id == bindparam("did"), document_versions.c.version == bindparam("version")))
_JUDGEMENTS_BASE = (select(judgements, participants.c.display_name, participants.c.perspective)
                    .join(participants, participants.c.id == judgements.c.participant_id)
                    .where(judgements.c.group_id == bindparam("gid")))
_CURRENT_JUDGEMENTS_ON = (_JUDGEMENTS_BASE.where(and_(judgements.c.topic == bindparam("the_topic"),
                                                      judgements.c.superseded_at.is_(None)))
                          .order_by(judgements.c.submitted_at, judgements.c.id))
# A participant's page reads its group's judgements with the join code in the same query (one round trip);
# only when that finds nothing are the code and group checked one by one, to say which is wrong.
_CURRENT_JUDGEMENTS_BY_CODE = (
    select(judgements, participants.c.display_name, participants.c.perspective)
    .join(participants, participants.c.id == judgements.c.participant_id)
    .join(groups, groups.c.id == judgements.c.group_id)
    .join(workshops, workshops.c.id == groups.c.workshop_id)
    .where(and_(workshops.c.join_code == bindparam("code"), judgements.c.group_id == bindparam("gid"),
                judgements.c.topic == bindparam("the_topic"), judgements.c.superseded_at.is_(None)))
    .order_by(judgements.c.submitted_at, judgements.c.id))
# Who submits, in which group of which workshop, and the group's current assessment version: one query.
_PARTICIPANT_CONTEXT = (
    select(workshops.c.id.label("workshop_id"), groups.c.id.label("group_id"), groups.c.document_id,
           documents.c.version, participants.c.id.label("participant_id"), participants.c.display_name,
           participants.c.perspective)
    .select_from(participants.join(groups, groups.c.id == participants.c.group_id)
                 .join(workshops, workshops.c.id == groups.c.workshop_id)
                 .join(documents, documents.c.id == groups.c.document_id))
    .where(and_(workshops.c.join_code == bindparam("code"), groups.c.id == bindparam("gid"),
                participants.c.id == bindparam("pid"))))
_OPEN_TOPIC_FOR = (select(topics).where(and_(
    topics.c.workshop_id == bindparam("wid"), topics.c.name == bindparam("name"), topics.c.closed_at.is_(None),
    (topics.c.group_id == bindparam("gid")) | topics.c.group_id.is_(None)))
    .order_by(topics.c.opened_at.desc(), topics.c.id.desc()).limit(1))
# A judgement is one INSERT; the database's trigger supersedes the participant's earlier one (migration 0003).
_INSERT_JUDGEMENT = insert(judgements).returning(judgements.c.id)  # (rowcount of an INSERT is not reliable)
_JUDGEMENT_COLUMNS = tuple(c.name for c in judgements.c)
# On a rating of Steps 2–4, only while it is open, in the same statement: a rating closed meanwhile takes no
# more judgements. On PostgreSQL FOR SHARE makes a concurrent close_topic wait for this statement (or this
# statement see the close); SQLite's single writer serialises the two anyway (FOR SHARE is not rendered there).
_INSERT_JUDGEMENT_IF_OPEN = insert(judgements).from_select(
    _JUDGEMENT_COLUMNS,
    select(*[bindparam(name, type_=judgements.c[name].type) for name in _JUDGEMENT_COLUMNS])
    .where(exists(select(topics.c.id).where(and_(topics.c.id == bindparam("tid"), topics.c.closed_at.is_(None)))
                  .with_for_update(read=True)))).returning(judgements.c.id)
_HOT_READS = ((_WORKSHOP_BY_CODE, ("code",)), (_GROUP_OF_WORKSHOP, ("gid", "wid")),
              (_PARTICIPANT_OF_GROUP, ("gid", "pid")),
              (_VERSION_TEXT, ("did", "version")), (_CURRENT_JUDGEMENTS_ON, ("gid", "the_topic")),
              (_CURRENT_JUDGEMENTS_BY_CODE, ("code", "gid", "the_topic")),
              (_PARTICIPANT_CONTEXT, ("code", "gid", "pid")), (_OPEN_TOPIC_FOR, ("gid", "name", "wid")))
_HOT_WRITES = ((_INSERT_JUDGEMENT, _JUDGEMENT_COLUMNS), (_INSERT_JUDGEMENT_IF_OPEN, _JUDGEMENT_COLUMNS + ("tid",)))

_SCALES: dict[tuple[str, int], tuple[float, float]] = {}
"""The Step 5 scale of a stored assessment version (versions never change once written)."""
_SCALES_LOCK = threading.Lock()


def _scale_from_json(text: str) -> tuple[float, float]:
    try:
        data = json.loads(text)
        decision = data.get("decision") or (data.get("decision_record") or {}).get("decision")
        if isinstance(decision, dict) and "score_min" in decision and "score_max" in decision:
            return float(decision["score_min"]), float(decision["score_max"])
    except (ValueError, TypeError, AttributeError):
        pass
    return limits.DEFAULT_SCALE


def _listed(value: Any) -> Any:
    """A generator or other plain iterable as a list (at most one item past the limit is read); else as given."""
    if isinstance(value, (str, bytes, Mapping, list, tuple)) or not hasattr(value, "__iter__"):
        return value
    import itertools

    return list(itertools.islice(value, limits.MAX_ITEMS + 1))


def _check_against_topic(opened: Topic, scores: Mapping[str, Mapping[str, float]],
                         weights: Mapping[str, float]) -> None:
    """Scores and weights may name only the topic's options and criteria."""
    option_ids = {o["id"] for o in opened.options}
    criterion_ids = {c["id"] for c in opened.criteria}
    for option, row in scores.items():
        if option not in option_ids:
            raise InvalidInputError(f"scores[{option!r}]", f"is not an option of the rating {opened.name!r}",
                                    "score only the options the facilitator opened")
        for criterion in row:
            if criterion not in criterion_ids:
                raise InvalidInputError(f"scores[{option!r}][{criterion!r}]",
                                        f"is not a criterion of the rating {opened.name!r}",
                                        "score only the criteria the facilitator opened")
    for criterion in weights:
        if criterion not in criterion_ids:
            raise InvalidInputError(f"weights[{criterion!r}]", f"is not a criterion of the rating {opened.name!r}",
                                    "weigh only the criteria the facilitator opened")


class WorkshopStore:
    """The store on one database (see the module docstring). Use :func:`open_store` rather than this directly."""

    def __init__(self, url: str, *, migrate: bool = True) -> None:
        self.url = url
        self.engine = _make_engine(url)
        self.backend = self.engine.dialect.name
        self._thread_lock = threading.Lock()
        self._lock_file: tuple[int, int] | None = None  # (pid, fd) of the SQLite writers' lock file
        if migrate:
            upgrade(self.engine)

    def warm_up(self) -> None:
        """Compile the hot paths' statements now (a judgement submitted, the group's judgements read back, every
        page's poll), so that a page's first submission does not pay for it.

        SQLAlchemy compiles a statement on its first execution in a process and caches it per engine: about 5 ms
        of CPU for a first judgement, against about 1 ms afterwards — and forty participants submitting at the
        same moment on two cores queue behind that CPU. :func:`open_store` calls this once per process (an
        app's kernel opens its store when its page loads, long before anyone submits). Statements are only
        compiled, never run. The cache entry is made as ``Connection.execute`` would make it, through
        SQLAlchemy's own (private) ``_compile_w_cache``: there is no public call for it; if a SQLAlchemy
        release changes it, warming is skipped (the statements then compile on first use, as before).
        """
        cache = self.engine._compiled_cache  # None when the engine was made with query_cache_size=0
        if cache is None:
            return
        with self.engine.connect():
            pass  # the dialect learns the server's version and features on the first connection
        dialect = self.engine.dialect
        try:
            from sqlalchemy.sql import compiler

            for statement, keys in _HOT_READS + _HOT_WRITES:
                statement._compile_w_cache(dialect=dialect, compiled_cache=cache, column_keys=sorted(keys),
                                           for_executemany=False, schema_translate_map=None,
                                           linting=dialect.compiler_linting | compiler.WARN_LINTING)
        except (AttributeError, TypeError) as error:  # pragma: no cover - a SQLAlchemy release changed it
            logging.getLogger(__name__).info("statements not warmed up (%s); they compile on first use", error)

    def close(self) -> None:
        """Close the store's connections (the store may not be used afterwards)."""
        self.engine.dispose()
        if self._lock_file is not None and self._lock_file[0] == os.getpid():
            os.close(self._lock_file[1])
            self._lock_file = None
        with _STORES_LOCK:
            if _STORES.get(self.url) is self:
                del _STORES[self.url]

    def __repr__(self) -> str:
        return f"WorkshopStore({self.engine.url.render_as_string(hide_password=True)!r})"

    # ------------------------------------------------------------------------------------ transactions
    @contextmanager
    def _sqlite_writer(self) -> Iterator[None]:
        """Queue SQLite writers instead of letting them poll: a thread lock in the process and an ``flock`` on
        ``<database>-writelock`` across processes (the kernel wakes the next waiter at once; SQLite's busy
        handler would sleep and retry, which gives long tails with tens of writers). Where ``fcntl`` is
        missing (Windows) only the thread lock is used; ``BEGIN IMMEDIATE`` + busy_timeout still guard."""
        with self._thread_lock:
            try:
                import fcntl
            except ImportError:  # pragma: no cover - Windows
                yield
                return
            if self._lock_file is None or self._lock_file[0] != os.getpid():  # (re)open after a fork
                path = f"{self.engine.url.database}-writelock"
                self._lock_file = (os.getpid(), os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
            fd = self._lock_file[1]
            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)

    @contextmanager
    def _write(self) -> Iterator[Connection]:
        with self.engine.connect() as connection:  # checked out of the pool (and back) outside the write lock
            connection.execution_options(exsitu_write=True)
            with self._sqlite_writer() if self.backend == "sqlite" else nullcontext():
                with connection.begin():
                    yield connection

    @contextmanager
    def _autocommit(self) -> Iterator[Connection]:
        """A connection on which every statement is its own transaction: for the hot paths, whose reads are one
        statement on rows that never change and whose write is one INSERT (no BEGIN and COMMIT round trips on
        PostgreSQL; on SQLite the write lock is held for one statement only — take it with _sqlite_writer).
        One checkout per call: each checkout pings PostgreSQL (``pool_pre_ping``, so that a restarted server
        costs nothing but a reconnect), about half of a judgement's CPU when it was two checkouts."""
        with self.engine.connect() as connection:
            if self.backend == "sqlite":
                connection.execution_options(exsitu_autocommit=True)  # _on_begin sends no BEGIN
            else:
                connection.execution_options(isolation_level="AUTOCOMMIT")  # reset when back in the pool
            yield connection

    @contextmanager
    def _read(self) -> Iterator[Connection]:
        with self.engine.connect() as connection:
            with connection.begin():
                yield connection

    # ------------------------------------------------------------------------------------ access
    @staticmethod
    def _workshop_row(connection: Connection, join_code: Any):
        code = normalise_join_code(join_code)
        row = None
        if code is not None:
            row = connection.execute(_WORKSHOP_BY_CODE, {"code": code}).first()
        if row is None:
            raise AccessDenied(WRONG_CODE)
        return row

    @staticmethod
    def _workshop_row_by_key(connection: Connection, facilitator_key: Any):
        if not isinstance(facilitator_key, str) or not 0 < len(facilitator_key) <= 200:
            raise AccessDenied(WRONG_KEY)
        digest = _key_hash(facilitator_key.strip())
        row = connection.execute(select(workshops).where(workshops.c.key_hash == digest)).first()
        if row is None or not hmac.compare_digest(row.key_hash, digest):
            raise AccessDenied(WRONG_KEY)
        return row

    def _group_row(self, connection: Connection, join_code: Any, group_id: Any):
        workshop = self._workshop_row(connection, join_code)
        gid = _plain_id(group_id)
        row = None
        if gid is not None:
            row = connection.execute(_GROUP_OF_WORKSHOP, {"gid": gid, "wid": workshop.id}).first()
        if row is None:
            raise AccessDenied(WRONG_GROUP)
        return workshop, row

    @staticmethod
    def _workshop(row, key: str = "") -> Workshop:
        return Workshop(id=row.id, title=row.title, taxon=row.taxon, date=row.date,
                        join_code=_shown_code(row.join_code), facilitator_key=key, created_at=row.created_at)

    # ------------------------------------------------------------------------------------ workshops
    def create_workshop(self, title: str, taxon: str, date: str, group_names: list[str]) -> Workshop:
        """A new workshop with its groups (each with a fresh assessment of ``taxon``, version 1).

        The returned :class:`Workshop` is the only place the facilitator key is ever shown: keep it.
        """
        title = limits.name(title, "title")
        taxon = limits.name(taxon, "taxon")
        date = limits.name(date, "date")
        try:
            _dt.date.fromisoformat(date[:10])
        except ValueError:
            raise InvalidInputError("date", f"{date!r} is not a date", "write it as YYYY-MM-DD") from None
        names = self._group_names(group_names)
        for _attempt in range(5):
            code, key, workshop_id, now = _new_join_code(), secrets.token_urlsafe(32), uuid.uuid4().hex, _now()
            try:
                with self._write() as connection:
                    connection.execute(insert(workshops).values(
                        id=workshop_id, title=title, taxon=taxon, date=date, join_code=code, key_hash=_key_hash(key),
                        created_at=now))
                    for position, name in enumerate(names):
                        self._insert_group(connection, workshop_id, name, position, None, taxon, title)
            except IntegrityError:
                continue  # a join code already in use: draw another
            return Workshop(id=workshop_id, title=title, taxon=taxon, date=date, join_code=_shown_code(code),
                            facilitator_key=key, created_at=now)
        raise RuntimeError("could not draw an unused join code")  # pragma: no cover - 5 collisions in 8.5e11

    @staticmethod
    def _group_names(group_names: Any) -> list[str]:
        if isinstance(group_names, str) or not isinstance(group_names, (list, tuple)):
            raise InvalidInputError("group_names", f"expected a list of group names, got {group_names!r}",
                                    "give e.g. ['Group A', 'Group B']")
        if len(group_names) > limits.MAX_ITEMS:
            raise InvalidInputError("group_names", f"{len(group_names)} groups, more than {limits.MAX_ITEMS}",
                                    "make fewer groups")
        names = [limits.name(name, f"group_names[{i}]") for i, name in enumerate(group_names)]
        seen = set()
        for i, name in enumerate(names):
            if name.casefold() in seen:
                raise InvalidInputError(f"group_names[{i}]", f"{name!r} is used twice", "give every group its own name")
            seen.add(name.casefold())
        return names

    def _insert_group(self, connection: Connection, workshop_id: str, name: str, position: int,
                      assessment: Assessment | None, taxon: str, title: str) -> Group:
        if assessment is None:
            assessment = Assessment(taxon=taxon, title=f"{title} — {name}")
        data = limits.assessment_json(assessment)
        group_id, document_id, now = secrets.token_urlsafe(9), secrets.token_urlsafe(18), _now()
        connection.execute(insert(documents).values(id=document_id, workshop_id=workshop_id, version=1, updated_at=now,
                                                    steps_done=_steps_text(assessment)))
        connection.execute(insert(document_versions).values(
            document_id=document_id, version=1, assessment=data, author="facilitator", saved_at=now,
            summary="Group created", changed_paths=json.dumps([])))
        connection.execute(insert(groups).values(id=group_id, workshop_id=workshop_id, name=name, position=position,
                                                 document_id=document_id, created_at=now))
        return Group(id=group_id, workshop_id=workshop_id, name=name)

    def workshop_by_code(self, join_code: str) -> Workshop:
        """The workshop this join code opens (its ``facilitator_key`` is ""); :class:`AccessDenied` otherwise."""
        with self._read() as connection:
            return self._workshop(self._workshop_row(connection, join_code))

    def workshop_by_key(self, facilitator_key: str) -> Workshop:
        """The workshop this facilitator key opens; :class:`AccessDenied` otherwise."""
        with self._read() as connection:
            return self._workshop(self._workshop_row_by_key(connection, facilitator_key), facilitator_key.strip())

    def groups(self, join_code: str) -> list[Group]:
        """The workshop's groups, in the order they were made."""
        with self._read() as connection:
            workshop = self._workshop_row(connection, join_code)
            rows = connection.execute(select(groups.c.id, groups.c.name).where(groups.c.workshop_id == workshop.id)
                                      .order_by(groups.c.position)).all()
        return [Group(id=row.id, workshop_id=workshop.id, name=row.name) for row in rows]

    def add_group(self, facilitator_key: str, name: str, assessment: Assessment | None = None) -> Group:
        """Add a group (optionally starting from ``assessment``) to the facilitator's workshop."""
        name = limits.name(name, "name")
        if assessment is not None:
            limits.assessment_json(assessment)
        try:
            with self._write() as connection:
                workshop = self._workshop_row_by_key(connection, facilitator_key)
                count, last = connection.execute(select(func.count(), func.max(groups.c.position))
                                                 .where(groups.c.workshop_id == workshop.id)).one()
                if count >= limits.MAX_ITEMS:
                    raise InvalidInputError("name", f"the workshop has {count} groups already", "use an existing group")
                return self._insert_group(connection, workshop.id, name, (last or 0) + 1 if count else 0,
                                          assessment, workshop.taxon, workshop.title)
        except IntegrityError:
            raise InvalidInputError("name", f"a group called {name!r} exists already",
                                    "give the group another name") from None

    # ------------------------------------------------------------------------------------ participants
    def join(self, join_code: str, group_id: str, display_name: str, affiliation: str,
             perspective: str) -> Participant:
        """Join a group: no password, the join code admits. Every field is checked (:class:`InvalidInputError`)."""
        display_name = limits.name(display_name, "display_name")
        affiliation = limits.name(affiliation, "affiliation", required=False)
        perspective = limits.choice(perspective, "perspective", PERSPECTIVES)
        with self._write() as connection:
            workshop, group = self._group_row(connection, join_code, group_id)
            participant = Participant(id=secrets.token_urlsafe(12), workshop_id=workshop.id, group_id=group.id,
                                      display_name=display_name, affiliation=affiliation, perspective=perspective,
                                      joined_at=_now())
            connection.execute(insert(participants).values(
                id=participant.id, workshop_id=workshop.id, group_id=group.id, display_name=display_name,
                affiliation=affiliation, perspective=perspective, joined_at=participant.joined_at))
        return participant

    def participants(self, join_code: str, group_id: str) -> list[Participant]:
        """The group's participants, in the order they joined."""
        with self._read() as connection:
            workshop, group = self._group_row(connection, join_code, group_id)
            rows = connection.execute(select(participants).where(participants.c.group_id == group.id)
                                      .order_by(participants.c.joined_at, participants.c.id)).all()
        return [Participant(id=r.id, workshop_id=r.workshop_id, group_id=r.group_id, display_name=r.display_name,
                            affiliation=r.affiliation, perspective=r.perspective, joined_at=r.joined_at) for r in rows]

    # ------------------------------------------------------------------------------------ documents (shared)
    @staticmethod
    def _current(connection: Connection, document_id: str) -> tuple[Assessment, int]:
        row = connection.execute(
            select(documents.c.version, document_versions.c.assessment)
            .join(document_versions, and_(document_versions.c.document_id == documents.c.id,
                                          document_versions.c.version == documents.c.version))
            .where(documents.c.id == document_id)).one()
        return _parse(row.assessment), row.version

    def _save(self, document_id: str, check, assessment: Assessment, base_version: Any, author: Any,
              summary: Any, *, force: bool = False) -> int:
        """The conditional update shared by groups and solo assessments. ``check(connection)`` re-checks access."""
        data = limits.assessment_json(assessment)
        author = limits.name(author, "author", required=False)
        summary = limits.text(summary, "summary")
        if isinstance(base_version, bool) or not isinstance(base_version, int) or base_version < 1:
            raise InvalidInputError("base_version", f"expected the version number you loaded, got {base_version!r}",
                                    "pass the version load_assessment() returned")
        with self._read() as connection:  # versions never change once written: read the base outside the lock
            check(connection)  # nor do groups, participants and solo ids: checked here, outside the write lock
            base = connection.execute(select(document_versions.c.assessment).where(and_(
                document_versions.c.document_id == document_id, document_versions.c.version == base_version))).first()
        paths = changed_paths(json.loads(base.assessment) if base else None, json.loads(data))
        stale = None
        with self._write() as connection:
            now = _now()
            result = connection.execute(
                update(documents)
                .where(and_(documents.c.id == document_id, documents.c.version == base_version))
                .values(version=base_version + 1, updated_at=now, steps_done=_steps_text(assessment)))
            if result.rowcount == 1:
                connection.execute(insert(document_versions).values(
                    document_id=document_id, version=base_version + 1, assessment=data, author=author,
                    saved_at=now, summary=summary, changed_paths=json.dumps(paths)))
                return base_version + 1
            stale = self._current(connection, document_id)
        current, version = stale
        raise StaleVersionError(version, current, assessment, base_version)

    def _history(self, connection: Connection, document_id: str) -> list[VersionInfo]:
        rows = connection.execute(select(document_versions.c.version, document_versions.c.author,
                                         document_versions.c.saved_at, document_versions.c.summary,
                                         document_versions.c.changed_paths)
                                  .where(document_versions.c.document_id == document_id)
                                  .order_by(document_versions.c.version)).all()
        return [VersionInfo(r.version, r.author, r.saved_at, r.summary, tuple(json.loads(r.changed_paths)))
                for r in rows]

    @staticmethod
    def _at(connection: Connection, document_id: str, version: Any) -> str:
        if isinstance(version, bool) or not isinstance(version, int):
            raise InvalidInputError("version", f"expected a version number, got {version!r}",
                                    "pick a version from the history")
        row = connection.execute(select(document_versions.c.assessment).where(and_(
            document_versions.c.document_id == document_id, document_versions.c.version == version))).first()
        if row is None:
            raise InvalidInputError("version", f"there is no version {version}", "pick a version from the history")
        return row.assessment

    def _rollback(self, document_id: str, check, to_version: Any, author: Any) -> int:
        with self._read() as connection:
            check(connection)
            old = _parse(self._at(connection, document_id, to_version))
        for _attempt in range(20):
            with self._read() as connection:
                version = connection.execute(select(documents.c.version).where(documents.c.id == document_id)).scalar_one()
            try:
                return self._save(document_id, check, old, version, author, f"Rolled back to version {to_version}")
            except StaleVersionError:
                continue  # someone saved meanwhile: the rollback goes on top of theirs (nothing is lost)
        raise RuntimeError("the assessment changes too often to roll back; try again")  # pragma: no cover

    # ------------------------------------------------------------------------------------ group assessments
    def _group_check(self, join_code: Any, group_id: Any):
        return lambda connection: self._group_row(connection, join_code, group_id)

    def _document_of(self, join_code: Any, group_id: Any) -> str:
        with self._read() as connection:
            return self._group_row(connection, join_code, group_id)[1].document_id

    def load_assessment(self, join_code: str, group_id: str) -> tuple[Assessment, int]:
        """The group's current assessment and its version (pass the version back to :meth:`save_assessment`)."""
        with self._read() as connection:
            _workshop, group = self._group_row(connection, join_code, group_id)
            return self._current(connection, group.document_id)

    def save_assessment(self, join_code: str, group_id: str, assessment: Assessment, base_version: int,
                        author: str, summary: str = "") -> int:
        """Save a new version; :class:`StaleVersionError` (nothing written) if ``base_version`` is not current."""
        return self._save(self._document_of(join_code, group_id), self._group_check(join_code, group_id),
                          assessment, base_version, author, summary)

    def history(self, join_code: str, group_id: str) -> list[VersionInfo]:
        """Every saved version of the group's assessment, oldest first."""
        with self._read() as connection:
            _workshop, group = self._group_row(connection, join_code, group_id)
            return self._history(connection, group.document_id)

    def assessment_at(self, join_code: str, group_id: str, version: int) -> Assessment:
        """The group's assessment as it was saved at ``version``."""
        with self._read() as connection:
            _workshop, group = self._group_row(connection, join_code, group_id)
            return _parse(self._at(connection, group.document_id, version))

    def rollback(self, join_code: str, group_id: str, to_version: int, author: str) -> int:
        """Make version ``to_version`` current again, as a NEW version (nothing is deleted); returns it."""
        return self._rollback(self._document_of(join_code, group_id), self._group_check(join_code, group_id),
                              to_version, author)

    # ------------------------------------------------------------------------------------ judgements
    def submit_judgement(self, join_code: str, group_id: str, participant_id: str, topic: str, *,
                         scores: Mapping[str, Mapping[str, float]], weights: Mapping[str, float], vote: str,
                         confidence: str, reason: str,
                         score_range: tuple[float, float] | None = None) -> Judgement:
        """Record a participant's judgement on ``topic``; it replaces their earlier one (which is kept in history).

        Scores must lie on ``score_range`` — by default the scale of the group's Step 5 decision, else 0–10.
        Any topic but ``"step5"`` must be open to the group (:meth:`open_topic`); its options, criteria and
        scale are then the only ones accepted (``score_range``, if given, must be the topic's scale).
        ``vote``: one of :data:`VOTES`; on a rating of Steps 2–4 it may be :data:`NO_VOTE` ("").
        """
        topic = limits.name(topic, "topic")
        vote = limits.choice(vote, "vote", VOTES if topic == TOPIC_STEP5 else VOTES + (NO_VOTE,))
        confidence = limits.name(confidence, "confidence", required=False)
        reason = limits.text(reason, "reason")
        clean_weights = limits.weights(weights)
        opened = None
        # one connection for the checks and the write (each checkout pings PostgreSQL); groups and participants
        # never move, nor do stored versions: they are read outside the write lock, each in one statement
        with self._autocommit() as connection:
            who = self._participant_context(connection, join_code, group_id, participant_id)
            if topic != TOPIC_STEP5:
                row = connection.execute(_OPEN_TOPIC_FOR, {"wid": who.workshop_id, "gid": who.group_id,
                                                           "name": topic}).first()
                if row is None:
                    raise InvalidInputError("topic", f"{topic!r} is not open for rating in this group",
                                            "rate a topic the facilitator opened (store.topics) or 'step5'")
                opened = self._topic(row)
            elif score_range is None:
                stored_scale = _SCALES.get((who.document_id, who.version))
                if stored_scale is None:
                    text = connection.execute(_VERSION_TEXT, {"did": who.document_id,
                                                              "version": who.version}).scalar_one()
                    stored_scale = _scale_from_json(text)
                    with _SCALES_LOCK:
                        if len(_SCALES) > 10_000:  # bounded: a long-running server forgets old versions
                            _SCALES.clear()
                        _SCALES[(who.document_id, who.version)] = stored_scale
            if opened is not None:
                if score_range is not None and tuple(score_range) != (opened.score_min, opened.score_max):
                    raise InvalidInputError("score_range", f"{tuple(score_range)!r} is not the topic's scale "
                                            f"{opened.score_min:g}–{opened.score_max:g}", "leave score_range out")
                scale = (opened.score_min, opened.score_max)
            elif score_range is not None:
                lo = limits.require_number(score_range[0], "score_range[0]")
                hi = limits.require_number(score_range[1], "score_range[1]", minimum=lo, inclusive_minimum=False)
                scale = (lo, hi)
            else:
                scale = stored_scale
            clean_scores = limits.scores(scores, scale)
            if opened is not None:
                _check_against_topic(opened, clean_scores, clean_weights)
            row = {"workshop_id": who.workshop_id, "group_id": who.group_id, "participant_id": who.participant_id,
                   "topic": topic, "scores": limits.finite_json(clean_scores, "scores"),
                   "weights": limits.finite_json(clean_weights, "weights"), "vote": vote, "confidence": confidence,
                   "reason": reason, "superseded_at": None}
            statement = _INSERT_JUDGEMENT
            if opened is not None:
                statement, row["tid"] = _INSERT_JUDGEMENT_IF_OPEN, opened.id
            for _attempt in range(3):
                row["id"], row["submitted_at"] = uuid.uuid4().hex, _now()
                try:
                    with self._sqlite_writer() if self.backend == "sqlite" else nullcontext():
                        written = connection.execute(statement, row).first()  # the trigger supersedes
                except IntegrityError:
                    connection.rollback()
                    continue  # the same participant submitted twice at once: the later one replaces the other
                if written is None:
                    raise InvalidInputError("topic", f"the rating {topic!r} was closed before your judgement "
                                            "arrived", "ask the facilitator to open it again")
                return Judgement(id=row["id"], workshop_id=who.workshop_id, group_id=who.group_id,
                                 participant_id=who.participant_id, display_name=who.display_name, topic=topic,
                                 scores=clean_scores, weights=clean_weights, vote=vote, confidence=confidence,
                                 reason=reason, submitted_at=row["submitted_at"], perspective=who.perspective)
        raise RuntimeError("could not record the judgement; try again")  # pragma: no cover

    def _participant_context(self, connection: Connection, join_code: Any, group_id: Any, participant_id: Any):
        """The participant, their group and workshop and the group's assessment version (one query), or
        :class:`AccessDenied` saying whether the code, the group or the participant is wrong."""
        code, gid, pid = normalise_join_code(join_code), _plain_id(group_id), _plain_id(participant_id)
        if code is not None and gid is not None and pid is not None:
            row = connection.execute(_PARTICIPANT_CONTEXT, {"code": code, "gid": gid, "pid": pid}).first()
            if row is not None:
                return row
        _workshop, group = self._group_row(connection, join_code, group_id)
        self._participant_row(connection, group, participant_id)
        raise AccessDenied(WRONG_PARTICIPANT)  # pragma: no cover - the checks above raise first

    @staticmethod
    def _participant_row(connection: Connection, group, participant_id: Any):
        pid = _plain_id(participant_id)
        row = None
        if pid is not None:
            row = connection.execute(_PARTICIPANT_OF_GROUP, {"pid": pid, "gid": group.id}).first()
        if row is None:
            raise AccessDenied(WRONG_PARTICIPANT)
        return row

    @staticmethod
    def _judgement(row) -> Judgement:
        return Judgement(id=row.id, workshop_id=row.workshop_id, group_id=row.group_id,
                         participant_id=row.participant_id, display_name=row.display_name, topic=row.topic,
                         scores=json.loads(row.scores), weights=json.loads(row.weights), vote=row.vote,
                         confidence=row.confidence, reason=row.reason, submitted_at=row.submitted_at,
                         perspective=row.perspective, current=row.superseded_at is None)

    def _judgement_rows(self, connection: Connection, group_id: str, topic: str | None, current_only: bool):
        if topic is not None and current_only:  # the hot path: every page's poll
            return [self._judgement(row) for row in
                    connection.execute(_CURRENT_JUDGEMENTS_ON, {"gid": group_id, "the_topic": topic}).all()]
        query = (select(judgements, participants.c.display_name, participants.c.perspective)
                 .join(participants, participants.c.id == judgements.c.participant_id)
                 .where(judgements.c.group_id == group_id))
        if topic is not None:
            query = query.where(judgements.c.topic == topic)
        if current_only:
            query = query.where(judgements.c.superseded_at.is_(None))
        return [self._judgement(row) for row in
                connection.execute(query.order_by(judgements.c.submitted_at, judgements.c.id)).all()]

    def judgements(self, join_code: str, group_id: str, topic: str) -> list[Judgement]:
        """The group's current judgements on ``topic`` (one per participant), oldest first."""
        with self._autocommit() as connection:  # one statement (or, when it finds none, the access checks)
            code, gid = normalise_join_code(join_code), _plain_id(group_id)
            if code is not None and gid is not None and isinstance(topic, str):
                found = connection.execute(_CURRENT_JUDGEMENTS_BY_CODE,
                                           {"code": code, "gid": gid, "the_topic": topic}).all()
                if found:  # the join code and group matched, or there would be no row
                    return [self._judgement(row) for row in found]
            _workshop, group = self._group_row(connection, join_code, group_id)  # none yet, or access denied
            return self._judgement_rows(connection, group.id, topic, True)

    def judgement_history(self, join_code: str, group_id: str, topic: str | None = None) -> list[Judgement]:
        """Every judgement of the group (replaced ones with ``current=False``), optionally on one topic."""
        with self._read() as connection:
            _workshop, group = self._group_row(connection, join_code, group_id)
            return self._judgement_rows(connection, group.id, topic, False)

    # ------------------------------------------------------------------------------------ topics (Steps 2–4)
    @staticmethod
    def _topic(row) -> Topic:
        return Topic(id=row.id, workshop_id=row.workshop_id, group_id=row.group_id, name=row.name, step=row.step,
                     options=tuple(json.loads(row.options)), criteria=tuple(json.loads(row.criteria)),
                     score_min=float(row.score_min), score_max=float(row.score_max), opened_at=row.opened_at,
                     closed_at=row.closed_at or "")

    def _topic_rows(self, connection: Connection, workshop_id: str, group_id: str | None, *, open_only: bool,
                    name: str | None = None) -> list[Topic]:
        """Topics of the workshop covering ``group_id`` (None: every topic), newest first."""
        query = select(topics).where(topics.c.workshop_id == workshop_id)
        if group_id is not None:
            query = query.where((topics.c.group_id == group_id) | topics.c.group_id.is_(None))
        if open_only:
            query = query.where(topics.c.closed_at.is_(None))
        if name is not None:
            query = query.where(topics.c.name == name)
        rows = connection.execute(query.order_by(topics.c.opened_at.desc(), topics.c.id.desc())).all()
        return [self._topic(row) for row in rows]

    def _topic_for(self, connection: Connection, workshop_id: str, group_id: str, name: str, *,
                   open_only: bool) -> Topic | None:
        """The topic ``name`` as it applies to the group: its newest opening (open or, if not ``open_only``, closed)."""
        found = self._topic_rows(connection, workshop_id, group_id, open_only=open_only, name=name)
        return found[0] if found else None

    def open_topic(self, facilitator_key: str, group_id: str | None, topic: str, options: Iterable[Any],
                   criteria: Iterable[Any], *, step: int | None = None,
                   scale: tuple[float, float] = limits.DEFAULT_SCALE) -> Topic:
        """Open a rating in Step 2, 3 or 4 to one group, or to every group of the workshop (``group_id`` None or "").

        ``topic`` names it (e.g. ``"step2-roles"``; ``"step5"`` is reserved); ``step`` defaults to the digit
        after "step" in the name. ``options`` and ``criteria``: names or ``{"id", "name"}`` dicts (criteria
        may add ``"direction": "cost"`` where a higher score is worse); ``scale``: the scores' range.
        Opening the same name again for the same groups starts a fresh round: the earlier opening is closed and
        the affected groups' current judgements on it are superseded (kept in history).
        """
        name = limits.name(topic, "topic")
        if name == TOPIC_STEP5:
            raise InvalidInputError("topic", "'step5' is Step 5's judgement, always open",
                                    "name the rating after its step, e.g. 'step2-roles'")
        if step is None:
            digit = name[4:5] if name.lower().startswith("step") else ""
            step = int(digit) if digit.isdigit() else None
            if step is None:
                raise InvalidInputError("step", f"cannot tell the step from the name {name!r}",
                                        "give step=2, 3 or 4, or start the name with step2-, step3- or step4-")
        if isinstance(step, bool) or step not in TOPIC_STEPS:
            raise InvalidInputError("step", f"{step!r} is not a step whose rating can be opened",
                                    "use 2, 3 or 4 (Step 5's judgement is always open)")
        clean_options = limits.topic_items(_listed(options), "options")
        clean_criteria = limits.topic_items(_listed(criteria), "criteria", directions=True)
        if isinstance(scale, (str, bytes)) or not isinstance(scale, (list, tuple)) or len(scale) != 2:
            raise InvalidInputError("scale", f"expected (lowest, highest), got {scale!r}", "e.g. (0, 10)")
        lo = limits.require_number(scale[0], "scale[0]")
        hi = limits.require_number(scale[1], "scale[1]", minimum=lo, inclusive_minimum=False)
        options_json = limits.finite_json(clean_options, "options")
        criteria_json = limits.finite_json(clean_criteria, "criteria")
        with self._write() as connection:
            workshop = self._workshop_row_by_key(connection, facilitator_key)
            gid: str | None = None
            if group_id not in (None, ""):
                gid = _plain_id(group_id)
                if gid is None or connection.execute(select(groups.c.id).where(and_(
                        groups.c.id == gid, groups.c.workshop_id == workshop.id))).first() is None:
                    raise AccessDenied(WRONG_GROUP)
            now = _now()
            earlier = and_(topics.c.workshop_id == workshop.id, topics.c.name == name, topics.c.closed_at.is_(None))
            if gid is not None:
                earlier = and_(earlier, topics.c.group_id == gid)
            connection.execute(update(topics).where(earlier).values(closed_at=now))
            fresh = and_(judgements.c.workshop_id == workshop.id, judgements.c.topic == name,
                         judgements.c.superseded_at.is_(None))
            if gid is not None:
                fresh = and_(fresh, judgements.c.group_id == gid)
            connection.execute(update(judgements).where(fresh).values(superseded_at=now))
            opened = Topic(id=uuid.uuid4().hex, workshop_id=workshop.id, group_id=gid, name=name, step=step,
                           options=tuple(clean_options), criteria=tuple(clean_criteria), score_min=lo, score_max=hi,
                           opened_at=now)
            connection.execute(insert(topics).values(
                id=opened.id, workshop_id=workshop.id, group_id=gid, name=name, step=step, options=options_json,
                criteria=criteria_json, score_min=lo, score_max=hi, opened_at=now, closed_at=None))
        return opened

    def close_topic(self, facilitator_key: str, topic_id: str) -> Topic:
        """Close an opened rating: it takes no more judgements (those given stay readable)."""
        with self._write() as connection:
            workshop = self._workshop_row_by_key(connection, facilitator_key)
            tid = _plain_id(topic_id)
            row = None if tid is None else connection.execute(select(topics).where(and_(
                topics.c.id == tid, topics.c.workshop_id == workshop.id))).first()
            if row is None:
                raise AccessDenied(WRONG_TOPIC)
            if row.closed_at is None:
                connection.execute(update(topics).where(topics.c.id == row.id).values(closed_at=_now()))
            row = connection.execute(select(topics).where(topics.c.id == row.id)).one()
        return self._topic(row)

    def topics(self, join_code: str, group_id: str) -> list[Topic]:
        """The ratings open to the group's participants (one per name: its newest opening), by step then time."""
        with self._read() as connection:
            workshop, group = self._group_row(connection, join_code, group_id)
            found = self._topic_rows(connection, workshop.id, group.id, open_only=True)
        newest: dict[str, Topic] = {}
        for item in found:
            newest.setdefault(item.name, item)
        return sorted(newest.values(), key=lambda t: (t.step, t.opened_at, t.name))

    def topic(self, join_code: str, group_id: str, topic: str) -> Topic | None:
        """The rating ``topic`` as it applies to the group — its newest opening, open or closed — or None."""
        with self._read() as connection:
            workshop, group = self._group_row(connection, join_code, group_id)
            if not isinstance(topic, str) or len(topic) > limits.MAX_NAME_CHARS:
                return None
            return self._topic_for(connection, workshop.id, group.id, topic, open_only=False)

    def workshop_topics(self, facilitator_key: str, *, include_closed: bool = False) -> list[Topic]:
        """Every rating the facilitator opened in the workshop (open ones only unless ``include_closed``), newest first."""
        with self._read() as connection:
            workshop = self._workshop_row_by_key(connection, facilitator_key)
            return self._topic_rows(connection, workshop.id, None, open_only=not include_closed)

    # ------------------------------------------------------------------------------------ decision
    def record_decision(self, join_code: str, group_id: str, *, outcome: str, rationale: str,
                        dissent: Iterable[Dissent], recorded_by: str) -> None:
        """Record the group's decision and its dissent (named or anonymous, as each dissent says).

        A named dissent must name a participant of the group; its ``display_name`` is taken from the store.
        Recording again keeps the earlier record (see :meth:`decisions`).
        """
        outcome = limits.text(outcome, "outcome", required=True)
        rationale = limits.text(rationale, "rationale")
        recorded_by = limits.name(recorded_by, "recorded_by")
        items = list(dissent or [])
        if len(items) > limits.MAX_ITEMS:
            raise InvalidInputError("dissent", f"{len(items)} dissents, more than {limits.MAX_ITEMS}",
                                    "combine them")
        with self._write() as connection:
            workshop, group = self._group_row(connection, join_code, group_id)
            clean = []
            for i, item in enumerate(items):
                if isinstance(item, Mapping):
                    item = Dissent(**item)
                if not isinstance(item, Dissent):
                    raise InvalidInputError(f"dissent[{i}]", f"expected a Dissent, got {type(item).__name__}",
                                            "use exsitu.workshop.Dissent(text, participant_id or None)")
                text = limits.text(item.text, f"dissent[{i}].text", required=True)
                if item.participant_id is None:
                    clean.append(Dissent(text, None, "anonymous"))
                else:
                    try:
                        who = self._participant_row(connection, group, item.participant_id)
                    except AccessDenied:
                        raise InvalidInputError(f"dissent[{i}].participant_id", "is not a participant of this group",
                                                "choose a participant of the group, or record it anonymously") from None
                    clean.append(Dissent(text, who.id, who.display_name))
            connection.execute(insert(decisions).values(
                id=uuid.uuid4().hex, workshop_id=workshop.id, group_id=group.id, outcome=outcome, rationale=rationale,
                dissent=json.dumps([d.to_dict() for d in clean], ensure_ascii=False), recorded_by=recorded_by,
                recorded_at=_now()))

    @staticmethod
    def _decision(row) -> DecisionEntry:
        return DecisionEntry(row.outcome, row.rationale, tuple(Dissent(**d) for d in json.loads(row.dissent)),
                             row.recorded_by, row.recorded_at)

    def decisions(self, join_code: str, group_id: str) -> list[DecisionEntry]:
        """Every decision the group recorded, oldest first (the last is the group's decision)."""
        with self._read() as connection:
            _workshop, group = self._group_row(connection, join_code, group_id)
            rows = connection.execute(select(decisions).where(decisions.c.group_id == group.id)
                                      .order_by(decisions.c.recorded_at, decisions.c.id)).all()
        return [self._decision(row) for row in rows]

    def decision(self, join_code: str, group_id: str) -> DecisionEntry | None:
        """The group's latest recorded decision, or None."""
        recorded = self.decisions(join_code, group_id)
        return recorded[-1] if recorded else None

    # ------------------------------------------------------------------------------------ facilitator
    def overview(self, facilitator_key: str) -> list[GroupProgress]:
        """Every group of the facilitator's workshop: version, last save, steps done, participants, judgements."""
        with self._read() as connection:
            workshop = self._workshop_row_by_key(connection, facilitator_key)
            rows = connection.execute(
                select(groups.c.id, groups.c.name, documents.c.version, documents.c.updated_at, documents.c.steps_done)
                .join(documents, documents.c.id == groups.c.document_id)
                .where(groups.c.workshop_id == workshop.id).order_by(groups.c.position)).all()
            people = dict(connection.execute(
                select(participants.c.group_id, func.count()).where(participants.c.workshop_id == workshop.id)
                .group_by(participants.c.group_id)).all())
            counts: dict[str, dict[str, int]] = {}
            for group_id, topic, count in connection.execute(
                    select(judgements.c.group_id, judgements.c.topic, func.count())
                    .where(and_(judgements.c.workshop_id == workshop.id, judgements.c.superseded_at.is_(None)))
                    .group_by(judgements.c.group_id, judgements.c.topic)).all():
                counts.setdefault(group_id, {})[topic] = count
        return [GroupProgress(group_id=r.id, name=r.name, version=r.version, saved_at=r.updated_at,
                              steps_done=_steps_dict(r.steps_done), participants=people.get(r.id, 0),
                              judgements=dict(sorted(counts.get(r.id, {}).items()))) for r in rows]

    def export_workshop(self, facilitator_key: str) -> dict[str, Any]:
        """Everything of the workshop as JSON-serialisable data (see :func:`exsitu.workshop.export.export_workshop`)."""
        from exsitu.workshop.export import export_workshop

        return export_workshop(self, facilitator_key)

    def import_workshop(self, data: Mapping[str, Any]) -> Workshop:
        """Load an export back (same ids, codes, versions); the original facilitator key opens it."""
        from exsitu.workshop.export import import_workshop

        return import_workshop(self, data)

    # ------------------------------------------------------------------------------------ solo
    def _solo_check(self, solo_id: Any):
        def check(connection: Connection) -> None:
            sid = _plain_id(solo_id)
            found = sid is not None and connection.execute(select(documents.c.id).where(and_(
                documents.c.id == sid, documents.c.workshop_id.is_(None)))).first() is not None
            # a group's document is not a solo assessment, even with its id
            if not found or connection.execute(select(groups.c.id).where(groups.c.document_id == sid)).first():
                raise AccessDenied(WRONG_SOLO)
        return check

    def create_solo(self, assessment: Assessment) -> tuple[str, int]:
        """Store an assessment outside any workshop: ``(solo_id, 1)``; the id is unguessable (keep it)."""
        data = limits.assessment_json(assessment)
        solo_id, now = secrets.token_urlsafe(18), _now()
        with self._write() as connection:
            connection.execute(insert(documents).values(id=solo_id, workshop_id=None, version=1, updated_at=now,
                                                        steps_done=_steps_text(assessment)))
            connection.execute(insert(document_versions).values(
                document_id=solo_id, version=1, assessment=data, author="", saved_at=now, summary="Created",
                changed_paths=json.dumps([])))
        return solo_id, 1

    def load_solo(self, solo_id: str) -> tuple[Assessment, int]:
        """A solo assessment and its version; :class:`AccessDenied` for an unknown id."""
        with self._read() as connection:
            self._solo_check(solo_id)(connection)
            return self._current(connection, solo_id)

    def save_solo(self, solo_id: str, assessment: Assessment, base_version: int, author: str = "") -> int:
        """Save a new version of a solo assessment (:class:`StaleVersionError` if ``base_version`` is stale)."""
        check = self._solo_check(solo_id)
        with self._read() as connection:
            check(connection)
        return self._save(solo_id, check, assessment, base_version, author, "")

    def solo_history(self, solo_id: str) -> list[VersionInfo]:
        """Every saved version of a solo assessment, oldest first."""
        with self._read() as connection:
            self._solo_check(solo_id)(connection)
            return self._history(connection, solo_id)

    def rollback_solo(self, solo_id: str, to_version: int, author: str = "") -> int:
        """Make an earlier version of a solo assessment current again, as a new version."""
        return self._rollback(solo_id, self._solo_check(solo_id), to_version, author)
