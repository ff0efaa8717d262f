"""Grade a whole class: reference, fan out, compare, write (resumably).

Data flows one way: source notebook -> reference records; submission -> sandboxed run ->
student records -> compare (here, in the grader process) -> result file, gradebook, CSV, report.

Durability: each finished student is written to ``OUT/results/<student>.json`` atomically
(write, fsync, rename) before anything else. A restarted run skips every student whose result
file matches the current submission and reference, so a class killed at any point and
started again is graded exactly once per student, and nothing already graded is lost.
"""

from __future__ import annotations

import base64
import concurrent.futures as cf
import functools
import hashlib
import itertools
import json
import os
import re
import stat
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from autograder import reference as ref_mod
from autograder.autograded import write_autograded
from autograder.compare import judge_notebook, test_cell_names, visible_check_names
from autograder.config import (
    BUDGET_CAP_S,
    BUDGET_FACTOR,
    BUDGET_MARGIN_S,
    CELL_TIMEOUT_S,
    CPU_PER_WALL,
    GRADING_ATTEMPTS,
    MEMORY_BYTES,
    Course,
)
from autograder.notebook import SourceNotebook, nbg, source_of
from autograder.sandbox import isolation_warning
from autograder.worker import run_submission

STUDENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._@+-]{0,127}", re.ASCII)  # used with fullmatch
MAX_NOTEBOOK_BYTES = 20 * 1024**2


@dataclass
class GradeOptions:
    assignment: str
    submissions: Path
    out: Path
    workers: int = max(1, os.cpu_count() or 1)
    scheduler: str | None = None
    students: list[str] | None = None
    force: bool = False
    db_url: str | None = None
    cell_timeout: int = CELL_TIMEOUT_S
    submission_timeout: int | None = None  # None: derived from the reference run (see Grader)
    memory_bytes: int = MEMORY_BYTES
    isolate: bool = True
    quiet: bool = False
    progress_bar: bool = True
    preflight: bool = True  # grade the reference through the sandbox first (see Grader.preflight)
    name_mistakes: bool = True  # name a catalogued mistake in feedback when the values match it
    autograded: Path | None = None  # nbgrader's autograded folder (default: OUT/autograded)


@dataclass
class ClassResult:
    graded: list[str] = field(default_factory=list)  # graded in this run
    skipped: list[str] = field(default_factory=list)  # already graded before
    errors: dict[str, str] = field(default_factory=dict)
    rows: list[dict] = field(default_factory=list)
    summary: list[dict] = field(default_factory=list)


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)


def printable(name: str, limit: int = 120) -> str:
    """A name from the submission folder made safe to print and store: control characters,
    undecodable bytes and lone surrogates escaped, length capped."""
    text = name.encode("utf-8", "backslashreplace").decode("utf-8")
    text = "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in text)
    return text[:limit] + ("..." if len(text) > limit else "")


def discover_students(submissions: Path, assignment: str) -> tuple[list[str], dict[str, str]]:
    """Student ids under ``submissions`` (nbgrader's ``<student>/<assignment>/`` layout) and rejected names.

    A student folder must be a real folder (not a symbolic link) whose name is a strict id; its
    ``<assignment>`` entry must be a real folder too. Anything else is refused with a message,
    so nothing outside a student's own folder is ever graded as that student's submission.
    """
    if not submissions.is_dir():
        raise SystemExit(f"error: submissions folder {submissions} does not exist")
    ok, bad = [], {}
    for d in sorted(os.scandir(submissions), key=lambda e: e.name):
        name = d.name
        if d.is_symlink():
            bad[printable(name)] = "the student folder is a symbolic link; refused"
            continue
        if not d.is_dir(follow_symlinks=False):
            continue  # files beside the student folders (expected.csv, notes) are not students
        if not STUDENT_ID.fullmatch(name):
            bad[printable(name)] = "student folder name has characters other than letters, digits and ._@+-"
            continue
        a = Path(d.path) / assignment
        if a.is_symlink():
            bad[name] = f"{assignment} is a symbolic link; refused"
            continue
        ok.append(name)
    return ok, bad


