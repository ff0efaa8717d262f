"""Warm kernels: a pre-imported process per grading worker that forks a fresh, sandboxed child
for each submission.

Where a cold run pays, for every student, a sandbox start, an executor, a Jupyter kernel and the
imports of numpy, torch, matplotlib, IPython and the course (about half of a chapter 01
submission), a *zygote* pays them once per worker:

* The grader starts the zygote in a bubblewrap sandbox of its own (the same binds as a cold run:
  read-only system and Python, no network, its own PID/IPC/UTS namespaces, ``instructor``
  masked) and puts that sandbox in one cgroup (memory and process limits).
* The zygote imports the trusted modules and then waits, single-threaded (no thread pool is
  started before a fork: BLAS, OpenMP and torch get one thread and are not used), never running
  student code and never reading anything a student wrote.
* Per submission it forks a child that enters **new** user, mount, PID, IPC, UTS and network
  namespaces: a fresh ``tmpfs`` (with the scratch quota) becomes ``/sandbox``, and fresh ones
  cover ``/tmp``, ``/dev/shm`` and the folder of job slots. That child forks the kernel proper,
  PID 1 of the new PID namespace, which enters one more user namespace (so it holds no power over
  the mounts that confine it), sets ``no_new_privs`` and the rlimits, closes every inherited
  descriptor, and runs the notebook's cells in-process with IPython (the same shell a Jupyter
  kernel runs), writing ``progress.jsonl`` and, through the rewritten test cells,
  ``records.jsonl``.
* At the end, or at the deadline (SIGKILL to PID 1 ends the whole namespace), the child copies
  those two files (plain files, capped) to the job's slot, which the grader reads as untrusted
  evidence exactly as after a cold run. The student's tmpfs folders vanish with their namespace:
  nothing of one student reaches the next, whose child forks from the untouched zygote.

The zygote and the intermediate child are not dumpable, so a student process (same kernel uid,
but in a nested user namespace without capabilities over them) cannot ptrace them or read their
memory; they are outside the student's PID namespace, so it cannot signal them either.
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib
import json
import os
import select
import signal
import stat
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWUSER = 0x10000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
MS_NOSUID, MS_NODEV, MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 2, 4, 32, 4096, 16384, 1 << 18
MS_RDONLY, MS_NOEXEC, MS_NOATIME, MS_NODIRATIME, MS_RELATIME = 1, 8, 1024, 2048, 1 << 21
ST_RELATIME = 4096  # statvfs's flag for relatime (the mount flag is MS_RELATIME)
PR_SET_PDEATHSIG, PR_SET_DUMPABLE, PR_SET_NO_NEW_PRIVS = 1, 4, 38

SLOTS = "/slots"  # the zygote sandbox's view of the grader's slot folder
INNER_UID = 1000
EVIDENCE_FILES = {"records.jsonl": 64 * 1024**2, "progress.jsonl": 4 * 1024**2}
NOTEBOOK_BYTES = 64 * 1024**2
BASE_PRELOAD = (  # what every graded notebook runs: the shell, the notebook reader, the checks
    "nbformat",
    "IPython.core.interactiveshell",
    "numpy",
    "course.checks",
    "course.records",
)
# Third-party packages a notebook's imports may bring into the zygote (trusted, read-only code).
# Only what the notebook itself imports is preloaded: an unused torch would only make a memory
# limit slower to reach (its mapped libraries count against the zygote's cgroup).
PRELOADABLE = ("numpy", "torch", "matplotlib", "scipy", "gensim", "ipywidgets", "tqdm", "IPython")

_libc = ctypes.CDLL(None, use_errno=True)


def _check(ret: int, what: str) -> None:
    if ret != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _unshare(flags: int) -> None:
    _check(_libc.unshare(ctypes.c_int(flags)), "unshare")


def _mount(src: str, dst: str, fstype: str | None, flags: int, data: str | None = None) -> None:
    _check(
        _libc.mount(
            src.encode(), dst.encode(), fstype.encode() if fstype else None, ctypes.c_ulong(flags),
            data.encode() if data else None,
        ),
        f"mount {dst}",
    )  # fmt: skip


def _mounts_under(top: str) -> list[str]:
    """Mount points strictly below ``top`` (from this process's mountinfo), outermost first."""
    out = []
    with open("/proc/self/mountinfo", encoding="utf-8") as fh:
        for line in fh:
            point = line.split()[4].replace("\\040", " ")
            if point.startswith(top.rstrip("/") + "/"):
                out.append(point)
    return sorted(set(out), key=lambda p: p.count("/"))


def _fresh_tmp(quota: int) -> None:
    """A fresh, empty ``/tmp`` for this student. The read-only binds that lie below /tmp (a
    course checked out under /tmp, its virtual environment) are bound again on top of it."""
    keep = []
    for point in _mounts_under("/tmp"):
        if not any(point.startswith(k + "/") for k, _ in keep):  # a parent bind brings its children
            keep.append((point, os.open(point, os.O_PATH | os.O_DIRECTORY)))
    _mount("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, f"size={quota},mode=1777")
    for point, fd in keep:
        os.makedirs(point, exist_ok=True)
        _mount(f"/proc/self/fd/{fd}", point, None, MS_BIND | MS_REC)
        _remount_read_only(point)
        os.close(fd)


def _remount_read_only(path: str) -> None:
    """Make the mount at ``path`` read-only, keeping its other flags (a user namespace may add
    flags to a mount it inherited, never clear them)."""
    st = os.statvfs(path)
    keep = st.f_flag & (MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME)
    if st.f_flag & ST_RELATIME:
        keep |= MS_RELATIME
    _mount("none", path, None, MS_REMOUNT | MS_BIND | MS_RDONLY | keep)


def _prctl(option: int, value: int) -> None:
    _check(_libc.prctl(option, ctypes.c_ulong(value), 0, 0, 0), "prctl")


def _map_ids(inner: int, outer_uid: int, outer_gid: int) -> None:
    with open("/proc/self/setgroups", "w") as fh:
        fh.write("deny")
    with open("/proc/self/uid_map", "w") as fh:
        fh.write(f"{inner} {outer_uid} 1\n")
    with open("/proc/self/gid_map", "w") as fh:
        fh.write(f"{inner} {outer_gid} 1\n")


# ---------------------------------------------------------------------------- inside the zygote
def serve(preload: list[str]) -> int:
    """The zygote's loop (inside its bubblewrap sandbox): one JSON job per stdin line, one JSON
    result per stdout line."""
    proto = os.fdopen(os.dup(1), "w", buffering=1)
    devnull = os.open(os.devnull, os.O_RDWR)
    os.dup2(devnull, 1)  # the imports' own prints must not corrupt the protocol
    loaded, failed = [], []
    for name in [*BASE_PRELOAD, *preload]:
        try:
            importlib.import_module(name)
            loaded.append(name)
        except Exception as exc:  # noqa: BLE001 - a module the environment lacks: the kernel imports it itself
            failed.append(f"{name}: {type(exc).__name__}")
    if "matplotlib" in sys.modules:
        sys.modules["matplotlib"].use("Agg")
    threads = len(os.listdir("/proc/self/task"))
    if threading.active_count() != 1 or threads != 1:
        proto.write(json.dumps({"ready": False, "why": f"{threads} threads after the imports"}) + "\n")
        return 1
    _prctl(PR_SET_DUMPABLE, 0)
    proto.write(json.dumps({"ready": True, "loaded": loaded, "failed": failed}) + "\n")
    for line in sys.stdin:
        try:
            job = json.loads(line)
            result = _run_job(job)
        except Exception as exc:  # noqa: BLE001 - the zygote must answer every job
            result = {"error": f"{type(exc).__name__}: {exc}"[:500]}
        proto.write(json.dumps(result) + "\n")
    return 0


def _run_job(job: dict) -> dict:
    slot = str(job["slot"])
    if not slot.isalnum():
        raise ValueError("bad slot name")
    t0 = time.monotonic()
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the intermediate child: namespaces, mounts, deadline, evidence copy
        code = 70
        try:
            os.close(r)
            code = _intermediate(job, slot, w)
        except BaseException as exc:  # noqa: BLE001
            try:
                os.write(w, json.dumps({"error": f"{type(exc).__name__}: {exc}"[:400]}).encode())
            except OSError:
                pass
        finally:
            os._exit(code)
    os.close(w)
    chunks = []
    while True:
        data = os.read(r, 65536)
        if not data:
            break
        chunks.append(data)
        if sum(map(len, chunks)) > 65536:
            break
    os.close(r)
    _, status = os.waitpid(pid, 0)
    try:
        res = json.loads(b"".join(chunks) or b"{}")
    except ValueError:
        res = {"error": "the intermediate child sent no result"}
    res["seconds"] = time.monotonic() - t0
    res.setdefault("returncode", None)
    return res


def _intermediate(job: dict, slot: str, report_fd: int) -> int:
    os.setsid()
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    _prctl(PR_SET_DUMPABLE, 0)
    slot_fd = os.open(os.path.join(SLOTS, slot), os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    nb_bytes = _read_at(slot_fd, "graded.ipynb", NOTEBOOK_BYTES)
    if nb_bytes is None:
        raise ValueError("no notebook in the slot")
    uid, gid = os.getuid(), os.getgid()
    _unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWPID | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNET)
    _map_ids(INNER_UID, uid, gid)
    _mount("none", "/", None, MS_REC | MS_PRIVATE)
    # bubblewrap's own root and /dev are writable tmpfs folders that the zygote keeps from one
    # student to the next: read-only for this one (fresh tmpfs folders go on top where writing is
    # expected)
    _remount_read_only("/")
    _remount_read_only("/dev")
    quota = int(job["scratch_bytes"])
    _mount("tmpfs", "/sandbox", "tmpfs", MS_NOSUID | MS_NODEV, f"size={quota},mode=0755")
    _mount("tmpfs", SLOTS, "tmpfs", MS_NOSUID | MS_NODEV, "size=4096,mode=0555")  # other slots hidden
    _fresh_tmp(quota)
    if os.path.isdir("/dev/shm"):
        _mount("tmpfs", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV, f"size={quota},mode=1777")
    with open("/sandbox/graded.ipynb", "wb") as fh:
        fh.write(nb_bytes)
    deadline = time.monotonic() + float(job["wall_seconds"])
    pid = os.fork()
    if pid == 0:
        code = 71
        try:
            _kernel(job, report_fd, slot_fd)
            code = 0
        finally:
            os._exit(code)
    timed_out = False
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() >= deadline:
            timed_out = True
            os.kill(pid, signal.SIGKILL)  # PID 1 of the student's namespace: everything in it dies
            _, status = os.waitpid(pid, 0)
            break
        time.sleep(0.02)
    returncode = os.waitstatus_to_exitcode(status)
    if not timed_out:
        _close_progress(nb_bytes)
    copied = {}
    for name, cap in EVIDENCE_FILES.items():
        data = _read_plain(f"/sandbox/{name}", cap)
        if data is not None:
            fd = os.open(name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o644, dir_fd=slot_fd)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            copied[name] = len(data)
    st = os.statvfs("/sandbox")
    disk_full = st.f_bavail * st.f_frsize < 64 * 1024
    os.write(
        report_fd,
        json.dumps(
            {"returncode": returncode, "timed_out": timed_out, "disk_full": disk_full, "copied": copied}
        ).encode(),
    )
    return 0


def _close_progress(nb_bytes: bytes) -> None:
    """After a kernel that died on its own (``os._exit``, a segfault, an OOM kill), log what a
    Jupyter executor logs when its kernel dies: the running cell crashed, later cells did not run."""
    from autograder.schema import CellStatus

    data = _read_plain("/sandbox/progress.jsonl", EVIDENCE_FILES["progress.jsonl"]) or b""
    started, ended, done = None, set(), False
    for line in data.decode("utf-8", "replace").splitlines():
        try:
            ev = json.loads(line)
        except ValueError:
            continue
        if not isinstance(ev, dict):
            continue
        if ev.get("event") == "done":
            done = True
        elif ev.get("event") == "start" and isinstance(ev.get("index"), int):
            started = ev["index"]
        elif ev.get("event") == "end" and isinstance(ev.get("index"), int):
            ended.add(ev["index"])
    if done:
        return
    try:
        cells = json.loads(nb_bytes).get("cells", [])
    except ValueError:
        return
    dead = {"ename": "DeadKernelError", "evalue": "the kernel died"}
    lines = []
    first = 0 if started is None else started
    if started is not None and started not in ended:
        lines.append({"event": "end", "index": started, "status": CellStatus.CRASH.value, "error": dead})
        first = started + 1
    for index in range(first, len(cells)):
        if cells[index].get("cell_type") == "code" and index not in ended:
            lines.append({"event": "start", "index": index})
            lines.append({"event": "end", "index": index, "status": CellStatus.NOT_RUN.value, "error": dead})
    try:
        fd = os.open("/sandbox/progress.jsonl", os.O_WRONLY | os.O_APPEND | os.O_CREAT | os.O_NOFOLLOW, 0o644)
    except OSError:
        return
    with os.fdopen(fd, "a", encoding="utf-8") as fh:
        fh.write("".join(json.dumps(ev) + "\n" for ev in lines))


def _read_at(dir_fd: int, name: str, cap: int) -> bytes | None:
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=dir_fd)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            return None
        data = fh.read(cap + 1)
    return data if len(data) <= cap else None


def _read_plain(path: str, cap: int) -> bytes | None:
    """A file the student's kernel wrote, read as the grader reads evidence (a plain file only, at
    most ``cap`` bytes): ``autograder.scratch.read_untrusted``."""
    from autograder.scratch import read_untrusted

    return read_untrusted(Path(path), cap)[0]


def _kernel(job: dict, report_fd: int, slot_fd: int) -> None:
    """PID 1 of the student's namespaces: drop every power, start the kernel as PID 2, reap.

    The student's code never runs as PID 1: the kernel ignores signals that PID 1 has no
    handler for, so a kernel there would survive its own ``raise(SIGSEGV)``."""
    uid, gid = os.getuid(), os.getgid()
    _unshare(CLONE_NEWUSER)  # capabilities only in a namespace that owns none of the mounts
    _map_ids(uid, uid, gid)
    _prctl(PR_SET_NO_NEW_PRIVS, 1)
    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(devnull, fd)
    os.closerange(3, 65536)  # the zygote's protocol pipe, the report pipe, the slot folder
    kernel = os.fork()
    if kernel == 0:
        code = 1
        try:
            _student_kernel(job)
            code = 0
        finally:
            os._exit(code)
    while True:  # init: reap every orphan until the kernel ends, then end the namespace
        try:
            pid, status = os.waitpid(-1, 0)
        except ChildProcessError:
            os._exit(0)
        if pid == kernel:
            code = os.waitstatus_to_exitcode(status)
            os._exit(code if code >= 0 else 128 - code)


def _student_kernel(job: dict) -> None:
    import resource

    _prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    lim = job["limits"]
    resource.setrlimit(resource.RLIMIT_CPU, (int(lim["cpu_seconds"]), int(lim["cpu_seconds"]) + 5))
    resource.setrlimit(resource.RLIMIT_FSIZE, (int(lim["file_bytes"]), int(lim["file_bytes"])))
    resource.setrlimit(resource.RLIMIT_NOFILE, (int(lim["open_files"]), int(lim["open_files"])))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if job.get("address_space"):
        resource.setrlimit(resource.RLIMIT_AS, (int(job["address_space"]), int(job["address_space"])))
    for sig in (signal.SIGPIPE, signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    os.chdir("/sandbox")
    os.environ.clear()
    os.environ.update({str(k): str(v) for k, v in job["env"].items()})
    sys.argv = ["graded.ipynb"]
    run_cells("graded.ipynb", "progress.jsonl", int(job["cell_timeout"]))


class CellTimeoutError(Exception):
    """A cell ran past the per-cell limit."""


def run_cells(nb_path: str, progress_path: str, cell_timeout: int) -> None:
    """Execute the notebook's code cells in this process with IPython's shell, logging each
    cell's start and end (the same events as ``autograder.execute``)."""
    import nbformat
    from IPython.core.interactiveshell import InteractiveShell
    from traitlets.config import Config

    from autograder.schema import CellStatus

    nb = nbformat.read(nb_path, as_version=4)
    cfg = Config()
    cfg.HistoryManager.enabled = False
    shell = InteractiveShell.instance(config=cfg)
    progress = open(progress_path, "a", encoding="utf-8")  # noqa: SIM115

    def log(**event) -> None:
        progress.write(json.dumps(event) + "\n")
        progress.flush()

    def on_alarm(signum, frame):
        raise CellTimeoutError(f"cell exceeded {cell_timeout} s")

    signal.signal(signal.SIGALRM, on_alarm)
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        log(event="start", index=index)
        started = time.monotonic()
        signal.setitimer(signal.ITIMER_REAL, float(cell_timeout))
        try:
            result = shell.run_cell(cell.source, store_history=False, silent=False)
        except CellTimeoutError as exc:  # raised outside the cell's own code
            result = None
            err: BaseException | None = exc
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        if result is not None:
            err = result.error_before_exec or result.error_in_exec
        if err is None:
            status, error = CellStatus.OK.value, None
        elif isinstance(err, CellTimeoutError):
            status, error = (
                "timeout",
                {"ename": "CellTimeoutError", "evalue": f"cell exceeded {cell_timeout} s"},
            )
        else:
            status, error = CellStatus.ERROR.value, {"ename": type(err).__name__[:200], "evalue": ""}
        log(
            event="end",
            index=index,
            status=status,
            error=error,
            truncated=False,
            seconds=round(time.monotonic() - started, 3),
        )
        plt = sys.modules.get("matplotlib.pyplot")
        if plt is not None:  # the inline backend closes a cell's figures too
            plt.close("all")
    log(event="done")
    progress.close()


# ---------------------------------------------------------------------------- the grader's side
class ZygoteClosed(Exception):
    """The zygote was stopped by :func:`close_all` (its class ended) before it was ready.

    Not a RuntimeError or OSError on purpose: the worker takes those as "warm kernels do not work
    on this machine" and turns them off for the process; a class that stops is no such sign."""


class Zygote:
    """One warm zygote (grader side): a bubblewrap sandbox running :func:`serve`, one job at a time."""

    def __init__(
        self, preload: tuple[str, ...], env: dict[str, str], extra_ro: list[Path], limits, wait: bool = True
    ):
        import tempfile

        from autograder.sandbox import _Cgroup, bwrap_argv

        self.preload = preload
        self.slots = Path(tempfile.mkdtemp(prefix="ag-slots-"))
        # the cgroup bounds the whole sandbox: the zygote's own imports plus one student's run
        from dataclasses import replace

        self.cg = _Cgroup(replace(limits, memory_bytes=limits.memory_bytes + ZYGOTE_BASE_BYTES))
        self.has_memory_cgroup = self.cg.has_memory
        self._ooms = 0
        cmd = bwrap_argv(
            ["--bind", str(self.slots), SLOTS, "--dir", "/sandbox", "--chdir", "/tmp"],
            extra_ro,
            env,
            [sys.executable, "-m", "autograder.zygote", *preload],
        )
        cg = self.cg

        def preexec() -> None:
            os.setsid()
            cg.join()

        self.proc = subprocess.Popen(
            cmd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin")},
            preexec_fn=preexec,
        )
        self.ready = False
        self._closed = False
        self._close_lock = threading.Lock()
        self.started_at = time.monotonic()
        self.start_seconds: float | None = None
        if wait:
            self.wait_ready()

    def wait_ready(self) -> None:
        """Wait for the zygote's imports (once); RuntimeError if it does not come up."""
        if self.ready:
            return
        hello = self._read_line(ZYGOTE_START_S)
        if not hello or not hello.get("ready"):
            if self._closed:  # stopped on purpose (its class ended), not broken
                raise ZygoteClosed("the class run ended while this warm kernel was starting")
            raise RuntimeError(f"the warm kernel did not start: {hello}")
        self.loaded = hello.get("loaded", [])
        self.start_seconds = time.monotonic() - self.started_at
        self.ready = True

    def _read_line(self, timeout: float) -> dict | None:
        out = self.proc.stdout
        deadline = time.monotonic() + timeout
        buf = b""
        while not buf.endswith(b"\n"):
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            ready, _, _ = select.select([out], [], [], left)
            if not ready:
                return None
            chunk = os.read(out.fileno(), 65536)
            if not chunk:
                return None
            buf += chunk
            if len(buf) > 1 << 20:
                return None
        try:
            return json.loads(buf)
        except ValueError:
            return None

    def alive(self) -> bool:
        return self.proc.poll() is None

    def run(self, work: Path, limits, cell_timeout: int, env: dict[str, str]):
        """Run ``work/graded.ipynb``; leave ``records.jsonl``/``progress.jsonl`` in ``work``."""
        import shutil

        from autograder.sandbox import RunResult

        slot = uuid.uuid4().hex
        d = self.slots / slot
        d.mkdir()
        shutil.copyfile(work / "graded.ipynb", d / "graded.ipynb")
        job = {
            "slot": slot,
            "wall_seconds": float(limits.wall_seconds),
            "scratch_bytes": int(limits.scratch_bytes),
            "cell_timeout": int(cell_timeout),
            "env": env,
            "limits": {
                "cpu_seconds": int(limits.cpu_seconds),
                "file_bytes": int(limits.file_bytes),
                "open_files": int(limits.open_files),
            },
            # without a memory cgroup, the address space bounds a student (as in a cold run, with
            # room for what the zygote has mapped already)
            "address_space": None
            if self.has_memory_cgroup
            else int(limits.memory_bytes * 2 + ZYGOTE_BASE_BYTES),
        }
        t0 = time.monotonic()
        notes: list[str] = []
        self.proc.stdin.write((json.dumps(job) + "\n").encode())
        self.proc.stdin.flush()
        res = self._read_line(float(limits.wall_seconds) + 30)
        wall = time.monotonic() - t0
        if res is None:  # the zygote itself stalled or died: it is replaced for the next job
            notes.append("the warm kernel stopped answering; it was restarted")
            self.close()
            res = {"returncode": None, "timed_out": wall >= limits.wall_seconds}
        elif res.get("error"):
            notes.append(f"warm kernel: {str(res['error'])[:200]}")
        for name in EVIDENCE_FILES:
            src = d / name
            if src.is_file() and not src.is_symlink():
                shutil.copyfile(src, work / name)
        shutil.rmtree(d, ignore_errors=True)
        ooms = self.cg.oom_kills()
        memory_killed = ooms > self._ooms
        self._ooms = ooms
        if not self.alive():
            self.close()
        return RunResult(
            returncode=res.get("returncode"),
            timed_out=bool(res.get("timed_out")),
            wall_seconds=wall,
            memory_killed=memory_killed,
            isolation="bwrap+warm",
            notes=notes,
        ), bool(res.get("disk_full"))

    def close(self) -> None:
        """Stop the zygote and everything in it (once: a second call returns at once, and never
        signals a process group whose number may by then belong to another process)."""
        import shutil

        with self._close_lock:
            if self._closed:
                return
            self._closed = True
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.cg.kill_all()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
        self.cg.remove()
        shutil.rmtree(self.slots, ignore_errors=True)


ZYGOTE_BASE_BYTES = 1024**3  # the zygote's own imports, above the per-student memory limit
ZYGOTE_START_S = 180.0

# Idle zygotes, shared by the grader's threads: a zygote serves one job at a time, and any thread
# may take an idle one (the preflight's zygote goes on to grade the class). `_started` holds
# every zygote of the class run, idle or busy, so that its end stops them all: a job still
# running when a class stops (a failed preflight) must not hand its zygote back to the idle pool
# of a later class.
#
# A job of a class that has already ended (a pool thread that took it up just as the preflight
# failed) must not start a zygote after `close_all`: nothing would stop it. The grader runs each
# job `in_class(epoch)`; `close_all` ends the epoch, and `acquire` refuses a job of an ended one.
# Outside a class run (a Dask worker, a direct caller) there is no epoch and zygotes live as long
# as the process.
_lock = threading.Lock()
_idle: dict[tuple, list[Zygote]] = {}
_started: set[Zygote] = set()
_epoch = 0
_tls = threading.local()


def class_epoch() -> int:
    """The current class run's number; :func:`close_all` ends it."""
    with _lock:
        return _epoch


@contextlib.contextmanager
def in_class(epoch: int):
    """Run a job of the class run ``epoch`` in this thread (see :func:`acquire`)."""
    _tls.epoch = epoch
    try:
        yield
    finally:
        del _tls.epoch


def _class_ended() -> bool:  # call with _lock held
    epoch = getattr(_tls, "epoch", None)
    return epoch is not None and epoch != _epoch


def _key(preload: tuple[str, ...], env: dict[str, str], limits) -> tuple:
    return (preload, tuple(sorted(env.items())), int(limits.memory_bytes), int(limits.max_processes))


def prestart(n: int, preload: tuple[str, ...], env: dict[str, str], extra_ro: list[Path], limits) -> None:
    """Start ``n`` zygotes now (their imports run while the grader prepares) and leave them idle.

    Call from a thread that lives as long as the class run: bubblewrap's ``--die-with-parent``
    ends a sandbox when the thread that started it ends."""
    key = _key(preload, env, limits)
    with _lock:
        have = len(_idle.get(key, []))
    for _ in range(max(0, n - have)):
        z = Zygote(preload, env, extra_ro, limits, wait=False)
        z.key = key
        with _lock:
            _started.add(z)
            _idle.setdefault(key, []).append(z)


def acquire(preload: tuple[str, ...], env: dict[str, str], extra_ro: list[Path], limits) -> Zygote:
    """An idle, ready zygote for this notebook (started if none is idle). Raises
    :class:`ZygoteClosed` for a job whose class run has ended."""
    key = _key(preload, env, limits)
    z = None
    with _lock:
        if _class_ended():
            raise ZygoteClosed("the class run of this job has ended")
        pool = _idle.get(key, [])
        while pool and z is None:
            cand = pool.pop(0)
            if cand.alive():
                z = cand
            else:
                _started.discard(cand)
                cand.close()
    if z is None:
        z = Zygote(preload, env, extra_ro, limits, wait=False)
        z.key = key
        with _lock:
            ended = _class_ended()  # while it started
            if not ended:
                _started.add(z)
        if ended:
            z.close()
            raise ZygoteClosed("the class run of this job ended while its zygote started")
    try:
        z.wait_ready()
    except RuntimeError:
        with _lock:
            _started.discard(z)
        z.close()
        raise
    return z


def release(z: Zygote) -> None:
    """Hand a zygote back after its job: to the idle pool if it lives and its class run has not
    ended (:func:`close_all`), stopped otherwise."""
    with _lock:
        keep = z in _started and z.alive()
        if keep:
            _idle.setdefault(z.key, []).append(z)
        else:
            _started.discard(z)
    if not keep:
        z.close()


def close_all() -> None:
    """Stop every zygote of the class run, idle or still busy (the end of a class run)."""
    global _epoch
    with _lock:
        _epoch += 1
        every = list(_started)
        _started.clear()
        _idle.clear()
    for z in every:
        z.close()


def main(argv: list[str] | None = None) -> int:
    return serve(list(argv if argv is not None else sys.argv[1:]))


if __name__ == "__main__":
    sys.exit(main())
