"""Checks of a built static site (the course site, a portfolio), shared by test_site.py and
test_portfolio.py: a crawl of its HTML for internal links that do not resolve and images without
alt text, and a local web server with a Chromium page that may reach nothing else."""

from __future__ import annotations

import contextlib
import functools
import http.server
import re
import threading
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath
from urllib.parse import unquote, urlsplit

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SECOND = 1000  # Playwright's timeouts are in milliseconds


class _Page(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []  # (tag, address)
        self.images: list[dict[str, str | None]] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids.add(attributes["id"])
        if tag == "a" and attributes.get("name"):
            self.ids.add(attributes["name"])
        for name in ("href", "src"):
            if attributes.get(name) and tag in ("a", "link", "script", "img", "source", "iframe"):
                self.links.append((tag, attributes[name]))
        if tag == "img":
            self.images.append(attributes)


@dataclass
class Crawl:
    """What a crawl of a site's HTML found."""

    pages: int = 0
    links: int = 0
    images: int = 0
    broken: list[str] = field(default_factory=list)  # "page: address"
    missing_anchors: list[str] = field(default_factory=list)
    bad_alt: list[str] = field(default_factory=list)
    absolute: list[str] = field(default_factory=list)  # links that would break on GitHub Pages


def looks_like_a_path(text: str) -> bool:
    """Whether alt text is a file's name or path rather than words ("g/L" in a sentence is words)."""
    text = text.strip()
    return bool(re.search(r"[\w.-]+\.(png|jpe?g|gif|svg|webp)\b", text, re.I)
                or (" " not in text and "/" in text) or re.fullmatch(r"[0-9a-f]{16,}", text))


def crawl(site: Path) -> Crawl:
    """Every internal link of every page of ``site`` (a folder of HTML) must name a file of the site
    (and an anchor that page has); every ``<img>`` needs alt text that is not a file's path."""
    site = Path(site)
    parsed = {}
    for page in sorted(site.rglob("*.html")):
        parser = _Page()
        parser.feed(page.read_text(encoding="utf-8", errors="replace"))
        parsed[page] = parser
    found = Crawl(pages=len(parsed))
    for page, parser in parsed.items():
        name = page.relative_to(site).as_posix()
        for image in parser.images:
            found.images += 1
            alt = (image.get("alt") or "").strip()
            if not alt or looks_like_a_path(alt):
                found.bad_alt.append(f"{name}: <img src={image.get('src')!r} alt={image.get('alt')!r}>")
        for tag, address in parser.links:
            parts = urlsplit(address)
            if parts.scheme or address.startswith("//"):
                continue  # external (http, https, mailto, data:)
            found.links += 1
            if parts.path.startswith("/"):
                found.absolute.append(f"{name}: {address}")
                continue
            target = page if not parts.path else (page.parent / unquote(parts.path))
            target = Path(_normal(target))
            if target.is_dir():
                target = target / "index.html"
            if not target.is_file() or site.resolve() not in (target.resolve(), *target.resolve().parents):
                found.broken.append(f"{name}: {address}")
                continue
            if parts.fragment and tag == "a" and target in parsed and unquote(parts.fragment) not in parsed[
                    target].ids:
                found.missing_anchors.append(f"{name}: {address}")
    return found


def _normal(path: Path) -> str:
    parts: list[str] = []
    for part in PurePosixPath(path.as_posix()).parts:
        if part == ".." and parts and parts[-1] != "/":
            parts.pop()
        elif part != ".":
            parts.append(part)
    return str(PurePosixPath(*parts))


@contextlib.contextmanager
def served(site: Path):
    """``site`` served on a free local port; yields its address."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@contextlib.contextmanager
def browser_page(playwright, address: str):
    """A Chromium page that may load only from ``address`` (every other request is refused, and
    listed in ``page.outside``); its console errors in ``page.errors``."""
    browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
    try:
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.outside, page.errors, page.failed = [], [], []

        def route(request_route):
            if request_route.request.url.startswith(address):
                request_route.continue_()
            else:
                page.outside.append(request_route.request.url)
                request_route.abort()

        page.route("**/*", route)
        page.on("pageerror", lambda error: page.errors.append(str(error)))
        page.on("response", lambda answer: page.failed.append(answer.url) if answer.status >= 400 else None)
        yield page
    finally:
        browser.close()


def images_loaded(page) -> list[str]:
    """The images of the page Chromium could not show (not loaded, or no size)."""
    return page.evaluate("""() => Array.from(document.images)
        .filter(img => !img.complete || img.naturalWidth === 0).map(img => img.src)""")
