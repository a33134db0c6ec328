from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from accounts.forms import LoginForm
from accounts.navigation import ROLE_HOME


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


@login_required
def home(request):
    """Send each role to the page it works from."""
    role = request.user.role
    if role is None:
        return render(request, "accounts/no_role.html", status=403)
    return redirect(ROLE_HOME[role])
