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
 * before the map starts. The list of places, the search, the article panel's places
 * and the embed's Places control read the index of places (mapapp-placeindex.js),
 * fetched once the map is ready; a place chosen there is read whole the same way. A
 * highlight (mapapp.highlight: a sentence's places) is drawn in the tiles too.
 */
(function () {
  "use strict";

  const M = window.mapapp;
  const S = M.state;
  const { data, collections, featureIndex, featureLayers, geoLayers, groups, groupIds } = M;
  if (!data.vector || !window.protomapsL || !window.pmtiles) return;

  document.documentElement.setAttribute("data-map-drawing", "tiles");

  const PANE = "mapapp-vectors";
  const BRUSH = 10; // px around a click that find a feature
  let layer = null;
  let highlighted = new Set(); // the ids highlighted, drawn heavier in the tiles

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

  /* The feature read whole joins the index: into the place of the index that stood for
     it (the same object, which the list and search hold), or at its collection's end. */
  function remember(collection, feature) {
    const known = featureIndex.get(feature.id);
    if (!known) {
      collection.features.push(feature);
      featureIndex.set(feature.id, { feature, collection });
    } else if (known.feature.partial) {
      delete known.feature.partial;
      Object.assign(known.feature, feature);
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
    const marked = highlighted.has(props.id); // as .mapapp-highlight: opaque, 7 px
    ctx.strokeStyle = colour(collection, props);
    ctx.globalAlpha = marked ? 1 : 0.9;
    ctx.lineWidth = marked ? 7 : collection.style.weight || 4;
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

  /* A highlighted point is outlined dark and heavier, as .mapapp-highlight. */
  function drawPoint(ctx, point, collection, props) {
    const fill = colour(collection, props);
    const radius = collection.style.radius || 7;
    const marked = highlighted.has(props.id);
    if (props.precision !== "approximate") {
      paintCircle(ctx, point, radius, { fillColor: fill, fillOpacity: 0.95,
        color: marked ? "#111111" : "#ffffff", opacity: 1, weight: marked ? 3.5 : 2 });
      return;
    }
    paintCircle(ctx, point, (props.error_km || 1) * 1000 / metresPerPixel(),
      { fillColor: fill, fillOpacity: 0.12, color: fill, opacity: 0.5, weight: 1 });
    paintCircle(ctx, point, radius, { fillColor: "#ffffff", fillOpacity: 0.9,
      color: marked ? "#111111" : fill, opacity: 1, weight: marked ? 3.5 : 2.5, dashes: [3, 2] });
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

  /* Reads the feature whole (once) and draws it in its layer, its popup bound as any
     feature's; settles with it, or null when it cannot be read. */
  function readWhole(id) {
    const known = featureIndex.get(id);
    if (known && featureLayers.has(id)) return Promise.resolve(known.feature);
    return fetchFeature(id).then((feature) => {
      const collection = feature && feature.id === id && (known ? known.collection : collectionOf(feature));
      if (!collection) return null;
      const whole = remember(collection, feature);
      if (!featureLayers.has(id)) {
        geoLayers.get(collection.id).addData(whole);
        redraw(); // the tiles no longer draw it
      }
      return whole;
    });
  }

  /* Reads the feature whole and opens its popup. */
  function openFeature(collection, id) {
    return readWhole(id).then((feature) => {
      if (feature) featureLayers.get(id).openPopup();
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
  }

  const drawLayers = M.drawLayers;
  const setFilters = M.setFilters;
  const highlight = M.highlight;
  Object.assign(M, {
    drawLayers() {
      drawLayers();
      addTiles();
    },
    setFilters(next) {
      setFilters(next);
      redraw();
    },
    highlight(ids) {
      highlight(ids);
      highlighted = new Set(ids);
      redraw();
    },
    vectorTiles: { layer: () => layer, openFeature, readWhole, featureAt },
  });
})();
