"""Typical mistakes in chapter 08 (attention), and the trusted evaluator of its tiny transformer.

Most mutants fail a visible test of the test cell right after the edited
answer cell; those whose ``why`` ends in "(hidden only)" are caught by a hidden test alone (large
scores, fully masked rows in a random mask). A mistake in ``attention_forward`` also costs the
tests of ``attention_backward`` and ``multihead_attention_forward``, which call it, and a
mistake in ``AttentionFunction`` the tests of ``MultiHeadSelfAttention`` and the transformer.
"""

from __future__ import annotations

import numpy as np

from instructor import Evaluator, Mutant

NOTEBOOK = "solutions/08_attention/attention.ipynb"

_NP_MASK_THEN_SOFTMAX = """    if mask is not None:
        scores = np.where(mask, scores, -np.inf)  # masked keys: exp(-inf) = 0 below
    row_max = scores.max(axis=-1, keepdims=True)  # (..., Tq, 1); -inf on a fully masked row
    row_max = np.where(np.isfinite(row_max), row_max, 0.0)
    e = np.exp(scores - row_max)
    total = e.sum(axis=-1, keepdims=True)  # (..., Tq, 1); 0 on a fully masked row
    weights = e / np.where(total > 0, total, 1.0)  # (..., Tq, Tk), rows sum to 1 (or are 0)
"""
_NP_SOFTMAX_THEN_MASK = """    row_max = scores.max(axis=-1, keepdims=True)
    e = np.exp(scores - row_max)
    weights = e / e.sum(axis=-1, keepdims=True)
    if mask is not None:
        weights = weights * mask  # zero the masked weights afterwards
"""
_T_MASK_THEN_SOFTMAX = """        if mask is not None:
            scores = scores.masked_fill(~mask, float("-inf"))
        row_max = scores.amax(dim=-1, keepdim=True)
        row_max = torch.where(torch.isfinite(row_max), row_max, torch.zeros_like(row_max))
        e = torch.exp(scores - row_max)
        total = e.sum(dim=-1, keepdim=True)
        weights = e / torch.where(total > 0, total, torch.ones_like(total))
"""

