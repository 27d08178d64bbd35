"""A learner's kernel cannot exceed its limits: memory, CPU time, processes, file size, network, files.

Each test runs real code in the grader's sandboxed kernel (tools/grader/sandbox.py + execute.py) and checks
from inside (what the code could do) and from outside (what reached the machine).
"""

from __future__ import annotations

import ast
import json
import os
import sys
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
from tools.grader.execute import KERNEL_DIED, NOT_RUN, SafeExecute, describe_exit  # noqa: E402
from tools.grader.sandbox import SYSTEM_FOLDERS, Limits, Sandbox, detect_sandbox  # noqa: E402

pytestmark = pytest.mark.grading
SECRET = ROOT / "tests" / "grading" / "fixtures" / "demo-course" / "solutions" / "01-demo" / "demo.ipynb"


def run(cells: list[str], tmp_path: Path, limits: Limits = Limits(), timeout: int = 20,
        hidden: tuple[Path, ...] = ()) -> tuple[nbformat.NotebookNode, list[dict]]:
    workdir = tmp_path / "work"
    workdir.mkdir()
    (workdir / "data.csv").write_text("a,b\n1,2\n")
    sandbox = Sandbox(mode=detect_sandbox()[0], limits=limits,
                      hidden=(ROOT / "tests", ROOT / "solutions", tmp_path, *hidden))
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in cells])
    executor = SafeExecute(sandbox=sandbox, files=["data.csv"], timeout=timeout)
    executor.interrupt_grace = 3
    notebook, _ = executor.preprocess(notebook, {"metadata": {"path": str(workdir)}})
    return notebook, executor.events


def stdout(cell) -> str:
    return "".join(o.get("text", "") for o in cell.outputs if o.get("output_type") == "stream")


def errors(cell) -> list[tuple[str, str]]:
    return [(o["ename"], o["evalue"]) for o in cell.outputs if o.get("output_type") == "error"]


def test_bubblewrap_is_used():
    mode, reason = detect_sandbox()
    assert mode == "bwrap", f"the grading sandbox needs bubblewrap (apt-get install bubblewrap): {reason}"


@pytest.fixture(scope="module")
def probe(tmp_path_factory):
    tmp_path = tmp_path_factory.mktemp("probe")
    escape = tmp_path / "escaped.txt"
    os.environ["EXSITU_GRADER_SECRET"] = "do-not-leak"
    try:
        notebook, events = run([
            "import json, os, resource, socket\n"
            "print(json.dumps({'uid': os.getuid(), 'cwd': os.getcwd(), 'files': sorted(os.listdir('.')),"
            " 'env': sorted(os.environ)}))",
            f"print(json.dumps({{p: os.path.exists(p) for p in {[str(SECRET), str(ROOT / 'solutions'), str(ROOT / 'tests'), '/root/.bash_history', str(ROOT / '.git')]!r}}}))",
            "x = bytearray(3 * 1024**3)",
            "f = open('big.bin', 'wb')\nfor _ in range(200):\n    f.write(b'0' * 2**20)",
            "socket.create_connection(('1.1.1.1', 53), timeout=3)",
            "import time\nforks = 0\ntry:\n    while forks < 1000:\n        if os.fork() == 0:\n"
            "            time.sleep(600)\n        forks += 1\nfinally:\n    print(forks)",
            f"open({str(escape)!r}, 'w').write('escaped')",
            "open('../escaped.txt', 'w').write('escaped')",
            "open('inside.txt', 'w').write('fine'); print(open('inside.txt').read(), open('data.csv').read())",
            "resource.setrlimit(resource.RLIMIT_AS, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))",
            "print(sorted(os.listdir('/')))",
            f"print(sorted(os.listdir({str(tmp_path)!r})))",
        ], tmp_path, Limits(memory_mb=1024, processes=32, file_size_mb=16))
    finally:
        del os.environ["EXSITU_GRADER_SECRET"]
    return notebook.cells, events, escape, tmp_path


def test_kernel_runs_unprivileged_in_its_own_folder_with_a_clean_environment(probe):
    cells, events, _, tmp_path = probe
    seen = json.loads(stdout(cells[0]))
    assert events == []
    if os.geteuid() == 0:
        assert seen["uid"] != 0
    assert seen["cwd"] == str(tmp_path / "work")
    assert seen["files"] == ["data.csv"]
    assert "EXSITU_GRADER_SECRET" not in seen["env"] and "JPY_PARENT_PID" not in seen["env"]


