/* mapapp-placeindex-worker: the index of places fetched and parsed off the page's thread.
 *
 * A dedicated worker of mapapp-placeindex.js. At 100,000 features the index is some
 * 45 MiB of JSON: parsed on the page, it holds the page's only thread for half a second
 * on a desktop and seconds on a phone, and the map answers no touch meanwhile. Here it
 * is fetched and parsed on the worker's own thread, then handed back in small messages
 * (CHUNK rows: their structured clone and features cost the page a few milliseconds),
 * each message a task of its own on the page:
 *
 *   {tables: {sentences, places}, collections: [{id, count}]}  first, once;
 *   {at, rows}                                                  CHUNK rows of collections[at];
 *   {done: true}                                                last;
 *   {error}                                                     instead, if the index fails.
 *
 * The page posts the index's URL (absolute: a worker resolves against its own URL).
 */
"use strict";

const CHUNK = 500;

self.addEventListener("message", ({ data: url }) => {
  fetch(url).then((response) => {
    if (!response.ok) throw new Error(`${url}: ${response.status}`);
    return response.json();
  }).then((index) => {
    self.postMessage({
      tables: { sentences: index.sentences, places: index.places },
      collections: index.collections.map((entry) => ({ id: entry.id, count: entry.features.length })),
    });
    index.collections.forEach((entry, at) => {
      for (let start = 0; start < entry.features.length; start += CHUNK) {
        self.postMessage({ at, rows: entry.features.slice(start, start + CHUNK) });
      }
    });
    self.postMessage({ done: true });
  }).catch((error) => self.postMessage({ error: String(error) }));
});
