"""Time, read once: SOURCE_DATE_EPOCH (reproducible builds) and the paper's time zone."""

from __future__ import annotations

import datetime as dt
import os

BEIJING = dt.timezone(dt.timedelta(hours=8))


def source_date_epoch(given: int | None = None) -> int | None:
    """`given`, else $SOURCE_DATE_EPOCH when it is a whole number of seconds, else None."""
    if given is None and os.environ.get("SOURCE_DATE_EPOCH", "").isdigit():
        return int(os.environ["SOURCE_DATE_EPOCH"])
    return given
