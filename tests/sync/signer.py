"""A station key enrolled at a reference service, and requests signed with it the way the
station's client signs them (for tests that speak HTTP to the service directly)."""

from __future__ import annotations

import base64
import secrets
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sync import wire

UNSIGNED = ("/v1/config", "/v1/stations:enrol")


class Sign(requests.auth.AuthBase):
    """Signs each prepared request over its method, its path and query exactly as sent, and
    the digest of its exact body bytes (a requests auth hook)."""

    def __init__(self, key: Ed25519PrivateKey, station_id: str) -> None:
        self.key, self.station_id = key, station_id

    def __call__(self, r: requests.PreparedRequest) -> requests.PreparedRequest:
        url = urlsplit(r.url)
        if url.path in UNSIGNED:
            return r
        body = r.body or b""
        if isinstance(body, str):
            body = body.encode()
        r.headers.update(
            wire.sign_headers(
                self.key, self.station_id, r.method, url.path, body, time.time(), url.query
            )
        )
        return r


@dataclass
class Enrolled:
    url: str
    key: Ed25519PrivateKey
    station_id: str

    def session(self) -> requests.Session:
        s = requests.Session()
        s.auth = Sign(self.key, self.station_id)
        return s

    def headers(self, method: str, path: str, body: bytes = b"", query: str = "") -> dict:
        return wire.sign_headers(self.key, self.station_id, method, path, body, time.time(), query)


def enrol_body(
    code: str, key: Ed25519PrivateKey, station_code: str = "450103000001"
) -> dict[str, str]:
    return {
        "code": code,
        "public_key": base64.b64encode(wire.public_bytes(key.public_key())).decode(),
        "station_code": station_code,
    }


def enrol_key(url: str, code: str, station_code: str | None = None) -> Enrolled:
    """A new station key enrolled (each with its own station code unless one is given: a
    second key of one code retires the first)."""
    key = Ed25519PrivateKey.generate()
    station_code = station_code or f"4501{secrets.randbelow(10**8):08d}"
    resp = requests.post(
        url + "/v1/stations:enrol", json=enrol_body(code, key, station_code), timeout=5
    )
    assert resp.status_code == 201, resp.text
    return Enrolled(url, key, resp.json()["station_id"])
