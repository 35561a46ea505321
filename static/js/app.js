// Inklusiv-CRM progressive enhancement. Every page works without this file.
(function () {
  "use strict";

  // Forms marked data-confirm ask before they are sent (e.g. deactivating a user).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  }, true);

  // After a failed submit, move keyboard focus to the first invalid field.
  document.addEventListener("DOMContentLoaded", function () {
    var invalid = document.querySelector("[aria-invalid='true']");
    if (invalid) {
      invalid.focus();
    }
  });

  // Elements with data-autosubmit send their form when changed (filters); a button remains for no-JS.
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("[data-autosubmit]") && el.form) {
      el.form.requestSubmit();
    }
  });
})();
