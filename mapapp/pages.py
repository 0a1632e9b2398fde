"""The map pages, rendered once per data version into ready bytes.

`/` and `/embed` each have one folium map build (its script names no word of any
language) shared by their four languages; a page per (variant, language) differs in
the chrome around the map and in the messages of its JSON data block. Everything a
page needs is computed here at start-up, so a request only picks bytes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from html import escape
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from mapapp.article import data_as_of, localised_article
from mapapp.assets import Asset, Assets
from mapapp.catalogue import Catalogue
from mapapp.datafiles import add_data_files, data_file_name
from mapapp.downloads import CATALOGUE_FILENAME, FORMATS
from mapapp.drawing import drawing_options, uses_vector_tiles
from mapapp.embedcode import SITE_TITLE, iframe_title
from mapapp.errors import N_
from mapapp.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGE_NAMES,
    LANGUAGES,
    STATUSES,
    script_messages,
    translate,
    translations,
)
from mapapp.mapbuild import Tiles, build_map, map_parts
from mapapp.placeindex import add_place_indexes, place_index_name
from mapapp.settings import bundled_dir
from mapapp.vectortiles import ARCHIVE_NAME, MAX_ZOOM, build_archive
from mapapp.viewstate import group_ids, status_id

PAGE_VARIANTS = {
    "index": {"template": "index.html", "mode": "page"},
    "embed": {"template": "embed.html", "mode": "embed"},
}


# The list of places a page shows without scripts names at most this many of each layer
# (the real data's largest layer), then how many more, with the layer's CSV: the page
# stays the same size however large the data grows.
NOSCRIPT_PLACES = 12

DISCOVERY_MARKER = "<!--mapapp:discovery-->"  # the per-URL oEmbed link and card tags
PICTURE_MARKER = "<!--mapapp:picture-->"  # the per-URL picture, inside <noscript>
NOTICE_MARKER = "<!--mapapp:notice-->"  # /embed: where a wrong URL's notice goes


def page_key(variant: str, lang: str = DEFAULT_LANGUAGE) -> str:
    """The key of a built page: "index" and "embed" in English, "index.ru"…"""
    return variant if lang == DEFAULT_LANGUAGE else f"{variant}.{lang}"


@dataclass(frozen=True)
class DownloadLink:
    label: str
    href: str
    filename: str
    media_type: str


@dataclass(frozen=True)
class PageLinks:
    """Where a page's own links point, all relative: the app's routes, or the files
    of the static export (`static=True`), so one template serves both."""

    static: bool = False

    @property
    def embed(self) -> str:
        return "embed.html" if self.static else "embed"

    def page(self, variant: str, lang: str) -> str:
        """A page in a language: the app's route (the language goes in `?lang=`,
        added by the page with the rest of its state), or the export's file for it
        (`index.ru.html`)."""
        if self.static:
            return f"{page_key(variant, lang)}.html"
        return "./" if variant == "index" else variant

    def language(self, variant: str, lang: str) -> str:
        """The link of the language switcher, before the page adds its state."""
        page = self.page(variant, lang)
        return page if self.static else f"{page}?lang={lang}"

    def script_links(self, lang: str) -> dict[str, Any]:
        """What the page scripts need to link to pages: the routes, and in the
        export the file of each page in each language."""
        links: dict[str, Any] = {"index": self.page("index", lang),
                                 "embed": self.page("embed", lang), "files": None}
        if self.static:
            links["files"] = {variant: {code: self.page(variant, code) for code in LANGUAGES}
                              for variant in PAGE_VARIANTS}
        return links

    def downloads(self, collection_id: str) -> list[DownloadLink]:
        links = [DownloadLink("GeoJSON", self._items(collection_id, "geojson", None),
                              f"{collection_id}.geojson", "application/geo+json")]
        for name, fmt in FORMATS.items():
            links.append(DownloadLink(fmt.title.split(" (")[0],
                                      self._items(collection_id, fmt.extension, name),
                                      f"{collection_id}.{fmt.extension}",
                                      fmt.media_type.split(";")[0]))
        return links

    def _items(self, collection_id: str, extension: str, f: str | None) -> str:
        if self.static:
            return f"data/{collection_id}.{extension}"
        return f"api/collections/{collection_id}/items" + (f"?f={f}" if f else "")

    @property
    def item_template(self) -> str:
        """Where the page reads one whole feature ({id} filled in), its API item with
        a link to its collection: the app's redirect to it, or the export's file of it
        (mapapp/export.py)."""
        if self.static:
            return "data/items/{id}.json"
        return "features/{id}"

    @property
    def catalogue_download(self) -> DownloadLink:
        href = f"data/{CATALOGUE_FILENAME}" if self.static else "api/download.gpkg"
        return DownloadLink("GeoPackage", href, CATALOGUE_FILENAME, FORMATS["gpkg"].media_type)


APP_LINKS = PageLinks()
STATIC_LINKS = PageLinks(static=True)


@dataclass(frozen=True)
class Page:
    """A page as ready bytes, split where the per-URL parts go: in the head the oEmbed
    discovery link, the card tags and the language alternates, in the body the notice
    of a wrong URL (`/embed` only) and the picture of the URL's view."""

    head: bytes
    middle: bytes
    tail: bytes
    content_type: str = "text/html; charset=utf-8"
    after_notice: bytes = b""  # the body between the notice and the picture

    @classmethod
    def from_html(cls, html: str) -> Page:
        head, marker, rest = html.partition(DISCOVERY_MARKER)
        middle, picture_marker, tail = rest.partition(PICTURE_MARKER)
        if not (marker and picture_marker):
            raise ValueError(f"page template lacks {DISCOVERY_MARKER} or {PICTURE_MARKER}")
        middle, _, after_notice = middle.partition(NOTICE_MARKER)
        return cls(head.encode(), middle.encode(), tail.encode(),
                   after_notice=after_notice.encode())

    def render(self, head_tags: str = "", picture: str = "", notice: str = "",
               theme: str | None = None) -> bytes:
        """The page with its per-URL parts; `theme` ("light", "dark") goes on <html> as
        `data-theme`, which the style sheet prefers to the reader's system setting."""
        head = self.head
        if theme:
            head = head.replace(b"<html ", f'<html data-theme="{theme}" '.encode(), 1)
        return (head + head_tags.encode() + self.middle + notice.encode() + self.after_notice
                + picture.encode() + self.tail)


