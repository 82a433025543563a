"""Private: the one place that loads YAML, always with a *safe* loader.

PyYAML's C loader is used when it is built; a subclass rejects duplicate keys,
which PyYAML would otherwise silently resolve to the last value.
"""

from __future__ import annotations

from typing import Any

import yaml

_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):  # type: ignore[misc,valid-type]
    """Safe loader that refuses duplicate mapping keys."""


def _construct_mapping(loader: Any, node: Any, deep: bool = False) -> Any:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        try:
            dup = key in seen
            seen.add(key)
        except TypeError:
            continue
        if dup:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
    return yaml.SafeLoader.construct_mapping(loader, node, deep=deep)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def load_mapping(text: str) -> tuple[dict[str, Any] | None, str | None, int | None]:
    """Return ``(data, error, error_line)``; ``error_line`` is 0-based in ``text``.

    An empty block is an empty mapping (as Jekyll treats it); a list or a scalar
    is an error.
    """
    try:
        data = yaml.load(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        return None, f"invalid YAML: {problem}", mark.line if mark is not None else None
    except RecursionError:
        return None, "invalid YAML: nested too deeply", None
    if data is None:
        return {}, None, None
    if not isinstance(data, dict):
        return None, f"front matter is a {type(data).__name__}, not a mapping of keys to values", None
    return data, None, None
