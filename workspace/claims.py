"""Claims on cases: a collector holds a case for a lease, then lets it go."""

from __future__ import annotations

import datetime as dt

from cases.models import Case


def case_release_expired_claims(*, now: dt.datetime) -> int:
    """Free every claim whose lease ran out before `now`, so the case can be served again."""
    return Case.objects.filter(claim_expires_at__lt=now).update(
        claimed_by=None, claim_expires_at=None
    )
