"""AuditMiddleware: the request context of every audit row, and one "denied" row per refusal.

Near the top of settings.MIDDLEWARE (after WhiteNoise, before the session, CSRF and
authentication middleware, so that it sees their refusals too), it

- gives the request its correlation id (`request.request_id`, echoed as X-Request-ID);
- binds the request to a context variable while it is served, so `services.record()` called
  anywhere below (a service, a selector) without `request` still gets the client IP, the
  request id and the user;
- notes a view's PermissionDenied or Http404 (`process_exception`), and after the response
  writes one "denied" row for a refused request (`services.record_denied`): outside every
  transaction, so no rollback takes it away.

`RequestIdMiddleware` is the old name of the same class.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from .services import bound_request, note_denied, record_denied, request_id


class AuditMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        rid = request_id(request)
        with bound_request(request):
            response = self.get_response(request)
        record_denied(request, response.status_code)
        response.headers.setdefault("X-Request-ID", rid)
        return response

    def process_exception(self, request, exception):
        """A view's refusal: noted here (a scoped getter's more specific note wins), recorded
        when the response leaves. Django then answers 403/404 as usual."""
        if isinstance(exception, PermissionDenied):
            note_denied(request, reason="forbidden", message=str(exception)[:200])
        elif isinstance(exception, Http404):
            note_denied(request, reason="not_found")
        return None


RequestIdMiddleware = AuditMiddleware
