# nbgrader configuration of the course (loaded by ../nbgrader_config.py, which nbgrader finds
# in the course root). Source notebooks live in solutions/, the release in assignments/, and
# everything produced at run time (submissions, autograded copies, feedback, the gradebook)
# in the ignored .course-data/ folder.
import os
import sys

c = get_config()  # noqa: F821 - provided by traitlets when nbgrader loads this file

_root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
c.CourseDirectory.root = _root
c.CourseDirectory.course_id = "deep-learning-twice"
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "assignments"
c.CourseDirectory.submitted_directory = ".course-data/submitted"
c.CourseDirectory.autograded_directory = ".course-data/autograded"
c.CourseDirectory.feedback_directory = ".course-data/feedback"
c.CourseDirectory.db_url = "sqlite:///" + os.path.join(_root, ".course-data", "gradebook.db")
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback"]

# Per-cell time limit, set explicitly (nbgrader's default is 30 s): autograder.config's value,
# so that Validate and the grader agree.
sys.path.insert(0, _root)
from autograder.config import CELL_TIMEOUT_S  # noqa: E402

c.Execute.timeout = CELL_TIMEOUT_S
c.Execute.interrupt_on_timeout = True
c.Validator.validate_all = True

# Stubs that replace the solution regions in the release.
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"
