"""Numbers, money, rates and moments as a person reads them, in the active language.

One place decides how each looks, so that every page, CSV and PDF agrees: numbers grouped,
money with its currency (CLDR's symbols and decimals, through Babel), rates as percentages,
and every moment with the clock it is told in.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from decimal import Decimal
from functools import lru_cache

from babel import Locale, UnknownLocaleError
from babel.numbers import format_currency, format_decimal, format_percent
from django.conf import settings
from django.utils import formats, translation
from django.utils.translation import gettext

EMPTY = "—"


@lru_cache(maxsize=16)
def _known_locale(name: str) -> str:
    try:
        Locale.parse(name)
    except (UnknownLocaleError, ValueError):
        return "en"
    return name


def babel_locale() -> str:
    """The active Django language as a Babel locale name (zh-hans → zh_Hans)."""
    return _known_locale(
        translation.to_locale(translation.get_language() or settings.LANGUAGE_CODE)
    )


def _pattern(places: int | None, suffix: str = "") -> str | None:
    if places is None:
        return None
    return "#,##0" + ("." + "0" * places if places else "") + suffix


def number(value, places: int | None = None) -> str:
    """`1375166.85` → `1,375,166.85`; `places` fixes the decimals shown."""
    if value is None or value == "":
        return EMPTY
    return format_decimal(value, format=_pattern(places), locale=babel_locale())


def money(amount, currency: str | None) -> str:
    """`Decimal("1375166.85"), "CNY"` → `CN¥1,375,166.85` in English, `¥1,375,166.85` in Chinese."""
    if amount is None or amount == "":
        return EMPTY
    if not currency:
        return number(amount, 2)
    return format_currency(Decimal(amount), currency, locale=babel_locale())


def percent(rate, places: int = 2) -> str:
    """A rate held as a fraction: `0.2158` → `21.58%` (at most `places` decimals)."""
    if rate is None or rate == "":
        return EMPTY
    pattern = "#,##0" + ("." + "#" * places if places else "") + "%"
    return format_percent(Decimal(rate), format=pattern, locale=babel_locale())


def _in_zone(value: dt.datetime, zone_name: str) -> dt.datetime:
    try:
        zone = zoneinfo.ZoneInfo(zone_name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = dt.UTC
    return value.astimezone(zone)


def _told(value: dt.datetime, zone_name: str) -> tuple[str, str]:
    local = _in_zone(value, zone_name)
    return formats.date_format(local, "DATETIME_FORMAT"), local.tzname() or zone_name


def your_time(value: dt.datetime | None, user) -> str:
    """A moment on the reader's own clock (their profile's time zone), saying so."""
    if value is None:
        return EMPTY
    zone_name = getattr(user, "time_zone", None) or settings.TIME_ZONE
    moment, zone = _told(value, zone_name)
    return gettext("%(moment)s your time (%(zone)s)") % {"moment": moment, "zone": zone}


def debtor_time(value: dt.datetime | None, debtor) -> str:
    """A moment on the debtor's clock, saying so."""
    if value is None:
        return EMPTY
    moment, zone = _told(value, debtor.time_zone)
    return gettext("%(moment)s debtor's time (%(zone)s)") % {"moment": moment, "zone": zone}
