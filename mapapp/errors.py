"""Domain errors that carry their HTTP status (one handler in the app maps them to
JSON), the one JSON body every error answers with, and the one check every query
string goes through."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence


class AppError(Exception):
    """An error a client caused; `code` is the HTTP status it answers with."""

    code = 400
    name = "Bad Request"

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


def error_body(code: int, description: str) -> bytes:
    """`{"code", "description"}`: the body of every error, from the app, its ASGI front
    or the worker, so a client reads one form."""
    return json.dumps({"code": code, "description": description}, ensure_ascii=False,
                      separators=(",", ":")).encode()


class NotFound(AppError):
    code = 404
    name = "Not Found"


class BadParameter(AppError):
    code = 400
    name = "Bad Request"


def single_values(args: Mapping[str, Sequence[str]], allowed: Sequence[str], where: str,
                  error: Callable[[str], AppError] = BadParameter) -> dict[str, str]:
    """Each parameter once, and only those `where` takes: a silently ignored typo or a
    repeated value would hide a mistake. `args` maps each name to all its values."""
    unknown = sorted(set(args) - set(allowed))
    if unknown:
        takes = f"it takes {', '.join(allowed)}" if allowed else "it takes none"
        raise error(f"unknown query parameter {unknown[0]!r} for {where}; {takes}")
    for name, values in args.items():
        if len(values) != 1:
            raise error(f"query parameter {name!r} is given {len(values)} times; give it once")
    return {name: values[0] for name, values in args.items()}
