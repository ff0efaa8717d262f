"""Run one submission: assemble, check statically, execute in the sandbox, collect raw evidence.

:func:`run_submission` takes and returns plain JSON-safe data (strings, numbers, lists, dicts),
so it can run in a thread, a process pool or on a Dask worker. It decides no score: the grader
process compares the returned records with the reference (``autograder.compare``).
"""

from __future__ import annotations

import base64
import builtins
import json
import os
import sys
import threading
import time
from pathlib import Path

import nbformat

from autograder.config import CELL_TIMEOUT_S, PACKAGE_DIR
from autograder.notebook import (
    SourceNotebook,
    SubmissionError,
    assemble,
    is_test,
    nbg,
    parse_submission,
    source_of,
)
from autograder.sandbox import Limits, bwrap_works, run_sandboxed
from autograder.schema import CellStatus, Evidence, NotebookEvidence, Payload
from autograder.scratch import Scratch, read_untrusted
from autograder.static import check_answer, notebook_aliases

MAX_RECORDS_BYTES = 64 * 1024**2


def kernel_env(threads: int | None = 1) -> dict[str, str]:
    """The complete environment of the executor and its kernel (nothing else is inherited)."""
    venv_bin = str(Path(sys.executable).parent)
    env = {
        "PATH": f"{venv_bin}:/usr/local/bin:/usr/bin:/bin",
        "HOME": "/tmp",
        "LANG": "C.UTF-8",
        "MPLBACKEND": "Agg",
        "COURSE_PLAIN_PROGRESS": "1",
        "COURSE_GRADING": "1",  # course.widgets.show draws nothing: no one sees a grading run's figures
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


_WARM_BROKEN: list[str] = []


def code_dirs() -> list[Path]:
    """The trusted code a kernel reads, read-only, beside the system: the grader and ``course``."""
    return [PACKAGE_DIR, PACKAGE_DIR.parent / "course"]


def warm_kernels_enabled() -> bool:
    """Warm kernels (``autograder.zygote``): on where bubblewrap works, unless
    ``AUTOGRADER_COLD_KERNELS=1`` (for comparisons) or they failed to start once in this process."""
    return not os.environ.get("AUTOGRADER_COLD_KERNELS") and not _WARM_BROKEN and bwrap_works()


def _warm_failed(exc: BaseException) -> None:
    import warnings

    _WARM_BROKEN.append(f"{type(exc).__name__}: {exc}")
    warnings.warn(
        f"warm kernels unavailable ({_WARM_BROKEN[0][:300]}); every submission starts its own kernel",
        RuntimeWarning,
        stacklevel=2,
    )


def prestart_warm(sources: list[SourceNotebook], limits: Limits, n: int, threads: int = 1) -> None:
    """Start ``n`` warm kernels per notebook now, so that their imports overlap the grader's own
    preparation (no-op where warm kernels are off)."""
    if n <= 0 or not warm_kernels_enabled():
        return
    from autograder import zygote

    env = kernel_env(threads=threads)
    extra_ro = code_dirs()
    for source in sources:
        try:
            zygote.prestart(n, preload_modules(source), env, extra_ro, limits)
        except (OSError, RuntimeError) as exc:
            _warm_failed(exc)
            return


def preload_modules(source: SourceNotebook) -> tuple[str, ...]:
    """What the trusted source notebook imports, among the ``course`` modules and the packages
    of ``autograder.zygote.PRELOADABLE``: the warm kernel imports them once."""
    import ast

    from autograder.zygote import PRELOADABLE

    mods: set[str] = set()
    for cell in source.cells:
        if cell.get("cell_type") != "code":
            continue
        try:
            tree = ast.parse(source_of(cell))
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
                if node.module == "course":
                    names = [f"course.{a.name}" for a in node.names]
            for name in names:
                if name.startswith("course.") or name.split(".")[0] in PRELOADABLE:
                    mods.add(name)
    return tuple(sorted(mods))


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


MAX_ANSWER_SHOWN = 20_000  # characters of one answer shown back in feedback
MAX_ANALYSED_CHARS = 2_000_000  # all the student's code cells of one notebook together
RECORD_KINDS = {"check", "bound", "accuracy", "model"}
MAX_NAME = 200
MAX_LINE = 48 * 1024**2


def _lines(path: Path, limit: int, notes: list[str] | None) -> list[str]:
    data, note = read_untrusted(path, limit)
    if note and notes is not None:
        notes.append(note)
    if not data:
        return []
    return data.decode("utf-8", errors="replace").splitlines()


def _json_line(line: str):
    if len(line) > MAX_LINE:
        return None
    try:
        return json.loads(line)
    except (ValueError, RecursionError):  # malformed or nested beyond reason: not evidence
        return None


def read_records(path: Path, notes: list[str] | None = None) -> list[dict]:
    """Parse the kernel's record file (untrusted): only well-formed records of bounded size are kept."""
    out: list[dict] = []
    for line in _lines(path, MAX_RECORDS_BYTES, notes):
        rec = _json_line(line)
        if (
            isinstance(rec, dict)
            and isinstance(rec.get("name"), str)
            and 0 < len(rec["name"]) <= MAX_NAME
            and isinstance(rec.get("cell"), str)
            and len(rec["cell"]) <= MAX_NAME
            and rec.get("kind") in RECORD_KINDS
            and isinstance(rec.get("value"), dict)
        ):
            clean = {"cell": rec["cell"], "kind": rec["kind"], "name": rec["name"], "value": rec["value"]}
            if isinstance(rec.get("declared"), dict):
                clean["declared"] = rec["declared"]
            if isinstance(rec.get("seq"), int) and not isinstance(rec.get("seq"), bool):
                clean["seq"] = rec["seq"]
            out.append(clean)
    return out


def read_progress(path: Path, notes: list[str] | None = None) -> dict[int, dict]:
    """Cell index -> last event ({"status": ..., "error": ...}); a started cell with no end has status "started"."""
    out: dict[int, dict] = {}
    for line in _lines(path, 4 * 1024**2, notes):
        ev = _json_line(line)
        if not isinstance(ev, dict):
            continue
        idx = ev.get("index")
        if not isinstance(idx, int) or isinstance(idx, bool) or not 0 <= idx < 100_000:
            continue
        if ev.get("event") == "start":
            out[idx] = {"status": CellStatus.STARTED.value}
        elif ev.get("event") == "end":
            status = ev.get("status")
            err = ev.get("error")
            secs = ev.get("seconds")
            out[idx] = {
                "seconds": float(secs) if isinstance(secs, (int, float)) and 0 <= secs < 1e5 else None,
                "status": status if status in CELL_STATUSES else "error",
                "error": {"ename": safe_ename(err.get("ename"))} if isinstance(err, dict) else None,
                "truncated": bool(ev.get("truncated")),
            }
    return out


CELL_STATUSES = {str(s) for s in CellStatus}
# Exception names that feedback may show as they are; anything else (a class the student made,
# whose name could carry any text) is shown as "an exception of its own class".
_BUILTIN_ERRORS = {
    n for n in dir(builtins) if n.endswith(("Error", "Exception", "Exit", "Interrupt", "Warning"))
} | {"CellTimeoutError", "DeadKernelError", "CheckFailure", "LinAlgError", "AxisError", "OutOfMemoryError"}


def safe_ename(ename) -> str:
    """The exception's class name if it is a known one; never free text from the kernel."""
    name = str(ename or "")[:80]
    return name if name in _BUILTIN_ERRORS else ("an exception of its own class" if name else "")


def static_reports(source: SourceNotebook, asm) -> dict[str, dict]:
    """Static checks of every code cell the student controls: answers, and extra cells checked
    with the rules of each answer whose names they (re)define (see ``autograder.static``)."""
    aliases = notebook_aliases(source.code_outside_answers())
    code_ids = set(source.code_answer_ids())
    out: dict[str, dict] = {}
    answer_defines: dict[str, set[str]] = {}
    for gid, src in asm.answers.items():
        if gid not in code_ids:
            continue
        rep = check_answer(gid, src, source.forbid(gid), aliases)
        answer_defines[gid] = set(rep.defines)
        out[gid] = {
            "violations": rep.violations,
            "dynamic": rep.dynamic,
            "defines": sorted(rep.defines),
            "syntax_error": rep.syntax_error,
        }
    # What each answer is meant to define, from the trusted source (a blank or deleted answer too).
    for c in source.cells:
        gid = nbg(c).get("grade_id")
        if gid in code_ids:
            ref = check_answer(gid, source_of(c), [], aliases, graded=False)
            answer_defines.setdefault(gid, set()).update(ref.defines)
    first = next(iter(source.code_answer_ids()), None)
    budget = MAX_ANALYSED_CHARS - sum(len(asm.answers.get(g, "")) for g in code_ids)
    for i, (after, src) in enumerate(asm.extras):
        budget -= len(src)
        if budget < 0:  # more code than any honest notebook holds: not analysed, so it counts against
            src = "\x00 too much code to analyse"
        probe = check_answer("extra", src, [], aliases, graded=False)
        # The answers it redefines give their rules; dynamic code could change anything, so it
        # is charged to the answer the cell follows (fail closed, and the student was told).
        owners = sorted(g for g, names in answer_defines.items() if names & probe.defines)
        forbid = sorted({f for g in owners for f in source.forbid(g)})
        rep = check_answer(f"extra-{i + 1}", src, forbid, aliases, graded=True)
        charged = set(probe.defines) & set().union(set(), *(answer_defines[g] for g in owners))
        unanalysable = any("analyse" in v for v in rep.violations)
        if rep.dynamic or unanalysable:  # (a cell that does not parse cannot run: harmless)
            charged |= answer_defines.get(after or first or "", set())
        key = f"extra cell {i + 1}" + (f" (after {after})" if after else "")
        out[key] = {
            "violations": rep.violations if charged else [],
            "dynamic": rep.dynamic,
            "defines": sorted(charged),
            "syntax_error": rep.syntax_error,
        }
    return out


def run_submission(payload: Payload) -> Evidence:
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
        "notes": [str(n) for n in payload.get("notes", [])],
        "notebooks": results,
        "seconds": time.monotonic() - t0,
    }


