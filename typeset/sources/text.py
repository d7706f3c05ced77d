"""Text normalization: the one place where typed or OCR'd text is cleaned for typesetting.

`normalize(text)` is a pure function applied to every field of a record (one paragraph, title,
byline … at a time). It

1. applies Unicode NFC;
2. removes control characters (Cc) and invisible format characters (Cf: zero-width space,
   zero-width joiners, BOM, soft hyphen, direction marks …); every kind of whitespace (tab,
   newline, no-break space, ideographic space U+3000 …) becomes one ASCII space per run, and
   the ends are trimmed. A space between two Han characters is kept (it may be a meaningful
   gap: "通讯员 纪哲", a two-phrase headline);
3. turns ASCII punctuation typed inside Chinese text into the full-width mark
   (typography.md, "Han ↔ Latin/digits"):

   - ``, : ; ? !`` → ``，：；？！`` when the nearest real character on either side is Chinese
     (a Han character or a full-width CJK mark). Whitespace, other ASCII marks and quotes are
     looked through, so ``会议”,县委`` and ``纪哲),8月`` convert. A ``,`` or ``:`` with an ASCII
     digit immediately on both sides stays (1,000 · 10:30 · 3:2);
   - ``( )``: a matched pair becomes ``（ ）`` when its content holds a Chinese character or
     the text just outside it is Chinese (本报讯(通讯员 纪哲) · 各镇(街)党(工)委 ·
     GDP(国内生产总值)); an unmatched parenthesis follows the single-mark rule;
   - ``"…"`` → ``“…”`` as a pair (ASCII double quotes paired in order) when the quoted text or
     its surroundings are Chinese; ``'…'`` → ``‘…’`` when the quoted text is Chinese (an
     apostrophe between two ASCII letters or digits, as in "it's", is never a quote);
   - URLs (scheme:// or www.) and e-mail addresses are left exactly as they are.

   A space typed next to ``，、；：。`` is removed (an ASCII habit: "下午, 鄄城" →
   "下午，鄄城"); spaces next to other marks are kept.

The steps are repeated until nothing changes, so `normalize` is idempotent by construction.
No Han character is ever added, removed or moved (NFC maps a CJK compatibility ideograph to its
unified form, which is still one Han character).
"""

from __future__ import annotations

import re
import unicodedata

from typeset.model.chars import is_cjk

__all__ = ["normalize"]

_CURLY_QUOTES = "“”‘’"
_ASCII_MARKS = ",:;?!()\"'"
_TO_FULL = {",": "，", ":": "：", ";": "；", "?": "？", "!": "！", "(": "（", ")": "）"}

_WS = re.compile(r"\s+")
_SPACE_AROUND = re.compile(r" ?([，、；：。]) ?")
_URL = re.compile(r"(?:[A-Za-z][A-Za-z0-9+.\-]*://|www\.)[\x21-\x7e]+"
                  r"|[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,}")
_URL_TRAILING = ".,:;!?'\""


def normalize(text: str) -> str:
    """Clean one field of text for typesetting (see the module docstring for the rules)."""
    previous = None
    while text != previous:
        previous, text = text, _step(text)
    return text


def _step(text: str) -> str:
    text = unicodedata.normalize("NFC", text)
    text = "".join(ch for ch in text if ch.isspace() or unicodedata.category(ch) not in ("Cc", "Cf"))
    text = _WS.sub(" ", text).strip()
    if any(ch in _ASCII_MARKS for ch in text):
        text = _convert_punctuation(text)
    if any(ch in "，、；：。" for ch in text):
        text = _SPACE_AROUND.sub(r"\1", text)
    return text


def _protected(text: str) -> set[int]:
    """Indices inside URLs and e-mail addresses."""
    spans: set[int] = set()
    for m in _URL.finditer(text):
        url = m.group()
        while url and (url[-1] in _URL_TRAILING or (url[-1] == ")" and url.count(")") > url.count("("))):
            url = url[:-1]
        spans.update(range(m.start(), m.start() + len(url)))
    return spans


def _neighbour(chars: list[str], i: int, step: int, skip: str) -> str | None:
    j = i + step
    while 0 <= j < len(chars):
        if not (chars[j].isspace() or chars[j] in skip):
            return chars[j]
        j += step
    return None


def _chinese(ch: str | None) -> bool:
    return ch is not None and is_cjk(ch)


def _convert_punctuation(text: str) -> str:
    chars = list(text)
    protected = _protected(text) if ("/" in text or "@" in text or "www." in text) else set()
    quotes = '"\'' + _CURLY_QUOTES

    # Double quotes, paired in order.
    doubles = [i for i, c in enumerate(chars) if c == '"' and i not in protected]
    for a, b in zip(doubles[0::2], doubles[1::2]):
        inside = chars[a + 1:b]
        if (any(is_cjk(c) for c in inside) or _chinese(_neighbour(chars, a, -1, quotes))
                or _chinese(_neighbour(chars, b, +1, quotes))):
            chars[a], chars[b] = "“", "”"

    # Single quotes, paired in order; an apostrophe inside a word is not a quote.
    def apostrophe(i: int) -> bool:
        return (0 < i < len(chars) - 1 and chars[i - 1].isascii() and chars[i - 1].isalnum()
                and chars[i + 1].isascii() and chars[i + 1].isalnum())

    singles = [i for i, c in enumerate(chars) if c == "'" and i not in protected and not apostrophe(i)]
    for a, b in zip(singles[0::2], singles[1::2]):
        if any(is_cjk(c) for c in chars[a + 1:b]):
            chars[a], chars[b] = "‘", "’"

    # Parentheses, matched with a stack.
    stack: list[int] = []
    lone: list[int] = []
    for i, c in enumerate(chars):
        if i in protected:
            continue
        if c == "(":
            stack.append(i)
        elif c == ")":
            if not stack:
                lone.append(i)
                continue
            a = stack.pop()
            if (any(is_cjk(x) for x in chars[a + 1:i]) or _chinese(_neighbour(chars, a, -1, quotes))
                    or _chinese(_neighbour(chars, i, +1, quotes))):
                chars[a], chars[i] = "（", "）"
    lone.extend(stack)

    # Single marks (and unmatched parentheses): look through spaces, ASCII marks and quotes.
    n = len(chars)
    skip = set(_ASCII_MARKS + _CURLY_QUOTES)
    left: list[str | None] = [None] * n
    right: list[str | None] = [None] * n
    last = None
    for i in range(n):
        left[i] = last
        if not (chars[i].isspace() or chars[i] in skip):
            last = chars[i]
    last = None
    for i in range(n - 1, -1, -1):
        right[i] = last
        if not (chars[i].isspace() or chars[i] in skip):
            last = chars[i]
    lone_set = set(lone)
    for i, c in enumerate(chars):
        if c not in ",:;?!" and i not in lone_set:
            continue
        if i in protected or not (_chinese(left[i]) or _chinese(right[i])):
            continue
        if (c in ",:" and 0 < i < n - 1 and chars[i - 1] in "0123456789"
                and chars[i + 1] in "0123456789"):
            continue
        chars[i] = _TO_FULL[c]
    return "".join(chars)
