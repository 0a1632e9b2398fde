"""The production gunicorn settings, with a fault a test can switch on: while the data
folder holds a file named FAIL_BUILD, building the pages at a reload raises a
RuntimeError (a bug, not refused data). Used by tests/test_reload.py."""

import os
from pathlib import Path

import mapapp
from mapapp.gunicorn_config import *  # noqa: F403 (the settings under test, unchanged)
from mapapp.gunicorn_config import on_reload as production_on_reload


def on_reload(server) -> None:
    if not (Path(os.environ["MAPAPP_DATA_DIR"]) / "FAIL_BUILD").exists():
        production_on_reload(server)
        return
    build_pages = mapapp.build_pages

    def broken(*args, **kwargs):
        build_pages(*args, **kwargs)
        raise RuntimeError("a bug while building the pages")

    mapapp.build_pages = broken
    try:
        production_on_reload(server)
    finally:
        mapapp.build_pages = build_pages
