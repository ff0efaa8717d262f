"""Typical mistakes in chapter 10 (feedback alignment), and the trusted evaluators of its trained models.

Every mutant below still runs (or fails loudly in a test), and each must lose points when graded.
The issue's five named mistakes and where they are caught:

* W^T used where B belongs (that is backprop): ``fa_backward`` and ``DFANet`` ('fa' and 'dfa');
  the visible tests use random B, and ``test_dfanet_fa`` also checks that B = W^T gives backprop;
* the activation derivative forgotten in the delta: ``dfa_deltas``, ``DFANet``, ``DFALinearFunction``;
* B updated by training: ``DFANet`` (B moved at every call: ``test_dfanet_fixed_feedback``) and
  ``DFALinearFunction`` (a gradient returned for B, which an optimizer holding B would apply);
* the error taken before the softmax: ``DFANet`` and ``dfa_train_step``;
* the synthetic-gradient target with the wrong sign: ``synthetic_gradient_step`` and ``decoupled_step``.

``dfa_train_step``'s test runs through the student's ``DFALinearFunction`` (said in the notebook),
so that function's mistakes also cost points there; the trained models of Part 3 use everything
before them.

Trusted evaluators (the grader's own forward passes, on ``instructor.perturbed_digits``):

* ``digits_tanh_mlp``: a tanh MLP from ``W1, b1, ..., WL, bL`` (a ``DFANet``'s ``params`` or a
  ``TorchDFANet``'s ``state_dict``, whose buffers ``B1, B2, ...`` are ignored);
* ``digits_relu_mlp``: the ReLU MLP ``W1, b1`` (block 1) then ``W2, b2, W3, b3`` (block 2) of the
  decoupled network (``instructor.relu_mlp_predict``).
"""

from __future__ import annotations

import numpy as np

from instructor import Evaluator, Mutant, perturbed_digits, relu_mlp_predict

NOTEBOOK = "solutions/10_feedback_alignment/feedback_alignment.ipynb"

_DFA_FN_READ_EARLY_OLD = """        ctx.save_for_backward(x, B, fprime)
        ctx.signal = signal  # read in backward, once the training step has set signal.error
"""
_DFA_FN_READ_EARLY_NEW = """        ctx.save_for_backward(x, B, fprime)
        ctx.signal = ErrorSignal()
        ctx.signal.error = signal.error  # the error as it is when forward runs
"""

_COUPLED_OLD = """    opt1.zero_grad()
    h.backward(g_hat.detach())
    opt1.step()

    h_leaf = h.detach().clone().requires_grad_(True)
    loss = F.cross_entropy(block2(h_leaf), y)
    opt2.zero_grad()
    loss.backward()
    opt2.step()
    true_dh = h_leaf.grad  # what backprop would have sent to block 1
"""
_COUPLED_NEW = """    h_leaf = h.detach().clone().requires_grad_(True)
    loss = F.cross_entropy(block2(h_leaf), y)
    opt2.zero_grad()
    loss.backward()
    opt2.step()
    true_dh = h_leaf.grad
    opt1.zero_grad()
    h.backward(true_dh)
    opt1.step()
"""

