"""nbgrader's Execute preprocessor, hardened: sandboxed kernel, output caps, and no hang or crash on bad code.

What it adds to nbgrader's own ``Execute`` (which already gives each cell a time limit and interrupts it):

- the kernel is started by :class:`SandboxKernelManager` (see sandbox.py), never the notebook's kernelspec;
- a cell that ignores the interrupt (for example ``signal.signal(SIGINT, SIG_IGN)`` then a loop) makes the
  kernel unresponsive: it is killed and the remaining cells are marked as not run;
- a kernel that dies (``os._exit``, ``exit()``, killed by a resource limit) does not abort the notebook: the
  cell gets an error output and the cells after it are marked as not run (so their tests score 0 instead of
  nbgrader's "no output means full marks");
- each cell's output is capped while it arrives (a learner printing 100 MB cannot exhaust the grader);
- a whole-notebook time limit stops a notebook of many slow cells.

- a notebook with test cells is run in **two** kernels (see boundary.py): the learner's cells in one, the
  read-only cells and the tests in another that never runs learner code; the values each test reads cross
  between them through a restricted unpickler;
- after a kernel death (or a kernel killed because it did not stop), the rest of the notebook runs in a fresh
  learner kernel: the read-only and answer cells above are run again first (except the one that killed it).

Every event is recorded in ``self.events`` (cell index, kind, detail) for the report.
"""

from __future__ import annotations

import asyncio
import copy
import hashlib
import json
import os
import shutil
from contextlib import AsyncExitStack
from pathlib import Path
from queue import Empty
from time import monotonic
from typing import Any

from jupyter_core.utils import ensure_async, run_sync
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbformat.v4 import new_output
from nbgrader.preprocessors import Execute
from traitlets import Any as AnyTrait
from traitlets import Float, Integer

from tools.grader import boundary
from tools.grader.sandbox import SandboxKernelManager

NOT_RUN = "NotRun"
KERNEL_DIED = "KernelDied"
IOPUB_TIMEOUT = 15  # seconds to wait for a cell's last output after its reply (large outputs take a while)
MAX_RESTARTS = 3    # fresh learner kernels per notebook after kernel deaths
MAX_VALUES_BYTES = 64 * 1024 * 1024  # what a learner kernel may send across to the tests at once
CALL_PROMPT = "\x1b[exsitu-call] "


def cell_role(cell: NotebookNode) -> str:
    """Who a code cell belongs to: "test" (graded, not an answer), "locked" (read-only) or "learner"."""
    meta = cell.get("metadata", {}).get("nbgrader", {})
    if meta.get("grade") and not meta.get("solution"):
        return "test"
    if meta.get("locked") and not meta.get("solution") and not meta.get("task"):
        return "locked"
    return "learner"


def describe_exit(status: int | None, log: str = "") -> str:
    """Why a kernel process ended, in words (status as Popen reports it: negative = signal)."""
    if status is None:
        return "the kernel stopped responding"
    signals = {-9: "it was killed (SIGKILL: the CPU-time limit, or the memory of the machine)",
               -24: "it used up its CPU-time limit (SIGXCPU)", -25: "it exceeded the file-size limit (SIGXFSZ)",
               -11: "it crashed (segmentation fault)", -6: "it aborted (SIGABRT)"}
    if status < 0:
        return signals.get(status, f"it was killed by signal {-status}")
    if status >= 128 and -(status - 128) in signals:
        return signals[-(status - 128)]
    if "MemoryError" in log:
        return f"it ran out of memory (exit status {status})"
    return f"the code ended the kernel (exit status {status}: os._exit, exit() or quit())"


async def _reply(client: SafeExecute, msg_id: str, timeout: float) -> dict[str, Any] | None:
    """The shell reply to ``msg_id`` within ``timeout`` seconds (None: none came); DeadKernelError if it died."""
    deadline = monotonic() + timeout
    while (remaining := deadline - monotonic()) > 0:
        try:
            msg = await ensure_async(client.kc.shell_channel.get_msg(timeout=min(1.0, remaining)))
        except Empty:
            if not await ensure_async(client.km.is_alive()):
                raise DeadKernelError("Kernel died") from None
            continue
        if msg.get("parent_header", {}).get("msg_id") == msg_id:
            return msg
    return None


def _give(path: Path, uid: int | None) -> None:
    os.chmod(path, 0o644)
    if uid is not None:
        os.chown(path, uid, uid)



