"""RQ jobs of the collector workspace: each reads the clock once and calls a service."""

from __future__ import annotations

from django.utils import timezone

from workspace.services import case_release_expired_claims, vulnerable_cases_route


def release_expired_claims() -> int:
    return case_release_expired_claims(now=timezone.now())


def route_vulnerable_cases() -> int:
    return vulnerable_cases_route(now=timezone.now())
