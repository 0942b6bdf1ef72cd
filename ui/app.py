"""The desktop application: Qt set-up, translations, login → main window → logout."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from station import i18n
from station.resources import resource_path
from ui.qt import (
    QApplication,
    QCoreApplication,
    QEvent,
    QFont,
    QFontDatabase,
    QLibraryInfo,
    QTimer,
    QTranslator,
)
from ui.style import STYLE

if TYPE_CHECKING:
    from station.store import Station, Store
    from ui.adapter import StationBridge, SyncBridge
    from ui.idle_lock import IdleLock
    from ui.login import LoginDialog
    from ui.main_window import MainWindow

log = logging.getLogger(__name__)
_translators: list[QTranslator] = []


def translations_dir() -> Path:
    return resource_path("i18n")


def install_language(app: QCoreApplication, lang: str) -> bool:
    """Switch the Qt translators and the core's messages to ``lang`` (``zh_CN`` or ``en``)."""
    for t in _translators:
        app.removeTranslator(t)
    _translators.clear()
    i18n.set_language(lang)
    if lang == "en":
        return True
    ok = True
    for name in ("station", "qtbase"):
        t = QTranslator(app)
        qm = translations_dir() / f"{name}_{lang}.qm"
        if qm.exists() and t.load(str(qm)):
            app.installTranslator(t)
            _translators.append(t)
        elif name == "station":
            log.warning("translation %s missing; run tools/build_translations.py", qm.name)
            ok = False
    if not any(t for t in _translators if t.language()):
        # Qt's own dialogs (OK/Cancel) from the Qt installation, when it ships them.
        t = QTranslator(app)
        if t.load(f"qtbase_{lang}", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)):
            app.installTranslator(t)
            _translators.append(t)
    return ok


def make_app(argv: list[str] | None = None, lang: str | None = None) -> QApplication:
    app = QApplication.instance()
    if app is None:
        app = QApplication(argv or sys.argv[:1])
    assert isinstance(app, QApplication)
    app.setApplicationName("intake-station")
    app.setOrganizationName("intake-station")
    families = QFontDatabase.families()
    for family in ("Noto Sans CJK SC", "WenQuanYi Micro Hei", "Microsoft YaHei", "PingFang SC"):
        if family in families:
            app.setFont(QFont(family, 10))
            break
    app.setStyleSheet(STYLE)
    install_language(app, lang or i18n.language())
    return app


def close_windows() -> None:
    """Close and delete every parentless window now, through Qt, while the application runs.

    A window that Python still holds only through a lambda connected to one of its children's
    signals (``self.day.dateChanged.connect(lambda _d: self.load())``) outlives the code that
    made it. Left for the interpreter's exit, PySide deletes it; deleting its children drops
    the lambda, the lambda drops the last Python reference to the window, and Python deletes
    the window a second time while Qt is still destroying it ("QObject: shared QObject was
    deleted directly", a corrupted heap, an abort). Deleted here, Qt destroys each window once
    and PySide only forgets the Python side.
    """
    windows = [w for w in QApplication.topLevelWidgets() if w.parent() is None]
    for w in windows:
        w.close()
    for w in windows:
        w.deleteLater()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)


