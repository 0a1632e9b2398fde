/* mapapp-layers: the features drawn, one layer per collection: their styles,
 * tags for tests and assistive tools, showing and hiding layers, highlighting. */
(function () {
  "use strict";

  const M = window.mapapp;
  const S = M.state;
  const { collections, data, featureIndex, featureLayers, geoLayers, groups } = M;

  /* ---- styles ---- */

  function featureColour(collection, feature) {
    const by = collection.style.color_by;
    if (by && by.values[feature.properties[by.property]]) {
      return by.values[feature.properties[by.property]];
    }
    return collection.style.color;
  }

  function lineStyle(collection, feature) {
    const schematic = feature.properties.precision === "schematic";
    return {
      color: featureColour(collection, feature),
      weight: collection.style.weight || 4,
      opacity: 0.9,
      dashArray: schematic ? collection.style.schematic_dash || "8 6" : null,
      lineCap: schematic ? "butt" : "round",
    };
  }

  /* Exact points are filled; approximate ones are hollow and dashed, with a halo whose
     radius (in metres, so it grows with zoom) is the stated error. */
  /* With `halos` (a big catalogue's clustered points, mapapp-cluster.js) the point is
     drawn alone and its halo goes into `halos` while the point is on the map. */
  function pointLayer(collection, feature, latlng, halos = null) {
    const colour = featureColour(collection, feature);
    const radius = collection.style.radius || 7;
    const props = feature.properties;
    const renderer = M.renderer();
    if (props.precision !== "approximate") {
      return L.circleMarker(latlng, {
        radius, color: "#ffffff", weight: 2, fillColor: colour, fillOpacity: 0.95,
        className: "mapapp-point mapapp-exact", renderer,
      });
    }
    const marker = L.circleMarker(latlng, {
      radius, color: colour, weight: 2.5, dashArray: "3 2", fillColor: "#ffffff",
      fillOpacity: 0.9, className: "mapapp-point mapapp-approximate", renderer,
    });
    const halo = L.circle(latlng, {
      radius: (props.error_km || 1) * 1000, color: colour, weight: 1, opacity: 0.5,
      fillColor: colour, fillOpacity: 0.12, className: "mapapp-halo", interactive: false, renderer,
    });
    if (halos) {
      M.haloFollows(marker, halo, halos);
      return marker;
    }
    return L.featureGroup([halo, marker]);
  }

  const isHalo = (layer) => (layer.options.className || "").includes("mapapp-halo");

  /* Tag each drawn element so tests and assistive tools can find features. */
  function tag(layer, feature, collectionId) {
    if (layer.eachLayer) {
      layer.eachLayer((child) => tag(child, feature, collectionId));
      return;
    }
    const apply = () => {
      const node = layer.getElement && layer.getElement();
      if (!node) return;
      if (isHalo(layer)) {
        node.setAttribute("data-halo-for", feature.id);
      } else {
        node.setAttribute("data-feature-id", feature.id);
      }
      node.setAttribute("data-layer-id", collectionId);
      // drawn anew (a clustered point coming back into view): still highlighted
      if (S.highlighted.includes(feature.id)) node.classList.add("mapapp-highlight");
    };
    layer.on("add", apply);
  }

  /* A big catalogue's feature opens its popup once what only the popup shows is in
     (mapapp.withDetails): asked to open, it fetches that, then opens as it was asked
     (by whom, and whether the map may move, as the state said then). */
  function openWithDetails(drawn, feature) {
    const open = drawn.openPopup;
    drawn.openPopup = function (...args) {
      if (feature.details === undefined) return open.apply(this, args);
      const asked = { pendingOpener: S.pendingOpener, quiet: S.quiet, keepView: S.keepView };
      M.withDetails(feature.id, () => {
        const now = { pendingOpener: S.pendingOpener, quiet: S.quiet, keepView: S.keepView };
        Object.assign(S, asked);
        open.apply(this, args);
        Object.assign(S, now);
      });
      return this;
    };
  }

  /* ---- layers ---- */

  /* folium's script names the group that shows each collection; the features are
     built into it later (buildLayers), in a task of their own. */
  function registerLayer(group, options) {
    groups.set(options.collection, group);
  }

  const haloLayers = new Map(); // collection id -> the halos of its clustered points

  /* One L.geoJSON per collection, its popups bound and its elements tagged (held by
     a cluster group in a big catalogue, mapapp-cluster.js): made, not yet drawn
     (drawLayers), in tasks of a few tens of ms (mapapp.inSlices). Settles when built. */
  function buildLayers() {
    const built = [];
    const work = [];
    for (const id of groups.keys()) {
      const collection = collections.get(id);
      const halos = M.clustering() ? L.layerGroup() : null;
      const layer = L.geoJSON(null, {
        renderer: M.renderer(),
        /* L.geoJSON styles every layer it makes, points too: points keep their own. */
        style: (feature) => (/Point$/.test(feature.geometry.type) ? {} : lineStyle(collection, feature)),
        pointToLayer: (feature, latlng) => pointLayer(collection, feature, latlng, halos),
        onEachFeature: (feature, drawn) => {
          drawn.bindPopup(() => M.popupContent(collection, feature),
            { maxWidth: 380, minWidth: 240, className: "mapapp-popup-wrapper" });
          featureLayers.set(feature.id, drawn);
          tag(drawn, feature, collection.id);
        },
      });
      built.push({ collection, layer, halos });
      for (const feature of collection.features) work.push([layer, feature]);
    }
    return M.inSlices(work, ([layer, feature]) => layer.addData(feature))
      .then(() => M.inSlices(built, ({ collection, layer, halos }) => {
        geoLayers.set(collection.id, M.holder(layer)); // the layer itself, or its cluster group
        if (halos) haloLayers.set(collection.id, halos);
        if (collection.details) { // around the cluster group's own ways of opening
          for (const feature of collection.features) openWithDetails(featureLayers.get(feature.id), feature);
        }
      }));
  }

  /* Puts the features into their layers, drawing the shown ones: once, at the first
     view (mapapp-start.js), not at folium's opening view and again after the fit.
     Settles once they are drawn (a cluster group takes its points in slices). */
  function drawLayers() {
    return M.inSlices([...geoLayers], ([id, layer]) => {
      if (haloLayers.has(id)) groups.get(id).addLayer(haloLayers.get(id));
      groups.get(id).addLayer(layer);
    }).then(() => Promise.all([...geoLayers.values()].map((layer) => layer.drawn)));
  }

  /* Is the feature on the map now (its layer shown, the filters passed)? */
  function isShown(id) {
    const entry = featureIndex.get(id);
    if (!entry || !S.map) return false;
    return S.map.hasLayer(groups.get(entry.collection.id)) &&
      geoLayers.get(entry.collection.id).hasLayer(featureLayers.get(id));
  }

  /* The features on the map, by layer in catalogue order: what the list view shows. */
  function shownByLayer() {
    return data.collections
      .filter((collection) => S.map.hasLayer(groups.get(collection.id)))
      .map((collection) => {
        const drawn = geoLayers.get(collection.id);
        return { collection, features: collection.features.filter((f) => drawn.hasLayer(featureLayers.get(f.id))) };
      })
      .filter((entry) => entry.features.length);
  }

  function shownChanged() {
    document.dispatchEvent(new CustomEvent("mapapp:shownchange"));
  }

  /* ---- moving to features, highlighting them, opening their popups ---- */

  function elementsOf(drawn) {
    const found = [];
    const visit = (layer) => {
      if (layer.eachLayer) layer.eachLayer(visit);
      else if (layer.getElement && layer.getElement() && !isHalo(layer)) found.push(layer.getElement());
    };
    visit(drawn);
    return found;
  }

  /* Marks the features `ids` on the map (a thicker, darker outline), and only them. */
  function highlight(ids) {
    document.querySelectorAll(".mapapp-highlight").forEach((node) => {
      node.classList.remove("mapapp-highlight");
    });
    S.highlighted = [...ids];
    M.highlightOnCanvas(S.highlighted);
    for (const id of S.highlighted) {
      const drawn = featureLayers.get(id);
      if (!drawn || !isShown(id)) continue;
      elementsOf(drawn).forEach((node) => node.classList.add("mapapp-highlight"));
      if (drawn.bringToFront) drawn.bringToFront();
    }
  }

  function boundsOf(ids) {
    const bounds = L.latLngBounds([]);
    for (const id of ids) {
      const drawn = featureLayers.get(id);
      if (drawn) bounds.extend(drawn.getBounds ? drawn.getBounds() : drawn.getLatLng());
    }
    return bounds;
  }

  /* Makes a feature visible: its layer on, and drawn even if the filters leave it out. */
  function reveal(id) {
    const entry = featureIndex.get(id);
    if (!S.map.hasLayer(groups.get(entry.collection.id))) setLayerVisible(entry.collection.id, true);
  }

  function visibleLayers() {
    return [...groups.keys()].filter((id) => S.map.hasLayer(groups.get(id)));
  }

  /* The one way layers are shown or hidden: keeps the control and the URL in step. */
  function setLayerVisible(id, visible) {
    const group = groups.get(id);
    if (visible) S.map.addLayer(group);
    else S.map.removeLayer(group);
    document.querySelectorAll(`input[data-collection="${id}"]`).forEach((input) => {
      input.checked = visible;
    });
    if (visible && S.highlighted.length) highlight(S.highlighted);
    shownChanged();
    M.writeUrl();
  }
  Object.assign(M, {
    featureColour, lineStyle, pointLayer, tag, registerLayer, buildLayers, drawLayers, isShown, shownByLayer,
    shownChanged, elementsOf, highlight, boundsOf, reveal, visibleLayers, setLayerVisible,
    isHalo
  });
})();
