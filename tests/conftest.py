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


def chapter_kit(assignment: str):
    """The chapter's mistake catalogue and evaluators (``instructor``), or None."""
    import instructor

    return instructor.kit(assignment)


@pytest.fixture(scope="session")
def course() -> Course:
    return Course(ROOT)


@pytest.fixture(scope="session")
def references(course):
    """Reference records of every chapter (the trusted run; cached in .course-data/reference)."""
    from autograder.reference import load_or_build

    out = {}
    for a in course.assignments():
        for p in course.source_notebooks(a):
            out[(a, p.stem)] = load_or_build(course, a, p)
    return out
