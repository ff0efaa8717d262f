"""Chapter 06 (recurrent networks, LSTM, GRU): seeded sequence tasks, the lecture's figures and explorers.

Everything is NumPy, float64 and seeded, except the gradient-against-length measurement, which
runs PyTorch's built-in ``torch.nn.RNN``, ``torch.nn.LSTM`` and ``torch.nn.GRU`` under autograd.
The graded functions of the assignment (``rnn_step_forward`` ... ``lstm_backward``,
``gru_step_forward``/``gru_step_backward``, ``LSTMFunction``) are deliberately not here; the
answer cells of the assignment may not import this module.

Conventions, as in the assignment: a batch of ``N`` sequences of ``T`` steps with ``D`` features
is an (N, T, D) array; hidden states are (N, H).

Contents:

* ``copy_first_task``: "remember the first symbol", the memory task of the assignment, with
  ``T - 1`` distracting symbols after it (classification, chance ``1 / n_symbols``);
* ``seasonal_series`` and ``forecast_windows``: a noisy seasonal series (a daily cycle in hourly
  data, a weekly modulation, a slow trend) cut into (window, next value) pairs for forecasting;
* ``plot_copy_task``, ``plot_series``, ``plot_forecast``: the data and a forecast;
* ``plot_gradient_norms``: gradient norms against the number of steps, on a log scale;
* ``toy_memory_cell`` / ``plot_gate_trace`` / ``gate_explorer``: a one-unit LSTM with hand-set
  weights that writes a value, holds it and reads it out, stepped through gate by gate;
* ``gradient_vs_length`` / ``plot_gradient_vs_length`` / ``gradient_explorer``: the size of the
  gradient that reaches step 1 from step T in an RNN, an LSTM and a GRU;
* ``plot_accuracy_vs_length``: accuracy on the memory task against T for several models;
* ``one_thread``: a context that runs small-matrix code (a recurrence, step after step) on one
  CPU thread, NumPy's BLAS and PyTorch alike.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager

import matplotlib.pyplot as plt
import numpy as np

CELL_COLORS = {"RNN": "tab:red", "LSTM": "tab:blue", "GRU": "tab:green"}
GATE_COLORS = {"i": "tab:green", "f": "tab:blue", "o": "tab:orange", "g": "tab:purple"}


# --------------------------------------------------------------------------- the memory task


def copy_first_task(n: int, T: int, n_symbols: int = 4, noise: float = 0.2, seed: int = 0):
    """``n`` sequences of ``T`` steps whose label is the symbol shown at the first step.

    Each step is a vector of ``n_symbols + 1`` features: a one-hot symbol and a marker. At
    step 1 the symbol is the label ``y`` and the marker is 1; at steps 2..T the symbol is a
    random distractor and the marker is 0. Gaussian noise of standard deviation ``noise`` is
    added to every feature. A model must carry the first symbol across ``T - 1`` distractors.

    Returns ``(X, y)``: ``X`` (n, T, n_symbols + 1) float64, ``y`` (n,) int64 in 0..n_symbols-1.
    All randomness comes from ``np.random.default_rng(seed)``.
    """
    if n < 1 or T < 1 or n_symbols < 2:
        raise ValueError(f"need n >= 1, T >= 1 and n_symbols >= 2, got {n}, {T}, {n_symbols}")
    rng = np.random.default_rng(seed)
    y = rng.integers(0, n_symbols, size=n)
    X = noise * rng.standard_normal((n, T, n_symbols + 1))
    X[np.arange(n), 0, y] += 1.0
    X[:, 0, n_symbols] += 1.0
    distractors = rng.integers(0, n_symbols, size=(n, T - 1))
    X[np.arange(n)[:, None], np.arange(1, T)[None, :], distractors] += 1.0
    return X, y.astype(np.int64)


def plot_copy_task(X, y, n_show: int = 3, title: str = "Remember the first symbol"):
    """Heat maps of the first ``n_show`` sequences of ``copy_first_task``: features down, steps across.

    ``X`` (N, T, K + 1), ``y`` (N,). One axes per sequence, titled with its label.
    """
    X = np.asarray(X, dtype=float)
    y = np.asarray(y)
    n_show = max(1, min(n_show, X.shape[0]))
    K = X.shape[2] - 1
    fig, axes = plt.subplots(n_show, 1, figsize=(7.5, 1.1 + 1.0 * n_show), squeeze=False, sharex=True)
    for k, ax in enumerate(axes[:, 0]):
        ax.imshow(X[k].T, aspect="auto", cmap="Greys", vmin=-0.5, vmax=1.5, interpolation="nearest")
        ax.set_yticks(range(K + 1))
        ax.set_yticklabels([f"symbol {s}" for s in range(K)] + ["marker"], fontsize=7)
        ax.set_title(f"sequence {k}: label y = {int(y[k])} (the symbol at step 1)", fontsize=9)
    axes[-1, 0].set_xlabel("step t (1 is the leftmost column)")
    ticks = np.unique(np.linspace(0, X.shape[1] - 1, min(X.shape[1], 6)).astype(int))
    axes[-1, 0].set_xticks(ticks)
    axes[-1, 0].set_xticklabels([str(t + 1) for t in ticks])
    fig.suptitle(title)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- the seasonal series


def seasonal_series(
    n_steps: int = 960,
    period: int = 24,
    noise: float = 0.15,
    trend: float = 0.5,
    seed: int = 0,
) -> np.ndarray:
    """A noisy seasonal series of ``n_steps`` values, like an hourly electric load.

    ``y_t = sin(2 pi t / period) + 0.4 sin(4 pi t / period + 1) + 0.3 sin(2 pi t / (7 period))
    + trend * t / n_steps + noise * e_t`` with ``e_t`` standard normal from
    ``np.random.default_rng(seed)``: a daily cycle with a harmonic, a weekly modulation, a slow
    upward trend and noise. Returns a (n_steps,) float64 array.
    """
    if n_steps < 2 or period < 2:
        raise ValueError(f"need n_steps >= 2 and period >= 2, got {n_steps}, {period}")
    rng = np.random.default_rng(seed)
    t = np.arange(n_steps, dtype=np.float64)
    w = 2 * np.pi * t / period
    clean = np.sin(w) + 0.4 * np.sin(2 * w + 1.0) + 0.3 * np.sin(w / 7) + trend * t / n_steps
    return clean + noise * rng.standard_normal(n_steps)


def forecast_windows(series, width: int):
    """Cut a 1-D series into (past window, next value) pairs for one-step-ahead forecasting.

    Returns ``(X, y)``: ``X`` (n, width, 1) holds ``series[k : k + width]`` and ``y`` (n,) holds
    ``series[k + width]``, for ``k = 0 .. n - 1`` with ``n = len(series) - width``.
    """
    s = np.asarray(series, dtype=np.float64)
    if s.ndim != 1 or width < 1 or len(s) <= width:
        raise ValueError(f"need a 1-D series longer than width={width}, got shape {s.shape}")
    n = len(s) - width
    idx = np.arange(width)[None, :] + np.arange(n)[:, None]
    return s[idx][..., None], s[width:].copy()


def plot_series(
    series,
    period: int | None = None,
    marks=None,
    title: str = "A noisy seasonal series",
    mark_label: str = "flagged",
):
    """The series against its step index, with optional vertical marks at the indices ``marks``.

    With ``period`` a thin grid line is drawn every period (one "day").
    """
    s = np.asarray(series, dtype=float)
    fig, ax = plt.subplots(figsize=(9.0, 3.2))
    ax.plot(np.arange(len(s)), s, lw=1.0, color="tab:blue", label="series")
    if period:
        for k in range(0, len(s), period):
            ax.axvline(k, color="0.85", lw=0.6, zorder=0)
    if marks is not None and len(marks):
        marks = np.asarray(marks, dtype=int)
        ax.scatter(
            marks, s[marks], s=60, facecolor="none", edgecolor="tab:red", lw=1.8, label=mark_label, zorder=3
        )
    ax.set_xlabel("step t" + (f" (grid: one period = {period} steps)" if period else ""))
    ax.set_ylabel("value")
    ax.set_title(title)
    ax.legend(loc="upper left", fontsize=9)
    ax.grid(alpha=0.2, axis="y")
    fig.tight_layout()
    return fig


def plot_forecast(
    target,
    forecasts: Mapping[str, Sequence[float]],
    start: int = 0,
    title: str = "One-step-ahead forecasts",
):
    """The target values and each forecast (name -> values, same length), from step ``start`` on;
    the legend gives each forecast's mean squared error."""
    y = np.asarray(target, dtype=float)
    if not forecasts:
        raise ValueError("need at least one forecast")
    fig, ax = plt.subplots(figsize=(9.0, 3.4))
    t = start + np.arange(len(y))
    ax.plot(t, y, color="black", lw=1.6, label="actual")
    styles = ["-", "--", ":", "-."]
    for k, (name, pred) in enumerate(forecasts.items()):
        pred = np.asarray(pred, dtype=float)
        if pred.shape != y.shape:
            raise ValueError(f"forecast {name!r} has shape {pred.shape}, the target {y.shape}")
        mse = float(np.mean((pred - y) ** 2))
        ax.plot(t, pred, ls=styles[k % len(styles)], lw=1.3, label=f"{name} (MSE {mse:.4f})")
    ax.set_xlabel("step t")
    ax.set_ylabel("value")
    ax.set_title(title)
    ax.legend(loc="upper left", fontsize=8, ncol=2)
    ax.grid(alpha=0.25)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- gradient norms


