/* mapapp-url: the state a URL carries (?layers=a,b&feature=id#zoom/lat/lon), read
 * with the server's rules (mapapp/viewstate.py) and written back as the map changes. */
(function () {
  "use strict";

  const M = window.mapapp;
  const S = M.state;
  const { LANG, _, collections, controls, data, el, featureIndex, groups, i18n } = M;

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

  /* The parameters each page takes, as mapapp/viewstate.py PAGE_PARAMETERS and
     EMBED_PARAMETERS list them. */
  const PARAMETERS = {
    page: ["layers", "feature", "groups", "status", "lang", "theme"],
    embed: ["layers", "feature", "controls", "legend", "groups", "status", "lang", "theme"],
  };

  const quoted = (value) => `'${value}'`; // as the server's repr() names a value
  const THEMES = ["light", "dark"]; // viewstate.py THEMES

  /* `a,b` to its ids by the server's rule (viewstate.py _split_ids): absent is null,
     empty is none, and an empty or repeated id is a wrong value, never dropped.
     Returns [ids, error]. */
  function splitIds(params, name) {
    if (!params.has(name)) return [null, null];
    const value = params.get(name);
    if (!value) return [[], null];
    const ids = value.split(",");
    if (ids.includes("")) {
      return [null, _("{name}= has an empty id; separate ids with single commas", { name })];
    }
    const twice = ids.find((id, index) => ids.indexOf(id) !== index);
    if (twice !== undefined) {
      return [null, _("{name}= names {value} twice; name each once", { name, value: quoted(twice) })];
    }
    return [ids, null];
  }

  /* The first wrong value of the query, checked in the server's order
     (errors.py single_values, then viewstate.py parse_view_state), in its words and
     the page's language; null when the query is right. */
  function queryError(params, mode, ids) {
    const allowed = PARAMETERS[mode] || PARAMETERS.page;
    const where = mode === "embed" ? "/embed" : "/";
    const names = [...new Set(params.keys())];
    const unknown = names.filter((name) => !allowed.includes(name)).sort()[0];
    if (unknown !== undefined) {
      return _("unknown query parameter {name} for {where}; it takes {allowed}",
        { name: quoted(unknown), where, allowed: allowed.join(", ") });
    }
    const repeated = names.find((name) => params.getAll(name).length > 1);
    if (repeated !== undefined) {
      return _("query parameter {name} is given {count} times; give it once",
        { name: quoted(repeated), count: params.getAll(repeated).length });
    }
    const languages = (i18n.languages || []).map((language) => language.code);
    const feature = params.get("feature");
    const lang = params.get("lang");
    const checks = [
      () => ids.layers[1],
      () => (ids.layers[0] || []).filter((id) => !collections.has(id))
        .map((id) => _("unknown layer {value} in layers=", { value: quoted(id) }))[0],
      () => (feature !== null && !featureIndex.has(feature)
        ? _("unknown feature {value} in feature=", { value: quoted(feature) }) : null),
      () => (lang !== null && !languages.includes(lang)
        ? _("lang={value} must be one of {valid}", { value: quoted(lang), valid: languages.join(", ") }) : null),
      () => (params.has("theme") && !THEMES.includes(params.get("theme"))
        ? _("theme={value} must be one of {valid}", { value: quoted(params.get("theme")), valid: THEMES.join(", ") })
        : null),
      ...["controls", "legend"].map((name) => () => {
        const value = params.get(name);
        return value !== null && value !== "0" && value !== "1"
          ? _("{name}={value} must be 0 (hide) or 1 (show)", { name, value: quoted(value) }) : null;
      }),
      () => ids.groups[1],
      () => (ids.groups[0] || []).filter((id) => !(data.groups || []).some((g) => g.id === id))
        .map((id) => _("unknown group {value} in groups=", { value: quoted(id) }))[0],
      () => ids.status[1],
      () => (ids.status[0] || []).filter((id) => !(data.statuses || []).some((s) => s.id === id))
        .map((id) => _("unknown status {value} in status=", { value: quoted(id) }))[0],
    ];
    for (const check of checks) {
      const error = check();
      if (error) return error;
    }
    return null;
  }

  /* The server refuses a wrong value with a 400 page; a static copy of the map has no
     server, so the page checks the query by the same rules, and the view, which no
     server sees. A wrong value is named, and its parameter read as absent. */
  function readUrl(mode) {
    const params = new URLSearchParams(location.search);
    const ids = { layers: splitIds(params, "layers"), groups: splitIds(params, "groups"),
      status: splitIds(params, "status") };
    const [view, viewError] = parseView(decodedFragment(location.hash.slice(1)));
    const error = queryError(params, mode, ids) || viewError;
    const known = (pair, valid) => (pair[0] && pair[0].every(valid) ? pair[0] : null);
    const languages = (i18n.languages || []).map((language) => language.code);
    const lang = params.get("lang");
    const feature = params.get("feature");
    return {
      layers: known(ids.layers, (id) => collections.has(id)),
      feature: feature !== null && featureIndex.has(feature) ? feature : null,
      view, error,
      controls: params.get("controls") !== "0", legend: params.get("legend") !== "0",
      groups: known(ids.groups, (id) => (data.groups || []).some((g) => g.id === id)),
      status: known(ids.status, (id) => (data.statuses || []).some((s) => s.id === id)),
      lang: languages.includes(lang) ? lang : null,
      theme: THEMES.includes(params.get("theme")) ? params.get("theme") : null,
    };
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

  /* `#zoom/lat/lon`, or nothing while the map shows its first view (fitted to the
     features: a link without a view fits whatever screen opens it). The fitted view
     may be between zoom levels; the fragment names the level below, which shows at
     least as much. */
  function viewFragment() {
    if (S.fitted) return "";
    const centre = S.map.getCenter();
    const zoom = Math.floor(S.map.getZoom() + 1e-6);
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
    const layers = M.visibleLayers();
    return {
      layers: layers.length === groups.size ? null : layers,
      feature: S.openFeature,
      controls: S.startUrl.controls,
      legend: S.startUrl.legend,
      groups: inDataOrder(S.filters.groups, data.groups),
      status: inDataOrder(S.filters.status, data.statuses),
      lang: S.startUrl.lang,
      theme: S.startUrl.theme,
      fragment: viewFragment(),
    };
  }

  function writeUrl() {
    if (!S.map || S.writing) return;
    const state = currentState();
    history.replaceState(history.state, "", location.pathname + stateQuery(state) + state.fragment);
    document.dispatchEvent(new CustomEvent("mapapp:statechange", { detail: state }));
  }

  function showError(message) {
    showAlert(el("strong", {}, _("This map URL has a wrong value:"), " "), message);
  }

  /* A message over the map that it is not what it should be: data-map-state="error". */
  function showAlert(...content) {
    S.map.getContainer().append(el("div", { class: "mapapp-error", role: "alert" }, ...content));
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
  Object.assign(M, {
    parseView, splitIds, queryError, decodedFragment, readUrl, stateQuery, pageHref,
    viewFragment, inDataOrder, currentState, writeUrl, showError, showAlert, otherLanguageFile, MAX_ZOOM
  });
})();
