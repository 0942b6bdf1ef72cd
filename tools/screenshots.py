"""Screenshots of the desktop's screens at 1366×768, to look at before closing an issue.

    QT_QPA_PLATFORM=offscreen .venv/bin/python tools/screenshots.py OUT_DIR [--lang en]

A throwaway station with simulated devices; the intake wizard is driven step by step (card
read, typed fields, photo, review), then the main window, the record view and a correction.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
PASSWORD = "shot-pass-1"


def wait(app: Any, cond: Any, timeout: float = 15) -> None:
    end = time.time() + timeout
    while not cond() and time.time() < end:
        app.processEvents()
        time.sleep(0.02)
    for _ in range(5):
        app.processEvents()


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--lang", default="zh_CN")
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    os.environ["STATION_LANG"] = args.lang

    from station.photo import capture
    from station.samples import sample_record
    from station.store import Station
    from ui.adapter import StationBridge
    from ui.app import close_windows, make_app

    app = make_app(lang=args.lang)
    tmp = tempfile.TemporaryDirectory(prefix="station-shots-")
    station = Station(Path(tmp.name) / "data")
    station.init("450103000099", "tech", PASSWORD, "4501")
    with station.login("tech", PASSWORD) as tech:
        tech.add_operator("coord", "coordinator", PASSWORD)
        tech.add_operator("super", "supervisor", PASSWORD)
        for kind in ("idreader", "camera"):
            tech.config_set(f"{kind}.driver", "sim")
        from station.profile.demo import install_demo

        install_demo(tech)  # the demo table as the station profile
        tech.config_set("station.name", "示例区居住证受理点")
    store = station.login("coord", PASSWORD)
    for _ in range(3):
        store.save_application(sample_record())
    bridge = StationBridge(store)

    def shot(widget: Any, name: str) -> None:
        for _ in range(10):
            app.processEvents()
        widget.grab().save(str(out / f"{name}.png"))
        print(out / f"{name}.png")

    from ui.main_window import MainWindow

    window = MainWindow(bridge)
    window.resize(1366, 768)
    window.show()
    wait(app, lambda: window.model.rowCount() > 0)
    shot(window, "main")

    from ui.intake import IntakeDialog

    dlg = IntakeDialog(bridge, store.settings_map(), window)
    dlg.resize(1280, 720)
    dlg.show()
    shot(dlg, "intake-1-empty")
    dlg.read_card()
    wait(app, lambda: dlg.edits["person.id_number"].text() != "")
    dlg.edits["person.phone"].setText("13800001111")
    shot(dlg, "intake-1-card")
    dlg.go(1)
    dlg.edits["residence.address"].setText("民族大道100号3栋2单元501")
    dlg.edits["residence.arrival_date"].setText("2026-03-01")
    dlg.edits["dwelling.landlord.name"].setText("测试房东")
    dlg.edits["dwelling.landlord.phone"].setText("1380000222")
    dlg.touched.add("dwelling.landlord.phone")
    dlg._changed()
    shot(dlg, "intake-2-residence")
    dlg.edits["dwelling.landlord.phone"].setText("13800002222")
    dlg.edits["dwelling.landlord.id_number"].setText("11010519491231002X")
    dlg.go(2)
    dlg.edits["employer.name"].setText("南宁示例物流有限公司")
    dlg.edits["employer.uscc"].setText("91110000600037341L")
    dlg.add_member({"relation": "child", "name": "测试儿童", "birth_date": "2018-05-01"})
    shot(dlg, "intake-3-household")
    dlg.go(3)
    dlg.services["employment"].setChecked(True)
    dlg.services["education"].setChecked(True)
    face = ROOT / "resources" / "media" / "astronaut.png"
    if face.exists():
        import cv2

        dlg._photo_taken(capture(cv2.imread(str(face))), dlg)
    shot(dlg, "intake-4-services")
    dlg.go(4)
    shot(dlg, "intake-5-review")
    dlg.save()
    wait(app, lambda: dlg.saved is not None)
    shot(dlg, "intake-6-saved")
    dlg.close()
    window.refresh()
    wait(app, lambda: window.model.rowCount() > 3)
    shot(window, "main-after")
    try:
        from ui.record_view import RecordView
    except ImportError:
        RecordView = None  # noqa: N806
    if RecordView is not None:
        number = dlg.saved["number"]
        view = RecordView(bridge, number, window)
        view.show()
        wait(app, lambda: view.record is not None)
        shot(view, "record-view")
    # the day's screens; the service's answers are written straight into the outbox here
    # (a screenshot tool, not the product: the tests drive the real service)
    for i, row in enumerate(store.list_applications(None, 3)):
        store.conn.execute(
            "UPDATE outbox SET state = 'accepted', service_state = ?,"
            " service_at = ? WHERE uuid = ?",
            (
                "ready_for_pickup" if i else "rejected",
                f"2026-11-{20 + i}T10:00:00+08:00",
                row["uuid"],
            ),
        )
        if not i:
            store.conn.execute(
                "INSERT INTO status_events (seq, uuid, type, at, detail) VALUES"
                " (1, ?, 'rejected', '2026-11-20T10:00:00+08:00', ?)",
                (row["uuid"], '{"code": "photo_quality", "field": "photo"}'),
            )
    from ui.pickup import PickupDialog
    from ui.sync_view import SyncStatusDialog

    pickup = PickupDialog(bridge, store.settings_map(), None, window)
    pickup.show()
    wait(app, lambda: pickup.table.rowCount() > 0)
    shot(pickup, "pickup")
    status = SyncStatusDialog(bridge, None, window)
    status.show()
    wait(app, lambda: status.table.rowCount() > 0)
    shot(status, "sync-status")
    from ui.endorse import EndorseDialog

    with station.login("tech", PASSWORD) as tech:
        tech.config_set("permit.driver", "sim")
        tech.config_set("permit.endorse_key", "8f3a61c2d4e5f60718293a4b5c6d7e80")
    endorse = EndorseDialog(bridge, store.settings_map(), window)
    endorse.show()
    endorse.read_card()
    wait(app, lambda: endorse.rounds > 0)
    shot(endorse, "endorse")
    bridge.stop()
    store.close()
    sup = station.login("super", PASSWORD)
    sup_bridge = StationBridge(sup)
    from ui.review import ReviewDialog

    review = ReviewDialog(sup_bridge)
    review.show()
    wait(app, lambda: review.data is not None)
    shot(review, "review")
    supwin = MainWindow(sup_bridge)
    supwin.resize(1366, 768)
    supwin.show()
    wait(app, lambda: supwin.model.rowCount() > 0)
    shot(supwin, "main-supervisor")
    close_windows()  # every window deleted through Qt before the interpreter exits
    sup_bridge.stop()
    sup.close()
    tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
