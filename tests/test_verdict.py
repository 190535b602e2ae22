"""Verdicts computed outside the kernel: the rules of the grading design, one test each."""

from __future__ import annotations

import json

import nbformat
import pytest

from graders import sandbox
from graders.execute import Execution, read_observations, run_notebook
from graders.verdict import FAILED, NOT_GRADED, annotate, attribute, judge
from healthpath import records, rules


def notebook() -> nbformat.NotebookNode:
    """An answer cell, a 2-point test cell and a 1-point test cell."""
    def cell(grade_id, points=None, solution=False):
        meta = {"grade": points is not None, "grade_id": grade_id, "solution": solution}
        if points is not None:
            meta["points"] = points
        return nbformat.v4.new_code_cell("...", metadata={"nbgrader": meta})
    return nbformat.v4.new_notebook(cells=[cell("answer", solution=True), cell("t1", 2), cell("t2", 1)])


def observation(key, value, rtol=0.0, atol=0.0, cell=None, rule=None):
    return {"key": key, "record": records.encode(value), "rule": rule or rules.equal(rtol, atol),
            "cell": cell}


REFERENCE = {"t1": [observation("mean", 1.0, rtol=1e-6), observation("mean", 2.0, rtol=1e-6)],
             "t2": [observation("label", "high")]}


TRUTH = {"ward": {"high": records.encode([1, 0, 1, 0])}}


def execution(observations, outputs=None, status="ok", reason=""):
    return Execution(outputs=outputs or [[], [], []], execution_counts=[1, 2, 3],
                     observations=observations, status=status, reason=reason, seconds=1.0)


def points(verdicts):
    return {verdict.grade_id: verdict.points for verdict in verdicts}


HONEST = [observation("mean", 1.0), observation("mean", 2.0000001), observation("label", "high")]


def test_matching_observations_earn_the_points():
    assert points(judge(notebook(), execution(HONEST), REFERENCE, TRUTH)) == {"t1": 2.0, "t2": 1.0}


def test_a_wrong_value_fails_without_revealing_the_expected_one():
    verdicts = judge(notebook(), execution([*HONEST[:2], observation("label", "low")]), REFERENCE, TRUTH)
    assert points(verdicts) == {"t1": 2.0, "t2": 0.0}
    assert verdicts[1].reason.startswith("hidden check 'label': ") and "high" not in verdicts[1].reason


def test_the_reference_tolerance_is_used_never_the_submissions():
    loose = [observation("mean", 1.5, rtol=10.0), observation("mean", 2.0, rtol=10.0), HONEST[2]]
    assert points(judge(notebook(), execution(loose), REFERENCE, TRUTH))["t1"] == 0.0


def test_a_missing_or_repeated_key_fails():
    missing = judge(notebook(), execution(HONEST[2:]), REFERENCE, TRUTH)[0]
    assert missing.points == 0.0 and missing.reason == "hidden check 'mean': was not recorded"
    repeated = judge(notebook(), execution([*HONEST, observation("mean", 2.0)]), REFERENCE, TRUTH)[0]
    assert repeated.points == 0.0 and "recorded 3 times, not 2" in repeated.reason


def test_the_reference_rule_is_used_never_the_submissions():
    reference = {"t1": [observation("risk", [0.9, 0.1, 0.8, 0.2],
                                    rule=rules.metric("roc_auc", truth="ward:high", at_least=0.9))],
                 "t2": REFERENCE["t2"]}
    good = observation("risk", [0.7, 0.2, 0.6, 0.3])
    inverted = observation("risk", [0.1, 0.9, 0.2, 0.8], rule=rules.equal(atol=1e9))
    assert points(judge(notebook(), execution([good, HONEST[2]]), reference, TRUTH))["t1"] == 2.0
    assert points(judge(notebook(), execution([inverted, HONEST[2]]), reference, TRUTH))["t1"] == 0.0


def test_observations_count_wherever_they_were_recorded():
    moved = [{**item, "cell": 99} for item in HONEST]
    assert points(judge(notebook(), execution(moved), REFERENCE, TRUTH)) == {"t1": 2.0, "t2": 1.0}


