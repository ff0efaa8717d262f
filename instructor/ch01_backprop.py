"""Typical mistakes in chapter 01 (backprop), and the trusted evaluators of its trained models.

Every mutant below still runs, and each must lose points when graded. Almost all fail a visible
test: the test cell right after the edited answer cell (the cache mistakes of ``sigmoid_forward``
and ``tanh_forward`` fail the backward test that follows). The naive sigmoid fails because its
test runs under ``np.errstate(over="raise")``; the two backward passes that ask autograd for the
gradient fail ``backward_problems``.
"""

from __future__ import annotations

from instructor import Evaluator, Mutant, perturbed_digits, relu_mlp_predict

NOTEBOOK = "solutions/01_backprop/backprop.ipynb"

MUTANTS = [
    # ------------------------------------------------------------------ affine_forward
    Mutant(
        cell="affine_forward",
        old="    out = x @ w + b\n",
        new="    out = x @ w\n",
        why="I forgot to add the bias.",
    ),
    Mutant(
        cell="affine_forward",
        old="    out = x @ w + b\n",
        new="    out = x @ w.T + b\n",
        why="I multiplied by the transposed weight (PyTorch's layout).",
    ),
    Mutant(
        cell="affine_forward",
        old="    out = x @ w + b\n",
        new="    out = x @ w - b\n",
        why="I subtracted the bias.",
    ),
    Mutant(
        cell="affine_forward",
        old="    out = x @ w + b\n",
        new="    out = np.maximum(x @ w + b, 0.0)\n",
        why="I put the ReLU inside the affine layer.",
    ),
    # ------------------------------------------------------------------ affine_backward
    Mutant(
        cell="affine_backward",
        old="dw = x.T @ dout",
        new="dw = dout.T @ x",
        why="My dw is transposed: (M, D) instead of (D, M).",
    ),
    Mutant(
        cell="affine_backward",
        old="dw = x.T @ dout",
        new="dw = (dout.T @ x).T if dout.shape[1] != x.shape[1] else dout.T @ x",
        why="I let the shapes decide, and with a square w they could not.",
    ),
    Mutant(
        cell="affine_backward",
        old="db = dout.sum(axis=0)",
        new="db = dout.sum(axis=1)",
        why="I summed the bias gradient over the wrong axis.",
    ),
    Mutant(
        cell="affine_backward",
        old="db = dout.sum(axis=0)",
        new="db = dout.mean(axis=0)",
        why="I averaged the bias gradient over the batch (an extra 1/N).",
    ),
    Mutant(
        cell="affine_backward",
        old="db = dout.sum(axis=0)",
        new="db = np.zeros(dout.shape[1])",
        why="I forgot the bias gradient.",
    ),
    Mutant(
        cell="affine_backward",
        old="dx = dout @ w.T",
        new="dx = -dout @ w.T",
        why="I got the sign of dx wrong.",
    ),
    # ------------------------------------------------------------------ relu_forward
    Mutant(
        cell="relu_forward",
        old="np.maximum(x, 0.0)",
        new="np.minimum(x, 0.0)",
        why="I used minimum instead of maximum.",
    ),
    Mutant(cell="relu_forward", old="np.maximum(x, 0.0)", new="np.abs(x)", why="I took the absolute value."),
    Mutant(
        cell="relu_forward",
        old="np.maximum(x, 0.0)",
        new="np.maximum(x, 0.01 * x)",
        why="I wrote a leaky ReLU out of habit.",
    ),
    Mutant(
        cell="relu_forward",
        old="    out = np.maximum(x, 0.0)\n",
        new="    out = x\n    out[out < 0] = 0.0\n",
        why="I zeroed the negative entries in place, changing the caller's array.",
    ),
    # ------------------------------------------------------------------ relu_backward
    Mutant(
        cell="relu_backward",
        old="dout * (x > 0)",
        new="dout * (x >= 0)",
        why="I let the gradient through at exactly x = 0.",
    ),
    Mutant(
        cell="relu_backward",
        old="dx = dout * (x > 0)",
        new="dx = dout.copy()",
        why="I passed the gradient through where x < 0 too.",
    ),
    Mutant(
        cell="relu_backward",
        old="dx = dout * (x > 0)",
        new="dx = (x > 0) * 1.0",
        why="I returned the local derivative and forgot to multiply by dout.",
    ),
    Mutant(
        cell="relu_backward",
        old="dout * (x > 0)",
        new="dout * (x < 0)",
        why="I masked with the wrong inequality.",
    ),
    # ------------------------------------------------------------------ sigmoid_forward
    Mutant(
        cell="sigmoid_forward",
        old="np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))",
        new="1.0 / (1.0 + np.exp(-x))",
        why="I wrote the textbook formula 1 / (1 + exp(-x)), which overflows for x = -800.",
    ),
    Mutant(
        cell="sigmoid_forward",
        old="np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))",
        new="np.exp(x) / (1.0 + np.exp(x))",
        why="I used exp(x) / (1 + exp(x)), which is nan for large x.",
    ),
    Mutant(
        cell="sigmoid_forward",
        old="np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))",
        new="np.where(x >= 0, 1.0 / (1.0 + np.exp(-x)), np.exp(x) / (1.0 + np.exp(x)))",
        why="I used np.where on the two textbook forms, but np.where computes both for every entry.",
    ),
    Mutant(
        cell="sigmoid_forward",
        old="np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))",
        new="np.where(x >= 0, e / (1.0 + e), 1.0 / (1.0 + e))",
        why="I swapped the two branches of the stable sigmoid.",
    ),
    Mutant(
        cell="sigmoid_forward",
        old="e = np.exp(-np.abs(x))",
        new="e = np.exp(np.abs(x))",
        why="I dropped the minus sign in the exponent.",
    ),
    Mutant(
        cell="sigmoid_forward",
        old="    cache = out\n",
        new="    cache = x\n",
        why="I cached the input, so the backward pass computes x (1 - x).",
    ),
    # ------------------------------------------------------------------ sigmoid_backward
    Mutant(
        cell="sigmoid_backward",
        old="dout * s * (1.0 - s)",
        new="dout * s",
        why="I used sigma(x) as the derivative instead of sigma(x) (1 - sigma(x)).",
    ),
    Mutant(
        cell="sigmoid_backward",
        old="dout * s * (1.0 - s)",
        new="s * (1.0 - s)",
        why="I forgot to multiply by the upstream gradient.",
    ),
    Mutant(
        cell="sigmoid_backward",
        old="dout * s * (1.0 - s)",
        new="dout * (1.0 - s**2)",
        why="I used the tanh derivative 1 - s**2.",
    ),
    # ------------------------------------------------------------------ tanh_forward
    Mutant(
        cell="tanh_forward",
        old="    cache = out\n",
        new="    cache = x\n",
        why="I cached the input, so the backward pass computes 1 - x**2 instead of 1 - tanh(x)**2.",
    ),
    Mutant(
        cell="tanh_forward",
        old="out = np.tanh(x)",
        new="out = (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))",
        why="I wrote tanh from exponentials, which is nan for large |x|.",
    ),
    Mutant(
        cell="tanh_forward",
        old="out = np.tanh(x)",
        new="out = 2.0 * sigmoid_forward(x)[0] - 1.0",
        why="I used 2 sigma(x) - 1, which is tanh(x / 2).",
    ),
    # ------------------------------------------------------------------ tanh_backward
    Mutant(
        cell="tanh_backward",
        old="dout * (1.0 - t**2)",
        new="dout * (1.0 - np.tanh(t) ** 2)",
        why="I applied tanh again to the cached output.",
    ),
    Mutant(
        cell="tanh_backward",
        old="dout * (1.0 - t**2)",
        new="1.0 - t**2",
        why="I forgot to multiply by the upstream gradient.",
    ),
    Mutant(
        cell="tanh_backward",
        old="dout * (1.0 - t**2)",
        new="dout * t * (1.0 - t)",
        why="I copied the sigmoid derivative.",
    ),
    # ------------------------------------------------------------------ mse_loss
    Mutant(
        cell="mse_loss", old="dpred = diff / n", new="dpred = diff", why="I forgot the 1/N in the gradient."
    ),
    Mutant(
        cell="mse_loss", old="diff = pred - y", new="diff = y - pred", why="My gradient has the wrong sign."
    ),
    Mutant(
        cell="mse_loss",
        old="n = pred.shape[0]",
        new="n = pred.size",
        why="I averaged over all entries instead of over the batch.",
    ),
    Mutant(
        cell="mse_loss",
        old="/ (2 * n)",
        new="/ n",
        why="I forgot the 1/2 in the loss (its gradient no longer matches).",
    ),
    # ------------------------------------------------------------------ numerical_gradient
    Mutant(
        cell="numerical_gradient",
        old="grad[i] = (f_plus - f_minus) / (2 * h)",
        new="grad[i] = (f_plus - f(x)) / h",
        why="I used forward differences.",
    ),
    Mutant(
        cell="numerical_gradient",
        old="        x[i] = old\n",
        new="",
        why="I did not restore x[i] after nudging it.",
    ),
    Mutant(cell="numerical_gradient", old="/ (2 * h)", new="/ h", why="I divided by h instead of 2h."),
    Mutant(
        cell="numerical_gradient",
        old="for i in np.ndindex(x.shape):",
        new="for i in range(x.shape[0]):",
        why="I looped over the first axis only.",
    ),
    Mutant(
        cell="numerical_gradient",
        old="    grad = np.zeros(x.shape)\n",
        new="    grad = np.zeros(x.shape)\n    h = 1e-5\n",
        why="I always used h = 1e-5, whatever step I was given.",
    ),
    # ------------------------------------------------------------------ softmax_cross_entropy
    Mutant(
        cell="softmax_cross_entropy", old="    dscores /= n\n", new="", why="I forgot the 1/N in dscores."
    ),
    Mutant(
        cell="softmax_cross_entropy",
        old="    dscores[np.arange(n), y] -= 1.0\n",
        new="",
        why="I forgot to subtract the one-hot labels from the softmax.",
    ),
    Mutant(
        cell="softmax_cross_entropy",
        old="loss = -log_probs[np.arange(n), y].mean()",
        new="loss = -log_probs[np.arange(n), y].sum()",
        why="I summed the loss over the batch instead of averaging.",
    ),
    Mutant(
        cell="softmax_cross_entropy",
        old="loss = -log_probs[np.arange(n), y].mean()",
        new="loss = log_probs[np.arange(n), y].mean()",
        why="I forgot the minus sign of the negative log-likelihood.",
    ),
    Mutant(
        cell="softmax_cross_entropy",
        old="shifted = scores - scores.max(axis=1, keepdims=True)",
        new="shifted = scores",
        why="I did not subtract the largest score, so exp overflows for large scores.",
    ),
    Mutant(
        cell="softmax_cross_entropy",
        old="shifted = scores - scores.max(axis=1, keepdims=True)",
        new="shifted = scores - scores.max(axis=0, keepdims=True)",
        why="I subtracted each column's largest score instead of each row's.",
    ),
    # ------------------------------------------------------------------ TwoLayerNet
    Mutant(
        cell="TwoLayerNet",
        old='"b1": db1',
        new='"b1": np.zeros_like(b1)',
        why="I forgot the gradient of the first bias.",
    ),
    Mutant(
        cell="TwoLayerNet",
        old='"b2": db2',
        new='"b2": np.zeros_like(b2)',
        why="I forgot the gradient of the second bias.",
    ),
    Mutant(
        cell="TwoLayerNet",
        old="dhidden = relu_backward(dact, cache_relu)",
        new="dhidden = dact",
        why="I skipped the ReLU in the backward pass.",
    ),
    Mutant(
        cell="TwoLayerNet",
        old="_, dW1, db1 = affine_backward(dhidden, cache1)",
        new="_, dW1, db1 = affine_backward(dact, cache1)",
        why="I passed the gradient of the ReLU's output, not of its input, to the first layer.",
    ),
    Mutant(
        cell="TwoLayerNet",
        old="scores, cache2 = affine_forward(act, W2, b2)",
        new="scores, cache2 = affine_forward(hidden, W2, b2)",
        why="I fed the pre-activations, not the ReLU's output, to the second layer.",
    ),
    Mutant(
        cell="TwoLayerNet",
        old="argmax(axis=1)",
        new="argmax(axis=0)",
        why="predict takes the argmax over the batch axis.",
    ),
    # ------------------------------------------------------------------ sgd_step
    Mutant(
        cell="sgd_step",
        old="params[key] -= learning_rate * grads[key]",
        new="params[key] += learning_rate * grads[key]",
        why="My SGD step has the wrong sign: it climbs the loss.",
    ),
    Mutant(
        cell="sgd_step",
        old="params[key] -= learning_rate * grads[key]",
        new="params[key] -= grads[key]",
        why="I forgot the learning rate.",
    ),
    Mutant(
        cell="sgd_step",
        old="    for key in params:\n",
        new='    for key in [k for k in params if k.startswith("W")]:\n',
        why="I updated the weights and forgot the biases.",
    ),
    Mutant(
        cell="sgd_step",
        old="params[key] -= learning_rate * grads[key]",
        new="params[key] = params[key] - learning_rate * grads[key]",
        why="I made new arrays instead of updating in place, so the model keeps its old weights.",
    ),
    Mutant(
        cell="sgd_step",
        old="    for key in params:\n        params[key] -= learning_rate * grads[key]\n",
        new="    for p, g in zip(params.values(), grads.values()):\n        p -= learning_rate * g\n",
        why="I paired parameters and gradients by position, not by name.",
    ),
    # ------------------------------------------------------------------ FullyConnectedNet
    Mutant(
        cell="FullyConnectedNet",
        old="std = np.sqrt(2.0 / fan_in)",
        new="std = np.sqrt(2.0 / fan_out)",
        why="My He initialisation uses fan_out.",
    ),
    Mutant(
        cell="FullyConnectedNet",
        old="std = np.sqrt(2.0 / fan_in)",
        new="std = 2.0 / fan_in",
        why="I used the variance as the standard deviation.",
    ),
    Mutant(
        cell="FullyConnectedNet",
        old="std = np.sqrt(2.0 / (fan_in + fan_out))",
        new="std = np.sqrt(1.0 / fan_in)",
        why="My Xavier initialisation ignores fan_out.",
    ),
    Mutant(
        cell="FullyConnectedNet",
        old='            grads[f"W{layer}"] = grads[f"W{layer}"] + self.reg * W\n',
        new="",
        why="I added the L2 term to the loss but forgot its gradient.",
    ),
    Mutant(
        cell="FullyConnectedNet",
        old=(
            "        for layer in range(1, L + 1):\n"
            '            W = self.params[f"W{layer}"]\n'
            "            loss += 0.5 * self.reg * np.sum(W**2)\n"
            '            grads[f"W{layer}"] = grads[f"W{layer}"] + self.reg * W\n'
        ),
        new=(
            "        for key, value in self.params.items():\n"
            "            loss += 0.5 * self.reg * np.sum(value**2)\n"
            "            grads[key] = grads[key] + self.reg * value\n"
        ),
        why="I regularised the biases too.",
    ),
    Mutant(
        cell="FullyConnectedNet",
        old="loss += 0.5 * self.reg * np.sum(W**2)",
        new="loss += self.reg * np.sum(W**2)",
        why="I forgot the 1/2 of the L2 term, so the loss no longer matches its gradient.",
    ),
    Mutant(
        cell="FullyConnectedNet",
        old="        for layer in range(1, L + 1):\n            W = self.params",
        new="        for layer in range(L, L + 1):\n            W = self.params",
        why="I regularised only the last layer.",
    ),
    Mutant(
        cell="FullyConnectedNet",
        old="dz = act_backward(dh, act_cache)",
        new="dz = relu_backward(dh, act_cache)",
        why="I used the ReLU derivative whatever the activation.",
    ),
    Mutant(
        cell="FullyConnectedNet",
        old="affine_cache, act_cache = caches[layer - 1]",
        new="affine_cache, act_cache = caches[layer - 1][0], caches[layer - 2][1]",
        why="In depth, each layer's activation derivative used the cache of the layer below.",
    ),
    Mutant(
        cell="FullyConnectedNet",
        old="dz = act_backward(dh, act_cache)",
        new="dz = dh",
        why="I skipped the activations in the backward pass.",
    ),
    Mutant(
        cell="FullyConnectedNet",
        old='h = act_forward(affine_forward(h, self.params[f"W{layer}"], self.params[f"b{layer}"])[0])[0]',
        new='h = affine_forward(h, self.params[f"W{layer}"], self.params[f"b{layer}"])[0]',
        why="predict forgets the activations.",
    ),
    Mutant(
        cell="FullyConnectedNet",
        old="[0].argmax(axis=1)",
        new="[0].argmax(axis=0)",
        why="predict takes the argmax over the batch axis.",
    ),
    # ------------------------------------------------------------------ AffineFunction
    Mutant(cell="AffineFunction", old="dw = x.T @ dout", new="dw = dout.T @ x", why="My dw is transposed."),
    Mutant(
        cell="AffineFunction",
        old="dx = dout @ w.T",
        new="dx = dout @ w",
        why="I forgot to transpose w in dx.",
    ),
    Mutant(
        cell="AffineFunction", old="db = dout.sum(dim=0)", new="db = None", why="I forgot the bias gradient."
    ),
    Mutant(
        cell="AffineFunction",
        old="db = dout.sum(dim=0)",
        new="db = dout.mean(dim=0)",
        why="I averaged the bias gradient (an extra 1/N).",
    ),
    Mutant(
        cell="AffineFunction",
        old="        out = x @ w + b\n",
        new="        out = x @ w\n",
        why="I forgot the bias in forward.",
    ),
    Mutant(
        cell="AffineFunction",
        old="        dx = dout @ w.T\n        dw = x.T @ dout\n        db = dout.sum(dim=0)\n",
        new=(
            "        with torch.enable_grad():\n"
            "            xx, ww = x.detach().requires_grad_(True), w.detach().requires_grad_(True)\n"
            "            bb = torch.zeros(w.shape[1], dtype=w.dtype, device=w.device, requires_grad=True)\n"
            "            dx, dw, db = torch.autograd.grad(xx @ ww + bb, (xx, ww, bb), dout)\n"
        ),
        why="I let autograd compute the gradients inside backward.",
    ),
    # ------------------------------------------------------------------ ReLUFunction
    Mutant(
        cell="ReLUFunction", old="(x > 0)", new="(x >= 0)", why="I let the gradient through at exactly x = 0."
    ),
    Mutant(
        cell="ReLUFunction",
        old="dx = dout * (x > 0).to(dout.dtype)",
        new="dx = dout.clone()",
        why="I passed the gradient through everywhere.",
    ),
    Mutant(
        cell="ReLUFunction",
        old="dx = dout * (x > 0).to(dout.dtype)",
        new="dx = (x > 0).to(dout.dtype)",
        why="I forgot to multiply by dout.",
    ),
    Mutant(
        cell="ReLUFunction", old="x.clamp(min=0)", new="x.abs()", why="I took the absolute value in forward."
    ),
    Mutant(
        cell="ReLUFunction",
        old="        dx = dout * (x > 0).to(dout.dtype)\n",
        new=(
            "        with torch.enable_grad():\n"
            "            xx = x.detach().requires_grad_(True)\n"
            "            (dx,) = torch.autograd.grad(xx.clamp(min=0), xx, dout)\n"
        ),
        why="I let autograd compute the gradient inside backward.",
    ),
]


