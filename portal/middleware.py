import logging

from django.conf import settings
from django.db import DataError, IntegrityError, InterfaceError, OperationalError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _

logger = logging.getLogger(__name__)


class LanguageMiddleware:
    """Simplified Chinese unless the user chose another language (the language cookie).

    Unlike Django's LocaleMiddleware, the browser's Accept-Language is not consulted: the portal
    speaks Chinese by default even in a browser set to English.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _ in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = translation.get_language()
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response


class PasswordChangeRequiredMiddleware:
    """A user whose password was issued by somebody else must choose her own before anything else.

    The API keeps the same rule with an error instead of a redirect (portal.authentication).
    """

    allowed_prefixes = ("/accounts/", "/static/", "/i18n/", "/healthz/", "/api/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and getattr(user, "must_change_password", False)
            and not request.path.startswith(self.allowed_prefixes)
        ):
            return redirect(f"{reverse('portal:password-change')}?next={request.path}")
        return self.get_response(request)


class DatabaseRefusalMiddleware:
    """A write the database itself refused reaches the user as a sentence, never as a 500; so
    does a database that could not be reached (its connection dropped mid-request): 503.

    The services check every rule first; what can still reach the database is a race (two
    requests creating the same thing at once), which its constraints refuse. The transaction
    rolled back, so nothing was written; the user is told to reload and try again. The API has
    the same in its exception handler.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, (OperationalError, InterfaceError)):
            return self.unavailable(exception)
        if isinstance(exception, IntegrityError):
            message, status = _("数据已被其他操作修改，请刷新页面后重试。"), 409
        elif isinstance(exception, DataError):
            message, status = _("提交的数据超出允许的范围，请检查后重试。"), 400
        else:
            return None
        logger.warning("Write refused by the database: %s", type(exception).__name__)
        return render(
            request, "refused.html", {"status": status, "message": message}, status=status
        )

    @staticmethod
    def unavailable(exception: Exception) -> HttpResponse:
        """The database went away (restarted, connection dropped): the transaction did not
        commit. Rendered without the request's context processors, which would ask the database."""
        logger.error("Database unavailable during a request: %s", exception)
        page = render_to_string("503.html", {"language_code": translation.get_language()})
        response = HttpResponse(page, status=503)
        response["Retry-After"] = "30"
        return response
