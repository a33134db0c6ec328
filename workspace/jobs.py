"""RQ jobs of the collector workspace: each reads the clock once and calls a service."""

from __future__ import annotations

from django.utils import timezone

from workspace.services import case_release_expired_claims


def release_expired_claims() -> int:
    return case_release_expired_claims(now=timezone.now())
