// Small progressive enhancements; every page works without this file.
(function () {
  // Show times in the viewer's time zone.
  function localizeTimes(root) {
    root.querySelectorAll("time[data-local]").forEach(function (el) {
      var d = new Date(el.getAttribute("datetime"));
      if (isNaN(d)) return;
      el.textContent = d.toLocaleString(undefined, {
        year: "numeric", month: "short", day: "numeric", hour: "2-digit", minute: "2-digit"
      });
    });
  }
  document.addEventListener("DOMContentLoaded", function () { localizeTimes(document); });
  document.addEventListener("htmx:afterSettle", function (e) { localizeTimes(e.target); });

  // Upload progress: any form with a <progress data-upload-progress> shows the bytes sent.
  document.addEventListener("htmx:xhr:progress", function (e) {
    var form = e.target.closest ? e.target.closest("form") : null;
    var bar = form && form.querySelector("progress[data-upload-progress]");
    if (!bar || !e.detail.lengthComputable) return;
    bar.hidden = false;
    bar.max = e.detail.total;
    bar.value = e.detail.loaded;
    var label = form.querySelector("[data-upload-percent]");
    if (label) label.textContent = Math.round((e.detail.loaded / e.detail.total) * 100) + "%";
  });
})();
