"""Benchmark rows of chapter 01_backprop (found by ``bench.rows`` from the chapter's name)."""

from __future__ import annotations

import numpy as np

from bench.layers import Case, _rng, _torch, fwd_bwd, layer, no_grad, randn, tensor


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


@layer("01_backprop", "fully connected net loss+grads, depth 3, L2", needs=("FullyConnectedNet",))
def _fcn(ns, quick):
    N, D, H, C = (128, 64, 128, 10) if quick else (512, 256, 512, 10)
    r = _rng(9)
    X, y = randn(r, N, D), r.integers(0, C, N)
    net = ns["FullyConnectedNet"](D, [H, H], C, activation="relu", init="he", reg=1e-3, seed=0)
    net.params = {k: v.astype(np.float32) for k, v in net.params.items()}
    p = net.params

    def theirs(dev):
        torch = _torch()
        F = torch.nn.functional
        P = {k: tensor(p[k].T if k[0] == "W" else p[k], dev, True) for k in sorted(p)}
        tX, ty = tensor(X, dev), torch.from_numpy(y).to(dev)

        def op():
            h = F.relu(F.linear(tX, P["W1"], P["b1"]))
            h = F.relu(F.linear(h, P["W2"], P["b2"]))
            loss = F.cross_entropy(F.linear(h, P["W3"], P["b3"]), ty)
            loss = loss + 0.5e-3 * sum((P[k] ** 2).sum() for k in ("W1", "W2", "W3"))
            return torch.autograd.grad(loss, tuple(P.values()))

        return op

    return Case(
        f"N={N} D={D} H={H}x2 C={C} float32",
        lambda: net.loss(X, y),
        theirs,
        "F.linear/relu/cross_entropy + autograd",
    )
