"""The course's one static-site builder: Sphinx with MyST-NB and the Jupyter Book theme.

Both sites of the course are built here: a learner's portfolio of final projects
(``./course portfolio``, :mod:`healthpath.portfolio`) and the course itself (``./course site``,
:mod:`graders.site`). A caller describes its pages (:class:`Page`: Markdown text or a notebook,
each at its place in the site) and :func:`build` writes a static website, ready for GitHub Pages
(``.nojekyll``, relative links only).

Why this tool: Sphinx (https://www.sphinx-doc.org) with MyST-NB (https://myst-nb.readthedocs.io)
and sphinx-book-theme is the engine and theme of Jupyter Book 1, maintained by the Executable
Books project, and it builds offline from PyPI wheels alone. Jupyter Book 2 and mystmd fetch their
site theme from the web at build time (mystmd issues #207 and #1451), and Quarto is a separate
binary outside PyPI.

Notebooks are rendered from their stored outputs (``nb_execution_mode = "off"``): this builder
never executes a notebook. Every figure gets alt text (:func:`figure_alt`, written into the
rendered copy's cell metadata ``mystnb.image.alt``, never into the learner's file). The site is
built in a temporary folder and moved into place whole, so a failed build leaves nothing behind.
"""

from __future__ import annotations

import ast
import copy
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import nbformat

MARKER = ".healthpath-site"  # written in every built site: a folder holding it may be rebuilt
IMAGE_MIME_TYPES = ("image/png", "image/jpeg", "image/gif", "image/svg+xml")
ALT_LENGTH = 160


class PublishError(Exception):
    """A site cannot be built: bad input (named, with the fix) or a failed Sphinx build."""


@dataclass
class Page:
    """One page of a site at ``target`` (a path inside the site, ``.md`` or ``.ipynb``): either
    Markdown ``text`` or a ``notebook``, with the pages listed below it in the navigation
    (``children``: targets) and ``origin``, the file it came from (for messages)."""

    target: str
    text: str | None = None
    notebook: nbformat.NotebookNode | None = None
    children: list[str] = field(default_factory=list)
    origin: Path | None = None


@dataclass
class Site:
    """A whole site: its ``title``, its ``pages`` (``index.md`` is the home page) and other
    ``files`` to copy (site path -> file: images and downloads the pages link to)."""

    title: str
    pages: list[Page]
    files: dict[str, Path] = field(default_factory=dict)
    css: str = ""


@dataclass
class Built:
    """What :func:`build` made: the site's folder, its pages, build time, size and the links that
    pointed outside the site (Sphinx's warnings, unlinked in the pages)."""

    out: Path
    pages: int
    seconds: float
    bytes: int
    warnings: list[str]
    notes: list[str] = field(default_factory=list)  # the caller's own warnings about its input

    @property
    def unlinked(self) -> list[str]:
        """The warnings about links to something that is not in the site (shown as plain text)."""
        return [w for w in self.warnings if "xref_missing" in w]

    def summary(self) -> str:
        return (f"{self.pages} pages built in {self.seconds:.1f} s, {self.bytes / 2**20:.1f} MB, "
                f"into {self.out}")


# ----------------------------------------------------------------------------- notebooks


def read_notebook(path: Path) -> nbformat.NotebookNode:
    """The notebook at ``path``; :class:`PublishError` naming the file when it is not one."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
        json.loads(text)
    except OSError as error:
        raise PublishError(f"{path} cannot be read ({error.strerror})") from error
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        where = f" (line {error.lineno}, column {error.colno}: {error.msg})" if isinstance(
            error, json.JSONDecodeError) else ""
        raise PublishError(f"{path} is not a valid notebook: it is not JSON{where}. Fix: restore it "
                           "from git (git checkout -- FILE) or open it in JupyterLab and save it again"
                           ) from error
    try:
        return nbformat.reads(text, as_version=4)
    except Exception as error:  # noqa: BLE001 - nbformat raises several kinds for a broken notebook
        raise PublishError(f"{path} is JSON but not a valid notebook ({str(error).splitlines()[0]}). "
                           "Fix: open it in JupyterLab and save it again") from error


def has_outputs(nb: nbformat.NotebookNode) -> bool:
    """Whether any code cell of ``nb`` has an output (it was run and saved with its results)."""
    return any(cell.get("outputs") for cell in nb.cells if cell.cell_type == "code")


def sources(nb: nbformat.NotebookNode) -> list[tuple[str, str]]:
    """The notebook's cells as (type, source): what an executed copy must share with its notebook."""
    return [(cell.cell_type, cell.source) for cell in nb.cells]


