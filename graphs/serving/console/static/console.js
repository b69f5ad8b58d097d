// crewline console: the pending-count badge, refreshed without reloading the page.
// No inline script anywhere (the Content-Security-Policy forbids it); nothing but this origin.
"use strict";
(function () {
  var url = document.body.getAttribute("data-count-url");
  var badge = document.getElementById("pending-count");
  if (!url || !badge) { return; }
  var shown = Number(badge.getAttribute("data-count"));
  function refresh() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) { return; }
        badge.textContent = String(data.pending);
        badge.setAttribute("data-count", String(data.pending));
        var notice = document.getElementById("new-items");
        if (notice && data.pending !== shown) { notice.hidden = false; }
      })
      .catch(function () { /* offline for a moment: try again on the next tick */ });
  }
  window.setInterval(refresh, 1500);
})();
