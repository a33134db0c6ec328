"""Cases the ladder hands to another party, who then decides where they go.

A workflow above the pipeline (the agencies) takes cases at a stage whose action hands them off,
and registers here, from its AppConfig.ready(), how to recognise the cases it holds. The
pipeline then leaves them where they are and hands a settled promise back to that party,
without importing the workflow that sits above it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Exists


@dataclass(frozen=True)
class HandOff:
    stage_action: str  # the action of the ladder stage that hands cases off
    status: str  # a case's status while the party holds it
    held: Callable[[], Exists]  # over a case: the party holds it now
    kept_off_ladder: Callable[[], Exists]  # over a case: the ladder must not move it past there


_hand_offs: dict[str, HandOff] = {}


def hand_off_register(hand_off: HandOff) -> None:
    """Register (or replace) the hand-off of `hand_off.stage_action`."""
    _hand_offs[hand_off.stage_action] = hand_off


def hand_offs() -> tuple[HandOff, ...]:
    return tuple(_hand_offs.values())
