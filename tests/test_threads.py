"""The suite-wide thread check (tests/conftest.py ``no_station_thread_left``) works, and it can
see every thread the station starts: each one is created with a ``name=`` it knows."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import STATION_THREADS

ROOT = Path(__file__).resolve().parent.parent


def _sample(node: ast.expr) -> list[str]:
    """Sample values of a thread name expression: a literal, an f-string with ``x`` for its
    fields, each literal side of ``a or b``; nothing for a name computed elsewhere."""
    if isinstance(node, ast.Constant):
        return [str(node.value)]
    if isinstance(node, ast.JoinedStr):
        return ["".join(str(v.value) if isinstance(v, ast.Constant) else "x" for v in node.values)]
    if isinstance(node, ast.BoolOp):
        return [s for value in node.values for s in _sample(value)]
    return []


def thread_calls() -> list[tuple[str, int, list[str] | None]]:
    """(file, line, sample names, None when unnamed) of every Thread(...) the station's code
    creates."""
    found = []
    for package in ("station", "devices", "sync", "ui"):
        for path in (ROOT / package).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call):
                    continue
                func = node.func
                called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if called not in ("Thread", "Timer"):
                    continue
                name = next((k.value for k in node.keywords if k.arg == "name"), None)
                samples = None if name is None else _sample(name)
                found.append((str(path.relative_to(ROOT)), node.lineno, samples))
    return found


def test_every_station_thread_is_named_and_checked():
    calls = thread_calls()
    assert len(calls) >= 10  # the scan really sees the threads
    unnamed = [(f, line) for f, line, name in calls if name is None]
    assert unnamed == [], "threads without name=: the leak check cannot see them"
    unchecked = [
        (f, line, sample)
        for f, line, samples in calls
        for sample in samples or []
        if not STATION_THREADS.fullmatch(sample)
    ]
    assert unchecked == [], "named threads that tests/conftest.py STATION_THREADS misses"


LEAKY = """
import threading

def test_leaks_a_worker():
    threading.Thread(
        target=threading.Event().wait, args=(30,), name="db-worker", daemon=True
    ).start()

def test_its_own_short_thread_is_fine():
    t = threading.Thread(target=lambda: None, name="sync-service")
    t.start()
    t.join()

def test_foreign_threads_are_not_ours():
    threading.Thread(target=threading.Event().wait, args=(30,), daemon=True).start()
"""


def test_a_test_that_leaves_a_station_thread_running_fails(tmp_path):
    (tmp_path / "test_leaky.py").write_text(LEAKY)
    out = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "tests.conftest",
            str(tmp_path / "test_leaky.py"),
        ],
        cwd=tmp_path,
        env=dict(os.environ, PYTHONPATH=str(ROOT)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    text = out.stdout + out.stderr
    assert "3 passed, 1 error" in text, text
    assert "ERROR at teardown of test_leaks_a_worker" in text, text
    assert "station threads still running after the test: db-worker" in text, text