def test_an_error_output_costs_the_points_and_stderr_or_a_result_number_does_not_count():
    error = nbformat.v4.new_output("error", ename="CheckFailed", evalue="x", traceback=[])
    stderr = nbformat.v4.new_output("stream", name="stderr", text="UserWarning: deprecated\n")
    partial = nbformat.v4.new_output("execute_result", data={"text/plain": "0.5"}, execution_count=3)
    run = execution(HONEST, outputs=[[], [error], [stderr, partial]])
    verdicts = judge(notebook(), run, REFERENCE, TRUTH)
    assert points(verdicts) == {"t1": 0.0, "t2": 1.0}


def test_an_object_that_equals_everything_cannot_be_recorded_as_a_match():
    class Anything(float):
        def __eq__(self, other):
            return True
        __hash__ = float.__hash__
    forged = [observation("mean", Anything(0.0)), observation("mean", Anything(0.0)), HONEST[2]]
    assert points(judge(notebook(), execution(forged), REFERENCE, TRUTH))["t1"] == 0.0


def test_malformed_records_fail_and_never_crash():
    malformed = [{"key": "mean", "record": {"kind": "float"}}, {"key": "mean", "record": {}}, HONEST[2]]
    verdict = judge(notebook(), execution(malformed), REFERENCE, TRUTH)[0]
    assert verdict.points == 0.0 and "malformed" in verdict.reason


def test_a_stopped_run_scores_nothing_and_says_why():
    verdicts = judge(notebook(), execution(HONEST, status="timeout", reason="ran too long"), REFERENCE, TRUTH)
    assert points(verdicts) == {"t1": 0.0, "t2": 0.0}
    assert {verdict.ename for verdict in verdicts} == {NOT_GRADED}


def test_a_test_cell_without_reference_observations_scores_zero():
    verdicts = judge(notebook(), execution(HONEST), {"t1": REFERENCE["t1"]}, TRUTH)
    assert points(verdicts) == {"t1": 2.0, "t2": 0.0} and "authoring error" in verdicts[1].reason


def test_annotate_puts_the_reason_on_the_failed_cell():
    nb = notebook()
    annotate(nb, judge(nb, execution(HONEST[:2]), REFERENCE, TRUTH))
    assert nb.cells[1].outputs == []
    (output,) = nb.cells[2].outputs
    assert (output.ename, output.evalue) == (FAILED, "hidden check 'label': was not recorded")


def test_attribute_uses_the_counter_ipython_shows_while_a_cell_runs():
    nb = notebook()
    run = execution([observation("mean", 1.0, cell=3), observation("label", "high", cell=4),
                     observation("stray", 1, cell=2)])
    cells, problems = attribute(nb, run)
    assert [o["key"] for o in cells["t1"]] == ["mean"] and [o["key"] for o in cells["t2"]] == ["label"]
    assert problems == ["hidden check 'stray' is recorded outside an autograded test cell; it is not used"]


def test_read_observations_reports_malformed_lines_and_caps_the_size(tmp_path):
    path = tmp_path / "observations.jsonl"
    path.write_text(json.dumps(HONEST[0]) + "\n{oops\n" + json.dumps({"key": 1}) + "\n")
    observations, problems = read_observations(path, cap=10_000)
    assert [o["key"] for o in observations] == ["mean"] and len(problems) == 2
    assert read_observations(path, cap=10)[1] == ["the observations were not read: observations.jsonl is "
                                                 "larger than 10 bytes"]
    fifo = tmp_path / "fifo"
    fifo.symlink_to("/etc/hostname")
    assert read_observations(fifo, cap=10_000)[0] == []


def test_grading_refuses_without_bubblewrap_and_says_how_to_install(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    monkeypatch.setattr(sandbox.os, "access", lambda *args: False)
    with pytest.raises(sandbox.SandboxUnavailable, match="apt-get install bubblewrap"):
        run_notebook(notebook(), limits=sandbox.Limits())
