"""Faults injected into real processes: a worker killed (SIGKILL, with its work horse) in the
middle of an import, of a pipeline run and of sending messages, and Redis stopped during an
upload. After each, the product's own recovery (the holder locks, the import sweep, the
message reconciliation) ends in the same state as one clean run: nothing lost, nothing done
or sent twice.

The test starts its own PostgreSQL (initdb) and Redis on free ports, never the shared ones,
and runs the product in subprocesses (tests/faults/scenario.py): a kill must hit a real
process. Those processes read the real clock, so the run with the clock moved ahead skips it.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

from tests.feeds.conftest import account_fields, feed_bytes

BASE_DIR = Path(settings.BASE_DIR)
POSTGRES_BIN = Path(shutil.which("pg_ctl") or "/nonexistent").resolve().parent
REDIS_SERVER = shutil.which("redis-server")

pytestmark = [
    pytest.mark.skipif(
        not (POSTGRES_BIN / "initdb").exists() or REDIS_SERVER is None,
        reason="needs PostgreSQL's initdb and pg_ctl, and redis-server, to start its own",
    ),
    pytest.mark.skipif(
        bool(os.environ.get("TEST_CLOCK_STARTS_AT")),
        reason="its processes read the real clock, which the moved clock does not reach",
    ),
]

IMPORT_ROWS, IMPORT_CHUNK = 6000, 300
PIPELINE_ACCOUNTS, PIPELINE_BATCH = 1500, 50
MESSAGE_ACCOUNTS, MESSAGE_BATCH, GATEWAY_HOLDS_REQUEST = 30, 10, 2
WAIT = 180  # seconds any one condition may take on a loaded machine


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until(condition: Callable[[], object], what: str, timeout: float = WAIT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if answer := condition():
            return answer
        time.sleep(0.02)
    raise AssertionError(f"waited {timeout} s for {what}")


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def is_gone(pid: int) -> bool:
    try:
        return (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0] == "Z"
    except OSError:
        return True


def kill_worker_and_horse(worker: subprocess.Popen) -> None:
    """What losing the machine does: the worker and its work horse (its own process group)
    die at once, SIGKILL, with no chance to record anything."""
    horses = children_of(worker.pid)
    assert horses, "the worker had no job in hand"
    worker.kill()
    for horse in horses:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(os.getpgid(horse), signal.SIGKILL)
    worker.wait()
    for horse in horses:
        wait_until(lambda horse=horse: is_gone(horse), f"the work horse {horse} to die")


class Servers:
    """A PostgreSQL and a Redis of the test's own."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.pg_port, self.redis_port = free_port(), free_port()
        self.data = folder / "pg"
        self.redis: subprocess.Popen | None = None

    def _as_postgres(self, *command: str) -> list[str]:
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            return ["runuser", "-u", "postgres", "--", *command]
        return list(command)

    def start_postgres(self) -> None:
        if os.geteuid() == 0:
            shutil.chown(self.folder, "postgres")
        subprocess.run(
            self._as_postgres(
                str(POSTGRES_BIN / "initdb"), "-D", str(self.data), "-U", "postgres",
                "--auth=trust", "-E", "UTF8", "--no-sync",
            ),
            check=True, capture_output=True,
        )  # fmt: skip
        options = (
            f"-p {self.pg_port} -c listen_addresses=127.0.0.1 -k {self.data} "
            "-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
        )
        subprocess.run(
            self._as_postgres(
                str(POSTGRES_BIN / "pg_ctl"), "-D", str(self.data), "-o", options, "-w",
                "-l", str(self.data / "server.log"), "start",
            ),
            check=True, capture_output=True,
        )  # fmt: skip

    def stop_postgres(self) -> None:
        subprocess.run(
            self._as_postgres(
                str(POSTGRES_BIN / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop"
            ),
            capture_output=True,
        )

    def start_redis(self) -> None:
        self.redis = subprocess.Popen(
            [REDIS_SERVER, "--port", str(self.redis_port), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_until(self._redis_answers, "Redis to answer", timeout=30)

    def _redis_answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.redis_port), timeout=1) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop_redis(self) -> None:
        self.redis.kill()
        self.redis.wait()

    def sql(self, database: str, query: str, *params) -> list[tuple]:
        import psycopg

        with psycopg.connect(
            host="127.0.0.1", port=self.pg_port, user="postgres", dbname=database, autocommit=True
        ) as connection:
            cursor = connection.execute(query, params)
            return cursor.fetchall() if cursor.description else []


@dataclass
class World:
    """One database of the test's PostgreSQL, one Redis database, one media folder."""

    servers: Servers
    name: str
    redis_db: int
    folder: Path
    gateway_url: str = ""
    workers: list[subprocess.Popen] = field(default_factory=list)

    @property
    def env(self) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"DATABASE_URL", "REDIS_URL", "TEST_CLOCK_STARTS_AT", "DEBUG"}
        }
        env.update(
            DJANGO_SETTINGS_MODULE="tests.faults.settings",
            PYTHONPATH=str(BASE_DIR),
            DATABASE_URL=f"postgres://postgres@127.0.0.1:{self.servers.pg_port}/{self.name}",
            REDIS_URL=f"redis://127.0.0.1:{self.servers.redis_port}/{self.redis_db}",
            MEDIA_ROOT=str(self.folder / "media"),
            SMS_BACKEND="pipeline.channels.HTTPSMSBackend",
            SMS_GATEWAY_URL=self.gateway_url or "http://127.0.0.1:9/none",
            SMS_GATEWAY_BATCH_URL=self.gateway_url or "http://127.0.0.1:9/none",
            MESSAGE_DISPATCH_BATCH=str(MESSAGE_BATCH),
            SMS_GATEWAY_TIMEOUT="60",
        )
        return env

    def run(self, command: str, *arguments: str) -> dict:
        done = subprocess.run(
            [sys.executable, "-m", "tests.faults.scenario", command, *map(str, arguments)],
            cwd=BASE_DIR, env=self.env, capture_output=True, text=True, timeout=WAIT,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-3000:]
        return json.loads(done.stdout.strip().splitlines()[-1])

    def start_worker(self, *queues: str, **options: str) -> subprocess.Popen:
        log = open(self.folder / f"worker-{len(self.workers)}.log", "w")  # noqa: SIM115
        worker = subprocess.Popen(
            [sys.executable, "-m", "tests.faults.scenario", "worker", *queues],
            cwd=BASE_DIR, env={**self.env, **options}, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
        self.workers.append(worker)
        return worker

    def stop_workers(self) -> None:
        for worker in self.workers:
            if worker.poll() is None:
                worker.terminate()  # a warm shutdown: idle by now, it exits at once
                try:
                    worker.wait(30)
                except subprocess.TimeoutExpired:
                    worker.kill()
                    worker.wait()

    def sql(self, query: str, *params) -> list[tuple]:
        return self.servers.sql(self.name, query, *params)

    def value(self, query: str, *params):
        [[value]] = self.sql(query, *params)
        return value


@pytest.fixture(scope="module")
def servers():
    folder = Path(tempfile.mkdtemp(prefix="collections-faults-"))
    folder.chmod(0o755)
    servers = Servers(folder)
    try:
        servers.start_postgres()
        servers.start_redis()
        template = World(servers, "faults_template", 0, folder)
        servers.sql("postgres", "CREATE DATABASE faults_template")
        migrated = subprocess.run(
            [sys.executable, "manage.py", "migrate", "--no-input"],
            cwd=BASE_DIR, env=template.env, capture_output=True, text=True,
        )  # fmt: skip
        assert migrated.returncode == 0, migrated.stderr[-3000:]
        template.run("prepare")
        yield servers
    finally:
        if servers.redis is not None and servers.redis.poll() is None:
            servers.stop_redis()
        servers.stop_postgres()
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(scope="module")
def new_world(servers):
    """Makes a world, a copy of the migrated template; stops its workers at the end."""
    made: list[World] = []

    def make(name: str, gateway_url: str = "") -> World:
        servers.sql("postgres", f"CREATE DATABASE {name} TEMPLATE faults_template")
        folder = servers.folder / name
        folder.mkdir()
        world = World(servers, name, len(made) + 1, folder, gateway_url)
        made.append(world)
        return world

    yield make
    for world in made:
        world.stop_workers()


@pytest.fixture(scope="module")
def business_date() -> dt.date:
    return dt.datetime.now(ZoneInfo(settings.TIME_ZONE)).date()


@pytest.fixture(scope="module")
def noon_zone() -> str:
    """A zone where it is about noon now, so that every message is inside its contact hours."""
    offset = 12 - dt.datetime.now(dt.UTC).hour
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"


def write_feed(folder: Path, rows: int, business_date: dt.date, zone: str) -> Path:
    """`rows` accounts ten days overdue; every 500th has a balance that is not an amount, and
    a last row repeats the first account (a duplicate the import must still see after a kill)."""
    due = (business_date - dt.timedelta(days=10)).isoformat()
    fields = [
        account_fields(
            n,
            oldest_unpaid_due_date=due,
            time_zone=zone,
            **({"balance": "lots"} if n % 500 == 0 else {}),
        )
        for n in range(1, rows + 1)
    ]
    fields.append(account_fields(1, oldest_unpaid_due_date=due, time_zone=zone, balance="9.00"))
    path = folder / f"feed-{rows}.csv"
    path.write_bytes(feed_bytes(fields))
    return path


# What an import leaves, by natural keys (no ids, no moments).
IMPORT_STATE = {
    "debtors": "SELECT national_id_hash, full_name, time_zone FROM cases_debtor ORDER BY 1",
    "accounts": "SELECT account_reference, balance, minimum_due, oldest_unpaid_due_date, "
    "card_last4 FROM cases_cardaccount ORDER BY 1",
    "contact points": "SELECT d.national_id_hash, c.kind, c.value, c.sms_consent, c.email_consent "
    "FROM cases_contactpoint c JOIN cases_debtor d ON d.id = c.debtor_id ORDER BY 1, 2, 3",
    "import": "SELECT status, rows_read, inserted, updated, unchanged, rejected "
    "FROM cases_importrun ORDER BY id",
    "rejected rows": "SELECT line_number, reason FROM cases_importrejectedrow ORDER BY 1, 2",
}
CASE_OF = "JOIN cases_case k ON k.id = {}.case_id JOIN cases_cardaccount a ON a.id = k.account_id"
# What a pipeline run and the sending leave.
DAY_STATE = {
    "cases": "SELECT a.account_reference, s.name, k.status, k.team_id IS NOT NULL "
    "FROM cases_case k JOIN cases_cardaccount a ON a.id = k.account_id "
    "LEFT JOIN cases_stage s ON s.id = k.stage_id ORDER BY 1",
    "stage entries": "SELECT a.account_reference, s.name, e.days_past_due, e.action_status "
    "FROM cases_stageentry e JOIN cases_stage s ON s.id = e.stage_id "
    + CASE_OF.format("e")
    + " ORDER BY 1, 2",
    "messages": "SELECT a.account_reference, m.channel, m.status, m.body "
    "FROM cases_outboundmessage m " + CASE_OF.format("m") + " ORDER BY 1, 2",
    "activities": "SELECT a.account_reference, t.channel, t.outcome, t.notes "
    "FROM cases_activity t " + CASE_OF.format("t") + " ORDER BY 1, 2, 3",
    "contacts in the compliance log": "SELECT a.account_reference, l.kind, l.verdict, l.action "
    "FROM cases_compliancelogentry l " + CASE_OF.format("l") + " WHERE l.kind <> 'decision' "
    "ORDER BY 1, 2, 3, 4",
}


def state(world: World, queries: dict[str, str]) -> dict[str, list[tuple]]:
    return {name: world.sql(query) for name, query in queries.items()}


@pytest.fixture(scope="module")
def import_feed(servers, business_date, noon_zone) -> Path:
    return write_feed(servers.folder, IMPORT_ROWS, business_date, noon_zone)


@pytest.fixture(scope="module")
def clean_import(new_world, import_feed, business_date) -> dict:
    world = new_world("import_clean")
    world.run("import-now", import_feed, business_date)
    return state(world, IMPORT_STATE)


def test_an_import_killed_half_way_is_taken_over_and_ends_as_a_clean_import(
    new_world, import_feed, business_date, clean_import
):
    world = new_world("import_killed")
    worker = world.start_worker("default", FAULTS_CHUNK_ROWS=str(IMPORT_CHUNK))
    world.run("queue-import", import_feed, business_date)
    wait_until(
        lambda: world.value("SELECT lines_done FROM cases_importrun") > 0,
        "the import's first chunk",
    )

    kill_worker_and_horse(worker)

    [(status, lines_done)] = world.sql("SELECT status, lines_done FROM cases_importrun")
    assert status == "running" and 0 < lines_done < IMPORT_ROWS  # killed half-way
    world.start_worker("default", FAULTS_CHUNK_ROWS=str(IMPORT_CHUNK))
    assert world.run("sweep-imports") == {"queued": 1}
    wait_until(
        lambda: world.value("SELECT status FROM cases_importrun") == "succeeded",
        "the import to be finished",
    )

    assert state(world, IMPORT_STATE) == clean_import
    assert clean_import["import"] == [("succeeded", IMPORT_ROWS + 1, 5988, 0, 0, 13)]
    assert clean_import["rejected rows"][-1] == (
        IMPORT_ROWS + 2,
        "duplicate account_reference in this file (first on line 2)",
    )
    assert world.run("sweep-imports") == {"queued": 0}


def test_an_upload_while_redis_is_down_is_imported_once_redis_is_back(
    servers, new_world, import_feed, business_date, clean_import
):
    world = new_world("import_outage")
    servers.stop_redis()
    try:
        answer = world.run("upload", import_feed, business_date)
    finally:
        servers.start_redis()

    assert answer["status_code"] == 302
    assert "the job server cannot be reached" in answer["messages"][0]
    assert world.value("SELECT status FROM cases_importrun") == "queued"
    world.start_worker("default")
    assert world.run("sweep-imports") == {"queued": 0}  # just saved: its job may yet come
    world.sql("UPDATE cases_importrun SET created_at = created_at - interval '3 minutes'")
    assert world.run("sweep-imports") == {"queued": 1}
    wait_until(
        lambda: world.value("SELECT status FROM cases_importrun") == "succeeded",
        "the import to be finished",
    )

    assert state(world, IMPORT_STATE) == clean_import


def test_a_pipeline_run_killed_half_way_is_taken_over_at_once_and_ends_as_a_clean_run(
    servers, new_world, business_date, noon_zone
):
    feed = write_feed(servers.folder, PIPELINE_ACCOUNTS, business_date, noon_zone)
    clean = new_world("day_clean")
    clean.run("import-now", feed, business_date)
    clean.run("run-day-now", business_date)
    world = new_world("day_killed")
    world.run("import-now", feed, business_date)
    worker = world.start_worker("pipeline", FAULTS_BATCH_SIZE=str(PIPELINE_BATCH))
    world.run("queue-day", business_date)
    wait_until(
        lambda: world.value("SELECT count(*) FROM cases_stageentry") > 0,
        "the run's first batches",
    )

    kill_worker_and_horse(worker)

    assert world.value("SELECT status FROM cases_pipelinerun") == "running"
    assert world.value("SELECT count(*) FROM cases_case") < clean.value(
        "SELECT count(*) FROM cases_case"
    ) or world.value("SELECT count(*) FROM cases_stageentry") < clean.value(
        "SELECT count(*) FROM cases_stageentry"
    )  # killed half-way
    world.start_worker("pipeline", FAULTS_BATCH_SIZE=str(PIPELINE_BATCH))
    world.run("queue-day", business_date)  # at once: nothing waits for the dead run to age
    wait_until(
        lambda: (
            world.sql("SELECT status FROM cases_pipelinerun ORDER BY id")
            == [("failed",), ("succeeded",)]
        ),
        "the second run to finish",
    )

    assert world.value("SELECT error FROM cases_pipelinerun ORDER BY id LIMIT 1").startswith(
        "abandoned"
    )
    expected = state(clean, DAY_STATE)
    assert len(expected["cases"]) == PIPELINE_ACCOUNTS - PIPELINE_ACCOUNTS // 500
    assert state(world, DAY_STATE) == expected


class Gateway(ThreadingHTTPServer):
    """An SMS gateway with a bulk endpoint that drops a message whose client_reference it
    already has, and holds the answer to its Nth request, once it has taken every message of
    it, until released (the moment a worker is killed)."""

    def __init__(self, hold_request: int = 0):
        super().__init__(("127.0.0.1", 0), GatewayHandler)
        self.hold_request = hold_request
        self.requests: list[list[str]] = []
        self.delivered: list[str] = []
        self.dropped: list[str] = []
        self.holding = threading.Event()
        self.release = threading.Event()
        self.lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/messages"


class GatewayHandler(BaseHTTPRequestHandler):
    def do_POST(self):
        gateway: Gateway = self.server
        payload = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        references = [item["client_reference"] for item in payload.get("messages", [payload])]
        with gateway.lock:
            gateway.requests.append(references)
            number = len(gateway.requests)
            for reference in references:
                if reference in gateway.delivered:
                    gateway.dropped.append(reference)
                else:
                    gateway.delivered.append(reference)
        if number == gateway.hold_request:
            gateway.holding.set()
            gateway.release.wait(WAIT)
        results = [
            {"client_reference": reference, "id": f"gw-{reference}", "status": "accepted"}
            for reference in references
        ]
        answer = json.dumps({"results": results} if "messages" in payload else results[0])
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer.encode())))
            self.end_headers()
            self.wfile.write(answer.encode())
        except OSError:
            pass  # the worker that asked is dead

    def log_message(self, *arguments):
        pass


