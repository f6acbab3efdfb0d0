"""One error format for the whole API.

    401 {"detail": "Unauthorized"}                  no or a bad token / no session
    403 {"detail": "..."}                           visible, but the action is not allowed
    404 {"detail": "Not Found"}                     not there, or outside the caller's scope
    422 {"detail": "...", "errors": {"field": ["message", ...]}}
                                                    a service's ValidationError, a schema or
                                                    query-parameter error, a bad filter

`errors` keys are the request's field names (nested body fields joined with "."); errors that
belong to no one field are under "__all__".
"""

from collections.abc import Iterable, Mapping

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import DataError
from django.db.models import Model, QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as SchemaValidationError

from jiceng.audit.services import note_denied

NON_FIELD = "__all__"
# Where ninja says a parameter came from, and the names of whole-body parameters.
_LOCATIONS = {"body", "query", "path", "form", "header", "cookie", "file"}
BODY_PARAM = "payload"


class ApiValidationError(Exception):
    """Raised by endpoints for field errors found outside a service (e.g. a bad filter)."""

    def __init__(self, errors: Mapping[str, Iterable[str]], status: int = 422) -> None:
        self.errors = {field: [str(m) for m in messages] for field, messages in errors.items()}
        self.status = status
        super().__init__(self.errors)


def get_or_404(queryset: QuerySet, **lookup) -> Model:
    """The one object of a (scoped) queryset, or 404: outsiders cannot tell absent from hidden.
    A miss is noted for the audit log's one "denied" row of the request."""
    obj = queryset.filter(**lookup).first()
    if obj is None:
        asked = next(iter(lookup.values()), "") if len(lookup) == 1 else ""
        note_denied(
            obj=(queryset.model._meta.label_lower, asked, ""),
            lookup=lookup,
            reason="not_visible",
        )
        raise Http404
    return obj


def _field_of(loc: Iterable) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] in _LOCATIONS:
        parts = parts[1:]
    if parts and parts[0] == BODY_PARAM:
        parts = parts[1:]
    return ".".join(parts) or NON_FIELD


def schema_errors(errors: list[dict]) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for error in errors:
        if error.get("type") == "extra_forbidden":
            message = _("Unknown field")
        else:
            message = error.get("msg") or _("Invalid value")
        out.setdefault(_field_of(error.get("loc", ())), []).append(message)
    return out


def django_errors(exc: DjangoValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {field: list(messages) for field, messages in exc.message_dict.items()}
    return {NON_FIELD: list(exc.messages)}


def _validation_body(errors: dict[str, list[str]]) -> dict:
    return {
        "detail": _("Invalid input: %(fields)s") % {"fields": ", ".join(errors)},
        "errors": errors,
    }


def register(api: NinjaAPI) -> None:
    @api.exception_handler(SchemaValidationError)
    def schema_invalid(request: HttpRequest, exc: SchemaValidationError):
        return api.create_response(request, _validation_body(schema_errors(exc.errors)), status=422)

    @api.exception_handler(DjangoValidationError)
    def service_invalid(request: HttpRequest, exc: DjangoValidationError):
        return api.create_response(request, _validation_body(django_errors(exc)), status=422)

    @api.exception_handler(ApiValidationError)
    def endpoint_invalid(request: HttpRequest, exc: ApiValidationError):
        return api.create_response(request, _validation_body(exc.errors), status=exc.status)

    # A number past what the database can hold (an id or offset beyond 64 bits): SQLite raises
    # OverflowError, PostgreSQL DataError. Nothing can be there; say which input is wrong.
    @api.exception_handler(OverflowError)
    @api.exception_handler(DataError)
    def out_of_range(request: HttpRequest, exc: Exception):
        body = _validation_body({NON_FIELD: [_("A number in the request is out of range.")]})
        return api.create_response(request, body, status=422)

    # Refusals are noted for the audit log; jiceng.audit.middleware writes the "denied" row.
    @api.exception_handler(PermissionDenied)
    def forbidden(request: HttpRequest, exc: PermissionDenied):
        note_denied(request, reason="forbidden", message=str(exc)[:200])
        return api.create_response(request, {"detail": str(exc) or _("Forbidden")}, status=403)

    @api.exception_handler(Http404)
    def not_found(request: HttpRequest, exc: Http404):
        note_denied(request, reason="not_found")
        return api.create_response(request, {"detail": _("Not Found")}, status=404)

    @api.exception_handler(AuthenticationError)
    def unauthorized(request: HttpRequest, exc: AuthenticationError):
        response = api.create_response(request, {"detail": _("Unauthorized")}, status=401)
        response["WWW-Authenticate"] = 'Bearer realm="api"'
        return response
