"""Benchmark rows of chapter 08_attention (found by ``bench.rows`` from the chapter's name).

The issue's size, in both modes: a batch of B = 16 sequences, 8 heads, T = 128 positions, head
width d = 64 (q, k, v of shape (16, 8, 128, 64), float32, no mask). One call is the forward and
the backward pass: the NumPy pair against ``F.scaled_dot_product_attention`` with autograd on
the CPU (and the chapter's ``AttentionFunction`` against the same).
"""

from __future__ import annotations

from bench.layers import Case, _rng, _torch, fwd_bwd, layer, randn, tensor

B, HEADS, T, D = 16, 8, 128, 64


@layer(
    "08_attention",
    "attention forward+backward",
    ("attention_forward", "attention_backward"),
    "AttentionFunction",
)
def _attention(ns, quick):
    r = _rng(81)
    shape = (B, HEADS, T, D)
    q, k, v, d = randn(r, *shape), randn(r, *shape), randn(r, *shape), randn(r, *shape)

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
        f"B={B} heads={HEADS} T={T} d={D} float32",
        ours,
        theirs,
        "F.scaled_dot_product_attention + autograd",
        function,
        "AttentionFunction",
    )
