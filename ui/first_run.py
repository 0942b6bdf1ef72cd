"""The technician's first-run wizard: everything `station init` and the set-up commands do,
step by step, for a PC that has no station yet.

Steps: station code and city → first technician → the recovery code (shown once, printable) →
the station profile (the city's streets and communities: ``ui.first_run_profile``) → devices
(drivers, ports, a test read/photo) → the endorsement key → enrolment with the central
service → coordinators → a final check (the doctor). Every slow step (key derivation, device
tests, network) runs off the main thread.
"""

from __future__ import annotations

import re
from typing import Any

from station import codes
from station.errors import StationError
from station.keys import MIN_PASSWORD
from ui.device_bridge import DeviceBridge
from ui.dispatch import MainThreadDispatcher, run_in_thread
from ui.qt import (
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    Qt,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

ROLE_ORDER = ("coordinator", "supervisor", "technician")


def _error_text(exc: BaseException) -> str:
    return exc.message if isinstance(exc, StationError) else type(exc).__name__


class StationPage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle(self.tr("The station"))
        self.setSubTitle(self.tr("The intake point's code and city, as given by the district."))
        self.code = QLineEdit()
        self.code.setPlaceholderText("450103000001")
        self.code.setMaxLength(12)
        self.city = QComboBox()
        for code, name in codes.cities().items():
            self.city.addItem(f"{name} ({code})", code)
        self.name = QLineEdit()
        self.address = QLineEdit()
        self.phone = QLineEdit()
        form = QFormLayout(self)
        form.addRow(self.tr("Station code (12 digits)"), self.code)
        form.addRow(self.tr("City"), self.city)
        form.addRow(self.tr("Station name"), self.name)
        form.addRow(self.tr("Address"), self.address)
        form.addRow(self.tr("Phone"), self.phone)
        self.registerField("code*", self.code)
        self.code.textChanged.connect(self.completeChanged)

    def isComplete(self) -> bool:  # noqa: N802
        return bool(re.fullmatch(r"\d{12}", self.code.text().strip()))


class TechnicianPage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle(self.tr("The first technician"))
        self.setSubTitle(self.tr("This account manages operators, devices and backups."))
        self.user = QLineEdit("tech")
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.repeat = QLineEdit()
        self.repeat.setEchoMode(QLineEdit.EchoMode.Password)
        self.hint = QLabel("")
        self.hint.setObjectName("muted")
        form = QFormLayout(self)
        form.addRow(self.tr("Operator name"), self.user)
        form.addRow(self.tr("Password"), self.password)
        form.addRow(self.tr("Repeat password"), self.repeat)
        form.addRow("", self.hint)
        for w in (self.user, self.password, self.repeat):
            w.textChanged.connect(self._changed)
        self._changed()

    def _changed(self) -> None:
        pw, rep = self.password.text(), self.repeat.text()
        if len(pw) < MIN_PASSWORD:
            self.hint.setText(self.tr("At least %1 characters").replace("%1", str(MIN_PASSWORD)))
        elif pw != rep:
            self.hint.setText(self.tr("The two passwords differ"))
        else:
            self.hint.setText("")
        self.completeChanged.emit()

    def isComplete(self) -> bool:  # noqa: N802
        pw = self.password.text()
        return (
            bool(self.user.text().strip()) and len(pw) >= MIN_PASSWORD and pw == self.repeat.text()
        )


class RecoveryPage(QWizardPage):
    """Creates the station (database, key slots) and shows the recovery code once."""

    def __init__(self, wizard: FirstRunWizard) -> None:
        super().__init__()
        self.wiz = wizard
        self.setTitle(self.tr("Recovery code"))
        self.setSubTitle(
            self.tr(
                "Shown only this once. Print it or write it down and lock it "
                "away: it restores the station when every password is lost."
            )
        )
        self.code = QLabel(self.tr("Creating the encrypted database…"))
        self.code.setObjectName("recovery")
        self.code.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.code.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.print_button = QPushButton(self.tr("Print…"))
        self.print_button.clicked.connect(self._print)
        self.print_button.setEnabled(False)
        self.confirm = QPushButton(self.tr("I have kept the code safe"))
        self.confirm.setCheckable(True)
        self.confirm.toggled.connect(self.completeChanged)
        layout = QVBoxLayout(self)
        layout.addWidget(self.code, 1)
        row = QHBoxLayout()
        row.addWidget(self.print_button)
        row.addStretch(1)
        row.addWidget(self.confirm)
        layout.addLayout(row)
        self.error = QLabel("")
        self.error.setObjectName("error")
        self.error.setVisible(False)
        layout.addWidget(self.error)

    def initializePage(self) -> None:  # noqa: N802
        if self.wiz.recovery_code:
            return
        self.wiz.create_station(self._created, self._failed)

    def _created(self, code: str) -> None:
        self.code.setText(code)
        self.print_button.setEnabled(True)
        self.completeChanged.emit()

    def _failed(self, exc: BaseException) -> None:
        self.error.setText(_error_text(exc))
        self.error.setVisible(True)

    def _print(self) -> None:
        from ui.qt import QPrintDialog, QPrinter

        printer = QPrinter()
        dialog = QPrintDialog(printer, self)
        if dialog.exec():
            from ui.qt import QPainter

            painter = QPainter(printer)
            painter.drawText(
                100, 100, self.tr("Station %1 recovery code:").replace("%1", self.wiz.station_code)
            )
            painter.drawText(100, 160, self.wiz.recovery_code)
            painter.end()

    def isComplete(self) -> bool:  # noqa: N802
        return bool(self.wiz.recovery_code) and self.confirm.isChecked()


class DevicesPage(QWizardPage):
    KINDS = (("idreader", "ID card reader"), ("permit", "Permit card reader"), ("camera", "Camera"))

    def __init__(self, wizard: FirstRunWizard) -> None:
        super().__init__()
        self.wiz = wizard
        self.setTitle(self.tr("Devices"))
        self.setSubTitle(
            self.tr(
                "Choose the drivers and test each device. 'sim' drivers are "
                "simulations for training."
            )
        )
        form = QFormLayout(self)
        self.drivers: dict[str, QComboBox] = {}
        self.params: dict[str, QLineEdit] = {}
        self.results: dict[str, QLabel] = {}
        labels = {
            "idreader": self.tr("ID card reader"),
            "permit": self.tr("Permit card reader"),
            "camera": self.tr("Camera"),
        }
        param = {
            "idreader": ("idreader.port", "/dev/ttyUSB0"),
            "permit": ("permit.reader", self.tr("first reader")),
            "camera": ("camera.device", "0"),
        }
        for kind, _label in self.KINDS:
            combo = QComboBox()
            combo.setObjectName("driver")  # driver names as in the settings: 'sim', 'serial'…
            for name in DeviceBridge.driver_names(kind):
                combo.addItem(name, name)
            edit = QLineEdit()
            edit.setPlaceholderText(param[kind][1])
            test = QPushButton(self.tr("Test"))
            result = QLabel("")
            result.setWordWrap(True)
            test.clicked.connect(lambda _=False, k=kind: self._test(k))
            row = QHBoxLayout()
            row.addWidget(combo)
            row.addWidget(edit, 1)
            row.addWidget(test)
            holder = QWidget()
            holder.setLayout(row)
            form.addRow(labels[kind], holder)
            form.addRow("", result)
            self.drivers[kind], self.params[kind], self.results[kind] = combo, edit, result

    def settings(self) -> dict[str, str]:
        keys = {"idreader": "idreader.port", "permit": "permit.reader", "camera": "camera.device"}
        out = {}
        for kind, combo in self.drivers.items():
            out[f"{kind}.driver"] = combo.currentData()
            if self.params[kind].text().strip():
                out[keys[kind]] = self.params[kind].text().strip()
        return out

    def _test(self, kind: str) -> None:
        self.results[kind].setText(self.tr("Testing…"))
        call = self.wiz.devices.probe(kind, self.settings(), self)
        call.done.connect(lambda text, k=kind: self.results[k].setText("✔ " + text))
        call.failed.connect(lambda exc, k=kind: self.results[k].setText("✘ " + _error_text(exc)))


class KeyPage(QWizardPage):
    def __init__(self) -> None:
        super().__init__()
        self.setTitle(self.tr("Endorsement key"))
        self.setSubTitle(
            self.tr(
                "The 32-hex-digit key K_endorse issued for this station. "
                "It can be set later with 'station config set "
                "permit.endorse_key'."
            )
        )
        self.key = QLineEdit()
        self.key.setMaxLength(32)
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        form = QFormLayout(self)
        form.addRow(self.tr("Key"), self.key)
        self.key.textChanged.connect(self.completeChanged)

    def isComplete(self) -> bool:  # noqa: N802
        text = self.key.text().strip()
        return not text or bool(re.fullmatch(r"[0-9a-fA-F]{32}", text))


class EnrolPage(QWizardPage):
    def __init__(self, wizard: FirstRunWizard) -> None:
        super().__init__()
        self.wiz = wizard
        self.setTitle(self.tr("Central service"))
        self.setSubTitle(
            self.tr(
                "Enrol this station with the card-production service (or skip "
                "and enrol later with 'station enrol')."
            )
        )
        self.server = QLineEdit()
        self.server.setPlaceholderText("https://…")
        self.code = QLineEdit()
        self.button = QPushButton(self.tr("Enrol"))
        self.button.clicked.connect(self._enrol)
        self.result = QLabel("")
        self.result.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow(self.tr("Service address"), self.server)
        form.addRow(self.tr("One-time code"), self.code)
        form.addRow("", self.button)
        form.addRow("", self.result)

    def _enrol(self) -> None:
        server, code = self.server.text().strip(), self.code.text().strip()
        self.result.setText(self.tr("Enrolling…"))
        self.wiz.run_with_store(
            lambda store: _enrol(store, server, code),
            lambda r: self.result.setText("✔ " + str(r)),
            lambda e: self.result.setText("✘ " + _error_text(e)),
        )


def _enrol(store: Any, server: str, code: str) -> str:
    try:
        from sync.client import enrol
    except ImportError as exc:
        raise StationError("no_sync", "sync") from exc
    result = enrol(store, server, code)
    return str(result.get("station_id", "")) if isinstance(result, dict) else str(result)


class OperatorsPage(QWizardPage):
    def __init__(self, wizard: FirstRunWizard) -> None:
        super().__init__()
        self.wiz = wizard
        self.setTitle(self.tr("Operators"))
        self.setSubTitle(self.tr("Add the coordinators and the supervisor of this station."))
        self.name = QLineEdit()
        self.role = QComboBox()
        for role, label in (
            ("coordinator", self.tr("coordinator")),
            ("supervisor", self.tr("supervisor")),
            ("technician", self.tr("technician")),
        ):
            self.role.addItem(label, role)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        add = QPushButton(self.tr("Add"))
        add.clicked.connect(self._add)
        self.list = QListWidget()
        self.error = QLabel("")
        self.error.setObjectName("muted")
        form = QFormLayout()
        form.addRow(self.tr("Operator name"), self.name)
        form.addRow(self.tr("Role"), self.role)
        form.addRow(self.tr("Initial password"), self.password)
        form.addRow("", add)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.list, 1)
        layout.addWidget(self.error)

    def _add(self) -> None:
        name, role, pw = self.name.text().strip(), self.role.currentData(), self.password.text()
        self.wiz.run_with_store(
            lambda store: store.add_operator(name, role, pw),
            lambda _r: self._added(name, role),
            lambda e: self.error.setText(_error_text(e)),
        )

    def _added(self, name: str, role: str) -> None:
        self.list.addItem(f"{name} · {self.role.currentText()}")
        self.name.clear()
        self.password.clear()
        self.error.setText("")