_SUPTITLE = re.compile(r"""\bsuptitle\s*\(\s*""")
_TITLE_CALL = re.compile(r"""(?:\bset_title|\bplt\s*\.\s*title)\s*\(\s*""")
_TITLE_KEYWORD = re.compile(r"""\btitle\s*=\s*""")
_NOT_FIGURE_TITLES = {"legend", "dict", "Legend", "text", "annotate", "table", "dropdown"}


def figure_alt(source: str, section: str = "") -> str:
    """Alt text for the figures a code cell makes, from its source: the titles it sets (the
    figure's ``suptitle``, then its panels' ``set_title``/``plt.title``, else a ``title=``
    argument of a plotting call), else "Figure made by the code above: <its first line>" (with the
    ``section`` it is in, when given)."""
    figure = [_string_at(source, m.end()) for m in _SUPTITLE.finditer(source)]
    panels = [_string_at(source, m.end()) for m in _TITLE_CALL.finditer(source)]
    if not figure and not panels:
        panels = [_string_at(source, m.end()) for m in _TITLE_KEYWORD.finditer(source)
                  if _enclosing_call(source, m.start()) not in _NOT_FIGURE_TITLES]
    figure = list(dict.fromkeys(t for t in figure if _worded(t)))
    panels = [t for t in dict.fromkeys(panels) if _worded(t) and t not in figure]
    if figure or panels:
        text = "; ".join(figure)
        if panels:
            text += ("; panels: " if figure else "") + "; ".join(panels)
        return _clip("Figure: " + text)
    lines = [line.strip() for line in source.splitlines()]
    first = next((line for line in lines if line and not line.startswith(("%", "!"))), "")
    first = first.lstrip("#").strip() or "a plot"
    where = f" in “{section}”" if section else ""
    return _clip(f"Figure{where} made by the code above: {first}")


def _worded(title: str) -> bool:
    """Whether a title says something once the values the code fills in ("…") are left out."""
    return bool(re.search(r"[^\W\d_]{3,}", title))


def _string_at(source: str, position: int) -> str:
    """The text of the string literal (or f-string, with ``{...}`` as "…") starting at ``position``."""
    match = re.match(r"""([rRuUfFbB]{0,2})("{3}|'{3}|"|')""", source[position:])
    if not match:
        return ""
    prefix, quote = match.groups()
    start = position + match.end()
    end = start
    while end < len(source):
        if source[end] == "\\":
            end += 2
            continue
        if source.startswith(quote, end):
            break
        end += 1
    literal = source[position:end + len(quote)]
    if "f" in prefix.lower():
        body = source[start:end]
        # a value the code fills in is shown as "…" (it is in the figure itself)
        text = re.sub(r"\{\{|\}\}|\{[^{}]*\}", lambda m: m.group(0)[0] if m.group(0) in ("{{", "}}") else "…",
                      body)
    else:
        try:
            text = ast.literal_eval(literal)
        except (SyntaxError, ValueError):
            text = source[start:end]
        if isinstance(text, bytes):
            text = text.decode("utf-8", errors="replace")
    return " ".join(str(text).replace("\\n", " ").split())


def _enclosing_call(source: str, position: int) -> str:
    """The name of the call whose parentheses hold ``position`` ("" when none)."""
    depth = 0
    for index in range(position - 1, -1, -1):
        char = source[index]
        if char in ")]}":
            depth += 1
        elif char in "([{":
            if depth == 0:
                if char != "(":
                    return ""
                name = re.search(r"([A-Za-z_][A-Za-z0-9_]*)\s*$", source[:index])
                return name.group(1) if name else ""
            depth -= 1
    return ""


def _clip(text: str) -> str:
    return text if len(text) <= ALT_LENGTH else text[:ALT_LENGTH - 1].rstrip() + "…"


