"""Benchmark rows of chapter 03_optimization (found by ``bench.rows`` from the chapter's name)."""

from __future__ import annotations

from bench.layers import Case, _rng, _torch, layer, randn, tensor


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
