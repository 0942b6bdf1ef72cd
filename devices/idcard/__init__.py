"""Second-generation ID card readers: the ``IdCardReader`` interface and its poll loop.

Drivers: ``idreader.serial`` (:class:`devices.idcard.driver.SerialIdCardReader`, the SAM serial
protocol through pyserial) and ``idreader.sim`` (:class:`devices.idcard.sim.SimulatedIdCardReader`).
Every exchange with the reader runs on the reader's own ``DeviceWorker`` thread. ``read(wait)``
blocks (CLI, tests); ``start(on_event)`` polls for a card every 300 ms on a watcher thread and
reports ``placed`` → ``read`` (or ``error``) → ``removed`` events; the UI adapter turns them into
signals. A read either returns a complete, checked record or raises a typed ``DeviceError``.

Record shape: ``{"person": {name, sex, ethnic, birth_date, hukou_address, id_number,
id_authority, id_valid_from, id_valid_to}, "card": {"type", …, "wlt": bytes}}``.
"""

from __future__ import annotations

import logging
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

from devices.base import CardEvent, DeviceBase
from devices.idcard.text import refuse_for_permit
from station.errors import DeviceError
from station.i18n import _

__all__ = ["IdCardReader", "refuse_for_permit", "POLL_SECONDS", "TRANSIENT"]

log = logging.getLogger(__name__)
POLL_SECONDS = 0.3
RETRY_PAUSE = 0.05  # before asking again after a garbled reply (lets the line settle)
PLACED_RETRY_SECONDS = 3.0  # how long the poll loop retries the read of a card just placed
# Errors of one reply that the next exchange may not have: a frame garbled or cut short on a
# noisy cable, one reply that did not come in time. Everything else (a status from the
# module, an unplugged reader, an ineligible card) is final.
TRANSIENT = frozenset({"frame_checksum", "frame_truncated", "frame_length", "reader_timeout"})
EventCallback = Callable[[CardEvent], None]


class IdCardReader(DeviceBase, ABC):
    name = "idreader"
    call_timeout = 30.0
    close_timeout = 10.0

    def __init__(self) -> None:
        super().__init__()
        self._watch: threading.Thread | None = None
        self._stop = threading.Event()

    # -- the driver's part (always called on the device thread) ------------------------------
    @abstractmethod
    def _open(self) -> None: ...

    @abstractmethod
    def _close(self) -> None: ...

    @abstractmethod
    def _card_present(self) -> bool:
        """Find card: True when a card lies on the reader."""

    @abstractmethod
    def _read_card(self) -> dict[str, Any]:
        """Select and read the card; a complete record or a typed error."""

    def _sam_id(self) -> str:
        return ""

    # -- shared ----------------------------------------------------------------------------------
    def sam_id(self) -> str:
        return self._call(self._sam_id)

    def read(self, wait: float = 10.0) -> dict[str, Any]:
        """Wait up to ``wait`` seconds for a card, then read it.

        A garbled or missing reply (``TRANSIENT``: bad checksum, a frame cut short, one reply
        that timed out) is asked again within the wait — a noisy cable corrupts a frame now and
        then, and the next try usually works; when the wait is over the last such error is
        raised. Any other error is raised at once."""
        deadline = time.monotonic() + wait
        while True:
            failed: DeviceError | None = None
            try:
                if self._call(self._card_present):
                    return self._call(self._read_card)
                pause = POLL_SECONDS
            except DeviceError as exc:
                if exc.code not in TRANSIENT:
                    raise
                log.info("ID reader: %s, asking again", exc.code)
                failed, pause = exc, RETRY_PAUSE
            if time.monotonic() + pause > deadline:
                if failed is not None:
                    raise failed
                raise DeviceError(
                    "no_card",
                    _("No ID card was placed on the reader within {s:.0f} seconds", s=wait),
                )
            time.sleep(pause)

    def start(self, on_event: EventCallback) -> None:
        """Report card placed/read/removed/error events until ``stop``."""
        if self._watch is not None:
            return
        self._stop.clear()
        self._watch = threading.Thread(
            target=self._poll, args=(on_event,), name=f"{self.name}-poll", daemon=True
        )
        self._watch.start()

    def stop(self) -> None:
        self._stop.set()
        if self._watch is not None and self._watch is not threading.current_thread():
            self._watch.join(5)
        self._watch = None

    def _read_placed(self) -> dict[str, Any]:
        """Read the card just found, asking again after a garbled reply for a few seconds."""
        deadline = time.monotonic() + PLACED_RETRY_SECONDS
        while True:
            try:
                return self._call(self._read_card)
            except DeviceError as exc:
                if exc.code not in TRANSIENT or time.monotonic() + RETRY_PAUSE > deadline:
                    raise
                log.info("ID reader: %s while reading, asking again", exc.code)
            if self._stop.wait(RETRY_PAUSE):
                raise DeviceError("reader_stopped", _("The ID card reader was stopped"))

    def _poll(self, on_event: EventCallback) -> None:
        present = False
        broken: str | None = None
        garbled = 0  # garbled find-card replies in a row, not reported while few
        while not self._stop.is_set():
            try:
                if broken:
                    self._reopen()
                now = self._call(self._card_present)
                garbled = 0
                if broken:
                    broken = None
                    on_event(CardEvent("reconnected"))
                if now and not present:
                    on_event(CardEvent("placed"))
                    try:
                        on_event(CardEvent("read", data=self._read_placed()))
                    except DeviceError as exc:
                        on_event(CardEvent("error", error=exc))
                elif present and not now:
                    on_event(CardEvent("removed"))
                present = now
            except DeviceError as exc:
                if exc.code in TRANSIENT and garbled < 2:
                    garbled += 1
                    log.info("ID reader poll: %s, asking again", exc.code)
                elif exc.code != broken:
                    on_event(CardEvent("error", error=exc))
                if exc.code in ("reader_missing", "reader_unplugged", "reader_permission"):
                    broken = exc.code
                    present = False
            except Exception as exc:  # noqa: BLE001 - a driver bug must not end the loop
                log.exception("ID reader poll failed")
                on_event(CardEvent("error", error=exc))
            self._stop.wait(POLL_SECONDS if not broken else 1.0)

    def _reopen(self) -> None:
        def again() -> None:
            self._close()
            self._open()

        self._call(again)