MUTANTS = [
    # ------------------------------------------------------------------ attention_forward
    Mutant(
        cell="attention_forward",
        old="scores = (q @ np.swapaxes(k, -1, -2)) * scale",
        new="scores = q @ np.swapaxes(k, -1, -2)",
        why="I forgot to divide the scores by sqrt(d_k).",
    ),
    Mutant(
        cell="attention_forward",
        old="scale = q.shape[-1] ** -0.5",
        new="scale = q.shape[-1] ** -1.0",
        why="I divided the scores by d_k instead of sqrt(d_k).",
    ),
    Mutant(
        cell="attention_forward",
        old="scale = q.shape[-1] ** -0.5",
        new="scale = v.shape[-1] ** -0.5",
        why="I scaled by the width of the values, d_v, instead of d_k.",
    ),
    Mutant(
        cell="attention_forward",
        old="total = e.sum(axis=-1, keepdims=True)",
        new="total = e.sum(axis=-2, keepdims=True)",
        why="I normalised the softmax over the wrong axis (over the queries, not the keys).",
    ),
    Mutant(
        cell="attention_forward",
        old=_NP_MASK_THEN_SOFTMAX,
        new=_NP_SOFTMAX_THEN_MASK,
        why="I applied the mask after the softmax, so the remaining weights no longer sum to 1.",
    ),
    Mutant(
        cell="attention_forward",
        old="np.where(mask, scores, -np.inf)",
        new="np.where(mask, -np.inf, scores)",
        why="I inverted the mask (True taken as 'hidden').",
    ),
    Mutant(
        cell="attention_forward",
        old="np.where(mask, scores, -np.inf)",
        new="np.where(mask, scores, -1e9)",
        why="I filled masked scores with -1e9, so a fully masked query averages all values instead of giving 0.",
    ),
    Mutant(
        cell="attention_forward",
        old="    row_max = np.where(np.isfinite(row_max), row_max, 0.0)\n",
        new="",
        why="I did not handle fully masked rows: -inf - (-inf) gives NaN.",
    ),
    Mutant(
        cell="attention_forward",
        old="e = np.exp(scores - row_max)",
        new="e = np.exp(scores)",
        why="I did not subtract the row maximum before exp, which overflows for large scores (hidden only).",
    ),
    Mutant(
        cell="attention_forward",
        old="out = weights @ v  # (..., Tq, d_v)",
        new="out = np.swapaxes(weights, -1, -2) @ v",
        why="I multiplied the values by the transposed weights.",
    ),
    # ------------------------------------------------------------------ attention_backward
    Mutant(
        cell="attention_backward",
        old="dscores = weights * (dweights - np.sum(weights * dweights, axis=-1, keepdims=True))",
        new="dscores = weights * dweights",
        why="My softmax backward lacks the Jacobian's subtracted term (I differentiated exp, not softmax).",
    ),
    Mutant(
        cell="attention_backward",
        old="np.sum(weights * dweights, axis=-1, keepdims=True)",
        new="np.sum(weights * dweights, axis=-2, keepdims=True)",
        why="I summed the softmax correction over the queries instead of the keys.",
    ),
    Mutant(
        cell="attention_backward",
        old="dq = (dscores @ k) * scale",
        new="dq = dscores @ k",
        why="I forgot the 1/sqrt(d_k) in dq.",
    ),
    Mutant(
        cell="attention_backward",
        old="dk = (np.swapaxes(dscores, -1, -2) @ q) * scale",
        new="dk = np.swapaxes(dscores, -1, -2) @ q",
        why="I forgot the 1/sqrt(d_k) in dk.",
    ),
    Mutant(
        cell="attention_backward",
        old="dv = np.swapaxes(weights, -1, -2) @ dout",
        new="dv = weights @ dout",
        why="I forgot to transpose the weights in dv.",
    ),
    Mutant(
        cell="attention_backward",
        old="dk = (np.swapaxes(dscores, -1, -2) @ q) * scale",
        new="dk = (np.swapaxes(dscores, -1, -2) @ k) * scale",
        why="I multiplied by the keys instead of the queries in dk.",
    ),
    Mutant(
        cell="attention_backward",
        old="dweights = dout @ np.swapaxes(v, -1, -2)",
        new="dweights = -(dout @ np.swapaxes(v, -1, -2))",
        why="I got the sign of dP wrong.",
    ),
    # ------------------------------------------------------------------ multihead_attention_forward
    Mutant(
        cell="multihead_attention_forward",
        old="merged = heads.transpose(0, 2, 1, 3).reshape(N, T, D)",
        new="merged = heads.reshape(N, T, D)",
        why="I merged the heads with a reshape alone, without moving the head axis back first.",
    ),
    Mutant(
        cell="multihead_attention_forward",
        old="merged = heads.transpose(0, 2, 1, 3).reshape(N, T, D)",
        new="merged = heads.transpose(0, 2, 3, 1).reshape(N, T, D)",
        why="I concatenated the heads in the wrong order (interleaved: dimension first, head second).",
    ),
    Mutant(
        cell="multihead_attention_forward",
        old="return a.reshape(N, T, num_heads, d_h).transpose(0, 2, 1, 3)",
        new="return a.reshape(N, num_heads, T, d_h)",
        why="I split the heads with a reshape alone, mixing positions into the heads.",
    ),
    Mutant(
        cell="multihead_attention_forward",
        old="out = merged @ w_o  # (N, T, D)",
        new="out = merged",
        why="I forgot the output projection w_o.",
    ),
    Mutant(
        cell="multihead_attention_forward",
        old="heads, attn_cache = attention_forward(q, k, v, mask)",
        new="heads, attn_cache = attention_forward(q, k, v)",
        why="I did not pass the mask on to the heads.",
    ),
    Mutant(
        cell="multihead_attention_forward",
        old="out = merged @ w_o  # (N, T, D)",
        new="out = merged @ w_o.T",
        why="I multiplied by w_o transposed (PyTorch's layout).",
    ),
    # ------------------------------------------------------------------ AttentionFunction
    Mutant(
        cell="AttentionFunction",
        old="dscores = weights * (dweights - (weights * dweights).sum(dim=-1, keepdim=True))",
        new="dscores = weights * dweights",
        why="My backward lacks the softmax Jacobian's subtracted term.",
    ),
    Mutant(
        cell="AttentionFunction",
        old="scores = (q @ k.transpose(-1, -2)) * scale  # (..., Tq, Tk)",
        new="scores = q @ k.transpose(-1, -2)  # (..., Tq, Tk)",
        why="I forgot the 1/sqrt(d_k) in forward.",
    ),
    Mutant(
        cell="AttentionFunction",
        old="dq = (dscores @ k) * scale",
        new="dq = dscores @ k",
        why="I forgot the 1/sqrt(d_k) in dq.",
    ),
    Mutant(
        cell="AttentionFunction",
        old=_T_MASK_THEN_SOFTMAX,
        new="""        weights = torch.softmax(scores, dim=-1)
        if mask is not None:
            weights = weights * mask
""",
        why="I applied the mask after the softmax.",
    ),
    Mutant(
        cell="AttentionFunction",
        old="        row_max = torch.where(torch.isfinite(row_max), row_max, torch.zeros_like(row_max))\n",
        new="",
        why="A fully masked row gives NaN (-inf minus -inf).",
    ),
    Mutant(
        cell="AttentionFunction",
        old="dv = weights.transpose(-1, -2) @ dout",
        new="dv = weights.transpose(-1, -2) @ dout.clone().zero_()",
        why="I returned a zero gradient for v.",
    ),
    Mutant(
        cell="AttentionFunction",
        old="e.sum(dim=-1, keepdim=True)",
        new="e.sum(dim=-2, keepdim=True)",
        why="I normalised the softmax over the queries.",
    ),
    # ------------------------------------------------------------------ MultiHeadSelfAttention
    Mutant(
        cell="MultiHeadSelfAttention",
        old="out = heads.transpose(1, 2).reshape(N, T, D) @ self.w_o",
        new="out = heads.reshape(N, T, D) @ self.w_o",
        why="I merged the heads without moving the head axis back.",
    ),
    Mutant(
        cell="MultiHeadSelfAttention",
        old="out = heads.transpose(1, 2).reshape(N, T, D) @ self.w_o",
        new="out = heads.transpose(1, 2).reshape(N, T, D)",
        why="I forgot the output projection w_o.",
    ),
    Mutant(
        cell="MultiHeadSelfAttention",
        old="heads = AttentionFunction.apply(q, k, v, mask)",
        new="heads = AttentionFunction.apply(q, k, v)",
        why="I did not pass the mask on.",
    ),
    Mutant(
        cell="MultiHeadSelfAttention",
        old="return a.reshape(N, T, h, d_h).transpose(1, 2)",
        new="return a.reshape(N, h, T, d_h)",
        why="I split the heads with a reshape alone.",
    ),
]


