"""``RemoveDuplicateIds``: nbgrader's DeduplicateIds, leaving valid metadata on the copies."""

from __future__ import annotations

from nbconvert.exporters.exporter import ResourcesDict
from nbformat import NotebookNode
from nbgrader.preprocessors import DeduplicateIds


class RemoveDuplicateIds(DeduplicateIds):
    """Keep the last cell of each grade id (as DeduplicateIds does) and make the earlier copies
    ordinary cells.

    DeduplicateIds leaves ``"nbgrader": {}`` on the copies, which CheckCellMetadata then rejects as
    an outdated schema, failing the whole notebook; here the emptied metadata is removed instead.
    """

    def preprocess(self, nb: NotebookNode, resources: ResourcesDict) -> tuple[NotebookNode, ResourcesDict]:
        """De-duplicate, then drop the emptied ``nbgrader`` metadata."""
        nb, resources = super().preprocess(nb, resources)
        for cell in nb.cells:
            if cell.metadata.get("nbgrader") == {}:
                del cell.metadata["nbgrader"]
        return nb, resources
