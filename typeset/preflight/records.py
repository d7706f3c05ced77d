"""Preflight of the records, before rendering: 缺字 (missing glyphs) and control characters.

Every character of every printed field must be in the cmap of the role font that sets it. Noto
CJK stops at 65,535 glyphs, so many CJK Extension B characters have no glyph; Pango then falls
back to another installed face. A character one of the fallback faces (HanaMinA/B,
fonts-hanazono) has is a warning; a character no face has would print as a .notdef box (tofu):
an error naming the character and its code point.
"""

from __future__ import annotations

import functools
import unicodedata
from typing import Iterator

from typeset.model.fields import FIELD_NAMES, FIELD_ROLES
from typeset.model.findings import Finding, article_finding
from typeset.model.records import Article, LoadedIssue
from typeset.system import fonts
from typeset.system.fonts import FontRole


def _has(role: FontRole, char: str) -> bool:
    return role.file is not None and ord(char) in fonts.cmap(str(role.file), role.index)


@functools.cache
def fallback_for(char: str) -> FontRole | None:
    """The first fallback face that has `char`, or None."""
    return next((face for face in fonts.fallbacks() if _has(face, char)), None)


def allowed_families() -> set[str]:
    """Font families a page may embed: the roles' and the fallback faces' (PDF spelling)."""
    names = {r.family for r in (*fonts.role_map().values(), *fonts.fallback_map().values())}
    return {n.replace(" ", "-") for n in names} | {n.replace(" ", "") for n in names}


def _fields(article: Article) -> Iterator[tuple[str, str, str]]:
    """(field label, role, text) of every field of an article that gets printed."""
    for name in ("column", "kicker", "title", "subtitle", "dateline"):
        value = getattr(article, name)
        if value:
            yield name, FIELD_ROLES[name], value
    text_role = FIELD_ROLES[{"comment": "comment", "photo": "caption"}.get(article.kind, "paragraphs")]
    for i, paragraph in enumerate(article.paragraphs, 1):
        yield f"paragraphs.{i}", FIELD_ROLES["subhead"] if i - 1 in article.subheads else text_role, paragraph
    if article.byline:
        yield "byline", "kaiti", article.byline
    for i, picture in enumerate(article.pictures, 1):
        for name in ("caption", "credit"):
            value = getattr(picture, name)
            if value:
                yield f"pictures.{i}.{name}", "kaiti", value


def is_emoji(ch: str) -> bool:
    """A pictograph of the emoji blocks: a fallback face may list it, but Pango sets it from
    whatever emoji face the system has (a face no page may embed), so it counts as no face's."""
    return 0x1F000 <= ord(ch) <= 0x1FAFF


def _field_label(name: str) -> str:
    base = name.split(".")[-1] if name.startswith("pictures") else name.split(".")[0]
    chinese = FIELD_NAMES.get(base, "")
    return f"{chinese} ({name})" if chinese else name


def _context(text: str, i: int) -> str:
    return "…" + text[max(0, i - 6):i + 7] + "…"


def _check_text(text: str, field: str, role_key: str, *, article: Article | None = None,
                page: int | None = None) -> list[Finding]:
    findings: list[Finding] = []
    role = fonts.font(role_key)
    table = fonts.cmap(str(role.file), role.index)
    if all(unicodedata.category(ch) not in ("Cc", "Cf") and (ch.isspace() or ord(ch) in table) for ch in set(text)):
        return findings         # the common case, decided once a distinct character
    label = _field_label(field)
    seen: set[str] = set()
    for i, ch in enumerate(text):
        category = unicodedata.category(ch)
        if category == "Cc":
            findings.append(article_finding(
                "error", "control", f"control character U+{ord(ch):04X} in {label} at position {i + 1} "
                f"({_context(text, i)!r})", page=page, article=article,
                hint=f"delete it from the field '{field}' (re-import or run the text through typeset.text.normalize)"))
            continue
        if category == "Cf":
            findings.append(article_finding(
                "warning", "control", f"invisible format character U+{ord(ch):04X} "
                f"({unicodedata.name(ch, 'unnamed')}) in {label}", page=page, article=article,
                hint=f"delete it from the field '{field}'"))
            continue
        if ch.isspace() or ch in seen or ord(ch) in table:
            continue
        seen.add(ch)
        count = text.count(ch)
        times = f" ({count}×)" if count > 1 else ""
        fallback = None if is_emoji(ch) else fallback_for(ch)
        if fallback:
            findings.append(article_finding(
                "warning", "glyphs", f"缺字 '{ch}' (U+{ord(ch):04X}){times} in {label} is not in "
                f"{role.name} ({role.family}); set from fallback face {fallback.family}",
                page=page, article=article,
                hint="check the proof: the fallback face is a Ming style that may not match the "
                     "role; if the character is a variant, use the standard form"))
        else:
            findings.append(article_finding(
                "error", "glyphs", f"缺字 '{ch}' (U+{ord(ch):04X}){times} in {label} "
                f"({_context(text, i)!r}): not in {role.name} ({role.family}) nor in any fallback "
                f"face ({', '.join(f.family for f in fonts.fallback_map().values())}); it would print as a blank box (tofu)",
                page=page, article=article,
                hint="replace the character (a common variant, or 字 + description), or install a "
                     "face that has it (e.g. fonts-babelstone-han) and add it as a fallback"))
    return findings


def check_records(issue: LoadedIssue) -> list[Finding]:
    """Glyph coverage and control characters of every printed field, before rendering."""
    findings: list[Finding] = []
    page_of = {slug: page.number for page in issue.issue.pages for slug in page.articles}
    for page in issue.issue.pages:
        for name in ("section", "editor", "designer", "proofreader"):
            value = getattr(page, name)
            if value:
                findings += _check_text(value, name, "heiti", page=page.number)
    findings += _check_text(issue.issue.paper, "paper", "heiti")
    for slug, article in issue.articles.items():
        for name, role, text in _fields(article):
            findings += _check_text(text, name, role, article=article, page=page_of.get(slug))
    return findings

