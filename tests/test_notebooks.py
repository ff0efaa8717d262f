"""Every lecture and solution notebook executes under papermill with its CI parameters."""

from __future__ import annotations

import pytest

from autograder.papermill_all import course_notebooks, declared_parameters, run_one
from tests.conftest import ROOT, chapter_of, per_chapter

NOTEBOOKS = course_notebooks(__import__("autograder.config", fromlist=["Course"]).Course(ROOT))


@pytest.mark.parametrize(
    "path", per_chapter(NOTEBOOKS, chapter=chapter_of, ids=lambda p: str(p.relative_to(ROOT)))
)
def test_notebook_executes_with_ci_parameters(path, references, tmp_path):
    references.for_notebook(path)
    assert "seed" in declared_parameters(path), f"{path.name} has no parameters cell with a seed"
    ok, secs, err = run_one(path, tmp_path, {})
    assert ok, err


def test_first_code_cell_is_parameters():
    import json

    for p in NOTEBOOKS:
        nb = json.loads(p.read_text())
        first = next(c for c in nb["cells"] if c["cell_type"] == "code")
        assert "parameters" in first["metadata"].get("tags", []), p
