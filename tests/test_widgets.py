"""``course.widgets``: ``show`` and ``interactive`` redraw on change and close their figures."""

import matplotlib

matplotlib.use("Agg")

import ipywidgets as w  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pytest  # noqa: E402

from course import widgets  # noqa: E402


class Recorder:
    """A figure function that remembers its keyword arguments and returns a tiny real figure."""

    def __init__(self):
        self.calls = []

    def __call__(self, **kwargs):
        self.calls.append(kwargs)
        fig, ax = plt.subplots(figsize=(1, 1))
        ax.plot([0, 1], [0, 1])
        return fig


@pytest.fixture(autouse=True)
def _close_figures(monkeypatch):
    # a live notebook (the test suite itself sets COURSE_PLAIN_PROGRESS, a batch run)
    monkeypatch.delenv("COURSE_PLAIN_PROGRESS", raising=False)
    monkeypatch.delenv("CI", raising=False)
    plt.close("all")
    yield
    plt.close("all")


def test_in_a_batch_run_an_explorer_builds_its_controls_and_draws_nothing(monkeypatch):
    monkeypatch.setenv("COURSE_PLAIN_PROGRESS", "1")
    rec = Recorder()
    depth = w.IntSlider(value=3, min=2, max=10, description="depth")
    box = widgets.interactive(rec, depth=depth)
    assert rec.calls == [] and box.output is None and box.controls == {"depth": depth}
    controls, note = box.children
    assert list(controls.children) == [depth] and "JupyterLab" in note.value


def test_interactive_draws_once_then_on_every_change():
    rec = Recorder()
    depth = w.IntSlider(value=3, min=2, max=10, description="depth")
    box = widgets.interactive(rec, depth=depth, width=8)
    assert rec.calls == [{"depth": 3, "width": 8}]
    depth.value = 7
    assert rec.calls[-1] == {"depth": 7, "width": 8}
    assert len(rec.calls) == 2
    assert plt.get_fignums() == [], "figures must be closed after display"
    assert box.controls == {"depth": depth}


def test_interactive_layout_controls_then_output():
    rec = Recorder()
    choice = w.Dropdown(options=["a", "b"], value="a", description="choice")
    box = widgets.interactive(rec, choice=choice)
    assert isinstance(box, w.VBox)
    controls, out = box.children
    assert isinstance(out, w.Output) and out is box.output
    assert list(controls.children) == [choice]
    choice.value = "b"
    assert rec.calls[-1] == {"choice": "b"}


def test_interactive_needs_a_widget():
    with pytest.raises(ValueError):
        widgets.interactive(Recorder(), depth=3)


def test_interactive_reports_value_errors_instead_of_raising(capsys):
    def picky(names):
        if not names:
            raise ValueError("need at least one name")
        return Recorder()()

    sel = w.SelectMultiple(options=["a", "b"], value=("a",), description="pick")
    widgets.interactive(picky, names=sel)
    sel.value = ()
    assert "nothing to draw" in capsys.readouterr().out


def test_show_closes_the_figure():
    fig = Recorder()()
    widgets.show(fig)
    assert plt.get_fignums() == []


def test_show_in_a_grading_run_closes_the_figure_without_drawing_it(monkeypatch):
    from autograder.worker import kernel_env

    assert kernel_env()[widgets.GRADING_ENV] == "1"  # the grader's kernels are grading runs
    shown = []
    monkeypatch.setattr(widgets, "display", shown.append)
    fig = Recorder()()
    drawn = []
    monkeypatch.setattr(fig, "savefig", lambda *a, **k: drawn.append(a))
    monkeypatch.setenv(widgets.GRADING_ENV, "1")
    widgets.show(fig)
    assert not drawn and not shown and not plt.get_fignums()
    monkeypatch.delenv(widgets.GRADING_ENV)
    fig = Recorder()()
    widgets.show(fig)  # anywhere else: a PNG is displayed
    assert len(shown) == 1 and shown[0].format == "png" and not plt.get_fignums()
