import argparse

from sync.server import serve

parser = argparse.ArgumentParser(prog="python -m sync.server")
parser.add_argument("--db", required=True)
parser.add_argument("--port", type=int, default=8750)
parser.add_argument("--host", default="127.0.0.1")
parser.add_argument("--workers", type=int, default=1)
args = parser.parse_args()
serve(args.db, args.port, args.host, args.workers)
