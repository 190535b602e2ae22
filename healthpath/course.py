"""Facts about the course itself: where it lives and which modules it has."""

import os
from pathlib import Path

MODULE_IDS = (
    "01-python-fundamentals",
    "02-intro-to-ml",
    "03-data-wrangling-and-visualization",
    "04-supervised-learning",
    "05-unsupervised-learning",
    "06-deep-learning",
    "07-advanced-models",
    "08-real-world-projects",
    "09-final-project",
)


def course_root() -> Path:
    """The course checkout: ``$HEALTHPATH_ROOT`` if set, else the folder holding this package."""
    root = Path(os.environ.get("HEALTHPATH_ROOT") or Path(__file__).resolve().parent.parent)
    if not (root / "datasets").is_dir():
        raise FileNotFoundError(
            f"{root} is not a course checkout (it has no datasets/ folder). Install the course with "
            "`pip install -e .` from its checkout, or set HEALTHPATH_ROOT to the checkout's path."
        )
    return root
