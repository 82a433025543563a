"""mdnorm: a linter and normalizer for Jekyll/kramdown blog posts.

The public API is two functions, :func:`lint` and :func:`fix` (see
:mod:`mdnorm._api`); they are imported on first use, so that ``import mdnorm``
stays as cheap as the command line's start-up.
"""

from __future__ import annotations

from mdnorm._version import __version__

#: ``typing`` costs ~10 ms to import: every run imports this package first (a run served by the
#: daemon imports little else), so ``Any`` is for mypy only (the annotations are strings).
TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__all__ = ["__version__", "fix", "lint"]


def __getattr__(name: str) -> Any:
    if name in ("lint", "fix"):
        from mdnorm import _api

        return getattr(_api, name)
    raise AttributeError(f"module 'mdnorm' has no attribute {name!r}")
