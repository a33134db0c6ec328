"""Channel backends for outbound messages, chosen in settings like Django's email backends.

`SMS_BACKEND` names a class with `send(*, to, body, reference) -> Delivery`; it raises
`TransientChannelError` for failures worth retrying (timeouts, 5xx) and
`PermanentChannelError` for those that are not (a rejected number). Email goes through
Django's email framework; letters are rendered to HTML and PDF and stored.
"""

from __future__ import annotations

import json
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.utils.module_loading import import_string


@dataclass(frozen=True)
class Delivery:
    provider_reference: str
    status: str


class ChannelError(Exception):
    pass


class TransientChannelError(ChannelError):
    """Worth another try later."""


class PermanentChannelError(ChannelError):
    """Trying again will not help."""


class ConsoleSMSBackend:
    """Prints each SMS; the development default."""

    def __init__(self, stream=None):
        self.stream = stream or sys.stdout

    def send(self, *, to: str, body: str, reference: str) -> Delivery:
        self.stream.write(f"SMS to {to} [{reference}]: {body}\n")
        self.stream.flush()
        return Delivery(provider_reference=f"console-{reference}", status="printed")


class FileSMSBackend:
    """Appends each SMS as a JSON line to a file (for staging environments and audits)."""

    def __init__(self, path: str | None = None):
        self.path = Path(path or settings.SMS_FILE_PATH)

    def send(self, *, to: str, body: str, reference: str) -> Delivery:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(json.dumps({"to": to, "body": body, "reference": reference}) + "\n")
        return Delivery(provider_reference=f"file-{reference}", status="written")


class HTTPSMSBackend:
    """POSTs JSON `{to, body, client_reference}` to an SMS gateway with a bearer token.

    The gateway answers `{"id": ..., "status": ...}`. `client_reference` is the message's
    own id, so a gateway that deduplicates on it never delivers a retried message twice.
    """

    def __init__(
        self, url: str | None = None, token: str | None = None, timeout: float | None = None
    ):
        self.url = url or settings.SMS_GATEWAY_URL
        self.token = token if token is not None else settings.SMS_GATEWAY_TOKEN
        self.timeout = timeout or settings.SMS_GATEWAY_TIMEOUT
        if not self.url:
            raise PermanentChannelError("SMS_GATEWAY_URL is not set.")

    def send(self, *, to: str, body: str, reference: str) -> Delivery:
        payload = json.dumps({"to": to, "body": body, "client_reference": reference}).encode()
        request = urllib.request.Request(
            self.url,
            data=payload,
            method="POST",
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.token}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                answer = json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            detail = f"gateway answered {error.code}"
            if error.code >= 500 or error.code == 429:
                raise TransientChannelError(detail) from error
            raise PermanentChannelError(detail) from error
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            raise TransientChannelError(f"gateway unreachable: {error}") from error
        except ValueError as error:
            raise TransientChannelError("gateway answered something that is not JSON") from error
        return Delivery(
            provider_reference=str(answer.get("id", "")),
            status=str(answer.get("status", "accepted")),
        )


def get_sms_backend():
    return import_string(settings.SMS_BACKEND)()
