// Place fields (macros.html, place_field): search through the server's geocoder without reloading,
// and, where Leaflet is installed, a map whose pin is set by a click or a drag. Without this file, or
// without Leaflet, the same fields work by sending the form (the "Find" button) or typed coordinates.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  var UNAVAILABLE = "Place search is not available right now. Pick the place on the map, " +
    "or give its coordinates under \u201cAdvanced: coordinates\u201d.";

  function number(input) {
    var value = parseFloat(input.value);
    return isFinite(value) ? value : null;
  }

  function setUp(box) {
    var prefix = box.getAttribute("data-prefix");
    var place = document.getElementById("f-" + prefix + box.getAttribute("data-place-key"));
    var lat = document.getElementById("f-" + prefix + "lat");
    var lon = document.getElementById("f-" + prefix + "lon");
    var matches = box.querySelector(".matches");
    var pin = box.querySelector(".pin");
    var find = box.querySelector("button[name='" + prefix + "find']");
    var locate = box.querySelector(".locate");
    var map = null;
    var marker = null;

    function here() {
      var a = number(lat), b = number(lon);
      return a !== null && b !== null && Math.abs(a) <= 90 && Math.abs(b) <= 180 ? [a, b] : null;
    }

    function showPin(zoom) {
      var at = here();
      pin.textContent = at ? "On the map at " + at[0].toFixed(5) + ", " + at[1].toFixed(5) + "." : "";
      if (!map || !at) return;
      if (!marker) {
        marker = window.L.marker(at, { draggable: true, keyboard: true, title: "The place: drag to move it" });
        marker.on("dragend", function () {
          var moved = marker.getLatLng();
          setCoordinates(moved.lat, moved.lng);
        });
        marker.addTo(map);
      } else {
        marker.setLatLng(at);
      }
      if (zoom) map.setView(at, zoom);
    }

    // A pin set by hand (the map, a drag, typed coordinates, the device) replaces a chosen match:
    // the form would otherwise send the match's coordinates with it, and the server takes those.
    function forgetChoice() {
      Array.prototype.forEach.call(matches.querySelectorAll("input[type=radio]"), function (radio) {
        radio.checked = false;
      });
    }

    function setCoordinates(a, b, zoom, chosen) {
      lat.value = a.toFixed(5);
      lon.value = b.toFixed(5);
      if (!chosen) forgetChoice();
      showPin(zoom);
    }

    function say(text, quiet) {
      matches.textContent = "";
      var p = document.createElement("p");
      p.className = quiet ? "hint" : "alert";
      p.setAttribute("role", "status");
      p.textContent = text;
      matches.appendChild(p);
    }

    function list(query, places) {
      matches.textContent = "";
      if (!places.length) {
        say("No place matches \u201c" + query + "\u201d. Check the spelling, try a postcode, or pick it on the map.");
        return;
      }
      var set = document.createElement("fieldset");
      var legend = document.createElement("legend");
      legend.textContent = places.length === 1 ? "Is this the place?" : "Which place do you mean?";
      set.appendChild(legend);
      places.forEach(function (found, i) {
        var row = document.createElement("div");
        row.className = "check";
        var radio = document.createElement("input");
        radio.type = "radio";
        radio.name = prefix + "pick";
        radio.id = "f-" + prefix + "pick-" + (i + 1);
        radio.value = found.lat.toFixed(6) + "," + found.lon.toFixed(6);
        radio.addEventListener("change", function () {
          setCoordinates(found.lat, found.lon, 16, true);
        });
        var label = document.createElement("label");
        label.htmlFor = radio.id;
        label.textContent = found.name;
        row.appendChild(radio);
        row.appendChild(label);
        set.appendChild(row);
      });
      matches.appendChild(set);
      if (places.length === 1) {
        set.querySelector("input").checked = true;
        setCoordinates(places[0].lat, places[0].lon, 16, true);
      }
    }

    function search() {
      var query = place.value.trim();
      if (!query) {
        say("Type a place or a postcode, then press Find.");
        place.focus();
        return;
      }
      say("Searching\u2026", true);
      fetch(box.getAttribute("data-search") + "?q=" + encodeURIComponent(query), {
        credentials: "same-origin",
        headers: { Accept: "application/json" }
      })
        .then(function (answer) {
          return answer.json().then(function (body) {
            if (!answer.ok) throw new Error(body.detail || UNAVAILABLE);
            list(query, body.places);
          });
        })
        .catch(function (error) {
          say(error && error.message && error.message.indexOf("Place search") === 0
            ? error.message + " Pick the place on the map, or give its coordinates under \u201cAdvanced: coordinates\u201d."
            : UNAVAILABLE);
        });
    }

    if (find && box.getAttribute("data-search")) {
      find.addEventListener("click", function (event) {
        event.preventDefault();
        search();
      });
      place.addEventListener("keydown", function (event) {
        if (event.key === "Enter") {
          event.preventDefault();
          search();
        }
      });
    }

    if (window.L && box.getAttribute("data-tiles")) {
      var holder = box.querySelector(".map");
      holder.hidden = false;
      var home = box.getAttribute("data-home").split(",").map(parseFloat);
      map = window.L.map(holder, { scrollWheelZoom: false });
      window.L.tileLayer(box.getAttribute("data-tiles"), {
        maxZoom: 19,
        // the tile server sees which site asks (as its usage policy wants), never a private link
        referrerPolicy: "strict-origin",
        attribution: box.getAttribute("data-attribution")
      }).addTo(map);
      var at = here();
      map.setView(at || [home[0], home[1]], at ? 16 : home[2]);
      map.on("click", function (event) {
        setCoordinates(event.latlng.lat, event.latlng.lng);
      });
      showPin();
    }
    [lat, lon].forEach(function (input) {
      input.addEventListener("change", function () {
        forgetChoice();
        showPin(map ? map.getZoom() : 0);
      });
    });
    // Radios the server listed (after Find without this script, or a save that asked to choose).
    Array.prototype.forEach.call(matches.querySelectorAll("input[type=radio]"), function (radio) {
      radio.addEventListener("change", function () {
        var at = radio.value.split(",").map(parseFloat);
        setCoordinates(at[0], at[1], 16, true);
      });
    });

    if (locate && navigator.geolocation) {
      locate.addEventListener("click", function () {
        navigator.geolocation.getCurrentPosition(function (position) {
          setCoordinates(position.coords.latitude, position.coords.longitude, 16);
        });
      });
    }
  }

  Array.prototype.forEach.call(document.querySelectorAll(".place[data-prefix]"), setUp);
})();
