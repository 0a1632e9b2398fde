/* The notice over an embedded map whose URL has a wrong value (mapapp/web.py url_notice):
 * its close button hides it and hands the focus to the map. It stays in the page,
 * hidden, so the style sheet goes on hiding the map script's own copy of the message.
 */
(function () {
  "use strict";

  const notice = document.querySelector("[data-url-notice]");
  if (!notice) return;
  const close = notice.querySelector("button");

  function dismiss() {
    notice.hidden = true;
    const map = document.querySelector(".leaflet-container");
    if (map) map.focus({ preventScroll: true });
  }

  close.addEventListener("click", dismiss);
  notice.addEventListener("keydown", (event) => {
    if (event.key === "Escape") dismiss();
  });
})();
