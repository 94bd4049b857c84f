// The citizen app's page: photo first, then what and where; every report is saved as a draft before it is
// sent, sent when the network allows, and listed with its tracking code once the portal has it.
(function () {
  "use strict";
  const config = JSON.parse(document.getElementById("app-config").textContent);
  self.citizenAppConfig = config;
  const drafts = self.citizenDrafts;
  const $ = (selector) => document.querySelector(selector);
  const form = $("#report");

  const STRINGS = {
    vi: {
      title: "Phản ánh hiện trường", tabReport: "Gửi phản ánh", tabMine: "Phản ánh của tôi",
      takePhoto: "📷 Chụp ảnh hoặc quay video", photoPlace: "Ảnh có ghi vị trí chụp.", usePhotoPlace: "Dùng vị trí này",
      category: "Loại phản ánh", describe: "Mô tả sự việc", place: "Vị trí:", noPlace: "chưa chọn — chạm vào bản đồ",
      useGps: "Vị trí của tôi", address: "Địa chỉ hoặc mốc (không bắt buộc)", contact: "Liên hệ (không bắt buộc)",
      name: "Họ tên", phone: "Số điện thoại", send: "Gửi", drafts: "Chờ gửi", noDrafts: "Không có bản nháp nào.",
      mine: "Phản ánh của tôi", noReports: "Chưa có phản ánh nào.", refresh: "Cập nhật trạng thái",
      online: "Trực tuyến", offline: "Ngoại tuyến", choose: "— chọn —",
      savedOffline: "Đã lưu bản nháp. Phản ánh sẽ được gửi khi có mạng.", sending: "Đang gửi…",
      sent: "Đã gửi. Mã theo dõi:", refusedNotice: "Có phản ánh không gửi được — xem lý do bên dưới.",
      stateWaiting: "chờ mạng", stateRefused: "không được tiếp nhận", remove: "Xóa",
      needCategory: "Chọn loại phản ánh.", needDescription: "Hãy mô tả sự việc.",
      needPlace: "Chọn vị trí: chạm vào bản đồ, dùng vị trí của bạn hoặc của ảnh.",
      needAnswer: "Hãy trả lời:", tooMany: "Tối đa {n} ảnh hoặc video.", gpsFailed: "Không lấy được vị trí của bạn.",
      key: "Mã bí mật (để đánh giá, mở lại):", photos: "ảnh/video",
    },
    en: {
      title: "Report a problem", tabReport: "Report", tabMine: "My reports",
      takePhoto: "📷 Take a photo or video", photoPlace: "The photo says where it was taken.",
      usePhotoPlace: "Use that place", category: "Kind of problem", describe: "Describe it", place: "Place:",
      noPlace: "not chosen — tap the map", useGps: "My location", address: "Address or landmark (optional)",
      contact: "Contact (optional)", name: "Name", phone: "Phone", send: "Send", drafts: "Waiting to be sent",
      noDrafts: "No drafts.", mine: "My reports", noReports: "No reports yet.", refresh: "Refresh statuses",
      online: "Online", offline: "Offline", choose: "— choose —",
      savedOffline: "Saved as a draft. It will be sent when the connection returns.", sending: "Sending…",
      sent: "Sent. Tracking code:", refusedNotice: "A report could not be sent — see why below.",
      stateWaiting: "waiting for the network", stateRefused: "not accepted", remove: "Delete",
      needCategory: "Choose the kind of problem.", needDescription: "Describe the problem.",
      needPlace: "Choose the place: tap the map, use your location or the photo's.", needAnswer: "Please answer:",
      tooMany: "At most {n} photos or videos.", gpsFailed: "Your location is not available.",
      key: "Secret key (to rate or reopen):", photos: "photos/videos",
    },
  };
  let lang = localStorage.getItem("citizen-app-lang") || (document.documentElement.lang.startsWith("en") ? "en" : "vi");
  const t = (key) => STRINGS[lang][key] || STRINGS.vi[key] || key;
  const categoryName = (code) => {
    const found = config.categories.find((c) => c.code === code);
    return found ? found[lang] : code;
  };

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    Object.entries(attrs || {}).forEach(([name, value]) => node.setAttribute(name, value));
    // textContent only: citizens' words never become markup.
    children.forEach((child) => node.append(child instanceof Node ? child : document.createTextNode(String(child))));
    return node;
  }

  // --- the form ------------------------------------------------------------------------------------------------
  const lon = form.elements.lon, lat = form.elements.lat;
  let chosen = [], photoPlace = null, picker = null;

  function showPlace() {
    $("#place-text").textContent = lon.value && lat.value
      ? `${Number(lat.value).toFixed(5)}, ${Number(lon.value).toFixed(5)}` : t("noPlace");
  }

  function setPlace(lngLat) {
    if (picker) { picker.set(lngLat, true); } else {
      lon.value = lngLat.lng.toFixed(6);
      lat.value = lngLat.lat.toFixed(6);
    }
    showPlace();
  }

  function fillCategories() {
    const select = form.elements.category, current = select.value;
    select.replaceChildren(el("option", { value: "" }, t("choose")),
      ...config.categories.map((c) => el("option", { value: c.code }, c[lang])));
    select.value = current;
    renderAttributes();
  }

  function renderAttributes() {
    const box = $("#attributes"), category = config.categories.find((c) => c.code === form.elements.category.value);
    box.replaceChildren(...(category ? category.attributes : []).map((a) => {
      const name = `attribute[${a.code}]`;
      const input = a.values && a.values.length
        ? el("select", { name }, el("option", { value: "" }, t("choose")),
             ...a.values.map((v) => el("option", { value: v.key }, v.name)))
        : el("input", { name, maxlength: "1000" });
      return el("label", { "data-attribute": a.code }, el("span", {}, a.description + (a.required ? " *" : "")), input);
    }));
  }

  function showPreviews() {
    $("#previews").replaceChildren(...chosen.map((file) => {
      const url = URL.createObjectURL(file);
      return el("li", {}, file.type.startsWith("video/") ? el("video", { src: url, muted: "" }) : el("img", { src: url, alt: "" }));
    }));
  }

  $("#photo").addEventListener("change", async (event) => {
    chosen = Array.from(event.target.files);
    showPreviews();
    const places = await Promise.all(chosen.map((file) => window.incidentMaps.exifLocation(file)));
    photoPlace = places.find(Boolean) || null;
    $("#photo-place").hidden = !photoPlace;
  });
  $("#use-photo-place").addEventListener("click", () => {
    if (photoPlace) { setPlace(photoPlace); $("#photo-place").hidden = true; }
  });
  $("#use-gps").addEventListener("click", () => {
    if (!navigator.geolocation) { return fail(t("gpsFailed")); }
    navigator.geolocation.getCurrentPosition((pos) => setPlace({ lng: pos.coords.longitude, lat: pos.coords.latitude }),
      () => fail(t("gpsFailed")), { enableHighAccuracy: true, timeout: 15000 });
  });
  form.elements.category.addEventListener("change", renderAttributes);

  function fail(message) {
    const box = $("#form-error");
    box.textContent = message;
    box.hidden = !message;
  }

  function attributes() {
    const answers = {};
    for (const field of form.querySelectorAll("[name^='attribute[']")) {
      if (field.value) { answers[field.name.slice(10, -1)] = field.value; }
    }
    return answers;
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    fail("");
    const category = config.categories.find((c) => c.code === form.elements.category.value);
    if (!category) { return fail(t("needCategory")); }
    if (!form.elements.description.value.trim()) { return fail(t("needDescription")); }
    if (!lon.value || !lat.value) { return fail(t("needPlace")); }
    if (chosen.length > config.max_files) { return fail(t("tooMany").replace("{n}", config.max_files)); }
    const answers = attributes();
    const missing = category.attributes.filter((a) => a.required && !answers[a.code]);
    if (missing.length) { return fail(`${t("needAnswer")} ${missing.map((a) => a.description).join(", ")}`); }
    const fields = { attributes: JSON.stringify(answers) };
    drafts.FIELDS.forEach((name) => { if (form.elements[name]) { fields[name] = form.elements[name].value; } });
    await drafts.save(fields, chosen);
    form.reset();
    lon.value = lat.value = "";
    chosen = [];
    photoPlace = null;
    showPreviews();
    showPlace();
    renderAttributes();
    $("#notice").textContent = navigator.onLine ? t("sending") : t("savedOffline");
    await renderDrafts();
    requestBackgroundSync();
    if (navigator.onLine) { syncAndShow(); }
  });

  // --- drafts and reports -------------------------------------------------------------------------------------
  async function renderDrafts() {
    const list = await drafts.all("drafts");
    list.sort((a, b) => a.createdAt - b.createdAt);
    $("#drafts").replaceChildren(...(list.length ? list.map((draft) => {
      const item = el("li", { "data-draft": draft.id, "data-state": draft.state },
        el("strong", {}, categoryName(draft.category)), " · ", draft.description.slice(0, 80),
        ` · ${draft.files.length} ${t("photos")} · `,
        el("em", {}, draft.state === "refused" ? t("stateRefused") : t("stateWaiting")));
      if (draft.state === "refused") {
        const remove = el("button", { type: "button", "data-remove": draft.id }, t("remove"));
        remove.addEventListener("click", async () => { await drafts.remove("drafts", draft.id); renderDrafts(); });
        item.append(el("span", { class: "why" }, draft.error), remove);
      }
      return item;
    }) : [el("li", { class: "empty" }, t("noDrafts"))]));
  }

  async function renderReports() {
    const list = await drafts.all("reports");
    list.sort((a, b) => b.sentAt - a.sentAt);
    $("#reports").replaceChildren(...(list.length ? list.map((report) => el("li", { "data-code": report.code },
      el("a", { class: "code", href: config.track_page + encodeURIComponent(report.code) }, report.code), " · ",
      categoryName(report.category), " · ", el("span", { class: "status" }, report.statusLabel || report.status),
      el("br"), report.description.slice(0, 120), el("br"),
      el("small", {}, `${t("key")} `, el("code", {}, report.key || "—")))) : [el("li", { class: "empty" }, t("noReports"))]));
  }

  async function refreshStatuses() {
    for (const report of await drafts.all("reports")) {
      try {
        const response = await fetch(config.track_api + encodeURIComponent(report.code), { credentials: "omit" });
        if (!response.ok) { continue; }
        const body = await response.json();
        report.status = body.status;
        report.statusLabel = body.status_label;
        await drafts.put("reports", report);
      } catch (error) { break; }  // offline: the last known statuses stay
    }
    renderReports();
  }

  let syncing = null;
  function syncAndShow() {
    // One run at a time in this page; a call during a run waits for it and runs again (a draft saved meanwhile).
    const run = (syncing || Promise.resolve()).then(async () => {
      const outcome = await drafts.sync(config);
      if (outcome.sent.length) { $("#notice").textContent = `${t("sent")} ${outcome.sent.map((r) => r.code).join(", ")}`; }
      if (outcome.refused.length) { $("#notice").textContent = t("refusedNotice"); }
      await renderDrafts();
      await renderReports();
      document.documentElement.dataset.synced = String(Date.now());
      return outcome;
    });
    syncing = run.catch(() => null);
    return run;
  }

  function requestBackgroundSync() {
    if (!("serviceWorker" in navigator)) { return; }
    navigator.serviceWorker.ready.then((reg) => reg.sync && reg.sync.register("citizen-drafts")).catch(() => null);
  }

  // --- language, network, tabs ---------------------------------------------------------------------------------
  function applyLanguage() {
    document.documentElement.lang = lang;
    document.querySelectorAll("[data-i18n]").forEach((node) => { node.textContent = t(node.dataset.i18n); });
    $("#lang").textContent = lang === "vi" ? "English" : "Tiếng Việt";
    showNetwork();
    fillCategories();
    showPlace();
    renderDrafts();
    renderReports();
  }

  function showNetwork() {
    const net = $("#net");
    net.dataset.state = navigator.onLine ? "online" : "offline";
    net.textContent = t(navigator.onLine ? "online" : "offline");
  }

  $("#lang").addEventListener("click", () => {
    lang = lang === "vi" ? "en" : "vi";
    localStorage.setItem("citizen-app-lang", lang);
    applyLanguage();
  });
  document.querySelectorAll("[data-tab]").forEach((button) => button.addEventListener("click", () => {
    document.querySelectorAll("[data-tab]").forEach((b) => b.setAttribute("aria-selected", String(b === button)));
    $("#tab-report").hidden = button.dataset.tab !== "report";
    $("#tab-mine").hidden = button.dataset.tab !== "mine";
    if (button.dataset.tab === "mine" && navigator.onLine) { refreshStatuses(); }
  }));
  $("#refresh").addEventListener("click", refreshStatuses);
  window.addEventListener("online", () => { showNetwork(); drafts.ticket(config, { wait: false }).catch(() => null); syncAndShow(); });
  window.addEventListener("offline", showNetwork);

  if (window.maplibregl && window.incidentMaps) {
    try {
      picker = window.incidentMaps.picker($("#app-map"), config.map_layers, lon, lat, showPlace);
    } catch (error) { picker = null; }  // no WebGL: the place comes from the GPS or the photo
  }
  const ready = ("serviceWorker" in navigator
    ? navigator.serviceWorker.register("/app/sw.js", { scope: "/app/" }).then(() => navigator.serviceWorker.ready)
    : Promise.resolve(null)).catch(() => null);
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.addEventListener("message", (event) => {
      if (event.data && event.data.type === "sync") { syncAndShow(); }
    });
  }
  applyLanguage();
  if (navigator.onLine) {
    drafts.ticket(config, { wait: false }).catch(() => null);  // kept for drafts written offline later
    syncAndShow();
  }
  window.citizenApp = { sync: syncAndShow, drafts, ready, refreshStatuses };
})();
