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
from typing import Any, TypeVar

from devices.base import CardEvent, DeviceWorker
from devices.idcard.text import refuse_for_permit
from station.errors import DeviceError
from station.i18n import _

__all__ = ["IdCardReader", "refuse_for_permit", "POLL_SECONDS"]

log = logging.getLogger(__name__)
T = TypeVar("T")
POLL_SECONDS = 0.3
EventCallback = Callable[[CardEvent], None]


class IdCardReader(ABC):
    name = "idreader"

    def __init__(self) -> None:
        self._worker: DeviceWorker | None = None
        self._open_lock = threading.Lock()
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
    def _call(self, fn: Callable[[], T], timeout: float | None = 30) -> T:
        if self._worker is None:
            self.open()
        assert self._worker is not None
        return self._worker.call_sync(fn, timeout)

    def open(self) -> None:
        with self._open_lock:  # several threads may be the first to use the reader
            if self._worker is not None:
                return
            worker = DeviceWorker(self.name)
            try:
                worker.call_sync(self._open)
            except BaseException:
                worker.stop()
                raise
            self._worker = worker

    def close(self) -> None:
        self.stop()
        if self._worker is None:
            return
        try:
            self._worker.call_sync(self._close, timeout=10)
        finally:
            self._worker.stop()
            self._worker = None

    def __enter__(self) -> IdCardReader:
        self.open()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def sam_id(self) -> str:
        return self._call(self._sam_id)

    def read(self, wait: float = 10.0) -> dict[str, Any]:
        """Wait up to ``wait`` seconds for a card, then read it."""
        deadline = time.monotonic() + wait
        while True:
            if self._call(self._card_present):
                return self._call(self._read_card)
            if time.monotonic() + POLL_SECONDS > deadline:
                raise DeviceError(
                    "no_card",
                    _("No ID card was placed on the reader within {s:.0f} seconds", s=wait),
                )
            time.sleep(POLL_SECONDS)

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

    def _poll(self, on_event: EventCallback) -> None:
        present = False
        broken: str | None = None
        while not self._stop.is_set():
            try:
                if broken:
                    self._reopen()
                now = self._call(self._card_present)
                if broken:
                    broken = None
                    on_event(CardEvent("reconnected"))
                if now and not present:
                    on_event(CardEvent("placed"))
                    try:
                        on_event(CardEvent("read", data=self._call(self._read_card)))
                    except DeviceError as exc:
                        on_event(CardEvent("error", error=exc))
                elif present and not now:
                    on_event(CardEvent("removed"))
                present = now
            except DeviceError as exc:
                if exc.code != broken:
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
