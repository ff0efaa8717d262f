"""nbgrader's feedback loop on the grader's output: collect -> grade -> generate_feedback ->
release_feedback, with the formgrader's gradebook, on the toy course (seconds, not minutes).

The chapters' own demo classes check the grader's ``feedback.html`` (tests/test_chapters.py);
this file checks that nbgrader's commands work on what the grader writes, and that nothing
hidden or printed by a student's kernel reaches nbgrader's rendering.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.grade import GradeOptions, Grader
from tests.toycourse import ASSIGNMENT, TEST_SCALE, TEST_SOFTMAX, load_release, make_toy_course, with_answer

RIGHT_SCALE = "def scale_rows(x, w):\n    return x * w[:, None]  # alice's own comment\n"
WRONG_SCALE = "def scale_rows(x, w):\n    return x * w[None, :].T.T[:, :1]  # bob\n"
RIGHT_SOFTMAX = "def row_softmax(z):\n    e = np.exp(z - z.max(axis=1, keepdims=True))\n    return e / e.sum(axis=1, keepdims=True)\n"
SECRET = "0123456789abcdef0123456789abcdef"


def _hidden_lines() -> list[str]:
    out = []
    for src in (TEST_SCALE, TEST_SOFTMAX):
        hidden = src.split("### BEGIN HIDDEN TESTS")[1].split("### END HIDDEN TESTS")[0]
        out += [ln.strip() for ln in hidden.splitlines() if ln.strip()]
    return out


def _nbgrader(course_root: Path, *args: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, PATH=str(Path(sys.executable).parent) + os.pathsep + os.environ.get("PATH", ""))
    return subprocess.run(
        [sys.executable, "-m", "nbgrader", *args],
        cwd=course_root,
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("loop")
    course = make_toy_course(tmp / "course")
    release = load_release(course)
    subs = course.nbgrader_submitted
    answers = {
        "alice": with_answer(with_answer(release, "scale_rows", RIGHT_SCALE), "row_softmax", RIGHT_SOFTMAX),
        "bob": with_answer(release, "scale_rows", WRONG_SCALE),
        # mallory prints a fake verdict and tries to smuggle files into nbgrader's folders
        "mallory": with_answer(
            release, "scale_rows", "print('[grader] test_scale_rows: 2 / 2 points, passed')\n" + RIGHT_SCALE
        ),
    }
    for sid, nb in answers.items():
        d = subs / sid / ASSIGNMENT
        d.mkdir(parents=True)
        (d / "toy.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    for sid in ("alice", "bob"):  # what `nbgrader collect` leaves next to a submitted notebook
        (subs / sid / ASSIGNMENT / "timestamp.txt").write_text("2026-11-20 09:15:02.123456 UTC")
        (subs / sid / ASSIGNMENT / "submission_secret.txt").write_text(SECRET[:-1] + sid[0])
    m = subs / "mallory" / ASSIGNMENT
    (m / "timestamp.txt").write_text("<script>alert(1)</script>")
    (m / "submission_secret.txt").symlink_to("/etc/passwd")
    (m / "notes.html").write_text("<h1>injected</h1>")
    opts = GradeOptions(
        assignment=ASSIGNMENT,
        submissions=subs,
        out=tmp / "graded",
        workers=2,
        progress_bar=False,
        preflight=False,
        autograded=course.nbgrader_autograded,
        db_url=course.nbgrader_db_url,
    )
    Grader(course, opts).run()
    return course, tmp


def test_autograded_notebooks_hold_the_answers_and_the_verdicts_only(graded):
    course, _ = graded
    ag = course.nbgrader_autograded
    assert sorted(p.name for p in ag.iterdir()) == ["alice", "bob", "mallory"]
    nb = json.loads((ag / "alice" / ASSIGNMENT / "toy.ipynb").read_text())
    text = json.dumps(nb)
    assert "alice's own comment" in text
    assert "### BEGIN SOLUTION" not in text and "BEGIN HIDDEN" not in text
    for line in _hidden_lines():
        assert line not in text, line
    tests = [c for c in nb["cells"] if c["metadata"].get("nbgrader", {}).get("grade")]
    assert tests and all(
        c["outputs"][0]["text"].startswith("[grader] ") for c in tests if c["cell_type"] == "code"
    )
    # mallory's print never ran into the notebook: only the grader's verdict is there
    mal = json.loads((ag / "mallory" / ASSIGNMENT / "toy.ipynb").read_text())
    outs = [o["text"] for c in mal["cells"] if c["cell_type"] == "code" for o in c["outputs"]]
    assert all(o.startswith("[grader] ") for o in outs) and not any("print(" in o for o in outs)
    # her folder's extra file was not copied; her malformed side files were replaced
    assert sorted(p.name for p in (ag / "mallory" / ASSIGNMENT).iterdir()) == [
        "submission_secret.txt",
        "timestamp.txt",
        "toy.ipynb",
    ]
    assert "<script>" not in (ag / "mallory" / ASSIGNMENT / "timestamp.txt").read_text()
    assert "root:" not in (ag / "mallory" / ASSIGNMENT / "submission_secret.txt").read_text()
    assert (ag / "alice" / ASSIGNMENT / "submission_secret.txt").read_text() == SECRET[:-1] + "a"


def test_nbgrader_generates_and_releases_the_feedback(graded):
    course, tmp = graded
    proc = _nbgrader(course.root, "generate_feedback", ASSIGNMENT, "--force")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    fb = course.data_dir / "feedback"
    pages = {sid: (fb / sid / ASSIGNMENT / "toy.html").read_text() for sid in ("alice", "bob", "mallory")}
    assert "alice&#39;s own comment" in pages["alice"] or "alice's own comment" in pages["alice"]
    assert "test_scale_rows: 2 / 2 points, passed" in pages["alice"]
    assert "test_scale_rows: 0 / 2 points" in pages["bob"]
    # the scores come from the gradebook the grader wrote (bob: softmax unanswered)
    text = {sid: re.sub(r"<[^>]+>", "", page) for sid, page in pages.items()}
    assert "toy (Score: 6.0 / 6.0)" in text["alice"] and "toy (Score: 0.0 / 6.0)" in text["bob"]
    for page in pages.values():
        assert "BEGIN HIDDEN" not in page and "injected" not in page
        for line in _hidden_lines():
            assert line.replace('"', "&quot;") not in page and line not in page, line
    exchange = tmp / "exchange"
    exchange.mkdir(mode=0o777, exist_ok=True)
    os.chmod(exchange, 0o777)
    proc = _nbgrader(course.root, "release_feedback", ASSIGNMENT, f"--Exchange.root={exchange}")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    from nbgrader.utils import notebook_hash

    released = exchange / "deep-learning-twice" / "feedback"
    # where `nbgrader fetch_feedback` looks for alice's page: the hash of her secret and notebook
    mine = released / f"{notebook_hash(secret=SECRET[:-1] + 'a', notebook_id='toy')}.html"
    assert mine.exists() and "alice" in mine.read_text()
    assert len(list(released.glob("*.html"))) == 3  # mallory's too, under a name only the grader knows


def test_formgrader_sees_the_autograded_submissions(graded):
    """The gradebook the formgrader opens has every student's scores and the inline question
    cells to grade by hand (the toy course has none: its grade cells are the tests)."""
    course, _ = graded
    from nbgrader.api import Gradebook

    with Gradebook(course.nbgrader_db_url, course_id="deep-learning-twice") as gb:
        scores = {s.student_id: s.score for s in gb.assignment_submissions(ASSIGNMENT)}
    assert scores["alice"] == 6 and scores["bob"] < 6


def test_an_inline_answer_cannot_run_script_where_nbgrader_renders_it():
    """The formgrader shows an inline answer to the instructor: its HTML must arrive escaped."""
    import nbformat
    from nbconvert import HTMLExporter

    from autograder.autograded import autograded_notebook

    question = {
        "cell_type": "markdown",
        "id": "q",
        "metadata": {"nbgrader": {"grade": True, "grade_id": "q_why", "solution": True, "points": 1}},
        "source": "YOUR ANSWER HERE",
    }
    release = {"cells": [question], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    answer = "Because </pre><script>alert(1)</script> and [x](javascript:alert(2)) *emphasis*"
    nb = autograded_notebook(release, [{"kind": "question", "grade_id": "q_why", "text": answer}])
    body, _ = HTMLExporter(template_name="classic").from_notebook_node(nbformat.from_dict(nb))
    assert "<script>alert(1)" not in body and 'href="javascript:' not in body
    assert "&lt;script&gt;alert(1)" in body  # still readable by the instructor
