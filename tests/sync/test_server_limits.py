"""The reference service as a real process under hostile uploads: a 1 GB body (unsigned,
signed but declared too large, signed and chunked), a client that stops mid-body, one that
trickles, one that hangs up. The service answers without reading what it need not read, its
memory stays small (RSS measured from /proc while the bytes stream), each dropped upload is
one log line and no traceback, and the service is well afterwards."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
import time
import uuid as uuidlib
from pathlib import Path

import pytest
import requests

from tests.sync.conftest import free_port
from tests.sync.signer import Enrolled, enrol_key
from tests.sync.test_server_rules import batch, valid_record

GB = 1 << 30
MB = 1 << 20
RSS_LIMIT = 200 * MB


class Service:
    """``python -m sync.server`` with short body deadlines, its stderr kept for reading."""

    def __init__(self, tmp: Path, *options: str) -> None:
        from sync.server.store import CentralStore

        self.db = str(tmp / "central.db")
        self.store = CentralStore(self.db)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = tmp / "service.log"
        self._log = self.log.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "sync.server", "--db", self.db, "--port", str(self.port)]
            + ["--body-grace", "1", "--body-idle", "1", "--body-min-rate", "1000", *options],
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 30
        while True:
            try:
                requests.get(self.url + "/v1/config", timeout=1)
                break
            except requests.RequestException:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    self.stop()
                    raise RuntimeError("the service did not start") from None
                time.sleep(0.1)

    def rss(self) -> int:
        for line in Path(f"/proc/{self.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
        raise AssertionError("no VmRSS")

    def healthy(self, station: Enrolled) -> None:
        assert self.proc.poll() is None
        assert requests.get(self.url + "/v1/config", timeout=5).status_code == 200
        r = station.session().get(f"{self.url}/v1/stations/{station.station_id}/changes", timeout=5)
        assert r.status_code == 200

    def output(self) -> str:
        self._log.flush()
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(10)
        self._log.close()
        self.store.close()


@pytest.fixture
def service(tmp_path):
    s = Service(tmp_path)
    yield s
    s.stop()


class PeakRss:
    """The service's largest resident set while the block runs (sampled every 10 ms)."""

    def __init__(self, service: Service) -> None:
        self.service, self.peak, self._stop = service, 0, threading.Event()

    def __enter__(self) -> PeakRss:
        self.peak = self.service.rss()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(0.01):
            self.peak = max(self.peak, self.service.rss())

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self.thread.join(5)


def raw_post(
    port: int,
    path: str,
    headers: dict[str, str],
    total: int,
    *,
    chunked: bool = False,
    declared: int | None = None,
    chunk: int = MB,
    stop_after: int | None = None,
    pace: float = 0.0,
    hang_up: bool = False,
    timeout: float = 60.0,
    payload: bytes | None = None,
) -> tuple[int | None, int, bytes]:
    """POST up to ``total`` body bytes over a plain socket while reading the answer: the
    status (None if none came), the bytes the service let us send, the raw answer.
    ``stop_after``: stop sending after so many bytes and wait (a stalled client);
    ``hang_up``: close the socket there instead; ``payload``: the body's bytes (else zeros)."""
    sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    lines = [f"POST {path} HTTP/1.1", "Host: 127.0.0.1", "Connection: close"]
    lines += [f"{k}: {v}" for k, v in headers.items()]
    if chunked:
        lines.append("Transfer-Encoding: chunked")
    else:
        lines.append(f"Content-Length: {declared if declared is not None else total}")
    sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
    answer = bytearray()
    done = threading.Event()

    def read() -> None:
        try:
            while True:
                data = sock.recv(65536)
                if not data:
                    break
                answer.extend(data)
        except OSError:
            pass
        done.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    sent = 0
    block = b"\0" * chunk
    deadline = time.monotonic() + timeout
    try:
        while sent < total and time.monotonic() < deadline:  # on, even once answered
            if stop_after is not None and sent >= stop_after:
                if hang_up:
                    break
                done.wait(max(0.0, deadline - time.monotonic()))
                break
            n = min(chunk, total - sent)
            if stop_after is not None:
                n = min(n, stop_after - sent)
            data = payload[sent : sent + n] if payload is not None else block[:n]
            sock.sendall(f"{n:x}\r\n".encode() + data + b"\r\n" if chunked else data)
            sent += n
            if pace:
                time.sleep(pace)
        if not hang_up and sent >= total and chunked:
            sock.sendall(b"0\r\n\r\n")
    except OSError:
        pass  # the service closed the connection: what we wanted
    if hang_up:
        sock.shutdown(socket.SHUT_RDWR)  # close() alone waits for the reader's recv()
        sock.close()
        return None, sent, b""
    done.wait(max(0.0, deadline - time.monotonic()))
    sock.close()
    status = int(answer.split(b" ", 2)[1]) if answer.startswith(b"HTTP/1.1 ") else None
    return status, sent, bytes(answer)


