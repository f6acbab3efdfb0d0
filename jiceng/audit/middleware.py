"""RequestIdMiddleware: one correlation id per request, on the request and the response.

Add "jiceng.audit.middleware.RequestIdMiddleware" near the top of MIDDLEWARE; record() works
without it (it then makes the id on first use), but only with it does the response carry the
X-Request-ID header a user can quote to support.
"""

from .services import request_id


class RequestIdMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        rid = request_id(request)
        response = self.get_response(request)
        response.headers.setdefault("X-Request-ID", rid)
        return response
