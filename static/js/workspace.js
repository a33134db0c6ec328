// Keyboard shortcuts for the collector workspace, read from data-* attributes:
//   data-shortcut-click="k"  the element is clicked when k is pressed (outcome buttons, next case)
//   data-shortcut-focus="k"  the element takes the focus when k is pressed (promise, call-back)
//   data-toggle-help         shows or hides the shortcut help (#shortcut-help); "?" does too
// Shortcuts are ignored while the focus is in a field; Escape leaves the field.
(function () {
  "use strict";

  function isTyping(element) {
    if (!element) return false;
    return element.isContentEditable || ["INPUT", "TEXTAREA", "SELECT"].includes(element.tagName);
  }

  function help() {
    return document.getElementById("shortcut-help");
  }

  function toggleHelp(show) {
    const overlay = help();
    if (!overlay) return;
    const hidden = overlay.classList.contains("d-none");
    overlay.classList.toggle("d-none", show === undefined ? !hidden : !show);
  }

  function byKey(attribute, key) {
    for (const element of document.querySelectorAll("[" + attribute + "]")) {
      if (element.getAttribute(attribute) === key && !element.disabled) return element;
    }
    return null;
  }

  document.addEventListener("click", function (event) {
    if (event.target.closest("[data-toggle-help]")) {
      event.preventDefault();
      toggleHelp();
    }
  });

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey || event.isComposing) return;
    if (event.key === "Escape") {
      toggleHelp(false);
      if (isTyping(document.activeElement)) document.activeElement.blur();
      return;
    }
    if (isTyping(document.activeElement)) return;
    if (event.key === "?") {
      event.preventDefault();
      toggleHelp();
      return;
    }
    const clickable = byKey("data-shortcut-click", event.key);
    if (clickable) {
      event.preventDefault();
      clickable.click();
      return;
    }
    const focusable = byKey("data-shortcut-focus", event.key);
    if (focusable) {
      event.preventDefault();
      focusable.scrollIntoView({ block: "center" });
      focusable.focus();
    }
  });

  // The case page's panels fold on a narrow screen; an action re-renders the page's workspace,
  // so a panel the collector opened is opened again in the new copy. After the settle: htmx
  // settles an element's class from its old copy to its new one, which would fold it again.
  // A panel counts as open from the tap that opens it: its toggle says so at once, while its
  // body carries "show" only once the opening animation ends. Only the workspace's own swaps
  // count: the lease's renewal, which may fall between an action's swap and its settle,
  // neither takes the list nor spends it.
  let openPanels = [];
  const swapsWorkspace = (event) => event.detail.target && event.detail.target.id === "workspace";
  document.body.addEventListener("htmx:beforeSwap", function (event) {
    if (!swapsWorkspace(event)) return;
    openPanels = Array.from(
      document.querySelectorAll('.case-panel-toggle[aria-expanded="true"]'),
      (toggle) => toggle.getAttribute("aria-controls"),
    );
  });
  document.body.addEventListener("htmx:afterSettle", function (event) {
    if (!swapsWorkspace(event)) return;
    for (const id of openPanels) {
      const panel = document.getElementById(id);
      if (!panel) continue;
      panel.classList.add("show");
      const toggle = document.querySelector('[data-bs-target="#' + id + '"]');
      if (toggle) {
        toggle.classList.remove("collapsed");
        toggle.setAttribute("aria-expanded", "true");
      }
    }
  });

  // After an outcome is logged the form that took it is done: leave its field, so the next
  // key ("n") goes to the next case instead of into the field htmx kept the focus in. This
  // runs in the swap itself, before the page can take another key: on settle (a moment
  // later) it would also blur a field the collector had focused since, e.g. with "p".
  // Only a swap that brought the feedback counts: the lease's renewal is a swap too.
  document.body.addEventListener("htmx:afterSwap", function (event) {
    const feedback = document.getElementById("action-feedback");
    if (!feedback || !event.target.contains(feedback)) return;
    // "Paid": the payment the debtor says they made is reported next, from its amount.
    const amount = document.getElementById("id_payment-amount");
    if (feedback.hasAttribute("data-report-payment") && amount) {
      amount.scrollIntoView({ block: "center" });
      amount.focus();
      return;
    }
    if (feedback.hasAttribute("data-outcome-logged") && isTyping(document.activeElement)) {
      document.activeElement.blur();
    }
    feedback.scrollIntoView({ block: "nearest" });
  });
})();
