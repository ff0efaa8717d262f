"""Benchmark rows of chapter 06_lstm (found by ``bench.rows`` from the chapter's name).

One row pair: a whole LSTM sequence forward and backward (backprop through time), the NumPy
``lstm_forward`` + ``lstm_backward`` and the chapter's ``LSTMFunction``, each against
``torch.nn.LSTM`` with autograd on the CPU, at the issue's size N = 64, T = 50, D = 64, H = 128
(``--quick``: N = 16, T = 20, D = 32, H = 64), float32. The goal: NumPy within 3x of PyTorch.
"""

from __future__ import annotations

import numpy as np

from bench.layers import Case, _rng, _torch, fwd_bwd, layer, randn, tensor


def _sigmoid(x):
    return 0.5 * (1.0 + np.tanh(0.5 * x))


@layer("06_lstm", "LSTM forward+backward (sequence)", ("lstm_forward", "lstm_backward"), "LSTMFunction")
def _lstm(ns, quick):
    # The notebook's answers call the `sigmoid` of a given (locked) cell, which bench.chapters does
    # not execute (it runs the answer cells' definitions only): supply the same function.
    ns.setdefault("sigmoid", _sigmoid)
    N, T, D, H = (16, 20, 32, 64) if quick else (64, 50, 64, 128)
    r = _rng(61)
    x, h0, c0 = randn(r, N, T, D), randn(r, N, H), randn(r, N, H)
    wx, wh, b = 0.1 * randn(r, D, 4 * H), 0.1 * randn(r, H, 4 * H), randn(r, 4 * H)
    d = randn(r, N, T, H)

    def ours():
        _, cache = ns["lstm_forward"](x, h0, wx, wh, b, c0)
        return ns["lstm_backward"](d, cache)

    def theirs(dev):
        torch = _torch()
        lstm = torch.nn.LSTM(D, H, batch_first=True).to(dev)  # timing only: random weights of the same shapes
        args = (
            tensor(x, dev, True),
            tensor(h0[None], dev, True),
            tensor(c0[None], dev, True),
            *lstm.parameters(),
        )
        return fwd_bwd(lambda x_, h_, c_, *_: lstm(x_, (h_, c_))[0], args, tensor(d, dev))

    def function(dev):
        fn = ns["LSTMFunction"].apply
        args = tuple(tensor(a, dev, True) for a in (x, h0, wx, wh, b, c0))
        return fwd_bwd(fn, args, tensor(d, dev))

    return Case(
        f"N={N} T={T} D={D} H={H} float32",
        ours,
        theirs,
        "torch.nn.LSTM + autograd",
        function,
        "LSTMFunction",
    )
