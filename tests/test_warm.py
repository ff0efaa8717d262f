"""Warm kernels (autograder/zygote.py): one pre-imported zygote grades a whole class, and no student
reaches the next one, the zygote or the other students' slots.

Students are graded one after another by ONE zygote (one worker): a polluter leaves traces
everywhere it can write (files in /tmp, /sandbox, /dev/shm; attributes on numpy and on the
course's modules; the environment), a killer signals every process it can see and looks for
the zygote's slots and memory, and a victim after them scores full marks only if it sees no trace
of either. The whole attack suite (tests/test_attacks.py) runs on the warm path as well.
"""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from autograder.grade import GradeOptions, Grader
from autograder.sandbox import bwrap_works
from tests.toycourse import ASSIGNMENT, load_release, make_toy_course, submission_from, with_answer

SOFTMAX_OK = (
    "def row_softmax(z):\n    z = z - z.max(axis=1, keepdims=True)\n    e = np.exp(z)\n"
    "    return e / e.sum(axis=1, keepdims=True)\n"
)
# Student code: every folder below `top`, to `depth` levels (not /proc, /sys).
FOLDERS = """def folders(top, depth):
    out = [top]
    if depth:
        try:
            subs = sorted(e.path for e in os.scandir(top) if e.is_dir(follow_symlinks=False))
        except OSError:
            subs = []
        for sub in subs:
            if sub not in ("/proc", "/sys"):
                out += folders(sub, depth - 1)
    return out
"""
POLLUTER = (
    """import os
import numpy as np
import course.checks
"""
    + FOLDERS
    + """for folder in folders("/", 3):  # a trace in every folder it can write to
    try:
        with open(os.path.join(folder, "polluted_by_a"), "w") as fh:
            fh.write("x")
    except OSError:
        pass
np.polluted = True
course.checks.polluted = True
os.environ["POLLUTED"] = "1"
def scale_rows(x, w):
    return x * w[:, None]
"""
)
# Sees no slot and no other process's environment, or scores zero on scale_rows.
KILLER_SCALE = """import os
me = os.readlink("/proc/self")
others = [p for p in os.listdir("/proc") if p.isdigit() and p != me]
leaks = []
for p in others:
    try:
        with open(f"/proc/{p}/environ", "rb") as fh:
            leaks.append(fh.read(1))
    except OSError:
        pass
slots = os.listdir("/slots") if os.path.isdir("/slots") else []
clean = not leaks and not slots
def scale_rows(x, w):
    return x * w[:, None] if clean else 0 * x
"""
KILLER_SOFTMAX = (
    """import os, signal
for p in os.listdir("/proc"):
    if p.isdigit():
        try:
            os.kill(int(p), signal.SIGKILL)
        except OSError:
            pass
"""
    + SOFTMAX_OK
)
VICTIM = (
    """import os
import numpy as np
import course.checks
"""
    + FOLDERS
    + """seen = [f for f in folders("/", 3) if os.path.exists(os.path.join(f, "polluted_by_a"))]
seen += [m for m in ("np", "course") if "polluted" in dir(np if m == "np" else course.checks)]
seen += ["env"] if "POLLUTED" in os.environ else []
def scale_rows(x, w):
    return x * w[:, None] if not seen else 0 * x
"""
)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    if not bwrap_works():
        pytest.fail("bubblewrap must work here: make setup installs it")
    import autograder.zygote as zygote_mod

    tmp = tmp_path_factory.mktemp("warm")
    course = make_toy_course(tmp / "course")
    release = load_release(course)
    subs = tmp / "submitted"
    answers = {
        "a_polluter": (POLLUTER, SOFTMAX_OK),
        "b_killer": (KILLER_SCALE, KILLER_SOFTMAX),
        "c_victim": (VICTIM, SOFTMAX_OK),
        "d_victim": (VICTIM, SOFTMAX_OK),
    }
    for sid, (scale, softmax) in answers.items():
        submission_from(
            with_answer(with_answer(release, "scale_rows", scale), "row_softmax", softmax), subs / sid
        )
    starts = []
    real_init = zygote_mod.Zygote.__init__

    def counting_init(self, *a, **k):
        starts.append(1)
        real_init(self, *a, **k)

    zygote_mod.Zygote.__init__ = counting_init
    try:
        opts = GradeOptions(
            assignment=ASSIGNMENT,
            submissions=subs,
            out=tmp / "out",
            workers=1,
            progress_bar=False,
            preflight=False,
        )
        Grader(course, opts).run()
    finally:
        zygote_mod.Zygote.__init__ = real_init
    rows = {}
    for r in csv.DictReader(open(tmp / "out" / "grades.csv", encoding="utf-8")):
        rows.setdefault(r["student_id"], {})[r["test_id"]] = r
    summary = {
        r["student_id"]: r for r in csv.DictReader(open(tmp / "out" / "summary.csv", encoding="utf-8"))
    }
    return {"rows": rows, "summary": summary, "starts": len(starts), "out": tmp / "out"}


