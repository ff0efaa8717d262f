"""One adversarial submission per row of the threat model (docs/grading.md).

All attacks are graded in ONE class run together with honest submissions, so the test also
shows that the rest of the class is graded correctly next to them. Attacks are bounded (the
fork bomb and the memory bomb stay below what the machine holds) so that a failing defence
cannot harm the machine running the tests.
"""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import subprocess
import threading
from pathlib import Path

import pytest

from autograder.grade import GradeOptions, Grader
from tests.toycourse import ASSIGNMENT, load_release, make_toy_course, submission_from, with_answer

# One class run for the whole module: every test of it on one xdist worker, so the fixture runs once.
pytestmark = pytest.mark.xdist_group("attacks")

WRONG_SCALE = "def scale_rows(x, w):\n    return x * 2.0\n"
SOFTMAX_OK = "def row_softmax(z):\n    z = z - z.max(axis=1, keepdims=True)\n    e = np.exp(z)\n    return e / e.sum(axis=1, keepdims=True)\n"
SCALE_OK = "def scale_rows(x, w):\n    return x * w[:, None]\n"
FULL, SCALE_POINTS, SOFTMAX_POINTS, CLASSIFY_POINTS = 6.0, 2.0, 3.0, 1.0


def _answers(release: dict, scale: str = SCALE_OK, softmax: str = SOFTMAX_OK) -> dict:
    return with_answer(with_answer(release, "scale_rows", scale), "row_softmax", softmax)


def _set_cell(nb: dict, target: str, **changes) -> dict:
    nb = json.loads(json.dumps(nb))
    for c in nb["cells"]:
        if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == target:
            for k, v in changes.items():
                if k == "grade_id":
                    c["metadata"]["nbgrader"]["grade_id"] = v
                else:
                    c[k] = v
    return nb


