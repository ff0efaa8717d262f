"""Each chapter's implementations against the PyTorch built-ins (and gensim), as a registry.

A benchmark is a *builder* registered with ``@layer(chapter, what, needs=..., function=...)``: it
gets the chapter's namespace (the code of its solution cells, see ``bench.chapters``) and the
``quick`` flag, makes seeded float32 inputs at a stated size, and returns a :class:`Case` with

- ``ours``: a call of the NumPy code (the timed operation),
- ``theirs(device)``: the same operation with the PyTorch built-in on ``device``,
- ``function(device)``: (optional) the chapter's ``torch.autograd.Function`` on ``device``.

Adding a row for a new chapter is one decorated function of a few lines in the chapter's own
module, ``bench/rows/ch<NN_topic>.py`` (see ``bench.rows``). When the chapter's
source notebook does not exist yet, or lacks a function the builder needs, the row says so
("not yet implemented (chapter 05 missing)") instead of disappearing. Rows that measure
something other than a per-call time (skip-gram training against gensim) register with
``@custom`` and build their rows themselves.
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from bench.chapters import Chapter, chapter
from bench.common import Row, fmt_seconds, interleaved, log, median, now, per_call_sampler

Op = Callable[[], object]


@dataclass
class Case:
    size: str
    ours: Op
    theirs: Callable[[str], Op]
    theirs_name: str
    function: Callable[[str], Op] | None = None
    function_name: str = ""


@dataclass
class Context:
    root: Path
    quick: bool
    device: str
    threads: str
    machine: str
    reps: int
    target_s: float
    cuda: bool = False
    extra: dict = field(default_factory=dict)

    def row(self, what: str, **fields) -> Row:
        """A row of the layers table stamped with this run's threads, machine and time."""
        return Row(
            **{"group": "layers", "threads": self.threads, "machine": self.machine, "date": now()} | fields,
            what=what,
        )


@dataclass
class Bench:
    chapter: str  # folder name, e.g. "05_convolution"
    what: str
    needs: tuple[str, ...]
    build: Callable
    function: str | None = None  # name of the torch.autograd.Function in the namespace
    custom: bool = False


REGISTRY: list[Bench] = []


def layer(chapter_name: str, what: str, needs: tuple[str, ...], function: str | None = None):
    """Register a per-call benchmark: ``build(ns, quick) -> Case``."""

    def deco(fn):
        REGISTRY.append(Bench(chapter_name, what, tuple(needs), fn, function))
        return fn

    return deco


def custom(chapter_name: str, what: str, needs: tuple[str, ...]):
    """Register a benchmark that makes its own rows: ``fn(ns, ctx) -> list[Row]``."""

    def deco(fn):
        REGISTRY.append(Bench(chapter_name, what, tuple(needs), fn, None, custom=True))
        return fn

    return deco


# ----------------------------------------------------------------------------- torch helpers


def _torch():
    import torch

    return torch


def tensor(a: np.ndarray, device: str, grad: bool = False):
    """A copy of ``a`` on ``device`` (same dtype); a leaf that requires grad when ``grad``."""
    t = _torch().from_numpy(np.ascontiguousarray(a)).to(device)
    return t.requires_grad_(True) if grad else t


def no_grad(fn: Callable, *args) -> Op:
    torch = _torch()

    def op():
        with torch.no_grad():
            return fn(*args)

    return op


def fwd_bwd(fn: Callable, args: tuple, dout) -> Op:
    """Forward ``fn(*args)`` then autograd's backward to every argument that requires grad."""
    torch = _torch()
    leaves = [a for a in args if isinstance(a, torch.Tensor) and a.requires_grad]

    def op():
        out = fn(*args)
        return torch.autograd.grad(out, leaves, dout)

    return op


def _rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def randn(rng: np.random.Generator, *shape) -> np.ndarray:
    return rng.standard_normal(shape, dtype=np.float32)


# ----------------------------------------------------------------------------- running them


def _base_row(ctx: Context, b: Bench, what: str) -> Row:
    return ctx.row(f"{b.chapter.split('_', 1)[0]} {what}", unit="s/call")


def _status_row(ctx: Context, b: Bench, ch: Chapter | None) -> Row | None:
    """A row saying why the benchmark cannot run, or None when it can."""
    num = b.chapter.split("_", 1)[0]
    row = _base_row(ctx, b, b.what)
    row.unit = ""
    if ch is None:
        row.status = f"not yet implemented (chapter {num} missing)"
        row.notes = f"no notebook in solutions/{b.chapter}/"
        return row
    missing = ch.missing(b.needs)
    if missing:
        row.status = f"not yet implemented (chapter {num} has no {', '.join(missing)})"
        if ch.errors:
            row.notes = "; ".join(ch.errors)[:300]
        return row
    return None


