"""`python -m bench --quick` runs end to end and writes a well-formed table and JSON file.

Only the shape of the output is checked, never a timing: benchmarks measure, tests do not.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
REQUIRED = {"what", "size", "ours", "theirs", "ratio", "threads", "machine", "date", "status"}


@pytest.mark.xdist_group("bench")
def test_bench_quick_writes_table_and_json(tmp_path):
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    proc = subprocess.run(
        [sys.executable, "-m", "bench", "--quick", "--out", str(tmp_path)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1200,
    )
    tail = (proc.stdout + proc.stderr)[-4000:]
    assert proc.returncode == 0, tail
    assert "[bench" in proc.stdout, "no progress lines"

    md = (tmp_path / "bench.md").read_text(encoding="utf-8")
    lines = md.splitlines()
    header = next(
        (i for i, line in enumerate(lines) if line.startswith("| what | size | ours | theirs | ratio |")),
        None,
    )
    assert header is not None, md
    assert lines[header + 1].startswith("| ---"), md
    columns = [c.strip() for c in lines[header].strip("|").split("|")]
    ratio_col = columns.index("ratio")
    numeric = []
    for line in lines[header + 2 :]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip("|").split(" | ")]
        try:
            numeric.append(float(cells[ratio_col]))
        except ValueError:
            pass
    assert numeric, f"no row with a numeric ratio:\n{md}"

    data = json.loads((tmp_path / "bench.json").read_text(encoding="utf-8"))
    assert data["rows"], data
    for row in data["rows"]:
        assert REQUIRED <= set(row), sorted(REQUIRED - set(row))
    groups = {r["group"] for r in data["rows"]}
    assert {"layers", "grading", "notebooks"} <= groups, groups
    assert any(isinstance(r["ratio"], float) for r in data["rows"] if r["group"] == "grading")


def test_stderr_only_points_counts_passing_test_cells_that_wrote_to_stderr(tmp_path):
    """The bench explains a score difference by nbgrader's stderr rule only for grade cells that
    ran without an error and wrote to stderr; errors, stdout and answer cells do not count."""
    from bench.grading import stderr_only_points

    def cell(points, outputs, solution=False, grade=True):
        meta = {"grade": grade, "solution": solution, "points": points, "grade_id": f"c{len(cells)}"}
        return {"cell_type": "code", "metadata": {"nbgrader": meta}, "outputs": outputs, "source": ""}

    warn = {"output_type": "stream", "name": "stderr", "text": "RuntimeWarning: overflow\n"}
    err = {"output_type": "error", "ename": "AssertionError", "evalue": "", "traceback": []}
    out = {"output_type": "stream", "name": "stdout", "text": "ok\n"}
    cells: list = []
    for c in (
        cell(2, [warn]),  # counted
        cell(3, [warn, err]),  # an error: nbgrader and ours both fail it
        cell(1, [out]),  # no stderr
        cell(5, [warn], solution=True, grade=False),  # an answer cell
        cell(4, [out, warn]),  # counted
    ):
        cells.append(c)
    nb_dir = tmp_path / ".course-data" / "autograded" / "s1" / "01_x"
    nb_dir.mkdir(parents=True)
    (nb_dir / "a.ipynb").write_text(json.dumps({"cells": cells}), encoding="utf-8")
    clean = tmp_path / ".course-data" / "autograded" / "s2" / "01_x"
    clean.mkdir(parents=True)
    (clean / "a.ipynb").write_text(json.dumps({"cells": [cells[2]]}), encoding="utf-8")
    assert stderr_only_points(tmp_path, "01_x") == {"s1": 6.0}
