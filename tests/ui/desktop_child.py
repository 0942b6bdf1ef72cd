"""A real desktop process for the tests: ``ui.app.run`` on an existing station, driven from a
timer as a supervisor would use it — log in, open every screen the desk has (new registration
with a card read and a live photo, a record with its correction, endorsement, pickup, sync
status, day review, reports, import, the camera, the lock screen) and each screen again as a
window of its own, ``ROUNDS`` times, then quit: the main window closed with every other window
still open.

    python -m tests.ui.desktop_child DATA_DIR PASSWORD ROUNDS

Prints ``opened N`` once everything was shown and ``exited RC`` after ``run`` returned; any
failure of the driver prints its traceback and exits 3.
"""

from __future__ import annotations

import os
import sys
import traceback
from pathlib import Path
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

TIMEOUT = 60.0  # generous: the suite shares two cores with other work


def _top(name: str) -> Any:
    from ui.qt import QApplication

    for w in QApplication.topLevelWidgets():
        if type(w).__name__ == name and w.isVisible():
            return w
    return None


def _dialog(parent: Any, name: str) -> Any:
    """The newest visible dialog of class ``name`` under ``parent``."""
    from ui.qt import QDialog

    found = [d for d in parent.findChildren(QDialog) if type(d).__name__ == name and d.isVisible()]
    return found[-1] if found else None


def _open_everything(win: Any, password: str) -> int:
    from ui.bench import settle, wait_until

    shown = 0
    # new registration: the card, the live photo (camera and analysis threads), then Esc
    win.open_intake()
    wait_until(lambda: _dialog(win, "IntakeDialog") is not None, TIMEOUT, "the intake")
    intake = _dialog(win, "IntakeDialog")
    intake.read_card()
    wait_until(lambda: intake.edits["person.id_number"].text() != "", TIMEOUT, "the card")
    intake.take_photo()
    wait_until(lambda: intake.photo is not None, TIMEOUT, "the photo")
    intake.reject()
    shown += 1
    # a record from the list, and a change of address from it
    win.open_record(0)
    wait_until(lambda: _dialog(win, "RecordView") is not None, TIMEOUT, "the record view")
    view = _dialog(win, "RecordView")
    wait_until(lambda: view.record is not None, TIMEOUT, "the record")
    view.open_correction("change")
    wait_until(
        lambda: any(
            d.correcting is not None for d in win.findChildren(type(intake)) if d.isVisible()
        ),
        TIMEOUT,
        "the correction",
    )
    shown += 2
    # the day's screens from the home panel
    for text, name in (
        (win.tr("Yearly endorsement"), "EndorseDialog"),
        (win.tr("Card pickup"), "PickupDialog"),
        (win.tr("Sync status"), "SyncStatusDialog"),
        (win.tr("Day review"), "ReviewDialog"),
    ):
        win.entries[text].click()
        wait_until(lambda n=name: _dialog(win, n) is not None, TIMEOUT, name)
        shown += 1
    endorse = _dialog(win, "EndorseDialog")
    endorse.read_card()
    wait_until(lambda: endorse.rounds > 0, TIMEOUT, "the permit card")
    win.open_reports()
    win.open_import()
    win.open_camera()
    wait_until(lambda: _dialog(win, "QDialog") is not None, TIMEOUT, "the camera")
    shown += 3
    settle(300)  # the camera's first frames
    # the lock screen over everything, then unlocked with the password
    lock = [o for o in win.children() if type(o).__name__ == "IdleLock"][-1]
    lock.lock()
    dialog = lock.dialog
    dialog.password.setText(password)
    dialog.try_unlock()
    wait_until(lambda: lock.dialog is None, TIMEOUT, "the unlock")
    shown += 1
    return shown


def _open_standalone(win: Any, settings: dict[str, str]) -> int:
    """Each screen again as a window of its own (no parent), as the screenshots tool and the
    tests make them: the windows Python alone keeps alive."""
    from ui.bench import wait_until
    from ui.endorse import EndorseDialog
    from ui.intake import IntakeDialog
    from ui.pickup import PickupDialog
    from ui.record_view import RecordView
    from ui.review import ReviewDialog
    from ui.sync_view import SyncStatusDialog

    bridge = win.bridge
    uuid = win.model.row_data(0)["uuid"]
    windows = [
        IntakeDialog(bridge, settings),
        RecordView(bridge, uuid),
        EndorseDialog(bridge, settings),
        PickupDialog(bridge, settings),
        SyncStatusDialog(bridge),
        ReviewDialog(bridge),
    ]
    for w in windows:
        w.show()
    wait_until(lambda: windows[1].record is not None, TIMEOUT, "the record")
    wait_until(lambda: windows[-1].data is not None, TIMEOUT, "the review")
    return len(windows)


def _drive(password: str, rounds: int) -> None:
    from ui.bench import wait_until
    from ui.qt import QApplication

    try:
        wait_until(lambda: _top("LoginDialog") is not None, TIMEOUT, "the login")
        login = _top("LoginDialog")
        login.user.setText("super")
        login.password.setText(password)
        login.try_login()
        wait_until(lambda: _top("MainWindow") is not None, TIMEOUT, "the main window")
        win = _top("MainWindow")
        wait_until(lambda: win.model.rowCount() > 0, TIMEOUT, "the list")
        settings = win.bridge.worker.run_sync(lambda s: s.settings_map())
        shown = 0
        for _ in range(rounds):
            shown += _open_everything(win, password)
            shown += _open_standalone(win, settings)
        print(f"opened {shown}", flush=True)
        win.close()  # quits the application (the windows of their own would keep it open)
        QApplication.quit()
    except BaseException:  # noqa: BLE001 - any failure of the driver ends the process
        traceback.print_exc()
        sys.stdout.flush()
        os._exit(3)


def main() -> int:
    from station.store import Station
    from ui import app as desktop
    from ui.qt import QTimer

    data_dir, password, rounds = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
    desktop.make_app()  # the application the timer needs; ``run`` uses this one
    QTimer.singleShot(0, lambda: _drive(password, rounds))
    rc = desktop.run(Station(data_dir))
    print(f"exited {rc}", flush=True)
    return rc


if __name__ == "__main__":
    raise SystemExit(main())
