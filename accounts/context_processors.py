from accounts.navigation import nav_links_for


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"nav_links": nav_links_for(user), "user_role": user.role}
