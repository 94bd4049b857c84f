// Maps of the incident pages: the portal's own vector tiles under a marker or the public reports.
// Everything comes from this portal (no tile server, no glyphs: the base has no labels).
(function () {
  "use strict";
  var PAINT = {
    basemap_water: { type: "fill", paint: { "fill-color": "#a8cfe0" } },
    admin_area: { type: "line", paint: { "line-color": "#7a6f9b", "line-width": 1 } },
    basemap_road: { type: "line", paint: { "line-color": "#9aa3ad", "line-width": 1.2 } },
  };

  function style(layers) {
    var sources = {}, drawn = [{ id: "bg", type: "background", paint: { "background-color": "#f2efe9" } }];
    layers.forEach(function (layer) {
      var look = PAINT[layer.kind];
      if (!look) { return; }
      sources[layer.slug] = { type: "vector", tiles: [location.origin + "/tiles/" + layer.slug + "/{z}/{x}/{y}.mvt"],
                              maxzoom: 16 };
      drawn.push({ id: layer.slug, source: layer.slug, "source-layer": layer.slug, type: look.type, paint: look.paint });
    });
    return { version: 8, sources: sources, layers: drawn };
  }

  function makeMap(element, layers, options) {
    return new maplibregl.Map(Object.assign({
      container: element, style: style(layers), center: [108.99, 11.57], zoom: 12, attributionControl: false,
    }, options || {}));
  }

  // A picker: click (or drag the marker) to set the lon/lat inputs; `onPick` hears every change.
  function picker(element, layers, lonInput, latInput, onPick) {
    var map = makeMap(element, layers), marker = null;
    function set(lngLat, fly) {
      lonInput.value = lngLat.lng.toFixed(6);
      latInput.value = lngLat.lat.toFixed(6);
      if (!marker) {
        marker = new maplibregl.Marker({ draggable: true }).setLngLat(lngLat).addTo(map);
        marker.on("dragend", function () { set(marker.getLngLat(), false); });
      } else {
        marker.setLngLat(lngLat);
      }
      if (fly) { map.flyTo({ center: lngLat, zoom: Math.max(map.getZoom(), 15) }); }
      if (onPick) { onPick(lngLat); }
    }
    map.on("click", function (e) { set(e.lngLat, false); });
    if (lonInput.value && latInput.value) {
      set({ lng: parseFloat(lonInput.value), lat: parseFloat(latInput.value) }, true);
    }
    return { map: map, set: set };
  }

  // Reports as circles from the public GeoJSON API, coloured by how close their deadline is.
  function reportsLayer(map, url) {
    map.on("load", function () {
      map.addSource("reports", { type: "geojson", data: url });
      map.addLayer({ id: "reports", type: "circle", source: "reports", paint: {
        "circle-radius": 6, "circle-stroke-color": "#fff", "circle-stroke-width": 1.5,
        "circle-color": ["match", ["get", "deadline_flag"], "overdue", "#c1121f", "near", "#f77f00",
                         ["match", ["get", "status"], "resolved", "#2a9d8f", "closed", "#6c757d", "#0b4f6c"]] } });
      map.on("click", "reports", function (e) {
        var p = e.features[0].properties, box = document.createElement("div"), link = document.createElement("a");
        link.href = "/incidents/track/" + encodeURIComponent(e.features[0].id || p.tracking_code);
        link.textContent = p.tracking_code;  // textContent: citizens' words never become markup
        var label = document.createElement("div");
        label.textContent = p.status_label;
        box.appendChild(link);
        box.appendChild(label);
        new maplibregl.Popup().setLngLat(e.lngLat).setDOMContent(box).addTo(map);
      });
    });
  }

  // EXIF GPS of a JPEG, read in the browser before upload: a suggestion for the place, nothing more.
  function exifLocation(file) {
    return file.slice(0, 256 * 1024).arrayBuffer().then(function (buffer) {
      var view = new DataView(buffer), offset = 2;
      if (view.byteLength < 4 || view.getUint16(0) !== 0xFFD8) { return null; }
      while (offset + 4 <= view.byteLength) {
        var marker = view.getUint16(offset), size = view.getUint16(offset + 2);
        if (marker === 0xFFE1 && view.getUint32(offset + 4) === 0x45786966) { return readTiff(view, offset + 10); }
        if ((marker & 0xFF00) !== 0xFF00) { return null; }
        offset += 2 + size;
      }
      return null;
    }).catch(function () { return null; });
  }

  function readTiff(view, start) {
    var little = view.getUint16(start) === 0x4949;
    function u16(at) { return view.getUint16(start + at, little); }
    function u32(at) { return view.getUint32(start + at, little); }
    function entries(ifd) {
      var found = {}, count = u16(ifd);
      for (var i = 0; i < count; i++) {
        var at = ifd + 2 + i * 12;
        found[u16(at)] = { type: u16(at + 2), count: u32(at + 4), value: at + 8 };
      }
      return found;
    }
    var gpsTag = entries(u32(4))[0x8825];
    if (!gpsTag) { return null; }
    var gps = entries(u32(gpsTag.value));
    function degrees(tag) {
      if (!gps[tag] || gps[tag].type !== 5 || gps[tag].count < 3) { return null; }
      var at = u32(gps[tag].value), parts = [];
      for (var i = 0; i < 3; i++) { parts.push(u32(at + i * 8) / (u32(at + i * 8 + 4) || 1)); }
      return parts[0] + parts[1] / 60 + parts[2] / 3600;
    }
    function ref(tag) { return gps[tag] ? String.fromCharCode(view.getUint8(start + gps[tag].value)) : ""; }
    var lat = degrees(2), lon = degrees(4);
    if (lat === null || lon === null || (lat === 0 && lon === 0)) { return null; }
    return { lat: ref(1) === "S" ? -lat : lat, lng: ref(3) === "W" ? -lon : lon };
  }

  window.incidentMaps = { makeMap: makeMap, picker: picker, reportsLayer: reportsLayer, exifLocation: exifLocation };
})();
