"""Grading throughput: the project's grader against stock ``nbgrader autograde``, same class.

The class: ``autograder.demo.make_demo_class`` (the reference solution, the blank release and
the chapter's typical mistakes), replicated under distinct student ids up to 20 submissions (4
with ``--quick``). The assignment is ``01_backprop`` when its source notebook and its release
``assignments/01_backprop/`` exist (and not ``--quick``), otherwise the toy course of
``tests/toycourse.py`` (with two wrong answers added, the toy course has no mutant catalogue).

Ours: ``python -m autograder grade`` (that is ``Grader(...).run()``) with 1 and 2 workers, into
a fresh output folder each time, and once more with 1 worker and cold kernels
(``AUTOGRADER_COLD_KERNELS=1``: a sandbox, an executor and a Jupyter kernel started per
submission, as before ``autograder.zygote``). Each row's notes break one submission's time down
(start, given cells, rest of the notebook, preparation, judging; see :func:`breakdown`). Theirs: ``nbgrader autograde ASSIGNMENT --force`` in a
temporary course root made the nbgrader way (``solutions/`` copied, an ``nbgrader_config.py``
loading ``autograder/nbgrader_config.py``, ``generate_assignment`` with the database, the
submissions in ``.course-data/submitted/``), with the gradebook reset before each run. Both are
timed as whole commands (interpreter start included on both sides), interleaved (ours 1 worker,
nbgrader, ours 2 workers, ...), after a warm-up on one submission each (none with ``--quick``:
the reference run and ``generate_assignment`` have loaded everything once already). Kernels run with one
NumPy/PyTorch thread on both sides (the grader pins its kernels to 1; nbgrader gets
``OMP_NUM_THREADS=1`` and friends). The reference records are built once beforehand (set-up,
like nbgrader's ``generate_assignment``) and copied into nbgrader's course root, where the
hidden checks find them.
"""

from __future__ import annotations

import concurrent.futures as cf
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import Row, interleaved, log, median, now

THREAD_ENV = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")


def _env(root: Path, course_root: Path | None = None) -> dict[str, str]:
    env = dict(os.environ)
    venv_bin = str(Path(sys.executable).parent)
    env["PATH"] = f"{venv_bin}:{env.get('PATH', '/usr/bin:/bin')}"  # nbgrader runs `alembic`
    env["PYTHONPATH"] = str(root) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.setdefault("PYTHONDONTWRITEBYTECODE", "1")
    for var in THREAD_ENV:
        env[var] = "1"
    if course_root is not None:
        env["COURSE_ROOT"] = str(course_root)
    env.pop("COURSE_REFERENCE_DIR", None)
    return env


def _run(cmd: list[str], cwd: Path, env: dict[str, str], what: str) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True)
    secs = time.perf_counter() - t0
    if proc.returncode != 0:
        tail = (proc.stdout + proc.stderr)[-3000:]
        raise RuntimeError(f"{what} failed (exit {proc.returncode}):\n{tail}")
    return secs


def choose_course(root: Path, quick: bool, work: Path):
    """``(course, assignment, label)``: 01_backprop when it and its release exist, else the toy course."""
    from autograder.config import Course

    src = root / "solutions" / "01_backprop"
    rel = root / "assignments" / "01_backprop"
    if not quick and list(src.glob("*.ipynb")) and rel.is_dir():
        course = Course(root)
        names = [p.stem for p in course.source_notebooks("01_backprop")]
        if all(course.release_notebook("01_backprop", n).exists() for n in names):
            return course, "01_backprop", "01_backprop"
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    from tests.toycourse import ASSIGNMENT, make_toy_course

    why = "--quick" if quick else "01_backprop or its release assignments/01_backprop/ is missing"
    return make_toy_course(work / "toy"), ASSIGNMENT, f"{ASSIGNMENT} (toy course; {why})"


def make_class(course, assignment: str, out: Path, n: int) -> list[str]:
    """The demo class replicated to ``n`` submissions with distinct ids; returns the ids."""
    from autograder.demo import make_demo_class

    base_dir = out.parent / "demo-base"
    ids = make_demo_class(course, assignment, base_dir)
    if assignment == "00_toy":
        from tests.toycourse import load_release, submission_from, with_answer

        rel = load_release(course)
        wrong = {
            "mistake_scale": ("scale_rows", "def scale_rows(x, w):\n    return x * w[None, :1]\n"),
            "mistake_softmax": (
                "row_softmax",
                "def row_softmax(z):\n    return np.exp(z) / np.exp(z).sum()\n",
            ),
        }
        for sid, (gid, src) in wrong.items():
            submission_from(with_answer(rel, gid, src), base_dir / sid)
            ids.append(sid)
    made = []
    for i in range(n):
        base = ids[i % len(ids)]
        sid = f"{base}-{i:02d}"
        shutil.copytree(base_dir / base / assignment, out / sid / assignment)
        made.append(sid)
    return made


