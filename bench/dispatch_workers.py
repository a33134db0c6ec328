"""The dispatch job in worker processes, its clock held at a given moment: for the benchmarks.

A benchmark script starts its workers with `dispatch_in_workers(__file__, ...)`; each process is
the same script run with `--worker SLOT --moment ISO`, which calls `run_dispatch_worker`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time


def run_dispatch_worker(slot: int, moment: dt.datetime) -> None:
    """In a worker process: the dispatch job's slot run to the end at `moment`; its report
    printed as the last line of output."""
    from django.conf import settings

    from pipeline import jobs

    class Clock:
        @staticmethod
        def now() -> dt.datetime:
            return moment

    jobs.timezone = Clock
    settings.MESSAGE_DISPATCH_SECONDS = 24 * 3600  # one job to the end: no re-queueing
    started = time.time()
    claimed = jobs.dispatch_messages(slot)
    print(json.dumps({"slot": slot, "claimed": claimed, "started": started, "ended": time.time()}))


def dispatch_in_workers(
    script: str, workers: int, moment: dt.datetime, gateway, **environment: str
) -> list[dict]:
    """Every message due at `moment`, sent by `workers` processes of `script` to the local
    `gateway` (the HTTP backend's batch mode); the workers' reports."""
    from django.db import connection

    environment = {
        **os.environ,
        "SMS_BACKEND": "pipeline.channels.HTTPSMSBackend",
        "SMS_GATEWAY_URL": "",
        "SMS_GATEWAY_BATCH_URL": gateway.batch_url,
        **environment,
    }
    processes = [
        subprocess.Popen(
            [sys.executable, script, "--worker", str(slot), "--moment", moment.isoformat()],
            env=environment,
            stdout=subprocess.PIPE,
            text=True,
        )
        for slot in range(workers)
    ]
    reports = []
    for process in processes:
        out, _ = process.communicate()
        if process.returncode:
            sys.exit(f"a dispatch worker failed ({process.returncode})")
        reports.append(json.loads(out.strip().splitlines()[-1]))
    connection.close()  # the workers changed the world: no stale reads from here
    return reports
