"""Import a plain-text page dump (OCR'd or typed) into article records.

The dump format (shared/design/page.md, shared/seeds/): ``# 版名`` is the section, every
``## 主题`` starts an article, the rest is text in blocks separated by blank lines.

Rules, in the order they are applied:

* **Blocks and OCR breaks.** Inside a block, lines are joined with nothing between them
  (hard-wrapped text) unless every line but the last ends a sentence, in which case each line is
  a paragraph (a one-paragraph-per-line dump). Between blocks, a blank line (or several) after
  text that does not end a sentence is an OCR break: the two pieces are joined with nothing
  inserted ("电信网" + "络诈骗" → "电信网络诈骗"). A piece ends a sentence when it ends with one
  of ``。！？…；：.!?;:`` possibly followed by closing marks (``”’）」』》〉】〕)"'``): "关怀。”"
  ends a sentence, "纪哲）" and "要求”" do not.
* **Section.** ``# X`` is the section name (版名). Only one, before the first headline.
* **Headline.** ``## X`` starts an article; two ``##`` lines with nothing but blank lines
  between them are one headline broken in two (joined with a space: the phrase gap).
  Deeper headings (``### X``) are 小标题 (``subheads``, written ``## X`` in the record) without
  the ``#``, never joined to the text around them.
* **Unmarked subheads.** A dump without ``###`` marks a 小标题 only by setting it alone, and an
  OCR break can leave a short piece alone too ("今年，鄄城县总工会联合" + "团县委，…"), so a
  plain line is taken as a subhead only when all of this holds: it is a block of one line, at
  most 20 characters, with a Han character and no punctuation but spaces, quotes, 《》 and the
  like (a numbered one, "一、…" "（一）…" "(1)…", may also hold ，、), not a credit; the piece
  before it, in the same article, ends a sentence; more text of the article follows it; and the
  article has at least two such lines (subheads come in series; a lone one stays text and may
  be repaired as an OCR break). A subhead is never joined to the text before or after it.
* **Kicker (引题).** Only in two places, so that the end of one article is never mistaken for
  the kicker of the next: (a) the text between the section header (or the top of the dump)
  and the first ``##`` is the first article's kicker (at most 60 characters, one paragraph
  after OCR repair; anything longer is an error asking for a ``##``); (b) a block written as
  ``引题：X`` (or ``引题:X``) just before a ``##`` is that article's kicker. A short line
  before a later ``##`` without that marker stays with the article above it (usually its
  byline).
* **Subtitle (副题).** The first block after a headline, if it starts with a dash (``——``,
  ``———``, ``—``, ``--``, ``――``) or is written ``副题：X``. The dash is normalised to ``——``
  and kept (it is printed: "——记…").
* **End byline.** The last block of an article, if it is a credit: one or more
  ``role name(s)`` groups, the roles being 记者 通讯员 实习生 作者 摄影 文/图 … with an
  optional 本报/特约/见习 prefix, names of 1–6 Han characters (· allowed) separated by
  spaces or 、, optionally in brackets, at most 40 characters: "通讯员 纪哲",
  "记者 张三 李四", "（通讯员 纪哲）", "本报记者 王五". It is taken before OCR repair, so a
  missing 。 before it cannot glue it to the text. A credit in brackets run in after the last
  sentence ("…的效果。（记者 张三）") is taken too. Stored without brackets.
* **Page credits.** A last block of the dump such as "责任编辑 张三 美编 李四 校对 王五" goes
  to the page's editor / designer / proofreader, not into the last article.
* **Dateline (电头).** A first paragraph starting with 本报讯（…）, 本报X月X日讯（…）,
  本报北京X月X日电（…）, 新华社北京X月X日电（…） (any agency or paper whose name ends in
  社/网/台/报, always with a date "X月X日电"), or one of those heads without a credit but
  followed by a space ("本报讯 近日…"): the dateline goes to ``dateline`` with full-width
  brackets ("本报讯（通讯员 纪哲）") and is removed from the paragraph, whose leading spaces
  are stripped.
* Every field is passed through `typeset.text.normalize`.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, ValidationError

from typeset.model.errors import UserError
from typeset.model.records import ARTICLE_MAX_CHARS, HEAD_MAX, NAME_MAX, Article, Issue, IssueDocument, Page

from .folder_writer import toml_string, write_records
from .issue_folder import read_text
from .markdown_body import as_markdown_paragraph, as_markdown_subhead
from .messages import describe
from .text import normalize

__all__ = ["ImportedArticle", "ImportedPage", "parse_dump", "import_file", "page_document", "write_issue",
           "ends_sentence"]

KICKER_MAX = 60
BYLINE_MAX = 40


class ImportedArticle(BaseModel):
    model_config = ConfigDict(frozen=True)

    kicker: str | None = None
    title: str
    subtitle: str | None = None
    dateline: str | None = None
    byline: str | None = None
    paragraphs: list[str]
    subheads: tuple[int, ...] = ()     # indexes of the paragraphs that are 小标题


class ImportedPage(BaseModel):
    model_config = ConfigDict(frozen=True)

    section: str | None = None
    articles: list[ImportedArticle]
    editor: str | None = None
    designer: str | None = None
    proofreader: str | None = None


# ---------------------------------------------------------------------------------------------
# Sentence ends and OCR breaks

_SENTENCE_END = set("。！？…；：.!?;:")
_CLOSERS = set("”’）」』》〉】〕)\"'")


def ends_sentence(text: str) -> bool:
    """True if `text` ends a sentence (so a break after it is a real paragraph break)."""
    t = text.rstrip()
    i = len(t)
    while i and t[i - 1] in _CLOSERS:
        i -= 1
    return i > 0 and t[i - 1] in _SENTENCE_END


def _block_pieces(lines: list[str]) -> list[str]:
    """A block's lines: joined (hard-wrapped), or one paragraph each if every line ends a sentence."""
    lines = [line.strip() for line in lines if line.strip()]
    if len(lines) > 1 and all(ends_sentence(line) for line in lines[:-1]):
        return lines
    return ["".join(lines)]