class CheckPage(QWizardPage):
    def __init__(self, wizard: FirstRunWizard) -> None:
        super().__init__()
        self.wiz = wizard
        self.setTitle(self.tr("Final check"))
        self.setSubTitle(self.tr("What the station doctor finds. Fix any ✘ before going live."))
        self.list = QListWidget()
        QVBoxLayout(self).addWidget(self.list)

    def initializePage(self) -> None:  # noqa: N802
        self.list.clear()
        self.list.addItem(self.tr("Checking…"))

        def doctor(store: Any) -> list[Any]:
            from station.doctor import DoctorContext, run_checks

            return run_checks(DoctorContext(store.station.data_dir, store))

        self.wiz.run_with_store(doctor, self._show, lambda e: self.list.addItem(_error_text(e)))

    def check_label(self, name: str) -> str:
        """The doctor's check, as the technician reads it (its name when it is a new one)."""
        labels = {
            "version": self.tr("Program version"),
            "data_folder": self.tr("Data folder"),
            "key_slots": self.tr("Key slots"),
            "database": self.tr("Database"),
            "disk": self.tr("Disk space"),
            "clock": self.tr("Clock"),
            "translations": self.tr("Translations"),
            "login": self.tr("Operator login"),
            "profile": self.tr("Station profile"),
            "id_reader": self.tr("ID card reader"),
            "permit_reader": self.tr("Permit card reader"),
            "camera": self.tr("Camera"),
            "central": self.tr("Central service"),
        }
        return labels.get(name, name)

    def _show(self, checks: list[Any]) -> None:
        self.list.clear()
        marks = {"ok": "✔", "warn": "!", "fail": "✘"}
        for c in checks:
            item = QListWidgetItem(
                f"{marks[c.status]} {self.check_label(c.name)}: {c.detail}"
                + (f" → {c.fix}" if c.fix and c.status != "ok" else "")
            )
            item.setData(Qt.ItemDataRole.UserRole, c.name)
            self.list.addItem(item)


