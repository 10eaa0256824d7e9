"""The API's interactive docs, Swagger UI served from this server (deploy/vendor.sh installs it from
the npm registry), never from a CDN: a page that loads scripts from elsewhere could be changed under
the people who use it. Without it installed, /docs says where the OpenAPI document is."""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

SWAGGER = Path(__file__).resolve().parent / "static" / "vendor" / "swagger-ui"
PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Mechanic API</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<link rel="icon" href="/static/vendor/swagger-ui/favicon-32x32.png">
<link rel="stylesheet" href="/static/vendor/swagger-ui/swagger-ui.css"></head>
<body><div id="swagger-ui" data-openapi="{openapi}"></div>
<script src="/static/vendor/swagger-ui/swagger-ui-bundle.js"></script>
<script src="/static/api_docs.js"></script></body></html>"""
PLAIN = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Mechanic API</title></head>
<body><h1>Mechanic API</h1><p>The OpenAPI document is at <a href="{openapi}">{openapi}</a>.
Interactive docs appear here once <code>deploy/vendor.sh</code> (run by <code>make</code>) has
installed Swagger UI.</p></body></html>"""

router = APIRouter(include_in_schema=False)


@router.get("/docs", response_class=HTMLResponse)
def docs() -> HTMLResponse:
    template = PAGE if (SWAGGER / "swagger-ui-bundle.js").exists() else PLAIN
    return HTMLResponse(template.format(openapi="/openapi.json"))
