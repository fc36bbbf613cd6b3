// Loads the vendored htmx when the CDN copy did not arrive (offline, blocked, SRI mismatch).
(function () {
  if (window.htmx) return;
  var current = document.currentScript;
  var script = document.createElement("script");
  script.src = current.getAttribute("data-src");
  document.head.appendChild(script);
})();
