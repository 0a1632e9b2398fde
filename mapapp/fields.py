"""Small predicates on JSON values, shared by the rules of the data."""

from __future__ import annotations

import math
import re
from typing import Any


def is_web_url(value: Any) -> bool:
    """Only http(s) URLs become links anywhere in the app; written as URIs (RFC 3986:
    ASCII, other characters percent-encoded), as the API's schema declares them."""
    return (isinstance(value, str) and value.isascii()
            and re.match(r"^https?://[^\s]+$", value) is not None)


def nonempty_str(value: Any) -> bool:
    return isinstance(value, str) and value.strip() != ""


def is_number(value: Any) -> bool:
    """A finite JSON number (booleans are not numbers here)."""
    return (isinstance(value, int | float) and not isinstance(value, bool)
            and math.isfinite(value))


def is_position(value: Any) -> bool:
    """[lon, lat]: two finite numbers in range."""
    return (isinstance(value, list) and len(value) == 2 and all(map(is_number, value))
            and -180 <= value[0] <= 180 and -90 <= value[1] <= 90)
