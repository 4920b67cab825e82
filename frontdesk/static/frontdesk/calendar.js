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
  function flash(kind, text, action) {
    const box = document.getElementById("fd-flash");
    if (!box) return;
    const div = document.createElement("div");
    div.className = "alert alert-" + kind + " alert-dismissible fade show";
    div.setAttribute("role", "alert");
    div.textContent = text;
    if (action) { div.appendChild(document.createTextNode(" ")); div.appendChild(action); }
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
    ask(drag.block, body, col.dataset.dayLabel + ", " + label(col, minute) + " with " + col.dataset.title);
  });

  // Nothing moves on drop: the desk sees from -> to and chooses whether the client is emailed. The dialog stays
  // open while the move is sent, and asks again in place, with the server's words, when the move needs the
  // desk's "anyway". (Bootstrap ignores show()/hide() mid-animation: "shown" is tracked, hiding waits for it.)
  let pending = null;   // what "Move" will post; set while the dialog waits for the desk
  let shown = false, hideWhenShown = false;
  function dialogEl() { return document.getElementById("fd-move-dialog"); }
  function ask(block, body, to) {
    const dialog = dialogEl();
    if (!dialog || !window.bootstrap) { move(block.dataset.moveUrl, body); return; }
    dialog.querySelector("[data-field=client]").textContent = block.dataset.client || "the client";
    dialog.querySelector("[data-field=from]").textContent = block.dataset.from || "";
    dialog.querySelector("[data-field=to]").textContent = to;
    dialog.querySelector("#fd-move-notify").checked = true;
    question(dialog, {url: block.dataset.moveUrl, body: body}, "", "Move");
    bootstrap.Modal.getOrCreateInstance(dialog).show();
  }
  function question(dialog, next, warning, submitLabel) {
    const box = dialog.querySelector("[data-field=warning]");
    box.textContent = warning;
    box.classList.toggle("d-none", !warning);
    const submit = dialog.querySelector("[data-field=submit]");
    submit.textContent = submitLabel;
    submit.disabled = false;
    pending = next;
  }
  function closeDialog() {
    const dialog = dialogEl();
    if (!dialog) return;
    if (shown) bootstrap.Modal.getOrCreateInstance(dialog).hide(); else hideWhenShown = true;
  }
  document.addEventListener("submit", function (e) {
    if (e.target.id !== "fd-move-form") return;
    e.preventDefault();
    const dialog = dialogEl();
    const next = pending;
    pending = null;  // sent: closing the dialog from now on is not a cancel
    if (!next) return;
    dialog.querySelector("[data-field=submit]").disabled = true;
    next.body.set("notify", dialog.querySelector("#fd-move-notify").checked ? "1" : "0");
    move(next.url, next.body);
  });
  document.addEventListener("shown.bs.modal", function (e) {
    if (e.target.id !== "fd-move-dialog") return;
    shown = true;
    if (hideWhenShown) { hideWhenShown = false; bootstrap.Modal.getOrCreateInstance(e.target).hide(); }
  });
  document.addEventListener("hidden.bs.modal", function (e) {
    if (e.target.id !== "fd-move-dialog") return;
    shown = false;
    pending = null;  // cancelled (or done): the grid never changed, the block is where it was
  });

  // A button in the flash that posts ``body`` as an undo (once).
  function undoAction(text, testid, url, body) {
    const button = document.createElement("button");
    button.type = "button"; button.className = "btn btn-sm btn-outline-dark ms-2";
    button.textContent = text; button.setAttribute("data-testid", testid);
    button.addEventListener("click", function () {
      button.disabled = true;
      move(url, body, true);
    });
    return button;
  }

  // After a move, "Undo" puts the session back (same rules; the server refuses after a few minutes).
  function undoButton(url, data, notify) {
    const button = undoAction("Undo", "move-undo", url, new URLSearchParams({undo: data.undo, notify: notify}));
    window.setTimeout(function () { button.remove(); }, (data.undo_minutes || 5) * 60000);
    return button;
  }

  // A warning the desk may override (e.g. the client already has a session then) asks first,
  // then posts the same move again with the override; nothing is saved until then.
  function move(url, body, undoing) {
    const token = document.querySelector("#fd-csrf input[name=csrfmiddlewaretoken]").value;
    fetch(url, {method: "POST", body: body, credentials: "same-origin",
      headers: {"X-CSRFToken": token, "Accept": "application/json"}})
      .then(function (r) { return r.json(); })
      .then(function (data) {
        const dialog = dialogEl();
        if (!data.ok && data.override && !undoing && dialog && window.bootstrap) {
          // Nothing is saved yet: the desk reads the warning and confirms, or cancels (the grid reloads).
          body.set("override", data.override);
          body.set("warned", data.warned);
          question(dialog, {url: url, body: body}, data.message + " Nothing is saved yet.", data.confirm);
          return;
        }
        if (!data.ok && data.override && undoing) {
          // The way back needs the desk's "anyway" too: say why, and offer it beside the message.
          body.set("override", data.override);
          body.set("warned", data.warned);
          flash("warning", data.message + " Nothing is saved yet.",
                undoAction(data.confirm, "undo-anyway", url, body));
          return;
        }
        if (!undoing) closeDialog();
        let text = data.message;
        if (!data.ok && data.alternatives && data.alternatives.length) {
          text += " Nearest free times: " + data.alternatives.join("; ") + ".";
        }
        if (undoing && data.ok) text = "Undone. " + text;
        flash(data.ok ? "success" : "danger", text,
              data.ok && data.undo && !undoing ? undoButton(url, data, body.get("notify") || "1") : null);
        reloadGrid();
      })
      .catch(function () {
        if (!undoing) closeDialog();
        flash("danger", "The move could not be saved. Nothing was changed.");
        reloadGrid();
      });
  }

  // A phone opens on today's day view: a week of columns does not fit on it. Only when the link did not ask
  // for a view (the server leaves data-phone-url out then), so "Week" on a phone still shows the week.
  const opened = document.querySelector(".fd-cal[data-phone-url]");
  if (opened && opened.dataset.view === "week" && window.matchMedia("(max-width: 575.98px)").matches) {
    window.location.replace(opened.dataset.phoneUrl);
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