class FirstRunWizard(QWizard):
    def __init__(self, station: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.station = station
        self.dispatch = MainThreadDispatcher(self)
        self.devices = DeviceBridge(self)  # the devices page's tests
        self.recovery_code = ""
        self.station_code = ""
        self._store: Any = None
        self.setWindowTitle(self.tr("Set up the intake station"))
        self.setWizardStyle(QWizard.WizardStyle.ModernStyle)
        self.resize(820, 600)
        self.station_page = StationPage()
        self.tech_page = TechnicianPage()
        self.devices_page = DevicesPage(self)
        self.key_page = KeyPage()
        from ui.first_run_profile import ProfilePage

        self.profile_page = ProfilePage(self)
        for page in (
            self.station_page,
            self.tech_page,
            RecoveryPage(self),
            self.profile_page,
            self.devices_page,
            self.key_page,
            EnrolPage(self),
            OperatorsPage(self),
            CheckPage(self),
        ):
            self.addPage(page)
        self.currentIdChanged.connect(self._page_changed)
        self._last_id = 0

    # -- the station ---------------------------------------------------------------------------
    def create_station(self, done: Any, failed: Any) -> None:
        sp, tp = self.station_page, self.tech_page
        code, city = sp.code.text().strip(), sp.city.currentData()
        admin, password = tp.user.text().strip(), tp.password.text()
        extra = {
            "station.name": sp.name.text().strip(),
            "station.address": sp.address.text().strip(),
            "station.phone": sp.phone.text().strip(),
        }

        def work() -> str:
            from station.worker import DbWorker

            recovery = self.station.init(code, admin, password, city)
            store = self.station.login(admin, password)
            store.config_set_many({k: v for k, v in extra.items() if v})
            self._store = DbWorker(store, dispatch=self.dispatch)
            return str(recovery)

        def ok(recovery: str) -> None:
            self.recovery_code, self.station_code = recovery, code
            done(recovery)

        run_in_thread(work, self.dispatch, ok, failed)

    def run_with_store(self, fn: Any, done: Any, failed: Any) -> None:
        """Run ``fn(store)`` on the wizard's database worker; results come back on the main
        thread. Work is queued in order, so settings saved on leaving a page land first."""
        if self._store is None:
            failed(StationError("no_station", self.tr("The station is not created yet")))
            return
        from station.worker import Op

        Op(self._store, fn).success(done).failure(failed).run_in_background()

    def _page_changed(self, new_id: int) -> None:
        """Leaving the devices and key pages saves their settings."""
        left = self.page(self._last_id)
        self._last_id = new_id
        if self._store is None:
            return
        if left is self.devices_page:
            settings = self.devices_page.settings()
            self.run_with_store(
                lambda s: s.config_set_many(settings),
                lambda _r: None,
                lambda _e: None,
            )
        elif left is self.key_page and self.key_page.key.text().strip():
            key = self.key_page.key.text().strip().lower()
            self.run_with_store(
                lambda s: s.config_set("permit.endorse_key", key), lambda _r: None, lambda _e: None
            )

    def done(self, result: int) -> None:
        self.devices.stop()
        if self._store is not None:
            self._store.stop()  # finishes the queued work, then closes the database
            self._store = None
        super().done(result)
