/* mapapp-popups: opening, sizing and placing popups; moving to features. */
(function () {
  "use strict";

  const M = window.mapapp;
  const S = M.state;
  const { _, controls, data, featureIndex, featureLayers, reducedMotion } = M;

  /* A small map (a phone, a small embed): there the legend steps aside while a popup
     is open, and popups keep clear of the other controls. */
  function smallMap(size) {
    return size.x < 700 || size.y < 600;
  }

  const POPUP_LEFT = 56; // popups keep right of the zoom buttons

  /* How far down from the top and up from the bottom the controls reach over where
     popups go: the legend aside, and open panels (taller than 40% of the map), which
     cover a popup wherever it is. */
  function controlsReach(size, tiny) {
    const container = S.map.getContainer();
    const box = container.getBoundingClientRect();
    const reach = { top: 0, bottom: 0 };
    container.querySelectorAll(".leaflet-control").forEach((control) => {
      const rect = control.getBoundingClientRect();
      if (control.classList.contains("mapapp-legend") || !rect.height || rect.height > size.y * 0.4 ||
        rect.right - box.left <= POPUP_LEFT) return;
      if (control.closest(".leaflet-top")) reach.top = Math.max(reach.top, rect.bottom - box.top);
      else reach.bottom = Math.max(reach.bottom, box.bottom - rect.top);
    });
    // below a popup, the feature it points at stays in view too (where there is room)
    return { top: Math.ceil(reach.top) + 6, bottom: Math.ceil(reach.bottom) + 6 + (tiny ? 0 : 14) };
  }

  /* A map too low for a popup's usual frame (a 16:9 frame in a phone's column): its
     popups lose the tip and some margin (CSS .mapapp-tiny-popups). */
  function tinyMap(size) {
    return size.y < 300;
  }

  /* Popups fit a phone: never wider than the map leaves room for. Their height
     follows the map's: on a phone the name, the quote and its reference fit in it
     unscrolled, with the feature in view below; in a small frame, whatever room the
     controls above and below leave. Leaflet's own auto-pan is off: placePopup keeps
     each popup clear of the controls as they are drawn. */
  function fitPopups() {
    const size = S.map.getSize();
    const tiny = tinyMap(size);
    S.map.getContainer().classList.toggle("mapapp-tiny-popups", tiny);
    const pad = smallMap(size) ? controlsReach(size, tiny) : { top: 12, bottom: 12 };
    const room = size.y - pad.top - pad.bottom - (tiny ? 20 : 50); // the popup's frame and tip
    const height = Math.round(tiny ? Math.max(40, room)
      : Math.max(Math.min(180, Math.max(64, room)), Math.min(size.y * 0.7, room)));
    S.map.getContainer().style.setProperty("--mapapp-popup-height", `${height}px`);
    const width = size.x - POPUP_LEFT - 12 - (smallMap(size) ? 52 : 60); // paddings, the popup's frame
    featureLayers.forEach((drawn) => {
      const options = drawn.getPopup().options;
      options.maxWidth = Math.max(160, Math.min(380, width));
      options.minWidth = Math.min(240, options.maxWidth);
      options.autoPan = false;
    });
  }

  /* On a small map an open panel (Layers, Places, the legend) would cover the popup
     or the place chosen: it folds. */
  function foldPanels() {
    if (!S.map || !smallMap(S.map.getSize())) return;
    S.map.getContainer().querySelectorAll("details.leaflet-control[open], .leaflet-control details[open]").forEach((panel) => {
      panel.open = false;
    });
  }

  const GAP = 6; // between a popup and a control or the map's edge

  function intersects(a, b) {
    return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
  }

  function shifted(box, dx, dy) {
    return { left: box.left + dx, right: box.right + dx, top: box.top + dy, bottom: box.bottom + dy };
  }

  /* How far to move the popup's box (container pixels) so that it is inside the map
     and clear of every control, by the shortest move; [0, 0] when it already is.
     The moves tried put one of its edges beside one of theirs. When no move clears
     them all (a popup taller than the room), the one that covers least. */
  function clearingMove(box, size, controls) {
    const xs = new Set([0, GAP - box.left, size.x - GAP - box.right]);
    const ys = new Set([0, GAP - box.top, size.y - GAP - box.bottom]);
    for (const control of controls) {
      xs.add(control.right + GAP - box.left);
      xs.add(control.left - GAP - box.right);
      ys.add(control.bottom + GAP - box.top);
      ys.add(control.top - GAP - box.bottom);
    }
    const wide = box.right - box.left > size.x - 2 * GAP;
    const tall = box.bottom - box.top > size.y - 2 * GAP;
    let best = null;
    for (const dx of xs) {
      for (const dy of ys) {
        const moved = shifted(box, dx, dy);
        const inside = (wide ? moved.left <= GAP : moved.left >= GAP - 0.5 && moved.right <= size.x - GAP + 0.5) &&
          (tall ? moved.top <= GAP : moved.top >= GAP - 0.5 && moved.bottom <= size.y - GAP + 0.5);
        if (!inside) continue;
        const covered = controls.reduce((sum, control) => {
          if (!intersects(moved, control)) return sum;
          return sum + (Math.min(moved.right, control.right) - Math.max(moved.left, control.left)) *
            (Math.min(moved.bottom, control.bottom) - Math.max(moved.top, control.top));
        }, 0);
        const cost = [covered, Math.abs(dx) + Math.abs(dy)];
        if (!best || cost[0] < best.cost[0] || (cost[0] === best.cost[0] && cost[1] < best.cost[1])) {
          best = { dx, dy, cost };
        }
      }
    }
    return best ? [best.dx, best.dy] : [0, 0];
  }

  /* Pans the map so that the open popup, its Close button included, is clear of every
     control on screen, measured as drawn. */
  function placePopup(popup) {
    if (!popup || !popup.isOpen() || S.keepView) return;
    const map = S.map;
    const frame = map.getContainer().getBoundingClientRect();
    const rect = popup.getElement().getBoundingClientRect();
    const box = { left: rect.left - frame.left, right: rect.right - frame.left,
      top: rect.top - frame.top, bottom: rect.bottom - frame.top };
    const [dx, dy] = clearingMove(box, map.getSize(), M.controlBoxes(map));
    if (Math.abs(dx) < 0.5 && Math.abs(dy) < 0.5) return;
    const animate = !reducedMotion() && !S.starting;
    map.panBy([-dx, -dy], animate ? { duration: 0.25 } : { animate: false });
  }

  /* Leaflet sizes and places a popup as it opens; when its content or the controls
     around it change, it is asked to again, and to keep clear of the controls (its
     content, built once, is kept: update() would build it anew). */
  function refitPopup(popup) {
    if (!popup || !popup.isOpen() || typeof popup._updateLayout !== "function") return;
    popup._updateLayout();
    popup._updatePosition();
    placePopup(popup);
  }

  /* Moves the map to the features `ids` (all of them in view), then opens the popup
     of `id`. With `opener`, focus moves into the popup and comes back to `opener`
     when it closes. */
  function focusFeature(id, options = {}) {
    if (!featureIndex.has(id) || !S.map) return;
    const ids = options.ids && options.ids.length ? options.ids : [id];
    ids.forEach(M.reveal);
    if (S.openFeature !== id) {
      S.openFeature = id; // drawn even when filtered out, like its layer
      M.applyFilters();
    }
    const bounds = M.boundsOf(ids);
    foldPanels(); // on a small map, the panel the place was chosen in
    M.withDetails(id, () => {}); // a big catalogue's popup text, fetched while the map moves
    const open = () => {
      const drawn = featureLayers.get(id);
      if (drawn.isPopupOpen()) { // already open: take focus, keep the way back
        const popup = drawn.getPopup();
        if (options.opener) popup.mapappOpener = options.opener;
        const content = popup.getElement().querySelector("[data-popup-for]");
        if (content) content.focus({ preventScroll: true });
        document.dispatchEvent(new CustomEvent("mapapp:popupopen", { detail: { id, element: content } }));
        return;
      }
      S.pendingOpener = options.opener || null;
      drawn.openPopup();
      S.pendingOpener = null;
    };
    if (!bounds.isValid()) {
      open();
      return;
    }
    /* Room above and beside the features for the popup that opens over the first, so
       that its auto-pan does not push the others out of view. */
    const size = S.map.getSize();
    const side = Math.round(Math.min(220, size.x / 4));
    const view = { paddingTopLeft: [side, Math.round(Math.min(440, size.y * 0.55))],
      paddingBottomRight: [side, 30], maxZoom: ids.length > 1 ? 8 : 9 };
    if (reducedMotion() || options.animate === false) {
      S.map.fitBounds(bounds, { ...view, animate: false });
      open();
      return;
    }
    let done = false;
    const once = () => {
      if (done) return;
      done = true;
      open();
    };
    S.map.once("moveend", once);
    setTimeout(once, 1200); // a move to where the map already is may end at once, or not at all
    S.map.flyToBounds(bounds, { ...view, duration: 0.6 });
  }

  function onPopupOpen(event) {
    const element = event.popup.getElement();
    const content = element.querySelector("[data-popup-for]");
    S.openFeature = content ? content.dataset.popupFor : null;
    /* Opened by a control (list, search, panel): focus goes back to it; by a click on
       the map: to the map. */
    event.popup.mapappOpener = S.pendingOpener || S.map.getContainer();
    /* On a small map the legend steps aside and open panels fold; the popup keeps
       clear of the controls as they are now. */
    if (smallMap(S.map.getSize())) {
      S.map.getContainer().classList.add("mapapp-popup-open");
      foldPanels();
      fitPopups();
    }
    element.setAttribute("role", "dialog");
    if (content) element.setAttribute("aria-labelledby", content.getAttribute("aria-labelledby"));
    const close = element.querySelector(".leaflet-popup-close-button");
    if (close) {
      close.setAttribute("aria-label", _("Close"));
      close.setAttribute("title", _("Close"));
    }
    element.addEventListener("keydown", (key) => {
      if (key.key === "Escape") {
        key.stopPropagation();
        S.map.closePopup(event.popup);
      }
    });
    if (content && !S.starting) content.focus({ preventScroll: true });
    document.dispatchEvent(new CustomEvent("mapapp:popupopen",
      { detail: { id: S.openFeature, element: content } }));
    refitPopup(event.popup); // as the plugins left it (reader.js adds a button), clear of the controls
    M.writeUrl();
  }

  function onPopupClose(event) {
    const closed = S.openFeature;
    const opener = event.popup.mapappOpener;
    event.popup.mapappOpener = null;
    const element = event.popup.getElement();
    const focusWasInside = !document.activeElement || document.activeElement === document.body ||
      (element && element.contains(document.activeElement));
    S.openFeature = null;
    S.map.getContainer().classList.remove("mapapp-popup-open");
    if (opener && focusWasInside) { // an element, or a function that knows where focus goes
      if (typeof opener === "function") opener();
      else if (opener.isConnected) opener.focus();
    }
    if (closed && !M.passesFilters(closed)) M.applyFilters();
    document.dispatchEvent(new CustomEvent("mapapp:popupclose", { detail: { id: closed } }));
    M.writeUrl();
  }
  Object.assign(M, {
    smallMap, tinyMap, controlsReach, fitPopups, foldPanels, clearingMove, placePopup,
    refitPopup, focusFeature, onPopupOpen, onPopupClose, POPUP_LEFT
  });
})();
