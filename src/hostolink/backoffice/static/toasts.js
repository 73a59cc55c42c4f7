// The flash messages of a back-office page (sqladmin's flash.html without its inline
// script, which the page's Content-Security-Policy refuses): each shows for 3 seconds.
(function () {
  "use strict";
  function show() {
    document.querySelectorAll(".toast").forEach(function (element) {
      new window.tabler.bootstrap.Toast(element, { delay: 3000 }).show();
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", show);
  } else {
    show();
  }
})();
