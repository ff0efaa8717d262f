"""Reading nbgrader notebooks, and assembling the notebook that is actually graded.

The graded notebook is built from the *trusted source* (``solutions/``): its cells, in its
order, with the test cells rewritten to record-only form. From the student's submission only the
answer cells (nbgrader ``solution`` cells, matched by grade id) and any extra code cells the
student added are taken. So an edited, deleted, reordered or duplicated test cell changes
nothing: the original runs, and the change is reported.
"""

from __future__ import annotations

import copy
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

import nbformat

from autograder.rewrite import RECORD_FN, rewrite_test_cell


class SubmissionError(Exception):
    """The submission cannot be graded at all (not JSON, not a notebook, ...); the message says why."""


def nbg(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def is_solution(cell) -> bool:
    return bool(nbg(cell).get("solution"))


def is_test(cell) -> bool:
    m = nbg(cell)
    return bool(m.get("grade")) and not m.get("solution") and cell.get("cell_type") == "code"


def source_of(cell) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class TestCell:
    grade_id: str
    points: float
    source: str
    hidden: bool


@dataclass
class SourceNotebook:
    """The trusted source of one assignment notebook."""

    name: str  # file stem, e.g. "backprop"
    nb: dict
    sha256: str

    @classmethod
    def load(cls, path: Path) -> SourceNotebook:
        text = Path(path).read_text(encoding="utf-8")
        return cls(name=Path(path).stem, nb=json.loads(text), sha256=sha256_text(text))

    @property
    def cells(self) -> list[dict]:
        return self.nb["cells"]

    def tests(self) -> list[TestCell]:
        out = []
        for c in self.cells:
            if is_test(c):
                src = source_of(c)
                out.append(
                    TestCell(
                        nbg(c)["grade_id"], float(nbg(c).get("points", 0)), src, "BEGIN HIDDEN TESTS" in src
                    )
                )
        return out

    def solution_ids(self) -> list[str]:
        return [nbg(c)["grade_id"] for c in self.cells if is_solution(c)]

    def code_answer_ids(self) -> list[str]:
        """Answer cells holding code (markdown answers are inline questions, graded by hand)."""
        return [nbg(c)["grade_id"] for c in self.cells if is_solution(c) and c.get("cell_type") == "code"]

    def manual_answers(self) -> list[dict]:
        """Inline questions: markdown answer cells, with their points (for the instructor)."""
        return [
            {"grade_id": nbg(c)["grade_id"], "points": float(nbg(c).get("points", 0) or 0)}
            for c in self.cells
            if is_solution(c) and c.get("cell_type") == "markdown"
        ]

    def forbid(self, grade_id: str) -> list[str]:
        for c in self.cells:
            if is_solution(c) and nbg(c).get("grade_id") == grade_id:
                return list(c.get("metadata", {}).get("course", {}).get("forbid", []))
        return []

    def code_outside_answers(self) -> list[str]:
        return [source_of(c) for c in self.cells if c.get("cell_type") == "code" and not is_solution(c)]


def parse_submission(raw: bytes) -> dict:
    """Decode and validate a submitted notebook; raises SubmissionError with a message a student understands."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SubmissionError(
            f"the notebook is not valid UTF-8 text (byte {exc.start}); re-save it from JupyterLab."
        ) from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise SubmissionError(
            f"the notebook is not valid JSON (line {exc.lineno}, column {exc.colno}); re-save it from JupyterLab."
        ) from None
    if not isinstance(data, dict):
        raise SubmissionError("the file is not a Jupyter notebook (its JSON is not an object with cells).")
    if "nbformat" in data and data.get("nbformat") != 4:
        raise SubmissionError(
            f"unsupported notebook format version {data.get('nbformat')!r} (expected 4); re-save it from JupyterLab."
        )
    if not isinstance(data.get("cells"), list):
        raise SubmissionError("the file is not a Jupyter notebook (no list of cells).")
    if data.get("nbformat") != 4:
        raise SubmissionError(
            "the notebook has no nbformat version (expected 4); re-save it from JupyterLab."
        )
    for i, c in enumerate(data["cells"]):
        if not isinstance(c, dict) or c.get("cell_type") not in ("code", "markdown", "raw"):
            raise SubmissionError(f"cell {i} is malformed.")
        if not isinstance(c.get("metadata", {}), dict):
            raise SubmissionError(f"cell {i} has malformed metadata.")
        src = c.get("source", "")
        if not isinstance(src, str | list) or (
            isinstance(src, list) and not all(isinstance(s, str) for s in src)
        ):
            raise SubmissionError(f"cell {i} has a malformed source.")
    return data


@dataclass
class Assembled:
    nb: dict
    answers: dict[str, str]  # grade_id -> the student's source of that answer cell
    extra_cells: int
    flags: list[str] = field(default_factory=list)
    extras: list[tuple[str | None, str]] = field(default_factory=list)  # (answer it follows, source)


def assemble(
    source: SourceNotebook, release: dict, student: dict, record_path: str, declare: bool = False
) -> Assembled:
    """Build the notebook to execute: the source's cells, the student's answers, test cells rewritten.

    ``release`` is the released (student) version of the notebook: its answer stubs replace
    answer cells the student deleted, and its test cells are what a student's copy should still
    contain (anything else is reported as a change). ``record_path`` is where the kernel's
    recorder appends (relative to the kernel's working folder).
    """
    flags: list[str] = []
    release_cells = {nbg(c).get("grade_id"): c for c in release.get("cells", []) if nbg(c).get("grade_id")}
    sol_ids = set(source.solution_ids())
    locked_ids = {gid for gid, c in release_cells.items() if gid not in sol_ids}

    # What the student has: answers by grade id, extra cells after the answer they follow.
    answers: dict[str, str] = {}
    extras_after: dict[str | None, list[str]] = {}
    seen_ids: dict[str, int] = {}
    last_answer: str | None = None
    for c in student["cells"]:
        gid = nbg(c).get("grade_id")
        if gid:
            seen_ids[gid] = seen_ids.get(gid, 0) + 1
        if gid in sol_ids and is_solution(c):
            if gid in answers:
                flags.append(f"answer cell '{gid}' appears more than once; the first copy was graded")
                continue
            answers[gid] = source_of(c)
            last_answer = gid
        elif gid in locked_ids:
            if source_of(c) != source_of(release_cells[gid]) and c.get("cell_type") == "code":
                flags.append(f"cell '{gid}' was edited; the original was run")
        elif gid:
            if c.get("cell_type") == "code":
                flags.append(f"cell with unknown grade id '{gid}' was run as an ordinary cell")
                extras_after.setdefault(last_answer, []).append(source_of(c))
        elif c.get("cell_type") == "code" and source_of(c).strip():
            extras_after.setdefault(last_answer, []).append(source_of(c))
    for gid, n in seen_ids.items():
        if n > 1 and gid in locked_ids:
            flags.append(f"cell '{gid}' appears {n} times; it was run once")
    for gid in sorted(locked_ids):
        if gid not in seen_ids and is_test(release_cells[gid]):
            flags.append(f"test cell '{gid}' was deleted; the original was restored")
    for gid in sol_ids:
        if gid not in answers:
            flags.append(f"answer cell '{gid}' is missing; its tests score zero")

    cells = [nbformat.v4.new_code_cell(_setup_source(record_path, declare))]
    cells[0]["metadata"]["autograder"] = {"role": "setup"}
    first_answer_seen = False
    n_extra = 0
    for c in source.cells:
        gid = nbg(c).get("grade_id")
        new = copy.deepcopy(c)
        new.pop("outputs", None)
        if c.get("cell_type") == "code":
            new["outputs"] = []
            new["execution_count"] = None
        if is_solution(c):
            if not first_answer_seen:
                first_answer_seen = True
                for src in extras_after.get(None, []):
                    cells.append(_extra(src))
                    n_extra += 1
            if gid in answers:
                new["source"] = answers[gid]
            elif gid in release_cells:
                new["source"] = source_of(release_cells[gid])
            cells.append(new)
            for src in extras_after.get(gid, []):
                cells.append(_extra(src))
                n_extra += 1
        elif is_test(c):
            new["source"] = rewrite_test_cell(source_of(c), gid, declare=declare)
            cells.append(new)
        else:
            cells.append(new)
    out = copy.deepcopy(source.nb)
    out["cells"] = [nbformat.from_dict(c) for c in cells]
    for i, c in enumerate(out["cells"]):
        c["id"] = f"ag-{i:04d}"
    extras = [(after, src) for after, srcs in extras_after.items() for src in srcs]
    return Assembled(nb=out, answers=answers, extra_cells=n_extra, flags=flags, extras=extras)


def _extra(src: str) -> dict:
    cell = nbformat.v4.new_code_cell(src)
    cell["metadata"]["autograder"] = {"role": "student-extra"}
    return cell


def _setup_source(record_path: str, declare: bool) -> str:
    return (
        "import course.records as __ag_records\n"
        f"{RECORD_FN} = __ag_records.Recorder({record_path!r}, declare={declare!r}).record\n"
        "del __ag_records\n"
    )
