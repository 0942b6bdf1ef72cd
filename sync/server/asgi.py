"""ASGI entry for several uvicorn workers: the database comes from STATION_CENTRAL_DB."""

import os

from sync.server.app import create_app

app = create_app(os.environ["STATION_CENTRAL_DB"])
