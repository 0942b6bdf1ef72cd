"""Every window in a pseudo-locale: text that did not go through ``tr()`` and text that a longer
language would cut off.

With the pseudo translator of ``tests/ui/pseudo.py`` installed (and only it), every string that
goes through ``tr()``/``translate()`` reads ``⟦source···⟧``, about a third longer than the
English. The windows are built inside it — login, idle lock, main window (coordinator,
technician, supervisor), reports, import (empty and with the longest summary), record view (each
tab), intake (each of the five steps, new and as a change), first-run wizard (each page) and the
photo preview (before and after a photo) — shown at 1366×768, or their own size when smaller
but never below their minimum size hint, and every visible widget is looked at:

* untranslated: text with Latin letters and no "⟦" — labels (rich text line by line), buttons,
  check and radio boxes, group-box titles, tab texts, table header texts, combo-box items,
  list items, line-edit placeholders and window titles. Data is skipped: text without Latin
  letters (numbers, dates, Chinese names and code tables), codes, a date format, file names,
  paths and addresses, and the widgets named in ``DATA_NAMES``. Message boxes and the standard
  buttons of wizards and button boxes are Qt's own.
* clipped: a label without word wrap whose longest line is wider than its contents rectangle; a
  push button, check box or radio button narrower than its size hint (text, the style sheet's
  padding, the indicator).
* too large: a window whose minimum size is beyond 1366×768 does not fit the station's screen.

``ALLOWED`` holds known problems in files of another change, keyed by (class, objectName or
English source text), each with the reason; an entry that no longer matches fails the test so
that it is removed with the fix. ``test_the_audit_finds_what_it_should`` plants problems to show
the walk finds them.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass

import pytest
from PySide6 import QtGui
from PySide6.QtGui import QTextDocument
from PySide6.QtWidgets import (
    QAbstractButton,
    QApplication,
    QCheckBox,
    QComboBox,
    QDialogButtonBox,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QTabBar,
    QTableView,
    QWidget,
    QWizard,
)

from station.samples import synthetic_record
from tests.conftest import PASSWORD
from tests.ui.pseudo import OPEN, build_pseudo_qm, pseudo_locale
from ui.qt import Qt

SCREEN = (1366, 768)

# Widgets whose text is data or deliberately not translated (objectName → why).
DATA_NAMES = {
    "who": "the operator's name and role (the role comes from the core's catalog, not Qt's)",
    "recovery": "the recovery code",
    "driver": "device driver names as in the settings ('sim', 'serial', 'opencv', 'pcsc')",
    "language": "the other language, named in itself ('English' / '中文'), as pickers do",
}

# Known problems in files of another change (ui/intake.py, ui/main_window.py, ui/app.py,
# ui/record_view.py), xfail-style: (class, objectName or English source text) →
# (the window it shows in, what is wrong and what would fix it). An entry that matches nothing
# in a window the test looked at fails the test: delete it once the widget is fixed.
ALLOWED: dict[tuple[str, str], tuple[str, str]] = {}

LATIN = re.compile(r"[A-Za-z]")
DATA_TEXT = [
    re.compile(r"^(?=.*[\d*])[0-9A-Z*×x:./+\-_ ·]+$"),  # codes, masked ID numbers, sizes, times
    re.compile(r"^[YMDhms]{1,4}([-/: ][YMDhms]{1,4})*$"),  # a date format: YYYY-MM-DD
    re.compile(r"^\S+\.(xlsx|csv|pdf|png|jpe?g|avi)$", re.I),  # file names
    re.compile(r"^(/|[A-Za-z]:\\|~/|https?://)"),  # paths and addresses
]
PSEUDO = re.compile(r"⟦(.*?)·*⟧", re.S)


def source_text(text: str) -> str:
    """The English source of a pseudo-translated text (placeholders already filled in)."""
    return PSEUDO.sub(lambda m: m.group(1), text)


@dataclass(frozen=True)
class Problem:
    where: str
    kind: str  # untranslated | clipped | too large
    cls: str
    name: str
    text: str
    detail: str = ""

    def matches(self, key: tuple[str, str]) -> bool:
        cls, name_or_text = key
        return cls == self.cls and name_or_text in (self.name, self.text, source_text(self.text))

    def __str__(self) -> str:
        name = f"#{self.name}" if self.name else ""
        detail = f" ({self.detail})" if self.detail else ""
        return f"{self.where}: {self.kind} {self.cls}{name} {self.text!r}{detail}"


def is_data(text: str) -> bool:
    text = text.strip()
    return not LATIN.search(text) or any(p.search(text) for p in DATA_TEXT)


def plain(text: str) -> str:
    doc = QTextDocument()
    doc.setHtml(text)
    return doc.toPlainText()


def shown_text(text: str) -> str:
    """The text without mnemonic markers (``&&`` is a literal ampersand)."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


