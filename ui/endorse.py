"""Yearly endorsement (签注): read the permit card, match it to the holder's record (or create
the record from the card for a holder registered before this station existed), check the holder
still qualifies, update address or employer if needed, write this year's endorsement to the card,
record it and send the record with the next sync.

The endorsement is recorded as 'writing' before the card is written, so nothing can be on a card
that the station has not recorded; a card swapped after the check is refused unwritten, and a
card pulled during the write leaves the endorsement 'uncertain' until the card is read again.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from station import desk
from station.desk import endorse_outcome
from station.errors import StationError
from station.validation import eligibility
from ui.adapter import StationBridge
from ui.device_bridge import DeviceSession
from ui.qt import (
    QDialog,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
    shortcut,
)

FAILED_BEFORE_WRITE = "failed"


class EndorseDialog(QDialog):
    def __init__(
        self,
        bridge: StationBridge,
        settings: dict[str, str],
        parent: QWidget | None = None,
        year: int | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("endorse")
        self.bridge, self.settings = bridge, settings
        self.year = year or dt.date.today().year
        self.card: dict[str, Any] | None = None
        self.record: dict[str, Any] | None = None
        self.endorsed: dict[str, Any] | None = None
        self.rounds = 0  # finished reads and writes (for tests and probes)
        self.eligible = False  # of the matched record, checked when it is matched
        self.reader: DeviceSession | None = None
        self.setWindowTitle(self.tr("Yearly endorsement %1").replace("%1", str(self.year)))
        self.resize(900, 560)
        self.step_card = QLabel(
            self.tr("1. Place the residence permit card on the reader and read it (F2)")
        )
        self.step_card.setObjectName("hint")
        self.step_card.setWordWrap(True)
        self.holder = QLabel("")
        self.holder.setObjectName("photoStatus")
        self.holder.setWordWrap(True)
        self.match = QLabel("")
        self.match.setWordWrap(True)
        self.check = QLabel("")
        self.check.setWordWrap(True)
        self.outcome = QLabel("")
        self.outcome.setObjectName("photoStatus")
        self.outcome.setWordWrap(True)
        self.read_button = QPushButton(self.tr("Read permit card (F2)"))
        self.read_button.setObjectName("primary")
        self.read_button.clicked.connect(self.read_card)
        self.create_button = QPushButton(self.tr("Create the record from the card"))
        self.create_button.clicked.connect(self.create_record)
        self.create_button.hide()
        self.update_button = QPushButton(self.tr("Update address or employer"))
        self.update_button.clicked.connect(self.update_record)
        self.update_button.setEnabled(False)
        self.write_button = QPushButton(self.tr("Write the endorsement (Ctrl+Enter)"))
        self.write_button.setObjectName("primary")
        self.write_button.setEnabled(False)
        self.write_button.clicked.connect(self.write)
        close = QPushButton(self.tr("Close (Esc)"))
        close.clicked.connect(self.reject)
        for b in (
            self.read_button,
            self.create_button,
            self.update_button,
            self.write_button,
            close,
        ):
            b.setAutoDefault(False)
        shortcut(self, "F2", self.read_card)
        shortcut(self, "Ctrl+Return", self.write)
        row = QHBoxLayout()
        row.addWidget(self.read_button)
        row.addWidget(self.create_button)
        row.addWidget(self.update_button)
        row.addStretch(1)
        buttons = QHBoxLayout()
        buttons.addWidget(self.outcome, 1)
        buttons.addWidget(self.write_button)
        buttons.addWidget(close)
        card_box = QGroupBox(self.tr("The card"))
        QVBoxLayout(card_box).addWidget(self.holder)
        record_box = QGroupBox(self.tr("The holder's record and eligibility"))
        rl = QVBoxLayout(record_box)
        rl.addWidget(self.match)
        rl.addWidget(self.check)
        self.holder.setText(self.tr("No card read yet"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.step_card)
        layout.addLayout(row)
        layout.addWidget(card_box)
        layout.addWidget(record_box)
        layout.addStretch(1)
        layout.addLayout(buttons)

    # -- read and match ----------------------------------------------------------------------
    def _reader(self) -> DeviceSession:
        """The permit reader this screen keeps open from the check to the write (one reader
        session, as a card terminal does); released when the screen closes."""
        if self.reader is None:
            self.reader = self.bridge.devices.permit_reader(self.settings, self)
        return self.reader

    def done(self, result: int) -> None:
        """The reader is released with the screen, off the main thread: a read still waiting
        for a card ends first (up to its 10 s), and the window must not wait for it."""
        if self.reader is not None:
            self.reader.close()
            self.reader = None
        super().done(result)

    def read_card(self) -> None:
        if not self.read_button.isEnabled():
            return
        self.read_button.setEnabled(False)
        self.write_button.setEnabled(False)
        self.outcome.setText(self.tr("Reading the card…"))
        call = self._reader().read(wait=10)
        call.done.connect(self._card_read)
        call.failed.connect(self._device_failed)

    def _card_read(self, card: dict[str, Any]) -> None:
        self.read_button.setEnabled(True)
        self.card, self.endorsed = card, None
        person, permit = card.get("person") or {}, card.get("permit") or {}
        years = sorted(int(e.get("year", 0)) for e in permit.get("endorsements") or [])
        self.holder.setText(
            self.tr("%1 · permit %2 · endorsed: %3")
            .replace("%1", str(person.get("name", "")))
            .replace("%2", str(permit.get("number", "")))
            .replace("%3", "、".join(map(str, years)) or self.tr("none yet"))
        )
        self.outcome.setText("")

        def work(s: Any) -> Any:  # the newest record of the holder (or None)
            s.settle_endorsements(card)
            return desk.card_person(s, str(person.get("id_number", "")))

        self.bridge.op(work).success(self._matched).failure(self._failed).run_in_background()

    def _matched(self, record: dict[str, Any] | None) -> None:
        self.rounds += 1
        self.record = record
        self.eligible = False
        self.create_button.setVisible(record is None)
        self.update_button.setEnabled(record is not None)
        if record is None:
            self.match.setText(
                self.tr(
                    "This holder has no record at this station (registered "
                    "before it existed): create it from the card first"
                )
            )
            self.check.setText("")
            self._update_write()
            return
        self.match.setText(
            self.tr("Record: application %1, version %2")
            .replace("%1", record["number"])
            .replace("%2", str(record["version"]))
        )
        info = eligibility(record, dt.date.today())
        self.eligible = bool(info["eligible"])
        if info["eligible"]:
            self.check.setText(self.tr("Still qualifies ✔"))
            self.check.setObjectName("hint")
        else:
            from station.i18n import _ as core_text
            from station.validation import MESSAGES

            self.check.setText(
                self.tr("Does not qualify now: %1 — update the record first").replace(
                    "%1", "；".join(core_text(MESSAGES.get(r, r)) for r in info["reasons"])
                )
            )
            self.check.setObjectName("error")
        self.check.style().unpolish(self.check)
        self.check.style().polish(self.check)
        self._update_write()

    def _update_write(self) -> None:
        already = self.already_endorsed()
        if already:
            self.outcome.setText(
                self.tr("This card is already endorsed for %1; nothing to write").replace(
                    "%1", str(self.year)
                )
            )
        self.write_button.setEnabled(
            self.card is not None
            and self.record is not None
            and self.eligible
            and not already
            and self.endorsed is None
        )
        if self.write_button.isEnabled():
            self.write_button.setFocus()

    def already_endorsed(self) -> bool:
        if self.card is None:
            return False
        return any(
            int(e.get("year", 0)) == self.year
            for e in (self.card.get("permit") or {}).get("endorsements") or []
        )

    # -- record ------------------------------------------------------------------------------
    def create_record(self) -> None:
        if self.card is None:
            return
        from ui.intake import IntakeDialog

        person = {k: v for k, v in (self.card.get("person") or {}).items() if v}
        self.editor = IntakeDialog(self.bridge, self.settings, self, kind="endorsement")
        self.editor.load_record({"person": person, "services": []})
        for path in self.editor.edits:
            if (
                path.startswith("person.")
                and path != "person.phone"
                and self.editor.edits[path].text()
            ):
                self.editor._mark_from_card(self.editor.edits[path])
        self.editor.finished.connect(self._record_changed)
        self.editor.show()

    def update_record(self) -> None:
        if self.record is None:
            return
        from ui.intake import IntakeDialog

        self.editor = IntakeDialog(
            self.bridge, self.settings, self, correct=self.record, kind="endorsement"
        )
        self.editor.finished.connect(self._record_changed)
        self.editor.show()

    def _record_changed(self, _result: int) -> None:
        if self.card is not None and getattr(self.editor, "saved", None):
            idn = str((self.card.get("person") or {}).get("id_number", ""))
            self.bridge.op(lambda s: desk.card_person(s, idn)).success(
                self._matched
            ).run_in_background()

    # -- write -------------------------------------------------------------------------------
    def write(self) -> None:
        if not self.write_button.isEnabled() or self.card is None or self.record is None:
            return
        self.write_button.setEnabled(False)
        self.read_button.setEnabled(False)
        card, record, year, today = self.card, self.record, self.year, dt.date.today()
        permit = str((card.get("permit") or {}).get("number", ""))
        self.outcome.setText(self.tr("Writing the endorsement — keep the card on the reader…"))

        def prepare(s: Any) -> str:
            s.begin_endorsement(card, year, today, record["uuid"])
            return str(s.endorse_key())

        def written(new_card: dict[str, Any]) -> None:
            def finish(s: Any) -> dict[str, Any]:
                s.finish_endorsement(new_card, year, "done", record["uuid"])
                if record.get("kind") != "endorsement":  # goes to the service as its kind
                    clean = {
                        k: v
                        for k, v in record.items()
                        if k
                        not in (
                            "uuid",
                            "number",
                            "captured_at",
                            "operator",
                            "version",
                            "state",
                            "photo",
                        )
                    }
                    clean["kind"] = "endorsement"
                    s.correct_application(record["uuid"], clean)
                return new_card

            self.bridge.op(finish).success(self._written).failure(self._failed).run_in_background()

        def failed(exc: BaseException) -> None:
            outcome = endorse_outcome(exc) if isinstance(exc, Exception) else "failed"
            self.bridge.op(
                lambda s: s.finish_endorsement(card, year, outcome, record["uuid"])
            ).run_in_background()
            self._device_failed(exc)
            if outcome == "uncertain":
                self.outcome.setText(
                    self.tr(
                        "The card was removed during the write: put it "
                        "back and read it (F2) to see whether the "
                        "endorsement is on it"
                    )
                )

        def with_key(key: str) -> None:
            call = self._reader().endorse(
                year, self.bridge.station_code, key, today, wait=5, expect_permit=permit
            )
            call.done.connect(written)
            call.failed.connect(failed)

        self.bridge.op(prepare).success(with_key).failure(self._failed).run_in_background()

    def _written(self, card: dict[str, Any]) -> None:
        self.rounds += 1
        self.endorsed = card.get("endorsed") or {"year": self.year}
        self.card = card
        self.read_button.setEnabled(True)
        self.outcome.setText(
            self.tr("Endorsed for %1 ✔ — recorded, and sent with the next sync").replace(
                "%1", str(self.year)
            )
        )

    def _device_failed(self, exc: BaseException) -> None:
        self.rounds += 1
        self.read_button.setEnabled(True)
        self.outcome.setText(exc.message if isinstance(exc, StationError) else type(exc).__name__)
        self._update_write()

    def _failed(self, exc: BaseException) -> None:
        self._device_failed(exc)


__all__ = ["EndorseDialog"]
