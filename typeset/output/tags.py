"""The archive's structure tree (PDF/A-3a): what each piece of text on the page is.

WeasyPrint tags the HTML it is given, and our HTML places every composed line as its own
block, so its tree has one Span per line inside Divs per column. A paragraph that runs over
three columns, or over a jump to another page, is one paragraph to a reader, and the 报眉,
folio and jump lines are page furniture. So the archive is rendered tagged, and this module
rebuilds the tree from the plan, which knows what every line is:

    Document → Art (one per article record, its parts on several pages included)
             → P 栏目名, H2 引题, H1 主题, H2 副题, P (one per paragraph, the dateline and bold
               run-ins inside it), H3 (one per 小标题), P byline, Figure (one per picture, Alt =
               its caption) → Caption; a 组图: Div → Figure → Caption (each picture's own),
               Caption (the shared one)

WeasyPrint's tree still tells which marked content (page, MCID) each line drew: the lines of a
module are the Span elements not inside another Span, in template order. Marked content that
belongs to no element of the new tree (报眉, folio, credits, jump lines, a continuation's
repeated title) becomes an /Artifact in the content stream; the rest is renumbered per page
and the ParentTree rebuilt.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pikepdf

from typeset.plan import IssuePlan, ModulePlan

HEAD_TAGS = {"column": "/P", "kicker": "/H2", "title": "/H1", "subtitle": "/H2"}   # jump rows: furniture
BODY_TAGS = {"body": "/P", "subhead": "/H3"}


@dataclass
class _Module:
    """What WeasyPrint drew for one module: (page index, MCID) runs per line, and its Figure."""

    lines: list[list[tuple[int, int]]] = field(default_factory=list)
    figures: list[pikepdf.Dictionary] = field(default_factory=list)


class RetagError(RuntimeError):
    """WeasyPrint's tree does not match the plan (a template change the retagger missed)."""


def _structure(element, page_of: dict) -> _Module:
    """The line runs and the Figures under one of WeasyPrint's Art elements, in order."""
    found = _Module()

    def marked(e) -> list[tuple[int, int]]:
        page = page_of[e.Pg.objgen]
        runs = []
        for kid in e.K:
            if isinstance(kid, int):
                runs.append((page, int(kid)))
            elif isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/StructElem":
                runs += marked(kid)
        return runs

    def walk(e, parent_tag):
        tag = str(e.S)
        if tag == "/Figure":
            found.figures.append(e)
        elif tag == "/Span" and parent_tag != "/Span":
            found.lines.append(marked(e))
            return
        for kid in e.K:
            if isinstance(kid, pikepdf.Dictionary) and kid.get("/Type") == "/StructElem":
                walk(kid, tag)

    walk(element, "/Art")
    return found


def _arts(element) -> list:
    if str(element.get("/S")) == "/Art":
        return [element]
    return [a for kid in element.get("/K", []) if isinstance(kid, pikepdf.Dictionary)
            and kid.get("/Type") == "/StructElem" for a in _arts(kid)]


def _template_lines(module: ModulePlan) -> list[tuple[str, int]]:
    """(kind, paragraph) for every line in the order the page template writes them: head rows,
    caption, then the text columns."""
    lines = [(row.kind, -1) for row in module.fit.head for _ in range(_drawn_lines(row))]
    lines += [("caption", -1)] * len(module.fit.caption)
    lines += [(b.cls or "body", b.paragraph) for col in module.columns for b in col.lines]
    return lines


class _Tree:
    """The new structure elements, and which of them owns each marked-content run."""

    def __init__(self, pdf: pikepdf.Pdf, document):
        self.pdf, self.document = pdf, document
        self.owner: dict[tuple[int, int], pikepdf.Dictionary] = {}

    def element(self, tag: str, parent, **entries) -> pikepdf.Dictionary:
        e = self.pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.StructElem, S=pikepdf.Name(tag),
                                                      P=parent, K=pikepdf.Array(), **entries))
        parent.K.append(e)
        return e

    def add(self, element, runs: list[tuple[int, int]]) -> None:
        for run in runs:
            self.owner[run] = element
            element.K.append(pikepdf.Dictionary(Type=pikepdf.Name.MCR, Pg=self.pdf.pages[run[0]].obj,
                                                MCID=run[1]))


