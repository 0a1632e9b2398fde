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
          input.addEventListener("change", () => {
            if (input.checked) map.addLayer(groups.get(id));
            else map.removeLayer(groups.get(id));
          });
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
    new LayerControl({ groups: options.groups }).addTo(map);
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
    new Legend().addTo(map);
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

  /* ---- start ---- */

  function start(map, options) {
    map.fitBounds(options.bounds, { animate: false, padding: [12, 12] });
    document.querySelectorAll(".mapapp-swatch").forEach((node) => {
      node.style.background = node.dataset.colour;
    });
    document.documentElement.setAttribute("data-map-state", "ready");
  }

  window.mapapp = { registerLayer, addLayerControl, addLegend, addFullscreen, start };
})();
