"""Configuration that several tools must agree on."""

import subprocess

from traitlets.config import PyFileConfigLoader

from autograder.config import CELL_TIMEOUT_S
from tests.conftest import ROOT


def _nbgrader_config():
    return PyFileConfigLoader("nbgrader_config.py", path=str(ROOT)).load_config()


def test_validate_and_grader_share_the_cell_time_limit():
    cfg = _nbgrader_config()
    assert cfg.Execute.timeout == CELL_TIMEOUT_S, (
        "nbgrader's Validate and the grader must use the same per-cell limit"
    )
    assert CELL_TIMEOUT_S != 30, "set explicitly, not nbgrader's default"


def test_nbgrader_folders_point_at_the_course_layout():
    cfg = _nbgrader_config()
    assert cfg.CourseDirectory.source_directory == "solutions"
    assert cfg.CourseDirectory.release_directory == "assignments"
    for key in ("submitted_directory", "autograded_directory", "feedback_directory"):
        assert cfg.CourseDirectory[key].startswith(".course-data/"), key
    assert ".course-data" in (ROOT / ".gitignore").read_text()


def test_make_without_target_lists_targets():
    out = subprocess.run(["make", "--no-print-directory"], cwd=ROOT, capture_output=True, text=True).stdout
    for target in ("setup", "all", "test", "lab", "assignments", "grade", "bench"):
        assert f"make {target} " in out, target
