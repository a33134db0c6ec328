"""RQ jobs: each takes plain arguments (ids, dates), reads the clock once, calls a service."""

from __future__ import annotations

from django.utils import timezone

from cases.services import case_release_expired_claims


def release_expired_claims() -> int:
    return case_release_expired_claims(now=timezone.now())