def with_alt_text(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of ``nb`` in which every code cell with an image output has alt text for it in its
    metadata (``mystnb.image.alt``, which MyST-NB gives the ``<img>``), unless it has some already."""
    nb = copy.deepcopy(nb)
    section = ""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            headings = re.findall(r"^#{1,6}\s+(.+?)\s*#*\s*$", cell.source, re.M)
            section = re.sub(r"[*_`]", "", headings[-1]).strip() if headings else section
            continue
        if cell.cell_type != "code":
            continue
        if not any(mime in output.get("data", {}) for output in cell.get("outputs", [])
                   for mime in IMAGE_MIME_TYPES):
            continue
        options = cell.metadata.setdefault("mystnb", {}).setdefault("image", {})
        if not str(options.get("alt", "")).strip():
            options["alt"] = figure_alt(cell.source, section)
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = markdown_with_alt(cell.source)
    return nb


_MARKDOWN_IMAGE = re.compile(r"!\[\s*\]\(\s*<?([^)\s>]+)>?[^)]*\)")


def markdown_with_alt(text: str) -> str:
    """Markdown whose images without alt text (``![](path)``) get one from the file's name."""

    def alt(match: re.Match) -> str:
        words = re.sub(r"[-_.]+", " ", PurePosixPath(match.group(1).split("?")[0]).stem).strip()
        rest = match.group(0)[match.group(0).index("]") + 1:]
        return f"![Image: {words or 'a picture'}]{rest}"

    return _MARKDOWN_IMAGE.sub(alt, text)


# ----------------------------------------------------------------------------- building


CONF = """\
# Written by healthpath.publish for one build; see that module.
project = {title!r}
html_title = {title!r}
author = ""
copyright = ""
extensions = ["myst_nb", "healthpath.publish"]
html_theme = "sphinx_book_theme"
html_theme_options = {{
    "home_page_in_toc": True,
    "use_download_button": False,
    "use_fullscreen_button": False,
    "show_toc_level": 2,
    "navigation_with_keys": False,
}}
html_static_path = ["_static"]
html_css_files = ["healthpath.css"]
html_copy_source = False
html_show_sourcelink = False
html_show_sphinx = True
html_last_updated_fmt = None
nb_execution_mode = "off"  # rendered from the stored outputs, never executed here
nb_merge_streams = True
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
myst_heading_anchors = 3
suppress_warnings = ["myst.header", "mystnb.unknown_mime_type", "misc.highlighting_failure"]
exclude_patterns = []
"""

CSS = """\
div.hp-cards.container { display: grid; grid-template-columns: repeat(auto-fill, minmax(18rem, 1fr));
  gap: 1rem; padding: 0; margin: 1rem 0; max-width: none; }
div.hp-card.container { border: 1px solid var(--pst-color-border); border-radius: .5rem;
  padding: .8rem 1rem; margin: 0; max-width: none; }
div.hp-card.container > p:first-child { font-size: 1.15rem; margin-bottom: .4rem; }
div.hp-card.container > p:last-child { margin-bottom: 0; }
.hp-planned { color: var(--pst-color-text-muted); }
"""


def build(site: Site, out: Path | str, *, jobs: int = 1) -> Built:
    """Build ``site`` into the folder ``out`` (new, empty, or a site built here before, which is
    replaced); :class:`PublishError` when it cannot be, with nothing left in ``out``."""
    started = time.monotonic()
    out = Path(out).resolve()
    check_destination(out)
    targets = [page.target for page in site.pages]
    if "index.md" not in targets:
        raise PublishError("a site needs a home page, index.md")
    duplicates = sorted({t for t in targets if targets.count(t) > 1})
    if duplicates:
        raise PublishError(f"two pages would be written at {', '.join(duplicates)}")
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="healthpath-site-") as scratch:
        source = Path(scratch) / "source"
        write_source(site, source)
        # beside ``out`` (one file system: the site moves into place whole); MyST-NB writes its
        # jupyter_execute/ beside the HTML folder, so inside this one too
        staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.building-", dir=out.parent))
        try:
            html = staging / "html"
            warnings = run_sphinx(source, html, Path(scratch), jobs)
            finish(html)
            replace(out, html)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    return Built(out, len(site.pages), time.monotonic() - started, size, warnings)


