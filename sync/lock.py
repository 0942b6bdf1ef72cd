"""One sync at a time per station: ``station sync`` (and ``station sync --export``), and the
desktop's background sync, hold an exclusive lock on ``sync.lock`` in the data folder. Several
syncs at once would each build batches from the same pending records and send every upload
more than once; with the lock a second sync waits for the running one (then finds little or
nothing left to send), and gives up with ``SyncBusy`` (exit 6) when it waits too long.

The lock is the operating system's (fcntl / msvcrt) on an open file: it goes with the process,
so a sync killed with ``kill -9`` never leaves a stale lock behind.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from station.errors import CentralError
from station.i18n import _
from station.store import Store

LOCK_FILE = "sync.lock"
WAIT = 15 * 60.0  # how long a second ``station sync`` waits for the running one
POLL = 0.2


class SyncBusy(CentralError):
    """Another sync of this station held the lock for longer than we waited."""

    def __init__(self) -> None:
        super().__init__(
            "sync_busy",
            _(
                "Another sync of this station is still running; the applications stay queued "
                "and go out with it or with the next sync"
            ),
        )


def _try_lock(fh: IO[bytes]) -> bool:
    if os.name == "posix":
        import fcntl

        try:
            fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        return True
    import msvcrt  # pragma: no cover - Windows

    fh.seek(0)
    try:
        msvcrt.locking(fh.fileno(), msvcrt.LK_NBLCK, 1)  # type: ignore[attr-defined]
    except OSError:
        return False
    return True


@contextlib.contextmanager
def one_sync_at_a_time(store: Store, wait: float = WAIT) -> Iterator[None]:
    """Hold this station's sync lock for the block, waiting up to ``wait`` seconds for it."""
    path = Path(store.station.data_dir) / LOCK_FILE
    fh = open(path, "a+b")  # noqa: SIM115 - closed below, which releases the lock
    try:
        deadline = time.monotonic() + wait
        while not _try_lock(fh):
            if time.monotonic() >= deadline:
                raise SyncBusy()
            time.sleep(POLL)
        yield
    finally:
        fh.close()