def tracebacks(text: str) -> int:
    return text.count("Traceback")


# -- 1 GB ------------------------------------------------------------------------------------------
@pytest.mark.parametrize("chunked", [False, True])
def test_one_gigabyte_unsigned_post_is_refused_unread(service, chunked):
    station = enrol_key(service.url, service.store.new_enrol_code())
    path = f"/v1/stations/{station.station_id}/batches"
    with PeakRss(service) as rss:
        status, sent, answer = raw_post(service.port, path, {}, GB, chunked=chunked)
    assert status == 401, answer[:300]
    assert b'"unsigned"' in answer and b"connection: close" in answer.lower()
    assert sent < 64 * MB  # the service stopped the upload: it never read the gigabyte
    print(f"peak RSS {rss.peak / MB:.0f} MB, {sent / MB:.1f} MB let through")
    assert rss.peak < RSS_LIMIT, f"peak RSS {rss.peak / MB:.0f} MB"
    service.healthy(station)
    assert tracebacks(service.output()) == 0


def test_one_gigabyte_signed_upload_is_refused_at_the_cap(service):
    """Signed (so authentication passes): declared 1 GB is refused at once; sent chunked with
    no length, it is read only up to the cap."""
    station = enrol_key(service.url, service.store.new_enrol_code())
    path = f"/v1/stations/{station.station_id}/batches"

    def headers():
        h = station.headers("POST", path, b"whatever")  # the digest can only fail later
        return {**h, "Content-Type": "multipart/form-data; boundary=x", "Idempotency-Key": "k"}

    with PeakRss(service) as rss:
        status, sent, answer = raw_post(service.port, path, headers(), GB)
        assert status == 413 and b'"too_large"' in answer
        assert sent < 64 * MB
        status, sent, answer = raw_post(service.port, path, headers(), GB, chunked=True)
        assert status == 413 and b'"too_large"' in answer
        assert sent < 64 * MB
    print(f"peak RSS {rss.peak / MB:.0f} MB, {sent / MB:.1f} MB let through")
    assert rss.peak < RSS_LIMIT, f"peak RSS {rss.peak / MB:.0f} MB"
    service.healthy(station)
    out = service.output()
    assert tracebacks(out) == 0
    assert out.count("upload refused (over 16777216 bytes)") == 1  # the chunked one, one line


def test_a_revoked_station_is_told_so_even_mid_upload(service):
    """The station's own client (requests) sending a large batch still reads the early 403
    (urllib3 reads the answer after the service closes the connection)."""
    station = enrol_key(service.url, service.store.new_enrol_code())
    service.store.revoke(station.station_id)
    item = valid_record()
    key, body, ctype = batch([item], photos={item["uuid"]: b"\xff\xd8" + b"\0" * (8 * MB)})
    path = f"/v1/stations/{station.station_id}/batches"
    r = requests.post(
        service.url + path,
        data=body,
        headers={
            **station.headers("POST", path, body),
            "Content-Type": ctype,
            "Idempotency-Key": key,
        },
        timeout=30,
    )
    assert r.status_code == 403 and r.json()["error"]["code"] == "revoked"


