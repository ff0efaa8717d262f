"""A submission's scratch folder, and reading back what the student's run left in it.

Everything in the scratch folder was writable by student code, so nothing there is trusted:

* :func:`read_untrusted` opens a file only if it is a regular file, without following a
  symbolic link, without blocking on a FIFO, and reads at most a given number of bytes;
  anything else (a link to another student's records or to ``/dev/zero``, a FIFO, a device, a
  folder) reads as absent, with a note.
* :class:`Scratch` is the folder itself, with a disk quota: a tmpfs of a fixed size mounted on
  it where the grader may mount (root on Linux), otherwise a watchdog that measures the folder
  and stops the run when it grows past the quota. It is removed after every run, killed or
  not, and folders left behind by a grader that was itself killed are removed by the next one.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import tempfile
import threading
from pathlib import Path

PREFIX = "ag-run-"


def read_untrusted(path: Path, limit: int) -> tuple[bytes | None, str | None]:
    """``(data, note)``: at most ``limit`` bytes of the regular file ``path``, or ``None`` and why."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        return None, None
    except OSError as exc:  # ELOOP: a symbolic link; anything else: unreadable
        return None, f"{path.name} is not a plain file ({exc.strerror})"
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return None, f"{path.name} is not a plain file"
        chunks, total = [], 0
        while total <= limit:
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        data = b"".join(chunks)
        if len(data) > limit:
            return data[:limit], f"{path.name} is larger than {limit} bytes; only the first part was read"
        return data, None
    finally:
        os.close(fd)


def _mount_tmpfs(path: Path, size: int) -> bool:
    if os.geteuid() != 0 or not shutil.which("mount"):
        return False
    proc = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={int(size)},mode=0700,nosuid,nodev", "tmpfs", str(path)],
        capture_output=True,
    )
    return proc.returncode == 0


def _umount(path: Path) -> None:
    subprocess.run(["umount", "-l", str(path)], capture_output=True)


def folder_bytes(path: Path) -> int:
    """Bytes used below ``path`` (without following links); a folder that vanishes counts as 0."""
    total = 0
    for root, dirs, files in os.walk(path, followlinks=False):
        for name in files + dirs:
            try:
                total += os.lstat(os.path.join(root, name)).st_blocks * 512
            except OSError:
                pass
    return total


def remove_stale(base: Path | None = None) -> int:
    """Remove scratch folders of graders that no longer run (their pid is in the name)."""
    base = Path(base or tempfile.gettempdir())
    removed = 0
    for p in base.glob(f"{PREFIX}*"):
        try:
            pid = int(p.name[len(PREFIX) :].split("-", 1)[0])
        except ValueError:
            continue
        if pid == os.getpid() or Path(f"/proc/{pid}").exists():
            continue
        _umount(p)
        shutil.rmtree(p, ignore_errors=True)
        removed += 1
    return removed


class Scratch:
    """``with Scratch(quota) as s:`` a private folder ``s.path`` of at most ``quota`` bytes."""

    def __init__(self, quota_bytes: int):
        self.quota = int(quota_bytes)
        self.path = Path(tempfile.mkdtemp(prefix=f"{PREFIX}{os.getpid()}-"))
        self.mounted = False
        self.exceeded = threading.Event()
        self._stop = threading.Event()
        self._watch: threading.Thread | None = None
        self.on_exceed = None  # set by the runner: kills the run when the watchdog fires

    @property
    def enforcement(self) -> str:
        return "tmpfs" if self.mounted else "watchdog"

    def __enter__(self) -> Scratch:
        self.mounted = _mount_tmpfs(self.path, self.quota)
        if not self.mounted:
            self._watch = threading.Thread(target=self._watchdog, daemon=True)
            self._watch.start()
        return self

    def _watchdog(self) -> None:
        while not self._stop.wait(0.25):
            if folder_bytes(self.path) > self.quota:
                self.exceeded.set()
                if self.on_exceed is not None:
                    self.on_exceed()
                return

    def full(self) -> bool:
        """True when the run hit the quota (the tmpfs is full, or the watchdog fired)."""
        if self.exceeded.is_set():
            return True
        if self.mounted:
            try:
                st = os.statvfs(self.path)
                return st.f_bavail * st.f_frsize < 64 * 1024
            except OSError:
                return False
        return False

    def __exit__(self, *exc) -> None:
        self._stop.set()
        if self._watch is not None:
            self._watch.join(timeout=2)
        if self.mounted:
            _umount(self.path)
        shutil.rmtree(self.path, ignore_errors=True)
