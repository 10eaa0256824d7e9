// Swagger UI for /docs, from /static/vendor (never a CDN), in a file rather than an inline script so
// the page keeps the strict Content-Security-Policy of every other page.
(function () {
  "use strict";
  var holder = document.getElementById("swagger-ui");
  if (!holder || !window.SwaggerUIBundle) return;
  window.SwaggerUIBundle({ url: holder.getAttribute("data-openapi"), dom_id: "#swagger-ui", deepLinking: true });
})();
