"""Static checks of the code cells a student controls. They fail closed.

Each answer cell of the source may declare ``metadata.course.forbid``: module or dotted names the
answer must not use (``torch`` in a NumPy part, ``torch.nn.functional.conv2d`` in a hand-written
convolution). Names are resolved through the imports of the whole notebook, so
``import torch.nn.functional as F`` in a read-only cell still makes ``F.conv2d`` a use of
``torch.nn.functional.conv2d``. A violation fails the tests that use what the cell defines.

Fail closed means: what cannot be analysed counts against the answer, not for it.

* IPython syntax (``%magic``, ``!shell``, ``x?``) is transformed as IPython itself does before
  parsing; what it becomes (``get_ipython().run_line_magic(...)``) is a dynamic look-up.
* Dynamic look-ups (``__import__``, ``importlib``, ``exec``/``eval``/``compile``, ``getattr`` with
  a computed name, ``globals()``, ``sys.modules``, ``builtins``, ``get_ipython().user_ns``, a
  module's ``__dict__``, ``pkgutil.resolve_name``, ``operator.attrgetter`` ...) in an answer
  cell are violations: they can reach any forbidden function without naming it.
* A cell that does not parse, is larger than :data:`MAX_CELL_CHARS`, or is nested too deeply to
  analyse is a violation with that reason.
* Definitions are collected wherever they bind a module-level name (also under ``if``, ``try``,
  ``for``, ``with``), and extra code cells the student added are checked with the rules of
  every answer whose names they (re)define.
* In a ``torch.autograd.Function``, ``backward`` must be hand-written: naming autograd there
  (``enable_grad``, ``set_grad_enabled``, ``.backward(``, ``autograd.grad``, ``requires_grad_``,
  ``torch.func`` ...) is a violation, whatever the cell's forbid list says.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from course.testing import AUTOGRAD_NAMES

MAX_CELL_CHARS = 200_000  # far above any honest answer; bounds the grader's parsing work
DYNAMIC_CALLS = {
    "__import__",
    "exec",
    "eval",
    "compile",
    "globals",
    "locals",
    "vars",
    "setattr",
    "delattr",
    "get_ipython",
    "breakpoint",
}
DYNAMIC_NAMES = {
    "importlib",
    "sys.modules",
    "builtins",
    "__builtins__",
    "ctypes",
    "gc",
    "pkgutil",
    "runpy",
    "inspect",
    "operator.attrgetter",
    "operator.methodcaller",
    "types.FunctionType",
    "types.CodeType",
    "get_ipython",
    "IPython",
}
DYNAMIC_ATTRS = {
    "__dict__",
    "__globals__",
    "__builtins__",
    "__subclasses__",
    "__getattribute__",
    "__code__",
    "__closure__",
    "__import__",
    "user_ns",
    "user_global_ns",
    "f_globals",
    "f_locals",
    "f_back",
}


@dataclass
class CellReport:
    grade_id: str
    violations: list[str] = field(default_factory=list)
    dynamic: list[str] = field(default_factory=list)  # informational: also turned into violations
    defines: set[str] = field(default_factory=set)
    syntax_error: str | None = None


def _aliases(tree: ast.AST) -> dict[str, str]:
    out: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for a in node.names:
                if a.asname:
                    out[a.asname] = a.name
                else:
                    out[a.name.split(".")[0]] = a.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for a in node.names:
                out[a.asname or a.name] = f"{node.module}.{a.name}"
    return out


def notebook_aliases(sources: list[str]) -> dict[str, str]:
    """Import aliases defined by the trusted (non-answer) code cells of a notebook."""
    out: dict[str, str] = {}
    for src in sources:
        try:
            out.update(_aliases(ast.parse(to_python(src))))
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
    return out


def to_python(source: str) -> str:
    """The cell as IPython would run it: magics and shell escapes become plain calls."""
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(source)


def _dotted(node: ast.AST) -> str | None:
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return None


def _resolve(name: str, aliases: dict[str, str]) -> str:
    head, _, rest = name.partition(".")
    base = aliases.get(head, head)
    return f"{base}.{rest}" if rest else base


def _matches(resolved: str, forbidden: str) -> bool:
    return resolved == forbidden or resolved.startswith(forbidden + ".")


def _bound_names(target: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(target) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}


def module_level_definitions(tree: ast.Module) -> set[str]:
    """Every name the cell binds at module level, including under if/for/while/try/with, plus
    names declared ``global`` inside functions (they bind module-level names too)."""
    out: set[str] = set()
    stack: list[ast.stmt] = list(tree.body)
    while stack:
        node = stack.pop()
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            out.add(node.name)
            for sub in ast.walk(node):
                if isinstance(sub, ast.Global):
                    out.update(sub.names)
            continue
        if isinstance(node, ast.Assign):
            for t in node.targets:
                out |= _bound_names(t)
        elif isinstance(node, ast.AnnAssign | ast.AugAssign):
            out |= _bound_names(node.target)
        elif isinstance(node, ast.For | ast.AsyncFor):
            out |= _bound_names(node.target)
        elif isinstance(node, ast.With | ast.AsyncWith):
            for item in node.items:
                if item.optional_vars is not None:
                    out |= _bound_names(item.optional_vars)
        # (imports are left out: a module alias is not an answer, and the forbid check sees it)
        for name in ("body", "orelse", "finalbody", "handlers", "cases"):
            for child in getattr(node, name, []) or []:
                if isinstance(child, ast.ExceptHandler):
                    if child.name:
                        out.add(child.name)
                    stack.extend(child.body)
                elif isinstance(child, ast.match_case):
                    stack.extend(child.body)
                elif isinstance(child, ast.stmt):
                    stack.append(child)
        for sub in ast.walk(node) if isinstance(node, ast.stmt) else ():
            if isinstance(sub, ast.NamedExpr):
                out |= _bound_names(sub.target)
    return out


def _is_function_class(node: ast.ClassDef, aliases: dict[str, str]) -> bool:
    for base in node.bases:
        d = _dotted(base)
        if d and _resolve(d, aliases).endswith("Function"):
            return True
    return False


def _autograd_in_backward(tree: ast.Module, aliases: dict[str, str]) -> list[str]:
    out = []
    for cls in ast.walk(tree):
        if not isinstance(cls, ast.ClassDef) or not _is_function_class(cls, aliases):
            continue
        for fn in cls.body:
            if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef) or fn.name != "backward":
                continue
            for node in ast.walk(fn):
                name = (
                    node.attr
                    if isinstance(node, ast.Attribute)
                    else node.id
                    if isinstance(node, ast.Name)
                    else None
                )
                if name in AUTOGRAD_NAMES or (name and _resolve(name, aliases).startswith("torch.func")):
                    out.append(
                        f"{cls.name}.backward uses {name!r}: a hand-written backward computes the "
                        "gradient with tensor operations, without autograd"
                    )
    return sorted(set(out))


def check_answer(
    grade_id: str, source: str, forbid: list[str], base_aliases: dict[str, str], graded: bool = True
) -> CellReport:
    """Statically check one student-controlled code cell. ``base_aliases`` come from
    :func:`notebook_aliases`. With ``graded`` (answer cells), dynamic look-ups are violations."""
    rep = CellReport(grade_id)
    if not isinstance(source, str):
        rep.violations.append("the cell's source is not text")
        return rep
    if len(source) > MAX_CELL_CHARS:
        rep.violations.append(
            f"the cell is too large to analyse ({len(source)} characters; the limit is {MAX_CELL_CHARS})"
        )
        return rep
    try:
        tree = ast.parse(to_python(source))
    except SyntaxError as exc:
        rep.syntax_error = f"line {exc.lineno}: {exc.msg}"
        return rep
    except (ValueError, RecursionError, MemoryError) as exc:
        rep.violations.append(f"the cell cannot be analysed ({type(exc).__name__}); simplify it")
        return rep
    try:
        _analyse(rep, tree, forbid, base_aliases, graded)
    except (RecursionError, MemoryError) as exc:
        rep.violations.append(f"the cell cannot be analysed ({type(exc).__name__}); simplify it")
    return rep


def _analyse(rep: CellReport, tree: ast.Module, forbid: list[str], base_aliases: dict, graded: bool) -> None:
    aliases = dict(base_aliases)
    aliases.update(_aliases(tree))
    rep.defines = module_level_definitions(tree)
    used: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            used.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                rep.dynamic.append("a relative import")
            if node.module:
                used.update(f"{node.module}.{a.name}" for a in node.names)
                used.add(node.module)
        elif isinstance(node, ast.Attribute | ast.Name) and isinstance(getattr(node, "ctx", None), ast.Load):
            d = _dotted(node)
            if d:
                used.add(_resolve(d, aliases))
            if isinstance(node, ast.Attribute) and node.attr in DYNAMIC_ATTRS:
                rep.dynamic.append(f"uses .{node.attr}")
        if isinstance(node, ast.Call):
            fn = node.func
            if isinstance(fn, ast.Name) and fn.id in DYNAMIC_CALLS:
                rep.dynamic.append(f"calls {fn.id}()")
            if (
                isinstance(fn, ast.Name)
                and fn.id in ("getattr", "hasattr")
                and len(node.args) >= 2
                and not isinstance(node.args[1], ast.Constant)
            ):
                rep.dynamic.append(f"{fn.id} with a computed name")
        if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Call):
            f = node.value.func
            if isinstance(f, ast.Name) and f.id in ("globals", "locals", "vars"):
                rep.dynamic.append(f"indexes {f.id}()")
    for u in sorted(used):
        for dyn in DYNAMIC_NAMES:
            if _matches(u, dyn):
                rep.dynamic.append(f"uses {u}")
        for f in forbid:
            if _matches(u, f):
                rep.violations.append(
                    f"uses {u}, which this part asks you to implement yourself (forbidden: {f})"
                )
    rep.violations += _autograd_in_backward(tree, aliases)
    rep.dynamic = sorted(set(rep.dynamic))
    if graded and rep.dynamic:
        rep.violations.append(
            "uses dynamic code that cannot be checked ("
            + "; ".join(rep.dynamic[:3])
            + "): write the answer with ordinary names and calls"
        )
    # Report the most specific names only (torch.nn.functional.conv2d, not also torch.nn.functional).
    viol = sorted(set(rep.violations))
    rep.violations = [
        v for v in viol if not any(w != v and w.startswith(v.split(",")[0] + ".") for w in viol)
    ]


def names_used(source: str) -> set[str]:
    """The names a (test) cell reads that it does not bind itself: what it takes from the answers."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    loads = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)}
    stores = {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    return loads - stores
