from __future__ import annotations

import datetime as dt

from django import template

from cases.selectors import QueueRank

register = template.Library()


@register.filter
def days_past_due(account, business_date: dt.date) -> int:
    return account.days_past_due(business_date)


@register.filter
def queue_rank_label(rank: int) -> str:
    """Why a case is where it is in the queue (see cases.selectors.QueueRank)."""
    return QueueRank(rank).label
