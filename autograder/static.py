"""Static checks of answer cells: forbidden library calls and dynamic tricks.

Each answer cell of the source may declare ``metadata.course.forbid``: module or dotted names the
answer must not use (``torch`` in a NumPy part, ``torch.nn.functional.conv2d`` in a hand-written
convolution). Names are resolved through the imports of the whole notebook, so
``import torch.nn.functional as F`` in a read-only cell still makes ``F.conv2d`` a use of
``torch.nn.functional.conv2d``. A violation fails the tests that use the cell's functions.

Dynamic tricks (``__import__``, ``importlib``, ``exec``/``eval``/``compile``, ``getattr`` with a
computed name, ``globals()``, ``sys.modules``, ``builtins``) cannot be resolved statically: they
are flagged for an instructor's review, without a penalty.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

DYNAMIC_CALLS = {"__import__", "exec", "eval", "compile", "globals", "locals", "vars", "setattr", "delattr"}
DYNAMIC_NAMES = {"importlib", "sys.modules", "builtins", "__builtins__", "ctypes", "gc.get_objects"}


@dataclass
class CellReport:
    grade_id: str
    violations: list[str] = field(default_factory=list)
    dynamic: list[str] = field(default_factory=list)
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
            out.update(_aliases(ast.parse(src)))
        except SyntaxError:
            continue
    return out


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


def check_answer(grade_id: str, source: str, forbid: list[str], base_aliases: dict[str, str]) -> CellReport:
    """Statically check one answer cell. ``base_aliases`` come from :func:`notebook_aliases`."""
    rep = CellReport(grade_id)
    try:
        tree = ast.parse(source)
    except SyntaxError as exc:
        rep.syntax_error = f"line {exc.lineno}: {exc.msg}"
        return rep
    aliases = dict(base_aliases)
    aliases.update(_aliases(tree))
    for node in tree.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            rep.defines.add(node.name)
        elif isinstance(node, ast.Assign):
            for t in node.targets:
                if isinstance(t, ast.Name):
                    rep.defines.add(t.id)
    used: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            used.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            used.update(f"{node.module}.{a.name}" for a in node.names)
            used.add(node.module)
        elif isinstance(node, ast.Attribute | ast.Name) and isinstance(getattr(node, "ctx", None), ast.Load):
            d = _dotted(node)
            if d:
                used.add(_resolve(d, aliases))
        if isinstance(node, ast.Call):
            fn = node.func
            if isinstance(fn, ast.Name) and fn.id in DYNAMIC_CALLS:
                rep.dynamic.append(f"calls {fn.id}()")
            if (
                isinstance(fn, ast.Name)
                and fn.id == "getattr"
                and len(node.args) >= 2
                and not isinstance(node.args[1], ast.Constant)
            ):
                rep.dynamic.append("getattr with a computed name")
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            for f in forbid:
                if f.split(".")[0] in node.value and (
                    "import" in node.value or node.value.strip() == f.split(".")[0]
                ):
                    rep.dynamic.append(f"a string that names {f.split('.')[0]!r}")
    for u in sorted(used):
        for dyn in DYNAMIC_NAMES:
            if _matches(u, dyn):
                rep.dynamic.append(f"uses {u}")
        for f in forbid:
            if _matches(u, f):
                rep.violations.append(
                    f"uses {u}, which this part asks you to implement yourself (forbidden: {f})"
                )
    rep.dynamic = sorted(set(rep.dynamic))
    # Report the most specific names only (torch.nn.functional.conv2d, not also torch.nn.functional).
    viol = sorted(set(rep.violations))
    rep.violations = [
        v for v in viol if not any(w != v and w.startswith(v.split(",")[0] + ".") for w in viol)
    ]
    return rep


def names_used(source: str) -> set[str]:
    """Every plain name a (test) cell refers to."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return set()
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
