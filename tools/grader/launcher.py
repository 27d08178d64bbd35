"""Start an IPython kernel for one learner's submission under resource limits.

The grader's kernel manager runs ``python launcher.py '<settings json>' -f <connection file> [kernel args]``,
inside bubblewrap when it is available. This file imports only the standard library on purpose: the sandbox
hides the repository, so it cannot import ``tools``. It

1. copies the connection file into the kernel's private home (the grader wrote it readable by root only),
2. sets the resource limits (``resource.setrlimit``: address space, CPU seconds, processes, file size, core
   dumps, open files) — hard limits, so the learner's code cannot raise them again,
3. when started as root, drops to an unprivileged user id of its own (RLIMIT_NPROC is not enforced for
   root, and root could undo the sandbox), and
4. replaces itself with ``python -m ipykernel_launcher``.
"""

import json
import os
import resource
import shutil
import sys


def main(argv: list[str]) -> None:
    settings = json.loads(argv[1])
    kernel_args = list(argv[2:])
    home = settings["home"]
    os.makedirs(home, exist_ok=True)
    if "-f" in kernel_args:
        index = kernel_args.index("-f") + 1
        private = os.path.join(home, "kernel.json")
        shutil.copyfile(kernel_args[index], private)
        kernel_args[index] = private
    mpl_cache = settings.get("mpl_cache")
    if mpl_cache and os.path.isdir(mpl_cache):
        shutil.copytree(mpl_cache, os.path.join(home, ".config", "matplotlib"), dirs_exist_ok=True)
    uid = settings.get("uid")
    drop = uid is not None and os.getuid() == 0
    if drop:
        for folder, _, files in os.walk(home):
            os.chown(folder, uid, uid)
            for name in files:
                os.chown(os.path.join(folder, name), uid, uid)
    for name, (soft, hard) in settings["rlimits"].items():
        resource.setrlimit(getattr(resource, name), (soft, hard))
    if drop:
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
    os.chdir(settings["cwd"])
    os.execv(sys.executable, [sys.executable, "-m", "ipykernel_launcher", *kernel_args])


if __name__ == "__main__":
    main(sys.argv)
