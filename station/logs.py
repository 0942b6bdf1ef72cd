"""Rotating log files under the data folder, with a last line of defence against personal data.

Code never logs names, ID numbers, phones or addresses (it logs record uuids). The
``RedactingFilter`` still masks anything shaped like an ID number or a mobile number, and drops
CJK text from log messages, so that a mistake in a log call cannot leak personal data to disk.
"""

from __future__ import annotations

import logging
import logging.handlers
import re
import sys
from pathlib import Path

LOG_DIR = "logs"
LOG_FILE = "station.log"
MAX_BYTES = 1_000_000
BACKUPS = 5

_ID = re.compile(r"(?<![0-9])[0-9]{17}[0-9Xx](?![0-9])")
_PHONE = re.compile(r"(?<![0-9])1[3-9][0-9]{9}(?![0-9])")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")


def redact(text: str) -> str:
    text = _ID.sub("[id]", text)
    text = _PHONE.sub("[phone]", text)
    return _CJK.sub("[text]", text)


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        redacted = redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and record.exc_info[1] is not None:
            # Keep the type and the traceback's code lines, not the exception's text.
            exc = record.exc_info[1]
            record.msg = f"{record.msg} [{type(exc).__name__}]"
            record.exc_info = None
            record.exc_text = None
        return True


class LogFile(logging.handlers.RotatingFileHandler):
    """The rotating log file. A line that cannot be written (a full disk) is dropped with one
    warning on stderr, not a traceback per line: the command's own error says what failed."""

    warned = False

    def handleError(self, record: logging.LogRecord) -> None:  # noqa: N802 - logging's name
        if not LogFile.warned:
            LogFile.warned = True
            sys.stderr.write("WARNING station.logs: the log file cannot be written (disk full?)\n")


def log_dir(data_dir: Path) -> Path:
    return Path(data_dir) / LOG_DIR


def setup_file_logging(data_dir: Path, level: int = logging.INFO) -> Path | None:
    """Log to ``<data>/logs/station.log`` (rotating). Returns the path, or None when the folder
    cannot be written (the station still runs; stderr gets the warning)."""
    folder = log_dir(data_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handler = LogFile(
            folder / LOG_FILE, maxBytes=MAX_BYTES, backupCount=BACKUPS, encoding="utf-8"
        )
    except OSError:
        logging.getLogger(__name__).warning("cannot write logs under the data folder")
        return None
    handler.setFormatter(
        logging.Formatter(
            "%(asctime)s %(levelname)s %(process)d %(threadName)s %(name)s: %(message)s"
        )
    )
    handler.addFilter(RedactingFilter())
    root = logging.getLogger()
    for existing in list(root.handlers):
        if isinstance(existing, logging.handlers.RotatingFileHandler):
            root.removeHandler(existing)
    root.addHandler(handler)
    if root.level > level or root.level == logging.NOTSET:
        root.setLevel(level)
    return folder / LOG_FILE