class Audit:
    """Walks windows and collects problems; ``check(window, where)`` after the window is shown."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.windows: set[str] = set()
        self.seen = 0  # texts looked at, to show the walk is not empty

    # -- showing -------------------------------------------------------------------------------
    def show(self, qtbot, window, size=None):
        qtbot.addWidget(window)
        window.show()
        QApplication.processEvents()
        if size is not None:
            window.resize(*size)
        width = max(min(window.width(), SCREEN[0]), window.minimumSizeHint().width())
        height = max(min(window.height(), SCREEN[1]), window.minimumSizeHint().height())
        window.resize(width, height)
        qtbot.waitExposed(window)
        QApplication.processEvents()
        return window

    # -- checking ------------------------------------------------------------------------------
    def check(self, window, where: str) -> None:
        QApplication.processEvents()
        self.windows.add(where)
        hint = window.minimumSizeHint()
        if hint.width() > SCREEN[0] or hint.height() > SCREEN[1]:
            self._add(
                where,
                "too large",
                window,
                window.windowTitle(),
                f"minimum {hint.width()}×{hint.height()}",
            )
        self._untranslated(where, window, window.windowTitle())
        for widget in [window, *window.findChildren(QWidget)]:
            if widget.isVisible() and not self._skipped(widget, window):
                self._widget(where, widget)

    @staticmethod
    def _skipped(widget, window) -> bool:
        """Message boxes and the standard buttons of wizards and button boxes are Qt's."""
        w = widget
        while w is not None:
            if isinstance(w, QMessageBox):
                return True
            if w is window:
                break
            w = w.parentWidget()
        if isinstance(widget, QPushButton):
            box = widget.parentWidget()
            if (
                isinstance(box, QDialogButtonBox)
                and box.standardButton(widget) != QDialogButtonBox.StandardButton.NoButton
            ):
                return True
            if isinstance(window, QWizard) and any(
                window.button(b) is widget
                for b in QWizard.WizardButton
                if b.value <= QWizard.WizardButton.HelpButton.value
            ):
                return True
        return False

    def _widget(self, where: str, w) -> None:
        if w.objectName() in DATA_NAMES:
            return
        if isinstance(w, QLabel):
            text = w.text()
            rich = w.textFormat() == Qt.TextFormat.RichText or (
                w.textFormat() == Qt.TextFormat.AutoText and QtGui.Qt.mightBeRichText(text)
            )
            lines = plain(text).splitlines() if rich else [text]
            for line in lines:
                self._untranslated(where, w, line)
            if text and not w.wordWrap():
                self._label_clipped(where, w, text, rich)
        elif isinstance(w, QAbstractButton):
            self._untranslated(where, w, w.text())
            if (
                isinstance(w, QPushButton | QCheckBox | QRadioButton)
                and w.text()
                and w.sizeHint().width() > w.width()
            ):
                self._add(
                    where,
                    "clipped",
                    w,
                    w.text(),
                    f"needs {w.sizeHint().width()} px, has {w.width()}",
                )
        elif isinstance(w, QGroupBox):
            self._untranslated(where, w, w.title())
        elif isinstance(w, QTabBar):
            for i in range(w.count()):
                if w.isTabVisible(i):
                    self._untranslated(where, w, w.tabText(i))
        elif isinstance(w, QTableView) and w.model() is not None:
            model = w.model()
            for orientation, header, count in (
                (Qt.Orientation.Horizontal, w.horizontalHeader(), model.columnCount()),
                (Qt.Orientation.Vertical, w.verticalHeader(), model.rowCount()),
            ):
                if header.isVisible():
                    for section in range(count):
                        if not header.isSectionHidden(section):
                            value = model.headerData(
                                section, orientation, Qt.ItemDataRole.DisplayRole
                            )
                            self._untranslated(
                                where,
                                header,
                                str(value or ""),
                                f"{w.objectName() or type(w).__name__} header",
                            )
        elif isinstance(w, QComboBox):
            for i in range(w.count()):
                self._untranslated(where, w, w.itemText(i))
        elif isinstance(w, QListWidget):
            for i in range(w.count()):
                if not w.item(i).isHidden():
                    self._untranslated(where, w, w.item(i).text())
        elif isinstance(w, QLineEdit) and not w.text():
            self._untranslated(where, w, w.placeholderText(), "placeholder")

    def _label_clipped(self, where: str, w, text: str, rich: bool) -> None:
        if rich:
            doc = QTextDocument()
            doc.setDefaultFont(w.font())
            doc.setHtml(text)
            doc.setDocumentMargin(0)
            need = int(doc.idealWidth())
        else:
            fm = w.fontMetrics()
            need = max(fm.horizontalAdvance(shown_text(line)) for line in text.split("\n"))
        room = w.contentsRect().width() - 2 * w.margin() - max(w.indent(), 0)
        if need > room:
            self._add(where, "clipped", w, text, f"needs {need} px, has {room}")

    def _untranslated(self, where: str, w, text: str, detail: str = "") -> None:
        text = text.strip()
        self.seen += bool(text)
        if text and OPEN not in text and not is_data(text):
            self._add(where, "untranslated", w, text, detail)

    def _add(self, where: str, kind: str, w, text: str, detail: str = "") -> None:
        self.problems.append(Problem(where, kind, type(w).__name__, w.objectName(), text, detail))

    # -- the verdict ---------------------------------------------------------------------------
    def assert_clean(self) -> None:
        allowed = [p for p in self.problems if any(p.matches(k) for k in ALLOWED)]
        report = [str(p) for p in dict.fromkeys(self.problems) if p not in allowed]
        for key, (window, why) in ALLOWED.items():
            looked = any(w.startswith(window) for w in self.windows)
            if looked and not any(p.matches(key) for p in allowed):
                report.append(f"allow-list entry {key} matches nothing any more, remove it ({why})")
        print(
            f"{self.seen} texts in {len(self.windows)} window states; allowed: "
            + ("; ".join(sorted({str(p) for p in allowed})) or "none")
        )
        print("\n".join(report))
        assert report == [], f"{len(report)} problem(s):\n" + "\n".join(report)


