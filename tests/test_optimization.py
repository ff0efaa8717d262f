"""``course.optimization``: surfaces, the optimiser race, gradient noise, the harness, the figures."""

import matplotlib

matplotlib.use("Agg")

import ipywidgets as w  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from course import optimization as opt  # noqa: E402


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


# --------------------------------------------------------------------------- surfaces and the race


@pytest.mark.parametrize("key", sorted(opt.SURFACES))
def test_surfaces_have_their_minimum_where_they_say(key):
    s = opt.SURFACES[key]
    assert s(*s.minimum) == pytest.approx(s.f_min, abs=1e-12)
    p = torch.tensor(s.minimum, dtype=torch.float64, requires_grad=True)
    s(p[0], p[1]).backward()
    assert p.grad.abs().max().item() < 1e-12  # a stationary point
    grid = np.meshgrid(np.linspace(*s.xlim, 41), np.linspace(*s.ylim, 41))
    assert s(*grid).min() >= s.f_min - 1e-12  # and nothing on the plotted region is lower
    assert s.xlim[0] < s.start[0] < s.xlim[1] and s.ylim[0] < s.start[1] < s.ylim[1]


def test_race_shapes_start_and_determinism():
    paths = opt.race("quadratic", steps=12)
    assert list(paths) == list(opt.OPTIMISERS)
    for path in paths.values():
        assert path.shape == (13, 2)
        assert np.array_equal(path[0], opt.SURFACES["quadratic"].start)
        assert np.all(np.isfinite(path))
    again = opt.race("quadratic", steps=12)
    assert all(np.array_equal(paths[k], again[k]) for k in paths)


def test_race_follows_the_stability_bound_on_the_quadratic():
    bound = 2 / max(opt.QUADRATIC_EIGENVALUES)
    below = opt.race("quadratic", ["SGD"], lr=0.95 * bound, steps=300)["SGD"]
    assert np.linalg.norm(below[-1]) < 1e-3
    above = opt.race("quadratic", ["SGD"], lr=1.5 * bound, steps=300)["SGD"]
    assert np.isnan(above[-1]).all() and np.isfinite(above[:5]).all()  # stopped once it left the region


def test_race_momentum_zero_is_plain_sgd_and_adam_uses_momentum_as_beta1():
    a = opt.race("rosenbrock", ["SGD", "momentum", "Nesterov"], momentum=0.0, steps=20)
    assert np.allclose(a["momentum"], a["SGD"]) and np.allclose(a["Nesterov"], a["SGD"])
    b1 = opt.race("saddle", ["Adam"], momentum=0.5, steps=10)["Adam"]
    b2 = opt.race("saddle", ["Adam"], momentum=0.9, steps=10)["Adam"]
    assert not np.allclose(b1, b2)


def test_race_rejects_bad_arguments():
    with pytest.raises(ValueError):
        opt.race("moon")
    with pytest.raises(ValueError):
        opt.race("quadratic", ["Lion"])
    with pytest.raises(ValueError):
        opt.race("quadratic", momentum=1.0)
    with pytest.raises(ValueError):
        opt.plot_race("quadratic", optimisers=())


# --------------------------------------------------------------------------- data and noise


def test_make_regression_is_seeded_and_shaped():
    X, y, w_true = opt.make_regression(n=50, d=3, noise=0.1, seed=4)
    assert X.shape == (50, 3) and y.shape == (50,) and w_true.shape == (3,)
    X2, y2, _ = opt.make_regression(n=50, d=3, noise=0.1, seed=4)
    assert np.array_equal(X, X2) and np.array_equal(y, y2)
    assert not np.array_equal(opt.make_regression(n=50, d=3, seed=5)[0], X)
    assert np.abs(y - X @ w_true).std() < 0.2
    with pytest.raises(ValueError):
        opt.make_regression(n=0)


def test_minibatch_gradient_noise_falls_like_one_over_b():
    rng = np.random.default_rng(0)
    G = rng.standard_normal((400, 5))
    sizes = [1, 4, 16, 64, 400]
    noise = opt.minibatch_gradient_noise(G, sizes, n_draws=300, seed=1)
    assert noise.shape == (5,)
    assert noise[-1] == pytest.approx(0.0, abs=1e-20)  # the whole set: no error
    sigma2 = np.mean(np.sum((G - G.mean(0)) ** 2, axis=1))
    predicted = sigma2 / np.array(sizes[:4]) * (400 - np.array(sizes[:4])) / 399
    assert np.allclose(noise[:4], predicted, rtol=0.2)
    with pytest.raises(ValueError):
        opt.minibatch_gradient_noise(G, [401])
    with pytest.raises(ValueError):
        opt.minibatch_gradient_noise(G[0], [1])


# --------------------------------------------------------------------------- optimiser harness


def test_toy_problem_is_seeded_independent_and_typed():
    a, loss_a = opt.toy_problem(seed=3)
    b, _ = opt.toy_problem(seed=3)
    assert [tuple(p.shape) for p in a] == [(5, 3), (3,), (2, 2)]
    assert all(p.requires_grad and p.is_leaf and p.dtype == torch.float64 for p in a)
    assert all(torch.equal(p, q) for p, q in zip(a, b))
    with torch.no_grad():
        a[0].add_(1.0)
    assert not torch.equal(a[0], b[0])
    assert loss_a(b).dim() == 0
    c, loss_c = opt.toy_problem(seed=3, dtype=torch.float32)
    assert all(p.dtype == torch.float32 for p in c) and loss_c(c).dtype == torch.float32


