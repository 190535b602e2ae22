"""The grading pipeline's nbgrader settings, applied in nbgrader_config.py by ``use_pipeline(c)``."""

# nbgrader's sanitize list with DeduplicateIds replaced: duplicated cells must not fail a notebook.
SANITIZE_PREPROCESSORS = [
    "nbgrader.preprocessors.ClearOutput",
    "graders.preprocessors.remove_duplicate_ids.RemoveDuplicateIds",
    "nbgrader.preprocessors.OverwriteKernelspec",
    "nbgrader.preprocessors.OverwriteCells",
    "nbgrader.preprocessors.CheckCellMetadata",
]

# nbgrader's feedback list with hidden tests and test-cell tracebacks stripped.
FEEDBACK_PREPROCESSORS = [
    "nbgrader.preprocessors.GetGrades",
    "graders.preprocessors.strip_hidden_tests.StripHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]


def use_pipeline(c) -> None:
    """Configure nbgrader (``c`` from ``get_config()``) for the course's grading pipeline."""
    c.Autograde.sanitize_preprocessors = SANITIZE_PREPROCESSORS
    c.GenerateFeedback.preprocessors = FEEDBACK_PREPROCESSORS
