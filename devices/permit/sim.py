"""``permit.sim``: a simulated permit-card reader for the demo and UI tests.

It holds an in-process emulated card (:class:`devices.permit.emulator.PermitCard`) and talks
to it through the same :class:`devices.permit.card.CardSession` as the PC/SC driver, so the
records, endorsements, MAC checks and typed errors are the real ones. Settings (strings, as
they come from ``station config``): ``endorsements`` (how many the synthetic holder has, default
2), ``holder`` (which synthetic holder, default 0), ``error`` (a failure to produce on request,
see ``ERRORS``), ``endorse_key`` (the card's key; the station's configured key, so that the
demo's endorsements are accepted), ``delay`` (seconds a read takes, default 0.05).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from typing import Any

from devices.permit import Changed, PermitCardReader
from devices.permit.apdu import PermitCardError, parse_endorse_key
from devices.permit.card import CardSession
from devices.permit.driver import card_removed, no_card, pcsc_error, reader_missing
from devices.permit.emulator import DEMO_KEY, CardOptions, PermitCard
from station.errors import UsageError
from station.i18n import _

READER = "Simulated permit reader 0"
ERRORS = (
    "",
    "no_card",
    "card_removed",
    "not_permit_card",
    "tlv_overrun",
    "endorse_refused",
    "file_full",
    "wrong_length",
    "unexpected_status",
    "reader_missing",
    "pcscd_not_running",
    "card_data_invalid",
)
NO_SERVICE = 0x8010001D


class SimulatedPermitCardReader(PermitCardReader):
    name = "permit-sim"

    def __init__(
        self,
        endorsements: int | str = 2,
        holder: int | str = 0,
        error: str = "",
        endorse_key: str | bytes | None = None,
        delay: float | str = 0.05,
        inserted: bool | str = True,
        **_ignored: Any,
    ) -> None:
        super().__init__()
        if error not in ERRORS:
            raise UsageError(
                "sim_error_unknown",
                _(
                    "Unknown simulated error {error!r}; one of: {errors}",
                    error=error,
                    errors=", ".join(e for e in ERRORS if e),
                ),
            )
        self.error = error
        self.endorsements = int(endorsements)
        self.holder = int(holder)
        self.delay = float(delay)
        self.key = DEMO_KEY if not endorse_key else parse_endorse_key(endorse_key)
        self._cond = threading.Condition()
        self._card: PermitCard | None = None
        self._generation = 0
        if inserted not in (False, "0", "false", "no"):
            self.insert()

    # -- the simulated card -----------------------------------------------------------------------
    def make_card(self, index: int | None = None) -> PermitCard:
        """The synthetic card for holder ``index`` with this reader's error setting applied."""
        index = self.holder if index is None else index
        options = CardOptions()
        count = self.endorsements
        holder: dict[str, Any] = {}
        if self.error == "not_permit_card":
            options.not_permit = 0x6D00
        elif self.error == "endorse_refused":
            options.inject["append_record"] = 0x6982
        elif self.error == "wrong_length":
            options.inject["read_binary"] = 0x6700
        elif self.error == "unexpected_status":
            options.inject["read_record"] = 0x6F00
        elif self.error == "file_full":
            count = 10
        elif self.error == "tlv_overrun":
            holder["overrun"] = True
        card = PermitCard.build(index, min(count, 10), key=self.key, options=options, **holder)
        if self.error == "card_data_invalid":
            card.records = [b"20x5" + card.records[0][4:]] if card.records else [b"\x00" * 32]
        return card

    def insert(self, card: PermitCard | None = None) -> None:
        """Put ``card`` (default: the next synthetic holder) on the reader."""
        with self._cond:
            if card is None:
                card = self.make_card(self.holder + self._generation)
            self._card = card
            self._generation += 1
            self._cond.notify_all()

    def remove(self) -> None:
        with self._cond:
            self._card = None
            self._generation += 1
            self._cond.notify_all()

    @property
    def card(self) -> PermitCard | None:
        return self._card

    def _wait_card(self, wait: float) -> PermitCard:
        if self.error == "pcscd_not_running":
            raise pcsc_error(NO_SERVICE)
        if self.error == "reader_missing":
            raise reader_missing(None)
        deadline = time.monotonic() + max(0.0, wait)
        with self._cond:
            while self._card is None or self.error == "no_card":
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise no_card(wait)
                self._cond.wait(remaining)
            card = self._card
            card.reset()
            return card

    def _session(self, card: PermitCard) -> CardSession:
        calls = 0

        def transmit(command: bytes) -> bytes:
            nonlocal calls
            calls += 1
            if self._card is not card or (self.error == "card_removed" and calls > 1):
                raise card_removed()
            return card.process(command)

        return CardSession(transmit)

    # -- driver hooks -----------------------------------------------------------------------------
    def _readers(self) -> list[str]:
        if self.error == "pcscd_not_running":
            raise pcsc_error(NO_SERVICE)
        return [] if self.error == "reader_missing" else [READER]

    def _read(self, wait: float, reader: str | None) -> dict[str, Any]:
        card = self._wait_card(wait)
        if self.delay:
            time.sleep(self.delay)
        return self._session(card).read_card()

    def _endorse(
        self,
        year: int,
        station: str,
        key: bytes,
        date: dt.date,
        wait: float,
        expect_permit: str | None = None,
    ) -> dict[str, Any]:
        card = self._wait_card(wait)
        return self._session(card).endorse(year, station, key, date, expect_permit)

    def _wake_watch(self) -> None:
        with self._cond:
            self._cond.notify_all()

    def _watch(self, stop: threading.Event, changed: Changed) -> None:
        seen_generation, present = -1, False
        while not stop.is_set():
            with self._cond:
                if self._generation == seen_generation:
                    self._cond.wait(1.0)
                    continue
                seen_generation = self._generation
                now = self._card is not None and self.error != "no_card"
            if present:
                changed(READER, False)
            if now:
                changed(READER, True)
            present = now


__all__ = ["ERRORS", "READER", "PermitCardError", "SimulatedPermitCardReader"]
