"""``course.generative``: the seeded mixture, mode counting, and the chapter 09 figures and explorers."""

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402
from scipy.special import expit  # noqa: E402

from course import generative as G  # noqa: E402
from tests.figures import titled  # noqa: E402


def _titled(fig):
    """The shared check, and more: every plotting axes has a title and an axis label."""
    titled(fig)
    seen = []
    for ax in fig.axes:
        twin = any(ax.get_shared_x_axes().joined(ax, other) for other in seen)
        seen.append(ax)
        if twin:  # a twinx axes shares its twin's title
            continue
        if ax.axison and ax.get_images() == [] and ax.get_label() != "<colorbar>":
            assert ax.get_title() or fig._suptitle is not None, "every axes needs a title"
            assert ax.get_xlabel() or ax.get_ylabel(), "every plot needs axis labels"


def _decode(codes):
    """A stand-in decoder: a bright pixel whose position follows the code, (m, 2) -> (m, 64)."""
    codes = np.asarray(codes, dtype=np.float64)
    out = np.zeros((len(codes), 64))
    col = np.clip(((codes[:, 0] + 3) / 6 * 8).astype(int), 0, 7)
    row = np.clip(((3 - codes[:, 1]) / 6 * 8).astype(int), 0, 7)
    out[np.arange(len(codes)), row * 8 + col] = 1.0
    return out


# --------------------------------------------------------------------------- the mixture


def test_centres_lie_on_the_circle_evenly_spaced():
    c = G.mixture_centers()
    assert c.shape == (8, 2)
    np.testing.assert_allclose(np.linalg.norm(c, axis=1), 2.0)
    np.testing.assert_allclose(c[0], [2.0, 0.0])
    np.testing.assert_allclose(c[2], [0.0, 2.0], atol=1e-12)
    with pytest.raises(ValueError):
        G.mixture_centers(0)


def test_mixture_is_seeded_shaped_and_centred_on_its_modes():
    X, mode = G.sample_mixture(4000, seed=3)
    X2, mode2 = G.sample_mixture(4000, seed=3)
    np.testing.assert_array_equal(X, X2)
    np.testing.assert_array_equal(mode, mode2)
    assert X.shape == (4000, 2) and X.dtype == np.float64 and mode.dtype == np.int64
    assert not np.array_equal(X, G.sample_mixture(4000, seed=4)[0])
    resid = X - G.mixture_centers()[mode]
    assert abs(resid.std() - G.MODE_STD) < 0.005
    assert np.bincount(mode, minlength=8).min() > 400  # every mode equally likely
    rng = np.random.default_rng(0)
    assert G.sample_mixture(5, seed=rng)[0].shape == (5, 2)


def test_real_data_covers_every_mode():
    X, _ = G.sample_mixture(2000, seed=0)
    assert G.modes_covered(X).tolist() == [1] * 8
    assert G.quality_fraction(X) > 0.98


def test_mode_counts_by_hand():
    c = G.mixture_centers()
    samples = np.array([c[0], c[0] + [0.25, 0.0], c[0] + [0.35, 0.0], c[3], [0.0, 0.0], [np.nan, 1.0]])
    counts = G.mode_counts(samples)
    assert counts.tolist() == [2, 0, 0, 1, 0, 0, 0, 0]  # 0.35 > 3 * 0.1: too far; the origin counts nowhere
    assert G.quality_fraction(samples) == pytest.approx(3 / 6)
    assert G.modes_covered(samples, min_fraction=0.3).tolist() == [1, 0, 0, 0, 0, 0, 0, 0]
    with pytest.raises(ValueError):
        G.mode_counts(np.zeros((3, 3)))


def test_a_collapsed_generator_covers_one_mode():
    X, _ = G.sample_mixture(1000, seed=1)
    collapsed = G.mixture_centers()[5] + 0.05 * np.random.default_rng(0).standard_normal((1000, 2))
    assert G.modes_covered(collapsed).tolist() == [0, 0, 0, 0, 0, 1, 0, 0]
    mixed = np.vstack([collapsed[:990], X[:10]])  # 10 stray real points are not a covered mode
    assert G.modes_covered(mixed).sum() == 1


# --------------------------------------------------------------------------- GAN figures


def test_mixture_figure_marks_covered_modes():
    X, _ = G.sample_mixture(500, seed=2)
    fig = G.plot_mixture(X[X[:, 0] > 0.5], title="half")
    _titled(fig)
    ax = fig.axes[0]
    assert "3 of 8 modes covered" in ax.get_title()
    assert ax.get_legend() is not None
    green = [p for p in ax.patches if p.get_edgecolor()[:3] == matplotlib.colors.to_rgb("tab:green")]
    assert len(green) == 3
    _titled(G.plot_mixture())


