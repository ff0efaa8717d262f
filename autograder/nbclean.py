"""Normalise committed notebooks: no outputs, no execution counts, kernelspec ``python3``,
stable cell ids, and only the metadata the tools need (``nbgrader``, ``tags``, ``course``).

Usage: ``python -m autograder.nbclean [--check] PATH...`` (folders are searched for ``*.ipynb``).
With ``--check`` nothing is written and the exit code is 1 when a file would change.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

KEEP_CELL_METADATA = ("nbgrader", "tags", "course")
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
LANGUAGE_INFO = {"name": "python"}
_ID_OK = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


def _slug(text: str) -> str:
    s = re.sub(r"[^a-zA-Z0-9_-]+", "-", text).strip("-")[:56]
    return s or "cell"


def clean(nb: dict) -> dict:
    """Return the normalised notebook (a new dict); ids are kept when valid and unique."""
    cells = []
    seen: set[str] = set()
    for i, cell in enumerate(nb.get("cells", [])):
        ctype = cell.get("cell_type", "code")
        src = cell.get("source", "")
        if isinstance(src, list):
            src = "".join(src)
        meta = {k: cell.get("metadata", {})[k] for k in KEEP_CELL_METADATA if k in cell.get("metadata", {})}
        cid = cell.get("id")
        if not cid or not _ID_OK.match(cid) or cid in seen:
            grade_id = meta.get("nbgrader", {}).get("grade_id")
            base = _slug(grade_id) if grade_id else f"cell-{i:03d}"
            cid, n = base, 1
            while cid in seen:
                n += 1
                cid = f"{base}-{n}"
        seen.add(cid)
        new = {"cell_type": ctype, "id": cid, "metadata": meta, "source": src}
        if ctype == "code":
            new["execution_count"] = None
            new["outputs"] = []
        cells.append(new)
    return {
        "cells": cells,
        "metadata": {"kernelspec": dict(KERNELSPEC), "language_info": dict(LANGUAGE_INFO)},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def dumps(nb: dict) -> str:
    """The canonical text of a notebook (what is committed)."""
    return json.dumps(nb, indent=1, ensure_ascii=False, sort_keys=True) + "\n"


def clean_file(path: Path, check: bool = False) -> bool:
    """Normalise ``path`` in place; returns True when it changed (or would change)."""
    text = path.read_text(encoding="utf-8")
    new = dumps(clean(json.loads(text)))
    if new == text:
        return False
    if not check:
        path.write_text(new, encoding="utf-8")
    return True


def iter_notebooks(paths: list[str]):
    for p in map(Path, paths):
        if p.is_dir():
            yield from sorted(q for q in p.rglob("*.ipynb") if ".ipynb_checkpoints" not in q.parts)
        else:
            yield p


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m autograder.nbclean", description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="write nothing; exit 1 if a notebook is not clean")
    ap.add_argument("paths", nargs="+")
    args = ap.parse_args(argv)
    changed = [str(p) for p in iter_notebooks(args.paths) if clean_file(p, check=args.check)]
    for p in changed:
        print(("would clean " if args.check else "cleaned ") + p)
    return 1 if (args.check and changed) else 0


if __name__ == "__main__":
    sys.exit(main())
