"""Run an untrusted Jupyter kernel inside bubblewrap, with limits enforced from outside.

The sandbox (see graders/SANDBOX.md) has no network, sees read-only system folders, the course's
Python environment, the ``healthpath`` package and ``datasets/``, and one private writable folder
(``scratch``, mounted at :data:`SCRATCH`). It runs as an unprivileged user in its own user, pid,
mount, network, IPC and UTS namespaces. Memory and process count are capped by cgroup v1
controllers; file size by RLIMIT_FSIZE; wall-clock time by the trusted side, which kills the whole
sandbox when it runs over. Only the kernel runs inside: the notebook client stays outside and
speaks to it over Unix sockets in the scratch folder.
"""

from __future__ import annotations

import json
import logging
import os
import resource
import shutil
import signal
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import zmq
import zmq.asyncio
from jupyter_client import AsyncKernelClient, AsyncKernelManager
from jupyter_client.kernelspec import KernelSpec
from traitlets import Bool, Dict, Integer, Unicode
from traitlets.config import LoggingConfigurable

from healthpath import check

log = logging.getLogger(__name__)

SCRATCH = "/scratch"
PROJECT = f"{SCRATCH}/project"  # where a project's folder is mounted for a run of its notebooks
KERNEL_CONNECTION = "kernel.json"
KERNEL_COMMAND = (sys.executable, "-m", "ipykernel_launcher", "-f")  # then the connection file
NOBODY = 65534
CGROUP_ROOT = Path("/sys/fs/cgroup")
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
# Only the /etc files a Python kernel needs: the sandbox never sees the rest of /etc.
ETC_FILES = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "nsswitch.conf", "passwd", "group", "hosts",
             "localtime", "fonts", "mime.types", "matplotlibrc")
INSTALL_HINT = ("Install it with `apt-get install bubblewrap` (or run `./course test`, which installs it), "
                "or, knowing that learners' code then runs with your rights, opt out with "
                "`--no-sandbox` or `c.Sandbox.required = False` in nbgrader_config.py.")


class SandboxUnavailable(RuntimeError):
    """Grading needs bubblewrap and it is not installed (or cannot create namespaces here)."""


@dataclass(frozen=True)
class Limits:
    """Limits for one sandboxed notebook run (seconds and bytes)."""

    cell_timeout: int = 300
    notebook_timeout: int = 1800
    memory_bytes: int = 4 * 2**30
    max_processes: int = 256
    max_file_bytes: int = 256 * 2**20
    max_cell_output_bytes: int = 2 * 2**20
    max_message_bytes: int = 256 * 2**20  # ipykernel sends all a cell prints in 0.2 s as one message
    max_observation_bytes: int = 16 * 2**20