def _snapshots():
    X, _ = G.sample_mixture(400, seed=0)
    blob = 0.05 * np.random.default_rng(0).standard_normal((400, 2))
    return {
        "non-saturating": [(0, blob), (100, X[X[:, 1] > 0]), (200, X)],
        "saturating": [(0, blob), (100, blob), (200, blob + G.mixture_centers()[0])],
    }


def test_gan_progress_figure_and_curves():
    fig = G.plot_gan_progress(_snapshots(), step=150)
    _titled(fig)
    a, b, curves = fig.axes
    assert "step 100" in a.get_title() and "step 100" in b.get_title()
    ys = [line.get_ydata().tolist() for line in curves.get_lines()[:2]]
    assert ys[0][-1] == 8 and ys[1] == [0, 0, 1]
    assert curves.get_legend() is not None
    fig = G.plot_gan_progress(_snapshots())
    assert "step 200" in fig.axes[0].get_title()


def test_gan_progress_rejects_mismatched_runs():
    snaps = _snapshots()
    snaps["saturating"] = snaps["saturating"][:2]
    with pytest.raises(ValueError):
        G.plot_gan_progress(snaps)
    with pytest.raises(ValueError):
        G.plot_gan_progress({})


def test_gan_explorer_builds_and_redraws(monkeypatch):
    box = G.gan_explorer(_snapshots())
    assert set(box.controls) == {"step"}
    slider = box.controls["step"]
    assert slider.description and slider.max == 200 and slider.step == 100
    slider.value = 100  # a batch run: nothing drawn
    monkeypatch.delenv("COURSE_PLAIN_PROGRESS", raising=False)
    monkeypatch.delenv("CI", raising=False)
    slider.value = 200  # with a viewer: drawn


def test_explorers_draw_only_with_a_viewer(monkeypatch):
    draw = G.viewer_only(lambda **kw: kw)
    monkeypatch.setenv("COURSE_PLAIN_PROGRESS", "1")
    with pytest.raises(ValueError, match="live notebook"):
        draw(a=1)
    monkeypatch.delenv("COURSE_PLAIN_PROGRESS")
    monkeypatch.delenv("CI", raising=False)
    assert draw(a=1) == {"a": 1}


def test_optimal_discriminator_explorer_as_the_lecture_builds_it(monkeypatch, capsys):
    """The lecture's D* cell: interactive(viewer_only(plot_optimal_discriminator), sliders)."""
    import ipywidgets as w

    from course.widgets import interactive

    drawn = []

    def fig_fn(**kw):
        drawn.append(kw)
        return G.plot_optimal_discriminator(**kw)

    def cell():
        return interactive(
            G.viewer_only(fig_fn),
            gen_mean=w.FloatSlider(value=2.0, min=-3.0, max=5.0, description="generator mean"),
            gen_std=w.FloatSlider(value=1.0, min=0.2, max=3.0, description="generator std"),
        )

    box = cell()
    assert set(box.controls) == {"gen_mean", "gen_std"}
    assert all(c.description for c in box.controls.values())
    box.controls["gen_mean"].value = 1.0  # a batch run (the test suite): nothing drawn
    assert drawn == [] and box.output is None
    monkeypatch.delenv("COURSE_PLAIN_PROGRESS", raising=False)
    monkeypatch.delenv("CI", raising=False)
    box = cell()  # with a viewer: drawn with the slider's values
    box.controls["gen_mean"].value = -3.0
    box.controls["gen_std"].value = 0.2
    assert drawn[-1] == {"gen_mean": -3.0, "gen_std": 0.2}


def test_generator_loss_curves_are_the_losses_and_their_derivatives():
    z = np.array([-800.0, -10.0, -1.0, 0.0, 2.0, 800.0])
    c = G.generator_loss_curves(z)
    assert np.all(np.isfinite(c["saturating"])) and np.all(np.isfinite(c["non_saturating"]))
    np.testing.assert_allclose(c["saturating"][1:5], np.log(1 - expit(z[1:5])), rtol=1e-12)
    np.testing.assert_allclose(c["non_saturating"][1:5], -np.log(expit(z[1:5])), rtol=1e-12)
    h = 1e-6
    up, down = G.generator_loss_curves(z + h), G.generator_loss_curves(z - h)
    for k in ("saturating", "non_saturating"):
        np.testing.assert_allclose(c[f"{k}_grad"], (up[k] - down[k]) / (2 * h), rtol=1e-5, atol=1e-9)
    # far on the rejected side: the saturating gradient vanishes, the non-saturating one does not
    assert abs(c["saturating_grad"][1]) < 1e-4 and abs(c["non_saturating_grad"][1]) > 0.99
    assert c["non_saturating"][0] == pytest.approx(800.0)


