"""Benchmarks of the core (``station bench store|search|startup``): figures, not assertions."""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from station.demo import PASSWORD, DemoStation


def percentile(values: list[float], p: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def timings(fn: Callable[[], Any], n: int) -> dict[str, float]:
    ms = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        ms.append((time.perf_counter() - t0) * 1000)
    return {
        "mean_ms": round(statistics.fmean(ms), 3),
        "p50_ms": round(percentile(ms, 50), 3),
        "p95_ms": round(percentile(ms, 95), 3),
        "max_ms": round(max(ms), 3),
        "n": n,
    }


def populated(
    folder: Path, records: int, progress: Callable[[int, int], None] | None = None
) -> DemoStation:
    """A demo station in ``folder`` holding at least ``records`` applications (reused)."""
    demo = DemoStation(folder, records=0)
    if not demo.station.exists():
        demo.setup()
    with demo.login("coord") as store:
        have = int(store.conn.execute("SELECT count(*) FROM applications").fetchone()[0])
    if have < records:
        from station.samples import synthetic_record

        rng = random.Random(have)
        today = dt.date.today()
        with demo.login("coord") as store:
            done = have
            while done < records:
                chunk = [synthetic_record(rng, today) for _ in range(min(5000, records - done))]
                store.save_many(chunk, source="bench")
                done += len(chunk)
                if progress:
                    progress(done, records)
            store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return demo


def bench_store(
    folder: Path,
    records: int,
    samples: int = 200,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    from station.samples import synthetic_record

    t0 = time.perf_counter()
    demo = populated(folder, records, progress)
    fill_s = time.perf_counter() - t0
    rng = random.Random(99)
    today = dt.date.today()
    with demo.login("coord") as store:
        save = timings(lambda: store.save_application(synthetic_record(rng, today)), samples)
        n = int(store.conn.execute("SELECT count(*) FROM applications").fetchone()[0])
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size = sum(p.stat().st_size for p in Path(folder).iterdir() if p.name.startswith("station.db"))
    return {
        "records": n,
        "fill_seconds": round(fill_s, 1),
        "save": save,
        "db_bytes": size,
        "bytes_per_application": round(size / max(n, 1)),
    }


def bench_search(
    folder: Path,
    records: int,
    samples: int = 200,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, Any]:
    demo = populated(folder, records, progress)
    rng = random.Random(5)
    with demo.login("coord") as store:
        n = int(store.conn.execute("SELECT max(id) FROM applications").fetchone()[0])
        picks = []
        for _ in range(samples):
            row = store.conn.execute(
                "SELECT id_number, phone, name FROM applications WHERE id = ?", (rng.randint(1, n),)
            ).fetchone()
            if row:
                picks.append(row)
        it = iter(picks * 3)
        by_id = timings(lambda: store.search(next(it)[0], 20), len(picks))
        by_phone = timings(lambda: store.search(next(it)[1], 20), len(picks))
        by_name = timings(lambda: store.search(next(it)[2], 20), len(picks))
        probe = picks[0][0]
    env = dict(
        os.environ, STATION_DATA_DIR=str(folder), STATION_USER="coord", STATION_PASSWORD=PASSWORD
    )
    cold = []
    for _ in range(5):
        t0 = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "station", "--json", "app", "search", probe],
            env=env,
            capture_output=True,
            check=True,
        )
        cold.append((time.perf_counter() - t0) * 1000)
    return {
        "records": n,
        "by_id_number": by_id,
        "by_phone": by_phone,
        "by_name": by_name,
        "cold_cli_search_ms": {"median": round(statistics.median(cold)), "max": round(max(cold))},
    }


def bench_startup(runs: int = 5) -> dict[str, Any]:
    """Cold start of the CLI (``--help``) in a fresh process."""
    ms = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "station", "--help"], capture_output=True, check=True)
        ms.append((time.perf_counter() - t0) * 1000)
    return {"cli_help_ms": {"median": round(statistics.median(ms)), "max": round(max(ms))}}
