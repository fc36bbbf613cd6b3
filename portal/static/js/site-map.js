// The project's map: draws the map section's list (site, photos, overlays, pins) on a Leaflet map, and lets a
// click, a tap or the keyboard fill the coordinates of the pin form (or of the site form while it is open).
// Without this script (or without Leaflet) the list and the typed coordinates still work.
(function () {
  "use strict";
  var current = document.currentScript;
  var localLeaflet = current && current.getAttribute("data-leaflet-local");
  var loading = null;

  function ensureLeaflet(done) {
    if (window.L && window.L.map) return done();
    if (!localLeaflet) return;
    if (!loading) {
      loading = [];
      var script = document.createElement("script");
      script.src = localLeaflet;
      script.onload = function () { loading.forEach(function (fn) { fn(); }); };
      document.head.appendChild(script);
    }
    loading.push(done);
  }

  function number(value) {
    var parsed = parseFloat(value);
    return isFinite(parsed) ? parsed : null;
  }

  function icon(className, text) {
    return L.divIcon({ className: "map-icon " + className, html: "<span aria-hidden=\"true\">" + text + "</span>",
                       iconSize: [28, 28], iconAnchor: [14, 14], popupAnchor: [0, -14] });
  }

  function link(href, text) {
    var a = document.createElement("a");
    a.href = href;
    a.textContent = text;
    return a;
  }

  function addMarker(map, lat, lon, options, label, popup) {
    var marker = L.marker([lat, lon], options);
    // The icon exists only once the map has a view: name it for screen readers then.
    marker.on("add", function () {
      var element = marker.getElement();
      if (element) element.setAttribute("aria-label", label);
    });
    if (popup) marker.bindPopup(popup);
    return marker.addTo(map);
  }

  function activeForm(section) {
    var site = section.querySelector("details.site-position");
    if (site && site.open) return site.querySelector("form");
    return section.querySelector("form.map-pin-form");
  }

  function fill(section, latlng, draft, map) {
    var form = activeForm(section);
    if (!form) return null;
    var wrapped = latlng.wrap();
    form.querySelector("[data-map-lat]").value = wrapped.lat.toFixed(6);
    form.querySelector("[data-map-lon]").value = wrapped.lng.toFixed(6);
    if (draft) draft.remove();
    var marker = L.marker(wrapped, { icon: icon("map-icon-draft", "+"), keyboard: false, interactive: false }).addTo(map);
    var body = form.querySelector("textarea");
    if (body) body.focus();
    return marker;
  }

  function init(root) {
    var section = root.id === "site-map" ? root : root.querySelector && root.querySelector("#site-map");
    if (!section) return;
    var box = section.querySelector("[data-site-map]");
    if (!box || box.getAttribute("data-ready")) return;
    box.setAttribute("data-ready", "1");
    box.hidden = false;
    var map = L.map(box, { keyboard: true, scrollWheelZoom: false, worldCopyJump: true });
    // With no tiles reachable the map keeps its plain background; everything below is drawn all the same.
    L.tileLayer(box.getAttribute("data-tile-url"), {
      attribution: box.getAttribute("data-attribution"), maxZoom: 19, crossOrigin: false,
    }).addTo(map);
    var points = [];
    var overlays = {};
    section.querySelectorAll("[data-map-kind]").forEach(function (item) {
      var kind = item.getAttribute("data-map-kind");
      var title = item.getAttribute("data-title") || "";
      var href = item.getAttribute("data-href");
      if (kind === "overlay") {
        var b = (item.getAttribute("data-bounds") || "").split(",").map(number);
        if (b.length !== 4 || b.indexOf(null) !== -1) return;
        var bounds = [[b[0], b[1]], [b[2], b[3]]];
        overlays[item.getAttribute("data-overlay-id")] = L.imageOverlay(item.getAttribute("data-src"), bounds,
          { opacity: 0.75, alt: "Map overlay: " + title }).addTo(map);
        points.push(bounds[0], bounds[1]);
        return;
      }
      var lat = number(item.getAttribute("data-lat"));
      var lon = number(item.getAttribute("data-lon"));
      if (lat === null || lon === null) return;
      points.push([lat, lon]);
      if (kind === "site") {
        addMarker(map, lat, lon, { icon: icon("map-icon-site", "★"), title: "Site", zIndexOffset: 1000 }, "Site");
      } else if (kind === "photo") {
        addMarker(map, lat, lon, { icon: icon("map-icon-photo", "▣"), title: title }, "Photo: " + title,
                  link(href, "Open " + title));
      } else if (kind === "pin") {
        var n = item.getAttribute("data-number");
        addMarker(map, lat, lon, { icon: icon("map-icon-pin", n), title: "Pin " + n }, "Pin " + n + ": " + title,
                  link(href, "Pin " + n + ": " + title));
      }
    });
    if (points.length) {
      map.fitBounds(L.latLngBounds(points).pad(0.15), { maxZoom: 17 });
    } else {
      map.setView([20, 0], 2);
    }
    section.querySelectorAll("[data-map-opacity]").forEach(function (control) {
      control.hidden = false;
      var input = control.querySelector("input[type=range]");
      input.addEventListener("input", function () {
        var layer = overlays[input.getAttribute("data-overlay-id")];
        if (layer) layer.setOpacity(input.value / 100);
      });
    });
    var draft = null;
    map.on("click", function (event) { draft = fill(section, event.latlng, draft, map); });
    section.querySelectorAll("[data-map-use-centre]").forEach(function (button) {
      button.hidden = false;
      button.addEventListener("click", function () { draft = fill(section, map.getCenter(), draft, map); });
    });
  }

  function start(root) { ensureLeaflet(function () { init(root); }); }

  document.addEventListener("htmx:load", function (event) { start(event.target); });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { start(document); });
  } else {
    start(document);
  }
})();