def test_one_zygote_grades_the_whole_class(graded):
    import json

    assert graded["starts"] == 1, "the zygote must survive every student (one start for the class)"
    runs = [json.loads(p.read_text())["run"]["toy"] for p in (graded["out"] / "results").glob("*.json")]
    assert len(runs) == 4 and all(r["isolation"] == "bwrap+warm" for r in runs), runs


def test_nothing_of_one_student_reaches_the_next(graded):
    for sid in ("c_victim", "d_victim"):
        assert graded["summary"][sid]["score"] == "6", (sid, graded["rows"][sid])


def test_a_student_sees_no_slot_and_no_other_process(graded):
    rows = graded["rows"]["b_killer"]
    assert rows["test_scale_rows"]["status"] == "passed", rows["test_scale_rows"]
    # it killed what it could see: its own namespace (its kernel), not the zygote
    assert rows["test_row_softmax"]["status"] == "crash", rows["test_row_softmax"]


def test_code_bound_from_below_tmp_stays_visible_under_the_fresh_tmp(tmp_path):
    """A course checked out under /tmp (a CI runner's folder, say): each student's fresh /tmp
    must not hide the read-only code the sandbox binds from there."""
    import json

    import nbformat

    from autograder.config import PACKAGE_DIR
    from autograder.sandbox import Limits
    from autograder.worker import code_dirs, kernel_env
    from autograder.zygote import Zygote

    assert str(tmp_path).startswith("/tmp/")
    lib = tmp_path / "lib"
    lib.mkdir()
    (lib / "helper_below_tmp.py").write_text("ANSWER = 42\n")
    env = dict(kernel_env(), PYTHONPATH=f"{PACKAGE_DIR.parent}:{lib}")
    work = tmp_path / "work"
    work.mkdir()
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(
            "import json, os, helper_below_tmp\n"
            "open('/sandbox/records.jsonl', 'w').write(json.dumps([helper_below_tmp.ANSWER, os.listdir('/tmp')]))"
        )
    ]
    nbformat.write(nb, work / "graded.ipynb")
    limits = Limits(memory_bytes=1024**3, wall_seconds=60)
    z = Zygote((), env, [*code_dirs(), lib], limits)
    try:
        run, _ = z.run(work, limits, 30, env)
    finally:
        z.close()
    assert run.returncode == 0, run
    answer, listing = json.loads((work / "records.jsonl").read_text())
    assert answer == 42
    # nothing of the host's /tmp (it holds other runs' folders) but the paths to the binds (this
    # test's folder; the course and its environment when they too lie below /tmp), and what the
    # kernel itself made there (IPython's folder)
    import sys

    bound = [tmp_path, PACKAGE_DIR, Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()]
    leading = {str(p).split("/")[2] for p in bound if str(p).startswith("/tmp/")}
    assert set(listing) <= leading | {"ipython"}, listing


