"""Private: the one place that loads YAML, always with a *safe* loader.

PyYAML's C loader is used when it is built; a subclass rejects duplicate keys,
which PyYAML would otherwise silently resolve to the last value.  Aliases are
checked before anything is built: a "billion laughs" block (a few lines whose
aliases expand to millions of values) or an alias that contains itself is
refused, because the fixer compares front matter data before and after a fix and
would otherwise spend minutes, or recurse without end, on a 400-byte header.
"""

from __future__ import annotations

from typing import Any

import yaml

_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

#: Most values that aliases may add to a front matter block once they are followed.
MAX_NODES = 100_000


class _Loader(_Base):  # type: ignore[misc]
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
        data = _load(text)
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


def _load(text: str) -> Any:
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if "*" in text:  # without an alias (``*name``) nothing can expand
            _check_expansion(node)
        return loader.construct_document(node)
    finally:
        loader.dispose()


def _children(node: Any) -> list[Any]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _check_expansion(root: Any) -> None:
    """Refuse aliases that add more than :data:`MAX_NODES` values or refer to themselves.

    Plain YAML, however long, is never refused (without aliases a node holds no
    more values than were written).  Shared (aliased) nodes are sized once, so
    this is linear in the text even for an alias bomb; the walk uses a stack, so
    deep nesting cannot overflow it.
    """
    sizes: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            on_path.discard(key)
            total = 1 + sum(sizes[id(c)] for c in _children(node))
            if total > MAX_NODES + len(sizes) + 1:
                raise yaml.constructor.ConstructorError(
                    None, None, f"aliases expand to more than {MAX_NODES:,} values", node.start_mark
                )
            sizes[key] = total
            continue
        if key in sizes:
            continue
        if key in on_path:
            raise yaml.constructor.ConstructorError(None, None, "an alias refers to itself", node.start_mark)
        on_path.add(key)
        stack.append((node, True))
        stack.extend((c, False) for c in _children(node) if id(c) not in sizes)
