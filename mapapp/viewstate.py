"""The map state a URL carries, checked before a page is served.

`/` and `/embed` take `layers=<id>,<id>` (absent: all layers; empty: none),
`feature=<id>` (an open popup), the filters `groups=<id>,<id>` and `status=<id>,<id>`
(absent: no filter; empty: nothing passes), `lang=en|ru|kk|zh` and `theme=light|dark`
(absent: the reader's system setting); `/embed` also takes `controls=0|1` and
`legend=0|1`. The pictures of the map (`/image.png`, `/image.svg`) take the page's state
(less the theme) and the view as a parameter, `view=<zoom>/<lat>/<lon>`, and the PNG a
`width=` (`parse_picture_request`).
The view itself (`#<zoom>/<lat>/<lon>`) is a URL fragment, which browsers never send:
the page checks it (mapapp.js) with the same rules as `check_view` below, used by oEmbed.
A wrong value is refused with a message naming it and the valid ones, never ignored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from mapapp.catalogue import Catalogue
from mapapp.errors import N_, BadParameter, single_values
from mapapp.i18n import LANGUAGES, STATUSES

NEW_PARAMETERS = ("groups", "status", "lang")
PAGE_PARAMETERS = ("layers", "feature", *NEW_PARAMETERS, "theme")
EMBED_PARAMETERS = ("layers", "feature", "controls", "legend", *NEW_PARAMETERS, "theme")
THEMES = ("light", "dark")
PICTURE_PARAMETERS = ("layers", "feature", *NEW_PARAMETERS, "view")  # no theme: one look
MAX_ZOOM = 19
PICTURE_WIDTH = 1200  # a preview card's width; its height keeps the card's 1200:630
PICTURE_WIDTHS = (300, 2400)  # the PNG's width= range: a thumbnail to a print page


def group_ids(catalogue: Catalogue) -> dict[str, str]:
    """Group name -> its id in URLs: lowercase words joined by hyphens ("Energy" ->
    "energy"); a name without such letters gets "group-N"."""
    ids: dict[str, str] = {}
    for index, name in enumerate(catalogue.groups, start=1):
        slug = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or f"group-{index}"
        while slug in ids.values():
            slug += f"-{index}"
        ids[name] = slug
    return ids


def status_id(status: str) -> str:
    """A status in URLs: "under construction" -> "under-construction"."""
    return status.replace(" ", "-")


class BadMapUrl(BadParameter):
    """A page URL with a wrong value; answered with a short HTML page, not JSON."""

    def __init__(self, template: str, values: Mapping[str, object],
                 valid: Mapping[str, Sequence[str]]) -> None:
        super().__init__(template.format(**values))
        self.template = template  # marked with N_: the page translates it
        self.values = values
        self.valid = valid


@dataclass(frozen=True)
class ViewState:
    layers: tuple[str, ...] | None = None  # None: every layer
    feature: str | None = None
    controls: bool = True
    legend: bool = True
    groups: tuple[str, ...] | None = None  # None: no filter
    status: tuple[str, ...] | None = None  # None: no filter
    lang: str | None = None  # None: negotiated from Accept-Language
    view: tuple[int, float, float] | None = None  # zoom, lat, lon; None: fit the features
    theme: str | None = None  # "light" or "dark"; None: the reader's system setting


@dataclass(frozen=True)
class PictureRequest:
    """A picture of a view: its state (the language is English when `lang=` is absent,
    so the bytes depend on the URL alone), the format and the PNG's width."""

    state: ViewState
    format: str  # "png" or "svg"
    width: int = PICTURE_WIDTH

    @property
    def height(self) -> int:
        return round(self.width * 630 / 1200)


def _valid_ids(catalogue: Catalogue) -> dict[str, list[str]]:
    return {
        "layers": [c.id for c in catalogue.collections],
        "features": catalogue.feature_ids,
        "groups": list(group_ids(catalogue).values()),
        "status": [status_id(status) for status in STATUSES],
        "lang": list(LANGUAGES),
        "theme": list(THEMES),
    }


def parse_view_state(args: Mapping[str, Sequence[str]], catalogue: Catalogue,
                     allowed: Sequence[str], where: str) -> ViewState:
    """`args` maps each query parameter to all its values (a MultiDict's `lists()`);
    `where` is the page's path, for the messages."""
    valid = _valid_ids(catalogue)

    def refuse(template: str, **values: object) -> BadMapUrl:
        return BadMapUrl(template, values, valid)

    single = single_values(args, allowed, where, refuse)
    layers = None
    if "layers" in single:
        layers = _split_ids(single["layers"], "layers", refuse)
        for layer in layers:
            if layer not in valid["layers"]:
                raise refuse(N_("unknown layer {value} in layers="), value=repr(layer))
    feature = single.get("feature")
    if feature is not None and feature not in valid["features"]:
        raise refuse(N_("unknown feature {value} in feature="), value=repr(feature))
    lang = single.get("lang")
    if lang is not None and lang not in LANGUAGES:
        raise refuse(N_("lang={value} must be one of {valid}"), value=repr(lang),
                     valid=", ".join(LANGUAGES))
    theme = single.get("theme")
    if theme is not None and theme not in THEMES:
        raise refuse(N_("theme={value} must be one of {valid}"), value=repr(theme),
                     valid=", ".join(THEMES))
    return ViewState(layers=layers, feature=feature, theme=theme,
                     controls=_switch(single, "controls", refuse),
                     legend=_switch(single, "legend", refuse),
                     groups=_ids(single, "groups", N_("unknown group {value} in groups="),
                                 valid["groups"], refuse),
                     status=_ids(single, "status", N_("unknown status {value} in status="),
                                 valid["status"], refuse),
                     lang=lang, view=_view(single, refuse))


