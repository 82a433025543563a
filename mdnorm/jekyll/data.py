"""A document's data as Jekyll assembles it, and the placeholders of its URL.

``Document#merge_data!`` joins categories from the folder, the front matter
defaults and the front matter (a string is split on spaces), then
``populate_categories`` adds ``category`` (a string kept whole, so
``category: Red star`` is one category).  ``Drops::UrlDrop`` turns the data and
the date into the values of ``:categories``, ``:year``, ``:title`` ….
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from mdnorm.jekyll.filters import deep_merge
from mdnorm.jekyll.urls import ruby_str, slugify

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_LONG_DAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_LONG_MONTHS = "January February March April May June July August September October November December".split()


def categories_from_path(rel: str, special: str) -> list[str]:
    """``Document#categories_from_path``: folders above ``_posts`` (``es/_posts/x`` → ``es``)."""
    if rel.startswith(special):
        return []
    rest = re.sub(re.escape(special) + ".*", "", rel, count=1)
    name = rel.rsplit("/", 1)[-1]
    return [c for c in rest.split("/") if c and c not in (special, name)]


def merge_data(data: dict[str, Any], other: dict[str, Any]) -> dict[str, Any]:
    """``Document#merge_data!``: ``categories`` (a string is split on spaces) join the earlier ones."""
    other = dict(other)
    cats = other.get("categories")
    if cats is not None:
        if isinstance(cats, str):
            cats = cats.split()
        if isinstance(data.get("categories"), list):
            cats = list(dict.fromkeys([*data["categories"], *(cats if isinstance(cats, list) else [cats])]))
        other["categories"] = cats
    return deep_merge(data, other)


def populate_categories(data: dict[str, Any]) -> list[str]:
    """``Document#populate_categories``: ``categories`` plus ``category`` (a string kept whole)."""

    def array(v: Any) -> list[Any]:
        return [] if v is None else list(v) if isinstance(v, list) else [v]

    single = data.get("category")
    if single is None:
        plural = data.get("categories")
        single = (
            plural.split()
            if isinstance(plural, str)
            else [x for x in plural if x is not None]
            if isinstance(plural, list)
            else None
        )
    extra = [x for x in _flatten(array(single)) if x is not None]
    return list(dict.fromkeys(ruby_str(c) for c in [*array(data.get("categories")), *extra]))


def _flatten(items: list[Any]) -> list[Any]:
    out: list[Any] = []
    for x in items:
        out.extend(_flatten(x) if isinstance(x, list) else [x])
    return out


def url_drop(
    label: str, basename: str, slug: str, categories: list[str], d: datetime, out_ext: str
) -> dict[str, str | None]:
    """``Drops::UrlDrop``: every placeholder a document's permalink may use."""
    iso = d.isocalendar()
    return {
        "collection": label,
        "name": slugify(basename),
        "title": slugify(slug, mode="pretty", cased=True),
        "slug": slugify(slug),
        "categories": "/".join(dict.fromkeys(c.lower() for c in categories)),
        "slugified_categories": "/".join(dict.fromkeys(slugify(c) or "" for c in categories)),
        "year": f"{d.year:04d}",
        "month": f"{d.month:02d}",
        "day": f"{d.day:02d}",
        "hour": f"{d.hour:02d}",
        "minute": f"{d.minute:02d}",
        "second": f"{d.second:02d}",
        "i_day": str(d.day),
        "i_month": str(d.month),
        "short_month": _MONTHS[d.month - 1],
        "long_month": _LONG_MONTHS[d.month - 1],
        "short_year": f"{d.year % 100:02d}",
        "w_year": str(iso[0]),
        "week": f"{iso[1]:02d}",
        "w_day": str(iso[2]),
        "short_day": _DAYS[d.weekday()],
        "long_day": _LONG_DAYS[d.weekday()],
        "y_day": f"{d.timetuple().tm_yday:03d}",
        "output_ext": out_ext,
    }
