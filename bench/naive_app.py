"""The naive baseline: Flask routes that do the work on every request, the way folium's
Flask documentation shows (build the map, render it, return the HTML), and a data
route that reads its file each time. Only the benchmark runs this.

    gunicorn --config python:mapapp.gunicorn_config -k gthread --threads 4 "naive_app:app"
    (from bench/)
"""

from __future__ import annotations

import json

import folium
from flask import Flask, Response

from mapapp.settings import load_settings

DATA_DIR = load_settings()["MAPAPP_DATA_DIR"]
app = Flask(__name__)


def read(name: str) -> dict:
    with open(f"{DATA_DIR}/{name}", encoding="utf-8") as file:
        return json.load(file)


def folium_page() -> str:
    """folium's default page for the same data: a Map, a GeoJson layer per collection
    with a popup of some properties, and a layer control."""
    fmap = folium.Map(location=[45, 75], zoom_start=4)
    for entry in read("catalogue.json")["collections"]:
        folium.GeoJson(read(entry["file"]), name=entry["title"],
                       popup=folium.GeoJsonPopup(fields=["name", "kind", "status", "summary"])
                       ).add_to(fmap)
    folium.LayerControl().add_to(fmap)
    return fmap.get_root().render()


@app.route("/embed")
def embed() -> str:
    return folium_page()


@app.route("/api/collections/<collection_id>/items")
def items(collection_id: str) -> Response:
    return Response(json.dumps(read(f"{collection_id}.geojson")),
                    mimetype="application/geo+json")


@app.route("/healthz")
def healthz() -> str:
    return "ok"
