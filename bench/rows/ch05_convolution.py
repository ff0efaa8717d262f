"""Benchmark rows of chapter 05_convolution (found by ``bench.rows`` from the chapter's name).

The issue's layer: N = 32 images, C = 16 channels, 32x32, F = 32 filters of 3x3, padding 1,
stride 1, float32 (``--quick``: N = 8). The vectorised NumPy ``conv2d_forward`` and
``conv2d_backward`` against ``torch.nn.functional.conv2d`` on the CPU (goal: forward within 3x),
the chapter's ``Conv2dFunction`` against the same, and the given loop version (the notebook's
read-only ``loop-versions`` cell, the lecture's code) against the vectorised one.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from bench.layers import Case, _rng, _torch, fwd_bwd, layer, no_grad, randn, tensor

_NOTEBOOK = Path(__file__).resolve().parents[2] / "solutions" / "05_convolution" / "convolution.ipynb"


def _size(quick: bool) -> tuple[int, int, int, int, int]:
    """(N, C, H, F, K) of the issue's layer; fewer images with --quick."""
    return (8, 16, 32, 32, 3) if quick else (32, 16, 32, 32, 3)


def _loop_versions() -> dict:
    """The given loop versions (the notebook's read-only ``loop-versions`` cell), executed on their own."""
    cells = json.loads(_NOTEBOOK.read_text(encoding="utf-8"))["cells"]
    for c in cells:
        if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "loop-versions":
            src = c["source"] if isinstance(c["source"], str) else "".join(c["source"])
            ns: dict = {"np": np, "time": __import__("time")}
            exec(compile(src, "<loop-versions>", "exec"), ns)  # noqa: S102 - the course's own notebook
            return ns
    raise KeyError("no loop-versions cell in the chapter's notebook")


@layer("05_convolution", "conv2d forward", needs=("conv2d_forward",))
def _conv_f(ns, quick):
    N, C, H, F_, K = _size(quick)
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


@layer("05_convolution", "conv2d backward", needs=("conv2d_forward", "conv2d_backward"))
def _conv_b(ns, quick):
    """The backward pass alone: NumPy from a cached forward, PyTorch's autograd through a kept graph."""
    N, C, H, F_, K = _size(quick)
    r = _rng(54)
    x, w, b, d = randn(r, N, C, H, H), randn(r, F_, C, K, K), randn(r, F_), randn(r, N, F_, H, H)
    _, cache = ns["conv2d_forward"](x, w, b, stride=1, pad=1)

    def theirs(dev):
        torch = _torch()
        args = (tensor(x, dev, True), tensor(w, dev, True), tensor(b, dev, True))
        out = torch.nn.functional.conv2d(*args, padding=1)
        dout = tensor(d, dev)
        return lambda: torch.autograd.grad(out, args, dout, retain_graph=True)

    return Case(
        f"x {N}x{C}x{H}x{H}, w {F_}x{C}x{K}x{K}, pad 1 float32",
        lambda: ns["conv2d_backward"](d, cache),
        theirs,
        "F.conv2d's autograd backward",
    )


@layer("05_convolution", "conv2d forward+backward", ("conv2d_forward", "conv2d_backward"), "Conv2dFunction")
def _conv_fb(ns, quick):
    N, C, H, F_, K = _size(quick)
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


@layer("05_convolution", "conv2d forward, vectorised", needs=("conv2d_forward",))
def _conv_loop(ns, quick):
    """The ratio is the vectorised version's speed-up over the loop version (one output number at a time)."""
    N, C, H, F_, K = (2, 16, 16, 8, 3) if quick else (4, 16, 32, 32, 3)
    r = _rng(55)
    x, w, b = randn(r, N, C, H, H), randn(r, F_, C, K, K), randn(r, F_)
    loop = _loop_versions()["conv2d_forward_loop"]
    return Case(
        f"x {N}x{C}x{H}x{H}, w {F_}x{C}x{K}x{K}, pad 1 float32",
        lambda: ns["conv2d_forward"](x, w, b, stride=1, pad=1),
        lambda dev: lambda: loop(x, w, b, 1, 1),
        "the loop version",
    )


@layer(
    "05_convolution",
    "max pool 2x2 forward+backward",
    ("maxpool2d_forward", "maxpool2d_backward"),
    "MaxPool2dFunction",
)
def _maxpool(ns, quick):
    N, C, H = (8, 16, 32) if quick else (32, 32, 64)
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
