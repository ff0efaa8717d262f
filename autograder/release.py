"""Generate ``assignments/`` from ``solutions/`` with nbgrader, byte for byte reproducibly.

nbgrader's ``generate_assignment`` writes each release into a temporary folder; the notebooks are
then normalised (``autograder.nbclean``: no outputs, stable ids, kernelspec python3) and copied
into ``assignments/<name>/`` only when they differ. ``--check`` compares instead of writing.
"""

from __future__ import annotations

import filecmp
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from autograder.config import Course
from autograder.nbclean import clean_file


def build_release(course: Course, assignment: str, dest: Path) -> Path:
    """Run nbgrader generate_assignment for ``assignment`` into ``dest``; returns the assignment folder there."""
    env = dict(os.environ)
    env.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    cmd = [
        sys.executable,
        "-m",
        "nbgrader",
        "generate_assignment",
        assignment,
        "--force",
        "--no-db",
        f"--CourseDirectory.root={course.root}",
        f"--CourseDirectory.release_directory={dest}",
        "--log-level=WARN",
    ]
    proc = subprocess.run(cmd, cwd=course.root, env=env, capture_output=True, text=True)
    if proc.returncode != 0:
        raise RuntimeError(f"nbgrader generate_assignment {assignment} failed:\n{proc.stdout}\n{proc.stderr}")
    out = dest / assignment
    for nb in sorted(out.rglob("*.ipynb")):
        clean_file(nb)
    return out


def generate(course: Course, assignments: list[str], check: bool = False) -> list[str]:
    """Regenerate the releases; returns the assignments whose release changed (or would change)."""
    changed = []
    with tempfile.TemporaryDirectory(prefix="ag-release-") as tmp:
        for a in assignments:
            new = build_release(course, a, Path(tmp))
            old = course.release_dir / a
            if _same_tree(new, old):
                print(f"{a}: up to date")
                continue
            changed.append(a)
            if check:
                print(f"{a}: assignments/{a} differs from what solutions/{a} generates")
                continue
            if old.exists():
                shutil.rmtree(old)
            shutil.copytree(new, old)
            print(f"{a}: wrote assignments/{a}")
    return changed


def _same_tree(a: Path, b: Path) -> bool:
    if not b.is_dir():
        return False
    fa = sorted(p.relative_to(a) for p in a.rglob("*") if p.is_file())
    fb = sorted(p.relative_to(b) for p in b.rglob("*") if p.is_file())
    return fa == fb and all(filecmp.cmp(a / p, b / p, shallow=False) for p in fa)
