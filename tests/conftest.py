"""Shared fixtures: the course, its chapters, and the reference records (built once, cached)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from autograder.config import Course

ROOT = Path(__file__).resolve().parents[1]
os.environ.setdefault("COURSE_PLAIN_PROGRESS", "1")
os.environ.setdefault("MPLBACKEND", "Agg")
# nbgrader shells out to `alembic` from this environment
os.environ["PATH"] = str(Path(os.sys.executable).parent) + os.pathsep + os.environ.get("PATH", "")


# Modules that execute notebooks, kernels, nbgrader or a browser: `make test` runs them,
# `make test-fast` (unit, contract and format tests, under a minute) does not.
SLOW_MODULES = {
    "test_attacks",
    "test_bench_smoke",
    "test_browser",
    "test_chapters",
    "test_distributed",
    "test_gpu",
    "test_nbgrader",
    "test_notebooks",
    "test_release",
    "test_preflight",
}


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.module.__name__.rsplit(".", 1)[-1] in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)


def chapters() -> list[str]:
    return Course(ROOT).assignments()


def chapter_of(path: Path) -> str:
    """``01_backprop`` for lectures/01_backprop.ipynb and solutions/01_backprop/x.ipynb."""
    path = Path(path)
    return path.stem if path.parent.name == "lectures" else path.parent.name


def per_chapter(values, chapter=lambda v: v, ids=None) -> list:
    """Parameters that keep each chapter's tests on one xdist worker (they share its reference
    records, demo class and mistake kernel) while different chapters run on different workers."""
    return [
        pytest.param(v, marks=pytest.mark.xdist_group(f"chapter-{chapter(v)}"), id=(ids(v) if ids else None))
        for v in values
    ]


def chapter_kit(assignment: str):
    """The chapter's mistake catalogue and evaluators (``instructor``), or None."""
    import instructor

    return instructor.kit(assignment)


@pytest.fixture
def live_notebook(monkeypatch):
    """A notebook someone looks at, where explorers draw (the test suite itself is a batch run:
    ``COURSE_PLAIN_PROGRESS`` is set above, and ``course.widgets.interactive`` draws nothing)."""
    monkeypatch.delenv("COURSE_PLAIN_PROGRESS", raising=False)
    monkeypatch.delenv("CI", raising=False)


@pytest.fixture(autouse=True)
def _close_figures():
    """Every test starts and ends with no open matplotlib figure (figure functions must not leak)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.close("all")
    yield
    plt.close("all")


@pytest.fixture(scope="session")
def course() -> Course:
    return Course(ROOT)


class References:
    """Reference records per chapter, built on first use (the trusted run; cached on disk in
    .course-data/reference): ``references(assignment) -> {notebook: records}``. Lazy, so one
    chapter's broken reference fails that chapter's tests, not every chapter's."""

    def __init__(self, course):
        self.course = course
        self._built: dict[str, dict] = {}

    def __call__(self, assignment: str) -> dict:
        from autograder.reference import load_or_build

        if assignment not in self._built:
            self._built[assignment] = {
                p.stem: load_or_build(self.course, assignment, p)
                for p in self.course.source_notebooks(assignment)
            }
        return self._built[assignment]

    def for_notebook(self, path: Path) -> dict:
        """The records a notebook's hidden checks need (solutions), or {} (lectures)."""
        path = Path(path)
        return self(path.parent.name) if path.parent.parent.name == "solutions" else {}


@pytest.fixture(scope="session")
def references(course):
    return References(course)
