"""Channel backends: console, file and an HTTP SMS gateway (a real local server)."""

from __future__ import annotations

import io
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from pipeline.channels import (
    SMS,
    ConsoleSMSBackend,
    FileSMSBackend,
    HTTPSMSBackend,
    PermanentChannelError,
    TransientChannelError,
    sms_send_many,
)
from pipeline.local_gateway import LocalGateway


class Gateway(BaseHTTPRequestHandler):
    """Answers with the status code the test sets; remembers what it received."""

    status = 200
    received: list = []

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        Gateway.received.append(
            (self.headers["Authorization"], json.loads(self.rfile.read(length)))
        )
        self.send_response(Gateway.status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps({"id": "gw-77", "status": "queued"}).encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def gateway():
    Gateway.status, Gateway.received = 200, []
    server = HTTPServer(("127.0.0.1", 0), Gateway)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/send"
    server.shutdown()
    server.server_close()


def test_the_http_backend_posts_the_message_with_its_token_and_reference(gateway):
    delivery = HTTPSMSBackend(url=gateway, token="s3cret").send(
        to="+15550001111", body="Hello", reference="msg-1"
    )
    assert (delivery.provider_reference, delivery.status) == ("gw-77", "queued")
    assert Gateway.received == [
        ("Bearer s3cret", {"to": "+15550001111", "body": "Hello", "client_reference": "msg-1"})
    ]


@pytest.mark.parametrize(
    ("status", "error"),
    [(503, TransientChannelError), (429, TransientChannelError), (400, PermanentChannelError)],
)
def test_gateway_errors_are_told_apart_for_retrying(gateway, status, error):
    Gateway.status = status
    with pytest.raises(error, match=str(status)):
        HTTPSMSBackend(url=gateway, token="t").send(to="+1", body="x", reference="msg-2")


def test_an_unreachable_gateway_is_worth_retrying():
    backend = HTTPSMSBackend(url="http://127.0.0.1:9/send", token="t", timeout=1)
    with pytest.raises(TransientChannelError, match="unreachable"):
        backend.send(to="+1", body="x", reference="msg-3")


def test_the_console_backend_prints_the_message():
    stream = io.StringIO()
    ConsoleSMSBackend(stream=stream).send(to="+1555", body="Pay now", reference="msg-4")
    assert stream.getvalue() == "SMS to +1555 [msg-4]: Pay now\n"


def test_the_file_backend_appends_json_lines(tmp_path):
    backend = FileSMSBackend(path=str(tmp_path / "out" / "sms.jsonl"))
    backend.send(to="+1", body="one", reference="msg-5")
    backend.send(to="+2", body="two", reference="msg-6")
    lines = (tmp_path / "out" / "sms.jsonl").read_text().splitlines()
    assert [json.loads(line)["reference"] for line in lines] == ["msg-5", "msg-6"]


@pytest.fixture
def local_gateway():
    gateway = LocalGateway().start()
    yield gateway
    gateway.stop()


def test_the_http_backend_hands_a_batch_over_in_one_request(local_gateway):
    backend = HTTPSMSBackend(url="", batch_url=local_gateway.batch_url, token="t")
    messages = [SMS(to=f"+1555000{n:04d}", body="Hello", reference=f"msg-{n}") for n in range(3)]

    answers = backend.send_many(messages)

    assert [answer.status for answer in answers] == ["accepted"] * 3
    assert local_gateway.delivered == ["msg-0", "msg-1", "msg-2"]
    # The single send goes through the batch endpoint when it is the only one configured.
    assert backend.send(to="+15550009999", body="Hi", reference="msg-9").status == "accepted"


def test_the_gateway_delivers_a_message_sent_again_under_its_reference_once(local_gateway):
    backend = HTTPSMSBackend(url="", batch_url=local_gateway.batch_url, token="t")
    first = backend.send_many([SMS(to="+15550001111", body="Hello", reference="msg-1")])
    again = backend.send_many(
        [
            SMS(to="+15550001111", body="Hello", reference="msg-1"),
            SMS(to="+15550002222", body="Hello", reference="msg-2"),
        ]
    )
    assert again[0].provider_reference == first[0].provider_reference
    assert local_gateway.delivered == ["msg-1", "msg-2"]
    assert local_gateway.received == {"msg-1": 2, "msg-2": 1}


def test_a_batch_the_gateway_refuses_whole_fails_each_message_for_retrying(gateway):
    Gateway.status = 503
    backend = HTTPSMSBackend(url=gateway, batch_url=gateway, token="t")
    answers = backend.send_many([SMS(to="+1", body="a", reference=f"msg-{n}") for n in range(2)])
    assert [type(answer) for answer in answers] == [TransientChannelError] * 2


def test_without_a_batch_url_the_http_backend_sends_one_by_one(gateway):
    backend = HTTPSMSBackend(url=gateway, batch_url="", token="t")
    answers = sms_send_many(backend, [SMS(to="+1", body="a", reference=f"msg-{n}") for n in (1, 2)])
    assert [answer.provider_reference for answer in answers] == ["gw-77", "gw-77"]
    assert [body["client_reference"] for _, body in Gateway.received] == ["msg-1", "msg-2"]


def test_the_file_backend_writes_a_batch_at_once(tmp_path):
    backend = FileSMSBackend(path=str(tmp_path / "sms.jsonl"))
    backend.send_many([SMS(to="+1", body="a", reference=f"msg-{n}") for n in (1, 2)])
    lines = (tmp_path / "sms.jsonl").read_text().splitlines()
    assert [json.loads(line)["reference"] for line in lines] == ["msg-1", "msg-2"]
