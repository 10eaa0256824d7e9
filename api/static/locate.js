// Optional: fill latitude and longitude from the device's position. The form works without it.
(function () {
  document.documentElement.className += " js";
  var button = document.getElementById("locate");
  if (!button || !navigator.geolocation) return;
  button.addEventListener("click", function () {
    navigator.geolocation.getCurrentPosition(function (p) {
      document.getElementById("f-lat").value = p.coords.latitude.toFixed(5);
      document.getElementById("f-lon").value = p.coords.longitude.toFixed(5);
    });
  });
})();
