from __future__ import annotations

import datetime as dt

from django import template
from django.utils.translation import gettext

from cases.models import ContactPoint
from common.sensitive import find_secret
from workspace import dialing
from workspace.selectors import QueueRank

register = template.Library()


@register.filter
def days_past_due(account, business_date: dt.date) -> int:
    return account.days_past_due(business_date)


@register.filter
def queue_rank_label(rank: int) -> str:
    """Why a case is where it is in the queue (see cases.selectors.QueueRank)."""
    return QueueRank(rank).label


@register.filter
def contact_point_statuses(point: ContactPoint) -> list[tuple[str, bool]]:
    """What the workspace says about a contact point, in order, each with whether it stops
    contact; the template joins them, so a separator never dangles whichever flags are set."""
    statuses = []
    if point.owner == ContactPoint.Owner.THIRD_PARTY:
        who, relationship = point.third_party_name, point.third_party_relationship.strip()
        if relationship:
            who = gettext("%(name)s (%(relationship)s)") % {
                "name": who,
                "relationship": relationship,
            }
        statuses.append((who, False))
    flags = (
        (point.invalid, gettext("invalid"), True),
        (point.opted_out, gettext("opted out"), True),
        (point.do_not_contact, gettext("do not contact"), True),
        (point.sms_consent, gettext("SMS consent"), False),
        (point.email_consent, gettext("email consent"), False),
        (point.verified, gettext("verified"), False),
    )
    statuses.extend((label, stops_contact) for is_set, label, stops_contact in flags if is_set)
    return statuses


@register.filter
def dial_url(number: str) -> str:
    """The click-to-call link of a phone number (the DIALER_URL_TEMPLATE setting); '' when
    the value holds a card or national ID number (kept from before values were checked),
    which the page shows masked and never puts in a link."""
    return "" if find_secret(number) else dialing.dial_url(number)


@register.filter
def recording_url(reference: str) -> str:
    """The recording's reference when it is a web address to open; '' for a dialer's id (and
    for anything else a link must not follow, such as a javascript: URL)."""
    return reference if reference.startswith(("https://", "http://")) else ""
