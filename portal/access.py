"""How a debtor gets into the portal: the signed links, and the portal's own session, a signed
cookie apart from the staff's session.

The links messages carry are made and read by common.portal_links (the pipeline, below the
portal, puts them in its messages); `portal_link_path` makes one for a case alone, with a nonce
and a date of its own. Either names its case and expires (PORTAL_LINK_MAX_AGE_DAYS); it proves
nothing about who holds it, so it only spares the debtor typing the account reference. The
portal session holds the case whose debtor answered the identity questions, for
PORTAL_SESSION_MINUTES of inactivity; it is never a staff session, and a staff session never
opens the portal.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, replace

from django.conf import settings
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.urls import reverse

LINK_SALT = "portal.link"
SESSION_SALT = "portal.session"
SESSION_COOKIE = "portal_session"


def portal_link_token(*, case_id: int) -> str:
    """A token for one message's link to the case's portal: signed, with a nonce of its own,
    so no two messages carry the same link and none can be guessed."""
    return signing.dumps({"case": case_id, "n": secrets.token_urlsafe(6)}, salt=LINK_SALT)


def portal_link_path(*, case_id: int) -> str:
    return reverse("portal:link", args=[portal_link_token(case_id=case_id)])


def case_id_of_link(token: str) -> int | None:
    """The case a link's token names; None if it was tampered with, forged or has expired."""
    try:
        payload = signing.loads(
            token, salt=LINK_SALT, max_age=settings.PORTAL_LINK_MAX_AGE_DAYS * 86400
        )
    except signing.BadSignature:
        return None
    case_id = payload.get("case") if isinstance(payload, dict) else None
    return case_id if isinstance(case_id, int) else None


@dataclass(frozen=True)
class PortalSession:
    """What the portal's cookie holds: the case of a link being answered (`pending`), or the
    case whose debtor proved their identity (`case`), the visit (portal.models.PortalVisit)
    that arrival is, and the language they read in."""

    pending: int | None = None
    case: int | None = None
    language: str = ""
    visit: int | None = None

    @property
    def verified(self) -> bool:
        return self.case is not None


def portal_session(request: HttpRequest) -> PortalSession:
    try:
        payload = request.get_signed_cookie(
            SESSION_COOKIE, salt=SESSION_SALT, max_age=settings.PORTAL_SESSION_MINUTES * 60
        )
        data = json.loads(payload)
    except (KeyError, signing.BadSignature, ValueError):
        return PortalSession()
    if not isinstance(data, dict):
        return PortalSession()
    pending, case, visit = data.get("pending"), data.get("case"), data.get("visit")
    language = data.get("language", "")
    return PortalSession(
        pending=pending if isinstance(pending, int) else None,
        case=case if isinstance(case, int) else None,
        language=language if language in dict(settings.LANGUAGES) else "",
        visit=visit if isinstance(visit, int) else None,
    )


def portal_session_store(response: HttpResponse, session: PortalSession) -> HttpResponse:
    """Keep `session` in the portal's cookie for another PORTAL_SESSION_MINUTES."""
    data = json.dumps(
        {
            "pending": session.pending,
            "case": session.case,
            "language": session.language,
            "visit": session.visit,
        }
    )
    response.set_signed_cookie(
        SESSION_COOKIE,
        data,
        salt=SESSION_SALT,
        max_age=settings.PORTAL_SESSION_MINUTES * 60,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )
    return response


def portal_session_end(response: HttpResponse) -> HttpResponse:
    response.delete_cookie(SESSION_COOKIE, samesite="Lax")
    return response


def verified_session(*, case_id: int, language: str, visit_id: int | None) -> PortalSession:
    return PortalSession(case=case_id, language=language, visit=visit_id)


def with_language(session: PortalSession, language: str) -> PortalSession:
    return replace(session, language=language)
