from __future__ import annotations

from django.conf import settings
from django.contrib.auth import REDIRECT_FIELD_NAME
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.forms import LanguageForm, LoginForm
from accounts.middleware import (
    SESSION_ENDED_IDLE,
    SESSION_ENDED_PARAMETER,
    SESSION_ENDED_UNSAVED,
)
from accounts.navigation import ROLE_HOME
from accounts.services import user_language_set

# What the log-in page says to a person whom an htmx request found signed out
# (HtmxSessionEndedMiddleware).
SESSION_ENDED_NOTICES = {
    SESSION_ENDED_UNSAVED: gettext_lazy(
        "Your session had ended, so your last action was not saved. "
        "Log in again to go back to the page and do it again."
    ),
    SESSION_ENDED_IDLE: gettext_lazy(
        "Your session had ended. Log in again to go back to the page."
    ),
}


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        ended = self.request.GET.get(SESSION_ENDED_PARAMETER, "")
        context["session_ended_notice"] = SESSION_ENDED_NOTICES.get(ended)
        return context

    def form_valid(self, form):
        response = super().form_valid(form)
        language = form.cleaned_data["language"]
        if language and not self.request.user.language:
            user_language_set(user=self.request.user, language=language)
        return response


class LogoutView(auth_views.LogoutView):
    pass


@login_required
def home(request):
    """Send each role to the page it works from; a user without a role is told so here (the
    page is theirs to see, so not a 403)."""
    role = request.user.role
    if role is None:
        return render(request, "accounts/no_role.html")
    return redirect(ROLE_HOME[role])


@login_required
@require_POST
def session_renew(request):
    """The idle warning's "Stay signed in": the request itself restarts the session's idle timer,
    as any request a person makes does (SessionActivityMiddleware); it does nothing else."""
    return HttpResponse(status=204)


@login_required
@require_POST
def language_switch(request):
    """The navigation's language switcher: the choice is kept on the profile and in the
    language cookie, and the person goes back to the page they were on."""
    form = LanguageForm(request.POST)
    if not form.is_valid():
        return redirect(_destination(request, request.POST))
    language = form.cleaned_data["language"]
    user_language_set(user=request.user, language=language)
    response = HttpResponseRedirect(_destination(request, request.POST))
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,
    )
    return response


def _destination(request: HttpRequest, data) -> str:
    """The `next` page named in `data` when it is one of this site's, else the home page."""
    destination = data.get(REDIRECT_FIELD_NAME, "")
    if url_has_allowed_host_and_scheme(
        destination, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return destination
    return reverse("home")