def plot_gradient_norms(
    steps,
    norms: Mapping[str, Sequence[float]],
    title: str = "Gradient norm against the number of steps",
    xlabel: str = "steps back in time",
    ylabel: str = "gradient norm (log scale)",
):
    """One curve per entry of ``norms`` (label -> values at ``steps``) on a logarithmic y axis.

    Zeros are not drawn (a log scale cannot show them). Labels that start with RNN, LSTM or GRU
    get that cell's colour; labels containing "tanh" are dashed.
    """
    if not norms:
        raise ValueError("need at least one curve")
    steps = np.asarray(steps)
    fig, ax = plt.subplots(figsize=(6.6, 4.0))
    for label, values in norms.items():
        v = np.asarray(values, dtype=float)
        v = np.where(v > 0, v, np.nan)
        color = next((c for k, c in CELL_COLORS.items() if label.startswith(k)), None)
        ls = "--" if "tanh" in label else "-"
        ax.plot(
            steps, v, marker="o" if len(steps) <= 20 else None, ms=3, lw=1.6, ls=ls, label=label, color=color
        )
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(alpha=0.3, which="both")
    ax.legend(loc="best", fontsize=9)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- the gate explorer

TOY_LENGTH = 30
TOY_WRITES = (3, 16)  # steps (1-based) where the write flag is on
TOY_READS = (12, 27)  # steps where the read flag is on


