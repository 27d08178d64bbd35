"""Run each learner's kernel in a sandbox: no network, no view of the course, and hard resource limits.

Three layers, from strongest to weakest (``detect_sandbox`` picks the strongest that works here):

- ``bwrap`` (Debian's ``bubblewrap``): a new mount, network, PID, IPC and UTS namespace. The kernel sees the
  system folders and the Python installation read-only, its own working folder and ``/tmp`` as small
  in-memory file systems (nothing it writes reaches the disk), and nothing else: not the course, the
  hidden tests, the other learners' submissions or the grades. It has no network (only a loopback), and
  it dies with the grader.
- ``unshare`` (util-linux): no network and its own PID namespace, but it sees the file system (so it
  could read the hidden tests in ``solutions/``). Used only when bubblewrap is missing; a warning says so.
- ``none``: resource limits only.

In every mode the kernel is started by ``launcher.py``, which sets hard resource limits (memory, CPU time,
processes, file size) and, when the grader runs as root, switches to an unprivileged user id of its own.
The kernel talks to the grader over ZeroMQ ``ipc`` sockets (files in a private folder), which work
across network namespaces where TCP on localhost would not.
"""

from __future__ import annotations

import json
import os
import shutil
import site
import stat
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass, field
from functools import lru_cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager
from traitlets import Any as AnyTrait

from tools.grader.jobs import Limits  # noqa: F401 — re-exported

LAUNCHER = Path(__file__).resolve().with_name("launcher.py")
LAUNCHER_IN_SANDBOX = "/run/exsitu-grader/launcher.py"
SANDBOX_HOME = "/tmp/home"
SYSTEM_FOLDERS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32", "/etc")
MODES = ("bwrap", "unshare", "none")


