"""Typical mistakes in chapter 06 (recurrent networks, LSTM, GRU): each must lose points when graded.

Every mutant fails a test right after the edited answer cell: all but two a visible one. The two
whose ``why`` ends in "(hidden only)" are caught by the hidden edge cases alone (``N = 1``,
``T = 1``), which also cover non-zero ``h0`` and ``c0``, ``c0`` left out, ``H != D`` and a
forget (or update) gate saturated at exactly 1.

``EVALUATORS["copy_first_lstm"]`` judges the LSTM classifier of Part 3 from its parameters: a
trusted NumPy forward pass (gates i, f, o, g, from h0 = c0 = 0) on fresh "remember the first
symbol" sequences of length 50, drawn from the grader's seed.
"""

from __future__ import annotations

import numpy as np

from instructor import Evaluator, Mutant

NOTEBOOK = "solutions/06_lstm/lstm.ipynb"

MEMORY_T = 50  # the sequence length of the graded model (graded_T in the notebook)
MEMORY_SYMBOLS = 4


def _m(cell: str, old: str, new: str, why: str) -> Mutant:
    return Mutant(cell=cell, old=old, new=new, why=why)


MUTANTS = [
    # ------------------------------------------------------------------ rnn_step_forward
    _m(
        "rnn_step_forward",
        "h_next = np.tanh(x @ wx + h_prev @ wh + b)",
        "h_next = x @ wx + h_prev @ wh + b",
        "I forgot the tanh.",
    ),
    _m(
        "rnn_step_forward",
        "h_next = np.tanh(x @ wx + h_prev @ wh + b)",
        "h_next = np.tanh(x @ wx + h_prev @ wh.T + b)",
        "I multiplied the hidden state by the transposed recurrent weights.",
    ),
    _m(
        "rnn_step_forward",
        "h_next = np.tanh(x @ wx + h_prev @ wh + b)",
        "h_next = np.tanh(x @ wx + h_prev @ wh)",
        "I forgot the bias.",
    ),
    _m(
        "rnn_step_forward",
        "h_next = np.tanh(x @ wx + h_prev @ wh + b)",
        "h_next = 1.0 / (1.0 + np.exp(-(x @ wx + h_prev @ wh + b)))",
        "I used a sigmoid instead of tanh.",
    ),
    # ------------------------------------------------------------------ rnn_step_backward
    _m(
        "rnn_step_backward",
        "dwh = h_prev.T @ da",
        "dwh = h_next.T @ da",
        "I computed dWh with h_t instead of h_{t-1}.",
    ),
    _m(
        "rnn_step_backward",
        "da = dh_next * (1.0 - h_next**2)",
        "da = dh_next",
        "I forgot the derivative of tanh.",
    ),
    _m(
        "rnn_step_backward",
        "dh_prev = da @ wh.T",
        "dh_prev = da @ wh",
        "I forgot to transpose wh in dh_prev.",
    ),
    _m(
        "rnn_step_backward",
        "db = da.sum(axis=0)",
        "db = dh_next.sum(axis=0)",
        "I summed the upstream gradient for db, skipping the tanh.",
    ),
    # ------------------------------------------------------------------ rnn_forward
    _m(
        "rnn_forward",
        "h_prev = np.tanh(xw[:, t] + h_prev @ wh)",
        "h_prev = np.tanh(xw[:, t] + h0 @ wh)",
        "Every step reads h0: I never passed the state on.",
    ),
    _m(
        "rnn_forward",
        "xw = x @ wx + b",
        "xw = x @ wx",
        "I forgot the bias.",
    ),
    _m(
        "rnn_forward",
        "h_prev = np.tanh(xw[:, t] + h_prev @ wh)",
        "h_prev = np.tanh(xw[:, T - 1 - t] + h_prev @ wh)",
        "I read the sequence backwards.",
    ),
    _m(
        "rnn_forward",
        "    h_prev = h0\n",
        "    h_prev = np.zeros_like(h0)\n",
        "I ignored h0 and started from zeros.",
    ),
    # ------------------------------------------------------------------ rnn_backward
    _m(
        "rnn_backward",
        "h_prev = np.concatenate([h0[:, None], h[:, :-1]], axis=1)",
        "h_prev = h",
        "I computed dWh with h_t instead of h_{t-1}.",
    ),
    _m(
        "rnn_backward",
        "da[:, t] = (dh[:, t] + dh_next) * (1.0 - h[:, t] ** 2)",
        "da[:, t] = dh[:, t] * (1.0 - h[:, t] ** 2)",
        "I forgot the gradient that comes back from the next step.",
    ),
    _m(
        "rnn_backward",
        "db = da.sum(axis=(0, 1))",
        "db = da.sum(axis=1)[-1]",
        "I only summed db over time, for the last example.",
    ),
    _m(
        "rnn_backward",
        "    dh0 = dh_next\n",
        "    dh0 = da[:, 0]\n",
        "I returned the pre-activation gradient of step 1 as dh0.",
    ),
    _m(
        "rnn_backward",
        "da[:, t] = (dh[:, t] + dh_next) * (1.0 - h[:, t] ** 2)",
        "da[:, t] = (dh[:, t] + dh_next) * (1.0 - h[:, t - 1] ** 2)",
        "I took the tanh derivative at the previous step's state.",
    ),
    _m(
        "rnn_backward",
        "    dh0 = dh_next\n",
        "    dh0 = dh_next.squeeze()\n",
        "I squeezed dh0, which loses the batch axis for a single sequence (hidden only).",
    ),
    # ------------------------------------------------------------------ lstm_step_forward
    _m(
        "lstm_step_forward",
        "o = sigmoid(a[:, 2 * H : 3 * H])\n    g = np.tanh(a[:, 3 * H :])",
        "g = np.tanh(a[:, 2 * H : 3 * H])\n    o = sigmoid(a[:, 3 * H :])",
        "I used PyTorch's gate order i, f, g, o.",
    ),
    _m(
        "lstm_step_forward",
        "c_next = f * c_prev + i * g",
        "c_next = c_prev + i * g",
        "I left the forget gate out of the cell update.",
    ),
    _m(
        "lstm_step_forward",
        "h_next = o * tanh_c",
        "h_next = o * c_next",
        "I forgot the tanh of the cell in h.",
    ),
    _m(
        "lstm_step_forward",
        "i = sigmoid(a[:, :H])\n    f = sigmoid(a[:, H : 2 * H])",
        "f = sigmoid(a[:, :H])\n    i = sigmoid(a[:, H : 2 * H])",
        "I swapped the input and forget gates.",
    ),
    _m(
        "lstm_step_forward",
        "g = np.tanh(a[:, 3 * H :])",
        "g = sigmoid(a[:, 3 * H :])",
        "I squashed the candidate with a sigmoid.",
    ),
    # ------------------------------------------------------------------ lstm_step_backward
    _m(
        "lstm_step_backward",
        "dc = dc_next + dh_next * o * (1.0 - tanh_c**2)",
        "dc = dc_next",
        "I forgot the cell's gradient through h.",
    ),
    _m(
        "lstm_step_backward",
        "dc = dc_next + dh_next * o * (1.0 - tanh_c**2)",
        "dc = dh_next * o * (1.0 - tanh_c**2)",
        "I dropped the upstream gradient of the cell, dc_next.",
    ),
    _m(
        "lstm_step_backward",
        "dwh = h_prev.T @ da",
        "dwh = (o * tanh_c).T @ da",
        "I computed dWh with h_t instead of h_{t-1}.",
    ),
    _m("lstm_step_backward", "dc_prev = dc * f", "dc_prev = dc", "I forgot the forget gate in dc_prev."),
    _m(
        "lstm_step_backward",
        "di * i * (1 - i)",
        "di * (1 - i**2)",
        "I used the tanh derivative for the input gate.",
    ),
    _m(
        "lstm_step_backward",
        "do * o * (1 - o), dg * (1 - g**2)",
        "dg * (1 - g**2), do * o * (1 - o)",
        "I stacked the gate gradients in PyTorch's order i, f, g, o.",
    ),
    # ------------------------------------------------------------------ lstm_forward
    _m(
        "lstm_forward",
        "i, f, o, g = np.split(gates[:, t], 4, axis=1)",
        "i, f, g, o = np.split(gates[:, t], 4, axis=1)",
        "I read the gates in PyTorch's order i, f, g, o.",
    ),
    _m(
        "lstm_forward",
        "c_prev = f * c_prev + i * g",
        "c_prev = c_prev + i * g",
        "I left the forget gate out of the cell update.",
    ),
    _m(
        "lstm_forward",
        "h_prev = o * np.tanh(c_prev)",
        "h_prev = o * c_prev",
        "I forgot the tanh of the cell in h.",
    ),
    _m(
        "lstm_forward",
        "c0 = np.zeros((N, H), dtype) if c0 is None else c0",
        "c0 = np.zeros((N, H), dtype)",
        "I ignored c0 and always started the cell at zero.",
    ),
    _m(
        "lstm_forward",
        "        a = xw[:, t] + h_prev @ wh\n",
        "        a = xw[:, t] + h0 @ wh\n",
        "Every step reads h0 instead of the previous hidden state.",
    ),
    # ------------------------------------------------------------------ lstm_backward
    _m(
        "lstm_backward",
        "dc = dc_next + dh_t * o * (1.0 - tanh_c**2)",
        "dc = dh_t * o * (1.0 - tanh_c**2)",
        "I did not carry the cell state's gradient across time.",
    ),
    _m(
        "lstm_backward",
        "h_prev = np.concatenate([h0[:, None], h[:, :-1]], axis=1)",
        "h_prev = h",
        "I computed dWh with h_t instead of h_{t-1}.",
    ),
    _m(
        "lstm_backward",
        "dh_t = dh[:, t] + dh_next",
        "dh_t = dh[:, t]",
        "I forgot the hidden state's gradient from the next step.",
    ),
    _m(
        "lstm_backward",
        "c_prev = c[:, t - 1] if t > 0 else c0",
        "c_prev = c[:, t - 1] if t > 0 else np.zeros_like(c0)",
        "At the first step I used a zero cell instead of c0 in df.",
    ),
    _m(
        "lstm_backward",
        "da[:, t, H : 2 * H] = dc * c_prev * f * (1 - f)",
        "da[:, t, H : 2 * H] = dc * c[:, t] * f * (1 - f)",
        "I used c_t instead of c_{t-1} in the forget gate's gradient.",
    ),
    _m("lstm_backward", "dc_next = dc * f", "dc_next = dc", "I forgot the forget gate on the cell path."),
    _m(
        "lstm_backward",
        "dh0, dc0 = dh_next, dc_next",
        "dh0, dc0 = dh_next, np.zeros_like(c0)",
        "I returned a zero gradient for c0.",
    ),
    _m(
        "lstm_backward",
        "    dx = da @ wx.T\n",
        "    dx = (da @ wx.T).squeeze()\n",
        "I squeezed dx, which drops an axis when N = 1 or T = 1 (hidden only).",
    ),
    # ------------------------------------------------------------------ gru_step_forward
    _m(
        "gru_step_forward",
        "h_next = (1.0 - z) * n + z * h_prev",
        "h_next = (1.0 - z) * h_prev + z * n",
        "I applied the update gate to the wrong term (the seed notes' convention, not PyTorch's).",
    ),
    _m(
        "gru_step_forward",
        "n = np.tanh(ax[:, 2 * H :] + r * hn)",
        "n = np.tanh(ax[:, 2 * H :] + r * (h_prev @ wh[:, 2 * H :]) + b[1, 2 * H :])",
        "The reset gate skips the hidden bias of the new gate.",
    ),
    _m(
        "gru_step_forward",
        "n = np.tanh(ax[:, 2 * H :] + r * hn)",
        "n = np.tanh(ax[:, 2 * H :] + (r * h_prev) @ wh[:, 2 * H :] + b[1, 2 * H :])",
        "I reset h_prev before the product (the original GRU), not PyTorch's form.",
    ),
    _m(
        "gru_step_forward",
        "r = sigmoid(ax[:, :H] + ah[:, :H])\n    z = sigmoid(ax[:, H : 2 * H] + ah[:, H : 2 * H])",
        "z = sigmoid(ax[:, :H] + ah[:, :H])\n    r = sigmoid(ax[:, H : 2 * H] + ah[:, H : 2 * H])",
        "I swapped the reset and update gates.",
    ),
    _m(
        "gru_step_forward",
        "ah = h_prev @ wh + b[1]",
        "ah = h_prev @ wh + b[0]",
        "I added the input bias twice and never the hidden one.",
    ),
    # ------------------------------------------------------------------ gru_step_backward
    _m(
        "gru_step_backward",
        "dz = dh_next * (h_prev - n)",
        "dz = dh_next * (n - h_prev)",
        "I got the sign of dz wrong.",
    ),
    _m(
        "gru_step_backward",
        "dh_prev = dh_next * z + dah @ wh.T",
        "dh_prev = dah @ wh.T",
        "I forgot the direct path z * h_prev into dh_prev.",
    ),
    _m(
        "gru_step_backward",
        "dah = np.concatenate([dar, daz, dan * r], axis=1)",
        "dah = np.concatenate([dar, daz, dan], axis=1)",
        "I forgot that the reset gate scales the hidden part of n.",
    ),
    _m(
        "gru_step_backward",
        "db = np.stack([dax.sum(axis=0), dah.sum(axis=0)])",
        "db = np.stack([dax.sum(axis=0), dax.sum(axis=0)])",
        "I gave both bias rows the input side's gradient.",
    ),
    _m(
        "gru_step_backward",
        "dar = dan * hn * r * (1.0 - r)",
        "dar = dan * h_prev * r * (1.0 - r)",
        "I used h_prev instead of the hidden part of n for the reset gate's gradient.",
    ),
    # ------------------------------------------------------------------ LSTMFunction
    _m(
        "LSTMFunction",
        "i, f, o = ifo[:, :H], ifo[:, H : 2 * H], ifo[:, 2 * H :]",
        "i, o, f = ifo[:, :H], ifo[:, H : 2 * H], ifo[:, 2 * H :]",
        "I took the gates from the wrong blocks in forward.",
    ),
    _m(
        "LSTMFunction",
        "dc = dc_next + dh_t * o * (1 - tanh_c * tanh_c)",
        "dc = dh_t * o * (1 - tanh_c * tanh_c)",
        "I did not carry the cell state's gradient across time.",
    ),
    _m(
        "LSTMFunction",
        "h_prev = torch.cat([h0[:, None], h[:, :-1]], dim=1)",
        "h_prev = h",
        "I computed dWh with h_t instead of h_{t-1}.",
    ),
    _m(
        "LSTMFunction",
        "dh_t = dh[:, t] + dh_next",
        "dh_t = dh[:, t]",
        "I forgot the hidden state's gradient from the next step.",
    ),
    _m(
        "LSTMFunction",
        "h_prev = o * torch.tanh(c_prev)",
        "h_prev = o * c_prev",
        "I forgot the tanh of the cell in h.",
    ),
    _m(
        "LSTMFunction",
        "dh0, dc0 = dh_next, dc_next",
        "dh0, dc0 = dh_next, None",
        "I returned no gradient for c0.",
    ),
    _m(
        "LSTMFunction",
        "c_prev = f * c_prev + i * g",
        "c_prev = c_prev + i * g",
        "I left the forget gate out of the cell update.",
    ),
]


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))