def compare(ctx: Context, row: Row, ours: Op, theirs: Op, sync: Callable[[], None] | None = None) -> Row:
    """Time ``ours`` and ``theirs`` interleaved; fill the row (times per call, ratio = theirs/ours time)."""
    s_ours, k_ours = per_call_sampler(ours, ctx.target_s, sync)
    s_theirs, k_theirs = per_call_sampler(theirs, ctx.target_s, sync)
    samples = interleaved({"ours": s_ours, "theirs": s_theirs}, reps=ctx.reps, warmup=1)
    t_ours, t_theirs = median(samples["ours"]), median(samples["theirs"])
    row.ours_value, row.theirs_value = t_ours, t_theirs
    row.ours, row.theirs = fmt_seconds(t_ours), fmt_seconds(t_theirs)
    row.ratio = t_theirs / t_ours if t_ours > 0 else None
    row.samples = samples
    note = f"median of {ctx.reps} interleaved samples ({k_ours} and {k_theirs} calls each) after a warm-up"
    row.notes = f"{row.notes}; {note}" if row.notes else note
    return row


def _error_row(row: Row, exc: BaseException) -> Row:
    row.status = f"error: {type(exc).__name__}: {exc}"[:300]
    row.ours = row.theirs = ""
    row.ratio = None
    log("  " + traceback.format_exception_only(type(exc), exc)[-1].strip())
    return row


def _registry() -> list[Bench]:
    from bench import rows

    rows.load()
    return REGISTRY


def run_cpu(ctx: Context, registry: list[Bench] | None = None) -> list[Row]:
    """NumPy against the built-in on the CPU (and each autograd.Function against the built-in)."""
    registry = registry or _registry()
    rows: list[Row] = []
    for b in sorted(registry, key=lambda b: b.chapter[:2]):
        ch = chapter(ctx.root, b.chapter)
        status = _status_row(ctx, b, ch)
        if status is not None:
            log(f"{status.what}: {status.status}")
            rows.append(status)
            continue
        if b.custom:
            log(f"{b.chapter} {b.what} ...")
            try:
                rows += b.build(ch.ns, ctx)
            except Exception as exc:  # noqa: BLE001 - one broken benchmark must not end the run
                rows.append(_error_row(_base_row(ctx, b, b.what), exc))
            continue
        try:
            case = b.build(ch.ns, ctx.quick)
        except Exception as exc:  # noqa: BLE001
            rows.append(_error_row(_base_row(ctx, b, b.what), exc))
            continue
        row = _base_row(ctx, b, f"{b.what}: NumPy vs {case.theirs_name} (CPU)")
        row.size = case.size
        log(f"{row.what} [{case.size}] ...")
        try:
            rows.append(compare(ctx, row, case.ours, case.theirs("cpu")))
            log(f"  ours {row.ours}, theirs {row.theirs}, ratio {row.ratio:.3g}")
        except Exception as exc:  # noqa: BLE001
            rows.append(_error_row(row, exc))
        if case.function is not None and b.function in ch.ns:
            frow = _base_row(ctx, b, f"{b.what}: {case.function_name} vs {case.theirs_name} (CPU)")
            frow.size = case.size
            log(f"{frow.what} ...")
            try:
                rows.append(compare(ctx, frow, case.function("cpu"), case.theirs("cpu")))
                log(f"  ours {frow.ours}, theirs {frow.theirs}, ratio {frow.ratio:.3g}")
            except Exception as exc:  # noqa: BLE001
                rows.append(_error_row(frow, exc))
    return rows


def run_gpu(ctx: Context, device: str = "cuda", registry: list[Bench] | None = None) -> list[Row]:
    """Each chapter's autograd.Function on ``device`` against the same NumPy code and the built-in there."""
    torch = _torch()
    registry = registry or _registry()
    sync = torch.cuda.synchronize if device.startswith("cuda") else None
    rows: list[Row] = []
    for b in sorted(registry, key=lambda b: b.chapter[:2]):
        if b.custom or b.function is None:
            continue
        ch = chapter(ctx.root, b.chapter)
        status = _status_row(ctx, b, ch)
        if status is None and b.function not in ch.ns:
            status = _base_row(ctx, b, b.what)
            status.status = f"not yet implemented (chapter {b.chapter[:2]} has no {b.function})"
        if status is not None:
            status.group = "gpu"
            status.what = f"{status.what} ({b.function}, {device})"
            rows.append(status)
            continue
        try:
            case = b.build(ch.ns, ctx.quick)
            fn_op = case.function(device)
        except Exception as exc:  # noqa: BLE001
            err = _error_row(_base_row(ctx, b, f"{b.what} ({b.function}, {device})"), exc)
            err.group = "gpu"
            rows.append(err)
            continue
        for label, numpy_side in (("NumPy (CPU)", True), (f"{case.theirs_name} ({device})", False)):
            row = _base_row(ctx, b, f"{b.what}: {case.function_name} ({device}) vs {label}")
            row.group, row.size = "gpu", case.size
            log(f"{row.what} ...")
            try:
                theirs = case.ours if numpy_side else case.theirs(device)
                # The device is synchronised before and after every sample (a no-op for NumPy).
                compare(ctx, row, fn_op, theirs, sync)
                row.notes += "; inputs already on the device (no transfers timed)"
                rows.append(row)
                log(f"  ours {row.ours}, theirs {row.theirs}, ratio {row.ratio:.3g}")
            except Exception as exc:  # noqa: BLE001
                rows.append(_error_row(row, exc))
    return rows
