"""A site's ``_config.yml`` read the way Jekyll 4.3 reads it, for the settings URLs depend on.

Jekyll merges its built-in defaults with the file (``Configuration.from``): a key the
file does not set keeps Jekyll's default, arrays are replaced rather than merged
(``include: [x]`` drops the default ``.htaccess``), and Jekyll's own exclusions
(``node_modules``, ``vendor/bundle/`` ...) are appended to ``exclude`` afterwards.
The posts collection always exists and always has ``output: true``; its URL
template is the ``permalink`` setting with the named styles expanded
(``Configuration#add_default_collections``).
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from typing import Any

#: ``Configuration::STYLE_TO_PERMALINK``.
PERMALINK_STYLES = {
    "none": "/:categories/:title:output_ext",
    "date": "/:categories/:year/:month/:day/:title:output_ext",
    "ordinal": "/:categories/:year/:y_day/:title:output_ext",
    "pretty": "/:categories/:year/:month/:day/:title/",
    "weekdate": "/:categories/:year/W:week/:short_day/:title:output_ext",
}

#: ``Configuration::DEFAULT_EXCLUDES``, appended to the site's ``exclude``.
DEFAULT_EXCLUDES = (
    ".sass-cache",
    ".jekyll-cache",
    "gemfiles",
    "Gemfile",
    "Gemfile.lock",
    "node_modules",
    "vendor/bundle/",
    "vendor/cache/",
    "vendor/gems/",
    "vendor/ruby/",
)

DEFAULT_MARKDOWN_EXT = "markdown,mkdown,mkdn,mkd,md"


class ConfigError(Exception):
    """The configuration file cannot be used: Jekyll would stop too, or fall back to defaults."""


@dataclass(frozen=True)
class KramdownIds:
    """The kramdown settings that decide which ids a post's HTML carries.

    ``input`` is ``GFM`` unless the site says otherwise; the GFM parser computes
    heading ids its own way (``generate_gfm_header_id``) and always turns
    ``auto_id_stripping`` on, so only ``auto_ids``, ``auto_id_prefix`` and the
    parser matter.  ``toc_levels`` decides which headings a ``{:toc}`` lists.
    """

    auto_ids: bool = True
    auto_id_prefix: str = ""
    input: str = "GFM"
    transliterated_header_ids: bool = False
    toc_levels: tuple[int, ...] = (1, 2, 3, 4, 5, 6)
    footnote_prefix: str = ""


@dataclass(frozen=True)
class SiteConfig:
    """The settings of one site that decide what is published and at which URL."""

    source: str
    permalink: str = "date"
    baseurl: str = ""
    url: str = ""  # the site's own address: an absolute link starting with it is internal
    exclude: tuple[str, ...] = DEFAULT_EXCLUDES
    include: tuple[str, ...] = (".htaccess",)
    future: bool = False
    unpublished: bool = False
    show_drafts: bool = False
    defaults: tuple[dict[str, Any], ...] = ()
    collections: dict[str, dict[str, Any]] = field(default_factory=lambda: {"posts": {"output": True}})
    collections_dir: str = ""
    markdown_ext: tuple[str, ...] = tuple("." + e for e in DEFAULT_MARKDOWN_EXT.split(","))
    timezone: str | None = None
    time: Any = None
    kramdown: KramdownIds = KramdownIds()
    config_file: str | None = None

    @property
    def posts_template(self) -> str:
        """The posts collection's URL template (``permalink`` with named styles expanded)."""
        return str(self.collections["posts"].get("permalink") or style_to_permalink(self.permalink))


def style_to_permalink(style: str) -> str:
    return PERMALINK_STYLES.get(style, style)


def add_permalink_suffix(template: str, style: str) -> str:
    """``Utils.add_permalink_suffix``: end ``template`` the way the site's style ends."""
    if style == "pretty":
        return template + "/"
    if style in ("date", "ordinal", "none"):
        return template + ":output_ext"
    if style.endswith("/"):
        template += "/"
    if style.endswith(":output_ext"):
        template += ":output_ext"
    return template


def find_config_file(root: str) -> str | None:
    """``Configuration#config_files``: the first of ``_config.yml``, ``.yaml``, ``.toml``."""
    for ext in ("yml", "yaml", "toml"):
        path = os.path.join(root, f"_config.{ext}")
        if os.path.exists(path):
            return path
    return None


