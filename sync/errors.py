"""The sync layer's own exception: a round that failed in a way worth retrying later."""

from __future__ import annotations


class RetryLater(Exception):
    """The service is unreachable, failing or answered nonsense: try again with backoff."""

    def __init__(self, why: str, after: float | None = None) -> None:
        super().__init__(why)
        self.why = why
        self.after = after


__all__ = ["RetryLater"]
