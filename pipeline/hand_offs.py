"""Cases the ladder hands to another party, who then decides where they go.

A workflow above the pipeline (the agencies) takes cases at a stage whose action hands them off,
and registers here, from its AppConfig.ready(), how to recognise the cases it holds. The
pipeline then leaves them where they are and hands a settled promise back to that party,
without importing the workflow that sits above it.

A hand-off may also say what a case must meet to be handed off at all (the litigation stage's
referral criteria): the others stay at the stage below until they meet it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Exists, Q


@dataclass(frozen=True)
class HandOff:
    stage_action: str  # the action of the ladder stage that hands cases off
    status: str  # a case's status while the party holds it
    held: Callable[[], Exists]  # over a case: the party holds it now
    kept_off_ladder: Callable[[], Exists]  # over a case: the ladder must not move it past there
    # Over a case: it may be handed off at this stage (of the stage's strategy) on this
    # business date; None from the callable: every case may.
    entry_criteria: Callable[[object, dt.date], Q | None] | None = None


_hand_offs: dict[str, HandOff] = {}


def hand_off_register(hand_off: HandOff) -> None:
    """Register (or replace) the hand-off of `hand_off.stage_action`."""
    _hand_offs[hand_off.stage_action] = hand_off


def hand_offs() -> tuple[HandOff, ...]:
    return tuple(_hand_offs.values())


def entry_criteria_for(stage, business_date: dt.date) -> Q | None:
    """What a case must meet to enter `stage` on `business_date`, or None: nothing more than
    its days past due."""
    hand_off = _hand_offs.get(stage.action)
    if hand_off is None or hand_off.entry_criteria is None:
        return None
    return hand_off.entry_criteria(stage, business_date)
