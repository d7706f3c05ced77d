"""A tag-aware reader, the tests' oracle for the archive's structure tree.

Written apart from the product: pikepdf walks the structure tree (StructTreeRoot → K → marked-
content references), pdfminer's interpreter reads each page's marked content and turns the
glyph codes into text through the fonts' ToUnicode maps. What a screen reader or an archive's
indexer reads is the structure tree's text in its order, so that is what the tests compare.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pikepdf
from pdfminer.pdfdevice import PDFDevice
from pdfminer.pdfinterp import PDFPageInterpreter, PDFResourceManager
from pdfminer.pdfpage import PDFPage


class _MarkedText(PDFDevice):
    """Collects the text drawn inside each marked-content sequence with an MCID."""

    def __init__(self, rsrcmgr):
        super().__init__(rsrcmgr)
        self.stack: list[int | None] = []
        self.text: dict[int, str] = {}
        self.artifact_text = ""
        self.tags: list[str] = []

    def begin_tag(self, tag, props=None):
        mcid = props.get("MCID") if isinstance(props, dict) else None
        if mcid is not None:
            self.text.setdefault(mcid, "")
        self.stack.append(mcid)
        self.tags.append(tag.name)

    def end_tag(self):
        if self.stack:
            self.stack.pop()
            self.tags.pop()

    def render_string(self, textstate, seq, ncs, graphicstate):
        font = textstate.font
        text = "".join(font.to_unichr(cid) for part in seq if isinstance(part, bytes) for cid in font.decode(part))
        owner = next((m for m in reversed(self.stack) if m is not None), None)
        if owner is not None:
            self.text[owner] = self.text.get(owner, "") + text
        elif "Artifact" in self.tags:
            self.artifact_text += text
        else:
            raise AssertionError(f"text outside marked content: {text!r}")


def marked_text(path: Path) -> tuple[list[dict[int, str]], list[str]]:
    """Per page: MCID → its text, and the text drawn as artifacts."""
    manager = PDFResourceManager()
    pages, artifacts = [], []
    with open(path, "rb") as f:
        for page in PDFPage.get_pages(f):
            device = _MarkedText(manager)
            PDFPageInterpreter(manager, device).process_page(page)
            pages.append(device.text)
            artifacts.append(device.artifact_text)
    return pages, artifacts


@dataclass
class Node:
    tag: str
    attrs: dict
    text: str = ""                       # this element's own marked content, in order
    kids: list["Node"] = field(default_factory=list)

    def all_text(self) -> str:
        return self.text + "".join(k.all_text() for k in self.kids)

    def find(self, tag: str) -> list["Node"]:
        return ([self] if self.tag == tag else []) + [n for k in self.kids for n in k.find(tag)]


def structure(path: Path) -> tuple[Node, list[tuple[int, int]]]:
    """The structure tree with each element's text, and every (page, MCID) it references."""
    texts, _ = marked_text(path)
    used: list[tuple[int, int]] = []
    with pikepdf.open(path) as pdf:
        page_index = {p.obj.objgen: i for i, p in enumerate(pdf.pages)}

        def node(element, page) -> Node:
            page = page_index[element.Pg.objgen] if "/Pg" in element else page
            attrs = {k: str(element[k]) for k in ("/Alt", "/T", "/Lang") if k in element}
            n = Node(str(element.S)[1:], attrs)
            kids = element.K if isinstance(element.K, pikepdf.Array) else [element.K]
            for kid in kids:
                if isinstance(kid, int):
                    used.append((page, kid))
                    n.text += texts[page].get(kid, "")
                elif kid.get("/Type") == "/MCR":
                    at = page_index[kid.Pg.objgen] if "/Pg" in kid else page
                    used.append((at, int(kid.MCID)))
                    n.text += texts[at].get(int(kid.MCID), "")
                elif kid.get("/Type") == "/StructElem" or "/S" in kid:
                    n.kids.append(node(kid, page))
            return n

        root = pdf.Root.StructTreeRoot
        kids = root.K if isinstance(root.K, pikepdf.Array) else [root.K]
        tree = Node("StructTreeRoot", {}, kids=[node(k, None) for k in kids])
    return tree, used
