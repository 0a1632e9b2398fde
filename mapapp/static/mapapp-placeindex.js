/* mapapp-placeindex: the places of a map drawn from vector tiles, for the list and search.
 *
 * Loaded after mapapp-vectortiles.js, only on its pages. The page holds no feature, yet
 * the reading panel's list of places, its search, the article's places and the embed's
 * Places control (reader.js) work as on any map: once the map says ready (never before:
 * it does not delay it) and its first tiles are drawn, the index of places in the page's
 * language is fetched and parsed in a worker (mapapp-placeindex-worker.js; on the page
 * where none starts), from `data.vector.places` (mapapp/placeindex.py), and each of its
 * rows, posted back a chunk at a time, becomes a feature
 * of the page, `partial`: its names, kind, status, places and cited sentences, as a data
 * file's feature has them, and where to focus instead of a geometry. A place chosen
 * there is read whole (mapapp.vectorTiles.readWhole, the same object filled in) before
 * the map moves to it and opens its popup. Keyboard users reach every feature through
 * the list and the search, as with clustered markers.
 *
 * While the index loads, or if it fails, the panel and the Places control say so in the
 * page's language (mapapp.css hides their list and search then); a failed index is asked
 * for again by a button.
 */
(function () {
  "use strict";

  const M = window.mapapp;
  const S = M.state;
  const { data, el, featureIndex, featureLayers, groups } = M;
  if (!data.vector || !data.vector.places || !M.vectorTiles) return;

  const root = document.documentElement;
  const words = data.placesMessages || {};
  root.setAttribute("data-places", "loading");
  const notices = [];

  /* ---- the panel's word while the index is not in ---- */

  function showNotices(state) {
    root.setAttribute("data-places", state);
    if (!notices.length) {
      document.querySelectorAll(".reader-search").forEach((search) => {
        const text = el("span", {});
        const retry = el("button", { type: "button", class: "mapapp-places-retry" }, words.retry || "Try again");
        const notice = el("p", { class: "reader-hint mapapp-places-status", role: "status", tabindex: "-1" },
          text, " ", retry);
        retry.addEventListener("click", () => {
          notice.focus(); // the button hides while the index loads again
          load();
        });
        notice.text = text;
        notice.retry = retry;
        search.before(notice);
        notices.push(notice);
      });
    }
    for (const notice of notices) {
      const focused = notice === document.activeElement;
      notice.text.textContent = state === "failed" ? words.failed : words.loading;
      notice.retry.hidden = state !== "failed";
      notice.hidden = state === "loaded";
      if (focused && state === "loaded") notice.nextElementSibling.querySelector("input").focus();
    }
  }

  /* ---- rows into features ---- */

  /* A row (mapapp/placeindex.py ROW) as a feature of the page: the properties reader.js
     reads of a data file's feature, and `position`, where the map goes. The row's own
     objects and arrays are filled in, not copied: at 100,000 features each copy is
     100,000 more objects for the page's thread to allocate and collect. */
  function featureOf(row, index) {
    const [id, name, names, kind, status, precision, errorKm, places, citations, position, note] = row;
    if (!("en" in names)) names.en = name;
    places.forEach((at, n) => { places[n] = index.places[at]; });
    citations.forEach((at, n) => { citations[n] = index.sentences[at]; });
    const properties = { name, names, kind, status, precision, places, citations };
    if (note) Object.assign(properties, note);
    if (errorKm !== null) properties.error_km = errorKm;
    return { type: "Feature", id, geometry: null, properties, position, partial: true };
  }

  /* Each collection's features in the index's order, made as the rows come (CHUNK at a
     time, each in a task of its own: a phone answers the reader between them) and given
     to the collections at the end; one already read whole (a click, the URL's) keeps its
     place, whole. */
  const CHUNK = 2000;
  function filler(index, collections) {
    const sentences = index.sentences.map(([source, paragraph, offset, quote]) => (
      offset === null ? { source, paragraph, quote } : { source, paragraph, offset, quote }));
    const tables = { places: index.places, sentences };
    const made = collections.map((entry) => ({ collection: M.collections.get(entry.id), features: [] }));
    return {
      add(at, rows) {
        const { collection, features } = made[at];
        if (!collection) return;
        for (const row of rows) {
          const known = featureIndex.get(row[0]);
          if (known) {
            features.push(known.feature);
            continue;
          }
          const feature = featureOf(row, tables);
          featureIndex.set(feature.id, { feature, collection });
          features.push(feature);
        }
      },
      end() {
        for (const { collection, features } of made) if (collection) collection.features = features;
      },
    };
  }

  /* The index fetched and parsed on the page's own thread: where no worker starts (a
     page opened from a file, a browser without workers), at the cost of one long task
     for a large index. */
  function readHere(url) {
    return M.fetchJson(url).then((index) => {
      const fill = filler(index, index.collections);
      const chunks = [];
      index.collections.forEach((entry, at) => {
        for (let start = 0; start < entry.features.length; start += CHUNK) chunks.push([at, entry.features, start]);
      });
      return M.inSlices(chunks, ([at, rows, start]) => fill.add(at, rows.slice(start, start + CHUNK)), 20)
        .then(() => fill.end());
    });
  }

  /* The index fetched and parsed in a worker (mapapp-placeindex-worker.js), its rows
     posted back CHUNK at a time: the page's thread never parses the whole file (some
     45 MiB at 100,000 features). A worker that does not start falls back to readHere. */
  function readInWorker(url) {
    let worker;
    try {
      worker = new Worker(data.vector.placesWorker);
    } catch (error) {
      return readHere(url);
    }
    return new Promise((resolve, reject) => {
      let fill = null;
      let heard = false;
      worker.addEventListener("message", ({ data: message }) => {
        heard = true;
        if (message.error) {
          worker.terminate();
          reject(new Error(message.error));
        } else if (message.tables) {
          fill = filler(message.tables, message.collections);
        } else if (message.rows) {
          fill.add(message.at, message.rows);
        } else if (message.done) {
          worker.terminate();
          fill.end();
          resolve();
        }
      });
      worker.addEventListener("error", (event) => {
        event.preventDefault();
        worker.terminate();
        if (heard) reject(new Error("the index's worker failed"));
        else resolve(readHere(url)); // its script did not load
      });
      worker.postMessage(new URL(url, document.baseURI).href);
    });
  }

  let loading = null;
  function load() {
    if (loading) return loading;
    showNotices("loading");
    performance.mark("mapapp:placesfetch"); // the index asked for (measurements)
    const url = data.vector.places;
    const read = data.vector.placesWorker && typeof Worker === "function" ? readInWorker : readHere;
    loading = read(url).then(() => {
      performance.mark("mapapp:places"); // the index in and its features made
      showNotices("loaded");
      document.dispatchEvent(new CustomEvent("mapapp:placesloaded"));
      M.shownChanged();
    }).catch(() => {
      loading = null;
      showNotices("failed");
    });
    return loading;
  }

  /* The notice from the start (once every plugin, reader.js too, has made its search
     box); the index only once the map is ready and its first tiles are drawn (the first
     view's tile requests go first on a phone's network), or WAIT ms after ready at the
     latest (tiles that never come). */
  const WAIT = 2000;
  M.use(() => Promise.resolve().then(() => showNotices("loading")));
  document.addEventListener("mapapp:started", () => {
    let begun = false;
    const begin = () => {
      if (begun) return;
      begun = true;
      load();
    };
    const layer = M.vectorTiles.layer();
    if (!layer || root.getAttribute("data-vector-tiles") === "drawn") setTimeout(begin, 0);
    else {
      layer.once("load", () => setTimeout(begin, 0));
      setTimeout(begin, WAIT);
    }
  }, { once: true });

  /* ---- what is shown, and moving to a place not read whole ---- */

  /* A feature is shown when its layer is and it passes the filters (the open one always). */
  function isShown(id) {
    const entry = featureIndex.get(id);
    return Boolean(entry && S.map && S.map.hasLayer(groups.get(entry.collection.id)) &&
      (id === S.openFeature || M.passesFilters(id)));
  }

  /* Without filters a layer's features are all shown, as they are: not 100,000 look-ups
     and a copy each time the list asks. */
  function shownByLayer() {
    const unfiltered = !S.filters.groups && !S.filters.status;
    return data.collections
      .filter((collection) => S.map.hasLayer(groups.get(collection.id)))
      .map((collection) => ({ collection, features: unfiltered ? collection.features
        : collection.features.filter((f) => f.id === S.openFeature || M.passesFilters(f.id)) }))
      .filter((entry) => entry.features.length);
  }

  /* Bounds of features drawn whole, and of the index's positions for the rest. */
  const boundsOf = M.boundsOf;
  function boundsWithPositions(ids) {
    const bounds = boundsOf(ids);
    for (const id of ids) {
      const entry = featureIndex.get(id);
      const at = entry && !featureLayers.has(id) && entry.feature.position;
      if (!at) continue;
      if (at.length === 2) bounds.extend([at[1], at[0]]);
      else bounds.extend([[at[1], at[0]], [at[3], at[2]]]);
    }
    return bounds;
  }

  const focusFeature = M.focusFeature;
  function focusOrRead(id, options = {}) {
    if (!featureIndex.has(id) || featureLayers.has(id)) return focusFeature(id, options);
    return M.vectorTiles.readWhole(id).then((feature) => {
      if (feature) focusFeature(id, options);
    });
  }

  /* The filters change what is shown though no drawn layer changes (the features are
     in the tiles): the list hears of it all the same. */
  const { applyFilters, setFilters } = M;
  function applyAndTell() {
    applyFilters();
    M.shownChanged();
  }
  function setAndTell(next) {
    setFilters(next);
    M.shownChanged();
  }

  Object.assign(M, { isShown, shownByLayer, boundsOf: boundsWithPositions, focusFeature: focusOrRead,
    applyFilters: applyAndTell, setFilters: setAndTell, placeIndex: { load } });
})();
