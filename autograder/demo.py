"""A demo class for an assignment: the reference solution, the blank release, and typical mistakes.

Submissions are made the way a student would: the *release* notebook with answer cells filled
in. Mistakes come from the chapter's mutant catalogue (``tests/mutants/chNN_topic.py``), so the
demo shows the grader telling right from wrong on the same edits the test suite uses.
"""

from __future__ import annotations

import importlib
import json
import shutil
import sys
from pathlib import Path

from autograder.config import Course
from autograder.notebook import SourceNotebook, is_solution, nbg, source_of

ATTACKS = {
    "attack_patch_numpy": "import numpy as np\nnp.allclose = lambda *a, **k: True\nnp.testing.assert_allclose = lambda *a, **k: None\n",
    "attack_skip_tests": "ip = get_ipython()\n_run = ip.run_cell\nip.run_cell = lambda src, *a, **k: _run('pass', *a, **k) if 'check' in src else _run(src, *a, **k)\n",
    "attack_exit": "import os\nos._exit(0)\n",
}


def mutants_for(course: Course, assignment: str) -> list:
    """The chapter's mutant catalogue, or [] when it has none."""
    name = f"ch{assignment}"
    root = str(course.root)
    if root not in sys.path:
        sys.path.insert(0, root)
    try:
        mod = importlib.import_module(f"tests.mutants.{name}")
    except ModuleNotFoundError:
        return []
    return list(mod.MUTANTS)


def filled_release(release: dict, answers: dict[str, str]) -> dict:
    nb = json.loads(json.dumps(release))
    for c in nb["cells"]:
        gid = nbg(c).get("grade_id")
        if is_solution(c) and gid in answers:
            c["source"] = answers[gid]
    return nb


def make_demo_class(
    course: Course, assignment: str, out: Path, attacks: bool = False, n_mutants: int = 4
) -> list[str]:
    """Write ``out/<student>/<assignment>/<notebook>.ipynb`` for each demo student; returns the ids."""
    sources = [SourceNotebook.load(p) for p in course.source_notebooks(assignment)]
    releases = {s.name: json.loads(course.release_notebook(assignment, s.name).read_text()) for s in sources}
    answers = {s.name: {nbg(c)["grade_id"]: source_of(c) for c in s.cells if is_solution(c)} for s in sources}
    students: dict[str, dict[str, dict]] = {}
    students["reference"] = {n: filled_release(releases[n], answers[n]) for n in releases}
    students["blank"] = {n: releases[n] for n in releases}
    muts = mutants_for(course, assignment)
    step = max(1, len(muts) // max(1, n_mutants))
    for i, m in enumerate(muts[::step][:n_mutants]):
        sub = {}
        for n in releases:
            a = dict(answers[n])
            if m.cell in a:
                a[m.cell] = m.apply(a[m.cell])
            sub[n] = filled_release(releases[n], a)
        students[f"mistake{i + 1}_{m.cell}"] = sub
    if attacks:
        for sid, code in ATTACKS.items():
            sub = {}
            for n in releases:
                # no real answers at all: any credit would be undeserved
                stubs = {nbg(c)["grade_id"]: source_of(c) for c in releases[n]["cells"] if is_solution(c)}
                first = next(iter(stubs))
                stubs[first] = code + "\n" + stubs[first]
                sub[n] = filled_release(releases[n], stubs)
            students[sid] = sub
    if out.exists():
        for d in out.iterdir():
            if d.is_dir() and (d / assignment).is_dir():
                shutil.rmtree(d / assignment)
    for sid, nbs in students.items():
        d = out / sid / assignment
        d.mkdir(parents=True, exist_ok=True)
        for n, nb in nbs.items():
            (d / f"{n}.ipynb").write_text(json.dumps(nb, indent=1), encoding="utf-8")
    return list(students)
