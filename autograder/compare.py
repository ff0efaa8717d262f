"""Judge a student's records against the reference records, in the grader's own process.

A test cell earns its points only when every check that the reference run declared for it
arrived from the student's run and matched. Missing records score zero, with the reason the
cell did not deliver them (``error``, ``timeout``, ``memory``, ``crash``, ``limit``, ``not run``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from autograder.schema import CellStatus, TestStatus
from autograder.static import names_used
from course.records import decode, reference_checks
from course.verdicts import verdict


@dataclass
class TestResult:
    notebook: str
    test_id: str
    points: float
    max_points: float
    status: TestStatus
    message: str
    hidden: bool = False
    likely_mistake: str = ""  # the catalogued mistake the student's values reproduce, if any

    def as_dict(self) -> dict:
        d = asdict(self)
        d["status"] = str(self.status)
        return d


def _reference_index(reference: dict) -> dict[str, list[dict]]:
    by_cell: dict[str, list[dict]] = {}
    for c in reference_checks(reference):
        by_cell.setdefault(c.cell, []).append({"name": c.name, "kind": c.kind, "declared": c.declared})
    return by_cell


def _missing_reason(info: dict, run: dict) -> tuple[str, str]:
    """Why a test cell delivered no records: a status and a sentence (no text from the kernel)."""
    status = info.get("status", CellStatus.NOT_REACHED)
    err = info.get("error") or {}
    ename = err.get("ename", "") if isinstance(err, dict) else ""
    raised = f" ({ename})" if ename else ""
    if run.get("memory_killed") or ename in ("MemoryError", "OutOfMemoryError"):
        return TestStatus.MEMORY, "the run ran out of memory"
    if run.get("disk_full"):
        return TestStatus.LIMIT, "the run filled its scratch folder past the quota"
    if status == CellStatus.TIMEOUT or ename == "CellTimeoutError":
        return TestStatus.TIMEOUT, "the test cell exceeded the time limit"
    if status in (CellStatus.STARTED, CellStatus.NOT_REACHED) and run.get("timed_out"):
        return TestStatus.TIMEOUT, "the submission exceeded its total time limit before this test finished"
    if status == CellStatus.CRASH or (status == CellStatus.NOT_RUN and ename == "DeadKernelError"):
        return TestStatus.CRASH, "the kernel died (a crash, os._exit, or a kill) before this test finished"
    if status == CellStatus.STARTED:
        return TestStatus.CRASH, "the run stopped while this test was running"
    if status in (CellStatus.NOT_REACHED, CellStatus.NOT_RUN):
        return TestStatus.NOT_RUN, "this test was never reached"
    if ename == "NotImplementedError":
        return TestStatus.ERROR, "not implemented yet (NotImplementedError)"
    if ename in ("SystemExit", "KeyboardInterrupt"):
        return TestStatus.ERROR, f"{ename} was raised while the test ran"
    if status == CellStatus.ERROR:
        return (
            TestStatus.ERROR,
            f"the test cell raised an error{raised}; run it in JupyterLab to see the message",
        )
    return (
        TestStatus.FAILED,
        "the test cell ran but recorded nothing (were the tests or the kernel tampered with?)",
    )


def judge_value(kind: str, value, declared: dict, assignment: str, seed: int = 0) -> tuple[bool, str]:
    """One recorded value against its declaration; trained models are evaluated here, in the grader."""
    if kind == "model":
        from autograder.models import model_verdict

        return model_verdict(assignment, value, declared, seed)
    return verdict(kind, value, declared)


def judge_notebook(
    nb_result: dict,
    reference: dict,
    test_names: dict[str, list[str]],
    visible: set[str] | None = None,
    seed: int = 0,
    mistakes: list[dict] | None = None,
) -> list[TestResult]:
    """Per-test results for one notebook of one submission.

    ``test_names`` (from the trusted source, see :func:`test_cell_names`) links answers that
    broke a rule to the tests that use them. ``visible`` holds the names of checks a student can
    see in the release (see :func:`visible_check_names`); messages of all other checks keep their
    kind of difference and hint but no values. ``mistakes`` (fingerprints of the chapter's
    catalogue, see ``autograder.mistakes``) let a failing test name the likely mistake.
    """
    visible = visible or set()
    name = reference["notebook"]
    tests = reference["tests"]
    results: list[TestResult] = []
    if nb_result.get("error"):
        for tid, t in tests.items():
            results.append(
                TestResult(
                    name,
                    tid,
                    0.0,
                    t["points"],
                    TestStatus.INVALID,
                    nb_result["error"],
                    t.get("hidden", False),
                )
            )
        return results
    ref_by_cell = _reference_index(reference)
    student: dict[tuple[str, str], list[dict]] = {}
    for rec in nb_result.get("records", []):
        student.setdefault((rec["cell"], rec["name"]), []).append(rec)
    # Answer cells that broke a rule fail every test that uses what they define.
    forbidden: dict[str, str] = {}
    for gid, rep in nb_result.get("static", {}).items():
        if rep.get("violations"):
            for defined in rep.get("defines", []):
                forbidden[defined] = f"answer '{gid}' {rep['violations'][0]}"
    run = nb_result.get("run", {})

    for tid, t in tests.items():
        declared = ref_by_cell.get(tid, [])
        info = nb_result.get("cells", {}).get(tid, {"status": CellStatus.NOT_REACHED.value})
        cell_names = set(test_names.get(tid, []))
        hit = sorted(n for n in forbidden if n in cell_names)
        if hit:
            results.append(
                TestResult(
                    name,
                    tid,
                    0.0,
                    t["points"],
                    TestStatus.FORBIDDEN,
                    forbidden[hit[0]],
                    t.get("hidden", False),
                )
            )
            continue
        failures, missing = [], []
        for d in declared:
            got = student.get((tid, d["name"]), [])
            if not got:
                missing.append(d["name"])
                continue
            for rec in got:
                try:
                    value = decode(rec["value"])
                    ok, msg = judge_value(
                        d["kind"], value, d["declared"], reference.get("assignment", ""), seed
                    )
                except Exception as exc:  # noqa: BLE001 - any hostile value is this check's failure
                    ok, msg = False, f"the recorded value is malformed ({type(exc).__name__})"
                if not ok:
                    msg = f"{d['name']}: {msg}"
                    hidden = d["declared"].get("hidden", d["name"] not in visible)
                    failures.append(_hide(msg) if hidden else msg)
                    break
        if not declared:
            results.append(
                TestResult(
                    name,
                    tid,
                    0.0,
                    t["points"],
                    TestStatus.FAILED,
                    "the reference declared no check here",
                    t.get("hidden", False),
                )
            )
        elif failures:
            shown = failures[:3]  # each already hidden or not by its own check (visible ones teach)
            likely = _likely_mistakes(tid, student, mistakes or [], declared)
            res = TestResult(
                name, tid, 0.0, t["points"], TestStatus.FAILED, " | ".join(shown), t.get("hidden", False)
            )
            if likely:
                res.likely_mistake = likely[0]
                res.message = f"Your values match a common mistake: {likely[0]} | {res.message}"
            results.append(res)
        elif missing:
            status, why = _missing_reason(info, run)
            msg = f"{why}; {len(missing)} of {len(declared)} check(s) produced no result"
            results.append(TestResult(name, tid, 0.0, t["points"], status, msg, t.get("hidden", False)))
        else:
            results.append(
                TestResult(name, tid, t["points"], t["points"], TestStatus.PASSED, "", t.get("hidden", False))
            )
    return results


def _likely_mistakes(tid: str, student: dict, mistakes: list[dict], declared: list[dict]) -> list[str]:
    from autograder.mistakes import match

    records = {n: recs[0]["value"] for (cell, n), recs in student.items() if cell == tid and recs}
    try:
        return match(tid, records, mistakes, declared)
    except Exception:  # noqa: BLE001 - naming a mistake is a courtesy; never a reason to fail judging
        return []


def _hide(msg: str) -> str:
    """Hidden checks: keep the check's name, the kind of difference and any hint; drop the values."""
    name, _, rest = msg.partition(": ")
    if rest.startswith("shape mismatch"):
        kind = "the shape differs from the reference"
    elif "NaN" in rest:
        kind = "NaN values where numbers were expected"
    elif "could not be recorded" in rest or "malformed" in rest:
        kind = rest
    else:
        kind = "values differ from the reference"
    hint = rest[rest.index("Hint:") :] if "Hint:" in rest else ""
    return f"{name}: {kind}. {hint}".strip()


def test_cell_names(source_cells: list[dict]) -> dict[str, list[str]]:
    """grade_id -> the plain names a test cell uses (to connect forbidden answers to tests)."""
    from autograder.notebook import is_test, nbg, source_of

    return {nbg(c)["grade_id"]: sorted(names_used(source_of(c))) for c in source_cells if is_test(c)}


def visible_check_names(release_cells: list[dict]) -> set[str]:
    """Names (string literals) of the checks that the released test cells show a student."""
    import ast

    from autograder.notebook import is_test, source_of
    from autograder.rewrite import CHECK_FUNCTIONS

    names: set[str] = set()
    for c in release_cells:
        if not is_test(c):
            continue
        try:
            tree = ast.parse(source_of(c))
        except SyntaxError:
            continue
        for n in ast.walk(tree):
            if (
                isinstance(n, ast.Call)
                and getattr(n.func, "id", getattr(n.func, "attr", None)) in CHECK_FUNCTIONS
            ):
                first = n.args[0] if n.args else next((k.value for k in n.keywords if k.arg == "name"), None)
                if isinstance(first, ast.Constant) and isinstance(first.value, str):
                    names.add(first.value)
    return names
