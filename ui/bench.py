"""``station bench ui``: how responsive the desktop is, in figures (measured, not asserted).

* cold start → login window: a fresh process imports the desktop, builds the login dialog for
  an existing station and shows it; wall time from starting the process until it says so;
* login → home: from the moment ``Station.login`` returned a store until the main window is
  shown with its first list of applications;
* keystroke → validation feedback: one key press in the intake form's phone field (the core's
  validation runs in the ``textEdited`` handler);
* main-thread blocks: a 10 ms timer on the main thread notes its largest late start while a card
  is read, an application with its photo is saved and the main window searches a database of
  ``records`` applications — the longest time the window could not react.

The station is a throwaway demo station (simulated devices) in ``folder``.
"""

from __future__ import annotations

import functools
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from station.bench import percentile, populated
from station.demo import PASSWORD
from station.validation import validate_application
from ui.qt import QApplication, QEvent, QEventLoop, Qt, QTimer, qtest

COLD_RUNS = 5
LOGIN_RUNS = 10
PROBE_INTERVAL_MS = 10
TIMEOUT_S = 30.0

# The child of the cold-start figure: what ``station gui`` does up to the login dialog.
_COLD_START = """\
import os, sys
from pathlib import Path
from station.store import Station
from ui.app import make_app
from ui.login import LoginDialog
app = make_app()
station = Station(Path(sys.argv[1]))
dlg = LoginDialog(station, station.keyslots.station_code())
dlg.show()
app.processEvents()
print("shown", flush=True)
os._exit(0)
"""


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 1)


def _median_max(ms: list[float]) -> dict[str, Any]:
    return {"median": round(statistics.median(ms), 1), "max": round(max(ms), 1), "n": len(ms)}


def _spread(ms: list[float]) -> dict[str, Any]:
    return {
        "p50": round(percentile(ms, 50), 3),
        "p95": round(percentile(ms, 95), 3),
        "max": round(max(ms), 3),
        "n": len(ms),
    }


def wait_until(cond: Callable[[], bool], timeout: float = TIMEOUT_S, what: str = "") -> None:
    """Run the Qt event loop (sleeping, not spinning) until ``cond()`` holds."""
    if cond():
        return
    loop = QEventLoop()
    poll = QTimer()
    poll.setTimerType(Qt.TimerType.PreciseTimer)
    poll.setInterval(1)
    poll.timeout.connect(lambda: loop.quit() if cond() else None)
    give_up = QTimer()
    give_up.setSingleShot(True)
    give_up.timeout.connect(loop.quit)
    poll.start()
    give_up.start(int(timeout * 1000))
    loop.exec()
    poll.stop()
    give_up.stop()
    if not cond():
        raise RuntimeError(f"ui bench: {what or 'waiting'} did not finish in {timeout:.0f} s")


def settle(ms: int) -> None:
    """Let the event loop run for ``ms`` milliseconds."""
    deadline = time.perf_counter() + ms / 1000
    wait_until(lambda: time.perf_counter() >= deadline, timeout=ms / 1000 + 5)


class BlockProbe:
    """A timer due every ``interval`` ms on the main thread; the largest lateness of a tick is
    the longest the main thread was busy (a frozen window)."""

    def __init__(self, interval_ms: int = PROBE_INTERVAL_MS) -> None:
        self.interval_ms = interval_ms
        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self._tick)
        self.last = 0.0
        self.worst = 0.0
        self.ticks = 0

    def _tick(self) -> None:
        now = time.perf_counter()
        self.worst = max(self.worst, (now - self.last) * 1000 - self.interval_ms)
        self.last = now
        self.ticks += 1

    def measure(
        self, start: Callable[[], None], done: Callable[[], bool], what: str
    ) -> tuple[float, float]:
        """The largest block (ms) from calling ``start`` (itself included) until ``done()``
        holds, and how long that took (ms)."""
        self.worst, self.ticks = 0.0, 0
        self.last = time.perf_counter()
        self.timer.start()
        settle(50)
        t0 = time.perf_counter()
        start()
        wait_until(done, what=what)
        took = time.perf_counter() - t0
        settle(50)
        self.timer.stop()
        if self.ticks < 2:
            raise RuntimeError("ui bench: the probe timer did not run")
        return round(max(0.0, self.worst), 1), _ms(took)


