#!/usr/bin/env python
"""Run the whole project: every notebook of project.toml in order (executed copies in build/),
then the tests. Exit status 1 when a notebook or a test fails."""

import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent


def main() -> int:
    settings = tomllib.loads((ROOT / "project.toml").read_text()).get("healthpath", {})
    for name in settings.get("notebooks", ["notebooks/01-analysis.ipynb"]):
        notebook = ROOT / name
        print(f"running {name}", flush=True)
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "nbconvert",
                "--to",
                "notebook",
                "--execute",
                "--output-dir",
                str(ROOT / "build" / notebook.parent.relative_to(ROOT)),
                str(notebook),
            ],
            cwd=notebook.parent,
        )
        if done.returncode:
            return 1
    tests = ROOT / "tests"
    sys.path.insert(0, str(ROOT / "src"))
    try:
        import pytest
    except ImportError:  # no pytest here: run the test functions one by one
        import importlib.util

        for path in sorted(tests.glob("test_*.py")):
            spec = importlib.util.spec_from_file_location(path.stem, path)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            for name in dir(module):
                if name.startswith("test_"):
                    getattr(module, name)()
        print("tests passed")
        return 0
    return int(pytest.main(["-q", str(tests)]))


if __name__ == "__main__":
    sys.exit(main())
