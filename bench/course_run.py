"""The wall time to execute every notebook of the course with the CI parameters.

Runs ``python -m autograder reference`` first (the solution notebooks' hidden checks need the
reference records), then ``python -m autograder.papermill_all --out TMP`` (every lecture and
solution notebook; only the lectures with ``--quick``), streams its per-notebook lines as
progress, and turns them into rows. There is nothing to compare against: ``theirs`` and the
ratio stay empty.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.common import Row, log, now

LINE = re.compile(r"^(ok  |FAIL)\s+([0-9.]+) s\s+(\S.*)$")


def _env(root: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{Path(sys.executable).parent}:{env.get('PATH', '/usr/bin:/bin')}"
    env["PYTHONPATH"] = str(root) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    env.setdefault("COURSE_PLAIN_PROGRESS", "1")
    env.setdefault("MPLBACKEND", "Agg")
    return env


def run_notebooks(ctx, keep: bool = False) -> list[Row]:
    root = ctx.root
    env = _env(root)
    base = dict(group="notebooks", threads=ctx.threads, machine=ctx.machine, unit="s")
    rows: list[Row] = []
    if ctx.quick:
        paths = [str(p.relative_to(root)) for p in sorted((root / "lectures").glob("*.ipynb"))]
        scope = "every lecture (--quick)"
    else:
        paths = []
        scope = "every lecture and solution notebook"
        log("notebooks: python -m autograder reference (records for the hidden checks) ...")
        t0 = time.perf_counter()
        proc = subprocess.run(
            [sys.executable, "-m", "autograder", "reference"],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
        )
        secs = time.perf_counter() - t0
        status = (
            "ok" if proc.returncode == 0 else f"error: exit {proc.returncode}: {proc.stderr.strip()[-200:]}"
        )
        rows.append(
            Row(
                what="reference records of every assignment (python -m autograder reference)",
                size="cached when current",
                ours=f"{secs:.1f} s",
                ours_value=secs,
                date=now(),
                status=status,
                notes="set-up for the solution notebooks; a cached run only checks the keys",
                **base,
            )
        )
        log(f"notebooks: reference records in {secs:.1f} s")
    out = Path(tempfile.mkdtemp(prefix="bench-notebooks-"))
    cmd = [sys.executable, "-m", "autograder.papermill_all", "--out", str(out), *paths]
    if ctx.device == "cuda" and ctx.cuda:
        cmd += ["--device", "cuda"]
    log(f"notebooks: {' '.join(cmd[1:])}")
    t0 = time.perf_counter()
    per_nb: list[tuple[str, float, bool]] = []
    try:
        proc = subprocess.Popen(
            cmd, cwd=root, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
        )
        assert proc.stdout is not None
        for line in proc.stdout:
            line = line.rstrip()
            m = LINE.match(line)
            if m:
                per_nb.append((m.group(3), float(m.group(2)), m.group(1) == "ok  "))
                log(f"notebooks: {line}")
            elif line.startswith(("executed ", "     ")):
                log(f"notebooks: {line.strip()[:300]}")
        rc = proc.wait()
    finally:
        if keep:
            log(f"notebooks: kept {out}")
        else:
            shutil.rmtree(out, ignore_errors=True)
    total = time.perf_counter() - t0
    device = "cuda" if ctx.device == "cuda" and ctx.cuda else "cpu"
    for name, secs, ok in per_nb:
        rows.append(
            Row(
                what=f"execute {name} (papermill, CI parameters)",
                size=f"device {device}",
                ours=f"{secs:.1f} s",
                ours_value=secs,
                date=now(),
                status="ok" if ok else "error: the notebook failed",
                **base,
            )
        )
    rows.append(
        Row(
            what=f"execute {scope} (python -m autograder.papermill_all)",
            size=f"{len(per_nb)} notebook(s), device {device}",
            ours=f"{total:.1f} s",
            ours_value=total,
            date=now(),
            status="ok"
            if rc == 0
            else f"error: {sum(not ok for *_, ok in per_nb)} notebook(s) failed (exit {rc})",
            notes="whole command, kernel starts included",
            **base,
        )
    )
    return rows
