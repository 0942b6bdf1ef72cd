"""Turns the core's threads and callbacks into Qt signals (Plover's ``gui_qt.Engine``).

Widgets talk to ``StationBridge``: it owns the ``DbWorker`` and posts every callback to the Qt
main thread, so no widget ever touches a thread or blocks on the database. Its ``devices`` is
the ``DeviceBridge`` (``ui.device_bridge``) for the card readers and the camera.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from station.worker import DbWorker, Op
from ui.dispatch import MainThreadDispatcher, run_in_thread
from ui.qt import QObject, Signal

if TYPE_CHECKING:
    from station.profile import Profile
    from ui.device_bridge import DeviceBridge


class StationBridge(QObject):
    busy = Signal(str)  # label of the running operation, "" when idle
    error = Signal(object)  # an exception nobody else handled

    def __init__(self, store: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.dispatch = MainThreadDispatcher(self)
        # the station profile (the city's districts and communities) for the intake's pickers
        # and checks: read once here, before the worker owns the store; refresh_profile()
        # picks up a new one (sync installs the central service's)
        self.profile: Profile | None = store.station_profile()
        self.worker = DbWorker(
            store,
            dispatch=self.dispatch,
            on_busy=lambda label: self.dispatch(lambda: self.busy.emit(label or "")),
        )
        self.operator = store.operator
        self.role = store.role
        self.station_code = store.station_code
        self._devices: DeviceBridge | None = None

    @property
    def devices(self) -> DeviceBridge:
        """The card readers and the camera (made on first use: the drivers load then)."""
        if self._devices is None:
            from ui.device_bridge import DeviceBridge

            self._devices = DeviceBridge(self)
        return self._devices

    def can(self, permission: str) -> bool:
        return self.worker.can(permission)

    def op(self, fn: Callable[[Any], Any]) -> Op[Any]:
        return Op(self.worker, fn).failure(self.error.emit)

    def refresh_profile(self) -> None:
        self.op(lambda s: s.station_profile()).success(self._set_profile).run_in_background()

    def _set_profile(self, profile: Profile | None) -> None:
        self.profile = profile

    def stop(self) -> None:
        if self._devices is not None:
            self._devices.stop()
        self.worker.stop()


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


__all__ = ["MainThreadDispatcher", "StationBridge", "SyncBridge", "run_in_thread"]
