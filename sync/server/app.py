"""The reference central card-production service (Starlette ASGI app).

Why Starlette + uvicorn: small, well kept, async request bodies with a thread pool for the
blocking database work, and uvicorn runs several worker processes on one port — the same code
serves the tests, the demo and a district.

Where things are: the calls in ``handlers`` (one function each), who may call and how much
they may send in ``auth`` and ``http``, the batch rules in ``batches``, every SQL statement in
``store``.
"""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sync.server import handlers
from sync.server.http import Limits, error
from sync.server.store import CentralStore

ROUTES = [
    Route("/v1/config", handlers.config, methods=["GET"]),
    Route("/v1/code-tables", handlers.code_tables, methods=["GET"]),
    Route("/v1/stations:enrol", handlers.enrol, methods=["POST"]),
    Route("/v1/stations/{station_id}/batches", handlers.upload, methods=["POST"]),
    Route("/v1/stations/{station_id}/batches/{batch_id}", handlers.batch_result, methods=["GET"]),
    Route("/v1/applications:lookup", handlers.lookup, methods=["POST"]),
    Route("/v1/stations/{station_id}/changes", handlers.changes, methods=["GET"]),
    Route("/v1/stations/{station_id}/handovers", handlers.handovers, methods=["POST"]),
]


async def no_route(request: Request, exc: Exception) -> Response:
    """Unknown paths and methods answer in the error shape too."""
    status = exc.status_code if isinstance(exc, HTTPException) else 500
    code = {404: "not_found", 405: "method_not_allowed"}.get(status, "http_error")
    headers = dict(exc.headers or {}) if isinstance(exc, HTTPException) else {}
    return error(status, code, "no such call", **headers)


def create_app(db: str, limits: Limits | None = None) -> Starlette:
    app = Starlette(routes=ROUTES, exception_handlers={HTTPException: no_route})
    app.state.store = CentralStore(db)
    app.state.limits = limits or Limits()
    return app
