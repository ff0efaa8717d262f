"""Grading on a Dask cluster gives the serial results; the gradebook works on PostgreSQL too."""

from __future__ import annotations

import csv
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from autograder.grade import GradeOptions, Grader
from tests.test_attacks import WRONG_SCALE, _answers
from tests.toycourse import ASSIGNMENT, load_release, make_toy_course, submission_from

pytestmark = pytest.mark.xdist_group("distributed")


@pytest.fixture(scope="module")
def toy_class(tmp_path_factory):
    root = tmp_path_factory.mktemp("dist-course")
    course = make_toy_course(root)
    release = load_release(course)
    subs = root / "submitted"
    for i in range(3):
        submission_from(_answers(release), subs / f"good{i}")
        submission_from(_answers(release, scale=WRONG_SCALE), subs / f"wrong{i}")
    submission_from(release, subs / "blank")
    return course, subs


def _rows(out: Path) -> list[tuple]:
    return sorted(tuple(r.values()) for r in csv.DictReader(open(out / "grades.csv")))


def test_dask_cluster_matches_serial(toy_class, tmp_path):
    distributed = pytest.importorskip("distributed")
    course, subs = toy_class
    serial = tmp_path / "serial"
    Grader(
        course,
        GradeOptions(assignment=ASSIGNMENT, submissions=subs, out=serial, workers=1, progress_bar=False),
    ).run()
    with distributed.LocalCluster(
        n_workers=3, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
    ) as cluster:
        dask_out = tmp_path / "dask"
        res = Grader(
            course,
            GradeOptions(
                assignment=ASSIGNMENT,
                submissions=subs,
                out=dask_out,
                scheduler=cluster.scheduler_address,
                progress_bar=False,
            ),
        ).run()
    assert len(res.graded) == 7
    assert _rows(serial) == _rows(dask_out)
    scores = {r["student_id"]: float(r["score"]) for r in csv.DictReader(open(dask_out / "summary.csv"))}
    assert scores["good0"] == 6 and scores["wrong0"] == 4 and scores["blank"] == 0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_bin(name: str) -> str | None:
    for d in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (d / name).exists():
            return str(d / name)
    return shutil.which(name)


@pytest.fixture
def postgres(tmp_path):
    initdb, pg_ctl = _pg_bin("initdb"), _pg_bin("pg_ctl")
    if not initdb or not pg_ctl:
        pytest.skip(
            "PostgreSQL server binaries (initdb, pg_ctl) are not installed; `make setup` installs them as root"
        )
    pytest.importorskip("psycopg2")
    # pytest's tmp folders are private to root; the server runs as the unprivileged postgres user
    data = Path(tempfile.mkdtemp(prefix="ag-pg-"))
    as_user: list[str] = []
    if os.geteuid() == 0:
        if shutil.which("runuser") is None:
            pytest.skip("running as root without runuser: cannot start PostgreSQL as an unprivileged user")
        shutil.chown(data, "postgres")
        as_user = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    init = subprocess.run(
        [*as_user, initdb, "-D", str(data), "-A", "trust", "-U", "postgres"], capture_output=True, text=True
    )
    if init.returncode != 0:
        pytest.skip(f"initdb failed: {init.stderr[-500:]}")
    start = subprocess.run(
        [
            *as_user,
            pg_ctl,
            "-D",
            str(data),
            "-l",
            str(data / "log"),
            "-w",
            "-o",
            f"-h 127.0.0.1 -p {port} -k {data}",
            "start",
        ],
        capture_output=True,
        text=True,
    )
    if start.returncode != 0:
        pytest.skip(f"PostgreSQL did not start: {start.stderr[-500:]}")
    try:
        import psycopg2

        for _ in range(50):
            try:
                con = psycopg2.connect(host="127.0.0.1", port=port, user="postgres", dbname="postgres")
                break
            except psycopg2.OperationalError:
                time.sleep(0.2)
        con.autocommit = True
        con.cursor().execute("create database gradebook")
        con.close()
        yield f"postgresql+psycopg2://postgres@127.0.0.1:{port}/gradebook"
    finally:
        subprocess.run([*as_user, pg_ctl, "-D", str(data), "-m", "immediate", "stop"], capture_output=True)
        shutil.rmtree(data, ignore_errors=True)


def test_postgresql_gradebook_with_parallel_workers(toy_class, postgres, tmp_path):
    from nbgrader.api import Gradebook

    course, subs = toy_class
    out = tmp_path / "pg"
    Grader(
        course,
        GradeOptions(
            assignment=ASSIGNMENT, submissions=subs, out=out, workers=2, db_url=postgres, progress_bar=False
        ),
    ).run()
    with Gradebook(postgres) as gb:
        assert gb.find_submission(ASSIGNMENT, "good1").score == 6
        assert gb.find_submission(ASSIGNMENT, "good1").timestamp is not None
        assert gb.find_submission(ASSIGNMENT, "wrong2").score == 4
        assert gb.find_submission(ASSIGNMENT, "blank").score == 0
        assert len(gb.assignment_submissions(ASSIGNMENT)) == 7
