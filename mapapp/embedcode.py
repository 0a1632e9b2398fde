"""The code a newsroom pastes, and the oEmbed answer that carries the same code.

One block: a responsive wrapper holding the iframe, then the host-page helper (embed.js).
The wrapper alone shows the whole map (a CMS often strips scripts); the helper installs
itself once, so pasting the block twice is harmless. The share dialog builds the same
code in the browser (`iframeCode` in share.js); a browser test holds the two to the same
output.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from html import escape
from typing import Any
from urllib.parse import parse_qs, urlsplit

from mapapp.catalogue import Catalogue
from mapapp.errors import BadParameter, NotFound, single_values
from mapapp.i18n import N_, translate
from mapapp.viewstate import (
    EMBED_PARAMETERS,
    PAGE_PARAMETERS,
    PICTURE_WIDTH,
    PICTURE_WIDTHS,
    BadMapUrl,
    PictureRequest,
    ViewState,
    check_view,
    parse_view_state,
    with_current_feature,
)

SITE_TITLE = N_("China–Kazakhstan cooperation map")
DEFAULT_WIDTH, DEFAULT_HEIGHT = 800, 450
IFRAME_STYLE = "position:absolute;inset:0;width:100%;height:100%;border:0"


def iframe_title(article: dict[str, Any], long_date: str, lang: str = "en") -> str:
    """The iframe's title (and the oEmbed title) in `lang`."""
    return translate(lang, "%(site)s: the places named in %(author)s's article of %(date)s") % {
        "site": translate(lang, SITE_TITLE), "author": article["author"], "date": long_date}


def state_query(state: ViewState) -> str:
    """The query string of a view, in the fixed order both builders use."""
    parts = []
    if state.layers is not None:
        parts.append("layers=" + ",".join(state.layers))
    if state.feature:
        parts.append("feature=" + state.feature)
    if not state.controls:
        parts.append("controls=0")
    if not state.legend:
        parts.append("legend=0")
    if state.groups is not None:
        parts.append("groups=" + ",".join(state.groups))
    if state.status is not None:
        parts.append("status=" + ",".join(state.status))
    if state.lang:
        parts.append("lang=" + state.lang)
    if state.theme:
        parts.append("theme=" + state.theme)
    return "?" + "&".join(parts) if parts else ""


def picture_query(state: ViewState, lang: str, width: int = PICTURE_WIDTH) -> str:
    """The query of the picture of a view, in `lang` (a picture names its language, as
    its bytes depend on the URL alone); `width` of the PNG."""
    query = state_query(replace(state, controls=True, legend=True, lang=lang, theme=None))
    extra = []
    if state.view is not None:
        zoom, lat, lon = state.view
        extra.append(f"view={zoom}/{lat:g}/{lon:g}")
    if width != PICTURE_WIDTH:
        extra.append(f"width={width}")
    if extra:
        query += ("&" if query else "?") + "&".join(extra)
    return query


def iframe_code(src: str, title: str, script: str, *, height: int | None = None,
                ratio: str = "16/9", max_width: int | None = None) -> str:
    """A responsive wrapper (full width, at most `max_width`; a fixed `height` or an
    aspect `ratio`) holding the iframe (titled, lazy, allowed to go full screen), then
    the helper `script` (the URL of embed.js) that lets a too low frame grow."""
    wrapper = "position:relative;width:100%"
    if max_width:
        wrapper += f";max-width:{max_width}px"
    wrapper += f";height:{height}px" if height else f";aspect-ratio:{ratio}"
    return (f'<div data-mapapp-embed style="{wrapper}"><iframe src="{escape(src)}" '
            f'title="{escape(title)}" loading="lazy" allowfullscreen style="{IFRAME_STYLE}">'
            f'</iframe></div><script src="{escape(script)}" async></script>')


class FormatNotImplemented(BadParameter):
    code = 501
    name = "Not Implemented"


@dataclass(frozen=True)
class OEmbedRequest:
    url: str
    maxwidth: int | None
    maxheight: int | None


def _positive(name: str, value: str | None) -> int | None:
    if value is None or value == "":
        return None
    if not value.isdigit() or int(value) == 0:
        raise BadParameter(f"{name}={value!r} must be a positive whole number of pixels")
    return int(value)


def parse_oembed_request(args: dict[str, list[str]]) -> OEmbedRequest:
    """Checks `url`, `maxwidth`, `maxheight`, `format`: json; xml, the other format
    oEmbed defines, gets its 501, and anything else is a bad value (400)."""
    single = single_values(args, ("url", "maxwidth", "maxheight", "format"), "/oembed")
    oembed_format = single.get("format", "json")
    if oembed_format == "xml":
        raise FormatNotImplemented("format 'xml' is not served; use json")
    if oembed_format != "json":
        raise BadParameter(f"format must be json (or xml, which is not served); "
                           f"got {oembed_format!r}")
    if not single.get("url"):
        raise BadParameter("parameter 'url' is required: a URL of this map")
    return OEmbedRequest(single["url"], _positive("maxwidth", single.get("maxwidth")),
                         _positive("maxheight", single.get("maxheight")))


def oembed_response(request: OEmbedRequest, base: str, catalogue: Catalogue,
                    title: str | Mapping[str, str]) -> dict[str, Any]:
    """The oEmbed 1.0 `rich` answer for a URL of this site (`base` ends in '/');
    `title` may map each language to its title, chosen by the URL's `lang=`
    (English when it has none)."""
    page = urlsplit(request.url)
    root = urlsplit(base)
    path = page.path[len(root.path):] if page.path.startswith(root.path) else None
    if (page.scheme, page.netloc) != (root.scheme, root.netloc) or path not in ("", "embed"):
        raise NotFound(f"{request.url!r} is not a map URL of this site ({base} or {base}embed)")
    args = parse_qs(page.query, keep_blank_values=True)
    args = with_current_feature(args, catalogue) or args  # the page would redirect there
    try:
        state = parse_view_state(args, catalogue, EMBED_PARAMETERS if path else PAGE_PARAMETERS,
                                 f"/{path}")
    except BadMapUrl as error:  # an API answers JSON, not the page
        raise BadParameter(error.description) from None
    view = check_view(page.fragment)
    if not isinstance(title, str):
        title = title[state.lang or "en"]
    width = min(DEFAULT_WIDTH, request.maxwidth or DEFAULT_WIDTH)
    height = min(round(width * DEFAULT_HEIGHT / DEFAULT_WIDTH), request.maxheight or DEFAULT_HEIGHT)
    src = f"{base}embed{state_query(state)}" + (f"#{page.fragment}" if page.fragment else "")
    thumbnail = thumbnail_width(request)
    return {
        "version": "1.0", "type": "rich", "title": title,
        "provider_name": SITE_TITLE, "provider_url": base,
        "html": iframe_code(src, title, f"{base}embed.js", height=height, max_width=width),
        "width": width, "height": height,
        "thumbnail_url": base + "image.png" + picture_query(
            replace(state, view=view), state.lang or "en", thumbnail),
        "thumbnail_width": thumbnail,
        "thumbnail_height": PictureRequest(state, "png", thumbnail).height,
    }


def thumbnail_width(request: OEmbedRequest) -> int:
    """The card's 1200 px, within `maxwidth` and `maxheight` down to the smallest PNG."""
    width = PICTURE_WIDTH
    if request.maxwidth:
        width = min(width, request.maxwidth)
    if request.maxheight:
        width = min(width, request.maxheight * 1200 // 630)
    return max(width, PICTURE_WIDTHS[0])
