"""A record's body, read as Markdown by a real parser (markdown-it-py, CommonMark).

A body holds two kinds of block: paragraphs, whose text is plain runs and ``**bold**`` run-ins,
and ``## 小标题`` subheads. The lines of one paragraph are joined with nothing between them
(Chinese has no spaces between words; a hard-wrapped line must not gain one); a hard line break
(two trailing spaces, a trailing backslash) is joined the same way. Everything else Markdown can
say (tables, links, pictures, raw HTML, lists, other headings, quotes, code, rules, *emphasis*,
~~strike~~, link references) is one UserError naming the file, the line and what to do: it is
never printed as markup and never silently dropped.

CommonMark cannot see ``**`` as bold when it sits between a full-width mark and a Han character
(``**一是加强领导。**各镇``): such a pair is left as literal stars, which is reported too, with
the fix (put the mark outside: ``**一是加强领导**。各镇``).
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.token import Token

from typeset.model.errors import UserError

__all__ = ["Run", "Paragraph", "Subhead", "Block", "BriefItem", "parse_body", "brief_items", "escape_text",
           "line_start_escape", "as_markdown_paragraph", "as_markdown_subhead"]


@dataclass(frozen=True)
class Run:
    """A stretch of a paragraph's text: plain, or a bold run-in (set in 黑体)."""

    text: str
    bold: bool = False


@dataclass(frozen=True)
class Paragraph:
    """A paragraph: its runs (neighbouring runs differ in boldness) and its first line in the file."""

    runs: tuple[Run, ...]
    line: int

    @property
    def text(self) -> str:
        return "".join(run.text for run in self.runs)


@dataclass(frozen=True)
class Subhead:
    """A 小标题 (``## …``) and its line in the file."""

    text: str
    line: int


Block = Paragraph | Subhead


@dataclass(frozen=True)
class BriefItem:
    """One item of a 简讯 (``kind: briefs``) body: its 小标题 and the paragraphs under it."""

    title: str
    paragraphs: tuple[Paragraph, ...]
    line: int


# What each unsupported construct is called, and what to do about it.
_BLOCK_PROBLEMS = {
    "table_open": "a table: the page sets running text only; write it out as sentences or make it a picture",
    "bullet_list_open": "a list (a line starting with '-', '*' or '+'): write the items as paragraphs, "
                        "or write \\- to keep the mark",
    "ordered_list_open": "a numbered list (a line starting with '1.' or '1)'): write the items as paragraphs, "
                         "or write 1\\. to keep the number",
    "blockquote_open": "a quote block (a line starting with '>'): delete the '>'",
    "code_block": "a code block (a line indented by 4 or more spaces): delete the indentation",
    "fence": "a code block (``` or ~~~): delete the fence lines",
    "hr": "a rule line ('---', '***' or '___'): delete it (paragraphs are separated by a blank line)",
    "html_block": "HTML markup: delete the tags and keep the text",
}
_INLINE_PROBLEMS = {
    "link_open": "a link: the page prints text only; keep the words and delete the brackets and the address",
    "image": "a picture in the body: list it in the front matter under 'pictures:' (file, caption)",
    "html_inline": "HTML markup (<…>): delete the tags and keep the text",
    "em_open": "*emphasis* or _emphasis_ (one star or underscore): only **bold** is set; "
               "write **…** or delete the marks",
    "s_open": "~~strikethrough~~: delete the ~~",
    "code_inline": "`code` in backticks: delete the backticks",
}
_STRAY_BOLD = ("'**' that is not read as bold (CommonMark does not see '**' between a punctuation mark "
               "and a character as a boundary): put the mark outside the stars, **一是加强领导**。各镇, "
               "or write \\*\\* for two stars")


@functools.cache
def _parser() -> MarkdownIt:
    # Tables and strikethrough are switched on only so that they are recognised and refused;
    # text_join is off so that escaped characters (\*) stay apart from literal text.
    return MarkdownIt("commonmark").enable(["table", "strikethrough"]).disable("text_join")