def _repair(pieces: list[str], sealed: frozenset[int] = frozenset()) -> list[tuple[str, bool]]:
    """Join a piece to the one before it when the one before does not end a sentence.

    Pieces whose index is in `sealed` (小标题) are never joined to a neighbour; each paragraph
    comes with True if it is one of them.
    """
    paragraphs: list[tuple[str, bool]] = []
    previous_sealed = True
    for i, piece in enumerate(pieces):
        if not previous_sealed and i not in sealed and not ends_sentence(paragraphs[-1][0]):
            paragraphs[-1] = (paragraphs[-1][0] + piece, False)
        else:
            paragraphs.append((piece, i in sealed))
        previous_sealed = i in sealed
    return paragraphs


SUBHEAD_MAX = 20
_NUMBERED = re.compile(r"^(?:[一二三四五六七八九十]{1,3}、|[（(](?:[一二三四五六七八九十]{1,3}|\d{1,2})[）)])")
_SUBHEAD_MARKS = re.compile(r"[\s“”‘’\"'《》〈〉「」『』·•—–\-/+＋]")


def _may_be_subhead(line: str) -> bool:
    """A line that could be an unmarked 小标题 (taken only in a series, see the module docstring)."""
    text = normalize(line)
    numbered = _NUMBERED.match(text)
    rest = text[numbered.end():] if numbered else text
    if numbered:
        rest = re.sub(r"[，、]", "", rest)
    return (0 < len(text) <= SUBHEAD_MAX and bool(re.search(r"[\u3400-\u9fff]", rest))
            and all(c.isalnum() or _SUBHEAD_MARKS.match(c) for c in rest) and byline_of(text) is None)


