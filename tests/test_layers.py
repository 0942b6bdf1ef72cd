"""The import graph follows STYLE.md, with no exceptions: the core (``station/``, its command
line included) never imports Qt, ``ui``, ``sync`` or ``devices``; devices and sync never import
ui or Qt widgets; Qt comes only through ``ui/qt.py``. The outer layers reach the core's command
line, report formats and doctor through entry points (station/plugins.py)."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUTER = ("ui", "sync", "devices")
DYNAMIC_IMPORTS = ("import_module", "__import__", "find_spec")


def imports(package: str) -> list[tuple[str, str]]:
    """(file, module) for every import statement, and for every import by a literal name
    (``importlib.import_module("x")``, ``__import__("x")``, ``find_spec("x")``)."""
    found = []
    for path in (ROOT / package).rglob("*.py"):
        where = str(path.relative_to(ROOT))
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                found += [(where, a.name) for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.append((where, node.module))
            elif isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if (
                    name in DYNAMIC_IMPORTS
                    and node.args
                    and isinstance(node.args[0], ast.Constant)
                    and isinstance(node.args[0].value, str)
                ):
                    found.append((where, node.args[0].value))
    return found


def test_core_imports_no_qt_ui_sync_or_devices():
    bad = [
        (where, name)
        for where, name in imports("station")
        if name.split(".")[0] in (*OUTER, "PySide6", "PyQt5", "PyQt6", "shiboken6")
    ]
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


def test_the_walker_sees_dynamic_imports(tmp_path, monkeypatch):
    """The rule above would miss an import by name; the walker does not."""
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "m.py").write_text(
        "import importlib\nimportlib.import_module('ui.app')\n__import__('sync.client')\n"
    )
    import sys

    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert {n for _w, n in imports("pkg")} == {"importlib", "ui.app", "sync.client"}
