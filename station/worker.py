"""One worker thread that owns the store; operations the UI runs without blocking (Anki's
``CollectionOp``/``QueryOp``).

    DbWorker(store, dispatch=post_to_qt_main_thread)
    Op(worker, lambda store: store.search(text)).success(show).failure(warn).run_in_background()

Every database call runs on the worker thread, in submission order. ``success``/``failure``
callbacks are handed to ``dispatch`` (the UI adapter posts them to the Qt main thread; the
default calls them on the worker thread). ``with_progress(label)`` reports through the worker's
``on_busy`` hook so the UI can show "saving…" without knowing about threads. A failing operation
never kills the worker; an error nobody handles is logged with its type only (no personal data).
"""

from __future__ import annotations

import concurrent.futures
import logging
import queue
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Generic, TypeVar

if TYPE_CHECKING:
    from station.store import Store

log = logging.getLogger(__name__)
T = TypeVar("T")
Dispatch = Callable[[Callable[[], None]], None]


def _call_now(fn: Callable[[], None]) -> None:
    fn()


class DbWorker:
    def __init__(
        self,
        store: Store,
        dispatch: Dispatch = _call_now,
        on_busy: Callable[[str | None], None] | None = None,
    ) -> None:
        self._store = store
        self.dispatch = dispatch
        self.on_busy = on_busy
        self._queue: queue.Queue[
            tuple[Callable[[Store], Any], concurrent.futures.Future[Any], str | None] | None
        ] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="db-worker", daemon=True)
        self._thread.start()

    @property
    def operator(self) -> str:
        return self._store.operator

    @property
    def role(self) -> str:
        return self._store.role

    def can(self, permission: str) -> bool:
        return self._store.can(permission)

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            if item is None:
                break
            fn, fut, label = item
            if not fut.set_running_or_notify_cancel():
                continue
            if label and self.on_busy:
                self.on_busy(label)
            try:
                fut.set_result(fn(self._store))
            except BaseException as exc:  # noqa: BLE001 - delivered through the future
                fut.set_exception(exc)
            finally:
                if label and self.on_busy:
                    self.on_busy(None)
        self._store.close()

    def submit(
        self, fn: Callable[[Store], T], label: str | None = None
    ) -> concurrent.futures.Future[T]:
        fut: concurrent.futures.Future[T] = concurrent.futures.Future()
        self._queue.put((fn, fut, label))
        return fut

    def run_sync(self, fn: Callable[[Store], T], timeout: float | None = 30) -> T:
        """For tests and the CLI; the UI never waits on the worker."""
        return self.submit(fn).result(timeout)

    def stop(self, timeout: float = 10.0) -> None:
        """Finish queued work, close the store and end the thread."""
        self._queue.put(None)
        if threading.current_thread() is not self._thread:
            self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()


class Op(Generic[T]):
    """A database operation built step by step and run on the worker."""

    def __init__(self, worker: DbWorker, fn: Callable[[Store], T]) -> None:
        self._worker = worker
        self._fn = fn
        self._success: Callable[[T], None] | None = None
        self._failure: Callable[[BaseException], None] | None = None
        self._label: str | None = None

    def success(self, cb: Callable[[T], None]) -> Op[T]:
        self._success = cb
        return self

    def failure(self, cb: Callable[[BaseException], None]) -> Op[T]:
        self._failure = cb
        return self

    def with_progress(self, label: str) -> Op[T]:
        self._label = label
        return self

    def run_in_background(self) -> concurrent.futures.Future[T]:
        fut = self._worker.submit(self._fn, self._label)
        fut.add_done_callback(self._done)
        return fut

    def _done(self, fut: concurrent.futures.Future[T]) -> None:
        exc = fut.exception()
        if exc is None:
            if self._success is not None:
                result = fut.result()
                success = self._success
                self._worker.dispatch(lambda: success(result))
            return
        if self._failure is not None:
            failure = self._failure
            self._worker.dispatch(lambda: failure(exc))
        else:
            log.error("database operation failed: %s", type(exc).__name__)
