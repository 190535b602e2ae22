"""nbgrader settings for the course (instructor side; learners need none of this)."""

c = get_config()  # noqa: F821  (nbgrader provides get_config)

c.CourseDirectory.course_id = "healthpath"
c.CourseDirectory.root = "."
c.CourseDirectory.source_directory = "source"
c.CourseDirectory.release_directory = "release"
c.CourseDirectory.submitted_directory = "submitted"
c.CourseDirectory.autograded_directory = "autograded"
c.CourseDirectory.feedback_directory = "feedback"
c.CourseDirectory.db_url = "sqlite:///gradebook.db"

# Every assignment starts with the course header (how to work, how to check, academic honesty).
c.IncludeHeaderFooter.header = "source/header.ipynb"

# Mutants (source/<id>/mutants.yml) are wrong answers built from the solutions, a final project's
# gate projects (source/<id>/projects.yml) name its example projects, and hidden cases
# (source/<id>/hidden_cases.py) build the hidden inputs and their labels: never released.
c.CourseDirectory.ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", "mutants.yml",
                            "projects.yml", "hidden_cases.py"]

# Cells may run as long as training needs (nbgrader's default is 30 s), and Validate on a notebook
# without tests (a lesson) says so instead of "Success!" (healthpath/validate.py).
from healthpath.validate import configure as configure_validate  # noqa: E402

configure_validate(c)

# Autograding runs each submission in a bubblewrap sandbox and scores test cells from verdicts
# computed outside the kernel; Python warnings and TensorFlow logs on stderr never cost points.
# See graders/SANDBOX.md (limits: c.Sandbox.cell_timeout, notebook_timeout, memory_mb, ...).
from graders.preprocessors import use_verified_grading  # noqa: E402

use_verified_grading(c)
c.Sandbox.cell_timeout = c.Execute.timeout

# The grading pipeline (graders/README.md): duplicated cells do not fail a notebook, and feedback
# never shows hidden tests or the tracebacks of test cells.
from graders.settings import use_pipeline  # noqa: E402

use_pipeline(c)
