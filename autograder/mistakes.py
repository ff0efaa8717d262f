"""A chapter's catalogue of typical mistakes, run once in ONE trusted kernel: which test catches
each mistake, and the values that mistake produces there (its fingerprint).

Used twice: the test suite requires every catalogued mistake to lose points, and the grader
names the likely mistake in a student's feedback when the student's failing values match a
mistake's fingerprint (``match``). Fingerprints are cached next to the reference records
(``.course-data/reference/<assignment>/<notebook>.mistakes.json``) and rebuilt when the
reference or the catalogue changes.


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
from dataclasses import dataclass, field
from pathlib import Path

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
    fingerprint: dict = field(default_factory=dict)  # check name -> encoded value in caught_by


class Kernel:
    """A trusted kernel of this interpreter (the instructor's side: no sandbox)."""

    def __init__(self, cwd: Path):
        from jupyter_client.blocking.client import BlockingKernelClient
        from jupyter_client.manager import KernelManager

        from autograder.kernels import ipc_prefix, kernel_spec

        env = kernel_env(threads=None)
        self.km = KernelManager(kernel_name="python3", transport="ipc", ip=ipc_prefix())
        self.km._kernel_spec = kernel_spec()
        self.km.start_kernel(cwd=str(cwd), env=env)
        self.kc: BlockingKernelClient = self.km.client()
        self.kc.start_channels()
        self.kc.wait_for_ready(timeout=600)  # a loaded 2-core machine can be slow to start one

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
        from autograder.kernels import _remove_ipc_dir

        self.kc.stop_channels()
        self.km.shutdown_kernel(now=True)
        _remove_ipc_dir(self.km.ip)


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
    caught, message, fingerprint = None, "", {}
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
                    fingerprint = {n: rs[0]["value"] for n, rs in got.items()}
                    break
            if caught:
                break
    kernel.run(original)
    for j in rerun:
        if not is_test(cells[j]):
            kernel.run(source_of(cells[j]))
    return MutantOutcome(m.why, m.cell, caught, message, fingerprint)


# ----------------------------------------------------------------------------- fingerprints


def _catalogue_key(reference: dict, mutants: list) -> str:
    import hashlib

    h = hashlib.sha256(reference.get("key", "").encode())
    for m in mutants:
        h.update(json.dumps([m.cell, m.old, m.new, m.why]).encode())
    return h.hexdigest()


def load_or_build_fingerprints(course: Course, assignment: str, notebook: str, log=print) -> list[dict]:
    """The catalogue's outcomes for one notebook (cached): ``[{"why", "cell", "test", "values"}]``
    for every mistake that a test catches. ``[]`` when the chapter has no catalogue."""
    import instructor

    mutants = [m for m in instructor.mutants(assignment)]
    kit = instructor.kit(assignment)
    if not mutants or kit is None or Path(kit.notebook).stem != notebook:
        return []
    path = course.source_dir / assignment / f"{notebook}.ipynb"
    reference = load_or_build(course, assignment, path, log=log)
    key = _catalogue_key(reference, mutants)
    out = course.reference_dir(assignment) / f"{notebook}.mistakes.json"
    if out.exists():
        try:
            data = json.loads(out.read_text(encoding="utf-8"))
            if data.get("key") == key:
                return data["mistakes"]
        except (ValueError, KeyError):
            pass
    log(f"mistake fingerprints: {assignment}/{notebook}.ipynb, {len(mutants)} mistakes in one kernel ...")
    outcomes = run_catalogue(course, assignment, notebook, mutants)
    mistakes = [
        {"why": o.why, "cell": o.cell, "test": o.caught_by, "values": o.fingerprint}
        for o in outcomes
        if o.caught_by
    ]
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps({"key": key, "mistakes": mistakes}), encoding="utf-8")
    tmp.replace(out)
    return mistakes


def match(
    test_id: str, student_records: dict[str, dict], mistakes: list[dict], declared: list[dict]
) -> list[str]:
    """The catalogued mistakes whose values in ``test_id`` the student's values reproduce.

    ``student_records``: check name -> encoded value from the student's run; ``declared``: the
    reference's checks of that test (their tolerances). A mistake matches when every check it
    recorded there is also recorded by the student with the same value (to the check's
    tolerance), and at least one of them fails against the reference.
    """
    from course.verdicts import compare

    tol = {d["name"]: d["declared"] for d in declared}
    found = []
    for m in mistakes:
        if m.get("test") != test_id or not m.get("values"):
            continue
        ok = True
        for name, value in m["values"].items():
            if name not in student_records:
                ok = False
                break
            try:
                a, e = decode(student_records[name]), decode(value)
                d = tol.get(name, {})
                same, _ = compare(a, e, max(d.get("rtol", 1e-6), 1e-6), max(d.get("atol", 1e-8), 1e-8))
            except Exception:  # noqa: BLE001 - a malformed student value matches nothing
                same = False
            if not same:
                ok = False
                break
        if ok:
            found.append(m["why"])
    return found