class TesterPool:
    """The tests' kernels one grading process keeps between notebooks (one per notebook of an assignment).

    Starting the tests' kernel (bubblewrap, Python, IPython, then the read-only cells' imports) was most of
    what the two-kernel design added to a notebook's grading time. A kernel is kept only after a notebook that
    reported nothing (no event of either kernel: no death, time-out, cut output, failed transfer or tampering);
    before its next notebook it is reset (:data:`boundary.TEST_RESET`): a new IPython session (no name, no
    output history), the ``exsitu`` modules and the grader's helper dropped (the read-only cells import the
    instructor's ``exsitu`` again from disk), figures closed, warning filters and the working folder as they
    were, and a check that no module attribute, builtin, ``sys``/IPython hook, signal handler, environment
    variable or pandas/numpy/matplotlib option that existed after the last reset was rebound. If any of that
    fails, or the kernel used a quarter of its CPU-time limit or half its memory limit, or it was used
    ``max_uses`` times, a fresh kernel is started instead.
    """

    __test__ = False  # not a pytest class

    def __init__(self, root: Path, cpu_seconds: float, memory_bytes: int, max_idle: int = 3, max_uses: int = 40):
        self.root = Path(root)
        self.cpu_limit = cpu_seconds / 4
        self.memory_limit = memory_bytes // 2
        self.max_idle = max_idle
        self.max_uses = max_uses
        self.idle: dict[tuple, tuple[SandboxKernelManager, int]] = {}
        self.uses: dict[int, int] = {}
        self.folders: dict[tuple, Path] = {}
        self.log: list[str] = []

    def folder(self, key: tuple) -> Path:
        """The working folder of this notebook's tests' kernel (it outlives one notebook)."""
        if key not in self.folders:
            self.folders[key] = self.root / f"tests-{len(self.folders):03d}"
        return self.folders[key]

    def take(self, key: tuple) -> SandboxKernelManager | None:
        km, _ = self.idle.pop(key, (None, 0))
        return km

    async def give(self, key: tuple, km: SandboxKernelManager) -> None:
        uses = self.uses.pop(id(km), 0) + 1
        old, _ = self.idle.pop(key, (None, 0))
        if old is not None:
            await self._shutdown(old)
        if uses >= self.max_uses:
            await self._shutdown(km)
            return
        self.idle[key] = (km, uses)
        self.uses[id(km)] = uses
        while len(self.idle) > self.max_idle:
            oldest = next(iter(self.idle))
            await self._shutdown(self.idle.pop(oldest)[0])

    async def _shutdown(self, km: SandboxKernelManager) -> None:
        self.uses.pop(id(km), None)
        try:
            await ensure_async(km.shutdown_kernel(now=True))
        except Exception:  # noqa: BLE001 — it dies with the grader anyway
            pass

    def close(self) -> None:
        """Shut every kept kernel down (the grading process ends)."""
        idle, self.idle = list(self.idle.values()), {}

        async def stop_all() -> None:
            for km, _ in idle:
                await self._shutdown(km)

        if idle:
            run_sync(stop_all)()


