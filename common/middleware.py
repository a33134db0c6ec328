"""Middleware every page passes through: what no page may be given, and what no answer may
leave behind."""

from __future__ import annotations

from django.shortcuts import render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _

NUL = "\x00"
# Answers that are files to keep (exports, statements): never cached, whoever asked.
DOWNLOAD_TYPES = ("text/csv", "application/pdf")


class RefuseNulBytesMiddleware:
    """A request with a NUL character in its path, query string or form fields answers 400.

    No form of the product accepts NUL (a text with one cannot be stored in PostgreSQL), but a
    filter read straight from the query string would reach the database with it and fail. The
    one check here spares every view that check. Uploaded files are left to their own checks.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if _holds_nul(request):
            return render(
                request,
                "400.html",
                {
                    "reason": _(
                        "The address or the form holds a NUL character (%00), which no field "
                        "accepts. Remove it and try again."
                    )
                },
                status=400,
            )
        return self.get_response(request)


def _holds_nul(request) -> bool:
    if NUL in request.path:
        return True
    fields = [request.GET] + ([request.POST] if request.method == "POST" else [])
    return any(
        NUL in key or any(NUL in value for value in values)
        for query in fields
        for key, values in query.lists()
    )


class NoStoreMiddleware:
    """Pages shown to a signed-in user, and every download, are sent with Cache-Control:
    no-store, so that no browser or proxy keeps a debtor's data once the page is left (the
    back button after log-out, a shared computer, a caching proxy)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        signed_in = user is not None and user.is_authenticated
        download = response.get("Content-Type", "").startswith(DOWNLOAD_TYPES) or response.get(
            "Content-Disposition", ""
        ).startswith("attachment")
        if signed_in or download:
            add_never_cache_headers(response)
        return response
