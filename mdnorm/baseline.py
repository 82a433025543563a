"""A baseline: the problems an archive already had, so a gate can start at zero.

A blog with thousands of old ``http://`` links cannot fix them all before it
turns mdnorm on in CI.  ``mdnorm --add-baseline`` records today's problems; later
runs report only problems that are not recorded, and the recorded ones that no
longer occur as *stale*, so the file only ever shrinks.

An entry is keyed by the file's path (relative to the baseline file's folder,
with ``/``), the rule code and a fingerprint of the offending line's content and
of the message (numbers left out), never its line number: adding a paragraph
above a problem must not revive it, and a *different* problem reported on the
same line (a missing ``title`` where a missing ``category`` was recorded, both
on line 1) is new.  Identical lines with the same problem share a key and a
count; when a file has more of them than recorded, the later ones are new.

Entries follow content across a rename: a problem that no entry of its own file
matches may take an entry of a recorded file that no longer exists (``git mv``
of a baselined post keeps its old problems hidden).

The file is JSON, sorted and indented, with a ``version`` field, so that two runs
on the same tree write the same bytes and a review diff shows what changed.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import NamedTuple

from mdnorm.config import Config, ConfigError
from mdnorm.diagnostic import Diagnostic

VERSION = 2
#: Version 1 fingerprinted the line only; such files are still read.
READ_VERSIONS = (1, 2)
DEFAULT_NAME = ".mdnorm-baseline.json"


class BaselineError(ConfigError):
    """The baseline file is missing, unreadable or not a baseline (exit code 2)."""


class Key(NamedTuple):
    path: str
    code: str
    fingerprint: str


@dataclass(frozen=True)
class Baseline:
    """A loaded baseline file: where it is and how often each key was recorded."""

    file: str
    entries: Mapping[Key, int]
    version: int = VERSION

    @property
    def root(self) -> str:
        """Paths in the file are relative to the folder the file is in."""
        return os.path.dirname(os.path.abspath(self.file))


class Outcome(NamedTuple):
    """What a baseline did to one run's diagnostics."""

    reported: list[Diagnostic]
    baselined: int
    stale: int


_SPACE = re.compile(r"\s+")
_HTTP = re.compile(r"\bhttp://", re.IGNORECASE)


_DIGITS = re.compile(r"\d+")


def fingerprint(line: str, message: str | None = None) -> str:
    """A short hash of a line's content and the problem's message.

    The line is normalised so that mdnorm's own safe fixes on it (trimmed or
    collapsed whitespace, ``http://`` upgraded to ``https://``) do not turn the
    line's other baselined problems into new ones; numbers in the message (line
    numbers it names) are left out so that moving text does not either.  Without
    a message: the version 1 fingerprint, of the line alone.
    """
    normal = _HTTP.sub("https://", _SPACE.sub(" ", line.strip()))
    if message is not None:
        normal += "\0" + _DIGITS.sub("#", message)
    return hashlib.sha256(normal.encode("utf-8", "surrogateescape")).hexdigest()[:16]


def relative_path(path: str, root: str) -> str:
    """``path`` relative to ``root`` with ``/`` separators (the key's first part)."""
    try:
        rel = os.path.relpath(os.path.abspath(path), root)
    except ValueError:  # another drive on Windows
        rel = os.path.abspath(path)
    return rel.replace(os.sep, "/")


def _lines_of(path: str, texts: Mapping[str, str]) -> list[str]:
    """The lines of ``path``: from ``texts`` (fixed text, stdin) or the file itself."""
    from mdnorm.document import DecodeError, Document

    text = texts.get(path)
    if text is None:
        try:
            with open(path, "rb") as fh:
                text = Document.from_bytes(path, fh.read()).text
        except (OSError, DecodeError):
            return []
    return Document(path, text).lines


