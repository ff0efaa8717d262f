"""Benchmark rows of chapter 09_generative (found by ``bench.rows`` from the chapter's name).

One training step of the assignment's VAE (64 pixels, a ReLU hidden layer of 128 units, L = 2
latent dimensions, a decoder with one ReLU hidden layer) on a batch of 256 digits, float32, plain
SGD: forward, the negative ELBO (64 x mean BCE + Gaussian KL), backward and the update.

* ours: NumPy, built from the chapter's ``bce_with_logits``, ``gaussian_kl``,
  ``reparameterize_forward``/``reparameterize_backward`` and affine/ReLU steps written here;
* theirs: the same network in PyTorch with ``F.binary_cross_entropy_with_logits`` and autograd;
* function: the PyTorch network with the chapter's ``BCEWithLogitsFunction`` for the loss.

The size is the issue's (batch 256); ``--quick`` keeps it (one step takes well under a millisecond
to a few milliseconds). Before timing, the NumPy step's loss and gradients are checked against
PyTorch's on the same parameters, so the rows compare the same computation.
"""

from __future__ import annotations

import numpy as np

from bench.layers import Case, _rng, _torch, layer, tensor

_SHAPES = {"enc": (64, 128), "mu": (128, 2), "logvar": (128, 2), "dec": (2, 128), "out": (128, 64)}
_LR = 1e-4  # small: the timing loop repeats the step thousands of times on one batch


def _params(seed: int = 91) -> dict[str, np.ndarray]:
    r = _rng(seed)
    p = {}
    for name, (a, b) in _SHAPES.items():
        p[f"{name}_W"] = (r.standard_normal((a, b)) * np.sqrt(2.0 / a)).astype(np.float32)
        p[f"{name}_b"] = np.zeros(b, dtype=np.float32)
    return p


def _digits(n: int = 256) -> np.ndarray:
    from course.data import load_digits

    train, _ = load_digits()
    return np.ascontiguousarray(train.X[:n], dtype=np.float32)


def _numpy_loss_and_grads(ns, p, x, eps):
    """The negative ELBO of the batch and its gradients, by hand (NumPy)."""
    h = x @ p["enc_W"] + p["enc_b"]
    a = np.maximum(h, 0)
    mu, logvar = a @ p["mu_W"] + p["mu_b"], a @ p["logvar_W"] + p["logvar_b"]
    z, cache = ns["reparameterize_forward"](mu, logvar, eps)
    hd = z @ p["dec_W"] + p["dec_b"]
    ad = np.maximum(hd, 0)
    logits = ad @ p["out_W"] + p["out_b"]
    d = x.shape[1]
    bce, dlogits = ns["bce_with_logits"](logits, x)
    kl, dmu, dlogvar = ns["gaussian_kl"](mu, logvar)
    dlogits = d * dlogits  # the reconstruction term is d x the mean BCE (the sum over pixels)
    g = {"out_W": ad.T @ dlogits, "out_b": dlogits.sum(axis=0)}
    dhd = (dlogits @ p["out_W"].T) * (hd > 0)
    g["dec_W"], g["dec_b"] = z.T @ dhd, dhd.sum(axis=0)
    dmu_z, dlogvar_z = ns["reparameterize_backward"](dhd @ p["dec_W"].T, cache)
    dmu, dlogvar = dmu + dmu_z, dlogvar + dlogvar_z
    g["mu_W"], g["mu_b"] = a.T @ dmu, dmu.sum(axis=0)
    g["logvar_W"], g["logvar_b"] = a.T @ dlogvar, dlogvar.sum(axis=0)
    dh = (dmu @ p["mu_W"].T + dlogvar @ p["logvar_W"].T) * (h > 0)
    g["enc_W"], g["enc_b"] = x.T @ dh, dh.sum(axis=0)
    return d * bce + kl, g


def _torch_loss(tp, x, eps, bce):
    torch = _torch()
    h = torch.relu(x @ tp["enc_W"] + tp["enc_b"])
    mu, logvar = h @ tp["mu_W"] + tp["mu_b"], h @ tp["logvar_W"] + tp["logvar_b"]
    z = mu + torch.exp(0.5 * logvar) * eps
    logits = torch.relu(z @ tp["dec_W"] + tp["dec_b"]) @ tp["out_W"] + tp["out_b"]
    kl = 0.5 * (mu**2 + logvar.exp() - 1.0 - logvar).sum(dim=1).mean()
    return x.shape[1] * bce(logits, x) + kl


def _torch_step(tp, x, eps, bce):
    torch = _torch()
    leaves = list(tp.values())

    def op():
        loss = _torch_loss(tp, x, eps, bce)
        grads = torch.autograd.grad(loss, leaves)
        with torch.no_grad():
            for q, gq in zip(leaves, grads):
                q.sub_(_LR * gq)
        return loss

    return op


@layer(
    "09_generative",
    "VAE training step (batch 256)",
    ("bce_with_logits", "gaussian_kl", "reparameterize_forward", "reparameterize_backward"),
    "BCEWithLogitsFunction",
)
def _vae_step(ns, quick):
    torch = _torch()
    x = _digits(256)
    eps = _rng(92).standard_normal((len(x), 2)).astype(np.float32)

    # The NumPy step computes what PyTorch computes: loss and gradients on the same parameters.
    p0 = _params()
    loss_np, grads_np = _numpy_loss_and_grads(ns, p0, x, eps)
    tp = {k: tensor(v, "cpu", True) for k, v in p0.items()}
    loss_t = _torch_loss(
        tp, tensor(x, "cpu"), tensor(eps, "cpu"), torch.nn.functional.binary_cross_entropy_with_logits
    )
    grads_t = dict(zip(tp, torch.autograd.grad(loss_t, list(tp.values()))))
    if not np.isclose(loss_np, loss_t.item(), rtol=1e-4):
        raise AssertionError(f"NumPy loss {loss_np} differs from PyTorch's {loss_t.item()}")
    for k, gk in grads_np.items():
        if not np.allclose(gk, grads_t[k].numpy(), rtol=1e-3, atol=1e-4):
            raise AssertionError(f"NumPy gradient of {k} differs from PyTorch's")

    p = _params()

    def ours():
        _, g = _numpy_loss_and_grads(ns, p, x, eps)
        for k, gk in g.items():
            p[k] -= _LR * gk

    def theirs(dev):
        tp = {k: tensor(v, dev, True) for k, v in _params().items()}
        return _torch_step(
            tp, tensor(x, dev), tensor(eps, dev), torch.nn.functional.binary_cross_entropy_with_logits
        )

    def function(dev):
        tp = {k: tensor(v, dev, True) for k, v in _params().items()}
        return _torch_step(tp, tensor(x, dev), tensor(eps, dev), ns["BCEWithLogitsFunction"].apply)

    return Case(
        "N=256 D=64 H=128 L=2 float32, SGD",
        ours,
        theirs,
        "PyTorch (F.binary_cross_entropy_with_logits + autograd)",
        function,
        "PyTorch with BCEWithLogitsFunction",
    )