def _list_shown(window: Any) -> bool:
    """The main window's list has arrived (its result line is written after the rows)."""
    label = getattr(window, "result_label", None)
    if label is not None:
        return bool(label.text())
    return bool(window.model.rowCount() > 0)


def _clear_list_state(window: Any) -> None:
    label = getattr(window, "result_label", None)
    if label is not None:
        label.setText("")


def _close(widget: Any) -> None:
    widget.close()
    widget.deleteLater()
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete.value)


# -- the figures ----------------------------------------------------------------------------
def cold_start(folder: Path, runs: int = COLD_RUNS) -> dict[str, Any]:
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    ms = []
    for _ in range(runs):
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-c", _COLD_START, str(folder)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert proc.stdout is not None
        line = proc.stdout.readline()
        elapsed = time.perf_counter() - t0
        _out, err = proc.communicate(timeout=TIMEOUT_S)
        if line.strip() != b"shown":
            tail = err.decode("utf-8", "replace").strip().splitlines()[-3:]
            raise RuntimeError("ui bench: the cold-start process failed: " + " | ".join(tail))
        ms.append(elapsed * 1000)
    return _median_max(ms)


def login_to_home(demo: Any, runs: int = LOGIN_RUNS) -> dict[str, Any]:
    """The first run includes importing the main window's modules, as after a real login."""
    from ui.adapter import StationBridge

    ms = []
    for _ in range(runs):
        store = demo.station.login("coord", PASSWORD)
        t0 = time.perf_counter()
        bridge = StationBridge(store)
        from ui.main_window import MainWindow

        window = MainWindow(bridge)
        window.show()
        wait_until(functools.partial(_list_shown, window), what="the main window's first list")
        ms.append((time.perf_counter() - t0) * 1000)
        _close(window)
        bridge.stop()
    return _median_max(ms)


def keystrokes(dlg: Any, samples: int) -> dict[str, Any]:
    """Key press → the phone field's validation shown (the handler runs inside the call);
    ``with_paint`` also lets Qt repaint what changed."""
    edit = dlg.edits["person.phone"]
    edit.setFocus()
    digits = "13800001111"
    call, painted = [], []
    for i in range(samples):
        if len(edit.text()) >= len(digits):
            edit.clear()
            QApplication.processEvents()
        key = getattr(Qt.Key, f"Key_{digits[len(edit.text())]}")
        t0 = time.perf_counter()
        qtest().keyClick(edit, key)
        t1 = time.perf_counter()
        QApplication.processEvents()
        t2 = time.perf_counter()
        call.append((t1 - t0) * 1000)
        painted.append((t2 - t0) * 1000)
        if i == 0 and not edit.text():
            raise RuntimeError("ui bench: the key press did not reach the phone field")
    edit.clear()
    return {**_spread(call), "with_paint": _spread(painted)}


def _fill_valid(dlg: Any) -> None:
    values = {
        "person.phone": "13800001111",
        "residence.address": "民族大道100号",
        "residence.arrival_date": "2026-03-01",
        "dwelling.landlord.name": "测试房东",
        "dwelling.landlord.phone": "13800002222",
        "dwelling.landlord.id_number": "11010519491231002X",
        "employer.name": "南宁示例物流有限公司",
        "employer.uscc": "91110000600037341L",
    }
    for path, text in values.items():
        dlg.edits[path].setText(text)
    i = dlg.dwelling.findData("rented")
    if i >= 0:
        dlg.dwelling.setCurrentIndex(i)
    dlg.services["employment"].setChecked(True)
    errors = validate_application(
        dlg.record(), profile=dlg.profile, city=dlg.settings.get("station.city")
    )
    if errors:
        raise RuntimeError(
            "ui bench: the sample application does not validate: "
            + ", ".join(f"{e.field} ({e.code})" for e in errors[:5])
        )


