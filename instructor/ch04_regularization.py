"""Typical mistakes in chapter 04 (regularisation): each must lose points when graded.

Every mutant below still runs and fails a visible test with a ``CheckFailure`` in the test cell
right after the edited answer cell (the hidden checks add other shapes and edge cases: a constant
feature, a batch of one, test mode with default running statistics, p = 0). The mistakes the
chapter's issue names are all here: dropout scaled by p, dropout in test mode, batch norm over
the feature axis, biased and unbiased variance swapped in the running estimate, a backward
without the mean-of-gradient term, layer norm over the batch axis. The trusted evaluator
``digits_deep_mlp`` judges Part 3's trained networks from their parameters and running statistics.
"""

from __future__ import annotations

import numpy as np

from instructor import Evaluator, Mutant, perturbed_digits

NOTEBOOK = "solutions/04_regularization/regularization.ipynb"

_DROPOUT_TRAIN = """    if train:
        keep = rng.random(x.shape) >= p
        out = x * keep / (1.0 - p)
    else:
        keep = None
        out = x.copy()
"""

_BN_STATS = """        mu = x.mean(axis=0)
        xc = x - mu
        var = (xc**2).mean(axis=0)
"""

_LN_STATS = """    mu = x.mean(axis=1, keepdims=True)
    xc = x - mu
    var = (xc**2).mean(axis=1, keepdims=True)
"""

_BN_BACKWARD_TORCH = """        xhat, inv_std, gamma = ctx.saved_tensors
        n = dout.shape[0]
        dbeta = dout.sum(dim=0)
        dgamma = (dout * xhat).sum(dim=0)
        # dx = gamma / s * (dout - dbeta / n - xhat * dgamma / n), built in place
        dx = xhat * (-dgamma / n)  # the path through the variance
        dx += dout  # the direct path
        dx -= dbeta / n  # the path through the mean
        dx *= gamma * inv_std
"""

