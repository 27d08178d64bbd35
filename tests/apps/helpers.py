"""Helpers for the browser tests of the Voilà apps (also used by benchmarks/bench_apps.py).

:class:`VoilaServer` starts ``voila apps/`` the way ``make apps`` does (same config file, apps/voila.json),
on a free localhost port, with the repository's ``src`` first on PYTHONPATH so the kernels run the checkout
under test. :func:`launch_chromium` drives Debian's Chromium through Playwright; :func:`open_app` opens an
app and waits for its first interactive widget.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
#: The launcher ``make apps`` runs: Voilà with exsitu's caps, Host allow-list and kernel shutdown (exsitu.serve).
SERVE = [sys.executable, "-m", "exsitu.serve"]
CHROMIUM = os.environ.get("EXSITU_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
#: Arguments of ``make apps`` after the port (keep in step with the Makefile's ``apps`` target).
VOILA_ARGS = ["apps/", "--no-browser", "--Voila.config_file_paths=apps"]
#: The first control a person can use, in any app.
INTERACTIVE = (".jupyter-widgets.widget-dropdown select, .jupyter-widgets.widget-upload, "
               ".jupyter-widgets.widget-slider, .jupyter-widgets.widget-button, .jupyter-widgets.widget-text input")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class VoilaServer:
    """A ``voila apps/`` process on a free port: ``url`` (ends with /), ``log_text()``, ``stop()``.

    ``preheat``: use the config's preheated kernel pools (True) or Voilà's default, no pool (False).
    ``pool_size``: kernels kept ready per app (None: the config's value). ``env``: extra environment
    variables for the server and its kernels. The workbench's autosaves go to a fresh temporary folder,
    ``workbench_dir``, removed by ``stop()``, unless ``env`` names one (EXSITU_WORKBENCH_DIR): the workshop
    store is the SQLite file ``workshop_db`` in it (EXSITU_WORKSHOP_DB, unless ``env`` names one).
    """

    def __init__(self, *, preheat: bool = True, pool_size: int | None = 1, extra_args: tuple[str, ...] = (),
                 env: dict[str, str] | None = None, startup_timeout: float = 90.0) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/"
        self._log = tempfile.NamedTemporaryFile(prefix="voila-", suffix=".log", delete=False)
        extra_env = dict(env or {})
        self._own_workbench_dir = "EXSITU_WORKBENCH_DIR" not in extra_env
        self.workbench_dir = Path(extra_env.get("EXSITU_WORKBENCH_DIR") or tempfile.mkdtemp(prefix="workbench-"))
        self.workshop_db = Path(extra_env.get("EXSITU_WORKSHOP_DB") or self.workbench_dir / "workshop.sqlite3")
        env = {**os.environ, **extra_env, "EXSITU_WORKBENCH_DIR": str(self.workbench_dir),
               "EXSITU_WORKSHOP_DB": str(self.workshop_db)}
        if "EXSITU_DATABASE_URL" not in extra_env:
            env.pop("EXSITU_DATABASE_URL", None)  # the tests' store is the SQLite file, not a shared database
        env["PYTHONPATH"] = os.pathsep.join([str(REPO_ROOT / "src"), *filter(None, [env.get("PYTHONPATH")])])
        env.setdefault("MPLBACKEND", "Agg")
        args = [*SERVE, *VOILA_ARGS, f"--port={self.port}", "--Voila.port_retries=0"]
        if not any("max_kernels_per_client" in arg for arg in extra_args):
            args.append("--ExsituVoila.max_kernels_per_client=0")  # every test page comes from 127.0.0.1
        if not preheat:
            args.append("--VoilaConfiguration.preheat_kernel=False")
        elif pool_size is not None:
            args.append(f"--pool_size={pool_size}")
        args += list(extra_args)
        self.process = subprocess.Popen(args, cwd=REPO_ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT,
                                        stdin=subprocess.DEVNULL, start_new_session=True)
        self.preheat = preheat
        self._wait(startup_timeout)

    def _wait(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"voila exited with {self.process.returncode}:\n{self.log_text()}")
            try:
                with urllib.request.urlopen(self.url, timeout=5) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(0.3)
        else:
            self.stop()
            raise RuntimeError(f"voila did not answer within {timeout:.0f} s:\n{self.log_text()}")

    def wait_for_pools(self, apps: int, timeout: float = 120.0) -> None:
        """Wait until the preheated pools of ``apps`` notebooks are filled (log lines)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if len(set(re.findall(r"Kernel pool of (\S+) is filled", self.log_text()))) >= apps:
                return
            time.sleep(0.3)
        raise RuntimeError(f"kernel pools not filled within {timeout:.0f} s:\n{self.log_text()}")

    def kernel_pids(self) -> list[int]:
        """Process ids of the server's live kernels (its child processes running ipykernel)."""
        import psutil

        try:
            children = psutil.Process(self.process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []
        pids = []
        for child in children:
            try:
                if any("ipykernel" in part for part in child.cmdline()) and child.status() != psutil.STATUS_ZOMBIE:
                    pids.append(child.pid)
            except psutil.Error:
                continue
        return pids

    def kernel_cpu_seconds(self) -> float:
        """CPU time (user + system, s) used so far by the server's live kernels."""
        import psutil

        total = 0.0
        for pid in self.kernel_pids():
            try:
                times = psutil.Process(pid).cpu_times()
                total += times.user + times.system
            except psutil.Error:
                continue
        return total

    def kernel_memory_mb(self) -> float:
        """Resident memory of the server and its kernels, MB."""
        import psutil

        total = 0
        try:
            process = psutil.Process(self.process.pid)
            for member in [process, *process.children(recursive=True)]:
                try:
                    total += member.memory_info().rss
                except psutil.Error:
                    continue
        except psutil.NoSuchProcess:
            return 0.0
        return total / 2**20

    def log_text(self) -> str:
        """The server's log so far."""
        self._log.flush()
        return Path(self._log.name).read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=5)
        self._log.close()
        if self._own_workbench_dir:
            shutil.rmtree(self.workbench_dir, ignore_errors=True)

    def __enter__(self) -> "VoilaServer":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.stop()
        Path(self._log.name).unlink(missing_ok=True)


def launch_chromium(playwright: Any) -> Any:
    """Debian's Chromium, headless, through Playwright."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


def app_url(voila_server: Any, name: str) -> str:
    return f"{voila_server.url}voila/render/{name}"


def open_app(page: Any, voila_server: Any, name: str, *, timeout_ms: float = 90_000) -> Any:
    """Open app ``name`` (e.g. ``"studbook-analyser.ipynb"``) and wait for its first interactive widget.

    Returns that widget's locator.
    """
    page.goto(app_url(voila_server, name), timeout=timeout_ms)
    first = page.locator(INTERACTIVE).first
    first.wait_for(state="visible", timeout=timeout_ms)
    return first


def server_problems(log_text: str) -> list[str]:
    """Lines of a Voilà log that show a failure (a traceback or an ERROR line)."""
    return [line for line in log_text.splitlines() if "Traceback" in line or "ERROR" in line]


def page_problems(page: Any) -> list[str]:
    """Errors the page recorded (console errors and uncaught page errors), see ``browser_page``."""
    return [*getattr(page, "console_errors", []), *getattr(page, "page_errors", [])]


def upload(page: Any, path: Path, *, index: int = 0) -> None:
    """Choose ``path`` in the ``index``-th FileUpload of the page, as a person would."""
    # ipywidgets 8 keeps the FileUpload's <input type=file> out of the document: click and use the chooser
    with page.expect_file_chooser(timeout=15_000) as chooser:
        page.locator(".widget-upload").nth(index).click()
    chooser.value.set_files(str(path))


def open_many(browser: Any, server: Any, name: str, pages: int, *, timeout_s: float = 300.0,
              widget: str = ".jupyter-widgets.widget-button, .widget-dropdown select") -> dict[str, Any]:
    """Open app ``name`` in ``pages`` browser contexts at once (one Chromium), wait until each shows ``widget``
    (a blank page is one that does not within ``timeout_s``), then close them all.

    Returns ``opened`` (seconds until every page showed its widgets or timed out), ``blank`` (indices of pages
    without widgets, with the reason), ``peak_kernels`` and ``peak_memory_mb`` (server + kernels, resident),
    ``kernel_cpu_seconds`` (CPU time of the live kernels when the last page opened).
    """
    import threading

    contexts = [browser.new_context(viewport={"width": 1000, "height": 700}) for _ in range(pages)]
    tabs = [context.new_page() for context in contexts]
    url = app_url(server, name)
    peak = {"kernels": 0, "memory": 0.0}
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set():
            peak["kernels"] = max(peak["kernels"], len(server.kernel_pids()))
            peak["memory"] = max(peak["memory"], server.kernel_memory_mb())
            stop.wait(1.0)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    start = time.perf_counter()
    for tab in tabs:  # start every navigation before waiting for any (the page script runs the navigation)
        tab.evaluate("url => { setTimeout(() => { window.location.href = url; }, 0); }", url)
    blank: dict[int, str] = {}
    deadline = time.monotonic() + timeout_s
    for index, tab in enumerate(tabs):
        left_ms = max(1_000.0, (deadline - time.monotonic()) * 1000)
        try:
            tab.locator(widget).first.wait_for(state="visible", timeout=left_ms)
        except Exception as error:  # noqa: BLE001 - report every page, not only the first
            text = ""
            try:
                text = tab.inner_text("body", timeout=5_000)[:120].replace("\n", " ")
            except Exception:  # noqa: BLE001
                pass
            blank[index] = f"{type(error).__name__}; page shows: {text!r}"
    opened = time.perf_counter() - start
    stop.set()
    watcher.join(timeout=5)
    cpu = server.kernel_cpu_seconds()
    for context in contexts:
        try:
            context.close()
        except Exception:  # noqa: BLE001 - closing is best effort
            pass
    return {"opened": opened, "blank": blank, "peak_kernels": peak["kernels"], "peak_memory_mb": peak["memory"],
            "kernel_cpu_seconds": cpu}


def wait_for_kernels(server: Any, count: int, timeout_s: float) -> tuple[bool, float, int]:
    """Wait until the server has ``count`` kernels; returns (reached, seconds waited, kernels at the end)."""
    start = time.monotonic()
    while time.monotonic() - start < timeout_s:
        live = len(server.kernel_pids())
        if live == count:
            return True, time.monotonic() - start, live
        time.sleep(1.0)
    return False, time.monotonic() - start, len(server.kernel_pids())
