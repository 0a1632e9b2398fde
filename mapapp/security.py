"""Security headers, computed once from the settings and added to every response.

A map embedded on many sites must not run anyone's script: pages load scripts only
from this site (no inline script, no eval), images only from here, `data:` and the
tile server. `/embed` may be framed by any site unless MAPAPP_FRAME_ANCESTORS names
the origins that may; every other page only by this site. The API and data are
readable from any origin (GET, no credentials).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

ORIGIN = re.compile(r"^https?://[A-Za-z0-9.-]+(:\d{1,5})?$")
PERMISSIONS_POLICY = ", ".join(f"{feature}=()" for feature in (
    "accelerometer", "camera", "geolocation", "gyroscope", "magnetometer", "microphone",
    "payment", "usb", "interest-cohort", "browsing-topics",
))
CORS_PREFIXES = ("/api", "/oembed", "/healthz")


def parse_frame_ancestors(value: str) -> tuple[str, ...]:
    """MAPAPP_FRAME_ANCESTORS: origins separated by spaces or commas; empty means any."""
    origins = tuple(part for part in re.split(r"[\s,]+", value.strip()) if part)
    for origin in origins:
        if not ORIGIN.match(origin):
            raise ValueError(f"MAPAPP_FRAME_ANCESTORS: {origin!r} is not an origin "
                             "like https://news.example.org")
    return origins


def tile_source(url_template: str) -> str:
    """The CSP source that admits the tile server: scheme and host, `{s}` as a wildcard."""
    parts = urlsplit(url_template.replace("{s}", "*"))
    host = re.sub(r"\{[^}]*\}", "*", parts.netloc)
    return f"{parts.scheme}://{host}"


@dataclass(frozen=True)
class SecurityHeaders:
    embed_ancestors: tuple[str, ...]
    tile_source: str
    hsts: bool

    def policy(self, path: str) -> str:
        directives = [
            "default-src 'self'", "script-src 'self'", "style-src 'self'",
            f"img-src 'self' data: {self.tile_source}", "connect-src 'self'",
            "font-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'self'",
            self.frame_ancestors(path),
        ]
        return "; ".join(directives)

    def frame_ancestors(self, path: str) -> str:
        if path == "/embed":
            return "frame-ancestors " + (" ".join(self.embed_ancestors)
                                         if self.embed_ancestors else "*")
        return "frame-ancestors 'self'"

    def for_path(self, path: str) -> list[tuple[str, str]]:
        """Every header a response to `path` carries."""
        headers = [
            ("Content-Security-Policy", self.policy(path)),
            ("X-Content-Type-Options", "nosniff"),
            ("Referrer-Policy", "strict-origin-when-cross-origin"),
            ("Permissions-Policy", PERMISSIONS_POLICY),
            ("Cross-Origin-Opener-Policy", "same-origin"),
        ]
        if path != "/embed":
            headers.append(("X-Frame-Options", "SAMEORIGIN"))
        if self.hsts:
            headers.append(("Strict-Transport-Security", "max-age=31536000"))
        if path.startswith(CORS_PREFIXES):
            headers += [("Access-Control-Allow-Origin", "*"),
                        ("Access-Control-Allow-Methods", "GET, HEAD, OPTIONS")]
        return headers
