"""course.data, course.gradcheck, course.device, course.progress."""

from __future__ import annotations

import io

import numpy as np
import pytest
import torch

from course import data, device, gradcheck, progress


def test_digits_read_without_sklearn_equal_sklearns_own():
    from sklearn.datasets import load_digits as sk_load

    X, y = data._digits_arrays()
    bunch = sk_load()
    assert np.array_equal(X, bunch.data / 16.0) and np.array_equal(y, bunch.target)


def test_digits_split_is_seeded_disjoint_and_scaled():
    tr, va = data.load_digits(val_fraction=0.25, seed=3)
    assert tr.X.shape[1] == 64 and len(tr.y) + len(va.y) == 1797
    assert abs(len(va.y) - 0.25 * 1797) <= 1
    assert 0.0 <= tr.X.min() and tr.X.max() <= 1.0 and tr.y.dtype == np.int64
    tr2, va2 = data.load_digits(val_fraction=0.25, seed=3)
    assert np.array_equal(va.X, va2.X)
    assert not np.array_equal(data.load_digits(val_fraction=0.25, seed=4)[1].y, va.y)
    rows = {r.tobytes() for r in tr.X} & {r.tobytes() for r in va.X}
    assert len(rows) < 5  # the digits set has a handful of duplicate images, no shared rows beyond those
    img = data.load_digits(flatten=False)[0].X
    assert img.shape[1:] == (1, 8, 8)
    with pytest.raises(ValueError):
        data.load_digits(val_fraction=1.5)


def test_corpus_ships_with_gensim():
    sents = data.load_corpus(max_sentences=20)
    assert len(sents) == 20 and all(isinstance(w, str) and w == w.lower() for s in sents for w in s)


def test_spirals_and_minibatches():
    s = data.make_spirals(n_per_class=50, n_classes=3, seed=1)
    assert s.X.shape == (150, 2) and np.bincount(s.y).tolist() == [50, 50, 50]
    assert np.array_equal(s.X, data.make_spirals(n_per_class=50, n_classes=3, seed=1).X)
    batches = list(data.minibatches(10, 4, np.random.default_rng(0)))
    assert [len(b) for b in batches] == [4, 4, 2] and sorted(np.concatenate(batches)) == list(range(10))
    with pytest.raises(ValueError):
        list(data.minibatches(10, 0, np.random.default_rng(0)))


def test_numerical_gradient_matches_analytic_and_restores_x():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4))
    before = x.copy()
    g = gradcheck.numerical_gradient(lambda v: float(np.sum(np.sin(v) * v)), x)
    assert gradcheck.rel_error(g, np.sin(before) + before * np.cos(before)) < 1e-8
    assert np.array_equal(x, before)
    dout = rng.standard_normal((3, 4))
    ga = gradcheck.numerical_gradient_array(np.tanh, x, dout)
    assert gradcheck.rel_error(ga, dout * (1 - np.tanh(x) ** 2)) < 1e-8
    with pytest.raises(TypeError):
        gradcheck.numerical_gradient(lambda v: 0.0, np.arange(3))


def test_rel_error():
    assert gradcheck.rel_error(np.ones(3), np.ones(3)) == 0.0
    assert gradcheck.rel_error([1.0], [1.1]) == pytest.approx(0.1 / 2.1)
    with pytest.raises(ValueError):
        gradcheck.rel_error(np.ones(2), np.ones(3))


def test_device_choice():
    assert device.get_device("cpu") == torch.device("cpu")
    assert device.get_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    if not torch.cuda.is_available():
        with pytest.raises(RuntimeError, match="no CUDA"):
            device.get_device("cuda")


def test_progress_is_plain_text_in_batch_runs(monkeypatch):
    monkeypatch.setenv("COURSE_PLAIN_PROGRESS", "1")
    buf = io.StringIO()
    bar = progress.progress(range(3), desc="epochs", file=buf, mininterval=0)
    assert type(bar).__module__.startswith("tqdm") and "notebook" not in type(bar).__module__
    assert list(bar) == [0, 1, 2]
    assert "epochs" in buf.getvalue() and "3/3" in buf.getvalue()


