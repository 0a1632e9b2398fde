"""Domain errors that carry their HTTP status (one handler in the app maps them to
JSON), the one JSON body every error answers with, and the one check every query
string goes through."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence


def N_(message: str) -> str:
    """Marks a message for the translation catalogues without translating it here
    (the pages translate the messages of a wrong map URL)."""
    return message


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


def bad_parameter(template: str, **values: object) -> AppError:
    """A 400 from a message template and its values (`str.format` fields)."""
    return BadParameter(template.format(**values))


# The messages of single_values, as templates: the map pages translate them.
UNKNOWN_PARAMETER = N_("unknown query parameter {name} for {where}; it takes {allowed}")
UNKNOWN_PARAMETER_NONE = N_("unknown query parameter {name} for {where}; it takes none")
REPEATED_PARAMETER = N_("query parameter {name} is given {count} times; give it once")


def single_values(args: Mapping[str, Sequence[str]], allowed: Sequence[str], where: str,
                  error: Callable[..., AppError] = bad_parameter) -> dict[str, str]:
    """Each parameter once, and only those `where` takes: a silently ignored typo or a
    repeated value would hide a mistake. `args` maps each name to all its values;
    `error(template, **values)` makes the exception raised."""
    unknown = sorted(set(args) - set(allowed))
    if unknown:
        if allowed:
            raise error(UNKNOWN_PARAMETER, name=repr(unknown[0]), where=where,
                        allowed=", ".join(allowed))
        raise error(UNKNOWN_PARAMETER_NONE, name=repr(unknown[0]), where=where)
    for name, values in args.items():
        if len(values) != 1:
            raise error(REPEATED_PARAMETER, name=repr(name), count=len(values))
    return {name: values[0] for name, values in args.items()}
