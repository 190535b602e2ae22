"""The Binder/conda environment matches pyproject.toml, and learners see no instructor extensions."""

import re
import sys
import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parent.parent
NBGRADER_LABEXTENSION = Path("share/jupyter/labextensions/@jupyter/nbgrader/static")
INSTRUCTOR_PLUGINS = {"@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment",
                      "@jupyter/nbgrader:course-list"}


def pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def environment():
    return yaml.safe_load((ROOT / "environment.yml").read_text())


def conda_spec(line):
    """Split a conda-forge entry such as ``numpy >=1.26,<2.5`` into (name, SpecifierSet)."""
    name, _, spec = line.partition(" ")
    spec = spec.strip()
    if spec and spec[0].isdigit():  # `python 3.11.*` means `==3.11.*`
        spec = "==" + spec
    return canonicalize_name(name), SpecifierSet(spec)


def environment_packages():
    """{name: SpecifierSet} for conda entries, and the same for the pip section."""
    conda, pip = {}, {}
    for entry in environment()["dependencies"]:
        if isinstance(entry, dict):
            for line in entry["pip"]:
                requirement = Requirement(line)
                pip[canonicalize_name(requirement.name)] = requirement.specifier
        else:
            name, spec = conda_spec(entry)
            assert name not in conda, f"environment.yml lists {name} twice"
            conda[name] = spec
    return conda, pip


def test_environment_uses_conda_forge_and_the_course_python():
    assert environment()["channels"] == ["conda-forge"]
    conda, _ = environment_packages()
    requires_python = SpecifierSet(pyproject()["requires-python"])
    for version in ("3.10.14", "3.11.0", "3.11.9", "3.12.0"):
        assert (version in conda["python"]) == (version in requires_python), version


def test_environment_and_pyproject_list_the_same_packages_and_ranges():
    conda, pip = environment_packages()
    assert not set(conda) & set(pip), "a package is in both the conda and the pip section"
    listed = {**{k: v for k, v in conda.items() if k not in ("python", "pip")}, **pip}
    required = {canonicalize_name(r.name): r.specifier for r in map(Requirement, pyproject()["dependencies"])}
    assert sorted(listed) == sorted(required), (
        "environment.yml and pyproject.toml's [project.dependencies] must list the same packages"
    )
    for name, spec in required.items():
        assert listed[name] == spec, f"{name}: environment.yml says {listed[name]}, pyproject.toml {spec}"


def disabled_plugins(script):
    """The plugin ids a script disables with `jupyter labextension disable`."""
    lines = [line for line in (ROOT / script).read_text().splitlines() if "labextension disable" in line]
    assert len(lines) == 1, f"{script} should disable the instructor extensions in one command"
    return set(re.findall(r"@jupyter/nbgrader:[\w-]+", lines[0]))


def test_binder_installs_the_course_and_hides_the_same_instructor_extensions_as_course_lab():
    post_build = (ROOT / "postBuild").read_text()
    assert re.search(r"pip install .*-e \.$", post_build, re.MULTILINE)
    assert disabled_plugins("postBuild") == disabled_plugins("course") == INSTRUCTOR_PLUGINS


def test_disabled_plugin_ids_exist_in_the_installed_nbgrader_labextension():
    bundle = "".join(p.read_text(errors="replace")
                     for p in (Path(sys.prefix) / NBGRADER_LABEXTENSION).glob("*.js"))
    for plugin in INSTRUCTOR_PLUGINS | {"@jupyter/nbgrader:validate-assignment",
                                        "@jupyter/nbgrader:assignment-list"}:
        assert f'"{plugin}"' in bundle, f"nbgrader's labextension has no plugin {plugin}"
