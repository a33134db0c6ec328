"""The links to the debtor portal that messages carry: short enough for an SMS, signed, and
naming the case and the message that carries them.

A token is `<case>-<message>-<tag>` (ids in base 36) where the tag is an HMAC-SHA256 of both ids
under the project's secret (and its fallbacks, so a key rotation leaves sent links working),
cut to 96 bits: no one can make or change one, and no two messages share one. The token holds
no date: a link expires with its message (its sending time), which the portal looks up.
"""

from __future__ import annotations

import base64
import secrets

from django.conf import settings
from django.urls import reverse
from django.utils.crypto import salted_hmac

SALT = "portal.message-link"
TAG_BYTES = 12
DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz"


def _base36(number: int) -> str:
    text = ""
    while True:
        number, digit = divmod(number, 36)
        text = DIGITS[digit] + text
        if not number:
            return text


def _tag(case_id: int, message_id: int, secret: str) -> str:
    digest = salted_hmac(SALT, f"{case_id}.{message_id}", secret=secret, algorithm="sha256")
    return base64.urlsafe_b64encode(digest.digest()[:TAG_BYTES]).decode()


def message_link_token(*, case_id: int, message_id: int) -> str:
    return (
        f"{_base36(case_id)}-{_base36(message_id)}-{_tag(case_id, message_id, settings.SECRET_KEY)}"
    )


def message_link_url(*, base_url: str, case_id: int, message_id: int) -> str:
    """The absolute link a message carries (`base_url`: scheme and host of the portal)."""
    [url] = message_link_urls(base_url=base_url, ids=[(case_id, message_id)])
    return url


def message_link_urls(*, base_url: str, ids: list[tuple[int, int]]) -> list[str]:
    """`message_link_url` for each (case id, message id) pair, the portal's path reversed
    once around a stand-in token (a token needs no quoting in a path)."""
    head, _, tail = reverse("portal:link", args=["token"]).rpartition("token")
    head = base_url.rstrip("/") + head
    return [
        f"{head}{message_link_token(case_id=case_id, message_id=message_id)}{tail}"
        for case_id, message_id in ids
    ]


def message_link_ids(token: str) -> tuple[int, int] | None:
    """(case id, message id) a genuine token names; None for anything else."""
    parts = token.split("-", 2)  # the tag's own alphabet has "-" too
    if len(parts) != 3 or not all(parts[:2]) or len(parts[0]) + len(parts[1]) > 24:
        return None
    try:
        case_id, message_id = int(parts[0], 36), int(parts[1], 36)
    except ValueError:
        return None
    if parts[0] != _base36(case_id) or parts[1] != _base36(message_id):
        return None  # one spelling per id: "0a" or "A" would name "a" too
    for secret in [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]:
        if secrets.compare_digest(parts[2], _tag(case_id, message_id, secret)):
            return case_id, message_id
    return None
