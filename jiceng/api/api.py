"""The API object mounted at /api/ by jiceng/urls.py; docs at /api/docs, schema at
/api/openapi.json."""

from ninja import NinjaAPI

from jiceng.members.api import router as members_router
from jiceng.orgs.api import router as orgs_router

from . import errors
from .auth import AUTH

api = NinjaAPI(
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