def _insert_after(nb: dict, grade_id: str, source: str) -> dict:
    nb = json.loads(json.dumps(nb))
    for i, c in enumerate(nb["cells"]):
        if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            nb["cells"].insert(
                i + 1,
                {
                    "cell_type": "code",
                    "metadata": {},
                    "source": source,
                    "outputs": [],
                    "execution_count": None,
                },
            )
            return nb
    raise KeyError(grade_id)


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("attack-course")
    course = make_toy_course(root)
    release = load_release(course)
    subs = root / "submitted"
    secret = course.source_dir / ASSIGNMENT / "toy.ipynb"

    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    port = listener.getsockname()[1]
    connections = []

    def accept():
        listener.settimeout(0.5)
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
                connections.append(conn)
            except OSError:
                continue

    stop = threading.Event()
    t = threading.Thread(target=accept, daemon=True)
    t.start()

    gradebook = root / "out" / "gradebook.db"
    S = {}  # noqa: N806 - student id -> notebook
    S["honest"] = _answers(release)
    S["blank"] = release
    S["honest_stderr"] = _insert_after(
        _answers(release),
        "scale_rows",
        "import sys, warnings\nwarnings.warn('deprecated thing', DeprecationWarning)\nprint('noise', file=sys.stderr)\n",
    )
    S["honest_chdir"] = _answers(release, scale="import os\nos.chdir('/tmp')\n" + SCALE_OK)
    # runs forever: in an extra cell (interrupted at the cell limit) and in a function that ignores SIGINT
    S["loop_cell"] = _insert_after(_answers(release), "scale_rows", "while True:\n    pass\n")
    S["loop_ignore_sigint"] = _answers(
        release,
        softmax="import signal\nsignal.signal(signal.SIGINT, signal.SIG_IGN)\ndef row_softmax(z):\n    while True:\n        try:\n            pass\n        except KeyboardInterrupt:\n            pass\n",
    )
    # memory bomb, bounded at 6 GiB (the test's limit is 1 GiB)
    S["memory_bomb"] = _answers(
        release,
        softmax="blocks = []\nfor _ in range(24):\n    blocks.append(bytearray(256 * 1024**2))\n"
        + SOFTMAX_OK,
    )
    # bounded fork bomb whose children would outlive the run (daemons)
    S["fork_bomb"] = _insert_after(
        _answers(release),
        "scale_rows",
        "import os\nforked = 0\nfor _ in range(300):\n    try:\n        pid = os.fork()\n    except OSError:\n        break\n"
        "    if pid == 0:\n        os.setsid()\n        os.execvp('sleep', ['sleep', '4321.5'])\n    forked += 1\n",
    )
    S["os_exit"] = _answers(release, softmax="import os\nos._exit(3)\n" + SOFTMAX_OK)
    S["sys_exit"] = _answers(release, scale=SCALE_OK + "import sys\nsys.exit(0)\n")
    S["keyboard_interrupt"] = _answers(release, softmax="raise KeyboardInterrupt\n")
    S["segfault"] = _answers(release, softmax="import faulthandler\nfaulthandler._sigsegv()\n" + SOFTMAX_OK)
    S["patch_numpy"] = _answers(
        release,
        scale="import numpy as np\nnp.allclose = lambda *a, **k: True\nnp.testing.assert_allclose = lambda *a, **k: None\n"
        "np.array_equal = lambda *a, **k: True\n" + WRONG_SCALE,
    )
    S["patch_builtins"] = _answers(
        release,
        scale="import builtins\nbuiltins.abs = lambda x: 0\nbuiltins.max = lambda *a, **k: 0\n" + WRONG_SCALE,
    )
    S["patch_ipython"] = _answers(
        release,
        scale=WRONG_SCALE
        + "ip = get_ipython()\n_orig = ip.run_cell\nip.run_cell = lambda raw_cell, *a, **k: _orig('1', *a, **k) if 'check' in raw_cell else _orig(raw_cell, *a, **k)\n",
    )
    S["patch_course"] = _answers(
        release,
        scale="import course.checks as cc\ncc.check = lambda *a, **k: None\ncc.compare = lambda *a, **k: (True, 'ok')\n"
        "cc.verdict = lambda *a, **k: (True, 'ok')\ncc.Recorder.record = lambda self, *a, **k: None\n"
        + WRONG_SCALE,
    )
    S["patch_recorder"] = _answers(release, scale=WRONG_SCALE + "__ag_record__ = lambda *a, **k: None\n")
    S["fake_records"] = _answers(
        release,
        scale=WRONG_SCALE
        + "import json\nwith open('records.jsonl', 'a') as fh:\n    for n in ['scale_rows_small', 'scale_rows_hidden']:\n"
        "        fh.write(json.dumps({'cell': 'test_scale_rows', 'kind': 'check', 'name': n, 'value': {'t': 'array', 'dtype': 'float64', 'shape': [], 'b64': 'AAAAAAAA8D8='}}) + '\\n')\n",
    )
    S["edit_test"] = _set_cell(_answers(release, scale=WRONG_SCALE), "test_scale_rows", source="pass\n")
    deleted = _answers(release, scale=WRONG_SCALE)
    deleted["cells"] = [
        c
        for c in deleted["cells"]
        if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") != "test_scale_rows"
    ]
    S["delete_test"] = deleted
    dup = _answers(release, scale=WRONG_SCALE)
    tcell = next(
        c
        for c in dup["cells"]
        if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == "test_scale_rows"
    )
    dup["cells"].append(json.loads(json.dumps(tcell)))
    S["duplicate_test"] = dup
    S["regrade_id"] = _set_cell(
        _answers(release, scale=WRONG_SCALE), "test_scale_rows", grade_id="test_renamed", source="pass\n"
    )
    S["reorder_tests"] = _answers(release, scale=WRONG_SCALE)
    S["reorder_tests"]["cells"].reverse()
    # Both read with pathlib (which the static checks allow), so only the sandbox stands between
    # them and the files; each is CORRECT exactly when the file can be read, so the test fails
    # the moment the sandbox shows it.
    S["read_solutions"] = _answers(
        release,
        scale="from pathlib import Path\n"
        f"_visible = Path({str(secret)!r}).exists()\n"
        "def scale_rows(x, w):\n    return x * w[:, None] if _visible else x * 2.0\n",
    )
    ref_dir = course.reference_dir(ASSIGNMENT)
    S["read_reference"] = _answers(
        release,
        scale="from pathlib import Path\n"
        f"_visible = any(Path({str(ref_dir)!r}).glob('*.json'))\n"
        "def scale_rows(x, w):\n    return x * w[:, None] if _visible else x * 2.0\n",
    )
    S["network"] = _answers(
        release,
        scale=f"import socket\ns = socket.create_connection(('127.0.0.1', {port}), timeout=3)\n" + SCALE_OK,
    )
    S["write_gradebook"] = _answers(
        release,
        scale=f"import sqlite3\ncon = sqlite3.connect({str(gradebook)!r})\ncon.execute('update grade set auto_score = 100')\ncon.commit()\n"
        + SCALE_OK,
    )
    S["other_student"] = _answers(
        release,
        scale=f"open({str(subs / 'honest' / ASSIGNMENT / 'toy.ipynb')!r}, 'w').write('pwned')\n" + SCALE_OK,
    )
    S["forbidden_torch"] = _answers(
        release,
        softmax="import torch\ndef row_softmax(z):\n    return torch.softmax(torch.as_tensor(z), dim=1).numpy()\n",
    )
    S["dynamic_import"] = _answers(
        release,
        softmax="mod = __import__('sci' + 'py.special', fromlist=['softmax'])\ndef row_softmax(z):\n    return mod.softmax(z, axis=1)\n",
    )
    S["print_bomb"] = _insert_after(
        _answers(release), "scale_rows", "for _ in range(200000):\n    print('x' * 500)\n"
    )
    S["huge_file"] = _insert_after(
        _answers(release),
        "test_row_softmax",
        "with open('big.bin', 'wb') as fh:\n    fh.write(b'0' * (200 * 1024**2))\n",
    )
    # --- the grader's own code against hostile files, names and values (issue: a determined attacker)
    # Each of these answers is WRONG apart from its trick, so any credit would be undeserved.
    S["records_to_dev_zero"] = _answers(
        release,
        scale="import os\nif os.path.lexists('/sandbox/records.jsonl'):\n    os.remove('/sandbox/records.jsonl')\n"
        "os.symlink('/dev/zero', '/sandbox/records.jsonl')\n" + WRONG_SCALE,
    )
    S["records_to_reference"] = _answers(
        release,
        scale="import os\nif os.path.lexists('/sandbox/records.jsonl'):\n    os.remove('/sandbox/records.jsonl')\n"
        f"os.symlink({str(course.reference_dir(ASSIGNMENT) / 'toy.json')!r}, '/sandbox/records.jsonl')\n"
        + WRONG_SCALE,
    )
    S["progress_fifo"] = _answers(
        release,
        scale="import os\nif os.path.lexists('/sandbox/progress.jsonl'):\n    os.remove('/sandbox/progress.jsonl')\n"
        "os.mkfifo('/sandbox/progress.jsonl')\n" + WRONG_SCALE,
    )
    S["hostile_records"] = _answers(
        release,
        scale="from pathlib import Path\nwith Path('/sandbox/records.jsonl').open('a') as _fh:\n"
        "    _fh.write('[' * 200000 + ']' * 200000 + '\\n')\n"
        '    _fh.write(\'{"cell": "test_scale_rows", "kind": "check", "name": "scale_rows_tiny", '
        '"value": {"t": "array", "dtype": "float64", "shape": [100000000000000000000], "b64": ""}}\\n\')\n'
        '    _fh.write(\'{"cell": "test_scale_rows", "kind": "check", "name": "scale_rows_tiny", '
        '"value": {"t": "list", "items": [[[[[[[[[[[[]]]]]]]]]]]]}}\\n\')\n'
        '    _fh.write(\'{"cell": 7, "kind": "=cmd", "name": null, "value": 1e999}\\n\')\n' + WRONG_SCALE,
    )
    S["formula_exception"] = _answers(
        release,
        scale="class _E(Exception):\n    pass\n_E.__name__ = '=HYPERLINK(\"http://evil\")'\n"
        "def scale_rows(x, w):\n    raise _E('=1+1')\n",
    )
    S["leak_hidden_source"] = _answers(
        release,
        softmax="import json\nfrom pathlib import Path\n_src = Path('/sandbox/graded.ipynb').read_text()\n"
        "def row_softmax(z):\n    raise ValueError('LEAK ' + _src[_src.find('HIDDEN'):][:3000])\n",
    )
    S["magic_in_answer"] = _answers(release, scale="%time _t = 1\n" + SCALE_OK)
    S["nested_forbidden"] = _answers(
        release,
        softmax="import torch\nif True:\n    def row_softmax(z):\n        return torch.softmax(torch.as_tensor(z), dim=1).numpy()\n",
    )
    S["extra_cell_forbidden"] = _insert_after(
        _answers(release, softmax="def row_softmax(z):\n    raise NotImplementedError\n"),
        "row_softmax",
        "import torch\ndef row_softmax(z):\n    return torch.softmax(torch.as_tensor(z), dim=1).numpy()\n",
    )
    S["user_ns_lookup"] = _answers(
        release,
        softmax="def row_softmax(z):\n    sp = get_ipython().user_ns['np']\n    return sp.exp(z) / sp.exp(z).sum(axis=1, keepdims=True)\n",
    )
    S["fill_disk"] = _answers(
        release,
        scale="from pathlib import Path\nfor _i in range(40):\n    Path(f'/sandbox/fill{_i}.bin').write_bytes(b'0' * (60 * 1024**2))\n"
        + SCALE_OK,
    )
    for sid, nb in S.items():
        submission_from(nb, subs / sid)
    # the submission tree itself: links and odd names
    (subs / "link_to_honest").symlink_to(subs / "honest", target_is_directory=True)
    (subs / "assignment_link").mkdir()
    (subs / "assignment_link" / ASSIGNMENT).symlink_to(
        course.source_dir / ASSIGNMENT, target_is_directory=True
    )
    (subs / "hardlinked" / ASSIGNMENT).mkdir(parents=True)  # a link to a file outside the class
    os.link(course.source_dir / ASSIGNMENT / "toy.ipynb", subs / "hardlinked" / ASSIGNMENT / "toy.ipynb")
    submission_from(_answers(release), subs / "twin_a")  # one file handed in by two students
    (subs / "twin_b" / ASSIGNMENT).mkdir(parents=True)
    os.link(subs / "twin_a" / ASSIGNMENT / "toy.ipynb", subs / "twin_b" / ASSIGNMENT / "toy.ipynb")
    (subs / "nb_symlink" / ASSIGNMENT).mkdir(parents=True)
    (subs / "nb_symlink" / ASSIGNMENT / "toy.ipynb").symlink_to(course.source_dir / ASSIGNMENT / "toy.ipynb")
    (subs / "nb_fifo" / ASSIGNMENT).mkdir(parents=True)
    os.mkfifo(subs / "nb_fifo" / ASSIGNMENT / "toy.ipynb")
    for odd in (b"=cmd|' /C calc'!A0", b"\xff\xfebad", b"new\nline", b"-minus", b"@at"):
        d = os.path.join(os.fsencode(subs), odd)
        os.makedirs(os.path.join(d, os.fsencode(ASSIGNMENT)))
        with open(os.path.join(d, os.fsencode(ASSIGNMENT), b"toy.ipynb"), "wb") as fh:
            fh.write(json.dumps(_answers(release)).encode())
    # malformed submissions, written as raw bytes
    for sid, raw in {
        "not_json": b"{this is not json",
        "non_utf8": b"\xff\xfe\x00garbage",
        "wrong_nbformat": json.dumps({"nbformat": 3, "worksheets": []}).encode(),
        "not_a_notebook": json.dumps([1, 2, 3]).encode(),
    }.items():
        d = subs / sid / ASSIGNMENT
        d.mkdir(parents=True)
        (d / "toy.ipynb").write_bytes(raw)
    (subs / "missing_notebook" / ASSIGNMENT).mkdir(parents=True)
    (subs / "missing_notebook" / ASSIGNMENT / "notes.txt").write_text("forgot the notebook")
    extra = subs / "extra_files" / ASSIGNMENT
    submission_from(_answers(release), subs / "extra_files")
    (extra / "data.bin").write_bytes(os.urandom(1024))

    opts = GradeOptions(
        assignment=ASSIGNMENT,
        submissions=subs,
        out=root / "out",
        workers=2,
        cell_timeout=10,
        submission_timeout=45,
        memory_bytes=1024**3,
        progress_bar=False,
    )
    res = Grader(course, opts).run()
    stop.set()
    t.join()
    listener.close()
    by_student = {}
    for r in res.rows:
        by_student.setdefault(r["student_id"], {})[r["test_id"]] = {**r, "points": float(r["points"])}
    summary = {r["student_id"]: r for r in res.summary}
    yield {
        "res": res,
        "rows": by_student,
        "summary": summary,
        "course": course,
        "subs": subs,
        "connections": connections,
        "gradebook": gradebook,
        "out": root / "out",
    }


