"""Run one submission: assemble, check statically, execute in the sandbox, collect raw evidence.

:func:`run_submission` takes and returns plain JSON-safe data (strings, numbers, lists, dicts),
so it can run in a thread, a process pool or on a Dask worker. It decides no score: the grader
process compares the returned records with the reference (``autograder.compare``).
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat

from autograder.config import PACKAGE_DIR
from autograder.notebook import SourceNotebook, SubmissionError, assemble, is_test, nbg, parse_submission
from autograder.sandbox import Limits, bwrap_works, run_sandboxed
from autograder.static import check_answer, notebook_aliases

MAX_RECORDS_BYTES = 64 * 1024**2
MAX_EXECUTED_BYTES = 8 * 1024**2
MAX_TEXT = 2000


def kernel_env(threads: int | None = 1) -> dict[str, str]:
    """The complete environment of the executor and its kernel (nothing else is inherited)."""
    venv_bin = str(Path(sys.executable).parent)
    env = {
        "PATH": f"{venv_bin}:/usr/local/bin:/usr/bin:/bin",
        "HOME": "/tmp",
        "LANG": "C.UTF-8",
        "MPLBACKEND": "Agg",
        "COURSE_PLAIN_PROGRESS": "1",
        "JUPYTER_RUNTIME_DIR": "/tmp/jupyter-runtime",
        "IPYTHONDIR": "/tmp/ipython",
        "MPLCONFIGDIR": "/tmp/mpl",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONPATH": str(PACKAGE_DIR.parent),
        "TQDM_MININTERVAL": "5",
    }
    if threads:
        for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
            env[var] = str(threads)
    for var in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        if var in os.environ:
            env[var] = os.environ[var]
    return env


def executor_argv(cell_timeout: int) -> list[str]:
    """The command that executes ``graded.ipynb`` in the current folder (see autograder.execute)."""
    return [
        sys.executable,
        "-m",
        "autograder.execute",
        "graded.ipynb",
        ".",
        "--cell-timeout",
        str(cell_timeout),
    ]


def read_records(path: Path) -> list[dict]:
    """Parse the kernel's record file (untrusted): malformed lines are skipped, the size is capped."""
    out: list[dict] = []
    if not path.exists():
        return out
    with open(path, "rb") as fh:
        raw = fh.read(MAX_RECORDS_BYTES)
    for line in raw.decode("utf-8", errors="replace").splitlines():
        try:
            rec = json.loads(line)
        except json.JSONDecodeError:
            continue
        if (
            isinstance(rec, dict)
            and isinstance(rec.get("name"), str)
            and isinstance(rec.get("cell"), str)
            and "value" in rec
        ):
            out.append(rec)
    return out


def read_progress(path: Path) -> dict[int, dict]:
    """Cell index -> last event ({"status": ..., "error": ...}); a started cell with no end has status "started"."""
    out: dict[int, dict] = {}
    if not path.exists():
        return out
    with open(path, "rb") as fh:
        raw = fh.read(4 * 1024**2)
    for line in raw.decode("utf-8", errors="replace").splitlines():
        try:
            ev = json.loads(line)
            idx = int(ev["index"])
        except (json.JSONDecodeError, KeyError, TypeError, ValueError):
            continue
        if ev.get("event") == "start":
            out[idx] = {"status": "started"}
        elif ev.get("event") == "end":
            out[idx] = {
                "status": str(ev.get("status")),
                "error": ev.get("error"),
                "truncated": bool(ev.get("truncated")),
            }
    return out


def _cell_text(cell: dict, hidden: bool) -> str:
    """What a student may see of a test cell's run: the error name (and message unless hidden), capped."""
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            ename = str(out.get("ename", ""))[:100]
            if hidden:
                return ename
            return f"{ename}: {str(out.get('evalue', ''))[:300]}"
    return ""


def run_submission(payload: dict) -> dict:
    """Grade-free evidence for one student and one assignment.

    ``payload``: ``student``, ``assignment``, ``notebooks`` (list of ``{"name", "source" (JSON
    text of the source notebook), "release" (JSON text), "submitted" (base64 bytes or None)}``),
    ``limits`` (Limits fields), ``cell_timeout``, ``isolate``.
    """
    t0 = time.monotonic()
    results = []
    for nbp in payload["notebooks"]:
        results.append(_run_notebook(nbp, payload))
    return {
        "student": payload["student"],
        "assignment": payload["assignment"],
        "notebooks": results,
        "seconds": time.monotonic() - t0,
    }


