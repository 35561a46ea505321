// The "Print" button on the benefits sheet; without JavaScript the browser's own print menu works.
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-print-page]");
    if (button) {
      window.print();
    }
  });
})();