def page_data(catalogue: Catalogue, vector: bool = False) -> dict[str, Any]:
    """What mapapp.js starts from: every collection without its features (their
    count, whether all are points, and in each language's page the URL of its data
    file, mapapp/datafiles.py), the sources, and the ids of groups and statuses that
    the filters use in URLs. Its size does not grow with the features."""
    groups = group_ids(catalogue)
    return {
        "version": catalogue.version,
        "collections": [
            {
                "id": c.id, "title": c.title, "group": c.group,
                "description": c.description, "style": c.style,
                "count": len(c.features),
                "points": all(shape.geom_type.endswith("Point") for shape in c.shapes),
            }
            for c in catalogue.collections
        ],
        "sources": catalogue.sources,
        "groups": [{"id": groups[name], "name": name} for name in catalogue.groups],
        "statuses": [{"id": status_id(status), "name": status} for status in STATUSES],
        "drawing": drawing_options(catalogue, vector),
    }


def language_data(catalogue: Catalogue, lang: str, links: PageLinks) -> dict[str, Any]:
    """The part of the data block that depends on the page's language."""
    return {
        "i18n": {
            "lang": lang,
            "languages": [{"code": code, "name": LANGUAGE_NAMES[code]} for code in LANGUAGES],
            "messages": script_messages(lang, catalogue),
        },
        "links": links.script_links(lang),
        "article": localised_article(catalogue, lang),
        "dataAsOf": {"text": data_as_of(catalogue, lang)},
    }


def script_safe_json(document: Any) -> str:
    """JSON to place inside a <script> data block: '<', '>' and '&' are escaped, so
    no text in the data can close the element or open a comment."""
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def page_article(catalogue: Catalogue, lang: str) -> dict[str, Any]:
    """The article as a page in `lang` names it: localised title, author and
    publishers; `url` is its publication in `lang` where there is one (else the text
    quoted), `language` the language of the title."""
    article = localised_article(catalogue, lang)
    own = article["in_language"] or article["quoted"]
    return {**article, "url": own["url"], "language": lang}


def page_globals(catalogue: Catalogue, lang: str = DEFAULT_LANGUAGE) -> dict[str, Any]:
    """What every template may use, besides its own context, in `lang`."""
    article = page_article(catalogue, lang)
    return {"article_date": article["date"], "site_title": translate(lang, SITE_TITLE),
            "iframe_title": iframe_title(article, article["date"], lang),
            "publishers": article["publishers_text"], "article": article,
            "data_as_of": data_as_of(catalogue, lang),
            "lang": lang, "languages": LANGUAGE_NAMES}


def iframe_titles(catalogue: Catalogue) -> dict[str, str]:
    """The iframe title in every language (oEmbed answers the one of its URL)."""
    return {lang: page_globals(catalogue, lang)["iframe_title"] for lang in LANGUAGES}


def picture_element(src: str, alt: str) -> str:
    """The picture of a view where the script has not drawn the map (in <noscript>)."""
    return f'<img class="map-picture" src="{escape(src)}" alt="{escape(alt)}">'


def template_environment(catalogue: Catalogue) -> Environment:
    """The templates outside Flask (the static export), with the same globals."""
    jinja = Environment(loader=FileSystemLoader(bundled_dir("templates")),
                        autoescape=select_autoescape(("html",)))
    jinja.globals.update(page_globals(catalogue))
    return jinja


