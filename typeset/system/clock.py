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


def attachment_time(issue_date: dt.date, given: int | None = None) -> dt.datetime:
    """When a build's attachments were made, in UTC (WeasyPrint writes the date with a literal
    Z whatever the zone): SOURCE_DATE_EPOCH, else the issue date at midnight Beijing time — the
    PDF's own dates (render.document_date), never "now"."""
    epoch = source_date_epoch(given)
    if epoch is not None:
        return dt.datetime.fromtimestamp(epoch, dt.timezone.utc)
    return dt.datetime.combine(issue_date, dt.time(), BEIJING).astimezone(dt.timezone.utc)


def beijing_time(given: int | None = None) -> str:
    """A time printed on a page for the newsroom (the proof's "built"), in Beijing time:
    SOURCE_DATE_EPOCH when set, else now."""
    epoch = source_date_epoch(given)
    return printed_time(dt.datetime.fromtimestamp(epoch, BEIJING) if epoch is not None else dt.datetime.now(BEIJING))


def printed_time(when: dt.datetime) -> str:
    """A moment as a page prints it for the newsroom: Beijing time, to the minute."""
    return when.astimezone(BEIJING).strftime("%Y-%m-%d %H:%M 北京时间")
