/* reader: reading the article through the map.
 *
 * On the full page, a side panel (a drawer on narrow screens) lists every cited
 * sentence in article order with the places it names, linked both ways: a sentence
 * shows its places and opens the first; a place opened on the map marks its
 * sentences. Both pages get the search (names in four languages, kinds, places) and
 * the list of places: the map's features as buttons, the keyboard's way to every one
 * of them, lines included. The panel also holds the filters by group and status.
 * Everything runs in the page, so the static export has it too. Text goes through
 * textContent only (mapapp's el()).
 */
(function () {
  "use strict";

  if (!window.mapapp || !window.mapapp.use) return;

  /* Kazakh letters read as the Russian letters a Russian keyboard types for them, so
     "Караганда", "Қарағанды" and "Карагaнды" typed without Kazakh letters all find
     Karaganda; typed with them, Kazakh still matches Kazakh. */
  const KAZAKH = { "ә": "а", "ғ": "г", "қ": "к", "ң": "н", "ө": "о", "ұ": "у", "ү": "у", "һ": "х", "і": "и" };

  /* Search is blind to case and diacritics (NFKD, marks dropped, lower case: ё is е,
     й is и) and to typographic dashes and apostrophes; Chinese matches as typed. */
  function normalise(text) {
    return String(text).normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase()
      .replace(/[әғқңөұүһі]/g, (letter) => KAZAKH[letter])
      .replace(/[\u2010-\u2015\u2212]/g, "-").replace(/[\u2018\u2019\u02bc\u0060\u00b4]/g, "'")
      .replace(/\s+/g, " ").trim();
  }

  /* Characters before the start of a word. (Quote marks are written as \u escapes in
     regular expressions: Babel's extractor reads this file.) */
  const WORD_START = /[\s\-\u0027\u0022(«“/,.;:]/;

  window.mapapp.use((api, context) => {
    const { _, el, term, data } = api;

    /* ---- what a place is called and what it is ---- */

    function placeName(id) {
      const { feature } = api.feature(id);
      return el("span", { class: "reader-place-name", lang: api.featureNameLang(feature) },
        api.featureName(feature));
    }

    function precisionWords(props) {
      if (props.precision === "schematic") return _("schematic");
      if (props.precision === "approximate") {
        return props.error_km ? _("approximate, ±{km} km", { km: props.error_km }) : _("approximate");
      }
      return _("exact site");
    }

    function describe(feature) {
      const props = feature.properties;
      return [term(props.kind), term(props.status), precisionWords(props)].join(" · ");
    }

    /* Where it is, in the page's language: the first places of `places` (the most
       specific first), with `place` among them when given. */
    function whereText(feature, place) {
      const places = feature.properties.places || [];
      let chosen = places.slice(0, 3);
      if (place && !chosen.includes(place)) chosen = [place, ...chosen.slice(0, 2)];
      const names = chosen.map(api.placeName).filter(Boolean);
      if (places.length > chosen.length) names.push("…");
      return names.length ? names.join(api.lang === "zh" ? "，" : ", ") : "";
    }

    /* ---- search: names in every language, kinds, places ---- */

    /* The search's index, built once, when a search box is first used (not at start:
       with 100,000 features normalising every name is not free): every feature's
       names in all four languages, kinds and places, normalised. */
    let index = null;
    document.addEventListener("mapapp:placesloaded", () => { index = null; });
    function searchIndex() {
      if (index) return index;
      index = [];
      const normalised = new Map(); // kinds and places repeat from feature to feature
      const normaliseOnce = (text) => {
        if (!normalised.has(text)) normalised.set(text, normalise(text));
        return normalised.get(text);
      };
      for (const collection of data.collections) {
        for (const feature of collection.features) {
          const props = feature.properties;
          const shown = api.featureName(feature);
          const fields = [{ text: shown, rank: 0 }];
          const seen = new Set([shown]);
          for (const [lang, name] of [["en", props.name], ...Object.entries(props.names || {})]) {
            if (typeof name !== "string" || !name || seen.has(name)) continue;
            seen.add(name);
            fields.push({ text: name, rank: 1, lang });
          }
          for (const kind of new Set([term(props.kind), props.kind])) fields.push({ text: kind, rank: 2 });
          for (const place of props.places || []) {
            for (const text of new Set(Object.values(place))) {
              if (typeof text === "string" && text) fields.push({ text, rank: 3, place });
            }
          }
          if (!(props.places || []).length) { // data without places: the note says where
            const note = api.translatedText(props, "location_note");
            if (note) fields.push({ text: note.text, rank: 3, note: true, lang: note.lang });
          }
          for (const field of fields) field.norm = normaliseOnce(field.text);
          // every field at once, to pass over the features that cannot match
          const all = fields.map((field) => field.norm).join("\u0001");
          index.push({ id: feature.id, feature, order: index.length, fields, all });
        }
      }
      return index;
    }

    /* The clause of a place note that holds the match, to show why a result came. */
    function excerpt(text, query) {
      const clauses = text.split(/(?<=[.;])\s+|\s*[()]\s*/).filter(Boolean);
      const found = clauses.find((clause) => normalise(clause).includes(query)) || text;
      return found.length > 90 ? `${found.slice(0, 88)}…` : found;
    }

    function search(text) {
      const query = normalise(text);
      if (!query) return [];
      const results = [];
      for (const entry of searchIndex()) {
        if (!entry.all.includes(query) || !api.passesFilters(entry.id)) continue;
        let best = null;
        for (const field of entry.fields) {
          const at = field.norm.indexOf(query);
          if (at < 0) continue;
          // a better field first; in a field, its start, then a word's start, then within a word
          const score = field.rank * 3 + (at === 0 ? 0 : WORD_START.test(field.norm[at - 1]) ? 1 : 2);
          if (!best || score < best.score) best = { score, field };
        }
        if (best) results.push({ ...best, entry });
      }
      results.sort((a, b) => a.score - b.score || a.entry.order - b.entry.order);
      return results.slice(0, 20).map(({ field, entry }) => ({ id: entry.id, hint: hint(field, entry, query) }));
    }

    /* Why a result came, under its name: the place matched, or the other name, or the
       kind, with where it is. */
    function hint(field, entry, query) {
      const where = whereText(entry.feature, field.place);
      if (field.place) return [where];
      if (field.note) return [el("span", { lang: field.lang }, excerpt(field.text, query))];
      const first = field.rank === 1 ? el("span", { lang: field.lang }, field.text)
        : term(entry.feature.properties.kind);
      return where ? [first, " · ", where] : [first];
    }

    /* A combobox with a list of results (ARIA 1.2 pattern): arrow keys move, Enter
       opens the place (its popup takes focus and gives it back on close), Escape
       closes the list, then clears the box. */
    function searchBox(idPrefix, openerFor = (element) => element) {
      const input = el("input", {
        id: `${idPrefix}-search`, class: "reader-search-input", type: "text", role: "combobox",
        "aria-autocomplete": "list", "aria-expanded": "false", "aria-controls": `${idPrefix}-results`,
        "aria-describedby": `${idPrefix}-search-hint`, autocomplete: "off", spellcheck: "false",
      });
      const list = el("ul", { id: `${idPrefix}-results`, class: "reader-results", role: "listbox",
        "aria-label": _("Places found"), hidden: "" });
      const status = el("p", { class: "reader-search-status", role: "status" });
      const box = el("div", { class: "reader-search", role: "search" },
        el("label", { for: input.id }, _("Find a place")), input,
        el("p", { id: `${idPrefix}-search-hint`, class: "reader-hint" },
          _("A name in English, Russian, Kazakh or Chinese, a kind or a place")),
        list, status);
      let results = [];
      let active = -1;

      function setOpen(open) {
        list.hidden = !open;
        input.setAttribute("aria-expanded", String(open));
        if (!open) setActive(-1);
      }

      function setActive(next) {
        active = next;
        [...list.children].forEach((option, position) => {
          option.setAttribute("aria-selected", String(position === active));
          option.classList.toggle("is-active", position === active);
        });
        if (active >= 0) {
          input.setAttribute("aria-activedescendant", list.children[active].id);
          list.children[active].scrollIntoView({ block: "nearest" });
        } else {
          input.removeAttribute("aria-activedescendant");
        }
      }

      function choose(position) {
        const result = results[position];
        if (!result) return;
        input.value = api.featureName(api.feature(result.id).feature);
        setOpen(false);
        api.focusFeature(result.id, { opener: openerFor(input) });
      }

      function update() {
        results = search(input.value);
        list.replaceChildren(...results.map((result, position) => {
          const option = el("li", { id: `${idPrefix}-option-${position}`, role: "option",
            "aria-selected": "false", class: "reader-result", "data-place": result.id },
          placeName(result.id),
          el("span", { class: "reader-result-hint" }, ...result.hint));
          option.addEventListener("mousedown", (event) => event.preventDefault());
          option.addEventListener("click", () => choose(position));
          return option;
        }));
        active = -1;
        setOpen(results.length > 0);
        status.textContent = !input.value.trim() ? ""
          : results.length ? _("Places found: {n}", { n: results.length }) : _("No place found");
      }

      input.addEventListener("input", update);
      input.addEventListener("focus", searchIndex, { once: true });
      input.addEventListener("keydown", (event) => {
        if (event.key === "ArrowDown" || event.key === "ArrowUp") {
          if (!results.length) return;
          event.preventDefault();
          if (list.hidden) setOpen(true);
          const step = event.key === "ArrowDown" ? 1 : -1;
          setActive(active < 0 ? (step > 0 ? 0 : results.length - 1)
            : (active + step + results.length) % results.length);
        } else if (event.key === "Enter") {
          if (!results.length) return;
          event.preventDefault();
          choose(active >= 0 ? active : 0);
        } else if (event.key === "Escape") {
          if (!list.hidden) {
            event.preventDefault();
            setOpen(false);
          } else if (input.value) {
            event.preventDefault();
            input.value = "";
            update();
          }
        }
      });
      box.addEventListener("focusout", (event) => {
        if (!box.contains(event.relatedTarget)) setOpen(false);
      });
      document.addEventListener("mapapp:shownchange", () => {
        if (input.value.trim() && document.activeElement === input) update();
      });
      return { element: box, input };
    }

    /* ---- the list of places: the map as buttons, by layer ---- */

    /* From this many features the list renders only the rows in view (virtualList). */
    const VIRTUAL_FROM = 300;
    const featureCount = data.collections.reduce((sum, collection) => sum + collection.count, 0);

    function placeButton(feature, collection, openerFor, withLayer) {
      const where = whereText(feature);
      const meta = withLayer ? `${term(collection.title)} · ${describe(feature)}` : describe(feature);
      const button = el("button", { type: "button", class: "reader-place", "data-place": feature.id },
        placeName(feature.id), el("span", { class: "reader-place-meta" }, meta),
        where ? el("span", { class: "reader-place-where" }, where) : null);
      button.addEventListener("click", () => api.focusFeature(feature.id, { opener: openerFor(button) }));
      return button;
    }

    function listView(headingLevel, openerFor = (element) => element) {
      if (featureCount >= VIRTUAL_FROM) return virtualList(openerFor);
      const box = el("div", { class: "reader-list" },
        el("p", { class: "reader-hint" }, _("The places on the map, by layer; each button opens its place.")));
      const body = el("div", {});
      box.append(body);
      let signature = "";

      function render() {
        const shown = api.shownByLayer();
        const next = JSON.stringify(shown.map((entry) => [entry.collection.id,
          entry.features.map((feature) => feature.id)]));
        if (next === signature) return;
        signature = next;
        const focused = body.contains(document.activeElement) ? document.activeElement.dataset.place : null;
        body.replaceChildren();
        if (!shown.length) {
          body.append(el("p", { class: "reader-empty" },
            _("No place is shown: turn layers on or change the filters.")));
        }
        for (const { collection, features } of shown) {
          const items = el("ul", { class: "reader-places" });
          for (const feature of features) {
            items.append(el("li", {}, placeButton(feature, collection, openerFor, false)));
          }
          body.append(el("section", { class: "reader-layer", "data-place-layer": collection.id },
            el(`h${headingLevel}`, {}, term(collection.title)), items));
        }
        if (focused) {
          const again = body.querySelector(`[data-place="${CSS.escape(focused)}"]`);
          if (again) again.focus();
        }
      }

      document.addEventListener("mapapp:shownchange", render);
      render();
      return box;
    }

    /* A big catalogue's list: one list of every place shown (its layer named in each
       row), of which only the rows in view and a few around are in the page, each of a
       fixed height inside a box of the whole list's height. Each item says where it
       stands in the whole (aria-posinset of aria-setsize). One row is in the Tab order;
       arrow keys, Page Up/Down, Home and End move along the whole list. */
    const ROW = 64; // px, as .reader-vlist .reader-place in mapapp.css
    const AROUND = 6; // rows rendered above and below the view

    function virtualList(openerFor) {
      const count = el("p", { class: "reader-hint" });
      const items = el("ul", { class: "reader-places reader-vlist-rows", "aria-label": _("All places") });
      const spacer = el("div", { class: "reader-vlist-spacer" }, items);
      const scroller = el("div", { class: "reader-vlist" }, spacer);
      const box = el("div", { class: "reader-list" },
        el("p", { class: "reader-hint" }, _("The places on the map, by layer; each button opens its place.")),
        count, scroller);
      let rows = [];
      let signature = "";
      let current = 0; // the row in the Tab order
      let drawn = "";

      function collect() {
        const shown = api.shownByLayer();
        const next = shown.map((entry) => `${entry.collection.id}:${entry.features.length}:` +
          entry.features.map((feature) => feature.id).join(",")).join(";");
        if (next === signature) return false;
        signature = next;
        rows = shown.flatMap(({ collection, features }) => features.map((feature) => ({ collection, feature })));
        current = Math.min(current, Math.max(0, rows.length - 1));
        spacer.style.height = `${rows.length * ROW}px`;
        count.textContent = rows.length ? _("Places found: {n}", { n: rows.length })
          : _("No place is shown: turn layers on or change the filters.");
        return true;
      }

      /* Renders the rows in view; focus goes to row `focusAt`, or stays on its place. */
      function draw(force = false, focusAt = null) {
        const height = scroller.clientHeight || ROW * 8;
        const first = Math.max(0, Math.floor(scroller.scrollTop / ROW) - AROUND);
        const last = Math.min(rows.length, Math.ceil((scroller.scrollTop + height) / ROW) + AROUND);
        const focused = items.contains(document.activeElement) ? document.activeElement.dataset.place : null;
        if (!focused && (current < first || current >= last)) current = Math.min(first + AROUND, rows.length - 1);
        const key = `${first}:${last}:${current}`;
        if (!force && key === drawn) return;
        drawn = key;
        items.style.top = `${first * ROW}px`;
        items.replaceChildren(...rows.slice(first, last).map(({ collection, feature }, offset) => {
          const position = first + offset;
          const button = placeButton(feature, collection, openerFor, true);
          button.tabIndex = position === current ? 0 : -1;
          button.addEventListener("focus", () => { current = position; });
          return el("li", { "aria-setsize": String(rows.length), "aria-posinset": String(position + 1) }, button);
        }));
        const again = focusAt !== null ? items.querySelector(`li[aria-posinset="${focusAt + 1}"] button`)
          : focused && items.querySelector(`[data-place="${CSS.escape(focused)}"]`);
        if (again) again.focus({ preventScroll: true });
      }

      /* Moves the Tab stop to row `position`, scrolled into view and focused. */
      function moveTo(position) {
        current = Math.max(0, Math.min(rows.length - 1, position));
        const top = current * ROW;
        if (top < scroller.scrollTop) scroller.scrollTop = top;
        else if (top + ROW > scroller.scrollTop + scroller.clientHeight) {
          scroller.scrollTop = top + ROW - scroller.clientHeight;
        }
        draw(true, current);
      }

      scroller.addEventListener("keydown", (event) => {
        const page = Math.max(1, Math.floor(scroller.clientHeight / ROW) - 1);
        const moves = { ArrowDown: current + 1, ArrowUp: current - 1, PageDown: current + page,
          PageUp: current - page, Home: 0, End: rows.length - 1 };
        if (!(event.key in moves) || !rows.length) return;
        event.preventDefault();
        moveTo(moves[event.key]);
      });
      let frame = 0;
      scroller.addEventListener("scroll", () => {
        if (!frame) frame = requestAnimationFrame(() => { frame = 0; draw(); });
      });
      new ResizeObserver(() => draw()).observe(scroller);
      document.addEventListener("mapapp:shownchange", () => {
        if (collect()) draw(true);
      });
      collect();
      draw(true);
      return box;
    }

    /* ---- the embed: search and list in one map control ---- */

    if (context.mode === "embed") {
      let places = null;
      /* On a small map the open control would cover the popup: it closes when a place
         opens, and the popup gives focus back to its summary. */
      const opener = (element) => {
        const size = api.map().getSize();
        if (!places || (size.x >= 700 && size.y >= 600)) return element;
        places.open = false;
        return () => (element.isConnected && places.open ? element : places.querySelector("summary")).focus();
      };
      const Places = L.Control.extend({
        options: { position: "topleft" },
        onAdd() {
          const box = el("details", { class: "mapapp-places leaflet-bar" },
            el("summary", {}, _("Places")), searchBox("places", opener).element, listView(3, opener));
          places = box;
          L.DomEvent.disableClickPropagation(box);
          L.DomEvent.disableScrollPropagation(box);
          return box;
        },
      });
      new Places().addTo(api.map());
      return;
    }

    const reader = document.getElementById("reader");
    const readerBody = document.getElementById("reader-body");
    if (!reader || !readerBody) return;

    /* ---- the panel: beside the map, or a drawer on narrow screens ---- */

    const toggle = document.getElementById("reader-toggle");
    const narrow = window.matchMedia("(max-width: 699px)");
    let collapsed = false; // wide screens: open unless the reader closed it
    let drawerOpen = false; // narrow screens: closed unless the reader opened it

    function panelOpen() {
      return narrow.matches ? drawerOpen : !collapsed;
    }

    function renderPanel(resize = true) {
      document.body.classList.toggle("reader-collapsed", collapsed);
      document.body.classList.toggle("reader-open", drawerOpen);
      if (toggle) toggle.setAttribute("aria-expanded", String(panelOpen()));
      if (resize) api.resize();
    }

    function setPanel(open, focus) {
      if (narrow.matches) drawerOpen = open;
      else collapsed = !open;
      renderPanel();
      if (focus) focus.focus();
    }

    if (toggle) toggle.addEventListener("click", () => setPanel(!panelOpen(), panelOpen() ? toggle : reader));
    reader.querySelector(".reader-close").addEventListener("click", () => setPanel(false, toggle));
    reader.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && narrow.matches && drawerOpen && !event.defaultPrevented) {
        setPanel(false, toggle);
      }
    });
    narrow.addEventListener("change", () => renderPanel());
    renderPanel(false);

    /* On a narrow screen the drawer covers the map: it closes when a place opens, and
       the popup gives focus back to the panel's button, or else to the toggle. */
    function opener(button) {
      if (!narrow.matches) return button;
      setPanel(false);
      return () => (button.isConnected && button.offsetParent ? button : toggle).focus();
    }

    /* ---- the article, sentence by sentence, in article order ---- */

    /* A map drawn from vector tiles has its places once its index is in
       (mapapp-placeindex.js): the article and the search are made again then. */
    const sourceOrder = Object.keys(data.sources);
    let sentences = [];
    function collectSentences() {
      const byKey = new Map();
      sentences = [];
      for (const collection of data.collections) {
        for (const feature of collection.features) {
          for (const cite of feature.properties.citations || []) {
            const key = [cite.source, cite.paragraph, cite.quote].join("\u0000");
            let sentence = byKey.get(key);
            if (!sentence) {
              sentence = { source: cite.source, paragraph: cite.paragraph, offset: cite.offset,
                quote: cite.quote, features: [], seen: sentences.length };
              byKey.set(key, sentence);
              sentences.push(sentence);
            }
            // a feature's citations come together: a second of the same sentence follows its first
            if (sentence.features[sentence.features.length - 1] !== feature.id) sentence.features.push(feature.id);
          }
        }
      }
      const position = (sentence) => (Number.isInteger(sentence.offset) ? sentence.offset : Infinity);
      sentences.sort((a, b) => sourceOrder.indexOf(a.source) - sourceOrder.indexOf(b.source) ||
        a.paragraph - b.paragraph || (position(a) - position(b)) || a.seen - b.seen);
    }

    let selecting = null; // the sentence whose first place is being opened
    let current = [];

    /* Places shown under a sentence (the real article names at most 7 in one); past
       that, how many more: a big catalogue's sentences name thousands. */
    const CHIPS = 12;
    const articleList = el("ol", { class: "reader-sentences" });
    function renderArticle() {
      collectSentences();
      articleList.replaceChildren();
      sentences.forEach((sentence, number) => {
        const source = data.sources[sentence.source] || {};
        const quote = el("button", { type: "button", class: "reader-quote" },
          el("span", { class: "reader-paragraph", "aria-hidden": "true" }, `¶${sentence.paragraph}`),
          el("span", { class: "visually-hidden" }, _("Paragraph {n}:", { n: sentence.paragraph }), " "),
          el("q", { lang: source.language || "en" }, sentence.quote));
        quote.addEventListener("click", () => select(sentence, quote));
        const places = el("ul", { class: "reader-sentence-places", "aria-label": _("Places it names") });
        for (const id of sentence.features.slice(0, CHIPS)) {
          const chip = el("button", { type: "button", class: "reader-chip", "data-place": id },
            placeName(id));
          chip.addEventListener("click", () => {
            selecting = sentence;
            api.highlight([id]);
            api.focusFeature(id, { opener: opener(chip) });
          });
          places.append(el("li", {}, chip));
        }
        if (sentence.features.length > CHIPS) {
          places.append(el("li", { class: "reader-more" }, _("and {n} more", { n: sentence.features.length - CHIPS })));
        }
        sentence.element = el("li", { class: "reader-sentence", id: `reader-sentence-${number}`,
          "data-paragraph": String(sentence.paragraph) }, quote, places);
        sentence.button = quote;
        articleList.append(sentence.element);
      });
    }
    renderArticle();

    function select(sentence, button) {
      selecting = sentence;
      api.highlight(sentence.features);
      api.focusFeature(sentence.features[0], { ids: sentence.features, opener: opener(button) });
    }

    function markCurrent(list, scroll) {
      for (const sentence of current) {
        sentence.element.classList.remove("is-current");
        sentence.button.removeAttribute("aria-current");
      }
      current = list;
      for (const sentence of current) {
        sentence.element.classList.add("is-current");
        sentence.button.setAttribute("aria-current", "true");
      }
      if (scroll && current.length && !articlePanel.hidden && panelOpen()) {
        current[0].element.scrollIntoView({ block: "nearest", behavior: api.reducedMotion() ? "auto" : "smooth" });
      }
    }

    function sentencesOf(id) {
      return sentences.filter((sentence) => sentence.features.includes(id));
    }

    /* The popup's way into the panel: its sentences, marked, the first focused. */
    function showInPanel(id) {
      views.select("article");
      markCurrent(sentencesOf(id), false);
      setPanel(true);
      if (current.length) {
        current[0].element.scrollIntoView({ block: "nearest" });
        current[0].button.focus();
      }
    }

    document.addEventListener("mapapp:popupopen", (event) => {
      const id = event.detail.id;
      if (!id) return;
      if (selecting && selecting.features.includes(id)) {
        markCurrent([selecting], true);
      } else {
        api.highlight([]);
        markCurrent(sentencesOf(id), true);
      }
      selecting = null;
      const section = event.detail.element && event.detail.element.querySelector(".mapapp-citations");
      if (section && !section.querySelector(".reader-in-panel")) {
        const go = el("button", { type: "button", class: "reader-in-panel" }, _("Show in the article panel"));
        go.addEventListener("click", () => showInPanel(id));
        section.append(go);
      }
    });
    document.addEventListener("mapapp:popupclose", () => {
      if (!selecting) {
        markCurrent([], false);
        api.highlight([]);
      }
    });

    /* ---- filters by group and status (in the URL as groups= and status=) ---- */

    function filterBox() {
      const present = new Set(data.collections.flatMap((collection) =>
        collection.features.map((feature) => api.statusId(feature.properties.status))));
      // a map drawn from vector tiles has no feature yet: every status
      const statuses = (data.statuses || []).filter((status) => !present.size || present.has(status.id));
      const now = api.filters();
      const badge = el("span", { class: "reader-filter-badge" });
      const on = _("(on)");
      const box = el("details", { class: "reader-filters" }, el("summary", {}, _("Filters"), badge));

      function fieldset(legend, name, items, chosen) {
        const set = el("fieldset", { "data-filter": name }, el("legend", {}, legend));
        for (const item of items) {
          const input = el("input", { type: "checkbox", value: item.id });
          input.checked = !chosen || chosen.includes(item.id);
          set.append(el("label", {}, input, term(item.name)));
        }
        return set;
      }

      const groupSet = fieldset(_("Groups"), "groups", data.groups || [], now.groups);
      const statusSet = fieldset(_("Status"), "status", statuses, now.status);
      const reset = el("button", { type: "button", class: "reader-filter-reset" }, _("Show all"));

      function chosen(set) {
        const inputs = [...set.querySelectorAll("input")];
        return inputs.every((input) => input.checked) ? null
          : inputs.filter((input) => input.checked).map((input) => input.value);
      }

      function apply() {
        const next = { groups: chosen(groupSet), status: chosen(statusSet) };
        badge.textContent = next.groups || next.status ? ` ${on}` : "";
        api.setFilters(next);
      }

      box.addEventListener("change", apply);
      reset.addEventListener("click", () => {
        box.querySelectorAll("input").forEach((input) => { input.checked = true; });
        apply();
      });
      box.append(groupSet, statusSet, reset);
      if (now.groups || now.status) {
        box.open = true;
        badge.textContent = ` ${on}`;
      }
      return box;
    }

    /* ---- two views in tabs: the article, and every place ---- */

    function tabs(items) {
      const list = el("div", { class: "reader-tabs", role: "tablist", "aria-label": _("Panel views") });
      const buttons = items.map((item, position) => {
        const tab = el("button", { type: "button", role: "tab", id: `reader-tab-${item.id}`,
          "aria-controls": `reader-view-${item.id}`, "aria-selected": String(position === 0),
          tabindex: position === 0 ? "0" : "-1" }, item.label);
        item.panel.id = `reader-view-${item.id}`;
        item.panel.setAttribute("role", "tabpanel");
        item.panel.setAttribute("aria-labelledby", tab.id);
        item.panel.hidden = position !== 0;
        tab.addEventListener("click", () => select(item.id));
        list.append(tab);
        return tab;
      });

      function select(id, focus) {
        items.forEach((item, position) => {
          const on = item.id === id;
          buttons[position].setAttribute("aria-selected", String(on));
          buttons[position].tabIndex = on ? 0 : -1;
          item.panel.hidden = !on;
          if (on && focus) buttons[position].focus();
        });
      }

      list.addEventListener("keydown", (event) => {
        const at = buttons.indexOf(document.activeElement);
        if (at < 0) return;
        const moves = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: buttons.length - 1 };
        if (!(event.key in moves)) return;
        event.preventDefault();
        select(items[(moves[event.key] + items.length) % items.length].id, true);
      });
      return { element: list, select };
    }

    const articlePanel = el("div", { class: "reader-view" }, articleList);
    const placesPanel = el("div", { class: "reader-view" }, listView(3, opener));
    const views = tabs([
      { id: "article", label: _("In the article"), panel: articlePanel },
      { id: "places", label: _("All places"), panel: placesPanel },
    ]);
    const finder = searchBox("reader", opener);
    readerBody.append(finder.element, filterBox(), views.element, articlePanel, placesPanel);

    /* ---- skip links and the language switcher ---- */

    document.querySelectorAll(".skip-link[data-skip-to]").forEach((skip) => {
      skip.addEventListener("click", (event) => {
        const target = document.querySelector(skip.dataset.skipTo);
        if (!target) return;
        event.preventDefault(); // the URL's fragment is the map's view, not an anchor
        if (reader.contains(target) && !panelOpen()) setPanel(true);
        target.focus();
      });
    });

    function languageLinks(state) {
      document.querySelectorAll("a[data-lang]").forEach((anchor) => {
        anchor.href = api.pageHref("index", { ...state, lang: null }, anchor.dataset.lang);
      });
    }
    document.addEventListener("mapapp:statechange", (event) => languageLinks(event.detail));

    const markOpen = () => api.openFeature() && markCurrent(sentencesOf(api.openFeature()), true);
    markOpen();
    document.addEventListener("mapapp:placesloaded", () => {
      current = [];
      renderArticle();
      markOpen();
    });
  });
})();
