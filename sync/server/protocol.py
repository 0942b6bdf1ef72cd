"""uvicorn's HTTP/1.1 protocol with a deadline for the request line and headers.

uvicorn times out an idle keep-alive connection and the service times out a slow body
(``sync.server.http``), but nothing bounds the time a client takes to send its headers: a
client that opens a connection and sends nothing, or trickles a header a byte at a time, would
hold its socket forever (the "slow loris"). Here a connection waiting for a request's headers
gets ``Limits.header_timeout`` seconds, then is closed with one log line.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from uvicorn.protocols.http.h11_impl import H11Protocol

from sync.server.http import Limits

log = logging.getLogger("sync.server")


class GuardedH11Protocol(H11Protocol):
    header_timeout = Limits().header_timeout

    @classmethod
    def configure(cls, limits: Limits) -> None:
        """Set in each server process (uvicorn builds the protocol, not the app)."""
        cls.header_timeout = limits.header_timeout

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        self._header_timer: asyncio.TimerHandle | None = None
        self._arm()

    def data_received(self, data: bytes) -> None:
        before = self.cycle
        super().data_received(data)
        if self.cycle is before and (before is None or before.response_complete):
            self._arm()  # still no complete request line and headers
        else:
            self._disarm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        if self._header_timer is None:
            self._header_timer = self.loop.call_later(self.header_timeout, self._expired)

    def _disarm(self) -> None:
        if self._header_timer is not None:
            self._header_timer.cancel()
            self._header_timer = None

    def _expired(self) -> None:
        self._header_timer = None
        waiting = self.cycle is None or self.cycle.response_complete
        if not waiting or self.transport.is_closing():
            return
        peer = f"{self.client[0]}:{self.client[1]}" if self.client else "?"
        log.warning(
            "connection closed: no complete request headers within %.0f s from %s",
            self.header_timeout,
            peer,
        )
        self.transport.close()
