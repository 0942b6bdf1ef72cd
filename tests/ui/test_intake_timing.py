"""A complete new registration by keyboard alone, timed as a coordinator types it.

The typist presses a key every ``PACE`` seconds: Latin letters and digits as key presses,
Chinese as an input method does it (the pinyin letters as pre-edit text, one key each, then the
characters committed with the space bar). The applicant's ID card takes ``CARD_SECONDS`` to be
handed over and read (the simulated reader answers at once, so the wait is made up to that);
the photo is the live preview's own automatic capture from the simulated camera, however long
the checks take; saving waits for the database. The ordinary test runs the same script without
pauses (the keyboard path works); the slow one types at 200 ms a key and prints the figures
that README's "A day at the desk" quotes.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import pytest

from tests.conftest import PASSWORD
from ui.qt import QApplication, QInputMethodEvent, Qt

PACE = 0.2  # seconds a key, a steady office typist
CARD_SECONDS = 1.5  # the applicant hands the card over; the reader reads it

# (what is typed, how: "keys" as they are, or the pinyin an input method turns into it)
LANDLORD = [("测试房东", "ceshifangdong")]
ADDRESS = [("民族大道", "minzudadao"), ("100", "keys"), ("号", "hao")]
EMPLOYER = [
    ("南宁", "nanning"),
    ("示例", "shili"),
    ("物流", "wuliu"),
    ("有限公司", "youxiangongsi"),
]


@dataclass
class Typist:
    qtbot: object
    pace: float
    keys: int = 0
    slowest_ms: float = 0.0  # the longest the window took to take one key
    slowest: str = ""  # which key that was
    waited: dict[str, float] = field(default_factory=dict)
    _last: float = field(default_factory=time.perf_counter)

    def _send(self, send, what: str) -> None:  # noqa: ANN001 - a callable
        rest = self._last + self.pace - time.perf_counter()
        if rest > 0:
            self.qtbot.wait(int(rest * 1000))
        t0 = time.perf_counter()
        send()
        took = (time.perf_counter() - t0) * 1000
        if took > self.slowest_ms:
            self.slowest_ms, self.slowest = took, what
        self._last = time.perf_counter()
        self.keys += 1

    def key(self, key: Qt.Key, mod: Qt.KeyboardModifier = Qt.KeyboardModifier.NoModifier):
        self._send(lambda: self.qtbot.keyClick(_focused(), key, mod), key.name)

    def keys_of(self, text: str) -> None:
        for ch in text:
            self._send(lambda ch=ch: self.qtbot.keyClicks(_focused(), ch), ch)

    def chinese(self, text: str, pinyin: str) -> None:
        for i in range(1, len(pinyin) + 1):
            self._send(
                lambda i=i: QApplication.sendEvent(_focused(), QInputMethodEvent(pinyin[:i], [])),
                pinyin[i - 1],
            )
        event = QInputMethodEvent()
        event.setCommitString(text)
        self._send(lambda: QApplication.sendEvent(_focused(), event), "space")  # commits

    def type(self, parts: list[tuple[str, str]]) -> None:
        for text, how in parts:
            self.keys_of(text) if how == "keys" else self.chinese(text, how)

    def wait_for(self, what: str, cond, at_least: float = 0.0) -> None:  # noqa: ANN001
        t0 = time.perf_counter()
        self.qtbot.waitUntil(cond, timeout=30_000)
        rest = t0 + at_least - time.perf_counter()
        if rest > 0:
            self.qtbot.wait(int(rest * 1000))
        self.waited[what] = time.perf_counter() - t0
        self._last = time.perf_counter()


def _focused():
    widget = QApplication.focusWidget()
    assert widget is not None
    return widget


@pytest.fixture
def wizard(app, qtbot, station):
    from ui.adapter import StationBridge
    from ui.intake import IntakeDialog

    tech = station.login("tech")
    for kind in ("idreader", "camera"):
        tech.config_set(f"{kind}.driver", "sim")
    store = station.station.login("coord", PASSWORD)
    bridge = StationBridge(store)
    dlg = IntakeDialog(bridge, store.settings_map())
    qtbot.addWidget(dlg)
    dlg.show()
    qtbot.waitExposed(dlg)
    dlg.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is dlg, timeout=5_000)
    yield dlg
    bridge.stop()


def intake_by_keyboard(dlg, qtbot, pace: float) -> Typist:
    alt, ctrl = Qt.KeyboardModifier.AltModifier, Qt.KeyboardModifier.ControlModifier
    t = Typist(qtbot, pace)
    t.key(Qt.Key.Key_F2)  # the ID card
    t.wait_for(
        "card", lambda: dlg.edits["person.id_number"].text() != "", CARD_SECONDS * (pace > 0)
    )
    t.keys_of("13800001111")  # the phone (focused after the card)
    t.key(Qt.Key.Key_Right, alt)  # step 2: the address is focused
    t.type(ADDRESS)
    t.key(Qt.Key.Key_Return)
    t.keys_of("2026-03-01")
    for _ in range(4):  # stay 12 months, reason work, dwelling rented: as offered
        t.key(Qt.Key.Key_Tab)
    t.type(LANDLORD)
    t.key(Qt.Key.Key_Return)
    t.keys_of("13800002222")
    t.key(Qt.Key.Key_Return)
    t.keys_of("11010519491231002X")
    t.key(Qt.Key.Key_Right, alt)  # step 3: the employer
    t.type(EMPLOYER)
    t.key(Qt.Key.Key_Return)
    t.keys_of("91110000600037341L")
    t.key(Qt.Key.Key_Right, alt)  # step 4: services
    t.key(Qt.Key.Key_Space)  # employment services
    t.key(Qt.Key.Key_F3)  # the photo: the live preview takes it when the checks pass
    t.wait_for("photo", lambda: dlg.photo is not None)
    assert dlg.stack.currentIndex() == 4 and dlg.errors == [], [e.field for e in dlg.errors]
    t.key(Qt.Key.Key_S, ctrl)
    t.wait_for("save", lambda: dlg.saved is not None)
    return t


def test_a_complete_intake_by_keyboard_alone(wizard, qtbot, station):
    t = intake_by_keyboard(wizard, qtbot, pace=0.0)
    rec = station.login("super").get_application(wizard.saved["uuid"], audit_view=False)
    assert rec["residence"]["address"] == "民族大道100号" and rec["photo"]
    assert rec["dwelling"]["landlord"]["name"] == "测试房东"
    assert rec["employer"]["name"] == "南宁示例物流有限公司"
    assert t.keys == 149


@pytest.mark.slow
def test_intake_keyboard_time(wizard, qtbot, station, capsys):
    t0 = time.perf_counter()
    t = intake_by_keyboard(wizard, qtbot, pace=PACE)
    total = time.perf_counter() - t0
    typing = total - sum(t.waited.values())
    with capsys.disabled():
        print(
            f"\nintake by keyboard: {t.keys} keys at {PACE * 1000:.0f} ms a key, typing "
            f"{typing:.1f} s; card {t.waited['card']:.1f} s (as set), photo "
            f"{t.waited['photo']:.1f} s, save {t.waited['save']:.2f} s; total {total:.1f} s; "
            f"slowest key handled in {t.slowest_ms:.0f} ms ({t.slowest})"
        )
    assert wizard.saved is not None
    assert t.slowest_ms < PACE * 1000  # the window keeps up with the typist
