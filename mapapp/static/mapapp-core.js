/* mapapp-core: the map's shared core, the first of the map's scripts.
 *
 * The map's behaviour is split by concern into mapapp-*.js (layers, filters, popup
 * content, popups, controls, URL state, basemap, embed, touch, first view, start),
 * joined in the order mapapp/assets.py MAP_SCRIPTS gives into one asset, mapapp.js. They share one namespace,
 * window.mapapp: this file puts there the page's data, the words of the interface,
 * small DOM helpers and the map's mutable state (mapapp.state); each later file adds
 * its functions, and mapapp-start.js the few the folium-generated map script calls.
 *
 * The page's JSON data block (#mapapp-data) describes the collections; their features
 * come from one data file per collection in the page's language (mapapp/datafiles.py),
 * fetched here at once and in parallel (the page preloads them): mapapp.dataLoaded
 * fills each collection's `features` and the feature index. Every text from the
 * data reaches the page through textContent, never as HTML, and only http(s) URLs
 * become links. Drawn elements carry data-feature-id / data-layer-id, and
 * <html data-map-state="ready"> is raised once every visible layer is drawn.
 *
 * Words of the interface go through _("…"): the data block carries their translation
 * in the page's language (mapapp/i18n.py extracts the messages marked so). Other
 * scripts (reader.js) register with mapapp.use(plugin) and get a small API.
 */
