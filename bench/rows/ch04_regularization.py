"""Benchmark rows of chapter 04_regularization (found by ``bench.rows`` from the chapter's name).

Batch norm and layer norm, forward and backward in training mode, at N = 1024 examples of
D = 1024 features in float32 (the size the chapter's issue asks for, also under ``--quick``: one
call takes milliseconds): the chapter's NumPy pair against the PyTorch built-in with autograd on
the CPU, and the chapter's ``torch.autograd.Function`` against the same built-in.
"""

from __future__ import annotations

from bench.layers import Case, _rng, _torch, fwd_bwd, layer, randn, tensor

N, D = 1024, 1024


@layer(
    "04_regularization",
    "batch norm forward+backward (train)",
    ("batchnorm_forward", "batchnorm_backward"),
    "BatchNormFunction",
)
def _batchnorm(ns, quick):
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

    def function(dev):
        args = (tensor(x, dev, True), tensor(g, dev, True), tensor(b, dev, True))
        return fwd_bwd(ns["BatchNormFunction"].apply, args, tensor(d, dev))

    return Case(
        f"N={N} D={D} float32", ours, theirs, "F.batch_norm + autograd", function, "BatchNormFunction"
    )


@layer(
    "04_regularization",
    "layer norm forward+backward",
    ("layernorm_forward", "layernorm_backward"),
    "LayerNormFunction",
)
def _layernorm(ns, quick):
    r = _rng(42)
    x, g, b, d = randn(r, N, D), randn(r, D), randn(r, D), randn(r, N, D)

    def ours():
        _, cache = ns["layernorm_forward"](x, g, b)
        return ns["layernorm_backward"](d, cache)

    def theirs(dev):
        F = _torch().nn.functional
        return fwd_bwd(
            lambda x_, g_, b_: F.layer_norm(x_, (D,), g_, b_, 1e-5),
            (tensor(x, dev, True), tensor(g, dev, True), tensor(b, dev, True)),
            tensor(d, dev),
        )

    def function(dev):
        args = (tensor(x, dev, True), tensor(g, dev, True), tensor(b, dev, True))
        return fwd_bwd(ns["LayerNormFunction"].apply, args, tensor(d, dev))

    return Case(
        f"N={N} D={D} float32", ours, theirs, "F.layer_norm + autograd", function, "LayerNormFunction"
    )