def test_progress_uses_the_widget_bar_in_a_live_notebook(monkeypatch):
    monkeypatch.delenv("COURSE_PLAIN_PROGRESS", raising=False)
    monkeypatch.delenv("CI", raising=False)
    monkeypatch.setattr(progress, "_in_live_notebook", lambda: True)
    bar = progress.progress(range(2), desc="epochs")
    assert "notebook" in type(bar).__module__
    bar.close()


class _FakeCpuClock:
    """process_time() of a machine where every call of the timed function costs `cost` seconds of
    CPU time, plus `noise[i]` on the i-th call, and the clock only advances in steps of `tick`."""

    def __init__(self, cost, tick=0.0, noise=()):
        self.cost, self.tick, self.noise, self.used, self.calls = cost, tick, list(noise), 0.0, 0

    def fn(self):
        self.used += self.cost + (self.noise[self.calls] if self.calls < len(self.noise) else 0.0)
        self.calls += 1

    def process_time(self):
        return self.used if not self.tick else self.tick * int(self.used / self.tick)


@pytest.mark.parametrize("cost", [2e-6, 3e-4, 0.2])
def test_cpu_time_per_call_is_accurate_under_a_ten_millisecond_tick(monkeypatch, cost):
    from course import timing

    clock = _FakeCpuClock(cost, tick=0.01)
    monkeypatch.setattr(timing.time, "process_time", clock.process_time)
    t = timing.cpu_time_per_call(clock.fn, rounds=3, min_round_seconds=0.05)
    assert t == pytest.approx(cost, rel=0.25)  # a plain loop of a few calls would read 0 or 10 ms
    assert clock.calls * cost < 1.0  # calibration does not run away: about 3 rounds of 0.05-0.2 s


def test_cpu_time_per_call_keeps_the_least_disturbed_round(monkeypatch):
    from course import timing

    noise = [0.0] + [1e-3] * 40 + [0.0] * 1000  # warm-up, then a disturbed stretch, then quiet ones
    clock = _FakeCpuClock(1e-3, noise=noise)
    monkeypatch.setattr(timing.time, "process_time", clock.process_time)
    assert timing.cpu_time_per_call(clock.fn, rounds=4, min_round_seconds=0.02) == pytest.approx(1e-3)
    with pytest.raises(ValueError):
        timing.cpu_time_per_call(clock.fn, rounds=0)


def test_costs_compared_are_measured_in_turn_so_a_busy_stretch_does_not_fall_on_one_of_them(monkeypatch):
    """Two functions of equal cost, and a machine that is busy for the first 62 calls (as long as
    the first function's five rounds take when it is measured alone): measured one after the other,
    the first comes out twice as expensive as the second (the lecture 07 CI failure had this
    shape); measured in turn, both keep a quiet round."""
    from course import timing

    def busy_start():
        clock = _FakeCpuClock(1e-3, noise=[1e-3] * 62)
        monkeypatch.setattr(timing.time, "process_time", clock.process_time)
        return clock

    clock = busy_start()
    one_after_the_other = [
        timing.cpu_time_per_call(clock.fn, rounds=5, min_round_seconds=0.02) for _ in range(2)
    ]
    assert one_after_the_other == [pytest.approx(2e-3, rel=0.05), pytest.approx(1e-3)]  # the premise
    clock = busy_start()
    in_turn = timing.cpu_times_per_call([clock.fn, clock.fn], rounds=5, min_round_seconds=0.02)
    assert in_turn == [pytest.approx(1e-3), pytest.approx(1e-3)]
    with pytest.raises(ValueError):
        timing.cpu_times_per_call([clock.fn], min_round_seconds=0)
