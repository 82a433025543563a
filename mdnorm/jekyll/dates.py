"""Post dates as Jekyll sees them: ``Time.parse(value.to_s).localtime``.

The "local" time zone is the site's ``timezone`` setting (Jekyll puts it in
``TZ``), else the machine's, so a date with an offset can land on another day
than the one written.  Psych reads ``2016-08-02 10:00:00`` (a YAML timestamp
without a zone) as UTC, while the plain string ``2016-08-02 10:00`` is parsed
as local time; both rules are kept.  Only the formats blogs use are understood
(``YYYY-M-D`` with an optional time and zone); anything else is a
:class:`DateError` rather than a guess.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone, tzinfo

_DATE = re.compile(
    r"\s*(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:(?:[Tt]|\s+)(\d{1,2}):(\d{2})(?::(\d{2})(?:\.(\d+))?)?)?"
    r"\s*(Z|UTC|GMT|[+-]\d{1,2}(?::?\d{2})?)?\s*"
)


class DateError(Exception):
    """A date Jekyll would reject (``Invalid date``) or that this model does not parse."""


def zone(name: str | None) -> tzinfo | None:
    """The site's time zone, or None for the machine's local zone."""
    if not name:
        return None
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def local(dt: datetime, tz: tzinfo | None) -> datetime:
    """An aware ``dt`` in the site's zone (Ruby's ``#localtime``)."""
    return dt.astimezone(tz) if tz is not None else dt.astimezone()


def _wall(y: int, mo: int, d: int, h: int, mi: int, s: int, us: int, tz: tzinfo | None) -> datetime:
    """``Time.local``: day 29..31 past the month's end rolls over; out-of-range fails."""
    if not (1 <= mo <= 12 and 1 <= d <= 31 and h <= 24 and mi <= 59 and s <= 60):
        raise DateError(f"argument out of range: {y:04d}-{mo:02d}-{d:02d}")
    naive = datetime(y, mo, 1) + timedelta(days=d - 1, hours=h, minutes=mi, seconds=s, microseconds=us)
    return naive.replace(tzinfo=tz) if tz is not None else naive.astimezone()


def parse(value: object, tz: tzinfo | None) -> datetime:
    """The moment ``value`` (a front matter ``date``, a file name's date) stands for, in ``tz``."""
    if isinstance(value, datetime):
        aware = value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)  # Psych: UTC
        return local(aware, tz)
    if isinstance(value, date):
        return _wall(value.year, value.month, value.day, 0, 0, 0, 0, tz)
    text = str(value)
    m = _DATE.fullmatch(text)
    if m is None:
        raise DateError(f"cannot read {text!r} as a date")
    y, mo, d, h, mi, s, frac, off = m.groups()
    us = int((frac or "0")[:6].ljust(6, "0"))
    parts = (int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(s or 0), us)
    if off is None:
        return _wall(*parts, tz)
    if off in ("Z", "UTC", "GMT"):
        offset = timedelta(0)
    else:
        sign = -1 if off[0] == "-" else 1
        digits = off[1:].replace(":", "")
        hours, minutes = (digits, "0") if len(digits) <= 2 else (digits[:-2], digits[-2:])
        offset = sign * timedelta(hours=int(hours), minutes=int(minutes))
    fixed = _wall(*parts, timezone(offset))
    return local(fixed, tz)
