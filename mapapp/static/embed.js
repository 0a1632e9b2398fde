/* mapapp embed helper for host pages, part of the code the Share dialog gives:
 *   <div data-mapapp-embed style="…"><iframe src="https://MAP-HOST/embed…"></iframe></div>
 *   <script src="https://MAP-HOST/embed.js" async></script>
 * The wrapper alone shows the whole map (the embed lays itself out for any frame down to
 * 180 px high); this script only makes a frame that is lower than the map reports it needs
 * ({"mapapp": {"minHeight": N}}) grow, never shrink: through the wrapper's min-height (so the
 * iframe never spills over the next paragraph), or the height of a bare iframe.
 * It accepts a message only from an iframe of this map's origin, sent by that iframe's own
 * window, and installs itself once however many times the code is pasted. */
(function () {
  "use strict";
  if (window.mapappEmbedHelper) return;
  var script = document.currentScript;
  var mapOrigin = script && script.src ? new URL(script.src, location.href).origin : null;
  window.mapappEmbedHelper = { origin: mapOrigin };

  function frameOf(event) {
    var frames = document.getElementsByTagName("iframe");
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].contentWindow === event.source) return frames[i];
    }
    return null;
  }

  window.addEventListener("message", function (event) {
    var data = event.data && event.data.mapapp;
    if (!data || typeof data.minHeight !== "number" || !isFinite(data.minHeight)) return;
    if (mapOrigin && event.origin !== mapOrigin) return;
    var frame = frameOf(event);
    if (!frame || new URL(frame.src, location.href).origin !== event.origin) return;
    var height = Math.max(0, Math.min(1000, Math.round(data.minHeight)));
    var wrapper = frame.parentNode;
    if (wrapper && wrapper.hasAttribute && wrapper.hasAttribute("data-mapapp-embed")) {
      wrapper.style.minHeight = height + "px";
    } else if (frame.getBoundingClientRect().height < height) {
      frame.style.height = height + "px";
    }
    frame.setAttribute("data-mapapp-min-height", String(height));
  });
})();
