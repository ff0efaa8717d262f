"""Each chapter's implementations against the PyTorch built-ins (and gensim), as a registry.

A benchmark is a *builder* registered with ``@layer(chapter, what, needs=..., function=...)``: it
gets the chapter's namespace (the code of its solution cells, see ``bench.chapters``) and the
``quick`` flag, makes seeded float32 inputs at a stated size, and returns a :class:`Case` with

- ``ours``: a call of the NumPy code (the timed operation),
- ``theirs(device)``: the same operation with the PyTorch built-in on ``device``,
- ``function(device)``: (optional) the chapter's ``torch.autograd.Function`` on ``device``.

Adding a row for a new chapter is one decorated function of a few lines. When the chapter's
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


# ----------------------------------------------------------------------------- 01 backprop


@layer("01_backprop", "affine forward", needs=("affine_forward",))
def _affine_forward(ns, quick):
    N, D, M = (64, 256, 256) if quick else (256, 1024, 1024)
    r = _rng(1)
    x, w, b = randn(r, N, D), randn(r, D, M), randn(r, M)

    def theirs(dev):
        wt = tensor(w.T, dev)  # torch.nn.Linear's (M, D) layout
        return no_grad(_torch().nn.functional.linear, tensor(x, dev), wt, tensor(b, dev))

    return Case(f"N={N} D={D} M={M} float32", lambda: ns["affine_forward"](x, w, b), theirs, "F.linear")


@layer("01_backprop", "affine forward+backward", ("affine_forward", "affine_backward"), "AffineFunction")
def _affine_fb(ns, quick):
    N, D, M = (64, 256, 256) if quick else (256, 1024, 1024)
    r = _rng(2)
    x, w, b, d = randn(r, N, D), randn(r, D, M), randn(r, M), randn(r, N, M)

    def ours():
        out, cache = ns["affine_forward"](x, w, b)
        return ns["affine_backward"](d, cache)

    def theirs(dev):
        args = (tensor(x, dev, True), tensor(w.T, dev, True), tensor(b, dev, True))
        return fwd_bwd(_torch().nn.functional.linear, args, tensor(d, dev))

    def function(dev):
        args = (tensor(x, dev, True), tensor(w, dev, True), tensor(b, dev, True))
        return fwd_bwd(ns["AffineFunction"].apply, args, tensor(d, dev))

    return Case(f"N={N} D={D} M={M} float32", ours, theirs, "F.linear + autograd", function, "AffineFunction")


def _elementwise(ns, quick, fwd: str, bwd: str | None, torch_fn: str, seed: int, function: str | None = None):
    N, D = (256, 256) if quick else (1024, 4096)
    r = _rng(seed)
    x, d = randn(r, N, D), randn(r, N, D)
    tfn = lambda: getattr(_torch(), torch_fn)  # noqa: E731

    if bwd is None:
        return Case(
            f"{N}x{D} float32",
            lambda: ns[fwd](x),
            lambda dev: no_grad(tfn(), tensor(x, dev)),
            f"torch.{torch_fn}",
        )

    def ours():
        _, cache = ns[fwd](x)
        return ns[bwd](d, cache)

    fn = None
    if function:

        def fn(dev):
            return fwd_bwd(ns[function].apply, (tensor(x, dev, True),), tensor(d, dev))

    return Case(
        f"{N}x{D} float32",
        ours,
        lambda dev: fwd_bwd(tfn(), (tensor(x, dev, True),), tensor(d, dev)),
        f"torch.{torch_fn} + autograd",
        fn,
        function or "",
    )


@layer("01_backprop", "relu forward", needs=("relu_forward",))
def _relu_f(ns, quick):
    return _elementwise(ns, quick, "relu_forward", None, "relu", 3)


@layer("01_backprop", "relu forward+backward", ("relu_forward", "relu_backward"), "ReLUFunction")
def _relu_fb(ns, quick):
    return _elementwise(ns, quick, "relu_forward", "relu_backward", "relu", 4, "ReLUFunction")


@layer("01_backprop", "sigmoid forward+backward", ("sigmoid_forward", "sigmoid_backward"))
def _sigmoid_fb(ns, quick):
    return _elementwise(ns, quick, "sigmoid_forward", "sigmoid_backward", "sigmoid", 5)


@layer("01_backprop", "tanh forward+backward", ("tanh_forward", "tanh_backward"))
def _tanh_fb(ns, quick):
    return _elementwise(ns, quick, "tanh_forward", "tanh_backward", "tanh", 6)


@layer("01_backprop", "two-layer net loss+grads", needs=("TwoLayerNet",))
def _twolayer(ns, quick):
    N, D, H, C = (128, 64, 100, 10) if quick else (512, 256, 512, 10)
    r = _rng(7)
    X, y = randn(r, N, D), r.integers(0, C, N)
    net = ns["TwoLayerNet"](D, H, C, seed=0)
    net.params = {k: v.astype(np.float32) for k, v in net.params.items()}
    p = net.params

    def theirs(dev):
        torch = _torch()
        F = torch.nn.functional
        W1, b1, W2, b2 = (
            tensor(p[k].T if k[0] == "W" else p[k], dev, True) for k in ("W1", "b1", "W2", "b2")
        )
        tX, ty = tensor(X, dev), torch.from_numpy(y).to(dev)

        def op():
            loss = F.cross_entropy(F.linear(F.relu(F.linear(tX, W1, b1)), W2, b2), ty)
            return torch.autograd.grad(loss, (W1, b1, W2, b2))

        return op

    return Case(
        f"N={N} D={D} H={H} C={C} float32",
        lambda: net.loss(X, y),
        theirs,
        "F.linear/relu/cross_entropy + autograd",
    )


@layer("01_backprop", "MSE loss+grad", needs=("mse_loss",))
def _mse(ns, quick):
    N, M = (256, 64) if quick else (4096, 256)
    r = _rng(8)
    pred, y = randn(r, N, M), randn(r, N, M)

    def theirs(dev):
        torch = _torch()
        tp, ty = tensor(pred, dev, True), tensor(y, dev)

        def op():
            loss = torch.nn.functional.mse_loss(tp, ty, reduction="sum") / (2 * N)
            return torch.autograd.grad(loss, (tp,))

        return op

    return Case(f"N={N} M={M} float32", lambda: ns["mse_loss"](pred, y), theirs, "F.mse_loss + autograd")


# ----------------------------------------------------------------------------- 02 softmax


@layer(
    "02_softmax", "softmax cross-entropy loss+grad", ("softmax_cross_entropy",), "SoftmaxCrossEntropyFunction"
)
def _softmax_ce(ns, quick):
    N, C = (128, 100) if quick else (1024, 1000)
    r = _rng(21)
    z, y = randn(r, N, C), r.integers(0, C, N)

    def theirs(dev):
        torch = _torch()
        tz, ty = tensor(z, dev, True), torch.from_numpy(y).to(dev)
        return lambda: torch.autograd.grad(torch.nn.functional.cross_entropy(tz, ty), (tz,))

    def function(dev):
        torch = _torch()
        tz, ty = tensor(z, dev, True), torch.from_numpy(y).to(dev)
        return lambda: torch.autograd.grad(ns["SoftmaxCrossEntropyFunction"].apply(tz, ty), (tz,))

    return Case(
        f"N={N} C={C} float32",
        lambda: ns["softmax_cross_entropy"](z, y),
        theirs,
        "F.cross_entropy + autograd",
        function,
        "SoftmaxCrossEntropyFunction",
    )


# ----------------------------------------------------------------------------- 03 optimization


@layer("03_optimization", "Adam step", needs=("adam",))
def _adam(ns, quick):
    n = 100_000 if quick else 4_000_000
    r = _rng(31)
    w, dw = randn(r, n), randn(r, n)
    state = {"w": w.copy(), "config": {"learning_rate": 1e-3}}

    def ours():
        state["w"], state["config"] = ns["adam"](state["w"], dw, state["config"])

    def theirs(dev):
        torch = _torch()
        p = torch.nn.Parameter(tensor(w, dev))
        p.grad = tensor(dw, dev)
        opt = torch.optim.Adam([p], lr=1e-3)
        return opt.step

    return Case(f"{n} parameters float32", ours, theirs, "torch.optim.Adam.step")


# ----------------------------------------------------------------------------- 04 regularization


@layer(
    "04_regularization",
    "batch norm forward+backward (train)",
    ("batchnorm_forward", "batchnorm_backward"),
    "BatchNormFunction",
)
def _batchnorm(ns, quick):
    N, D = (128, 256) if quick else (1024, 1024)
    r = _rng(41)
    x, g, b, d = randn(r, N, D), randn(r, D), randn(r, D), randn(r, N, D)

    def ours():
        _, cache = ns["batchnorm_forward"](x, g, b, {"mode": "train", "eps": 1e-5, "momentum": 0.9})
        return ns["batchnorm_backward"](d, cache)

    def theirs(dev):
        F = _torch().nn.functional
        return fwd_bwd(
            lambda x_, g_, b_: F.batch_norm(x_, None, None, g_, b_, training=True, eps=1e-5),
            (tensor(x, dev, True), tensor(g, dev, True), tensor(b, dev, True)),
            tensor(d, dev),
        )

    return Case(f"N={N} D={D} float32", ours, theirs, "F.batch_norm + autograd")


# ----------------------------------------------------------------------------- 05 convolution


@layer("05_convolution", "conv2d forward", needs=("conv2d_forward",))
def _conv_f(ns, quick):
    N, C, H, F_, K = (4, 4, 16, 8, 3) if quick else (16, 16, 32, 32, 3)
    r = _rng(51)
    x, w, b = randn(r, N, C, H, H), randn(r, F_, C, K, K), randn(r, F_)

    def theirs(dev):
        conv = _torch().nn.functional.conv2d
        return no_grad(lambda *a: conv(*a, padding=1), tensor(x, dev), tensor(w, dev), tensor(b, dev))

    return Case(
        f"x {N}x{C}x{H}x{H}, w {F_}x{C}x{K}x{K}, pad 1 float32",
        lambda: ns["conv2d_forward"](x, w, b, stride=1, pad=1),
        theirs,
        "F.conv2d",
    )


@layer("05_convolution", "conv2d forward+backward", ("conv2d_forward", "conv2d_backward"), "Conv2dFunction")
def _conv_fb(ns, quick):
    N, C, H, F_, K = (4, 4, 16, 8, 3) if quick else (16, 16, 32, 32, 3)
    r = _rng(52)
    x, w, b, d = randn(r, N, C, H, H), randn(r, F_, C, K, K), randn(r, F_), randn(r, N, F_, H, H)

    def ours():
        _, cache = ns["conv2d_forward"](x, w, b, stride=1, pad=1)
        return ns["conv2d_backward"](d, cache)

    def args(dev):
        return (tensor(x, dev, True), tensor(w, dev, True), tensor(b, dev, True))

    def theirs(dev):
        conv = _torch().nn.functional.conv2d
        return fwd_bwd(lambda x_, w_, b_: conv(x_, w_, b_, padding=1), args(dev), tensor(d, dev))

    def function(dev):
        fn = ns["Conv2dFunction"].apply
        return fwd_bwd(lambda x_, w_, b_: fn(x_, w_, b_, 1, 1), args(dev), tensor(d, dev))

    return Case(
        f"x {N}x{C}x{H}x{H}, w {F_}x{C}x{K}x{K}, pad 1 float32",
        ours,
        theirs,
        "F.conv2d + autograd",
        function,
        "Conv2dFunction",
    )


@layer(
    "05_convolution",
    "max pool 2x2 forward+backward",
    ("maxpool2d_forward", "maxpool2d_backward"),
    "MaxPool2dFunction",
)
def _maxpool(ns, quick):
    N, C, H = (4, 8, 16) if quick else (32, 32, 64)
    r = _rng(53)
    x, d = randn(r, N, C, H, H), randn(r, N, C, H // 2, H // 2)

    def ours():
        _, cache = ns["maxpool2d_forward"](x, size=2, stride=2)
        return ns["maxpool2d_backward"](d, cache)

    def theirs(dev):
        mp = _torch().nn.functional.max_pool2d
        return fwd_bwd(lambda x_: mp(x_, 2, 2), (tensor(x, dev, True),), tensor(d, dev))

    def function(dev):
        fn = ns["MaxPool2dFunction"].apply
        return fwd_bwd(lambda x_: fn(x_, 2, 2), (tensor(x, dev, True),), tensor(d, dev))

    return Case(
        f"x {N}x{C}x{H}x{H} float32",
        ours,
        theirs,
        "F.max_pool2d + autograd",
        function,
        "MaxPool2dFunction",
    )


# ----------------------------------------------------------------------------- 06 LSTM


@layer("06_lstm", "LSTM forward+backward (sequence)", ("lstm_forward", "lstm_backward"), "LSTMFunction")
def _lstm(ns, quick):
    N, T, D, H = (8, 8, 16, 32) if quick else (32, 32, 64, 128)
    r = _rng(61)
    x, h0 = randn(r, N, T, D), randn(r, N, H)
    wx, wh, b = 0.1 * randn(r, D, 4 * H), 0.1 * randn(r, H, 4 * H), randn(r, 4 * H)
    d = randn(r, N, T, H)

    def ours():
        _, cache = ns["lstm_forward"](x, h0, wx, wh, b)
        return ns["lstm_backward"](d, cache)

    def theirs(dev):
        torch = _torch()
        lstm = torch.nn.LSTM(D, H, batch_first=True).to(dev)  # timing only: random weights of the same shapes
        tx, th = tensor(x, dev, True), tensor(h0[None], dev, True)
        c0 = torch.zeros_like(th)
        return fwd_bwd(lambda x_, h_, *_: lstm(x_, (h_, c0))[0], (tx, th, *lstm.parameters()), tensor(d, dev))

    def function(dev):
        fn = ns["LSTMFunction"].apply
        args = tuple(tensor(a, dev, True) for a in (x, h0, wx, wh, b))
        return fwd_bwd(fn, args, tensor(d, dev))

    return Case(
        f"N={N} T={T} D={D} H={H} float32", ours, theirs, "torch.nn.LSTM + autograd", function, "LSTMFunction"
    )


# ----------------------------------------------------------------------------- 08 attention


@layer(
    "08_attention",
    "attention forward+backward",
    ("attention_forward", "attention_backward"),
    "AttentionFunction",
)
def _attention(ns, quick):
    N, T, E = (4, 32, 16) if quick else (32, 256, 64)
    r = _rng(81)
    q, k, v, d = randn(r, N, T, E), randn(r, N, T, E), randn(r, N, T, E), randn(r, N, T, E)

    def ours():
        _, cache = ns["attention_forward"](q, k, v)
        return ns["attention_backward"](d, cache)

    def args(dev):
        return tuple(tensor(a, dev, True) for a in (q, k, v))

    def theirs(dev):
        sdpa = _torch().nn.functional.scaled_dot_product_attention
        return fwd_bwd(sdpa, args(dev), tensor(d, dev))

    def function(dev):
        return fwd_bwd(ns["AttentionFunction"].apply, args(dev), tensor(d, dev))

    return Case(
        f"N={N} T={T} E={E} float32",
        ours,
        theirs,
        "F.scaled_dot_product_attention + autograd",
        function,
        "AttentionFunction",
    )


# ----------------------------------------------------------------------------- 07 word2vec (custom rows)

from bench.word2vec import skipgram_rows  # noqa: E402 - registered after the layer benchmarks

custom("07_word2vec", "skip-gram training", needs=("sgns_loss_and_grads",))(skipgram_rows)


# ----------------------------------------------------------------------------- running them


def _base_row(ctx: Context, b: Bench, what: str) -> Row:
    return Row(
        group="layers",
        what=f"{b.chapter.split('_', 1)[0]} {what}",
        threads=ctx.threads,
        machine=ctx.machine,
        date=now(),
        unit="s/call",
    )


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


def run_cpu(ctx: Context, registry: list[Bench] | None = None) -> list[Row]:
    """NumPy against the built-in on the CPU (and each autograd.Function against the built-in)."""
    rows: list[Row] = []
    for b in sorted(registry or REGISTRY, key=lambda b: b.chapter[:2]):
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
    sync = torch.cuda.synchronize if device.startswith("cuda") else None
    rows: list[Row] = []
    for b in sorted(registry or REGISTRY, key=lambda b: b.chapter[:2]):
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
