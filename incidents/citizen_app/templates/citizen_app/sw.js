// The citizen app's service worker: the shell and its map assets from the cache when the network is gone,
// basemap tiles kept as they are seen, and drafts sent when the browser says the connection is back.
"use strict";
const VERSION = {{ version|safe }};
const PRECACHE = {{ precache|safe }};
const SHELL = "citizen-shell-" + VERSION;
const RUNTIME = "citizen-runtime";
const TILES = "citizen-tiles";
const MAX_TILES = 600;
importScripts({{ drafts_js|safe }});

self.addEventListener("install", (event) => {
  // All or nothing: a half-filled cache would leave the app broken offline.
  event.waitUntil(caches.open(SHELL).then((cache) => cache.addAll(PRECACHE)).then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil(caches.keys().then((names) => Promise.all(names
    .filter((name) => name.startsWith("citizen-shell-") && name !== SHELL).map((name) => caches.delete(name))))
    .then(() => self.clients.claim()));
});

async function networkFirst(request, cacheName, fallbackUrl) {
  try {
    const response = await fetch(request);
    if (response.ok) {
      const cache = await caches.open(cacheName);
      await cache.put(fallbackUrl || request, response.clone());
    }
    return response;
  } catch (error) {
    const cached = await caches.match(fallbackUrl || request);
    if (cached) { return cached; }
    throw error;
  }
}

async function cacheFirst(request) {
  const cached = await caches.match(request, { ignoreVary: true });
  return cached || fetch(request);
}

async function trimTiles(cache) {
  const keys = await cache.keys();
  for (const key of keys.slice(0, Math.max(0, keys.length - MAX_TILES))) { await cache.delete(key); }
}

async function staleWhileRevalidate(request) {
  const cache = await caches.open(TILES);
  const cached = await cache.match(request);
  const fresh = fetch(request).then(async (response) => {
    if (response.status === 200) { await cache.put(request, response.clone()); await trimTiles(cache); }
    return response;
  }).catch(() => cached || new Response(null, { status: 204 }));
  return cached || fresh;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  // Reports are posted by the page itself (never replayed from here): the page knows when it is offline.
  if (request.method !== "GET") { return; }
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (request.mode === "navigate" && url.pathname.startsWith("/app/")) {
    event.respondWith(networkFirst(request, SHELL, "/app/"));
  } else if (PRECACHE.includes(url.pathname)) {
    event.respondWith(cacheFirst(request));
  } else if (url.pathname.startsWith("/tiles/")) {
    event.respondWith(staleWhileRevalidate(request));
  } else if (url.pathname.startsWith("/api/incidents/track/")) {
    event.respondWith(networkFirst(request, RUNTIME));
  }
});

// Background Sync: the browser saw the connection return. An open app sends its own drafts (it shows the
// outcome); with none open, the worker sends them. The server takes each draft once either way.
self.addEventListener("sync", (event) => {
  if (event.tag !== "citizen-drafts") { return; }
  event.waitUntil(self.clients.matchAll({ type: "window" }).then((windows) => {
    if (windows.length) {
      windows.forEach((client) => client.postMessage({ type: "sync" }));
      return null;
    }
    return self.citizenDrafts.sync();
  }));
});
