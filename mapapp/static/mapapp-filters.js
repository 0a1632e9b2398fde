/* mapapp-filters: groups= and status= keep only some features of the shown layers. */
(function () {
  "use strict";

  const M = window.mapapp;
  const S = M.state;
  const { collections, data, featureIndex, featureLayers, geoLayers, groupIds, groups, statusId } = M;

  /* ---- filters: groups= and status= keep only some features of the shown layers ---- */

  function passesFilters(id) {
    const { feature, collection } = featureIndex.get(id);
    if (S.filters.groups && !S.filters.groups.has(groupIds.get(collection.group))) return false;
    if (S.filters.status && !S.filters.status.has(statusId(feature.properties.status))) return false;
    return true;
  }

  /* Draws the features that pass the filters; the open feature is always drawn. */
  function applyFilters() {
    let changed = false;
    for (const [collectionId, layer] of geoLayers) {
      const adding = [];
      const removing = [];
      for (const feature of collections.get(collectionId).features) {
        const drawn = featureLayers.get(feature.id);
        if (!drawn) continue; // a place of the index not read whole (mapapp-placeindex.js)
        const show = feature.id === S.openFeature || passesFilters(feature.id);
        if (show === layer.hasLayer(drawn)) continue;
        (show ? adding : removing).push(drawn);
      }
      if (layer.addLayers) { // a cluster group: in one go, its clusters computed once
        if (removing.length) layer.removeLayers(removing);
        if (adding.length) layer.addLayers(adding);
      } else {
        removing.forEach((drawn) => layer.removeLayer(drawn));
        adding.forEach((drawn) => layer.addLayer(drawn));
      }
      changed = changed || adding.length > 0 || removing.length > 0;
    }
    if (changed) M.shownChanged();
    document.querySelectorAll("fieldset[data-group]").forEach((fieldset) => {
      const out = Boolean(S.filters.groups && !S.filters.groups.has(fieldset.dataset.group));
      fieldset.querySelectorAll("input").forEach((input) => { input.disabled = out; });
      fieldset.classList.toggle("mapapp-filtered-out", out);
    });
    if (S.highlighted.length) M.highlight(S.highlighted);
  }

  /* Filters from lists of ids (null: no filter), as the URL and plugins give them. */
  function filtersFrom(next) {
    return {
      groups: next.groups ? new Set(next.groups) : null,
      status: next.status ? new Set(next.status) : null,
    };
  }

  function setFilters(next) {
    S.filters = filtersFrom(next);
    applyFilters();
    M.writeUrl();
  }

  function currentFilters() {
    return {
      groups: S.filters.groups ? [...S.filters.groups] : null,
      status: S.filters.status ? [...S.filters.status] : null,
    };
  }
  Object.assign(M, {
    passesFilters, applyFilters, filtersFrom, setFilters, currentFilters
  });
})();