# -- fixtures --------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def pseudo_qm(tmp_path_factory):
    return build_pseudo_qm(tmp_path_factory.mktemp("pseudo"))


@pytest.fixture
def pseudo(qapp, pseudo_qm, monkeypatch):
    from station import i18n
    from ui.app import make_app

    # the core's own messages (errors, doctor details, role names) in Chinese, as on a station:
    # they do not go through Qt, so in English they would read as untranslated here
    monkeypatch.setattr(i18n, "_language", "zh_CN")
    app = make_app()
    with pseudo_locale(app, pseudo_qm):
        yield app


@pytest.fixture
def audit(pseudo):
    return Audit()


@pytest.fixture
def bridges(station):
    from ui.adapter import StationBridge

    made = []

    def make(user):
        bridge = StationBridge(station.station.login(user, PASSWORD))
        made.append(bridge)
        return bridge

    yield make
    for bridge in made:
        bridge.stop()


def test_pseudo_translation_marks_every_message(pseudo):
    from ui.qt import QCoreApplication

    text = QCoreApplication.translate("LoginDialog", "Log in")
    assert text.startswith("⟦Log in") and text.endswith("⟧") and len(text) > len("Log in") * 1.3
    placeholder = QCoreApplication.translate("MainWindow", "Station %1")
    assert "%1" in placeholder and placeholder.replace("%1", "X").count("X") == 1