class Sandbox(LoggingConfigurable):
    """Sandbox settings in nbgrader_config.py (``c.Sandbox.<name> = ...``)."""

    required = Bool(True, help="Refuse to grade when bubblewrap is missing (False: run learners' "
                               "code unconfined, with a loud warning).").tag(config=True)
    cell_timeout = Integer(Limits.cell_timeout, help="Seconds one cell may run.").tag(config=True)
    notebook_timeout = Integer(Limits.notebook_timeout,
                               help="Seconds a whole notebook may run.").tag(config=True)
    memory_mb = Integer(Limits.memory_bytes // 2**20, help="Memory for one notebook (MiB).").tag(config=True)
    max_processes = Integer(Limits.max_processes,
                            help="Processes and threads one notebook may have.").tag(config=True)

    def limits(self) -> Limits:
        """The configured :class:`Limits`."""
        return Limits(cell_timeout=self.cell_timeout, notebook_timeout=self.notebook_timeout,
                      memory_bytes=self.memory_mb * 2**20, max_processes=self.max_processes)


def bwrap_path() -> str:
    """The bubblewrap executable, or :class:`SandboxUnavailable` with how to install it."""
    path = shutil.which("bwrap") or ("/usr/bin/bwrap" if os.access("/usr/bin/bwrap", os.X_OK) else None)
    if path is None:
        raise SandboxUnavailable(f"Grading runs learners' code in a bubblewrap sandbox, and `bwrap` "
                                 f"is not installed. {INSTALL_HINT}")
    return path


def warn_unconfined() -> None:
    """Say loudly that learners' code is about to run without the sandbox."""
    message = ("GRADING WITHOUT THE SANDBOX: learners' code runs with your rights and can read the "
               "solutions and hidden tests in source/, rewrite gradebook.db and reach the network.")
    log.warning(message)
    print(f"\n*** WARNING: {message} ***\n", file=sys.stderr)


def package_root() -> Path:
    """The folder holding the ``healthpath`` and ``graders`` packages (and ``datasets/``)."""
    return Path(check.__file__).resolve().parent.parent


def python_paths() -> list[Path]:
    """Folders the course's Python needs: the venv, the interpreter it was made from, the package."""
    root = package_root()
    paths = [Path(sys.prefix), Path(sys.base_prefix), Path(os.path.realpath(sys.executable)).parent.parent]
    paths += [root / name for name in ("healthpath", "graders", "datasets")]
    unique: list[Path] = []
    for path in paths:
        if path.exists() and path not in unique:
            unique.append(path)
    return unique


def bwrap_command(command: list[str], scratch: Path, env: dict[str, str], project: Path | None = None,
                  cwd: str = "") -> list[str]:
    """The full bwrap command line that runs ``command`` with ``scratch`` as its only writable folder;
    with ``project``, that folder too, mounted at :data:`PROJECT`, the command running in its
    subfolder ``cwd``."""
    args = [bwrap_path(), "--unshare-all", "--unshare-user", "--uid", str(NOBODY), "--gid", str(NOBODY),
            "--die-with-parent", "--new-session", "--clearenv", "--hostname", "sandbox"]
    for directory in SYSTEM_DIRS:
        if os.path.islink(directory):
            args += ["--symlink", os.readlink(directory), directory]
        elif os.path.isdir(directory):
            args += ["--ro-bind", directory, directory]
    for name in ETC_FILES:
        if os.path.exists(f"/etc/{name}"):
            args += ["--ro-bind", f"/etc/{name}", f"/etc/{name}"]
    # /tmp is emptied before the course is bound, so a course that lives under /tmp stays visible.
    args += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp"]
    for path in python_paths():
        args += ["--ro-bind", str(path), str(path)]
    args += ["--bind", str(scratch), SCRATCH]
    if project is None:
        args += ["--chdir", SCRATCH]
    else:
        args += ["--bind", str(project), PROJECT, "--chdir", str(Path(PROJECT) / cwd)]
    for name, value in env.items():
        args += ["--setenv", name, value]
    return [*args, "--", *command]


class Cgroups:
    """A fresh memory and pids cgroup (v1) for one run; removed, with anything left in it, on exit."""

    def __init__(self, limits: Limits):
        name = f"healthpath-{uuid.uuid4().hex[:12]}"
        self.memory = CGROUP_ROOT / "memory" / name
        self.pids = CGROUP_ROOT / "pids" / name
        self.limits = limits
        self.active = False

    def __enter__(self) -> Cgroups:
        try:
            self.memory.mkdir()
            self.pids.mkdir()
            (self.memory / "memory.limit_in_bytes").write_text(str(self.limits.memory_bytes))
            swap = self.memory / "memory.memsw.limit_in_bytes"
            if swap.exists():
                swap.write_text(str(self.limits.memory_bytes))
            (self.pids / "pids.max").write_text(str(self.limits.max_processes))
            self.active = True
        except OSError as error:
            self._remove()
            log.warning("Memory and process limits are NOT enforced: cgroup v1 memory and pids "
                        "controllers are not writable under %s (%s).", CGROUP_ROOT, error)
        return self

    def confine(self) -> None:
        """Run in the child before exec: join both cgroups, cap file size, no core dumps."""
        if self.active:
            for group in (self.memory, self.pids):
                (group / "cgroup.procs").write_text(str(os.getpid()))
        resource.setrlimit(resource.RLIMIT_FSIZE, (self.limits.max_file_bytes, self.limits.max_file_bytes))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    def out_of_memory(self) -> bool:
        """Whether the kernel's OOM killer struck or the limit was hit in this cgroup."""
        if not self.active:
            return False
        control = (self.memory / "memory.oom_control").read_text()
        kills = dict(line.split() for line in control.splitlines()).get("oom_kill", "0")
        return int(kills) > 0

    def kill_all(self) -> None:
        """SIGKILL every process still in the cgroup, until none is left."""
        if not self.active:
            return
        for _ in range(100):
            pids = (self.pids / "cgroup.procs").read_text().split()
            if not pids:
                return
            for pid in pids:
                try:
                    os.kill(int(pid), signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.05)

    def _remove(self) -> None:
        for group in (self.memory, self.pids):
            for _ in range(50):
                try:
                    group.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.05)

    def __exit__(self, *exc) -> None:
        self.kill_all()
        self._remove()


