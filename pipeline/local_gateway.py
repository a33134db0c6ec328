"""A small SMS gateway on this machine, for development, tests and benchmarks.

It speaks what `HTTPSMSBackend` speaks, one message (`POST /send`) or a batch (`POST /batch`),
and behaves as a gateway should about references: a message whose `client_reference` it has
already accepted is answered with the first acceptance and not delivered again. It counts
what it received and what it delivered, by reference.

    python -m pipeline.local_gateway 8025   # then SMS_GATEWAY_BATCH_URL=http://127.0.0.1:8025/batch
"""

from __future__ import annotations

import json
import sys
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class LocalGateway:
    """The gateway served from a thread; `url` and `batch_url` once started."""

    def __init__(self, port: int = 0):
        self.received: Counter[str] = Counter()  # every message handed over, by reference
        self.delivered: list[str] = []  # each reference once, in the order delivered
        self._accepted: dict[str, str] = {}
        self._lock = threading.Lock()
        self.server = ThreadingHTTPServer(("127.0.0.1", port), _handler(self))
        self.server.daemon_threads = True
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/send"

    @property
    def batch_url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/batch"

    def start(self) -> LocalGateway:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def accept(self, message: dict) -> dict:
        reference = str(message.get("client_reference", ""))
        if not message.get("to") or not reference:
            return {"client_reference": reference, "error": "to and client_reference are needed"}
        with self._lock:
            self.received[reference] += 1
            if reference not in self._accepted:
                self._accepted[reference] = f"gw-{len(self._accepted) + 1}"
                self.delivered.append(reference)
            return {
                "client_reference": reference,
                "id": self._accepted[reference],
                "status": "accepted",
            }


def _handler(gateway: LocalGateway):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self):
            payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            if self.path == "/batch":
                answer = {"results": [gateway.accept(item) for item in payload["messages"]]}
            else:
                answer = gateway.accept(payload)
            body = json.dumps(answer).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    return Handler


if __name__ == "__main__":
    gateway = LocalGateway(port=int(sys.argv[1]) if len(sys.argv) > 1 else 8025)
    print(f"SMS gateway on {gateway.url} and {gateway.batch_url}", flush=True)
    try:
        gateway.server.serve_forever()
    except KeyboardInterrupt:
        print(f"{len(gateway.delivered)} delivered, {sum(gateway.received.values())} received")
