"""Import a reporter's Word file (.docx) as one article record, and add it to an issue folder.

What is read (python-docx):

* **Heads.** The first paragraph in the style Title or Heading 1 is the 主题; the one paragraph
  above it, if any, is the 引题; the paragraph below it is the 副题 when it is in the style
  Subtitle, starts with a dash (——) or is written ``副题：X``. A document without those styles
  takes its first paragraph as the 主题 (after a ``引题：X`` paragraph, if there is one).
* **Body.** Heading 2 and deeper become ``## 小标题``; bold runs become ``**bold**`` (a
  punctuation mark or space at the edge of a bold run is moved outside it, where CommonMark
  could not see the stars as bold); a line break inside a paragraph joins its lines with nothing
  between, as in a record's body. The 本报讯 dateline and the end byline are found as the text
  importer finds them (typeset.importer).
* **Pictures** embedded in a paragraph go to the record's pictures, each with the paragraph under
  it as its caption.
* Every text goes through `typeset.text.normalize`.

An old binary .doc, a password-protected file, an empty document, a table in the document or a
file that is not Word is one UserError line.
"""

from __future__ import annotations

import datetime as dt
import difflib
import io
import unicodedata
import zipfile
from pathlib import Path
from typing import NamedTuple

import yaml

from typeset.model.errors import UserError
from typeset.sources.importer import DASH, MARKER, article_slug, byline_of, split_dateline
from typeset.sources.issue_folder import read_bytes
from typeset.sources.markdown_body import as_markdown_subhead, escape_text, line_start_escape, parse_body
from typeset.sources.text import normalize

__all__ = ["DocxPicture", "ImportedDocx", "import_docx", "add_to_issue"]

DOCX_MAX_BYTES = 100_000_000      # a Word file with a dozen full-resolution photos is 30–60 MB
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_TITLE_STYLES = {"Title", "Heading 1"}
_PICTURE_TYPES = {"image/jpeg": ".jpg", "image/png": ".png"}


class DocxPicture(NamedTuple):
    filename: str          # picture-1.jpg: its name inside the import; the writer prefixes the slug
    data: bytes
    caption: str | None


class ImportedDocx(NamedTuple):
    front_matter: dict     # title, kicker, subtitle, dateline, byline (those found)
    body: str              # Markdown: paragraphs, ## 小标题, **bold**
    pictures: list[DocxPicture]


class _Para(NamedTuple):
    number: int            # counted from 1 among the document's paragraphs, for messages
    style: str
    text: str              # normalized
    bold: tuple[bool, ...]  # per character of text
    pictures: tuple[str, ...]  # relationship ids of the embedded pictures


# ---------------------------------------------------------------------------------------------
# Reading the file

def _open_document(path: Path):
    import docx
    from docx.opc.exceptions import PackageNotFoundError
    from lxml.etree import XMLSyntaxError

    data = read_bytes(path, DOCX_MAX_BYTES)
    if not data:
        raise UserError("the file is empty (0 bytes): save the story from Word again", where=str(path))
    if len(data) > DOCX_MAX_BYTES:
        raise UserError(f"the file is larger than {DOCX_MAX_BYTES // 1_000_000} MB: make the pictures smaller "
                        "(Word: Compress Pictures) or check that it is the right file", where=str(path))
    if data.startswith(_OLE_MAGIC):     # an OLE compound file: an encrypted .docx or an old .doc
        if "EncryptedPackage".encode("utf-16-le") in data:
            raise UserError("the Word file is password-protected: open it in Word, remove the password "
                            "(File › Info › Protect Document › Encrypt with Password) and save it", where=str(path))
        if "WordDocument".encode("utf-16-le") in data:
            raise UserError("an old Word 97–2003 file (.doc): open it in Word or LibreOffice and save it as "
                            "Word Document (.docx)", where=str(path))
        raise UserError("an Office file that is not a Word document: save the story as .docx", where=str(path))
    try:
        return docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError, XMLSyntaxError) as e:
        reason = " ".join(str(e).split())[:100]
        kind = "a Word document (.docx)" if data.startswith(b"PK") else "a Word file"
        raise UserError(f"not {kind} ({reason or type(e).__name__}): save the story from Word as .docx",
                        where=str(path)) from None


def _is_bold(run) -> bool:
    if run.bold is not None:
        return run.bold
    return bool(run.style is not None and run.style.font.bold)


def _normalized(pieces: list[tuple[str, bool]]) -> tuple[str, tuple[bool, ...]]:
    """A paragraph's text normalized as a whole, with each character's boldness carried over
    from the run it came from (normalize may drop, merge or widen characters)."""
    raw = "".join(text for text, _ in pieces)
    raw_bold = [bold for text, bold in pieces for _ in text]
    text = normalize(raw)
    bold = [False] * len(text)
    matcher = difflib.SequenceMatcher(None, raw, text, autojunk=False)
    for _, i1, i2, j1, j2 in matcher.get_opcodes():
        for j in range(j1, j2):
            source = i1 + min(j - j1, max(i2 - i1 - 1, 0)) if i2 > i1 else max(i1 - 1, 0)
            bold[j] = raw_bold[source] if raw_bold else False
    return text, tuple(bold)


