"""The OpenAPI schema and the docs page load, and list every endpoint."""

from django.test import Client

EXPECTED = {
    "/api/orgs/": {"get", "post"},
    "/api/orgs/{org_id}": {"get", "patch"},
    "/api/orgs/{org_id}/children": {"get"},
    "/api/orgs/{org_id}/summary": {"get"},
    "/api/orgs/{org_id}/move": {"post"},
    "/api/orgs/{org_id}/dissolve": {"post"},
    "/api/members/": {"get", "post"},
    "/api/members/{member_id}": {"get", "patch"},
    "/api/members/{member_id}/status": {"post"},
    "/api/members/{member_id}/unmask": {"post"},
}


def test_openapi_schema_loads(db):
    response = Client().get("/api/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    paths = {path: set(ops) for path, ops in schema["paths"].items()}
    # The core apps' operations; every other app's router lists and tests its own.
    assert {path: paths.get(path) for path in EXPECTED} == EXPECTED
    assert {"TokenAuth", "SessionAuth"} <= set(schema["components"]["securitySchemes"])
    params = {p["name"] for p in schema["paths"]["/api/members/"]["get"]["parameters"]}
    assert {"q", "org", "sex", "age_band", "rolls", "limit", "offset"} <= params
    for ops in schema["paths"].values():
        for op in ops.values():
            assert op.get("security"), op["operationId"]


def test_docs_page_loads_without_a_cdn(db):
    response = Client().get("/api/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert "swagger" in html.lower()
    assert "cdn.jsdelivr" not in html and "unpkg.com" not in html
