/* embedlayout: the embed lays itself out for the frame it gets.
 *
 * A small frame (under 480 px wide or 360 px high, down to 280×180) gets the compact
 * layout: the Layers, Legend and Places controls shrink to icon buttons (their names
 * stay for screen readers), the zoom buttons sit side by side, the legend moves up
 * beside Layers so the bottom edge is left to the attribution and the credit line, and
 * the scale bar goes. The CSS under `.mapapp-compact` does the rest; this file decides
 * when, from the map's own size, and follows the frame when it is resized.
 */
(function () {
  "use strict";

  if (!window.mapapp || !window.mapapp.use) return;

  const COMPACT_WIDTH = 480;
  const COMPACT_HEIGHT = 360;
  const SVG_NS = "http://www.w3.org/2000/svg";
  const ICONS = {
    "mapapp-layers": "M12 3 2 8l10 5 10-5zM2 12.5l10 5 10-5M2 17l10 5 10-5",
    "mapapp-legend": "M3 6h3M9 6h12M3 12h3M9 12h12M3 18h3M9 18h12",
    "mapapp-places": "M10.5 4a6.5 6.5 0 1 0 0 13 6.5 6.5 0 1 0 0-13zM15.5 15.5 21 21",
  };

  function icon(path) {
    const root = document.createElementNS(SVG_NS, "svg");
    root.setAttribute("viewBox", "0 0 24 24");
    root.setAttribute("class", "mapapp-control-icon");
    root.setAttribute("aria-hidden", "true");
    const line = document.createElementNS(SVG_NS, "path");
    line.setAttribute("d", path);
    line.setAttribute("fill", "none");
    line.setAttribute("stroke", "currentColor");
    line.setAttribute("stroke-width", "2");
    line.setAttribute("stroke-linejoin", "round");
    root.append(line);
    return root;
  }

  /* Each folding control's summary: an icon, then its name in a span the compact CSS
     hides visually (the name stays the summary's accessible name). */
  function giveIcons(container) {
    for (const [name, path] of Object.entries(ICONS)) {
      const summary = container.querySelector(`.${name} > summary`);
      if (!summary || summary.querySelector(".mapapp-control-icon")) continue;
      const label = document.createElement("span");
      label.className = "mapapp-control-label";
      label.append(...summary.childNodes);
      summary.append(icon(path), label);
    }
  }

  window.mapapp.use((api, context) => {
    if (context.mode !== "embed") return;
    const map = api.map();
    const container = map.getContainer();
    giveIcons(container);

    function layOut() {
      const size = map.getSize();
      const compact = size.x < COMPACT_WIDTH || size.y < COMPACT_HEIGHT;
      container.classList.toggle("mapapp-compact", compact);
      const legend = api.control("legend");
      const position = compact ? "topright" : "bottomleft";
      if (legend && legend.getPosition() !== position) {
        legend.setPosition(position); // re-adds it when shown (a new box: icons again)
        giveIcons(container);
      }
    }

    layOut();
    map.on("resize", layOut);
  });
})();
