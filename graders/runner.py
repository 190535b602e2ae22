"""Execute one notebook with nbclient; runs INSIDE the sandbox, so nothing here is trusted.

    python -m graders.runner in.ipynb out.ipynb --cell-timeout 300 --max-cell-output 2097152

Every cell runs (errors do not stop the notebook); a cell that runs over its time is interrupted and
gets a ``CellTimeoutError``; output beyond the per-cell cap is dropped with a note. The executed
notebook is written even when the kernel dies (exit status 3), so the trusted side can show how far
it got.
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import DeadKernelError
from nbformat import NotebookNode

KERNEL_DIED = 3


class CappedClient(NotebookClient):
    """An nbclient that keeps at most ``max_cell_output`` bytes of output per cell."""

    def __init__(self, nb: NotebookNode, max_cell_output: int, **kwargs: Any):
        super().__init__(nb, **kwargs)
        self.max_cell_output = max_cell_output
        self._sizes: dict[int, int] = {}

    def output(self, outs: list[NotebookNode], msg: dict[str, Any], display_id: str | None,
               cell_index: int) -> NotebookNode | None:
        """Keep the output unless the cell is over its cap (then add one note instead)."""
        before = self._sizes.get(cell_index, 0)
        size = before + len(json.dumps(msg.get("content", {}), default=str))
        self._sizes[cell_index] = size
        if size <= self.max_cell_output:
            return super().output(outs, msg, display_id, cell_index)
        if before <= self.max_cell_output:
            outs.append(nbformat.v4.new_output(
                "stream", name="stderr",
                text=f"\n[output cut: this cell printed more than {self.max_cell_output} bytes]\n"))
        return None


def record_unreported_error(cell: NotebookNode, cell_index: int, execute_reply: dict[str, Any]) -> None:
    """Give a cell whose reply is an error (e.g. a timeout) an error output of that name if it has none."""
    content = execute_reply.get("content", {})
    if content.get("status") != "error":
        return
    ename = content.get("ename", "Error")
    errors = [out.get("ename") for out in cell.get("outputs", []) if out.get("output_type") == "error"]
    if ename not in errors:
        cell.outputs.append(nbformat.v4.new_output(
            "error", ename=ename, evalue=content.get("evalue", ""),
            traceback=content.get("traceback", [])))


def main(argv: list[str] | None = None) -> int:
    """Execute ``in`` and write ``out``; exit status 3 when the kernel died part way."""
    parser = argparse.ArgumentParser(prog="python -m graders.runner")
    parser.add_argument("notebook")
    parser.add_argument("executed")
    parser.add_argument("--cell-timeout", type=int, default=300)
    parser.add_argument("--max-cell-output", type=int, default=2 * 2**20)
    args = parser.parse_args(argv)
    nb = nbformat.read(args.notebook, as_version=4)
    client = CappedClient(
        nb, max_cell_output=args.max_cell_output, timeout=args.cell_timeout, allow_errors=True,
        interrupt_on_timeout=True, kernel_name="python3", record_timing=False,
        error_on_timeout={"ename": "CellTimeoutError",
                          "evalue": f"the cell ran for more than {args.cell_timeout} s",
                          "traceback": []},
        on_cell_executed=record_unreported_error, resources={"metadata": {"path": "."}},
        extra_arguments=["--HistoryManager.hist_file=:memory:"],
    )
    status = 0
    try:
        client.execute()
    except DeadKernelError as error:
        print(f"the kernel died: {error}", file=sys.stderr)
        status = KERNEL_DIED
    nbformat.write(nb, args.executed)
    return status


if __name__ == "__main__":
    sys.exit(main())
