"""Crash safety: kill -9 a process that saves applications in a loop, 50 times."""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time

from station import audit
from tests.conftest import PASSWORD

CHILD = r"""
import datetime, random, sys
from station.store import Station
from station.samples import synthetic_record
store = Station(sys.argv[1]).login("coord", sys.argv[2])
rng = random.Random(int(sys.argv[3]))
print("ready", flush=True)
while True:
    out = store.save_application(synthetic_record(rng, datetime.date.today()))
    print(out["number"], out["uuid"], flush=True)
"""


def test_kill_9_while_saving_loses_nothing(station):
    printed: dict[str, str] = {}
    rng = random.Random(11)
    kills = 50
    for i in range(kills):
        proc = subprocess.Popen(
            [sys.executable, "-c", CHILD, str(station.data_dir), PASSWORD, str(i)],
            stdout=subprocess.PIPE,
            text=True,
        )
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        time.sleep(rng.uniform(0.0, 0.25))
        os.kill(proc.pid, signal.SIGKILL)
        out, _ = proc.communicate()
        for line in out.splitlines():
            parts = line.split()
            if len(parts) == 2:  # a line cut by the kill is not a printed number
                printed[parts[0]] = parts[1]
    store = station.login("super")
    assert store.conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    rows = dict(store.conn.execute("SELECT number, uuid FROM applications").fetchall())
    for number, uuid in printed.items():
        assert rows.get(number) == uuid
    numbers = [r[0] for r in store.conn.execute("SELECT number FROM applications")]
    assert len(numbers) == len(set(numbers))
    assert len(printed) > kills  # the loop really saved between kills
    result = audit.verify(store.conn)
    assert result.ok, result
    fts = store.conn.execute("SELECT count(*) FROM applications_fts").fetchone()[0]
    assert fts == len(numbers)
