"""The reference central card-production service: ``python -m sync.server`` or
``station central serve``. A development tool and the demo's service, not part of the station
executable."""

from __future__ import annotations

import copy
import dataclasses
import json
import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # starlette (the 'central' extra) only when the service runs
    from sync.server.http import Limits

# Connections held open without a request, and at once: a client that opens sockets and sends
# nothing is dropped after the keep-alive timeout; beyond the concurrency limit uvicorn answers
# 503 instead of taking more.
KEEP_ALIVE = 5
MAX_CONNECTIONS = 256


def log_config() -> dict[str, Any]:
    """uvicorn's logging with the service's own one-line warnings (``sync.server``) added."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config["loggers"]["sync.server"] = {
        "handlers": ["default"],
        "level": "INFO",
        "propagate": False,
    }
    return config


def serve(
    db: str, port: int, host: str = "127.0.0.1", workers: int = 1, limits: Limits | None = None
) -> None:
    import uvicorn

    from sync.server.http import Limits
    from sync.server.protocol import GuardedH11Protocol

    limits = limits or Limits()
    GuardedH11Protocol.configure(limits)
    options: dict[str, Any] = {
        "host": host,
        "port": port,
        "log_level": "warning",
        "log_config": log_config(),
        "timeout_keep_alive": KEEP_ALIVE,
        "limit_concurrency": MAX_CONNECTIONS,
        "http": GuardedH11Protocol,
    }
    if workers > 1:
        os.environ["STATION_CENTRAL_DB"] = db
        os.environ["STATION_CENTRAL_LIMITS"] = json.dumps(dataclasses.asdict(limits))
        uvicorn.run("sync.server.asgi:app", workers=workers, **options)
        return
    from sync.server.app import create_app

    uvicorn.run(create_app(db, limits), **options)
