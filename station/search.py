"""Search text preparation: FTS5 tokens for Chinese text, and what a query string means.

FTS5's unicode61 tokenizer keeps a run of CJK characters as one token, which would only find
whole names. We index one token per CJK character and per digit (``张 三 丰``, ``1 2 3 号``) and
search with a phrase query, so any substring of a name or address matches, whatever its length.
"""

from __future__ import annotations

import re
import unicodedata

_CJK = re.compile(r"([\u3400-\u9fff\uf900-\ufaff\U00020000-\U0002ffff0-9])")
_DIGITS = re.compile(r"^[0-9]+[0-9Xx]?$")


def fts_text(*parts: str | None) -> str:
    joined = " ".join(p for p in parts if p)
    joined = unicodedata.normalize("NFKC", joined)
    return " ".join(_CJK.sub(r" \1 ", joined).split())


def fts_query(text: str) -> str | None:
    """A safe FTS5 phrase query for ``text``, or None when nothing searchable remains."""
    tokens = fts_text(text).split()
    cleaned = [re.sub(r"[^\w]", "", t) for t in tokens]
    cleaned = [t for t in cleaned if t]
    if not cleaned:
        return None
    return '"' + " ".join(cleaned) + '"'


def classify(text: str) -> str:
    """``digits`` (ID number, phone or application number, whole or prefix) or ``text``."""
    t = text.strip().replace(" ", "")
    return "digits" if _DIGITS.match(t) else "text"