def toy_memory_inputs(T: int = TOY_LENGTH, seed: int = 0) -> dict[str, np.ndarray]:
    """The inputs of the toy memory cell: a value, a write flag and a read flag at every step.

    ``value`` (T,) is small noise except at the write steps ``TOY_WRITES`` (within ``T``), where
    it is +0.9 and then -0.7; ``write`` and ``read`` (T,) are 0/1 flags, on at ``TOY_WRITES``
    and ``TOY_READS``.
    """
    rng = np.random.default_rng(seed)
    value = 0.15 * rng.standard_normal(T)
    write = np.zeros(T)
    read = np.zeros(T)
    for t, v in zip(TOY_WRITES, (0.9, -0.7)):
        if t <= T:
            value[t - 1] = v
            write[t - 1] = 1.0
    for t in TOY_READS:
        if t <= T:
            read[t - 1] = 1.0
    return {"value": value, "write": write, "read": read}


def _logistic(z):
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=float)))


def toy_memory_cell(
    forget_bias: float = 4.0,
    write_gain: float = 4.0,
    T: int = TOY_LENGTH,
    seed: int = 0,
) -> dict[str, np.ndarray]:
    """Run a one-unit LSTM with hand-set weights on ``toy_memory_inputs(T, seed)``.

    Its pre-activations are chosen so that each gate has one job:

    * input gate  ``i_t = sigmoid(write_gain * (2 write_t - 1))``: open at a write, shut otherwise;
    * forget gate ``f_t = sigmoid(forget_bias - 2 write_gain * write_t)``: keep, except at a write;
    * output gate ``o_t = sigmoid(4 (2 read_t - 1))``: open only at a read;
    * candidate   ``g_t = tanh(2 value_t)``;

    then ``c_t = f_t c_{t-1} + i_t g_t`` and ``h_t = o_t tanh(c_t)`` from ``c_0 = h_0 = 0``.
    Returns the inputs and every (T,) trace: ``i``, ``f``, ``o``, ``g``, ``c``, ``h``, ``c_prev``.
    """
    x = toy_memory_inputs(T, seed)
    i = _logistic(write_gain * (2 * x["write"] - 1))
    f = _logistic(forget_bias - 2 * write_gain * x["write"])
    o = _logistic(4.0 * (2 * x["read"] - 1))
    g = np.tanh(2.0 * x["value"])
    c = np.empty(T)
    c_prev = np.empty(T)
    prev = 0.0
    for t in range(T):
        c_prev[t] = prev
        prev = f[t] * prev + i[t] * g[t]
        c[t] = prev
    h = o * np.tanh(c)
    return {**x, "i": i, "f": f, "o": o, "g": g, "c": c, "c_prev": c_prev, "h": h}


