"""Who may open a view: one decorator for every page that needs a permission."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse

View = Callable[..., HttpResponse]


def permission_required_or_404(*permissions: str) -> Callable[[View], View]:
    """Send an anonymous visitor to log in (and back, with `next`); answer 404 to a user
    without every one of `permissions`.

    A 404 rather than a 403, so that a page closed to a role is indistinguishable from one that
    does not exist, and nothing is logged as an error for an ordinary refusal.
    """

    def decorator(view: View) -> View:
        @wraps(view)
        @login_required
        def guarded(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.has_perms(permissions):
                raise Http404
            return view(request, *args, **kwargs)

        return guarded

    return decorator


def posted_id(request: HttpRequest, name: str) -> int:
    """The row id a form posted under `name`; 404 for anything that is not one (a person can
    post any text: it must not reach the database as a lookup)."""
    value = request.POST.get(name, "")
    if not (value.isascii() and value.isdecimal() and len(value) <= 18):
        raise Http404
    return int(value)
