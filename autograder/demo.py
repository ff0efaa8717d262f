"""A demo class for an assignment: the reference solution, the blank release, typical mistakes
and (optionally) attacks, each with the verdict it must get.

Submissions are made the way a student would: the *release* notebook with answer cells filled
in. Mistakes come from the chapter's mutant catalogue (``instructor/chNN_topic.py``), so the
demo shows the grader telling right from wrong on the same edits the test suite uses.
``expected.csv`` beside the submissions says what each student must get (``full``, ``zero``,
``less``), and :func:`verify` checks a graded class against it.
"""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

from autograder.config import Course
from autograder.notebook import SourceNotebook, is_solution, nbg, source_of

# Attacks: code put in front of otherwise EMPTY answers (the release stubs), so any credit at all
# would be undeserved.
ATTACKS = {
    "patch_numpy": "import numpy as np\nnp.allclose = lambda *a, **k: True\nnp.testing.assert_allclose = lambda *a, **k: None\n",
    "skip_tests": "ip = get_ipython()\n_run = ip.run_cell\n"
    "ip.run_cell = lambda src, *a, **k: _run('pass', *a, **k) if 'check' in src else _run(src, *a, **k)\n",
    "patch_course": "import course.checks as cc\nimport course.records as cr\ncc.check = lambda *a, **k: None\n"
    "cr.Recorder.record = lambda self, *a, **k: None\n",
    "exit": "import os\nos._exit(0)\n",
    # placed in the LAST answer cell: if the solutions were readable, every later test would pass
    "read_solutions": "import glob, json\nfor _p in glob.glob({solutions!r} + '/*.ipynb'):\n"
    "    for _c in json.load(open(_p))['cells']:\n"
    "        if _c.get('metadata', {{}}).get('nbgrader', {{}}).get('solution'):\n"
    "            exec(''.join(_c['source']))\n",
}


def mutants_for(course: Course, assignment: str) -> list:
    """The chapter's mutant catalogue (``instructor.kit``), or [] when it has none."""
    import instructor

    return instructor.mutants(assignment)


def demo_mutants(course: Course, assignment: str, made: list[str], n_mutants: int = 4) -> dict:
    """Student id -> the catalogued mistake its demo submission was built from."""
    muts = mutants_for(course, assignment)
    out = {}
    for sid in made:
        name = sid.split("_", 1)[1] if sid.startswith("s") and sid[1:4].isdigit() else sid
        if name.startswith("mistake"):
            idx = int(name[len("mistake") :].split("_", 1)[0]) - 1
            chosen = _chosen(muts, n_mutants, sized="_" in sid and sid[1:4].isdigit())
            if 0 <= idx < len(chosen):
                out[sid] = chosen[idx]
    return out


def _chosen(muts: list, n_mutants: int, sized: bool) -> list:
    if sized:
        return muts
    step = max(1, len(muts) // max(1, n_mutants))
    return muts[::step][:n_mutants]


def filled_release(release: dict, answers: dict[str, str]) -> dict:
    nb = json.loads(json.dumps(release))
    for c in nb["cells"]:
        gid = nbg(c).get("grade_id")
        if is_solution(c) and gid in answers:
            c["source"] = answers[gid]
    return nb


def make_demo_class(
    course: Course,
    assignment: str,
    out: Path,
    attacks: bool = False,
    n_mutants: int = 4,
    size: int | None = None,
) -> list[str]:
    """Write ``out/<student>/<assignment>/<notebook>.ipynb`` per demo student and ``out/expected.csv``.

    Without ``size``: reference, blank, ``n_mutants`` mistakes (and the attacks). With ``size``:
    that many students, cycling through reference, blank, (with ``attacks``) every attack,
    then every mutant. Returns the student ids.
    """
    sources = [SourceNotebook.load(p) for p in course.source_notebooks(assignment)]
    releases = {s.name: json.loads(course.release_notebook(assignment, s.name).read_text()) for s in sources}
    answers = {s.name: {nbg(c)["grade_id"]: source_of(c) for c in s.cells if is_solution(c)} for s in sources}
    stubs = {
        n: {nbg(c)["grade_id"]: source_of(c) for c in rel["cells"] if is_solution(c)}
        for n, rel in releases.items()
    }

    kinds: list[tuple[str, dict[str, dict], str]] = []  # (id, notebooks, expected)
    kinds.append(("reference", {n: filled_release(releases[n], answers[n]) for n in releases}, "full"))
    kinds.append(("blank", {n: releases[n] for n in releases}, "zero"))
    if attacks:
        for name, code in ATTACKS.items():
            sub = {}
            code = code.format(solutions=str(course.source_dir / assignment))
            for n in releases:
                a = dict(stubs[n])
                target = list(a)[-1] if name == "read_solutions" else next(iter(a))
                a[target] = a[target] + "\n" + code if name == "read_solutions" else code + "\n" + a[target]
                sub[n] = filled_release(releases[n], a)
            kinds.append((f"attack_{name}", sub, "zero"))

    muts = _chosen(mutants_for(course, assignment), n_mutants, sized=size is not None)
    for i, m in enumerate(muts):
        sub = {}
        for n in releases:
            a = dict(answers[n])
            if m.cell in a:
                a[m.cell] = m.apply(a[m.cell])
            sub[n] = filled_release(releases[n], a)
        kinds.append((f"mistake{i + 1}_{m.cell}", sub, "less"))
    students = (
        kinds
        if size is None
        else [(f"s{i + 1:03d}_{kinds[i % len(kinds)][0]}", *kinds[i % len(kinds)][1:]) for i in range(size)]
    )
    out.mkdir(parents=True, exist_ok=True)
    for d in out.iterdir():  # a previous demo class of this assignment: replace it whole
        if d.is_dir() and (d / assignment).is_dir():
            shutil.rmtree(d / assignment)
            if not any(d.iterdir()):
                d.rmdir()
    for sid, nbs, _ in students:
        d = out / sid / assignment
        d.mkdir(parents=True, exist_ok=True)
        for n, nb in nbs.items():
            (d / f"{n}.ipynb").write_text(json.dumps(nb, indent=1), encoding="utf-8")
    with open(out / "expected.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["student_id", "expected"])
        w.writerows((sid, exp) for sid, _, exp in students)
    return [sid for sid, _, _ in students]


def verify(submissions: Path, graded: Path) -> tuple[int, list[str]]:
    """Compare ``graded/summary.csv`` with ``submissions/expected.csv``; returns (checked, wrong verdicts)."""
    expected = {
        r["student_id"]: r["expected"]
        for r in csv.DictReader(open(submissions / "expected.csv", encoding="utf-8"))
    }
    summary = {r["student_id"]: r for r in csv.DictReader(open(graded / "summary.csv", encoding="utf-8"))}
    wrong = []
    for sid, exp in expected.items():
        row = summary.get(sid)
        if row is None or not row["max_score"]:
            wrong.append(f"{sid}: not graded")
            continue
        score, mx = float(row["score"]), float(row["max_score"])
        ok = {"full": score == mx, "zero": score == 0, "less": score < mx}[exp]
        if not ok:
            wrong.append(f"{sid}: expected {exp}, got {score:g}/{mx:g}")
    return len(expected), wrong
