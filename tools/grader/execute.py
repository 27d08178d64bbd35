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

Every event is recorded in ``self.events`` (cell index, kind, detail) for the report.
"""

from __future__ import annotations

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

from tools.grader.sandbox import SandboxKernelManager

NOT_RUN = "NotRun"
KERNEL_DIED = "KernelDied"
IOPUB_TIMEOUT = 15  # seconds to wait for a cell's last output after its reply (large outputs take a while)


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


class SafeExecute(Execute):
    """Execute a notebook in a sandboxed kernel; never hangs, never raises for anything the code does."""

    sandbox = AnyTrait(help="tools.grader.sandbox.Sandbox used to start each kernel")
    files = AnyTrait(help="names of the files in the working folder (bound read-only into the sandbox)")
    max_output_bytes = Integer(1_000_000, help="output kept per cell; the rest is dropped").tag(config=True)
    max_notebook_output_bytes = Integer(20_000_000, help="output kept per notebook").tag(config=True)
    notebook_timeout = Float(600.0, help="wall-clock seconds for the whole notebook").tag(config=True)
    interrupt_grace = Float(5.0, help="seconds an interrupted kernel has to answer again").tag(config=True)

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