def with_current_feature(args: Mapping[str, Sequence[str]],
                         catalogue: Catalogue) -> dict[str, list[str]] | None:
    """`args` with a former feature id in `feature=` (one a feature lists in its
    `previous_ids`) replaced by the current one; None when there is none to replace.
    A URL published before an id changed keeps leading to the feature."""
    values = args.get("feature")
    if not values or len(values) != 1 or values[0] not in catalogue.former_ids:
        return None
    return {**{name: list(v) for name, v in args.items()},
            "feature": [catalogue.former_ids[values[0]]]}


def parse_picture_request(args: Mapping[str, Sequence[str]], catalogue: Catalogue,
                          picture_format: str, where: str) -> PictureRequest:
    """The picture a URL asks for; a wrong value is refused as on the pages."""
    allowed = (*PICTURE_PARAMETERS, "width") if picture_format == "png" else PICTURE_PARAMETERS
    state = parse_view_state(args, catalogue, allowed, where)  # each parameter once, known
    width = PICTURE_WIDTH
    if "width" in args:
        value, (low, high) = args["width"][0], PICTURE_WIDTHS
        if not (value.isascii() and value.isdigit() and low <= int(value) <= high):
            raise BadMapUrl(N_("width={value} must be a whole number of pixels from {low} "
                               "to {high}"), {"value": repr(value), "low": low, "high": high},
                            _valid_ids(catalogue))
        width = int(value)
    return PictureRequest(state, picture_format, width)


def _ids(single: Mapping[str, str], name: str, unknown: str, valid: Sequence[str],
         refuse) -> tuple[str, ...] | None:
    """A comma-separated list of ids; absent: None (no filter); empty: ()."""
    if name not in single:
        return None
    ids = _split_ids(single[name], name, refuse)
    for found in ids:
        if found not in valid:
            raise refuse(unknown, value=repr(found))
    return ids


def _view(single: Mapping[str, str], refuse) -> tuple[int, float, float] | None:
    """`view=<zoom>/<lat>/<lon>`, the fragment's rules as a parameter; absent: None."""
    if "view" not in single:
        return None
    try:
        view = check_view(single["view"])
    except BadParameter:
        view = None
    if view is None:  # also an empty view=
        raise refuse(N_("view={value} must be <zoom>/<lat>/<lon>: a zoom from 0 to 19, "
                        "a latitude from -90 to 90 and a longitude from -180 to 180"),
                     value=repr(single["view"]))
    return view


def _split_ids(value: str, name: str, refuse) -> tuple[str, ...]:
    """`a,b` to its ids; empty: (). An empty or repeated id is refused, not dropped: each
    state has one URL, so no run of variants makes the server render a page again."""
    if not value:
        return ()
    ids = tuple(value.split(","))
    if "" in ids:
        raise refuse(N_("{name}= has an empty id; separate ids with single commas"),
                     name=name)
    for found in ids:
        if ids.count(found) > 1:
            raise refuse(N_("{name}= names {value} twice; name each once"), name=name,
                         value=repr(found))
    return ids


def _switch(single: Mapping[str, str], name: str, refuse) -> bool:
    value = single.get(name, "1")
    if value not in ("0", "1"):
        raise refuse(N_("{name}={value} must be 0 (hide) or 1 (show)"), name=name,
                     value=repr(value))
    return value == "1"


def check_view(fragment: str) -> tuple[int, float, float] | None:
    """`<zoom>/<lat>/<lon>` to numbers; an empty fragment is no view. Raises BadParameter."""
    if not fragment:
        return None
    parts = fragment.split("/")
    if len(parts) != 3:
        raise BadParameter(f"view #{fragment} must be #<zoom>/<lat>/<lon>")
    try:
        zoom, lat, lon = int(parts[0]), float(parts[1]), float(parts[2])
    except ValueError:
        raise BadParameter(f"view #{fragment} must be #<zoom>/<lat>/<lon> in numbers") from None
    if not 0 <= zoom <= MAX_ZOOM:
        raise BadParameter(f"zoom {parts[0]} in #{fragment} must be 0 to {MAX_ZOOM}")
    if not -90 <= lat <= 90:
        raise BadParameter(f"latitude {parts[1]} in #{fragment} must be -90 to 90")
    if not -180 <= lon <= 180:
        raise BadParameter(f"longitude {parts[2]} in #{fragment} must be -180 to 180")
    return zoom, lat, lon
