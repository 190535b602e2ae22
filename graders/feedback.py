"""Feedback for learners: nbgrader's generate_feedback with hidden tests stripped.

The stripping itself is :class:`graders.preprocessors.strip_hidden_tests.StripHiddenTests`,
configured in nbgrader_config.py (``use_pipeline(c)``); this module runs nbgrader's converter and
refuses to run without that preprocessor, since feedback would then show the hidden tests.
"""

from __future__ import annotations

from pathlib import Path

from nbgrader.converters import GenerateFeedback
from nbgrader.converters.base import NbGraderException

from graders.course import Course, CourseError

STRIPPER = "StripHiddenTests"


def generate_feedback(course: Course, assignment: str) -> tuple[list[Path], list[str]]:
    """Write feedback/<student>/<assignment>/*.html for every autograded submission; returns the
    files written and the students with a submission but no autograded notebook (no feedback)."""
    course.require_assignment(assignment)
    names = [p if isinstance(p, str) else p.__name__
             for p in course.config.get("GenerateFeedback", {}).get("preprocessors", [])]
    if not any(name.endswith(STRIPPER) for name in names):
        raise CourseError(f"{course.root / 'nbgrader_config.py'} does not strip hidden tests from "
                          "feedback: add `from graders.settings import use_pipeline` and `use_pipeline(c)`")
    autograded = course.directory("autograded")
    graded = sorted(p.parent.name for p in autograded.glob(f"*/{assignment}") if any(p.glob("*.ipynb")))
    submitted = sorted(p.parent.name for p in course.directory("submitted").glob(f"*/{assignment}"))
    if graded:
        converter = GenerateFeedback(coursedir=course.coursedir(assignment_id=assignment),
                                     config=course.config)
        converter.force = True
        try:
            converter.start()
        except NbGraderException as error:
            raise CourseError(f"nbgrader could not generate feedback for {assignment}: {error}") from None
    written = sorted(course.directory("feedback").glob(f"*/{assignment}/*.html"))
    return written, [student for student in submitted if student not in graded]
