"""What a fault-injection test asks of the product, one command per process:

    python -m tests.faults.scenario COMMAND [ARGUMENTS]

Each command runs the product's own code (services, jobs, pages, an RQ worker) on the
database and Redis named by DATABASE_URL and REDIS_URL, and prints its answer as JSON.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tests.faults.settings")

import django

django.setup()

from django.core.files import File  # noqa: E402
from django.test import Client  # noqa: E402
from django_rq import get_worker  # noqa: E402

from accounts.models import Team, User  # noqa: E402
from collections_site.nightly import run_collections_day  # noqa: E402
from common.jobs import enqueue  # noqa: E402
from feeds.importer import feed_import  # noqa: E402
from feeds.jobs import queue_import, resume_stalled_imports  # noqa: E402
from feeds.models import ImportRun  # noqa: E402
from pipeline import jobs as message_jobs  # noqa: E402
from pipeline.models import OutboundMessage  # noqa: E402
from pipeline.services import pipeline_run_day  # noqa: E402


def prepare() -> dict:
    Team.objects.get_or_create(name="Team A")
    if not User.objects.filter(username="admin").exists():
        User.objects.create_superuser("admin", "admin@example.test", "admin-password")
    return {}


def import_now(path: str, business_date: str) -> dict:
    run = feed_import(
        kind="accounts", path_or_file=path, business_date=dt.date.fromisoformat(business_date)
    )
    return {"status": run.status}


def queue_import_of(path: str, business_date: str) -> dict:
    with open(path, "rb") as handle:
        run = ImportRun.objects.create(
            kind="accounts",
            business_date=dt.date.fromisoformat(business_date),
            file_name="feed.csv",
            upload=File(handle, name="feed.csv"),
        )
    return {"run": run.pk, "queued": queue_import(run.pk)}


def upload(path: str, business_date: str) -> dict:
    """The upload page, as an admin uses it."""
    client = Client()
    client.force_login(User.objects.get(username="admin"))
    with open(path, "rb") as handle:
        response = client.post(
            "/feeds/upload/", {"kind": "accounts", "file": handle, "business_date": business_date}
        )
    said = [str(message) for message in response.wsgi_request._messages]
    return {"status_code": response.status_code, "messages": said}


def sweep_imports() -> dict:
    return {"queued": resume_stalled_imports()}


def run_day_now(business_date: str) -> dict:
    return run_collections_day(business_date)


def queue_day(business_date: str) -> dict:
    return {"queued": enqueue("pipeline", run_collections_day, business_date, job_timeout=3600)}


def send_all_now() -> dict:
    """Every message sent in this process, as one dispatch worker would, with nothing going
    wrong."""
    message_jobs.dispatch_messages(0)
    return {"statuses": sorted(OutboundMessage.objects.values_list("status", flat=True))}


def dispatch() -> dict:
    return {"queued": message_jobs.start_dispatch()}


def worker(*queues: str) -> dict:
    """An RQ worker on `queues`, with smaller chunks and batches (FAULTS_CHUNK_ROWS,
    FAULTS_BATCH_SIZE) so that a kill lands half-way through an import or a run."""
    if rows := os.environ.get("FAULTS_CHUNK_ROWS"):
        feed_import.__kwdefaults__["chunk_size"] = int(rows)
    if size := os.environ.get("FAULTS_BATCH_SIZE"):
        pipeline_run_day.__kwdefaults__["batch_size"] = int(size)
    get_worker(*queues).work(with_scheduler=False)
    return {}


COMMANDS = {
    "prepare": prepare,
    "import-now": import_now,
    "queue-import": queue_import_of,
    "upload": upload,
    "sweep-imports": sweep_imports,
    "run-day-now": run_day_now,
    "queue-day": queue_day,
    "send-all-now": send_all_now,
    "dispatch": dispatch,
    "worker": worker,
}

if __name__ == "__main__":
    command, *arguments = sys.argv[1:]
    print(json.dumps(COMMANDS[command](*arguments), default=str))
