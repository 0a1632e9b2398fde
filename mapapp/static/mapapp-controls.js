/* mapapp-controls: the layer control, the legend, the full-screen button and the
 * names of Leaflet's own controls. */
(function () {
  "use strict";

  const M = window.mapapp;
  const { _, collections, controls, data, el, groupIds, groups, roomy, svg, term } = M;

  function swatch(collection, colour) {
    return el("span", { class: "mapapp-swatch", "aria-hidden": "true",
      "data-colour": colour || collection.style.color });
  }

  const LayerControl = L.Control.extend({
    options: { position: "topright" },
    onAdd(map) {
      const box = el("details", { class: "mapapp-layers leaflet-bar", open: roomy() ? "" : null },
        el("summary", {}, _("Layers")));
      for (const group of this.options.groups) {
        const fieldset = el("fieldset", { "data-group": groupIds.get(group.group) || "" },
          el("legend", {}, term(group.group),
            el("span", { class: "mapapp-filter-note" }, " ", _("(filtered out)"))));
        for (const id of group.collections) {
          const collection = collections.get(id);
          const input = el("input", { type: "checkbox", "data-collection": id });
          input.checked = map.hasLayer(groups.get(id));
          input.addEventListener("change", () => M.setLayerVisible(id, input.checked));
          fieldset.append(el("label", {}, input, swatch(collection), term(collection.title)));
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

  /* ---- legend ---- */


  function legendKey(colour, point) {
    if (point) return svg([["circle", { cx: 14, cy: 7, r: 5, fill: colour }]]);
    return svg([["line", { x1: 2, y1: 7, x2: 26, y2: 7, stroke: colour, "stroke-width": 4 }]]);
  }

  function legendItem(symbol, text) {
    return el("li", {}, symbol, " ", text);
  }

  const Legend = L.Control.extend({
    options: { position: "bottomleft" },
    onAdd(map) {
      const list = el("ul", { class: "mapapp-legend-layers" });
      for (const collection of collections.values()) {
        const by = collection.style.color_by;
        if (by) {
          for (const [value, colour] of Object.entries(by.values)) {
            list.append(legendItem(legendKey(colour), `${term(collection.title)}: ${term(value)}`));
          }
        } else {
          list.append(legendItem(legendKey(collection.style.color, collection.points), term(collection.title)));
        }
      }
      const grey = "#444444";
      const symbols = el("ul", { class: "mapapp-legend-symbols" },
        legendItem(svg([["line", { x1: 2, y1: 7, x2: 26, y2: 7, stroke: grey, "stroke-width": 4 }]]),
          _("Route traced from mapped geometry")),
        legendItem(svg([["line", { x1: 2, y1: 7, x2: 26, y2: 7, stroke: grey, "stroke-width": 4,
          "stroke-dasharray": "6 4" }]]), _("Schematic route through known places")),
        legendItem(svg([["circle", { cx: 14, cy: 7, r: 5, fill: grey, stroke: "#fff", "stroke-width": 2 }]]),
          _("Exact site")),
        legendItem(svg([["circle", { cx: 14, cy: 7, r: 6.5, fill: grey, "fill-opacity": 0.15, stroke: "none" }],
          ["circle", { cx: 14, cy: 7, r: 4, fill: "#fff", stroke: grey, "stroke-width": 2,
            "stroke-dasharray": "2 1.5" }]]),
          _("Approximate location; the halo is the stated error")));
      const box = el("details", { class: "mapapp-legend leaflet-bar", open: roomy(map, 1000, 700) ? "" : null },
        el("summary", {}, _("Legend")), list, symbols);
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
        "aria-label": _("Full screen"), title: _("Full screen"), "aria-pressed": "false" },
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

  /* Names for Leaflet's own controls, in the page's language. */
  function nameControls(map) {
    const container = map.getContainer();
    container.setAttribute("role", "region");
    container.setAttribute("aria-label",
      _("Map: arrow keys move it, plus and minus zoom; the list of places reaches every feature"));
    for (const [selector, label] of [[".leaflet-control-zoom-in", _("Zoom in")],
      [".leaflet-control-zoom-out", _("Zoom out")]]) {
      const button = container.querySelector(selector);
      if (button) {
        button.setAttribute("aria-label", label);
        button.setAttribute("title", label);
      }
    }
  }

  /* ---- where the controls are: what the first view and popups keep clear of ---- */

  /* The boxes of the controls on screen, in the map container's pixels ({left, top,
     right, bottom}): measured, so a folded panel, an icon button or a long attribution
     counts as it is drawn. Hidden controls (the legend while a popup is open on a
     small map) do not count. */
  function controlBoxes(map) {
    const container = map.getContainer();
    const frame = container.getBoundingClientRect();
    const boxes = [];
    // while they are being placed (mapapp-start.js) every control is hidden, yet counts
    const placing = document.documentElement.dataset.controls !== "placed";
    container.querySelectorAll(".leaflet-control").forEach((control) => {
      const rect = control.getBoundingClientRect();
      if (!rect.width || !rect.height) return;
      if (!placing && getComputedStyle(control).visibility === "hidden") return;
      boxes.push({ left: rect.left - frame.left, top: rect.top - frame.top,
        right: rect.right - frame.left, bottom: rect.bottom - frame.top, control });
    });
    return boxes;
  }

  /* On a narrow map the attribution wraps across the whole bottom edge: the bottom
     left corner (legend, scale bar) then stands on it instead of under it, by its
     measured height, whatever language or credit makes it taller. */
  function keepBottomCornersApart(map) {
    const container = map.getContainer();
    const left = container.querySelector(".leaflet-bottom.leaflet-left");
    const right = container.querySelector(".leaflet-bottom.leaflet-right");
    if (!left || !right || !window.ResizeObserver) return;
    const place = () => {
      left.style.bottom = "";
      const leftBox = left.getBoundingClientRect();
      const rightBox = right.getBoundingClientRect();
      const overlap = rightBox.height && leftBox.width && rightBox.left < leftBox.right;
      left.style.bottom = overlap ? `${Math.ceil(rightBox.height)}px` : "";
    };
    new ResizeObserver(place).observe(right);
    map.on("resize", place);
    place();
  }

  Object.assign(M, {
    keepBottomCornersApart, controlBoxes, swatch, addLayerControl, legendKey, legendItem, addLegend, addFullscreen,
    nameControls, LayerControl, Legend, FullscreenControl
  });
})();
