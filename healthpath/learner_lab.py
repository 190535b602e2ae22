"""The learner's JupyterLab: nbgrader's learner tool (Validate) on, its instructor tools off.

Run once per environment, by `./course setup` and by Binder's postBuild:
``python -m healthpath.learner_lab``. Menus are not enough: a disabled menu item leaves its page
reachable by address, so the instructor server extensions are disabled too, and formgrader's
pages answer 404 (instructors open it with `./course formgrader`). The assignment list is off as
well: without nbgrader's exchange (a JupyterHub) it has nothing to list.
"""

import json
import subprocess
import sys
from pathlib import Path

INSTRUCTOR_LAB_PLUGINS = (
    "@jupyter/nbgrader:formgrader",
    "@jupyter/nbgrader:create-assignment",
    "@jupyter/nbgrader:course-list",
    "@jupyter/nbgrader:assignment-list",
)
INSTRUCTOR_SERVER_EXTENSIONS = (
    "nbgrader.server_extensions.formgrader",
    "nbgrader.server_extensions.course_list",
    "nbgrader.server_extensions.assignment_list",
)
CONFIG = Path(sys.prefix) / "etc" / "jupyter"


def disabled_lab_plugins() -> set[str]:
    """The Lab plugins this environment disables (its page_config.json)."""
    page_config = CONFIG / "labconfig" / "page_config.json"
    settings = json.loads(page_config.read_text()) if page_config.is_file() else {}
    return {name for name, off in settings.get("disabledExtensions", {}).items() if off}


def enabled_server_extensions() -> dict[str, bool]:
    """Each server extension this environment's config files name, and whether it is enabled
    (files in jupyter_server_config.d are read in name order; a later file wins)."""
    enabled: dict[str, bool] = {}
    for path in sorted((CONFIG / "jupyter_server_config.d").glob("*.json")):
        enabled.update(json.loads(path.read_text()).get("ServerApp", {}).get("jpserver_extensions", {}))
    return enabled


def is_configured() -> bool:
    """Whether every instructor plugin and server extension is already disabled."""
    server = enabled_server_extensions()
    return (set(INSTRUCTOR_LAB_PLUGINS) <= disabled_lab_plugins()
            and not any(server.get(name, True) for name in INSTRUCTOR_SERVER_EXTENSIONS))


def configure() -> None:
    """Disable nbgrader's instructor tools in this environment (sys.prefix), if not done yet."""
    if is_configured():
        return
    jupyter = [sys.executable, "-m", "jupyter"]
    subprocess.run([*jupyter, "labextension", "disable", "--level=sys_prefix", *INSTRUCTOR_LAB_PLUGINS],
                   check=True, capture_output=True)
    for extension in INSTRUCTOR_SERVER_EXTENSIONS:
        subprocess.run([*jupyter, "server", "extension", "disable", "--sys-prefix", extension],
                       check=True, capture_output=True)


if __name__ == "__main__":
    configure()
