"""Getting back to the Qt main thread: ``MainThreadDispatcher`` calls a function on the thread
it lives in, and ``run_in_thread`` runs short work (login's key derivation) off it."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from ui.qt import QObject, Qt, Signal

Dispatch = Callable[[Callable[[], None]], None]


class MainThreadDispatcher(QObject):
    """Calls functions on the thread this object lives in (the Qt main thread).

    Called from another thread once the object is deleted, it raises ``RuntimeError``: the
    caller's cue that its window is gone."""

    _call = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._call.connect(self._run, Qt.ConnectionType.QueuedConnection)

    def __call__(self, fn: Callable[[], None]) -> None:
        self._call.emit(fn)

    def _run(self, fn: Callable[[], None]) -> None:
        fn()


def run_in_thread(
    fn: Callable[[], Any],
    dispatch: Dispatch,
    on_done: Callable[[Any], None],
    on_error: Callable[[BaseException], None],
) -> threading.Thread:
    """Run ``fn`` on a short-lived thread and report on the main thread."""

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


__all__ = ["Dispatch", "MainThreadDispatcher", "run_in_thread"]
