"""The station's side of the code tables the central service publishes (``/v1/config`` names
the version per city, ``GET /v1/code-tables`` gives the calling station's): a newer version is
checked with the very rules of ``station profile import`` and installed in one transaction,
keeping the station's own name, address and phone; a table that breaks a rule is refused — the
loaded profile stays, the refusal is logged, audited and shown by ``station sync --status`` and
``station doctor`` — and the same version is not fetched again.

The HTTP calls are the client's (``SyncClient.refresh_config``); this module decides.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import logging
from typing import Any
from urllib.parse import urlparse

from station import outbox
from station.errors import UsageError, ValidationError
from station.profile import VERSION_RE, StationInfo, is_newer
from station.profile.check import parse_document
from station.store import Store

log = logging.getLogger(__name__)


def take_config(store: Store, config: Any) -> str | None:
    """Keep the service's export key; the code-tables version to fetch, or None when the
    loaded one is as new (or that version was refused before)."""
    if not isinstance(config, dict):
        return None
    key = config.get("export_key")
    if isinstance(key, str) and key != outbox.get(store.conn, "export_key"):
        try:
            valid = len(base64.b64decode(key, validate=True)) == 32
        except (binascii.Error, ValueError):
            valid = False
        if valid:
            with store.transaction():
                outbox.put(store.conn, "export_key", key)
    versions = config.get("code_tables")
    version = versions.get(store.station_code[:4]) if isinstance(versions, dict) else None
    if not isinstance(version, str) or not VERSION_RE.match(version):
        return None
    current = store.station_profile()
    if current is not None and not is_newer(version, current.version):
        return None
    refused = outbox.code_tables_problem(store.conn)
    if refused is not None and refused.get("version") == version:
        return None  # refused already: wait for the service to publish another
    return version


def take_tables(store: Store, wanted: str, doc: Any, server: str) -> bool:
    """Check and install the published table ``doc`` (advertised as ``wanted``); True when
    installed. Nothing to take (no answer) changes nothing."""
    if doc is None:
        return False
    problem: dict[str, Any] | None = None
    try:
        profile = parse_document(doc, tables_only=True)
        if profile.version != wanted:
            problem = {"code": "version_mismatch", "field": "version"}
        else:
            current = store.station_profile()
            station = current.station if current is not None else StationInfo()
            store.profiles.install(
                profile.with_station(station),
                source=urlparse(server).netloc or server,
                origin="central",
                internal=True,
            )
    except ValidationError as exc:
        first = exc.errors[0]
        problem = {"code": first.code, "field": first.field, "problems": len(exc.errors)}
    except UsageError as exc:  # another city, or not newer after all
        problem = {"code": exc.code, "field": ""}
    if problem is None:
        with store.transaction():
            outbox.set_code_tables_problem(store.conn, None)
        log.info("code tables version %s of the central service installed", wanted)
        return True
    problem.update(version=wanted, at=dt.datetime.now().astimezone().isoformat(timespec="seconds"))
    log.warning(
        "code tables version %s of the central service refused: %s at %s",
        wanted,
        problem["code"],
        problem["field"] or "-",
    )
    with store.transaction():
        outbox.set_code_tables_problem(store.conn, problem)
        store.audit("profile.refused", detail=problem)
    return False


__all__ = ["take_config", "take_tables"]
