from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from accounts.forms import LoginForm
from accounts.middleware import (
    SESSION_ENDED_IDLE,
    SESSION_ENDED_PARAMETER,
    SESSION_ENDED_UNSAVED,
)
from accounts.navigation import ROLE_HOME

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
