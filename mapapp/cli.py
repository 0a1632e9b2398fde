"""The `mapapp` command: `check` the data, `serve` the map under gunicorn."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from mapapp.catalogue import load_catalogue
from mapapp.problems import DataError
from mapapp.quotes import check_quotes
from mapapp.settings import load_settings


def _source_text(value: str) -> tuple[str, Path]:
    source_id, sep, path = value.partition("=")
    if not sep or not source_id or not path:
        raise argparse.ArgumentTypeError(f"expected ID=PATH, got {value!r}")
    return source_id, Path(path)


def check(args: argparse.Namespace) -> int:
    data_dir = args.data_dir or load_settings()["MAPAPP_DATA_DIR"]
    try:
        catalogue = load_catalogue(data_dir)
    except DataError as error:
        print(error.report(), file=sys.stderr)
        return 1
    except Exception as error:  # a bug of the checks, never a traceback for the data's author
        print(f"mapapp check: internal error while checking {data_dir}: "
              f"{type(error).__name__}: {error}", file=sys.stderr)
        return 2
    problems = [p for source_id, path in args.source_text
                for p in check_quotes(catalogue, source_id, path)]
    if problems:
        print(DataError(problems).report(), file=sys.stderr)
        return 1
    quotes = sum(len(f["properties"]["citations"])
                 for c in catalogue.collections for f in c.features)
    checked = f"; quotes checked against {', '.join(s for s, _ in args.source_text)}" \
        if args.source_text else ""
    print(f"ok: {len(catalogue.collections)} collections, {catalogue.feature_count} features, "
          f"{quotes} citations{checked}")
    return 0


def serve(args: argparse.Namespace) -> int:
    """Run the production server (the Procfile's gunicorn settings) on host:port."""
    from gunicorn.app.base import BaseApplication

    from mapapp import gunicorn_config
    from mapapp.asgi import create_asgi_app

    class Server(BaseApplication):
        def load_config(self) -> None:
            options: dict[str, Any] = {
                name: value for name, value in vars(gunicorn_config).items()
                if name in self.cfg.settings and value is not None
            }
            options["bind"] = f"{args.host}:{args.port}"
            for name, value in options.items():
                self.cfg.set(name, value)

        def load(self) -> Any:
            return create_asgi_app()

    try:
        Server().run()
    except DataError as error:
        print(error.report(), file=sys.stderr)
        return 1
    return 0


def export(args: argparse.Namespace) -> int:
    from mapapp.export import ExportError, export_site

    try:
        files = export_site(Path(args.directory), base_url=args.base_url)
    except (DataError, ExportError) as error:
        print(error.report() if isinstance(error, DataError) else error, file=sys.stderr)
        return 1
    print(f"wrote {len(files)} files to {args.directory}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="mapapp", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    check_parser = commands.add_parser("check", help="validate the geodata folder")
    check_parser.add_argument("--data-dir", help="folder to check (default: MAPAPP_DATA_DIR)")
    check_parser.add_argument("--source-text", type=_source_text, action="append", default=[],
                              metavar="ID=PATH",
                              help="also check every quote of source ID against the text at PATH")
    check_parser.set_defaults(run=check)

    serve_parser = commands.add_parser("serve", help="run the map under gunicorn")
    serve_parser.add_argument("--host", default="127.0.0.1")
    serve_parser.add_argument("--port", type=int, default=8000)
    serve_parser.set_defaults(run=serve)

    export_parser = commands.add_parser(
        "export", help="write the map as a static site (for any static host or CDN)")
    export_parser.add_argument("directory", help="a new or empty folder")
    export_parser.add_argument(
        "--base-url", help="the public URL the site will have (e.g. https://map.example.org/),"
        " for the absolute URLs of the preview cards; without it cards have no picture")
    export_parser.set_defaults(run=export)

    args = parser.parse_args(argv)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
