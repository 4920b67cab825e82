// The comparison: side by side, or one photo over the other with a slider that uncovers it. The slider is an
// <input type="range">, so arrows, Page Up/Down, Home and End move it from the keyboard.
(function () {
  "use strict";
  const stage = document.querySelector(".compare-stage");
  const slider = document.getElementById("compare-slider");
  if (!stage || !slider) return;
  const top = stage.querySelector("figure + figure");

  function clip() {
    // The later photo (on top) shows to the right of the handle; the earlier one to the left.
    top.style.clipPath = stage.classList.contains("slider-mode") ? "inset(0 0 0 " + slider.value + "%)" : "";
    slider.setAttribute("aria-valuetext", slider.value + "% earlier photo");
  }

  function mode(value) {
    stage.classList.toggle("slider-mode", value === "slider");
    slider.closest(".compare-slider").classList.toggle("d-none", value !== "slider");
    clip();
  }

  document.querySelectorAll("input[name=compare-mode]").forEach(function (radio) {
    radio.addEventListener("change", function () { if (radio.checked) mode(radio.value); });
    if (radio.checked) mode(radio.value);
  });
  document.querySelector(".compare-modes").classList.remove("d-none");  // no script: side by side only
  slider.addEventListener("input", clip);
})();
