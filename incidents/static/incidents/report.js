// The report form: pick the place (or take the photo's EXIF GPS), see open reports nearby before sending.
(function () {
  "use strict";
  var form = document.getElementById("report-form");
  if (!form) { return; }
  var layers = JSON.parse(document.getElementById("map-layers").textContent);
  var lon = form.querySelector("[name=lon]"), lat = form.querySelector("[name=lat]");
  var category = form.querySelector("[name=category]"), nearby = document.getElementById("nearby");
  var hint = document.getElementById("exif-hint");

  function showNearby() {
    nearby.replaceChildren();
    if (!category.value || !lon.value || !lat.value) { return; }
    var url = "/api/incidents/nearby?" + new URLSearchParams({ category: category.value, lon: lon.value, lat: lat.value });
    fetch(url).then(function (r) { return r.ok ? r.json() : []; }).then(function (rows) {
      if (!rows.length) { return; }
      var title = document.createElement("p");
      title.textContent = nearby.dataset.title;
      nearby.appendChild(title);
      var list = document.createElement("ul");
      rows.forEach(function (row) {
        var item = document.createElement("li"), link = document.createElement("a");
        link.href = "/incidents/track/" + encodeURIComponent(row.tracking_code);
        link.textContent = row.tracking_code + " — " + row.description.slice(0, 80) + " (" + row.distance_m + " m)";
        item.appendChild(link);
        list.appendChild(item);
      });
      nearby.appendChild(list);
    });
  }

  var pick = window.incidentMaps.picker(document.getElementById("pick-map"), layers, lon, lat, showNearby);
  category.addEventListener("change", showNearby);
  form.querySelector("[name=media]").addEventListener("change", function (e) {
    var files = Array.prototype.slice.call(e.target.files);
    Promise.all(files.map(window.incidentMaps.exifLocation)).then(function (found) {
      var place = found.filter(Boolean)[0];
      if (!place) { hint.hidden = true; return; }
      hint.hidden = false;
      hint.querySelector("button").onclick = function () { pick.set(place, true); hint.hidden = true; };
    });
  });
})();