def load_config(root: str) -> SiteConfig:
    """The configuration of the site whose source folder is ``root``.

    A missing file gives Jekyll's defaults (as ``jekyll build`` does, with a
    warning).  Raises :class:`ConfigError` for a file that is not a mapping or
    whose ``include``/``exclude`` is not a list, which Jekyll refuses as well.
    """
    path = find_config_file(root)
    data: dict[str, Any] = {}
    if path is not None:
        data = _read(path)
    return config_from_mapping(root, data, path)


def _read(path: str) -> dict[str, Any]:
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    text = raw.decode("utf-8-sig", errors="replace")
    if path.endswith(".toml"):
        if sys.version_info >= (3, 11):
            import tomllib
        else:
            import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]
        try:
            loaded: dict[str, Any] = tomllib.loads(text)
            return loaded
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: {exc}") from None
    from mdnorm import _yaml

    data, error, line = _yaml.load_mapping(text)
    if data is None:
        where = f":{line + 1}" if line is not None else ""
        raise ConfigError(f"{path}{where}: {error}")
    return data


def config_from_mapping(root: str, data: dict[str, Any], path: str | None = None) -> SiteConfig:
    """Jekyll's defaults, overridden by ``data`` (the parsed configuration file)."""
    for key in ("include", "exclude"):
        if key in data and not isinstance(data[key], list):
            raise ConfigError(f"{path or '_config.yml'}: '{key}' should be set as an array, but was: {data[key]!r}")
    exclude = [str(e) for e in data.get("exclude") or []]
    for e in DEFAULT_EXCLUDES:
        if e not in exclude:
            exclude.append(e)
    include = tuple(str(e) for e in data["include"]) if "include" in data else (".htaccess",)
    permalink = data.get("permalink", "date")
    permalink = "date" if permalink is None else str(permalink)
    collections = _collections(data.get("collections"), permalink)
    kd = data.get("kramdown") if isinstance(data.get("kramdown"), dict) else {}
    assert isinstance(kd, dict)
    toc = kd.get("toc_levels", (1, 2, 3, 4, 5, 6))
    defaults = data.get("defaults")
    md_ext = str(data.get("markdown_ext") or DEFAULT_MARKDOWN_EXT)
    return SiteConfig(
        source=root,
        permalink=permalink,
        baseurl=str(data.get("baseurl") or ""),
        url=str(data.get("url") or ""),
        exclude=tuple(exclude),
        include=include,
        future=bool(data.get("future", False)),
        unpublished=bool(data.get("unpublished", False)),
        show_drafts=bool(data.get("show_drafts")),
        defaults=tuple(d for d in defaults if isinstance(d, dict)) if isinstance(defaults, list) else (),
        collections=collections,
        collections_dir=str(data.get("collections_dir") or ""),
        markdown_ext=tuple("." + e.strip().lower() for e in md_ext.split(",")),
        timezone=str(data["timezone"]) if data.get("timezone") else None,
        time=data.get("time"),
        kramdown=KramdownIds(
            auto_ids=bool(kd.get("auto_ids", True)),
            auto_id_prefix=str(kd.get("auto_id_prefix") or ""),
            input=str(kd.get("input") or "GFM"),
            transliterated_header_ids=bool(kd.get("transliterated_header_ids", False)),
            toc_levels=tuple(toc) if isinstance(toc, list | tuple) else (1, 2, 3, 4, 5, 6),
            footnote_prefix=str(kd.get("footnote_prefix") or ""),
        ),
        config_file=path,
    )


def _collections(value: Any, permalink: str) -> dict[str, dict[str, Any]]:
    """``add_default_collections``: a list becomes a mapping; ``posts`` always outputs."""
    out: dict[str, dict[str, Any]] = {}
    if isinstance(value, list):
        out = {str(label): {} for label in value}
    elif isinstance(value, dict):
        out = {str(k): dict(v) if isinstance(v, dict) else {} for k, v in value.items()}
    posts = out.setdefault("posts", {})
    posts["output"] = True
    if not posts.get("permalink"):  # Ruby's ||=
        posts["permalink"] = style_to_permalink(permalink)
    return out
