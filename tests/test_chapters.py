"""Every chapter, through the grader: reference full marks, blank zero, every mutant loses points."""

from __future__ import annotations

import csv
import subprocess
import sys

import pytest

from tests.conftest import ROOT, chapters, mutant_module
from tests.mutation import run_catalogue

pytestmark = pytest.mark.xdist_group("chapters")


@pytest.mark.parametrize("assignment", chapters())
def test_demo_class_through_the_cli(assignment, course, references, tmp_path):
    from autograder.demo import make_demo_class, verify

    subs = tmp_path / "submitted"
    made = make_demo_class(course, assignment, subs, n_mutants=3, attacks=True)
    out = tmp_path / "graded"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "autograder",
            "grade",
            assignment,
            "--submissions",
            str(subs),
            "--out",
            str(out),
            "--workers",
            "2",
            "--no-progress",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    summary = {r["student_id"]: r for r in csv.DictReader(open(out / "summary.csv"))}
    assert set(summary) == set(made)
    ref = summary["reference"]
    assert float(ref["score"]) == float(ref["max_score"]) > 0, ref
    assert ref["flags"] == "", "the reference solution must not be flagged"
    assert float(summary["blank"]["score"]) == 0
    n, wrong = verify(subs, out)
    assert n == len(made) and not wrong, wrong
    assert (out / "report.html").exists() and (
        out / "feedback" / "reference" / assignment / "feedback.html"
    ).exists()
    assert (out / "gradebook.db").exists()


@pytest.mark.parametrize("assignment", [a for a in chapters() if mutant_module(a)])
def test_every_mutant_is_caught(assignment, course, references):
    mod = mutant_module(assignment)
    notebook = mod.NOTEBOOK.split("/")[-1].removesuffix(".ipynb")
    per_cell: dict[str, int] = {}
    for m in mod.MUTANTS:
        per_cell[m.cell] = per_cell.get(m.cell, 0) + 1
    assert min(per_cell.values()) >= 3, f"fewer than three mutants for some graded function: {per_cell}"
    outcomes = run_catalogue(course, assignment, notebook, mod.MUTANTS)
    survivors = [f"{o.cell}: {o.why}" for o in outcomes if o.caught_by is None]
    assert not survivors, "mutants that kept full marks:\n" + "\n".join(survivors)
