"""ASGI entry for several uvicorn workers: the database comes from STATION_CENTRAL_DB, limits
other than the defaults from STATION_CENTRAL_LIMITS (JSON of ``Limits`` fields)."""

import json
import os

from sync.server.app import create_app
from sync.server.http import Limits
from sync.server.protocol import GuardedH11Protocol

_limits = os.environ.get("STATION_CENTRAL_LIMITS")
limits = Limits(**json.loads(_limits)) if _limits else Limits()
GuardedH11Protocol.configure(limits)
app = create_app(os.environ["STATION_CENTRAL_DB"], limits)
