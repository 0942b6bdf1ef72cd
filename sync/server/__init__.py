"""The reference central card-production service: ``python -m sync.server`` or
``station central serve``. A development tool and the demo's service, not part of the station
executable."""

from __future__ import annotations

import os


def serve(db: str, port: int, host: str = "127.0.0.1", workers: int = 1) -> None:
    import uvicorn

    if workers > 1:
        os.environ["STATION_CENTRAL_DB"] = db
        uvicorn.run(
            "sync.server.asgi:app", host=host, port=port, workers=workers, log_level="warning"
        )
        return
    from sync.server.app import create_app

    uvicorn.run(create_app(db), host=host, port=port, log_level="warning")
