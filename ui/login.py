"""The login dialog: operator and password; the key derivation runs off the main thread."""

from __future__ import annotations

from typing import Any

from station.errors import StationError
from ui.dispatch import MainThreadDispatcher, run_in_thread
from ui.qt import (
    QDialog,
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    Qt,
    QVBoxLayout,
    QWidget,
    Signal,
)


class LoginDialog(QDialog):
    logged_in = Signal(object)  # the operator's Store

    def __init__(
        self,
        station: Any,
        station_label: str = "",
        demo_hint: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._station = station
        self._dispatch = MainThreadDispatcher(self)
        self.setObjectName("login")
        self.setWindowTitle(self.tr("Residence-permit intake station"))
        self.setMinimumWidth(420)

        title = QLabel(self.tr("Residence-permit intake station"))
        title.setObjectName("title")
        subtitle = QLabel(station_label)
        subtitle.setObjectName("subtitle")

        self.user = QLineEdit()
        self.user.setObjectName("user")
        self.user.setPlaceholderText(self.tr("operator name"))
        self.password = QLineEdit()
        self.password.setObjectName("password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setPlaceholderText(self.tr("password"))
        form = QFormLayout()
        form.addRow(self.tr("Operator"), self.user)
        form.addRow(self.tr("Password"), self.password)

        self.error = QLabel("")
        self.error.setObjectName("error")
        self.error.setWordWrap(True)
        self.error.setVisible(False)

        self.login_button = QPushButton(self.tr("Log in"))
        self.login_button.setObjectName("primary")
        self.login_button.setDefault(True)
        self.login_button.clicked.connect(self.try_login)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        buttons.addWidget(self.login_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(32, 28, 32, 24)
        layout.setSpacing(12)
        layout.addWidget(title)
        layout.addWidget(subtitle)
        line = QFrame()
        line.setFrameShape(QFrame.Shape.HLine)
        layout.addWidget(line)
        layout.addLayout(form)
        layout.addWidget(self.error)
        if demo_hint:
            hint = QLabel(demo_hint)
            hint.setObjectName("hint")
            hint.setWordWrap(True)
            hint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            layout.addWidget(hint)
        layout.addLayout(buttons)
        self.setTabOrder(self.user, self.password)
        self.setTabOrder(self.password, self.login_button)
        self.user.setFocus()

    def try_login(self) -> None:
        name, password = self.user.text().strip(), self.password.text()
        if not name or not password:
            self._show_error(self.tr("Enter the operator name and the password"))
            return
        self.login_button.setEnabled(False)
        self.login_button.setText(self.tr("Checking…"))
        self.error.setVisible(False)
        run_in_thread(
            lambda: self._station.login(name, password),
            self._dispatch,
            self._succeeded,
            self._failed,
        )

    def _succeeded(self, store: Any) -> None:
        self.password.clear()
        self.logged_in.emit(store)
        self.accept()

    def _failed(self, exc: BaseException) -> None:
        self.login_button.setEnabled(True)
        self.login_button.setText(self.tr("Log in"))
        self.password.clear()
        self.password.setFocus()
        if isinstance(exc, StationError):
            self._show_error(exc.message)
        else:
            self._show_error(
                self.tr("The station could not open its database: %1").replace(
                    "%1", type(exc).__name__
                )
            )

    def _show_error(self, text: str) -> None:
        self.error.setText(text)
        self.error.setVisible(True)
