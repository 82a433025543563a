"""``mdnorm server``: the linter in the editor, over the Language Server Protocol.

:mod:`~mdnorm.server.state` keeps the configuration, the sites' post facts and
the results loaded (no protocol there); :mod:`~mdnorm.server.convert` turns
mdnorm's records into the protocol's, in the negotiated position encoding;
:mod:`~mdnorm.server.actions` makes code actions, hovers and completions;
:mod:`~mdnorm.server.disk` notices files changed on disk;
:mod:`~mdnorm.server.server` is the pygls side.
"""

from __future__ import annotations


def serve() -> None:
    """Run the language server on stdio (pygls is imported only here: the CLI stays fast)."""
    from mdnorm.server.server import serve as run

    run()
