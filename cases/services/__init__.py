"""Business rules that change cases, each taking what it acts on and the moment it acts for."""

from cases.services.claims import case_release_expired_claims

__all__ = ["case_release_expired_claims"]
