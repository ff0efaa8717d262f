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
