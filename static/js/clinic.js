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

  // <button data-print>: print the page.
  document.addEventListener("click", function (e) {
    if (e.target.closest("[data-print]")) {
      window.print();
    }
  });
})();
