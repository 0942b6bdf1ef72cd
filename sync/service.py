"""Background sync for the desktop: a thread with its own database connection that syncs on a
schedule and on demand, and reports its state through a plain callback (the UI adapter turns it
into a Qt signal). Intake never waits for it."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from station import outbox
from station.errors import StationError
from station.store import Store
from sync.client import RetryLater, SyncClient, backoff_delay
from sync.lock import SyncBusy, one_sync_at_a_time

BUSY_DELAY = 30.0  # another sync (``station sync`` at a terminal) holds the lock: look again

log = logging.getLogger(__name__)


class SyncService:
    def __init__(
        self,
        store: Store,
        interval: float = 600.0,
        on_state: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        self._store = store.clone()
        self.interval = interval
        self.on_state = on_state
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="sync-service", daemon=True)
        self.attempt = 0

    def start(self) -> None:
        self._thread.start()

    def sync_now(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout)

    def _report(self, **extra: Any) -> None:
        if self.on_state is None:
            return
        state = outbox.summary(self._store.conn)
        state.update(extra)
        self.on_state(state)

    def _run(self) -> None:
        try:
            while not self._stop.is_set():
                delay = self.interval
                try:
                    with one_sync_at_a_time(self._store, wait=0):
                        self._report(running=True)
                        counts = SyncClient(self._store, timeout=30).sync_once()
                    self.attempt = 0
                    self._report(running=False, last=counts)
                except SyncBusy as exc:
                    delay = min(self.interval, BUSY_DELAY)
                    self._report(running=False, error=exc.message)
                except RetryLater as exc:
                    self.attempt += 1
                    delay = min(self.interval, backoff_delay(self.attempt, exc.after))
                    self._report(running=False, error=exc.why)
                except StationError as exc:  # not enrolled, refused: wait for a person
                    self._report(running=False, error=exc.message, stopped=exc.code)
                except Exception as exc:  # noqa: BLE001 - keep the service alive, say why
                    log.exception("sync failed")
                    self._report(running=False, error=type(exc).__name__)
                self._wake.wait(delay)
                self._wake.clear()
        finally:
            self._store.close()
