"""nbgrader's half of the feedback loop: an *autograded* notebook per student in nbgrader's layout.

``nbgrader generate_feedback`` renders ``<autograded>/<student>/<assignment>/<notebook>.ipynb``
with the scores of the gradebook, copies the folder's other files (``timestamp.txt``,
``submission_secret.txt``) next to the HTML, and ``nbgrader release_feedback`` hands that HTML to
the student through the exchange; the formgrader shows the same notebook to whoever grades the
inline questions by hand. nbgrader renders whatever the notebook holds, so the notebook written
here holds nothing the student may not see and nothing the student's kernel printed:

* every cell is the release's (trusted: no solution, no hidden-test source), with its nbgrader
  metadata, in the release's order;
* answer cells carry the student's own text, as the grader read it (an inline question's answer
  as escaped preformatted text: nbgrader renders markdown with its raw HTML);
* each test cell has one output, written by the grader: the points, the status and the same
  message as ``feedback.html`` (hidden checks: the kind of difference only).

Of the submission folder only ``timestamp.txt`` and ``submission_secret.txt`` are kept, each
read as an untrusted file (plain file, a few hundred bytes, checked format) and written anew.
``release_feedback`` needs both for every student and stops at the first one without them, so a
submission that did not come through nbgrader's exchange (or whose files are malformed) gets a
timestamp from its modification time and a fresh random secret: its feedback is then released
under a name the student cannot fetch (they read ``feedback.html`` instead), and the rest of the
class is released.
"""

from __future__ import annotations

import copy
import html
import json
import os
import re
import secrets
import time
from datetime import UTC, datetime
from pathlib import Path

TIMESTAMP_RE = re.compile(
    r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}:\d{2}(\.\d{1,6})?( ?[A-Za-z]{1,5}|[+-]\d{2}:?\d{2})?"
)
SECRET_RE = re.compile(r"[A-Za-z0-9_-]{1,128}")
SIDE_FILE_BYTES = 256
SIDE_FILES = {"timestamp.txt": TIMESTAMP_RE, "submission_secret.txt": SECRET_RE}


def _verdict_text(v: dict) -> str:
    pts = f"{float(v.get('points', 0)):g} / {float(v.get('max_points', 0)):g} points"
    status = str(v.get("status", ""))
    hidden = (
        "\n(this test includes hidden checks: their inputs and values stay hidden)" if v.get("hidden") else ""
    )
    # one check per line: nbconvert shows a stream output without wrapping it
    msg = str(v.get("message", ""))[:1500].replace(" | ", "\n")
    return f"[grader] {v.get('test_id', '')}: {pts}, {status}{hidden}\n" + (f"{msg}\n" if msg else "")


def autograded_notebook(release: dict, view: list[dict]) -> dict:
    """The release notebook with the student's answers and the grader's verdicts (see module doc).

    ``view`` is :func:`autograder.grade.notebook_view` of this release: one entry per release
    cell, in order."""
    nb = {
        "cells": [],
        "metadata": copy.deepcopy(release.get("metadata", {})),
        "nbformat": 4,
        "nbformat_minor": int(release.get("nbformat_minor", 5)),
    }
    cells = release.get("cells", [])
    if len(cells) != len(view):  # a view of another release: never mix two notebooks
        raise ValueError("the view does not match the release")
    for cell, shown in zip(cells, view):
        c = copy.deepcopy(cell)
        kind = shown.get("kind")
        if kind == "answer":
            c["source"] = str(shown.get("text", ""))
        elif kind == "question":
            # nbconvert and the formgrader render markdown with its raw HTML: a student's answer
            # would run script in the instructor's browser. Shown as escaped preformatted text
            # (CommonMark does not parse markdown inside an HTML <pre> block).
            c["source"] = "<pre>" + html.escape(str(shown.get("text", "")), quote=True) + "</pre>"
            c.pop("attachments", None)
        if c.get("cell_type") == "code":
            c["execution_count"] = None
            c["outputs"] = []
            if kind == "test":
                c["outputs"] = [
                    {
                        "output_type": "stream",
                        "name": "stdout",
                        "text": _verdict_text(shown.get("verdict") or {}),
                    }
                ]
        nb["cells"].append(c)
    return nb


def _side_file(read, folder: Path, name: str) -> str | None:
    """``name`` from the student's folder if it is a plain small file of the expected format."""
    data, _err = read(folder, name, SIDE_FILE_BYTES)
    if data is None:
        return None
    try:
        text = data.decode("ascii").strip()
    except UnicodeDecodeError:
        return None
    return text if SIDE_FILES[name].fullmatch(text) else None


def write_autograded(
    autograded_dir: Path,
    student: str,
    assignment: str,
    views: dict[str, list[dict]],
    releases: dict[str, str],
    submission_folder: Path,
    read,
    submitted_at: float | None = None,
) -> list[str]:
    """Write the student's autograded folder (replacing an older one). Returns the side files
    that had to be made up (missing or malformed in the submission).

    ``read(folder, name, limit) -> (bytes | None, error | None)`` reads one untrusted file
    (``autograder.grade.read_submitted``)."""
    dest = Path(autograded_dir) / student / assignment
    dest.mkdir(parents=True, exist_ok=True)
    for old in dest.iterdir():  # only what the grader wrote lives here
        if old.is_file() and not old.is_symlink():
            old.unlink()
    for name, view in views.items():
        nb = autograded_notebook(json.loads(releases[name]), view)
        _write(dest / f"{name}.ipynb", json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
    made = []
    for side in SIDE_FILES:
        text = _side_file(read, submission_folder, side)
        if text is None:
            made.append(side)
            text = _made_up(side, submitted_at)
        _write(dest / side, text)
    return made


def _made_up(side: str, submitted_at: float | None) -> str:
    if side == "timestamp.txt":
        when = datetime.fromtimestamp(submitted_at or time.time(), tz=UTC)
        return when.strftime("%Y-%m-%d %H:%M:%S.%f UTC")
    return secrets.token_hex(16)


def _write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)