def _run_notebook(nbp: dict, payload: dict) -> dict:
    name = nbp["name"]
    res: dict = {
        "name": name,
        "error": None,
        "flags": [],
        "records": [],
        "cells": {},
        "static": {},
        "run": {},
    }
    if nbp.get("error"):
        res["error"] = nbp["error"]
        return res
    if nbp.get("submitted") is None:
        res["error"] = f"notebook {name}.ipynb was not submitted."
        return res
    source_text = nbp["source"]
    source = SourceNotebook(name=name, nb=json.loads(source_text), sha256="")
    release = json.loads(nbp["release"])
    try:
        student = parse_submission(base64.b64decode(nbp["submitted"]))
    except SubmissionError as exc:
        res["error"] = str(exc)
        return res
    work = Path(tempfile.mkdtemp(prefix="ag-run-"))
    isolate = payload.get("isolate", True)
    # An absolute path, so that an answer that changes the working folder does not lose its records.
    record_path = "/sandbox/records.jsonl" if isolate and bwrap_works() else str(work / "records.jsonl")
    try:
        asm = assemble(source, release, student, record_path=record_path)
    except Exception as exc:  # noqa: BLE001 - a submission that breaks assembly is reported, not fatal
        shutil.rmtree(work, ignore_errors=True)
        res["error"] = (
            f"the notebook could not be prepared for grading ({type(exc).__name__}: {str(exc)[:200]})."
        )
        return res
    res["flags"] = asm.flags + (
        [f"{asm.extra_cells} extra code cell(s) of your own were run"] if asm.extra_cells else []
    )
    aliases = notebook_aliases(source.code_outside_answers())
    for gid, src in asm.answers.items():
        rep = check_answer(gid, src, source.forbid(gid), aliases)
        res["static"][gid] = {
            "violations": rep.violations,
            "dynamic": rep.dynamic,
            "defines": sorted(rep.defines),
            "syntax_error": rep.syntax_error,
        }

    try:
        nbformat.write(nbformat.from_dict(asm.nb), work / "graded.ipynb")
        limits = Limits(**payload.get("limits", {}))
        run = run_sandboxed(
            executor_argv(payload.get("cell_timeout", 120)),
            work,
            limits,
            kernel_env(threads=payload.get("threads", 1)),
            extra_ro=[PACKAGE_DIR, PACKAGE_DIR.parent / "course"],
            isolate=isolate,
            stdout_path=work / "executor.log",
        )
        res["run"] = {
            "returncode": run.returncode,
            "timed_out": run.timed_out,
            "memory_killed": run.memory_killed,
            "seconds": round(run.wall_seconds, 2),
            "isolation": run.isolation,
            "notes": run.notes,
        }
        res["records"] = read_records(work / "records.jsonl")
        progress = read_progress(work / "progress.jsonl")
        executed = None
        ex_path = work / "executed.ipynb"
        if ex_path.exists() and ex_path.stat().st_size <= MAX_EXECUTED_BYTES:
            try:
                executed = json.loads(ex_path.read_text(encoding="utf-8", errors="replace"))
            except json.JSONDecodeError:
                executed = None
        for idx, cell in enumerate(asm.nb["cells"]):
            if not is_test(cell):
                continue
            gid = nbg(cell)["grade_id"]
            hidden = "BEGIN HIDDEN TESTS" in "".join(cell.get("source", ""))
            info = dict(progress.get(idx, {"status": "not reached"}))
            if info.get("error") and hidden:
                info["error"] = {"ename": info["error"].get("ename", ""), "evalue": ""}
            if executed is not None and idx < len(executed.get("cells", [])):
                info["text"] = _cell_text(executed["cells"][idx], hidden)[:MAX_TEXT]
            res["cells"][gid] = info
        # Errors in the student's own answer cells, for feedback (capped).
        answer_errors = {}
        for idx, cell in enumerate(asm.nb["cells"]):
            if cell.get("metadata", {}).get("nbgrader", {}).get("solution"):
                ev = progress.get(idx)
                if ev and ev.get("status") not in ("ok", None):
                    err = ev.get("error") or {}
                    answer_errors[nbg(cell)["grade_id"]] = (
                        f"{ev.get('status')}: {err.get('ename', '')}: {str(err.get('evalue', ''))[:300]}"
                    )
        res["answer_errors"] = answer_errors
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return res
