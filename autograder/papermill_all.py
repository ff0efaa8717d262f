"""Execute every lecture and solution notebook with papermill (batch runs).

``python -m autograder.papermill_all [--out DIR] [--device cpu|cuda|auto] [-p NAME VALUE ...] [PATH ...]``

The parameters cell of each notebook holds the fast CI values; ``-p`` overrides them for a
full run (``-p epochs 200``), ``--device cuda`` runs the PyTorch parts on the GPU. Parameters a
notebook does not declare are not passed to it. Prints one line per notebook with its wall time
and exits non-zero when any notebook fails.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import sys
import time
from pathlib import Path

from autograder.config import Course


def declared_parameters(path: Path) -> set[str]:
    """Names assigned in the notebook's cell tagged ``parameters``."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    for c in nb["cells"]:
        if c["cell_type"] == "code" and "parameters" in c.get("metadata", {}).get("tags", []):
            src = "".join(c["source"]) if isinstance(c["source"], list) else c["source"]
            return {
                t.id
                for n in ast.parse(src).body
                if isinstance(n, ast.Assign)
                for t in n.targets
                if isinstance(t, ast.Name)
            }
    return set()


def course_notebooks(course: Course) -> list[Path]:
    lectures = sorted((course.root / "lectures").glob("*.ipynb"))
    solutions = sorted(course.source_dir.glob("*/*.ipynb"))
    return lectures + solutions


def _coerce(value: str):
    try:
        return ast.literal_eval(value)
    except (ValueError, SyntaxError):
        return value


PAPERMILL_CELL_TIMEOUT_S = 900


def run_one(path: Path, out_dir: Path, params: dict) -> tuple[bool, float, str]:
    import papermill as pm

    from autograder.kernels import KERNEL_NAME, kernel_manager, shutdown

    declared = declared_parameters(path)
    use = {k: v for k, v in params.items() if k in declared}
    out = out_dir / path.parent.name / path.name
    out.parent.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    km = kernel_manager()
    try:
        pm.execute_notebook(
            str(path),
            str(out),
            parameters=use,
            kernel_name=KERNEL_NAME,
            km=km,
            cwd=str(path.parent),
            progress_bar=False,
            # A cell that runs longer than this is a hang, not a slow run: fail it, do not wait forever.
            execution_timeout=PAPERMILL_CELL_TIMEOUT_S,
            # nbclient's stand-in for the Output widget re-sends each widget's drawing; with large
            # figures it was seen to stall about one run in four. Batch runs keep the static
            # figure of the cell before each explorer, so no comm handler is needed.
            comm_open_handlers={},
        )
        return True, time.monotonic() - t0, ""
    except Exception as exc:  # noqa: BLE001 - report and go on with the other notebooks
        return False, time.monotonic() - t0, f"{type(exc).__name__}: {str(exc)[:2000]}"
    finally:
        shutdown(km)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m autograder.papermill_all", description=__doc__.splitlines()[0]
    )
    ap.add_argument("paths", nargs="*", type=Path, help="notebooks (default: every lecture and solution)")
    ap.add_argument("--out", type=Path, default=Path(".course-data/executed"))
    ap.add_argument(
        "--device", default=None, help="passed as the `device` parameter where a notebook has one"
    )
    ap.add_argument(
        "-p", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"), help="override a parameter"
    )
    args = ap.parse_args(argv)
    os.environ.setdefault("COURSE_PLAIN_PROGRESS", "1")
    os.environ.setdefault("MPLBACKEND", "Agg")
    course = Course.default()
    paths = [p.resolve() for p in args.paths] or course_notebooks(course)
    params = {k: _coerce(v) for k, v in args.p}
    if args.device:
        params["device"] = args.device
    failed = []
    total = time.monotonic()
    for p in paths:
        ok, secs, err = run_one(p, args.out.resolve(), params)
        rel = p.relative_to(course.root) if p.is_relative_to(course.root) else p
        print(f"{'ok  ' if ok else 'FAIL'} {secs:6.1f} s  {rel}", flush=True)
        if not ok:
            failed.append(str(rel))
            print("     " + err.replace("\n", "\n     ")[:3000], flush=True)
    print(
        f"executed {len(paths)} notebook(s) in {time.monotonic() - total:.1f} s; {len(failed)} failed",
        flush=True,
    )
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
