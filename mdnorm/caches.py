"""What one process remembers of files and folders, forgotten in one place.

mdnorm's modules memoise answers about paths (nested configs, site roots,
layouts, Jekyll's excludes, ...) for the life of a process, which is one run.
A process that outlives a run must forget them all when the files may have
changed: the language server when the project's configuration changes, the
daemon after its warm-up.  :func:`forget_caches` clears every ``lru_cache`` of
mdnorm's modules (found, not listed: a new cache cannot be missed) and the
nested-config table.
"""

from __future__ import annotations

import sys

#: Caches that depend on nothing but the code this process runs, kept: ``code_digest`` reads and
#: hashes every mdnorm source (~5 ms a run); the daemon checks those files' stat identities before
#: each run (the digest was computed after they were recorded and they were unchanged after it).
KEEP = frozenset({"mdnorm.project.code_digest"})


def forget_caches() -> int:
    """Clear every ``lru_cache`` of mdnorm's modules and classes (but :data:`KEEP`), and the
    nested-config table; return how many."""
    cleared = 0
    for name, module in list(sys.modules.items()):
        if not (name == "mdnorm" or name.startswith("mdnorm.")) or module is None:
            continue
        for value in list(vars(module).values()):
            holders = [value, *vars(value).values()] if isinstance(value, type) else [value]
            for holder in holders:
                clear = getattr(holder, "cache_clear", None)
                qualified = f"{getattr(holder, '__module__', '')}.{getattr(holder, '__qualname__', '')}"
                if callable(clear) and qualified not in KEEP:
                    clear()
                    cleared += 1
    from mdnorm.config import forget_nested

    forget_nested()
    return cleared