def check_destination(out: Path) -> None:
    """``out`` must be new, an empty folder or a site built here before (never someone's files)."""
    if out.exists() and not out.is_dir():
        raise PublishError(f"{out} is a file; give the folder to write the site into (--out DIR)")
    if out.is_dir() and any(out.iterdir()) and not (out / MARKER).is_file():
        raise PublishError(f"{out} is not empty and holds no site built by the course: give a new or "
                           "empty folder (--out DIR), so that nothing of yours is replaced")


def write_source(site: Site, source: Path) -> None:
    """The Sphinx project: conf.py, the CSS, every page (notebooks with alt text) and file."""
    (source / "_static").mkdir(parents=True)
    (source / "conf.py").write_text(CONF.format(title=site.title), encoding="utf-8")
    (source / "_static" / "healthpath.css").write_text(CSS + site.css, encoding="utf-8")
    for relative, path in site.files.items():
        destination = source / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, destination)
    for page in site.pages:
        destination = source / page.target
        destination.parent.mkdir(parents=True, exist_ok=True)
        if page.notebook is not None:
            notebook = with_alt_text(page.notebook)
            notebook.metadata.setdefault("language_info", {"name": "python"})  # the course's language
            nbformat.write(notebook, destination)
        else:
            text = markdown_with_alt(page.text or "")
            if page.children:
                entries = "\n".join("/" + str(PurePosixPath(c).with_suffix("")) for c in page.children)
                text = text.rstrip() + f"\n\n```{{toctree}}\n:hidden:\n\n{entries}\n```\n"
            destination.write_text(text, encoding="utf-8")


def run_sphinx(source: Path, html: Path, scratch: Path, jobs: int) -> list[str]:
    """Run Sphinx's HTML builder on ``source`` into ``html``; its warnings."""
    warnings_file = scratch / "warnings.txt"
    command = [sys.executable, "-m", "sphinx", "-b", "html", "-q", "-j", str(max(1, jobs)), "-E",
               "-d", str(scratch / "doctrees"), "-w", str(warnings_file), str(source), str(html)]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=scratch)
    warnings = [line.replace(str(source) + os.sep, "") for line in
                (warnings_file.read_text(encoding="utf-8").splitlines() if warnings_file.is_file() else [])
                if line.strip()]
    if done.returncode != 0:
        detail = (done.stderr.strip() or done.stdout.strip()).splitlines()[-12:]
        raise PublishError("Sphinx could not build the site:\n  " + "\n  ".join(detail))
    return warnings


def finish(html: Path) -> None:
    """Ready for GitHub Pages: ``.nojekyll`` (folders starting with _ are served), the marker, and
    none of Sphinx's build bookkeeping."""
    (html / ".nojekyll").write_text("", encoding="utf-8")
    (html / MARKER).write_text("built by healthpath.publish; this folder may be rebuilt\n", encoding="utf-8")
    (html / ".buildinfo").unlink(missing_ok=True)
    for template in (html / "_static").rglob("*.html"):  # the theme's Jinja macros, not pages
        template.unlink()
    for folder in sorted((p for p in html.rglob("*") if p.is_dir()), reverse=True):
        if not any(folder.iterdir()):
            folder.rmdir()


def replace(out: Path, staging: Path) -> None:
    """Put the built site at ``out``, replacing an old one (checked by :func:`check_destination`)."""
    check_destination(out)
    old = None
    if out.exists():
        old = out.with_name(f".{out.name}.old-{os.getpid()}")
        out.rename(old)
    staging.rename(out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


# ----------------------------------------------------------------------------- the Sphinx extension


def setup(app):
    """The Sphinx extension (named in the generated conf.py): a link whose target is not in the
    site becomes plain text (Sphinx has warned about it) instead of a link to nowhere."""
    app.connect("doctree-resolved", _unlink_missing)
    return {"parallel_read_safe": True, "parallel_write_safe": True}


def _unlink_missing(app, doctree, docname) -> None:
    from docutils import nodes

    for reference in list(doctree.findall(nodes.reference)):
        refid = reference.get("refid")
        if refid and refid not in doctree.ids:
            reference.replace_self(nodes.inline("", "", *reference.children, classes=["hp-unlinked"]))
