// The notice of templates/base.html (#server-unreachable) when an htmx request gets no answer it
// can use: the network failed or the server is down (htmx:sendError), or the server answered
// with an error of its own (htmx:responseError, 5xx: 503 while its database restarts). htmx
// would otherwise leave the page as it was, as if the action had never been asked for.
// The next request that succeeds hides the notice; so does its close button.
(function () {
  "use strict";

  const notice = document.getElementById("server-unreachable");
  if (!notice) return;

  function show() {
    notice.hidden = false;
  }

  document.body.addEventListener("htmx:sendError", show);
  document.body.addEventListener("htmx:responseError", function (event) {
    if (event.detail.xhr.status >= 500) show();
  });
  document.body.addEventListener("htmx:afterRequest", function (event) {
    if (event.detail.successful) notice.hidden = true;
  });
  notice.querySelector("[data-dismiss-notice]").addEventListener("click", function () {
    notice.hidden = true;
  });
})();