def score(graded, sid) -> float:
    return float(graded["summary"][sid]["score"])


def test_honest_submissions_get_full_marks(graded):
    assert score(graded, "honest") == FULL
    assert score(graded, "honest_stderr") == FULL, "warnings on stderr must not cost points"
    assert score(graded, "extra_files") == FULL
    assert score(graded, "honest_chdir") == FULL, "changing the working folder must not lose the records"
    assert score(graded, "blank") == 0


def test_infinite_loops_are_stopped_and_finished_tests_kept(graded):
    # the looping extra cell is interrupted at the cell limit; every test still runs
    assert score(graded, "loop_cell") == FULL
    rows = graded["rows"]["loop_ignore_sigint"]
    assert rows["test_scale_rows"]["status"] == "passed"
    assert rows["test_row_softmax"]["points"] == 0
    assert rows["test_row_softmax"]["status"] in ("timeout", "error")


def test_memory_bomb_is_contained(graded):
    rows = graded["rows"]["memory_bomb"]
    assert rows["test_scale_rows"]["status"] == "passed", "a test recorded before the bomb keeps its credit"
    assert score(graded, "memory_bomb") < FULL
    later = [rows[t]["status"] for t in ("test_row_softmax", "test_classify")]
    assert all(s in ("memory", "crash", "passed") for s in later), later


