// Behaviour the pages ask for with data- attributes, so that no page needs an inline script or an
// on...= handler (the Content-Security-Policy allows scripts from our own files only).
(function () {
  "use strict";

  // <form data-confirm="Send this message again?">: ask before submitting.
  document.addEventListener("submit", function (e) {
    const form = e.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.dataset.confirm)) {
      e.preventDefault();
      e.stopImmediatePropagation();
    }
  }, true);

  document.addEventListener("change", function (e) {
    const field = e.target;
    // <select data-autosubmit>: choosing submits its form.
    if (field.matches("[data-autosubmit]") && field.form) {
      field.form.requestSubmit ? field.form.requestSubmit() : field.form.submit();
    }
    // <select data-reload-with="location">: reload this page with ?location=<choice>.
    if (field.matches("[data-reload-with]")) {
      const query = new URLSearchParams();
      query.set(field.dataset.reloadWith, field.value);
      window.location.search = "?" + query.toString();
    }
  });

  // WCAG 2.1.1: a box that scrolls (a wide table on a phone) must take keyboard focus, or its hidden columns
  // cannot be reached without a mouse. Only boxes that really overflow become a tab stop, named for a screen
  // reader by data-scroll-label, the table's caption or the heading before it.
  function scrollLabel(box) {
    const caption = box.querySelector("caption");
    let heading = box.previousElementSibling;
    while (heading && !/^H[1-6]$/.test(heading.tagName)) { heading = heading.previousElementSibling; }
    const text = box.dataset.scrollLabel || (caption && caption.textContent) || (heading && heading.textContent);
    return (text || "Table").trim().replace(/\s+/g, " ") + " (scrolls)";
  }

  function markScrollableBoxes() {
    document.querySelectorAll(".table-responsive, [data-scroll-label]").forEach(function (box) {
      const overflows = box.scrollWidth > box.clientWidth + 1 || box.scrollHeight > box.clientHeight + 1;
      if (overflows && !box.hasAttribute("tabindex")) {
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.dataset.scrollMarked = box.hasAttribute("aria-label") ? "" : "label";
        if (box.dataset.scrollMarked) { box.setAttribute("aria-label", scrollLabel(box)); }
      } else if (!overflows && box.hasAttribute("data-scroll-marked")) {
        if (box.dataset.scrollMarked) { box.removeAttribute("aria-label"); }
        ["tabindex", "role", "data-scroll-marked"].forEach(function (a) { box.removeAttribute(a); });
      }
    });
  }
  document.addEventListener("DOMContentLoaded", markScrollableBoxes);
  window.addEventListener("resize", markScrollableBoxes);
  document.addEventListener("htmx:afterSettle", markScrollableBoxes);

  // <button data-print>: print the page.
  document.addEventListener("click", function (e) {
    if (e.target.closest("[data-print]")) {
      window.print();
    }
  });
})();