def intake_figures(demo: Any, samples: int, probe: BlockProbe) -> dict[str, Any]:
    from ui.adapter import StationBridge
    from ui.device_bridge import simulated_photo
    from ui.intake import IntakeDialog

    store = demo.station.login("coord", PASSWORD)
    settings = store.settings_map()
    settings.update({"idreader.driver": "sim", "idreader.seed": "7", "camera.driver": "sim"})
    bridge = StationBridge(store)
    try:
        dlg = IntakeDialog(bridge, settings)
        dlg.show()
        dlg.activateWindow()
        settle(100)
        keys = keystrokes(dlg, samples)

        card, card_ms = probe.measure(
            dlg.read_card, lambda: dlg.edits["person.id_number"].text() != "", "the card read"
        )
        _fill_valid(dlg)
        live, live_ms = probe.measure(  # camera start, live preview, automatic capture
            dlg.take_photo, lambda: dlg.photo is not None, "the live photo"
        )
        dlg.photo = simulated_photo()
        save, save_ms = probe.measure(
            dlg.save,
            lambda: (
                dlg.saved is not None or (dlg.save_button.isEnabled() and bool(dlg.blocking.text()))
            ),
            "saving",
        )
        if dlg.saved is None:
            raise RuntimeError("ui bench: saving failed: " + dlg.blocking.text())
        settle(50)
        _close(dlg)
    finally:
        bridge.stop()
    return {
        "keystroke": keys,
        "card_block": card,
        "card_ms": card_ms,
        "save_block": save,
        "save_ms": save_ms,
        "live_block": live,
        "live_ms": live_ms,
    }


def search_figures(demo: Any, probe: BlockProbe) -> dict[str, Any]:
    """Searches typed into the main window (each includes its 150 ms typing pause)."""
    from ui.adapter import StationBridge
    from ui.main_window import MainWindow

    store = demo.station.login("coord", PASSWORD)
    rng = random.Random(11)
    top = int(store.conn.execute("SELECT max(id) FROM applications").fetchone()[0])
    row = None
    while row is None:
        row = store.conn.execute(
            "SELECT id_number, phone, name FROM applications WHERE id = ?", (rng.randint(1, top),)
        ).fetchone()
    id_number, phone, name = (str(v) for v in row)
    queries = [id_number, phone, name, name[0], id_number[:6], ""]
    bridge = StationBridge(store)
    worst, took = 0.0, []
    try:
        window = MainWindow(bridge)
        window.show()
        wait_until(lambda: _list_shown(window), what="the main window's first list")
        for q in queries:
            if q == window.search.text():
                continue

            def start(q: str = q) -> None:
                _clear_list_state(window)
                window.search.setText(q)

            block, ms = probe.measure(
                start, lambda: _list_shown(window), "a search in the main window"
            )
            worst = max(worst, block)
            took.append(ms)
        _close(window)
    finally:
        bridge.stop()
    return {"block": worst, "search_to_list": _median_max(took)}


def bench_ui(
    folder: Path,
    records: int = 10_000,
    samples: int = 200,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from ui.app import make_app

    demo = populated(Path(folder), records, progress)
    with demo.login("coord") as store:
        n = int(store.conn.execute("SELECT count(*) FROM applications").fetchone()[0])
    cold = cold_start(demo.data_dir)
    app = make_app()
    probe = BlockProbe()
    home = login_to_home(demo)
    intake = intake_figures(demo, max(1, samples), probe)
    search = search_figures(demo, probe)
    return {
        "platform": app.platformName(),
        "records": n,
        "cold_start_to_login_ms": cold,
        "login_to_home_ms": home,
        "keystroke_to_validation_ms": intake["keystroke"],
        "main_thread_block_ms": {
            "card_read": intake["card_block"],
            "live_photo": intake["live_block"],
            "photo_save": intake["save_block"],
            "search": search["block"],
            "probe_interval_ms": PROBE_INTERVAL_MS,
        },
        "card_read_to_filled_ms": intake["card_ms"],
        "save_to_saved_ms": intake["save_ms"],
        "camera_start_to_photo_ms": intake["live_ms"],
        "search_to_list_ms": search["search_to_list"],
    }
