/* mapapp-popup-content: what a feature's popup says, in the page's language:
 * the name, the quote, the summary; facts and the location behind a disclosure. */
(function () {
  "use strict";

  const M = window.mapapp;
  const { DATA_LANG, LANG, _, articleLinks, data, dateText, el, featureLayers, featureName, featureNameLang, inLanguage, isWebUrl, link, mainSource, term, translatedText } = M;

  const PRECISION_TEXT = {
    exact: _("Exact site"),
    approximate: _("Approximate location"),
    schematic: _("Schematic route (drawn through known places, not a surveyed line)"),
  };

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
      M.refitPopup(drawn && drawn.getPopup());
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
    feature.details !== undefined ? el("p", { class: "mapapp-details-missing" }, // its file failed
      _("More about this place could not be loaded. Open it again to retry.")) : null,
    otherNames(feature),
    moreAbout(feature, props));
  }
  Object.assign(M, {
    PRECISION_TEXT, otherNames, hostOf, withLinks, factAsOf, facts, reference, citation,
    errorText, locationSource, precision, moreAbout, popupContent
  });
})();