def _lstm_classifier_predict(params: dict, X: np.ndarray) -> np.ndarray:
    """LSTM (gates i, f, o, g; h0 = c0 = 0) over X (N, T, D), then h_T @ w_out + b_out; argmax."""
    wx, wh, b = params["wx"], params["wh"], params["b"]
    H = wh.shape[0]
    if wx.shape[1] != 4 * H or wh.shape[1] != 4 * H or b.shape != (4 * H,):
        raise ValueError("LSTM weights must be wx (D, 4H), wh (H, 4H), b (4H,)")
    N, T, _ = X.shape
    h = np.zeros((N, H))
    c = np.zeros((N, H))
    xw = X @ wx + b
    for t in range(T):
        a = xw[:, t] + h @ wh
        i, f, o = _sigmoid(a[:, :H]), _sigmoid(a[:, H : 2 * H]), _sigmoid(a[:, 2 * H : 3 * H])
        c = f * c + i * np.tanh(a[:, 3 * H :])
        h = o * np.tanh(c)
    return np.argmax(h @ params["w_out"] + params["b_out"], axis=1)


def _copy_first_data(seed: int):
    """1000 fresh "remember the first symbol" sequences of length 50, all randomness from ``seed``."""
    from course.lstm import copy_first_task

    return copy_first_task(1000, MEMORY_T, MEMORY_SYMBOLS, noise=0.2, seed=60_000 + int(seed))


EVALUATORS = {
    "copy_first_lstm": Evaluator(
        predict=_lstm_classifier_predict,
        data=_copy_first_data,
        describe="an LSTM classifier (wx, wh, b with gates i, f, o, g; w_out, b_out on h_T) on fresh "
        "'remember the first symbol' sequences of length 50",
        param_shapes={
            "wx": (MEMORY_SYMBOLS + 1, None),
            "wh": (None, None),
            "b": (None,),
            "w_out": (None, MEMORY_SYMBOLS),
            "b_out": (MEMORY_SYMBOLS,),
        },
    ),
}