def nbgrader_root(course, assignment: str, nbg: Path, env: dict[str, str]) -> list[str]:
    """A course root for stock nbgrader; returns the command-line overrides to use with it."""
    nbg.mkdir(parents=True)
    shutil.copytree(course.source_dir, nbg / "solutions")
    # The project's configuration; its root and database are overridden on the command line.
    cfg = Path(__file__).resolve().parent.parent / "autograder" / "nbgrader_config.py"
    (nbg / "nbgrader_config.py").write_text(f"load_subconfig({str(cfg)!r})  # noqa: F821\n", encoding="utf-8")
    data = nbg / ".course-data"
    data.mkdir()
    overrides = [
        f"--CourseDirectory.root={nbg}",
        f"--CourseDirectory.db_url=sqlite:///{data / 'gradebook.db'}",
    ]
    nbgrader = [str(Path(sys.executable).parent / "nbgrader")]
    _run(
        [*nbgrader, "generate_assignment", assignment, "--force", *overrides],
        nbg,
        env,
        "nbgrader generate_assignment",
    )
    shutil.copy2(data / "gradebook.db", data / "gradebook.pristine.db")
    return overrides


def release_is_current(course, assignment: str, nbg: Path) -> bool:
    """Whether the committed release equals what nbgrader just generated from the source (normalised)."""
    from autograder.nbclean import clean, dumps

    fresh = nbg / "assignments" / assignment
    committed = course.release_dir / assignment
    for nb in sorted(fresh.glob("*.ipynb")):
        old = committed / nb.name
        if not old.is_file():
            return False
        new = dumps(clean(json.loads(nb.read_text(encoding="utf-8"))))
        if new != old.read_text(encoding="utf-8"):
            return False
    return True


def fill_root(course, assignment: str, nbg: Path, submissions: Path) -> None:
    """Put the reference records (for the hidden checks) and the submissions into nbgrader's root."""
    data = nbg / ".course-data"
    shutil.copytree(course.reference_dir(assignment), data / "reference" / assignment)
    shutil.copytree(submissions, data / "submitted")


def _scores_ours(out: Path) -> dict[str, float]:
    res = {}
    for p in sorted((out / "results").glob("*.json")):
        d = json.loads(p.read_text(encoding="utf-8"))
        res[d["student"]] = float(d["score"])
    return res


def _scores_nbgrader(nbg: Path, assignment: str) -> dict[str, float]:
    from nbgrader.api import Gradebook

    res = {}
    with Gradebook(f"sqlite:///{nbg / '.course-data' / 'gradebook.db'}") as gb:
        for s in gb.students:
            try:
                res[s.id] = float(gb.find_submission(assignment, s.id).score)
            except Exception:  # noqa: BLE001 - not graded
                pass
    return res


def stderr_only_points(nbg: Path, assignment: str) -> dict[str, float]:
    """Per student, the points stock nbgrader withheld only for its stderr rule: grade cells that
    ran without an error but wrote to stderr (a NumPy RuntimeWarning, say), which nbgrader scores
    as failed and our grader does not (``grading.md``: ours never grades on stderr)."""
    res: dict[str, float] = {}
    for nb_path in sorted((nbg / ".course-data" / "autograded").glob(f"*/{assignment}/*.ipynb")):
        student = nb_path.parent.parent.name
        nb = json.loads(nb_path.read_text(encoding="utf-8"))
        for cell in nb.get("cells", []):
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if cell.get("cell_type") != "code" or not meta.get("grade") or meta.get("solution"):
                continue
            outs = cell.get("outputs", [])
            if any(o.get("output_type") == "error" for o in outs):
                continue
            if any(o.get("output_type") == "stream" and o.get("name") == "stderr" for o in outs):
                res[student] = res.get(student, 0.0) + float(meta.get("points", 0))
    return res


