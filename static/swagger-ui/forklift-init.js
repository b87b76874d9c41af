// Starts Swagger UI on Forklift's own OpenAPI document. Kept out of the HTML page so the page
// needs no inline script. The Authorize button uses the OAuth2 password flow against /token/.
window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/openapi.json",
    dom_id: "#swagger-ui",
    deepLinking: true,
    persistAuthorization: true,
    presets: [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset],
    layout: "StandaloneLayout",
  });
});
