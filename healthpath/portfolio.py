"""``./course portfolio PATHS... --out DIR``: a static website of a learner's final projects.

Each PATH is a project made by ``./course new-project`` (it has a ``project.toml``). The site has
a home page with one card per project (its name, the one-line question of its README's first
heading, its held-out evaluation from ``results/evaluation.json`` when there is one, a link to its
page) and, per project, its README, its notebooks rendered with their outputs and figures, its
data card and its model card. It is ready for GitHub Pages: copy DIR's contents to the branch or
folder Pages serves (``.nojekyll`` is there, every link is relative).

The notebooks shown are the executed copies that ``python run.py`` writes under ``build/`` when
they exist (and are of the notebook's current version), else the notebook as saved when it has
outputs, else an earlier run's copy with a warning; the builder never runs a notebook
(:mod:`healthpath.publish`, Sphinx with MyST-NB and the Jupyter Book theme, which builds offline).
A portfolio is public, so a project is refused when a file looks like patient data or a secret
(the check-project item (f)); data files, the split's patient ids and build files are never
copied.

    python run.py                                   # in each project, first
    ./course portfolio heart-risk sepsis-alert --out site
    python -m http.server -d site                   # then open http://localhost:8000
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import textwrap
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import nbformat

from healthpath import project as projects
from healthpath.publish import Built, Page, PublishError, Site, build, has_outputs, read_notebook, sources

NOT_COPIED = {".git", ".venv", "venv", "__pycache__", ".ipynb_checkpoints", ".pytest_cache", "build",
              ".ruff_cache", "site", "_build"}


@dataclass
class Project:
    """What the portfolio shows of one project."""

    path: Path
    name: str
    question: str
    readme: str
    evaluation: dict | None
    notebooks: dict[str, nbformat.NotebookNode]  # path in the project -> the notebook to render
    pages: dict[str, str] = field(default_factory=dict)  # other Markdown pages: path -> text
    files: dict[str, Path] = field(default_factory=dict)  # other files (images, downloads)
    warnings: list[str] = field(default_factory=list)


def read_project(path: Path | str) -> Project:
    """Read the project at ``path`` for the portfolio; :class:`PublishError` naming the file and the
    fix when it is not a project, a notebook is broken or has no outputs, or a file is private."""
    folder = Path(path).resolve()
    if not folder.is_dir():
        raise PublishError(f"{path} is not a folder: give the folder of a project made by "
                           "./course new-project NAME")
    if not (folder / projects.CONFIG).is_file():
        raise PublishError(f"{folder} is not a project: it has no {projects.CONFIG}. Fix: give the folder "
                           "that ./course new-project NAME made (the one with project.toml and run.py)")
    try:
        settings = projects.config(folder)
    except projects.ProjectError as error:
        raise PublishError(str(error)) from error
    name = str(settings.get("name") or folder.name)
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]*", name):
        raise PublishError(f"{folder / projects.CONFIG}: name {name!r} cannot name a web page; use "
                           "letters, digits and dashes (e.g. heart-risk)")
    private = projects.check_files(folder, settings)
    if not private.passed:
        raise PublishError(f"{folder}: {private.why}. A portfolio is public. Fix: {private.fix}")
    readme_path = folder / "README.md"
    if not readme_path.is_file():
        raise PublishError(f"{readme_path} is missing: the project's page is its README. Fix: write one "
                           "(./course new-project writes a template)")
    readme = readme_path.read_text(encoding="utf-8")
    card = folder / settings["model_card"]
    if not card.is_file():
        raise PublishError(f"{card} is missing (model_card in {projects.CONFIG}). Fix: run the model card "
                           f"cell of the notebook (python run.py in {folder}) or write it")
    found = Project(folder, name, question(readme, name), readme, evaluation(folder, settings), {})
    for relative in settings["notebooks"]:
        found.notebooks[relative] = rendered_notebook(folder, relative, found.warnings)
    skipped = {PurePosixPath(settings["split"]).as_posix(), "README.md"} | set(found.notebooks)
    cap = float(settings["max_file_mb"]) * 2**20
    for file in projects.project_files(folder):
        relative = file.relative_to(folder).as_posix()
        parts = PurePosixPath(relative).parts
        if (relative in skipped or NOT_COPIED & set(parts[:-1]) or file.suffix == ".ipynb"
                or (parts[0] == "data" and relative != "data/README.md") or file.stat().st_size > cap):
            continue
        if file.suffix.lower() == ".md":
            found.pages[relative] = file.read_text(encoding="utf-8")
        else:
            found.files[relative] = file
    found.pages[card.relative_to(folder).as_posix()] = card.read_text(encoding="utf-8")  # even if ignored
    return found


def question(readme: str, name: str) -> str:
    """The project's one-line question: its README's first heading, without the leading "NAME:"."""
    heading = next((line[2:].strip() for line in readme.splitlines() if line.startswith("# ")), "")
    if heading.lower().startswith(name.lower() + ":"):
        heading = heading[len(name) + 1:].strip()
    return heading or name


def evaluation(folder: Path, settings: dict) -> dict | None:
    """The held-out evaluation the last run wrote (``results/evaluation.json``), or None."""
    if not settings["evaluation"]:
        return None
    path = folder / settings["evaluation"]
    if not path.is_file():
        return None
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
        for key in ("estimate", "lower", "upper"):
            float(record[key])
        str(record["metric"])
    except (json.JSONDecodeError, KeyError, TypeError, ValueError) as error:
        raise PublishError(f"{path} is not an evaluation written by project.save_evaluation ({error}). "
                           f"Fix: run python run.py in {folder} again") from error
    return record


def rendered_notebook(folder: Path, relative: str, warnings: list[str]) -> nbformat.NotebookNode:
    """The notebook to show for ``relative``: the executed copy ``build/<relative>`` that
    ``python run.py`` writes, else the notebook as saved when it has outputs."""
    saved_path = folder / relative
    if not saved_path.is_file():
        raise PublishError(f"{saved_path} does not exist, and {projects.CONFIG} lists it in notebooks. "
                           "Fix: restore it, or remove it from the list")
    saved = read_notebook(saved_path)
    executed_path = folder / "build" / relative
    if executed_path.is_file():
        executed = read_notebook(executed_path)
        if sources(executed) == sources(saved):
            return executed
        if not has_outputs(saved):
            warnings.append(f"{executed_path} is from an earlier version of {relative}: the site shows "
                            f"that run's results; run python run.py in {folder} again to update them")
            return executed
    if has_outputs(saved):
        return saved
    raise PublishError(f"{saved_path} has no outputs and has no executed copy ({executed_path}): "
                       f"run python run.py in {folder} first")


def portfolio_site(found: list[Project], title: str) -> Site:
    """The site of ``found``: the home page with the cards, then each project's pages."""
    names = [p.name for p in found]
    for name in dict.fromkeys(names):
        same = [str(p.path) for p in found if p.name == name]
        if len(same) > 1:
            raise PublishError(f"two projects are named {name} ({' and '.join(same)}): each needs its own "
                               f"page. Fix: rename one (name = \"...\" in its {projects.CONFIG})")
    pages, files, cards = [], {}, []
    for item in found:
        base = f"projects/{item.name}"
        children = [f"{base}/{relative}" for relative in item.notebooks]
        children += [f"{base}/{relative}" for relative in sorted(item.pages)]
        pages.append(Page(f"{base}/README.md", text=item.readme, children=children,
                          origin=item.path / "README.md"))
        pages += [Page(f"{base}/{relative}", notebook=nb, origin=item.path / relative)
                  for relative, nb in item.notebooks.items()]
        pages += [Page(f"{base}/{relative}", text=text, origin=item.path / relative)
                  for relative, text in sorted(item.pages.items())]
        files.update({f"{base}/{relative}": path for relative, path in item.files.items()})
        cards.append(card(item, f"{base}/README.md"))
    count = f"{len(found)} project" + ("s" if len(found) != 1 else "")
    index = (f"# {escape(title)}\n\n{count} of machine learning for health: each with its question, its "
             "notebooks with their results and figures, its data card and its model card.\n\n"
             ":::::{container} hp-cards\n" + "\n".join(cards) + ":::::\n")
    home = Page("index.md", text=index, children=[f"projects/{p.name}/README.md" for p in found])
    return Site(title, [home, *pages], files)