(function () {
  "use strict";

  const data = JSON.parse(document.getElementById("mapapp-data").textContent);
  const i18n = data.i18n || { lang: "en", messages: {}, languages: [] };
  const LANG = i18n.lang;
  const DATA_LANG = "en"; // the language of the data's reference text (translations beside it)
  const LOCALES = { en: "en-GB", ru: "ru", kk: "kk", zh: "zh-Hans" }; // for Intl, as mapapp/i18n.py
  const collections = new Map(data.collections.map((c) => [c.id, c]));
  const groups = new Map(); // collection id -> the folium FeatureGroup that draws it
  const geoLayers = new Map(); // collection id -> the L.geoJSON layer holding its features
  const featureLayers = new Map(); // feature id -> the layer its popup is bound to
  const featureIndex = new Map(); // feature id -> {feature, collection}
  const groupIds = new Map((data.groups || []).map((g) => [g.name, g.id]));
  const controls = {}; // the controls added, by name, so the URL can hide them
  const plugins = [];
  for (const collection of data.collections) collection.features = [];

  /* A collection's file, parsed; each parse is measured ("mapapp:parse"), for the
     measurements of where the browser's time goes (bench/scale.py). */
  function fetchFeatures(collection) {
    return fetch(collection.data).then((response) => {
      if (!response.ok) throw new Error(`${collection.data}: ${response.status}`);
      return response.text();
    }).then((text) => {
      const begun = performance.now();
      const file = JSON.parse(text);
      performance.measure("mapapp:parse", { start: begun, end: performance.now() });
      return file;
    });
  }

  /* Settles once every collection has its features (in catalogue order in the index).
     A catalogue drawn from vector tiles has no data files: mapapp-vectortiles.js sets
     its own mapapp.dataLoaded (the URL's feature, read alone). */
  const dataLoaded = data.vector ? Promise.resolve() : Promise.all(data.collections.map(fetchFeatures)).then((files) => {
    files.forEach((file, position) => {
      const collection = data.collections[position];
      collection.features = file.features;
      collection.details = file.details || null;
      for (const feature of collection.features) featureIndex.set(feature.id, { feature, collection });
    });
    performance.mark("mapapp:data"); // every file in and parsed
  });

  /* In a big catalogue a feature comes without what only its popup shows (its summary,
     facts, sources: mapapp/datafiles.py); `details` is the position of the file that
     holds it, of the collection's `details`. withDetails(id, then) runs `then` once that
     file is in and merged (at once when there is nothing to fetch); a file that fails
     leaves its features as they are (still naming it: their popups say the rest is
     missing), and is asked for again next time. */
  const detailFiles = new Map(); // url -> the promise of its merging

  function mergeDetails(file) {
    for (const [id, more] of Object.entries(file.features)) {
      const entry = featureIndex.get(id);
      if (!entry || entry.feature.details === undefined) continue;
      const props = entry.feature.properties;
      const { translations, ...fields } = more;
      Object.assign(props, fields);
      for (const [lang, texts] of Object.entries(translations || {})) {
        props.translations = props.translations || {};
        props.translations[lang] = { ...(props.translations[lang] || {}), ...texts };
      }
      delete entry.feature.details;
    }
  }

  function withDetails(id, then) {
    const entry = featureIndex.get(id);
    if (!entry || entry.feature.details === undefined) {
      then();
      return;
    }
    const url = entry.collection.details[entry.feature.details];
    if (!detailFiles.has(url)) {
      detailFiles.set(url, fetchJson(url).then(mergeDetails).catch(() => detailFiles.delete(url)));
    }
    detailFiles.get(url).then(then);
  }

  /* A JSON file of the app's, parsed; a failed answer rejects, naming the URL. */
  function fetchJson(url) {
    return fetch(url).then((response) => {
      if (!response.ok) throw new Error(`${url}: ${response.status}`);
      return response.json();
    });
  }

  /* Runs `each` over `items` in tasks of about `budget` ms, so that a phone paints and
     answers the reader between them (the first in the caller's task); settles when done. */
  function inSlices(items, each, budget = 40) {
    return new Promise((resolve) => {
      let next = 0;
      const slice = () => {
        const begun = performance.now();
        while (next < items.length) {
          each(items[next]);
          next += 1;
          if (performance.now() - begun > budget) {
            setTimeout(slice, 0);
            return;
          }
        }
        resolve();
      };
      slice();
    });
  }

  /* ---- words: the interface's messages and the data's vocabulary ---- */

  /* A message of the interface, with {name} placeholders filled from `values`. */
  function _(message, values) {
    let text = (i18n.messages && i18n.messages[message]) || message;
    if (values) {
      text = text.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
    }
    return text;
  }

  /* A word of the data (group, layer title, kind, status) in the page's language. */
  function term(word) {
    return (i18n.messages && i18n.messages[word]) || word;
  }

  /* The feature's name in the page's language, falling back to its `name` (English). */
  function featureName(feature) {
    const names = feature.properties.names || {};
    return (LANG !== DATA_LANG && names[LANG]) || feature.properties.name;
  }

  function featureNameLang(feature) {
    const names = feature.properties.names || {};
    return LANG !== DATA_LANG && names[LANG] ? LANG : DATA_LANG;
  }

  function statusId(status) {
    return String(status).replace(/ /g, "-");
  }

  const PRECISION_TEXT = {
    exact: _("Exact site"),
    approximate: _("Approximate location"),
    schematic: _("Schematic route (drawn through known places, not a surveyed line)"),
  };

  /* ---- small DOM helpers: text only, never innerHTML ---- */

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value !== null && value !== undefined) node.setAttribute(name, value);
    }
    for (const child of children) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function isWebUrl(value) {
    return typeof value === "string" && /^https?:\/\/\S+$/i.test(value);
  }

  /* A link for an http(s) URL; anything else (javascript:, data:, a dataset name) stays text. */
  function link(url, text) {
    if (!isWebUrl(url)) return document.createTextNode(String(text ?? url));
    return el("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, text ?? url);
  }

  function reducedMotion() {
    return window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  }

  /* Controls start open only where they leave the map room to be seen: the layer
     control by the window's size, the legend (the larger) by the map's own. */
  function roomy(map, width, height) {
    if (map) {
      const size = map.getSize();
      return size.x >= width && size.y >= height;
    }
    if (document.body.classList.contains("page-embed")) {
      return window.innerWidth >= 1000 && window.innerHeight >= 700;
    }
    return window.innerWidth >= 700 && window.innerHeight >= 600;
  }

  /* ---- the content of a feature in the page's language ---- */

  /* A text of the data in the page's language: its translation where the data has one,
     else the English. Returns {text, lang}, or null when there is no text. */
  function inLanguage(english, translations, field) {
    const own = LANG !== DATA_LANG && translations && translations[LANG];
    if (own && typeof own[field] === "string" && own[field].trim()) return { text: own[field], lang: LANG };
    return english ? { text: english, lang: DATA_LANG } : null;
  }

  function translatedText(props, field) {
    return inLanguage(props[field], props.translations, field);
  }

  /* A place of `places` ({en, ru, kk, zh}) in the page's language. */
  function placeName(place) {
    return (place && (place[LANG] || place[DATA_LANG])) || "";
  }

  /* Kazakh dates as Babel writes them ("2024 ж. 2 шілде"): browsers such as Chromium
     ship no Kazakh calendar data, and Intl gives "2024 M07" there. */
  const KAZAKH_MONTHS = ["қаңтар", "ақпан", "наурыз", "сәуір", "мамыр", "маусым", "шілде", "тамыз",
    "қыркүйек", "қазан", "қараша", "желтоқсан"];
  const YEAR_WORD = { ru: "\u202fг.", kk: "\u202fж." }; // after the year, unbroken, as Babel writes it

  function kazakhDate(year, month, day) {
    return [year + YEAR_WORD.kk, day ? String(Number(day)) : null, KAZAKH_MONTHS[Number(month) - 1]]
      .filter(Boolean).join(" ");
  }

  /* "2024", "2024-07" or "2024-07-02" as the page's language writes it ("июль 2024 г."). */
  function dateText(value) {
    const parts = /^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$/.exec(String(value));
    if (!parts || (parts[2] && !(Number(parts[2]) >= 1 && Number(parts[2]) <= 12))) return String(value);
    const [, year, month, day] = parts;
    if (!month) return LANG === "zh" ? `${year}年` : year + (YEAR_WORD[LANG] || "");
    const when = new Date(Date.UTC(Number(year), Number(month) - 1, day ? Number(day) : 1));
    const style = { year: "numeric", month: "long", timeZone: "UTC" };
    if (day) style.day = "numeric";
    let text = "";
    try {
      text = new Intl.DateTimeFormat(LOCALES[LANG] || LANG, style).format(when);
    } catch (error) {
      text = "";
    }
    if (LANG === "kk" && !KAZAKH_MONTHS.some((name) => text.includes(name))) return kazakhDate(year, month, day);
    return text.replace(/ (г\.|ж\.)/g, "\u202f$1") || String(value);
  }

  function articleLinks(source) {
    if (data.article) return data.article;
    const own = (LANG !== source.language && source.translations && source.translations[LANG]) || {};
    const publications = source.publications || [];
    const quoted = publications.find((item) => item.language === source.language) || { url: source.url };
    const local = LANG !== source.language && publications.find((item) => item.language === LANG);
    const title = own.title || source.title;
    const parts = [own.author || source.author, LANG === "zh" ? `《${title}》` : `«${title}»`,
      (own.publishers || source.publishers || []).join(" / "), dateText(source.date)];
    return {
      citation: parts.filter(Boolean).join(", "),
      citationLang: own.title ? LANG : source.language,
      quoted: { url: quoted.url, lang: source.language },
      in_language: local ? { url: local.url, lang: LANG, label: local.title } : null,
    };
  }

  function mainSource() {
    return Object.values(data.sources)[0] || {};
  }

  const SVG_NS = "http://www.w3.org/2000/svg";

  function svg(children) {
    const root = document.createElementNS(SVG_NS, "svg");
    root.setAttribute("width", "28");
    root.setAttribute("height", "14");
    root.setAttribute("aria-hidden", "true");
    for (const [tagName, attrs] of children) {
      const child = document.createElementNS(SVG_NS, tagName);
      for (const [name, value] of Object.entries(attrs)) child.setAttribute(name, value);
      root.append(child);
    }
    return root;
  }

  /* What the map is doing now, shared by the files of the map. */
  const state = {
    map: null,
    openFeature: null,
    filters: { groups: null, status: null }, // null: no filter; else a Set of ids
    pendingOpener: null, // the control a popup about to open returns focus to
    highlighted: [],
    starting: false,
    startUrl: null, // readUrl() at start: what the page was opened with
    writing: false,
    fitted: false, // the view is the first one, fitted to the features (mapapp-view.js)
    quiet: false, // the map moves by itself (a fit), not by the reader
  };

  window.mapapp = {
    state, data, dataLoaded, withDetails, fetchJson, inSlices, i18n, LANG, DATA_LANG, collections, groups, geoLayers, featureLayers,
    featureIndex, groupIds, controls, plugins,
    _, term, featureName, featureNameLang, statusId, el, isWebUrl, link, reducedMotion, roomy,
    inLanguage, translatedText, placeName, dateText, articleLinks, mainSource, svg,
  };
})();