class TwoKernelRun:
    """SafeExecute's run of a notebook with tests in two kernels: the learner's and the tests' (boundary.py)."""

    async def _expression(self, client: SafeExecute, expression: str, timeout: float, code: str = ""
                          ) -> tuple[str, str]:
        """Evaluate one grader expression in a kernel (no cell, no input transformers; after ``code``):
        ("ok" | "error" | "timeout" | "dead", detail)."""
        try:
            msg_id = client.kc.execute(code, silent=True, store_history=False, user_expressions={"r": expression},
                                       allow_stdin=False)
            reply = await _reply(client, msg_id, timeout)
        except DeadKernelError:
            return "dead", describe_exit(client._last_km.exit_status() if client._last_km else None)
        if reply is None:
            await ensure_async(client.km.interrupt_kernel())
            if not await client._responsive():
                await ensure_async(client.km.shutdown_kernel(now=True))
                return "dead", "it did not stop when interrupted"
            return "timeout", f"it ran past the {timeout:g} s time limit"
        content = reply.get("content", {})
        if content.get("status") != "ok":
            return "error", f"{content.get('ename', 'error')}: {content.get('evalue', '')}"
        result = content.get("user_expressions", {}).get("r", {})
        if result.get("status") != "ok":
            return "error", f"{result.get('ename', 'error')}: {result.get('evalue', '')}"
        return "ok", str(result.get("data", {}).get("text/plain", ""))

    async def _install(self, client: SafeExecute, template: str) -> None:
        code = boundary.helper_source(template, str(client.km.kernel_dir))
        msg_id = client.kc.execute(code, silent=True, store_history=False, allow_stdin=False)
        reply = await _reply(client, msg_id, 60)
        if reply is None or reply["content"].get("status") != "ok":
            raise RuntimeError(f"the grader's helper could not be installed in a kernel: {reply and reply['content']}")

    async def _start_learner(self) -> None:
        if self.km is None:
            self.km = self.create_kernel_manager()
        await self.async_start_new_kernel()
        await self.async_start_new_kernel_client()
        await self._install(self, boundary.LEARNER_HELPER)
        self._baseline_taken = False

    async def _restart_learner(self, code_cells: list[tuple[int, NotebookNode]], roles: list[str],
                               upto: int, skip: set[int]) -> bool:
        """A fresh learner kernel with the read-only and learner cells above ``upto`` run again (except
        ``skip``); False if that is not possible."""
        for _ in range(MAX_RESTARTS):
            try:
                if self.km is not None:
                    await self._async_cleanup_kernel()
            except Exception:  # noqa: BLE001 — the old kernel is gone either way
                pass
            self.km, self.kc = None, None
            try:
                await self._start_learner()
            except Exception:  # noqa: BLE001
                return False
            died = None
            for index, cell in code_cells:
                if index >= upto:
                    break
                if roles[index] == "test" or index in skip or not cell.source.strip():
                    continue
                self._timed_out, self.iopub_timeout = False, IOPUB_TIMEOUT
                try:
                    await self.async_execute_cell(copy.deepcopy(cell), index, store_history=True)
                except (DeadKernelError, CellTimeoutError):
                    died = index
                    break
                if self._timed_out and not await self._responsive():
                    died = index
                    break
            if died is None:
                return True
            skip.add(died)
        return False

    async def _transfer(self, tester: SafeExecute, names: list[str], keep: list[str],
                        index: int) -> None:
        """Copy the learner's values of ``names`` into the test kernel (through the restricted unpickler)."""
        source = Path(self.km.kernel_dir) / "values.pkl" if self.km is not None else None
        target = Path(tester.km.kernel_dir) / "values.pkl"
        target.unlink(missing_ok=True)
        why = "the learner's kernel is not running"
        if source is not None and await ensure_async(self.km.is_alive()):
            source.unlink(missing_ok=True)
            status, why = await self._expression(
                self, f"__import__('_exsitu_grader').snapshot({names!r}, {str(source)!r})", self.timeout)
            if status == "ok" and source.exists() and source.stat().st_size <= MAX_VALUES_BYTES:
                shutil.copyfile(source, target)
                _give(target, tester.sandbox.uid)
            elif status == "ok":
                why = "the values were missing or too large"
            if status != "ok":
                self.events.append({"cell": index, "kind": "transfer_failed", "detail": why})
            if status == "dead":
                self._learner_dead = why
            await self._check_tampering(index)
        status, detail = await self._expression(
            tester, f"__import__('_exsitu_grader').load({str(target)!r}, {names!r}, {sorted(keep)!r})", 60)
        if status != "ok":
            raise RuntimeError(f"the test kernel could not load the learner's values: {detail}")

    async def _check_tampering(self, index: int) -> None:
        if self.km is None or not self._baseline_taken:
            return
        path = Path(self.km.kernel_dir) / "changes.json"
        path.unlink(missing_ok=True)
        status, detail = await self._expression(
            self, f"__import__('_exsitu_grader').changes({str(path)!r})", self.timeout)
        found: list[str] = []
        if status != "ok":
            found = [f"the grader's check could not run in the learner's kernel ({detail[:150]})"]
        else:
            try:
                raw = path.read_bytes()[:100_000] if path.exists() else b"[]"
                found = [str(x)[:200] for x in json.loads(raw)][:50]
            except (OSError, ValueError, TypeError):
                found = ["the grader's check in the learner's kernel gave an unreadable answer"]
        if found:
            self.events.append({"cell": index, "kind": "tampering", "detail": ", ".join(found)})

    async def _take_baseline(self, protected: list[str]) -> None:
        if self.km is None or self._baseline_taken:
            return
        await self._expression(self, f"__import__('_exsitu_grader').baseline({protected!r})", self.timeout)
        self._baseline_taken = True

    async def _serve_calls(self, tester: SafeExecute, budget: list[float]) -> None:
        """Answer the test kernel's calls of learner functions (input requests) until cancelled."""
        while True:
            msg = await ensure_async(tester.kc.stdin_channel.get_msg(timeout=None))
            if msg.get("msg_type") != "input_request":
                continue
            prompt = str(msg.get("content", {}).get("prompt", ""))
            if not prompt.startswith(CALL_PROMPT):
                tester.kc.input("")
                continue
            tester.kc.input(await self._call_learner(tester, prompt[len(CALL_PROMPT):].strip(), budget))

    async def _call_learner(self, tester: SafeExecute, key: str, budget: list[float]) -> str:
        if self.km is None or self._learner_dead or not await ensure_async(self.km.is_alive()):
            return "the learner's kernel is not running (it died or was stopped earlier)"
        if budget[0] <= 0:
            return f"the learner's functions ran past the {self.timeout} s time limit of this test"
        if not key.isdigit():
            return "a malformed call"
        source = Path(tester.km.kernel_dir) / "call-in.pkl"
        into = Path(self.km.kernel_dir) / "call-in.pkl"
        out = Path(self.km.kernel_dir) / "call-out.pkl"
        back = Path(tester.km.kernel_dir) / "call-out.pkl"
        out.unlink(missing_ok=True)
        back.unlink(missing_ok=True)
        shutil.copyfile(source, into)
        _give(into, self.sandbox.uid)
        started = monotonic()
        status, detail = await self._expression(
            self, f"__import__('_exsitu_grader').call({int(key)}, {str(into)!r}, {str(out)!r})",
            max(1.0, min(self.timeout, budget[0])))
        budget[0] -= monotonic() - started
        if status == "dead":
            self._learner_dead = detail
            return f"the kernel died while running it: {detail}"
        if status != "ok":
            return detail
        if not out.exists() or out.stat().st_size > MAX_VALUES_BYTES:
            return "its result was missing or too large"
        shutil.copyfile(out, back)
        _give(back, tester.sandbox.uid)
        return "ok"

    async def _run_test_cell(self, tester: SafeExecute, cell: NotebookNode, index: int) -> str | None:
        """Run one test (or read-only) cell in the test kernel; returns why the test kernel died, if it did."""
        budget = [self.timeout * 1.5]
        server = asyncio.ensure_future(self._serve_calls(tester, budget))
        tester._index, tester._timed_out, tester.iopub_timeout = index, False, IOPUB_TIMEOUT
        try:
            await tester.async_execute_cell(cell, index, store_history=True)
        except (DeadKernelError, CellTimeoutError) as error:
            why = describe_exit(tester._last_km.exit_status(), tester._last_km.kernel_log())
            if isinstance(error, CellTimeoutError):
                why = "the kernel stopped sending output"
            return why
        finally:
            server.cancel()
            try:
                await server
            except (asyncio.CancelledError, Exception):  # noqa: BLE001
                pass
        if tester._timed_out and not await tester._responsive():
            await ensure_async(tester.km.shutdown_kernel(now=True))
            return "the test did not stop when interrupted"
        return None

    async def _start_tester(self, tester: SafeExecute, reuse: bool = False) -> None:
        """Start the tests' kernel, or (``reuse``) take a kept one of this notebook's from the pool and reset it."""
        spare = self.tester_pool.take(self._tester_key) if reuse and self.tester_pool is not None else None
        if spare is not None:
            tester.km = tester._last_km = spare
            try:
                await tester.async_start_new_kernel_client()
                status, detail = await self._reset_tester(tester)
            except Exception as error:  # noqa: BLE001 — then a fresh kernel
                status, detail = "error", repr(error)
            if status == "ok" and detail.strip("'\"") == "ok":
                await self._install(tester, boundary.TEST_HELPER)
                tester.kc.allow_stdin = True
                self.tester_reused = True
                return
            self.tester_pool.log.append(f"kept tests' kernel not reused: {detail[:300]}")
            await self._discard_tester(tester)
        if tester.km is None:
            tester.km = tester.create_kernel_manager()
        await tester.async_start_new_kernel()
        await tester.async_start_new_kernel_client()
        if self.tester_pool is not None:  # what the next reset compares with: the kernel as it started
            await self._reset_tester(tester)
        await self._install(tester, boundary.TEST_HELPER)
        tester.kc.allow_stdin = True

    async def _reset_tester(self, tester: SafeExecute) -> tuple[str, str]:
        return await self._expression(tester, boundary.reset_call(
            str(self._tester_dir), list(tester.files or []), self.tester_pool.cpu_limit,
            self.tester_pool.memory_limit), 60, code=boundary.TEST_RESET)

    async def _discard_tester(self, tester: SafeExecute) -> None:
        try:
            if tester.km is not None:
                await tester._async_cleanup_kernel()
        except Exception:  # noqa: BLE001 — the kernel is gone either way
            pass
        tester.km, tester.kc = None, None

    async def _release_tester(self, tester: SafeExecute, clean: bool) -> None:
        """After the notebook: keep the tests' kernel for the next one (a clean run) or shut it down."""
        if tester.km is None:
            return
        if clean and self.tester_pool is not None and await ensure_async(tester.km.is_alive()):
            try:
                tester.kc.stop_channels()
            except Exception:  # noqa: BLE001
                clean = False
            if clean:
                for name in ("values.pkl", "call-in.pkl", "call-out.pkl"):
                    (Path(tester.km.kernel_dir) / name).unlink(missing_ok=True)
                await self.tester_pool.give(self._tester_key, tester.km)
                tester.km, tester.kc = None, None
                return
        await self._discard_tester(tester)

    async def _async_run_isolated(self, roles: list[str]) -> None:
        code_cells = [(i, c) for i, c in enumerate(self.nb.cells) if c.cell_type == "code"]
        sources = [(roles[i], c.source) for i, c in code_cells]
        protected = set(boundary.protected_names(sources))
        locked_bound: set[str] = set()
        for role, source in sources:
            if role == "locked":
                locked_bound |= boundary.bindings(boundary.parse_cell(source))
        instructor = locked_bound | boundary.BUILTIN_NAMES
        from nbclient import NotebookClient

        test_dir = Path(self.resources.get("metadata", {}).get("path") or ".")
        files = list(self.files or [])
        self.tester_reused = False
        if self.tester_pool is not None:
            # a kept tests' kernel sees the assignment's files only (not the learner's notebook), in a folder
            # of its own that outlives the notebook
            files = sorted(name for name in files if not name.endswith(".ipynb") and (test_dir / name).is_file())
            graded = self.resources.get("nbgrader", {})
            self._tester_key = (str(graded.get("assignment")), str(graded.get("notebook")), tuple(files),
                                tuple(hashlib.sha256((test_dir / name).read_bytes()).hexdigest() for name in files))
            own_dir = self.tester_pool.folder(self._tester_key)
        else:
            own_dir = test_dir.with_name(test_dir.name + ".tests")
        self._tester_dir = own_dir
        own_dir.mkdir(parents=True, exist_ok=True)
        for name in files:
            if (test_dir / name).is_file() and not (own_dir / name).exists():
                shutil.copyfile(test_dir / name, own_dir / name)
        tester = TestKernel(config=self.config, sandbox=self.test_sandbox or self.sandbox, files=files)
        NotebookClient.__init__(tester, self.nb, None)
        tester.reset_execution_trackers()
        tester.resources = {**self.resources, "metadata": {**self.resources.get("metadata", {}),
                                                           "path": str(own_dir)}}
        tester.events, tester._output_bytes, tester._truncated, tester._stderr_kept = [], {}, set(), set()
        tester._notebook_bytes, tester._index, tester._last_km = 0, -1, None
        tester.timeout = int(self.timeout * 2 + 5)
        tester.interrupt_grace = self.interrupt_grace
        self._learner_dead: str | None = None
        self._baseline_taken = False
        deadline = monotonic() + self.notebook_timeout
        stopped: str | None = None
        test_bound: set[str] = set()
        skip: set[int] = set()
        pending: list[int] = []  # read-only cells still to run in the test kernel
        background: asyncio.Future[None] | None = None  # read-only cells running there meanwhile
        try:
            async with AsyncExitStack() as stack:
                started = await asyncio.gather(self._start_learner(), self._start_tester(tester, reuse=True),
                                               return_exceptions=True)
                stack.push_async_callback(self._cleanup_learner)
                for outcome in started:
                    if isinstance(outcome, BaseException):
                        raise outcome
                reply = await self.async_wait_for_reply(self.kc.kernel_info())
                if reply:
                    self.nb.metadata["language_info"] = reply["content"]["language_info"]
                for position, (index, cell) in enumerate(code_cells):
                    if stopped is None and monotonic() > deadline:
                        stopped = f"the notebook ran past its {self.notebook_timeout:g} s time limit"
                        self.events.append({"cell": index, "kind": "notebook_timeout", "detail": stopped})
                    if stopped is not None:
                        if cell.source.strip():
                            self._stop(cell, index, NOT_RUN, f"not run: {stopped}")
                        continue
                    self._index = index
                    role = roles[index]
                    if role == "test":
                        await self._take_baseline(sorted(protected))
                        if background is not None:
                            await background
                            background = None
                        for earlier in pending:
                            await self._instructor_cell(tester, code_cells, roles, earlier, instructor,
                                                        test_bound, copy_outputs=False)
                        pending = []
                        await self._instructor_cell(tester, code_cells, roles, index, instructor, test_bound,
                                                    copy_outputs=True)
                        test_bound |= boundary.bindings(boundary.parse_cell(cell.source))
                        later_tests = any(roles[i] == "test" for i, _ in code_cells[position + 1:])
                        if self._learner_dead is not None and later_tests and await self._restart_learner(
                                code_cells, roles, index, skip):  # a learner function killed it in a test
                            self.events.append({"cell": index, "kind": "restarted", "detail": self._learner_dead})
                            self._learner_dead = None
                        continue
                    if role == "locked" and not pending and not (boundary.loads(cell.source) - instructor):
                        # needs nothing of the learner's: runs in the tests' kernel while the learner's goes on
                        background = asyncio.ensure_future(self._instructor_after(
                            background, tester, code_cells, roles, index, instructor, test_bound))
                    elif role == "locked":
                        pending.append(index)
                    elif not self._baseline_taken:
                        await self._take_baseline(sorted(protected))
                    if self._learner_dead is not None:
                        self._stop(cell, index, NOT_RUN, "not run: the kernel died in an earlier cell")
                        continue
                    died = await self._learner_cell(cell, index)
                    if died is None:
                        continue
                    later_tests = any(roles[i] == "test" for i, _ in code_cells[position + 1:])
                    skip.add(index)
                    if later_tests and await self._restart_learner(code_cells, roles, index, skip):
                        self.events.append({"cell": index, "kind": "restarted", "detail": died})
                        self._learner_dead = None
                    else:
                        self._learner_dead = died
                if background is not None:
                    await background
        except Exception as error:  # noqa: BLE001 — a kernel that cannot start must not stop the batch
            log = self._last_km.kernel_log() if self._last_km else ""
            detail = f"{type(error).__name__}: {error}" + (f" — kernel log: {log[-500:]}" if log else "")
            self.events.append({"cell": self._index, "kind": "kernel_failed", "detail": detail})
            for index, cell in code_cells:
                if index >= self._index and cell.source.strip() and not any(
                        o.get("output_type") == "error" for o in cell.outputs):
                    self._stop(cell, index, NOT_RUN, "not run: the kernel could not run this notebook")
        finally:
            # kept for the next notebook only after a run with nothing to report (no event of either kernel)
            try:
                await self._release_tester(tester, clean=not self.events and not tester.events)
            except Exception:  # noqa: BLE001 — never lose the notebook's results over it
                pass
            if self.tester_pool is None:
                shutil.rmtree(own_dir, ignore_errors=True)
        self.events += [e for e in tester.events if e["kind"] == "output_truncated"]

    async def _instructor_after(self, before: asyncio.Future[None] | None, tester: SafeExecute,
                                code_cells: list[tuple[int, NotebookNode]], roles: list[str], index: int,
                                instructor: set[str], test_bound: set[str]) -> None:
        if before is not None:
            await before
        await self._instructor_cell(tester, code_cells, roles, index, instructor, test_bound, copy_outputs=False)

    async def _cleanup_learner(self) -> None:
        try:
            if self.km is not None:
                await self._async_cleanup_kernel()
        except Exception:  # noqa: BLE001
            pass

    async def _learner_cell(self, cell: NotebookNode, index: int) -> str | None:
        """Run one cell in the learner's kernel; returns why the kernel died (or was killed), if it did."""
        self._timed_out, self.iopub_timeout = False, IOPUB_TIMEOUT
        try:
            await self.async_execute_cell(cell, index, store_history=True)
        except (DeadKernelError, CellTimeoutError) as error:
            status = self._last_km.exit_status()
            why = describe_exit(status, self._last_km.kernel_log())
            if isinstance(error, CellTimeoutError):
                why = "the kernel stopped sending output"
            self.events.append({"cell": index, "kind": "kernel_died", "detail": why})
            self._stop(cell, index, KERNEL_DIED, f"the kernel died while running this cell: {why}")
            return why
        if self._timed_out and not await self._responsive():
            self.events = [e for e in self.events if not (e["cell"] == index and e["kind"] == "timeout")]
            self.events.append({"cell": index, "kind": "unresponsive", "detail": f"{self.timeout} s"})
            await ensure_async(self.km.shutdown_kernel(now=True))
            return "an earlier cell did not stop when interrupted"
        return None

    async def _instructor_cell(self, tester: SafeExecute, code_cells: list[tuple[int, NotebookNode]],
                               roles: list[str], index: int, instructor: set[str], test_bound: set[str],
                               copy_outputs: bool) -> None:
        """Run a read-only or test cell in the test kernel, with the learner's values it reads."""
        cell = self.nb.cells[index]
        target = cell if copy_outputs else copy.deepcopy(cell)
        names = sorted(boundary.loads(cell.source) - instructor)
        if names:
            await self._transfer(tester, names, sorted(test_bound), index)
        died = await self._run_test_cell(tester, target, index)
        if died is None:
            return
        if copy_outputs:
            self._stop(target, index, KERNEL_DIED, f"the test kernel died while running this test: {died}")
            self.events.append({"cell": index, "kind": "test_kernel_died", "detail": died})
        await self._discard_tester(tester)
        await self._start_tester(tester)
        for earlier, other in code_cells:
            if earlier >= index:
                break
            if roles[earlier] == "locked":
                await self._run_test_cell(tester, copy.deepcopy(other), earlier)