def _paragraphs(document, where: str) -> list[_Para]:
    from docx.table import Table

    found: list[_Para] = []
    number = 0
    for item in document.iter_inner_content():
        if isinstance(item, Table):
            after = f" after paragraph {number}" if number else " at the top"
            raise UserError(f"a table in the Word file{after}: the page sets running text only; write it "
                            "out as paragraphs or paste it as a picture", where=where)
        number += 1
        pieces: list[tuple[str, bool]] = []
        for inner in item.iter_inner_content():          # runs, and the runs of hyperlinks
            for run in getattr(inner, "runs", [inner]):
                pieces.append((run.text.replace("\n", ""), _is_bold(run)))
        text, bold = _normalized(pieces)
        pictures = tuple(item._p.xpath(".//a:blip/@r:embed"))
        if text or pictures:
            style = item.style.name if item.style is not None else "Normal"
            found.append(_Para(number, style, text, bold, pictures))
    return found


# ---------------------------------------------------------------------------------------------
# Markdown

def _edge(ch: str) -> bool:
    """A character that cannot sit just inside a ** pair in CommonMark (punctuation, symbol, space)."""
    return unicodedata.category(ch)[0] in "PSZ"


def _markdown_paragraph(text: str, bold: tuple[bool, ...]) -> str:
    mask = list(bold)
    start = 0
    while start < len(text):                  # shrink each bold run off its edge characters
        if not mask[start]:
            start += 1
            continue
        end = start
        while end < len(text) and mask[end]:
            end += 1
        i, j = start, end
        while i < j and _edge(text[i]):
            mask[i], i = False, i + 1
        while j > i and _edge(text[j - 1]):
            j -= 1
            mask[j] = False
        start = end
    parts: list[str] = []
    i = 0
    while i < len(text):
        j = i
        while j < len(text) and mask[j] == mask[i]:
            j += 1
        chunk = escape_text(text[i:j])
        parts.append(f"**{chunk}**" if mask[i] else chunk)
        i = j
    return "".join(parts)


# ---------------------------------------------------------------------------------------------
# The article

def _strip_marker(text: str, label: str) -> str | None:
    m = MARKER.match(text)
    return normalize(text[m.end():]) if m and m.group(1) == label else None


def import_docx(path: Path | str) -> ImportedDocx:
    """One Word file as an article: front matter fields, Markdown body, pictures."""
    path = Path(path)
    where = str(path)
    document = _open_document(path)
    paras = _paragraphs(document, where)
    if not any(p.text for p in paras):
        raise UserError("the Word document has no text: is it the right file?", where=where)
    if paras[0].pictures and not paras[0].text:
        raise UserError("a picture above the title: move it below the title, with its caption under it",
                        where=where)

    meta: dict[str, str] = {}
    title_at = next((i for i, p in enumerate(paras) if p.style in _TITLE_STYLES), None)
    if title_at is None:                       # no styles: the first lines
        title_at = 0
        if (kicker := _strip_marker(paras[0].text, "引题")) is not None and len(paras) > 1:
            meta["kicker"], title_at = kicker, 1
    elif title_at > 1:
        raise UserError(f"{title_at} paragraphs above the title ({paras[title_at].style}): a 引题 is one line; "
                        "delete the others or move them below the title", where=where)
    elif title_at == 1:
        meta["kicker"] = _strip_marker(paras[0].text, "引题") or paras[0].text
    meta["title"] = paras[title_at].text
    rest = paras[title_at + 1:]
    if rest and not rest[0].pictures:
        first = rest[0]
        subtitle = _strip_marker(first.text, "副题")
        if subtitle is None and (first.style == "Subtitle" or DASH.match(first.text)):
            subtitle = "——" + DASH.sub("", first.text, 1) if DASH.match(first.text) else first.text
        if subtitle:
            meta["subtitle"], rest = subtitle, rest[1:]

    lines: list[tuple[str, _Para]] = []     # ("subhead" | "text", paragraph) in order
    pictures: list[DocxPicture] = []
    i = 0
    while i < len(rest):
        para = rest[i]
        i += 1
        if para.style in _TITLE_STYLES:
            raise UserError(f"a second title (paragraph {para.number}, style {para.style}): one Word file holds "
                            "one article; give a 小标题 the style Heading 2", where=where)
        caption = None
        if para.pictures and i < len(rest) and not rest[i].pictures and not rest[i].style.startswith("Heading"):
            caption, i = rest[i].text, i + 1
        for rid in para.pictures:
            pictures.append(_picture(document, rid, len(pictures) + 1, caption, where))
        if para.text:
            lines.append(("subhead" if para.style.startswith("Heading") else "text", para))

    texts = [k for k, (kind, _) in enumerate(lines) if kind == "text"]
    if texts:
        first = lines[texts[0]][1]
        dateline, after = split_dateline(first.text)
        if dateline:
            meta["dateline"] = dateline
            cut = len(first.text) - len(after)
            lines[texts[0]] = ("text", first._replace(text=after, bold=first.bold[cut:]))
        last = lines[texts[-1]][1]
        if last.text and (credit := byline_of(last.text)):
            meta["byline"] = credit
            lines[texts[-1]] = ("text", last._replace(text="", bold=()))
    blocks = [as_markdown_subhead(para.text) if kind == "subhead"
              else line_start_escape(_markdown_paragraph(para.text, para.bold))
              for kind, para in lines if para.text]
    if all(block.startswith("## ") for block in blocks):
        raise UserError(f"the Word file has a title ('{meta['title'][:20]}') but no text below it", where=where)
    body = "\n\n".join(blocks) + "\n"
    parse_body(body, where=f"{where} (as Markdown)")      # what we write must read back
    return ImportedDocx(meta, body, pictures)


