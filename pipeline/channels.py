"""Channel backends for outbound messages, chosen in settings like Django's email backends.

`SMS_BACKEND` names a class with `send(*, to, body, reference) -> Delivery`; it raises
`TransientChannelError` for failures worth retrying (timeouts, 5xx) and
`PermanentChannelError` for those that are not (a rejected number). A backend may also have
`send_many(messages) -> list[Delivery | ChannelError]`, one answer per `SMS` in order, to hand
the gateway a whole batch at once; `sms_send_many` falls back to one by one for the others.
Email goes through Django's email framework; letters are rendered to HTML and PDF and stored.
"""

from __future__ import annotations

import fcntl
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


@dataclass(frozen=True)
class SMS:
    to: str
    body: str
    reference: str  # the message's own, so a gateway drops a second send of it


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

    def send_many(self, messages: list[SMS]) -> list[Delivery | ChannelError]:
        return [self.send(to=sms.to, body=sms.body, reference=sms.reference) for sms in messages]


class FileSMSBackend:
    """Appends each SMS as a JSON line to a file (for staging environments and audits)."""

    def __init__(self, path: str | None = None):
        self.path = Path(path or settings.SMS_FILE_PATH)

    def send(self, *, to: str, body: str, reference: str) -> Delivery:
        [delivery] = self.send_many([SMS(to=to, body=body, reference=reference)])
        return delivery

    def send_many(self, messages: list[SMS]) -> list[Delivery | ChannelError]:
        """One write for the batch, under an exclusive lock: workers in several processes
        share the file without interleaving their lines."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        lines = "".join(
            json.dumps({"to": sms.to, "body": sms.body, "reference": sms.reference}) + "\n"
            for sms in messages
        )
        with self.path.open("a", encoding="utf-8") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                handle.write(lines)
                handle.flush()
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        return [
            Delivery(provider_reference=f"file-{sms.reference}", status="written")
            for sms in messages
        ]


class HTTPSMSBackend:
    """POSTs JSON `{to, body, client_reference}` to an SMS gateway with a bearer token.

    The gateway answers `{"id": ..., "status": ...}`. `client_reference` is the message's
    own id, so a gateway that deduplicates on it never delivers a retried message twice.

    Batch mode (`SMS_GATEWAY_BATCH_URL` set): `send_many` POSTs `{"messages": [{to, body,
    client_reference}, ...]}` once, and the gateway answers `{"results": [{client_reference,
    id, status} or {client_reference, error, permanent}, ...]}`, one per message; a message
    the answer leaves out is a transient failure (tried again under the same reference).
    Without it, `send_many` sends one by one.
    """

    def __init__(
        self,
        url: str | None = None,
        token: str | None = None,
        timeout: float | None = None,
        batch_url: str | None = None,
    ):
        self.url = url or settings.SMS_GATEWAY_URL
        self.batch_url = batch_url if batch_url is not None else settings.SMS_GATEWAY_BATCH_URL
        self.token = token if token is not None else settings.SMS_GATEWAY_TOKEN
        self.timeout = timeout or settings.SMS_GATEWAY_TIMEOUT
        if not self.url and not self.batch_url:
            raise PermanentChannelError("SMS_GATEWAY_URL is not set.")

    def _post(self, url: str, payload: dict):
        request = urllib.request.Request(
            url,
            data=json.dumps(payload).encode(),
            method="POST",
            headers={"Content-Type": "application/json", "Authorization": f"Bearer {self.token}"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            detail = f"gateway answered {error.code}"
            if error.code >= 500 or error.code == 429:
                raise TransientChannelError(detail) from error
            raise PermanentChannelError(detail) from error
        except (urllib.error.URLError, TimeoutError, OSError) as error:
            raise TransientChannelError(f"gateway unreachable: {error}") from error
        except ValueError as error:
            raise TransientChannelError("gateway answered something that is not JSON") from error

    def send(self, *, to: str, body: str, reference: str) -> Delivery:
        if not self.url:
            [answer] = self.send_many([SMS(to=to, body=body, reference=reference)])
            if isinstance(answer, ChannelError):
                raise answer
            return answer
        answer = self._post(self.url, {"to": to, "body": body, "client_reference": reference})
        return Delivery(
            provider_reference=str(answer.get("id", "")),
            status=str(answer.get("status", "accepted")),
        )

    def send_many(self, messages: list[SMS]) -> list[Delivery | ChannelError]:
        if not self.batch_url:
            return send_one_by_one(self, messages)
        if not messages:
            return []
        payload = {
            "messages": [
                {"to": sms.to, "body": sms.body, "client_reference": sms.reference}
                for sms in messages
            ]
        }
        try:
            answer = self._post(self.batch_url, payload)
        except ChannelError as error:
            return [error] * len(messages)
        results = answer.get("results") if isinstance(answer, dict) else None
        by_reference = {
            str(result.get("client_reference")): result
            for result in results or []
            if isinstance(result, dict)
        }
        answers: list[Delivery | ChannelError] = []
        for sms in messages:
            result = by_reference.get(sms.reference)
            if result is None:
                answers.append(TransientChannelError("the gateway's answer left this message out"))
            elif result.get("error"):
                kind = PermanentChannelError if result.get("permanent") else TransientChannelError
                answers.append(kind(f"gateway refused it: {result['error']}"))
            else:
                answers.append(
                    Delivery(
                        provider_reference=str(result.get("id", "")),
                        status=str(result.get("status", "accepted")),
                    )
                )
        return answers


def send_one_by_one(backend, messages: list[SMS]) -> list[Delivery | ChannelError]:
    """A batch through a backend's `send`, one message after the other."""
    answers: list[Delivery | ChannelError] = []
    for sms in messages:
        try:
            answers.append(backend.send(to=sms.to, body=sms.body, reference=sms.reference))
        except ChannelError as error:
            answers.append(error)
    return answers


def sms_send_many(backend, messages: list[SMS]) -> list[Delivery | ChannelError]:
    """Hand `messages` to `backend` in one batch when it has a batch mode, else one by one."""
    if hasattr(backend, "send_many"):
        return backend.send_many(messages)
    return send_one_by_one(backend, messages)


def get_sms_backend():
    return import_string(settings.SMS_BACKEND)()
