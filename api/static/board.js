// The open board keeps watching: every 2 s while a solve runs, every data-idle seconds otherwise
// (MECHANIC_BOARD_POLL_S, 20 s by default), it asks the solve state and says when a new proposal is
// ready or more things need attention (a decline whose replacement waits, an answer that does not
// come), with a link to show them. It keeps watching after saying that something needs attention,
// since a decline's replacement proposal follows it.
// Without JavaScript the board refreshes itself while a solve runs (noscript meta refresh) and has a
// Refresh link.
(function () {
  var box = document.getElementById("solve");
  if (!box) return;
  var roster = box.getAttribute("data-roster") || null;
  var seen = parseInt(box.getAttribute("data-attention") || "0", 10);
  var pending = box.getAttribute("data-pending") === "1";
  var idle = 1000 * (parseFloat(box.getAttribute("data-idle")) || 20);
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
        var attention = s.attention > seen;
        if (s.pending) {
          pending = true;
          if (attention) say("Something new needs your attention; a new proposal is being worked out.");
          setTimeout(poll, 2000);
          return;
        }
        if (s.roster !== roster) {
          say(attention ? "Something new needs your attention, and a new proposal is ready." : "A new proposal is ready.");
          return;
        }
        if (attention) say("Something new needs your attention.");
        else if (pending) { say("The proposal is up to date."); return; }
        setTimeout(poll, idle);
      })
      .catch(function () { setTimeout(poll, 5000); });
  }
  setTimeout(poll, pending ? 1500 : idle);
})();
