"""nbgrader settings for a learner's copy of the course, read by JupyterLab's Validate button.

Validate gives each cell the time that training a model needs, and on a lesson (a notebook without
tests) it says that there is nothing to check and where the exercises are. Grading is the
instructor's: their copy of the course has its own settings.
"""

from healthpath.validate import configure

c = get_config()  # noqa: F821  (nbgrader provides get_config)

configure(c)
