"""The Binder/conda environment installs the versions the tests ran with, and learners see no
instructor tools."""

import importlib
import re
import sys
import tomllib
from importlib import metadata
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name
from packaging.version import Version

from healthpath import learner_lab

ROOT = Path(__file__).resolve().parent.parent
NBGRADER_LABEXTENSION = Path("share/jupyter/labextensions/@jupyter/nbgrader/static")


def pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def environment():
    return yaml.safe_load((ROOT / "environment.yml").read_text())


def pins() -> dict[str, Version]:
    """constraints.txt as {package: pinned version}."""
    pinned = {}
    for line in (ROOT / "constraints.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            requirement = Requirement(line)
            (spec,) = requirement.specifier
            assert spec.operator == "==", f"constraints.txt pins with ==: {line}"
            pinned[canonicalize_name(requirement.name)] = Version(spec.version)
    return pinned


def test_the_conda_and_binder_environment_is_python_3_11_and_the_pinned_course():
    env = environment()
    assert env["channels"] == ["conda-forge"]
    conda = [entry for entry in env["dependencies"] if isinstance(entry, str)]
    (pip,) = [entry["pip"] for entry in env["dependencies"] if isinstance(entry, dict)]
    assert conda == ["python 3.11.*", "pip"], "conda gives Python only; pip installs the pinned course"
    assert pip == ["-c constraints.txt", "-e ."]
    assert SpecifierSet(pyproject()["requires-python"]).contains("3.11.9")


def test_constraints_pin_every_dependency_within_its_range_and_this_environment_has_them():
    pinned = pins()
    for line in pyproject()["dependencies"] + pyproject()["optional-dependencies"]["dev"]:
        requirement = Requirement(line)
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue  # another platform's build of the package
        name = canonicalize_name(requirement.name)
        assert name in pinned, f"constraints.txt does not pin {name}"
        assert pinned[name] in requirement.specifier, f"{name}: pinned {pinned[name]}, pyproject says {line}"
        assert Version(metadata.version(name)) == pinned[name], (
            f"{name} {metadata.version(name)} is installed, constraints.txt pins {pinned[name]}: "
            "the tests must run on the pinned versions (./course setup)")


def test_binder_and_course_lab_switch_the_instructor_tools_off():
    for script in ("postBuild", "course"):
        assert re.search(r"python\"? -m healthpath\.learner_lab", (ROOT / script).read_text()), script


def test_the_instructor_tools_named_exist_in_the_installed_nbgrader():
    bundle = "".join(p.read_text(errors="replace")
                     for p in (Path(sys.prefix) / NBGRADER_LABEXTENSION).glob("*.js"))
    for plugin in (*learner_lab.INSTRUCTOR_LAB_PLUGINS, "@jupyter/nbgrader:validate-assignment"):
        assert f'"{plugin}"' in bundle, f"nbgrader's labextension has no plugin {plugin}"
    for extension in learner_lab.INSTRUCTOR_SERVER_EXTENSIONS:
        assert hasattr(importlib.import_module(extension), "load_jupyter_server_extension"), extension


def test_the_course_environment_has_the_instructor_tools_off_and_validate_on():
    assert learner_lab.is_configured()
    assert learner_lab.enabled_server_extensions()["nbgrader.server_extensions.validate_assignment"]
    assert "@jupyter/nbgrader:validate-assignment" not in learner_lab.disabled_lab_plugins()
