"""Typical mistakes in chapter 07 (word2vec), and the trusted evaluation of its trained models.

Every mutant below still runs. Most fail a visible test of the cell right after the edited
answer (the hand-worked pair, central differences with a repeated id); the ones whose ``why``
ends in "hidden only" are caught by a hidden test alone (a negative equal to the outside word,
an upstream gradient other than 1). The mistakes the issue names: the sign of the negative term,
the sigmoid gradient without its (1 - sigma) factor, repeated rows overwritten instead of summed,
the noise distribution without the 0.75 power, CBOW summing instead of averaging its context.

The evaluator ``lee_pair_choice`` judges a skip-gram model from its two tables alone: on pairs
of content words of ``lee_background.cor`` drawn with the grader's seed, each with a decoy drawn
as often as real neighbours, does ``w_out[candidate] . w_in[centre]`` pick the real neighbour?
"""

from __future__ import annotations

import numpy as np

from instructor import Evaluator, Mutant

NOTEBOOK = "solutions/07_word2vec/word2vec.ipynb"

MUTANTS = [
    # ------------------------------------------------------------------ sigmoid
    Mutant(
        cell="sigmoid",
        old="    out = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))\n",
        new="    out = np.exp(x) / (1.0 + np.exp(x))\n",
        why="I wrote e^x / (1 + e^x): inf / inf = nan for large x.",
    ),
    Mutant(
        cell="sigmoid",
        old="np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))",
        new="1.0 / (1.0 + e)",
        why="I used exp(-|x|) without the branch for negative x (sigma(-x) came out as sigma(x)).",
    ),
    Mutant(
        cell="sigmoid",
        old="np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))",
        new="np.where(x >= 0, e / (1.0 + e), 1.0 / (1.0 + e))",
        why="I swapped the two branches (that is 1 - sigma).",
    ),
    Mutant(
        cell="sigmoid",
        old="    out = np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))\n",
        new="    out = 0.5 * (1.0 + np.tanh(x))\n",
        why="I wrote sigma through tanh and forgot the x / 2.",
    ),
    # ------------------------------------------------------------------ neg_sampling_loss_and_grad
    Mutant(
        cell="neg_sampling_loss_and_grad",
        old="np.sum(np.logaddexp(0.0, s_k))",
        new="np.sum(np.logaddexp(0.0, -s_k))",
        why="Wrong sign of the negative term: I used log sigma(u_k . v) instead of log sigma(-u_k . v).",
    ),
    Mutant(
        cell="neg_sampling_loss_and_grad",
        old="    g_k = sigmoid(s_k)  # (K,) dJ/ds_k\n",
        new="    g_k = sigmoid(s_k) - 1.0  # (K,) dJ/ds_k\n",
        why="I gave the negatives the gradient of the positive term (sign of the negative term).",
    ),
    Mutant(
        cell="neg_sampling_loss_and_grad",
        old="    g_o = sigmoid(s_o) - 1.0  # dJ/ds_o\n",
        new="    g_o = -sigmoid(s_o)  # dJ/ds_o\n",
        why="I differentiated log sigma(s) as sigma(s), without the (1 - sigma) factor.",
    ),
    Mutant(
        cell="neg_sampling_loss_and_grad",
        old="    g_o = sigmoid(s_o) - 1.0  # dJ/ds_o\n",
        new="    g_o = (sigmoid(s_o) - 1.0) * sigmoid(s_o)  # dJ/ds_o\n",
        why="I multiplied by the sigmoid's derivative once too often.",
    ),
    Mutant(
        cell="neg_sampling_loss_and_grad",
        old="np.add.at(grad_outside, neg_idx, g_k[:, None] * center_vec)",
        new="grad_outside[neg_idx] += g_k[:, None] * center_vec",
        why="A negative drawn twice: my fancy-index += kept only one of its two gradients.",
    ),
    Mutant(
        cell="neg_sampling_loss_and_grad",
        old="    grad_outside[outside_idx] += g_o * center_vec\n    np.add.at(grad_outside, neg_idx, g_k[:, None] * center_vec)\n",
        new="    np.add.at(grad_outside, neg_idx, g_k[:, None] * center_vec)\n    grad_outside[outside_idx] = g_o * center_vec\n",
        why="When a negative is the outside word itself, my assignment overwrote its negative part (hidden only).",
    ),
    Mutant(
        cell="neg_sampling_loss_and_grad",
        old="grad_center = g_o * u_o + g_k @ u_k",
        new="grad_center = g_o * u_o",
        why="I forgot the negatives' part of the centre gradient.",
    ),
    # ------------------------------------------------------------------ noise_distribution
    Mutant(
        cell="noise_distribution",
        old="p = np.asarray(counts, dtype=np.float64) ** power",
        new="p = np.asarray(counts, dtype=np.float64)",
        why="My noise distribution is the plain unigram, without the 0.75 power.",
    ),
    Mutant(
        cell="noise_distribution",
        old="    p = p / p.sum()\n",
        new="",
        why="I forgot to normalise the powered counts.",
    ),
    Mutant(
        cell="noise_distribution",
        old="    p = np.asarray(counts, dtype=np.float64) ** power\n    p = p / p.sum()\n",
        new="    p = np.asarray(counts, dtype=np.float64)\n    p = (p / p.sum()) ** power\n",
        why="I normalised first and raised to the power afterwards (no longer sums to 1).",
    ),
    Mutant(
        cell="noise_distribution",
        old="dtype=np.float64) ** power",
        new="dtype=np.float64) ** 0.75",
        why="I hard-coded 0.75 and ignored the power argument.",
    ),
    # ------------------------------------------------------------------ sgns_loss_and_grads
    Mutant(
        cell="sgns_loss_and_grads",
        old="np.sum(np.logaddexp(0.0, s_k))) / n)",
        new="np.sum(np.logaddexp(0.0, -s_k))) / n)",
        why="Wrong sign of the negative term in the batch loss.",
    ),
    Mutant(
        cell="sgns_loss_and_grads",
        old="    g_k = sigmoid(s_k) / n  # (B, K) dloss/ds_k\n",
        new="    g_k = -sigmoid(-s_k) / n  # (B, K) dloss/ds_k\n",
        why="Wrong sign of the negatives' gradient: d/ds log sigma(-s) taken with the wrong sign.",
    ),
    Mutant(
        cell="sgns_loss_and_grads",
        old="    g_o = (sigmoid(s_o) - 1.0) / n  # (B,) dloss/ds_o\n",
        new="    g_o = -sigmoid(s_o) / n  # (B,) dloss/ds_o\n",
        why="The sigmoid gradient without its (1 - sigma) factor.",
    ),
    Mutant(
        cell="sgns_loss_and_grads",
        old="np.add.at(grad_w_in, center_ids, grad_v)",
        new="grad_w_in[center_ids] += grad_v",
        why="Repeated centre words: my fancy-index += overwrote instead of summing.",
    ),
    Mutant(
        cell="sgns_loss_and_grads",
        old="np.add.at(grad_w_out, negative_ids, g_k[:, :, None] * v[:, None, :])",
        new="grad_w_out[negative_ids] += g_k[:, :, None] * v[:, None, :]",
        why="Repeated negatives: my fancy-index += overwrote instead of summing.",
    ),
    Mutant(
        cell="sgns_loss_and_grads",
        old="np.add.at(grad_w_out, context_ids, g_o[:, None] * v)",
        new="grad_w_out[context_ids] = g_o[:, None] * v",
        why="I assigned the outside words' gradients, so repeated outside words lost terms.",
    ),
    Mutant(
        cell="sgns_loss_and_grads",
        old="    g_o = (sigmoid(s_o) - 1.0) / n  # (B,) dloss/ds_o\n    g_k = sigmoid(s_k) / n  # (B, K) dloss/ds_k\n",
        new="    g_o = sigmoid(s_o) - 1.0  # (B,) dloss/ds_o\n    g_k = sigmoid(s_k)  # (B, K) dloss/ds_k\n",
        why="I forgot the 1/B of the batch mean in the gradients.",
    ),
    Mutant(
        cell="sgns_loss_and_grads",
        old="np.add.at(grad_w_out, negative_ids, g_k[:, :, None] * v[:, None, :])",
        new="np.add.at(grad_w_in, negative_ids, g_k[:, :, None] * v[:, None, :])",
        why="I put the negatives' gradients into the centre table.",
    ),
    # ------------------------------------------------------------------ cbow_loss_and_grads
    Mutant(
        cell="cbow_loss_and_grads",
        old="h = w_in[context_ids].mean(axis=1)",
        new="h = w_in[context_ids].sum(axis=1)",
        why="CBOW: I summed the context vectors instead of averaging them.",
    ),
    Mutant(
        cell="cbow_loss_and_grads",
        old="grad_h[:, None, :] / c",
        new="grad_h[:, None, :]",
        why="CBOW: every context row got all of dL/dh instead of 1/C of it.",
    ),
    Mutant(
        cell="cbow_loss_and_grads",
        old="np.add.at(grad_w_in, context_ids, np.broadcast_to(grad_h[:, None, :] / c, (n, c, h.shape[1])))",
        new="grad_w_in[context_ids] += grad_h[:, None, :] / c",
        why="CBOW: a word twice in a window (or batch) got its context gradient once.",
    ),
    Mutant(
        cell="cbow_loss_and_grads",
        old="np.sum(np.logaddexp(0.0, s_k))) / n)",
        new="np.sum(np.logaddexp(0.0, -s_k))) / n)",
        why="CBOW: wrong sign of the negative term in the loss.",
    ),
    Mutant(
        cell="cbow_loss_and_grads",
        old="    g_o = (sigmoid(s_o) - 1.0) / n\n",
        new="    g_o = -sigmoid(s_o) / n\n",
        why="CBOW: the sigmoid gradient without its (1 - sigma) factor.",
    ),
    # ------------------------------------------------------------------ SGNSLossFunction
    Mutant(
        cell="SGNSLossFunction",
        old="F.softplus(s[:, 1:]).sum()",
        new="F.softplus(-s[:, 1:]).sum()",
        why="Wrong sign of the negative term in forward.",
    ),
    Mutant(
        cell="SGNSLossFunction",
        old="        g[:, 0] -= 1.0\n",
        new="",
        why="I forgot the label: the outside word's gradient is sigma(s) instead of sigma(s) - 1.",
    ),
    Mutant(
        cell="SGNSLossFunction",
        old="g = g * (dloss / v.shape[0])",
        new="g = g * dloss",
        why="My backward forgot the 1/B of the batch mean.",
    ),
    Mutant(
        cell="SGNSLossFunction",
        old="g = g * (dloss / v.shape[0])",
        new="g = g / v.shape[0]",
        why="My backward ignored the upstream gradient dloss (hidden only).",
    ),
    Mutant(
        cell="SGNSLossFunction",
        old="du = g.unsqueeze(2) * v.unsqueeze(1)",
        new="du = g.unsqueeze(2) * u",
        why="I multiplied the outside vectors' gradient by u instead of v.",
    ),
    # ------------------------------------------------------------------ SkipGramNS
    Mutant(
        cell="SkipGramNS",
        old="        self.w_in = torch.nn.Embedding(vocab_size, dim, sparse=True)\n",
        new="        self.w_in = torch.nn.Embedding(vocab_size, dim)\n",
        why="I left out sparse=True: dense gradients of the whole table every step.",
    ),
    Mutant(
        cell="SkipGramNS",
        old="            self.w_out.weight.zero_()\n",
        new="            self.w_out.weight.uniform_(-0.5 / dim, 0.5 / dim)\n",
        why="I started w_out at random values instead of zero.",
    ),
    Mutant(
        cell="SkipGramNS",
        old="v = self.w_in(center_ids)",
        new="v = self.w_out(center_ids)",
        why="I looked the centre words up in the outside table.",
    ),
    Mutant(
        cell="SkipGramNS",
        old="torch.cat([context_ids.unsqueeze(1), negative_ids], dim=1)",
        new="torch.cat([negative_ids, context_ids.unsqueeze(1)], dim=1)",
        why="I put the outside word last in the stack: a negative is treated as the real neighbour.",
    ),
    Mutant(
        cell="SkipGramNS",
        old="        self.w_in = torch.nn.Embedding(vocab_size, dim, sparse=True)\n        self.w_out = torch.nn.Embedding(vocab_size, dim, sparse=True)\n",
        new="        self.w_out = torch.nn.Embedding(vocab_size, dim, sparse=True)\n        self.w_in = torch.nn.Embedding(vocab_size, dim, sparse=True)\n",
        why="I created w_out first, so the first parameter is not the embedding table.",
    ),
]


def _pair_choice_data(seed: int):
    """2,000 pair-choice questions on lee_background.cor, drawn with ``seed`` (see course.word2vec)."""
    from course import word2vec as w2v

    return w2v.pair_choice_task(w2v.lee_ids(), w2v.lee_vocab().counts, n=2000, seed=seed)


def _pair_choice_predict(params: dict, X: np.ndarray) -> np.ndarray:
    """The candidate with the larger score w_out[candidate] . w_in[centre]."""
    from course.word2vec import choose_context

    return choose_context(params["w_in"], params["w_out"], X)


_V = 1750  # len(course.word2vec.lee_vocab())

EVALUATORS = {
    "lee_pair_choice": Evaluator(
        predict=_pair_choice_predict,
        data=_pair_choice_data,
        describe=(
            "skip-gram tables w_in, w_out (V, d): pick the real neighbour of a content word of "
            "lee_background.cor against a frequency-matched decoy"
        ),
        param_shapes={"w_in": (_V, None), "w_out": (_V, None)},
    ),
}
