"""Command line: ``python -m autograder {grade,reference,release,demo-class} ...``."""

from __future__ import annotations

import os

# The grader process itself needs no BLAS threads (students' kernels get their own setting), and
# OpenBLAS's thread pool was seen to hang forever in this process after the worker threads had
# forked many sandboxes: one thread, before NumPy is imported anywhere.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import argparse  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

from autograder.config import (  # noqa: E402
    BUDGET_CAP_S,
    BUDGET_FACTOR,
    BUDGET_MARGIN_S,
    CELL_TIMEOUT_S,
    MEMORY_BYTES,
    Course,
)


def _cmd_grade(args) -> int:
    from autograder.grade import GradeOptions, Grader

    course = Course.default()
    opts = GradeOptions(
        assignment=args.assignment,
        # Without --submissions, the course's nbgrader layout: what `nbgrader collect` gathered,
        # autograded notebooks and gradebook where `nbgrader generate_feedback` and the formgrader
        # look for them.
        submissions=Path(args.submissions or course.nbgrader_submitted).resolve(),
        out=Path(args.out or course.data_dir / "graded" / args.assignment).resolve(),
        autograded=Path(args.autograded).resolve()
        if args.autograded
        else (None if args.submissions else course.nbgrader_autograded),
        workers=args.workers,
        scheduler=args.scheduler,
        students=args.student or None,
        force=args.force or bool(args.student),
        db_url=args.db_url
        or os.environ.get("AUTOGRADER_DB_URL")
        or (None if args.submissions else course.nbgrader_db_url),
        cell_timeout=args.cell_timeout,
        submission_timeout=args.timeout,
        memory_bytes=int(args.memory_gb * 1024**3),
        quiet=args.quiet,
        progress_bar=not args.no_progress,
        preflight=not args.no_preflight,
    )
    res = Grader(course, opts).run()
    print(f"graded {len(res.graded)}, already graded {len(res.skipped)}, not graded {len(res.errors)}")
    print(
        f"results: {opts.out / 'summary.csv'}, {opts.out / 'grades.csv'}, report {opts.out / 'report.html'}"
    )
    if not args.quiet:
        print_table(res.summary)
    return 0


def print_table(summary: list[dict]) -> None:
    if not summary:
        return
    w = max(len(r["student_id"]) for r in summary) + 2
    print(f"{'student':<{w}}{'score':>8} {'max':>6}  flags")
    for r in summary:
        flags = r["flags"][:90] + ("..." if len(r["flags"]) > 90 else "")
        print(f"{r['student_id']:<{w}}{r['score']:>8} {r['max_score']:>6}  {flags}")


def _cmd_reference(args) -> int:
    from autograder.reference import load_or_build

    course = Course.default()
    for a in args.assignment or course.assignments():
        for p in course.source_notebooks(a):
            load_or_build(course, a, p, force=args.force)
    return 0


def _cmd_release(args) -> int:
    from autograder.release import generate

    course = Course.default()
    names = args.assignment or course.assignments()
    changed = generate(course, names, check=args.check)
    if args.check and changed:
        print("out of date: " + ", ".join(changed) + " (run `make assignments`)")
        return 1
    return 0


def _cmd_demo(args) -> int:
    from autograder.demo import make_demo_class

    course = Course.default()
    out = Path(args.out or course.data_dir / "submitted").resolve()
    made = make_demo_class(course, args.assignment, out, attacks=args.attacks, size=args.size)
    shown = ", ".join(made[:12]) + (f", ... ({len(made)} in all)" if len(made) > 12 else "")
    print(f"wrote {len(made)} demo submissions to {out} (expected verdicts in expected.csv): {shown}")
    return 0