# ---------------------------------------------------------------------------------------------- evaluator

EVAL_SEQUENCES = 2000
_LENGTH, _VOCAB = 8, 10  # the task of the notebook (course.attention.reversal_task defaults)


def _reversal_eval_data(seed: int):
    """Fresh digit sequences and their reversals, from a stream of their own: (X, y), (2000, 8) each."""
    rng = np.random.default_rng([808, int(seed)])
    X = rng.integers(0, _VOCAB, size=(EVAL_SEQUENCES, _LENGTH), dtype=np.int64)
    return X, np.ascontiguousarray(X[:, ::-1])


def _positions(length: int, dim: int) -> np.ndarray:
    """Sinusoidal encodings: P[t, 2i] = sin(t / 10000^(2i/dim)), P[t, 2i+1] = cos(the same)."""
    t = np.arange(length, dtype=np.float64)[:, None]
    angles = t / 10000.0 ** (np.arange(0, dim, 2, dtype=np.float64) / dim)
    P = np.zeros((length, dim))
    P[:, 0::2] = np.sin(angles)
    P[:, 1::2] = np.cos(angles)
    return P


def _layer_norm(x, gamma, beta, eps=1e-5):
    mu = x.mean(axis=-1, keepdims=True)
    var = x.var(axis=-1, keepdims=True)
    return (x - mu) / np.sqrt(var + eps) * gamma + beta


def _reversal_predict(p: dict, X: np.ndarray) -> np.ndarray:
    """The notebook's TinyTransformer from its state_dict: tokens (N, T) -> predicted tokens (N, T)."""
    E = p["embed.weight"]  # (V, D)
    N, T = X.shape
    D = E.shape[1]
    h = int(round(float(np.asarray(p["attn.num_heads"]).reshape(()))))
    if h < 1 or D % h:
        raise ValueError(f"num_heads={h} does not divide d_model={D}")
    d_h = D // h
    x = E[X] + _positions(T, D)  # (N, T, D)

    a = _layer_norm(x, p["ln1.weight"], p["ln1.bias"])

    def split(m):  # (N, T, D) -> (N, h, T, d_h)
        return m.reshape(N, T, h, d_h).transpose(0, 2, 1, 3)

    q, k, v = (split(a @ p[f"attn.w_{n}"]) for n in ("q", "k", "v"))
    s = q @ k.transpose(0, 1, 3, 2) / np.sqrt(d_h)  # (N, h, T, T)
    w = np.exp(s - s.max(axis=-1, keepdims=True))
    w /= w.sum(axis=-1, keepdims=True)
    x = x + (w @ v).transpose(0, 2, 1, 3).reshape(N, T, D) @ p["attn.w_o"]

    m = _layer_norm(x, p["ln2.weight"], p["ln2.bias"])
    m = np.maximum(m @ p["mlp.0.weight"].T + p["mlp.0.bias"], 0.0)
    x = x + m @ p["mlp.2.weight"].T + p["mlp.2.bias"]
    logits = _layer_norm(x, p["ln_f.weight"], p["ln_f.bias"]) @ p["head.weight"].T + p["head.bias"]
    return logits.argmax(axis=-1)


EVALUATORS = {
    "reversal_transformer": Evaluator(
        predict=_reversal_predict,
        data=_reversal_eval_data,
        describe="the one-block TinyTransformer, per-position accuracy on 2000 fresh sequences of 8 digits to reverse",
        param_shapes={
            "embed.weight": (_VOCAB, None),
            "attn.w_q": (None, None),
            "attn.w_k": (None, None),
            "attn.w_v": (None, None),
            "attn.w_o": (None, None),
            "attn.num_heads": (),
            "ln1.weight": (None,),
            "ln2.weight": (None,),
            "mlp.0.weight": (None, None),
            "mlp.2.weight": (None, None),
            "ln_f.weight": (None,),
            "head.weight": (_VOCAB, None),
            "head.bias": (_VOCAB,),
        },
    ),
}
