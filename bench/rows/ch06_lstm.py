"""Benchmark rows of chapter 06_lstm (found by ``bench.rows`` from the chapter's name)."""

from __future__ import annotations

from bench.layers import Case, _rng, _torch, fwd_bwd, layer, randn, tensor


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
