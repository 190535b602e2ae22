"""``SaveVerifiedGrades``: nbgrader's SaveAutoGrades, with test cells scored by their verdicts."""

from __future__ import annotations

from nbconvert.exporters.exporter import ResourcesDict
from nbformat import NotebookNode
from nbgrader.preprocessors import SaveAutoGrades

from graders.verdict import is_autograded_test


class SaveVerifiedGrades(SaveAutoGrades):
    """Write each autograded test cell's verdict (never its printed output) to the gradebook;
    answer cells are handled as nbgrader does."""

    def _add_score(self, cell: NotebookNode, resources: ResourcesDict) -> None:
        if not is_autograded_test(cell):
            return super()._add_score(cell, resources)
        verdicts = resources.get("healthpath", {}).get("verdicts")
        if verdicts is None:
            raise RuntimeError("SaveVerifiedGrades needs graders.preprocessors.SandboxedExecute earlier in "
                               "c.Autograde.autograde_preprocessors (see graders/preprocessors/__init__.py).")
        grade_id = cell.metadata["nbgrader"]["grade_id"]
        grade = self.gradebook.find_grade(grade_id, self.notebook_id, self.assignment_id, self.student_id)
        grade.auto_score = verdicts[grade_id]["points"]
        grade.needs_manual_grade = grade.manual_score is not None
        self.gradebook.db.commit()