# -- slow and broken uploads ---------------------------------------------------------------------
def _signed_batch(station: Enrolled, photo: int = 200_000) -> tuple[str, dict[str, str], bytes]:
    jpeg = b"\xff\xd8" + b"\1" * photo
    item = valid_record(jpeg=jpeg)
    key, body, ctype = batch([item], photos={item["uuid"]: jpeg})
    path = f"/v1/stations/{station.station_id}/batches"
    headers = {
        **station.headers("POST", path, body),
        "Content-Type": ctype,
        "Idempotency-Key": key,
    }
    return path, headers, body


def test_a_client_that_stops_mid_body_is_cut_off_in_one_line(service):
    station = enrol_key(service.url, service.store.new_enrol_code())
    path, headers, body = _signed_batch(station)
    started = time.monotonic()
    status, sent, answer = raw_post(
        service.port, path, headers, len(body), stop_after=len(body) // 2, timeout=20
    )
    assert status == 408 and b'"too_slow"' in answer, answer[:300]
    assert time.monotonic() - started < 10
    assert service.store.status()["applications"] == 0
    service.healthy(station)
    out = service.output()
    lines = [line for line in out.splitlines() if "cut off" in line]
    assert len(lines) == 1 and station.station_id in lines[0] and str(len(body)) in lines[0]
    assert tracebacks(out) == 0


def test_a_trickling_client_is_cut_off(service):
    """Never idle for a whole second, but far below 1000 bytes/s: cut off by the rate rule."""
    station = enrol_key(service.url, service.store.new_enrol_code())
    path, headers, body = _signed_batch(station)
    started = time.monotonic()
    status, sent, answer = raw_post(
        service.port, path, headers, len(body), chunk=20, pace=0.2, timeout=20
    )
    assert status == 408, answer[:300]
    assert time.monotonic() - started < 10
    assert sent < 2000
    service.healthy(station)
    out = service.output()
    assert len([line for line in out.splitlines() if "cut off" in line]) == 1
    assert tracebacks(out) == 0


def test_a_client_that_hangs_up_mid_body_is_one_line(service):
    station = enrol_key(service.url, service.store.new_enrol_code())
    path, headers, body = _signed_batch(station)
    raw_post(service.port, path, headers, len(body), stop_after=len(body) // 2, hang_up=True)
    deadline = time.monotonic() + 10
    while "dropped mid-upload" not in service.output() and time.monotonic() < deadline:
        time.sleep(0.1)
    out = service.output()
    assert len([line for line in out.splitlines() if "dropped mid-upload" in line]) == 1
    assert tracebacks(out) == 0
    assert service.store.status()["applications"] == 0
    service.healthy(station)


def test_a_slow_but_steady_station_still_gets_through(service):
    """Above the minimum rate the deadline keeps moving: a 60 KB batch sent at under 40 KB/s
    (past the 1 s grace) is taken."""
    station = enrol_key(service.url, service.store.new_enrol_code())
    path, headers, body = _signed_batch(station, photo=60_000)
    status, sent, answer = raw_post(
        service.port, path, headers, len(body), chunk=4096, pace=0.1, timeout=30, payload=body
    )
    assert status == 200, answer[:300]
    assert b'"accepted"' in answer
    assert str(uuidlib.UUID(headers["Idempotency-Key"])) in answer.decode()


def test_a_client_that_trickles_its_headers_is_closed(tmp_path):
    """The slow loris on headers: a connection that sends nothing, and one that sends a
    header line a byte at a time, are both closed after the header timeout, one line each."""
    service = Service(tmp_path, "--header-timeout", "1")
    try:
        silent = socket.create_connection(("127.0.0.1", service.port), timeout=10)
        slow = socket.create_connection(("127.0.0.1", service.port), timeout=10)
        started = time.monotonic()
        for byte in b"GET /v1/config HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaa":
            try:
                slow.send(bytes([byte]))
            except OSError:
                break
            time.sleep(0.1)
        assert silent.recv(100) == b""  # closed by the service
        closed_after = time.monotonic() - started
        assert closed_after < 5
        silent.close()
        slow.close()
        assert requests.get(service.url + "/v1/config", timeout=5).status_code == 200
        out = service.output()
        lines = [line for line in out.splitlines() if "no complete request headers" in line]
        assert len(lines) == 2, out
        assert tracebacks(out) == 0
    finally:
        service.stop()
