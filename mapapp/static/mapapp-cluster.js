/* mapapp-cluster: drawing a big catalogue, only what is in view.
 *
 * The page's data says how (data.drawing, from mapapp/drawing.py, by the catalogue's
 * size): small catalogues are drawn as before. Big ones cluster their points below
 * clusterUntilZoom with Leaflet.markercluster (its script is on the page only then),
 * which also keeps off the map the points outside the view, and may draw on one canvas
 * instead of an SVG element per feature.
 *
 * markercluster is made for markers with icons; it takes circle markers too when its
 * animations are off (they move icons) and spiderfying is off (points are apart at the
 * zoom clustering stops). Its zoomToShowLayer looks for icons as well: a clustered
 * point's openPopup here moves the map to where the point is drawn on its own instead.
 * A cluster is a button (Leaflet's keyboard markers: Tab reaches it; Enter or Space
 * zooms in) named with its count in the page's language.
 */
(function () {
  "use strict";

  const M = window.mapapp;
  const { _, data, el } = M;
  const drawing = data.drawing || {};

  const clustering = () => Boolean(drawing.cluster && L.MarkerClusterGroup);

  let canvas = null;
  /* The renderer for the features' paths: one canvas for all in a big catalogue,
     else Leaflet's default (SVG, one element per feature, tagged for tests and tools). */
  function renderer() {
    if (!drawing.canvas) return undefined;
    if (!canvas) canvas = L.canvas({ padding: 0.5, tolerance: 3 });
    return canvas;
  }

  /* On a canvas no element can take the highlight's class (mapapp.css): the paths
     of the features highlighted get a heavier, opaque outline instead, and their own
     style back when the highlight moves on. */
  const restyled = new Map(); // path -> its style before
  function highlightOnCanvas(ids) {
    for (const [path, style] of restyled) path.setStyle(style);
    restyled.clear();
    if (!drawing.canvas) return;
    const visit = (layer) => {
      if (layer.eachLayer) layer.eachLayer(visit);
      else if (layer.setStyle && !M.isHalo(layer)) {
        const { weight, opacity } = layer.options;
        restyled.set(layer, { weight, opacity });
        layer.setStyle({ weight: (weight || 3) + 3, opacity: 1 });
      }
    };
    ids.forEach((id) => M.featureLayers.has(id) && visit(M.featureLayers.get(id)));
  }

  /* A cluster's bubble: the count, and a name for assistive tools. */
  const ClusterIcon = L.DivIcon.extend({
    createIcon(old) {
      const div = L.DivIcon.prototype.createIcon.call(this, old);
      div.setAttribute("aria-label", this.options.label);
      div.title = this.options.label;
      return div;
    },
  });

  function clusterIcon(cluster) {
    const count = cluster.getChildCount();
    const size = count < 10 ? "small" : count < 100 ? "medium" : "large";
    return new ClusterIcon({
      html: el("span", { "aria-hidden": "true" }, count.toLocaleString(M.LANG === "en" ? "en-GB" : M.LANG)),
      className: `mapapp-cluster mapapp-cluster-${size}`,
      iconSize: L.point(40, 40),
      label: _("A group of places: {n}. Zoom in to see them", { n: count }),
    });
  }

  /* A clustered point opens its popup where it is drawn on its own: the map moves
     there first (at once; the popup's own placing pans it later). */
  function openWhereDrawn(marker, group) {
    const open = marker.openPopup;
    marker.openPopup = function (...args) {
      const map = group._map;
      if (!this._map && map && group.hasLayer(this)) {
        const parent = this.__parent;
        const needed = parent ? parent._zoom + 1 : map.getZoom();
        const zoom = Math.min(map.getMaxZoom(), Math.max(Math.round(map.getZoom()), needed));
        map.setView(this.getLatLng(), zoom, { animate: false });
      }
      return open.apply(this, args);
    };
  }

  /* Enter or Space on a focused cluster zooms in to it, as a click does (Leaflet
     itself only opens popups on Enter); focus then stays on the map (the bubble is gone). */
  function keyboardZoom(group) {
    group.on("clusterkeypress", (event) => {
      const key = event.originalEvent;
      if (key.key !== "Enter" && key.key !== " ") return;
      key.preventDefault();
      const map = group._map;
      map.once("moveend", () => {
        if (!document.activeElement || document.activeElement === document.body) {
          map.getContainer().focus({ preventScroll: true });
        }
      });
      event.layer.zoomToBounds({ padding: [20, 20] });
    });
  }

  /* Points go into the cluster group: single points, and the points of a multi-point
     (its layer is a group of circle markers); lines stay in a plain group beside it.
     The pair answers the few calls the filters and the list make of a collection's
     layer, a multi-point counting as shown while its first point is. */
  const isSingle = (layer) => Boolean(layer.getLatLng);
  const isMulti = (layer) => Boolean(layer.getLayers && layer.getLayers().length &&
    layer.getLayers().every(isSingle));
  const clustered = (layer) => isSingle(layer) || isMulti(layer);
  const pointsOf = (layers) => layers.flatMap((layer) => (isSingle(layer) ? [layer] : layer.getLayers()));
  /* What the pair holds of a feature's layer: its point (the first of a multi-point),
     or the layer itself (a line). */
  const keyOf = (layer) => (clustered(layer) ? pointsOf([layer])[0] : layer);

  /* The pair is first filled once it is on the map, in tasks of a few tens of ms: the
     cluster group takes its points in markercluster's chunked loading (given to it off
     the map, each point would be looked for among those before, then all be clustered
     in one task), and the lines join in slices (mapapp.inSlices). Until then what it
     holds waits in `waiting`, which the filters change; `drawn` settles once done. */
  const Holder = L.LayerGroup.extend({
    initialize(cluster, layers) {
      L.LayerGroup.prototype.initialize.call(this);
      this.cluster = cluster;
      this.rest = L.featureGroup();
      this.waiting = new Set([...pointsOf(layers.filter(clustered)),
        ...layers.filter((layer) => !clustered(layer))]);
      this.drawn = Promise.resolve();
      L.LayerGroup.prototype.addLayer.call(this, cluster);
      L.LayerGroup.prototype.addLayer.call(this, this.rest);
    },
    onAdd(map) {
      L.LayerGroup.prototype.onAdd.call(this, map);
      if (!this.waiting || this.loading) return;
      const given = [...this.waiting];
      this.loading = true;
      const points = given.filter(isSingle);
      const clusteredAll = new Promise((resolve) => {
        this.cluster.options.chunkProgress = (done, total) => {
          if (done < total) return;
          this.cluster.options.chunkProgress = null;
          // called before markercluster's last steps (drawing the clusters): after them
          Promise.resolve().then(resolve);
        };
        this.cluster.addLayers(points);
      });
      const lines = M.inSlices(given.filter((layer) => !isSingle(layer)),
        (line) => this.rest.addLayer(line));
      this.drawn = Promise.all([clusteredAll, lines]).then(() => this.settle(given));
    },
    /* Once filled: what the filters changed meanwhile; then the layers hold it all. */
    settle(given) {
      const wanted = this.waiting;
      const had = new Set(given);
      this.waiting = null;
      this.loading = false;
      this.removeLayers(given.filter((key) => !wanted.has(key)));
      this.addLayers([...wanted].filter((key) => !had.has(key)));
    },
    hasLayer(layer) {
      if (this.waiting) return this.waiting.has(keyOf(layer));
      if (!clustered(layer)) return this.rest.hasLayer(layer);
      return this.cluster.hasLayer(keyOf(layer));
    },
    addLayer(layer) {
      return this.addLayers([layer]);
    },
    removeLayer(layer) {
      return this.removeLayers([layer]);
    },
    addLayers(layers) {
      if (this.waiting) {
        layers.forEach((layer) => this.waiting.add(keyOf(layer)));
        return this;
      }
      this.cluster.addLayers(pointsOf(layers.filter(clustered)));
      layers.filter((layer) => !clustered(layer)).forEach((layer) => this.rest.addLayer(layer));
      return this;
    },
    removeLayers(layers) {
      if (this.waiting) {
        layers.forEach((layer) => this.waiting.delete(keyOf(layer)));
        return this;
      }
      this.cluster.removeLayers(pointsOf(layers.filter(clustered)));
      layers.filter((layer) => !clustered(layer)).forEach((layer) => this.rest.removeLayer(layer));
      return this;
    },
  });

  /* A multi-point's popup is bound to its group, which is never on the map itself (its
     points are, through the cluster group): it opens on the point clicked, or else on
     the first, drawn on its own first. */
  function openMultiWhereDrawn(multi, group) {
    multi.openPopup = function (latlng) {
      const map = group._map;
      const popup = this.getPopup();
      if (!map || !popup) return this;
      const points = this.getLayers();
      const point = (latlng && points.find((p) => p._map && p.getLatLng().equals(latlng))) || points[0];
      if (!point._map) point.openPopup(); // moves the map (openWhereDrawn); it has no popup
      popup._source = point;
      popup.setLatLng(latlng || point.getLatLng());
      popup.openOn(map);
      return this;
    };
    /* Leaflet's own click handler gives up on a group that is not on the map. */
    multi.off("click", L.Layer.prototype._openPopup);
    multi.on("click", (event) => multi.openPopup(event.latlng));
  }

  /* The layer that holds the features of `geo` (an L.geoJSON) on the map: `geo`
     itself, or for a big catalogue a Holder whose points are clustered. */
  function holder(geo) {
    if (!clustering()) return geo;
    const cluster = L.markerClusterGroup({
      animate: false,
      animateAddingMarkers: false,
      spiderfyOnMaxZoom: false,
      showCoverageOnHover: false,
      disableClusteringAtZoom: drawing.clusterUntilZoom || 9,
      maxClusterRadius: 60,
      iconCreateFunction: clusterIcon,
      chunkedLoading: true, // in tasks of at most chunkInterval ms, each frame drawn between
      chunkInterval: 40,
      chunkDelay: 0,
    });
    const layers = geo.getLayers();
    const points = pointsOf(layers.filter(clustered));
    points.forEach((layer) => openWhereDrawn(layer, cluster));
    layers.filter(isMulti).forEach((multi) => openMultiWhereDrawn(multi, cluster));
    keyboardZoom(cluster);
    return new Holder(cluster, layers);
  }

  /* An approximate point's halo where its point is clustered: drawn only while the
     point is on the map on its own (in view, not in a cluster). */
  function haloFollows(marker, halo, halos) {
    marker.on("add", () => halos.addLayer(halo));
    marker.on("remove", () => halos.removeLayer(halo));
  }

  Object.assign(M, { clustering, renderer, holder, haloFollows, highlightOnCanvas });
})();
