// The open board keeps watching: every few seconds while a solve runs, every 20 s otherwise, it asks
// the solve state and says when a new proposal is ready or more things need attention (a decline
// whose replacement waits, an answer that does not come), with a link to show them.
// Without JavaScript the board refreshes itself while a solve runs (noscript meta refresh) and has a
// Refresh link.
(function () {
  var box = document.getElementById("solve");
  if (!box) return;
  var roster = box.getAttribute("data-roster") || null;
  var seen = parseInt(box.getAttribute("data-attention") || "0", 10);
  var pending = box.getAttribute("data-pending") === "1";
  function say(text) {
    box.textContent = text + " ";
    var a = document.createElement("a");
    a.href = window.location.pathname + window.location.search;
    a.textContent = "Show it";
    box.appendChild(a);
  }
  function poll() {
    fetch("/c/status.json", { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        if (s.failure) { say("Planning failed: " + s.failure + "."); return; }
        if (s.pending) { pending = true; setTimeout(poll, 2000); return; }
        if (s.roster !== roster) { say("A new proposal is ready."); return; }
        if (s.attention > seen) { say("Something new needs your attention."); return; }
        if (pending) { say("The proposal is up to date."); return; }
        setTimeout(poll, 20000);
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  setTimeout(poll, pending ? 1500 : 20000);
})();