def test_fork_bomb_is_bounded_and_leaves_no_daemon(graded):
    assert "fork_bomb" in graded["summary"]
    leftover = subprocess.run(["pgrep", "-f", "sleep 4321.5"], capture_output=True, text=True).stdout.split()
    assert leftover == [], f"daemon processes survived the run: {leftover}"


def test_exits_and_crashes_keep_earlier_credit(graded):
    for sid in ("os_exit", "segfault"):
        rows = graded["rows"][sid]
        assert rows["test_scale_rows"]["status"] == "passed", sid
        assert rows["test_row_softmax"]["points"] == 0, sid
        assert rows["test_row_softmax"]["status"] == "crash", (sid, rows["test_row_softmax"])
    assert graded["rows"]["keyboard_interrupt"]["test_row_softmax"]["points"] == 0
    assert graded["rows"]["keyboard_interrupt"]["test_scale_rows"]["status"] == "passed"
    assert score(graded, "sys_exit") >= SCALE_POINTS


@pytest.mark.parametrize(
    "sid",
    ["patch_numpy", "patch_builtins", "patch_ipython", "patch_course", "patch_recorder", "fake_records"],
)
def test_monkeypatching_gains_nothing(graded, sid):
    assert graded["rows"][sid]["test_scale_rows"]["points"] == 0, graded["rows"][sid]["test_scale_rows"]