MUTANTS = [
    # ------------------------------------------------------------------ fa_backward
    Mutant(
        cell="fa_backward",
        old="dx = dout @ B",
        new="dx = dout @ w.T",
        why="I sent the delta back through w.T (that is backprop) instead of B.",
    ),
    Mutant(
        cell="fa_backward",
        old="dx = dout @ B",
        new="dx = dout @ B.T",
        why="I transposed B, which is already shaped like w.T.",
    ),
    Mutant(
        cell="fa_backward",
        old="db = dout.sum(axis=0)",
        new="db = dout.mean(axis=0)",
        why="I averaged the bias gradient over the batch instead of summing it.",
    ),
    Mutant(
        cell="fa_backward",
        old="dw = x.T @ dout",
        new="dw = dout.T @ x",
        why="My dw is transposed: (M, D) instead of (D, M).",
    ),
    # ------------------------------------------------------------------ dfa_deltas
    Mutant(
        cell="dfa_deltas",
        old="deltas.append(signal * act_grad(a))",
        new="deltas.append(signal)",
        why="I forgot the activation derivative f'(a_l) in the DFA delta.",
    ),
    Mutant(
        cell="dfa_deltas",
        old="signal * act_grad(a)",
        new="act_grad(signal)",
        why="I applied f' to the projected error instead of multiplying by f'(a_l).",
    ),
    Mutant(
        cell="dfa_deltas",
        old="deltas.append(",
        new="deltas.insert(0, ",
        why="I returned the deltas in reverse order (top hidden layer first).",
    ),
    Mutant(
        cell="dfa_deltas",
        old="signal = e @ B",
        new="signal = e @ B / e.shape[0]",
        why="I divided by the batch size again, although e already holds the 1/N.",
    ),
    # ------------------------------------------------------------------ alignment_angle
    Mutant(
        cell="alignment_angle",
        old="float(np.degrees(np.arccos(np.clip(cos, -1.0, 1.0))))",
        new="float(np.arccos(np.clip(cos, -1.0, 1.0)))",
        why="I returned the angle in radians instead of degrees.",
    ),
    Mutant(
        cell="alignment_angle",
        old="np.arccos(np.clip(cos, -1.0, 1.0))",
        new="np.arccos(cos)",
        why="I did not clip the cosine to [-1, 1], so parallel vectors gave nan.",
    ),
    Mutant(
        cell="alignment_angle",
        old="np.clip(cos, -1.0, 1.0)",
        new="np.clip(abs(cos), -1.0, 1.0)",
        why="I took the absolute value of the cosine, so no angle came out above 90 degrees.",
    ),
    Mutant(
        cell="alignment_angle",
        old="a, b = np.ravel(g1), np.ravel(g2)",
        new="a, b = g1, g2",
        why="I did not flatten the arrays (np.dot of two matrices is a matrix product).",
    ),
    Mutant(
        cell="alignment_angle",
        old="(np.linalg.norm(a) * np.linalg.norm(b))",
        new="(np.linalg.norm(a) ** 2 * np.linalg.norm(b) ** 2)",
        why="I divided the dot product by the squared norms.",
    ),
    # ------------------------------------------------------------------ DFANet
    Mutant(
        cell="DFANet",
        old="back = delta @ self.B_fa[l]",
        new='back = delta @ p[f"W{l}"].T',
        why="For FA I sent the delta back through W_l.T (that is backprop) instead of B_l.",
    ),
    Mutant(
        cell="DFANet",
        old="delta = back * self.act_grad(pre[l - 2])",
        new="delta = back",
        why="I forgot the activation derivative in the hidden deltas.",
    ),
    Mutant(
        cell="DFANet",
        old="self.act_grad(pre[l - 2])",
        new="self.act_grad(hs[l - 1])",
        why="I took the activation derivative at the layer's output h instead of its pre-activation a.",
    ),
    Mutant(
        cell="DFANet",
        old="e = np.exp(log_probs)  # softmax(S)",
        new="e = S.copy()",
        why="I took the output error before the softmax (scores minus one-hot).",
    ),
    Mutant(
        cell="DFANet",
        old="        e /= N  # e = dL/dS\n",
        new="",
        why="I forgot the 1/N in the output error e.",
    ),
    Mutant(
        cell="DFANet",
        old="                back = delta @ self.B_fa[l]  # FA: through the fixed B_l instead\n",
        new=(
            '                self.B_fa[l] = self.B_fa[l] - grads[f"W{l}"].T\n'
            "                back = delta @ self.B_fa[l]\n"
        ),
        why="I let B learn too: every call moves B_l by the same step as W_l.T.",
    ),
    Mutant(
        cell="DFANet",
        old="back = e @ self.B_dfa[l - 1]",
        new="back = delta @ self.B_fa[l]",
        why="For DFA I chained the deltas down through the layers (that is FA) instead of sending e to each layer.",
    ),
    Mutant(
        cell="DFANet",
        old="back = e @ self.B_dfa[l - 1]",
        new='back = delta @ p[f"W{l}"].T',
        why="For DFA I used backprop's W_l.T for the hidden layers.",
    ),
    Mutant(
        cell="DFANet",
        old='grads[f"b{l}"] = delta.sum(axis=0)',
        new='grads[f"b{l}"] = delta.mean(axis=0)',
        why="I averaged the bias gradients over the batch (the 1/N is already in e).",
    ),
    # ------------------------------------------------------------------ synthetic_gradient_step
    Mutant(
        cell="synthetic_gradient_step",
        old="diff = pred_dh - true_dh",
        new="diff = pred_dh + true_dh",
        why="My target had the wrong sign: I regressed the prediction onto -dL/dh.",
    ),
    Mutant(
        cell="synthetic_gradient_step",
        old="dpred = diff / n",
        new="dpred = -diff / n",
        why="My gradient of the squared error has the wrong sign (target minus prediction).",
    ),
    Mutant(
        cell="synthetic_gradient_step",
        old="dpred = diff / n",
        new="dpred = diff",
        why="I forgot the 1/N in the gradients of the synthetic-gradient loss.",
    ),
    Mutant(
        cell="synthetic_gradient_step",
        old="loss = float(0.5 * np.sum(diff**2) / n)",
        new="loss = float(np.sum(diff**2) / n)",
        why="I left out the 1/2 of the course's mean squared error.",
    ),
    Mutant(
        cell="synthetic_gradient_step",
        old="dsg_w = h.T @ dpred",
        new="dsg_w = h.T @ pred_dh / n",
        why="I forgot the target in dsg_w (I used the prediction instead of the error).",
    ),
    # ------------------------------------------------------------------ DFALinearFunction
    Mutant(
        cell="DFALinearFunction",
        old="delta = (e @ B) * fprime",
        new="delta = e @ B",
        why="I forgot the activation derivative in the DFA layer's delta.",
    ),
    Mutant(
        cell="DFALinearFunction",
        old="delta = (e @ B) * fprime",
        new="delta = dout * fprime",
        why="My backward used the upstream gradient dout (backprop's) instead of the broadcast error.",
    ),
    Mutant(
        cell="DFALinearFunction",
        old="return None, dw, db, None, None, None",
        new="return None, dw, db, e.T @ delta, None, None",
        why="My backward also returned a gradient for B, so an optimizer holding B would train it.",
    ),
    Mutant(
        cell="DFALinearFunction",
        old="fprime = 1.0 - h * h",
        new="fprime = 1.0 - a * a",
        why="I wrote tanh'(a) as 1 - a^2 instead of 1 - tanh(a)^2.",
    ),
    Mutant(
        cell="DFALinearFunction",
        old=_DFA_FN_READ_EARLY_OLD,
        new=_DFA_FN_READ_EARLY_NEW,
        why="I read signal.error in forward, before the training step had set it.",
    ),
    # ------------------------------------------------------------------ dfa_train_step
    Mutant(
        cell="dfa_train_step",
        old="e = torch.softmax(scores, dim=1)",
        new="e = scores.clone()",
        why="I took the output error before the softmax (scores minus one-hot).",
    ),
    Mutant(
        cell="dfa_train_step",
        old="        e /= len(y)\n",
        new="",
        why="I forgot the 1/N in the output error.",
    ),
    Mutant(
        cell="dfa_train_step",
        old="e /= len(y)",
        new="e /= -len(y)",
        why="My output error has the wrong sign (one-hot minus softmax).",
    ),
    Mutant(
        cell="dfa_train_step",
        old=(
            "    model.signal.error = e  # delivered before backward: every DFA layer reads it there\n"
            "    optimizer.zero_grad()\n"
            "    loss.backward()\n"
        ),
        new="    optimizer.zero_grad()\n    loss.backward()\n    model.signal.error = e\n",
        why="I delivered the error after loss.backward(), too late for the layers' backward.",
    ),
    Mutant(
        cell="dfa_train_step",
        old="    optimizer.zero_grad()\n",
        new="",
        why="I forgot to clear the gradients, so they add up over the steps.",
    ),
    # ------------------------------------------------------------------ decoupled_step
    Mutant(
        cell="decoupled_step",
        old="(g_hat - true_dh)",
        new="(g_hat + true_dh)",
        why="I trained the synthetic gradient towards -dL/dh (the target's sign is wrong).",
    ),
    Mutant(
        cell="decoupled_step",
        old="h.backward(g_hat.detach())",
        new="h.backward(-g_hat.detach())",
        why="I updated block 1 against the synthetic gradient (wrong sign).",
    ),
    Mutant(
        cell="decoupled_step",
        old=_COUPLED_OLD,
        new=_COUPLED_NEW,
        why="I updated block 1 with the true gradient after block 2's backward pass (coupled again: backprop).",
    ),
    Mutant(
        cell="decoupled_step",
        old=" / x.shape[0]",
        new="",
        why="I forgot the 1/N in the synthetic gradient's loss.",
    ),
    Mutant(
        cell="decoupled_step",
        old="    opt1.zero_grad()\n",
        new="",
        why="I forgot to clear block 1's gradients, so they add up over the steps.",
    ),
    Mutant(
        cell="decoupled_step",
        old="h_leaf = h.detach().clone().requires_grad_(True)",
        new="h_leaf = h",
        why="I fed block 1's output to block 2 without detaching it.",
    ),
]


