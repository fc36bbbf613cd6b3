// Pinning a comment: a click or tap on the image (or the arrow keys on the focused image) fills the form's
// "across" and "down" fractions and shows a crosshair; on a video, "Use the current moment" fills the seconds.
// The form works without this: the numbers can be typed, and a comment without a pin is posted as it is.
(function () {
  "use strict";

  function parts(el) {
    const section = el.closest("#pins");
    return section && {
      stage: section.querySelector("[data-pin-stage]"),
      cross: section.querySelector("[data-pin-crosshair]"),
      x: section.querySelector("[data-pin-x]"),
      y: section.querySelector("[data-pin-y]"),
      time: section.querySelector("[data-pin-time]"),
      video: section.querySelector("[data-pin-video]"),
      status: section.querySelector("[data-pin-status]"),
    };
  }

  function clamp(value) {
    return Math.min(1, Math.max(0, value));
  }

  function place(p, x, y, announce) {
    x = clamp(x); y = clamp(y);
    p.x.value = x.toFixed(4);
    p.y.value = y.toFixed(4);
    p.cross.hidden = false;
    p.cross.style.left = x * 100 + "%";
    p.cross.style.top = y * 100 + "%";
    if (announce && p.status) {
      p.status.textContent = "Pin placed " + Math.round(x * 100) + "% across, " + Math.round(y * 100) + "% down.";
    }
  }

  document.addEventListener("click", function (event) {
    const stage = event.target.closest("[data-pin-stage]");
    if (stage && !event.target.closest(".pin-marker")) {
      const p = parts(stage);
      const box = stage.querySelector("img").getBoundingClientRect();
      place(p, (event.clientX - box.left) / box.width, (event.clientY - box.top) / box.height, true);
      return;
    }
    const now = event.target.closest("[data-pin-now]");
    if (now) {
      const p = parts(now);
      p.time.value = p.video.currentTime.toFixed(1);
      if (p.status) p.status.textContent = "Moment set to " + p.time.value + " seconds.";
      return;
    }
    const seek = event.target.closest("[data-seek]");
    if (seek) {
      const p = parts(seek);
      if (p.video) { p.video.currentTime = Number(seek.dataset.seek); p.video.play().catch(function () {}); }
    }
  });

  document.addEventListener("keydown", function (event) {
    const stage = event.target.closest && event.target.closest("[data-pin-stage]");
    if (!stage || event.target !== stage) return;
    const steps = { ArrowLeft: [-1, 0], ArrowRight: [1, 0], ArrowUp: [0, -1], ArrowDown: [0, 1] };
    const step = steps[event.key];
    if (!step) return;
    event.preventDefault();
    const p = parts(stage);
    const size = event.shiftKey ? 0.1 : 0.01;
    const x = p.x.value === "" ? 0.5 : Number(p.x.value) + step[0] * size;
    const y = p.y.value === "" ? 0.5 : Number(p.y.value) + step[1] * size;
    place(p, x, y, true);
  });

  document.addEventListener("input", function (event) {
    if (!event.target.matches("[data-pin-x], [data-pin-y]")) return;
    const p = parts(event.target);
    if (p.x.value !== "" && p.y.value !== "") place(p, Number(p.x.value), Number(p.y.value), false);
  });

  function reveal(root) {
    root.querySelectorAll("[data-pin-now]").forEach(function (button) { button.hidden = false; });
  }
  document.addEventListener("DOMContentLoaded", function () { reveal(document); });
  document.addEventListener("htmx:afterSettle", function () { reveal(document); });
})();