def retag(pdf: pikepdf.Pdf, plan: IssuePlan) -> None:
    """Replace WeasyPrint's structure tree of an archive rendered from `plan` (see the module)."""
    root = pdf.Root.StructTreeRoot
    document = root.K[0]
    page_of = {page.obj.objgen: i for i, page in enumerate(pdf.pages)}
    modules = [m for page in plan.pages for m in page.modules]
    drawn = [_structure(art, page_of) for art in _arts(document)]
    if len(drawn) != len(modules):
        raise RetagError(f"{len(drawn)} Art elements for {len(modules)} modules")
    tree = _Tree(pdf, document)
    document.K = pikepdf.Array()
    arts: dict[str, pikepdf.Dictionary] = {}
    last_paragraph: dict[str, pikepdf.Dictionary] = {}
    for module, found in zip(modules, drawn):
        kinds = _template_lines(module)
        if len(kinds) != len(found.lines):
            raise RetagError(f"{module.article.slug}: {len(found.lines)} tagged lines for {len(kinds)} planned")
        record = module.record
        art = arts.get(record.slug)
        if art is None:
            art = arts[record.slug] = tree.element("/Art", document, T=pikepdf.String(record.title))
        paragraphs: dict[int, pikepdf.Dictionary] = {}
        if module.continuation and module.continuation.mid_paragraph and record.slug in last_paragraph:
            paragraphs[0] = last_paragraph[record.slug]      # the paragraph cut at the jump goes on
        heads: dict[int, pikepdf.Dictionary] = {}
        byline, captions = None, []
        for index, ((kind, paragraph), runs) in enumerate(zip(kinds, found.lines)):
            if kind in HEAD_TAGS:
                row = _row_of(module, index)
                if row not in heads:
                    heads[row] = tree.element(HEAD_TAGS[kind], art)
                tree.add(heads[row], runs)
            elif kind in BODY_TAGS:
                if paragraph not in paragraphs:
                    paragraphs[paragraph] = tree.element(BODY_TAGS[kind], art)
                tree.add(paragraphs[paragraph], runs)
                last_paragraph[record.slug] = paragraphs[paragraph]
            elif kind == "byline":
                byline = byline or tree.element("/P", art)
                tree.add(byline, runs)
            elif kind == "caption":
                captions.append(runs)
        if module.pictures:
            _figures(tree, art, module, found.figures, captions, page_of)
    _rewrite_content(pdf, tree.owner, page_of)
    root.ParentTreeNextKey = len(pdf.pages)


def _figures(tree: _Tree, art, module: ModulePlan, drawn: list, caption_lines: list, page_of: dict) -> None:
    """One Figure per picture, its own caption a Caption inside it; a shared caption once:
    inside the Figure of a single picture, else with the 组图's Figures in one Div."""
    if len(drawn) != len(module.pictures):
        raise RetagError(f"{module.article.slug}: {len(drawn)} images drawn for {len(module.pictures)} planned")
    blocks, at = [], 0
    for _, lines in module.captions:            # template order: own captions by picture, then the shared one
        blocks.append([run for line in caption_lines[at:at + len(lines)] for run in line])
        at += len(lines)
    own = dict(zip((s.picture for s in module.fit.slots if s.caption), blocks))
    shared = blocks[len(own):]
    group = tree.element("/Div", art) if len(drawn) > 1 else art
    for (index, _), image in zip(module.pictures, drawn):
        figure = tree.element("/Figure", group, Alt=image.get("/Alt", pikepdf.String("")),
                              A=image.get("/A", pikepdf.Dictionary()))
        tree.add(figure, [(page_of[image.Pg.objgen], int(k)) for k in image.K if isinstance(k, int)])
        caption = own.get(index) or (shared[0] if shared and len(drawn) == 1 else None)
        if caption:
            tree.add(tree.element("/Caption", figure), caption)
    if shared and len(drawn) > 1:
        tree.add(tree.element("/Caption", group), shared[0])


def _drawn_lines(row) -> int:
    """Tagged blocks WeasyPrint draws for a head row: its lines, or a 竖题's cells (one block each)."""
    return len(row.vertical.cells) if row.vertical else len(row.lines)


def _row_of(module: ModulePlan, line_index: int) -> int:
    """The head row the `line_index`-th line of a module belongs to."""
    for row, head in enumerate(module.fit.head):
        if line_index < _drawn_lines(head):
            return row
        line_index -= _drawn_lines(head)
    raise IndexError(line_index)


def _rewrite_content(pdf: pikepdf.Pdf, owner: dict, page_of: dict) -> None:
    """Marked content with an owner gets its new MCID; the rest becomes an /Artifact. The
    ParentTree maps each page's new MCIDs to their elements."""
    renumber: dict[tuple[int, int], int] = {}
    nums = pikepdf.Array()
    for index, page in enumerate(pdf.pages):
        parents = pikepdf.Array()
        out = []
        for operands, operator in pikepdf.parse_content_stream(page):
            if str(operator) == "BDC" and isinstance(operands[1], pikepdf.Dictionary) and "/MCID" in operands[1]:
                run = (index, int(operands[1].MCID))
                if run in owner:
                    renumber[run] = len(parents)
                    parents.append(owner[run])
                    operands = [operands[0], pikepdf.Dictionary(MCID=renumber[run])]
                else:
                    operands, operator = [pikepdf.Name.Artifact], pikepdf.Operator("BMC")
            out.append((operands, operator))
        page.obj.Contents = pdf.make_stream(pikepdf.unparse_content_stream(out))
        page.obj.StructParents = index
        nums.extend([index, pdf.make_indirect(parents)])
    for element in {id(e): e for e in owner.values()}.values():
        for kid in element.K:
            if isinstance(kid, pikepdf.Dictionary) and "/MCID" in kid:
                kid.MCID = renumber[(page_of[kid.Pg.objgen], int(kid.MCID))]
    pdf.Root.StructTreeRoot.ParentTree = pdf.make_indirect(pikepdf.Dictionary(Nums=nums))
