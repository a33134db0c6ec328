"""Payment providers: where the portal sends a debtor to pay, and how it knows a provider's
notice (the webhook) is genuine. `PAYMENT_PROVIDER` names the class in use.

A provider's notice is a JSON body `{"reference": ..., "status": "paid" | "failed",
"amount": "12.34", "currency": "USD", "sent_at": <Unix seconds>}` signed with HMAC-SHA256
under PAYMENT_WEBHOOK_SECRET, the hex digest in the `X-Payment-Signature` header; a notice
sent more than PAYMENT_NOTICE_MAX_AGE_SECONDS before (or after) it arrives is refused. A
provider speaking another dialect gets a class of its own that reads it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from functools import cache

from django.conf import settings
from django.urls import reverse
from django.utils.module_loading import import_string

SIGNATURE_HEADER = "X-Payment-Signature"


class PaymentProvider:
    """The interface: the page a payment is made on, and the check of a notice's signature."""

    name = "provider"

    def checkout_url(self, *, reference: str, amount, currency: str, return_url: str) -> str:
        raise NotImplementedError

    def sign(self, body: bytes) -> str:
        secret = settings.PAYMENT_WEBHOOK_SECRET.encode()
        return hmac.new(secret, body, hashlib.sha256).hexdigest()

    def notice_of(self, *, body: bytes, signature: str) -> dict | None:
        """The notice in `body` if `signature` is the provider's for it, else None."""
        if not signature or not hmac.compare_digest(self.sign(body), signature.strip().lower()):
            return None
        try:
            notice = json.loads(body)
        except ValueError:
            return None
        return notice if isinstance(notice, dict) else None


class LocalFakeProvider(PaymentProvider):
    """A provider played by a page of the portal itself (`portal:fake_provider`), for the demo
    and the tests: the whole flow runs on one machine, offline. Never for real money."""

    name = "local-fake"

    def checkout_url(self, *, reference: str, amount, currency: str, return_url: str) -> str:
        return reverse("portal:fake_provider", args=[reference])

    def notice(
        self, *, reference: str, status: str, amount, currency: str, sent_at: dt.datetime
    ) -> tuple[bytes, str]:
        """(body, signature) of the notice this provider sends about a payment at `sent_at`."""
        body = json.dumps(
            {
                "reference": reference,
                "status": status,
                "amount": str(amount),
                "currency": currency,
                "sent_at": int(sent_at.timestamp()),
            }
        ).encode()
        return body, self.sign(body)


@cache
def _provider(path: str) -> PaymentProvider:
    return import_string(path)()


def payment_provider() -> PaymentProvider:
    return _provider(settings.PAYMENT_PROVIDER)
