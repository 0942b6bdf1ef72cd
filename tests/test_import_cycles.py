"""No import cycles among the station's modules (ui/, station/, devices/, sync/).

Every import that runs counts, the ones inside functions too: a cycle hidden behind a lazy
import is still two modules that cannot be understood, tested or moved one without the other
(the intake wizard and the record view opened each other that way). Imports under
``if TYPE_CHECKING:`` do not run — a manager naming the store it belongs to in an annotation
is not a dependency of code on code — and are left out. A package's ``__init__`` is a module
like any other; importing a submodule does not count as importing its package.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("ui", "station", "devices", "sync")

# Cycles in other areas, known when this test was written, to be removed by their owners
# (issue 17); a new cycle anywhere fails the test.
KNOWN: set[tuple[str, ...]] = set()  # none left (issue 17); a new cycle anywhere fails the test


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def import_graph() -> dict[str, set[str]]:
    paths = {module_name(p): p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")}

    def resolve(name: str) -> str | None:
        while name and name not in paths:
            name = name.rpartition(".")[0]
        return name or None

    graph: dict[str, set[str]] = {}
    for module, path in paths.items():
        targets: set[str | None] = set()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        typing_only = {
            id(inner)
            for node in ast.walk(tree)
            if isinstance(node, ast.If) and ast.unparse(node.test).endswith("TYPE_CHECKING")
            for stmt in node.body
            for inner in ast.walk(stmt)
        }
        for node in ast.walk(tree):
            if id(node) in typing_only:
                continue
            if isinstance(node, ast.Import):
                targets.update(resolve(a.name) for a in node.names)
            elif isinstance(node, ast.ImportFrom):
                base = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
                if node.level:
                    stem = ".".join(base[: len(base) - node.level + 1] + [node.module or ""])
                else:
                    stem = node.module or ""
                for alias in node.names:
                    full = f"{stem.strip('.')}.{alias.name}"
                    targets.add(full if full in paths else resolve(stem.strip(".")))
        graph[module] = {t for t in targets if t is not None and t != module}
    return graph


def cycles(graph: dict[str, set[str]]) -> set[tuple[str, ...]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    found: set[tuple[str, ...]] = set()
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.add(tuple(sorted(component)))
    return found


def test_the_cycle_finder_finds_cycles():
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": set()}
    assert cycles(graph) == {("a", "b", "c")}
    assert cycles({"a": {"b"}, "b": set()}) == set()


def test_the_graph_sees_lazy_imports():
    graph = import_graph()
    assert "ui.intake" in graph["ui.main_window"]  # imported inside a method
    assert "ui.record_view" not in graph["ui.intake.dialog"]


def test_no_import_cycles():
    found = cycles(import_graph())
    assert found - KNOWN == set(), sorted(found - KNOWN)


def test_no_cycle_in_ui():
    assert [c for c in cycles(import_graph()) if any(m.split(".")[0] == "ui" for m in c)] == []
