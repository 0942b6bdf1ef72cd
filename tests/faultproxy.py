"""A small TCP proxy on 127.0.0.1 that injects network faults between the station and the
reference service: drop the connection before or after the request reaches the service,
delay, truncate the response, reset mid-upload, or answer 500/503/429 itself."""

from __future__ import annotations

import contextlib
import socket
import threading
import time


class FaultProxy:
    """``spare``: calls whose path contains one of these pass without spending a fault (the
    audit-head anchor that opens each sync round), so that an injected fault hits the data
    calls the test is about."""

    def __init__(self, target_port: int, spare: tuple[str, ...] = ("/audit-heads",)) -> None:
        self.target = ("127.0.0.1", target_port)
        self.spare = spare
        self.faults: list[str] = []
        self.lock = threading.Lock()
        self.sock = socket.socket()
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._stop = False
        self.thread = threading.Thread(target=self._accept, daemon=True, name="fault-proxy")
        self.thread.start()

    def inject(self, *faults: str) -> None:
        with self.lock:
            self.faults.extend(faults)

    def close(self) -> None:
        self._stop = True
        with contextlib.suppress(OSError):  # wakes the accept() below (closing alone does not)
            self.sock.shutdown(socket.SHUT_RDWR)
        self.sock.close()
        self.thread.join(5)

    def _accept(self) -> None:
        while not self._stop:
            try:
                client, _addr = self.sock.accept()
            except OSError:
                return
            threading.Thread(
                target=self._handle, args=(client,), name="fault-proxy-conn", daemon=True
            ).start()

    @staticmethod
    def _read_request(conn: socket.socket) -> bytes:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return data
            data += chunk
        head, _sep, body = data.partition(b"\r\n\r\n")
        length = 0
        for line in head.split(b"\r\n"):
            if line.lower().startswith(b"content-length:"):
                length = int(line.split(b":")[1])
        while len(body) < length:
            chunk = conn.recv(65536)
            if not chunk:
                break
            body += chunk
        return head + b"\r\n\r\n" + body

    def _fault_for(self, request: bytes) -> str:
        line = request.split(b"\r\n", 1)[0].decode("latin-1")
        if any(part in line for part in self.spare):
            return ""
        with self.lock:
            return self.faults.pop(0) if self.faults else ""

    def _handle(self, client: socket.socket) -> None:
        try:
            request = self._read_request(client)
            fault = self._fault_for(request)
            if fault == "drop_before":
                return
            if fault == "reset_upload":
                client.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
                )
                return
            if fault.startswith("status:"):
                # status:CODE answers CODE; status:429:RA adds "Retry-After: RA"
                bits = fault.split(":")
                code = int(bits[1])
                extra = f"Retry-After: {bits[2]}\r\n".encode() if len(bits) > 2 else b""
                client.sendall(
                    b"HTTP/1.1 %d Fault\r\nContent-Length: 0\r\n%sConnection: close"
                    b"\r\n\r\n" % (code, extra)
                )
                return
            if fault == "delay":
                time.sleep(1.5)
            upstream = socket.create_connection(self.target)
            request = request.replace(b"Connection: keep-alive", b"Connection: close")
            upstream.sendall(request)
            response = b""
            while True:
                chunk = upstream.recv(65536)
                if not chunk:
                    break
                response += chunk
            upstream.close()
            if fault == "drop_after":
                return  # the service did the work; the station never hears about it
            if fault == "truncate":
                response = response[: len(response) // 2]
            client.sendall(response)
        except OSError:
            pass
        finally:
            client.close()