@pytest.fixture
def gateway():
    made: list[Gateway] = []

    def make(hold_request: int = 0) -> Gateway:
        server = Gateway(hold_request)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        made.append(server)
        return server

    yield make
    for server in made:
        server.release.set()
        server.shutdown()
        server.server_close()


def test_a_worker_killed_mid_batch_loses_no_message_and_the_debtor_gets_each_once(
    servers, new_world, gateway, business_date, noon_zone
):
    feed = write_feed(servers.folder, MESSAGE_ACCOUNTS, business_date, noon_zone)
    clean_gateway = gateway()
    clean = new_world("send_clean", clean_gateway.url)
    clean.run("import-now", feed, business_date)
    clean.run("run-day-now", business_date)
    assert clean.run("send-all-now") == {"statuses": ["sent"] * MESSAGE_ACCOUNTS}

    killed_gateway = gateway(hold_request=GATEWAY_HOLDS_REQUEST)
    world = new_world("send_killed", killed_gateway.url)
    world.run("import-now", feed, business_date)
    world.run("run-day-now", business_date)  # queues the dispatch
    worker = world.start_worker("messages")
    assert killed_gateway.holding.wait(WAIT), "the gateway never got its second batch"

    # The gateway has taken the whole second batch; its worker dies before it hears so.
    kill_worker_and_horse(worker)
    killed_gateway.release.set()

    counts = dict(world.sql("SELECT status, count(*) FROM cases_outboundmessage GROUP BY 1"))
    assert counts == {
        "sent": MESSAGE_BATCH,
        "sending": MESSAGE_BATCH,
        "pending": MESSAGE_ACCOUNTS - 2 * MESSAGE_BATCH,
    }
    # No waiting: the dead worker's dispatch slot is free, so the next dispatch takes its
    # batch over at once and sends it again under the same references.
    world.start_worker("messages")
    world.run("dispatch")
    wait_until(
        lambda: (
            world.value("SELECT count(*) FROM cases_outboundmessage WHERE status = 'sent'")
            == MESSAGE_ACCOUNTS
        ),
        "every message to be sent",
    )

    assert sorted(killed_gateway.delivered) == sorted(clean_gateway.delivered)
    assert len(set(killed_gateway.delivered)) == MESSAGE_ACCOUNTS
    # The batch caught in flight reached the gateway twice, under its references: dropped.
    assert len(killed_gateway.dropped) == MESSAGE_BATCH
    assert state(world, DAY_STATE) == state(clean, DAY_STATE)
    decisions = "SELECT count(*) FROM cases_compliancelogentry WHERE kind = 'decision'"
    assert world.value(decisions) == clean.value(decisions) + MESSAGE_BATCH  # judged again
