"""The step-1 problem line, the field hints and the step counts always describe the text in
the fields, however it got there: typed fast (key by key, or a burst of key events handled at
once), committed by an input method, undone, or set by the program (a card read, a paste, a
restored draft). The validation used to run only on ``textEdited``, which Qt emits for the
user's own edits only, so a text set by the program left the line describing the old text."""

from __future__ import annotations

import pytest

from station.validation import validate_application
from tests.conftest import PASSWORD
from ui.qt import QApplication, QEvent, Qt


@pytest.fixture
def dlg(app, qtbot, station):
    from ui.adapter import StationBridge
    from ui.intake import IntakeDialog

    store = station.station.login("coord", PASSWORD)
    bridge = StationBridge(store)
    dialog = IntakeDialog(bridge, store.settings_map())
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    yield dialog
    bridge.stop()


def assert_describes_the_fields(dlg) -> None:
    """What the form shows equals a fresh validation of what the fields hold now."""
    errors = validate_application(
        dlg.record(), profile=dlg.profile, city=dlg.settings.get("station.city")
    )
    total = len(errors) + 1  # the photo is missing too
    first = errors[0]
    line = dlg.blocking.text()
    assert str(total) in line and first.message in line and dlg.label_of(first.field) in line, (
        line,
        first,
    )
    for path, hint in dlg.hints.items():
        want = next((e.message for e in errors if e.field == path), "")
        if path in dlg.touched:
            assert hint.text() == want, (path, hint.text(), want)
    step1 = sum(1 for e in errors if e.field.startswith("person."))
    shown = dlg.steps.item(0).text().split("·")[-1].strip()
    assert shown == (str(step1) if step1 else dlg.steps.item(0).text()[-1]), (shown, step1)


def commit(widget, text: str) -> None:
    """Chinese as an input method commits it."""
    from PySide6.QtGui import QInputMethodEvent

    event = QInputMethodEvent()
    event.setCommitString(text)
    QApplication.sendEvent(widget, event)


def burst(widget, text: str) -> None:
    """Key events queued faster than the window handles them, then handled at once."""
    from PySide6.QtGui import QKeyEvent

    for ch in text:
        key = Qt.Key(ord(ch.upper()))
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.postEvent(widget, QKeyEvent(kind, key, Qt.KeyboardModifier.NoModifier, ch))
    QApplication.processEvents()


def test_the_line_follows_fast_typing_and_program_edits(dlg, qtbot):
    edits = dlg.edits
    edits["person.id_number"].setFocus()
    qtbot.keyClicks(edits["person.id_number"], "11010519491231002")  # one digit short
    assert_describes_the_fields(dlg)
    qtbot.keyClicks(edits["person.id_number"], "X")
    assert_describes_the_fields(dlg)
    commit(edits["person.name"], "测试")
    commit(edits["person.name"], "人")
    assert edits["person.name"].text() == "测试人"
    assert_describes_the_fields(dlg)
    burst(edits["person.sex"], "2")
    burst(edits["person.birth_date"], "1949-12-31")
    assert edits["person.birth_date"].text() == "1949-12-31"
    assert_describes_the_fields(dlg)
    qtbot.keyClick(edits["person.birth_date"], Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert_describes_the_fields(dlg)
    burst(edits["person.phone"], "1380000111")
    assert_describes_the_fields(dlg)
    # the program writes the text (a paste handled by the program, the card, a draft)
    edits["person.phone"].setText("13800001111")
    assert_describes_the_fields(dlg)
    assert "联系电话" not in dlg.blocking.text()
    edits["person.ethnic"].setText("01")
    edits["person.hukou_address"].setText("北京市东城区示例路1号")
    assert_describes_the_fields(dlg)
    edits["person.phone"].clear()
    assert_describes_the_fields(dlg)


def test_an_older_duplicate_answer_does_not_replace_a_newer_one(dlg, qtbot, station):
    """Two card reads in a row: the warning is the answer to the last question."""
    from station.samples import sample_record

    first = station.login("coord").save_application(sample_record())
    dlg.load_record(station.login("coord").get_application(first["uuid"], audit_view=False))
    dlg.check_duplicates()  # this person is registered: a warning…
    dlg.edits["person.id_number"].setText("11010519491231002X")
    dlg.edits["person.name"].setText("另一人")
    dlg.check_duplicates()  # …but the card now on the reader is someone else's
    dlg.bridge.worker.run_sync(lambda _s: None)  # both answers are posted to the window…
    QApplication.processEvents()  # …and handled
    assert dlg.duplicates == [] and dlg.duplicate_label.isHidden()
    dlg._show_duplicates([{"uuid": first["uuid"], "number": "X"}], asked=1)  # late, ignored
    assert dlg.duplicate_label.isHidden()
