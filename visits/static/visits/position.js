// The visit page's "Add my position": the browser's geolocation fills the check-in form's
// hidden latitude and longitude. Optional: checking in works without it.
(function () {
  "use strict";
  const button = document.getElementById("add-position");
  const form = document.getElementById("check-in-form");
  if (!button || !form) return;
  const status = document.getElementById("position-status");
  if (!("geolocation" in navigator)) {
    button.hidden = true;
    return;
  }
  button.addEventListener("click", function () {
    status.textContent = button.dataset.waiting;
    navigator.geolocation.getCurrentPosition(
      function (position) {
        form.elements.latitude.value = position.coords.latitude.toFixed(6);
        form.elements.longitude.value = position.coords.longitude.toFixed(6);
        status.textContent = button.dataset.found;
      },
      function () {
        status.textContent = button.dataset.failed;
      },
      { enableHighAccuracy: true, timeout: 20000, maximumAge: 60000 }
    );
  });
})();
