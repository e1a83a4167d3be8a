#!/usr/bin/env python3
"""Checks the book as a reader gets it, beyond what mdBook and the link checker see.

    tools/check-book.py sources   before the build: control characters in chapter and
                                  generated Markdown, includes and images that do not resolve
    tools/check-book.py html      after the build: math left raw, includes left unexpanded,
                                  images that do not resolve, links to missing anchors

Each problem is printed as one line naming its file; the exit status is 1 if any was found.
"""
import html.parser
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
BOOK = ROOT / "book"
HTML = ROOT / "target" / "book" / "html"

# C0 control characters other than newline and carriage return (a TAB in a formula turns
# "\theta" into "<TAB>heta" and renders as garbage without any warning).
CONTROL = re.compile(r"[\x00-\x09\x0b\x0c\x0e-\x1f]")
INCLUDE = re.compile(r"\{\{#include\s+([^}:\s]+)(?::([A-Za-z0-9_\-]+))?\s*\}\}")
IMAGE = re.compile(r"!\[[^\]]*\]\(([^)\s]+)\)")


def cells(row):
    """The cells of a Markdown table row: split at pipes that are not escaped and not
    inside inline code."""
    row = re.sub(r"`[^`]*`", "code", row.strip()).replace(r"\|", "")
    return row.strip("|").split("|")


def table_problems(rel, text):
    """Rows whose number of cells differs from their table's header: an unescaped pipe
    inside a cell (as in H(Y | X)) silently shifts every cell after it."""
    problems, width = [], None
    for number, line in enumerate(text.splitlines(), 1):
        if not line.lstrip().startswith("|"):
            width = None
            continue
        count = len(cells(line))
        if width is None:
            width = count
        elif count != width:
            problems.append(f"{rel}:{number}: table row has {count} cells, its header {width}")
    return problems


def markdown_files():
    yield from sorted(BOOK.glob("*.md"))
    yield from sorted((BOOK / "generated").rglob("*.md"))


def check_sources():
    problems = []
    for path in markdown_files():
        rel = path.relative_to(ROOT)
        text = path.read_text(encoding="utf-8")
        for number, line in enumerate(text.splitlines(), 1):
            m = CONTROL.search(line)
            if m:
                problems.append(f"{rel}:{number}: control character {ord(m.group()):#04x}")
        problems.extend(table_problems(rel, text))
        if path.parent != BOOK:
            continue
        for target, anchor in INCLUDE.findall(text):
            included = (path.parent / target).resolve()
            if not included.is_file():
                problems.append(f"{rel}: include {target} does not exist")
            elif anchor and f"ANCHOR: {anchor}" not in included.read_text(encoding="utf-8"):
                problems.append(f"{rel}: include {target}:{anchor} names a missing anchor")
        for target in IMAGE.findall(text):
            if "://" not in target and not (path.parent / target).is_file():
                problems.append(f"{rel}: image {target} does not exist")
    return problems


class Page(html.parser.HTMLParser):
    """Collects a page's visible text, image sources, links and element ids."""

    HIDDEN = {"script", "style", "code", "pre", "annotation", "title"}

    def __init__(self):
        super().__init__()
        self.text, self.images, self.links, self.ids = [], [], [], set()
        self.hidden_depth = 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        if tag == "img" and attrs.get("src"):
            self.images.append(attrs["src"])
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        if tag in self.HIDDEN:
            self.hidden_depth += 1

    def handle_endtag(self, tag):
        if tag in self.HIDDEN and self.hidden_depth > 0:
            self.hidden_depth -= 1

    def handle_data(self, data):
        if self.hidden_depth == 0:
            self.text.append(data)


RAW_MATH = re.compile(r"\$[^$\n]*\\[A-Za-z]+[^$\n]*\$|\$\$")


def check_html():
    if not HTML.is_dir():
        return [f"{HTML.relative_to(ROOT)} does not exist (render the book first)"]
    pages = {}
    for path in sorted(HTML.glob("*.html")):
        if path.name in ("print.html", "toc.html", "404.html"):
            continue
        page = Page()
        page.feed(path.read_text(encoding="utf-8"))
        pages[path.name] = page
    problems = []
    for name, page in pages.items():
        text = "".join(page.text)
        if "{{#" in text:
            problems.append(f"{name}: an mdBook include was left unexpanded")
        m = RAW_MATH.search(text)
        if m:
            problems.append(f"{name}: math left unrendered: {m.group()[:60]!r}")
        for src in page.images:
            if "://" not in src and not src.startswith("data:") and not (HTML / src).is_file():
                problems.append(f"{name}: image {src} does not load")
        for href in page.links:
            if "://" in href or href.startswith(("mailto:", "javascript:")) or "#" not in href:
                continue
            target, fragment = href.split("#", 1)
            target = target or name
            if target in pages and fragment and fragment not in pages[target].ids:
                problems.append(f"{name}: link {href} points at a missing anchor")
    return problems


def main():
    stage = sys.argv[1] if len(sys.argv) > 1 else ""
    checks = {"sources": check_sources, "html": check_html}
    if stage not in checks:
        print("usage: tools/check-book.py sources|html", file=sys.stderr)
        return 2
    problems = checks[stage]()
    for problem in problems:
        print(problem)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