# ---------------------------------------------------------------------------------------------
# Patterns (matched on normalized text)

_NAME = r"[\u3400-\u9fff·]{1,6}"
_ROLE = (r"(?:(?:本报|本台|本刊|新华社)?(?:特约|见习|实习|首席)?(?:摄影记者|记者|通讯员|实习生|撰稿人|撰稿)"
         r"|作者|摄影|文/图|文／图|图/文|图／文|图文)")
_ROLE_SHORT = r"(?:文|图|摄)"  # one-character roles need a separator after them
_GROUP = (rf"(?:{_ROLE}[ ：:]*{_NAME}|{_ROLE_SHORT}[ ：:/]+{_NAME})"
          rf"(?:[ 、，]+(?!{_ROLE}){_NAME})*")
_CREDIT = rf"{_GROUP}(?:[ 、，]+{_GROUP})*"
_BYLINE = re.compile(rf"^(?:（({_CREDIT})）|\[({_CREDIT})\]|【({_CREDIT})】|({_CREDIT}))$")
_RUN_IN_BYLINE = re.compile(rf"(?<=[。！？…”’])（({_CREDIT})）$")

_PAGE_CREDIT_ROLE = {"责任编辑": "editor", "编辑": "editor", "美编": "designer", "美术编辑": "designer",
                     "校对": "proofreader"}
_PAGE_CREDIT_ITEM = rf"(责任编辑|美术编辑|美编|校对|编辑)[ ：:]*({_NAME}|[×xX*＊]+)"
_PAGE_CREDITS = re.compile(rf"^{_PAGE_CREDIT_ITEM}(?:[ 、，；]*{_PAGE_CREDIT_ITEM})*$")

_DAY = r"(?:\d{1,2}|[一二三四五六七八九十]{1,3})月(?:\d{1,2}|[一二三四五六七八九十]{1,3})日"
_PLACE = r"[\u4e00-\u9fff]{0,8}"
_DATELINE_HEAD = (rf"本报讯|本报{_PLACE}{_DAY}[讯电]"
                  rf"|[\u4e00-\u9fff]{{1,8}}?(?:社|网|台|报){_PLACE}{_DAY}电")
_DATELINE = re.compile(rf"^(?P<head>{_DATELINE_HEAD}) ?（(?P<credit>[^（）]{{1,40}})）"
                       rf"|^(?P<bare>{_DATELINE_HEAD}) ")

DASH = re.compile(r"^\s*(?:[—―─]{1,3}|-{2,3})\s*")
MARKER = re.compile(r"^\s*(引题|副题)\s*[:：]\s*")
_HEADING = re.compile(r"^\s*(#{1,6})\s+(.*?)(?:\s+#+)?\s*$")


def byline_of(text: str) -> str | None:
    """The credit of a byline paragraph (normalized, brackets removed), or None."""
    text = normalize(text)
    if len(text) > BYLINE_MAX:
        return None
    m = _BYLINE.match(text)
    if not m:
        return None
    return next(g for g in m.groups() if g).strip()


def _page_credits(text: str) -> dict[str, str] | None:
    text = normalize(text)
    if len(text) > 60 or not _PAGE_CREDITS.match(text):
        return None
    credits: dict[str, str] = {}
    for role, name in re.findall(_PAGE_CREDIT_ITEM, text):
        credits.setdefault(_PAGE_CREDIT_ROLE[role], name)
    return credits


def split_dateline(paragraph: str) -> tuple[str | None, str]:
    m = _DATELINE.match(paragraph)
    if not m:
        return None, paragraph
    if m.group("bare"):
        dateline = m.group("bare")
    else:
        dateline = f"{m.group('head')}（{m.group('credit').strip()}）"
    return dateline, paragraph[m.end():].lstrip()


# ---------------------------------------------------------------------------------------------
# Parsing

class _Block:
    __slots__ = ("kind", "text", "lines", "line")

    def __init__(self, kind: str, line: int, text: str = "", lines: list[str] | None = None):
        self.kind, self.line, self.text, self.lines = kind, line, text, lines or []


