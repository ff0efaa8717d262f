"""nbgrader's own commands on the course folder: validate, validate --invert, autograde."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

from autograder.demo import filled_release
from autograder.notebook import SourceNotebook, is_solution, nbg, source_of
from tests.conftest import ROOT, chapters, per_chapter

NBGRADER = [sys.executable, "-m", "nbgrader"]


def _env(course, assignment):
    env = dict(os.environ)
    env["COURSE_REFERENCE_DIR"] = str(course.reference_dir(assignment))
    return env


@pytest.mark.parametrize("assignment", per_chapter(chapters()))
def test_validate_passes_on_solutions_and_fails_every_test_on_release(assignment, course, references):
    references(assignment)
    for src in course.source_notebooks(assignment):
        ok = subprocess.run(
            [*NBGRADER, "validate", str(src)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            env=_env(course, assignment),
            timeout=900,
        )
        assert "Success! Your notebook passes all the tests." in ok.stdout, (
            ok.stdout[-3000:] + ok.stderr[-2000:]
        )
        rel = course.release_notebook(assignment, src.stem)
        inv = subprocess.run(
            [*NBGRADER, "validate", "--invert", str(rel)],
            cwd=ROOT,
            capture_output=True,
            text=True,
            env=_env(course, assignment),
            timeout=900,
        )
        assert "Success! The notebook does not pass any tests." in inv.stdout, inv.stdout[-3000:]


# nbgrader's own autograde on the course folder: the wiring is the same for every chapter (the
# per-chapter part, hidden checks finding the reference records, is what validate above shows),
# so one chapter carries it.
@pytest.mark.parametrize("assignment", per_chapter(chapters()[:1]))
def test_stock_autograde_gives_reference_full_and_blank_zero(assignment, course, references, tmp_path):
    references(assignment)
    root = tmp_path / "course"
    shutil.copytree(course.source_dir / assignment, root / "solutions" / assignment)
    (root / "nbgrader_config.py").write_text(
        f"load_subconfig({str(ROOT / 'autograder' / 'nbgrader_config.py')!r})\n"
        f"c.CourseDirectory.root = {str(root)!r}\n"
        f"c.CourseDirectory.db_url = 'sqlite:///{root}/gradebook.db'\n"
    )
    env = _env(course, assignment)

    def run(*args):
        return subprocess.run(
            [*NBGRADER, *args], cwd=root, capture_output=True, text=True, env=env, timeout=900
        )

    gen = run("generate_assignment", assignment, "--force")
    assert gen.returncode == 0, gen.stdout + gen.stderr
    for src_path in course.source_notebooks(assignment):
        src = SourceNotebook.load(src_path)
        release = json.loads((root / "assignments" / assignment / src_path.name).read_text())
        answers = {nbg(c)["grade_id"]: source_of(c) for c in src.cells if is_solution(c)}
        for student, nb in {"ref": filled_release(release, answers), "blank": release}.items():
            d = root / ".course-data" / "submitted" / student / assignment
            d.mkdir(parents=True, exist_ok=True)
            (d / src_path.name).write_text(json.dumps(nb))
    ag = run("autograde", assignment, "--force")
    assert ag.returncode == 0, ag.stdout[-3000:] + ag.stderr[-3000:]
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root}/gradebook.db") as gb:
        # The autograded part: code cells (the inline questions are written answers, graded by hand).
        scores = {
            st: (
                gb.find_submission(assignment, st).code_score,
                gb.find_submission(assignment, st).max_code_score,
            )
            for st in ("ref", "blank")
        }
    assert scores["ref"][0] == scores["ref"][1] > 0, scores
    assert scores["blank"][0] == 0, scores
