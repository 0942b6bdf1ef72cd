"""The reference central service on 127.0.0.1 for the sync tests (a real uvicorn server)."""

from __future__ import annotations

import socket
import threading
import time

import pytest
import uvicorn

from sync.server.app import create_app
from sync.server.store import CentralStore


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Central:
    def __init__(self, db: str, limits=None) -> None:  # type: ignore[no-untyped-def]
        self.db = db
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(
            create_app(db, limits),
            host="127.0.0.1",
            port=self.port,
            log_level="error",
            lifespan="off",
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, name="central-service", daemon=True)
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        self.store = CentralStore(db)

    def enrol_code(self) -> str:
        return self.store.new_enrol_code()

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(5)


@pytest.fixture
def central(tmp_path):
    c = Central(str(tmp_path / "central.db"))
    yield c
    c.stop()
