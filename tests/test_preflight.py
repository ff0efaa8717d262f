"""Fail loudly: a grading environment in which the reference cannot pass stops before any student."""

from __future__ import annotations

import pytest

from autograder.grade import GradeOptions, Grader
from tests.toycourse import ASSIGNMENT, load_release, make_toy_course, submission_from, with_answer


def right_answers(release, subs, *ids):
    """Submissions with the right answer to the toy course's one question; returns ``subs``."""
    for sid in ids:
        submission_from(
            with_answer(release, "scale_rows", "def scale_rows(x, w):\n    return x * w[:, None]\n"),
            subs / sid,
        )
    return subs


@pytest.mark.parametrize("workers", [1, 2])
def test_a_kernel_that_cannot_work_in_the_sandbox_stops_the_class(tmp_path, workers):
    # With 2 workers a student is graded beside the preflight: the result is held back, never written.
    # The notebook needs a package the trusted reference run sees but the sandbox does not (the
    # grader-side `instructor` package is masked there): exactly an environment that differs
    # between the reference run and the students' runs.
    # (first in its cell: when it fails, numpy is never imported and every test breaks)
    imports = (
        "import instructor\nimport numpy as np\nfrom course.checks import check, check_accuracy, check_bound"
    )
    course = make_toy_course(tmp_path / "course", imports=imports)
    release = load_release(course)
    subs = right_answers(release, tmp_path / "submitted", "alice", "bob", "carol")
    out = tmp_path / "out"
    opts = GradeOptions(assignment=ASSIGNMENT, submissions=subs, out=out, workers=workers, progress_bar=False)
    with pytest.raises(SystemExit) as exc:
        Grader(course, opts).run()
    msg = str(exc.value)
    assert "reference solution" in msg and "no student was graded" in msg, msg
    assert not (out / "results").exists() or not any((out / "results").iterdir())
    assert not (out / "summary.csv").exists()
    assert not (out / "autograded").exists() and not any(out.glob("*.db"))


def test_the_sandbox_hides_the_grader_side_package(tmp_path):
    import sys

    from autograder.sandbox import Limits, bwrap_works, run_sandboxed
    from autograder.worker import kernel_env

    if not bwrap_works():
        pytest.fail("bubblewrap must work here: make setup installs it")
    work = tmp_path / "w"
    work.mkdir()
    code = "import importlib.util, sys; sys.exit(0 if importlib.util.find_spec('instructor') is None else 3)"
    res = run_sandboxed([sys.executable, "-c", code], work, Limits(wall_seconds=60), kernel_env())
    assert res.returncode == 0, "the mistake catalogues must be invisible to a submission"


def test_a_grading_hiccup_is_retried_once_and_then_reported(tmp_path, monkeypatch):
    """An exception from the worker is the grader's or the machine's failure: the student is graded
    again once; a second failure is reported as "not graded" with the reason, and the class goes on."""
    import csv

    import autograder.grade as grade_mod

    course = make_toy_course(tmp_path / "course")
    release = load_release(course)
    subs = right_answers(release, tmp_path / "submitted", "alice", "bob", "carol")
    real = grade_mod.run_submission
    calls: dict[str, int] = {}

    def flaky(payload):
        sid = payload["student"]
        calls[sid] = calls.get(sid, 0) + 1
        if sid == "alice" and calls[sid] == 1:
            raise OSError("fork: resource temporarily unavailable")
        if sid == "bob":
            raise OSError("the machine is on fire")
        return real(payload)

    monkeypatch.setattr(grade_mod, "run_submission", flaky)
    out = tmp_path / "out"
    opts = GradeOptions(
        assignment=ASSIGNMENT, submissions=subs, out=out, workers=2, progress_bar=False, preflight=False
    )
    result = Grader(course, opts).run()
    assert calls == {"alice": 2, "bob": 2, "carol": 1}
    rows = {r["student_id"]: r for r in csv.DictReader(open(out / "summary.csv", encoding="utf-8"))}
    assert rows["alice"]["score"] == rows["carol"]["score"] != ""
    assert rows["bob"]["max_score"] == "" and "on fire" in result.errors["bob"]


def test_a_grader_failure_while_assembling_is_graded_again_not_scored_zero(tmp_path, monkeypatch):
    """A SystemError while the grader assembles a notebook (seen once in a class run) is not the
    submission's fault: the student is graded again and scores like a classmate with the same
    answers (it used to stand as a zero)."""
    import csv

    import autograder.worker as worker_mod

    course = make_toy_course(tmp_path / "course")
    release = load_release(course)
    subs = right_answers(release, tmp_path / "submitted", "alice", "bob")
    real = worker_mod.assemble
    calls = []

    def once_broken(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise SystemError("error return without exception set")
        return real(*args, **kwargs)

    monkeypatch.setattr(worker_mod, "assemble", once_broken)
    out = tmp_path / "out"
    opts = GradeOptions(
        assignment=ASSIGNMENT, submissions=subs, out=out, workers=1, progress_bar=False, preflight=False
    )
    result = Grader(course, opts).run()
    assert len(calls) == 3 and not result.errors
    rows = {r["student_id"]: r for r in csv.DictReader(open(out / "summary.csv", encoding="utf-8"))}
    assert rows["alice"]["score"] == rows["bob"]["score"] != ""  # the same answers, the same score
