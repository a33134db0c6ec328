"""Keyed hashing of national ID numbers: the number is never stored, only its hash and last four."""

from __future__ import annotations

import hashlib
import hmac

from django.conf import settings
from django.utils.translation import gettext


def normalise_national_id(raw: str) -> str:
    return "".join(ch for ch in raw.upper() if ch.isalnum())


def national_id_hash(raw: str) -> str:
    """HMAC-SHA256 of the normalised number under NATIONAL_ID_HASH_KEY (hex, 64 chars)."""
    key = settings.NATIONAL_ID_HASH_KEY.encode()
    return hmac.new(key, normalise_national_id(raw).encode(), hashlib.sha256).hexdigest()


def national_id_fields(raw: str) -> dict[str, str]:
    """The Debtor fields that stand for a national ID number."""
    normalised = normalise_national_id(raw)
    if len(normalised) < 4:
        raise ValueError(gettext("A national ID number has at least four characters."))
    return {"national_id_hash": national_id_hash(normalised), "national_id_last4": normalised[-4:]}
