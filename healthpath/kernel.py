"""How a learner's Jupyter kernel shows messages; applied once by ``import healthpath``.

nbgrader's Validate button (and its autograder) count any output on stderr in a test cell as a
failed test, so a harmless scikit-learn warning would fail a correct answer. Inside a Jupyter
kernel, Python warnings are therefore printed on stdout, in full and still visible. TensorFlow's
C++ start-up information messages are switched off; its errors still show.
"""

import os
import sys
import warnings

TF_LOG_LEVEL = "2"  # TensorFlow C++ logs: 0 all, 1 no INFO, 2 no INFO or WARNING, 3 no ERROR either


def in_jupyter_kernel() -> bool:
    """Whether this code runs inside a Jupyter (IPython) kernel."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return shell is not None and getattr(shell, "kernel", None) is not None


def show_warning_on_stdout(message, category, filename, lineno, file=None, line=None) -> None:
    """A :func:`warnings.showwarning` that prints the usual warning text on stdout."""
    sys.stdout.write(warnings.formatwarning(message, category, filename, lineno, line))


def configure() -> None:
    """Quieten TensorFlow's C++ logs (unless the learner chose a level) and, in a Jupyter kernel,
    print Python warnings on stdout."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", TF_LOG_LEVEL)
    if in_jupyter_kernel():
        warnings.showwarning = show_warning_on_stdout