def test_the_audit_finds_what_it_should(pseudo, qtbot):
    """Planted problems are found, data and Qt's own dialogs are not."""
    from ui.qt import QCoreApplication, QVBoxLayout

    translated = QCoreApplication.translate("LoginDialog", "Log in")
    window = QWidget()
    window.setWindowTitle(QCoreApplication.translate("ReportsDialog", "Reports"))
    layout = QVBoxLayout(window)
    plain_label = QLabel("Not translated")
    code = QLabel("450103000099 · 1101****002X")
    who = QLabel("coord")
    who.setObjectName("who")
    narrow = QLabel(translated + " " + translated)
    narrow.setFixedWidth(40)
    wrapped = QLabel(translated + " " + translated)
    wrapped.setWordWrap(True)
    wrapped.setFixedWidth(40)
    button = QPushButton(translated)
    button.setFixedWidth(30)
    edit = QLineEdit()
    edit.setPlaceholderText("type here")
    box = QGroupBox("Untranslated title")
    for w in (plain_label, code, who, narrow, wrapped, button, edit, box):
        layout.addWidget(w)
    message = QMessageBox(
        QMessageBox.Icon.Information,
        "Qt's own",
        "Qt's own text",
        QMessageBox.StandardButton.Ok,
        window,
    )
    audit = Audit()
    audit.show(qtbot, window)
    message.show()
    audit.check(window, "planted")
    message.close()
    found = {(p.kind, source_text(p.text)) for p in audit.problems}
    assert found == {
        ("untranslated", "Not translated"),
        ("untranslated", "type here"),
        ("untranslated", "Untranslated title"),
        ("clipped", "Log in Log in"),
        ("clipped", "Log in"),
    }, audit.problems
    assert source_text(translated) == "Log in"


# -- the windows -----------------------------------------------------------------------------
def test_login_and_lock(audit, qtbot, station):
    from ui.idle_lock import LockDialog
    from ui.login import LoginDialog
    from ui.qt import QCoreApplication

    label = QCoreApplication.translate("DesktopSession", "Station %1").replace(
        "%1", station.station.keyslots.station_code()
    )
    login = audit.show(qtbot, LoginDialog(station.station, label))
    audit.check(login, "login")
    login.try_login()  # nothing typed: the error line
    audit.check(login, "login")
    lock = audit.show(qtbot, LockDialog(station.station, "coord"))
    audit.check(lock, "lock")
    audit.assert_clean()


def _records(station, n: int = 6) -> list[dict]:
    coord = station.login("coord")
    rng = random.Random(5)
    return [coord.save_application(synthetic_record(rng, dt.date.today())) for _ in range(n)]


def _main_window(audit, qtbot, bridge, where):
    from ui.main_window import MainWindow

    win = MainWindow(bridge)
    audit.show(qtbot, win, SCREEN)
    if bridge.can("app.search"):
        qtbot.waitUntil(
            lambda: win.model.rowCount() > 0 and win.today_label.text() != "", timeout=10_000
        )
    audit.check(win, where)
    return win


def test_main_window_reports_and_import(audit, qtbot, station, bridges):
    from station.importer import ImportResult
    from ui.exports_view import ImportDialog, ReportsDialog

    _records(station)
    _main_window(audit, qtbot, bridges("coord"), "main window (coordinator)")
    _main_window(audit, qtbot, bridges("tech"), "main window (technician)")
    supervisor = bridges("super")
    _main_window(audit, qtbot, supervisor, "main window (supervisor)")
    audit.check(audit.show(qtbot, ReportsDialog(supervisor)), "reports")
    imports = audit.show(qtbot, ImportDialog(supervisor))
    audit.check(imports, "import")
    # the longest summary: cancelled, and the file cut short, with rejected rows
    imports._finished(
        ImportResult(
            saved=120,
            skipped=3,
            cancelled=True,
            interrupted_at=124,
            errors=[
                {
                    "row": 7,
                    "field": "person.id_number",
                    "code": "id_checksum",
                    "message": "校验位不对",
                }
            ],
            bad_rows=[(7, [], "校验位不对")],
        )
    )
    audit.check(imports, "import (finished)")
    audit.assert_clean()


def test_record_view_tabs(audit, qtbot, station, bridges):
    from ui.record_view import RecordView

    saved = _records(station, 1)[0]
    view = RecordView(bridges("coord"), saved["uuid"])
    audit.show(qtbot, view)
    audit.check(view, "record view")  # loading
    qtbot.waitUntil(lambda: view.record is not None, timeout=10_000)
    for tab in range(view.tabs.count()):
        view.tabs.setCurrentIndex(tab)
        audit.check(view, f"record view: tab {tab + 1}")
    audit.assert_clean()


