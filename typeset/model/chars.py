"""Character classes of Chinese text, defined once: Han characters, Chinese context, and the
punctuation classes the composition rules (禁则, compression) name."""

from __future__ import annotations

_HAN_RANGES = (
    (0x3400, 0x4DBF),    # Extension A
    (0x4E00, 0x9FFF),    # URO
    (0xF900, 0xFAFF),    # compatibility ideographs
    (0x20000, 0x3134F),  # Extensions B–G and the compatibility supplement
    (0x3007, 0x3007),    # 〇
)
_OTHER_CJK_RANGES = (
    (0x3001, 0x303F),    # CJK symbols and punctuation 、。〈〉《》「」『』【】〔〕…
    (0x3040, 0x30FF),    # kana
    (0xFF01, 0xFF0F), (0xFF1A, 0xFF20), (0xFF3B, 0xFF40), (0xFF5B, 0xFF65),  # full-width marks
    (0x2014, 0x2014),    # — (the Chinese dash is two of them)
    (0x2026, 0x2026),    # … (the Chinese ellipsis is two of them)
    (0xFE10, 0xFE1F), (0xFE30, 0xFE4F),  # vertical / compatibility forms
)

# 禁则 and compression classes (typography.md)
OPENING = "（［｛〔〖【《〈「『“‘"
CLOSING = "，。、：；！？）］｝〕〗】》〉」』”’"
NO_START = CLOSING + "·・‧〙〛"
NO_END = OPENING + "／"
DASH_PAIRS = ("——", "……")


def _in(code: int, ranges: tuple[tuple[int, int], ...]) -> bool:
    return any(lo <= code <= hi for lo, hi in ranges)


def is_han(ch: str) -> bool:
    """A Han character (汉字), including the extensions, compatibility ideographs and 〇."""
    return _in(ord(ch), _HAN_RANGES)


def is_cjk(ch: str) -> bool:
    """Chinese context: a Han character, kana, or an unambiguous full-width CJK mark.

    Curly quotes are not counted (English text uses them too); they are looked through.
    """
    code = ord(ch)
    return _in(code, _HAN_RANGES) or _in(code, _OTHER_CJK_RANGES)


def han_chars(text: str) -> str:
    """The Han characters of `text`, in order (for checks that nothing was lost)."""
    return "".join(ch for ch in text if is_han(ch))
