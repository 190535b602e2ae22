"""The course site (``./course site``): the course as a static website, every lesson with its outputs
and figures, so that learners can read it before installing anything.

The pages: a home page linking the welcome page and every module of
:data:`healthpath.course.MODULE_IDS` (a module without lessons yet is shown as planned), each
module's README with its lessons and its other Markdown pages (templates, example projects), the
exercise notebooks of ``release/`` as learners get them, and the datasets' cards.

Lessons are rendered from the executed copies the lesson run keeps (``./course lessons`` and the
lesson tests write ``build/executed/<module>/<lesson>.ipynb``, :data:`graders.lessons.EXECUTED_FOLDER`),
so no lesson runs twice. A lesson without an executed copy, or whose copy is from an earlier version
of it (its cells differ), is executed once here with :func:`graders.lessons.run_lesson`, and its
copy kept for the next build. The builder is :mod:`healthpath.publish` (Sphinx with MyST-NB and the
Jupyter Book theme: it builds offline from PyPI wheels alone).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path, PurePosixPath

from graders.lessons import EXECUTED_FOLDER, LessonSetupError, executed_copy, run_lesson
from healthpath import project as projects
from healthpath.course import MODULE_IDS
from healthpath.portfolio import rendered_notebook
from healthpath.publish import Built, Page, PublishError, Site, build, read_notebook, sources

TITLE = "The Machine Learning Pathway for Health-Tech Professionals"
SKIPPED = {"__pycache__", "build", "site", "_build"}  # and hidden folders


def lessons_of(module: Path) -> list[Path]:
    """The lesson notebooks of a module folder (``modules/<module>/*.ipynb``), in order."""
    return sorted(module.glob("*.ipynb"))


def executed_lesson(root: Path, lesson: Path, executed: Path, log: Callable[[str], None]):
    """The executed notebook of ``lesson``: its kept copy in ``executed`` when it is from this
    version of the lesson, else the lesson run once now (its copy kept)."""
    saved = read_notebook(lesson)
    kept = executed_copy(executed, lesson)
    if kept.is_file():
        try:
            notebook = read_notebook(kept)
        except PublishError:
            notebook = None
        if notebook is not None and sources(notebook) == sources(saved):
            return notebook
        log(f"site: {kept} is from an earlier version of {lesson.relative_to(root)}; running it again")
    else:
        log(f"site: no executed copy of {lesson.relative_to(root)} in {executed}; running it once")
    try:
        run = run_lesson(lesson, keep=kept)
    except LessonSetupError as error:
        raise PublishError(f"{lesson.relative_to(root)} has no executed copy and cannot be run here: "
                           f"{error}") from error
    if run.problems:
        log(f"site: warning: {lesson.relative_to(root)}: {'; '.join(run.problems)}")
    if not kept.is_file():
        raise PublishError(f"{lesson.relative_to(root)} did not run ({run.error}); fix the lesson or run "
                           "./course lessons on it")
    return read_notebook(kept)


def module_title(module_id: str, readme: Path) -> str:
    """The module's title: its README's first heading, else its folder's name in words."""
    if readme.is_file():
        heading = next((line[2:].strip() for line in readme.read_text(encoding="utf-8").splitlines()
                        if line.startswith("# ")), "")
        if heading:
            return heading
    number, _, words = module_id.partition("-")
    return f"Module {int(number)}: {words.replace('-', ' ').capitalize()}"


def course_site(root: Path, executed: Path, log: Callable[[str], None] = print) -> Site:
    """The course's pages (see the module's docstring)."""
    root = Path(root).resolve()
    pages: list[Page] = []
    lines = []
    for module_id in MODULE_IDS:
        folder = root / "modules" / module_id
        readme = folder / "README.md"
        title = _escape(module_title(module_id, readme))
        lessons = lessons_of(folder) if folder.is_dir() else []
        if not readme.is_file():
            lines.append(f"- {title} <span class=\"hp-planned\">(planned)</span>")
            continue
        target = f"modules/{module_id}/README.md"
        children = [f"modules/{module_id}/{lesson.name}" for lesson in lessons]
        others = sorted(p for p in folder.rglob("*.md") if p != readme and _published(p.relative_to(folder)))
        children += [f"modules/{module_id}/{p.relative_to(folder).as_posix()}" for p in others]
        shown = _example_notebooks(folder, log)
        children += [f"modules/{module_id}/{relative}" for relative in shown]
        release = root / "release" / module_id
        exercises = sorted(release.glob("*.ipynb")) if release.is_dir() else []
        children += [f"release/{module_id}/{p.name}" for p in exercises]
        pages.append(Page(target, text=readme.read_text(encoding="utf-8"), children=children, origin=readme))
        for lesson in lessons:
            pages.append(Page(f"modules/{module_id}/{lesson.name}", origin=lesson,
                              notebook=executed_lesson(root, lesson, executed, log)))
        pages += [Page(f"modules/{module_id}/{p.relative_to(folder).as_posix()}", origin=p,
                       text=p.read_text(encoding="utf-8")) for p in others]
        pages += [Page(f"modules/{module_id}/{relative}", notebook=nb, origin=folder / relative)
                  for relative, nb in shown.items()]
        pages += [Page(f"release/{module_id}/{p.name}", notebook=read_notebook(p), origin=p)
                  for p in exercises]
        count = f"{len(lessons)} lesson" + ("s" if len(lessons) != 1 else "") if lessons else (
            "<span class=\"hp-planned\">lessons planned</span>")
        lines.append(f"- [{title}]({target}): {count}")
    welcome = root / "welcome.ipynb"
    children = ["welcome.ipynb"] if welcome.is_file() else []
    if welcome.is_file():
        pages.insert(0, Page("welcome.ipynb", notebook=read_notebook(welcome), origin=welcome))
    children += [p.target for p in pages if re.fullmatch(r"modules/[^/]+/README\.md", p.target)]
    datasets = sorted((root / "datasets").glob("*/README.md"))
    if datasets:
        children.append("datasets/index.md")
        cards = "\n".join(f"- [{_escape(p.parent.name)}]({p.parent.name}/README.md)" for p in datasets)
        text = ("# Datasets\n\nEvery dataset of the course, offline, with its card: what it is, its "
                f"provenance, licence, schema and caveats.\n\n{cards}\n")
        pages.append(Page("datasets/index.md", text=text,
                          children=[f"datasets/{p.parent.name}/README.md" for p in datasets]))
        pages += [Page(f"datasets/{p.parent.name}/README.md", text=p.read_text(encoding="utf-8"), origin=p)
                  for p in datasets]
    start = "Start with the [welcome page](welcome.ipynb), which says how to install the course. " if (
        welcome.is_file()) else ""
    index = (f"# {TITLE}\n\nA Jupyter course in nine modules for health-tech professionals, from Python "
             "and health data formats to deep learning, fairness and a portfolio project. Every lesson "
             f"is shown here as it ran, with its outputs and figures. {start}\n\n## Modules\n\n"
             + "\n".join(lines) + "\n"
             + ("\n## Datasets\n\nThe [datasets' cards](datasets/index.md): provenance, licence, schema and "
                "caveats of every dataset the lessons use.\n" if datasets else ""))
    pages.insert(0, Page("index.md", text=index, children=children))
    return Site(TITLE, pages, _linked_files(root, pages))


def _published(relative: Path) -> bool:
    return not any(part in SKIPPED or part.startswith(".") for part in relative.parts[:-1])


def _example_notebooks(folder: Path, log: Callable[[str], None]) -> dict:
    """The notebooks of the example projects in a module's folder (each a folder with project.toml),
    as the portfolio shows them: those saved with their outputs (or run by their run.py)."""
    shown = {}
    for config in sorted(folder.glob("*/**/project.toml")):
        project = config.parent
        if not _published(project.relative_to(folder) / "x"):
            continue
        try:
            notebooks = projects.config(project)["notebooks"]
        except projects.ProjectError as error:
            log(f"site: warning: {error}")
            continue
        for relative in notebooks:
            try:
                nb = rendered_notebook(project, relative, [])
            except PublishError:
                log(f"site: {(project / relative).relative_to(folder.parent.parent)} is not shown: it was "
                    "saved without outputs (its links show as text)")
                continue
            shown[(project.relative_to(folder) / relative).as_posix()] = nb
    return shown


def _linked_files(root: Path, pages: list[Page]) -> dict[str, Path]:
    """Files other than pages that the Markdown pages link to (images, downloads), when they exist
    in the course and are not private (source/, graders/ and tests/ are not published)."""
    files = {}
    targets = {p.target for p in pages}
    for page in pages:
        if page.text is None or page.origin is None:
            continue
        for link in re.findall(r"\]\(\s*<?([^)\s>]+)", page.text):
            if re.match(r"[a-z][a-z0-9+.-]*:|#|/", link):
                continue
            relative = (PurePosixPath(page.target).parent / link.split("#")[0]).as_posix()
            path = (page.origin.parent / link.split("#")[0]).resolve()
            try:
                inside = path.relative_to(root).as_posix()
            except ValueError:
                continue
            if (path.is_file() and relative not in targets and not inside.startswith(("source/", "graders/",
                                                                                        "tests/"))
                    and path.suffix not in (".md", ".ipynb") and path.stat().st_size < 5 * 2**20):
                files[_normal(relative)] = path
    return files


def _normal(relative: str) -> str:
    parts: list[str] = []
    for part in PurePosixPath(relative).parts:
        if part == "..":
            if parts:
                parts.pop()
        elif part != ".":
            parts.append(part)
    return "/".join(parts)


def _escape(text: str) -> str:
    return re.sub(r"([\\`*_\[\]<>])", r"\\\1", text)


def build_course_site(root: Path, out: Path, executed: Path | None = None, jobs: int = 1,
                      log: Callable[[str], None] = print) -> Built:
    """Build the course site of ``root`` into ``out`` from the executed lessons in ``executed``
    (default: the course's build/executed/)."""
    root = Path(root).resolve()
    executed = Path(executed) if executed else root / EXECUTED_FOLDER
    return build(course_site(root, executed, log), out, jobs=jobs)
