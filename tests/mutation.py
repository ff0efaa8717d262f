"""Grade a chapter's whole mutant catalogue inside ONE kernel (scales to eight chapters).

A full sandboxed grading run per mutant would cost a kernel start, the imports and the training
loops each time. Instead the assembled reference notebook (record-only test cells, exactly what
the grader runs) is executed once in a kernel; then for each mutant the mutated answer cell is
executed, followed by the cells that come after it and use what it defines, until a test cell
fails against the reference records (the mutant is caught) or none is left (it survived).
The original answer cell and the same dependent cells are then run again to restore the state.
Verdicts use the grader's own comparison (``autograder.compare.judge_value``) on the grader's side.
"""

from __future__ import annotations

import json
import queue
import tempfile
from dataclasses import dataclass
from pathlib import Path

from jupyter_client.manager import start_new_kernel

from autograder.compare import judge_value
from autograder.config import Course
from autograder.notebook import SourceNotebook, assemble, is_solution, is_test, nbg, source_of
from autograder.reference import load_or_build
from autograder.static import check_answer, names_used, notebook_aliases
from autograder.worker import kernel_env
from course.records import decode, reference_checks


@dataclass
class MutantOutcome:
    why: str
    cell: str
    caught_by: str | None  # the test cell that failed, or None when the mutant survived
    message: str


class Kernel:
    def __init__(self, cwd: Path):
        env = kernel_env(threads=None)
        env["PYTHONPATH"] = str(Path(__file__).resolve().parents[1])
        self.km, self.kc = start_new_kernel(kernel_name="python3", cwd=str(cwd), env=env)

    def run(self, code: str, timeout: float = 300) -> tuple[bool, str]:
        msg_id = self.kc.execute(code, store_history=False)
        error = ""
        while True:
            try:
                msg = self.kc.get_iopub_msg(timeout=timeout)
            except queue.Empty:
                return False, "timeout"
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "error":
                error = f"{msg['content']['ename']}: {msg['content']['evalue']}"
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                return not error, error

    def close(self):
        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)


def run_catalogue(course: Course, assignment: str, notebook: str, mutants: list) -> list[MutantOutcome]:
    path = course.source_dir / assignment / f"{notebook}.ipynb"
    source = SourceNotebook.load(path)
    reference = load_or_build(course, assignment, path)
    declared: dict[str, list[dict]] = {}
    for c in reference_checks(reference):
        declared.setdefault(c.cell, []).append({"name": c.name, "kind": c.kind, "declared": c.declared})

    with tempfile.TemporaryDirectory(prefix="mutants-") as tmp:
        work = Path(tmp)
        rec_path = work / "records.jsonl"
        asm = assemble(source, source.nb, source.nb, record_path=str(rec_path))
        cells = [c for c in asm.nb["cells"] if c.get("cell_type") == "code"]
        kernel = Kernel(work)
        try:
            for c in cells:
                ok, err = kernel.run(source_of(c))
                if not ok:
                    raise RuntimeError(
                        f"reference cell failed in the mutation kernel: {err}\n{source_of(c)[:500]}"
                    )
            aliases = notebook_aliases(source.code_outside_answers())
            outcomes = []
            for m in mutants:
                idx = next(
                    i for i, c in enumerate(cells) if is_solution(c) and nbg(c).get("grade_id") == m.cell
                )
                original = source_of(cells[idx])
                mutated = m.apply(original)
                defined = check_answer(m.cell, original, [], aliases).defines
                outcomes.append(
                    _one(kernel, cells, idx, mutated, original, defined, declared, rec_path, m, assignment)
                )
            return outcomes
        finally:
            kernel.close()


def _one(kernel, cells, idx, mutated, original, defined, declared, rec_path, m, assignment) -> MutantOutcome:
    ok, err = kernel.run(mutated)
    rerun: list[int] = []
    caught, message = None, ""
    if not ok:
        caught, message = m.cell, f"the mutated answer cell raised {err}"
    else:
        for j in range(idx + 1, len(cells)):
            c = cells[j]
            if is_solution(c) or not (names_used(source_of(c)) & defined):
                continue
            rerun.append(j)
            if not is_test(c):
                kernel.run(source_of(c))
                continue
            rec_path.write_text("")
            kernel.run(source_of(c))
            tid = nbg(c)["grade_id"]
            got: dict[str, list] = {}
            for line in rec_path.read_text().splitlines():
                r = json.loads(line)
                got.setdefault(r["name"], []).append(r)
            for d in declared.get(tid, []):
                recs = got.get(d["name"])
                if not recs:
                    caught, message = tid, f"{d['name']}: no result (the cell raised or stopped early)"
                    break
                good, msg = judge_value(d["kind"], decode(recs[0]["value"]), d["declared"], assignment)
                if not good:
                    caught, message = tid, f"{d['name']}: {msg}"
                    break
            if caught:
                break
    kernel.run(original)
    for j in rerun:
        if not is_test(cells[j]):
            kernel.run(source_of(cells[j]))
    return MutantOutcome(m.why, m.cell, caught, message)
