"""RQ jobs of the compliance app: each reads the clock once and calls a service."""

from __future__ import annotations

from django.utils import timezone

from compliance.checkpoints import compliance_checkpoint_write
from compliance.log import compliance_log_seal


def seal_compliance_log() -> int:
    """Seal what the writers have committed since the last seal (every few seconds)."""
    return compliance_log_seal()


def write_log_checkpoint() -> str | None:
    written = compliance_checkpoint_write(now=timezone.now())
    return str(written) if written else None