def _works(command: list[str]) -> bool:
    try:
        return subprocess.run(command, capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


@lru_cache(maxsize=None)
def detect_sandbox(requested: str = "auto") -> tuple[str, str]:
    """The sandbox mode to use and why: ``requested`` if it works, else (for "auto") the strongest that does."""
    bwrap = shutil.which("bwrap")
    unshare = shutil.which("unshare")
    probes = {
        "bwrap": bwrap and [bwrap, "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--unshare-net",
                            "--unshare-pid", "--die-with-parent", "true"],
        "unshare": unshare and [unshare, "--net", "--pid", "--fork", "--kill-child",
                                *([] if os.geteuid() == 0 else ["--map-root-user"]), "true"],
        "none": ["true"],
    }
    if requested != "auto":
        if requested not in MODES:
            raise ValueError(f"sandbox: {requested!r} is not one of auto, {', '.join(MODES)}")
        if probes[requested] and _works(probes[requested]):
            return requested, f"{requested} requested"
        raise RuntimeError(f"sandbox: {requested} does not work on this machine"
                           + ("" if requested != "bwrap" else " (install it: apt-get install bubblewrap)"))
    for mode in MODES:
        if probes[mode] and _works(probes[mode]):
            reason = {"bwrap": "bubblewrap works",
                      "unshare": "bubblewrap is missing or not permitted; kernels have no network but can read "
                                 "files (install bubblewrap to hide the course from them)",
                      "none": "neither bubblewrap nor unshare works; kernels run with resource limits only"}[mode]
            return mode, reason
    raise AssertionError("unreachable")


def _processes_of(uid: int) -> int:
    """How many processes (tasks) the user id runs now: RLIMIT_NPROC counts them all."""
    count = 0
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            for line in status.read_text().splitlines():
                if line.startswith("Uid:"):
                    count += int(line.split()[1]) == uid
                    break
        except OSError:
            continue
    return count


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def _world_traversable(path: Path) -> bool:
    for folder in [path, *path.parents]:
        try:
            if not folder.stat().st_mode & stat.S_IXOTH:
                return False
        except OSError:
            return False
    return True


@dataclass
class Sandbox:
    """How to start one kernel: the mode, the limits, and the folders the kernel must never see.

    With bubblewrap the kernel sees only what is bound in (system folders, Python, the course package);
    ``hidden`` lists the secret folders (solutions, grades, submissions, the grader's scratch) so that no
    Python folder holding or inside one of them is bound.
    """

    mode: str
    limits: Limits = field(default_factory=Limits)
    hidden: tuple[Path, ...] = ()
    mpl_cache: Path | None = None
    runtime_root: Path | None = None
    readable: tuple[Path, ...] = ()  # more folders the kernel may read (the course's public data/)

    def __post_init__(self) -> None:
        self.hidden = tuple(Path(p).resolve() for p in self.hidden)
        data = package_data_folder()
        self.readable = tuple(Path(p).resolve() for p in (*self.readable, *([data] if data else []))
                              if Path(p).is_dir())
        self.uid = self._kernel_uid()

    # -- what the kernel may read ------------------------------------------------------------------
    def python_folders(self) -> list[Path]:
        """The Python installation, the venv, the course package and ``readable``: read-only in the sandbox.

        A folder is left out when it holds or lies inside a hidden folder. The repository itself is not
        bound, only the package folder (src/ for an editable install).
        """
        candidates = [Path(sys.base_prefix), Path(sys.prefix), Path(sys.executable).resolve().parent,
                      *self.readable]
        candidates += [Path(p) for p in site.getsitepackages()]
        spec = find_spec("exsitu")
        if spec and spec.origin:
            candidates.append(Path(spec.origin).resolve().parents[1])
        folders: list[Path] = []
        for candidate in candidates:
            try:
                path = candidate.resolve()
            except OSError:
                continue
            if not path.is_dir() or str(path) in SYSTEM_FOLDERS or path == Path("/"):
                continue
            if any(_inside(path, h) or _inside(h, path) for h in self.hidden):
                continue
            if any(_inside(path, f) for f in folders):
                continue
            folders = [f for f in folders if not _inside(f, path)] + [path]
        return sorted(folders)

    def _kernel_uid(self) -> int | None:
        """An unprivileged user id of this grader process's own when running as root (else None).

        Each grading process gets a different id so one learner's fork bomb cannot use up the process
        limit of a kernel running in parallel. Without bubblewrap the id must be able to reach Python.
        """
        if os.geteuid() != 0:
            return None
        if self.mode != "bwrap" and not all(_world_traversable(p) for p in (Path(sys.base_prefix), Path(sys.prefix))):
            return None
        return 200_000 + os.getpid()

    def settings(self, kernel_dir: Path, workdir: Path) -> dict[str, Any]:
        in_use = 0 if self.uid is not None else _processes_of(os.getuid())
        return {
            "rlimits": self.limits.rlimits(in_use),
            "uid": self.uid,
            "home": SANDBOX_HOME if self.mode == "bwrap" else str(kernel_dir / "home"),
            "cwd": str(workdir),
            "mpl_cache": str(self.mpl_cache) if self.mpl_cache else None,
        }

    def environment(self, home: str) -> dict[str, str]:
        """A clean environment: nothing of the grader's (tokens, paths) leaks into the learner's kernel."""
        return {
            "PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/local/bin", "/usr/bin", "/bin"]),
            "HOME": home,
            "LANG": "C.UTF-8",
            "LC_ALL": "C.UTF-8",
            "MPLBACKEND": "Agg",
            "MPLCONFIGDIR": f"{home}/.config/matplotlib",
            "IPYTHONDIR": f"{home}/.ipython",
            "JUPYTER_CONFIG_DIR": f"{home}/.jupyter",
            "JUPYTER_DATA_DIR": f"{home}/.local/share/jupyter",
            "JUPYTER_RUNTIME_DIR": f"{home}/.local/share/jupyter/runtime",
            "JUPYTER_PLATFORM_DIRS": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
            "PYTHONUNBUFFERED": "1",
            "PYDEVD_DISABLE_FILE_VALIDATION": "1",
            "OPENBLAS_NUM_THREADS": "1",
            "OMP_NUM_THREADS": "1",
            "MKL_NUM_THREADS": "1",
            "NBGRADER_EXECUTION": "autograde",
        }

    # -- the command -------------------------------------------------------------------------------
    def command(self, kernel_args: list[str], kernel_dir: Path, workdir: Path,
                files: list[str]) -> tuple[list[str], dict[str, str]]:
        """The full command (sandbox + launcher + ipykernel) and its environment for one kernel."""
        settings = self.settings(kernel_dir, workdir)
        env = self.environment(settings["home"])
        if self.mode == "bwrap":
            launcher = [sys.executable, LAUNCHER_IN_SANDBOX, json.dumps(settings), *kernel_args]
            return self._bwrap(kernel_dir, workdir, files, env) + launcher, env
        launcher = [sys.executable, str(LAUNCHER), json.dumps(settings), *kernel_args]
        if self.mode == "unshare":
            prefix = ["unshare", "--net", "--pid", "--fork", "--kill-child"]
            if os.geteuid() != 0:
                prefix.append("--map-root-user")
            return prefix + launcher, env
        return launcher, env

    def _bwrap(self, kernel_dir: Path, workdir: Path, files: list[str], env: dict[str, str]) -> list[str]:
        size = str(self.limits.scratch_mb * 1024 * 1024)
        args = ["bwrap", "--die-with-parent", "--new-session", "--unshare-net", "--unshare-pid", "--unshare-ipc",
                "--unshare-uts", "--unshare-cgroup-try", "--hostname", "grader"]
        for folder in SYSTEM_FOLDERS:
            path = Path(folder)
            if path.is_symlink():
                args += ["--symlink", os.readlink(path), folder]
            elif path.is_dir():
                args += ["--ro-bind", folder, folder]
        # /tmp is a fresh tmpfs; mount it before the Python folders, which may live under /tmp themselves
        # (a clone in /tmp with its .venv): a later mount would hide them.
        args += ["--perms", "1777", "--size", size, "--tmpfs", "/tmp"]
        made: set[Path] = set()
        for folder in self.python_folders():
            # bubblewrap would create the parents of a mount point readable by root only
            for parent in reversed(folder.parents):
                if parent != Path("/") and parent not in made and str(parent) not in SYSTEM_FOLDERS:
                    args += ["--perms", "0755", "--dir", str(parent)]
                    made.add(parent)
            args += ["--ro-bind", str(folder), str(folder)]
        args += ["--proc", "/proc", "--dev", "/dev",
                 "--perms", "0777", "--dir", SANDBOX_HOME,
                 "--ro-bind", str(LAUNCHER), LAUNCHER_IN_SANDBOX]
        if self.mpl_cache:
            args += ["--ro-bind", str(self.mpl_cache), str(self.mpl_cache)]
        args += ["--bind", str(kernel_dir), str(kernel_dir),
                 "--perms", "0777", "--size", size, "--tmpfs", str(workdir)]
        for name in files:
            args += ["--ro-bind", str(workdir / name), str(workdir / name)]
        args += ["--chdir", str(workdir), "--clearenv"]
        for key, value in env.items():
            args += ["--setenv", key, value]
        return args


