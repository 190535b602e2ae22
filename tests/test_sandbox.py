"""The sandboxed run at the level of one notebook: what reaches the trusted notebook client."""

from __future__ import annotations

import json
from concurrent.futures import ProcessPoolExecutor, TimeoutError
from multiprocessing import get_context

import pytest
from nbformat.v4 import new_code_cell, new_notebook

from graders.execute import run_notebook
from graders.sandbox import Limits

BIG_DISPLAY = "from IPython.display import display\ndisplay({'text/plain': 'x' * 3 * 2**20}, raw=True)"


def test_a_message_over_the_cap_is_dropped_before_the_client_reads_it():
    limits = Limits(cell_timeout=5, max_message_bytes=2**20, max_cell_output_bytes=2**19)
    nb = new_notebook(cells=[new_code_cell(BIG_DISPLAY), new_code_cell("print('small')")])
    execution = run_notebook(nb, limits=limits)
    assert execution.status == "ok"
    # had the 3 MiB message been read, the per-cell cap would have cut it and left its note
    assert execution.outputs[0] == []


def test_a_message_under_the_cap_is_read_and_cut_to_the_cell_output_cap():
    limits = Limits(cell_timeout=5, max_message_bytes=8 * 2**20, max_cell_output_bytes=2**19)
    execution = run_notebook(new_notebook(cells=[new_code_cell(BIG_DISPLAY)]), limits=limits)
    assert [output.get("text", "").strip() for output in execution.outputs[0]] == [
        f"[output cut: this cell printed more than {2**19} bytes]"]


def test_the_kernel_runs_as_nobody_in_its_scratch_folder():
    cell = new_code_cell("import os\nprint(os.getuid(), os.getcwd(), sorted(os.listdir()))")
    execution = run_notebook(new_notebook(cells=[cell]), limits=Limits(cell_timeout=20))
    text = execution.outputs[0][0]["text"]
    assert text.startswith("65534 /scratch [") and "notebook" not in text, text


def test_a_run_leaves_nothing_that_stops_a_forked_runner():
    # The grader runs notebooks in its own process too (a project's checks, a reference), then
    # forks its pool of runners: an event loop left behind would be shared with them, epoll and
    # all, and their runs would spin forever.
    nb = new_notebook(cells=[new_code_cell("print(6 * 7)")])
    limits = Limits(cell_timeout=60, notebook_timeout=60)
    assert run_notebook(nb, limits=limits).status == "ok"
    pool = ProcessPoolExecutor(1, mp_context=get_context("fork"))
    future = pool.submit(run_notebook, nb, limits=limits)
    try:
        execution = future.result(timeout=90)
    except TimeoutError:
        for process in pool._processes.values():
            process.kill()
        pytest.fail("a runner forked after a run in this process did not finish")
    finally:
        pool.shutdown(wait=False, cancel_futures=True)
    assert execution.status == "ok" and "42" in json.dumps(execution.outputs)
