// Công Dân Số service worker. Generated per build by the server (src/pwa/mod.rs): BUILD and PRECACHE are filled in.
// One cache per build, so HTML, CSS, JS and WASM of different builds never mix (a mix breaks hydration).
const BUILD = "__BUILD__";
const SHELL_CACHE = "cds-shell-" + BUILD;
const PRECACHE = __PRECACHE__;
// This build's JS and WASM: only pages with islands load them (a first visit of the home page does not).
const BROWSER_CODE = __BROWSER_CODE__;
const OFFLINE_URL = "/offline";
// Pages kept for use without network (they carry no personal data: the QR page draws the codes the phone keeps),
// and where a page that needs the network goes instead.
const OFFLINE_PAGES = [OFFLINE_URL, "/offline/qr"];
const OFFLINE_INSTEAD = { "/me/qr": "/offline/qr" };
// Pages kept from their last visit, for use without network: the service counter (its form carries no citizen
// data; its island checks codes offline) and the team's registration form (blank; what a member saves stays in
// the page's IndexedDB queue until sent). Signing out removes the copy. A page that shows what its last form
// answered (the counter's verdict names the citizen) says so with `X-Keep-Offline: no` and is not kept.
const KEEP_PAGES = ["/counter/scan", "/team/register"];

// A build's JS or WASM without its hash: "/pkg/congdanso" (the citizen islands) or "/pkg/congdanso-staff".
const family = (path) => path.replace(/\.[^./]+\.(js|wasm)$/, "");

// Which builds of the WASM an earlier build's cache holds: this phone uses those islands (perhaps with no network
// later), so a new build's copy of those (and only those: a citizen's phone never fetches the staff build) is
// fetched at install.
async function browserCodeUsed() {
  const used = new Set();
  for (const key of await caches.keys()) {
    if (!key.startsWith("cds-shell-") || key === SHELL_CACHE) continue;
    for (const request of await (await caches.open(key)).keys()) {
      const path = new URL(request.url).pathname;
      if (path.endsWith(".wasm")) used.add(family(path));
    }
  }
  return BROWSER_CODE.filter((path) => used.has(family(path)));
}

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(SHELL_CACHE);
      await cache.addAll(PRECACHE.map((url) => new Request(url, { cache: "reload" })));
      // file names carry a content hash: the HTTP cache's copy is right, no reload
      await cache.addAll(await browserCodeUsed());
      await self.skipWaiting();
    })()
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) => Promise.all(keys.filter((k) => k.startsWith("cds-") && k !== SHELL_CACHE).map((k) => caches.delete(k))))
      .then(() => self.clients.claim())
  );
});

async function offlinePage(path) {
  const cache = await caches.open(SHELL_CACHE);
  const page = await cache.match(path);
  return page || new Response("Không có kết nối mạng. / You are offline.", {
    status: 503,
    headers: { "content-type": "text/plain; charset=utf-8" },
  });
}

// Pages: always from the network (they carry personal data and must match the server's build);
// when the network or the server is gone, the offline page of this build, at its own address so that the
// page the browser hydrates is the page the URL names.
async function navigate(request) {
  const path = new URL(request.url).pathname;
  try {
    const response = await fetch(request);
    if (response.status !== 502 && response.status !== 503 && response.status !== 504) {
      const keep = response.ok && !response.redirected && response.headers.get("x-keep-offline") !== "no";
      if (KEEP_PAGES.includes(path) && keep) {
        const cache = await caches.open(SHELL_CACHE);
        await cache.put(path, response.clone());
      }
      return response;
    }
  } catch (_) {
    // no network: fall through
  }
  if (OFFLINE_PAGES.includes(path)) return offlinePage(path);
  if (KEEP_PAGES.includes(path)) {
    const kept = await (await caches.open(SHELL_CACHE)).match(path);
    if (kept) return kept;
  }
  return Response.redirect(OFFLINE_INSTEAD[path] || OFFLINE_URL, 302);
}

// Build assets: file names carry a content hash, so the cached copy is always right.
async function cacheFirst(request, keep) {
  const cache = await caches.open(SHELL_CACHE);
  const hit = await cache.match(request);
  if (hit) return hit;
  const response = await fetch(request);
  if (keep && response.ok) cache.put(request, response.clone());
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (request.mode === "navigate") {
    event.respondWith(navigate(request));
  } else if (url.pathname.startsWith("/pkg/")) {
    event.respondWith(cacheFirst(request, true));
  } else if (PRECACHE.includes(url.pathname)) {
    event.respondWith(cacheFirst(request, false));
  }
});