def test_intake_steps(audit, qtbot, station, bridges):
    from ui.intake import IntakeDialog

    bridge = bridges("coord")
    settings = station.login("coord").settings_map()
    dlg = audit.show(qtbot, IntakeDialog(bridge, settings))
    for step in range(dlg.stack.count()):
        dlg.go(step)
        if step == 2:  # a child applicant: the guardian box and a member row are shown too
            born = dt.date.today().replace(year=dt.date.today().year - 10).isoformat()
            dlg.edits["person.birth_date"].setText(born)
            dlg.add_member()
        audit.check(dlg, f"intake step {step + 1}")
    saved = _records(station, 1)[0]
    record = station.login("coord").get_application(saved["uuid"], audit_view=False)
    change = audit.show(qtbot, IntakeDialog(bridge, settings, correct=record, kind="change"))
    for step in range(change.stack.count()):
        change.go(step)
        audit.check(change, f"intake (change) step {step + 1}")
    audit.assert_clean()


def test_first_run_wizard_pages(audit, qtbot, tmp_path):
    from station.store import Station
    from ui.first_run import FirstRunWizard

    wiz = FirstRunWizard(Station(tmp_path / "new"))
    audit.show(qtbot, wiz)
    audit.check(wiz, "first run: station")
    wiz.station_page.code.setText("450103000055")
    wiz.next()
    audit.check(wiz, "first run: technician")
    wiz.tech_page.password.setText("first-tech-pw")
    wiz.tech_page.repeat.setText("first-tech-pw")
    wiz.next()
    audit.check(wiz, "first run: recovery code")  # while the database is being created
    qtbot.waitUntil(lambda: bool(wiz.recovery_code), timeout=15_000)
    audit.check(wiz, "first run: recovery code")
    wiz.currentPage().confirm.setChecked(True)
    wiz.next()
    audit.check(wiz, "first run: station profile")
    from tests.profiles import write_json, xian_document

    bad = xian_document()
    bad["communities"][0]["code"] = "610113099001"
    wiz.profile_page.path.setText(str(write_json(tmp_path / "bad.json", bad)))
    wiz.profile_page.check()
    qtbot.waitUntil(lambda: wiz.profile_page.problems.count() > 0, timeout=15_000)
    audit.check(wiz, "first run: station profile (problems)")
    for name in ("devices", "key", "enrol", "operators"):
        wiz.next()
        audit.check(wiz, f"first run: {name}")
    wiz.next()
    check = wiz.currentPage()
    audit.check(wiz, "first run: final check")
    qtbot.waitUntil(lambda: check.list.count() > 3, timeout=15_000)
    audit.check(wiz, "first run: final check")
    wiz.done(0)
    audit.assert_clean()


def test_photo_preview(audit, qtbot):
    from devices.camera.sim import SimulatedCamera
    from ui.photo_preview import PhotoPreview

    preview = PhotoPreview(auto_capture=True)
    audit.show(qtbot, preview, (1000, 600))  # as in the camera dialog of the main window
    audit.check(preview, "photo preview")
    try:
        with qtbot.waitSignal(preview.captured, timeout=10_000):
            preview.start(SimulatedCamera())
        audit.check(preview, "photo preview (photo taken)")
    finally:
        preview.stop()
    audit.assert_clean()


def test_day_screens(audit, qtbot, station, bridges):
    """Pickup, sync status, the supervisor's review and the endorsement screen, with data."""
    from station import desk
    from ui.endorse import EndorseDialog
    from ui.pickup import PickupDialog
    from ui.review import ReviewDialog
    from ui.sync_view import SyncStatusDialog

    saved = _records(station, 2)
    coord = station.login("coord")
    desk.note_photo_override(coord, saved[0]["uuid"], ["face too small"])
    settings = coord.settings_map()
    pickup = audit.show(qtbot, PickupDialog(bridges("coord"), settings))
    audit.check(pickup, "pickup (empty)")
    status = audit.show(qtbot, SyncStatusDialog(bridges("coord")))
    qtbot.waitUntil(lambda: bool(status.overview), timeout=10_000)
    audit.check(status, "sync status")
    review = audit.show(qtbot, ReviewDialog(bridges("super")))
    qtbot.waitUntil(lambda: review.data is not None, timeout=10_000)
    audit.check(review, "day review")
    endorse = audit.show(qtbot, EndorseDialog(bridges("coord"), settings))
    endorse._card_read(
        {
            "person": {"name": "测试", "id_number": "11010519491231002X"},
            "permit": {
                "number": "450103000000001",
                "endorsements": [{"year": 2024}, {"year": 2025}],
            },
        }
    )
    qtbot.waitUntil(lambda: endorse.rounds > 0, timeout=10_000)
    audit.check(endorse, "endorsement (no record)")
    audit.assert_clean()