def read_submitted(
    folder: Path, name: str, limit: int, shared_ok: frozenset = frozenset()
) -> tuple[bytes | None, str | None]:
    """The bytes of ``folder/name`` if it is a plain file of this submission: no symbolic link in
    the folder or the file, no FIFO or device, at most ``limit`` bytes, and no hard link unless
    its (device, inode) is in ``shared_ok`` (every link of it lies in the submissions folder:
    see :func:`hard_link_groups`)."""
    flags_dir = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
    try:
        parent = os.open(folder.parent, flags_dir)
    except FileNotFoundError:
        return None, None
    except OSError:
        return None, "the student folder is not a plain folder; refused"
    try:
        try:
            dfd = os.open(folder.name, flags_dir, dir_fd=parent)
        except FileNotFoundError:
            return None, None
        except OSError:
            return None, f"{folder.name} is not a plain folder (a symbolic link?); refused"
        try:
            try:
                fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=dfd)
            except FileNotFoundError:
                return None, None
            except OSError:
                return None, f"{name} is a symbolic link or cannot be read; refused"
            try:
                st = os.fstat(fd)
                if not stat.S_ISREG(st.st_mode):
                    return None, f"{name} is not a plain file; refused"
                if st.st_nlink > 1 and (st.st_dev, st.st_ino) not in shared_ok:
                    return None, f"{name} is a hard link to a file outside the submissions; refused"
                if st.st_size > limit:
                    return (
                        None,
                        f"{name} is larger than {limit // 1024**2} MB; clear its outputs and resubmit.",
                    )
                data = os.read(fd, limit + 1)
                return (data, None) if len(data) <= limit else (None, f"{name} is too large")
            finally:
                os.close(fd)
        finally:
            os.close(dfd)
    finally:
        os.close(parent)


def hard_link_groups(submissions: Path, students: list[str], assignment: str, names: list[str]):
    """Notebooks that are hard links of each other *within* the class: (dev, ino) -> students.

    A file whose every link lies in the submissions folder is graded and flagged for review in
    each student it belongs to (two students handing in one file); a file with a link elsewhere
    (into ``solutions/``, say) is refused by :func:`read_submitted`.
    """
    seen: dict[tuple[int, int], list[str]] = {}
    links: dict[tuple[int, int], int] = {}
    for s in students:
        for n in names:
            try:
                st = os.lstat(submissions / s / assignment / f"{n}.ipynb")
            except OSError:
                continue
            if stat.S_ISREG(st.st_mode) and st.st_nlink > 1:
                key = (st.st_dev, st.st_ino)
                seen.setdefault(key, []).append(s)
                links[key] = st.st_nlink
    return {k: v for k, v in seen.items() if len(v) == links[k]}


def _submission_digest(folder: Path, names: list[str]) -> str:
    h = hashlib.sha256()
    for n in names:
        data, note = read_submitted(folder, f"{n}.ipynb", MAX_NOTEBOOK_BYTES)
        h.update(n.encode())
        h.update(hashlib.sha256(data or (note or "").encode()).digest())
    return h.hexdigest()