class DesktopSession:
    """Shows the login dialog, then the main window; logging out returns to the login."""

    def __init__(self, station: Station, demo_hint: str = "") -> None:
        self.station = station
        self.demo_hint = demo_hint
        self.window: MainWindow | None = None
        self.bridge: StationBridge | None = None
        self.sync: SyncBridge | None = None
        self.login: LoginDialog | None = None
        self.idle_lock: IdleLock | None = None
        self._idle_minutes = 5.0

    def show_login(self) -> None:
        from ui.login import LoginDialog

        code = ""
        try:
            code = self.station.keyslots.station_code()
        except Exception:  # noqa: BLE001 - the dialog still opens; login will say what is wrong
            log.warning("key-slot file unreadable")
        label = QCoreApplication.translate("DesktopSession", "Station %1").replace("%1", code)
        self.login = LoginDialog(self.station, label, self.demo_hint)
        self.login.logged_in.connect(self.open_main)
        self.login.show()

    def open_main(self, store: Store) -> None:
        from ui.adapter import StationBridge
        from ui.main_window import MainWindow

        self.bridge = bridge = StationBridge(store)
        self.sync = self._start_sync(store)
        self.window = window = MainWindow(bridge, self.sync)
        window.logout_requested.connect(self.logout)
        window.language_requested.connect(self.switch_language)
        window.show()
        try:
            self._idle_minutes = float(store.config_get("ui.idle_lock_minutes") or "5")
        except ValueError:
            self._idle_minutes = 5.0
        self._start_idle_lock()
        self._backup_timer = QTimer(bridge)
        self._backup_timer.setInterval(10 * 60 * 1000)
        self._backup_timer.timeout.connect(self.backup_if_due)
        self._backup_timer.start()
        QTimer.singleShot(30_000, self.backup_if_due)

    def _start_idle_lock(self) -> None:
        from ui.idle_lock import IdleLock

        if self.window is not None and self.bridge is not None:
            self.idle_lock = IdleLock(
                self.window, self.station, self.bridge.operator, self._idle_minutes
            )

    def switch_language(self, lang: str) -> None:
        """Switch the language at run time: the translators, then a fresh main window on the
        same session (the database worker and sync keep running; dialogs open later come up
        in the new language)."""
        from ui.main_window import MainWindow

        app = QApplication.instance()
        if app is None or self.bridge is None:
            return
        install_language(app, lang)
        old = self.window
        if self.idle_lock is not None:
            self.idle_lock.stop()
        self.window = window = MainWindow(self.bridge, self.sync)
        window.logout_requested.connect(self.logout)
        window.language_requested.connect(self.switch_language)
        if old is not None:
            window.setGeometry(old.geometry())
        window.show()
        self._start_idle_lock()
        if old is not None:
            old.close()
            old.deleteLater()

    def _start_sync(self, store: Store) -> SyncBridge | None:
        """Background sync when the station is enrolled and the role may sync."""
        from station import outbox

        if not store.can("sync.run"):
            return None
        try:
            enrolled = outbox.get(store.conn, "station_id")
            minutes = int(store.config_get("sync.interval_minutes") or "10")
        except Exception:  # noqa: BLE001 - no sync tables: an older database, no sync
            log.warning("sync state unreadable")
            return None
        if not enrolled:
            return None
        from ui.adapter import SyncBridge

        bridge = SyncBridge(store, minutes * 60.0)
        bridge.start()
        return bridge

    def backup_if_due(self) -> None:
        """The daily backup to the configured folder, on the database worker."""
        if self.bridge is None or self.window is None:
            return
        from station.backup import scheduled_backup

        window = self.window
        self.bridge.op(scheduled_backup).success(
            lambda r: (
                window.statusBar().showMessage(
                    QCoreApplication.translate("DesktopSession", "Backup written") if r else "",
                    8000,
                )
                if r
                else None
            )
        ).failure(
            lambda e: window.statusBar().showMessage(getattr(e, "message", str(type(e))), 15000)
        ).run_in_background()

    def logout(self) -> None:
        if self.idle_lock is not None:
            self.idle_lock.stop()
            self.idle_lock = None
        if self.sync is not None:
            self.sync.stop()
            self.sync = None
        if self.window is not None:
            self.window.close()
            self.window.deleteLater()
            self.window = None
        if self.bridge is not None:
            self.bridge.stop()
            self.bridge = None
        self.show_login()

    def shutdown(self) -> None:
        if self.idle_lock is not None:
            self.idle_lock.stop()
            self.idle_lock = None
        if self.sync is not None:
            self.sync.stop()
            self.sync = None
        if self.bridge is not None:
            self.bridge.stop()
            self.bridge = None


def run(station: Station, demo_hint: str = "") -> int:
    """The desktop: the first-run wizard on a PC without a station, then the login. Every
    window is deleted before this returns (``close_windows``)."""
    app = make_app()
    session = DesktopSession(station, demo_hint)
    try:
        if not station.exists():
            from ui.first_run import FirstRunWizard

            wizard = FirstRunWizard(station)
            if not wizard.exec() or not station.exists():
                return 1
        session.show_login()
        return int(app.exec())
    finally:
        session.shutdown()
        close_windows()
