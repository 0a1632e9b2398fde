"""Domain errors that carry their HTTP status; one handler in the app maps them to JSON."""

from __future__ import annotations


class AppError(Exception):
    """An error a client caused; `code` is the HTTP status it answers with."""

    code = 400
    name = "Bad Request"

    def __init__(self, description: str) -> None:
        super().__init__(description)
        self.description = description


class NotFound(AppError):
    code = 404
    name = "Not Found"


class BadParameter(AppError):
    code = 400
    name = "Bad Request"
