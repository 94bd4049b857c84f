// The maps of the incident pages, started from their data-map attribute (the portal's CSP runs no inline script):
// "reports" (the public reports), "marker" (one report's place), "picker" (sets the form's lon/lat).
(function () {
  "use strict";
  var maps = window.incidentMaps, source = document.getElementById("map-layers");
  if (!maps || !source) { return; }
  var layers = JSON.parse(source.textContent);
  document.querySelectorAll("[data-map]").forEach(function (element) {
    var kind = element.dataset.map;
    if (kind === "reports") {
      var map = maps.makeMap(element, layers);
      maps.reportsLayer(map, element.dataset.reports);
      window.reportsMap = map;
    } else if (kind === "marker") {
      var at = [parseFloat(element.dataset.lon), parseFloat(element.dataset.lat)];
      new maplibregl.Marker().setLngLat(at).addTo(maps.makeMap(element, layers, { center: at, zoom: 16 }));
    } else if (kind === "picker") {
      var form = element.closest("form");
      maps.picker(element, layers, form.querySelector("[name=lon]"), form.querySelector("[name=lat]"));
    }
  });
})();
