"""Static contract of every source notebook: what the secure grader and nbgrader's Validate rely on."""

from __future__ import annotations

import ast

import pytest

from autograder.notebook import SourceNotebook, is_solution, is_test, nbg, source_of
from autograder.rewrite import CHECK_FUNCTIONS, rewrite_test_cell
from autograder.static import check_answer
from tests.conftest import ROOT

SOURCES = sorted((ROOT / "solutions").glob("*/*.ipynb"))
IDS = [str(p.relative_to(ROOT)) for p in SOURCES]


def _answer_names(src: SourceNotebook) -> set[str]:
    names: set[str] = set()
    for c in src.cells:
        if is_solution(c):
            names |= check_answer(nbg(c)["grade_id"], source_of(c), [], {}).defines
    return names


def _check_calls(tree: ast.AST):
    for n in ast.walk(tree):
        if (
            isinstance(n, ast.Call)
            and getattr(n.func, "id", getattr(n.func, "attr", None)) in CHECK_FUNCTIONS
        ):
            yield n


@pytest.mark.parametrize("path", SOURCES, ids=IDS)
def test_test_cells_rewrite_and_names_are_unique(path):
    src = SourceNotebook.load(path)
    seen: dict[str, str] = {}
    for t in src.tests():
        rewrite_test_cell(t.source, t.grade_id)  # raises on authoring errors
        assert "%" not in "".join(line.lstrip()[:1] for line in t.source.splitlines()), (
            f"{t.grade_id}: no magics in tests"
        )
        for call in _check_calls(ast.parse(t.source)):
            first = call.args[0] if call.args else None
            assert isinstance(first, ast.Constant | ast.JoinedStr), (
                f"{t.grade_id}: check names must be literals"
            )
            if isinstance(first, ast.Constant):
                assert first.value not in seen, (
                    f"check name {first.value!r} used in {seen.get(first.value)} and {t.grade_id}"
                )
                seen[first.value] = t.grade_id


@pytest.mark.parametrize("path", SOURCES, ids=IDS)
def test_expected_values_never_come_from_student_code(path):
    """An expected value computed by a student's function would make Validate and the grader
    disagree (the grader ignores inline expectations and uses the reference records)."""
    src = SourceNotebook.load(path)
    student = _answer_names(src)
    for t in src.tests():
        tree = ast.parse(t.source)
        tainted = set(student)
        changed = True
        while changed:  # names assigned from student code inside the test cell are student values too
            changed = False
            for n in ast.walk(tree):
                if isinstance(n, ast.Assign) and any(
                    isinstance(m, ast.Name) and m.id in tainted for m in ast.walk(n.value)
                ):
                    for tgt in n.targets:
                        for m in ast.walk(tgt):
                            if isinstance(m, ast.Name) and m.id not in tainted:
                                tainted.add(m.id)
                                changed = True
        verified: set[str] = set()  # values an earlier check of this cell already compared with an oracle
        for call in sorted(_check_calls(tree), key=lambda n: (n.lineno, n.col_offset)):
            fname = getattr(call.func, "id", getattr(call.func, "attr", None))
            self_check_only = ("predict", "X", "y") if fname == "check_model" else ()
            decl = call.args[2:] + [
                k.value
                for k in call.keywords
                if k.arg not in ("name", "actual", "predictions", "params", *self_check_only)
            ]
            used = {m.id for a in decl for m in ast.walk(a) if isinstance(m, ast.Name)}
            bad = (used & tainted) - verified
            if len(call.args) > 1 and decl:
                verified |= {m.id for m in ast.walk(call.args[1]) if isinstance(m, ast.Name)}
            assert not bad, (
                f"{t.grade_id}: the expected value of {ast.unparse(call)[:80]} uses student code {sorted(bad)}"
            )


@pytest.mark.parametrize("path", SOURCES, ids=IDS)
def test_tests_use_their_own_seeded_generators(path):
    src = SourceNotebook.load(path)
    for t in src.tests():
        for n in ast.walk(ast.parse(t.source)):
            if (
                isinstance(n, ast.Attribute)
                and isinstance(n.value, ast.Attribute)
                and n.value.attr == "random"
            ):
                assert n.attr in ("default_rng", "Generator", "PCG64"), (
                    f"{t.grade_id}: uses the global RNG (np.random.{n.attr})"
                )
            if isinstance(n, ast.Attribute) and n.attr == "manual_seed" and ast.unparse(n.value) == "torch":
                pytest.fail(
                    f"{t.grade_id}: torch.manual_seed seeds the global RNG; use torch.Generator().manual_seed"
                )


@pytest.mark.parametrize("path", SOURCES, ids=IDS)
def test_answer_cells_declare_what_they_must_not_use(path):
    src = SourceNotebook.load(path)
    answers = [c for c in src.cells if is_solution(c) and c["cell_type"] == "code"]
    assert answers
    for c in answers:
        forbid = c.get("metadata", {}).get("course", {}).get("forbid")
        assert forbid, f"answer cell {nbg(c)['grade_id']} has no metadata.course.forbid"
        if "torch" not in source_of(c):
            assert "torch" in forbid, f"NumPy answer {nbg(c)['grade_id']} must forbid torch"
    assert any(is_test(c) for c in src.cells)
