"""nbgrader preprocessors that grade from verdicts computed outside the sandboxed kernel."""

from graders.preprocessors.sandboxed_execute import SandboxedExecute
from graders.preprocessors.save_verified_grades import SaveVerifiedGrades

__all__ = ["SandboxedExecute", "SaveVerifiedGrades", "use_verified_grading"]

# nbgrader's own list, with Execute and SaveAutoGrades replaced.
AUTOGRADE_PREPROCESSORS = [
    "graders.preprocessors.SandboxedExecute",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "graders.preprocessors.SaveVerifiedGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]

# stderr noise that is never an error: Python warnings and TensorFlow/absl C++ log lines.
STDERR_NOISE = (
    r"(?m)^(\S.*:\d+: \w*Warning: "           # warnings.warn(...) as printed by Python
    r"|\s*warnings\.warn\("                    # the source line Python prints after it
    r"|\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d+: [IWE] "  # TensorFlow C++ logging
    r"|[IWE]\d{4} \d\d:\d\d:\d\d\.\d+ +\d+ "  # absl logging
    r"|WARNING: All log messages before absl)"
)


def use_verified_grading(c) -> None:
    """Configure nbgrader (``c`` from ``get_config()``) to grade in the sandbox from verdicts."""
    c.Autograde.autograde_preprocessors = AUTOGRADE_PREPROCESSORS
    c.IgnorePattern.pattern = STDERR_NOISE
