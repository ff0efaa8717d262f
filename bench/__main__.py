"""``python -m bench [--quick] [--device cpu|cuda] [--out DIR] [--threads N]``.

The thread count is put into the environment here, before anything imports NumPy or PyTorch,
so that both sides of every comparison start with the same thread pools.
"""

from __future__ import annotations

import argparse
import os
import sys

THREAD_VARS = (
    "OMP_NUM_THREADS",
    "OPENBLAS_NUM_THREADS",
    "MKL_NUM_THREADS",
    "BLIS_NUM_THREADS",
    "VECLIB_MAXIMUM_THREADS",
    "NUMEXPR_NUM_THREADS",
)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    ap = argparse.ArgumentParser(
        prog="python -m bench",
        description="Benchmarks as ratios measured side by side in one run; writes OUT/bench.md and OUT/bench.json.",
    )
    ap.add_argument(
        "--quick", action="store_true", help="small sizes, few repetitions, toy class (under 2 minutes)"
    )
    ap.add_argument(
        "--device", default="cpu", choices=["cpu", "cuda"], help="cuda adds the GPU rows (default cpu)"
    )
    ap.add_argument("--out", default="bench-results", help="output folder (default bench-results)")
    ap.add_argument(
        "--threads",
        type=int,
        default=1,
        help="NumPy/PyTorch threads, the same on both sides of every comparison (default 1)",
    )
    ap.add_argument(
        "--only",
        action="append",
        choices=["layers", "grading", "notebooks", "gpu"],
        help="run only these groups (repeatable; default all)",
    )
    ap.add_argument(
        "--grading-reps",
        type=int,
        default=None,
        help="timed repetitions of the class grading, interleaved; the median is reported (default 3, 1 with --quick)",
    )
    ap.add_argument(
        "--keep", action="store_true", help="keep the temporary folders (their paths are printed)"
    )
    return ap.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.threads < 1:
        raise SystemExit("error: --threads must be at least 1")
    for var in THREAD_VARS:
        os.environ[var] = str(args.threads)
    os.environ.setdefault("MPLBACKEND", "Agg")
    os.environ.setdefault("COURSE_PLAIN_PROGRESS", "1")
    # Only now may NumPy and PyTorch be imported.
    from bench.runner import run_all

    return run_all(args)


if __name__ == "__main__":
    sys.exit(main())
