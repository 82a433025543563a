"""A frozen :class:`Config` from ``[tool.mdnorm]`` / ``.mdnorm.toml`` and the CLI.

Precedence (highest first): command-line options, the file named by ``--config``,
else the closest ``.mdnorm.toml`` or ``pyproject.toml`` with a ``[tool.mdnorm]``
table found upward from the working directory, then the defaults below.  Nested
configuration for a sub-folder (e.g. ``drafts/.mdnorm.toml``) applies to the files
below it; see :func:`for_path`.
"""

from __future__ import annotations

import dataclasses
import os
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

# tomllib (or tomli) is imported only when a config file is read: most runs
# of the pre-commit hook should not pay for it.


class ConfigError(Exception):
    """A configuration problem the user must fix (exit code 2)."""


DEFAULT_EXCLUDE = (".git", "_site", "node_modules", "vendor", ".mdnorm_cache", ".venv", "venv", ".tox")


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
    fm_required: tuple[str, ...] = ("layout", "title", "category")
    fm_layouts: tuple[str, ...] | None = None
    https_known_hosts: tuple[str, ...] = ()
    http_only_hosts: tuple[str, ...] = ()
    toc_min_headings: int = 2
    max_file_size: int = 5 * 1024 * 1024
    baseline: str | None = None
    cache: bool = True
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
    "max-file-size": ("max_file_size", "int"),
    "baseline": ("baseline", "str"),
    "cache": ("cache", "bool"),
    "front-matter.required": ("fm_required", "strs"),
    "front-matter.layouts": ("fm_layouts", "strs"),
    "https.known-hosts": ("https_known_hosts", "strs"),
    "https.http-only-hosts": ("http_only_hosts", "strs"),
    "toc.min-headings": ("toc_min_headings", "int"),
}
_TABLES = {"front-matter", "https", "toc"}


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
            from mdnorm.rules import check_selector

            for v in value:
                if not check_selector(v):
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


def parse_table(table: dict[str, Any], where: str, base: Config | None = None) -> Config:
    """Turn a ``[tool.mdnorm]`` table into a Config layered over ``base``."""
    changes: dict[str, Any] = {}
    for key, value in _flatten(table, where).items():
        if key not in _KEYS:
            raise ConfigError(f"{where}: unknown key '{key}'")
        name, kind = _KEYS[key]
        changes[name] = _convert(key, kind, value, where)
    return dataclasses.replace(base or Config(), **changes)


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
    """Load the configuration for a run."""
    if config_path is not None:
        path = Path(config_path)
        if not path.is_file():
            raise ConfigError(f"{config_path}: config file not found")
    else:
        found = find_config_file(Path(cwd or os.getcwd()).resolve())
        if found is None:
            return Config(root=str(Path(cwd or os.getcwd()).resolve()))
        path = found
    table = _read_table(path) or {}
    cfg = parse_table(table, str(path))
    return dataclasses.replace(cfg, root=str(path.resolve().parent), source=str(path))


_NESTED_CACHE: dict[tuple[str, Config], Config] = {}


def for_path(base: Config, file_path: str) -> Config:
    """The config for one file: ``base`` plus any ``.mdnorm.toml`` in folders
    between the base config's root and the file (closest wins, key by key)."""
    root = Path(base.root)
    folder = Path(os.path.abspath(file_path)).parent
    try:
        rel = folder.relative_to(root)
    except ValueError:
        return base
    if rel == Path("."):
        return base
    key = (str(folder), base)
    cached = _NESTED_CACHE.get(key)
    if cached is not None:
        return cached
    cfg = base
    current = root
    for part in rel.parts:
        current = current / part
        nested = current / ".mdnorm.toml"
        if nested.is_file():
            cfg = parse_table(_read_table(nested) or {}, str(nested), cfg)
    _NESTED_CACHE[key] = cfg
    return cfg
