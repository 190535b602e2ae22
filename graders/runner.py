"""The notebook client every run uses, and a command line that executes one notebook with it.

    python -m graders.runner in.ipynb out.ipynb --cell-timeout 300 --max-cell-output 2097152

Every cell runs (errors do not stop the notebook); a cell that runs over its time is interrupted and
gets a ``CellTimeoutError``; output beyond the per-cell cap is dropped with a note. Grading uses the
client in the trusted process, with the kernel in the sandbox (``graders.execute``); lessons run the
command line, which writes the executed notebook even when the kernel dies (exit status 3).
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


def notebook_client(nb: NotebookNode, *, cell_timeout: int, max_cell_output: int,
                    **options: Any) -> CappedClient:
    """A client that runs every cell of ``nb``, interrupts a cell after ``cell_timeout`` seconds and
    keeps ``max_cell_output`` bytes of output per cell (``options``: more NotebookClient settings)."""
    return CappedClient(
        nb, max_cell_output=max_cell_output, timeout=cell_timeout, allow_errors=True,
        interrupt_on_timeout=True, record_timing=False, store_widget_state=False,
        error_on_timeout={"ename": "CellTimeoutError",
                          "evalue": f"the cell ran for more than {cell_timeout} s", "traceback": []},
        on_cell_executed=record_unreported_error, extra_arguments=["--HistoryManager.hist_file=:memory:"],
        **options)


def main(argv: list[str] | None = None) -> int:
    """Execute ``in`` and write ``out``; exit status 3 when the kernel died part way."""
    parser = argparse.ArgumentParser(prog="python -m graders.runner")
    parser.add_argument("notebook")
    parser.add_argument("executed")
    parser.add_argument("--cell-timeout", type=int, default=300)
    parser.add_argument("--max-cell-output", type=int, default=2 * 2**20)
    args = parser.parse_args(argv)
    nb = nbformat.read(args.notebook, as_version=4)
    client = notebook_client(nb, cell_timeout=args.cell_timeout, max_cell_output=args.max_cell_output,
                             kernel_name="python3", resources={"metadata": {"path": "."}})
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
