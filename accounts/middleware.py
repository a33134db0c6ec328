"""The signed-in session: which requests restart its idle timer, what an htmx request gets once
it has ended, and the language the user's pages speak."""

from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.http import HttpRequest, HttpResponse, QueryDict
from django.http.response import HttpResponseRedirectBase
from django.shortcuts import resolve_url
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django_htmx.http import HttpResponseClientRedirect

View = Callable[..., HttpResponse]

# On a response whose request restarted the idle timer: the page's idle warning counts from it.
SESSION_RENEWED_HEADER = "Session-Renewed"
# Tells the log-in page why the person is back, and so what it says.
SESSION_ENDED_PARAMETER = "session_ended"
SESSION_ENDED_UNSAVED = "unsaved"  # a person's action reached the server after the end
SESSION_ENDED_IDLE = "idle"  # only the page's own upkeep did: nothing of theirs was lost


def does_not_renew_session(view: View) -> View:
    """Mark a view that a page calls by itself, not at a person's action (the case page renewing
    its lease): its requests leave the session's idle timer where it is."""
    view.renews_session = False
    return view


def renews_session(request: HttpRequest) -> bool:
    match = request.resolver_match
    return match is None or getattr(match.func, "renews_session", True)


class SessionActivityMiddleware:
    """Restart a signed-in session's idle timer on every request a person makes.

    In place of SESSION_SAVE_EVERY_REQUEST, which counts a page's own upkeep too: the case page
    renews its lease every few minutes, so an unattended case page would stay signed in, the
    debtor's details on the screen, for as long as it is open.
    """

    def __init__(self, get_response: View) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        # The session middleware saves nothing with an error response: no renewal to announce.
        if request.user.is_authenticated and response.status_code < 500 and renews_session(request):
            request.session.modified = True
            response[SESSION_RENEWED_HEADER] = "true"
        return response


class HtmxSessionEndedMiddleware:
    """Send the whole page to log in when an htmx request finds the session ended.

    Left alone, htmx follows the redirect to log in and swaps the log-in page into the page the
    request came from: the action is lost and nothing says so. Here htmx is told to navigate
    instead (HX-Redirect), to a log-in page that says the session had ended and leads back to
    the page the person was on (its path on this site, never an address elsewhere).
    """

    def __init__(self, get_response: View) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if request.htmx and not request.user.is_authenticated and _is_login(response):
            return HttpResponseClientRedirect(_login_url(request))
        return response


def _is_login(response: HttpResponse) -> bool:
    return isinstance(response, HttpResponseRedirectBase) and urlsplit(
        response.url
    ).path == resolve_url(settings.LOGIN_URL)


def _login_url(request: HttpRequest) -> str:
    query = QueryDict(mutable=True)
    page = _page_on_this_site(request)
    if page:
        query[REDIRECT_FIELD_NAME] = page
    query[SESSION_ENDED_PARAMETER] = (
        SESSION_ENDED_UNSAVED if renews_session(request) else SESSION_ENDED_IDLE
    )
    return f"{resolve_url(settings.LOGIN_URL)}?{query.urlencode(safe='/')}"


def _page_on_this_site(request: HttpRequest) -> str | None:
    """The path of the page that sent the htmx request (HX-Current-URL), if it is one of ours."""
    path = request.htmx.current_url_abs_path  # None unless the scheme and host are ours
    if path and url_has_allowed_host_and_scheme(
        path, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return path
    return None


class UserLanguageMiddleware:
    """Speak the signed-in user's language, when their profile names one.

    After AuthenticationMiddleware, which tells who the user is; LocaleMiddleware has already
    chosen a language from the language cookie or the browser's Accept-Language, and that
    choice stands for visitors and for users who have not chosen (User.language blank).
    """

    def __init__(self, get_response: View) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated and user.language:
            translation.activate(user.language)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)
