"""The residence-permit card reader/writer (签证阅读设备): interface and shared plumbing.

``PermitCardReader`` is what the core, the CLI and the UI adapter use; drivers subclass it:
``permit.pcsc`` (:class:`devices.permit.driver.PcscPermitCardReader`, pyscard) and ``permit.sim``
(:class:`devices.permit.sim.SimulatedPermitCardReader`). Every card operation runs on the
reader's own device thread (:class:`devices.base.DeviceBase`); public methods wait for it (the UI calls
them through its adapter, never from the Qt main thread). ``start(on_event)`` reports
``placed`` / ``read`` / ``error`` / ``removed`` :class:`devices.base.CardEvent` objects from a
watcher thread; ``read`` events carry the same dict as :meth:`PermitCardReader.read`.

Record shape returned by ``read``::

    {"person": {"id_number", "name", "sex", "ethnic", "birth_date", "hukou_address"},
     "residence": {"address"},
     "permit": {"number", "authority", "issue_date", "endorsements": [{"year", "station", "date"}]}}
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

from devices.base import CardEvent, DeviceBase
from devices.permit.apdu import (
    AlreadyEndorsedError,
    PermitCardError,
    check_endorsement,
    parse_endorse_key,
)
from station.errors import StationError

__all__ = ["AlreadyEndorsedError", "EventCallback", "PermitCardError", "PermitCardReader"]

log = logging.getLogger(__name__)
EventCallback = Callable[[CardEvent], None]
Changed = Callable[[str, bool], None]


class PermitCardReader(DeviceBase, ABC):
    """A PC/SC-style reader holding (or waiting for) one residence-permit card."""

    name = "permit"
    close_timeout = 15.0

    def __init__(self) -> None:
        super().__init__()
        self._watch_thread: threading.Thread | None = None
        self._watch_stop = threading.Event()
        self._on_event: EventCallback | None = None

    # -- operations -----------------------------------------------------------------------------
    def readers(self) -> list[str]:
        """Names of the readers the driver sees (``reader_missing`` / ``pcscd_not_running`` when
        the stack is not there)."""
        return self._call(self._readers)

    def read(self, wait: float = 10.0) -> dict[str, Any]:
        """Wait up to ``wait`` seconds for a card and read it completely (typed errors: ``no_card``,
        ``card_removed``, ``not_permit_card``, ``tlv_overrun``, …)."""
        return self._call(lambda: self._read(wait, None))

    def endorse(
        self,
        year: int,
        station_code: str,
        key: bytes | str,
        date: dt.date,
        *,
        wait: float = 0.0,
        expect_permit: str | None = None,
    ) -> dict[str, Any]:
        """Write ``year``'s endorsement (station ``station_code``, ``date``) with the 16-byte key
        (bytes, or the configured 32 hex digits), waiting up to ``wait`` s for the card.

        Reads the records first; raises :class:`AlreadyEndorsedError` (code ``already_endorsed``,
        exit 4) without writing when that year is on the card, ``file_full`` without writing
        when 10 records are there. Returns the card as read back after the write, with
        ``endorsed`` = ``{"year", "station", "date"}``."""
        check_endorsement(year, station_code)
        key16 = parse_endorse_key(key)
        if expect_permit is None:
            return self._call(lambda: self._endorse(year, station_code, key16, date, wait))
        return self._call(
            lambda: self._endorse(year, station_code, key16, date, wait, expect_permit)
        )

    # -- events ---------------------------------------------------------------------------------
    def start(self, on_event: EventCallback) -> None:
        """Report card events to ``on_event`` (called from a device thread) until ``stop()``.
        A card already in the reader is reported as placed and read."""
        self.open()
        if self._watch_thread is not None:
            raise RuntimeError("already started")
        self._on_event = on_event
        self._watch_stop.clear()
        self._watch_thread = threading.Thread(
            target=self._watch_main, name=f"{self.name}-watch", daemon=True
        )
        self._watch_thread.start()

    def stop(self) -> None:
        thread = self._watch_thread
        if thread is None:
            return
        self._watch_stop.set()
        self._wake_watch()
        if thread is not threading.current_thread():  # a listener on the watcher may stop it
            thread.join(10)
        self._watch_thread = None
        self._on_event = None

    def _emit(self, event: CardEvent) -> None:
        callback = self._on_event
        if callback is None:
            return
        try:
            callback(event)
        except Exception:  # noqa: BLE001 - a faulty listener must not kill the device thread
            log.exception("permit card event listener failed")

    def _watch_main(self) -> None:
        try:
            self._watch(self._watch_stop, self._changed)
        except StationError as exc:
            self._emit(CardEvent("error", error=exc))
        except Exception as exc:  # noqa: BLE001 - reported as an event, never a dead thread
            log.exception("permit card watcher failed")
            self._emit(CardEvent("error", error=exc))

    def _changed(self, reader: str, present: bool) -> None:
        if not present:
            self._emit(CardEvent("removed", {"reader": reader}))
            return
        self._emit(CardEvent("placed", {"reader": reader}))
        if not self._ready():
            return
        future = self._submit(lambda: self._read(0.5, reader))

        def done(fut: Any) -> None:
            exc = fut.exception()
            if exc is None:
                self._emit(CardEvent("read", fut.result()))
            else:
                self._emit(CardEvent("error", {"reader": reader}, exc))

        future.add_done_callback(done)

    # -- what a driver provides (besides DeviceBase's _open and _close) --------------------------
    def _wake_watch(self) -> None:  # noqa: B027 - optional hook
        """Interrupt a blocking ``_watch`` wait so that it sees the stop flag."""

    @abstractmethod
    def _readers(self) -> list[str]: ...

    @abstractmethod
    def _read(self, wait: float, reader: str | None) -> dict[str, Any]: ...

    @abstractmethod
    def _endorse(
        self,
        year: int,
        station: str,
        key: bytes,
        date: dt.date,
        wait: float,
        expect_permit: str | None = None,
    ) -> dict[str, Any]: ...

    @abstractmethod
    def _watch(self, stop: threading.Event, changed: Changed) -> None:
        """Block until ``stop`` is set, calling ``changed(reader, present)`` on every card
        insertion/removal (and once for a card already present)."""
