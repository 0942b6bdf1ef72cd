"""``station bench sync``: N applications with 25 KB photos from a fresh outbox to accepted,
against the reference service in its own process on loopback; time and station memory."""

from __future__ import annotations

import datetime as dt
import os
import random
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any


def _bench_photo(photo_kb: int) -> bytes:
    """A real JPEG (photos are checked at the door) of about ``photo_kb`` KB: a smooth
    358×441 picture, filled up with a comment of random bytes."""
    import cv2
    import numpy as np

    from station.photo_input import with_comment

    y, x = np.mgrid[0:441, 0:358]
    img = np.dstack([x * 255 // 358, y * 255 // 441, (x + y) * 255 // 799]).astype(np.uint8)
    ok, buf = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 90])
    assert ok
    jpeg = bytes(buf)
    return with_comment(jpeg, os.urandom(max(0, photo_kb * 1024 - len(jpeg) - 16)))


def bench_sync(n: int = 10_000, photo_kb: int = 25) -> dict[str, Any]:
    import requests

    from station.demo import DemoStation
    from station.photo_input import with_comment
    from station.samples import synthetic_record
    from sync.client import SyncClient, enrol
    from sync.server.store import CentralStore

    folder = Path(tempfile.mkdtemp(prefix="station-bench-sync-"))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    db = str(folder / "central.db")
    CentralStore(db)
    server = subprocess.Popen(
        [sys.executable, "-m", "sync.server", "--db", db, "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                requests.get(url + "/v1/config", timeout=1)
                break
            except requests.RequestException:
                time.sleep(0.1)
        with DemoStation(folder / "station", records=0) as demo:
            with demo.login("tech") as tech:
                enrol(tech, url, CentralStore(db).new_enrol_code())
            store = demo.login("coord")
            rng = random.Random(1)
            t0 = time.perf_counter()
            base = _bench_photo(photo_kb)
            for start in range(0, n, 500):
                chunk = []
                for i in range(start, min(n, start + 500)):
                    rec = synthetic_record(rng, dt.date.today())
                    rec["photo"] = store.put_photo(with_comment(base, i.to_bytes(8, "big")))
                    chunk.append(rec)
                store.save_many(chunk, source="bench")
            fill = time.perf_counter() - t0
            rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            t0 = time.perf_counter()
            counts = SyncClient(store, timeout=60).run(sleep=lambda s: None)
            elapsed = time.perf_counter() - t0
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            status = CentralStore(db).status()
            store.close()
    finally:
        server.terminate()
        server.wait(10)
        import shutil

        shutil.rmtree(folder, ignore_errors=True)
    return {
        "applications": n,
        "photo_kb": photo_kb,
        "fill_seconds": round(fill, 1),
        "sync_seconds": round(elapsed, 1),
        "applications_per_second": round(n / elapsed),
        "accepted": counts["accepted"],
        "service_applications": status["applications"],
        "service_photos": status["photos"],
        "station_max_rss_mb": round(rss / 1024),
        "station_rss_before_sync_mb": round(rss0 / 1024),
    }
