"""`{% load formats %}`: the template side of common.formatting.

    {{ case.account.balance|money:case.account.currency }}   CN¥1,375,166.85
    {{ count|number }}  {{ ratio|number:2 }}                  1,375,166   0.54
    {{ agency.commission_rate|percent }}                      21.58%
    {{ entry.occurred_at|your_time:user }}                    5 Dec 2026, 14:30 your time (CST)
    {{ callback.due_at|debtor_time:case.debtor }}             5 Dec 2026, 09:30 debtor's time (EST)

Dates alone use Django's `date` filter with no argument (the language's DATE_FORMAT).
"""

from __future__ import annotations

from django import template

from common import formatting

register = template.Library()

register.filter("number", formatting.number)
register.filter("money", formatting.money)
register.filter("percent", formatting.percent)
register.filter("your_time", formatting.your_time)
register.filter("debtor_time", formatting.debtor_time)