def _tokenize(text: str) -> list[_Block]:
    """Section headers, headlines, text blocks (blank-line separated), with 1-based line numbers."""
    blocks: list[_Block] = []
    current: _Block | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        m = _HEADING.match(line)
        if m:
            current = None
            level = len(m.group(1))
            if level == 1:
                blocks.append(_Block("section", number, m.group(2)))
            elif level == 2:
                blocks.append(_Block("headline", number, m.group(2)))
            else:  # 小标题: a paragraph of its own
                blocks.append(_Block("subheading", number, lines=[m.group(2)]))
            continue
        if not line.strip():
            current = None
            continue
        if current is None:
            current = _Block("text", number)
            blocks.append(current)
        current.lines.append(line)
    return blocks


def _at(where: str | None, line: int) -> str | None:
    return f"{where}:{line}" if where else f"line {line}"


def parse_dump(text: str, *, where: str | None = None) -> ImportedPage:
    """Parse a page dump into a page of articles (see the module docstring for the rules).

    `where` (the dump's path) is named in errors.
    """
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise UserError("the dump is empty", where=where)
    blocks = _tokenize(text)
    first_headline = next((i for i, b in enumerate(blocks) if b.kind == "headline"), None)
    if first_headline is None:
        raise UserError("no article headline found: start each article with a line '## 标题'", where=where)

    # Section and preamble (the first article's kicker).
    section: str | None = None
    preamble: list[_Block] = []
    for block in blocks[:first_headline]:
        if block.kind == "section":
            if section is not None:
                raise UserError(f"a second section header '# {block.text}': one dump holds one page",
                                where=_at(where, block.line))
            if preamble:
                raise UserError("text before the section header '# 版名': delete it or move it below",
                                where=_at(where, preamble[0].line))
            section = normalize(block.text) or None
            if section and len(section) > NAME_MAX:
                raise UserError(f"the section name (版名) is {len(section)} characters long, at most {NAME_MAX}: "
                                "shorten it", where=_at(where, block.line))
        else:
            preamble.append(block)
    for block in blocks[first_headline:]:
        if block.kind == "section":
            raise UserError(f"a section header '# {block.text}' after the first headline: "
                            "one dump holds one page, with '# 版名' at the top", where=_at(where, block.line))

    first_kicker = _preamble_kicker(preamble, where)

    # Group into articles: headline(s) + text blocks.
    groups: list[tuple[list[_Block], list[_Block]]] = []
    for block in blocks[first_headline:]:
        if block.kind == "headline":
            if groups and not groups[-1][1]:
                groups[-1][0].append(block)  # a headline broken over two '##' lines
            else:
                groups.append(([block], []))
        else:
            groups[-1][1].append(block)

    # An explicit '引题：' block at the end of one article belongs to the next.
    kickers: list[str | None] = [first_kicker] + [None] * (len(groups) - 1)
    for k in range(len(groups) - 1):
        body = groups[k][1]
        last = "".join(line.strip() for line in body[-1].lines) if body else ""
        if (m := MARKER.match(last)) and m.group(1) == "引题":
            kickers[k + 1] = normalize(last[m.end():]) or None
            body.pop()

    page_credits: dict[str, str] = {}
    last_body = groups[-1][1]
    if last_body:
        credits = _page_credits(" ".join(l.strip() for l in last_body[-1].lines))
        if credits:
            page_credits = credits
            last_body.pop()

    articles = [_article(heads, body, kickers[k], where) for k, (heads, body) in enumerate(groups)]
    return ImportedPage(section=section, articles=articles, **page_credits)


