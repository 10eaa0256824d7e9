// The coordinator's map of the week (coord_map.html): one circle per request, coloured by how filled
// it is, from the list below it, which stays the page without JavaScript.
(function () {
  "use strict";
  var holder = document.getElementById("week-map");
  if (!holder || !window.L) return;
  var COLOURS = { filled: "#00603a", partly_filled: "#b36b00", unfilled: "#a0101e" };
  var items = document.querySelectorAll(".week-list li[data-lat]");
  holder.hidden = false;
  var home = holder.getAttribute("data-home").split(",").map(parseFloat);
  var map = window.L.map(holder, { scrollWheelZoom: false });
  window.L.tileLayer(holder.getAttribute("data-tiles"), {
    maxZoom: 19,
    // the tile server sees which site asks (as its usage policy wants), never a private link
    referrerPolicy: "strict-origin",
    attribution: holder.getAttribute("data-attribution")
  }).addTo(map);
  var bounds = [];
  Array.prototype.forEach.call(items, function (item) {
    var at = [parseFloat(item.getAttribute("data-lat")), parseFloat(item.getAttribute("data-lon"))];
    if (!isFinite(at[0]) || !isFinite(at[1])) return;
    var colour = COLOURS[item.getAttribute("data-fill")] || "#1d2b36";
    var popup = document.createElement("div");
    ["data-title", "data-when", "data-staffed"].forEach(function (name, i) {
      var line = document.createElement(i === 0 ? "strong" : "div");
      line.textContent = item.getAttribute(name);
      popup.appendChild(line);
    });
    window.L.circleMarker(at, { radius: 9, color: colour, fillColor: colour, fillOpacity: 0.6, weight: 2 })
      .bindPopup(popup)
      .bindTooltip(item.getAttribute("data-title"))
      .addTo(map);
    bounds.push(at);
  });
  if (bounds.length) {
    map.fitBounds(bounds, { padding: [30, 30], maxZoom: 15 });
  } else {
    map.setView([home[0], home[1]], home[2]);
  }
})();