def _cmd_verify(args) -> int:
    from autograder.demo import verify

    n, wrong = verify(Path(args.submissions), Path(args.graded))
    if wrong:
        print(f"{len(wrong)} of {n} verdicts are wrong:\n  " + "\n  ".join(wrong))
        return 1
    print(
        f"all {n} verdicts are right (reference full marks, blank and attacks zero, every mistake loses points)"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        prog="python -m autograder", description="Grade Deep Learning, Twice assignments securely."
    )
    sub = ap.add_subparsers(dest="cmd", required=True)

    g = sub.add_parser("grade", help="grade a whole class (resumable)")
    g.add_argument("assignment")
    g.add_argument(
        "--submissions",
        help="folder with <student_id>/<ASSIGNMENT>/*.ipynb (default: .course-data/submitted, where "
        "`nbgrader collect` puts them; then the autograded notebooks and the gradebook go where "
        "nbgrader's generate_feedback, release_feedback and formgrader find them)",
    )
    g.add_argument(
        "--autograded",
        help="nbgrader's autograded folder to write (default: OUT/autograded with --submissions, "
        "else .course-data/autograded)",
    )
    g.add_argument("--out", help="output folder (default .course-data/graded/ASSIGNMENT)")
    g.add_argument(
        "--workers",
        type=int,
        default=max(1, os.cpu_count() or 1),
        help="submissions graded at once (default: cores)",
    )
    g.add_argument(
        "--scheduler", help="address of an existing Dask distributed scheduler, e.g. tcp://127.0.0.1:8786"
    )
    g.add_argument(
        "--student", action="append", help="grade only this student (repeatable); implies --force for them"
    )
    g.add_argument("--force", action="store_true", help="grade again even what is already graded")
    g.add_argument(
        "--db-url",
        help="gradebook SQLAlchemy URL (default: sqlite in --out with --submissions, else nbgrader's "
        ".course-data/gradebook.db); env AUTOGRADER_DB_URL",
    )
    g.add_argument(
        "--cell-timeout",
        type=int,
        default=CELL_TIMEOUT_S,
        help=f"seconds per cell (default {CELL_TIMEOUT_S})",
    )
    g.add_argument(
        "--timeout",
        type=int,
        default=None,
        help=f"seconds per submission (default: {BUDGET_FACTOR:g} x the reference run's time + {BUDGET_MARGIN_S:g} s, at most {BUDGET_CAP_S:g} s)",
    )
    g.add_argument(
        "--memory-gb",
        type=float,
        default=MEMORY_BYTES / 1024**3,
        help=f"memory limit per submission (default {MEMORY_BYTES / 1024**3:g})",
    )
    g.add_argument("--quiet", action="store_true")
    g.add_argument(
        "--no-progress", action="store_true", help="no progress bar (one line per student instead)"
    )
    g.add_argument(
        "--no-preflight",
        action="store_true",
        help="skip grading the reference through the sandbox first (it stops a run whose environment is broken)",
    )
    g.set_defaults(fn=_cmd_grade)

    r = sub.add_parser("reference", help="run the reference solutions (cached) and store their records")
    r.add_argument("assignment", nargs="*")
    r.add_argument("--force", action="store_true")
    r.set_defaults(fn=_cmd_reference)

    rel = sub.add_parser("release", help="generate assignments/ from solutions/ with nbgrader")
    rel.add_argument("assignment", nargs="*")
    rel.add_argument("--check", action="store_true", help="only check that assignments/ is up to date")
    rel.set_defaults(fn=_cmd_release)

    d = sub.add_parser("demo-class", help="write a demo class: reference, blank, mutants (and attacks)")
    d.add_argument("assignment")
    d.add_argument("--out")
    d.add_argument("--attacks", action="store_true", help="add adversarial submissions")
    d.add_argument(
        "--size", type=int, help="number of students (cycles through reference, blank, mutants, attacks)"
    )
    d.set_defaults(fn=_cmd_demo)

    v = sub.add_parser("verify-demo", help="check a graded demo class against its expected.csv")
    v.add_argument("submissions")
    v.add_argument("graded")
    v.set_defaults(fn=_cmd_verify)

    args = ap.parse_args(argv)
    return args.fn(args)


if __name__ == "__main__":
    sys.exit(main())
