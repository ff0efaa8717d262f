"""Typical mistakes in chapter 02 (softmax): each must lose points when graded.

Every mutant still runs (or raises where a student's code would). Mistakes of stability (no
max subtraction, a naive log of the softmax) fail the "stable" test cells, whose visible part
uses logits of 1000 and whose hidden part uses logits of 1e4; the other mistakes fail the
visible tests right after the edited cell. ``SoftmaxClassifier`` mistakes are caught by its own
test, and the classifier's test also depends on ``softmax_cross_entropy`` (said in the notebook).

Trusted evaluators: ``digits_linear`` (scores = X @ W + b) and ``digits_mlp`` (affine - ReLU -
affine), both on ``instructor.perturbed_digits``.
"""

from __future__ import annotations

import numpy as np

from instructor import Evaluator, Mutant, perturbed_digits, relu_mlp_predict

NOTEBOOK = "solutions/02_softmax/softmax.ipynb"

MUTANTS = [
    # ------------------------------------------------------------------ softmax
    Mutant(
        cell="softmax",
        old="shifted = z - z.max(axis=1, keepdims=True)",
        new="shifted = z",
        why="I did not subtract the row maximum (exp overflows for large logits).",
    ),
    Mutant(
        cell="softmax",
        old="e.sum(axis=1, keepdims=True)",
        new="e.sum(axis=0, keepdims=True)",
        why="I normalised over the batch axis instead of over the classes.",
    ),
    Mutant(
        cell="softmax",
        old="e.sum(axis=1, keepdims=True)",
        new="e.sum()",
        why="I divided by the sum of the whole array.",
    ),
    Mutant(
        cell="softmax",
        old="z.max(axis=1, keepdims=True)",
        new="z.max()",
        why="I subtracted the largest logit of the whole batch (rows far below it underflow to 0/0).",
    ),
    Mutant(
        cell="softmax",
        old="e.sum(axis=1, keepdims=True)",
        new="e.sum(axis=1)",
        why="I forgot keepdims, so the (N,) sums broadcast along the wrong axis.",
    ),
    # ------------------------------------------------------------------ log_softmax
    Mutant(
        cell="log_softmax",
        old="    out = shifted - lse\n",
        new="    out = np.log(np.exp(shifted) / np.exp(shifted).sum(axis=1, keepdims=True))\n",
        why="I took the log of the softmax (log(0) = -inf for large gaps).",
    ),
    Mutant(
        cell="log_softmax",
        old="    shifted = z - m\n",
        new="    shifted = z\n",
        why="I did not subtract the row maximum.",
    ),
    Mutant(
        cell="log_softmax",
        old="np.exp(shifted).sum(axis=1, keepdims=True)",
        new="np.exp(shifted).sum(axis=0, keepdims=True)",
        why="I summed over the batch axis in the log-sum-exp.",
    ),
    Mutant(
        cell="log_softmax",
        old="    out = shifted - lse\n",
        new="    out = z - lse\n",
        why="I subtracted log-sum-exp of the shifted logits from the unshifted ones (off by the maximum).",
    ),
    Mutant(
        cell="log_softmax",
        old="    out = shifted - lse\n",
        new="    out = lse - shifted\n",
        why="I got the sign of the log-softmax wrong.",
    ),
    # ------------------------------------------------------------------ softmax_cross_entropy
    Mutant(
        cell="softmax_cross_entropy",
        old="    dlogits /= n\n",
        new="",
        why="I forgot the 1/N in the gradient.",
    ),
    Mutant(
        cell="softmax_cross_entropy",
        old="dlogits[rows, y] -= 1.0",
        new="dlogits[:, y] -= 1.0",
        why="I subtracted 1 in the label columns of every row, not just the example's own label.",
    ),
    Mutant(
        cell="softmax_cross_entropy",
        old="dlogits[rows, y] -= 1.0",
        new="dlogits[y] -= 1.0",
        why="I indexed the rows by the labels instead of picking each row's label column.",
    ),
    Mutant(
        cell="softmax_cross_entropy",
        old="dlogits[rows, y] -= 1.0",
        new="dlogits[rows, rows % logits.shape[1]] -= 1.0",
        why="I subtracted 1 on the diagonal (row index) instead of at the label.",
    ),
    Mutant(
        cell="softmax_cross_entropy",
        old="shifted = logits - logits.max(axis=1, keepdims=True)",
        new="shifted = logits",
        why="I did not subtract the row maximum (nan for large logits; hidden and stable tests).",
    ),
    Mutant(
        cell="softmax_cross_entropy",
        old="loss = float(np.mean(np.log(sums[:, 0]) - shifted[rows, y]))",
        new="loss = float(np.mean(-np.log((e / sums)[rows, y])))",
        why="I computed the loss as -log(softmax), which is inf when the label's probability underflows.",
    ),
    Mutant(
        cell="softmax_cross_entropy",
        old="float(np.mean(np.log(sums[:, 0]) - shifted[rows, y]))",
        new="float(np.sum(np.log(sums[:, 0]) - shifted[rows, y]))",
        why="I summed the loss over the batch instead of averaging.",
    ),
    Mutant(
        cell="softmax_cross_entropy",
        old="    dlogits /= n\n",
        new="    dlogits /= -n\n",
        why="My gradient has the wrong sign (onehot - p).",
    ),
    # ------------------------------------------------------------------ SoftmaxCrossEntropyFunction
    Mutant(
        cell="SoftmaxCrossEntropyFunction",
        old="scale = dout / n",
        new="scale = 1.0 / n",
        why="My backward ignores the upstream gradient dout.",
    ),
    Mutant(
        cell="SoftmaxCrossEntropyFunction",
        old="scale = dout / n",
        new="scale = dout",
        why="I forgot the 1/N in backward.",
    ),
    Mutant(
        cell="SoftmaxCrossEntropyFunction",
        old="dlogits[torch.arange(n, device=p.device), y] -= scale",
        new="dlogits[:, y] -= scale",
        why="I subtracted in the label columns of every row.",
    ),
    Mutant(
        cell="SoftmaxCrossEntropyFunction",
        old="shifted = logits - logits.max(dim=1, keepdim=True).values",
        new="shifted = logits.clone()",
        why="I did not subtract the row maximum in forward (nan for logits of 1e4; hidden only).",
    ),
    Mutant(
        cell="SoftmaxCrossEntropyFunction",
        old="(sums.log().squeeze(1) - picked).mean()",
        new="(sums.log().squeeze(1) - picked).sum()",
        why="My forward returns the sum over the batch (reduction='sum') instead of the mean.",
    ),
    Mutant(
        cell="SoftmaxCrossEntropyFunction",
        old="        p, y = ctx.saved_tensors\n",
        new="        p, y = ctx.saved_tensors\n        p = p.detach().requires_grad_(True)\n",
        why="I made a saved tensor require grad in backward, to let autograd help.",
    ),
    Mutant(
        cell="SoftmaxCrossEntropyFunction",
        old="ctx.save_for_backward(e.div_(sums), y)",
        new="ctx.save_for_backward(e, y)",
        why="I saved the unnormalised exponentials instead of the probabilities.",
    ),
    # ------------------------------------------------------------------ SoftmaxClassifier
    Mutant(
        cell="SoftmaxClassifier",
        old="X.T @ dscores + self.reg * W",
        new="X.T @ dscores",
        why="I forgot the regularisation term in dW.",
    ),
    Mutant(
        cell="SoftmaxClassifier",
        old="X.T @ dscores + self.reg * W",
        new="dscores.T @ X + self.reg * W.T",
        why="My dW is transposed: (C, D) instead of (D, C).",
    ),
    Mutant(
        cell="SoftmaxClassifier",
        old="dscores.sum(axis=0)",
        new="dscores.mean(axis=0)",
        why="I averaged the bias gradient over the batch (an extra 1/N).",
    ),
    Mutant(
        cell="SoftmaxClassifier",
        old="loss = data_loss + 0.5 * self.reg * np.sum(W * W)",
        new="loss = data_loss",
        why="I left the penalty out of the loss value.",
    ),
    Mutant(
        cell="SoftmaxClassifier",
        old="+ self.reg * W,",
        new="+ 0.5 * self.reg * W,",
        why="I kept the 1/2 of the penalty in its gradient.",
    ),
    Mutant(
        cell="SoftmaxClassifier",
        old="axis=1)\n",
        new="axis=0)\n",
        why="predict takes the argmax over the batch axis.",
    ),
    Mutant(
        cell="SoftmaxClassifier",
        old='return softmax(X @ self.params["W"] + self.params["b"])',
        new='return softmax(X @ self.params["W"])',
        why="I forgot the bias in predict_proba.",
    ),
]


def _linear_predict(params: dict, X: np.ndarray) -> np.ndarray:
    """argmax of X @ W + b, with W (D, C) multiplying on the right."""
    return np.argmax(X @ params["W"] + params["b"], axis=1)


EVALUATORS = {
    "digits_linear": Evaluator(
        predict=_linear_predict,
        data=perturbed_digits,
        describe="a linear softmax classifier (W, b) on the digits' validation split with pixel noise",
        param_shapes={"W": (64, 10), "b": (10,)},
    ),
    "digits_mlp": Evaluator(
        predict=relu_mlp_predict,
        data=perturbed_digits,
        describe="a two-layer ReLU network (W1, b1, W2, b2) on the digits' validation split with pixel noise",
        param_shapes={"W1": (64, None), "b1": (None,), "W2": (None, 10), "b2": (10,)},
    ),
}
