"""The desktop's own layers: widgets reach the card readers and the camera only through the
device bridge (``ui/device_bridge.py`` is the one module of ui/ that imports ``devices``), and
no widget starts a thread (the bridge, the dispatcher and the photo analysis do)."""

from __future__ import annotations

import ast
from pathlib import Path

UI = Path(__file__).resolve().parents[2] / "ui"
BRIDGE = "device_bridge.py"
THREADS = {"device_bridge.py", "dispatch.py", "photo_analysis.py"}


def _modules() -> dict[str, ast.Module]:
    return {
        str(p.relative_to(UI)): ast.parse(p.read_text(encoding="utf-8")) for p in UI.rglob("*.py")
    }


def _imported(tree: ast.Module) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def test_only_the_bridge_imports_devices():
    importers = sorted(
        name
        for name, tree in _modules().items()
        if any(n.split(".")[0] == "devices" for n in _imported(tree))
    )
    assert importers == [BRIDGE]


def test_widgets_start_no_threads():
    starters = []
    for name, tree in _modules().items():
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in ("Thread", "ThreadPoolExecutor", "QThread")
                and name not in THREADS
            ):
                starters.append(f"{name}:{node.lineno}")
    assert starters == []


def test_no_module_over_600_lines():
    """Rooms of a sensible size (STYLE.md): a module past 600 lines is a design question."""
    long = {
        str(p.relative_to(UI)): n
        for p in UI.rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 600
    }
    assert long == {}
