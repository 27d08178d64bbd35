"""The workshop's JupyterHub spawner: one single-user server per participant, serving the apps with Voilà only.

:class:`WorkshopSpawner` is JupyterHub's ``LocalProcessSpawner`` (one process per participant on this machine)
made for participants who sign up in the browser and so have no Unix account of their own:

- ``run_as``: the Unix account every participant's server runs as (empty: the hub's own account). Each
  participant has their own folder, ``home_dir_template`` (autosaved work, runtime files).
- Memory and CPU limits (``mem_limit``, ``cpu_limit``; JupyterHub's own settings). ``LocalProcessSpawner``
  itself enforces neither (it only passes MEM_LIMIT/CPU_LIMIT to the server). This spawner enforces them:

  * with systemd (the hub runs as root on a machine booted with systemd): the server is started by
    ``systemd-run --scope`` with ``MemoryMax`` = mem_limit and ``CPUQuota`` = cpu_limit × 100 %, a cgroup that
    bounds the participant's server *and all its kernels together* (the kernel kills the biggest process when
    the total is exceeded; CPU is throttled, never killed);
  * otherwise: each process of the participant (the server, and each kernel, which inherits it) gets an
    address-space limit (``RLIMIT_AS`` = ``EXSITU_HUB_PROCESS_AS_LIMIT``, default 4 × mem_limit, since Python
    reserves far more address space than it uses) and a lower CPU priority (``nice`` 5). This bounds a
    runaway process, not the participant's total memory, and CPU time is shared, not capped: use a
    machine with systemd, or Kubernetes (deploy/z2jh/), to enforce the limits per participant.

Standard library and JupyterHub only: the hub imports this file (jupyterhub_config.py puts its folder on
sys.path).
"""

from __future__ import annotations

import inspect
import os
import pwd
import resource
import shutil
from pathlib import Path

from jupyterhub.spawner import LocalProcessSpawner
from jupyterhub.utils import random_port  # noqa: F401 (re-exported for tests)
from traitlets import Bool, Integer, Unicode, default


def systemd_available() -> bool:
    """True when systemd-run can create a scope here (booted with systemd, running as root)."""
    return os.geteuid() == 0 and os.path.isdir("/run/systemd/system") and shutil.which("systemd-run") is not None


class WorkshopSpawner(LocalProcessSpawner):
    """One single-user server per participant, as ``run_as``, in their own folder, with limits (see module doc)."""

    run_as = Unicode("", config=True, help="Unix account the servers run as; empty: the hub's own account.")
    home_dir_template = Unicode("/srv/exsitu-hub/users/{username}", config=True,
                                help="Each participant's folder ({username} is the hub user name).")
    use_systemd = Bool(True, config=True, help="Enforce mem_limit/cpu_limit with systemd-run when available.")
    nice = Integer(5, config=True, help="CPU priority of the servers when systemd is not used (0 = normal).")
    process_as_limit = Integer(0, config=True,
                               help="RLIMIT_AS per process in bytes when systemd is not used; 0: 4 × mem_limit.")

    @default("process_as_limit")
    def _default_process_as_limit(self) -> int:
        return int(os.environ.get("EXSITU_HUB_PROCESS_AS_LIMIT", "0"))

    @property
    def home_dir(self) -> str:
        safe = "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in self.user.name)
        return self.home_dir_template.format(username=safe)

    def _account(self) -> pwd.struct_passwd | None:
        return pwd.getpwnam(self.run_as) if self.run_as else None

    def enforced_by_systemd(self) -> bool:
        return self.use_systemd and systemd_available() and bool(self.mem_limit or self.cpu_limit)

    def as_limit(self) -> int:
        """The per-process address-space limit in bytes (0: none)."""
        if self.process_as_limit:
            return self.process_as_limit
        return 4 * int(self.mem_limit) if self.mem_limit else 0

    def make_preexec_fn(self, name):
        home, account, nice = self.home_dir, self._account(), self.nice
        as_limit = 0 if self.enforced_by_systemd() else self.as_limit()
        lower_priority = not self.enforced_by_systemd() and nice > 0
        switch_user = account is not None and not self.enforced_by_systemd() and os.geteuid() != account.pw_uid

        def preexec():
            if as_limit:
                resource.setrlimit(resource.RLIMIT_AS, (as_limit, as_limit))
            if lower_priority:
                os.nice(nice)
            if switch_user:
                os.setgid(account.pw_gid)
                os.initgroups(account.pw_name, account.pw_gid)
                os.setuid(account.pw_uid)
            os.chdir(home)

        return preexec

    def user_env(self, env):
        account = self._account()
        env["USER"] = account.pw_name if account else pwd.getpwuid(os.geteuid()).pw_name
        env["HOME"] = self.home_dir
        env["SHELL"] = "/bin/false"
        return env

    def get_env(self):
        env = super().get_env()
        threads = str(max(1, int(self.cpu_limit or 1)))
        for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            env.setdefault(variable, threads)  # numerical libraries: no more threads than the CPU share
        return env

    def move_certs(self, paths):
        return paths

    async def start(self):
        home = Path(self.home_dir)
        home.mkdir(parents=True, exist_ok=True, mode=0o700)
        account = self._account()
        if account is not None and os.geteuid() == 0:
            os.chown(home, account.pw_uid, account.pw_gid)
        original = list(self.cmd)
        if self.enforced_by_systemd():
            prefix = ["systemd-run", "--scope", "--quiet", "--collect",
                      f"--unit=exsitu-hub-{os.path.basename(self.home_dir)}-{os.getpid()}"]
            if self.mem_limit:
                prefix.append(f"--property=MemoryMax={int(self.mem_limit)}")
            if self.cpu_limit:
                prefix.append(f"--property=CPUQuota={int(self.cpu_limit * 100)}%")
            if account is not None:
                prefix += [f"--uid={account.pw_uid}", f"--gid={account.pw_gid}"]
            self.cmd = prefix + ["--", *original]
        try:
            return await super().start()
        finally:
            self.cmd = original


class _NoStatsd:
    """A statsd client that records nothing (JupyterHub 6 has no statsd; NativeAuthenticator 1.3 still calls it)."""

    def timer(self, name: str) -> "_NoStatsd":
        return self

    def start(self) -> "_NoStatsd":
        return self

    def stop(self, send: bool = True) -> None:
        return None

    def incr(self, *args, **kwargs) -> None:
        return None


def patch_nativeauthenticator() -> None:
    """Make NativeAuthenticator 1.3.0's login page work with JupyterHub 6.

    Its login handler times the login with ``self.statsd``, which JupyterHub 6 removed (jupyterhub/jupyterhub
    #5407), so every login failed with HTTP 500; and its ``_render`` takes no extra arguments, which JupyterHub's
    error page passes. Both are restored as no-ops; remove this when NativeAuthenticator is fixed upstream.
    """
    from nativeauthenticator import handlers

    login = handlers.LoginHandler
    if not hasattr(login, "statsd"):
        login.statsd = _NoStatsd()
    original = login._render
    if "kwargs" not in inspect.signature(original).parameters:
        def _render(self, login_error=None, username=None, **kwargs):
            return original(self, login_error=login_error, username=username)

        login._render = _render
