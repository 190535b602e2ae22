"""The course gate passes on the course, and fails, naming the file, on each kind of defect.

The defects are planted in copies of the miniature course (tests/fixtures/minicourse), each graded
through the real sandboxed grading path by ``healthpath gate``.
"""

import shutil
from pathlib import Path

import nbformat
import pytest

from graders.cli import main
from graders.course import open_course
from graders.gate import (
    MUTANT_STUDENT,
    MUTANTS,
    RELEASE_STUDENT,
    SOURCE_STUDENT,
    Secrets,
    check_leaks,
    gate_assignment,
    gate_notebooks,
    gate_submissions,
    load_mutants,
)

ROOT = Path(__file__).resolve().parent.parent
MINICOURSE = ROOT / "tests" / "fixtures" / "minicourse"
PILOT_MUTANTS = ROOT / "tests" / "fixtures" / "gate" / "pilot-mutants.yml"
COURSE = open_course(ROOT)
ASSIGNMENTS = COURSE.assignments()


@pytest.fixture(scope="module", autouse=True)
def venv_on_path():
    """nbgrader runs ``alembic`` from the environment's bin/ (the command line puts it on PATH)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PATH", f"{ROOT / '.venv' / 'bin'}:{__import__('os').environ['PATH']}")
        yield


# -- the real course --------------------------------------------------------------------------------

@pytest.mark.parametrize(
    "assignment",
    ASSIGNMENTS or [pytest.param(None, marks=pytest.mark.skip(reason="source/ has no assignment yet"))],
)
def test_assignment_passes_the_gate(assignment):
    problems = gate_assignment(COURSE, assignment)
    assert not problems, "\n".join(map(str, problems))


def test_lessons_and_header_are_stored_clean():
    problems = gate_notebooks(COURSE)
    assert not problems, "\n".join(map(str, problems))


# -- planted defects in the miniature course --------------------------------------------------------

def minicourse(tmp_path: Path) -> Path:
    """A copy of the miniature course with mutants for its pilot and a current release."""
    course = tmp_path / "course"
    shutil.copytree(MINICOURSE, course, ignore=shutil.ignore_patterns("submissions"))
    shutil.copy2(PILOT_MUTANTS, course / "source" / "pilot" / MUTANTS)
    assert main(["release", "pilot", "--course", str(course)]) == 0
    return course


def run_gate(course: Path, capsys) -> tuple[int, str]:
    """``healthpath gate`` on ``course``: its exit status and what it printed."""
    status = main(["gate", "--course", str(course)])
    out, err = capsys.readouterr()
    return status, out + err


def edit_cell(path: Path, grade_id: str, edit) -> None:
    """Apply ``edit(cell)`` to the cell ``grade_id`` of notebook ``path``."""
    nb = nbformat.read(path, as_version=4)
    edit(next(c for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id))
    nbformat.write(nb, path)


def test_the_minicourse_passes(tmp_path, capsys):
    status, printed = run_gate(minicourse(tmp_path), capsys)
    assert status == 0 and "FAIL" not in printed, printed
    assert "healthpath gate: pilot: passed\nhealthpath gate: passed\n" in printed, printed


def test_a_mutant_answers_up_to_its_last_failing_test_and_leaves_later_exercises_as_released(tmp_path):
    course = open_course(minicourse(tmp_path))
    release = course.directory("release") / "pilot"
    submissions, mutants, problems = gate_submissions(course, "pilot", release)
    assert not problems and len(mutants) == 3

    def answers(student):
        cells = submissions[student]["pilot"].cells
        return {c.metadata.nbgrader["grade_id"]: c.source for c in cells if c.metadata.get("nbgrader", {})
                .get("solution")}

    released, solution = answers(RELEASE_STUDENT), answers(SOURCE_STUDENT)
    first, second = answers(MUTANT_STUDENT + "bmi-no-square"), answers(MUTANT_STUDENT + "glucose-scalar-only")
    assert first["ex1-solution"] == mutants[0].code
    assert first["ex2-solution"] == released["ex2-solution"] != solution["ex2-solution"]
    assert first["ex3-solution"] == released["ex3-solution"]
    assert second["ex1-solution"] == solution["ex1-solution"]
    assert second["ex2-solution"] == mutants[1].code
    assert second["ex3-solution"] == released["ex3-solution"] != solution["ex3-solution"]
    assert answers(MUTANT_STUDENT + "potassium-keeps-index")["ex2-solution"] == solution["ex2-solution"]


def test_broken_hidden_tests_and_a_weak_mutant_fail(tmp_path, capsys):
    course = minicourse(tmp_path)
    source = course / "source" / "pilot" / "pilot.ipynb"

    def raises_on_the_solution(cell):
        cell.source = cell.source.replace("check.outcome(bmi, 70, 0)", "bmi(70, 0)")

    def observes_nothing(cell):
        cell.source = cell.source.split("### BEGIN HIDDEN TESTS")[0].rstrip()

    def observes_guessable_values(cell):
        cell.source = cell.source.replace("### END HIDDEN TESTS", 'check.observe("flags", [True, True])\n'
                                          'check.observe("result", {"rows": 2, "index reset": True})\n'
                                          "### END HIDDEN TESTS")

    edit_cell(source, "ex1-tests", raises_on_the_solution)
    edit_cell(source, "ex2-tests", observes_nothing)
    edit_cell(source, "ex3-tests", observes_guessable_values)
    nb = nbformat.read(source, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(
        'check.observe("ward size", 4)',
        metadata={"nbgrader": {"grade": True, "grade_id": "ward-size", "locked": True, "points": 1,
                               "schema_version": 3, "solution": False}}))
    nbformat.write(nb, source)
    with open(course / "source" / "pilot" / MUTANTS, "a") as handle:
        handle.write("- name: potassium-same-answer\n  cell: ex3-solution\n  code: |\n"
                      "    def high_potassium(labs):\n"
                      "        return labs.loc[labs['potassium_mmol_l'] > 5.5].reset_index(drop=True)\n"
                      "  must_fail: [ex3-tests]\n")
    assert main(["release", "pilot", "--course", str(course)]) == 0

    status, printed = run_gate(course, capsys)
    assert status == 1
    mutants, release = course / "source" / "pilot" / MUTANTS, course / "release" / "pilot"
    expected = [
        f"{source}: the solution, graded as a submission, scores 0/2 on ex1-tests: ValueError",
        f"{source}: the solution, graded as a submission, scores 0/2 on ex2-tests: HiddenCheckFailed",
        f"{source}: test cell 'ex2-tests': no hidden check is recorded",
        f"{source}: test cell 'ex1-tests' fails on the reference solution",
        f"{source}: test cell 'ex3-tests', hidden check 'flags': the reference records a container whose "
        "items are all the same constant, which a wrong answer can guess; record the raw output",
        f"{source}: test cell 'ex3-tests', hidden check 'result': the reference records at key 'index "
        "reset': a bare bool",
        f"{release}: the unmodified release earns automatic points ({{'ward-size': 1.0}})",
        f"{mutants}: mutant 'potassium-same-answer' keeps the points of ex3-tests",
        f"{mutants}: no mutant shows that test cell(s) ward-size fail",
    ]
    for start in expected:
        assert any(line.startswith(f"FAIL {start}") for line in printed.splitlines()), (start, printed)


def test_a_solution_left_in_release_fails(tmp_path, capsys):
    course = minicourse(tmp_path)
    released = course / "release" / "pilot" / "pilot.ipynb"
    edit_cell(released, "ex2-solution", lambda cell: setattr(
        cell, "source", "def glucose_mmol_l(mg_dl):\n    return mg_dl / 18.016"))
    status, printed = run_gate(course, capsys)
    assert status == 1
    assert f"FAIL {released}: contains solution text from source/ (1 lines, e.g. 'return mg_dl / 18.016')" \
        in printed, printed
    assert f"FAIL {released}: differs from a fresh generation (cell 7 (ex2-solution): its source)" \
        in printed, printed


def test_released_hidden_cases_fail(tmp_path, capsys):
    course = minicourse(tmp_path)
    config = course / "nbgrader_config.py"
    config.write_text(config.read_text().replace('"hidden_cases.py"', '"nothing"'))
    assert main(["release", "pilot", "--course", str(course)]) == 0
    status, printed = run_gate(course, capsys)
    assert status == 1
    assert f"FAIL {course / 'release' / 'pilot' / 'hidden_cases.py'}: an instructor-only file is released" \
        in printed, printed


def test_a_committed_output_fails(tmp_path, capsys):
    course = minicourse(tmp_path)
    source = course / "source" / "pilot" / "pilot.ipynb"

    def with_output(cell):
        cell.execution_count = 1
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="22.9\n")]

    edit_cell(source, "ex1-solution", with_output)
    status, printed = run_gate(course, capsys)
    assert status == 1
    assert f"FAIL {source}: stored with outputs or execution counts (cells 4)" in printed, printed


# -- the checks' own rules --------------------------------------------------------------------------

def test_leaks_ignore_short_and_public_lines_and_feedback_may_show_solutions(tmp_path):
    feedback = tmp_path / "feedback.html"
    feedback.write_text("<pre><span>return</span> mg_dl &#x2F; 18.016</pre><p>else:</p>")
    found = Secrets(solution=frozenset({"return mg_dl / 18.016"}), hidden=frozenset({"check.observe(x)"}))
    assert [str(p) for p in check_leaks([feedback], found)] == [
        f"{feedback}: contains solution text from source/ (1 lines, e.g. 'return mg_dl / 18.016'); "
        "regenerate it from source/ and check the BEGIN/END markers"]
    assert check_leaks([feedback], found, solution=False) == []


@pytest.mark.parametrize("text, message", [
    (None, "missing; write a list of entries"),
    ("- name: Bad Name\n  cell: ex1-solution\n  code: x\n  must_fail: [ex1-tests]\n",
     "mutant 1 ('Bad Name'): name must be lower-case letters, digits and dashes"),
    ("- name: m\n  cell: ex1-tests\n  code: x\n  must_fail: [ex1-solution]\n",
     "mutant 1 ('m'): cell 'ex1-tests' is not a solution cell's grade_id (have: ['ex1-solution']); "
     "must_fail must list autograded test cells' grade_ids (have: ['ex1-tests'])"),
    ("- name: m\n  cell: ex1-solution\n  code: x\n", "mutant 1 ('m'): has ['cell', 'code', 'name'], needs"),
    ("name: m\n", "must be a list of entries"),
])
def test_malformed_mutants_are_named(tmp_path, text, message):
    path = tmp_path / MUTANTS
    if text is not None:
        path.write_text(text)
    mutants, problems = load_mutants(path, {"ex1-solution"}, {"ex1-tests"})
    assert mutants == [] and len(problems) == 1
    assert str(problems[0]).startswith(f"{path}: {message}"), problems[0]
