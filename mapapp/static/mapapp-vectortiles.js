/* mapapp-vectortiles: a catalogue past what a browser can hold, drawn from vector tiles.
 *
 * Loaded only when the page's data block has `vector` (mapapp/drawing.py,
 * MAPAPP_VECTOR_TILES_FROM), after mapapp.js and the vendored pmtiles and
 * protomaps-leaflet. The features are not loaded: protomaps-leaflet draws the tiles in
 * view on canvas, read from one PMTiles archive with HTTP range requests (pmtiles), in
 * the page's look (mapapp-layers.js): collection colours and `color_by`, exact points
 * filled, approximate ones hollow and dashed in their halo, schematic lines dashed.
 * Hidden layers and the groups= and status= filters hide features in the tiles too.
 *
 * A click finds the feature drawn under it, reads the whole feature (the API item, or
 * the export's file of it) and adds it to its collection's layer, where it is drawn
 * and opens its popup as any feature does; the URL's feature (?feature=) is read so
 * before the map starts. What needs every feature in the page (the list of places,
 * the search, the article panel's places) has only those read so far.
 */
(function () {
  "use strict";

  const M = window.mapapp;
  const S = M.state;
  const { data, collections, featureIndex, featureLayers, geoLayers, groups, groupIds } = M;
  if (!data.vector || !window.protomapsL || !window.pmtiles) return;

  /* mapapp.css hides what needs every feature in the page: the reading panel's search,
     list of places and article places, and the embed's Places control. */
  document.documentElement.setAttribute("data-map-drawing", "tiles");

  const PANE = "mapapp-vectors";
  const BRUSH = 10; // px around a click that find a feature
  let layer = null;

  /* ---- whole features, read one by one ---- */

  /* The feature (its API item: the app's, or the export's file of it), or null. */
  function fetchFeature(id) {
    return fetch(data.vector.items.replace("{id}", encodeURIComponent(id)),
      { headers: { Accept: "application/geo+json" } })
      .then((response) => (response.ok ? response.json() : null))
      .catch(() => null);
  }

  /* The collection an item names in its links (…/collections/<id>). */
  function collectionOf(item) {
    const up = (item.links || []).find((one) => one.rel === "collection");
    return up ? collections.get(up.href.split("/").pop()) : null;
  }

  function remember(collection, feature) {
    if (!featureIndex.has(feature.id)) {
      collection.features.push(feature);
      featureIndex.set(feature.id, { feature, collection });
    }
    return featureIndex.get(feature.id).feature;
  }

  /* ?feature=id, read before the map starts (an unknown id stays unknown: the URL's
     check names it as it does in any map). */
  function urlFeature() {
    const id = new URLSearchParams(location.search).get("feature");
    if (!id || !/^[a-z0-9]+(?:-[a-z0-9]+)*$/.test(id)) return Promise.resolve();
    return fetchFeature(id).then((feature) => {
      const collection = feature && collectionOf(feature);
      if (collection && feature.id === id) remember(collection, feature);
    });
  }

  M.dataLoaded = urlFeature();

  /* ---- drawing ---- */

  function colour(collection, props) {
    const by = collection.style.color_by;
    if (by && by.values[props[by.property]]) return by.values[props[by.property]];
    return collection.style.color;
  }

  function dashes(text) {
    return String(text).split(/[\s,]+/).map(Number).filter((n) => n > 0);
  }

  /* Metres a pixel covers at the zoom of the tiles being drawn, at the view's latitude
     (an approximate point's halo is its error in metres, as L.circle draws it). */
  function metresPerPixel() {
    const zoom = layer && layer._tileZoom !== undefined ? layer._tileZoom : S.map.getZoom();
    const lat = S.map.getCenter().lat * Math.PI / 180;
    return 40075016.686 * Math.cos(lat) / (256 * Math.pow(2, zoom));
  }

  /* Is the feature drawn now? Its layer shown, the filters passed (the open feature
     always); one read whole is drawn by its own Leaflet layer instead. */
  function shown(collection, props) {
    const group = groups.get(collection.id);
    if (!group || !S.map || !S.map.hasLayer(group)) return false;
    if (props.id === S.openFeature) return true;
    if (S.filters.groups && !S.filters.groups.has(groupIds.get(collection.group))) return false;
    if (S.filters.status && !S.filters.status.has(M.statusId(props.status))) return false;
    return true;
  }

  function drawLine(ctx, geom, collection, props) {
    const schematic = props.precision === "schematic";
    ctx.strokeStyle = colour(collection, props);
    ctx.globalAlpha = 0.9;
    ctx.lineWidth = collection.style.weight || 4;
    ctx.setLineDash(schematic ? dashes(collection.style.schematic_dash || "8 6") : []);
    ctx.lineCap = schematic ? "butt" : "round";
    ctx.lineJoin = "round";
    ctx.beginPath();
    for (const part of geom) {
      part.forEach((point, index) => (index ? ctx.lineTo(point.x, point.y) : ctx.moveTo(point.x, point.y)));
    }
    ctx.stroke();
  }

  /* A circle filled and outlined as Leaflet draws a circle marker with these path
     options (mapapp-layers.js pointLayer): fill colour and opacity, outline colour,
     opacity, weight and dashes. */
  function paintCircle(ctx, point, radius, style) {
    ctx.beginPath();
    ctx.arc(point.x, point.y, radius, 0, 2 * Math.PI);
    ctx.globalAlpha = style.fillOpacity;
    ctx.fillStyle = style.fillColor;
    ctx.fill();
    ctx.globalAlpha = style.opacity;
    ctx.setLineDash(style.dashes || []);
    ctx.lineWidth = style.weight;
    ctx.strokeStyle = style.color;
    ctx.stroke();
  }

  function drawPoint(ctx, point, collection, props) {
    const fill = colour(collection, props);
    const radius = collection.style.radius || 7;
    if (props.precision !== "approximate") {
      paintCircle(ctx, point, radius,
        { fillColor: fill, fillOpacity: 0.95, color: "#ffffff", opacity: 1, weight: 2 });
      return;
    }
    paintCircle(ctx, point, (props.error_km || 1) * 1000 / metresPerPixel(),
      { fillColor: fill, fillOpacity: 0.12, color: fill, opacity: 0.5, weight: 1 });
    paintCircle(ctx, point, radius,
      { fillColor: "#ffffff", fillOpacity: 0.9, color: fill, opacity: 1, weight: 2.5, dashes: [3, 2] });
  }

  /* A protomaps-leaflet symbolizer: draws one tile feature on the tile's canvas. */
  function symbolizer(collection) {
    return {
      draw(ctx, geom, zoom, feature) {
        ctx.save();
        if (feature.geomType === 2) drawLine(ctx, geom, collection, feature.props);
        else if (feature.geomType === 1) {
          for (const part of geom) for (const point of part) drawPoint(ctx, point, collection, feature.props);
        }
        ctx.restore();
      },
    };
  }

  /* Every collection's lines, then every collection's points (points stay on top). */
  function paintRules() {
    const rules = [];
    for (const geomType of [2, 1]) {
      for (const collection of data.collections) {
        rules.push({
          dataLayer: collection.id,
          symbolizer: symbolizer(collection),
          filter: (zoom, feature) => feature.geomType === geomType &&
            !featureLayers.has(feature.props.id) && shown(collection, feature.props),
        });
      }
    }
    return rules;
  }

  let pending = false;
  /* Draws the tiles again (a layer shown or hidden, the filters changed), once a frame. */
  function redraw() {
    if (!layer || pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      layer.rerenderTiles();
    });
  }

  /* ---- picking ---- */

  /* The feature drawn under a click: a point before a line, the last drawn first. */
  function featureAt(latlng) {
    let found = null;
    for (const hits of layer.queryTileFeaturesDebug(latlng.lng, latlng.lat, BRUSH).values()) {
      for (const { feature, layerName } of hits) {
        const collection = collections.get(layerName);
        if (!collection || featureLayers.has(feature.props.id) || !shown(collection, feature.props)) continue;
        if (!found || feature.geomType <= found.geomType) found = { collection, id: feature.props.id, geomType: feature.geomType };
      }
    }
    return found;
  }

  /* Reads the feature whole, draws it in its layer (its popup bound as any feature's)
     and opens its popup. */
  function openFeature(collection, id) {
    const known = featureIndex.get(id);
    const read = known ? Promise.resolve(known.feature) : fetchFeature(id);
    return read.then((feature) => {
      if (!feature) return;
      remember(collection, feature);
      if (!featureLayers.has(id)) {
        geoLayers.get(collection.id).addData(feature);
        redraw(); // the tiles no longer draw it
      }
      featureLayers.get(id).openPopup();
    });
  }

  function onClick(event) {
    const target = event.originalEvent && event.originalEvent.target;
    if (target && target.closest && target.closest(".leaflet-interactive")) return; // a drawn feature's own
    const found = featureAt(event.latlng);
    if (found) openFeature(found.collection, found.id);
  }

  /* ---- into the map's start ---- */

  function addTiles() {
    const map = S.map;
    map.createPane(PANE).style.zIndex = 350; // over the basemap, under the features read whole
    map.getPane(PANE).style.pointerEvents = "none";
    layer = protomapsL.leafletLayer({
      url: new pmtiles.PMTiles(data.vector.archive),
      maxDataZoom: data.vector.maxZoom,
      paintRules: paintRules(),
      labelRules: [],
      pane: PANE,
      attribution: "",
    });
    layer.once("load", () => performance.mark("mapapp:tiles")); // the first view's tiles drawn
    layer.on("load", () => document.documentElement.setAttribute("data-vector-tiles", "drawn"));
    layer.addTo(map);
    map.on("click", onClick);
    map.on("layeradd layerremove", (event) => {
      if ([...groups.values()].includes(event.layer)) redraw();
    });
    document.addEventListener("mapapp:shownchange", redraw);
    document.addEventListener("mapapp:popupclose", redraw);
    const search = document.querySelector(".reader-search");
    if (search && data.vectorNote) {
      search.before(M.el("p", { class: "reader-hint mapapp-tiles-note" }, data.vectorNote));
    }
  }

  const drawLayers = M.drawLayers;
  const setFilters = M.setFilters;
  Object.assign(M, {
    drawLayers() {
      drawLayers();
      addTiles();
    },
    setFilters(next) {
      setFilters(next);
      redraw();
    },
    vectorTiles: { layer: () => layer, openFeature, featureAt },
  });
})();
