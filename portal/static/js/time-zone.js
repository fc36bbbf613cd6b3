// Fills every decision form's hidden time_zone input with the browser's IANA zone, so the certificate can state
// the client's local time; without JavaScript the zone is simply unknown.
(function () {
  "use strict";
  function fill(root) {
    var zone = "";
    try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { return; }
    root.querySelectorAll('input[type="hidden"][name="time_zone"]').forEach(function (input) { input.value = zone; });
  }
  document.addEventListener("DOMContentLoaded", function () { fill(document); });
  document.addEventListener("htmx:load", function (event) { fill(event.target); });
})();
