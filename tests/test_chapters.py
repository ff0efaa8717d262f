"""Every chapter, through the grader: reference full marks, blank zero, every mutant loses points."""

from __future__ import annotations

import csv
import subprocess
import sys

import pytest

from tests.conftest import ROOT, chapter_kit, chapters, per_chapter

_GRADED: dict[str, tuple] = {}


def graded_demo(assignment, course, tmp_path_factory):
    """The demo class of a chapter (reference, blank, 3 mistakes, attacks) graded once through the CLI."""
    if assignment in _GRADED:
        return _GRADED[assignment]
    from autograder.demo import make_demo_class

    tmp = tmp_path_factory.mktemp(f"demo-{assignment}")
    subs = tmp / "submitted"
    # The attacks are the same for every chapter (tests/test_attacks.py holds the full suite):
    # one chapter's class carries them, so ten chapters do not pay for them ten times.
    made = make_demo_class(course, assignment, subs, n_mutants=3, attacks=assignment == chapters()[0])
    out = tmp / "graded"
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
            "--no-preflight",  # the class holds the reference itself (tests/test_preflight.py tests preflight)
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    _GRADED[assignment] = (subs, out, made, proc)
    return _GRADED[assignment]


@pytest.mark.parametrize("assignment", per_chapter(chapters()))
def test_demo_class_through_the_cli(assignment, course, references, tmp_path_factory):
    references(assignment)
    from autograder.demo import verify

    subs, out, made, proc = graded_demo(assignment, course, tmp_path_factory)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    summary = {r["student_id"]: r for r in csv.DictReader(open(out / "summary.csv"))}
    assert set(summary) == set(made)
    ref = summary["reference"]
    assert float(ref["score"]) == float(ref["max_score"]) > 0, ref
    assert ref["flags"] == "", "the reference solution must not be flagged"
    assert float(summary["blank"]["score"]) == 0
    n, wrong = verify(subs, out)
    assert n == len(made) and not wrong, (wrong, proc.stdout[-3000:] + proc.stderr[-3000:])
    assert (out / "report.html").exists() and (
        out / "feedback" / "reference" / assignment / "feedback.html"
    ).exists()
    assert (out / "gradebook.db").exists()


@pytest.mark.parametrize("assignment", per_chapter([a for a in chapters() if chapter_kit(a)]))
def test_every_mutant_is_caught(assignment, course, references):
    references(assignment)
    from autograder.mistakes import load_or_build_fingerprints

    kit = chapter_kit(assignment)
    notebook = kit.notebook.split("/")[-1].removesuffix(".ipynb")
    per_cell: dict[str, int] = {}
    for m in kit.mutants:
        per_cell[m.cell] = per_cell.get(m.cell, 0) + 1
    assert min(per_cell.values()) >= 3, f"fewer than three mutants for some graded function: {per_cell}"
    # One kernel for the whole catalogue; the grader reuses the same (cached) run to name mistakes.
    caught = {(m["cell"], m["why"]) for m in load_or_build_fingerprints(course, assignment, notebook)}
    survivors = [f"{m.cell}: {m.why}" for m in kit.mutants if (m.cell, m.why) not in caught]
    assert not survivors, "mutants that kept full marks:\n" + "\n".join(survivors)


@pytest.mark.parametrize("assignment", per_chapter([a for a in chapters() if chapter_kit(a)]))
def test_feedback_names_the_mistake_a_student_made(assignment, course, references, tmp_path_factory):
    """Each mistake student of the demo class finds its mistake's sentence in its feedback (for
    mistakes whose values are their own), and no feedback shows hidden values or source."""
    import json

    from autograder.mistakes import load_or_build_fingerprints

    subs, out, made, proc = graded_demo(assignment, course, tmp_path_factory)
    assert proc.returncode == 0, proc.stderr[-2000:]
    kit = chapter_kit(assignment)
    notebook = kit.notebook.split("/")[-1].removesuffix(".ipynb")
    prints = load_or_build_fingerprints(course, assignment, notebook)
    by_why: dict[str, list[str]] = {}
    for m in prints:
        by_why.setdefault(json.dumps(m["values"], sort_keys=True), []).append(m["why"])
    demo_mutants = {sid: m for sid, m in demo_mistakes(course, assignment, made).items()}
    for sid, m in demo_mutants.items():
        fp = next((p for p in prints if p["why"] == m.why and p["cell"] == m.cell), None)
        if fp is None or not fp["values"] or len(by_why[json.dumps(fp["values"], sort_keys=True)]) > 1:
            continue  # caught without values, or values shared with another mistake: not nameable
        html = (out / "feedback" / sid / assignment / "feedback.html").read_text(encoding="utf-8")
        assert _escaped(m.why) in html, f"{sid}: its feedback does not name {m.why!r}"
    # No hidden check's source in any student's feedback or autograded notebook (nbgrader's
    # generate_feedback renders the latter as it is).
    hidden = hidden_check_lines(course, assignment)
    assert hidden, "the chapter has no hidden checks"
    graded = [sid for sid in made if (out / "results" / f"{sid}.json").exists()]
    assert "reference" in graded and "blank" in graded
    for sid in graded:
        pages = [(out / "feedback" / sid / assignment / "feedback.html").read_text(encoding="utf-8")]
        pages += [
            p.read_text(encoding="utf-8") for p in (out / "autograded" / sid / assignment).glob("*.ipynb")
        ]
        assert len(pages) == 1 + len(course.source_notebooks(assignment)), (
            f"{sid}: autograded notebooks missing"
        )
        for page in pages:
            leaked = [
                ln for ln in hidden if ln in page or _escaped(ln) in page or json.dumps(ln)[1:-1] in page
            ]
            assert not leaked, f"{sid}: hidden source in its feedback: {leaked[:2]}"
    if assignment == chapters()[0]:  # nbgrader's own feedback renders the grader's output
        fb = out / "nbgrader-feedback"
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "nbgrader",
                "generate_feedback",
                assignment,
                f"--CourseDirectory.autograded_directory={out / 'autograded'}",
                f"--CourseDirectory.feedback_directory={fb}",
                f"--CourseDirectory.db_url=sqlite:///{out / 'gradebook.db'}",
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
        assert {p.parent.parent.name for p in fb.glob(f"*/{assignment}/*.html")} == set(graded)


