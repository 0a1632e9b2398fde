/* Print keeps the map's view: the page's map is narrower on paper than on screen, and
 * Leaflet draws from its top-left corner, so the style sheet's print rules centre the
 * drawn map in the printed box with the size it has on screen, which this script keeps
 * in two variables (--mapapp-screen-width, --mapapp-screen-height) on the map region.
 */
(function () {
  "use strict";

  const region = document.getElementById("map-region");
  if (!region) return;
  const printing = window.matchMedia("print");

  function remember() {
    if (printing.matches || !region.clientWidth) return; // the screen's size, not the paper's
    region.style.setProperty("--mapapp-screen-width", `${region.clientWidth}px`);
    region.style.setProperty("--mapapp-screen-height", `${region.clientHeight}px`);
  }

  remember();
  if (window.ResizeObserver) new ResizeObserver(remember).observe(region);
  window.addEventListener("beforeprint", remember);
})();
