"""Run an untrusted command: bubblewrap where present, resource limits always, a hard deadline.

Layers, each of which holds on its own:

* **bubblewrap** (``bwrap``): new network, PID, IPC and UTS namespaces (no network at all), a
  read-only view of the system and of the Python environment, a private ``/tmp``, and one
  writable folder (``/sandbox``) that holds only this submission. Nothing else of the host's
  files is visible: no ``solutions/``, no gradebook, no reference records, no other students.
* **cgroups** (v1 ``pids`` and ``memory`` controllers, when writable): a bound on processes
  (fork bombs) and on the memory of the whole tree; an OOM kill is reported as ``memory``.
* **rlimits** (``setrlimit`` before exec, inherited by every child): CPU seconds, file size,
  open files, and address space when no memory cgroup is available.
* **deadline**: the command runs in its own session; at the wall-clock limit the whole process
  group (and, with bwrap, the whole PID namespace and cgroup) is killed with SIGKILL. Results are
  read only after everything is dead.
"""

from __future__ import annotations

import os
import resource
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
import warnings
from dataclasses import dataclass, field
from pathlib import Path

from autograder import config

CGROUP_ROOT = Path("/sys/fs/cgroup")


@dataclass
class Limits:
    """Resource limits of one sandboxed run (defaults from ``autograder.config``)."""

    wall_seconds: float = float(config.SUBMISSION_TIMEOUT_S)
    cpu_seconds: int = int(config.SUBMISSION_TIMEOUT_S * config.CPU_PER_WALL)
    memory_bytes: int = config.MEMORY_BYTES
    max_processes: int = config.MAX_PROCESSES
    file_bytes: int = config.FILE_BYTES
    open_files: int = config.OPEN_FILES
    scratch_bytes: int = config.SCRATCH_BYTES


@dataclass
class RunResult:
    returncode: int | None
    timed_out: bool
    wall_seconds: float
    memory_killed: bool = False
    isolation: str = "none"
    notes: list[str] = field(default_factory=list)


def bwrap_path() -> str | None:
    """The bubblewrap binary, or None. ``AUTOGRADER_NO_BWRAP=1`` disables it (for comparisons)."""
    if os.environ.get("AUTOGRADER_NO_BWRAP"):
        return None
    return shutil.which("bwrap")


_BWRAP_OK: bool | None = None


def bwrap_works() -> bool:
    """True when bwrap is installed and can create its namespaces here (checked once)."""
    global _BWRAP_OK
    if _BWRAP_OK is None:
        path = bwrap_path()
        if path is None:
            _BWRAP_OK = False
        else:
            probe = subprocess.run(
                [
                    path,
                    "--ro-bind",
                    "/",
                    "/",
                    "--unshare-all",
                    "--die-with-parent",
                    "--proc",
                    "/proc",
                    "--dev",
                    "/dev",
                    "true",
                ],
                capture_output=True,
                timeout=30,
            )
            _BWRAP_OK = probe.returncode == 0
    return _BWRAP_OK


def isolation_warning() -> str | None:
    """A loud message when submissions would run without bubblewrap; None when isolated."""
    if bwrap_works():
        return None
    return (
        "WARNING: bubblewrap (bwrap) is not available or cannot create namespaces here: "
        "submissions run WITHOUT filesystem and network isolation (resource limits and deadlines "
        "still apply). Install it with `apt-get install bubblewrap` (make setup does this as root)."
    )