def card(item: Project, link: str) -> str:
    """One project's card on the home page (Markdown)."""
    lines = [f"**[{escape(item.name)}]({link})**", "", escape(item.question), ""]
    record = item.evaluation
    if record:
        level = f"{float(record.get('level', 0.95)) * 100:g}%"
        result = (f"**{escape(str(record['metric']))} {float(record['estimate']):.3f}** ({level} interval "
                  f"{float(record['lower']):.3f} to {float(record['upper']):.3f})")
        if record.get("n"):
            result += f", n = {int(record['n'])} held out"
        if record.get("held_out"):
            result += f": {escape(str(record['held_out']))}"
        lines += [result, ""]
    else:
        lines += ["*No held-out evaluation recorded yet (results/evaluation.json).*", ""]
    return "::::{container} hp-card\n" + "\n".join(lines) + "::::\n"


def escape(text: str) -> str:
    """``text`` shown as written in Markdown (no HTML, emphasis or links made of it)."""
    return re.sub(r"([\\`*_{}\[\]<>()#|!$~])", r"\\\1", " ".join(text.split()))


def build_portfolio(paths: list[Path | str], out: Path | str, title: str = "Portfolio") -> Built:
    """Read every project of ``paths`` and build their site into ``out``."""
    if not paths:
        raise PublishError("no project given: name at least one project folder")
    found = [read_project(path) for path in paths]
    built = build(portfolio_site(found, title), out)
    built.notes = [w for item in found for w in item.warnings]
    return built


def main(argv: list[str] | None = None) -> int:
    """``python -m healthpath.portfolio PATHS... --out DIR``: exit 0 when built, 2 on bad input."""
    parser = argparse.ArgumentParser(
        prog="course portfolio", formatter_class=argparse.RawDescriptionHelpFormatter,
        description=textwrap.dedent("""\
            Build a static website of final projects into DIR: a home page with one card per
            project (its question and held-out result) and, per project, its README, notebooks
            with their outputs and figures, data card and model card. Run `python run.py` in each
            project first (the site shows the executed copies it writes in build/). DIR is ready
            for GitHub Pages. Exit status 2 when a project cannot be shown (the message says
            which file and how to fix it); nothing is left in DIR then."""))
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH", help="a project's folder")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR",
                        help="the folder to write the site into (new, empty, or a site built before)")
    parser.add_argument("--title", default="Portfolio", help="the site's title (default: Portfolio)")
    args = parser.parse_args(argv)
    try:
        built = build_portfolio(args.paths, args.out, args.title)
    except PublishError as error:
        print(f"portfolio: {error}", file=sys.stderr)
        return 2
    for note in built.notes:
        print(f"portfolio: warning: {note}", file=sys.stderr)
    if built.unlinked:
        shown = "\n  ".join(built.unlinked[:5])
        print(f"portfolio: {len(built.unlinked)} links point to files the site does not have, and are "
              f"shown as text:\n  {shown}", file=sys.stderr)
    print(f"portfolio: {built.summary()}\nopen {built.out / 'index.html'}, or serve it: "
          f"python -m http.server -d {built.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