def _run_notebook(nbp: dict, payload: Payload) -> NotebookEvidence:
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
    isolate = payload.get("isolate", True)
    limits = Limits(**payload.get("limits", {}))
    with Scratch(limits.scratch_bytes) as scratch:
        return _run_in(scratch, source, release, student, res, payload, limits, isolate)


def _run_in(scratch: Scratch, source, release, student, res: dict, payload: dict, limits, isolate) -> dict:
    work = scratch.path
    # An absolute path, so that an answer that changes the working folder does not lose its records.
    record_path = "/sandbox/records.jsonl" if isolate and bwrap_works() else str(work / "records.jsonl")
    try:
        asm = assemble(source, release, student, record_path=record_path)
    except (SystemError, MemoryError, OSError):
        # The grader's or the machine's failure, not the submission's (a SystemError was seen once
        # in a class run and never again): raised, so that the grader grades this student again.
        raise
    except Exception as exc:  # noqa: BLE001 - a submission that breaks assembly is reported, not fatal
        res["error"] = f"the notebook could not be prepared for grading ({type(exc).__name__})."
        return res
    res["flags"] = asm.flags + (
        [f"{asm.extra_cells} extra code cell(s) of your own were run"] if asm.extra_cells else []
    )
    res["static"] = static_reports(source, asm)
    # The student's own answers, for the annotated notebook in their feedback (capped).
    res["answers"] = {gid: src[:MAX_ANSWER_SHOWN] for gid, src in asm.answers.items()}
    hidden_tests = {t.grade_id for t in source.tests() if t.hidden}  # from the trusted source

    nbformat.write(nbformat.from_dict(asm.nb), work / "graded.ipynb")
    abort = threading.Event()
    abort.reason = f"the scratch folder grew past its quota of {limits.scratch_bytes // 1024**2} MiB"
    scratch.on_exceed = abort.set
    env = kernel_env(threads=payload.get("threads", 1))
    extra_ro = code_dirs()
    cell_timeout = payload.get("cell_timeout", CELL_TIMEOUT_S)
    run = None
    if isolate and warm_kernels_enabled():
        from autograder import zygote

        try:
            z = zygote.acquire(preload_modules(source), env, extra_ro, limits)
        except (OSError, RuntimeError) as exc:  # no warm kernel here: the cold path below
            _warm_failed(exc)
        else:
            try:
                run, disk_full = z.run(work, limits, cell_timeout, env)
            finally:
                zygote.release(z)
            if disk_full:
                abort.set()
    if run is None:
        run = run_sandboxed(
            executor_argv(cell_timeout),
            work,
            limits,
            env,
            extra_ro=extra_ro,
            isolate=isolate,
            stdout_path=None,
            abort=abort,
        )
    notes = list(run.notes)
    res["records"] = read_records(work / "records.jsonl", notes)
    progress = read_progress(work / "progress.jsonl", notes)
    res["run"] = {
        "returncode": run.returncode,
        "timed_out": run.timed_out,
        "memory_killed": run.memory_killed,
        "disk_full": scratch.full() or abort.is_set(),
        "seconds": round(run.wall_seconds, 2),
        "isolation": run.isolation,
        "scratch": scratch.enforcement,
        "notes": notes,
    }
    # For the benchmark's breakdown only (the kernel's own timing: untrusted, never judged): the
    # given cells before the first answer (imports, parameters, data), as the kernel timed them.
    setup = 0.0
    for idx, cell in enumerate(asm.nb["cells"]):
        if cell.get("metadata", {}).get("nbgrader", {}).get("solution"):
            break
        setup += (progress.get(idx) or {}).get("seconds") or 0.0
    res["run"]["setup_seconds"] = round(min(setup, run.wall_seconds), 3)
    cells = sum((ev or {}).get("seconds") or 0.0 for ev in progress.values())
    res["run"]["cells_seconds"] = round(min(cells, run.wall_seconds), 3)
    for idx, cell in enumerate(asm.nb["cells"]):
        if not is_test(cell):
            continue
        gid = nbg(cell)["grade_id"]
        info = dict(progress.get(idx, {"status": CellStatus.NOT_REACHED.value}))
        info["hidden"] = gid in hidden_tests
        res["cells"][gid] = info
    # Errors in the student's own answer cells: the kind of error only (never the kernel's text).
    answer_errors = {}
    for idx, cell in enumerate(asm.nb["cells"]):
        if cell.get("metadata", {}).get("nbgrader", {}).get("solution"):
            ev = progress.get(idx)
            if ev and ev.get("status") not in ("ok", None):
                ename = (ev.get("error") or {}).get("ename", "")
                answer_errors[nbg(cell)["grade_id"]] = f"{ev.get('status')}" + (f": {ename}" if ename else "")
    res["answer_errors"] = answer_errors
    return res
