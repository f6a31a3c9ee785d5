"""Dependencies between backend packages run one way: no package imports, even inside a
function, a package that imports it back (directly or around a loop)."""

from __future__ import annotations

import ast
import itertools
from collections import defaultdict

from tests.helpers import ROOT

BACKEND = ROOT / "backend"
PACKAGES = {p.name for p in BACKEND.iterdir() if (p / "__init__.py").is_file()}


def _imported_package(name: str) -> str | None:
    parts = name.split(".")
    if parts[0] == "backend" and len(parts) > 1 and parts[1] in PACKAGES:
        return parts[1]
    return None


def package_imports() -> dict[str, dict[str, set[str]]]:
    """``{package: {imported package: {files}}}`` over every import in every module."""
    edges: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))
    for path in BACKEND.rglob("*.py"):
        rel = path.relative_to(BACKEND)
        if len(rel.parts) < 2:
            continue  # the app factory and shared modules (errors, db, ...) are below all
        source = rel.parts[0]
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            else:
                continue
            for name in names:
                target = _imported_package(name)
                if target is not None and target != source:
                    edges[source][target].add(str(rel))
    return edges


def _cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of ``graph`` as a path that ends where it starts, or None."""
    state: dict[str, str] = {}

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return [*path[path.index(nxt) :], nxt]
            if nxt not in state and (found := visit(nxt, [*path, nxt])):
                return found
        state[node] = "done"
        return None

    for start in sorted(graph):
        if start not in state and (found := visit(start, [start])):
            return found
    return None


def test_the_cycle_finder_finds_a_loop_through_a_function_level_import():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_no_cycle_between_backend_packages():
    edges = package_imports()
    cycle = _cycle({source: set(targets) for source, targets in edges.items()})
    if cycle:
        where = [f"{a} -> {b}: {sorted(edges[a][b])}" for a, b in itertools.pairwise(cycle)]
        raise AssertionError("Import cycle between backend packages:\n" + "\n".join(where))
