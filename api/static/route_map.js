// A driver's route on a map (lift.html, route_steps): the stops of the list below it, numbered in
// order and joined by a line. The list stays the page without JavaScript or without Leaflet.
(function () {
  "use strict";
  if (!window.L) return;
  Array.prototype.forEach.call(document.querySelectorAll(".route-map"), function (holder) {
    var stops = holder.parentNode.querySelectorAll("ol.route li[data-lat]");
    if (!stops.length) return;
    holder.hidden = false;
    var map = window.L.map(holder, { scrollWheelZoom: false });
    window.L.tileLayer(holder.getAttribute("data-tiles"), {
      maxZoom: 19,
      // the tile server sees which site asks (its usage policy), never the private link in the address
      referrerPolicy: "strict-origin",
      attribution: holder.getAttribute("data-attribution")
    }).addTo(map);
    var line = [];
    Array.prototype.forEach.call(stops, function (stop, i) {
      var at = [parseFloat(stop.getAttribute("data-lat")), parseFloat(stop.getAttribute("data-lon"))];
      if (!isFinite(at[0]) || !isFinite(at[1])) return;
      var last = i === stops.length - 1;
      window.L.circleMarker(at, {
        radius: last ? 10 : 8,
        color: last ? "#00603a" : "#0b4f9c",
        fillOpacity: 0.7,
        weight: 2
      })
        .bindTooltip(String(i + 1) + ". " + stop.getAttribute("data-label"), { permanent: true, direction: "right" })
        .addTo(map);
      line.push(at);
    });
    window.L.polyline(line, { color: "#0b4f9c", weight: 3, opacity: 0.7 }).addTo(map);
    map.fitBounds(line, { padding: [40, 40], maxZoom: 15 });
  });
})();
