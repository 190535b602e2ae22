"""The landing page: stored clean, every link resolves, every published module is linked, and its
setup cell runs."""

import re
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

import healthpath
from healthpath import data
from healthpath.course import MODULE_IDS

ROOT = Path(__file__).resolve().parent.parent
WELCOME = ROOT / "welcome.ipynb"
LINK = re.compile(r"\]\(([^)\s]+)\)")


def welcome():
    return nbformat.read(WELCOME, as_version=4)


def markdown():
    return "\n".join(cell.source for cell in welcome().cells if cell.cell_type == "markdown")


def module_rows():
    """{module number: its row in the modules table}."""
    return {int(row[1]): row[0] for row in re.finditer(r"^\| (\d) \|.*$", markdown(), re.MULTILINE)}


def test_welcome_is_stored_without_outputs():
    for cell in welcome().cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, "strip the welcome page's outputs"


def test_every_relative_link_resolves():
    links = [link for link in LINK.findall(markdown()) if not re.match(r"[a-z]+://", link)]
    for link in links:
        target = ROOT / link.split("#")[0]
        assert target.exists(), f"welcome.ipynb links to {link}, which does not exist"


@pytest.mark.parametrize("number, module", list(enumerate(MODULE_IDS, start=1)))
def test_each_module_is_listed_and_linked_once_published(number, module):
    row = module_rows()[number]
    released = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "release" / module).glob("*.ipynb"))
    for target in (f"modules/{module}/README.md", *(released or [f"release/{module}/{module}.ipynb"])):
        published = (ROOT / target).exists()
        linked = f"]({target})" in row
        assert linked == published, (
            f"{target} {'exists' if published else 'does not exist'}: in welcome.ipynb, module {number}'s "
            f"row should {'link it as [...](' + target + ')' if published else 'say coming soon'}."
        )
    assert len(module_rows()) == len(MODULE_IDS)


def test_dataset_names_in_the_examples_exist():
    named = set(re.findall(r"data\.(?:load|card|generate)\(\"(\w+)\"", markdown()))
    assert named, "the data section should show how to load a dataset by name"
    assert named <= set(data.names()), f"unknown datasets in welcome.ipynb: {named - set(data.names())}"


def test_setup_cell_runs_offline_and_shows_the_catalogue():
    nb = welcome()
    NotebookClient(nb, timeout=120, resources={"metadata": {"path": str(ROOT)}}).execute()
    (cell,) = [cell for cell in nb.cells if cell.cell_type == "code"]
    text = "".join(out.get("text", "") for out in cell.outputs if out.output_type == "stream")
    assert f"healthpath {healthpath.__version__} on Python 3.11" in text
    assert "A failing check says: your BMI function's result: got a NoneType" in text
    table = [out for out in cell.outputs if out.output_type == "execute_result"]
    assert table and all(name in table[0]["data"]["text/plain"] for name in data.names())
