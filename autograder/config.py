"""Where things are: the course folders, runtime data, and the grading limits."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent
DEFAULT_ROOT = PACKAGE_DIR.parent


@dataclass(frozen=True)
class Course:
    """The course folder: ``solutions/`` (nbgrader source), ``assignments/`` (release), ``.course-data/``."""

    root: Path

    @classmethod
    def default(cls) -> Course:
        return cls(Path(os.environ.get("COURSE_ROOT", DEFAULT_ROOT)).resolve())

    @property
    def source_dir(self) -> Path:
        return self.root / "solutions"

    @property
    def release_dir(self) -> Path:
        return self.root / "assignments"

    @property
    def data_dir(self) -> Path:
        return self.root / ".course-data"

    def reference_dir(self, assignment: str) -> Path:
        return self.data_dir / "reference" / assignment

    # nbgrader's course layout (autograder/nbgrader_config.py says the same to nbgrader): where
    # `nbgrader collect` puts submissions, where `generate_feedback` reads autograded notebooks,
    # and the gradebook the formgrader opens.
    @property
    def nbgrader_submitted(self) -> Path:
        return self.data_dir / "submitted"

    @property
    def nbgrader_autograded(self) -> Path:
        return self.data_dir / "autograded"

    @property
    def nbgrader_db_url(self) -> str:
        return f"sqlite:///{self.data_dir / 'gradebook.db'}"

    def assignments(self) -> list[str]:
        return sorted(p.name for p in self.source_dir.iterdir() if p.is_dir() and list(p.glob("*.ipynb")))

    def source_notebooks(self, assignment: str) -> list[Path]:
        d = self.source_dir / assignment
        if not d.is_dir():
            known = ", ".join(self.assignments()) or "none"
            raise SystemExit(f"error: no assignment {assignment!r} in {self.source_dir} (known: {known})")
        return sorted(p for p in d.glob("*.ipynb"))

    def release_notebook(self, assignment: str, name: str) -> Path:
        return self.release_dir / assignment / f"{name}.ipynb"


# ---------------------------------------------------------------------------------------------
# Every grading limit, in one place: the CLI, the executor, the sandbox, the reference run and
# nbgrader's configuration (autograder/nbgrader_config.py) read them from here.
#
# The per-cell limit is set explicitly (nbgrader's own default is 30 s); the test cells are sized
# to finish far inside it on 2 cores. nbgrader's ExecutePreprocessor gets the same value, so
# Validate and the grader agree.
CELL_TIMEOUT_S = 120
SUBMISSION_TIMEOUT_S = 900  # the trusted reference run's own limit
MEMORY_BYTES = 4 * 1024**3  # one submission (kernel and executor together)
REFERENCE_MEMORY_BYTES = 8 * 1024**3
MAX_PROCESSES = 128
FILE_BYTES = 64 * 1024**2  # one file written by a submission
OPEN_FILES = 1024
SCRATCH_BYTES = 512 * 1024**2  # the whole scratch folder of one submission
CPU_PER_WALL = 2  # CPU seconds allowed per second of wall budget
# A submission's wall budget: BUDGET_FACTOR x the reference run's time + BUDGET_MARGIN_S, at
# most BUDGET_CAP_S (``grade --timeout`` sets it outright).
BUDGET_FACTOR = 5.0
BUDGET_MARGIN_S = 90.0
BUDGET_CAP_S = 900.0
# A submission whose grading raised (the grader's or the machine's failure, never the student's)
# is graded this many times in all before it is reported as not graded.
GRADING_ATTEMPTS = 2