class Grader:
    def __init__(self, course: Course, opts: GradeOptions, log=None):
        self.course = course
        self.opts = opts
        self.log = log or (lambda msg: print(msg, flush=True))
        self.epoch: int | None = None  # the warm kernels' class run, set by run()
        self.sources = [SourceNotebook.load(p) for p in course.source_notebooks(opts.assignment)]
        self.references: dict[str, dict] = {}
        self.releases: dict[str, str] = {}
        self.test_names: dict[str, dict[str, list[str]]] = {}
        self.visible: dict[str, set[str]] = {}
        self.eval_seed = 0  # the class run's seed for trained-model evaluation (see prepare)
        self.shared_files: dict[tuple[int, int], list[str]] = {}  # hard links within the class
        self.mistakes: dict[str, list[dict]] = {}  # notebook -> fingerprints of catalogued mistakes

    # ---------------------------------------------------------------- set-up
    def prepare(self) -> None:
        warn = isolation_warning() if self.opts.isolate else None
        if warn:
            self.log(warn)
        for src, path in zip(self.sources, self.course.source_notebooks(self.opts.assignment)):
            self.references[src.name] = ref_mod.load_or_build(
                self.course, self.opts.assignment, path, log=self.log
            )
            rel = self.course.release_notebook(self.opts.assignment, src.name)
            if not rel.exists():
                raise SystemExit(f"error: release notebook {rel} is missing; run `make assignments` first")
            self.releases[src.name] = rel.read_text(encoding="utf-8")
            self.test_names[src.name] = test_cell_names(src.cells)
            self.visible[src.name] = visible_check_names(json.loads(self.releases[src.name])["cells"])
        self.eval_seed = _class_seed(self.opts.out)
        self.wall_budget = self._wall_budget()
        if self.opts.name_mistakes:
            from autograder.mistakes import load_or_build_fingerprints

            for src in self.sources:
                try:
                    self.mistakes[src.name] = load_or_build_fingerprints(
                        self.course, self.opts.assignment, src.name, log=self.log
                    )
                except Exception as exc:  # noqa: BLE001 - feedback without names is still feedback
                    self.log(f"note: mistake fingerprints unavailable ({type(exc).__name__}: {exc})")

    def _wall_budget(self) -> float:
        """Seconds one submission may run: ``--timeout`` when given, else a multiple of the
        reference run's own time plus a margin (so a stalling submission holds a worker for
        about as long as a few honest ones, not for a fixed quarter of an hour)."""
        if self.opts.submission_timeout:
            return float(self.opts.submission_timeout)
        ref_seconds = sum(float(r.get("seconds") or 0) for r in self.references.values())
        return min(BUDGET_CAP_S, BUDGET_FACTOR * ref_seconds + BUDGET_MARGIN_S)

    def reference_key(self) -> str:
        return hashlib.sha256(
            "".join(r["key"] for _, r in sorted(self.references.items())).encode()
        ).hexdigest()

    # ---------------------------------------------------------------- per student
    def payload(self, student: str) -> dict:
        folder = self.opts.submissions / student / self.opts.assignment
        notebooks = []
        shared_ok = frozenset(self.shared_files)
        notes = []
        for src in self.sources:
            data, error = read_submitted(folder, f"{src.name}.ipynb", MAX_NOTEBOOK_BYTES, shared_ok)
            submitted = base64.b64encode(data).decode() if data is not None and error is None else None
            try:
                st = os.lstat(folder / f"{src.name}.ipynb")
                others = [o for o in self.shared_files.get((st.st_dev, st.st_ino), []) if o != student]
            except OSError:
                others = []
            if others:
                notes.append(
                    f"review: {src.name}.ipynb is the same file as the submission of {', '.join(others)} (a hard link)"
                )
            notebooks.append(
                {
                    "name": src.name,
                    "source": json.dumps(src.nb),
                    "release": self.releases[src.name],
                    "submitted": submitted,
                    "error": error,
                }
            )
        return {
            "student": student,
            "assignment": self.opts.assignment,
            "notebooks": notebooks,
            "notes": notes,
            "limits": {
                "wall_seconds": float(self.wall_budget),
                "cpu_seconds": int(self.wall_budget * CPU_PER_WALL),
                "memory_bytes": int(self.opts.memory_bytes),
            },
            "cell_timeout": self.opts.cell_timeout,
            "isolate": self.opts.isolate,
        }

    def judge(self, student: str, evidence: dict, digest: str) -> dict:
        rows: list[dict] = []
        flags: list[str] = list(evidence.get("notes", []))
        review: list[str] = []
        for nb_res in evidence["notebooks"]:
            ref = self.references[nb_res["name"]]
            for r in judge_notebook(
                nb_res,
                ref,
                self.test_names[nb_res["name"]],
                self.visible[nb_res["name"]],
                self.eval_seed,
                self.mistakes.get(nb_res["name"], []),
            ):
                rows.append(r.as_dict())
            flags += [f"{nb_res['name']}: {f}" for f in nb_res.get("flags", [])]
            for gid, st in nb_res.get("static", {}).items():
                for v in st.get("violations", []):
                    flags.append(f"{nb_res['name']}/{gid}: {v}")
                for d in st.get("dynamic", []):
                    review.append(f"{nb_res['name']}/{gid}: {d}")
            if nb_res.get("error"):
                flags.append(f"{nb_res['name']}: {nb_res['error']}")
            run = nb_res.get("run") or {}
            if run.get("timed_out"):
                flags.append(f"{nb_res['name']}: stopped at the time budget of {self.wall_budget:.0f} s")
            if run.get("disk_full"):
                flags.append(f"{nb_res['name']}: stopped when the scratch folder reached its quota")
        view = {
            nb["name"]: notebook_view(
                json.loads(self.releases[nb["name"]]), nb.get("answers", {}), rows, nb["name"]
            )
            for nb in evidence["notebooks"]
            if nb.get("name") in self.releases
        }
        score = sum(r["points"] for r in rows)
        max_score = sum(r["max_points"] for r in rows)
        return {
            "student": student,
            "assignment": self.opts.assignment,
            "digest": digest,
            "submitted_at": _submitted_at(self.opts.submissions / student / self.opts.assignment),
            "reference_key": self.reference_key(),
            "score": score,
            "max_score": max_score,
            "flags": flags,
            "review": review,
            "tests": rows,
            "view": view,
            "answer_errors": {nb["name"]: nb.get("answer_errors", {}) for nb in evidence["notebooks"]},
            "run": {nb["name"]: nb.get("run", {}) for nb in evidence["notebooks"]},
            "seconds": round(float(evidence.get("seconds", 0.0)), 2),
            "graded_at": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        }

    # ---------------------------------------------------------------- fail loudly
    def preflight(self) -> None:
        """Grade the reference solution through the same pipeline (sandbox, limits, kernel) as the
        class, and stop with a clear error unless it gets full marks: a broken environment (a
        kernel that cannot start in the sandbox, a missing package) must not give everyone zero.

        This is the sequential form (a Dask scheduler's class); local workers run the same check
        as the first job of the class (see :meth:`_execute`)."""
        t0 = time.monotonic()
        self.preflight_verdict(_json_roundtrip(run_submission(self.preflight_payload())), t0)

    def preflight_payload(self) -> dict:
        """The reference solution, filled into the release, as a submission."""
        from autograder.demo import filled_release
        from autograder.notebook import is_solution

        notebooks = []
        for src in self.sources:
            answers = {nbg(c)["grade_id"]: source_of(c) for c in src.cells if is_solution(c)}
            nb = filled_release(json.loads(self.releases[src.name]), answers)
            notebooks.append(
                {
                    "name": src.name,
                    "source": json.dumps(src.nb),
                    "release": self.releases[src.name],
                    "submitted": base64.b64encode(json.dumps(nb).encode()).decode(),
                    "error": None,
                }
            )
        payload = self.payload(PREFLIGHT_ID)
        payload["notebooks"] = notebooks
        return payload

    def preflight_verdict(self, evidence: dict, t0: float) -> None:
        """Raise SystemExit unless the reference got full marks (``t0``: when the check started)."""
        res = self.judge(PREFLIGHT_ID, evidence, "")
        if res["score"] < res["max_score"] or res["max_score"] <= 0:
            bad = [
                f"{t['test_id']}: {t['status']} ({t['message'][:160]})"
                for t in res["tests"]
                if t["status"] != "passed"
            ]
            runs = "; ".join(
                f"{n}: returncode {r.get('returncode')}, isolation {r.get('isolation')}, {r.get('seconds')} s"
                + (f", notes: {', '.join(r.get('notes') or [])}" if r.get("notes") else "")
                for n, r in res["run"].items()
            )
            raise SystemExit(
                f"error: the reference solution of {self.opts.assignment} scores {res['score']:g}/{res['max_score']:g} "
                "when graded through the sandbox, so the grading environment is broken; no student was graded.\n"
                f"  run: {runs}\n  failing tests:\n    " + "\n    ".join(bad[:12])
            )
        self.log(
            f"preflight: the reference solution gets full marks through the sandbox ({time.monotonic() - t0:.1f} s)"
        )

    # ---------------------------------------------------------------- the class
    def run(self) -> ClassResult:
        from autograder import zygote

        self.epoch = zygote.class_epoch()  # the jobs of this class run (see _in_class)
        try:
            return self._run()
        finally:
            zygote.close_all()  # the warm kernels of this class

    def _run(self) -> ClassResult:
        from autograder.gradebook import GradebookWriter, default_url
        from autograder.report import write_outputs

        opts = self.opts
        opts.out.mkdir(parents=True, exist_ok=True)
        from autograder.scratch import remove_stale

        if remove_stale():  # scratch folders of a grader that was itself killed
            self.log("removed scratch folders left by an earlier grader that was killed")
        self.prepare()
        students, rejected = discover_students(opts.submissions, opts.assignment)
        if opts.students:
            unknown = sorted(set(opts.students) - set(students))
            if unknown:
                raise SystemExit(f"error: no submission folder for student(s): {', '.join(unknown)}")
            students = [s for s in students if s in opts.students]
        results_dir = opts.out / "results"
        result = ClassResult(errors=dict(rejected))
        names = [s.name for s in self.sources]
        self.shared_files = hard_link_groups(opts.submissions, students, opts.assignment, names)
        ref_key = self.reference_key()
        pending, digests = [], {}
        for s in students:
            digests[s] = _submission_digest(opts.submissions / s / opts.assignment, names)
            rp = results_dir / f"{s}.json"
            if rp.exists() and not opts.force:
                try:
                    old = json.loads(rp.read_text(encoding="utf-8"))
                except json.JSONDecodeError:
                    old = {}
                if old.get("digest") == digests[s] and old.get("reference_key") == ref_key:
                    result.skipped.append(s)
                    continue
            pending.append(s)
        if pending and opts.isolate and not opts.scheduler:
            from autograder.sandbox import Limits
            from autograder.worker import prestart_warm

            # warm kernels start importing now; the preflight is the first job they run, the class beside it
            prestart_warm(
                self.sources, Limits(memory_bytes=int(opts.memory_bytes)), min(opts.workers, len(pending))
            )
        if pending and opts.preflight and opts.scheduler:
            self.preflight()
        self.log(
            f"grading {opts.assignment}: {len(students)} student(s), {len(pending)} to grade, "
            f"{len(result.skipped)} already graded; "
            + (f"Dask scheduler {opts.scheduler}" if opts.scheduler else f"{opts.workers} local worker(s)")
        )
        results = self._execute(pending, preflight=opts.preflight and not opts.scheduler)
        # The first result comes once the preflight has passed (SystemExit otherwise): nothing,
        # not even an empty gradebook, is written for a class that is not graded.
        first = next(results, None)
        results = itertools.chain([first] if first else [], results)
        gbw = GradebookWriter(opts.db_url or default_url(opts.out), opts.assignment, self.sources)
        outside_exchange: list[str] = []  # no valid timestamp.txt/submission_secret.txt
        try:
            bar = _bar(len(pending), enabled=opts.progress_bar and not opts.quiet)
            for student, evidence, err in results:
                if err is not None:
                    result.errors[student] = err
                    self.log(f"  ! {student}: grading failed: {err}")
                    bar.update(1)
                    continue
                try:  # one student's hostile values must never stop the class
                    t_judge = time.monotonic()
                    res = self.judge(student, evidence, digests[student])
                    res["judge_seconds"] = round(time.monotonic() - t_judge, 3)
                    _atomic_write(results_dir / f"{student}.json", json.dumps(res, indent=1))
                    if write_autograded(
                        opts.autograded or opts.out / "autograded",
                        student,
                        opts.assignment,
                        res["view"],
                        self.releases,
                        opts.submissions / student / opts.assignment,
                        read_submitted,
                        res.get("submitted_at"),
                    ):
                        outside_exchange.append(student)
                    gbw.write(
                        student,
                        res["tests"],
                        flagged=bool(res["flags"]),
                        submitted_at=res.get("submitted_at"),
                    )
                except Exception as exc:  # noqa: BLE001
                    result.errors[student] = (
                        f"the grader could not judge this submission ({type(exc).__name__})"
                    )
                    self.log(f"  ! {student}: judging failed: {type(exc).__name__}: {str(exc)[:200]}")
                    bar.update(1)
                    continue
                result.graded.append(student)
                flag = f"  flags: {len(res['flags'])}" if res["flags"] else ""
                line = (
                    f"  {student:<24} {res['score']:g}/{res['max_score']:g}  ({res['seconds']:.1f} s){flag}"
                )
                if bar.disable:
                    self.log(line)
                else:
                    bar.write(line)
                bar.update(1)
            bar.close()
            # Re-sync everything already graded (idempotent), then the outputs.
            all_results = []
            for s in students:
                rp = results_dir / f"{s}.json"
                if rp.exists():
                    res = json.loads(rp.read_text(encoding="utf-8"))
                    all_results.append(res)
                    if s in result.skipped:
                        gbw.write(
                            s, res["tests"], flagged=bool(res["flags"]), submitted_at=res.get("submitted_at")
                        )
        finally:
            gbw.close()
        if outside_exchange:
            self.log(
                f"note: {len(outside_exchange)} submission(s) without nbgrader's timestamp.txt and "
                "submission_secret.txt (not collected through nbgrader's exchange): `nbgrader "
                "release_feedback` releases their feedback under a name they cannot fetch; send them "
                f"{opts.out / 'feedback'}/<student>/{opts.assignment}/feedback.html instead"
            )
        result.rows, result.summary = write_outputs(opts.out, opts.assignment, all_results, result.errors)
        return result

    def _execute(self, students: list[str], preflight: bool = False):
        """Yield ``(student, evidence, error)`` as submissions finish.

        With ``preflight`` (local workers), the reference solution is the first job of the pool
        and the class starts beside it instead of after it; what finishes before the reference
        has passed is held back, and when it fails (SystemExit) nothing is yielded at all."""
        if not students:
            return
        if self.opts.scheduler:
            from distributed import Client, as_completed

            with Client(self.opts.scheduler, timeout="30s") as client:
                futs = {
                    client.submit(
                        run_submission, self.payload(s), pure=False, key=f"grade-{s}-{time.time_ns()}"
                    ): s
                    for s in students
                }
                for fut in as_completed(futs):
                    s = futs[fut]
                    try:
                        yield s, _json_roundtrip(fut.result()), None
                    except Exception as exc:  # noqa: BLE001
                        yield s, None, f"{type(exc).__name__}: {exc}"
            return
        # An exception here is the grader's or the machine's failure (a kernel's or a student's
        # failure is evidence, not an exception): such a submission is graded once more before it
        # is reported as not graded, so a passing hiccup (a full process table, a slow start on a
        # loaded machine) does not cost a student their grade.
        pool = cf.ThreadPoolExecutor(max_workers=max(1, self.opts.workers))
        t0 = time.monotonic()
        held: list[tuple[str, dict | None, str | None]] | None = [] if preflight else None
        try:
            futs = {}
            job = functools.partial(_in_class, self.epoch)
            if preflight:
                futs[pool.submit(job, self.preflight_payload())] = (None, 1)  # None: the reference
            futs |= {pool.submit(job, self.payload(s)): (s, 1) for s in students}
            while futs:
                done, _ = cf.wait(futs, return_when=cf.FIRST_COMPLETED)
                for fut in done:
                    s, attempt = futs.pop(fut)
                    try:
                        evidence = _json_roundtrip(fut.result())
                    except Exception as exc:  # noqa: BLE001
                        err = f"{type(exc).__name__}: {str(exc)[:300]}"
                        if attempt < GRADING_ATTEMPTS:
                            self.log(
                                f"  ! {s or 'the reference (preflight)'}: grading failed ({err}); grading again"
                            )
                            payload = self.preflight_payload() if s is None else self.payload(s)
                            futs[pool.submit(job, payload)] = (s, attempt + 1)
                            continue
                        if s is None:
                            raise SystemExit(
                                f"error: the reference solution of {self.opts.assignment} could not be graded "
                                f"through the sandbox ({err}), so the grading environment is broken; "
                                "no student was graded."
                            ) from exc
                        evidence, result = None, (s, None, err)
                    else:
                        result = (s, evidence, None)
                    if s is None:
                        self.preflight_verdict(evidence, t0)  # SystemExit when it fails
                        yield from held or []
                        held = None
                    elif held is not None:
                        held.append(result)
                    else:
                        yield result
        finally:
            # On SystemExit (or the consumer stopping): drop what has not started; the running
            # jobs end with their kernels (Grader.run closes the warm kernels).
            pool.shutdown(wait=False, cancel_futures=True)


