"""Where the trusted reference records live, and how a hidden check finds its expected value.

The autograder's reference run (``python -m autograder reference ASSIGNMENT``) writes
``.course-data/reference/<assignment>/<notebook>.json`` on the instructor's machine. Nothing
here is ever released to students: in their copy, hidden tests do not exist.
"""

from __future__ import annotations

import json
import os
from functools import lru_cache
from pathlib import Path

from course.checks import decode

DATA_DIRNAME = ".course-data"


def find_reference_dir(start: Path | None = None) -> Path | None:
    """The reference folder of the assignment whose notebook runs in ``start`` (default: cwd).

    ``COURSE_REFERENCE_DIR`` wins when set. Otherwise the folder name of ``start`` is taken as
    the assignment name (nbgrader runs notebooks inside ``<...>/<assignment>/``) and the first
    ancestor holding ``.course-data/reference/<assignment>`` is used.
    """
    env = os.environ.get("COURSE_REFERENCE_DIR")
    if env:
        return Path(env)
    start = (start or Path.cwd()).resolve()
    assignment = start.name
    for parent in [start, *start.parents]:
        cand = parent / DATA_DIRNAME / "reference" / assignment
        if cand.is_dir():
            return cand
    return None


@lru_cache(maxsize=8)
def _index(ref_dir: str) -> dict[str, dict]:
    index: dict[str, dict] = {}
    for path in sorted(Path(ref_dir).glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        for rec in data.get("records", []):
            declared = {k: decode(v) for k, v in rec.get("declared", {}).items()}
            declared["expected"] = decode(rec["value"])
            index[rec["name"]] = {"kind": rec["kind"], "declared": declared}
    return index


def lookup(name: str) -> dict | None:
    """The decoded reference record for check ``name``, or None when there are no records."""
    ref_dir = find_reference_dir()
    if ref_dir is None:
        return None
    return _index(str(ref_dir)).get(name)
