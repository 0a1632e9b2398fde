/* mapapp-embed: what /embed adds: the credit line, no scroll trap, the frame's
 * height to the host page. */
(function () {
  "use strict";

  const M = window.mapapp;
  const { _, articleLinks, controls, data, el, link, mainSource } = M;

  /* ---- embed: credit line, no scroll trap, height to the host page ---- */

  const Credit = L.Control.extend({
    options: { position: "bottomright" },
    onAdd() {
      /* The page draws the line before any script runs (templates/embed.html): it
         moves here, among the controls. */
      const early = document.getElementById("mapapp-credit");
      if (early) {
        early.classList.remove("mapapp-credit-early");
        this.fullMap = early.querySelector("a");
        return early;
      }
      const article = articleLinks(mainSource());
      const url = article.in_language ? article.in_language.url : article.quoted && article.quoted.url;
      this.fullMap = el("a", { href: M.pageHref("index", {}), target: "_blank", rel: "noopener" },
        _("Full map"));
      const asOf = data.dataAsOf && data.dataAsOf.text;
      return el("div", { class: "mapapp-credit" }, this.fullMap, " · ",
        link(url || mainSource().url, _("The article")),
        asOf ? el("span", { class: "mapapp-data-as-of" }, " · ", asOf) : null);
    },
  });

  /* The embed lays itself out for any frame down to this height; embed.js on the host page
   * raises a lower frame to it (and never shrinks one). */
  const MIN_FRAME_HEIGHT = 180;

  function postHeight() {
    if (window.parent === window) return;
    window.parent.postMessage({ mapapp: { minHeight: MIN_FRAME_HEIGHT } }, "*");
  }

  function setUpEmbed(map, url) {
    if (!url.controls && controls.layers) map.removeControl(controls.layers);
    if (!url.legend && controls.legend) map.removeControl(controls.legend);
    const credit = new Credit().addTo(map);
    document.addEventListener("mapapp:statechange", (event) => {
      const state = { ...event.detail, controls: true, legend: true };
      credit.fullMap.href = M.pageHref("index", state);
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
  Object.assign(M, {
    postHeight, setUpEmbed, Credit, MIN_FRAME_HEIGHT
  });
})();
