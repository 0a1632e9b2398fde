"""Writes mapapp/static/favicon.ico from mapapp/static/favicon.svg (the source).

Browsers that take an SVG icon use favicon.svg; /favicon.ico is for the others and for
tools that ask for it by name. Chromium (through Playwright, as the tests use it) draws
the SVG at 16, 32 and 48 px, and Pillow packs the three into one ICO.

    python tools/make_favicon.py        # rewrites mapapp/static/favicon.ico
"""

from __future__ import annotations

import io
import os
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

STATIC = Path(__file__).resolve().parent.parent / "mapapp" / "static"
SIZES = (16, 32, 48)
CHROMIUM = os.environ.get("MAPAPP_TEST_CHROMIUM", "/usr/bin/chromium")


def main() -> None:
    svg = (STATIC / "favicon.svg").read_text(encoding="utf-8")
    images = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        page = browser.new_page()
        for size in SIZES:
            page.set_viewport_size({"width": size, "height": size})
            page.set_content(f'<style>html,body{{margin:0;background:transparent}}svg{{'
                             f'display:block;width:{size}px;height:{size}px}}</style>{svg}')
            png = page.screenshot(omit_background=True)
            images.append(Image.open(io.BytesIO(png)).convert("RGBA"))
        browser.close()
    largest = images[-1]
    largest.save(STATIC / "favicon.ico", format="ICO", sizes=[(s, s) for s in SIZES],
                 append_images=images[:-1])


if __name__ == "__main__":
    main()