class _Cgroup:
    """A v1 cgroup pair (pids + memory) for one run; silently absent where not writable."""

    def __init__(self, limits: Limits):
        self.dirs: dict[str, Path] = {}
        name = f"autograder-{uuid.uuid4().hex[:12]}"
        settings = {
            "pids": {"pids.max": str(limits.max_processes)},
            "memory": {"memory.limit_in_bytes": str(limits.memory_bytes), "memory.swappiness": "0"},
        }
        for ctrl, values in settings.items():
            base = CGROUP_ROOT / ctrl
            if not (base / "cgroup.procs").exists():
                continue
            d = base / name
            try:
                d.mkdir()
                for k, v in values.items():
                    if (d / k).exists():
                        (d / k).write_text(v)
                self.dirs[ctrl] = d
            except OSError:
                try:
                    d.rmdir()
                except OSError:
                    pass

    @property
    def has_memory(self) -> bool:
        return "memory" in self.dirs

    @property
    def has_pids(self) -> bool:
        return "pids" in self.dirs

    def join(self) -> None:
        """Called in the child before exec: move this process into the cgroups."""
        for d in self.dirs.values():
            with open(d / "cgroup.procs", "w") as fh:
                fh.write(str(os.getpid()))

    def oom_kills(self) -> int:
        """OOM kills in this cgroup so far (a counter: a long-lived cgroup compares two readings)."""
        d = self.dirs.get("memory")
        if d is None:
            return 0
        try:
            for line in (d / "memory.oom_control").read_text().splitlines():
                if line.startswith("oom_kill "):
                    return int(line.split()[1])
        except (OSError, ValueError):
            pass
        return 0

    def oom_killed(self) -> bool:
        d = self.dirs.get("memory")
        if d is None:
            return False
        try:
            for line in (d / "memory.oom_control").read_text().splitlines():
                if line.startswith("oom_kill ") and int(line.split()[1]) > 0:
                    return True
            return False
        except OSError:
            return False

    def kill_all(self) -> None:
        for _ in range(50):
            alive = False
            for d in self.dirs.values():
                try:
                    pids = [int(p) for p in (d / "cgroup.procs").read_text().split()]
                except OSError:
                    pids = []
                for pid in pids:
                    alive = True
                    try:
                        os.kill(pid, signal.SIGKILL)
                    except ProcessLookupError:
                        pass
            if not alive:
                return
            time.sleep(0.05)

    def remove(self) -> None:
        for d in self.dirs.values():
            for _ in range(40):
                try:
                    d.rmdir()
                    break
                except OSError:
                    time.sleep(0.05)


def bwrap_argv(binds: list[str], extra_ro: list[Path], env: dict[str, str], argv: list[str]) -> list[str]:
    """The bubblewrap command every untrusted run uses: new namespaces (no network), dies with
    its parent, its own session, fresh /proc, /dev and /tmp, the system and this Python read-only
    (with ``extra_ro``; ``instructor`` masked), then ``binds`` (the writable folder), exactly
    ``env`` as the environment, and ``argv``."""
    cmd = [
        bwrap_path() or "bwrap",
        "--unshare-all",
        "--die-with-parent",
        "--new-session",
        "--proc",
        "/proc",
        "--dev",
        "/dev",
        "--tmpfs",
        "/tmp",
        *_system_binds(),
        *python_binds(extra_ro),
        *binds,
        "--clearenv",
    ]
    for k, v in env.items():
        cmd += ["--setenv", k, v]
    return [*cmd, "--", *argv]


def _system_binds() -> list[str]:
    args: list[str] = []
    for p in ("/usr", "/lib", "/lib64", "/lib32", "/bin", "/sbin", "/etc"):
        if os.path.exists(p):
            if os.path.islink(p):
                args += ["--symlink", os.readlink(p), p]
            else:
                args += ["--ro-bind", p, p]
    return args


def python_binds(extra_ro: list[Path]) -> list[str]:
    """Read-only binds for this Python (the venv and the interpreter it was made from) and ``extra_ro``."""
    paths = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()}
    exe = Path(sys.executable)
    paths.add(exe.parent.resolve())
    paths.add(exe.resolve().parent.parent)
    args: list[str] = []
    for p in sorted(paths | {Path(x).resolve() for x in extra_ro}):
        if str(p).startswith(("/usr", "/lib", "/bin", "/etc")):
            continue
        args += ["--ro-bind", str(p), str(p)]
    if Path(sys.prefix) != Path(sys.prefix).resolve():
        args += ["--symlink", str(Path(sys.prefix).resolve()), str(sys.prefix)]
    bound = sorted(paths | {Path(x).resolve() for x in extra_ro})
    for secret in grader_only_paths():
        if any(secret == b or b in secret.parents for b in bound):
            args += ["--tmpfs", str(secret)]  # an empty folder where the grader-side package was
    return args


