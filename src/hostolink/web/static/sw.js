// Hostolink service worker (scope /). The server writes the release id and the list of
// static files below when it serves this file, so a release always refreshes the cache.
const RELEASE = '__HOSTOLINK_BUILD__';
const SHELL_CACHE = `hostolink-shell-${RELEASE}`;
const DATA_CACHE = 'hostolink-data';
const PRECACHE = ['/', '/manifest.webmanifest', ...__HOSTOLINK_PRECACHE__];

// Public directory data kept for offline use (emergency numbers, establishments).
const OFFLINE_DATA = [/^\/api\/numeros-urgence$/, /^\/api\/etablissements(\/.*)?$/];

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches.open(SHELL_CACHE).then((cache) => cache.addAll(PRECACHE)).then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches.keys()
      .then((names) => Promise.all(
        names.filter((name) => name.startsWith('hostolink-shell-') && name !== SHELL_CACHE)
          .map((name) => caches.delete(name)),
      ))
      .then(() => self.clients.claim()),
  );
});

async function cacheFirst(request) {
  const cached = await caches.match(request, { ignoreSearch: true });
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) (await caches.open(SHELL_CACHE)).put(request, response.clone());
  return response;
}

async function networkFirst(request, cacheName) {
  try {
    const response = await fetch(request);
    if (response.ok) (await caches.open(cacheName)).put(request, response.clone());
    return response;
  } catch (error) {
    const cached = await caches.match(request);
    if (cached) return cached;
    throw error;
  }
}

async function shell(request) {
  try {
    return await fetch(request);
  } catch {
    return (await caches.match('/')) || Response.error();
  }
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === 'navigate' && url.pathname === '/') {
    event.respondWith(shell(request));
  } else if (url.pathname.startsWith('/app/')) {
    event.respondWith(cacheFirst(request));
  } else if (OFFLINE_DATA.some((pattern) => pattern.test(url.pathname))) {
    event.respondWith(networkFirst(request, DATA_CACHE));
  }
  // Every other request (the rest of the API, the sandbox pages) goes to the network
  // untouched: balances, receipts and messages are never served from a cache.
});