def keys_for(
    diagnostics: Iterable[Diagnostic], root: str, texts: Mapping[str, str] | None = None, version: int = VERSION
) -> list[Key]:
    """One key per diagnostic, in the diagnostics' order (``version``: of the baseline file)."""
    texts = texts or {}
    cache: dict[str, list[str]] = {}
    out = []
    for d in diagnostics:
        lines = cache.get(d.path)
        if lines is None:
            lines = cache[d.path] = _lines_of(d.path, texts)
        content = lines[d.line - 1] if 0 < d.line <= len(lines) else ""
        message = d.message if version >= 2 else None
        out.append(Key(relative_path(d.path, root), d.code, fingerprint(content, message)))
    return out


# -- choosing the file ---------------------------------------------------------


def path_for_run(cfg: Config, option: str | None, disabled: bool = False) -> str | None:
    """The baseline a run uses: ``--baseline FILE``, else the config's ``baseline``
    (relative to the config's folder), else ``.mdnorm-baseline.json`` there if it
    exists.  A file that is named but missing is an error: a gate that silently
    ran without its baseline would fail on every old problem."""
    if disabled:
        return None
    if option is not None:
        if not os.path.isfile(option):
            raise BaselineError(f"{option}: baseline file not found (create it with mdnorm --add-baseline)")
        return os.path.abspath(option)
    if cfg.baseline is not None:
        named = os.path.join(cfg.root, cfg.baseline)
        if not os.path.isfile(named):
            where = cfg.source or "configuration"
            raise BaselineError(f"{where}: baseline file {named} not found (create it with mdnorm --add-baseline)")
        return os.path.abspath(named)
    default = os.path.join(cfg.root, DEFAULT_NAME)
    return os.path.abspath(default) if os.path.isfile(default) else None


def path_for_add(cfg: Config, option: str | None) -> str:
    """Where ``--add-baseline [FILE]`` writes: FILE, the configured one, or the default."""
    if option:
        return os.path.abspath(option)
    return os.path.abspath(os.path.join(cfg.root, cfg.baseline or DEFAULT_NAME))


# -- reading and writing ----------------------------------------------------------


