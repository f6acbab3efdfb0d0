"""The API object mounted at /api/ by jiceng/urls.py; docs at /api/docs, schema at
/api/openapi.json."""

from ninja import NinjaAPI

from jiceng.accountability.api import router as accountability_router
from jiceng.activities.api import router as activities_router
from jiceng.dues.api import router as dues_router
from jiceng.elections.api import router as elections_router
from jiceng.members.api import router as members_router
from jiceng.orgs.api import router as orgs_router
from jiceng.outreach.api import router as outreach_router
from jiceng.recruitment.api import router as recruitment_router
from jiceng.reports.api import router as reports_router

from . import errors
from .auth import AUTH

# What any operation may answer besides its own success (errors.py): documented once, here, for
# every operation of every app's router.
COMMON_ERRORS = {
    "400": "Malformed request: the body is not valid JSON.",
    "401": "Not authenticated: no token, a bad or expired one, or no session.",
    "403": "Visible to you, but you may not do this.",
    "404": "Not there, or outside what you may see.",
    "422": "Invalid input: `errors` names each field and what is wrong with it.",
    "429": "Too many requests: wait `Retry-After` seconds.",
}


class JicengApi(NinjaAPI):
    def get_openapi_schema(self, *args, **kwargs):
        schema = super().get_openapi_schema(*args, **kwargs)
        schemas = schema.setdefault("components", {}).setdefault("schemas", {})
        schemas.setdefault(
            "Error",
            {
                "type": "object",
                "properties": {
                    "detail": {"type": "string"},
                    "errors": {
                        "type": "object",
                        "additionalProperties": {"type": "array", "items": {"type": "string"}},
                    },
                },
                "required": ["detail"],
            },
        )
        error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        for operations in schema.get("paths", {}).values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                for status, description in COMMON_ERRORS.items():
                    responses.setdefault(status, {"description": description, "content": error})
        return schema


api = JicengApi(
    title="jiceng API",
    version="1",
    description=(
        "Organisations and members of the grassroots Party organisation records.\n\n"
        "Authenticate with `Authorization: Bearer <token>` (`jiceng apitoken USERNAME --name "
        "NAME`) or the browser session (unsafe methods then need the `X-CSRFToken` header). "
        'Lists take `limit` (at most 100) and `offset`. Errors are JSON: `{"detail": ...}`, '
        'and for invalid input also `"errors": {field: [message, ...]}` (status 422). '
        "What you may not see is a 404; what you see but may not change is a 403. "
        "ID numbers, phones and addresses are always masked; "
        "`POST /api/members/{id}/unmask` reveals one field, with a recorded reason."
    ),
    auth=AUTH,
    urls_namespace="api",
)
errors.register(api)
api.add_router("/orgs/", orgs_router)
api.add_router("/members/", members_router)
api.add_router("/activities/", activities_router)
api.add_router("/recruitment/", recruitment_router)
api.add_router("/dues/", dues_router)
api.add_router("/elections/", elections_router)
api.add_router("/outreach/", outreach_router)
api.add_router("/accountability/", accountability_router)
api.add_router("/reports/", reports_router)
