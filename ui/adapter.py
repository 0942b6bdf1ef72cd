"""Turns the core's threads and callbacks into Qt signals (Plover's ``gui_qt.Engine``).

Widgets talk to ``StationBridge``: it owns the ``DbWorker`` and posts every callback to the Qt
main thread, so no widget ever touches a thread or blocks on the database.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from station.worker import DbWorker, Op
from ui.qt import QObject, Qt, Signal


class MainThreadDispatcher(QObject):
    """Calls functions on the thread this object lives in (the Qt main thread)."""

    _call = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._call.connect(self._run, Qt.ConnectionType.QueuedConnection)

    def __call__(self, fn: Callable[[], None]) -> None:
        self._call.emit(fn)

    def _run(self, fn: Callable[[], None]) -> None:
        fn()


class StationBridge(QObject):
    busy = Signal(str)  # label of the running operation, "" when idle
    error = Signal(object)  # an exception nobody else handled

    def __init__(self, store: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.dispatch = MainThreadDispatcher(self)
        self.worker = DbWorker(
            store,
            dispatch=self.dispatch,
            on_busy=lambda label: self.dispatch(lambda: self.busy.emit(label or "")),
        )
        self.operator = store.operator
        self.role = store.role
        self.station_code = store.station_code

    def can(self, permission: str) -> bool:
        return self.worker.can(permission)

    def op(self, fn: Callable[[Any], Any]) -> Op[Any]:
        return Op(self.worker, fn).failure(self.error.emit)

    def stop(self) -> None:
        self.worker.stop()


def run_in_thread(
    fn: Callable[[], Any],
    dispatch: Callable[[Callable[[], None]], None],
    on_done: Callable[[Any], None],
    on_error: Callable[[BaseException], None],
) -> threading.Thread:
    """Run ``fn`` on a short-lived thread (login's key derivation) and report on the main thread."""

    def body() -> None:
        try:
            result = fn()
        except Exception as exc:  # noqa: BLE001 - reported to the caller
            error = exc
            dispatch(lambda: on_error(error))
            return
        dispatch(lambda: on_done(result))

    t = threading.Thread(target=body, name="ui-task", daemon=True)
    t.start()
    return t


def read_device(
    kind: str,
    settings: dict[str, str],
    action: Callable[[Any], Any],
    dispatch: Callable[[Callable[[], None]], None],
    on_done: Callable[[Any], None],
    on_error: Callable[[BaseException], None],
) -> threading.Thread:
    """Open the configured ``kind`` device, run ``action(device)`` and close it, off the main
    thread; the outcome is reported on the main thread."""
    import devices

    def work() -> Any:
        device = devices.open_device(kind, settings)
        try:
            return action(device)
        finally:
            device.close()

    return run_in_thread(work, dispatch, on_done, on_error)


def read_id_card(
    settings: dict[str, str],
    dispatch: Callable[[Callable[[], None]], None],
    on_done: Callable[[Any], None],
    on_error: Callable[[BaseException], None],
) -> threading.Thread:
    """One ID card read (waiting up to 10 s for the card)."""
    return read_device("idreader", settings, lambda r: r.read(wait=10), dispatch, on_done, on_error)


class SyncBridge(QObject):
    """The background sync service, its state as a Qt signal."""

    state_changed = Signal(object)  # outbox summary + running/error keys

    def __init__(self, store: Any, interval: float, parent: QObject | None = None) -> None:
        super().__init__(parent)
        from sync.service import SyncService

        self.dispatch = MainThreadDispatcher(self)
        self.last: dict[str, Any] = {}
        self.service = SyncService(
            store, interval, on_state=lambda st: self.dispatch(lambda: self._changed(st))
        )

    def _changed(self, state: dict[str, Any]) -> None:
        self.last = state
        self.state_changed.emit(state)

    def start(self) -> None:
        self.service.start()

    def sync_now(self) -> None:
        self.service.sync_now()

    def stop(self) -> None:
        self.service.stop()