class SandboxKernelManager(AsyncKernelManager):
    """A kernel manager that starts an IPython kernel inside ``sandbox`` with ``workdir`` as its folder.

    The kernel spec is fixed (a notebook's own kernelspec metadata is ignored: a learner could edit it);
    interrupts are sent as messages because the kernel lives in another PID namespace.
    """

    sandbox = AnyTrait()
    files = AnyTrait()

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.kernel_dir = Path(tempfile.mkdtemp(prefix="exsitu-kernel-", dir=self.sandbox.runtime_root))
        if self.sandbox.uid is not None:
            os.chown(self.kernel_dir, self.sandbox.uid, self.sandbox.uid)
        self.transport = "ipc"
        self.connection_file = str(self.kernel_dir / f"kernel-{uuid.uuid4().hex[:8]}.json")
        self.ip = str(self.kernel_dir / "ipc")
        self.shutdown_wait_time = 1.0
        self._kernel_spec = KernelSpec(
            argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            display_name="Python 3 (exsitu grading sandbox)", language="python",
            interrupt_mode="message", env={}, metadata={})

    @property
    def kernel_spec(self) -> KernelSpec:  # type: ignore[override]
        return self._kernel_spec

    @property
    def log_path(self) -> Path:
        return self.kernel_dir / "kernel.log"

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
        workdir = Path(kw.get("cwd") or os.getcwd()).resolve()
        kernel_args = kernel_cmd[3:]  # after [python, -m, ipykernel_launcher]
        command, env = self.sandbox.command(kernel_args, self.kernel_dir, workdir, self.files or [])
        kw["env"] = env
        kw["cwd"] = str(workdir)
        log = open(self.log_path, "ab")  # noqa: SIM115 — the kernel process keeps it open
        kw["stdout"] = log
        kw["stderr"] = log
        try:
            await super()._async_launch_kernel(command, **kw)
        finally:
            log.close()

    def kernel_log(self, limit: int = 2000) -> str:
        """The end of what the kernel (and the sandbox) printed to stdout/stderr."""
        if not self.kernel_dir.exists():
            return getattr(self, "final_log", "")[-limit:]
        try:
            with open(self.log_path, "rb") as handle:
                handle.seek(0, os.SEEK_END)
                handle.seek(max(0, handle.tell() - limit))
                return handle.read().decode("utf-8", "replace")
        except OSError:
            return ""

    def exit_status(self) -> int | None:
        """The kernel process's exit status (negative: killed by that signal), or None while it runs."""
        process = getattr(self.provisioner, "process", None)
        return None if process is None else process.poll()

    async def _async_cleanup_resources(self, restart: bool = False) -> None:
        try:
            await super()._async_cleanup_resources(restart=restart)
        finally:
            if not restart and self.kernel_dir.exists():
                self.final_log = self.kernel_log()
                shutil.rmtree(self.kernel_dir, ignore_errors=True)

    cleanup_resources = _async_cleanup_resources  # type: ignore[assignment]


def package_data_folder(package: str = "exsitu") -> Path | None:
    """The ``data/`` folder beside an editable install's ``src/`` (where ``exsitu.datasets`` reads files)."""
    spec = find_spec(package)
    if spec is None or not spec.origin:
        return None
    folder = Path(spec.origin).resolve().parents[2] / "data"
    return folder if folder.is_dir() else None


def build_matplotlib_cache(folder: Path) -> Path | None:
    """Build matplotlib's font cache once, so each sandboxed kernel copies it instead of rebuilding it."""
    if find_spec("matplotlib") is None:
        return None
    folder.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, MPLCONFIGDIR=str(folder), MPLBACKEND="Agg")
    subprocess.run([sys.executable, "-c", "import matplotlib.font_manager"], env=env, capture_output=True,
                   timeout=300)
    os.chmod(folder, 0o755)
    for path in folder.rglob("*"):
        os.chmod(path, 0o755 if path.is_dir() else 0o644)
    return folder