def _picture(document, rid: str, n: int, caption: str | None, where: str) -> DocxPicture:
    part = document.part.related_parts.get(rid)
    content_type = getattr(part, "content_type", "unknown")
    if content_type not in _PICTURE_TYPES:
        raise UserError(f"picture {n} in the Word file is {content_type}: insert it as a JPEG or PNG picture",
                        where=where)
    return DocxPicture(f"picture-{n}{_PICTURE_TYPES[content_type]}", part.blob, caption or None)


# ---------------------------------------------------------------------------------------------
# Adding the article to an issue folder

def add_to_issue(imported: ImportedDocx, folder: Path | str, *, page: int, paper: str, date: dt.date,
                 layout: str = "duikai", section: str | None = None) -> Path:
    """Write the article as articles/<slug>.md (slug: the next free p<page>-NN), its pictures as
    images/<slug>-picture-N.*, and list it on page `page` of issue.toml, which is created (with
    `paper`, `date`, and `section`, default 第N版) when the folder has none; a page missing from
    an existing issue.toml is added. The issue must load afterwards, or nothing is changed.
    Returns the article file."""
    import tomlkit

    from typeset.sources.issue_folder import load_issue

    folder = Path(folder)
    issue_file = folder / "issue.toml"
    if folder.exists() and not folder.is_dir():
        raise UserError("exists and is not a folder", where=str(folder))
    if folder.is_dir() and any(folder.iterdir()) and not issue_file.is_file():
        raise UserError("the folder is not empty and holds no issue.toml: choose an issue folder or a new one",
                        where=str(folder))
    old_toml = issue_file.read_text(encoding="utf-8") if issue_file.is_file() else None
    if old_toml is None:
        doc = tomlkit.document()
        doc["paper"], doc["date"] = paper, date
        doc["pages"] = tomlkit.aot()
    else:
        try:
            doc = tomlkit.parse(old_toml)
        except tomlkit.exceptions.ParseError as e:
            raise UserError(f"malformed TOML: {e}", where=str(issue_file)) from None
    pages = doc.setdefault("pages", tomlkit.aot())
    table = next((t for t in pages if t.get("number") == page), None)
    if table is None:
        table = tomlkit.table()
        table["number"], table["section"], table["layout"] = page, section or f"第{page}版", layout
        table["articles"] = tomlkit.array()
        pages.append(table)
        table = pages[-1]
    listed = {slug for t in pages for slug in t.get("articles", [])}
    n = 1
    while (slug := article_slug(n, page)) in listed or (folder / "articles" / f"{slug}.md").exists():
        n += 1

    meta = dict(imported.front_matter)
    if imported.pictures:
        meta["pictures"] = [{"file": f"images/{slug}-{p.filename}", **({"caption": p.caption} if p.caption else {})}
                            for p in imported.pictures]
    if not table.get("articles"):
        meta["priority"] = 1                                   # the first article of a page leads it
    table.setdefault("articles", tomlkit.array()).append(slug)
    article_file = folder / "articles" / f"{slug}.md"
    front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False, width=10_000)
    written: list[Path] = []
    try:
        for directory in (folder, folder / "articles", folder / "images"):
            if not directory.is_dir():
                directory.mkdir(parents=True)
                written.append(directory)
        for picture in imported.pictures:
            target = folder / "images" / f"{slug}-{picture.filename}"
            target.write_bytes(picture.data)
            written.append(target)
        article_file.write_text(f"---\n{front}---\n\n{imported.body}", encoding="utf-8")
        written.append(article_file)
        issue_file.write_text(tomlkit.dumps(doc), encoding="utf-8")
        load_issue(folder)                                     # what we hand over must load
    except (UserError, OSError) as e:
        if old_toml is None:
            issue_file.unlink(missing_ok=True)
        else:
            issue_file.write_text(old_toml, encoding="utf-8")
        for path in reversed(written):
            path.rmdir() if path.is_dir() else path.unlink(missing_ok=True)
        if isinstance(e, OSError):
            raise UserError(f"cannot write the article ({e.strerror or e})", where=str(folder)) from None
        raise
    return article_file