MUTANTS = [
    # ------------------------------------------------------------------ dropout_forward
    Mutant(
        cell="dropout_forward",
        old="out = x * keep / (1.0 - p)",
        new="out = x * keep * p",
        why="I scaled the kept units by p instead of 1/(1 - p).",
    ),
    Mutant(
        cell="dropout_forward",
        old=_DROPOUT_TRAIN,
        new="""    keep = rng.random(x.shape) >= p
    out = x * keep / (1.0 - p)
""",
        why="I applied dropout in test mode too.",
    ),
    Mutant(
        cell="dropout_forward",
        old="keep = rng.random(x.shape) >= p",
        new="keep = rng.random(x.shape) < p",
        why="I kept each unit with probability p (p read as the keep probability).",
    ),
    Mutant(
        cell="dropout_forward",
        old="out = x * keep / (1.0 - p)",
        new="out = x * keep",
        why="I forgot to divide by 1 - p (plain dropout, not inverted).",
    ),
    Mutant(
        cell="dropout_forward",
        old="        out = x.copy()\n",
        new="        out = x * (1.0 - p)\n",
        why="I scaled by 1 - p at test time although the dropout is inverted.",
    ),
    Mutant(
        cell="dropout_forward",
        old="keep = rng.random(x.shape) >= p",
        new="keep = np.random.default_rng(0).random(x.shape) >= p",
        why="I made a generator of my own instead of using rng.",
    ),
    # ------------------------------------------------------------------ dropout_backward
    Mutant(
        cell="dropout_backward",
        old="dx = dout * keep / (1.0 - p)",
        new="dx = dout * keep",
        why="My backward pass forgot the 1/(1 - p) scaling.",
    ),
    Mutant(
        cell="dropout_backward",
        old="dx = dout * keep / (1.0 - p)",
        new="dx = dout / (1.0 - p)",
        why="My backward pass forgot the mask.",
    ),
    Mutant(
        cell="dropout_backward",
        old="dx = dout * keep / (1.0 - p)",
        new="dx = keep / (1.0 - p)",
        why="I returned the local derivative without multiplying by dout.",
    ),
    Mutant(
        cell="dropout_backward",
        old="        dx = dout.copy()\n",
        new="        dx = dout * (1.0 - p)\n",
        why="I rescaled the gradient in test mode.",
    ),
    # ------------------------------------------------------------------ batchnorm_forward
    Mutant(
        cell="batchnorm_forward",
        old=_BN_STATS,
        new="""        mu = x.mean(axis=1, keepdims=True)
        xc = x - mu
        var = (xc**2).mean(axis=1, keepdims=True)
""",
        why="I normalised each example over its features (the feature axis) instead of over the batch.",
    ),
    Mutant(
        cell="batchnorm_forward",
        old="(1.0 - momentum) * var * n / (n - 1)",
        new="(1.0 - momentum) * var",
        why="I put the biased batch variance into the running variance.",
    ),
    Mutant(
        cell="batchnorm_forward",
        old="""        inv_std = 1.0 / np.sqrt(var + eps)
""",
        new="""        inv_std = 1.0 / np.sqrt(var * n / (n - 1) + eps)
""",
        why="I normalised with the unbiased variance.",
    ),
    Mutant(
        cell="batchnorm_forward",
        old="""        inv_std = 1.0 / np.sqrt(var + eps)
""",
        new="""        var = var * n / (n - 1)
        inv_std = 1.0 / np.sqrt(var + eps)
""",
        why="I swapped them: unbiased variance to normalise, biased one in the running estimate.",
    ),
    Mutant(
        cell="batchnorm_forward",
        old="""        running_mean = momentum * running_mean + (1.0 - momentum) * mu
        running_var = momentum * running_var + (1.0 - momentum) * var * n / (n - 1)
""",
        new="""        running_mean = (1.0 - momentum) * running_mean + momentum * mu
        running_var = (1.0 - momentum) * running_var + momentum * var * n / (n - 1)
""",
        why="I used PyTorch's momentum convention with the course's momentum value.",
    ),
    Mutant(
        cell="batchnorm_forward",
        old="""        out = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta
        cache = None
""",
        new="""        mu = x.mean(axis=0)
        out = gamma * (x - mu) / np.sqrt(x.var(axis=0) + eps) + beta
        cache = None
""",
        why="In test mode I normalised with the test batch's own statistics.",
    ),
    Mutant(
        cell="batchnorm_forward",
        old="inv_std = 1.0 / np.sqrt(var + eps)",
        new="inv_std = 1.0 / (np.sqrt(var) + eps)",
        why="I added eps to the standard deviation instead of the variance.",
    ),
    Mutant(
        cell="batchnorm_forward",
        old="out = gamma * xhat + beta",
        new="out = xhat",
        why="I forgot the scale and shift gamma, beta.",
    ),
    Mutant(
        cell="batchnorm_forward",
        old="inv_std = 1.0 / np.sqrt(var + eps)",
        new="inv_std = 1.0 / np.sqrt(var)",
        why="I left out eps (a constant feature would give 0/0).",
    ),
    # ------------------------------------------------------------------ batchnorm_backward
    Mutant(
        cell="batchnorm_backward",
        old="(dout - dbeta / n - xhat * (dgamma / n))",
        new="(dout - xhat * (dgamma / n))",
        why="My backward is missing the mean-of-gradient term (the path through the mean).",
    ),
    Mutant(
        cell="batchnorm_backward",
        old="(dout - dbeta / n - xhat * (dgamma / n))",
        new="(dout - dbeta / n)",
        why="My backward is missing the term through the variance.",
    ),
    Mutant(
        cell="batchnorm_backward",
        old="dgamma = (dout * xhat).sum(axis=0)",
        new="dgamma = dout.sum(axis=0)",
        why="I forgot x_hat in dgamma.",
    ),
    Mutant(
        cell="batchnorm_backward",
        old="dbeta = dout.sum(axis=0)",
        new="dbeta = dout.sum(axis=1)",
        why="I summed dbeta over the feature axis.",
    ),
    Mutant(
        cell="batchnorm_backward",
        old="dx = (gamma * inv_std) * (",
        new="dx = inv_std * (",
        why="I forgot that x_hat is multiplied by gamma.",
    ),
    Mutant(
        cell="batchnorm_backward",
        old="(dout - dbeta / n - xhat * (dgamma / n))",
        new="(dout - dbeta - xhat * dgamma)",
        why="I forgot the 1/N of the compact formula.",
    ),
    Mutant(
        cell="batchnorm_backward",
        old="dgamma = (dout * xhat).sum(axis=0)",
        new="dgamma = (dout * xhat).mean(axis=0)",
        why="I averaged dgamma over the batch.",
    ),
    # ------------------------------------------------------------------ layernorm_forward
    Mutant(
        cell="layernorm_forward",
        old=_LN_STATS,
        new="""    mu = x.mean(axis=0, keepdims=True)
    xc = x - mu
    var = (xc**2).mean(axis=0, keepdims=True)
""",
        why="I normalised over the batch axis (that is batch norm).",
    ),
    Mutant(
        cell="layernorm_forward",
        old="var = (xc**2).mean(axis=1, keepdims=True)",
        new="var = x.var(axis=1, ddof=1, keepdims=True)",
        why="I used the unbiased variance.",
    ),
    Mutant(
        cell="layernorm_forward",
        old="out = gamma * xhat + beta",
        new="out = beta * xhat + gamma",
        why="I swapped gamma and beta.",
    ),
    Mutant(
        cell="layernorm_forward",
        old="inv_std = 1.0 / np.sqrt(var + eps)",
        new="inv_std = 1.0 / np.sqrt(var + 1e-5)",
        why="I ignored the eps argument and used 1e-5.",
    ),
    Mutant(
        cell="layernorm_forward",
        old="inv_std = 1.0 / np.sqrt(var + eps)",
        new="inv_std = 1.0 / np.sqrt(var)",
        why="I left out eps (a constant row would give 0/0).",
    ),
    # ------------------------------------------------------------------ layernorm_backward
    Mutant(
        cell="layernorm_backward",
        old="""    sum_dxhat = dxhat.sum(axis=1, keepdims=True)  # over the features of each row
    sum_dxhat_xhat = (dxhat * xhat).sum(axis=1, keepdims=True)
""",
        new="""    sum_dxhat = dxhat.sum(axis=0, keepdims=True)
    sum_dxhat_xhat = (dxhat * xhat).sum(axis=0, keepdims=True)
""",
        why="In dx I summed over the batch axis, as in batch norm.",
    ),
    Mutant(
        cell="layernorm_backward",
        old="d * dxhat - sum_dxhat - xhat",
        new="d * dxhat - xhat",
        why="My layer norm backward is missing the mean-of-gradient term.",
    ),
    Mutant(
        cell="layernorm_backward",
        old="dgamma = (dout * xhat).sum(axis=0)",
        new="dgamma = (dout * xhat).sum(axis=1)",
        why="I summed dgamma over the features instead of the batch.",
    ),
    Mutant(
        cell="layernorm_backward",
        old="d = dout.shape[1]",
        new="d = dout.shape[0]",
        why="I divided by the batch size N instead of the number of features D.",
    ),
    # ------------------------------------------------------------------ BatchNormFunction
    Mutant(
        cell="BatchNormFunction",
        old="var = (xhat * xhat).mean(dim=0)",
        new="var = x.var(dim=0)",
        why="I used x.var(dim=0), which is PyTorch's unbiased variance.",
    ),
    Mutant(
        cell="BatchNormFunction",
        old="xhat = x - x.mean(dim=0)  # centred, a new tensor\n        var = (xhat * xhat).mean(dim=0)",
        new="xhat = x - x.mean(dim=1, keepdim=True)\n        var = (xhat * xhat).mean(dim=1, keepdim=True)",
        why="I normalised over the feature dimension.",
    ),
    Mutant(
        cell="BatchNormFunction",
        old="        dx -= dbeta / n  # the path through the mean\n",
        new="",
        why="My backward is missing the mean-of-gradient term.",
    ),
    Mutant(
        cell="BatchNormFunction",
        old="dgamma = (dout * xhat).sum(dim=0)",
        new="dgamma = dout.sum(dim=0)",
        why="I forgot x_hat in dgamma.",
    ),
    Mutant(
        cell="BatchNormFunction",
        old="dx *= gamma * inv_std",
        new="dx *= inv_std",
        why="I forgot that x_hat is multiplied by gamma.",
    ),
    Mutant(
        cell="BatchNormFunction",
        old=_BN_BACKWARD_TORCH,
        new="""        xhat, inv_std, gamma = ctx.saved_tensors
        with torch.enable_grad():
            xl = (xhat / inv_std).detach().requires_grad_(True)  # x minus its mean: same gradient
            gl = gamma.detach().requires_grad_(True)
            bl = torch.zeros_like(gamma).requires_grad_(True)
            o = gl * (xl - xl.mean(0)) / torch.sqrt(xl.var(0, unbiased=False) + 1e-5) + bl
            dx, dgamma, dbeta = torch.autograd.grad(o, (xl, gl, bl), dout)
""",
        why="I let autograd compute the backward inside backward.",
    ),
    # ------------------------------------------------------------------ LayerNormFunction
    Mutant(
        cell="LayerNormFunction",
        old="xhat = x - x.mean(dim=-1, keepdim=True)  # centred, a new tensor\n        var = (xhat * xhat).mean(dim=-1, keepdim=True)",
        new="xhat = x - x.mean(dim=0, keepdim=True)\n        var = (xhat * xhat).mean(dim=0, keepdim=True)",
        why="I normalised over the batch dimension.",
    ),
    Mutant(
        cell="LayerNormFunction",
        old="var = (xhat * xhat).mean(dim=-1, keepdim=True)",
        new="var = x.var(dim=-1, keepdim=True)",
        why="I used x.var, PyTorch's unbiased variance.",
    ),
    Mutant(
        cell="LayerNormFunction",
        old="        dx -= dxhat.mean(dim=-1, keepdim=True)\n",
        new="",
        why="My layer norm backward is missing the mean-of-gradient term.",
    ),
    Mutant(
        cell="LayerNormFunction",
        old="dxhat = dout * gamma",
        new="dxhat = dout",
        why="I forgot gamma in the gradient of x_hat.",
    ),
]


