import functools

from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_cache_control


class ChineseFirstLocaleMiddleware:
    """简体中文 unless the user chose another language (the language cookie set by
    /i18n/setlang/). The browser's Accept-Language is not consulted: a department's machines
    often run an English OS, and the platform's users work in Chinese."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        supported = dict(settings.LANGUAGES)
        language = chosen if chosen in supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


def cacheable(view):
    """Opt a view out of NoStoreMiddleware (for a response with nothing personal in it that a
    browser may keep, e.g. a blank form). Works on function views and `as_view()` results."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        response.jiceng_cacheable = True
        return response

    return wrapped


class NoStoreMiddleware:
    """`Cache-Control: no-store` on every response to a signed-in user (a session or an API
    token), whatever its type — pages, HTMX fragments, JSON, downloads: they may hold personal
    data, and neither the browser's cache nor a proxy may keep them. A view opts out with
    `@cacheable`. Static files (WhiteNoise, earlier in MIDDLEWARE) are not affected."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if getattr(response, "jiceng_cacheable", False):
            return response
        user = getattr(request, "user", None)
        signed_in = (user is not None and user.is_authenticated) or bool(
            request.META.get("HTTP_AUTHORIZATION")
        )
        if signed_in and "no-store" not in response.get("Cache-Control", ""):
            patch_cache_control(response, no_store=True, private=True)
        return response
