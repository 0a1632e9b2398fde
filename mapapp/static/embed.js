/* mapapp embed helper for host pages: <script src="https://MAP-HOST/embed.js" async></script>
 * Resizes each iframe of the map on this page to the height its content reports
 * ({"mapapp": {"height": N}} messages), accepting a message only from the frame it sizes,
 * and only from frames of the map's origin. */
(function () {
  "use strict";
  /* Only the map's own frames: the origin this script is served from. Any other frame of
     the host page (an ad, a video) posting the same message is ignored. */
  var script = document.currentScript;
  var mapOrigin = script && script.src ? new URL(script.src, location.href).origin : null;
  window.addEventListener("message", function (event) {
    if (!mapOrigin || event.origin !== mapOrigin) return;
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