def load(file: str) -> Baseline:
    """Read a baseline file; anything unexpected is a :class:`BaselineError`."""
    try:
        with open(file, encoding="utf-8") as fh:
            data = json.load(fh)
    except OSError as exc:
        raise BaselineError(f"{file}: cannot read baseline: {exc.strerror or exc}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise BaselineError(f"{file}: not a baseline file (invalid JSON: {exc})") from None
    except RecursionError:  # arrays thousands deep: the decoder recurses per level
        raise BaselineError(f"{file}: not a baseline file (JSON nested too deeply)") from None
    if not isinstance(data, dict) or data.get("version") not in READ_VERSIONS:
        found = data.get("version") if isinstance(data, dict) else None
        raise BaselineError(f"{file}: unsupported baseline version {found!r} (expected {VERSION}); re-create it")
    files = data.get("files")
    if not isinstance(files, dict):
        raise BaselineError(f"{file}: baseline has no 'files' table")
    entries: dict[Key, int] = {}
    for path, codes in files.items():
        if not isinstance(codes, dict):
            raise BaselineError(f"{file}: baseline entry for {path!r} is not a table of codes")
        for code, prints in codes.items():
            if not isinstance(prints, dict) or not all(
                isinstance(n, int) and not isinstance(n, bool) and n > 0 for n in prints.values()
            ):
                raise BaselineError(f"{file}: baseline entry {path!r} {code!r} is not a table of positive counts")
            for fp, n in prints.items():
                entries[Key(path, code, fp)] = n
    return Baseline(file, entries, int(data["version"]))


def dumps(entries: Mapping[Key, int]) -> str:
    """The file's text: ``{"version": 1, "files": {path: {code: {fingerprint: count}}}}``."""
    files: dict[str, dict[str, dict[str, int]]] = {}
    for key, n in entries.items():
        if n > 0:
            files.setdefault(key.path, {}).setdefault(key.code, {})[key.fingerprint] = n
    return json.dumps({"version": VERSION, "files": files}, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def merge(old: Mapping[Key, int], new: Mapping[Key, int], checked: Iterable[str], root: str) -> dict[Key, int]:
    """``new`` for the files this run checked; ``old`` entries for other files that
    still exist (re-baselining one folder keeps the rest of the archive's entries)."""
    checked_rel = {relative_path(p, root) for p in checked}
    kept = {
        k: n
        for k, n in old.items()
        if k.path not in checked_rel and os.path.exists(os.path.join(root, *k.path.split("/")))
    }
    kept.update(new)
    return kept


def write(file: str, entries: Mapping[Key, int]) -> None:
    """Write the baseline atomically, through the one writer."""
    from mdnorm.writer import write_file

    write_file(file, dumps(entries).encode("utf-8"))


def record(diagnostics: Iterable[Diagnostic], root: str, texts: Mapping[str, str] | None = None) -> Counter[Key]:
    """The entries for ``diagnostics``: how often each key occurs."""
    return Counter(keys_for(diagnostics, root, texts))


# -- applying ---------------------------------------------------------------------


def apply(
    baseline: Baseline,
    diagnostics: list[Diagnostic],
    cfg: Config,
    checked: Iterable[str],
    texts: Mapping[str, str] | None = None,
) -> Outcome:
    """Drop the diagnostics the baseline records and count the stale entries.

    ``diagnostics`` must be sorted: when a key occurs more often than recorded,
    the first occurrences are the baselined ones.  An entry is stale when its
    file was checked in this run, its code was selected for that file, and it
    matched fewer problems than recorded; or when its file no longer exists.
    Files outside the run (pre-commit passes only the changed ones) are left
    alone.
    """
    from mdnorm.config import for_path
    from mdnorm.selection import codes_for

    root = baseline.root
    left = dict(baseline.entries)
    reported: list[Diagnostic] = []
    unmatched: list[tuple[Diagnostic, Key]] = []
    baselined = 0
    for d, key in zip(diagnostics, keys_for(diagnostics, root, texts, baseline.version), strict=True):
        if left.get(key, 0) > 0:
            left[key] -= 1
            baselined += 1
        else:
            unmatched.append((d, key))
    # a renamed file: its problems may take the entries of a recorded file that is gone
    gone: dict[tuple[str, str], list[Key]] = {}
    for key, n in left.items():
        if n > 0 and not os.path.exists(os.path.join(root, *key.path.split("/"))):
            gone.setdefault((key.code, key.fingerprint), []).append(key)
    for d, key in unmatched:
        for old in gone.get((key.code, key.fingerprint), ()):
            if left[old] > 0:
                left[old] -= 1
                baselined += 1
                break
        else:
            reported.append(d)

    active: dict[str, frozenset[str]] = {}
    for path in checked:
        rel = relative_path(path, root)
        file_cfg = for_path(cfg, path) if path != "-" else cfg
        active[rel] = codes_for(file_cfg, path)
    stale = 0
    for key, n in left.items():
        if n <= 0:
            continue
        codes = active.get(key.path)
        if codes is not None:
            if key.code in codes:
                stale += n
        elif not os.path.exists(os.path.join(root, *key.path.split("/"))):
            stale += n
    return Outcome(reported, baselined, stale)


def update(file: str, checked: list[str], diagnostics: list[Diagnostic], texts: Mapping[str, str] | None = None) -> int:
    """``--add-baseline``: record ``diagnostics`` for the ``checked`` files in ``file``,
    keeping the entries of other files that still exist; return how many files
    have entries from this run."""
    root = os.path.dirname(os.path.abspath(file))
    new = record(diagnostics, root, texts)
    old = load(file).entries if os.path.exists(file) else {}
    write(file, merge(old, new, checked, root))
    return len({k.path for k in new})


def describe(outcome: Outcome, file: str) -> str:
    """The lines the CLI prints about a baseline: how much it hid, how much is stale."""
    lines = []
    if outcome.baselined:
        n = outcome.baselined
        lines.append(f"{n} problem{'s' if n != 1 else ''} hidden by the baseline {file}.")
    if outcome.stale:
        n = outcome.stale
        lines.append(
            f"{n} baseline entr{'ies' if n != 1 else 'y'} no longer match{'' if n != 1 else 'es'} "
            f"(fixed or gone): run 'mdnorm --add-baseline' to drop {'them' if n != 1 else 'it'}."
        )
    return "".join(line + "\n" for line in lines)
