from django.conf import settings
from django.utils import translation


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