# --------------------------------------------------------------------------- trusted evaluators


def tanh_mlp_predict(params: dict, X) -> np.ndarray:
    """The trusted forward pass of a tanh MLP: affine - tanh - ... - affine from W1, b1, W2, b2, ...
    (weights (D, M), multiplying on the right; other keys such as buffers B1, B2 are ignored);
    returns the argmax class of each row."""
    n_layers = sum(1 for k in params if k.startswith("W") and k[1:].isdigit())
    h = np.asarray(X, dtype=np.float64)
    for i in range(1, n_layers + 1):
        h = h @ params[f"W{i}"] + params[f"b{i}"]
        if i < n_layers:
            h = np.tanh(h)
    return np.argmax(h, axis=1)


EVALUATORS = {
    "digits_tanh_mlp": Evaluator(
        predict=tanh_mlp_predict,
        data=perturbed_digits,
        describe="a tanh MLP (W1, b1, W2, b2, ...) on the digits' held-out split with pixel noise",
        param_shapes={"W1": (64, None), "b1": (None,)},
    ),
    "digits_relu_mlp": Evaluator(
        predict=relu_mlp_predict,
        data=perturbed_digits,
        describe="the decoupled two-block ReLU MLP (W1, b1 | W2, b2, W3, b3) on the held-out digits with pixel noise",
        param_shapes={"W1": (64, None), "b1": (None,), "W3": (None, 10), "b3": (10,)},
    ),
}
