/* mapapp-start: starts the map once folium's script has built it, and gives the
 * folium script (window.mapapp.registerLayer…) and the plugins (reader.js,
 * embedlayout.js) their ways in. Loaded last of the map's own scripts. */
(function () {
  "use strict";

  const M = window.mapapp;
  const S = M.state;
  const { LANG, groups, featureIndex, featureLayers, plugins } = M;

  /* folium's script calls it last. Once the data files are in (mapapp.dataLoaded)
     it reads the URL and sets up the controls; then, a task each so that a slow phone
     can paint and answer between them, it builds the layers, runs the plugins, sets
     the first view, draws the features, opens the URL's feature and raises the ready
     signal. The features and the tiles are added once the first view is known, so
     each is drawn once. If a data file cannot be loaded, the map begins with no
     features (its frame, controls, view and basemap in place) and says so
     (data-map-state="error"). */
  function start(map, options) {
    M.dataLoaded.then(() => begin(map, options, false), () => begin(map, options, true));
  }

  function begin(map, options, failed) {
    S.map = map;
    S.starting = true;
    document.querySelectorAll(".mapapp-swatch").forEach((node) => {
      node.style.background = node.dataset.colour;
    });
    const url = M.readUrl(options.mode);
    S.startUrl = url;
    const variant = options.mode === "embed" ? "embed" : "index";
    const elsewhere = url.error ? null : M.otherLanguageFile(url, variant);
    if (elsewhere) {
      location.replace(elsewhere);
      return;
    }
    map.on("popupopen", M.onPopupOpen);
    map.on("popupclose", M.onPopupClose);
    S.filters = M.filtersFrom(url);
    /* The open feature's layer is shown even when layers= leaves it out. */
    const visible = new Set(url.layers || groups.keys());
    if (url.feature) {
      visible.add(featureIndex.get(url.feature).collection.id);
      S.openFeature = url.feature; // drawn even when the filters leave it out
    }
    S.writing = true;
    for (const id of groups.keys()) M.setLayerVisible(id, visible.has(id));
    if (url.view) map.setView([url.view.lat, url.view.lon], url.view.zoom, { animate: false });
    M.creditTiles(map);
    M.fitPopups();
    map.on("resize", M.fitPopups);
    S.writing = false;
    map.on("moveend", M.writeUrl);
    M.nameControls(map);
    M.keepBottomCornersApart(map);
    if (options.mode === "embed") M.setUpEmbed(map, url);
    M.setUpTouch(map);
    /* The first view and its tiles at once (a phone's largest paint is a tile); the
       plugins' controls, placed later, only refit it if they take its room. */
    if (!url.view) M.fitFeatures(map, options.bounds);
    M.addTiles(map);
    M.watchTiles(map);
    inTurn([
      () => M.buildLayers().then(() => {
        M.applyFilters();
        performance.mark("mapapp:drawn"); // the features' layers built (drawn at the first view)
      }),
      () => {
        for (const plugin of plugins) plugin(api, { mode: options.mode, url });
        /* The controls shown where they stay, in one frame (no layout shift); the
           first view kept clear of them all (the embed's, the plugins'). */
        document.documentElement.setAttribute("data-controls", "placed");
        if (!url.view) M.fitFeatures(map, options.bounds);
        M.followFrame(map, options.bounds);
        M.fitPopups();
      },
      M.drawLayers,
      () => M.withDetails(url.feature, () => finish(url, failed)),
    ]);
  }

  /* Runs `steps` one task each (a step that returns a promise, once it settles): a
     phone's browser can paint and answer the reader between them, instead of being
     held for the whole start. */
  function inTurn(steps) {
    if (!steps.length) return;
    setTimeout(() => {
      Promise.resolve(steps[0]()).then(() => inTurn(steps.slice(1)));
    }, 0);
  }

  function finish(url, failed) {
    if (S.highlighted.length) M.highlight(S.highlighted);
    if (url.feature && featureLayers.has(url.feature)) {
      /* A view in the URL is kept exactly: the popup must not pan the map away from it. */
      S.keepView = Boolean(url.view);
      S.quiet = true;
      featureLayers.get(url.feature).openPopup();
      S.quiet = false;
      S.keepView = false;
    }
    S.starting = false;
    M.writeUrl();
    if (failed) M.showAlert(M._("The map's data could not be loaded. Reload the page to try again."));
    else if (url.error) M.showError(url.error);
    else {
      performance.mark("mapapp:ready"); // navigation to ready, for measurements
      document.documentElement.setAttribute("data-map-state", "ready");
    }
    /* What waits for the map to start (mapapp-placeindex.js): never before ready. */
    document.dispatchEvent(new CustomEvent("mapapp:started"));
  }

  /* Other scripts (reader.js) run once the map has started, before it says ready. */
  function use(plugin) {
    plugins.push(plugin);
  }

  /* What plugins may use: words, the data, and a few ways to move the map. */
  const api = {
    data: M.data, lang: LANG, _: M._, term: M.term, el: M.el, link: M.link,
    featureName: M.featureName, featureNameLang: M.featureNameLang, statusId: M.statusId,
    placeName: M.placeName, translatedText: M.translatedText,
    feature: (id) => featureIndex.get(id),
    /* as mapapp-vectortiles.js and mapapp-placeindex.js may wrap them */
    isShown: (id) => M.isShown(id), shownByLayer: () => M.shownByLayer(),
    passesFilters: M.passesFilters, filters: M.currentFilters, setFilters: (next) => M.setFilters(next),
    focusFeature: (id, options) => M.focusFeature(id, options), highlight: (ids) => M.highlight(ids),
    currentState: M.currentState,
    stateQuery: M.stateQuery, pageHref: M.pageHref,
    openFeature: () => S.openFeature,
    map: () => S.map,
    control: (name) => M.controls[name] || null,
    resize: () => S.map && S.map.invalidateSize(),
    reducedMotion: M.reducedMotion,
  };

  Object.assign(M, {
    start, use
  });
})();
