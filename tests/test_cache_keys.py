"""The grading caches know what a run depends on: a change of limits, of the pinned environment, of
the data or of the course package gives new execution and reference keys (so old runs are not
reused); the same settings give the same keys. (The offering's seed is in the hidden cases' digest,
tests/test_hidden_cases.py.)"""

import dataclasses
import shutil

import nbformat
import pytest

from graders import execute, reference, sandbox
from graders.hidden_cases import HiddenCases
from graders.sandbox import Limits

ROOT = sandbox.package_root()


@pytest.fixture
def course_copy(tmp_path, monkeypatch):
    """The files run_digest reads, copied, with package_root pointing at the copy."""
    copy = tmp_path / "course"
    shutil.copytree(ROOT / "healthpath", copy / "healthpath", ignore=shutil.ignore_patterns("__pycache__"))
    (copy / "datasets").mkdir()
    shutil.copy2(ROOT / "datasets" / "SHA256SUMS", copy / "datasets" / "SHA256SUMS")
    shutil.copy2(ROOT / "constraints.txt", copy / "constraints.txt")
    monkeypatch.setattr(sandbox, "package_root", lambda: copy)
    execute.run_digest.cache_clear()
    yield copy
    execute.run_digest.cache_clear()


def digest_after(change) -> str:
    execute.run_digest.cache_clear()
    change()
    return execute.run_digest(Limits())


@pytest.mark.parametrize("relative", ["constraints.txt", "datasets/SHA256SUMS", "healthpath/rules.py"])
def test_the_environment_the_data_and_the_package_change_the_run_digest(course_copy, relative):
    before = digest_after(lambda: None)
    assert digest_after(lambda: None) == before
    path = course_copy / relative
    assert digest_after(lambda: path.write_text(path.read_text() + "\n# changed\n")) != before


def test_limits_change_the_execution_and_reference_keys(tmp_path):
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")])
    default, tighter = Limits(), dataclasses.replace(Limits(), memory_bytes=2**30)
    cases = HiddenCases(inputs={}, truth={}, digest="cases")
    keys = {execute.cache_key(nb, cases.digest + execute.run_digest(limits)) for limits in (default, tighter)}
    assert len(keys) == 2
    source = tmp_path / "a.ipynb"
    nbformat.write(nb, source)
    paths = {reference.cache_path(source, tmp_path, cases, limits) for limits in (default, tighter)}
    assert len(paths) == 2
    assert reference.cache_path(source, tmp_path, cases, default) == reference.cache_path(
        source, tmp_path, cases, Limits())

