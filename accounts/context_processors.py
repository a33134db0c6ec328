from django.conf import settings

from accounts.navigation import nav_bar_for


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    in_bar, under_more = nav_bar_for(user)
    return {
        "nav_links": in_bar,
        "nav_more_links": under_more,
        "user_role": user.role,
        "languages": settings.LANGUAGES,
    }


def idle_session(request):
    """How long the session lasts without a request, for the page's idle warning."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"session_idle_seconds": request.session.get_expiry_age()}
