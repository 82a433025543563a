"""A frozen :class:`Config` from ``[tool.mdnorm]`` / ``.mdnorm.toml`` and the CLI.

Precedence (highest first): command-line options, the file named by ``--config``,
else the closest ``.mdnorm.toml`` or ``pyproject.toml`` with a ``[tool.mdnorm]``
table found upward from the working directory, then the defaults below.  Nested
configuration for a sub-folder (e.g. ``drafts/.mdnorm.toml``) applies to the files
below it; see :func:`for_path`.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any, NamedTuple

# tomllib (or tomli) is imported only when a config file is read: most runs
# of the pre-commit hook should not pay for it.


class ConfigError(Exception):
    """A configuration problem the user must fix (exit code 2)."""


DEFAULT_EXCLUDE = (".git", "_site", "node_modules", "vendor", ".mdnorm_cache", ".venv", "venv", ".tox")


class Selection(NamedTuple):
    """A rule selection as one layer states it (a config file or the command line); None: not stated."""

    select: tuple[str, ...] | None = None
    ignore: tuple[str, ...] | None = None
    extend_select: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Config:
    select: tuple[str, ...] = ("ALL",)
    ignore: tuple[str, ...] = ()
    extend_select: tuple[str, ...] = ()
    extensions: tuple[str, ...] = (".md", ".markdown")
    exclude: tuple[str, ...] = DEFAULT_EXCLUDE
    extend_exclude: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    respect_gitignore: bool = True
    #: a walk skips what the site's ``_config.yml`` ``exclude:`` (and Jekyll's default excludes) drops
    respect_jekyll_exclude: bool = True
    #: what every Jekyll post needs; a site's own conventions (``category``) come from its config
    fm_required: tuple[str, ...] = ("title", "layout")
    fm_layouts: tuple[str, ...] | None = None
    https_known_hosts: tuple[str, ...] = ()
    http_only_hosts: tuple[str, ...] = ()
    #: [online]: see mdnorm.online.settings_for (curl-like HOST:PORT:ADDR, CIDR networks, ...)
    online_resolve: tuple[str, ...] = ()
    online_allow_networks: tuple[str, ...] = ()
    online_wayback_url: str | None = None
    online_timeout: int | None = None
    online_deadline: int | None = None
    online_max_requests: int | None = None
    online_concurrency: int | None = None
    online_interval_ms: int | None = None
    online_host_limits: tuple[str, ...] = ()
    online_max_retry_wait: int | None = None
    #: [online] editor: the language server uses the cached --online answers (titles, https status)
    online_editor: bool = False
    #: URL path globs served by something other than this site's source (SL001..SL003 skip them)
    site_elsewhere: tuple[str, ...] = ()
    #: 0: no TOC required (a site's convention, set by ``mdnorm init`` when its posts have one)
    toc_min_headings: int = 0
    #: a paragraph ending in a colon captions the URL(s) after it (LE001, LE002)
    link_labels: bool = True
    #: a heading or a paragraph of text right above a URL (or a run of URLs) captions it
    link_lead_captions: bool = True
    #: URL globs (without the scheme) whose URLs name their page as written: no title needed (LE001)
    link_self_describing: tuple[str, ...] = ("*.wikipedia.org/wiki/*",)
    max_file_size: int = 5 * 1024 * 1024
    baseline: str | None = None
    cache: bool = True
    #: where the cache lives (relative to ``root``); None: under the user's cache folder
    cache_dir: str | None = None
    #: the command line's --select/--ignore/--extend-select, re-applied over nested configs
    cli_selection: Selection | None = None
    #: folder the config file was found in; relative paths are taken from here
    root: str = field(default=".", compare=False)
    source: str | None = field(default=None, compare=False)

    def with_overrides(self, **changes: Any) -> Config:
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})

    def fingerprint(self) -> str:
        """A stable text that changes whenever a setting that affects results does."""
        return _fingerprint(self)


@lru_cache(maxsize=64)
def _fingerprint(cfg: Config) -> str:
    # root and source are not compared or hashed (compare=False): configs that
    # differ only in where they were found share one fingerprint
    d = dataclasses.asdict(cfg)
    d.pop("root", None)
    d.pop("source", None)
    d.pop("cli_selection", None)  # already applied to select/ignore/extend_select
    return repr(sorted(d.items()))


# key in the file -> (field name, kind)
_KEYS: dict[str, tuple[str, str]] = {
    "select": ("select", "codes"),
    "ignore": ("ignore", "codes"),
    "extend-select": ("extend_select", "codes"),
    "extensions": ("extensions", "strs"),
    "exclude": ("exclude", "strs"),
    "extend-exclude": ("extend_exclude", "strs"),
    "per-file-ignores": ("per_file_ignores", "pfi"),
    "respect-gitignore": ("respect_gitignore", "bool"),
    "respect-jekyll-exclude": ("respect_jekyll_exclude", "bool"),
    "max-file-size": ("max_file_size", "int"),
    "baseline": ("baseline", "str"),
    "cache": ("cache", "bool"),
    "cache-dir": ("cache_dir", "str"),
    "front-matter.required": ("fm_required", "strs"),
    "front-matter.layouts": ("fm_layouts", "strs"),
    "https.known-hosts": ("https_known_hosts", "strs"),
    "https.http-only-hosts": ("http_only_hosts", "strs"),
    "toc.min-headings": ("toc_min_headings", "int"),
    "online.resolve": ("online_resolve", "strs"),
    "online.allow-networks": ("online_allow_networks", "strs"),
    "online.wayback-url": ("online_wayback_url", "str"),
    "online.timeout": ("online_timeout", "int"),
    "online.deadline": ("online_deadline", "int"),
    "online.max-requests": ("online_max_requests", "int"),
    "online.concurrency": ("online_concurrency", "int"),
    "online.interval-ms": ("online_interval_ms", "int"),
    "online.host-limits": ("online_host_limits", "strs"),
    "online.max-retry-wait": ("online_max_retry_wait", "int"),
    "online.editor": ("online_editor", "bool"),
    "site.elsewhere": ("site_elsewhere", "strs"),
    "link-entries.labels": ("link_labels", "bool"),
    "link-entries.lead-captions": ("link_lead_captions", "bool"),
    "link-entries.self-describing": ("link_self_describing", "strs"),
}
_TABLES = {"front-matter", "https", "toc", "online", "site", "link-entries"}


def _flatten(table: dict[str, Any], where: str) -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in table.items():
        if key in _TABLES:
            if not isinstance(value, dict):
                raise ConfigError(f"{where}: '{key}' must be a table")
            for sub, v in value.items():
                flat[f"{key}.{sub}"] = v
        else:
            flat[key] = value
    return flat


def _convert(key: str, kind: str, value: Any, where: str) -> Any:
    def bad(expected: str) -> ConfigError:
        return ConfigError(f"{where}: '{key}' must be {expected}, got {value!r}")

    if kind in ("codes", "strs"):
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise bad("a list of strings")
        if kind == "codes":
            from mdnorm.selection import check_selector

            for v in value:
                if not v.strip() or not check_selector(v):
                    raise ConfigError(f"{where}: '{key}' has unknown rule code or prefix {v!r}")
            return tuple(v.upper() for v in value)
        return tuple(value)
    if kind == "bool":
        if not isinstance(value, bool):
            raise bad("true or false")
        return value
    if kind == "int":
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise bad("a non-negative integer")
        return value
    if kind == "str":
        if not isinstance(value, str):
            raise bad("a string")
        return value
    if kind == "pfi":
        if not isinstance(value, dict):
            raise bad("a table of glob = [codes]")
        out = []
        for glob, codes in value.items():
            codes_t = _convert(f"{key}.{glob}", "codes", codes, where)
            out.append((glob, codes_t))
        return tuple(out)
    raise AssertionError(kind)  # pragma: no cover


def _globs(key: str, patterns: tuple[str, ...], prefix: str, where: str) -> tuple[str, ...]:
    """``patterns`` as the matchers read them: relative to the root config's folder.

    Patterns are matched (as in ruff) against a file's path relative to that
    folder and against its base name; ``*`` crosses ``/``.  ``**/x`` also matches
    ``x`` at the top.  A pattern from a nested config (``prefix`` is its folder,
    relative to the root) is anchored there; one without a ``/`` still matches a
    base name anywhere below that folder.
    """
    out: list[str] = []
    for pattern in patterns:
        p = pattern.replace("\\", "/")
        while p.startswith("./"):
            p = p[2:]
        if not p.strip("/"):
            raise ConfigError(f"{where}: '{key}' has an empty pattern {pattern!r}")
        if p.startswith("!"):
            raise ConfigError(f"{where}: '{key}': negated patterns ({pattern!r}) are not supported")
        variants = [p, p[3:]] if p.startswith("**/") and len(p) > 3 else [p]
        for v in variants:
            if not prefix:
                out.append(v)
            elif "/" in v:
                out.append(f"{prefix}/{v}")
            else:
                out.extend((v, f"{prefix}/{v}"))
    return tuple(dict.fromkeys(out))


def _union(*parts: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(c for part in parts for c in part))


def layer_selection(base: Config, sel: Selection) -> Config:
    """Layer rule selection over ``base`` as ruff does: a ``select`` starts afresh
    (inherited ``ignore`` and ``extend-select`` are dropped); ``ignore`` and
    ``extend-select`` add to what is inherited."""
    inh_ignore: tuple[str, ...] = ()
    inh_extend: tuple[str, ...] = ()
    if sel.select is not None:
        new_select = sel.select
    else:
        new_select, inh_ignore, inh_extend = base.select, base.ignore, base.extend_select
    return dataclasses.replace(
        base,
        select=new_select,
        ignore=_union(inh_ignore, sel.ignore or ()),
        extend_select=_union(inh_extend, sel.extend_select or ()),
    )


def with_command_line(base: Config, sel: Selection) -> Config:
    """``base`` with the command line's rule selection on top (see :func:`layer_selection`).

    The selection is remembered so that :func:`for_folder` puts it on top of
    nested config files too: the command line wins everywhere.
    """
    if sel == Selection():
        return base
    return dataclasses.replace(layer_selection(base, sel), cli_selection=sel)


def parse_table(table: dict[str, Any], where: str, base: Config | None = None, prefix: str = "") -> Config:
    """Turn a ``[tool.mdnorm]`` table into a Config layered over ``base``.

    Rule selection layers as in ruff (see :func:`layer_selection`);
    ``extend-exclude`` and ``per-file-ignores`` add to what ``base`` has; every
    other key replaces ``base``'s value.  ``prefix`` is the folder of a nested
    config file relative to the root config's folder ("" for the root config).
    """
    cfg = base or Config()
    changes: dict[str, Any] = {}
    for key, value in _flatten(table, where).items():
        if key not in _KEYS:
            hint = ""
            if key == "tool" and where.endswith(".mdnorm.toml"):
                hint = " (.mdnorm.toml takes the keys at its top level, without a [tool.mdnorm] header)"
            close = difflib.get_close_matches(key, _KEYS, n=1)
            hint = hint or (f" (did you mean '{close[0]}'?)" if close else "")
            raise ConfigError(f"{where}: unknown key '{key}'{hint}")
        name, kind = _KEYS[key]
        changes[name] = _convert(key, kind, value, where)
    sel = Selection(changes.pop("select", None), changes.pop("ignore", None), changes.pop("extend_select", None))
    cfg = layer_selection(cfg, sel)
    if "exclude" in changes:
        changes["exclude"] = _globs("exclude", changes["exclude"], prefix, where)
    if "extend_exclude" in changes:
        changes["extend_exclude"] = cfg.extend_exclude + _globs(
            "extend-exclude", changes["extend_exclude"], prefix, where
        )
    if "per_file_ignores" in changes:
        entries = [
            (glob, codes)
            for pattern, codes in changes["per_file_ignores"]
            for glob in _globs(f"per-file-ignores.{pattern}", (pattern,), prefix, where)
        ]
        changes["per_file_ignores"] = cfg.per_file_ignores + tuple(entries)
    return dataclasses.replace(cfg, **changes)


def _read_table(path: Path) -> dict[str, Any] | None:
    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover - exercised on Python 3.10 only
        import tomli as tomllib  # type: ignore[import-not-found,unused-ignore]
    try:
        with open(path, "rb") as fh:
            data = tomllib.load(fh)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: invalid TOML: not UTF-8") from None
    except RecursionError:  # ``x = [[[[...`` thousands deep: tomllib recurses per level
        raise ConfigError(f"{path}: invalid TOML: nested too deeply") from None
    if path.name == "pyproject.toml":
        tool = data.get("tool", {})
        table = tool.get("mdnorm") if isinstance(tool, dict) else None
        return table if isinstance(table, dict) else None
    return dict(data)


def find_config_file(start: Path) -> Path | None:
    """Closest ``.mdnorm.toml``, or ``pyproject.toml`` with ``[tool.mdnorm]``, upward."""
    for folder in [start, *start.parents]:
        candidate = folder / ".mdnorm.toml"
        if candidate.is_file():
            return candidate
        candidate = folder / "pyproject.toml"
        if candidate.is_file() and _read_table(candidate) is not None:
            return candidate
    return None


def load(config_path: str | None = None, cwd: str | None = None) -> Config:
    """Load the configuration for a run that starts in ``cwd`` (default: the working directory).

    The run's root (where the baseline and the cache belong) is the folder of the
    configuration file; without one, the project root of :func:`mdnorm.project.marker_root`.
    """
    start = Path(cwd or os.getcwd()).resolve()
    if config_path is not None:
        path = Path(config_path)
        try:
            found_file = path.is_file()
        except OSError as exc:  # a name too long, a folder on the way that cannot be searched
            raise ConfigError(f"{config_path}: cannot read: {exc.strerror or exc}") from None
        if not found_file:
            raise ConfigError(f"{config_path}: config file not found")
    else:
        found = find_config_file(start)
        if found is None:
            from mdnorm.project import marker_root

            return Config(root=marker_root(str(start)))
        path = found
    table = _read_table(path) or {}
    cfg = parse_table(table, str(path))
    return dataclasses.replace(cfg, root=str(path.resolve().parent), source=str(path))


_NESTED_CACHE: dict[tuple[str, Config], Config] = {}


def forget_nested() -> None:
    """Forget the nested configurations read so far (a long-lived process after a config file changed)."""
    _NESTED_CACHE.clear()


def for_folder(base: Config, folder: str) -> Config:
    """The config for files in ``folder``: ``base`` plus every ``.mdnorm.toml`` in
    the folders from below the base config's root down to ``folder`` (the
    closest is applied last; see :func:`parse_table` for how keys combine)."""
    # called once per file: a hit on the folder as given skips the path arithmetic
    fast_key = (folder if os.path.isabs(folder) else os.path.join(os.getcwd(), folder), base)
    fast = _NESTED_CACHE.get(fast_key)
    if fast is not None:
        return fast
    result = _for_folder(base, folder)
    _NESTED_CACHE[fast_key] = result
    return result


def _for_folder(base: Config, folder: str) -> Config:
    root = Path(base.root)
    path = Path(os.path.abspath(folder))
    try:
        rel = path.relative_to(root)
    except ValueError:
        return base
    if rel == Path("."):
        return base
    key = (str(path), base)
    cached = _NESTED_CACHE.get(key)
    if cached is not None:
        return cached
    cfg = base
    current = root
    for i, part in enumerate(rel.parts):
        current = current / part
        nested = current / ".mdnorm.toml"
        if nested.is_file():
            prefix = "/".join(rel.parts[: i + 1])
            cfg = parse_table(_read_table(nested) or {}, str(nested), cfg, prefix)
    if cfg is not base and base.cli_selection is not None:
        cfg = layer_selection(cfg, base.cli_selection)  # the command line stays on top
    _NESTED_CACHE[key] = cfg
    return cfg


def for_path(base: Config, file_path: str) -> Config:
    """The config for one file: see :func:`for_folder`."""
    return for_folder(base, os.path.dirname(file_path) or ".")
