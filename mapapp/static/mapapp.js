/* mapapp: the map's own behaviour, called by the folium-generated map script.
 *
 * Features come from the page's JSON data block (#mapapp-data). Every text from the
 * data reaches the page through textContent, never as HTML, and only http(s) URLs
 * become links. Drawn elements carry data-feature-id / data-layer-id, and
 * <html data-map-state="ready"> is raised once every visible layer is drawn.
 */
(function () {
  "use strict";

  const data = JSON.parse(document.getElementById("mapapp-data").textContent);
  const collections = new Map(data.collections.map((c) => [c.id, c]));
  const groups = new Map(); // collection id -> the folium FeatureGroup that draws it
  const featureLayers = new Map(); // feature id -> the layer its popup is bound to
  const controls = {}; // the controls added, by name, so the URL can hide them
  let theMap = null;
  let openFeature = null;
  const PRECISION_TEXT = {
    exact: "Exact site",
    approximate: "Approximate location",
    schematic: "Schematic route (drawn through known places, not a surveyed line)",
  };

  /* ---- small DOM helpers: text only, never innerHTML ---- */

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value !== null && value !== undefined) node.setAttribute(name, value);
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function isWebUrl(value) {
    return typeof value === "string" && /^https?:\/\/\S+$/i.test(value);
  }

  /* A link for an http(s) URL; anything else (javascript:, data:, a dataset name) stays text. */
  function link(url, text) {
    if (!isWebUrl(url)) return document.createTextNode(String(text ?? url));
    return el("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, text ?? url);
  }

  /* Controls start open only where they leave the map room to be seen. */
  function roomy() {
    if (document.body.classList.contains("page-embed")) {
      return window.innerWidth >= 1000 && window.innerHeight >= 700;
    }
    return window.innerWidth >= 700 && window.innerHeight >= 600;
  }

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
  function pointLayer(collection, feature, latlng) {
    const colour = featureColour(collection, feature);
    const radius = collection.style.radius || 7;
    const props = feature.properties;
    if (props.precision !== "approximate") {
      return L.circleMarker(latlng, {
        radius, color: "#ffffff", weight: 2, fillColor: colour, fillOpacity: 0.95,
        className: "mapapp-point mapapp-exact",
      });
    }
    const marker = L.circleMarker(latlng, {
      radius, color: colour, weight: 2.5, dashArray: "3 2", fillColor: "#ffffff",
      fillOpacity: 0.9, className: "mapapp-point mapapp-approximate",
    });
    const halo = L.circle(latlng, {
      radius: (props.error_km || 1) * 1000, color: colour, weight: 1, opacity: 0.5,
      fillColor: colour, fillOpacity: 0.12, className: "mapapp-halo", interactive: false,
    });
    marker.mapappHalo = halo;
    return L.featureGroup([halo, marker]);
  }

  /* Tag each drawn element so tests and assistive tools can find features. */
  function tag(layer, feature, collectionId) {
    if (layer.eachLayer) {
      layer.eachLayer((child) => tag(child, feature, collectionId));
      return;
    }
    const apply = () => {
      const node = layer.getElement && layer.getElement();
      if (!node) return;
      if (layer.options.className && layer.options.className.includes("mapapp-halo")) {
        node.setAttribute("data-halo-for", feature.id);
      } else {
        node.setAttribute("data-feature-id", feature.id);
      }
      node.setAttribute("data-layer-id", collectionId);
    };
    layer.on("add", apply);
  }

  /* ---- popups ---- */

  function nativeNames(props) {
    const names = props.names || {};
    const spans = ["ru", "kk", "zh"]
      .filter((lang) => names[lang] && names[lang] !== props.name)
      .map((lang) => el("span", { lang }, names[lang]));
    if (!spans.length) return null;
    const line = el("p", { class: "mapapp-native-names" });
    spans.forEach((span, index) => {
      if (index) line.append(" · ");
      line.append(span);
    });
    return line;
  }

  function facts(props) {
    if (!props.facts || !props.facts.length) return null;
    const list = el("dl", { class: "mapapp-facts" });
    for (const fact of props.facts) {
      const source = isWebUrl(fact.source)
        ? [" ", el("span", { class: "mapapp-fact-source" }, "(", link(fact.source, "source"), ")")]
        : [];
      list.append(el("dt", {}, fact.label), el("dd", {}, fact.value, ...source));
    }
    return list;
  }

  function citation(cite) {
    const source = data.sources[cite.source] || {};
    const reference = el("p", { class: "mapapp-cite" }, "— ",
      link(source.url, source.citation || source.title || cite.source), `, ¶${cite.paragraph}`);
    return el("figure", { class: "mapapp-citation" },
      el("blockquote", isWebUrl(source.url) ? { cite: source.url } : {}, cite.quote),
      el("figcaption", {}, reference));
  }

  function precision(props) {
    const parts = [el("strong", {}, "Location: "), PRECISION_TEXT[props.precision] || props.precision];
    if (props.precision === "approximate" && props.error_km) parts.push(` (±${props.error_km} km)`);
    parts.push(".");
    if (props.location_note) parts.push(" ", props.location_note);
    const sources = el("p", { class: "mapapp-location-sources" }, "Geometry from: ");
    (props.location_sources || []).forEach((item, index) => {
      if (index) sources.append("; ");
      sources.append(link(item, item));
    });
    return el("div", { class: "mapapp-precision" }, el("p", {}, ...parts), sources);
  }

  function popupContent(collection, feature) {
    const props = feature.properties;
    const meta = [props.kind, props.status, props.context ? "shown for context" : null]
      .filter(Boolean).join(" · ");
    return el("article", { class: "mapapp-popup", "data-popup-for": feature.id },
      el("h2", { class: "mapapp-name" }, props.name),
      nativeNames(props),
      el("p", { class: "mapapp-meta" }, `${collection.title} · ${meta}`),
      el("p", { class: "mapapp-summary" }, props.summary),
      facts(props),
      el("section", { class: "mapapp-citations", "aria-label": "In the article" },
        ...(props.citations || []).map(citation)),
      precision(props));
  }

  /* ---- layers ---- */

  function registerLayer(group, options) {
    const collection = collections.get(options.collection);
    groups.set(collection.id, group);
    const layer = L.geoJSON(collection.features, {
      style: (feature) => lineStyle(collection, feature),
      pointToLayer: (feature, latlng) => pointLayer(collection, feature, latlng),
      onEachFeature: (feature, drawn) => {
        drawn.bindPopup(() => popupContent(collection, feature),
          { maxWidth: 380, minWidth: 240, className: "mapapp-popup-wrapper" });
        featureLayers.set(feature.id, drawn);
        tag(drawn, feature, collection.id);
      },
    });
    group.addLayer(layer);
  }

  function swatch(collection, colour) {
    return el("span", { class: "mapapp-swatch", "aria-hidden": "true",
      "data-colour": colour || collection.style.color });
  }

  const LayerControl = L.Control.extend({
    options: { position: "topright" },
    onAdd(map) {
      const box = el("details", { class: "mapapp-layers leaflet-bar", open: roomy() ? "" : null },
        el("summary", {}, "Layers"));
      for (const group of this.options.groups) {
        const fieldset = el("fieldset", {}, el("legend", {}, group.group));
        for (const id of group.collections) {
          const collection = collections.get(id);
          const input = el("input", { type: "checkbox", "data-collection": id });
          input.checked = map.hasLayer(groups.get(id));
          input.addEventListener("change", () => setLayerVisible(id, input.checked));
          fieldset.append(el("label", {}, input, swatch(collection), collection.title));
        }
        box.append(fieldset);
      }
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    },
  });

  function addLayerControl(map, options) {
    controls.layers = new LayerControl({ groups: options.groups }).addTo(map);
  }

  function visibleLayers() {
    return [...groups.keys()].filter((id) => theMap.hasLayer(groups.get(id)));
  }

  /* The one way layers are shown or hidden: keeps the control and the URL in step. */
  function setLayerVisible(id, visible) {
    const group = groups.get(id);
    if (visible) theMap.addLayer(group);
    else theMap.removeLayer(group);
    document.querySelectorAll(`input[data-collection="${id}"]`).forEach((input) => {
      input.checked = visible;
    });
    writeUrl();
  }

  /* ---- legend ---- */

  const SVG_NS = "http://www.w3.org/2000/svg";

  function svg(children) {
    const root = document.createElementNS(SVG_NS, "svg");
    root.setAttribute("width", "28");
    root.setAttribute("height", "14");
    root.setAttribute("aria-hidden", "true");
    for (const [tagName, attrs] of children) {
      const child = document.createElementNS(SVG_NS, tagName);
      for (const [name, value] of Object.entries(attrs)) child.setAttribute(name, value);
      root.append(child);
    }
    return root;
  }

  function legendKey(colour, point) {
    if (point) return svg([["circle", { cx: 14, cy: 7, r: 5, fill: colour }]]);
    return svg([["line", { x1: 2, y1: 7, x2: 26, y2: 7, stroke: colour, "stroke-width": 4 }]]);
  }

  function legendItem(symbol, text) {
    return el("li", {}, symbol, " ", text);
  }

  const Legend = L.Control.extend({
    options: { position: "bottomleft" },
    onAdd() {
      const list = el("ul", { class: "mapapp-legend-layers" });
      for (const collection of collections.values()) {
        const by = collection.style.color_by;
        if (by) {
          for (const [value, colour] of Object.entries(by.values)) {
            list.append(legendItem(legendKey(colour), `${collection.title}: ${value}`));
          }
        } else {
          const points = collection.features.every((f) => /Point$/.test(f.geometry.type));
          list.append(legendItem(legendKey(collection.style.color, points), collection.title));
        }
      }
      const grey = "#444444";
      const symbols = el("ul", { class: "mapapp-legend-symbols" },
        legendItem(svg([["line", { x1: 2, y1: 7, x2: 26, y2: 7, stroke: grey, "stroke-width": 4 }]]),
          "Route traced from mapped geometry"),
        legendItem(svg([["line", { x1: 2, y1: 7, x2: 26, y2: 7, stroke: grey, "stroke-width": 4,
          "stroke-dasharray": "6 4" }]]), "Schematic route through known places"),
        legendItem(svg([["circle", { cx: 14, cy: 7, r: 5, fill: grey, stroke: "#fff", "stroke-width": 2 }]]),
          "Exact site"),
        legendItem(svg([["circle", { cx: 14, cy: 7, r: 6.5, fill: grey, "fill-opacity": 0.15, stroke: "none" }],
          ["circle", { cx: 14, cy: 7, r: 4, fill: "#fff", stroke: grey, "stroke-width": 2,
            "stroke-dasharray": "2 1.5" }]]),
          "Approximate location; the halo is the stated error"));
      const box = el("details", { class: "mapapp-legend leaflet-bar", open: roomy() ? "" : null },
        el("summary", {}, "Legend"), list, symbols);
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    },
  });

  function addLegend(map) {
    controls.legend = new Legend().addTo(map);
  }

  /* ---- fullscreen ---- */

  const FullscreenControl = L.Control.extend({
    options: { position: "topleft" },
    onAdd(map) {
      const button = el("button", { type: "button", class: "mapapp-fullscreen",
        "aria-label": "Full screen", title: "Full screen", "aria-pressed": "false" },
        svg([["path", { d: "M3 5V2h4M21 2h4v3M25 9v3h-4M7 12H3V9", fill: "none",
          stroke: "currentColor", "stroke-width": 2 }]]));
      const container = map.getContainer();
      button.addEventListener("click", () => {
        if (document.fullscreenElement) document.exitFullscreen();
        else container.requestFullscreen();
      });
      document.addEventListener("fullscreenchange", () => {
        const on = document.fullscreenElement === container;
        button.setAttribute("aria-pressed", on ? "true" : "false");
        map.invalidateSize();
      });
      const bar = el("div", { class: "leaflet-bar" }, button);
      L.DomEvent.disableClickPropagation(bar);
      return bar;
    },
  });

  function addFullscreen(map) {
    if (document.fullscreenEnabled) new FullscreenControl().addTo(map);
  }

  /* ---- URL state: ?layers=a,b&feature=id#zoom/lat/lon ---- */

  const MAX_ZOOM = 19;

  /* The same rules as mapapp/viewstate.py check_view; returns [view, error]. */
  function parseView(fragment) {
    if (!fragment) return [null, null];
    const parts = fragment.split("/");
    const number = /^[-+]?\d+(\.\d+)?$/;
    if (parts.length !== 3) return [null, `view #${fragment} must be #<zoom>/<lat>/<lon>`];
    if (!/^\d+$/.test(parts[0]) || !number.test(parts[1]) || !number.test(parts[2])) {
      return [null, `view #${fragment} must be #<zoom>/<lat>/<lon> in numbers`];
    }
    const [zoom, lat, lon] = [Number(parts[0]), Number(parts[1]), Number(parts[2])];
    if (zoom > MAX_ZOOM) return [null, `zoom ${parts[0]} in #${fragment} must be 0 to ${MAX_ZOOM}`];
    if (Math.abs(lat) > 90) return [null, `latitude ${parts[1]} in #${fragment} must be -90 to 90`];
    if (Math.abs(lon) > 180) return [null, `longitude ${parts[2]} in #${fragment} must be -180 to 180`];
    return [{ zoom, lat, lon }, null];
  }

  /* The server refuses wrong ids with a 400 page; a static copy of the map has no
     server, so the page checks them too (and the view, which no server sees). */
  function readUrl() {
    const params = new URLSearchParams(location.search);
    const layers = params.has("layers") ? params.get("layers").split(",").filter(Boolean) : null;
    let [view, error] = parseView(decodeURIComponent(location.hash.slice(1)));
    const unknownLayer = (layers || []).find((id) => !collections.has(id));
    const feature = params.get("feature");
    if (unknownLayer) error = `unknown layer '${unknownLayer}' in layers=`;
    else if (feature && !featureLayers.has(feature)) error = `unknown feature '${feature}' in feature=`;
    return { layers: unknownLayer ? null : layers, feature, view, error,
      controls: params.get("controls") !== "0", legend: params.get("legend") !== "0" };
  }

  /* The query of a state, in the fixed order mapapp/embedcode.py state_query uses. */
  function stateQuery(state) {
    const parts = [];
    if (state.layers) parts.push(`layers=${state.layers.join(",")}`);
    if (state.feature) parts.push(`feature=${state.feature}`);
    if (state.controls === false) parts.push("controls=0");
    if (state.legend === false) parts.push("legend=0");
    return parts.length ? `?${parts.join("&")}` : "";
  }

  function viewFragment() {
    const centre = theMap.getCenter();
    const zoom = theMap.getZoom();
    const digits = Math.max(2, Math.ceil(Math.log(Math.max(zoom, 1)) / Math.LN2) + 1);
    return `#${zoom}/${centre.lat.toFixed(digits)}/${centre.lng.toFixed(digits)}`;
  }

  /* What the reader sees now: layers (null when all are on), open feature, view. */
  function currentState() {
    const layers = visibleLayers();
    const url = readUrl();
    return {
      layers: layers.length === groups.size ? null : layers,
      feature: openFeature,
      controls: url.controls,
      legend: url.legend,
      fragment: viewFragment(),
    };
  }

  let writing = false;
  function writeUrl() {
    if (!theMap || writing) return;
    const state = currentState();
    history.replaceState(history.state, "", location.pathname + stateQuery(state) + state.fragment);
    document.dispatchEvent(new CustomEvent("mapapp:statechange", { detail: state }));
  }

  function showError(message) {
    const box = el("div", { class: "mapapp-error", role: "alert" },
      el("strong", {}, "This map URL has a wrong value: "), message);
    theMap.getContainer().append(box);
    document.documentElement.setAttribute("data-map-state", "error");
  }

  /* ---- embed: credit line, no scroll trap, height to the host page ---- */

  const Credit = L.Control.extend({
    options: { position: "bottomright" },
    onAdd() {
      const article = Object.values(data.sources)[0];
      this.fullMap = el("a", { href: "./", target: "_blank", rel: "noopener" }, "Full map");
      return el("div", { class: "mapapp-credit" }, this.fullMap, " · ",
        link(article.url, "The article"));
    },
  });

  function postHeight() {
    if (window.parent === window) return;
    const height = document.documentElement.scrollHeight;
    window.parent.postMessage({ mapapp: { height } }, "*");
  }

  function setUpEmbed(map, url) {
    if (!url.controls && controls.layers) map.removeControl(controls.layers);
    if (!url.legend && controls.legend) map.removeControl(controls.legend);
    const credit = new Credit().addTo(map);
    document.addEventListener("mapapp:statechange", (event) => {
      const state = { ...event.detail, controls: true, legend: true };
      credit.fullMap.href = `./${stateQuery(state)}${event.detail.fragment}`;
    });
    /* Wheel zoom only once the reader has chosen the map, so the host page scrolls. */
    map.scrollWheelZoom.disable();
    const container = map.getContainer();
    const enable = () => map.scrollWheelZoom.enable();
    container.addEventListener("click", enable);
    container.addEventListener("focus", enable);
    container.addEventListener("blur", () => map.scrollWheelZoom.disable());
    if (window.ResizeObserver) new ResizeObserver(postHeight).observe(document.body);
    postHeight();
  }

  /* ---- start ---- */

  function start(map, options) {
    theMap = map;
    document.querySelectorAll(".mapapp-swatch").forEach((node) => {
      node.style.background = node.dataset.colour;
    });
    const url = readUrl();
    /* The open feature's layer is shown even when layers= leaves it out. */
    const visible = new Set(url.layers || groups.keys());
    if (url.feature && featureLayers.has(url.feature)) {
      visible.add(data.collections.find((c) => c.features.some((f) => f.id === url.feature)).id);
    }
    writing = true;
    for (const id of groups.keys()) setLayerVisible(id, visible.has(id));
    if (url.view) map.setView([url.view.lat, url.view.lon], url.view.zoom, { animate: false });
    else map.fitBounds(options.bounds, { animate: false, padding: [12, 12] });
    if (url.feature && featureLayers.has(url.feature)) {
      /* A view in the URL is kept exactly: the popup must not pan the map away from it. */
      const popup = featureLayers.get(url.feature).getPopup();
      popup.options.autoPan = !url.view;
      featureLayers.get(url.feature).openPopup();
      popup.options.autoPan = true;
      openFeature = url.feature;
    }
    writing = false;
    map.on("popupopen", (event) => {
      const content = event.popup.getElement().querySelector("[data-popup-for]");
      openFeature = content ? content.dataset.popupFor : null;
      writeUrl();
    });
    map.on("popupclose", () => {
      openFeature = null;
      writeUrl();
    });
    map.on("moveend", writeUrl);
    if (options.mode === "embed") setUpEmbed(map, url);
    writeUrl();
    if (url.error) showError(url.error);
    else document.documentElement.setAttribute("data-map-state", "ready");
  }

  window.mapapp = {
    registerLayer, addLayerControl, addLegend, addFullscreen, start,
    currentState, stateQuery,
  };
})();
