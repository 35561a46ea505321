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

  // htmx swaps no error answer (a 403, 500, or 503 while the database restarts) and would leave the click
  // without a visible effect: show the server's short message (text/plain) or a general one.
  function showRequestError(text) {
    var box = document.getElementById("request-error");
    if (!box) {
      return;
    }
    box.textContent = text || box.getAttribute("data-generic");
    box.hidden = false;
    box.scrollIntoView({block: "nearest"});
  }
  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    var type = xhr.getResponseHeader("Content-Type") || "";
    showRequestError(type.indexOf("text/plain") === 0 ? xhr.responseText : "");
  });
  document.addEventListener("htmx:sendError", function () {
    var box = document.getElementById("request-error");
    showRequestError(box && box.getAttribute("data-offline"));
  });
  document.addEventListener("htmx:beforeRequest", function () {
    var box = document.getElementById("request-error");
    if (box) {
      box.hidden = true;
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