def test_generator_losses_figure():
    fig = G.plot_generator_losses()
    _titled(fig)
    ax, axg = fig.axes
    assert axg.get_yscale() == "log"
    assert len(ax.get_lines()) == 2 and ax.get_legend() is not None and axg.get_legend() is not None
    with pytest.raises(ValueError):
        G.plot_generator_losses(1.0, 1.0)


def test_optimal_discriminator_is_one_half_where_densities_meet():
    d = G.optimal_discriminator(np.array([-3.0, 1.0, 5.0]), data=(0.0, 1.0), gen=(2.0, 1.0))
    assert d["D_star"][1] == pytest.approx(0.5)
    assert d["D_star"][0] > 0.99 and d["D_star"][2] < 0.01
    same = G.optimal_discriminator(np.linspace(-3, 3, 7), data=(0.0, 1.0), gen=(0.0, 1.0))
    np.testing.assert_allclose(same["D_star"], 0.5)
    fig = G.plot_optimal_discriminator(gen_mean=1.0)
    _titled(fig)
    assert fig.axes[0].get_legend() is not None
    with pytest.raises(ValueError):
        G.plot_optimal_discriminator(gen_std=0.0)


# --------------------------------------------------------------------------- VAE figures


def test_digits_and_reconstructions_figures():
    X = np.random.default_rng(0).random((12, 64))
    fig = G.plot_digits(X, title="some", n_cols=5, labels=list(range(12)))
    images = [ax for ax in fig.axes if ax.get_images()]
    assert len(images) == 12 and fig._suptitle.get_text() == "some"
    np.testing.assert_allclose(images[3].get_images()[0].get_array(), X[3].reshape(8, 8))
    fig = G.plot_reconstructions(X, 0.5 * X, n=6)
    assert len([ax for ax in fig.axes if ax.get_images()]) == 12
    assert fig.axes[6].get_title().startswith("mse")
    with pytest.raises(ValueError):
        G.plot_digits(np.zeros((2, 63)))
    with pytest.raises(ValueError):
        G.plot_reconstructions(X, X[:, :10])


def test_latent_map_colours_by_label():
    rng = np.random.default_rng(1)
    codes, labels = rng.standard_normal((50, 2)), np.arange(50) % 10
    fig = G.plot_latent_map(codes, labels)
    _titled(fig)
    ax = fig.axes[0]
    assert len(ax.collections) == 10 and ax.get_legend() is not None
    with pytest.raises(ValueError):
        G.plot_latent_map(codes[:, :1], labels)


def test_latent_grid_decodes_every_grid_point_in_place():
    fig = G.plot_latent_grid(_decode, n=4, extent=2.0)
    _titled(fig)
    canvas = np.ma.filled(fig.axes[0].get_images()[0].get_array(), np.nan)
    assert canvas.shape == (35, 35)  # 4 tiles of 8 pixels and 3 blank separators
    # top-left tile decodes z = (-2, 2): the stand-in lights pixel (row 1, col 1) of that tile
    assert canvas[1, 1] == 1.0 and canvas[:8, :8].sum() == 1.0
    # the tile in the last row, second column decodes z = (-2/3, -2): pixel (row 6, col 3)
    assert canvas[27 + 6, 9 + 3] == 1.0 and canvas[27:35, 9:17].sum() == 1.0
    assert np.isnan(canvas[8]).all() and np.isnan(canvas[:, 8]).all()
    with pytest.raises(ValueError):
        G.plot_latent_grid(_decode, n=1)


def test_latent_walk_figure_and_explorer():
    rng = np.random.default_rng(2)
    codes, labels = rng.standard_normal((30, 2)), np.arange(30) % 10
    fig = G.plot_latent_walk(_decode, 1.0, -1.0, codes=codes, labels=labels)
    ax, axi = fig.axes
    assert "(1.00, -1.00)" in axi.get_title()
    np.testing.assert_allclose(axi.get_images()[0].get_array(), _decode([[1.0, -1.0]]).reshape(8, 8))
    assert ax.get_xlabel() and ax.get_legend() is not None
    _titled(G.plot_latent_walk(_decode))
    box = G.latent_walk_explorer(_decode, codes, labels)
    assert set(box.controls) == {"z1", "z2"}
    assert all(c.description for c in box.controls.values())
    box.controls["z1"].value = -2.0
