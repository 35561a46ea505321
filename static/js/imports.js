// Import pages: while the server checks or saves a large file, say so and stop a second click.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-progress") || event.defaultPrevented) {
      return;
    }
    var note = form.querySelector(".import-progress");
    if (note) {
      note.hidden = false;
    }
    form.querySelectorAll("button[type=submit]").forEach(function (button) {
      button.disabled = true;
      button.setAttribute("aria-busy", "true");
    });
  });
})();
