"""The idle lock covers the window and opens only with the operator's password."""

from __future__ import annotations

from tests.conftest import PASSWORD


def test_lock_and_unlock(qapp, qtbot, station):
    from ui.app import make_app
    from ui.idle_lock import IdleLock
    from ui.qt import QWidget

    make_app()
    window = QWidget()
    qtbot.addWidget(window)
    window.show()
    form = QWidget()  # another window (an open intake form): hidden while locked
    qtbot.addWidget(form)
    form.show()
    lock = IdleLock(window, station.station, "coord", minutes=0.002)  # about 0.1 s
    try:
        qtbot.waitUntil(lambda: lock.dialog is not None, timeout=5_000)
        assert not window.isVisible() and not form.isVisible()
        # Locked. The unlock re-arms the timer: at 0.1 s it could lock again before the check
        # below looks (a long pause of the event loop late in a full run did exactly that).
        lock.timer.setInterval(60_000)
        dlg = lock.dialog
        dlg.reject()  # Esc does nothing
        assert lock.dialog is not None
        dlg.password.setText("wrong-password")
        dlg.try_unlock()
        qtbot.waitUntil(lambda: not dlg.error.isHidden(), timeout=10_000)
        assert lock.dialog is not None
        dlg.password.setText(PASSWORD)
        dlg.try_unlock()
        qtbot.waitUntil(lambda: lock.dialog is None, timeout=10_000)
        assert window.isVisible() and form.isVisible()
        assert lock.timer.isActive()  # armed again for the next idle spell
    finally:  # a failure must not leave a lock that hides the next tests' windows
        lock.stop()
