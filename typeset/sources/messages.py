"""Messages a user reads about a record or a design: a validation error as one line naming the
field, a control character by its code point and name."""

from __future__ import annotations

import datetime as dt
import unicodedata

from pydantic import ValidationError


def describe_character(ch: str) -> str:
    """A control character for a message: U+0007 BEL."""
    names = {"\t": "TAB", "\n": "LINE FEED", "\r": "CARRIAGE RETURN", "\x00": "NUL", "\x07": "BEL",
             "\x1b": "ESC", "\x7f": "DEL"}
    name = names.get(ch) or unicodedata.name(ch, "")
    return f"U+{ord(ch):04X} {name}".strip()


def describe(error: ValidationError) -> str:
    """The first problem of a validation error as one line: field 'a.b' and what to do."""
    first = error.errors()[0]
    field = ".".join(str(p) for p in first["loc"]) or "(top level)"
    message = first["msg"]
    if first["type"] == "missing":
        message = "is required but missing"
    elif first["type"] == "extra_forbidden":
        message = "is not a known field (check the spelling)"
    elif first["type"] == "string_type":
        got = first.get("input")
        kind = ("empty" if got is None else "a list" if isinstance(got, (list, tuple))
                else "a table" if isinstance(got, dict) else "true/false" if isinstance(got, bool)
                else "a number" if isinstance(got, (int, float)) else "a date" if isinstance(got, dt.date)
                else f"a {type(got).__name__}")
        message = f"must be text, not {kind}: write the text in quotes (\"…\")"
    elif first["type"] == "string_unicode":
        message = "holds a character that is not valid Unicode (a lone surrogate): delete it"
    elif first["type"] == "value_error":
        message = message.removeprefix("Value error, ")
    elif first["type"] == "string_too_long" and isinstance(first.get("input"), str):
        message = (f"is {len(first['input'].strip()):,} characters long, at most "
                   f"{first['ctx']['max_length']} are allowed: shorten it")
    elif first["type"] == "too_short" and field == "paragraphs":
        message = "is empty: write the article's text below the front matter"
    if not first["loc"]:            # a rule of the whole record: no one field to name
        return " ".join(message.split())
    return " ".join(f"field '{field}' {message}".split())

