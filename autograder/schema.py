"""The data passed between grading steps, typed in one place. JSON only at the boundaries.

    grade.Grader.payload()  --Payload-->  worker.run_submission()  --Evidence-->  grade.Grader.judge()
                                                                                     |
                                       compare.judge_notebook() --TestResult--> StudentResult
                                                                                     |
                                                                  results/<student>.json, CSV, gradebook

``Payload`` and ``Evidence`` cross the worker boundary (a thread, a process or a Dask worker) as
JSON-safe dicts: never pickled objects, and nothing in them is trusted more than its source.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TypedDict


class CellStatus(StrEnum):
    """How the executor saw one code cell end (``autograder.execute`` writes these)."""

    OK = "ok"
    ERROR = "error"
    TIMEOUT = "timeout"
    CRASH = "crash"
    NOT_RUN = "not run"  # the kernel had died before the cell
    STARTED = "started"  # began and never ended (the whole run was killed)
    NOT_REACHED = "not reached"  # no event at all


class TestStatus(StrEnum):
    """A test's verdict in grades.csv, feedback and the gradebook."""

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    TIMEOUT = "timeout"
    MEMORY = "memory"
    CRASH = "crash"
    LIMIT = "limit"
    NOT_RUN = "not run"
    INVALID = "invalid"  # the submission could not be graded at all
    FORBIDDEN = "forbidden"  # an answer broke a rule of the static checks


class Limits(TypedDict, total=False):
    wall_seconds: float
    cpu_seconds: int
    memory_bytes: int


class NotebookPayload(TypedDict):
    name: str  # file stem
    source: str  # JSON text of the trusted source notebook
    release: str  # JSON text of the release notebook
    submitted: str | None  # base64 of the submitted file, None when missing or refused
    error: str | None  # why the file was refused


class Payload(TypedDict):
    student: str
    assignment: str
    notebooks: list[NotebookPayload]
    limits: Limits
    cell_timeout: int
    isolate: bool


class CellInfo(TypedDict, total=False):
    status: str  # a CellStatus
    error: dict | None  # {"ename": a known exception name}: never the kernel's message
    truncated: bool
    hidden: bool  # from the trusted source


class RunInfo(TypedDict, total=False):
    returncode: int | None
    timed_out: bool
    memory_killed: bool
    disk_full: bool
    seconds: float
    isolation: str  # bwrap | rlimits | trusted
    scratch: str  # tmpfs | watchdog
    notes: list[str]


class StaticReport(TypedDict):
    violations: list[str]
    dynamic: list[str]
    defines: list[str]
    syntax_error: str | None


class NotebookEvidence(TypedDict, total=False):
    name: str
    error: str | None
    flags: list[str]
    records: list[dict]  # validated by worker.read_records; values decoded only when judged
    cells: dict[str, CellInfo]  # test grade id -> what happened
    static: dict[str, StaticReport]
    run: RunInfo
    answer_errors: dict[str, str]


class Evidence(TypedDict):
    student: str
    assignment: str
    notebooks: list[NotebookEvidence]
    seconds: float


class TestRow(TypedDict):
    notebook: str
    test_id: str
    points: float
    max_points: float
    status: str  # a TestStatus
    message: str
    hidden: bool


class StudentResult(TypedDict, total=False):
    student: str
    assignment: str
    digest: str
    submitted_at: float | None
    reference_key: str
    score: float
    max_score: float
    flags: list[str]
    review: list[str]
    tests: list[TestRow]
    answer_errors: dict[str, dict[str, str]]
    manual: list[dict]  # inline questions for the instructor (never scored here)
    run: dict[str, RunInfo]
    seconds: float
    graded_at: str
