#!/usr/bin/env python3
"""Loads every rendered page of the book in headless Chromium, from file:// with the
network off, and fails on a script error or an image that does not load.

Each page records what went wrong while loading in an attribute of its <html> element
(see book/theme/head.hbs); this script reads it from the DOM that Chromium dumps. When no
Chromium or Chrome is installed, it says so and skips (exit 0) — never silently.
"""
import pathlib
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

ROOT = pathlib.Path(__file__).resolve().parent.parent
HTML = ROOT / "target" / "book" / "html"
BROWSERS = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome"]
CHECK = re.compile(r'data-page-check="([^"]*)"')


def load(browser, page):
    command = [
        browser, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
        # The network is off: any request that leaves file:// fails.
        "--host-resolver-rules=MAP * ~NOTFOUND", "--proxy-server=http://127.0.0.1:9",
        "--virtual-time-budget=10000", "--dump-dom", page.as_uri(),
    ]
    try:
        dom = subprocess.run(command, capture_output=True, text=True, timeout=60).stdout
    except subprocess.TimeoutExpired:
        return f"{page.name}: did not finish loading within 60 s"
    m = CHECK.search(dom)
    if not m:
        return f"{page.name}: the page never finished loading (no self-check recorded)"
    return None if m.group(1) == "ok" else f"{page.name}: {m.group(1)}"


def main():
    browser = next((b for b in BROWSERS if shutil.which(b)), None)
    if browser is None:
        print("skipped: no Chromium or Chrome on this machine, so the rendered pages were not loaded in a browser")
        return 0
    # 404.html is meant for a web server (its links are absolute); toc.html is a fragment.
    pages = sorted(p for p in HTML.glob("*.html") if p.name not in ("404.html", "toc.html"))
    if not pages:
        print(f"{HTML.relative_to(ROOT)} has no pages (render the book first)")
        return 1
    with ThreadPoolExecutor(max_workers=2) as pool:
        problems = [p for p in pool.map(lambda page: load(browser, page), pages) if p]
    for problem in problems:
        print(problem)
    print(f"{len(pages)} pages loaded in {browser} (headless, network off): {len(problems)} with problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