def plot_gate_trace(
    forget_bias: float = 4.0, write_gain: float = 4.0, step: int = 12, T: int = TOY_LENGTH, seed: int = 0
):
    """Step through the toy memory cell (``toy_memory_cell``): inputs, gates, cell and output.

    Three panels share the step axis: the inputs (value, write and read flags), the gates
    i, f, o, and the states c_t, h_t with the candidate g_t. A vertical line marks ``step``
    (1-based) and the title spells out that step's update ``c_t = f c_{t-1} + i g``.
    """
    if not 1 <= step <= T:
        raise ValueError(f"step must lie in 1..{T}, got {step}")
    r = toy_memory_cell(forget_bias, write_gain, T, seed)
    t = np.arange(1, T + 1)
    fig, axes = plt.subplots(3, 1, figsize=(8.2, 6.6), sharex=True)
    ax = axes[0]
    ax.bar(t, r["value"], width=0.6, color="0.55", label="value$_t$ (feeds g)")
    for name, color, ls in (("write", "tab:green", "-"), ("read", "tab:orange", "--")):
        ax.step(t, r[name], where="mid", color=color, ls=ls, lw=1.4, label=f"{name} flag")
    ax.set_ylabel("inputs $x_t$")
    ax.set_ylim(-1.05, 1.15)
    ax.legend(loc="lower left", fontsize=8, ncol=3)
    ax = axes[1]
    for gate, label in (("i", "input gate i"), ("f", "forget gate f"), ("o", "output gate o")):
        ax.plot(t, r[gate], marker="o", ms=3, lw=1.5, color=GATE_COLORS[gate], label=label)
    ax.set_ylabel("gates (0..1)")
    ax.set_ylim(-0.05, 1.05)
    ax.legend(loc="center left", fontsize=8, ncol=3)
    ax = axes[2]
    ax.plot(t, r["c"], marker="o", ms=3, lw=1.8, color="tab:blue", label="cell $c_t$")
    ax.plot(t, r["h"], marker="s", ms=3, lw=1.4, color="tab:orange", label="output $h_t$")
    ax.plot(t, r["g"], lw=0.9, ls=":", color=GATE_COLORS["g"], label="candidate $g_t$")
    ax.axhline(0, color="0.7", lw=0.6)
    ax.set_ylabel("states")
    ax.set_xlabel("step t")
    ax.legend(loc="lower left", fontsize=8, ncol=3)
    for a in axes:
        a.axvline(step, color="black", lw=1.0, alpha=0.5)
        a.grid(alpha=0.25)
    k = step - 1
    fig.suptitle(
        f"Toy LSTM cell, step {step}: c = f·c_prev + i·g = {r['f'][k]:.3f}·{r['c_prev'][k]:+.3f}"
        f" + {r['i'][k]:.3f}·{r['g'][k]:+.3f} = {r['c'][k]:+.3f};"
        f"  h = o·tanh(c) = {r['o'][k]:.3f}·{np.tanh(r['c'][k]):+.3f} = {r['h'][k]:+.3f}",
        fontsize=9,
    )
    fig.tight_layout()
    return fig


