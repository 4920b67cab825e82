/* Front-desk calendar: click an empty time to book it, drag a session to move it.
 * Both end in the same server views as the forms (book / move), so the no-overlap rules and
 * history apply; on a clash the server says why and the grid is reloaded as it was. */
(function () {
  "use strict";
  const STEP = 15; // minutes the pointer snaps to

  function ppm(el) {
    const cal = el.closest(".fd-cal");
    return parseFloat(getComputedStyle(cal).getPropertyValue("--ppm")) || 1.4;
  }
  function minuteAt(col, clientY, grab) {
    const rect = col.getBoundingClientRect();
    const m = (clientY - rect.top - (grab || 0)) / ppm(col);
    return Math.max(0, Math.round(m / STEP) * STEP);
  }
  function instant(col, minute) {
    return new Date(Date.parse(col.dataset.start) + minute * 60000);
  }
  function label(col, minute) {
    return instant(col, minute).toLocaleTimeString("en-GB", {hour: "2-digit", minute: "2-digit",
      timeZone: col.closest(".fd-cal").dataset.tz});
  }
  function flash(kind, text) {
    const box = document.getElementById("fd-flash");
    if (!box) return;
    const div = document.createElement("div");
    div.className = "alert alert-" + kind + " alert-dismissible fade show";
    div.setAttribute("role", "alert");
    div.textContent = text;
    const close = document.createElement("button");
    close.type = "button"; close.className = "btn-close"; close.setAttribute("data-bs-dismiss", "alert");
    close.setAttribute("aria-label", "Close");
    div.appendChild(close);
    box.replaceChildren(div);
  }
  function reloadGrid() {
    const cal = document.getElementById("fd-calendar");
    if (cal && window.htmx) {
      htmx.ajax("GET", cal.dataset.url, {target: "#fd-calendar", swap: "outerHTML"});
    }
  }

  // Click on free space: book that time.
  document.addEventListener("click", function (e) {
    const col = e.target.closest(".fd-col.can-book");
    if (!col || e.target.closest(".fd-appt")) return;
    const minute = Math.floor(((e.clientY - col.getBoundingClientRect().top) / ppm(col)) / STEP) * STEP;
    const params = new URLSearchParams({location: col.dataset.location, date: col.dataset.date,
      at: instant(col, minute).toISOString()});
    if (col.dataset.practitioner) params.set("practitioner", col.dataset.practitioner);
    window.location.href = col.closest(".fd-cal").dataset.bookUrl + "?" + params.toString();
  });

  // Drag and drop to move.
  let drag = null;
  document.addEventListener("dragstart", function (e) {
    const block = e.target.closest(".fd-appt[draggable='true']");
    if (!block) return;
    drag = {block: block, grab: e.clientY - block.getBoundingClientRect().top,
            height: parseFloat(block.style.getPropertyValue("--h")) || 60};
    window.fdDragging = true;
    block.classList.add("is-dragging");
    e.dataTransfer.effectAllowed = "move";
    e.dataTransfer.setData("text/plain", block.dataset.moveUrl);
  });
  document.addEventListener("dragend", function () {
    if (drag) drag.block.classList.remove("is-dragging");
    document.querySelectorAll(".fd-drop-hint").forEach(function (h) { h.remove(); });
    window.fdDragging = false;
  });
  document.addEventListener("dragover", function (e) {
    const col = e.target.closest(".fd-col.can-drop");
    if (!drag || !col) return;
    e.preventDefault();
    const minute = minuteAt(col, e.clientY, drag.grab);
    let hint = col.querySelector(".fd-drop-hint");
    document.querySelectorAll(".fd-drop-hint").forEach(function (h) { if (h !== hint) h.remove(); });
    if (!hint) { hint = document.createElement("div"); hint.className = "fd-drop-hint"; col.appendChild(hint); }
    hint.style.setProperty("--t", minute);
    hint.style.setProperty("--h", drag.height);
    hint.textContent = label(col, minute);
  });
  document.addEventListener("drop", function (e) {
    const col = e.target.closest(".fd-col.can-drop");
    if (!drag || !col) return;
    e.preventDefault();
    const minute = minuteAt(col, e.clientY, drag.grab);
    const body = new URLSearchParams({slot: col.dataset.practitioner + "@" + instant(col, minute).toISOString(),
      date: col.dataset.date, practitioner: col.dataset.practitioner, confirm: "1"});
    move(drag.block.dataset.moveUrl, body);
  });

  // A warning the desk may override (e.g. the client already has a session then) asks first,
  // then posts the same move again with the override; nothing is saved until then.
  function move(url, body) {
    const token = document.querySelector("#fd-csrf input[name=csrfmiddlewaretoken]").value;
    fetch(url, {method: "POST", body: body, credentials: "same-origin",
      headers: {"X-CSRFToken": token, "Accept": "application/json"}})
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if (!data.ok && data.override) {
          if (window.confirm(data.message + "\n\n" + data.confirm + "?")) {
            body.set("override", data.override);
            body.set("warned", data.warned);
            move(url, body);
            return;
          }
          flash("warning", data.message + " Nothing was changed.");
          reloadGrid();
          return;
        }
        let text = data.message;
        if (!data.ok && data.alternatives && data.alternatives.length) {
          text += " Nearest free times: " + data.alternatives.join("; ") + ".";
        }
        flash(data.ok ? "success" : "danger", text);
        reloadGrid();
      })
      .catch(function () { flash("danger", "The move could not be saved. Nothing was changed."); reloadGrid(); });
  }

  // Every minute the grid refreshes itself (hx-trigger="fd-poll"), but not mid-drag nor in a hidden tab.
  // Decided here rather than in an htmx trigger filter, which htmx would evaluate as code (no eval under the CSP).
  window.setInterval(function () {
    const cal = document.getElementById("fd-calendar");
    if (cal && window.htmx && !window.fdDragging && document.visibilityState === "visible") {
      htmx.trigger(cal, "fd-poll");
    }
  }, 60000);
})();
