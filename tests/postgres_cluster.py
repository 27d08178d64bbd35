"""A throw-away PostgreSQL cluster for tests: ``initdb`` in a temporary folder, listening only on a unix socket
in that folder, stopped and deleted at the end. Used by the ``postgres_url`` fixture (tests/unit/conftest.py).

As root, ``initdb`` refuses to run, so the server runs as the ``postgres`` system user (``runuser``) and the
folder is handed to that user. Finds Debian's ``/usr/lib/postgresql/<version>/bin`` or ``initdb`` on PATH.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path


def postgres_bin() -> Path | None:
    """The folder with initdb and pg_ctl (newest Debian version first), or None when PostgreSQL is missing."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                        key=lambda p: int(Path(p).parent.parent.name) if Path(p).parent.parent.name.isdigit() else 0,
                        reverse=True)
    found = candidates[0] if candidates else shutil.which("initdb")
    return Path(found).parent if found else None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Cluster:
    folder: Path
    port: int
    bin: Path
    as_user: list[str]
    options: str = ""

    @property
    def data(self) -> Path:
        return self.folder / "data"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://postgres@/{database}?host={self.folder}&port={self.port}"

    def _psql_connect(self):
        import psycopg

        return psycopg.connect(host=str(self.folder), port=self.port, user="postgres", dbname="postgres",
                               autocommit=True)

    def create_database(self) -> str:
        """A new empty database; returns its name."""
        name = f"t_{uuid.uuid4().hex[:16]}"
        with self._psql_connect() as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return name

    def drop_database(self, name: str) -> None:
        with self._psql_connect() as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def restart(self) -> None:
        """Stop the server (every client connection is dropped) and start it again. "fast", not "immediate": this
        cluster runs with fsync and synchronous_commit off, so a crash would lose the last commits."""
        subprocess.run(self.as_user + [str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "fast", "-w",
                                       "stop"], capture_output=True, timeout=60, check=True)
        subprocess.run(self.as_user + [str(self.bin / "pg_ctl"), "-D", str(self.data), "-o", self.options,
                                       "-l", str(self.folder / "server.log"), "-w", "-t", "60", "start"],
                       capture_output=True, timeout=120, check=True,
                       env={**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"})

    def stop(self) -> None:
        subprocess.run(self.as_user + [str(self.bin / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w",
                                       "stop"], capture_output=True, timeout=60)
        shutil.rmtree(self.folder, ignore_errors=True)


def start_cluster() -> Cluster:
    """Start a cluster (raises RuntimeError with the server log if it does not start)."""
    bin_dir = postgres_bin()
    if bin_dir is None:
        raise FileNotFoundError("PostgreSQL (initdb) is not installed")
    folder = Path(tempfile.mkdtemp(prefix="exsitu-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(folder, user.pw_uid, user.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    cluster = Cluster(folder, port, bin_dir, as_user)
    env = {**os.environ, "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"}
    init = subprocess.run(as_user + [str(bin_dir / "initdb"), "-D", str(cluster.data), "-U", "postgres",
                                     "--auth=trust", "-E", "UTF8", "--no-sync"],
                          capture_output=True, text=True, timeout=120, env=env)
    if init.returncode != 0:
        shutil.rmtree(folder, ignore_errors=True)
        raise RuntimeError(f"initdb failed: {init.stderr[-2000:]}")
    options = (f"-k {folder} -c listen_addresses='' -p {port} -c fsync=off -c synchronous_commit=off "
               "-c full_page_writes=off -c max_connections=200 -c shared_buffers=32MB")
    cluster.options = options
    start = subprocess.run(as_user + [str(bin_dir / "pg_ctl"), "-D", str(cluster.data), "-o", options,
                                      "-l", str(folder / "server.log"), "-w", "-t", "60", "start"],
                           capture_output=True, text=True, timeout=120, env=env)
    if start.returncode != 0:
        log = (folder / "server.log").read_text(errors="replace")[-2000:] if (folder / "server.log").exists() else ""
        cluster.stop()
        raise RuntimeError(f"pg_ctl start failed: {start.stderr[-1000:]}\n{log}")
    return cluster
