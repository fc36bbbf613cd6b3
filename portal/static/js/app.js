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
  // A "Copy" button beside read-only inputs that hold a link (the input alone still works without it).
  function addCopyButtons(root) {
    root.querySelectorAll("input[data-copy]:not([data-copy-ready])").forEach(function (input) {
      input.setAttribute("data-copy-ready", "");
      input.addEventListener("focus", function () { input.select(); });
      if (!navigator.clipboard) return;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "small secondary copy-button";
      button.textContent = "Copy";
      button.addEventListener("click", function () {
        navigator.clipboard.writeText(input.value).then(function () { button.textContent = "Copied"; });
      });
      input.insertAdjacentElement("afterend", button);
    });
  }
  document.addEventListener("DOMContentLoaded", function () { localizeTimes(document); addCopyButtons(document); });
  document.addEventListener("htmx:afterSettle", function (e) { localizeTimes(e.target); addCopyButtons(e.target); });

  // Keep keyboard users in place: when a swap replaces the part that held the focus (a card after "Approve"),
  // focus its new version instead of dropping the focus back to the top of the page.
  var focusedSwap = null;
  document.addEventListener("htmx:beforeSwap", function (e) {
    var target = e.detail.target;
    focusedSwap = target && target.id && target.contains(document.activeElement) ? target.id : null;
  });
  document.addEventListener("htmx:afterSettle", function () {
    var id = focusedSwap;
    focusedSwap = null;
    if (!id || (document.activeElement && document.activeElement !== document.body)) return;
    var el = document.getElementById(id);
    if (!el) return;
    if (!el.hasAttribute("tabindex")) el.setAttribute("tabindex", "-1");
    el.focus({ preventScroll: true });
  });

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

  // Polling elements send their ETag, so an unchanged thread costs a 304 and no swap.
  document.addEventListener("htmx:configRequest", function (e) {
    var etag = e.detail.elt && e.detail.elt.getAttribute && e.detail.elt.getAttribute("data-etag");
    if (etag && e.detail.verb === "get") e.detail.headers["If-None-Match"] = etag;
  });

  // htmx does not swap error responses: say what went wrong instead of doing nothing.
  document.addEventListener("htmx:responseError", function (e) {
    var flash = document.getElementById("flash");
    if (!flash) return;
    var status = e.detail.xhr.status;
    var text = status === 413 ? "That upload is larger than the limit. Nothing was saved."
      : status === 404 ? "That item no longer exists. Reload the page."
      : status === 429 ? "Too many attempts. Please wait a little and try again."
      : status === 400 ? "The page was out of date. Reload it and try again."
      : "Something went wrong (" + status + "). Nothing was changed; please try again.";
    flash.innerHTML = "";
    var p = document.createElement("p");
    p.className = "flash flash-error";
    p.textContent = text;
    flash.appendChild(p);
  });
  document.addEventListener("htmx:sendError", function () {
    var flash = document.getElementById("flash");
    if (flash) flash.innerHTML = '<p class="flash flash-error">The server could not be reached. Check your connection and try again.</p>';
  });
})();
