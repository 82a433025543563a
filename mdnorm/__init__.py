"""mdnorm: a linter and normalizer for Jekyll/kramdown blog posts.

The public API is two functions, :func:`lint` and :func:`fix` (see
:mod:`mdnorm._api`); they are imported on first use, so that ``import mdnorm``
stays as cheap as the command line's start-up.
"""

from __future__ import annotations

from typing import Any

from mdnorm._version import __version__

__all__ = ["__version__", "fix", "lint"]


def __getattr__(name: str) -> Any:
    if name in ("lint", "fix"):
        from mdnorm import _api

        return getattr(_api, name)
    raise AttributeError(f"module 'mdnorm' has no attribute {name!r}")