def test_kernel_cannot_see_the_course_solutions_or_other_files(probe):
    seen = json.loads(stdout(probe[0][1]))
    assert seen and not any(seen.values()), seen
    listed = ast.literal_eval(stdout(probe[0][10]))  # the kernel printed a list of folder names
    # Only the system folders, /proc, /dev, /tmp, /run (the launcher) and the top folders of the Python
    # folders the sandbox binds exist; where the clone lives (/work, /check, /home...) decides the last.
    bound = Sandbox(mode="bwrap", hidden=(ROOT / "tests", ROOT / "solutions")).python_folders()
    allowed = {Path(f).name for f in SYSTEM_FOLDERS} | {"proc", "dev", "tmp", "run"} | {
        folder.parts[1] for folder in bound}
    assert set(listed) <= allowed, (listed, allowed)
    assert Path.home().parts[1] not in set(listed) - {folder.parts[1] for folder in bound}, listed
    assert stdout(probe[0][11]) == "['work']\n"  # the grader's folder shows only the kernel's own folder


def test_memory_limit(probe):
    assert errors(probe[0][2]) == [("MemoryError", "")]


def test_file_size_limit(probe):
    assert errors(probe[0][3]) == [("OSError", "[Errno 27] File too large")]


def test_no_network(probe):
    assert errors(probe[0][4]) == [("OSError", "[Errno 101] Network is unreachable")]


def test_process_limit(probe):
    cell = probe[0][5]
    assert errors(cell)[0][0] == "BlockingIOError"
    assert 0 < int(stdout(cell)) < 32


def test_writes_stay_inside_the_sandbox(probe):
    cells, _, escape, tmp_path = probe
    assert errors(cells[6])[0][0] in ("FileNotFoundError", "PermissionError")
    assert errors(cells[7])[0][0] in ("FileNotFoundError", "PermissionError", "OSError")
    assert stdout(cells[8]).startswith("fine a,b")
    assert not escape.exists() and not (tmp_path / "escaped.txt").exists()
    assert sorted(p.name for p in (tmp_path / "work").iterdir()) == ["data.csv"]


def test_limits_cannot_be_raised(probe):
    assert errors(probe[0][9])[0][0] == "ValueError"


def test_cpu_time_limit_kills_the_kernel(tmp_path):
    cells, events = run(["while True:\n    pass", "print('after')"], tmp_path, Limits(cpu_seconds=2), timeout=60)
    assert [e["kind"] for e in events] == ["kernel_died"]
    assert "CPU-time limit" in events[0]["detail"]
    assert errors(cells.cells[0])[0][0] == KERNEL_DIED
    assert errors(cells.cells[1]) == [(NOT_RUN, "not run: the kernel died in an earlier cell")]


def test_exponential_fork_bomb_is_contained(tmp_path):
    notebook, events = run(["import os\nwhile True:\n    os.fork()",
                            "import os\nprint(len([p for p in os.listdir('/proc') if p.isdigit()]))"],
                           tmp_path, Limits(processes=24), timeout=60)
    assert errors(notebook.cells[0])[0][0] == "BlockingIOError"
    assert int(stdout(notebook.cells[1])) <= 24 + 1  # + bubblewrap's own init process


def test_kernel_death_and_stuck_cells_do_not_stop_the_notebook(tmp_path):
    notebook, events = run(["import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\nwhile True:\n    pass",
                            "print('never')"], tmp_path, timeout=2)
    assert [e["kind"] for e in events] == ["unresponsive"]
    assert errors(notebook.cells[1]) == [(NOT_RUN, "not run: an earlier cell did not stop when interrupted")]


def test_output_is_capped_while_it_arrives_but_errors_are_kept(tmp_path):
    notebook, events = run(["for _ in range(50):\n    print('x' * 100_000)", "print('next')",
                            "import sys\nprint('y' * 2_000_000)\nprint('warning', file=sys.stderr)\n1 / 0"],
                           tmp_path)
    assert [e["kind"] for e in events] == ["output_truncated", "output_truncated"]
    assert 1_000_000 <= len(stdout(notebook.cells[0])) < 1_200_000
    assert stdout(notebook.cells[1]) == "next\n"
    last = notebook.cells[2].outputs
    assert [o.get("name") for o in last if o.output_type == "stream" and o.name == "stderr"] == ["stderr"]
    assert errors(notebook.cells[2]) == [("ZeroDivisionError", "division by zero")]


@pytest.mark.parametrize("status, words", [(3, "exit status 3"), (-9, "SIGKILL"), (-24, "CPU-time limit"),
                                           (137, "SIGKILL"), (None, "stopped responding")])
def test_exit_statuses_are_explained(status, words):
    assert words in describe_exit(status)
