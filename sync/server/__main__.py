import argparse

from sync.server import serve
from sync.server.http import Limits

defaults = Limits()
parser = argparse.ArgumentParser(prog="python -m sync.server")
parser.add_argument("--db", required=True)
parser.add_argument("--port", type=int, default=8750)
parser.add_argument("--host", default="127.0.0.1")
parser.add_argument("--workers", type=int, default=1)
parser.add_argument(
    "--max-batch-bytes", type=int, default=defaults.max_batch_bytes, help="largest batch body"
)
parser.add_argument(
    "--body-grace",
    type=float,
    default=defaults.body_grace,
    help="seconds a request body may take before the minimum rate applies",
)
parser.add_argument(
    "--body-min-rate",
    type=float,
    default=defaults.body_min_rate,
    help="bytes per second a request body must keep up after the grace period",
)
parser.add_argument(
    "--body-idle",
    type=float,
    default=defaults.body_idle,
    help="seconds without a byte of the body before the upload is cut off",
)
parser.add_argument(
    "--header-timeout",
    type=float,
    default=defaults.header_timeout,
    help="seconds a connection may take to send a request's headers",
)
args = parser.parse_args()
limits = Limits(
    max_batch_bytes=args.max_batch_bytes,
    body_grace=args.body_grace,
    body_min_rate=args.body_min_rate,
    body_idle=args.body_idle,
    header_timeout=args.header_timeout,
)
serve(args.db, args.port, args.host, args.workers, limits)
