"""``StripHiddenTests``: feedback that shows what failed, never the hidden tests."""

from __future__ import annotations

import nbformat
from nbconvert.exporters.exporter import ResourcesDict
from nbformat import NotebookNode
from nbgrader.preprocessors import ClearHiddenTests, NbGraderPreprocessor
from traitlets import List

from graders.verdict import is_autograded_test


class StripHiddenTests(ClearHiddenTests):
    """For feedback: remove the ``### BEGIN HIDDEN TESTS`` region from every cell, and reduce each
    autograded test cell's outputs to its errors' names and messages.

    Tracebacks echo the source lines they pass through (hidden test lines among them), and output
    a learner's code prints while a hidden test calls it can show the hidden inputs; the check
    messages (``CheckFailed``, ``HiddenCheckFailed``) never do, so they are kept.
    """

    # The HTML exporter configures NbConvertBase.display_data_priority, which nbgrader's
    # preprocessors redeclare without config=True, so traitlets warns that the option is not
    # recognized; declaring it configurable, as nbgrader's own GetGrades does, accepts it.
    display_data_priority = List(NbGraderPreprocessor.display_data_priority.default_value).tag(config=True)

    def preprocess_cell(self, cell: NotebookNode, resources: ResourcesDict,
                        cell_index: int) -> tuple[NotebookNode, ResourcesDict]:
        """Strip one cell."""
        self._remove_hidden_test_region(cell)
        if is_autograded_test(cell):
            cell.outputs = [
                nbformat.v4.new_output("error", ename=output.get("ename", ""),
                                       evalue=output.get("evalue", ""),
                                       traceback=[f"{output.get('ename', '')}: {output.get('evalue', '')}"])
                for output in cell.get("outputs", []) if output.get("output_type") == "error"
            ]
        return cell, resources
