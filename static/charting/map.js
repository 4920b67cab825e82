// The point map's enhancements: markers on the diagrams toggle the same checkboxes as the list, taps on a face add
// local needles, the list can be searched, and the total is counted as you go. Without this file the page is a
// plain form that works the same (checkboxes and numbers). No inline handlers: the Content-Security-Policy forbids them.
(function () {
  "use strict";
  const form = document.getElementById("map-form");
  document.querySelectorAll(".js-only[hidden]").forEach((el) => { el.hidden = false; });
  document.querySelectorAll("[data-action=print]").forEach((button) => {
    button.addEventListener("click", () => window.print());
  });
  if (!form) return;

  const SVG = "http://www.w3.org/2000/svg";
  const total = document.getElementById("map-total");
  const tappedCount = document.getElementById("map-tapped");
  const needleInputs = document.getElementById("map-needle-inputs");
  const max = parseInt(total.dataset.max, 10) || 120;
  const checkbox = (key) => form.querySelector(`input[name=point][value="${CSS.escape(key)}"]`);

  function count() {
    let n = form.querySelectorAll("input[name=point]:checked").length;
    n += needleInputs.querySelectorAll("input[name=needle]").length;
    form.querySelectorAll("input[data-region]").forEach((input) => {
      const value = parseInt(input.value, 10);
      if (value > 0) n += value;
    });
    total.textContent = String(n);
    total.classList.toggle("text-danger", n > max);
    tappedCount.textContent = String(needleInputs.querySelectorAll("input[name=needle]").length);
  }

  function showPoint(key) {
    const on = checkbox(key).checked;
    form.querySelectorAll(`.map-spot[data-point="${CSS.escape(key)}"]`).forEach((spot) => {
      spot.classList.toggle("on", on);
      spot.setAttribute("aria-pressed", on ? "true" : "false");
    });
  }

  function togglePoint(key) {
    const box = checkbox(key);
    box.checked = !box.checked;
    showPoint(key);
    count();
  }

  function pressable(el, label, action) {
    el.setAttribute("role", "button");
    el.setAttribute("tabindex", "0");
    el.setAttribute("aria-label", label);
    el.addEventListener("click", (event) => { event.stopPropagation(); action(); });
    el.addEventListener("keydown", (event) => {
      if (event.key === " " || event.key === "Enter") { event.preventDefault(); action(); }
    });
  }

  form.querySelectorAll(".map-editable .map-spot").forEach((spot) => {
    const key = spot.dataset.point;
    pressable(spot, spot.dataset.label, () => togglePoint(key));
    spot.setAttribute("aria-pressed", spot.classList.contains("on") ? "true" : "false");
  });
  form.querySelectorAll("input[name=point]").forEach((box) => {
    box.addEventListener("change", () => { showPoint(box.value); count(); });
  });

  // Local needles: a tap on a face (not on a point) places one; a tap on a needle takes it away.
  function removable(needle, input) {
    pressable(needle, "Local needle: remove", () => {
      const next = needle.nextElementSibling || needle.parentNode.closest("svg");
      needle.remove();
      input.remove();
      count();
      if (next && next.focus) next.focus();
    });
  }

  form.querySelectorAll(".map-needle").forEach((needle) => {
    const input = [...needleInputs.querySelectorAll("input[name=needle]")]
      .find((i) => i.value === needle.dataset.needle);
    if (input) removable(needle, input);
  });

  form.querySelectorAll(".map-editable[data-view]").forEach((svg) => {
    if (svg.dataset.view === "body") return;
    svg.addEventListener("click", (event) => {
      const matrix = svg.getScreenCTM();
      if (!matrix) return;
      const at = new DOMPoint(event.clientX, event.clientY).matrixTransform(matrix.inverse());
      const x = Math.round(at.x * 10) / 10;
      const y = Math.round(at.y * 10) / 10;
      const value = `${svg.dataset.view}:${x}:${y}`;
      const input = document.createElement("input");
      input.type = "hidden";
      input.name = "needle";
      input.value = value;
      needleInputs.appendChild(input);
      const needle = document.createElementNS(SVG, "g");
      needle.setAttribute("class", "map-needle");
      needle.dataset.needle = value;
      needle.setAttribute("transform", `translate(${x} ${y})`);
      const cross = document.createElementNS(SVG, "path");
      cross.setAttribute("d", "M-2.5,-2.5 L2.5,2.5 M-2.5,2.5 L2.5,-2.5");
      needle.appendChild(cross);
      svg.querySelector(".map-needles").appendChild(needle);
      removable(needle, input);
      count();
    });
  });

  // Lines and wrinkles: the numbers, and "choose a line, a count, Add" for the keyboard.
  form.querySelectorAll("input[data-region]").forEach((input) => {
    input.addEventListener("input", () => {
      const on = parseInt(input.value, 10) > 0;
      form.querySelectorAll(`.map-line[data-region="${CSS.escape(input.dataset.region)}"]`)
        .forEach((line) => line.classList.toggle("on", on));
      count();
    });
  });
  const addRegion = form.querySelector("[data-action=add-region]");
  if (addRegion) {
    addRegion.addEventListener("click", () => {
      const key = document.getElementById("map-region-choice").value;
      const more = parseInt(document.getElementById("map-region-add").value, 10) || 0;
      const input = form.querySelector(`input[data-region="${CSS.escape(key)}"]`);
      input.value = String((parseInt(input.value, 10) || 0) + more);
      input.dispatchEvent(new Event("input"));
    });
  }

  // The searchable list: the same points as the diagrams.
  const search = document.getElementById("map-search");
  if (search) {
    search.addEventListener("input", () => {
      const words = search.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
      form.querySelectorAll(".map-row").forEach((row) => {
        row.hidden = !words.every((w) => row.dataset.search.includes(w));
      });
    });
    search.addEventListener("keydown", (event) => {
      if (event.key !== "Enter") return;
      event.preventDefault();  // Enter in the search box finds, it does not save the map
      const first = form.querySelector(".map-row:not([hidden]) input[name=point]");
      if (first) first.focus();
    });
  }
  count();
})();