def hidden_check_lines(course, assignment) -> list[str]:
    """The check calls of every hidden-test region of the chapter's source notebooks."""
    from autograder.notebook import SourceNotebook, source_of

    lines = []
    for path in course.source_notebooks(assignment):
        for cell in SourceNotebook.load(path).cells:
            src = source_of(cell)
            if "### BEGIN HIDDEN TESTS" not in src:
                continue
            region = src.split("### BEGIN HIDDEN TESTS", 1)[1].split("### END HIDDEN TESTS", 1)[0]
            lines += [ln.strip() for ln in region.splitlines() if "check" in ln and '"' in ln]
    return lines


def _escaped(text: str) -> str:
    import html

    return html.escape(text, quote=True)


def demo_mistakes(course, assignment, made):
    from autograder.demo import demo_mutants

    return demo_mutants(course, assignment, made, n_mutants=3)


VALIDATE = """
import json, sys
from traitlets.config import PyFileConfigLoader
from nbgrader.validator import Validator
cfg = PyFileConfigLoader("nbgrader_config.py", path=sys.argv[1]).load_config()
print("RESULT " + json.dumps(Validator(config=cfg).validate(sys.argv[2])))
"""


@pytest.mark.parametrize("assignment", per_chapter(chapters()))
def test_validate_and_grader_agree_on_visible_tests(assignment, course, references, tmp_path_factory):
    """nbgrader's Validate (the student's button) and the grader: same verdict on every visible test.

    The grader may fail a test cell that Validate passes only through a hidden check; it may
    never pass a cell that Validate fails.
    """
    import json
    import os

    from autograder.notebook import is_test, nbg, source_of

    subs, out, made, proc = graded_demo(assignment, course, tmp_path_factory)
    assert proc.returncode == 0, proc.stderr[-2000:]
    ours: dict[tuple[str, str], dict] = {
        (r["student_id"], r["test_id"]): r for r in csv.DictReader(open(out / "grades.csv"))
    }
    hidden_names = {
        rec["name"]
        for ref in references(assignment).values()
        for rec in ref["records"]
        if rec.get("declared", {}).get("hidden", {}).get("v")
    }
    env = dict(os.environ, COURSE_REFERENCE_DIR=str(course.reference_dir(assignment)))
    # Validate runs the whole notebook once per student: the reference and the first mistake
    # cover "passes" and "fails some" (the blank release failing everything is
    # tests/test_nbgrader.py's `validate --invert`).
    checked = ["reference"] + [m for m in made if m.startswith("mistake")][:1]
    for student in checked:
        for nb_path in sorted((subs / student / assignment).glob("*.ipynb")):
            release = json.loads(course.release_notebook(assignment, nb_path.stem).read_text())
            by_source = {source_of(c).strip(): nbg(c)["grade_id"] for c in release["cells"] if is_test(c)}
            v = subprocess.run(
                [sys.executable, "-c", VALIDATE, str(ROOT), str(nb_path)],
                capture_output=True,
                text=True,
                env=env,
                timeout=900,
            )
            line = next(x for x in v.stdout.splitlines() if x.startswith("RESULT "))
            result = json.loads(line[len("RESULT ") :])
            assert "changed" not in result and "type_changed" not in result, result.keys()
            # (validate_all also reports ordinary cells that raised, e.g. a training loop over a blank answer)
            validate_failed = {
                by_source[f["source"]] for f in result.get("failed", []) if f["source"] in by_source
            }
            for tid in by_source.values():
                row = ours[(student, tid)]
                if tid in validate_failed:
                    assert row["status"] != "passed", (
                        f"{student}/{tid}: Validate fails it, the grader passed it"
                    )
                elif row["status"] != "passed":
                    names = [part.split(": ")[0] for part in row["message"].split(" | ")]
                    assert row["status"] == "failed" and all(n in hidden_names for n in names), (
                        f"{student}/{tid}: the grader failed a visible check that Validate passed: {row['message']}"
                    )
