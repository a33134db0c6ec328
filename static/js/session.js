// The idle warning of a signed-in page (#session-warning, templates/base.html).
// The session ends after data-session-idle-seconds (on <body>, from the server) without a request
// that renews it. A minute before, the warning shows; its "Stay signed in" button (htmx) makes
// such a request. Past the end, the warning says the session has ended.
// The count runs on this page's own clock from the last renewing response: the page's load, or
// an htmx response with the Session-Renewed header (the case page's lease renewal, which the page
// makes by itself, has none). The browser's clock is never compared with the server's.
(function () {
  "use strict";

  const WARN_BEFORE_MS = 60 * 1000;
  const RENEWED_HEADER = "Session-Renewed";

  const idleMs = Number(document.body.dataset.sessionIdleSeconds) * 1000;
  const warning = document.getElementById("session-warning");
  if (!idleMs || !warning) return;

  let renewedAt = performance.now();
  let timer = null;

  // state: "warning", "ended", or null to hide the warning.
  function show(state) {
    warning.querySelectorAll("[data-session-state]").forEach(function (part) {
      part.hidden = part.dataset.sessionState !== state;
    });
    warning.hidden = state === null;
  }

  function update() {
    clearTimeout(timer);
    const left = idleMs - (performance.now() - renewedAt);
    if (left <= 0) {
      show("ended");
    } else if (left <= WARN_BEFORE_MS) {
      show("warning");
      timer = setTimeout(update, left);
    } else {
      show(null);
      timer = setTimeout(update, left - WARN_BEFORE_MS);
    }
  }

  document.body.addEventListener("htmx:afterRequest", function (event) {
    const request = event.detail.xhr;
    if (request && request.getResponseHeader(RENEWED_HEADER)) {
      renewedAt = performance.now();
      update();
    }
  });

  // A browser lets the timers of a tab out of sight fire late: look again once it is in sight.
  document.addEventListener("visibilitychange", function () {
    if (!document.hidden) update();
  });

  update();
})();