def test_run_steps_descends_and_sets_the_learning_rate():
    params, loss_fn = opt.toy_problem(seed=0)
    sgd = torch.optim.SGD(params, lr=0.05)
    seen = []

    def lr_at(k):
        seen.append(k)
        return 0.05 / (1 + k)

    losses = opt.run_steps(sgd, params, loss_fn, steps=30, lr_at=lr_at)
    assert len(losses) == 30 and all(isinstance(v, float) for v in losses)
    assert losses[-1] < losses[0]
    assert seen == list(range(30)) and sgd.param_groups[0]["lr"] == pytest.approx(0.05 / 30)


# --------------------------------------------------------------------------- figures


def _titled(fig):
    assert isinstance(fig, Figure)
    for ax in fig.axes:
        assert ax.get_title() and ax.get_xlabel() and ax.get_ylabel()


@pytest.mark.parametrize("key", sorted(opt.SURFACES))
def test_plot_race_draws_every_optimiser(key):
    fig = opt.plot_race(key, steps=15)
    _titled(fig)
    contour, curves = fig.axes
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert labels[:2] == ["minimum", "start"] and [lb.split(" ")[0] for lb in labels[2:]] == list(
        opt.OPTIMISERS
    )
    assert len(curves.get_lines()) == len(opt.OPTIMISERS) and curves.get_yscale() == "log"
    assert fig._suptitle is not None and "lr" in fig._suptitle.get_text()


def test_plot_race_marks_a_divergent_run():
    fig = opt.plot_race("quadratic", ["SGD"], lr=0.5, steps=200)
    assert any("diverged" in t.get_text() for t in fig.legends[0].get_texts())


def test_plot_lr_regimes_compares_with_the_bound():
    fig = opt.plot_lr_regimes((0.02, 0.18, 0.205), steps=10)
    _titled(fig)
    titles = [ax.get_title() for ax in fig.axes]
    assert len(titles) == 3 and all("2/λ_max" in t for t in titles)
    assert titles[-1].endswith("diverges") and titles[1].endswith("converges")


def test_lecture_figures_have_titles_and_labels():
    for fig in (
        opt.plot_gradient_noise([1, 2, 4], [4.0, 2.0, 1.0], [4.0, 2.0, 1.0]),
        opt.plot_momentum_filter(0.8, steps=20),
        opt.plot_bias_correction(0.9, 0.999, steps=50),
    ):
        _titled(fig)
        for ax in fig.axes:
            assert ax.get_legend() is not None
    with pytest.raises(ValueError):
        opt.plot_momentum_filter(1.0)


def test_plot_schedules_draws_three_schedules():
    fig = opt.plot_schedules(total_steps=100, base_lr=0.1, step_size=30, gamma=0.5, warmup_steps=10)
    _titled(fig)
    lines = fig.axes[0].get_lines()
    assert len(lines) == 3
    step, cosine, warm = (np.asarray(line.get_ydata()) for line in lines)
    assert step[0] == pytest.approx(0.1) and step[30] == pytest.approx(0.05)
    assert cosine[0] == pytest.approx(0.1) and cosine[-1] < 1e-3
    assert warm[0] == pytest.approx(0.01) and warm.max() == pytest.approx(0.1)


def test_plot_optimizer_curves_one_line_per_history():
    h = {"train loss": [1.0, 0.5, 0.2], "val accuracy": [0.5, 0.7, 0.9]}
    fig = opt.plot_optimizer_curves({"SGD": h, "Adam": {"train loss": [0.9, 0.3, 0.1]}})
    _titled(fig)
    loss_ax, acc_ax = fig.axes
    assert len(loss_ax.get_lines()) == 2 and len(acc_ax.get_lines()) == 1
    with pytest.raises(ValueError):
        opt.plot_optimizer_curves({})


# --------------------------------------------------------------------------- the explorer


def test_race_explorer_builds_and_resets_learning_rates_per_surface(monkeypatch):
    monkeypatch.delenv("COURSE_PLAIN_PROGRESS", raising=False)  # a live notebook: the explorer draws
    monkeypatch.delenv("CI", raising=False)
    calls = []

    def fake_plot_race(**kwargs):
        calls.append(kwargs)
        fig, ax = plt.subplots(figsize=(1, 1))
        ax.plot([0, 1], [0, 1])
        return fig

    monkeypatch.setattr(opt, "plot_race", fake_plot_race)
    box = opt.race_explorer("quadratic")
    assert isinstance(box, w.VBox)
    c = box.controls
    assert set(c) == {"surface", "optimisers", "lr", "adaptive_lr", "momentum", "steps"}
    assert all(ctrl.description for ctrl in c.values())
    assert calls[-1]["surface"] == "quadratic" and calls[-1]["lr"] == opt.SURFACES["quadratic"].lr
    c["surface"].value = "rosenbrock"
    ros = opt.SURFACES["rosenbrock"]
    assert c["lr"].value == pytest.approx(ros.lr) and c["adaptive_lr"].value == pytest.approx(ros.adaptive_lr)
    assert calls[-1]["surface"] == "rosenbrock" and calls[-1]["lr"] == pytest.approx(ros.lr)
    assert calls[-1]["steps"] == ros.steps
    assert plt.get_fignums() == []


def test_race_explorer_draws_nothing_in_a_batch_run(monkeypatch, capsys):
    monkeypatch.setenv("COURSE_PLAIN_PROGRESS", "1")
    calls = []
    monkeypatch.setattr(opt, "plot_race", lambda **kw: calls.append(kw))
    box = opt.race_explorer("saddle")
    assert calls == [] and box.controls["surface"].value == "saddle"
    assert box.output is None  # course.widgets.interactive draws nothing in a batch run
