/* mapapp-basemap: the built-in basemap, country outlines under the tiles. */
(function () {
  "use strict";

  const M = window.mapapp;
  const S = M.state;
  const { _, data } = M;

  /* ---- the built-in basemap: country outlines when tiles cannot be loaded ---- */

  /* (Quote marks stay out of regular expressions here: Babel's extractor reads this file.) */
  const HTML_ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\u0022": "&quot;" };
  function escapeHtml(text) {
    return String(text).replace(/[&<>\u0022]/g, (character) => HTML_ESCAPES[character]);
  }

  /* The outlines' credit: shown from the start (creditTiles), so that outlines drawn
     once tiles fail change nothing on screen; a credit that came with them would widen
     the attribution and move the controls beside it, on a slow phone before ready. */
  function basemapCredit() {
    return escapeHtml(_("Country outlines:")) +
      " <a href=\"https://www.naturalearthdata.com/\">Natural Earth</a>";
  }

  let basemapRequested = false;
  function drawBasemap() {
    if (basemapRequested || !data.basemap) return;
    basemapRequested = true;
    const pane = S.map.createPane("mapapp-basemap");
    pane.style.zIndex = 150; // below the tiles (200): tiles that load cover it
    pane.style.pointerEvents = "none";
    fetch(data.basemap)
      .then((response) => (response.ok ? response.json() : Promise.reject(new Error(response.statusText))))
      .then((outlines) => {
        L.geoJSON(outlines, {
          pane: "mapapp-basemap", interactive: false,
          style: { color: "#8e9aa3", weight: 1, opacity: 1, fill: true, fillColor: "#f6f4ee",
            fillOpacity: 1, className: "mapapp-basemap-country" },
          attribution: basemapCredit(),
        }).addTo(S.map);
        document.documentElement.setAttribute("data-basemap", "drawn");
      })
      .catch(() => document.documentElement.setAttribute("data-basemap", "failed"));
  }

  /* ---- the tiles: added at the first view, not at folium's opening one ---- */

  const tileLayers = []; // folium builds them but leaves them off the map

  function registerTiles(layer) {
    tileLayers.push(layer);
  }

  /* The tiles' credit, and the outlines' that stand in for them, before the tiles:
     the first view keeps clear of the attribution as it will be drawn. */
  function creditTiles(map) {
    if (!map.attributionControl) return;
    for (const layer of tileLayers) map.attributionControl.addAttribution(layer.getAttribution());
    if (data.basemap) map.attributionControl.addAttribution(basemapCredit());
  }

  /* The tiles at the view the map opens with, so no tile of another view is fetched in
     vain; their credit passes from creditTiles() to the layer, unchanged on screen. */
  function addTiles(map) {
    for (const layer of tileLayers) {
      layer.addTo(map);
      if (map.attributionControl) map.attributionControl.removeAttribution(layer.getAttribution());
    }
  }

  /* The outlines are fetched only when tiles fail, or none has loaded after a while. */
  function watchTiles(map) {
    const tiles = [];
    map.eachLayer((layer) => {
      if (layer instanceof L.TileLayer) tiles.push(layer);
    });
    if (!tiles.length) {
      drawBasemap();
      return;
    }
    let loaded = false;
    tiles.forEach((layer) => {
      layer.on("tileerror", drawBasemap);
      layer.on("tileload", () => { loaded = true; });
    });
    setTimeout(() => { if (!loaded) drawBasemap(); }, 6000);
  }
  Object.assign(M, {
    escapeHtml, drawBasemap, watchTiles, HTML_ESCAPES, registerTiles, creditTiles, addTiles
  });
})();
