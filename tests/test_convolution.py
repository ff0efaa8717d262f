"""``course.convolution``: the chapter-05 figures, explorers and seeded generators."""

import matplotlib

matplotlib.use("Agg")

import ipywidgets as w  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from course import convolution as cv  # noqa: E402


def _titles(fig):
    return [ax.get_title() for ax in fig.axes] + ([fig._suptitle.get_text()] if fig._suptitle else [])


# ----------------------------------------------------------------------------- receptive field


def test_receptive_field_formula():
    assert cv.receptive_field([3, 3, 3]) == [3, 5, 7]
    # pooling (k = s = 2) doubles the step between outputs: later layers grow twice as fast
    assert cv.receptive_field([3, 3, 2, 3, 3, 2], [1, 1, 2, 1, 1, 2]) == [3, 5, 6, 10, 14, 16]
    assert cv.receptive_field([5, 3, 3], [2, 2, 1]) == [5, 9, 17]
    assert cv.receptive_field([1, 1]) == [1, 1]


def test_receptive_field_rejects_bad_input():
    with pytest.raises(ValueError):
        cv.receptive_field([3, 3], [1])
    with pytest.raises(ValueError):
        cv.receptive_field([0])


def test_kernels_are_3x3():
    assert {k.shape for k in cv.KERNELS.values()} == {(3, 3)}
    assert np.isclose(cv.KERNELS["box blur"].sum(), 1.0) and np.isclose(
        cv.KERNELS["Gaussian blur"].sum(), 1.0
    )
    assert cv.KERNELS["vertical edge (Sobel x)"].sum() == 0


# ----------------------------------------------------------------------------- figures


def test_plot_grids_annotates_every_entry():
    fig = cv.plot_grids({"a": np.arange(6).reshape(2, 3), "b": np.ones((1, 1))}, title="T")
    assert isinstance(fig, Figure) and len(fig.axes) == 2
    assert [ax.get_title() for ax in fig.axes] == ["a", "b"]
    assert len(fig.axes[0].texts) == 6 and fig.axes[0].texts[5].get_text() == "5"
    assert fig.axes[0].get_xlabel() and fig.axes[0].get_ylabel()
    with pytest.raises(ValueError):
        cv.plot_grids({"3d": np.zeros((2, 2, 2))})
    with pytest.raises(ValueError):
        cv.plot_grids({})


def test_plot_dosing_stacks_the_convolution():
    fig = cv.plot_dosing([1, 2, 3, 4, 5], [3, 2, 1])
    ax = fig.axes[0]
    totals = [t.get_text() for t in ax.texts]
    assert totals == ["3", "8", "14", "20", "26", "14", "5"]  # np.convolve([1..5], [3, 2, 1])
    assert ax.get_xlabel() == "day" and ax.get_ylabel() and ax.get_title()
    assert ax.get_legend() is not None


def test_plot_kernel_on_image_three_panels():
    img = np.zeros((8, 8))
    img[:, 4] = 1.0
    fig = cv.plot_kernel_on_image(img, cv.KERNELS["vertical edge (Sobel x)"], "Sobel")
    assert len([ax for ax in fig.axes if ax.get_title()]) == 3
    assert "Sobel" in fig.axes[1].get_title()
    assert len(fig.axes[1].texts) == 9  # the kernel's numbers
    resp = fig.axes[2].images[0].get_array()
    # a vertical line: positive response on its left (brighter to the right), negative on its right
    assert resp[4, 3] > 0 > resp[4, 5]
    with pytest.raises(ValueError):
        cv.plot_kernel_on_image(np.zeros(5), np.ones((3, 3)))


def test_plot_stride_padding_titles_the_output_size():
    fig = cv.plot_stride_padding(size=7, kernel=3, stride=2, pad=1, depth=3)
    assert len(fig.axes) == 3
    assert "output 4x4" in fig.axes[1].get_title()  # (7 + 2 - 3) // 2 + 1 = 4
    rf_line = fig.axes[2].get_lines()[0]
    assert list(rf_line.get_ydata()) == [3, 7, 15]
    assert fig.axes[2].get_xlabel() and fig.axes[2].get_ylabel()
    fig = cv.plot_stride_padding(size=3, kernel=5, stride=1, pad=0)
    assert "no output" in fig.axes[1].get_title()
    with pytest.raises(ValueError):
        cv.plot_stride_padding(stride=0)


def test_plot_filters_and_feature_maps():
    fig = cv.plot_filters(np.random.default_rng(0).standard_normal((10, 1, 3, 3)), title="filters", ncols=4)
    assert fig._suptitle.get_text() == "filters"
    assert sum(1 for ax in fig.axes if ax.images) == 10
    fig = cv.plot_feature_maps(np.zeros((8, 8)), np.random.default_rng(0).random((20, 8, 8)), max_maps=16)
    assert sum(1 for ax in fig.axes if ax.images) == 17  # the input and 16 maps
    with pytest.raises(ValueError):
        cv.plot_filters(np.zeros((3, 3)))
    with pytest.raises(ValueError):
        cv.plot_feature_maps(np.zeros((8, 8)), np.zeros((8, 8)))


def test_plot_filters_accepts_tensors():
    torch = pytest.importorskip("torch")
    fig = cv.plot_filters(torch.ones(2, 1, 3, 3, requires_grad=True))
    assert sum(1 for ax in fig.axes if ax.images) == 2


