"""``station bench card``: ID card reads over a pseudo-terminal at 115200 baud (emulated SAM
with the protocol's own transfer time) and permit-card reads through pcscd."""

from __future__ import annotations

import os
import time
from typing import Any

from station.bench import timings


def bench_idcard(n: int = 10, port: str | None = None) -> dict[str, Any]:
    from devices.idcard.driver import SerialIdCardReader
    from devices.idcard.emulator import IdReaderEmulator
    from station.samples import sample_record

    emu = None
    if port is None:
        # About 0.75 s of card processing on top of the 115200-baud transfers: the spec's
        # ~0.9 s protocol time for a whole read.
        emu = IdReaderEmulator(card_delay=0.75).start()
        person = {
            k: v
            for k, v in sample_record()["person"].items()
            if k not in ("phone", "education", "occupation")
        }
        emu.place(person)
        port = emu.port_path
    reader = SerialIdCardReader(port=port)
    try:
        reader.open()
        read = timings(lambda: reader.read(wait=5), n)
        if emu is not None:
            emu.remove()
        reader.start(lambda e: None)
        t0, c0 = time.monotonic(), time.process_time()
        time.sleep(3.0)
        idle_cpu = (time.process_time() - c0) / (time.monotonic() - t0) * 100
    finally:
        reader.close()
        if emu is not None:
            emu.stop()
    return {
        "placed_to_record_ms": read,
        "idle_poll_cpu_percent": round(idle_cpu, 2),
        "emulated": emu is not None,
    }


def bench_card(reader: str | None = None, port: str | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"idcard": bench_idcard(port=port)}
    try:
        from devices.permit.bench import bench_permit

        out["permit"] = bench_permit(reader=reader)
    except Exception as exc:  # noqa: BLE001 - no PC/SC stack here: say so in the figures
        out["permit"] = {"error": type(exc).__name__, "detail": getattr(exc, "message", "")}
    out["pid"] = os.getpid()
    return out
