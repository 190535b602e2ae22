"""Settings and fixtures shared by the whole test suite."""

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class LearnerEdition:
    """A built learner edition, and the environment under which Python takes it as its course
    (its own `healthpath` package and data, as in a learner's install of it)."""

    root: Path

    @property
    def environment(self) -> dict[str, str]:
        return {"HEALTHPATH_ROOT": str(self.root), "PYTHONPATH": str(self.root)}

    def copy(self, folder: Path) -> "LearnerEdition":
        """A copy of this edition in ``folder``, for a test that adds to it."""
        shutil.copytree(self.root, folder, symlinks=True)
        return LearnerEdition(folder)


def pytest_configure(config):
    """Register the suite's markers."""
    config.addinivalue_line("markers", "lessons: executes a lesson notebook and holds it to its time and "
                                       "memory budget (`./course test` runs these last, on their own)")
    config.addinivalue_line("markers", "site: builds a site (the course's, a portfolio) and opens it in "
                                       "Chromium (`./course test` runs these after the lessons)")


@pytest.fixture(scope="session")
def learner_edition(tmp_path_factory) -> LearnerEdition:
    """The course's learner edition, built once per test process by `healthpath learner-edition`."""
    folder = tmp_path_factory.mktemp("learner-edition") / "course"
    built = subprocess.run([sys.executable, "-m", "graders.cli", "learner-edition", str(folder)],
                           cwd=ROOT, capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    return LearnerEdition(folder)
