"""nbgrader's Validate button for the course: it checks exercise notebooks, and says so on a lesson.

nbgrader's Validate answers "Success! Your notebook passes all the tests" on any notebook without
test cells, such as a lesson. With :func:`configure` in the course's ``nbgrader_config.py``, it
answers instead that the notebook has no tests and where the exercises are, and it gives cells
the time that training a model needs.
"""

from nbgrader import utils
from nbgrader.preprocessors import NbGraderPreprocessor
from nbgrader.validator import Validator

CELL_TIMEOUT = 300  # seconds a cell may run (training cells take longer than nbgrader's 30 s)
NO_TESTS = """
This notebook has no tests: it is a lesson (or another page of the course), not an
exercise, so Validate has nothing to check. Run its cells in order instead.
Validate checks the exercises in release/, one notebook per module, for example
release/01-python-fundamentals/01-python-fundamentals.ipynb: open one and click Validate there."""


class NothingToValidate(Exception):
    """The notebook has no graded test cells; the message says where the exercises are."""


class RefuseNotebooksWithoutTests(NbGraderPreprocessor):
    """Stop Validate, before it runs anything, on a notebook that has no graded test cells."""

    def preprocess(self, nb, resources):
        """Raise :class:`NothingToValidate` unless a code cell of ``nb`` is graded."""
        if not any(cell.cell_type == "code" and utils.is_grade(cell) for cell in nb.cells):
            raise NothingToValidate(NO_TESTS)
        return nb, resources


def configure(c) -> None:
    """Configure nbgrader (``c`` from ``get_config()``): cells may run for CELL_TIMEOUT seconds,
    and Validate refuses a notebook without tests before nbgrader's own steps."""
    c.Execute.timeout = CELL_TIMEOUT
    c.Execute.interrupt_on_timeout = True
    preprocessors = Validator.class_traits()["preprocessors"]
    preprocessors.tag(config=True)  # nbgrader 0.9 leaves this list out of its configuration
    c.Validator.preprocessors = [RefuseNotebooksWithoutTests, *preprocessors.default()]
