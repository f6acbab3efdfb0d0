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


def test_no_two_schemas_share_a_name(db):
    """The OpenAPI components are keyed by class name: two apps' `AttendanceOut` would become
    one, and every response of the other would be documented (and validated) wrongly."""
    from collections import defaultdict

    import pydantic

    Client().get("/api/openapi.json")  # every router and its schemas are loaded
    modules = defaultdict(set)

    def walk(cls):
        for sub in cls.__subclasses__():
            module, name = sub.__module__, sub.__name__
            if module.startswith("jiceng.") and ".tests" not in module and name[0] != "_":
                modules[name].add(module)
            walk(sub)

    walk(pydantic.BaseModel)
    assert {name: mods for name, mods in modules.items() if len(mods) > 1} == {}
