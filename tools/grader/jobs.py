"""The picklable descriptions a grading worker receives: settings, resource limits, one job.

Kept free of heavy imports (nbgrader, jupyter_client) so that worker processes start quickly.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class Limits:
    """Resource limits of one learner's kernel (set with ``resource.setrlimit`` as hard limits).

    memory_mb: address space (RLIMIT_AS) — a bigger allocation raises MemoryError.
    cpu_seconds: CPU time of the kernel process (RLIMIT_CPU) — the kernel is killed past it.
    processes: processes and threads of the kernel's user (RLIMIT_NPROC) — fork bombs stop there.
    file_size_mb: largest file the kernel may write (RLIMIT_FSIZE).
    scratch_mb: size of the in-memory working folder and /tmp (bubblewrap only).
    open_files: open file descriptors (RLIMIT_NOFILE).
    """

    memory_mb: int = 2048
    cpu_seconds: int = 600
    processes: int = 64
    file_size_mb: int = 64
    scratch_mb: int = 256
    open_files: int = 256

    def to_dict(self) -> dict[str, int]:
        return asdict(self)

    def rlimits(self, processes_in_use: int = 0) -> dict[str, list[int]]:
        mib = 1024 * 1024
        return {
            "RLIMIT_AS": [self.memory_mb * mib] * 2,
            "RLIMIT_CPU": [self.cpu_seconds, self.cpu_seconds + 5],
            "RLIMIT_NPROC": [processes_in_use + self.processes] * 2,
            "RLIMIT_FSIZE": [self.file_size_mb * mib] * 2,
            "RLIMIT_CORE": [0, 0],
            "RLIMIT_NOFILE": [self.open_files] * 2,
        }


GRADER_VERSION = "exsitu-grader 2"  # 2: tests in their own kernel (boundary.py)


@dataclass(frozen=True)
class Settings:
    """Everything a worker process needs (picklable)."""

    course_root: Path
    course_dir: Path            # prepared nbgrader course (release/, gradebook.db)
    gradebook_template: Path    # snapshot of course_dir/gradebook.db the workers copy
    sandbox_mode: str
    limits: Limits = field(default_factory=Limits)
    cell_timeout: int = 60
    notebook_timeout: float = 600.0
    hidden: tuple[Path, ...] = ()
    readable: tuple[Path, ...] = ()  # folders learners' code may read, e.g. the course's data/
    mpl_cache: Path | None = None
    scratch_root: Path | None = None  # where workers make their temporary courses (removed after the run)
    keep_test_kernels: bool = True  # one tests' kernel per notebook and worker, reset between submissions

    def fingerprint(self) -> str:
        return (f"{GRADER_VERSION}|{self.sandbox_mode}|{sorted(self.limits.to_dict().items())}|"
                f"{self.cell_timeout}|{self.notebook_timeout:g}")


@dataclass
class Job:
    """One learner's files for one assignment (file name -> bytes, None when missing)."""

    learner: str
    assignment: str
    files: dict[str, bytes | None]
    problems: list[str]
    key: str
