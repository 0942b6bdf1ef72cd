"""The intake wizard driven by the keyboard alone: card read (simulated reader), typed fields
with Enter and Tab, steps with Alt+→, photo from a video file, save with Ctrl+S; failures of
the card and the camera mid-wizard keep what was typed; the review's problem list; a child
applicant needs a guardian; corrections create a new version."""

from __future__ import annotations

import datetime as dt

import pytest

from station.samples import sample_record
from tests import media
from tests.conftest import PASSWORD
from ui.qt import QApplication, Qt


@pytest.fixture
def make(qapp, qtbot, station, tmp_path):
    from ui.adapter import StationBridge
    from ui.app import make_app
    from ui.intake import IntakeDialog

    make_app()
    video = media.test_video(tmp_path / "face.avi", seconds=3.0)
    tech = station.login("tech")
    tech.config_set("idreader.driver", "sim")
    tech.config_set("camera.driver", "opencv")
    tech.config_set("camera.device", str(video))
    bridges = []

    def build(settings_patch=None, correct=None, user="coord"):
        store = station.station.login(user, PASSWORD)
        bridge = StationBridge(store)
        bridges.append(bridge)
        settings = dict(store.settings_map(), **(settings_patch or {}))
        dlg = IntakeDialog(bridge, settings, correct=correct)
        qtbot.addWidget(dlg)
        dlg.show()
        qtbot.waitExposed(dlg)
        dlg.activateWindow()
        qtbot.waitUntil(lambda: QApplication.activeWindow() is dlg, timeout=5_000)
        return dlg

    yield build
    for b in bridges:
        b.stop()


def focused():
    return QApplication.focusWidget()


def type_here(qtbot, text):
    """Type into the focused field: ASCII as key presses, Chinese as an input method commits
    it (QTest's key clicks know only ASCII)."""
    widget = focused()
    assert widget is not None
    if text.isascii():
        qtbot.keyClicks(widget, text)
    else:
        from PySide6.QtGui import QInputMethodEvent

        event = QInputMethodEvent()
        event.setCommitString(text)
        QApplication.sendEvent(widget, event)


def key(qtbot, dlg, k, mod=Qt.KeyboardModifier.NoModifier):
    qtbot.keyClick(focused() or dlg, k, mod)


