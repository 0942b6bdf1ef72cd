"""The import graph follows STYLE.md: the core never imports Qt widgets, ui, sync or device
internals; devices and sync never import ui."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def imports(package: str) -> list[tuple[str, str]]:
    found = []
    for path in (ROOT / package).rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found += [(str(path.relative_to(ROOT)), a.name) for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.append((str(path.relative_to(ROOT)), node.module))
    return found


def test_core_imports_no_widgets_ui_sync_or_device_internals():
    bad = []
    for where, name in imports("station"):
        top = name.split(".")[0]
        # The CLI is the composition root: it may start the desktop (ui.app, lazily, for
        # `station gui`/`demo`) and call the sync client; the rest of the core may not.
        cli = where.startswith("station/cli/")
        if name.startswith(("PySide6.QtWidgets", "PyQt")):
            bad.append((where, name))
        if top == "ui" and not (cli and name == "ui.app"):
            bad.append((where, name))
        if top == "sync" and not cli:
            bad.append((where, name))
        if top == "devices" and name not in ("devices", "devices.base"):
            bad.append((where, name))
    assert bad == []


def test_devices_and_sync_never_import_ui():
    bad = [
        (w, n)
        for pkg in ("devices", "sync")
        for w, n in imports(pkg)
        if n.split(".")[0] == "ui" or n.startswith("PySide6.QtWidgets")
    ]
    assert bad == []


def test_qt_is_imported_only_through_ui_qt():
    bad = [(w, n) for w, n in imports("ui") if n.startswith("PySide6") and w != "ui/qt.py"]
    assert bad == []