# --------------------------------------------------------------------------- trusted evaluator


def _deep_mlp_predict(params: dict, X: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    """Test-mode forward pass of Part 3's DeepMLP / TorchDeepMLP from its recorded parameters.

    Hidden layer l: z = h @ W{l} + b{l}; when gamma{l} is present, batch norm in test mode with
    the recorded running_mean{l} and running_var{l}; ReLU; dropout is the identity at test time.
    The last layer is affine. Returns the class with the largest score.
    """
    n_layers = sum(1 for k in params if k.startswith("W") and k[1:].isdigit())
    h = np.asarray(X, dtype=np.float64)
    for l in range(1, n_layers):
        z = h @ params[f"W{l}"] + params[f"b{l}"]
        if f"gamma{l}" in params:
            z = (
                params[f"gamma{l}"]
                * (z - params[f"running_mean{l}"])
                / np.sqrt(params[f"running_var{l}"] + eps)
                + params[f"beta{l}"]
            )
        h = np.maximum(z, 0.0)
    scores = h @ params[f"W{n_layers}"] + params[f"b{n_layers}"]
    return scores.argmax(axis=1)


EVALUATORS = {
    "digits_deep_mlp": Evaluator(
        predict=_deep_mlp_predict,
        data=perturbed_digits,
        describe="a deep ReLU MLP (W1, b1, [gamma1, beta1, running_mean1, running_var1], ...) in test mode "
        "on the digits' validation split with pixel noise",
        param_shapes={"W1": (64, None), "b1": (None,)},
    ),
}