def breakdown(out: Path) -> str:
    """Where one submission's time goes (medians over the class, from the results the grader
    wrote): the start (sandbox and kernel start for a cold kernel; fork and namespaces for a warm
    one), the given cells before the first answer (imports, data), the rest of the notebook, the
    worker's preparation (assembly, static checks), and the grader's judging."""
    start, setup, rest, prep, judge = [], [], [], [], []
    for p in (out / "results").glob("*.json"):
        res = json.loads(p.read_text(encoding="utf-8"))
        for run in res.get("run", {}).values():
            secs, cells = float(run.get("seconds", 0)), float(run.get("cells_seconds", 0))
            start.append(max(0.0, secs - cells))
            setup.append(float(run.get("setup_seconds", 0)))
            rest.append(max(0.0, cells - float(run.get("setup_seconds", 0))))
            prep.append(max(0.0, float(res.get("seconds", 0)) - secs))
        judge.append(float(res.get("judge_seconds", 0)))
    if not start:
        return "no results"
    parts = {"start": start, "given cells (imports, data)": setup, "rest of the notebook": rest}
    parts |= {"preparation": prep, "judging": judge}
    return ", ".join(f"{k} {median(v):.2f} s" for k, v in parts.items())


def run_grading(ctx, keep: bool = False, reps: int | None = None) -> list[Row]:
    from autograder import reference as ref_mod
    from autograder.sandbox import isolation_warning

    root = ctx.root
    n = 4 if ctx.quick else 20
    work = Path(tempfile.mkdtemp(prefix="bench-grading-"))
    try:
        course, assignment, label = choose_course(root, ctx.quick, work)
        if reps is None:
            reps = 1 if ctx.quick else 3
        log(f"grading: class of {n} submissions of {label} in {work}")
        subs = work / "submissions"
        students = make_class(course, assignment, subs, n)
        warm = work / "warm-submissions"
        shutil.copytree(subs / students[0], warm / students[0])
        env_ours = _env(root, course.root)
        env_nbg = _env(root)
        log("grading: set-up (untimed): reference records, and a course root for stock nbgrader")
        nbg = work / "nbgrader"
        with cf.ThreadPoolExecutor(1) as pool:  # both are subprocesses: run them side by side
            fut = pool.submit(nbgrader_root, course, assignment, nbg, env_nbg)
            for p in course.source_notebooks(assignment):
                ref_mod.load_or_build(course, assignment, p, log=log)
            overrides = fut.result()
        fill_root(course, assignment, nbg, subs)
        stale = not release_is_current(course, assignment, nbg)
        if stale:
            log(f"grading: warning: assignments/{assignment} is out of date with solutions/{assignment}")
        py = sys.executable
        nbgrader = str(Path(sys.executable).parent / "nbgrader")
        runs = {"ours": 0, "nbgrader": 0}
        outs: dict[int, Path] = {}

        env_cold = dict(env_ours, AUTOGRADER_COLD_KERNELS="1")

        def ours(workers: int, submissions: Path, tag: str, cold: bool = False):
            def sample() -> float:
                runs["ours"] += 1
                out = work / f"out-{tag}-w{workers}{'-cold' if cold else ''}-{runs['ours']}"
                outs[("cold", workers) if cold else workers] = out
                log(f"grading: ours, {workers} worker(s){', cold kernels' if cold else ''}, {tag} ...")
                cmd = [py, "-m", "autograder", "grade", assignment, "--submissions", str(submissions)]
                cmd += ["--out", str(out), "--workers", str(workers), "--quiet", "--no-progress"]
                secs = _run(cmd, root, env_cold if cold else env_ours, f"our grader ({workers} workers)")
                log(f"grading: ours, {workers} worker(s): {secs:.1f} s")
                return secs

            return sample

        def theirs(root_dir: Path, ovr: list[str], tag: str):
            def sample() -> float:
                data = root_dir / ".course-data"
                shutil.rmtree(data / "autograded", ignore_errors=True)
                shutil.copy2(data / "gradebook.pristine.db", data / "gradebook.db")
                log(f"grading: nbgrader autograde, {tag} ...")
                cmd = [nbgrader, "autograde", assignment, "--force", *ovr]
                secs = _run(cmd, root_dir, env_nbg, "nbgrader autograde")
                log(f"grading: nbgrader autograde: {secs:.1f} s")
                return secs

            return sample

        if ctx.quick:
            warmed = "no warm-up (--quick)"
        else:
            # One submission each, in a separate nbgrader root so that the timed one starts clean.
            log("grading: warm-up on one submission each")
            nbg_warm = work / "nbgrader-warm"
            overrides_warm = nbgrader_root(course, assignment, nbg_warm, env_nbg)
            fill_root(course, assignment, nbg_warm, warm)
            interleaved(
                {"ours": ours(1, warm, "warm-up"), "theirs": theirs(nbg_warm, overrides_warm, "warm-up")},
                reps=1,
                warmup=0,
            )
            warmed = "after a warm-up on one submission"
        samples = interleaved(
            {
                "ours-1": ours(1, subs, "timed"),
                "nbgrader": theirs(nbg, overrides, "timed"),
                "ours-2": ours(2, subs, "timed"),
                "ours-1-cold": ours(1, subs, "timed", cold=True),
            },
            reps=reps,
            warmup=0,
        )
        t_nbg = median(samples["nbgrader"])
        rate_nbg = n / t_nbg * 60
        sc_nbg = _scores_nbgrader(nbg, assignment)
        withheld = stderr_only_points(nbg, assignment)
        iso = isolation_warning()
        rows = []
        for workers in (1, 2, "1-cold"):
            key = ("cold", 1) if workers == "1-cold" else workers
            t = median(samples[f"ours-{workers}"])
            rate = n / t * 60
            sc = _scores_ours(outs[key])
            agree = [s for s in students if s in sc and s in sc_nbg and abs(sc[s] - sc_nbg[s]) < 1e-9]
            by_rule = [
                s
                for s in students
                if s not in agree
                and s in sc
                and s in sc_nbg
                and withheld.get(s, 0.0) > 0
                and abs(sc[s] - sc_nbg[s] - withheld[s]) < 1e-9
            ]
            differ = [
                f"{s}: ours {sc.get(s)}, nbgrader {sc_nbg.get(s)}"
                for s in students
                if s not in agree + by_rule
            ]
            rule_note = (
                f"; {len(by_rule)} more differ only by nbgrader's stderr rule (a test cell that passed but "
                f"printed a warning to stderr: nbgrader scores it 0, ours never grades on stderr, grading.md; "
                f"e.g. {by_rule[0]}: ours {sc[by_rule[0]]}, nbgrader {sc_nbg[by_rule[0]]} + {withheld[by_rule[0]]})"
                if by_rule
                else ""
            )
            notes = (
                f"wall {t:.1f} s vs {t_nbg:.1f} s, median of {reps} interleaved run(s), {warmed}; "
                f"graded {len(sc)}/{n} (ours), {len(sc_nbg)}/{n} (nbgrader); "
                f"scores agree for {len(agree)}/{n}"
                + rule_note
                + (f"; differ: {'; '.join(differ[:3])}" if differ else "")
                + "; ours sandboxes each submission (bubblewrap), rebuilds it from the trusted source and "
                "draws no figures (nobody sees them: COURSE_GRADING), nbgrader runs it as submitted"
                + (
                    f"; the release assignments/{assignment} is out of date with its source (make assignments): "
                    "the submissions are made from the stale release, which our grader rebuilds from the "
                    "source and nbgrader grades as submitted"
                    if stale
                    else ""
                )
                + (f"; sandbox warning: {iso}" if iso else "")
                + "; per submission (medians): "
                + breakdown(outs[key])
            )
            rows.append(
                Row(
                    group="grading",
                    what=(
                        "grading throughput: our grader, cold kernels as before warm kernels (1 worker) vs nbgrader autograde"
                        if workers == "1-cold"
                        else f"grading throughput: our grader ({workers} worker{'s' if workers > 1 else ''}) vs nbgrader autograde"
                    ),
                    size=f"{n} submissions of {label}",
                    ours=f"{rate:.1f} subs/min",
                    theirs=f"{rate_nbg:.1f} subs/min",
                    ratio=rate / rate_nbg,
                    threads="1 per kernel, both sides",
                    machine=ctx.machine,
                    date=now(),
                    unit="submissions/min",
                    ours_value=rate,
                    theirs_value=rate_nbg,
                    samples={"ours": samples[f"ours-{workers}"], "theirs": samples["nbgrader"]},
                    notes=notes,
                )
            )
            log(
                f"grading: {workers} worker(s): {rate:.1f} vs {rate_nbg:.1f} subs/min, ratio {rate / rate_nbg:.2f}"
            )
        return rows
    finally:
        if keep:
            log(f"grading: kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