@pytest.mark.parametrize("sid", ["edit_test", "delete_test", "duplicate_test", "regrade_id", "reorder_tests"])
def test_changed_test_cells_run_the_original(graded, sid):
    row = graded["rows"][sid]["test_scale_rows"]
    assert row["points"] == 0 and row["status"] == "failed", row
    if sid != "reorder_tests":
        assert graded["summary"][sid]["flags"], "a changed test cell must be reported"


def test_solutions_and_reference_are_invisible(graded):
    rows = graded["rows"]["read_solutions"]
    assert rows["test_scale_rows"]["points"] == 0
    assert graded["rows"]["read_reference"]["test_scale_rows"]["points"] == 0


def test_network_is_unreachable(graded):
    assert graded["rows"]["network"]["test_scale_rows"]["points"] == 0
    assert graded["connections"] == [], "a submission reached the host's listener"


def test_gradebook_and_other_students_untouchable(graded):
    con = sqlite3.connect(graded["gradebook"])
    top = con.execute("select max(auto_score) from grade").fetchone()[0]
    con.close()
    assert top <= 3.0, "a submission changed the gradebook"
    honest = graded["subs"] / "honest" / ASSIGNMENT / "toy.ipynb"
    assert honest.read_text().startswith("{"), "a submission overwrote another student's work"
    assert graded["rows"]["write_gradebook"]["test_scale_rows"]["points"] == 0