class SafeExecute(TwoKernelRun, Execute):
    """Execute a notebook in a sandboxed kernel; never hangs, never raises for anything the code does."""

    sandbox = AnyTrait(help="tools.grader.sandbox.Sandbox used to start each kernel")
    files = AnyTrait(help="names of the files in the working folder (bound read-only into the sandbox)")
    max_output_bytes = Integer(1_000_000, help="output kept per cell; the rest is dropped").tag(config=True)
    max_notebook_output_bytes = Integer(20_000_000, help="output kept per notebook").tag(config=True)
    notebook_timeout = Float(600.0, help="wall-clock seconds for the whole notebook").tag(config=True)
    interrupt_grace = Float(5.0, help="seconds an interrupted kernel has to answer again").tag(config=True)
    test_sandbox = AnyTrait(None, allow_none=True, help="Sandbox of the kernel that runs the tests (default: sandbox)")
    tester_pool = AnyTrait(None, allow_none=True, help="TesterPool keeping tests' kernels between notebooks")

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("kernel_manager_class", SandboxKernelManager)
        super().__init__(**kwargs)
        self.kernel_name = "exsitu-sandbox"
        self.shutdown_kernel = "immediate"
        self.raise_on_iopub_timeout = False
        self.iopub_timeout = IOPUB_TIMEOUT
        self.extra_arguments = ["--HistoryManager.hist_file=:memory:"]
        self.events: list[dict[str, Any]] = []

    # -- kernel ------------------------------------------------------------------------------------
    def create_kernel_manager(self) -> SandboxKernelManager:
        self.km = SandboxKernelManager(sandbox=self.sandbox, files=list(self.files or []), config=self.config)
        self._last_km = self.km
        return self.km

    # -- outputs -----------------------------------------------------------------------------------
    def output(self, outs: list[NotebookNode], msg: dict[str, Any], display_id: str | None,
               cell_index: int) -> NotebookNode | None:
        """Keep each cell's output under ``max_output_bytes`` (and the notebook's under ``max_notebook_output_bytes``).

        What nbgrader scores is never dropped: errors are always kept, a cell's stderr keeps at least a marker
        (stderr in a test cell scores 0), and a result (partial credit) is kept, shortened.
        """
        content = msg.get("content", {})
        kind = msg.get("msg_type")
        size = len(content.get("text", "")) + sum(len(str(v)) for v in content.get("data", {}).values())
        before = self._output_bytes.get(cell_index, 0)
        self._output_bytes[cell_index] = before + size
        self._notebook_bytes += size
        room = min(self.max_output_bytes - before, self.max_notebook_output_bytes - (self._notebook_bytes - size))
        if kind == "error" or size <= room:
            return super().output(outs, msg, display_id, cell_index)
        if kind == "stream" and room > 0:
            kept = {**msg, "content": {**content, "text": content["text"][:room]}}
            super().output(outs, kept, display_id, cell_index)
        elif kind == "stream" and content.get("name") == "stderr" and cell_index not in self._stderr_kept:
            kept = {**msg, "content": {**content, "text": content["text"][:1000]}}
            super().output(outs, kept, display_id, cell_index)
        elif kind == "execute_result":
            data = {k: (v[:1000] if isinstance(v, str) else v) for k, v in content.get("data", {}).items()
                    if isinstance(v, str)}
            super().output(outs, {**msg, "content": {**content, "data": data}}, display_id, cell_index)
        if kind == "stream" and content.get("name") == "stderr":
            self._stderr_kept.add(cell_index)
        if cell_index not in self._truncated:
            self._truncated.add(cell_index)
            limit = self.max_output_bytes if before + size > self.max_output_bytes else self.max_notebook_output_bytes
            self.events.append({"cell": cell_index, "kind": "output_truncated",
                                "detail": f"more than {limit / 1e6:g} MB of output"})
            outs.append(new_output("stream", name="stdout", text=(
                f"\n... output truncated by the grader (more than {limit / 1e6:g} MB) ...\n")))
        return None

    # -- timeouts ----------------------------------------------------------------------------------
    async def _async_handle_timeout(self, timeout: int, cell: NotebookNode | None = None) -> Any:
        self._timed_out = True
        self.events.append({"cell": self._index, "kind": "timeout", "detail": f"{timeout} s"})
        self.iopub_timeout = 2  # an interrupted cell's last output comes at once, or never (reset per cell)
        return await super()._async_handle_timeout(timeout, cell)

    async def _responsive(self) -> bool:
        """Whether the kernel answers a kernel_info request within ``interrupt_grace`` seconds."""
        if not await ensure_async(self.km.is_alive()):
            return False
        msg_id = self.kc.kernel_info()
        deadline = monotonic() + self.interrupt_grace
        while (remaining := deadline - monotonic()) > 0:
            try:
                msg = await ensure_async(self.kc.shell_channel.get_msg(timeout=remaining))
            except Empty:
                return False
            if msg.get("parent_header", {}).get("msg_id") == msg_id:
                return True
        return False

    # -- the run -----------------------------------------------------------------------------------
    def preprocess(self, nb: NotebookNode, resources: Any = None, km: Any = None) -> tuple[NotebookNode, Any]:
        from nbclient import NotebookClient

        NotebookClient.__init__(self, nb, km)
        self.reset_execution_trackers()
        self._check_assign_resources(resources)
        self.events = []
        self._output_bytes: dict[int, int] = {}
        self._truncated: set[int] = set()
        self._stderr_kept: set[int] = set()
        self._notebook_bytes = 0
        self._index = -1
        self._last_km: SandboxKernelManager | None = None
        roles = [cell_role(c) if c.cell_type == "code" else "" for c in nb.cells]
        if "test" in roles:
            run_sync(self._async_run_isolated)(roles)
        else:
            run_sync(self._async_run)()
        return self.nb, self.resources

    def _stop(self, cell: NotebookNode, index: int, ename: str, reason: str) -> None:
        cell.outputs.append(new_output("error", ename=ename, evalue=reason, traceback=[f"{ename}: {reason}"]))

    async def _async_run(self) -> None:
        stopped: str | None = None
        deadline = monotonic() + self.notebook_timeout
        code_cells = [(i, c) for i, c in enumerate(self.nb.cells) if c.cell_type == "code"]
        done = 0
        try:
            async with self.async_setup_kernel():
                reply = await self.async_wait_for_reply(self.kc.kernel_info())
                if reply:
                    self.nb.metadata["language_info"] = reply["content"]["language_info"]
                for index, cell in code_cells:
                    done += 1
                    if stopped is None and monotonic() > deadline:
                        stopped = f"the notebook ran past its {self.notebook_timeout:g} s time limit"
                        self.events.append({"cell": index, "kind": "notebook_timeout", "detail": stopped})
                    if stopped is not None:
                        if cell.source.strip():
                            self._stop(cell, index, NOT_RUN, f"not run: {stopped}")
                        continue
                    self._index, self._timed_out, self.iopub_timeout = index, False, IOPUB_TIMEOUT
                    try:
                        await self.async_execute_cell(cell, index, store_history=True)
                    except (DeadKernelError, CellTimeoutError) as error:
                        status = self._last_km.exit_status()
                        why = describe_exit(status, self._last_km.kernel_log())
                        if isinstance(error, CellTimeoutError):
                            why = "the kernel stopped sending output"
                        self.events.append({"cell": index, "kind": "kernel_died", "detail": why})
                        self._stop(cell, index, KERNEL_DIED, f"the kernel died while running this cell: {why}")
                        stopped = "the kernel died in an earlier cell"
                        continue
                    if self._timed_out and not await self._responsive():
                        self.events = [e for e in self.events if not (e["cell"] == index and e["kind"] == "timeout")]
                        self.events.append({"cell": index, "kind": "unresponsive",
                                            "detail": f"{self.timeout} s"})
                        await ensure_async(self.km.shutdown_kernel(now=True))
                        stopped = "an earlier cell did not stop when interrupted"
        except Exception as error:  # noqa: BLE001 — a kernel that cannot start must not stop the batch
            log = self._last_km.kernel_log() if self._last_km else ""
            detail = f"{type(error).__name__}: {error}" + (f" — kernel log: {log[-500:]}" if log else "")
            self.events.append({"cell": self._index, "kind": "kernel_failed", "detail": detail})
            for index, cell in code_cells[max(done - 1, 0):]:
                if cell.source.strip() and not any(o.get("output_type") == "error" for o in cell.outputs):
                    self._stop(cell, index, NOT_RUN, "not run: the kernel could not run this notebook")


class TestKernel(SafeExecute):
    """The kernel that runs the read-only cells and the tests: it never runs a line of the learner's code."""
