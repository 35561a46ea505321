// Follow-ups: done and snooze in place with htmx. Every action also works as a plain form without this file.
(function () {
  "use strict";
  if (window.crmFollowupsLoaded) {
    return;  // included by the page and by the employer panel
  }
  window.crmFollowupsLoaded = true;

  // htmx 2 does not swap 4xx answers. A snooze with a bad date (422) or a conflict (409) answers with
  // the follow-up and its message, so show it.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var source = event.detail.requestConfig && event.detail.requestConfig.elt;
    var status = event.detail.xhr.status;
    if ((status === 422 || status === 409) && source && source.closest && source.closest(".followup-item")) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // After a swap the pressed button is gone: move focus to the invalid field or the status message.
  document.addEventListener("htmx:afterSettle", function (event) {
    var old = event.detail.target;
    var target = old && old.id ? document.getElementById(old.id) : null;
    if (!target || !target.classList.contains("followup-item")) {
      return;
    }
    var focus = target.querySelector("[aria-invalid='true']") || target.querySelector(".followup-status");
    if (focus) {
      focus.focus();
    }
  });
})();
