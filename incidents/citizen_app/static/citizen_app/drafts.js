// Drafts of the citizen app in IndexedDB, with their photos, and their sending: the same code runs in the page
// and in the service worker. Each draft carries its idempotency key from the moment it is saved, so sending it
// twice (a lost answer, two tabs, the page and the worker) files one report.
(function (scope) {
  "use strict";
  const DB_NAME = "citizen-app";
  const FIELDS = ["category", "description", "lon", "lat", "address", "reporter_name", "reporter_phone",
                  "attributes"];
  const TICKET_MAX_AGE_MS = 5 * 3600 * 1000;  // the server takes tickets up to 6 hours old
  let opened = null;

  function request(req) {
    return new Promise((resolve, reject) => {
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
  }

  function db() {
    if (!opened) {
      const req = indexedDB.open(DB_NAME, 1);
      req.onupgradeneeded = () => {
        const base = req.result;
        base.createObjectStore("drafts", { keyPath: "id" });
        base.createObjectStore("reports", { keyPath: "code" });
        base.createObjectStore("meta");
      };
      opened = request(req);
    }
    return opened;
  }

  async function store(name, mode, work) {
    const tx = (await db()).transaction(name, mode);
    const result = await work(tx.objectStore(name));
    await new Promise((resolve, reject) => {
      tx.oncomplete = resolve;
      tx.onerror = () => reject(tx.error);
      tx.onabort = () => reject(tx.error);
    });
    return result;
  }

  const all = (name) => store(name, "readonly", (s) => request(s.getAll()));
  const get = (name, key) => store(name, "readonly", (s) => request(s.get(key)));
  const put = (name, value, key) => store(name, "readwrite", (s) => request(key === undefined ? s.put(value)
    : s.put(value, key)));
  const remove = (name, key) => store(name, "readwrite", (s) => request(s.delete(key)));

  function newId() {
    if (scope.crypto && scope.crypto.randomUUID) { return scope.crypto.randomUUID(); }
    const bytes = scope.crypto.getRandomValues(new Uint8Array(18));
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  // The draft, photos included, is written before anything is sent: a crash or a closed tab loses nothing.
  async function save(fields, files) {
    const draft = { id: newId(), createdAt: Date.now(), state: "pending", error: "", attempts: 0,
                    files: files.map((file) => ({ name: file.name || "photo.jpg", type: file.type, blob: file })) };
    FIELDS.forEach((name) => { draft[name] = fields[name] === undefined ? "" : String(fields[name]); });
    await put("drafts", draft);
    return draft;
  }

  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  // The web form's spam trap asks for a ticket a few seconds old: kept from the last time the app was online.
  async function ticket(config, { wait = true } = {}) {
    let kept = await get("meta", "ticket");
    if (!kept || Date.now() - kept.fetchedAt > TICKET_MAX_AGE_MS) {
      const response = await fetch(config.ticket_url, { credentials: "omit", cache: "no-store" });
      if (!response.ok) { throw new Error("ticket " + response.status); }
      const body = await response.json();
      kept = { value: body.ticket, minSeconds: body.min_seconds, fetchedAt: Date.now() };
      await put("meta", kept, "ticket");
    }
    const left = kept.fetchedAt + (kept.minSeconds + 0.5) * 1000 - Date.now();
    if (wait && left > 0) { await sleep(left); }
    return kept.value;
  }

  async function send(config, draft) {
    let value;
    try { value = await ticket(config); } catch (error) { return { retry: true }; }
    const form = new FormData();
    FIELDS.forEach((name) => { if (draft[name] !== "") { form.append(name, draft[name]); } });
    form.append("ticket", value);
    form.append("website", "");
    draft.files.forEach((file) => form.append("media", file.blob, file.name));
    let response;
    try {
      response = await fetch(config.submit_url, { method: "POST", body: form, credentials: "omit",
                                                  headers: { "Idempotency-Key": draft.id } });
    } catch (error) {
      return { retry: true };  // offline, or the connection dropped: the same key goes again later
    }
    let body = {};
    try { body = await response.json(); } catch (error) { body = {}; }
    if (response.status === 200 || response.status === 201) { return { sent: body }; }
    if (response.status === 429 || response.status === 408 || response.status >= 500) { return { retry: true }; }
    if (body.code === "spam_suspected") {
      await remove("meta", "ticket");  // a stale ticket: the next attempt fetches a new one
      return { retry: true };
    }
    return { refused: body.message || ("HTTP " + response.status), fields: body.errors || [] };
  }

  async function syncNow(config) {
    const outcome = { sent: [], refused: [], waiting: 0 };
    const drafts = (await all("drafts")).filter((d) => d.state === "pending").sort((a, b) => a.createdAt - b.createdAt);
    for (let i = 0; i < drafts.length; i++) {
      const draft = drafts[i];
      const result = await send(config, draft);
      if (result.retry) { outcome.waiting = drafts.length - i; break; }
      if (result.sent) {
        const report = { code: result.sent.tracking_code, key: result.sent.reporter_key, category: draft.category,
                         description: draft.description.slice(0, 160), sentAt: Date.now(),
                         createdAt: draft.createdAt, status: result.sent.status, statusLabel: "" };
        await put("reports", report);
        await remove("drafts", draft.id);  // the photos go with it: the server has them now
        outcome.sent.push(report);
      } else {
        draft.state = "refused";
        draft.error = result.refused;
        draft.attempts += 1;
        await put("drafts", draft);
        outcome.refused.push(draft);
      }
    }
    return outcome;
  }

  // One sender at a time across tabs and the worker (Web Locks); the server's key check covers the rest.
  function sync(config) {
    config = config || scope.citizenAppConfig;
    if (scope.navigator && scope.navigator.locks) {
      return scope.navigator.locks.request("citizen-app-sync", () => syncNow(config));
    }
    return syncNow(config);
  }

  scope.citizenDrafts = { db, all, get, put, remove, save, sync, ticket, newId, FIELDS };
  // The worker has no page to read the settings from; the page's are the same.
  if (!scope.citizenAppConfig) {
    scope.citizenAppConfig = { submit_url: "/api/app/reports", ticket_url: "/api/incidents/ticket" };
  }
})(self);
