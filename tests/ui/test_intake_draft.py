"""Kill -9 of a real desktop process mid-form: the draft is offered back and restored."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from tests.conftest import PASSWORD

CHILD = r"""
import os, sys, time
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from station.store import Station
from ui.app import make_app
from ui.adapter import StationBridge
from ui.intake import IntakeDialog
app = make_app()
store = Station(sys.argv[1]).login("coord", sys.argv[2])
bridge = StationBridge(store)
dlg = IntakeDialog(bridge, store.settings_map())
dlg.show()
dlg.edits["person.name"].setText("测试草稿")
dlg.edits["person.phone"].setText("13800003333")
dlg.edits["residence.address"].setText("草稿路1号")
dlg.services["legal"].setChecked(True)
dlg._changed()
deadline = time.time() + 20
while dlg.draft_saved == 0 and time.time() < deadline:
    app.processEvents()
    time.sleep(0.05)
print("saved" if dlg.draft_saved else "timeout", flush=True)
while True:
    app.processEvents()
    time.sleep(0.05)
"""


def test_draft_survives_kill_9_and_is_offered_back(qapp, qtbot, station):
    proc = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(station.data_dir), PASSWORD],
        stdout=subprocess.PIPE,
        text=True,
        env=dict(os.environ, QT_QPA_PLATFORM="offscreen"),
    )
    try:
        assert proc.stdout.readline().strip() == "saved"
    finally:
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
    from ui.adapter import StationBridge
    from ui.app import make_app
    from ui.intake import IntakeDialog

    make_app()
    store = station.station.login("coord", PASSWORD)
    bridge = StationBridge(store)
    try:
        dlg = IntakeDialog(bridge, store.settings_map())
        qtbot.addWidget(dlg)
        qtbot.waitUntil(lambda: getattr(dlg, "restore_button", None) is not None, timeout=10_000)
        dlg.restore_button.click()
        assert dlg.edits["person.name"].text() == "测试草稿"
        assert dlg.edits["residence.address"].text() == "草稿路1号"
        assert dlg.services["legal"].isChecked()
    finally:
        bridge.stop()
