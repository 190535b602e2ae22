"""How a learner's Jupyter kernel shows messages; applied once by ``import healthpath``.

nbgrader's Validate button (and its autograder) count any output on stderr in a test cell as a
failed test, so a harmless scikit-learn warning would fail a correct answer. Inside a Jupyter
kernel, Python warnings are therefore shown as a display output, never on stderr: JupyterLab draws
it as it draws stderr (a red background), and other front ends, nbconvert and Validate read its
plain text. TensorFlow's C++ start-up information messages are switched off; its errors still show.
"""

import os
import sys
import warnings

TF_LOG_LEVEL = "2"  # TensorFlow C++ logs: 0 all, 1 no INFO, 2 no INFO or WARNING, 3 no ERROR either
STDERR_LOOK = "application/vnd.jupyter.stderr"  # JupyterLab renders this type as it renders stderr


def in_jupyter_kernel() -> bool:
    """Whether this code runs inside a Jupyter (IPython) kernel."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None else None
    return shell is not None and getattr(shell, "kernel", None) is not None


def show_warning_as_output(message, category, filename, lineno, file=None, line=None) -> None:
    """A :func:`warnings.showwarning` that shows the usual warning text as a display output with
    JupyterLab's stderr look and a plain-text copy, never as a stderr stream."""
    from IPython.display import display

    text = warnings.formatwarning(message, category, filename, lineno, line)
    display({STDERR_LOOK: text, "text/plain": text}, raw=True)


def configure() -> None:
    """Quieten TensorFlow's C++ logs (unless the learner chose a level) and, in a Jupyter kernel,
    show Python warnings as display outputs."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", TF_LOG_LEVEL)
    if in_jupyter_kernel():
        warnings.showwarning = show_warning_as_output
