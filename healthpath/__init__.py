"""The Machine Learning Pathway for Health-Tech Professionals.

Learners start every notebook with ``from healthpath import data, check``:
``data`` loads the course's health datasets, ``check`` gives the self-checks used by the exercises.
"""

__version__ = "0.1.0"

from healthpath import kernel as _kernel

_kernel.configure()
