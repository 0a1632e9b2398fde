"""The static export: the same map as plain files, for any static host or CDN.

`mapapp export DIR` writes index.html, embed.html (English) and their other languages
(index.ru.html, embed.kk.html…), the content-hashed assets (among them the map's data
files, one per collection and language, written once and fetched by every page of that
language: pages do not grow with the data), embed.js and every
collection as data files (GeoJSON, CSV, KML, GeoPackage), all linked by relative URLs.
The pages are the app's own templates and scripts, so the layers, popups, URL state,
reading panel, search, share dialog and embed behave the same without Python. What
needs a server is left out: the 400 page (the page itself names a wrong id), oEmbed,
the OGC API and the choice of language from Accept-Language (the files are linked by
the language switcher instead). The picture of the default view is written once per
language (image.png, image.ru.png…), shown where JavaScript is off; the pages carry
card tags, with the picture and their own URL only when `base_url` says where the
site will be (card readers need absolute URLs).
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from mapapp.alternates import alternate_links
from mapapp.assets import load_static_assets
from mapapp.cards import page_card
from mapapp.catalogue import Catalogue, load_catalogue
from mapapp.downloads import (
    CATALOGUE_FILENAME,
    FORMATS,
    write_catalogue_download,
    write_collection_download,
)
from mapapp.drawing import uses_vector_tiles, vector_tiles_from
from mapapp.features import dumps, item_document
from mapapp.i18n import LANGUAGES
from mapapp.mapbuild import Tiles
from mapapp.pages import (
    PAGE_VARIANTS,
    STATIC_LINKS,
    build_pages,
    iframe_titles,
    page_key,
    picture_element,
    template_environment,
)
from mapapp.picture import Renderer
from mapapp.settings import load_settings
from mapapp.viewstate import PictureRequest, ViewState


class ExportError(Exception):
    """The target cannot be written; nothing was changed."""


def export_site(target: Path, settings: dict | None = None,
                base_url: str | None = None) -> list[Path]:
    """Write the site into `target` (which must not exist or be empty); return the files.
    The site is written beside it first and moved into place whole. `base_url` is the
    public URL the site will have, for the absolute URLs of the preview cards."""
    target = Path(target)
    base = check_base_url(base_url) if base_url else None
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise ExportError(f"{target} exists and is not an empty folder; choose a new one")
    values = load_settings(settings)
    catalogue = load_catalogue(values["MAPAPP_DATA_DIR"])
    tiles = Tiles.from_setting(values["MAPAPP_TILES"], values["MAPAPP_TILES_ATTRIBUTION"])
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".export-", dir=target.parent))
    staging.chmod(0o777 & ~_umask())  # mkdtemp's 0700 would hide the site from a web server
    try:
        _write_site(staging, catalogue, tiles, base, values)
        if target.exists():
            target.rmdir()
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return sorted(p.relative_to(target) for p in target.rglob("*") if p.is_file())


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def check_base_url(base_url: str) -> str:
    """An absolute http(s) URL of a folder, ending in '/'."""
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query \
            or parts.fragment:
        raise ExportError(f"--base-url must be an absolute http(s) URL such as "
                          f"https://map.example.org/; got {base_url!r}")
    return base_url.rstrip("/") + "/"


def picture_file(lang: str) -> str:
    """The picture of the default view in `lang`: image.png, image.ru.png…"""
    return "image.png" if lang == LANGUAGES[0] else f"image.{lang}.png"


def _write_site(root: Path, catalogue: Catalogue, tiles: Tiles, base: str | None,
                values: dict) -> None:
    assets = load_static_assets()
    vector_from = vector_tiles_from(values["MAPAPP_VECTOR_TILES_FROM"])
    pages = build_pages(catalogue, tiles, template_environment(catalogue), assets, STATIC_LINKS,
                        vector_from=vector_from)
    renderer = Renderer(catalogue)
    titles = iframe_titles(catalogue)
    for lang in LANGUAGES:
        view = ViewState(lang=lang)
        (root / picture_file(lang)).write_bytes(renderer.render(PictureRequest(view, "png")))
        for variant in PAGE_VARIANTS:
            name = STATIC_LINKS.page(variant, lang)
            card = page_card(catalogue, view, lang, titles[lang],
                             base + name if base else None,
                             base + picture_file(lang) if base else None)
            head = card.tags()
            if base:  # alternates need absolute URLs; x-default: the English file
                head += "\n" + alternate_links(
                    lambda code, variant=variant: base + STATIC_LINKS.page(variant, code or "en"))
            (root / name).write_bytes(pages[page_key(variant, lang)].render(
                head, picture_element(picture_file(lang), titles[lang])))
    (root / "embed.js").write_bytes(assets.by_name["embed.js"].body)
    (root / "favicon.ico").write_bytes(assets.by_name["favicon.ico"].body)
    for asset in assets.by_path.values():
        path = root / asset.path
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(asset.body)
    data = root / "data"
    data.mkdir()
    for collection in catalogue.collections:
        (data / f"{collection.id}.geojson").write_bytes(
            dumps(collection.as_feature_collection()))
        for name, fmt in FORMATS.items():
            write_collection_download(collection, name, data / f"{collection.id}.{fmt.extension}")
    write_catalogue_download(catalogue, data / CATALOGUE_FILENAME)
    if uses_vector_tiles(catalogue, vector_from):
        write_items(data / "items", catalogue)


def write_items(folder: Path, catalogue: Catalogue) -> None:
    """Each feature as its own file, `items/<id>.json` (the API item, its links
    relative): what a page drawing from vector tiles reads for a popup where no API
    answers (the archive, `assets/features.<hash>.pmtiles`, is among the assets; its
    host must answer HTTP Range requests, as CDNs and most static servers do)."""
    folder.mkdir()
    for collection in catalogue.collections:
        for feature in collection.features:
            (folder / f"{feature['id']}.json").write_bytes(
                dumps(item_document(collection, feature, "")))
