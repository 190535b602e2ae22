"""How a learner's Jupyter kernel shows messages; applied once by ``import healthpath``.

nbgrader's Validate button (and its autograder) count any output on stderr in a test cell as a
failed test, so a harmless scikit-learn warning would fail a correct answer. Inside a Jupyter
kernel, Python warnings are therefore shown as a display output, never on stderr: JupyterLab draws
it as it draws stderr (a red background), and other front ends, nbconvert and Validate read its
plain text. TensorFlow's C++ log messages are switched off (its failures still raise).
Two of them (oneDNN's notice, written before TensorFlow reads its log level) are kept out of a
kernel's notebook by importing TensorFlow with the process's stderr closed for the time of the
import.
"""

import contextlib
import importlib.abc
import importlib.util
import os
import sys
import warnings

# TensorFlow C++ logs: 0 all, 1 no INFO, 2 no INFO or WARNING, 3 no ERROR either. 3, because it logs
# notices as errors ("oneDNN supports DT_BOOL only on platforms with AVX-512", tf.data attributes
# its ops do not know) while real failures raise Python exceptions.
TF_LOG_LEVEL = "3"
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


@contextlib.contextmanager
def stderr_closed():
    """File descriptor 2 points to /dev/null inside the block (what C++ code writes there is lost)."""
    saved = os.dup(2)
    null = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(null, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(null)
        os.close(saved)


class QuietTensorFlowImport(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports the ``tensorflow`` package once with :func:`stderr_closed`. In a Jupyter kernel,
    Python errors and warnings raised by the import still reach the learner: the kernel sends
    them as messages, not through file descriptor 2."""

    def find_spec(self, name, path=None, target=None):
        if name != "tensorflow":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        if spec is not None:
            self.loader = spec.loader
            spec.loader = self
        return spec

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        module.__loader__ = module.__spec__.loader = self.loader
        with stderr_closed():
            self.loader.exec_module(module)


def configure() -> None:
    """Quieten TensorFlow's C++ logs (unless the learner chose a level) and, in a Jupyter kernel,
    import TensorFlow quietly and show Python warnings as display outputs."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", TF_LOG_LEVEL)
    if not in_jupyter_kernel():
        return
    if "tensorflow" not in sys.modules and not any(isinstance(f, QuietTensorFlowImport)
                                                   for f in sys.meta_path):
        sys.meta_path.insert(0, QuietTensorFlowImport())
    warnings.showwarning = show_warning_as_output
