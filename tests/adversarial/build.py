"""Adversarial submissions for the minicourse pilot, built from its released notebook.

Every answer cell holds a WRONG answer that passes the visible checks but not the hidden ones (under
stock nbgrader it would earn full marks); an attack (``ATTACKS[name]``: grade_id -> code) puts its
code before the wrong answer of that cell, or replaces it when it defines the function itself.
``$course`` and ``$port`` in the code are replaced by the course folder under test and a TCP port
the test listens on outside the sandbox.
"""

from __future__ import annotations

from string import Template

import nbformat

WRONG = {
    "ex1-solution": "def bmi(weight_kg, height_m):\n    return float(weight_kg / height_m**2)",
    "ex2-solution": "import numpy as np\n\ndef glucose_mmol_l(mg_dl):\n"
                    "    return mg_dl / 18.016 if np.ndim(mg_dl) == 0 else np.round(mg_dl / 18.016, 1)",
    "ex3-solution": "def high_potassium(labs):\n    return labs[labs['potassium_mmol_l'] > 5.5]",
}
FUNCTIONS = {"ex1-solution": "def bmi(", "ex2-solution": "def glucose_mmol_l(",
             "ex3-solution": "def high_potassium("}

# Each block is what a learner could paste into an answer cell.
INPUT_TRANSFORMER = """
get_ipython().input_transformers_post.append(
    lambda lines: ["pass\\n"] if any("check." in line for line in lines) else lines)
"""
AST_TRANSFORMER = """
import ast
class Erase(ast.NodeTransformer):
    def visit_Module(self, node):
        text = ast.unparse(node)
        return ast.Module(body=[], type_ignores=[]) if "check." in text else node
get_ipython().ast_transformers.append(Erase())
"""
PRE_RUN_CELL_HOOK = """
import healthpath.check
def silence(info):
    for name in ("close", "equal", "frame", "array", "is_a", "observe"):
        setattr(healthpath.check, name, lambda *args, **kwargs: None)
get_ipython().events.register("pre_run_cell", silence)
"""
SKIP_CELLS = """
from IPython.core.interactiveshell import ExecutionResult, ExecutionInfo
shell = get_ipython()
real_run_cell_async = shell.run_cell_async
async def skip_tests(raw_cell, *args, **kwargs):
    if "check." in raw_cell:
        shell.execution_count += 1
        return ExecutionResult(ExecutionInfo(raw_cell, False, False, False, None))
    return await real_run_cell_async(raw_cell, *args, **kwargs)
shell.run_cell_async = skip_tests
"""
PATCH_ASSERTIONS = """
import unittest, numpy.testing, pandas.testing, healthpath.check
nothing = lambda *args, **kwargs: None
numpy.testing.assert_allclose = numpy.testing.assert_array_equal = nothing
pandas.testing.assert_frame_equal = pandas.testing.assert_series_equal = nothing
unittest.TestCase.assertEqual = unittest.TestCase.assertTrue = nothing
for name in ("close", "equal", "frame", "array", "is_a", "fitted"):
    setattr(healthpath.check, name, nothing)
def bmi(weight_kg, height_m):
    return 0.0
"""
OBSERVE_RECORDS_VISIBLE_VALUE = """
import healthpath.check
real_observe = healthpath.check.observe
healthpath.check.observe = lambda key, value, **kwargs: real_observe(key, 22.857142857, rtol=1.0)
def bmi(weight_kg, height_m):
    return 22.857142857
"""
OBSERVE_RECORDS_NOTHING = """
import healthpath.check
healthpath.check.observe = lambda *args, **kwargs: None
healthpath.check.close = healthpath.check.frame = lambda *args, **kwargs: None
def bmi(weight_kg, height_m):
    return 0.0
"""
ALWAYS_EQUAL = """
class Anything(float):
    def __eq__(self, other): return True
    def __ne__(self, other): return False
    def __lt__(self, other): return False
    def __gt__(self, other): return False
    def __abs__(self): return 0.0
    def __sub__(self, other): return Anything(0.0)
    __rsub__ = __sub__
    __hash__ = float.__hash__
def bmi(weight_kg, height_m):
    return Anything(1.0)
"""
ALWAYS_EQUAL_ARRAY = """
import numpy as np
class Everything(np.ndarray):
    def __eq__(self, other): return np.ones(self.shape, bool)
def glucose_mmol_l(mg_dl):
    return np.zeros(np.shape(mg_dl)).view(Everything)
"""
HONEST_EX3 = """
def high_potassium(labs):
    return labs[labs["potassium_mmol_l"] > 5.5].reset_index(drop=True)
"""
SWALLOW_EXCEPTIONS = """
import sys
sys.excepthook = lambda *args: None
get_ipython().set_custom_exc((BaseException,), lambda shell, etype, value, tb, tb_offset=None: None)
"""
FAKE_OUTPUT = """
print("All tests passed! Score: 6/6")
get_ipython().input_transformers_post.append(
    lambda lines: ['print("Success")\\n', "2\\n"] if any("check." in l for l in lines) else lines)
"""
OS_EXIT_IN_TESTS = """
get_ipython().input_transformers_post.append(
    lambda lines: ["import os\\n", "os._exit(0)\\n"] if any("check." in l for l in lines) else lines)
"""
SYS_EXIT = """
import sys
sys.exit(0)
"""
OS_EXIT = """
import os
os._exit(0)
"""
FORGE_OBSERVATIONS = """
import json, os, re
target = os.environ["HEALTHPATH_OBSERVATIONS"]
def forge(lines):
    keys = re.findall(r'observe\\(f?"([^"]+)"', "".join(lines))
    with open(target, "w") as handle:
        for key in keys + ["bmi, other patient 1", "bmi, other patient 2", "bmi, other patient 3"]:
            line = {"key": key, "record": {"kind": "float", "value": 22.857142857}, "rtol": 1e9,
                    "atol": 1e9, "cell": 4}
            handle.write(json.dumps(line) + "\\n")
        handle.write("{not json\\n" + json.dumps({"key": 3}) + "\\n")
    return ["pass\\n"] if keys else lines
get_ipython().input_transformers_post.append(forge)
"""
FORGE_EXECUTED_NOTEBOOK = """
import json, os, signal
nb = json.load(open("notebook.ipynb"))
for cell in nb["cells"]:
    if cell["cell_type"] == "code":
        cell["outputs"] = []
        cell["execution_count"] = 1
json.dump(nb, open("executed.ipynb", "w"))
os.kill(os.getppid(), signal.SIGKILL)
"""
READ_SECRETS = """
import glob, os
found = []
for pattern in ["$course/source/**", "$course/gradebook.db", "$course/submitted/**", "$course/release/**",
                "$course/nbgrader_work/**", "$course/autograded/**", "/root/**", "/etc/shadow",
                "/proc/1/environ", "/work/main/source/**"]:
    for path in glob.glob(pattern, recursive=True) + [pattern]:
        try:
            with open(path, errors="replace") as handle:
                found.append(path + ": " + handle.read(100000))
        except OSError:
            pass
print("READ:", "\\n".join(found))
"""
REWRITE_FILES = """
import sqlite3
for path in ["$course/gradebook.db", "gradebook.db"]:
    try:
        with sqlite3.connect(path) as db:
            db.execute("UPDATE grade SET auto_score = 99")
    except Exception as error:
        print(type(error).__name__)
for path in ["$course/source/pilot/pilot.ipynb", "$course/submitted/honest/pilot/pilot.ipynb",
             "/work/main/healthpath/check.py", "/tmp/healthpath-attack-marker", "$course/planted"]:
    try:
        with open(path, "w") as handle:
            handle.write("planted")
    except OSError as error:
        print(type(error).__name__)
"""
NETWORK = """
import socket
for host, port in [("127.0.0.1", $port), ("1.1.1.1", 53), ("pypi.org", 443)]:
    try:
        socket.create_connection((host, port), timeout=3).close()
        print("NETWORK-REACHED", host)
    except OSError as error:
        print("no network:", type(error).__name__)
"""
ENDLESS_LOOP = """
while True:
    pass
"""
ENDLESS_LOOP_IGNORING_INTERRUPT = """
import signal
signal.signal(signal.SIGINT, signal.SIG_IGN)
while True:
    pass
"""
MEMORY_BOMB = """
hoard = []
while True:
    hoard.append(bytearray(64 * 2**20))
"""
FORK_STORM = """
import os, time
children = 0
for _ in range(500):
    try:
        if os.fork() == 0:
            time.sleep(600)
            os._exit(0)
        children += 1
    except OSError:
        break
print("forked", children)
"""
OUTPUT_FLOOD = """
for _ in range(20000):
    print("x" * 5000)
"""