def grader_only_paths() -> list[Path]:
    """Folders a submission must never see even where a bind would show them: the mistake
    catalogues and trusted evaluators (``instructor``), wherever that package is installed."""
    import importlib.util

    out = []
    spec = importlib.util.find_spec("instructor")
    for loc in (spec.submodule_search_locations or []) if spec else []:
        out.append(Path(loc).resolve())
    return out


def run_sandboxed(
    argv: list[str],
    workdir: Path,
    limits: Limits,
    env: dict[str, str],
    extra_ro: list[Path] | None = None,
    isolate: bool = True,
    stdout_path: Path | None = None,
    abort: threading.Event | None = None,
) -> RunResult:
    """Run ``argv`` with ``workdir`` as its only writable folder (seen as ``/sandbox`` under bwrap).

    ``env`` is the complete environment (nothing of the caller's is inherited). Paths in ``argv``
    that point into ``workdir`` must be given relative to it (the command starts there).
    ``isolate=False`` runs without bwrap (the trusted reference run); limits still apply.
    ``abort`` (set from another thread, e.g. a disk-quota watchdog) ends the run like the deadline.
    """
    workdir = Path(workdir).resolve()
    cg = _Cgroup(limits)
    use_bwrap = isolate and bwrap_works()
    notes: list[str] = []
    if use_bwrap:
        cmd = bwrap_argv(
            ["--bind", str(workdir), "/sandbox", "--chdir", "/sandbox"], extra_ro or [], env, argv
        )
        isolation = "bwrap"
        run_env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
        cwd = str(workdir)
    else:
        if isolate:
            msg = isolation_warning()
            if msg:
                warnings.warn(msg, RuntimeWarning, stacklevel=2)
                notes.append("no bwrap: ran without filesystem/network isolation")
        cmd = list(argv)
        isolation = "rlimits" if isolate else "trusted"
        run_env = dict(env)
        cwd = str(workdir)

    def preexec() -> None:
        os.setsid()
        cg.join()
        resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 5))
        resource.setrlimit(resource.RLIMIT_FSIZE, (limits.file_bytes, limits.file_bytes))
        resource.setrlimit(resource.RLIMIT_NOFILE, (limits.open_files, limits.open_files))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if not cg.has_memory:
            resource.setrlimit(resource.RLIMIT_AS, (limits.memory_bytes * 2, limits.memory_bytes * 2))
        if not cg.has_pids:
            resource.setrlimit(resource.RLIMIT_NPROC, (limits.max_processes, limits.max_processes))

    if not cg.has_pids:
        notes.append("no pids cgroup: process bound by RLIMIT_NPROC only (not enforced for root)")
    out = open(stdout_path, "wb") if stdout_path else subprocess.DEVNULL  # noqa: SIM115
    t0 = time.monotonic()
    timed_out = False
    try:
        proc = subprocess.Popen(
            cmd,
            cwd=cwd,
            env=run_env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            preexec_fn=preexec,
        )
        deadline = t0 + limits.wall_seconds
        while True:
            try:
                proc.wait(timeout=max(0.0, min(0.25, deadline - time.monotonic())))
                break
            except subprocess.TimeoutExpired:
                if abort is not None and abort.is_set():
                    notes.append("stopped early: " + str(getattr(abort, "reason", "aborted")))
                    break
                if time.monotonic() >= deadline:
                    timed_out = True
                    break
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        cg.kill_all()
        proc.wait()
        memory_killed = cg.oom_killed()
    finally:
        if stdout_path:
            out.close()
        cg.remove()
    return RunResult(
        returncode=proc.returncode,
        timed_out=timed_out,
        wall_seconds=time.monotonic() - t0,
        memory_killed=memory_killed,
        isolation=isolation,
        notes=notes,
    )
