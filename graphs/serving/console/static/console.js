// crewline console: the pending-count badge, refreshed without reloading the page; live pages redrawn.
// No inline script anywhere (the Content-Security-Policy forbids it); nothing but this origin.
"use strict";
(function () {
  // a live page (the charts) is redrawn on the server every data-refresh-s seconds
  var every = Number(document.body.getAttribute("data-refresh-s"));
  if (every > 0) { window.setTimeout(function () { window.location.reload(); }, every * 1000); }
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