def test_keyboard_only_intake(make, qtbot, station):
    dlg = make()
    key(qtbot, dlg, Qt.Key.Key_F2)  # read the card
    qtbot.waitUntil(lambda: dlg.edits["person.id_number"].text() != "", timeout=15_000)
    assert dlg.edits["person.name"].isReadOnly() and dlg.edits["person.name"].property("fromCard")
    assert focused() is dlg.edits["person.phone"]
    type_here(qtbot, "13800001111")
    key(qtbot, dlg, Qt.Key.Key_Tab)
    assert focused() is dlg.education
    key(qtbot, dlg, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)  # next step
    assert dlg.stack.currentIndex() == 1
    # tab order of the residence step: address → arrival → months → reason → dwelling → landlord
    assert focused() is dlg.edits["residence.address"]
    type_here(qtbot, "民族大道100号")
    key(qtbot, dlg, Qt.Key.Key_Return)  # Enter moves on, it does not press a button
    assert focused() is dlg.edits["residence.arrival_date"]
    type_here(qtbot, "2026-03-01")
    order = []
    for _ in range(3):
        key(qtbot, dlg, Qt.Key.Key_Tab)
        order.append(focused())
    assert order == [dlg.months, dlg.reason, dlg.dwelling]
    assert dlg.dwelling.currentData() == "rented"
    key(qtbot, dlg, Qt.Key.Key_Tab)
    assert focused() is dlg.edits["dwelling.landlord.name"]
    for text in ("测试房东", "13800002222", "11010519491231002X"):
        type_here(qtbot, text)
        key(qtbot, dlg, Qt.Key.Key_Return)
    key(qtbot, dlg, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    assert dlg.stack.currentIndex() == 2 and focused() is dlg.edits["employer.name"]
    type_here(qtbot, "南宁示例物流有限公司")
    key(qtbot, dlg, Qt.Key.Key_Return)
    type_here(qtbot, "91110000600037341L")
    key(qtbot, dlg, Qt.Key.Key_M, Qt.KeyboardModifier.ControlModifier)  # add a member
    assert len(dlg.members) == 1 and focused() is dlg.members[0].name
    type_here(qtbot, "测试儿童")
    key(qtbot, dlg, Qt.Key.Key_Return)
    key(qtbot, dlg, Qt.Key.Key_Return)  # no ID number for the child
    type_here(qtbot, "2018-05-01")
    key(qtbot, dlg, Qt.Key.Key_Right, Qt.KeyboardModifier.AltModifier)
    assert dlg.stack.currentIndex() == 3 and focused() is dlg.services["employment"]
    key(qtbot, dlg, Qt.Key.Key_Space)
    assert dlg.services["employment"].isChecked()
    key(qtbot, dlg, Qt.Key.Key_F3)  # the photo, from the video file
    qtbot.waitUntil(lambda: dlg.photo is not None, timeout=20_000)
    dlg.activateWindow()  # the window manager's part when the photo window closes
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dlg, timeout=5_000)
    assert dlg.stack.currentIndex() == 4 and focused() is dlg.save_button  # on to review
    assert dlg._changed() == []
    key(qtbot, dlg, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    qtbot.waitUntil(lambda: dlg.saved is not None, timeout=15_000)
    rec = station.login("super").get_application(dlg.saved["uuid"], audit_view=False)
    assert rec["person"]["phone"] == "13800001111" and rec["services"] == ["employment"]
    assert rec["members"] == [{"relation": "child", "name": "测试儿童", "birth_date": "2018-05-01"}]
    assert rec["employer"]["uscc"] == "91110000600037341L" and rec["photo"]


def test_bad_card_read_keeps_what_was_typed(make, qtbot, tmp_path):
    dlg = make({"idreader.driver": "serial", "idreader.port": str(tmp_path / "no-such-port")})
    dlg.edits["person.phone"].setFocus()
    type_here(qtbot, "13800001111")
    key(qtbot, dlg, Qt.Key.Key_F2)
    qtbot.waitUntil(lambda: dlg.card_button.isEnabled(), timeout=15_000)
    assert dlg.card_status.text() and "✔" not in dlg.card_status.text()
    assert dlg.edits["person.phone"].text() == "13800001111"
    assert not dlg.edits["person.name"].isReadOnly()


def test_camera_failure_keeps_what_was_typed(make, qtbot, tmp_path):
    dlg = make({"camera.device": str(tmp_path / "no-camera.avi")})
    dlg.edits["residence.address"].setText("草稿路1号")
    before = dlg.photo_label.text()
    key(qtbot, dlg, Qt.Key.Key_F3)
    qtbot.waitUntil(lambda: dlg.photo_label.text() != before, timeout=15_000)
    assert "✔" not in dlg.photo_label.text()
    assert dlg.photo is None and dlg.edits["residence.address"].text() == "草稿路1号"
    assert dlg.stack.currentIndex() == 3


def test_review_lists_problems_and_jumps_to_the_field(make, qtbot):
    dlg = make()
    key(qtbot, dlg, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)  # save too early
    assert dlg.stack.currentIndex() == 4 and dlg.problems.count() > 3
    fields = [
        dlg.problems.item(i).data(Qt.ItemDataRole.UserRole) for i in range(dlg.problems.count())
    ]
    assert "person.id_number" in fields and "photo" in fields
    assert all(
        "person.id_number" not in dlg.problems.item(i).text() for i in range(dlg.problems.count())
    )  # labels, not dotted paths
    i = fields.index("residence.address")
    dlg.problems.setCurrentRow(i)
    key(qtbot, dlg, Qt.Key.Key_Return)
    assert dlg.stack.currentIndex() == 1 and focused() is dlg.edits["residence.address"]
    assert "·" in dlg.steps.item(0).text()  # the step shows how many problems it has


def test_child_applicant_needs_a_guardian(make, qtbot):
    dlg = make()
    rec = sample_record()
    born = dt.date.today().replace(year=dt.date.today().year - 10).isoformat()
    assert dlg.guardian_box.isHidden()
    dlg.load_record(rec)
    dlg.edits["person.birth_date"].setText(born)
    errors = {e.field for e in dlg._changed()}
    assert not dlg.guardian_box.isHidden()
    assert "guardian" in errors or any(f.startswith("guardian.") for f in errors)
    dlg.edits["guardian.name"].setText("测试监护人")
    dlg.edits["guardian.id_number"].setText("11010519491231002X")
    dlg.edits["guardian.phone"].setText("13800004444")
    errors = {e.field for e in dlg._changed()}
    assert not any(f.startswith("guardian") for f in errors)


def test_correction_creates_a_new_version(make, qtbot, station):
    coord = station.login("coord")
    saved = coord.save_application(sample_record())
    rec = coord.get_application(saved["uuid"], audit_view=False)
    dlg = make(correct=rec)
    assert dlg.windowTitle().endswith(saved["number"])
    dlg.edits["person.phone"].setText("13900009999")
    dlg.save()
    qtbot.waitUntil(lambda: dlg.saved is not None, timeout=15_000)
    assert dlg.saved["version"] == 2
    again = station.login("super").get_application(saved["uuid"], audit_view=False)
    assert again["person"]["phone"] == "13900009999" and again["version"] == 2
    assert again.get("photo") == rec.get("photo")


def test_duplicate_applicant_is_caught_with_a_link_to_the_record(make, qtbot, station):
    from devices.idcard.sim import SimulatedIdCardReader

    reader = SimulatedIdCardReader(seed=11)
    try:
        person = reader.read(wait=5)["person"]
    finally:
        reader.close()
    rec = sample_record()
    rec["person"].update({k: v for k, v in person.items() if k in rec["person"] and v})
    first = station.login("coord").save_application(rec)
    dlg = make({"idreader.seed": "11"})
    dlg.read_card()
    qtbot.waitUntil(lambda: dlg.duplicate_label.isVisibleTo(dlg), timeout=15_000)
    assert first["number"] in dlg.duplicate_label.text()
    assert f"href='{first['uuid']}'" in dlg.duplicate_label.text()
    # the link asks for the record; the main window opens it (tests/ui/test_desk.py)
    with qtbot.waitSignal(dlg.record_requested, timeout=5_000) as asked:
        dlg.duplicate_label.linkActivated.emit(first["uuid"])
    assert asked.args == [first["uuid"]]


def test_card_fields_locked_for_coordinators_unlocked_by_a_supervisor(make, qtbot):
    coord = make()
    coord.read_card()
    qtbot.waitUntil(lambda: coord.edits["person.name"].isReadOnly(), timeout=15_000)
    assert coord.unlock_button.isHidden()
    coord.unlock_card_fields()  # refused for a coordinator
    assert coord.edits["person.name"].isReadOnly()
    sup = make(user="super")
    sup.read_card()
    qtbot.waitUntil(lambda: sup.edits["person.name"].isReadOnly(), timeout=15_000)
    assert not sup.unlock_button.isHidden() and sup.unlock_button.isEnabled()
    sup.unlock_button.click()
    assert not sup.edits["person.name"].isReadOnly()


def test_review_shows_the_photo_beside_the_applicant(make, qtbot, station):
    from station.photo import capture

    shot = capture(media.good())
    new = make()
    assert new.review_page.photo.pixmap().isNull()
    new._photo_taken(shot, new)  # on to the review, the photo beside the applicant
    assert new.stack.currentIndex() == 4 and not new.review_page.photo.pixmap().isNull()
    assert new.review_page.photo.pixmap().height() <= new.review_page.photo.height()
    coord = station.login("coord")
    saved = coord.save_application(sample_record(), shot.jpeg)
    rec = coord.get_application(saved["uuid"], audit_view=False)
    fix = make(correct=rec)  # a correction shows the photo it keeps
    fix.go(4)
    qtbot.waitUntil(lambda: not fix.review_page.photo.pixmap().isNull(), timeout=10_000)
    assert fix.saved_photo == coord.photo(rec["photo"])
