"""Benchmark rows of chapter 05_convolution (found by ``bench.rows`` from the chapter's name)."""

from __future__ import annotations

from bench.layers import Case, _rng, _torch, fwd_bwd, layer, no_grad, randn, tensor


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
