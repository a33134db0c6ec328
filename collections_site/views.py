"""Site-wide pages that belong to no domain."""

from __future__ import annotations

import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.template import loader
from django.templatetags.static import static
from django.views import defaults

# Long enough for PostgreSQL to restart or fail over, short enough that nobody gives up.
DATABASE_RETRY_AFTER_SECONDS = 10


def favicon(request):
    """Browsers ask for /favicon.ico on pages that name no icon (the admin's, a PDF's)."""
    return redirect(static("favicon.svg"), permanent=True)


def server_error(request, template_name=defaults.ERROR_500_TEMPLATE_NAME):
    """The 500 handler, except when the failure is the database's (a connection lost, a restart,
    a lock not granted): then 503, "try again", with Retry-After.

    Django calls the handler while it handles the exception, so `sys.exc_info()` names it. The
    503 page, like the 500 one, is rendered without a request: nothing in it may need the
    database again."""
    failure = sys.exc_info()[1]
    if isinstance(failure, (OperationalError, InterfaceError)):
        response = HttpResponse(loader.get_template("503.html").render(), status=503)
        response["Retry-After"] = str(DATABASE_RETRY_AFTER_SECONDS)
        return response
    return defaults.server_error(request, template_name)
