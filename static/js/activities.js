// Quick log and timeline: focus and error handling around htmx swaps. The pages work without this file.
(function () {
  "use strict";
  if (window.crmActivitiesLoaded) {
    return;  // included by several panels on one page
  }
  window.crmActivitiesLoaded = true;

  // htmx copies the old element's style attribute onto the swapped-in one while it settles; Chromium
  // leaves an empty style="" on form fields, and the CSP (no inline styles) then logs a violation.
  // Settling classes is enough for us. (Better placed in base.html's htmx-config; told the lead.)
  if (window.htmx && htmx.config.attributesToSettle) {
    htmx.config.attributesToSettle = htmx.config.attributesToSettle.filter(function (name) {
      return name !== "style";
    });
  }

  // htmx 2 does not swap 4xx answers. A quick-log form answered with 422 carries its own field
  // messages (and everything typed), so show it.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var source = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (event.detail.xhr.status === 422 && source && source.closest && source.closest("[data-swap-invalid]")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // After a swap, put keyboard focus where the user's attention belongs: the first invalid field,
  // the "saved" message, or the top of a new timeline page.
  document.addEventListener("htmx:afterSettle", function (event) {
    var old = event.detail.target;
    // An outerHTML swap replaced the target; look the new element up by its id.
    var target = old && old.id ? document.getElementById(old.id) : null;
    if (!target) {
      return;
    }
    var invalid = target.querySelector("[aria-invalid='true']");
    if (invalid) {
      invalid.focus();
      return;
    }
    var status = target.querySelector("#quicklog-status");
    if (status) {
      status.focus();
      return;
    }
    var trigger = event.detail.requestConfig && event.detail.requestConfig.elt;
    if (target.id === "timeline-entries" && trigger && trigger.classList && trigger.classList.contains("page-link")) {
      target.focus();
    }
  });
})();
