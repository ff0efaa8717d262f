"""The chapters' reference code, taken from their source notebooks (never copied).

A chapter's code is what its nbgrader solution cells (``metadata.nbgrader.solution: true``)
define: their source is executed in a fresh module whose namespace starts with NumPy (and
PyTorch, for the ``torch.autograd.Function`` cells), after the top-level imports of the
notebook's other code cells. Only definitions are executed (imports, ``def``, ``class`` and
assignments), so a solution cell that also trains something costs nothing here.
"""

from __future__ import annotations

import ast
import json
import sys
import types
from dataclasses import dataclass, field
from pathlib import Path

_KEEP = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.ClassDef, ast.Assign, ast.AnnAssign)
_IMPORTS = (ast.Import, ast.ImportFrom)


@dataclass
class Chapter:
    name: str  # folder name, e.g. "01_backprop"
    notebooks: list[Path]
    ns: dict = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)  # cells that could not be executed

    @property
    def number(self) -> str:
        return self.name.split("_", 1)[0]

    def missing(self, names: tuple[str, ...] | list[str]) -> list[str]:
        return [n for n in names if n not in self.ns]


def _cell_source(cell: dict) -> str:
    src = cell.get("source", "")
    return "".join(src) if isinstance(src, list) else str(src)


def _is_solution(cell: dict) -> bool:
    return bool(cell.get("metadata", {}).get("nbgrader", {}).get("solution"))


def _module_of(tree: ast.Module, keep: tuple) -> ast.Module:
    return ast.Module(body=[n for n in tree.body if isinstance(n, keep)], type_ignores=[])


def load_chapter(root: Path, name: str) -> Chapter | None:
    """The chapter's solution code as a namespace, or None when ``solutions/<name>/`` has no notebook."""
    folder = root / "solutions" / name
    notebooks = sorted(folder.glob("*.ipynb")) if folder.is_dir() else []
    if not notebooks:
        return None
    mod_name = f"bench_solutions_{name}"
    mod = types.ModuleType(mod_name)
    sys.modules[mod_name] = mod  # classes defined below get a real module (pickling, dataclasses)
    ns = mod.__dict__
    exec("import numpy as np\nimport numpy", ns)  # noqa: S102
    try:
        exec("import torch\nimport torch.nn.functional as F\nfrom torch import nn", ns)  # noqa: S102
    except ImportError:
        pass
    chapter = Chapter(name=name, notebooks=notebooks, ns=ns)
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))  # the notebooks import the course package
    for path in notebooks:
        cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
        for i, cell in enumerate(cells):
            if cell.get("cell_type") != "code":
                continue
            solution = _is_solution(cell)
            try:
                tree = ast.parse(_cell_source(cell))
            except SyntaxError as exc:
                if solution:
                    chapter.errors.append(f"{path.name} cell {i}: {exc}")
                continue
            body = _module_of(tree, _KEEP if solution else _IMPORTS)
            if not body.body:
                continue
            try:
                exec(compile(body, f"<{path.name} cell {i}>", "exec"), ns)  # noqa: S102
            except Exception as exc:  # noqa: BLE001 - a broken cell only disables its rows
                if solution:
                    gid = cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", "?")
                    chapter.errors.append(f"{path.name} cell {gid}: {type(exc).__name__}: {exc}")
    return chapter


_CACHE: dict[tuple[str, str], Chapter | None] = {}


def chapter(root: Path, name: str) -> Chapter | None:
    """``load_chapter`` once per run."""
    key = (str(root), name)
    if key not in _CACHE:
        _CACHE[key] = load_chapter(root, name)
    return _CACHE[key]