def test_malformed_submissions_get_a_clear_message(graded):
    for sid, word in [
        ("not_json", "JSON"),
        ("non_utf8", "UTF-8"),
        ("wrong_nbformat", "format"),
        ("not_a_notebook", "notebook"),
        ("missing_notebook", "not submitted"),
    ]:
        assert score(graded, sid) == 0, sid
        msgs = {r["message"] for r in graded["rows"][sid].values()}
        assert any(word in m for m in msgs), (sid, msgs)
        assert {r["status"] for r in graded["rows"][sid].values()} == {"invalid"}


def test_forbidden_library_call_is_flagged_and_fails(graded):
    rows = graded["rows"]["forbidden_torch"]
    assert rows["test_row_softmax"]["status"] == "forbidden"
    assert "torch" in rows["test_row_softmax"]["message"]
    assert rows["test_scale_rows"]["status"] == "passed"
    assert "torch" in graded["summary"]["forbidden_torch"]["flags"]
    assert "review" in graded["summary"]["dynamic_import"]["flags"]


def test_output_and_file_limits(graded):
    assert score(graded, "print_bomb") == FULL, "capped output must not cost an honest answer its points"
    rows = graded["rows"]["huge_file"]
    assert rows["test_scale_rows"]["status"] == "passed" and rows["test_row_softmax"]["status"] == "passed"


def test_feedback_never_shows_hidden_test_source(graded):
    for fb in (graded["out"] / "feedback").rglob("feedback.html"):
        text = fb.read_text()
        assert "BEGIN HIDDEN TESTS" not in text and 'scale_rows_hidden", scale_rows' not in text
        assert "default_rng(2)" not in text


def test_resume_grades_nothing_twice(graded):
    opts = GradeOptions(
        assignment=ASSIGNMENT, submissions=graded["subs"], out=graded["out"], workers=2, progress_bar=False
    )
    res = Grader(graded["course"], opts).run()
    assert res.graded == []
    assert len(res.skipped) == len(graded["summary"]) - len(graded["res"].errors)


def test_report_written(graded):
    out = Path(graded["out"])
    html = (out / "report.html").read_text()
    assert "Score distribution" in html or "score histogram" in html
    header = (out / "grades.csv").read_text().splitlines()[0]
    assert header == "student_id,assignment,notebook,test_id,points,max_points,status,message"
    assert (out / "summary.csv").read_text().splitlines()[0] == "student_id,assignment,score,max_score,flags"


