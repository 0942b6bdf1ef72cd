"""``station bench card`` (PC/SC part): the time of a complete permit-card read through pcscd.

With a named reader (or any reader holding a card) the card on it is read. Without one, when
the ``vsmartcard-vpcd`` virtual reader is there and empty, the emulated card (a long holder file
and 3 endorsements) is put into it for the run and taken out afterwards — so the figure covers
pyscard, libpcsclite, pcscd, the vpcd driver and the card's answers, everything but a real chip.
"""

from __future__ import annotations

import re
import time
from typing import Any

from devices.permit.driver import (
    PcscPermitCardReader,
    cards_present,
    establish,
    list_readers,
    release,
)
from devices.permit.emulator import VPCD_PORT, PermitCard, VirtualCard
from station.bench import timings

TARGET_MS = 300.0
_VPCD = re.compile(r"^Virtual PCD \d\d (\d\d)$")


def vpcd_port(reader: str) -> int | None:
    """The TCP port of a ``Virtual PCD 00 0n`` slot (35963 + n), ``None`` for other readers."""
    m = _VPCD.match(reader)
    return VPCD_PORT + int(m.group(1)) if m else None


def _wait_empty(reader: str, timeout: float = 2.0) -> None:
    """Leave the slot as found: wait until pcscd has seen the emulated card go."""
    deadline = time.monotonic() + timeout
    ctx = establish()
    try:
        while cards_present(ctx, [reader]).get(reader) and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        release(ctx)


def bench_permit(n: int = 50, reader: str | None = None) -> dict[str, Any]:
    """Read the card ``n`` times; ``{"reader", "emulated", "n", "mean_ms", "p50_ms", "p95_ms",
    "max_ms", "first_ms", "target_ms", "ok"}``. Raises the typed device errors (no pcscd, no
    reader, no card)."""
    ctx = establish()
    try:
        names = list_readers(ctx)
        present = cards_present(ctx, names)
    finally:
        release(ctx)
    virtual: VirtualCard | None = None
    target = reader
    if target is None:
        with_card = [r for r in names if present.get(r)]
        free_vpcd = [r for r in names if vpcd_port(r) is not None and not present.get(r)]
        if with_card:
            target = with_card[0]
        elif free_vpcd:
            target = free_vpcd[0]
            port = vpcd_port(target)
            assert port is not None
            virtual = VirtualCard(
                PermitCard.build(0, 3, long_text=True), port=port, lock_timeout=10.0
            )
            virtual.insert()
    device = PcscPermitCardReader(target)
    try:
        t0 = time.perf_counter()
        device.read(10.0)
        first_ms = (time.perf_counter() - t0) * 1000
        figures = timings(lambda: device.read(1.0), n)
    finally:
        device.close()
        if virtual is not None and target is not None:
            virtual.remove()
            _wait_empty(target)
    return {
        "reader": target,
        "emulated": virtual is not None,
        **figures,
        "first_ms": round(first_ms, 3),
        "target_ms": TARGET_MS,
        "ok": figures["p95_ms"] < TARGET_MS,
    }