def parse_body(body: str, *, where: str, line_offset: int = 0) -> list[Block]:
    """The blocks of a record's body. `where` is the file named in errors; `line_offset` is the
    number of file lines before the body (the front matter with its two '---' lines), so that
    errors name lines of the file."""
    def fail(line: int, message: str) -> UserError:
        return UserError(message, where=f"{where}:{line + line_offset}")

    env: dict = {}
    tokens = _parser().parse(body, env)
    if env.get("references"):
        first = min(ref["map"][0] for ref in env["references"].values())
        raise fail(first + 1, "a link reference ('[name]: address'): the page prints text only; delete the line")

    blocks: list[Block] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        line = token.map[0] + 1 if token.map else 0
        if token.type == "paragraph_open":
            runs = _runs(tokens[i + 1], line, fail)
            if runs:
                blocks.append(Paragraph(runs, line + line_offset))
            i += 3
        elif token.type == "heading_open":
            blocks.append(Subhead(_subhead_text(token, tokens[i + 1], line, fail), line + line_offset))
            i += 3
        else:
            raise fail(line, _BLOCK_PROBLEMS.get(token.type, f"Markdown '{token.type}' is not part of a "
                                                             "record's text: delete it"))
    return blocks


def _subhead_text(heading: Token, inline: Token, line: int, fail) -> str:
    if heading.markup in ("=", "-"):
        raise fail(line, "a line of '===' or '---' under text makes it a heading: write '## 小标题' "
                         "for a 小标题, or delete the line")
    if heading.tag != "h2":
        what = ("'#' is the title, which belongs in the front matter ('title:')" if heading.tag == "h1"
                else f"'{heading.markup}' is not a heading level of the body")
        raise fail(line, f"{what}: a 小标题 is written '## 小标题'")
    runs = _runs(inline, line, fail)
    if any(run.bold for run in runs):
        raise fail(line, "bold (**) inside a 小标题: a 小标题 is set bold already; delete the stars")
    text = "".join(run.text for run in runs)
    if not text.strip():
        raise fail(line, "'##' without text: write the 小标题 after '## ', or delete the line")
    return text


def _runs(inline: Token, line: int, fail) -> tuple[Run, ...]:
    """The runs of an inline token: text joined across line breaks, bold where ** says so."""
    runs: list[Run] = []
    bold = 0
    for child in inline.children or []:
        kind = child.type
        if kind in ("softbreak", "hardbreak"):
            line += 1
        elif kind == "strong_open":
            bold += 1
        elif kind == "strong_close":
            bold -= 1
        elif kind in ("text", "text_special"):
            if kind == "text" and "**" in child.content:
                raise fail(line, _STRAY_BOLD)
            if not child.content:
                continue
            if runs and runs[-1].bold == (bold > 0):
                runs[-1] = Run(runs[-1].text + child.content, bold > 0)
            else:
                runs.append(Run(child.content, bold > 0))
        else:
            raise fail(line, _INLINE_PROBLEMS.get(kind, f"Markdown '{kind}' is not part of a record's text: "
                                                        "delete it"))
    return tuple(runs)


def brief_items(blocks: list[Block], *, where: str) -> list[BriefItem]:
    """A 简讯 (`kind: briefs`) body as its items: each '## 小标题' with the paragraphs under it."""
    items: list[BriefItem] = []
    for block in blocks:
        if isinstance(block, Subhead):
            items.append(BriefItem(block.text, (), block.line))
        elif not items:
            raise UserError("a briefs (简讯) body is a list of items, each '## 小标题' followed by its text: "
                            "put a '## 小标题' above this text", where=f"{where}:{block.line}")
        else:
            last = items[-1]
            items[-1] = BriefItem(last.title, (*last.paragraphs, block), last.line)
    if not items:
        raise UserError("a briefs (简讯) body is empty: write its items, each '## 小标题' followed by its text",
                        where=where)
    for item in items:
        if not item.paragraphs:
            raise UserError(f"the brief '## {item.title}' has no text: write it below the 小标题, or delete the "
                            "小标题", where=f"{where}:{item.line}")
    return items

_INLINE_SPECIAL = re.compile(r"([\\`*_\[\]<>~&])")
_LINE_START = re.compile(r"^(#|>|-|\+|=|\d{1,9}(?=[.)]))")


def escape_text(text: str) -> str:
    """Text with every mark that Markdown would read as markup escaped (it reads back as itself)."""
    return _INLINE_SPECIAL.sub(r"\\\1", text)


def line_start_escape(line: str) -> str:
    """A backslash before a mark that would make the line a heading, quote or list."""
    return _LINE_START.sub(lambda m: m.group(1) + "\\" if m.group(1)[0].isdigit() else "\\" + m.group(1),
                           line, 1)


def as_markdown_paragraph(text: str) -> str:
    """A plain paragraph written so that it reads back as exactly itself."""
    return line_start_escape(escape_text(text))


def as_markdown_subhead(text: str) -> str:
    """A 小标题 written as a ``## …`` line that reads back as exactly itself."""
    return "## " + escape_text(text).replace("#", "\\#")