ATTACKS: dict[str, dict[str, str]] = {
    "wrong_answers_only": {},
    "input_transformer": {"ex1-solution": INPUT_TRANSFORMER},
    "ast_transformer": {"ex1-solution": AST_TRANSFORMER},
    "pre_run_cell_hook": {"ex1-solution": PRE_RUN_CELL_HOOK},
    "skip_test_cells": {"ex1-solution": SKIP_CELLS},
    "patch_assertions": {"ex1-solution": PATCH_ASSERTIONS},
    "observe_records_visible_value": {"ex1-solution": OBSERVE_RECORDS_VISIBLE_VALUE},
    "observe_records_nothing": {"ex1-solution": OBSERVE_RECORDS_NOTHING},
    "always_equal": {"ex1-solution": ALWAYS_EQUAL, "ex2-solution": ALWAYS_EQUAL_ARRAY,
                     "ex3-solution": HONEST_EX3},
    "swallow_exceptions": {"ex1-solution": SWALLOW_EXCEPTIONS},
    "fake_output": {"ex1-solution": FAKE_OUTPUT},
    "os_exit_in_tests": {"ex1-solution": OS_EXIT_IN_TESTS},
    "sys_exit": {"ex1-solution": SYS_EXIT, "ex3-solution": HONEST_EX3},
    "os_exit": {"ex1-solution": OS_EXIT},
    "forge_observations": {"ex1-solution": FORGE_OBSERVATIONS},
    "forge_executed_notebook": {"ex1-solution": FORGE_EXECUTED_NOTEBOOK},
    "read_secrets": {"ex1-solution": READ_SECRETS},
    "rewrite_files": {"ex1-solution": REWRITE_FILES},
    "network": {"ex1-solution": NETWORK},
    "endless_loop": {"ex1-solution": ENDLESS_LOOP, "ex3-solution": HONEST_EX3},
    "endless_loop_ignoring_interrupt": {"ex1-solution": ENDLESS_LOOP_IGNORING_INTERRUPT},
    "memory_bomb": {"ex1-solution": MEMORY_BOMB},
    "fork_storm": {"ex1-solution": FORK_STORM, "ex3-solution": HONEST_EX3},
    "output_flood": {"ex1-solution": OUTPUT_FLOOD, "ex3-solution": HONEST_EX3},
}


def build(release: nbformat.NotebookNode, attack: dict[str, str], **values: object) -> nbformat.NotebookNode:
    """A copy of ``release`` whose answer cells hold the wrong answers with ``attack`` added
    (``$name`` placeholders filled from ``values``)."""
    nb = nbformat.reads(nbformat.writes(release), as_version=4)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in WRONG:
            code = Template(attack.get(grade_id, "")).substitute(values).strip()
            cell.source = code if FUNCTIONS[grade_id] in code else f"{code}\n\n{WRONG[grade_id]}".strip()
    return nb


def honest(release: nbformat.NotebookNode, source: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The release answered with the reference solution (an honest, correct learner)."""
    return build(release, solutions(source))


def solutions(source: nbformat.NotebookNode) -> dict[str, str]:
    """The reference answer of every code answer cell of ``source`` (an honest learner's work)."""
    return {cell.metadata.nbgrader["grade_id"]: cell.source for cell in source.cells
            if cell.cell_type == "code" and cell.metadata.get("nbgrader", {}).get("solution")}