def gate_explorer(forget_bias: float = 4.0, write_gain: float = 4.0, step: int = 12):
    """Sliders for the forget-gate bias, the write gain and the step around ``plot_gate_trace``."""
    import ipywidgets as w

    from course.widgets import interactive

    style = {"description_width": "initial"}
    return interactive(
        plot_gate_trace,
        forget_bias=w.FloatSlider(
            value=forget_bias,
            min=-2.0,
            max=8.0,
            step=0.5,
            description="forget-gate bias",
            continuous_update=False,
            style=style,
        ),
        write_gain=w.FloatSlider(
            value=write_gain,
            min=0.0,
            max=8.0,
            step=0.5,
            description="write gain",
            continuous_update=False,
            style=style,
        ),
        step=w.IntSlider(
            value=step, min=1, max=TOY_LENGTH, description="step t", continuous_update=False, style=style
        ),
    )


# --------------------------------------------------------------------------- gradient against T


def _lengths(T_max: int, n_points: int = 12) -> np.ndarray:
    return np.unique(np.round(np.geomspace(1, T_max, n_points)).astype(int))


def gradient_vs_length(
    T_max: int = 60,
    hidden: int = 32,
    recurrent_scale: float = 1.0,
    keep_bias: float = 1.0,
    batch: int = 16,
    seed: int = 0,
    cells: Sequence[str] = ("RNN", "LSTM", "GRU"),
) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """How much gradient reaches step 1 from a loss at step T, for T up to ``T_max``.

    For each cell type, PyTorch's built-in layer (``torch.nn.RNN`` with tanh, ``torch.nn.LSTM``,
    ``torch.nn.GRU``: one layer of ``hidden`` units, float64) reads a standard normal input of
    ``batch`` sequences with 4 features. Its weights are drawn as PyTorch draws them by default,
    uniform on (-1/sqrt(H), 1/sqrt(H)), but from a generator seeded with ``seed``; then the
    recurrent weights are multiplied by ``recurrent_scale``, and ``keep_bias`` is added to the
    bias of the gate that keeps the old state (the LSTM's forget gate f; the GRU's update gate z,
    which multiplies h_{t-1} in PyTorch's GRU). With ``L_T = sum(h_T * v)`` for a fixed random v,
    the value measured is the mean over the batch of ``|| dL_T / dx_1 ||``: the gradient that
    reaches the first input. Runs on one CPU thread (``one_thread``).

    Returns ``(lengths, norms)``: about 12 values of T between 1 and ``T_max`` and, per cell
    name, a (len(lengths),) array of norms.
    """
    import torch

    if T_max < 1 or hidden < 1:
        raise ValueError(f"need T_max >= 1 and hidden >= 1, got {T_max}, {hidden}")
    unknown = set(cells) - {"RNN", "LSTM", "GRU"}
    if unknown:
        raise ValueError(f"unknown cell type(s) {sorted(unknown)}; choose from RNN, LSTM, GRU")
    lengths = _lengths(T_max)
    gen = torch.Generator().manual_seed(seed)
    x = torch.randn(batch, T_max, 4, generator=gen, dtype=torch.float64)
    v = torch.randn(hidden, generator=gen, dtype=torch.float64)
    norms: dict[str, np.ndarray] = {}
    with one_thread():
        for name in cells:
            layer = _random_layer(name, x.shape[2], hidden, recurrent_scale, keep_bias, gen)
            xs = x.clone().requires_grad_(True)
            out = layer(xs)[0]  # (batch, T_max, hidden)
            vals = []
            for T in lengths:
                (g,) = torch.autograd.grad((out[:, T - 1] * v).sum(), xs, retain_graph=True)
                vals.append(float(g[:, 0].norm(dim=1).mean()))
            norms[name] = np.array(vals)
    return lengths, norms


def _random_layer(name: str, D: int, hidden: int, recurrent_scale: float, keep_bias: float, gen):
    """A one-layer torch.nn.RNN/LSTM/GRU with PyTorch's default weight distribution drawn from ``gen``."""
    import torch

    cls = {"RNN": torch.nn.RNN, "LSTM": torch.nn.LSTM, "GRU": torch.nn.GRU}[name]
    layer = cls(D, hidden, batch_first=True, dtype=torch.float64)
    bound = 1.0 / np.sqrt(hidden)
    with torch.no_grad():
        for p in layer.parameters():
            p.copy_(torch.rand(p.shape, generator=gen, dtype=torch.float64) * 2 * bound - bound)
        layer.weight_hh_l0.mul_(recurrent_scale)
        if name in ("LSTM", "GRU"):  # gate orders: LSTM i, f, g, o; GRU r, z, n: the keep gate is second
            layer.bias_ih_l0[hidden : 2 * hidden] += keep_bias
    return layer


