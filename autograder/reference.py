"""The trusted reference run: the source notebook executed once, its records kept as the truth.

``python -m autograder reference ASSIGNMENT`` (and every ``grade``) runs each source notebook of
the assignment through the same assembly and rewriting as a submission, but with
``declare=True``: the records then carry the declared tolerances, bounds and labels. The result
is cached in ``.course-data/reference/<assignment>/<notebook>.json`` and rebuilt when the source
notebook or the ``course`` package changes.
"""

from __future__ import annotations

import hashlib
import json
import platform
import tempfile
import time
from pathlib import Path

import nbformat

from autograder.config import CELL_TIMEOUT_S, REFERENCE_MEMORY_BYTES, SUBMISSION_TIMEOUT_S, Course
from autograder.notebook import SourceNotebook, assemble
from autograder.sandbox import Limits, run_sandboxed
from autograder.worker import executor_argv, kernel_env, read_progress, read_records


class ReferenceError(RuntimeError):
    """The reference solution does not pass its own tests: grading would be meaningless."""


def _course_imports(code: str) -> set[str]:
    """Modules of the ``course`` package that ``code`` imports (``course.x``), by reading it."""
    import ast

    try:
        tree = ast.parse(code)
    except SyntaxError:
        return set()
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out |= {a.name for a in node.names if a.name.startswith("course.")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module == "course":
                out |= {f"course.{a.name}" for a in node.names}
            elif node.module.startswith("course."):
                out.add(node.module)
    return out


def course_package_hash(source: SourceNotebook | None = None) -> str:
    """A hash of the ``course`` modules a notebook runs: those it imports, what they import in
    turn, and the recording machinery every graded notebook uses. Without ``source``: all of them.
    (Editing one chapter's helpers does not invalidate every other chapter's reference.)"""
    import course
    from autograder.notebook import source_of

    folder = Path(course.__file__).parent
    if source is None:
        files = sorted(folder.glob("*.py"))
    else:
        todo = {"course.records", "course.checks", "course.verdicts", "course.__init__"}
        todo |= {
            m for c in source.cells if c.get("cell_type") == "code" for m in _course_imports(source_of(c))
        }
        seen: set[str] = set()
        while todo:
            mod = todo.pop()
            path = folder / f"{mod.split('.', 1)[1].split('.')[0]}.py"
            if mod in seen or not path.exists():
                continue
            seen.add(mod)
            todo |= _course_imports(path.read_text(encoding="utf-8")) - seen
        files = sorted({folder / f"{m.split('.', 1)[1].split('.')[0]}.py" for m in seen})
    h = hashlib.sha256()
    for p in files:
        h.update(p.name.encode())
        h.update(p.read_bytes())
    return h.hexdigest()


def cache_key(source: SourceNotebook) -> str:
    return hashlib.sha256(f"{source.sha256}:{course_package_hash(source)}".encode()).hexdigest()


def load_or_build(course: Course, assignment: str, source_path: Path, force: bool = False, log=print) -> dict:
    """The reference records of one source notebook, from the cache when it is current."""
    source = SourceNotebook.load(source_path)
    out = course.reference_dir(assignment) / f"{source.name}.json"
    key = cache_key(source)
    if out.exists() and not force:
        data = json.loads(out.read_text(encoding="utf-8"))
        if data.get("key") == key:
            return data
    log(f"reference run: {assignment}/{source.name}.ipynb ...")
    t0 = time.monotonic()
    data = build(source, assignment)
    data.update(key=key, assignment=assignment, seconds=round(time.monotonic() - t0, 1))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
    tmp.replace(out)
    log(
        f"reference run: {assignment}/{source.name}.ipynb done in {data['seconds']} s, {len(data['records'])} checks"
    )
    return data


def build(source: SourceNotebook, assignment: str = "") -> dict:
    """Execute the source notebook with declaring recorders; raise ReferenceError unless every test holds."""
    asm = assemble(source, release=source.nb, student=source.nb, record_path="records.jsonl", declare=True)
    with tempfile.TemporaryDirectory(prefix="ag-ref-") as tmp:
        work = Path(tmp)
        nbformat.write(nbformat.from_dict(asm.nb), work / "graded.ipynb")
        limits = Limits(
            wall_seconds=SUBMISSION_TIMEOUT_S,
            cpu_seconds=SUBMISSION_TIMEOUT_S * 4,
            memory_bytes=REFERENCE_MEMORY_BYTES,
        )
        res = run_sandboxed(
            executor_argv(CELL_TIMEOUT_S),
            work,
            limits,
            kernel_env(threads=None),
            isolate=False,
            stdout_path=work / "executor.log",
        )
        records = read_records(work / "records.jsonl")
        progress = read_progress(work / "progress.jsonl")
        log_tail = (work / "executor.log").read_text(errors="replace")[-3000:]
    problems = []
    if res.timed_out:
        problems.append(f"the reference run exceeded {SUBMISSION_TIMEOUT_S} s")
    for idx, ev in progress.items():
        if ev.get("status") != "ok":
            cell = asm.nb["cells"][idx]
            gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", f"cell {idx}")
            problems.append(f"{gid}: {ev.get('status')} {ev.get('error')}")
    names: dict[str, int] = {}
    for r in records:
        names[r["name"]] = names.get(r["name"], 0) + 1
    dup = sorted(n for n, k in names.items() if k > 1)
    if dup:
        problems.append(f"check names recorded more than once (names must be unique): {', '.join(dup[:10])}")
    for t in source.tests():
        if not any(r["cell"] == t.grade_id for r in records):
            problems.append(f"test cell {t.grade_id} recorded no check")
    problems += _model_problems(records, assignment)
    if problems:
        raise ReferenceError(
            f"reference run of {source.name}.ipynb failed:\n  - "
            + "\n  - ".join(problems)
            + f"\nexecutor log tail:\n{log_tail}"
        )
    import numpy
    import torch

    return {
        "notebook": source.name,
        "source_sha256": source.sha256,
        "tests": {t.grade_id: {"points": t.points, "hidden": t.hidden} for t in source.tests()},
        "records": records,
        "environment": {
            "python": platform.python_version(),
            "numpy": numpy.__version__,
            "torch": torch.__version__,
            "machine": platform.machine(),
        },
    }


def _model_problems(records: list[dict], assignment: str) -> list[str]:
    """Trained models of the reference must pass their bounds on the grader's evaluation data."""
    from autograder.models import model_verdict
    from course.records import reference_checks

    out = []
    for c in reference_checks({"records": records}):
        if c.kind != "model":
            continue
        for seed in (1, 2, 3):
            ok, msg = model_verdict(assignment, c.declared["expected"], c.declared, seed)
            if not ok:
                out.append(f"{c.name}: the reference model fails on the grader's data (seed {seed}): {msg}")
                break
    return out