def _tiny_subset(seed: int):
    """The 50 training digits the notebook overfits (the same images whatever ``seed``)."""
    from course.backprop import digits_splits

    train, _, _ = digits_splits()
    return train.X[:50], train.y[:50]


def _fresh_xor(seed: int):
    """400 new points of the notebook's XOR distribution, drawn from a seed the notebook never uses."""
    from course.backprop import make_xor

    d = make_xor(n_per_corner=100, noise=0.25, seed=10_000 + seed)
    return d.X, d.y


def _fresh_spirals(seed: int):
    """300 new points of the notebook's three spirals, drawn from a seed the notebook never uses."""
    from course.data import make_spirals

    d = make_spirals(n_per_class=100, n_classes=3, noise=0.2, seed=10_000 + seed)
    return d.X, d.y


EVALUATORS = {
    "digits_mlp": Evaluator(
        predict=relu_mlp_predict,
        data=perturbed_digits,
        describe="a ReLU MLP (W1, b1, W2, b2, ...) on the digits' test split with pixel noise",
        param_shapes={"W1": (64, None), "b1": (None,)},
    ),
    "digits_tiny_subset": Evaluator(
        predict=relu_mlp_predict,
        data=_tiny_subset,
        describe="a ReLU MLP on the 50 training digits it was asked to memorise",
        param_shapes={"W1": (64, None), "b1": (None,)},
    ),
    "xor_mlp": Evaluator(
        predict=relu_mlp_predict,
        data=_fresh_xor,
        describe="a ReLU MLP on fresh noisy XOR points",
        param_shapes={"W1": (2, None), "b1": (None,), "W2": (None, 2)},
    ),
    "spirals_mlp": Evaluator(
        predict=relu_mlp_predict,
        data=_fresh_spirals,
        describe="a ReLU MLP on a fresh draw of the three spirals",
        param_shapes={"W1": (2, None), "b1": (None,)},
    ),
}
