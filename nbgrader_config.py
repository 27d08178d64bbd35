"""nbgrader configuration for exsitu-course.

solutions/ holds the instructor's source notebooks (with solutions and hidden tests);
exercises/ is the student release that `make release` regenerates from it — never edit it by hand.
"""

from pathlib import Path

c = get_config()  # noqa: F821  (provided by nbgrader when it loads this file)

c.CourseDirectory.root = str(Path(__file__).resolve().parent)
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "exercises"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
c.CourseDirectory.course_id = "exsitu-course"

# Exercises import the installed `exsitu` package; nothing but notebooks belongs in an assignment.
c.CourseDirectory.include = ["*.ipynb"]

# An explicit time limit per cell (seconds) when nbgrader executes a notebook (validate, autograde).
c.Execute.timeout = 60
c.Execute.interrupt_on_timeout = True

# Hidden tests are removed from the student version.
c.ClearHiddenTests.enforce_metadata = True
c.ClearSolutions.code_stub = {"python": "# YOUR CODE HERE\nraise NotImplementedError()"}