def test_a_zygote_busy_when_its_class_stops_is_stopped_not_pooled():
    """A failed preflight ends a class while a student's job still runs: that job's zygote must
    stop with the class, not go back to the idle pool, where a later class in the same process
    (a notebook, a test session) would take it instead of starting its own."""
    from autograder import zygote
    from autograder.sandbox import Limits
    from autograder.worker import code_dirs, kernel_env

    if not bwrap_works():
        pytest.fail("bubblewrap must work here: make setup installs it")
    limits = Limits(memory_bytes=1024**3, wall_seconds=60)
    env = kernel_env()
    extra_ro = code_dirs()
    busy = zygote.acquire((), env, extra_ro, limits)  # a job holds it
    try:
        zygote.close_all()  # the class stops (its preflight failed)
        assert not busy.alive(), "close_all must stop the busy zygotes of the class as well"
        zygote.release(busy)  # the job ends after its class
        assert not any(zygote._idle.values()), "a zygote of a stopped class went back to the idle pool"
        fresh = zygote.acquire((), env, extra_ro, limits)
        assert fresh is not busy and fresh.alive()
        zygote.release(fresh)
        assert zygote._idle[fresh.key] == [fresh]  # a live zygote of a running class is pooled
    finally:
        zygote.close_all()
    assert not fresh.alive() and not any(zygote._idle.values())


def test_a_zygote_stopped_while_it_starts_does_not_turn_warm_kernels_off():
    """close_all can stop a zygote a job is still waiting for: that is the class ending, not a
    machine on which warm kernels fail, so the worker must not fall back to cold kernels for
    the rest of the process (it does so on RuntimeError and OSError)."""
    from autograder import worker, zygote
    from autograder.sandbox import Limits

    if not bwrap_works():
        pytest.fail("bubblewrap must work here: make setup installs it")
    limits = Limits(memory_bytes=1024**3, wall_seconds=60)
    z = zygote.Zygote((), worker.kernel_env(), worker.code_dirs(), limits, wait=False)
    z.close()
    with pytest.raises(zygote.ZygoteClosed):
        z.wait_ready()
    # what the worker takes as "warm kernels do not work here" (autograder/worker.py, acquire)
    assert not isinstance(zygote.ZygoteClosed("x"), (OSError, RuntimeError))


def test_a_job_taken_up_after_its_class_ended_starts_no_zygote(monkeypatch):
    """A pool thread can take up a job just as its class ends (the preflight failed): whether it
    asks for a zygote after close_all, or close_all comes while its zygote starts, no zygote of
    that class may stay alive, since nothing would stop it. A job outside any class run (a Dask
    worker) still gets one."""
    from autograder import zygote
    from autograder.sandbox import Limits
    from autograder.worker import code_dirs, kernel_env

    if not bwrap_works():
        pytest.fail("bubblewrap must work here: make setup installs it")
    limits = Limits(memory_bytes=1024**3, wall_seconds=60)
    env, extra_ro = kernel_env(), code_dirs()
    epoch = zygote.class_epoch()
    zygote.close_all()  # the class ended before its job asked
    with zygote.in_class(epoch), pytest.raises(zygote.ZygoteClosed):
        zygote.acquire((), env, extra_ro, limits)
    assert not zygote._started and not any(zygote._idle.values())

    started = []
    real = zygote.Zygote

    class EndsTheClassWhileStarting(real):
        def __init__(self, *a, **k):
            super().__init__(*a, **k)
            started.append(self)
            zygote.close_all()  # the class ends while this zygote starts

    monkeypatch.setattr(zygote, "Zygote", EndsTheClassWhileStarting)
    with zygote.in_class(zygote.class_epoch()), pytest.raises(zygote.ZygoteClosed):
        zygote.acquire((), env, extra_ro, limits)
    assert len(started) == 1 and not started[0].alive()
    assert not zygote._started and not any(zygote._idle.values())
    monkeypatch.setattr(zygote, "Zygote", real)

    z = zygote.acquire((), env, extra_ro, limits)  # no class run: the process's pool
    try:
        assert z.alive()
    finally:
        zygote.release(z)
        zygote.close_all()
