/* mapapp-touch: a map inside a page lets the page scroll.
 *
 * On a touch screen one finger scrolls the page and two fingers move (and pinch) the
 * map; one finger moving over the map shows a short hint saying so. In full screen,
 * or where the map is the whole page (nothing to scroll, not in a frame), one finger
 * pans the map as usual. Mouse dragging and the wheel are untouched.
 *
 * How: the container's touch-action lets the browser pan the page (CSS
 * .mapapp-two-finger), and a one-finger touchstart never reaches Leaflet's dragging
 * (stopped on its way down, in the capture phase), so the browser scrolls the page,
 * or the host page from inside an iframe, where no script could. Two fingers reach
 * Leaflet's touch zoom, which moves the map with them. This is the idea of the
 * Leaflet.GestureHandling plugin in a few lines of our own: that plugin is only on
 * npm (no pinned package to self-host from, as Leaflet comes from xstatic-leaflet)
 * and also takes over the mouse wheel, which the embed handles already.
 */
(function () {
  "use strict";

  const M = window.mapapp;
  const { _, el } = M;

  const HINT_MS = 1500;
  const SLOP = 8; // px a finger moves before it counts as a swipe, not a tap

  /* Must one finger leave the map to the page? In a frame (an embed in an article),
     or on a page that scrolls; never in full screen. */
  function sharesThePage(map) {
    if (document.fullscreenElement === map.getContainer()) return false;
    if (window.parent !== window) return true;
    return document.documentElement.scrollHeight > window.innerHeight + 1;
  }

  function setUpTouch(map) {
    const container = map.getContainer();
    const hint = el("div", { class: "mapapp-touch-hint", role: "status", "aria-live": "polite" });
    container.append(hint);
    let hideTimer = null;
    let start = null; // where a one-finger touch began

    function update() {
      container.classList.toggle("mapapp-two-finger", sharesThePage(map));
    }

    function showHint() {
      hint.textContent = _("Use two fingers to move the map");
      hint.classList.add("is-shown");
      clearTimeout(hideTimer);
      hideTimer = setTimeout(hideHint, HINT_MS);
    }

    function hideHint() {
      clearTimeout(hideTimer);
      hint.classList.remove("is-shown");
    }

    const cooperative = () => container.classList.contains("mapapp-two-finger");
    const onControl = (target) => target instanceof Element &&
      Boolean(target.closest(".leaflet-control, .leaflet-popup"));

    container.addEventListener("touchstart", (event) => {
      if (!cooperative()) return;
      if (event.touches.length === 1) {
        start = onControl(event.target) ? null : { x: event.touches[0].clientX, y: event.touches[0].clientY };
        event.stopPropagation(); // not to Leaflet's dragging: the page scrolls
      } else {
        start = null;
        hideHint();
      }
    }, { capture: true, passive: true });

    container.addEventListener("pointerdown", (event) => {
      /* Where Leaflet listens to pointer events for touch (no touch events), the same. */
      if (cooperative() && event.pointerType === "touch" && event.isPrimary) event.stopPropagation();
    }, { capture: true, passive: true });

    container.addEventListener("touchmove", (event) => {
      if (!start || event.touches.length !== 1) return;
      const touch = event.touches[0];
      if (Math.abs(touch.clientX - start.x) + Math.abs(touch.clientY - start.y) < SLOP) return;
      start = null;
      showHint();
    }, { passive: true });

    container.addEventListener("touchend", () => { start = null; }, { passive: true });
    document.addEventListener("fullscreenchange", () => {
      hideHint();
      update();
    });
    map.on("resize", update);
    window.addEventListener("resize", update);
    update();
  }

  Object.assign(M, {
    setUpTouch, sharesThePage
  });
})();