def _preamble_kicker(preamble: list[_Block], where: str | None) -> str | None:
    if not preamble:
        return None
    pieces = [p for block in preamble for p in _block_pieces(block.lines)]
    if pieces:
        pieces[0] = MARKER.sub("", pieces[0], 1) if MARKER.match(pieces[0]) else pieces[0]
    paragraphs = [normalize(p) for p, _ in _repair(pieces)]
    paragraphs = [p for p in paragraphs if p]
    if not paragraphs:
        return None
    if len(paragraphs) > 1 or len(paragraphs[0]) > KICKER_MAX:
        raise UserError(f"the text before the first headline is not a kicker (引题 is one short line, at most "
                        f"{KICKER_MAX} characters): start that article with a line '## 标题'",
                        where=_at(where, preamble[0].line))
    return paragraphs[0]


def _article(heads: list[_Block], body: list[_Block], kicker: str | None, where: str | None) -> ImportedArticle:
    title = normalize(" ".join(h.text for h in heads))
    line = heads[0].line
    if not title:
        raise UserError("empty headline: write the title after '## '", where=_at(where, line))

    body = list(body)
    subtitle = None
    if body:
        first = "".join(l.strip() for l in body[0].lines)
        marker = MARKER.match(first)
        if marker and marker.group(1) == "副题":
            subtitle = normalize(first[marker.end():]) or None
            body.pop(0)
        elif DASH.match(first) and (rest := normalize(DASH.sub("", first, 1))):
            subtitle = f"——{rest}"
            body.pop(0)

    pieces: list[str] = []
    sealed: set[int] = set()
    unmarked: list[int] = []     # lines that may be unmarked 小标题
    for block in body:
        if block.kind == "subheading":
            sealed.add(len(pieces))
        elif len(block.lines) == 1 and _may_be_subhead(block.lines[0]):
            unmarked.append(len(pieces))
        pieces.extend(_block_pieces(block.lines))
    byline = None
    if pieces and (len(pieces) - 1) not in sealed and (credit := byline_of(pieces[-1])):
        byline = credit
        pieces.pop()
    unmarked = [i for i in unmarked if 0 < i < len(pieces) - 1 and ends_sentence(pieces[i - 1])]
    if len(unmarked) >= 2:
        sealed.update(unmarked)

    repaired = [(normalize(p), subhead) for p, subhead in _repair(pieces, frozenset(sealed))]
    repaired = [(p, subhead) for p, subhead in repaired if p]

    dateline = None
    if repaired and not repaired[0][1]:
        dateline, rest = split_dateline(repaired[0][0])
        if rest:
            repaired[0] = (rest, False)
        else:
            repaired.pop(0)

    if byline is None and repaired and not repaired[-1][1] and (m := _RUN_IN_BYLINE.search(repaired[-1][0])):
        byline = m.group(1).strip()
        repaired[-1] = (repaired[-1][0][:m.start()].rstrip(), False)
    paragraphs = [p for p, _ in repaired]
    subheads = tuple(i for i, (_, subhead) in enumerate(repaired) if subhead)

    if not paragraphs:
        raise UserError(f"article '{title}' has no body text", where=_at(where, line))
    for name, value in (("headline (主题)", title), ("subtitle (副题)", subtitle), ("dateline (电头)", dateline)):
        if value and len(value) > HEAD_MAX:
            raise UserError(f"the {name} is {len(value)} characters long, at most {HEAD_MAX}: shorten it",
                            where=_at(where, line))
    if (size := sum(map(len, paragraphs))) > ARTICLE_MAX_CHARS:
        raise UserError(f"article '{title[:20]}' has {size:,} characters, at most {ARTICLE_MAX_CHARS:,}: "
                        "is a '## ' line missing?", where=_at(where, line))
    return ImportedArticle(kicker=kicker, title=title, subtitle=subtitle, dateline=dateline,
                           byline=byline, paragraphs=paragraphs, subheads=subheads)


def import_file(path: Path | str) -> ImportedPage:
    """Read a dump file (UTF-8; a UserError otherwise) and parse it."""
    path = Path(path)
    return parse_dump(read_text(path, separators=True), where=str(path))


