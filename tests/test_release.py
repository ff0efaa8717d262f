"""The release: generated from the source byte for byte, and free of solutions and hidden tests."""

from __future__ import annotations

import json
import re

import pytest

from autograder.notebook import is_solution, nbg, source_of
from autograder.release import _same_tree, build_release
from tests.conftest import chapters

pytestmark = pytest.mark.xdist_group("release")


@pytest.mark.parametrize("assignment", chapters())
def test_release_is_what_the_generator_makes(assignment, course, tmp_path):
    built = build_release(course, assignment, tmp_path)
    assert _same_tree(built, course.release_dir / assignment), (
        f"assignments/{assignment} is out of date: run `make assignments`"
    )


@pytest.mark.parametrize("assignment", chapters())
def test_release_has_no_solution_or_hidden_text(assignment, course):
    for src_path in course.source_notebooks(assignment):
        src = json.loads(src_path.read_text())
        release_text = (course.release_dir / assignment / src_path.name).read_text()
        for marker in ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS"):
            assert marker not in release_text
        for c in src["cells"]:
            text = source_of(c)
            for region in re.findall(r"### BEGIN SOLUTION\n(.*?)### END SOLUTION", text, flags=re.S):
                for line in region.splitlines():
                    line = line.strip()
                    if len(line) > 25 and not line.startswith("#"):
                        assert json.dumps(line)[1:-1] not in release_text, f"solution line leaked: {line}"
            for region in re.findall(r"### BEGIN HIDDEN TESTS\n(.*?)### END HIDDEN TESTS", text, flags=re.S):
                for line in region.splitlines():
                    if "check(" in line:
                        assert json.dumps(line.strip())[1:-1] not in release_text, (
                            f"hidden test leaked: {line}"
                        )
        rel = json.loads(release_text)
        stubs = [
            (nbg(c)["grade_id"], source_of(c))
            for c in rel["cells"]
            if is_solution(c) and c["cell_type"] == "code"
        ]
        assert stubs, "the release has no answer cells"
        for gid, s in stubs:
            assert "raise NotImplementedError" in s, f"answer cell {gid} has no stub"


def test_committed_notebooks_are_clean():
    import subprocess
    import sys

    from tests.conftest import ROOT

    proc = subprocess.run(
        [sys.executable, "-m", "autograder.nbclean", "--check", "lectures", "solutions", "assignments"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert proc.returncode == 0, proc.stdout
