"""The package's shape, checked: no import cycles, no private names across modules, no rule code
in the engine.  ``python tests/test_architecture.py`` prints the import graph's cycles, if any."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "mdnorm"


def _module_name(path: Path) -> str:
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _type_checking_lines(tree: ast.AST) -> set[int]:
    """Lines inside ``if TYPE_CHECKING:`` blocks: imports for annotations only, never run."""
    out: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and getattr(node.test, "id", getattr(node.test, "attr", None)) == "TYPE_CHECKING":
            for child in node.body:
                out.update(range(child.lineno, (child.end_lineno or child.lineno) + 1))
    return out


def imports() -> dict[str, set[tuple[str, str | None]]]:
    """Module -> {(imported module, imported name or None)}, function-level (lazy) imports included."""
    graph: dict[str, set[tuple[str, str | None]]] = {}
    modules = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = _type_checking_lines(tree)
        deps: set[tuple[str, str | None]] = set()
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in ast.walk(tree):
            if getattr(node, "lineno", 0) in skip:
                continue
            if isinstance(node, ast.Import):
                deps.update((a.name, None) for a in node.names if a.name.startswith("mdnorm"))
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parent = package.split(".")[: len(package.split(".")) - node.level + 1]
                    base = ".".join([*parent, base] if base else parent)
                if not base.startswith("mdnorm"):
                    continue
                for a in node.names:
                    sub = f"{base}.{a.name}"
                    deps.add((sub, None) if sub in modules else (base, a.name))
        graph[name] = {(m, n) for m, n in deps if m != name}
    return graph


def cycles(graph: dict[str, set[tuple[str, str | None]]]) -> list[list[str]]:
    """The strongly connected components with more than one module (Tarjan)."""
    edges = {m: {d for d, _ in deps if d in graph} for m, deps in graph.items()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    sys.setrecursionlimit(10_000)
    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def test_no_import_cycles() -> None:
    assert cycles(imports()) == []


def test_no_module_imports_a_private_name_of_another() -> None:
    found = sorted(
        f"{mod} imports {dep}.{name}"
        for mod, deps in imports().items()
        for dep, name in deps
        if name is not None and name.startswith("_") and not name.startswith("__")
    )
    assert found == []


def test_no_module_reaches_into_a_private_name_of_another() -> None:
    """``config_mod._CACHE.clear()`` is as private as importing ``_CACHE``."""
    modules = {_module_name(p) for p in PACKAGE.rglob("*.py")}
    found = []
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        aliases: set[str] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("mdnorm"):
                for a in node.names:
                    if f"{node.module}.{a.name}" in modules:
                        aliases.add(a.asname or a.name)
            elif isinstance(node, ast.Import):
                aliases.update(a.asname for a in node.names if a.name.startswith("mdnorm") and a.asname)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and isinstance(node.value, ast.Name)
                and node.value.id in aliases
                and node.attr.startswith("_")
                and not node.attr.startswith("__")
            ):
                found.append(f"{_module_name(path)}: {node.value.id}.{node.attr}")
    assert sorted(found) == []


def test_the_engine_names_no_rule_code() -> None:
    """A rule declares everything about itself; adding one touches no engine module."""
    code = re.compile(r"[\"'](?!IO001)[A-Z]{2}\d{3}[\"']")  # IO001 is the runner's own (a file it cannot read)
    engine = [
        "fixer.py",
        "guard.py",
        "linter.py",
        "runner.py",
        "linkindex.py",
        "store.py",
        "storefile.py",
        "sitestate.py",
        "resultcache.py",
        "facts.py",
    ]
    found = {name: code.findall((PACKAGE / name).read_text(encoding="utf-8")) for name in engine}
    assert {k: v for k, v in found.items() if v} == {}


#: The size limits of issue 11: a module that outgrows them has more than one job.
MAX_MODULE_LINES = 450
MAX_CLI_LINES = 200


def test_every_module_is_under_the_size_limit() -> None:
    """Split a module by concern before it passes the limit (``_parser/`` is the model)."""
    sizes = {
        str(p.relative_to(PACKAGE.parent)): len(p.read_text(encoding="utf-8").splitlines())
        for p in PACKAGE.rglob("*.py")
    }
    assert {path: n for path, n in sizes.items() if n >= MAX_MODULE_LINES} == {}
    assert sizes["mdnorm/cli.py"] < MAX_CLI_LINES


if __name__ == "__main__":
    for comp in cycles(imports()):
        print(" <-> ".join(comp))
