"""The idle lock: after ``ui.idle_lock_minutes`` without keyboard or mouse input the window is
covered by a lock dialog that only the same operator's password opens. Database work, sync and
drafts keep going underneath; nothing typed is lost."""

from __future__ import annotations

from typing import Any

from station.errors import StationError
from ui.dispatch import MainThreadDispatcher, run_in_thread
from ui.qt import (
    QDialog,
    QEvent,
    QLabel,
    QLineEdit,
    QObject,
    QPushButton,
    Qt,
    QTimer,
    QVBoxLayout,
    QWidget,
)

INPUT_EVENTS = {
    QEvent.Type.KeyPress,
    QEvent.Type.MouseButtonPress,
    QEvent.Type.MouseMove,
    QEvent.Type.Wheel,
}


class LockDialog(QDialog):
    def __init__(self, station: Any, operator: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.station, self.operator = station, operator
        self._dispatch = MainThreadDispatcher(self)
        self.setWindowTitle(self.tr("Screen locked"))
        self.setModal(True)
        self.setWindowFlag(Qt.WindowType.WindowCloseButtonHint, False)
        title = QLabel(self.tr("The screen is locked"))
        title.setObjectName("title")
        who = QLabel(
            self.tr("Operator %1: enter your password to continue").replace("%1", operator)
        )
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.returnPressed.connect(self.try_unlock)
        self.error = QLabel("")
        self.error.setObjectName("error")
        self.error.hide()
        button = QPushButton(self.tr("Unlock"))
        button.setObjectName("primary")
        button.clicked.connect(self.try_unlock)
        layout = QVBoxLayout(self)
        for w in (title, who, self.password, self.error, button):
            layout.addWidget(w)
        self.password.setFocus()

    def reject(self) -> None:  # Esc does not unlock
        pass

    def try_unlock(self) -> None:
        password = self.password.text()
        self.password.clear()
        run_in_thread(
            lambda: self.station.keyslots.check_password(self.operator, password),
            self._dispatch,
            lambda _r: self.accept(),
            self._failed,
        )

    def _failed(self, exc: BaseException) -> None:
        self.error.setText(exc.message if isinstance(exc, StationError) else type(exc).__name__)
        self.error.show()


class IdleLock(QObject):
    """Watches input application-wide and locks ``window`` after ``minutes`` idle."""

    def __init__(self, window: QWidget, station: Any, operator: str, minutes: float) -> None:
        super().__init__(window)
        self.window, self.station, self.operator = window, station, operator
        self.dialog: LockDialog | None = None
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(int(minutes * 60_000))
        self.timer.timeout.connect(self.lock)
        from ui.qt import QApplication

        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self)
        self.timer.start()

    def eventFilter(self, obj: Any, event: Any) -> bool:  # noqa: N802 - Qt's name
        if event.type() in INPUT_EVENTS and self.dialog is None:
            self.timer.start()
        return False

    def lock(self) -> None:
        """Hide every window of the station (an open intake form shows personal data) behind
        an application-modal lock; they come back as they were after the unlock."""
        from ui.qt import QApplication

        if self.dialog is not None:
            return
        app = QApplication.instance()
        self.hidden: list[QWidget] = [
            w
            for w in (app.topLevelWidgets() if isinstance(app, QApplication) else [])
            if w.isVisible() and not isinstance(w, LockDialog)
        ]
        for w in self.hidden:
            w.hide()
        self.dialog = LockDialog(self.station, self.operator)
        self.dialog.setWindowModality(Qt.WindowModality.ApplicationModal)
        self.dialog.setMinimumSize(460, 260)
        self.dialog.finished.connect(self._unlocked)
        self.dialog.show()
        self.dialog.activateWindow()

    def _unlocked(self, _result: int) -> None:
        if self.dialog is not None:
            self.dialog.deleteLater()
        self.dialog = None
        for w in getattr(self, "hidden", []):
            try:
                w.show()
            except RuntimeError:  # closed while locked (deleted by Qt)
                continue
        self.hidden = []
        self.timer.start()

    def stop(self) -> None:
        from ui.qt import QApplication

        self.timer.stop()
        app = QApplication.instance()
        if app is not None:
            app.removeEventFilter(self)