def plot_gradient_vs_length(
    T_max: int = 60,
    hidden: int = 32,
    recurrent_scale: float = 1.0,
    keep_bias: float = 1.0,
    seed: int = 0,
):
    """``gradient_vs_length`` for the RNN, the LSTM and the GRU, on a log scale against T."""
    lengths, norms = gradient_vs_length(T_max, hidden, recurrent_scale, keep_bias, seed=seed)
    return plot_gradient_norms(
        lengths,
        norms,
        title=f"Gradient reaching step 1 from a loss at step T\n(H = {hidden}, recurrent weights x{recurrent_scale:g}, keep-gate bias {keep_bias:+g})",
        xlabel="T (steps between the input and the loss)",
        ylabel="mean ||dL_T / dx_1|| (log scale)",
    )


def gradient_explorer(
    T_max: int = 60, recurrent_scale: float = 1.0, keep_bias: float = 1.0, hidden: int = 32
):
    """Sliders for T_max, the recurrent weight scale and the keep-gate bias around
    ``plot_gradient_vs_length`` (the hidden size is fixed)."""
    import ipywidgets as w

    from course.widgets import interactive

    style = {"description_width": "initial"}
    return interactive(
        plot_gradient_vs_length,
        T_max=w.IntSlider(
            value=T_max, min=5, max=200, step=5, description="longest T", continuous_update=False, style=style
        ),
        recurrent_scale=w.FloatSlider(
            value=recurrent_scale,
            min=0.25,
            max=4.0,
            step=0.25,
            description="recurrent weights x",
            continuous_update=False,
            style=style,
        ),
        keep_bias=w.FloatSlider(
            value=keep_bias,
            min=-2.0,
            max=6.0,
            step=0.5,
            description="keep-gate bias (LSTM f, GRU z)",
            continuous_update=False,
            style=style,
        ),
        hidden=hidden,
    )


# --------------------------------------------------------------------------- results


def plot_accuracy_vs_length(
    lengths,
    accuracies: Mapping[str, Sequence[float]],
    chance: float | None = None,
    title: str = "Remember the first symbol: accuracy against the sequence length",
):
    """Validation accuracy of each model (name -> one value per length) against T, with chance level."""
    if not accuracies:
        raise ValueError("need at least one model")
    lengths = np.asarray(lengths)
    fig, ax = plt.subplots(figsize=(6.6, 4.0))
    markers = ["o", "s", "^", "D"]
    for k, (name, acc) in enumerate(accuracies.items()):
        acc = np.asarray(acc, dtype=float)
        if acc.shape != lengths.shape:
            raise ValueError(
                f"{name!r}: {acc.shape[0] if acc.ndim else 0} accuracies for {len(lengths)} lengths"
            )
        color = next((c for key, c in CELL_COLORS.items() if name.startswith(key)), None)
        ax.plot(lengths, acc, marker=markers[k % len(markers)], lw=1.8, label=name, color=color)
    if chance is not None:
        ax.axhline(chance, color="0.4", ls="--", lw=1.0, label=f"chance ({chance:.2f})")
    ax.set_xscale("log")
    ax.minorticks_off()
    ax.set_xticks(lengths)
    ax.set_xticklabels([str(int(t)) for t in lengths])
    ax.set_ylim(0, 1.05)
    ax.set_xlabel("sequence length T (log scale)")
    ax.set_ylabel("validation accuracy")
    ax.set_title(title, fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(loc="center right", fontsize=9)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- threads


@contextmanager
def one_thread() -> Iterator[None]:
    """Run the block on one CPU thread (NumPy's BLAS and PyTorch's intra-op pool), then restore.

    A recurrent network multiplies small matrices (a batch of a few dozen rows) step after step:
    extra threads only add synchronisation, and on a busy machine (other kernels, a test run in
    parallel) they spend most of their time waiting for each other, ten times slower or worse.
    GPU work is not affected.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - threadpoolctl ships with scikit-learn
        threadpool_limits = None
    import torch

    n_torch = torch.get_num_threads()
    limits = threadpool_limits(limits=1, user_api="blas") if threadpool_limits else None
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(n_torch)
        if limits is not None:
            limits.restore_original_limits()