def _in_class(epoch: int | None, payload: dict) -> dict:
    """A local worker's job: grade one submission as part of the class run ``epoch``, so that a
    job taken up after its class has ended starts no warm kernel (autograder/zygote.py)."""
    if epoch is None:
        return run_submission(payload)
    from autograder import zygote

    with zygote.in_class(epoch):
        return run_submission(payload)


PREFLIGHT_ID = "reference-preflight"  # the preflight's name in its payload and its judged result


def notebook_view(release: dict, answers: dict, rows: list[dict], notebook: str) -> list[dict]:
    """The student's notebook as their feedback shows it: the release's cells in order (trusted:
    no solution, no hidden-test source), the student's own answers in place, and the grader's
    verdict under every test cell. Inline questions carry the student's answer for the instructor."""
    verdicts = {r["test_id"]: r for r in rows if r["notebook"] == notebook}
    out = []
    for c in release.get("cells", []):
        meta = nbg(c)
        gid = meta.get("grade_id")
        src = source_of(c)
        if meta.get("solution"):
            kind = "question" if c.get("cell_type") == "markdown" else "answer"
            out.append({"kind": kind, "grade_id": gid, "text": str(answers.get(gid, src))[:20_000]})
        elif gid in verdicts:
            out.append({"kind": "test", "grade_id": gid, "text": src, "verdict": verdicts[gid]})
        elif c.get("cell_type") == "markdown":
            out.append({"kind": "markdown", "text": src})
        elif c.get("cell_type") == "code":
            out.append({"kind": "code", "text": src})
        else:  # a raw cell: kept so that the view has one entry per release cell
            out.append({"kind": "other", "text": ""})
    return out


def _class_seed(out: Path) -> int:
    """The seed of this class's model evaluation data: drawn once per output folder and kept, so
    a resumed or repeated run judges every student on the same data, which no kernel has seen."""
    import secrets

    path = out / "eval_seed.txt"
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        seed = secrets.randbelow(2**31 - 1) + 1
        _atomic_write(path, f"{seed}\n")
        return seed


def _submitted_at(folder: Path) -> float | None:
    """The newest modification time of the submitted notebooks (POSIX seconds), or None."""
    times = [p.stat().st_mtime for p in folder.glob("*.ipynb") if p.is_file()]
    return max(times) if times else None


def _json_roundtrip(evidence: dict) -> dict:
    """Evidence crosses the worker boundary as JSON, whatever the transport."""
    return json.loads(json.dumps(evidence))


class _NoBar:
    disable = True

    def update(self, n=1):
        pass

    def write(self, s):
        print(s, flush=True)

    def close(self):
        pass


def _bar(total: int, enabled: bool):
    if not enabled or total == 0:
        return _NoBar()
    from tqdm import tqdm

    return tqdm(total=total, desc="grading", unit="student", file=sys.stderr, dynamic_ncols=True)
