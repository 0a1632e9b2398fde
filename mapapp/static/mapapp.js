/* mapapp: the map's own behaviour, called by the folium-generated map script.
 *
 * Features come from the page's JSON data block (#mapapp-data). Every text from the
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
  let theMap = null;
  let openFeature = null;
  let filters = { groups: null, status: null }; // null: no filter; else a Set of ids
  let pendingOpener = null; // the control a popup about to open returns focus to
  let highlighted = [];
  for (const collection of data.collections) {
    for (const feature of collection.features) featureIndex.set(feature.id, { feature, collection });
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

  /* ---- styles ---- */

  function featureColour(collection, feature) {
    const by = collection.style.color_by;
    if (by && by.values[feature.properties[by.property]]) {
      return by.values[feature.properties[by.property]];
    }
    return collection.style.color;
  }

  function lineStyle(collection, feature) {
    const schematic = feature.properties.precision === "schematic";
    return {
      color: featureColour(collection, feature),
      weight: collection.style.weight || 4,
      opacity: 0.9,
      dashArray: schematic ? collection.style.schematic_dash || "8 6" : null,
      lineCap: schematic ? "butt" : "round",
    };
  }

  /* Exact points are filled; approximate ones are hollow and dashed, with a halo whose
     radius (in metres, so it grows with zoom) is the stated error. */
  function pointLayer(collection, feature, latlng) {
    const colour = featureColour(collection, feature);
    const radius = collection.style.radius || 7;
    const props = feature.properties;
    if (props.precision !== "approximate") {
      return L.circleMarker(latlng, {
        radius, color: "#ffffff", weight: 2, fillColor: colour, fillOpacity: 0.95,
        className: "mapapp-point mapapp-exact",
      });
    }
    const marker = L.circleMarker(latlng, {
      radius, color: colour, weight: 2.5, dashArray: "3 2", fillColor: "#ffffff",
      fillOpacity: 0.9, className: "mapapp-point mapapp-approximate",
    });
    const halo = L.circle(latlng, {
      radius: (props.error_km || 1) * 1000, color: colour, weight: 1, opacity: 0.5,
      fillColor: colour, fillOpacity: 0.12, className: "mapapp-halo", interactive: false,
    });
    return L.featureGroup([halo, marker]);
  }

  const isHalo = (layer) => (layer.options.className || "").includes("mapapp-halo");

  /* Tag each drawn element so tests and assistive tools can find features. */
  function tag(layer, feature, collectionId) {
    if (layer.eachLayer) {
      layer.eachLayer((child) => tag(child, feature, collectionId));
      return;
    }
    const apply = () => {
      const node = layer.getElement && layer.getElement();
      if (!node) return;
      if (isHalo(layer)) {
        node.setAttribute("data-halo-for", feature.id);
      } else {
        node.setAttribute("data-feature-id", feature.id);
      }
      node.setAttribute("data-layer-id", collectionId);
    };
    layer.on("add", apply);
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

  /* ---- popups: the name, then the quote, then the summary; facts and the location
     behind a disclosure, so that on a phone the quote is seen without scrolling ---- */

  /* The feature's other names: English when the heading is not, then ru, kk, zh. */
  function otherNames(feature) {
    const props = feature.properties;
    const names = { ...(props.names || {}), en: (props.names || {}).en || props.name };
    const shown = featureName(feature);
    const seen = new Set([shown]);
    const spans = [];
    for (const lang of ["en", "ru", "kk", "zh"]) {
      if (!names[lang] || seen.has(names[lang])) continue;
      seen.add(names[lang]);
      spans.push(el("span", { lang }, names[lang]));
    }
    if (!spans.length) return null;
    const line = el("p", { class: "mapapp-native-names" });
    spans.forEach((span, index) => {
      if (index) line.append(" · ");
      line.append(span);
    });
    return line;
  }

  function hostOf(url) {
    try {
      return new URL(url).hostname.replace(/^www\./, "");
    } catch (error) {
      return url;
    }
  }

  /* A text in which http(s) URLs become links named by their site. */
  function withLinks(text) {
    const parts = String(text).split(/(https?:\/\/[^\s,;()«»]+[^\s,;()«».])/);
    return parts.map((part, index) => (index % 2 ? link(part, hostOf(part)) : part)).filter((part) => part !== "");
  }

  function factAsOf(fact) {
    return fact.as_of ? _("as of {date}", { date: dateText(fact.as_of) }) : null;
  }

  function facts(props) {
    if (!props.facts || !props.facts.length) return null;
    const list = el("dl", { class: "mapapp-facts" });
    for (const fact of props.facts) {
      const label = inLanguage(fact.label, fact.translations, "label");
      const value = inLanguage(fact.value, fact.translations, "value");
      const notes = [factAsOf(fact), isWebUrl(fact.source) ? link(fact.source, _("source")) : null]
        .filter(Boolean);
      const aside = notes.length ? [" ", el("span", { class: "mapapp-fact-source" }, "(",
        ...notes.flatMap((note, index) => (index ? [", ", note] : [note])), ")")] : [];
      list.append(el("dt", { lang: label && label.lang }, label && label.text),
        el("dd", {}, el("span", { lang: value && value.lang }, ...withLinks(value ? value.text : "")),
          ...aside));
    }
    return list;
  }

  /* The article: its citation in the page's language, the publication the quotes come
     from, and the article in the page's language when there is one (data.article, from
     the server; else made here from sources.json). */
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

  /* The reference under a quote: "— citation, ¶8 · Read the article in Russian"; the
     citation links to the text quoted. */
  function reference(cite, source, article) {
    const line = el("p", { class: "mapapp-cite" }, "— ");
    if (article) {
      line.append(el("span", { lang: article.citationLang || article.lang || LANG },
        link(article.quoted && article.quoted.url, article.citation)), `, ¶${cite.paragraph}`);
      const local = article.in_language;
      if (local && isWebUrl(local.url)) {
        const anchor = link(local.url, local.label);
        anchor.setAttribute("hreflang", local.lang);
        anchor.setAttribute("lang", LANG);
        anchor.classList.add("mapapp-in-language");
        line.append(" · ", anchor);
      }
      const quoted = line.querySelector("a");
      if (quoted && article.quoted) {
        quoted.setAttribute("hreflang", article.quoted.lang || source.language);
        if (article.quoted.label) quoted.setAttribute("title", article.quoted.label);
      }
    } else {
      line.append(el("span", { lang: source.language || DATA_LANG },
        link(source.url, source.citation || source.title || cite.source)), `, ¶${cite.paragraph}`);
    }
    return line;
  }

  /* A quote stays word for word in the language of the text it cites. */
  function citation(cite) {
    const source = data.sources[cite.source] || {};
    const article = source === mainSource() ? articleLinks(source) : null;
    const url = article && article.quoted ? article.quoted.url : source.url;
    const quote = { lang: source.language || DATA_LANG };
    if (isWebUrl(url)) quote.cite = url;
    return el("figure", { class: "mapapp-citation" },
      el("blockquote", quote, cite.quote),
      el("figcaption", {}, reference(cite, source, article)));
  }

  function errorText(km) {
    return _("±{km} km", { km });
  }

  /* A source of the geometry by its plain name, linked to the object it gives; the
     data's first format (a string) is shown as it is, a URL by its site. */
  function locationSource(item) {
    if (typeof item === "string") {
      return isWebUrl(item) ? link(item, hostOf(item)) : el("span", { lang: DATA_LANG }, item);
    }
    if (!item || typeof item.name !== "string") return null;
    const name = term(item.name);
    return isWebUrl(item.url) ? link(item.url, name) : el("span", {}, name);
  }

  function precision(props) {
    const parts = [el("strong", {}, _("Location:"), " "),
      PRECISION_TEXT[props.precision] || props.precision];
    if (props.precision === "approximate" && props.error_km) parts.push(` (${errorText(props.error_km)})`);
    parts.push(".");
    const note = translatedText(props, "location_note");
    if (note) parts.push(" ", el("span", { lang: note.lang }, note.text));
    const sources = el("p", { class: "mapapp-location-sources" }, _("Geometry from:"), " ");
    const seen = new Set();
    for (const item of props.location_sources || []) {
      const key = typeof item === "string" ? item : JSON.stringify([item && item.name, item && item.url]);
      const node = seen.has(key) ? null : locationSource(item);
      if (!node) continue;
      if (seen.size) sources.append("; ");
      seen.add(key);
      sources.append(node);
    }
    return el("div", { class: "mapapp-precision" }, el("p", {}, ...parts), sources);
  }

  /* Facts and "about this location", opened on request. */
  function moreAbout(feature, props) {
    const list = facts(props);
    const box = el("details", { class: "mapapp-more" },
      el("summary", {}, list ? _("Facts and location") : _("About this location")),
      list, precision(props));
    box.addEventListener("toggle", () => {
      const drawn = featureLayers.get(feature.id);
      refitPopup(drawn && drawn.getPopup());
      /* A popup of limited height scrolls: what opened comes up into view (by hand:
         scrollIntoView would scroll the map's own container too). */
      const scroller = box.closest(".leaflet-popup-content");
      if (box.open && scroller) {
        const offset = box.getBoundingClientRect().top - scroller.getBoundingClientRect().top;
        scroller.scrollTop += Math.max(0, offset - 4);
      }
    });
    return box;
  }

  function popupContent(collection, feature) {
    const props = feature.properties;
    const meta = [term(props.kind), term(props.status),
      props.context ? _("shown for context") : null].filter(Boolean).join(" · ");
    const heading = `mapapp-popup-${feature.id}`;
    const summary = translatedText(props, "summary");
    return el("article", { class: "mapapp-popup", "data-popup-for": feature.id,
      "aria-labelledby": heading, tabindex: "-1" },
    el("h2", { class: "mapapp-name", id: heading, lang: featureNameLang(feature) },
      featureName(feature)),
    el("p", { class: "mapapp-meta" }, meta),
    el("section", { class: "mapapp-citations", "aria-label": _("In the article") },
      ...(props.citations || []).map(citation)),
    summary ? el("p", { class: "mapapp-summary", lang: summary.lang }, summary.text) : null,
    otherNames(feature),
    moreAbout(feature, props));
  }

  /* ---- layers ---- */

  function registerLayer(group, options) {
    const collection = collections.get(options.collection);
    groups.set(collection.id, group);
    const layer = L.geoJSON(collection.features, {
      /* L.geoJSON styles every layer it makes, points too: points keep their own. */
      style: (feature) => (/Point$/.test(feature.geometry.type) ? {} : lineStyle(collection, feature)),
      pointToLayer: (feature, latlng) => pointLayer(collection, feature, latlng),
      onEachFeature: (feature, drawn) => {
        drawn.bindPopup(() => popupContent(collection, feature),
          { maxWidth: 380, minWidth: 240, className: "mapapp-popup-wrapper" });
        featureLayers.set(feature.id, drawn);
        tag(drawn, feature, collection.id);
      },
    });
    geoLayers.set(collection.id, layer);
    group.addLayer(layer);
  }

  /* A small map (a phone, a small embed): there the legend steps aside while a popup
     is open, and popups keep clear of the other controls. */
  function smallMap(size) {
    return size.x < 700 || size.y < 600;
  }

  const POPUP_LEFT = 56; // popups keep right of the zoom buttons

  /* How far down from the top and up from the bottom the controls reach over where
     popups go: the legend aside, and open panels (taller than 40% of the map), which
     cover a popup wherever it is. */
  function controlsReach(size) {
    const container = theMap.getContainer();
    const box = container.getBoundingClientRect();
    const reach = { top: 0, bottom: 0 };
    container.querySelectorAll(".leaflet-control").forEach((control) => {
      const rect = control.getBoundingClientRect();
      if (control.classList.contains("mapapp-legend") || !rect.height || rect.height > size.y * 0.4 ||
        rect.right - box.left <= POPUP_LEFT) return;
      if (control.closest(".leaflet-top")) reach.top = Math.max(reach.top, rect.bottom - box.top);
      else reach.bottom = Math.max(reach.bottom, box.bottom - rect.top);
    });
    // below a popup, the feature it points at stays in view too
    return { top: Math.ceil(reach.top) + 6, bottom: Math.ceil(reach.bottom) + 6 + 14 };
  }

  /* Popups fit a phone: never wider than the map leaves room for, kept clear of the
     zoom buttons (left) and, on a small map, of the controls above and below. Their
     height follows the map's: on a phone the name, the quote and its reference fit in
     it unscrolled, with the feature in view below. */
  function fitPopups() {
    const size = theMap.getSize();
    const pad = smallMap(size) ? controlsReach(size) : { top: 12, bottom: 12 };
    const height = Math.round(Math.max(180, Math.min(size.y * 0.7, size.y - pad.top - pad.bottom - 50)));
    theMap.getContainer().style.setProperty("--mapapp-popup-height", `${height}px`);
    const room = size.x - POPUP_LEFT - 12 - (smallMap(size) ? 52 : 60); // paddings, the popup's frame
    featureLayers.forEach((drawn) => {
      const options = drawn.getPopup().options;
      options.maxWidth = Math.max(160, Math.min(380, room));
      options.minWidth = Math.min(240, options.maxWidth);
      options.autoPanPaddingTopLeft = L.point(POPUP_LEFT, pad.top);
      options.autoPanPaddingBottomRight = L.point(12, pad.bottom);
    });
  }

  /* Leaflet sizes and places a popup as it opens; when its content or the controls
     around it change, it is asked to again, and to pan into view (its content, built
     once, is kept: update() would build it anew). */
  function refitPopup(popup) {
    if (!popup || !popup.isOpen() || typeof popup._updateLayout !== "function") return;
    popup._updateLayout();
    popup._updatePosition();
    popup._adjustPan();
  }

  /* ---- filters: groups= and status= keep only some features of the shown layers ---- */

  function passesFilters(id) {
    const { feature, collection } = featureIndex.get(id);
    if (filters.groups && !filters.groups.has(groupIds.get(collection.group))) return false;
    if (filters.status && !filters.status.has(statusId(feature.properties.status))) return false;
    return true;
  }

  /* Draws the features that pass the filters; the open feature is always drawn. */
  function applyFilters() {
    let changed = false;
    for (const [collectionId, layer] of geoLayers) {
      for (const feature of collections.get(collectionId).features) {
        const drawn = featureLayers.get(feature.id);
        const show = feature.id === openFeature || passesFilters(feature.id);
        if (show === layer.hasLayer(drawn)) continue;
        if (show) layer.addLayer(drawn);
        else layer.removeLayer(drawn);
        changed = true;
      }
    }
    if (changed) shownChanged();
    document.querySelectorAll("fieldset[data-group]").forEach((fieldset) => {
      const out = Boolean(filters.groups && !filters.groups.has(fieldset.dataset.group));
      fieldset.querySelectorAll("input").forEach((input) => { input.disabled = out; });
      fieldset.classList.toggle("mapapp-filtered-out", out);
    });
    if (highlighted.length) highlight(highlighted);
  }

  /* Filters from lists of ids (null: no filter), as the URL and plugins give them. */
  function filtersFrom(next) {
    return {
      groups: next.groups ? new Set(next.groups) : null,
      status: next.status ? new Set(next.status) : null,
    };
  }

  function setFilters(next) {
    filters = filtersFrom(next);
    applyFilters();
    writeUrl();
  }

  function currentFilters() {
    return {
      groups: filters.groups ? [...filters.groups] : null,
      status: filters.status ? [...filters.status] : null,
    };
  }

  /* Is the feature on the map now (its layer shown, the filters passed)? */
  function isShown(id) {
    const entry = featureIndex.get(id);
    if (!entry || !theMap) return false;
    return theMap.hasLayer(groups.get(entry.collection.id)) &&
      geoLayers.get(entry.collection.id).hasLayer(featureLayers.get(id));
  }

  /* The features on the map, by layer in catalogue order: what the list view shows. */
  function shownByLayer() {
    return data.collections
      .filter((collection) => theMap.hasLayer(groups.get(collection.id)))
      .map((collection) => {
        const drawn = geoLayers.get(collection.id);
        return { collection, features: collection.features.filter((f) => drawn.hasLayer(featureLayers.get(f.id))) };
      })
      .filter((entry) => entry.features.length);
  }

  function shownChanged() {
    document.dispatchEvent(new CustomEvent("mapapp:shownchange"));
  }

  /* ---- moving to features, highlighting them, opening their popups ---- */

  function elementsOf(drawn) {
    const found = [];
    const visit = (layer) => {
      if (layer.eachLayer) layer.eachLayer(visit);
      else if (layer.getElement && layer.getElement() && !isHalo(layer)) found.push(layer.getElement());
    };
    visit(drawn);
    return found;
  }

  /* Marks the features `ids` on the map (a thicker, darker outline), and only them. */
  function highlight(ids) {
    document.querySelectorAll(".mapapp-highlight").forEach((node) => {
      node.classList.remove("mapapp-highlight");
    });
    highlighted = [...ids];
    for (const id of highlighted) {
      const drawn = featureLayers.get(id);
      if (!drawn || !isShown(id)) continue;
      elementsOf(drawn).forEach((node) => node.classList.add("mapapp-highlight"));
      if (drawn.bringToFront) drawn.bringToFront();
    }
  }

  function boundsOf(ids) {
    const bounds = L.latLngBounds([]);
    for (const id of ids) {
      const drawn = featureLayers.get(id);
      if (drawn) bounds.extend(drawn.getBounds ? drawn.getBounds() : drawn.getLatLng());
    }
    return bounds;
  }

  /* Makes a feature visible: its layer on, and drawn even if the filters leave it out. */
  function reveal(id) {
    const entry = featureIndex.get(id);
    if (!theMap.hasLayer(groups.get(entry.collection.id))) setLayerVisible(entry.collection.id, true);
  }

  /* Moves the map to the features `ids` (all of them in view), then opens the popup
     of `id`. With `opener`, focus moves into the popup and comes back to `opener`
     when it closes. */
  function focusFeature(id, options = {}) {
    if (!featureIndex.has(id) || !theMap) return;
    const ids = options.ids && options.ids.length ? options.ids : [id];
    ids.forEach(reveal);
    if (openFeature !== id) {
      openFeature = id; // drawn even when filtered out, like its layer
      applyFilters();
    }
    const bounds = boundsOf(ids);
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
      pendingOpener = options.opener || null;
      drawn.openPopup();
      pendingOpener = null;
    };
    if (!bounds.isValid()) {
      open();
      return;
    }
    /* Room above and beside the features for the popup that opens over the first, so
       that its auto-pan does not push the others out of view. */
    const size = theMap.getSize();
    const side = Math.round(Math.min(220, size.x / 4));
    const view = { paddingTopLeft: [side, Math.round(Math.min(440, size.y * 0.55))],
      paddingBottomRight: [side, 30], maxZoom: ids.length > 1 ? 8 : 9 };
    if (reducedMotion() || options.animate === false) {
      theMap.fitBounds(bounds, { ...view, animate: false });
      open();
      return;
    }
    let done = false;
    const once = () => {
      if (done) return;
      done = true;
      open();
    };
    theMap.once("moveend", once);
    setTimeout(once, 1200); // a move to where the map already is may end at once, or not at all
    theMap.flyToBounds(bounds, { ...view, duration: 0.6 });
  }

  function onPopupOpen(event) {
    const element = event.popup.getElement();
    const content = element.querySelector("[data-popup-for]");
    openFeature = content ? content.dataset.popupFor : null;
    /* Opened by a control (list, search, panel): focus goes back to it; by a click on
       the map: to the map. */
    event.popup.mapappOpener = pendingOpener || theMap.getContainer();
    /* On a small map the legend steps aside, and the popup keeps clear of the controls
       as they are now (a panel may have closed since the map last measured them). */
    if (smallMap(theMap.getSize())) {
      theMap.getContainer().classList.add("mapapp-popup-open");
      fitPopups();
      refitPopup(event.popup);
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
        theMap.closePopup(event.popup);
      }
    });
    if (content && !starting) content.focus({ preventScroll: true });
    document.dispatchEvent(new CustomEvent("mapapp:popupopen",
      { detail: { id: openFeature, element: content } }));
    writeUrl();
  }

  function onPopupClose(event) {
    const closed = openFeature;
    const opener = event.popup.mapappOpener;
    event.popup.mapappOpener = null;
    const element = event.popup.getElement();
    const focusWasInside = !document.activeElement || document.activeElement === document.body ||
      (element && element.contains(document.activeElement));
    openFeature = null;
    theMap.getContainer().classList.remove("mapapp-popup-open");
    if (opener && focusWasInside) { // an element, or a function that knows where focus goes
      if (typeof opener === "function") opener();
      else if (opener.isConnected) opener.focus();
    }
    if (closed && !passesFilters(closed)) applyFilters();
    document.dispatchEvent(new CustomEvent("mapapp:popupclose", { detail: { id: closed } }));
    writeUrl();
  }

  function swatch(collection, colour) {
    return el("span", { class: "mapapp-swatch", "aria-hidden": "true",
      "data-colour": colour || collection.style.color });
  }

  const LayerControl = L.Control.extend({
    options: { position: "topright" },
    onAdd(map) {
      const box = el("details", { class: "mapapp-layers leaflet-bar", open: roomy() ? "" : null },
        el("summary", {}, _("Layers")));
      for (const group of this.options.groups) {
        const fieldset = el("fieldset", { "data-group": groupIds.get(group.group) || "" },
          el("legend", {}, term(group.group),
            el("span", { class: "mapapp-filter-note" }, " ", _("(filtered out)"))));
        for (const id of group.collections) {
          const collection = collections.get(id);
          const input = el("input", { type: "checkbox", "data-collection": id });
          input.checked = map.hasLayer(groups.get(id));
          input.addEventListener("change", () => setLayerVisible(id, input.checked));
          fieldset.append(el("label", {}, input, swatch(collection), term(collection.title)));
        }
        box.append(fieldset);
      }
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    },
  });

  function addLayerControl(map, options) {
    controls.layers = new LayerControl({ groups: options.groups }).addTo(map);
  }

  function visibleLayers() {
    return [...groups.keys()].filter((id) => theMap.hasLayer(groups.get(id)));
  }

  /* The one way layers are shown or hidden: keeps the control and the URL in step. */
  function setLayerVisible(id, visible) {
    const group = groups.get(id);
    if (visible) theMap.addLayer(group);
    else theMap.removeLayer(group);
    document.querySelectorAll(`input[data-collection="${id}"]`).forEach((input) => {
      input.checked = visible;
    });
    if (visible && highlighted.length) highlight(highlighted);
    shownChanged();
    writeUrl();
  }

  /* ---- legend ---- */

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

  function legendKey(colour, point) {
    if (point) return svg([["circle", { cx: 14, cy: 7, r: 5, fill: colour }]]);
    return svg([["line", { x1: 2, y1: 7, x2: 26, y2: 7, stroke: colour, "stroke-width": 4 }]]);
  }

  function legendItem(symbol, text) {
    return el("li", {}, symbol, " ", text);
  }

  const Legend = L.Control.extend({
    options: { position: "bottomleft" },
    onAdd(map) {
      const list = el("ul", { class: "mapapp-legend-layers" });
      for (const collection of collections.values()) {
        const by = collection.style.color_by;
        if (by) {
          for (const [value, colour] of Object.entries(by.values)) {
            list.append(legendItem(legendKey(colour), `${term(collection.title)}: ${term(value)}`));
          }
        } else {
          const points = collection.features.every((f) => /Point$/.test(f.geometry.type));
          list.append(legendItem(legendKey(collection.style.color, points), term(collection.title)));
        }
      }
      const grey = "#444444";
      const symbols = el("ul", { class: "mapapp-legend-symbols" },
        legendItem(svg([["line", { x1: 2, y1: 7, x2: 26, y2: 7, stroke: grey, "stroke-width": 4 }]]),
          _("Route traced from mapped geometry")),
        legendItem(svg([["line", { x1: 2, y1: 7, x2: 26, y2: 7, stroke: grey, "stroke-width": 4,
          "stroke-dasharray": "6 4" }]]), _("Schematic route through known places")),
        legendItem(svg([["circle", { cx: 14, cy: 7, r: 5, fill: grey, stroke: "#fff", "stroke-width": 2 }]]),
          _("Exact site")),
        legendItem(svg([["circle", { cx: 14, cy: 7, r: 6.5, fill: grey, "fill-opacity": 0.15, stroke: "none" }],
          ["circle", { cx: 14, cy: 7, r: 4, fill: "#fff", stroke: grey, "stroke-width": 2,
            "stroke-dasharray": "2 1.5" }]]),
          _("Approximate location; the halo is the stated error")));
      const box = el("details", { class: "mapapp-legend leaflet-bar", open: roomy(map, 1000, 700) ? "" : null },
        el("summary", {}, _("Legend")), list, symbols);
      L.DomEvent.disableClickPropagation(box);
      L.DomEvent.disableScrollPropagation(box);
      return box;
    },
  });

  function addLegend(map) {
    controls.legend = new Legend().addTo(map);
  }

  /* ---- fullscreen ---- */

  const FullscreenControl = L.Control.extend({
    options: { position: "topleft" },
    onAdd(map) {
      const button = el("button", { type: "button", class: "mapapp-fullscreen",
        "aria-label": _("Full screen"), title: _("Full screen"), "aria-pressed": "false" },
        svg([["path", { d: "M3 5V2h4M21 2h4v3M25 9v3h-4M7 12H3V9", fill: "none",
          stroke: "currentColor", "stroke-width": 2 }]]));
      const container = map.getContainer();
      button.addEventListener("click", () => {
        if (document.fullscreenElement) document.exitFullscreen();
        else container.requestFullscreen();
      });
      document.addEventListener("fullscreenchange", () => {
        const on = document.fullscreenElement === container;
        button.setAttribute("aria-pressed", on ? "true" : "false");
        map.invalidateSize();
      });
      const bar = el("div", { class: "leaflet-bar" }, button);
      L.DomEvent.disableClickPropagation(bar);
      return bar;
    },
  });

  function addFullscreen(map) {
    if (document.fullscreenEnabled) new FullscreenControl().addTo(map);
  }

  /* ---- URL state: ?layers=a,b&feature=id#zoom/lat/lon ---- */

  const MAX_ZOOM = 19;

  /* The same rules as mapapp/viewstate.py check_view; returns [view, error]. */
  function parseView(fragment) {
    if (!fragment) return [null, null];
    const parts = fragment.split("/");
    const number = /^[-+]?\d+(\.\d+)?$/;
    if (parts.length !== 3) return [null, `view #${fragment} must be #<zoom>/<lat>/<lon>`];
    if (!/^\d+$/.test(parts[0]) || !number.test(parts[1]) || !number.test(parts[2])) {
      return [null, `view #${fragment} must be #<zoom>/<lat>/<lon> in numbers`];
    }
    const [zoom, lat, lon] = [Number(parts[0]), Number(parts[1]), Number(parts[2])];
    if (zoom > MAX_ZOOM) return [null, `zoom ${parts[0]} in #${fragment} must be 0 to ${MAX_ZOOM}`];
    if (Math.abs(lat) > 90) return [null, `latitude ${parts[1]} in #${fragment} must be -90 to 90`];
    if (Math.abs(lon) > 180) return [null, `longitude ${parts[2]} in #${fragment} must be -180 to 180`];
    return [{ zoom, lat, lon }, null];
  }

  /* A fragment such as `#%` is not valid percent-encoding: it is checked as written
     (and named as a wrong view) instead of throwing before the map is ready. */
  function decodedFragment(fragment) {
    try {
      return decodeURIComponent(fragment);
    } catch (error) {
      return fragment;
    }
  }

  /* The server refuses wrong ids with a 400 page; a static copy of the map has no
     server, so the page checks them too (and the view, which no server sees). */
  function readUrl() {
    const params = new URLSearchParams(location.search);
    const list = (name) => (params.has(name) ? params.get(name).split(",").filter(Boolean) : null);
    const layers = list("layers");
    const groupList = list("groups");
    const statusList = list("status");
    let [view, error] = parseView(decodedFragment(location.hash.slice(1)));
    const unknownLayer = (layers || []).find((id) => !collections.has(id));
    const unknownGroup = (groupList || []).find((id) => !(data.groups || []).some((g) => g.id === id));
    const unknownStatus = (statusList || []).find((id) => !(data.statuses || []).some((s) => s.id === id));
    const feature = params.get("feature");
    const lang = params.get("lang");
    const languages = (i18n.languages || []).map((language) => language.code);
    /* The server's words for the same mistakes (mapapp/viewstate.py), in the page's language. */
    const quoted = (value) => `'${value}'`;
    if (unknownLayer) error = _("unknown layer {value} in layers=", { value: quoted(unknownLayer) });
    else if (feature && !featureLayers.has(feature)) {
      error = _("unknown feature {value} in feature=", { value: quoted(feature) });
    } else if (unknownGroup) error = _("unknown group {value} in groups=", { value: quoted(unknownGroup) });
    else if (unknownStatus) error = _("unknown status {value} in status=", { value: quoted(unknownStatus) });
    else if (lang !== null && !languages.includes(lang)) {
      error = _("lang={value} must be one of {valid}", { value: quoted(lang), valid: languages.join(", ") });
    }
    return { layers: unknownLayer ? null : layers, feature, view, error,
      controls: params.get("controls") !== "0", legend: params.get("legend") !== "0",
      groups: unknownGroup ? null : groupList, status: unknownStatus ? null : statusList,
      lang: languages.includes(lang) ? lang : null,
      theme: ["light", "dark"].includes(params.get("theme")) ? params.get("theme") : null };
  }

  /* The query of a state, in the fixed order mapapp/embedcode.py state_query uses. */
  function stateQuery(state) {
    const parts = [];
    if (state.layers) parts.push(`layers=${state.layers.join(",")}`);
    if (state.feature) parts.push(`feature=${state.feature}`);
    if (state.controls === false) parts.push("controls=0");
    if (state.legend === false) parts.push("legend=0");
    if (state.groups) parts.push(`groups=${state.groups.join(",")}`);
    if (state.status) parts.push(`status=${state.status.join(",")}`);
    if (state.lang) parts.push(`lang=${state.lang}`);
    if (state.theme) parts.push(`theme=${state.theme}`);
    return parts.length ? `?${parts.join("&")}` : "";
  }

  /* The link to a page ("index" or "embed") showing `state`, in `lang` (by default the
     state's own `lang=`): the app's route with `?lang=`, or the export's file of that
     language (index.ru.html). */
  function pageHref(variant, state, lang) {
    const links = data.links || { index: "./", embed: "embed", files: null };
    const fragment = state.fragment || "";
    if (links.files) {
      return links.files[variant][lang || state.lang || LANG] + stateQuery({ ...state, lang: null }) + fragment;
    }
    return links[variant] + stateQuery({ ...state, lang: lang || state.lang }) + fragment;
  }

  function viewFragment() {
    const centre = theMap.getCenter();
    const zoom = theMap.getZoom();
    const digits = Math.max(2, Math.ceil(Math.log(Math.max(zoom, 1)) / Math.LN2) + 1);
    return `#${zoom}/${centre.lat.toFixed(digits)}/${centre.lng.toFixed(digits)}`;
  }

  function inDataOrder(set, list) {
    return set ? (list || []).filter((item) => set.has(item.id)).map((item) => item.id) : null;
  }

  /* What the reader sees now: layers (null when all are on), open feature, filters
     (null when off), the language asked in the URL (null: the browser's), view.
     controls, legend and lang stay as the URL gave them when the page started. */
  function currentState() {
    const layers = visibleLayers();
    return {
      layers: layers.length === groups.size ? null : layers,
      feature: openFeature,
      controls: startUrl.controls,
      legend: startUrl.legend,
      groups: inDataOrder(filters.groups, data.groups),
      status: inDataOrder(filters.status, data.statuses),
      lang: startUrl.lang,
      theme: startUrl.theme,
      fragment: viewFragment(),
    };
  }

  let writing = false;
  function writeUrl() {
    if (!theMap || writing) return;
    const state = currentState();
    history.replaceState(history.state, "", location.pathname + stateQuery(state) + state.fragment);
    document.dispatchEvent(new CustomEvent("mapapp:statechange", { detail: state }));
  }

  function showError(message) {
    const box = el("div", { class: "mapapp-error", role: "alert" },
      el("strong", {}, _("This map URL has a wrong value:"), " "), message);
    theMap.getContainer().append(box);
    document.documentElement.setAttribute("data-map-state", "error");
  }

  /* The export has a file per language: a `lang=` naming another one goes there. */
  function otherLanguageFile(url, variant) {
    const files = data.links && data.links.files;
    if (!files || !url.lang || url.lang === LANG) return null;
    const params = new URLSearchParams(location.search);
    params.delete("lang");
    const query = params.toString();
    return files[variant][url.lang] + (query ? `?${query}` : "") + location.hash;
  }

  /* ---- the built-in basemap: country outlines when tiles cannot be loaded ---- */

  /* (Quote marks stay out of regular expressions here: Babel's extractor reads this file.) */
  const HTML_ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\u0022": "&quot;" };
  function escapeHtml(text) {
    return String(text).replace(/[&<>\u0022]/g, (character) => HTML_ESCAPES[character]);
  }

  let basemapRequested = false;
  function drawBasemap() {
    if (basemapRequested || !data.basemap) return;
    basemapRequested = true;
    const pane = theMap.createPane("mapapp-basemap");
    pane.style.zIndex = 150; // below the tiles (200): tiles that load cover it
    pane.style.pointerEvents = "none";
    fetch(data.basemap)
      .then((response) => (response.ok ? response.json() : Promise.reject(new Error(response.statusText))))
      .then((outlines) => {
        L.geoJSON(outlines, {
          pane: "mapapp-basemap", interactive: false,
          style: { color: "#8e9aa3", weight: 1, opacity: 1, fill: true, fillColor: "#f6f4ee",
            fillOpacity: 1, className: "mapapp-basemap-country" },
          attribution: escapeHtml(_("Country outlines:")) +
            " <a href=\"https://www.naturalearthdata.com/\">Natural Earth</a>",
        }).addTo(theMap);
        document.documentElement.setAttribute("data-basemap", "drawn");
      })
      .catch(() => document.documentElement.setAttribute("data-basemap", "failed"));
  }

  /* The outlines are fetched only when tiles fail, or none has loaded after a while. */
  function watchTiles(map) {
    const tiles = [];
    map.eachLayer((layer) => {
      if (layer instanceof L.TileLayer) tiles.push(layer);
    });
    if (!tiles.length) {
      drawBasemap();
      return;
    }
    let loaded = false;
    tiles.forEach((layer) => {
      layer.on("tileerror", drawBasemap);
      layer.on("tileload", () => { loaded = true; });
    });
    setTimeout(() => { if (!loaded) drawBasemap(); }, 6000);
  }

  /* ---- embed: credit line, no scroll trap, height to the host page ---- */

  const Credit = L.Control.extend({
    options: { position: "bottomright" },
    onAdd() {
      const article = articleLinks(mainSource());
      const url = article.in_language ? article.in_language.url : article.quoted && article.quoted.url;
      this.fullMap = el("a", { href: pageHref("index", {}), target: "_blank", rel: "noopener" },
        _("Full map"));
      const asOf = data.dataAsOf && data.dataAsOf.text;
      return el("div", { class: "mapapp-credit" }, this.fullMap, " · ",
        link(url || mainSource().url, _("The article")),
        asOf ? el("span", { class: "mapapp-data-as-of" }, " · ", asOf) : null);
    },
  });

  /* The embed lays itself out for any frame down to this height; embed.js on the host page
   * raises a lower frame to it (and never shrinks one). */
  const MIN_FRAME_HEIGHT = 180;

  function postHeight() {
    if (window.parent === window) return;
    window.parent.postMessage({ mapapp: { minHeight: MIN_FRAME_HEIGHT } }, "*");
  }

  function setUpEmbed(map, url) {
    if (!url.controls && controls.layers) map.removeControl(controls.layers);
    if (!url.legend && controls.legend) map.removeControl(controls.legend);
    const credit = new Credit().addTo(map);
    document.addEventListener("mapapp:statechange", (event) => {
      const state = { ...event.detail, controls: true, legend: true };
      credit.fullMap.href = pageHref("index", state);
    });
    /* Wheel zoom only once the reader has chosen the map, so the host page scrolls. */
    map.scrollWheelZoom.disable();
    const container = map.getContainer();
    const enable = () => map.scrollWheelZoom.enable();
    container.addEventListener("click", enable);
    container.addEventListener("focus", enable);
    container.addEventListener("blur", () => map.scrollWheelZoom.disable());
    if (window.ResizeObserver) new ResizeObserver(postHeight).observe(document.body);
    postHeight();
  }

  /* Names for Leaflet's own controls, in the page's language. */
  function nameControls(map) {
    const container = map.getContainer();
    container.setAttribute("role", "region");
    container.setAttribute("aria-label",
      _("Map: arrow keys move it, plus and minus zoom; the list of places reaches every feature"));
    for (const [selector, label] of [[".leaflet-control-zoom-in", _("Zoom in")],
      [".leaflet-control-zoom-out", _("Zoom out")]]) {
      const button = container.querySelector(selector);
      if (button) {
        button.setAttribute("aria-label", label);
        button.setAttribute("title", label);
      }
    }
  }

  /* ---- start ---- */

  let starting = false;
  let startUrl = null; // readUrl() at start: what the page was opened with

  function start(map, options) {
    theMap = map;
    starting = true;
    document.querySelectorAll(".mapapp-swatch").forEach((node) => {
      node.style.background = node.dataset.colour;
    });
    const url = readUrl();
    startUrl = url;
    const variant = options.mode === "embed" ? "embed" : "index";
    const elsewhere = url.error ? null : otherLanguageFile(url, variant);
    if (elsewhere) {
      location.replace(elsewhere);
      return;
    }
    map.on("popupopen", onPopupOpen);
    map.on("popupclose", onPopupClose);
    filters = filtersFrom(url);
    /* The open feature's layer is shown even when layers= leaves it out. */
    const visible = new Set(url.layers || groups.keys());
    if (url.feature && featureLayers.has(url.feature)) {
      visible.add(featureIndex.get(url.feature).collection.id);
      openFeature = url.feature; // drawn even when the filters leave it out
    }
    writing = true;
    for (const id of groups.keys()) setLayerVisible(id, visible.has(id));
    applyFilters();
    if (url.view) map.setView([url.view.lat, url.view.lon], url.view.zoom, { animate: false });
    else map.fitBounds(options.bounds, { animate: false, padding: [12, 12] });
    fitPopups();
    map.on("resize", fitPopups);
    if (url.feature && featureLayers.has(url.feature)) {
      /* A view in the URL is kept exactly: the popup must not pan the map away from it. */
      const popup = featureLayers.get(url.feature).getPopup();
      popup.options.autoPan = !url.view;
      featureLayers.get(url.feature).openPopup();
      popup.options.autoPan = true;
    }
    writing = false;
    map.on("moveend", writeUrl);
    nameControls(map);
    if (options.mode === "embed") setUpEmbed(map, url);
    watchTiles(map);
    for (const plugin of plugins) plugin(api, { mode: options.mode, url });
    fitPopups(); // again, now that every control is in place
    starting = false;
    writeUrl();
    if (url.error) showError(url.error);
    else {
      performance.mark("mapapp:ready"); // navigation to ready, for measurements
      document.documentElement.setAttribute("data-map-state", "ready");
    }
  }

  /* Other scripts (reader.js) run once the map has started, before it says ready. */
  function use(plugin) {
    plugins.push(plugin);
  }

  /* What plugins may use: words, the data, and a few ways to move the map. */
  const api = {
    data, lang: LANG, _, term, el, link, featureName, featureNameLang, statusId, placeName,
    translatedText,
    feature: (id) => featureIndex.get(id),
    isShown, shownByLayer, passesFilters, filters: currentFilters, setFilters,
    focusFeature, highlight, currentState, stateQuery, pageHref,
    openFeature: () => openFeature,
    map: () => theMap,
    control: (name) => controls[name] || null,
    resize: () => theMap && theMap.invalidateSize(),
    reducedMotion,
  };

  window.mapapp = {
    registerLayer, addLayerControl, addLegend, addFullscreen, start, use,
    currentState, stateQuery, pageHref, focusFeature, highlight,
  };
})();
