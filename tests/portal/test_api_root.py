"""The one API: OpenAPI at /api/openapi.json, docs served from the portal, one error shape."""

import pytest


@pytest.mark.django_db
def test_openapi_lists_every_router(client):
    spec = client.get("/api/openapi.json").json()
    assert spec["openapi"].startswith("3.")
    assert "/api/admin-units/at" in spec["paths"]
    assert "/api/auth/me" in spec["paths"]
    assert "ApiTokenAuth" in spec["components"]["securitySchemes"]


@pytest.mark.django_db
def test_docs_page_loads_only_local_assets(client):
    page = client.get("/api/docs").content.decode()
    assert "/static/ninja/swagger-ui-bundle.js" in page
    assert "cdn." not in page and "https://" not in page


@pytest.mark.django_db
def test_unknown_unit_is_json_404(client):
    response = client.get("/api/admin-units/999999999")
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "message": "Not found."}
