"""Card pickup (领证): the cards ready at this station with how long each has waited; the
coordinator reads the holder's ID card (or picks the row), confirms, and the handover is
recorded at once and sent to the central service with the next sync."""

from __future__ import annotations

from typing import Any

from station import desk
from station.errors import StationError
from ui.adapter import StationBridge
from ui.device_bridge import DeviceSession
from ui.qt import (
    QDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
    shortcut,
)
from ui.tables import fill_table, make_table, row_key


class PickupDialog(QDialog):
    def __init__(
        self,
        bridge: StationBridge,
        settings: dict[str, str],
        sync: Any = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("pickup")
        self.bridge, self.settings, self.sync = bridge, settings, sync
        self.queue: list[dict[str, Any]] = []
        self.reader: DeviceSession | None = None  # the ID-card reader, from the first F2
        self.checked_uuid: str | None = None
        self.setWindowTitle(self.tr("Card pickup"))
        self.resize(1000, 620)
        self.summary = QLabel(self.tr("Loading…"))
        self.summary.setObjectName("photoStatus")
        self.status = QLabel(
            self.tr("Read the holder's ID card (F2) or choose the row, then hand over (Ctrl+Enter)")
        )
        self.status.setObjectName("hint")
        self.status.setWordWrap(True)
        self.table = make_table(
            [
                self.tr("Application no."),
                self.tr("Name"),
                self.tr("ID number"),
                self.tr("Phone (last 4)"),
                self.tr("Ready since"),
                self.tr("Waiting (days)"),
            ]
        )
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.card_button = QPushButton(self.tr("Read ID card (F2)"))
        self.card_button.clicked.connect(self.read_card)
        self.hand_button = QPushButton(self.tr("Hand over (Ctrl+Enter)"))
        self.hand_button.setObjectName("primary")
        self.hand_button.setEnabled(False)
        # not hand_over itself: clicked's "checked" (False) would arrive as confirm=False
        self.hand_button.clicked.connect(lambda _checked=False: self.hand_over())
        close = QPushButton(self.tr("Close (Esc)"))
        close.clicked.connect(self.reject)
        for b in (self.card_button, self.hand_button, close):
            b.setAutoDefault(False)
        shortcut(self, "F2", self.read_card)
        shortcut(self, "Ctrl+Return", self.hand_over)
        buttons = QHBoxLayout()
        buttons.addWidget(self.card_button)
        buttons.addStretch(1)
        buttons.addWidget(self.hand_button)
        buttons.addWidget(close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.summary)
        layout.addWidget(self.status)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.load()

    def load(self) -> None:
        self.bridge.op(desk.pickup_queue).success(self._show).run_in_background()

    def _show(self, queue: list[dict[str, Any]]) -> None:
        self.queue = queue
        fill_table(
            self.table,
            [
                [
                    q["number"],
                    q["name"],
                    q["id_masked"],
                    q["phone_tail"],
                    str(q["ready_at"] or "")[:10],
                    q["waited_days"],
                ]
                for q in queue
            ],
            [q["uuid"] for q in queue],
        )
        oldest = max((q["waited_days"] or 0 for q in queue), default=0)
        self.summary.setText(
            self.tr("%1 card(s) waiting; the oldest for %2 day(s)")
            .replace("%1", str(len(queue)))
            .replace("%2", str(oldest))
            if queue
            else self.tr("No cards waiting for pickup")
        )
        self._selection_changed()

    def _selection_changed(self) -> None:
        self.hand_button.setEnabled(row_key(self.table) is not None)

    def select(self, uuid: str) -> None:
        for r in range(self.table.rowCount()):
            if row_key(self.table, r) == uuid:
                self.table.selectRow(r)
                return

    # -- the holder's ID card ----------------------------------------------------------------
    def read_card(self) -> None:
        self.card_button.setEnabled(False)
        self.status.setText(self.tr("Reading the card…"))
        if self.reader is None:
            self.reader = self.bridge.devices.id_reader(self.settings, self)
        call = self.reader.read(wait=10)
        call.done.connect(self._card_read)
        call.failed.connect(self._card_failed)

    def _card_read(self, data: dict[str, Any]) -> None:
        self.card_button.setEnabled(True)
        idn = str((data.get("person") or {}).get("id_number") or "")
        self.bridge.op(lambda s: desk.find_in_queue(s, idn)).success(
            self._matched
        ).run_in_background()

    def _matched(self, uuid: str | None) -> None:
        if uuid is None:
            self.checked_uuid = None
            self.status.setText(self.tr("No card is waiting for this ID card's holder"))
            return
        self.checked_uuid = uuid
        self.select(uuid)
        self.status.setText(
            self.tr("ID card checked ✔ — the card is selected; hand over with Ctrl+Enter")
        )
        self.hand_button.setFocus()

    def _card_failed(self, exc: BaseException) -> None:
        self.card_button.setEnabled(True)
        self.status.setText(exc.message if isinstance(exc, StationError) else type(exc).__name__)

    # -- handover ----------------------------------------------------------------------------
    def hand_over(self, confirm: bool = True) -> None:
        uuid = row_key(self.table)
        if uuid is None or not self.hand_button.isEnabled():
            return
        checked = uuid == self.checked_uuid
        row = next(q for q in self.queue if q["uuid"] == uuid)
        if confirm:
            text = (
                self.tr("Hand over the card of %1 (%2)?")
                .replace("%1", row["name"] or "")
                .replace("%2", row["number"])
            )
            if not checked:
                text += "\n" + self.tr(
                    "The holder's ID card was not read: check the ID document by eye."
                )
            answer = QMessageBox.question(self, self.tr("Card pickup"), text)
            if answer != QMessageBox.StandardButton.Yes:
                return
        self.hand_button.setEnabled(False)
        self.bridge.op(lambda s: desk.record_handover(s, uuid, checked)).success(
            self._handed
        ).failure(self._failed).run_in_background()

    def _handed(self, result: dict[str, Any]) -> None:
        self.status.setText(self.tr("Handover recorded; it is sent with the next sync"))
        self.checked_uuid = None
        if self.sync is not None:
            self.sync.sync_now()
        self.load()

    def done(self, result: int) -> None:  # noqa: D102 - QDialog's; the reader goes off
        if self.reader is not None:
            self.reader.close()
        super().done(result)

    def _failed(self, exc: BaseException) -> None:
        self.status.setText(exc.message if isinstance(exc, StationError) else type(exc).__name__)
        self._selection_changed()


__all__ = ["PickupDialog"]
