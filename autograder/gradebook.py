"""The one writer of the nbgrader gradebook (SQLite by default, any SQLAlchemy URL).

Only the grader process calls this, after comparing records itself; workers never touch the
database. Writes are upserts, so a resumed or repeated run leaves one submission per student.
"""

from __future__ import annotations

import os
import sys
import warnings
from datetime import UTC, datetime
from pathlib import Path

import nbgrader.api
from nbgrader.api import Gradebook

from autograder.notebook import SourceNotebook, is_solution, is_test, nbg, source_of


def _alembic_head() -> str:
    """nbgrader's migration head, read in-process (nbgrader itself starts an `alembic` process for it)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from nbgrader.dbutil import _temp_alembic_ini

    with _temp_alembic_ini("sqlite:////tmp/gradebook.db") as ini:
        return ScriptDirectory.from_config(Config(ini)).get_current_head()


nbgrader.api.get_alembic_version = _alembic_head


def default_url(out_dir: Path) -> str:
    return f"sqlite:///{(Path(out_dir) / 'gradebook.db').resolve()}"


class GradebookWriter:
    def __init__(
        self, url: str, assignment: str, sources: list[SourceNotebook], course_id: str = "deep-learning-twice"
    ):
        self.url = url
        self.assignment = assignment
        # nbgrader runs the `alembic` script of this environment: make sure it is on PATH.
        venv_bin = str(Path(sys.executable).parent)
        if venv_bin not in os.environ.get("PATH", "").split(os.pathsep):
            os.environ["PATH"] = venv_bin + os.pathsep + os.environ.get("PATH", "")
        self.gb = Gradebook(url, course_id=course_id)
        self._ensure_assignment(sources)

    def _ensure_assignment(self, sources: list[SourceNotebook]) -> None:
        gb = self.gb
        gb.update_or_create_assignment(self.assignment)
        for src in sources:
            gb.update_or_create_notebook(src.name, self.assignment)
            for c in src.cells:
                gid = nbg(c).get("grade_id")
                if not gid:
                    continue
                if is_test(c):
                    gb.update_or_create_grade_cell(
                        gid,
                        src.name,
                        self.assignment,
                        max_score=float(nbg(c).get("points", 0)),
                        cell_type="code",
                    )
                elif nbg(c).get("grade") and is_solution(c) and c.get("cell_type") == "markdown":
                    # an inline question: graded by hand in nbgrader's formgrader, never by us
                    gb.update_or_create_grade_cell(
                        gid,
                        src.name,
                        self.assignment,
                        max_score=float(nbg(c).get("points", 0)),
                        cell_type="markdown",
                    )
                if is_solution(c):
                    gb.update_or_create_solution_cell(gid, src.name, self.assignment)
                gb.update_or_create_source_cell(
                    gid,
                    src.name,
                    self.assignment,
                    cell_type=c.get("cell_type", "code"),
                    locked=bool(nbg(c).get("locked")),
                    source=source_of(c),
                    checksum=nbg(c).get("checksum"),
                )

    def write(
        self, student: str, results: list[dict], flagged: bool, submitted_at: float | None = None
    ) -> None:
        """Record one student's per-test points (``results``: dicts of compare.TestResult).

        ``submitted_at`` (a POSIX time, the submission's modification time) becomes nbgrader's
        submission timestamp, so that ``nbgrader export`` shows it.
        """
        gb = self.gb
        gb.update_or_create_student(student)
        extra = {}
        if submitted_at:
            extra["timestamp"] = datetime.fromtimestamp(submitted_at, tz=UTC).replace(tzinfo=None)
        with warnings.catch_warnings():
            # nbgrader's own upsert trips SQLAlchemy's autoflush warning; the rows are written.
            warnings.simplefilter("ignore")
            gb.update_or_create_submission(self.assignment, student, **extra)
        for r in results:
            try:
                grade = gb.find_grade(r["test_id"], r["notebook"], self.assignment, student)
            except Exception:  # noqa: BLE001 - a notebook the student lacks has no grade rows
                continue
            grade.auto_score = float(r["points"])
            grade.manual_score = None
        for nb_name in {r["notebook"] for r in results}:
            try:
                snb = gb.find_submission_notebook(nb_name, self.assignment, student)
                snb.flagged = bool(flagged)
            except Exception:  # noqa: BLE001
                pass
        gb.db.commit()

    def close(self) -> None:
        self.gb.close()
