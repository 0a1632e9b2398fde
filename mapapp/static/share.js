/* The share dialog of the full page: a link to the current view and the code to paste for
 * it (wrapper, iframe and the embed.js helper in one block), with the embed options. The
 * code is the same as the oEmbed answer's (mapapp/embedcode.py iframe_code); a browser
 * test holds the two together.
 */
(function () {
  "use strict";

  const IFRAME_STYLE = "position:absolute;inset:0;width:100%;height:100%;border:0";

  function escapeHtml(text) {
    return String(text).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;").replace(/'/g, "&#x27;");
  }

  /* options: {height} in px, or {ratio} like "16/9"; {maxWidth} in px. */
  function iframeCode(src, title, options) {
    let wrapper = "position:relative;width:100%";
    if (options.maxWidth) wrapper += `;max-width:${options.maxWidth}px`;
    wrapper += options.height ? `;height:${options.height}px` : `;aspect-ratio:${options.ratio || "16/9"}`;
    const script = new URL("embed.js", new URL(document.documentElement.dataset.embedPath, location.href));
    return `<div data-mapapp-embed style="${wrapper}"><iframe src="${escapeHtml(src)}" ` +
      `title="${escapeHtml(title)}" loading="lazy" allowfullscreen style="${IFRAME_STYLE}">` +
      `</iframe></div><script src="${escapeHtml(script.href)}" async></script>`;
  }

  /* The picture of the view (app only: the static export has one picture per language,
     linked as it is). lang= is always named: a picture depends on its URL alone. */
  function pictureUrl(path, state) {
    const [zoom, lat, lng] = state.fragment.slice(1).split("/").map(Number);
    const lon = ((((lng + 180) % 360) + 360) % 360) - 180;
    const query = window.mapapp.stateQuery({
      ...state, controls: true, legend: true, lang: state.lang || document.documentElement.lang,
      theme: null, // a picture has one look
    });
    const view = `view=${zoom}/${lat}/${Number(lon.toFixed(6))}`;
    return path + (query ? `${query}&${view}` : `?${view}`);
  }

  function embedUrl(state) {
    const base = new URL(document.documentElement.dataset.embedPath, location.href);
    return base.href + window.mapapp.stateQuery(state) + state.fragment;
  }

  const dialog = document.getElementById("share-dialog");
  const opener = document.getElementById("share-open");
  const field = (id) => document.getElementById(id);
  if (!dialog || !opener) return;

  function update() {
    const state = {
      ...window.mapapp.currentState(),
      controls: field("share-controls").checked,
      legend: field("share-legend").checked,
      theme: field("share-theme") ? field("share-theme").value || null : null,
    };
    field("share-link").value = location.href;
    const size = field("share-size").value;
    const options = size.includes("/") ? { ratio: size } : { height: Number(size) };
    field("share-code").value = iframeCode(embedUrl(state), dialog.dataset.iframeTitle, options);
    dialog.querySelectorAll("a[data-picture]").forEach((a) => {
      a.href = pictureUrl(a.dataset.picture, state);
    });
  }

  async function copy(button) {
    const target = field(button.dataset.copy);
    const status = dialog.querySelector(".share-status");
    try {
      await navigator.clipboard.writeText(target.value);
    } catch (error) {
      target.select();
      document.execCommand("copy");
    }
    status.textContent = button.dataset.copied;
  }

  opener.addEventListener("click", () => {
    update();
    dialog.querySelector(".share-status").textContent = "";
    dialog.showModal();
    field("share-link").focus();
    field("share-link").select();
  });
  dialog.addEventListener("change", update);
  dialog.querySelectorAll("[data-copy]").forEach((button) => {
    button.addEventListener("click", () => copy(button));
  });
  document.addEventListener("mapapp:statechange", () => {
    if (dialog.open) update();
  });
  window.mapappShare = { iframeCode, embedUrl, pictureUrl };
})();