# ------------------------------------------------------------------------ hostile files, names, values


@pytest.mark.parametrize(
    "sid",
    [
        "records_to_dev_zero",
        "records_to_reference",
        "progress_fifo",
        "hostile_records",
        "formula_exception",
        "leak_hidden_source",
        "magic_in_answer",
        "nested_forbidden",
        "extra_cell_forbidden",
        "user_ns_lookup",
    ],
)
def test_hostile_submission_gains_nothing_and_the_class_is_graded(graded, sid):
    rows = graded["rows"][sid]
    wrong = (
        {"test_scale_rows"}
        if sid not in ("leak_hidden_source", "nested_forbidden", "extra_cell_forbidden", "user_ns_lookup")
        else {"test_row_softmax", "test_classify"}
    )
    for tid in wrong:
        assert rows[tid]["points"] == 0, (sid, rows[tid])
    assert score(graded, "honest") == FULL


def test_static_checks_fail_closed(graded):
    for sid in ("magic_in_answer", "nested_forbidden", "extra_cell_forbidden", "user_ns_lookup"):
        statuses = {r["status"] for r in graded["rows"][sid].values() if r["points"] == 0}
        assert "forbidden" in statuses, (sid, graded["rows"][sid])


def test_links_and_special_files_in_the_tree_are_refused(graded):
    summary = graded["summary"]
    for sid in ("link_to_honest", "assignment_link"):
        assert sid in summary and "not graded" in summary[sid]["flags"], summary.get(sid)
        assert float(summary[sid]["score"]) == 0
    for sid in ("hardlinked", "nb_symlink", "nb_fifo"):
        assert float(summary[sid]["score"]) == 0, summary[sid]
        assert "refused" in summary[sid]["flags"] or "link" in summary[sid]["flags"], summary[sid]


def test_one_file_handed_in_by_two_students_is_graded_and_flagged(graded):
    for sid, other in (("twin_a", "twin_b"), ("twin_b", "twin_a")):
        assert score(graded, sid) == FULL
        assert other in graded["summary"][sid]["flags"] and "hard link" in graded["summary"][sid]["flags"]


def test_outputs_are_escaped_and_never_start_a_formula(graded):
    import csv

    out = graded["out"]
    for name in ("grades.csv", "summary.csv"):
        with open(out / name, encoding="utf-8") as fh:
            for row in csv.reader(fh):
                for cell in row:
                    assert not cell.startswith(("=", "+", "-", "@")), (name, cell)
    text = (out / "summary.csv").read_text(encoding="utf-8")
    assert "HYPERLINK" not in text
    assert (out / "report.html").exists()
    ids = set(graded["summary"])
    assert not any("\n" in i for i in ids)


def test_hidden_test_source_never_reaches_any_output(graded):
    out = graded["out"]
    # (the student's own answer, shown back to them, may say anything: only hidden source and inputs count)
    hidden_bits = ("scale_rows_hidden", "softmax_large_logits", "default_rng(2)", "1000.0, 1000.0")
    for path in [
        out / "grades.csv",
        out / "summary.csv",
        out / "report.html",
        *out.glob("feedback/**/*.html"),
    ]:
        text = path.read_text(encoding="utf-8", errors="replace")
        for bit in hidden_bits:
            if bit == "scale_rows_hidden" or bit == "softmax_large_logits":
                continue  # hidden check names may be listed (results only); their inputs and source never
            assert bit not in text, (path, bit)


def test_disk_quota_stops_a_filling_submission(graded):
    rows = graded["rows"]["fill_disk"]
    assert any(r["status"] in ("limit", "error") for r in rows.values()), rows
    assert score(graded, "honest") == FULL
    import tempfile

    leftovers = [p for p in Path(tempfile.gettempdir()).glob(f"ag-run-{os.getpid()}-*")]
    assert leftovers == [], "scratch folders must be removed after every run"
