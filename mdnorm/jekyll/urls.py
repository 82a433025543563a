"""Jekyll's URL building: slugs, placeholder templates, escaping and sanitising.

Each function is the Python twin of one Ruby method of Jekyll 4.3 (named in its
docstring), quirks included, because a link checker that is "nearly" right reports
links that work as broken.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any


class UrlError(Exception):
    """Jekyll would stop the build on this URL (an unknown placeholder, an unparsable value)."""


# -- Utils.slugify ----------------------------------------------------------------
_PRETTY_KEEP = frozenset("._~!$&'()+,;=@")
SLUGIFY_MODES = ("raw", "default", "pretty", "ascii", "latin")


def _is_word(ch: str) -> bool:
    """``[\\p{M}\\p{L}\\p{Nd}]``: a letter, a mark or a decimal digit."""
    cat = unicodedata.category(ch)
    return cat[0] in "LM" or cat == "Nd"


def _replace_runs(text: str, keep: Callable[[str], bool]) -> str:
    out: list[str] = []
    in_run = False
    for ch in text:
        if keep(ch):
            out.append(ch)
            in_run = False
        elif not in_run:
            out.append("-")
            in_run = True
    return "".join(out)


def slugify(text: str | None, mode: str | None = None, cased: bool = False) -> str | None:
    """``Utils.slugify``: runs of characters a mode does not keep become one ``-``."""
    mode = mode or "default"
    if text is None:
        return None
    if mode not in SLUGIFY_MODES:
        return text if cased else text.lower()
    if mode == "latin":  # I18n.transliterate, approximately: accents dropped, other letters '?'
        text = "".join(
            c if c.isascii() else "?" for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)
        )
    if mode == "raw":
        slug = re.sub(r"[ \t\r\n\f\v]+", "-", text)
    elif mode == "pretty":
        slug = _replace_runs(text, lambda c: _is_word(c) or c in _PRETTY_KEEP)
    elif mode == "ascii":
        slug = _replace_runs(text, lambda c: c.isascii() and c.isalnum())
    else:
        slug = _replace_runs(text, _is_word)
    slug = re.sub(r"^-|-$", "", slug, flags=re.M)
    return slug if cased else slug.lower()


# -- URL.escape_path -----------------------------------------------------------------
_SAFE_PATH = re.compile(r"^[a-zA-Z0-9./-]+$", re.M)
_URI = re.compile(r"(?:([^:/?#]+):)?(?://([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?", re.S)
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*")
_UNRESERVED = "A-Za-z0-9\\-._~"
_SUB_DELIMS = "!$&'()*+,;="
_PCHAR = _UNRESERVED + re.escape(_SUB_DELIMS) + ":@"
_CLASS = {
    "scheme": "A-Za-z0-9\\-+.",
    "authority": _PCHAR + "\\[\\]",
    "path": _PCHAR + "/",
    "query": _PCHAR + "/?",
    "fragment": _PCHAR + "/?",
}


def _encode_component(value: str, kind: str) -> str:
    """``Addressable::URI.encode_component``: UTF-8 bytes outside the class as ``%XX``."""
    allowed = re.compile("[" + _CLASS[kind] + "]")
    out: list[str] = []
    for ch in value:
        if ch.isascii() and allowed.fullmatch(ch):
            out.append(ch)
        else:
            out.extend(f"%{b:02X}" for b in ch.encode("utf-8", "surrogatepass"))
    return "".join(out)


def escape_path(path: str) -> str:
    """``URL.escape_path``: ``Addressable::URI.encode`` of the value, then the first ``#`` as ``%23``.

    The value is parsed as a URI, so ``a:b`` keeps its colon and ``x?y`` its
    question mark; a "scheme" that is not one (``a b:c``) makes Jekyll fail.
    """
    if not path or _SAFE_PATH.search(path):
        return path
    m = _URI.fullmatch(path)
    assert m is not None  # every string matches
    scheme, authority, rest, query, fragment = m.groups()
    out = ""
    if scheme is not None:
        if not _SCHEME.fullmatch(scheme):
            raise UrlError(f"Invalid scheme format: {scheme!r} (in {path!r})")
        out += _encode_component(scheme, "scheme") + ":"
    if authority is not None:
        out += "//" + _encode_component(authority, "authority")
    out += _encode_component(rest, "path")
    if query is not None:
        out += "?" + _encode_component(query, "query")
    if fragment is not None:
        out += "#" + _encode_component(fragment, "fragment")
    return out.replace("#", "%23", 1)


def unescape_path(path: str) -> str:
    """``URL.unescape_path``: ``%XX`` sequences decoded as UTF-8 (the file name Jekyll writes)."""
    if "%" not in path:
        return path
    from urllib.parse import unquote

    return unquote(path, errors="surrogateescape")


def sanitize_url(url: str) -> str:
    """``URL#sanitize_url``: ``..`` becomes ``/``, ``./`` goes, slashes squeezed, one leading ``/``."""
    result = ("/" + url).replace("..", "/").replace("./", "")
    return re.sub("/{2,}", "/", result)


# -- URL#generate_url_from_drop / _from_hash -----------------------------------------------
_PLACEHOLDER = re.compile(r":([a-z_]+)")


def fill_from_drop(template: str, values: Mapping[str, str | None]) -> str:
    """``URL#generate_url_from_drop``: every ``:name`` must be a key (``:month_`` may mean ``:month``)."""

    def repl(m: re.Match[str]) -> str:
        name = m.group(1)
        pool = [name, name[:-1]] if name.endswith("_") else [name]
        winner = next((k for k in pool if k in values), None)
        if winner is None:
            raise UrlError(
                f"The URL template doesn't have {' or '.join(pool)} keys. Check your permalink template! ({template!r})"
            )
        value = values[winner]
        return m.group(0).replace(":" + winner, escape_path("" if value is None else value), 1)

    return _PLACEHOLDER.sub(repl, template)


def fill_from_hash(template: str, values: Mapping[str, str | None]) -> str:
    """``URL#generate_url_from_hash`` (pages): plain replacement, key by key, in order."""
    result = template
    for key, value in values.items():
        if ":" not in result:
            break
        # a nil value drops its "/:key" (no "//" in the URL); others are escaped
        result = result.replace("/:" + key, "") if value is None else result.replace(":" + key, escape_path(value))
    return result


# -- Ruby's #to_s of YAML values ---------------------------------------------------------------
def ruby_str(value: Any) -> str:
    """The string Ruby's ``to_s`` gives for a value Psych loaded (``true``, ``2016-08-02`` ...)."""
    if value is None:
        return ""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, datetime):
        off = value.strftime("%z") if value.tzinfo is not None else "+0000"
        return value.strftime("%Y-%m-%d %H:%M:%S ") + (off if off != "+0000" else "UTC")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return repr(value).replace("inf", "Infinity")
    return str(value)
