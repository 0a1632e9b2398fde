/* mapapp embed helper for host pages: <script src="https://MAP-HOST/embed.js" async></script>
 * Resizes each iframe of the map on this page to the height its content reports
 * ({"mapapp": {"height": N}} messages), accepting a message only from the frame it sizes. */
(function () {
  "use strict";
  window.addEventListener("message", function (event) {
    var data = event.data && event.data.mapapp;
    if (!data || typeof data.height !== "number" || !isFinite(data.height)) return;
    var frames = document.getElementsByTagName("iframe");
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].contentWindow !== event.source) continue;
      if (new URL(frames[i].src, location.href).origin !== event.origin) return;
      var height = Math.max(150, Math.min(5000, Math.round(data.height)));
      frames[i].style.height = height + "px";
      frames[i].setAttribute("data-mapapp-height", String(height));
      return;
    }
  });
})();
