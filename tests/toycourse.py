"""A tiny course (one assignment, NumPy only) for fast tests of the grading pipeline.

It follows every convention of the real chapters (nbgrader metadata, ``course.checks`` calls,
hidden tests, ``course.forbid``), but executes in about a second, so the adversarial tests can
afford one full sandboxed run per attack.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import nbformat

from autograder.config import DEFAULT_ROOT, Course
from autograder.release import build_release

ASSIGNMENT = "00_toy"


def _meta(grade_id: str, *, solution=False, grade=False, points=0, forbid=None) -> dict:
    m = {
        "nbgrader": {
            "grade": grade,
            "grade_id": grade_id,
            "locked": not solution,
            "schema_version": 3,
            "solution": solution,
            "task": False,
        }
    }
    if grade:
        m["nbgrader"]["points"] = points
    if forbid:
        m["course"] = {"forbid": forbid}
    return m


SOLUTION_SCALE = '''def scale_rows(x, w):
    """Multiply row i of x (N, D) by w[i] (N,); returns (N, D)."""
    ### BEGIN SOLUTION
    return x * w[:, None]
    ### END SOLUTION
'''

SOLUTION_SOFTMAX = '''def row_softmax(z):
    """Softmax of each row of z (N, C); returns (N, C)."""
    ### BEGIN SOLUTION
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)
    ### END SOLUTION
'''

TEST_SCALE = """rng = np.random.default_rng(1)
x = rng.standard_normal((3, 4))
w = rng.standard_normal(3)
check("scale_rows_small", scale_rows(x, w), x * w[:, None])
### BEGIN HIDDEN TESTS
rng = np.random.default_rng(2)
x = rng.standard_normal((7, 2))
w = rng.standard_normal(7)
check("scale_rows_hidden", scale_rows(x, w))
### END HIDDEN TESTS
"""

TEST_SOFTMAX = """rng = np.random.default_rng(3)
z = rng.standard_normal((4, 5))
p = row_softmax(z)
check("softmax_rows_sum_to_one", p.sum(axis=1), np.ones(4))
check("softmax_values", p, np.exp(z) / np.exp(z).sum(axis=1, keepdims=True), rtol=1e-9)
### BEGIN HIDDEN TESTS
check("softmax_large_logits", row_softmax(np.array([[1000.0, 1000.0, -1000.0]])))
### END HIDDEN TESTS
"""

TEST_CLASSIFY = """rng = np.random.default_rng(4)
z = rng.standard_normal((200, 3))
labels = np.argmax(z, axis=1)
check_accuracy("argmax_classifier", np.argmax(row_softmax(z), axis=1), labels, lower=0.99)
check_bound("softmax_max_prob", float(row_softmax(z).max()), lower=0.0, upper=1.0)
"""


def source_notebook(
    imports: str = "import numpy as np\nfrom course.checks import check, check_accuracy, check_bound",
) -> dict:
    nb = nbformat.v4.new_notebook()
    cells = [
        nbformat.v4.new_markdown_cell(
            "# Toy assignment\nScale rows and take a softmax.", metadata=_meta("intro")
        ),
        nbformat.v4.new_code_cell("seed = 0", metadata={**_meta("parameters"), "tags": ["parameters"]}),
        nbformat.v4.new_code_cell(imports, metadata=_meta("imports")),
        nbformat.v4.new_code_cell(
            SOLUTION_SCALE, metadata=_meta("scale_rows", solution=True, forbid=["torch"])
        ),
        nbformat.v4.new_code_cell(TEST_SCALE, metadata=_meta("test_scale_rows", grade=True, points=2)),
        nbformat.v4.new_code_cell(
            SOLUTION_SOFTMAX, metadata=_meta("row_softmax", solution=True, forbid=["torch", "scipy.special"])
        ),
        nbformat.v4.new_code_cell(TEST_SOFTMAX, metadata=_meta("test_row_softmax", grade=True, points=3)),
        nbformat.v4.new_code_cell(TEST_CLASSIFY, metadata=_meta("test_classify", grade=True, points=1)),
    ]
    for c in cells:
        c["id"] = c["metadata"]["nbgrader"]["grade_id"].replace("_", "-")
    nb.cells = cells
    nb.metadata = {
        "kernelspec": {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    }
    return nb


def make_toy_course(root: Path, **source_options) -> Course:
    """Write the toy course under ``root`` (solutions, generated release, nbgrader config)."""
    root.mkdir(parents=True, exist_ok=True)
    src_dir = root / "solutions" / ASSIGNMENT
    src_dir.mkdir(parents=True, exist_ok=True)
    nbformat.write(source_notebook(**source_options), src_dir / "toy.ipynb")
    cfg = (DEFAULT_ROOT / "autograder" / "nbgrader_config.py").read_text()
    (root / "nbgrader_config.py").write_text(
        cfg.replace("os.path.dirname(os.path.dirname(os.path.abspath(__file__)))", repr(str(root)))
    )
    (root / ".course-data").mkdir(exist_ok=True)
    course = Course(root)
    tmp = root / ".course-data" / "release-tmp"
    built = build_release(course, ASSIGNMENT, tmp)
    dest = course.release_dir / ASSIGNMENT
    if dest.exists():
        shutil.rmtree(dest)
    shutil.copytree(built, dest)
    shutil.rmtree(tmp)
    return course


def submission_from(nb: dict, student_dir: Path, name: str = "toy") -> Path:
    """Write ``nb`` as a student's submission: ``student_dir/<ASSIGNMENT>/<name>.ipynb``."""
    d = student_dir / ASSIGNMENT
    d.mkdir(parents=True, exist_ok=True)
    p = d / f"{name}.ipynb"
    p.write_text(json.dumps(nb), encoding="utf-8")
    return p


def load_release(course: Course) -> dict:
    return json.loads((course.release_dir / ASSIGNMENT / "toy.ipynb").read_text())


def with_answer(nb: dict, grade_id: str, source: str) -> dict:
    """A copy of ``nb`` whose answer cell ``grade_id`` has ``source``."""
    nb = json.loads(json.dumps(nb))
    for c in nb["cells"]:
        if c.get("metadata", {}).get("nbgrader", {}).get("grade_id") == grade_id:
            c["source"] = source
            return nb
    raise KeyError(grade_id)
