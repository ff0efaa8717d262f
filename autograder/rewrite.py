"""Rewrite a test cell so that the student's kernel only *records* values.

Every direct call ``check(name, actual, expected, rtol=, atol=)``,
``check_bound(name, actual, lower=, upper=)``, ``check_accuracy(name, predictions, labels, lower=)`` or
``check_model(name, params, lower, evaluator, ...)``
becomes ``__ag_record__(cell, kind, name, actual)``: the expected value, the bounds, the labels
and any oracle call that computes them are never evaluated in the student's kernel. In the
trusted reference run (``declare=True``) the declarations are kept as keyword arguments so that
the records carry them. ``assert`` statements are removed (they decide nothing here). The reference run also records
whether each check stands in the hidden part of its cell, so that feedback on it shows no values.
"""

from __future__ import annotations

import ast

RECORD_FN = "__ag_record__"

# function name -> (kind, positional parameter names after (name, actual))
CHECK_FUNCTIONS = {
    "check": ("check", ("expected", "rtol", "atol")),
    "check_bound": ("bound", ("lower", "upper")),
    "check_accuracy": ("accuracy", ("labels", "lower")),
    # check_model(name, params, lower, evaluator, predict=, X=, y=): only the parameters are
    # recorded; predict/X/y serve the student's own JupyterLab and are dropped here.
    "check_model": ("model", ("lower", "evaluator", "predict", "X", "y")),
}
_ACTUAL_KW = {
    "check": "actual",
    "check_bound": "actual",
    "check_accuracy": "predictions",
    "check_model": "params",
}
# Arguments that only the self-check mode uses: never evaluated under the grader, never declared.
_SELF_CHECK_ONLY = {"predict", "X", "y"}


class RewriteError(ValueError):
    """A test cell that the grader cannot turn into record-only form (an authoring error)."""


def _func_name(node: ast.Call) -> str | None:
    f = node.func
    if isinstance(f, ast.Name) and f.id in CHECK_FUNCTIONS:
        return f.id
    if isinstance(f, ast.Attribute) and f.attr in CHECK_FUNCTIONS:
        return f.attr
    return None


def hidden_lines(source: str) -> set[int]:
    """Line numbers (1-based) between ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS``."""
    lines, inside = set(), False
    for i, line in enumerate(source.splitlines(), start=1):
        if "### BEGIN HIDDEN TESTS" in line:
            inside = True
        elif "### END HIDDEN TESTS" in line:
            inside = False
        elif inside:
            lines.add(i)
    return lines


class _Rewriter(ast.NodeTransformer):
    def __init__(self, cell_id: str, declare: bool, hidden: set[int]):
        self.cell_id = cell_id
        self.declare = declare
        self.hidden = hidden
        self.count = 0

    def visit_Assert(self, node: ast.Assert):
        return ast.copy_location(ast.Pass(), node)

    def visit_Call(self, node: ast.Call):
        fname = _func_name(node)
        if fname is None:
            return self.generic_visit(node)
        kind, extra = CHECK_FUNCTIONS[fname]
        if any(isinstance(a, ast.Starred) for a in node.args) or any(k.arg is None for k in node.keywords):
            raise RewriteError(
                f"{fname}(...) in cell {self.cell_id!r} uses *args/**kwargs; pass arguments explicitly"
            )
        params = ("name", _ACTUAL_KW[fname], *extra)
        bound: dict[str, ast.expr] = {}
        for p, a in zip(params, node.args):
            bound[p] = a
        if len(node.args) > len(params):
            raise RewriteError(f"{fname}(...) in cell {self.cell_id!r} has too many arguments")
        for k in node.keywords:
            if k.arg in bound or k.arg not in params:
                raise RewriteError(
                    f"{fname}(...) in cell {self.cell_id!r}: unexpected or repeated argument {k.arg!r}"
                )
            bound[k.arg] = k.value
        if "name" not in bound or _ACTUAL_KW[fname] not in bound:
            raise RewriteError(f"{fname}(...) in cell {self.cell_id!r} needs a name and a value")
        self.count += 1
        keywords = []
        if self.declare:
            keywords = [
                ast.keyword(arg=p, value=bound[p])
                for p in extra
                if p in bound and p != "expected" and p not in _SELF_CHECK_ONLY
            ]
            keywords.append(ast.keyword(arg="hidden", value=ast.Constant(node.lineno in self.hidden)))
        call = ast.Call(
            func=ast.Name(id=RECORD_FN, ctx=ast.Load()),
            args=[ast.Constant(self.cell_id), ast.Constant(kind), bound["name"], bound[_ACTUAL_KW[fname]]],
            keywords=keywords,
        )
        return ast.copy_location(call, node)


def rewrite_test_cell(source: str, cell_id: str, declare: bool = False) -> str:
    """Return the record-only form of a test cell's source (see the module docstring)."""
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        raise RewriteError(f"test cell {cell_id!r} is not valid Python: {exc}") from None
    rw = _Rewriter(cell_id, declare, hidden_lines(source))
    tree = rw.visit(tree)
    ast.fix_missing_locations(tree)
    if rw.count == 0:
        raise RewriteError(f"test cell {cell_id!r} has no check(...) call: it could never earn points")
    return ast.unparse(tree) + "\n"


def count_checks(source: str) -> int:
    """How many check calls a test cell makes (statically)."""
    return sum(1 for n in ast.walk(ast.parse(source)) if isinstance(n, ast.Call) and _func_name(n))