def test_plot_gradient_norms_and_curves():
    fig = cv.plot_gradient_norms({"plain": [1e-6, 1e-3, 1.0], "residual": [0.5, 0.8, 1.0]}, title="norms")
    ax = fig.axes[0]
    assert ax.get_yscale() == "log" and ax.get_title() == "norms"
    assert [line.get_label() for line in ax.get_lines()] == ["plain", "residual"]
    assert list(ax.get_lines()[0].get_xdata()) == [0, 1, 2]
    fig = cv.plot_curves({"CNN": [0.9, 0.95], "MLP": [0.85, 0.9]}, title="acc")
    assert [line.get_label() for line in fig.axes[0].get_lines()] == ["CNN", "MLP"]
    assert fig.axes[0].get_xlabel() == "epoch"
    with pytest.raises(ValueError):
        cv.plot_curves({})
    with pytest.raises(ValueError):
        cv.plot_gradient_norms({})


# ----------------------------------------------------------------------------- detection data


def test_detection_scene_is_seeded_and_well_formed():
    gt, boxes, scores, owner = cv.make_detection_scene(n_objects=3, per_object=4, n_false=2, seed=3)
    assert gt.shape == (3, 4) and boxes.shape == (14, 4) and scores.shape == (14,) and owner.shape == (14,)
    assert (boxes[:, 2] > boxes[:, 0]).all() and (boxes[:, 3] > boxes[:, 1]).all()
    assert (boxes >= 0).all() and (boxes <= 100).all()
    assert ((scores > 0) & (scores < 1)).all()
    assert list(owner) == [0] * 4 + [1] * 4 + [2] * 4 + [-1, -1]
    again = cv.make_detection_scene(n_objects=3, per_object=4, n_false=2, seed=3)
    assert all(np.array_equal(a, b) for a, b in zip((gt, boxes, scores, owner), again))
    other = cv.make_detection_scene(n_objects=3, per_object=4, n_false=2, seed=4)
    assert not np.array_equal(boxes, other[1])
    # the copies of a true box are scored above the stray boxes
    assert scores[owner >= 0].min() > scores[owner < 0].max()


def test_make_anchors_centres_and_areas():
    anchors = cv.make_anchors(feature_size=2, image_size=100.0, sizes=(20.0, 40.0), ratios=(0.5, 1.0, 2.0))
    assert anchors.shape == (2 * 2 * 6, 4)
    centres = (anchors[:, :2] + anchors[:, 2:]) / 2
    assert np.allclose(centres[:6], [25.0, 25.0]) and np.allclose(
        centres[6:12], [75.0, 25.0]
    )  # row-major cells
    wh = anchors[:, 2:] - anchors[:, :2]
    assert np.allclose(wh[:6].prod(axis=1), [400, 400, 400, 1600, 1600, 1600])
    assert np.allclose(wh[:3, 0] / wh[:3, 1], [0.5, 1.0, 2.0])
    with pytest.raises(ValueError):
        cv.make_anchors(0, 100.0, (10,), (1,))


def test_plot_boxes_and_anchors():
    gt, boxes, scores, _ = cv.make_detection_scene(seed=1)
    fig = cv.plot_boxes(boxes, scores, keep=[0, 5], gt=gt, title="scene")
    ax = fig.axes[0]
    assert ax.get_title() == "scene" and ax.get_xlabel() and ax.get_ylabel()
    assert len(ax.patches) == len(boxes) + len(gt)
    assert ax.get_ylim()[0] > ax.get_ylim()[1]  # y grows downwards
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == ["true box", "kept (2)", f"suppressed ({len(boxes) - 2})"]
    anchors = cv.make_anchors(4, 100.0, (30.0,), (0.5, 1.0, 2.0))
    fig = cv.plot_anchors(anchors, 100.0, 4, cell=(1, 2), title="anchors")
    assert fig.axes[0].get_title() == "anchors"
    with pytest.raises(ValueError):
        cv.plot_anchors(anchors[:-1], 100.0, 4)


# ----------------------------------------------------------------------------- explorers


def _redraws(box, monkeypatch, name, control, value):
    calls = []
    original = getattr(cv, name)
    monkeypatch.setattr(cv, name, lambda *a, **k: calls.append((a, k)) or original(*a, **k))
    box.controls[control].value = value
    return calls


@pytest.mark.usefixtures("live_notebook")
def test_kernel_explorer_builds_and_redraws(monkeypatch):
    img = np.random.default_rng(0).random((8, 8))
    box = cv.kernel_explorer(img, kernel="sharpen")
    assert isinstance(box, w.VBox)
    assert set(box.controls) == {"name", *(f"k{i}{j}" for i in range(3) for j in range(3))}
    assert box.controls["name"].value == "sharpen" and "custom" in box.controls["name"].options
    assert box.controls["k11"].value == 5.0  # the custom entries start at the chosen kernel
    calls = _redraws(box, monkeypatch, "plot_kernel_on_image", "name", "custom")
    assert calls and np.array_equal(calls[-1][0][1], cv.KERNELS["sharpen"])
    box.controls["k00"].value = 7.0
    assert calls[-1][0][1][0, 0] == 7.0
    with pytest.raises(ValueError):
        cv.kernel_explorer(img, kernel="nope")


@pytest.mark.usefixtures("live_notebook")
def test_stride_padding_explorer_builds_and_redraws(monkeypatch):
    box = cv.stride_padding_explorer(size=7, kernel=3, stride=2, pad=1, depth=4)
    assert set(box.controls) == {"size", "kernel", "stride", "pad", "depth"}
    assert all(c.description for c in box.controls.values())
    assert box.controls["pad"].max >= 3 and box.controls["kernel"].max >= 5
    calls = _redraws(box, monkeypatch, "plot_stride_padding", "stride", 3)
    assert calls and calls[-1][1] == {"size": 7, "kernel": 3, "stride": 3, "pad": 1, "depth": 4}