def page_document(page: ImportedPage, *, paper: str, date: dt.date, page_number: int, layout: str = "duikai",
                  section: str | None = None) -> IssueDocument:
    """The page as an issue document (what `paiban import --json` prints), with the slugs and
    priorities `write_issue` gives: one page, its articles p<N>-01, p<N>-02 … at priority 1, 2 …"""
    section = section or page.section
    if not section:
        raise UserError("the dump has no section line '# 版名': give the section name (--section)")
    slugs = [article_slug(i, page_number) for i in range(1, len(page.articles) + 1)]
    credits = {role: getattr(page, role) for role in ("editor", "designer", "proofreader") if getattr(page, role)}
    try:
        return IssueDocument(
            issue=Issue(paper=paper, date=date, pages=[Page(number=page_number, section=section, layout=layout,
                                                            articles=slugs, **credits)]),
            articles=[Article(slug=slug, priority=min(i, 9), **a.model_dump(exclude_none=True))
                      for i, (slug, a) in enumerate(zip(slugs, page.articles), start=1)])
    except ValidationError as e:
        raise UserError(describe(e)) from None


# ---------------------------------------------------------------------------------------------
# Writing an issue folder

def article_slug(index: int, page_number: int) -> str:
    """The slug of the index-th article (from 1) of page `page_number`: p1-01, p1-02 …"""
    return f"p{page_number}-{index:02d}"


def _article_markdown(article: ImportedArticle, priority: int) -> str:
    meta = {"kicker": article.kicker, "title": article.title, "subtitle": article.subtitle,
            "dateline": article.dateline, "byline": article.byline}
    meta = {k: v for k, v in meta.items() if v is not None}
    meta["priority"] = priority
    front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=10_000)
    body = "\n\n".join(as_markdown_subhead(p) if i in article.subheads else as_markdown_paragraph(p)
                       for i, p in enumerate(article.paragraphs))
    return "---\n" + front + "---\n\n" + body + "\n"


def write_issue(page: ImportedPage, folder: Path | str, *, paper: str, date: dt.date, page_number: int,
                layout: str = "duikai", section: str | None = None, force: bool = False) -> Path:
    """Write `page` as an issue folder: `issue.toml` and `articles/p<N>-<NN>.md`.

    The first article gets priority 1 (头条), the next 2, 3 … (at most 9). `section` overrides
    the dump's '# 版名' (required if the dump has none). The folder is written next to its final
    place and renamed into it, after `typeset.records.load_issue` has loaded it, so a failure
    leaves nothing half-written. An existing non-empty folder is refused unless `force`, which
    replaces its `issue.toml` and `articles/` and keeps everything else (pictures …).
    """
    folder = Path(folder)
    section = section or page.section
    if not section:
        raise UserError("the dump has no section line '# 版名': give the section name", where=str(folder))
    if not paper.strip():
        raise UserError("the paper name (报名) is empty", where=str(folder))
    if not page.articles:
        raise UserError("no articles to write", where=str(folder))

    def fill(staging: Path) -> None:
        slugs = [article_slug(i, page_number) for i in range(1, len(page.articles) + 1)]
        for i, (slug, article) in enumerate(zip(slugs, page.articles), start=1):
            (staging / "articles" / f"{slug}.md").write_text(_article_markdown(article, min(i, 9)),
                                                             encoding="utf-8")
        lines = [f"paper = {toml_string(paper)}", f"date = {date.isoformat()}", "", "[[pages]]",
                 f"number = {page_number}", f"section = {toml_string(section)}",
                 f"layout = {toml_string(layout)}"]
        for role in ("editor", "designer", "proofreader"):
            if getattr(page, role):
                lines.append(f"{role} = {toml_string(getattr(page, role))}")
        lines.append("articles = [" + ", ".join(toml_string(s) for s in slugs) + "]")
        (staging / "issue.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")

    return write_records(folder, fill, force=force)
