"""Rows, side-by-side timing, thread pinning and the machine description shared by every benchmark."""

from __future__ import annotations

import contextlib
import math
import os
import platform
import statistics
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

_T0 = time.monotonic()


def log(msg: str) -> None:
    """A progress line (plain text, flushed, with the seconds since the start)."""
    print(f"[bench {time.monotonic() - _T0:6.1f} s] {msg}", flush=True)


def now() -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S %z")


def machine() -> str:
    """One line: CPU model, cores, memory, OS and the numeric stack's versions."""
    model = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as fh:
            for line in fh:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    mem = ""
    try:
        with open("/proc/meminfo", encoding="utf-8") as fh:
            kb = int(fh.readline().split()[1])
        mem = f", {kb / 1024**2:.0f} GiB"
    except (OSError, ValueError, IndexError):
        pass
    return f"{model}, {os.cpu_count()} cores{mem}, {platform.system()} {platform.machine()}"


def versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for mod in ("numpy", "torch", "nbgrader", "gensim", "papermill"):
        try:
            out[mod] = __import__(mod).__version__
        except Exception:  # noqa: BLE001 - a missing package is simply not listed
            pass
    return out


@dataclass
class Row:
    """One line of the table.

    ``ours`` and ``theirs`` are display strings (with units); ``ours_value``/``theirs_value``
    the numbers behind them. ``ratio`` is ours' speed over theirs' speed: above 1, ours is
    faster. ``status`` is "ok", "skipped ...", "not yet implemented ..." or "error: ...".
    """

    group: str
    what: str
    size: str = ""
    ours: str = ""
    theirs: str = ""
    ratio: float | None = None
    threads: str = ""
    machine: str = ""
    date: str = ""
    status: str = "ok"
    notes: str = ""
    unit: str = ""
    ours_value: float | None = None
    theirs_value: float | None = None
    samples: dict[str, list[float]] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


def median(xs: list[float]) -> float:
    return statistics.median(xs)


def interleaved(fns: dict[str, Callable[[], float]], reps: int, warmup: int = 1) -> dict[str, list[float]]:
    """Call every sampler in turn (a, b, a, b, ...) ``warmup`` times (discarded), then ``reps`` times.

    Each sampler returns one measurement in seconds; the lists of the kept ones are returned.
    """
    for _ in range(warmup):
        for fn in fns.values():
            fn()
    out: dict[str, list[float]] = {k: [] for k in fns}
    for _ in range(reps):
        for k, fn in fns.items():
            out[k].append(fn())
    return out


def per_call_sampler(op: Callable[[], object], target_s: float, sync: Callable[[], None] | None = None):
    """A sampler timing ``k`` calls of ``op`` (``k`` chosen so that one sample lasts about ``target_s``).

    Returns ``(sampler, k)``; the sampler returns the mean seconds per call over its ``k`` calls.
    """
    sync = sync or (lambda: None)
    for _ in range(2):  # first calls: allocations, lazy initialisation
        op()
    sync()
    k = 1
    while True:  # double the count until a batch of calls is long enough to time
        t = time.perf_counter()
        for _ in range(k):
            op()
        sync()
        elapsed = time.perf_counter() - t
        if elapsed >= target_s / 4 or k >= 100_000:
            break
        k *= 2
    k = max(1, min(100_000, math.ceil(target_s * k / max(elapsed, 1e-9))))

    def sample() -> float:
        sync()
        t0 = time.perf_counter()
        for _ in range(k):
            op()
        sync()
        return (time.perf_counter() - t0) / k

    return sample, k


def fmt_seconds(s: float | None) -> str:
    if s is None or not math.isfinite(s):
        return "-"
    if s >= 1.0:
        return f"{s:.2f} s"
    if s >= 1e-3:
        return f"{s * 1e3:.3g} ms"
    return f"{s * 1e6:.3g} us"


class ThreadPin:
    """Pin NumPy's BLAS/OpenMP pools and PyTorch's intra-op pool to ``n`` threads.

    The environment variables were already set by ``bench.__main__`` before any import;
    threadpoolctl (when installed) enforces the limit on the loaded libraries too, and
    ``torch.set_num_threads`` sets PyTorch's own pool. ``describe()`` says what was done.
    """

    def __init__(self, n: int):
        self.n = n
        self.how: list[str] = ["env"]
        self._ctl = None

    def __enter__(self) -> ThreadPin:
        import numpy  # noqa: F401 - load the BLAS before limiting it

        try:
            import torch

            torch.set_num_threads(self.n)
            with contextlib.suppress(RuntimeError):
                torch.set_num_interop_threads(self.n)
            self.how.append("torch.set_num_threads")
        except ImportError:
            pass
        try:
            from threadpoolctl import threadpool_limits

            self._ctl = threadpool_limits(limits=self.n)
            self.how.append("threadpoolctl")
        except ImportError:
            pass
        return self

    def __exit__(self, *exc) -> None:
        if self._ctl is not None:
            self._ctl.restore_original_limits()

    def describe(self) -> str:
        return f"{self.n} ({'+'.join(self.how)})"
