#!/usr/bin/env python3
"""The Debian packages some tests need, found or installed: `make test` runs this first (`make system-deps`).

- ``chromium``  — the browser tests (pytest marker ``browser``); Playwright cannot download its own browser here.
- ``bubblewrap`` — the grading sandbox tests (marker ``sandbox``).
- ``postgresql`` — the workshop store's PostgreSQL tests (marker ``postgres``): they start a throw-away cluster
  with ``initdb``/``pg_ctl`` from ``/usr/lib/postgresql/*/bin``.
- ``npm`` (with Node.js) — the JupyterHub test (marker ``hub``): ``make hub-proxy`` installs JupyterHub's
  configurable-http-proxy from npm.

``python3 tools/system_deps.py --install``: as root with ``apt-get``, runs ``apt-get update`` once and installs only
what is missing. Otherwise (not root, no ``apt-get``, or the install failed) it prints ONE line naming what is
missing and the command that installs it; the tests needing it are then skipped with that reason
(``tests/conftest.py`` calls :func:`missing_markers`). Exit status 0 either way, so the tests still run.
``--check`` only reports. Standard library only: it runs before ``.venv`` exists.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from typing import Callable


@dataclass(frozen=True)
class Requirement:
    package: str          # the Debian package
    marker: str           # the pytest marker of the tests that need it
    tests: str            # what those tests are, for the message
    found: Callable[[], bool]


def chromium_found() -> bool:
    """Chromium as the browser tests launch it: ``$EXSITU_CHROMIUM`` if set, else ``chromium`` on PATH."""
    explicit = os.environ.get("EXSITU_CHROMIUM")
    if explicit:
        return os.access(explicit, os.X_OK)
    return shutil.which("chromium") is not None


def bubblewrap_found() -> bool:
    return shutil.which("bwrap") is not None


def postgres_bin() -> str | None:
    """The folder holding PostgreSQL's server programs (``initdb``, ``pg_ctl``), newest version first, or None.

    ``$EXSITU_POSTGRES_BIN`` if set; else ``initdb`` on PATH; else ``/usr/lib/postgresql/<version>/bin`` (Debian
    does not put the server programs on PATH).
    """
    explicit = os.environ.get("EXSITU_POSTGRES_BIN")
    candidates = [explicit] if explicit is not None else []
    if explicit is None:
        on_path = shutil.which("initdb")
        if on_path:
            candidates.append(os.path.dirname(on_path))
        versions = glob.glob("/usr/lib/postgresql/*/bin")
        candidates += sorted(versions, key=lambda p: [int(x) if x.isdigit() else 0 for x in p.split("/")[-2].split(".")],
                             reverse=True)
    for folder in candidates:
        if all(os.access(os.path.join(folder, tool), os.X_OK) for tool in ("initdb", "pg_ctl", "postgres")):
            return folder
    return None


REQUIREMENTS = (
    Requirement("chromium", "browser", "browser", chromium_found),
    Requirement("bubblewrap", "sandbox", "grading sandbox", bubblewrap_found),
    Requirement("postgresql", "postgres", "PostgreSQL", lambda: postgres_bin() is not None),
    Requirement("npm", "hub", "JupyterHub", lambda: shutil.which("npm") is not None and shutil.which("node") is not None),
)


def missing() -> list[Requirement]:
    """The requirements not found on this machine."""
    return [requirement for requirement in REQUIREMENTS if not requirement.found()]


def install_command(packages: list[str]) -> str:
    """The command that installs ``packages`` (Debian/Ubuntu names; other systems have their own)."""
    prefix = "" if hasattr(os, "geteuid") and os.geteuid() == 0 else "sudo "
    command = f"{prefix}apt-get install {' '.join(packages)}"
    return command if shutil.which("apt-get") else f"{command} (Debian/Ubuntu; elsewhere your package manager)"


def skip_reason(requirement: Requirement) -> str:
    """The reason a test needing ``requirement`` is skipped with."""
    return f"needs {requirement.package}, which is not installed (install it: {install_command([requirement.package])})"


def missing_markers() -> dict[str, str]:
    """pytest marker -> skip reason, for every requirement not found."""
    return {requirement.marker: skip_reason(requirement) for requirement in missing()}


def summary_line(absent: list[Requirement]) -> str:
    """The one line printed when something is missing."""
    packages = [r.package for r in absent]
    tests = ", ".join(r.tests for r in absent)
    return (f"system-deps: missing {', '.join(packages)}; the {tests} tests will be skipped. "
            f"Install with: {install_command(packages)}")


def can_install() -> bool:
    return hasattr(os, "geteuid") and os.geteuid() == 0 and shutil.which("apt-get") is not None


def apt_install(packages: list[str]) -> bool:
    """``apt-get update`` once, then install ``packages``; True when apt-get succeeded."""
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    print(f"system-deps: installing {' '.join(packages)} with apt-get", flush=True)
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", *packages]):
        result = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if result.returncode != 0:
            tail = (result.stderr.strip().splitlines() or ["(no message)"])[-1]
            print(f"system-deps: {' '.join(command[:2])} failed: {tail}", flush=True)
            return False
    return True


def main(argv: list[str]) -> int:
    install = "--install" in argv
    absent = missing()
    if absent and install and can_install():
        apt_install([r.package for r in absent])
        absent = missing()
    if absent:
        print(summary_line(absent), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
