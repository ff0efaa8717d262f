"""Benchmark rows of chapter 10_feedback_alignment (found by ``bench.rows`` from the chapter's name).

One training epoch on the digits (the 1438 training digits of the course's split, mini-batches of
32, plain SGD with learning rate 0.05) of the chapter's ``DFANet`` with three tanh hidden layers of
256 units, in NumPy (float64), under each learning rule:

* FA against BP and DFA against BP: time per epoch (ratio = BP's time over the rule's: above 1,
  the rule's epoch is the faster one), and in the notes the held-out accuracy that BP, FA and DFA
  reach in the same number of epochs (10; 3 with ``--quick``) from the same start and batches;
* the same network in PyTorch on the CPU (float32): an epoch whose hidden layers are the chapter's
  ``DFALinearFunction`` (the output error delivered by the training step through a shared holder,
  as in the assignment) against an epoch of plain autograd (backprop).

The rules differ in the backward pass only: BP sends each delta down through ``W.T`` (an
(N, 256) x (256, 256) product per hidden layer), FA through a fixed random matrix of the same
shape (the same cost), DFA projects the (N, 10) output error with one (10, 256) matrix per layer.
The weight gradients and the forward pass, the same for every rule, are most of an epoch's work.

Only the chapter's answer cells are in its namespace (``bench.chapters``): the notebook's read-only
``ACTIVATIONS`` table, which ``DFANet`` reads, is supplied here with the notebook's definition.
"""

from __future__ import annotations

import numpy as np

from bench.common import Row, log
from bench.layers import _error_row, compare, custom

DIMS = [64, 256, 256, 256, 10]
LR, BATCH = 0.05, 32
SIZE = "DFANet [64, 256, 256, 256, 10] tanh, 1438 digits, batch 32, SGD"


def _activations() -> dict:
    return {
        "tanh": (np.tanh, lambda a: 1.0 - np.tanh(a) ** 2),
        "relu": (lambda a: np.maximum(a, 0.0), lambda a: (a > 0).astype(np.float64)),
    }


def _numpy_epochs(ns, rule: str, X, y, seed: int = 0):
    """A fresh DFANet and a function that trains it one more epoch under ``rule``."""
    net = ns["DFANet"](DIMS, seed=seed)
    order = np.random.default_rng(seed + 1)

    def epoch():
        perm = order.permutation(len(y))
        for start in range(0, len(perm), BATCH):
            idx = perm[start : start + BATCH]
            _, grads = net.loss_and_grads(X[idx], y[idx], rule)
            for k in net.params:
                net.params[k] -= LR * grads[k]

    return net, epoch


class _Signal:
    """Where the training step leaves the output error for the DFA layers (the notebook's ErrorSignal)."""

    error = None


def _torch_epochs(ns, dfa: bool, X, y, seed: int = 0):
    """An epoch of the same network in PyTorch (float32, CPU): DFA through DFALinearFunction, or backprop."""
    import torch
    import torch.nn.functional as F

    start = ns["DFANet"](DIMS, seed=seed)
    L = len(DIMS) - 1
    P = {k: torch.tensor(v, dtype=torch.float32, requires_grad=True) for k, v in start.params.items()}
    B = {l: torch.tensor(start.B_dfa[l], dtype=torch.float32) for l in range(1, L)}
    Xt, yt = torch.tensor(X, dtype=torch.float32), torch.tensor(y)
    signal, order, fn = _Signal(), np.random.default_rng(seed + 1), ns["DFALinearFunction"]

    def step(x, t):
        h = x
        for l in range(1, L):
            if dfa:
                h = fn.apply(h, P[f"W{l}"], P[f"b{l}"], B[l], signal, "tanh")
            else:
                h = torch.tanh(h @ P[f"W{l}"] + P[f"b{l}"])
        scores = h @ P[f"W{L}"] + P[f"b{L}"]
        loss = F.cross_entropy(scores, t)
        if dfa:
            with torch.no_grad():
                e = torch.softmax(scores, dim=1)
                e[torch.arange(len(t)), t] -= 1.0
                signal.error = e / len(t)
        grads = torch.autograd.grad(loss, list(P.values()))
        with torch.no_grad():
            for p, g in zip(P.values(), grads):
                p.sub_(LR * g)

    def epoch():
        perm = torch.as_tensor(order.permutation(len(y)))
        for s in range(0, len(perm), BATCH):
            idx = perm[s : s + BATCH]
            step(Xt[idx], yt[idx])

    return epoch


def feedback_alignment_rows(ns, ctx) -> list[Row]:
    from course.data import load_digits

    ns.setdefault("ACTIVATIONS", _activations())
    train, val = load_digits()
    epochs = 3 if ctx.quick else 10
    acc = {}
    for rule in ("bp", "fa", "dfa"):
        net, epoch = _numpy_epochs(ns, rule, train.X, train.y)
        for _ in range(epochs):
            epoch()
        acc[rule] = float(np.mean(net.predict(val.X) == val.y))
    accuracy = (
        f"held-out accuracy after {epochs} epochs from the same start and batches: "
        f"BP {acc['bp']:.3f}, FA {acc['fa']:.3f}, DFA {acc['dfa']:.3f}"
    )
    log(f"10 feedback alignment: {accuracy}")

    def row(what: str) -> Row:
        return ctx.row(f"10 {what}", size=SIZE, unit="s/epoch", notes=accuracy)

    rows = []
    for rule in ("fa", "dfa"):
        r = row(f"one training epoch on the digits: {rule.upper()} vs BP (NumPy, CPU)")
        try:
            ours = _numpy_epochs(ns, rule, train.X, train.y)[1]
            theirs = _numpy_epochs(ns, "bp", train.X, train.y)[1]
            rows.append(compare(ctx, r, ours, theirs))
            log(f"  {r.what}: ours {r.ours}, theirs {r.theirs}, ratio {r.ratio:.3g}")
        except Exception as exc:  # noqa: BLE001 - one broken row must not end the run
            rows.append(_error_row(r, exc))
    if "DFALinearFunction" in ns:
        r = row(
            "one training epoch on the digits: DFA with DFALinearFunction vs backprop with autograd (PyTorch, CPU)"
        )
        r.notes = "float32; the error delivered by the training step through a shared holder"
        try:
            ours = _torch_epochs(ns, True, train.X, train.y)
            theirs = _torch_epochs(ns, False, train.X, train.y)
            rows.append(compare(ctx, r, ours, theirs))
            log(f"  {r.what}: ours {r.ours}, theirs {r.theirs}, ratio {r.ratio:.3g}")
        except Exception as exc:  # noqa: BLE001
            rows.append(_error_row(r, exc))
    return rows


custom("10_feedback_alignment", "training epoch on the digits, BP / FA / DFA", needs=("DFANet",))(
    feedback_alignment_rows
)
