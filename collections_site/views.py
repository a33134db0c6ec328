"""Site-wide pages that belong to no domain."""

from __future__ import annotations

from django.shortcuts import redirect
from django.templatetags.static import static


def favicon(request):
    """Browsers ask for /favicon.ico on pages that name no icon (the admin's, a PDF's)."""
    return redirect(static("favicon.svg"), permanent=True)
