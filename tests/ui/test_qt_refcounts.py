"""The Qt binding keeps Python's reference counts: PySide6 6.12.0 on Python 3.11 returned None
from every void method without taking a reference, so each ``setText`` or ``setVisible`` took
one from None; the desktop died with "Fatal Python error: none_dealloc" after about 1,500
keystrokes in the intake form (and a long test run at its exit). pyproject.toml keeps that
version out; this test catches a binding with the same fault."""

from __future__ import annotations

import sys

import pytest

CALLS = 2_000


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None, True and False are immortal")
def test_void_and_bool_calls_keep_the_reference_counts(qapp):
    from ui.qt import QCheckBox, QLabel, QLineEdit

    label, edit, box = QLabel(), QLineEdit(), QCheckBox()
    calls = {
        "setText": lambda: label.setText("x"),
        "setVisible": lambda: label.setVisible(False),
        "toggle": box.toggle,
        "isChecked": box.isChecked,
        "isReadOnly": edit.isReadOnly,
    }
    for name, call in calls.items():
        before = [sys.getrefcount(v) for v in (None, True, False)]
        for _ in range(CALLS):
            call()
        after = [sys.getrefcount(v) for v in (None, True, False)]
        drift = [a - b for a, b in zip(after, before, strict=True)]
        assert all(abs(d) < 50 for d in drift), (name, drift)
