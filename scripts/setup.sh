#!/usr/bin/env bash
# One-command set-up (pip route): .venv with every dependency, the Jupyter kernel, nbgrader's
# JupyterLab extensions, and bubblewrap for the grader's sandbox where the platform allows it.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))'; then
  echo "Python 3.11 is required (found $("$PYTHON" --version 2>&1)); set PYTHON=/path/to/python3.11" >&2
  exit 1
fi
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
# torch==2.13.0 is pinned in pyproject.toml: on the course machines this is the CPU wheel on disk.
# The extras: grader (Dask, PostgreSQL driver) and dev (pytest, ruff, ...), which make test needs.
.venv/bin/python -m pip install --quiet -e ".[grader,dev]"
.venv/bin/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (ipykernel)" >/dev/null
.venv/bin/jupyter labextension enable --level=sys_prefix @jupyter/nbgrader >/dev/null 2>&1 || true
# Students see the assignment tools; the course-list and formgrader extensions are for instructors
# and stay enabled too (they need the course folder, which this repository is).
mkdir -p .course-data
if ! command -v bwrap >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing bubblewrap (the grader's sandbox) ..."
    (apt-get update -qq && apt-get install -y -qq bubblewrap) >/dev/null 2>&1 || echo "WARNING: could not install bubblewrap" >&2
  else
    echo "WARNING: bubblewrap (bwrap) is missing; install it (e.g. apt-get install bubblewrap) so the grader can isolate submissions." >&2
  fi
fi
# PostgreSQL server for the gradebook test (skipped with a reason when it cannot be had).
if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  (apt-get update -qq && apt-get install -y -qq postgresql) >/dev/null 2>&1 || echo "note: PostgreSQL not installed; its test will be skipped" >&2
fi
# Optional: Debian's chromium for the browser test (tests/test_browser.py; skipped without it).
# Playwright drives this browser; `playwright install` is never run.
if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  (apt-get update -qq && timeout 600 apt-get install -y -qq chromium) >/dev/null 2>&1 || echo "note: chromium not installed; the browser test will be skipped" >&2
fi
.venv/bin/jupyter labextension list 2>&1 | grep -E "nbgrader|widgets" || true
echo "set-up done: .venv ready. Next: make all (main job), make test (test suite), make lab (JupyterLab)."