def i18n_environment(jinja: Environment) -> Environment:
    """The templates of `jinja` (Flask's or the export's) with the i18n extension, in
    a new environment that `set_language` switches between languages: templates are
    compiled once, and each render calls the gettext of the language set."""
    env = Environment(loader=jinja.loader, autoescape=jinja.autoescape,
                      extensions=["jinja2.ext.i18n"])
    env.globals.update(jinja.globals)
    return env


def set_language(env: Environment, catalogue: Catalogue, lang: str) -> None:
    """Render the following pages of `env` in `lang` (at start-up, one at a time)."""
    env.globals.update(page_globals(catalogue, lang))
    env.globals["term"] = translations(lang).gettext  # a word of the data: no formatting
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]


def error_environments(catalogue: Catalogue, jinja: Environment) -> dict[str, Environment]:
    """One template environment per language for the pages rendered per request (a
    wrong map URL), each set to its language once, so requests never switch one."""
    environments = {}
    for lang in LANGUAGES:
        env = i18n_environment(jinja)
        set_language(env, catalogue, lang)
        environments[lang] = env
    return environments


def with_data_files(data: dict[str, Any], assets: Assets, lang: str) -> dict[str, Any]:
    """The data block's collections, each with the URL of its data file in `lang`
    (none when the map draws from vector tiles)."""
    if "vector" in data:
        return data
    return {**data, "collections": [
        {**c, "data": assets.url(data_file_name(c["id"], lang))} for c in data["collections"]]}


# A map drawn from vector tiles lists and searches its places from the index of places
# (mapapp/placeindex.py), fetched once the map is ready: what the panel says meanwhile.
PLACES_MESSAGES = {"loading": N_("Loading the list of places…"),
                   "failed": N_("The list of places could not be loaded."),
                   "retry": N_("Try again")}


def add_vector_tiles(catalogue: Catalogue, assets: Assets) -> Asset:
    """The catalogue's vector-tile archive joins `assets`, with its vendored client
    scripts already there; served as it is (its tiles are compressed inside)."""
    return assets.add(ARCHIVE_NAME, build_archive(catalogue))


def build_pages(catalogue: Catalogue, tiles: Tiles, jinja: Environment,
                assets: Assets, links: PageLinks = APP_LINKS,
                vector_from: int = 0) -> dict[str, Page]:
    """Render every page variant in every language, keyed by `page_key`; the
    generated map scripts (one per variant) and the data files (compressed for the
    app, as they are for the static export) join `assets`. From `vector_from`
    features (0: never) the features go into one vector-tile archive instead of data
    files (mapapp/vectortiles.py)."""
    vector = uses_vector_tiles(catalogue, vector_from)
    if vector:
        archive = add_vector_tiles(catalogue, assets)
        add_place_indexes(catalogue, assets, compress=not links.static)
    else:
        add_data_files(catalogue, assets, compress=not links.static)
    data = page_data(catalogue, vector)
    if vector:
        data["vector"] = {"archive": archive.path, "items": links.item_template,
                          "maxZoom": MAX_ZOOM,
                          # fetches and parses the index of places off the page's thread
                          "placesWorker": assets.url("mapapp-placeindex-worker.js")}
    if "basemap.json" in assets.by_name:
        data["basemap"] = assets.url("basemap.json")
    env = i18n_environment(jinja)
    # a language's data block serves both variants: built once per language
    blocks = {}
    for lang in LANGUAGES:
        lang_data = with_data_files(data, assets, lang)
        words = language_data(catalogue, lang, links)
        if vector:  # the index of places in the page's language, and its words
            lang_data = {**lang_data, "vector": {**data["vector"],
                                                 "places": assets.url(place_index_name(lang))}}
            words["placesMessages"] = {key: translate(lang, text)
                                       for key, text in PLACES_MESSAGES.items()}
        blocks[lang] = (script_safe_json({**lang_data, **words}),
                        [c["data"] for c in lang_data["collections"] if "data" in c])
    pages: dict[str, Page] = {}
    for variant, options in PAGE_VARIANTS.items():
        fmap = build_map(catalogue, tiles, mode=options["mode"])
        map_html, map_script = map_parts(fmap)
        script = assets.add(f"map-{variant}.js", map_script.encode())
        for lang in LANGUAGES:
            set_language(env, catalogue, lang)
            data_json, data_urls = blocks[lang]
            html = env.get_template(options["template"]).render(
                catalogue=catalogue,
                map_html=map_html,
                map_script_url=script.path,
                data_json=data_json,
                data_urls=data_urls,
                noscript_places=NOSCRIPT_PLACES,
                asset=assets.url,
                discovery_marker=DISCOVERY_MARKER,
                picture_marker=PICTURE_MARKER,
                notice_marker=NOTICE_MARKER,
                links=links,
                variant=variant,
                embed_path=links.page("embed", lang),
                tile_origins=tiles.origins,
                drawing=data["drawing"],
            )
            pages[page_key(variant, lang)] = Page.from_html(html)
    return pages