class SandboxedKernelManager(AsyncKernelManager):
    """A kernel manager whose IPython kernel runs inside the sandbox (or unconfined when
    ``sandbox`` is False), talking to this process over Unix sockets in the scratch folder.

    The kernel is the only process that runs learners' code; the client stays outside, so the
    trusted side builds the notebook itself from the kernel's messages (capped in size by
    ``max_message_bytes``). Interrupts go as messages, since signals cannot cross into the
    sandbox's session.
    """

    scratch = Unicode(help="Host path of the scratch folder (the kernel's working folder).")
    sandbox = Bool(True, help="Run the kernel in bubblewrap.")
    kernel_env = Dict(help="The kernel's environment.")
    project = Unicode("", help="Host path of a project folder the kernel may change (mounted at PROJECT).")
    cwd = Unicode("", help="The kernel's working folder inside the project.")
    max_message_bytes = Integer(Limits.max_message_bytes, help="Larger messages from the kernel are dropped.")

    @property
    def kernel_spec(self) -> KernelSpec:
        """An IPython kernel interrupted by message."""
        return KernelSpec(argv=[*KERNEL_COMMAND, "{connection_file}"], display_name="Python 3",
                          language="python", interrupt_mode="message")

    def _context_default(self) -> zmq.asyncio.Context:
        context = super()._context_default()
        context.setsockopt(zmq.MAXMSGSIZE, self.max_message_bytes)
        return context

    def client(self, **kwargs: Any) -> AsyncKernelClient:
        """A client on this manager's ZeroMQ context, so that the message size cap holds for it too."""
        return super().client(context=self.context, **kwargs)

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        """The kernel's command: reads a copy of the connection file with the sandbox's paths."""
        inside = Path(SCRATCH if self.sandbox else self.scratch)
        info = json.loads(Path(self.connection_file).read_text())
        info["ip"] = str(inside / Path(self.ip).name)
        (Path(self.scratch) / KERNEL_CONNECTION).write_text(json.dumps(info))
        command = [*KERNEL_COMMAND, str(inside / KERNEL_CONNECTION), *(extra_arguments or [])]
        if not self.sandbox:
            return command
        return bwrap_command(command, Path(self.scratch), self.kernel_env,
                             Path(self.project) if self.project else None, self.cwd)


def kernel_manager(scratch: Path, connection_file: Path, env: dict[str, str], limits: Limits,
                   sandbox: bool, project: Path | None = None, cwd: str = "") -> SandboxedKernelManager:
    """A kernel manager for one run in ``scratch`` (the connection file stays outside it), in the
    subfolder ``cwd`` of ``project`` when one is given."""
    if not sandbox:
        warn_unconfined()
    return SandboxedKernelManager(transport="ipc", ip=str(scratch / "kernel"),
                                  connection_file=str(connection_file), scratch=str(scratch),
                                  sandbox=sandbox, kernel_env=env, project=str(project or ""), cwd=cwd,
                                  max_message_bytes=limits.max_message_bytes)
