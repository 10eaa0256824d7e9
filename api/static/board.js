// Progress while a solve runs: poll the solve state and say when a new proposal is ready.
// Without JavaScript the board refreshes itself (noscript meta refresh) and has a Refresh link.
(function () {
  var box = document.getElementById("solve");
  if (!box || box.getAttribute("data-pending") !== "1") return;
  function poll() {
    fetch("/c/status.json", { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        if (s.pending) { setTimeout(poll, 2000); return; }
        box.textContent = s.failure ? "Planning failed: " + s.failure + ". " : "A new proposal is ready. ";
        var a = document.createElement("a");
        a.href = "/c/";
        a.textContent = "Show it";
        box.appendChild(a);
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  setTimeout(poll, 1500);
})();
