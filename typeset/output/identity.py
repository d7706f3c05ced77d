"""Identifiers derived from content, so the same records give the same bytes."""

from __future__ import annotations

import hashlib


def document_uuid(text: str) -> str:
    """A UUID-shaped identifier (XMP DocumentID) derived from `text`."""
    h = hashlib.sha256(text.encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"
