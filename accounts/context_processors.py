from accounts.navigation import nav_links_for


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"nav_links": nav_links_for(user), "user_role": user.role}


def idle_session(request):
    """How long the session lasts without a request, for the page's idle warning."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"session_idle_seconds": request.session.get_expiry_age()}
