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
