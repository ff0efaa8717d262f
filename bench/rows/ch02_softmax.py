"""Benchmark rows of chapter 02_softmax (found by ``bench.rows`` from the chapter's name).

``softmax_cross_entropy`` (NumPy, loss and gradient in one call) against
``F.cross_entropy`` forward + autograd backward on the CPU, and ``SoftmaxCrossEntropyFunction``
(hand-written backward) against the same built-in, at N = 4096 examples and C = 1000 classes
in float32 (the issue's size; the same with ``--quick``, where one call still takes milliseconds).
"""

from __future__ import annotations

from bench.layers import Case, _rng, _torch, layer, randn, tensor


@layer(
    "02_softmax",
    "softmax cross-entropy forward+backward",
    ("softmax_cross_entropy",),
    "SoftmaxCrossEntropyFunction",
)
def _softmax_ce(ns, quick):
    N, C = 4096, 1000
    r = _rng(21)
    z, y = 3 * randn(r, N, C), r.integers(0, C, N)

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
