/* mapapp-view: a first view that uses the screen.
 *
 * Without a view in the URL the map shows every feature at the largest zoom, in
 * quarter steps, at which their box stays clear of the controls on screen. Each
 * control sits in a corner, so the box avoids it by keeping out of either the strip
 * along its side or the strip along its top or bottom edge; every such choice is
 * tried and the one giving the largest zoom wins. The fractional zoom is for this fit
 * only: zooming by hand snaps to whole levels again (crisp tiles), and the URL's
 * fragment, written once the reader moves the map, names whole levels as before.
 * While the reader has not moved it, the map is fitted again when its frame or the
 * controls change.
 */
(function () {
  "use strict";

  const M = window.mapapp;
  const S = M.state;

  const FIT_SNAP = 0.25;
  const MARGIN = 8; // between the features and the edge or a control
  const MAX_FIT_ZOOM = 12;

  /* Every set of strips ({top, right, bottom, left}, px) that keeps a box clear of
     all `boxes` of the map of `size`. */
  function clearPaddings(size, boxes) {
    let choices = [{ top: 0, right: 0, bottom: 0, left: 0 }];
    for (const box of boxes) {
      const side = box.left + box.right < size.x ? { left: box.right } : { right: size.x - box.left };
      const edge = box.top + box.bottom < size.y ? { top: box.bottom } : { bottom: size.y - box.top };
      const next = new Map();
      for (const padding of choices) {
        for (const strip of [side, edge]) {
          const grown = { ...padding };
          for (const [name, value] of Object.entries(strip)) grown[name] = Math.max(grown[name], value);
          next.set(JSON.stringify(grown), grown);
        }
      }
      choices = [...next.values()];
    }
    return choices;
  }

  /* The features' box at the largest zoom that shows it clear of the controls. */
  function fitFeatures(map, bounds) {
    const latLngBounds = L.latLngBounds(bounds);
    const size = map.getSize();
    const snap = map.options.zoomSnap;
    map.options.zoomSnap = FIT_SNAP;
    try {
      let best = null;
      for (const padding of clearPaddings(size, M.controlBoxes(map))) {
        const topLeft = L.point(padding.left + MARGIN, padding.top + MARGIN);
        const bottomRight = L.point(padding.right + MARGIN, padding.bottom + MARGIN);
        const room = size.subtract(topLeft).subtract(bottomRight);
        if (room.x < 24 || room.y < 24) continue;
        const zoom = map.getBoundsZoom(latLngBounds, false, topLeft.add(bottomRight));
        if (!best || zoom > best.zoom) best = { zoom, topLeft, bottomRight };
      }
      if (!best) best = { topLeft: L.point(MARGIN, MARGIN), bottomRight: L.point(MARGIN, MARGIN) };
      const view = { paddingTopLeft: best.topLeft, paddingBottomRight: best.bottomRight,
        maxZoom: MAX_FIT_ZOOM, animate: false };
      /* Already there (a refit after a change that left the room as it was): every
         fit redraws every feature, so none is made in vain. Leaflet rounds the map's
         pixel origin, so "there" is within a pixel (a pan of less rounds to none, yet
         still redraws). */
      const target = map._getBoundsCenterZoom(latLngBounds, view);
      if (S.fitted && Math.abs(target.zoom - map.getZoom()) < 1e-9 &&
        map.latLngToContainerPoint(target.center).distanceTo(size.divideBy(2)) < 1) return;
      S.quiet = true;
      map.fitBounds(latLngBounds, view);
    } finally {
      map.options.zoomSnap = snap;
      S.quiet = false;
    }
    S.fitted = true;
  }

  /* From the first move the reader makes, the view is theirs (and in the URL). */
  function followFrame(map, bounds) {
    map.on("movestart zoomstart", () => {
      if (!S.quiet) S.fitted = false;
    });
    let pending = false;
    const refit = () => {
      if (pending) return;
      pending = true;
      requestAnimationFrame(() => {
        pending = false;
        if (S.fitted && !map.getPane("popupPane").childElementCount) fitFeatures(map, bounds);
      });
    };
    map.on("resize", refit);
    /* Controls that change size (the attribution gains the outlines' credit, a panel
       opens) change the room the first view has. Not the bottom left corner: its scale
       bar changes with the view, and would have it fitted again and again. */
    if (window.ResizeObserver) {
      const observer = new ResizeObserver(refit);
      map.getContainer().querySelectorAll(".leaflet-control-container > div:not(.leaflet-bottom.leaflet-left)")
        .forEach((corner) => observer.observe(corner));
    }
  }

  Object.assign(M, { fitFeatures, followFrame, clearPaddings });
})();
