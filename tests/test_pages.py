"""A page at a time: the issue rendered page by page (in parallel, reused when unchanged) reads
and looks as the whole-issue render; each 版 of the print PDF stands alone."""

import pdfplumber
import pikepdf
import pytest
from conftest import article, write_issue

from typeset import pipeline
from typeset.render import PageCache

BODY = ("鄄城县召开全县打击治理电信网络诈骗工作推进会议，安排部署下一阶段工作。会议指出，"
        "今年1至7月全县共接报电信网络诈骗警情236起，同比下降18.5%。“刷单返利”“虚假投资理财”……")
EPOCH = 1691107200


def _issue(folder, pages=3):
    slugs = [f"a{n}" for n in range(1, pages + 1)]
    records = {slug: article(f"第{n}篇反诈宣传进万家", BODY * (2 + n), byline="记者 王明")
               for n, slug in enumerate(slugs, 1)}
    return write_issue(folder, records, pages=[[slug] for slug in slugs])


def _glyphs(pdf):
    """(text, x0, top) of every character, page by page, read by pdfplumber."""
    with pdfplumber.open(pdf) as doc:
        return [[(c["text"], c["x0"], c["top"], c["fontname"].split("+")[-1]) for c in page.chars]
                for page in doc.pages]


def _same_glyphs(a, b):
    assert len(a) == len(b)
    for page_a, page_b in zip(a, b):
        assert [g[0] for g in page_a] == [g[0] for g in page_b]
        assert [g[3] for g in page_a] == [g[3] for g in page_b]
        assert max((max(abs(x[1] - y[1]), abs(x[2] - y[2])) for x, y in zip(page_a, page_b)), default=0) <= 0.01


@pytest.fixture(scope="module")
def issue(tmp_path_factory):
    return _issue(tmp_path_factory.mktemp("pages") / "issue")


@pytest.mark.parametrize("variant", ["", "print"])
def test_page_by_page_reads_and_looks_as_the_whole_issue(issue, tmp_path, variant):
    variants = (variant,) if variant else ()
    whole = pipeline.build(issue, tmp_path / "whole", source_date_epoch=EPOCH, variants=variants)
    parts = pipeline.build(issue, tmp_path / "parts", source_date_epoch=EPOCH, variants=variants, jobs=2)
    assert len(whole.plan.pages) == 3
    _same_glyphs(_glyphs(whole.pdf), _glyphs(parts.pdf))
    with pikepdf.open(whole.pdf) as a, pikepdf.open(parts.pdf) as b:
        assert dict(a.docinfo) == dict(b.docinfo)                # title, author, dates, keywords
        assert [p.obj.get("/TrimBox") for p in a.pages] == [p.obj.get("/TrimBox") for p in b.pages]
        assert ("/OutputIntents" in a.Root) == ("/OutputIntents" in b.Root) == (variant == "print")
        # every page's fonts embedded, as in the whole render
        for page in b.pages:
            for font in page.Resources.Font.values():
                descendant = font.DescendantFonts[0] if "/DescendantFonts" in font else font
                assert any(k in descendant.FontDescriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))
        # the articles' anchors lead to their pages
        names = b.Root.Names.Dests.Names
        where = {str(names[i]): b.pages.index(pikepdf.Page(names[i + 1][0])) for i in range(0, len(names), 2)}
        assert where == {"article-a1": 0, "article-a2": 1, "article-a3": 2}


def _programs(pdf):
    """{font program's object: (its family, the glyph ids the pages' fonts give widths for, except
    spaces)} over every page's fonts."""
    found = {}
    for page in pdf.pages:
        for font in page.Resources.Font.values():
            descendant = font.DescendantFonts[0]
            descriptor = descendant.FontDescriptor
            key = next(k for k in ("/FontFile2", "/FontFile3") if k in descriptor)
            text = preflight_tounicode(font.ToUnicode.read_bytes())
            widths, gids = list(descendant.W), set()
            for first, listed in zip(widths[::2], widths[1::2]):
                gids |= {int(first) + i for i in range(len(listed)) if not text.get(int(first) + i, " ").isspace()}
            family = str(font.BaseFont).split("+")[-1]
            entry = found.setdefault(descriptor[key].objgen, (family, key, descriptor[key], set()))
            entry[3].update(gids)
    return found


def preflight_tounicode(data: bytes) -> dict[int, str]:
    """A ToUnicode CMap's bfchar entries (the only kind WeasyPrint writes)."""
    import re

    return {int(m[1], 16): bytes.fromhex(m[2].decode()).decode("utf-16-be")
            for m in re.finditer(rb"<([0-9a-f]{4})>\s*<([0-9a-f]+)>", data)}


def test_page_by_page_embeds_each_face_once_with_every_glyph_drawn(tmp_path):
    """Rendered a page at a time, the issue still holds one program per face (not one per page),
    and that program draws every glyph any page shows: read with fontTools, and printed (pdftoppm)
    pixel for pixel as the whole render."""
    import io
    import subprocess

    from fontTools.ttLib import TTFont

    bodies = {"a1": BODY * 3, "a2": "黄河滩区迁建群众住上新楼房，村里修起了宽阔的柏油路。" * 8,
              "a3": "县医院开通胸痛救治绿色通道，急诊科医生二十四小时值守。" * 8}    # each page its own characters
    issue = write_issue(tmp_path / "issue", {slug: article(f"第{n}篇", body) for n, (slug, body) in
                                             enumerate(bodies.items(), 1)}, pages=[[slug] for slug in bodies])
    whole = pipeline.build(issue, tmp_path / "whole", source_date_epoch=EPOCH, variants=())
    parts = pipeline.build(issue, tmp_path / "parts", source_date_epoch=EPOCH, variants=(), jobs=2)
    with pikepdf.open(parts.pdf) as pdf:
        programs = _programs(pdf)
        families = [family for family, *_ in programs.values()]
        assert len(families) == len(set(families)) >= 2            # one program a face, for all 3 pages
        for family, key, stream, gids in programs.values():
            font = TTFont(io.BytesIO(stream.read_bytes()))
            order = font.getGlyphOrder()
            if key == "/FontFile3":
                charstrings = font["CFF "].cff.topDictIndex[0].CharStrings
                blank = [g for g in gids if charstrings[order[g]].calcBounds(charstrings) is None]
            else:
                blank = [g for g in gids if font["glyf"][order[g]].numberOfContours == 0]
            assert gids and blank == [], family
    assert parts.pdf.stat().st_size < 1.5 * whole.pdf.stat().st_size        # 16 pages: 0.96 MB, 8 MB before
    for name, pdf in (("whole", whole.pdf), ("parts", parts.pdf)):
        subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(tmp_path / name)], check=True)
    for number in (1, 2, 3):
        assert (tmp_path / f"whole-{number}.png").read_bytes() == (tmp_path / f"parts-{number}.png").read_bytes()


def test_each_print_page_stands_alone(issue, tmp_path):
    pipeline.build(issue, tmp_path, source_date_epoch=EPOCH, variants=("print",), jobs=2)
    issue_glyphs = _glyphs(tmp_path / "issue.print.pdf")
    for number in (1, 2, 3):
        page_pdf = tmp_path / f"issue.p{number:02d}.print.pdf"
        with pikepdf.open(page_pdf) as pdf:
            assert len(pdf.pages) == 1
            assert "/OutputIntents" in pdf.Root and "/Metadata" in pdf.Root
            fonts = [o for o in pdf.objects if isinstance(o, pikepdf.Dictionary) and o.get("/Type") == "/Font"
                     and "/DescendantFonts" in o]
            used = set(pdf.pages[0].Resources.Font.keys())
            assert len(fonts) == len(used)           # no other page's fonts carried along
        _same_glyphs([issue_glyphs[number - 1]], _glyphs(page_pdf))


def test_jobs_give_the_same_bytes(issue, tmp_path):
    two = pipeline.build(issue, tmp_path / "two", source_date_epoch=EPOCH, variants=("print",), jobs=2)
    three = pipeline.build(issue, tmp_path / "three", source_date_epoch=EPOCH, variants=("print",), jobs=3)
    cached = pipeline.build(issue, tmp_path / "cached", source_date_epoch=EPOCH, variants=("print",),
                            page_cache=PageCache())
    assert two.pdf.read_bytes() == three.pdf.read_bytes() == cached.pdf.read_bytes()
    one = pipeline.build(issue, tmp_path / "one", source_date_epoch=EPOCH, variants=("print",))
    again = pipeline.build(issue, tmp_path / "again", source_date_epoch=EPOCH, variants=("print",))
    assert one.pdf.read_bytes() == again.pdf.read_bytes()


def test_a_fresh_build_renders_each_page_while_the_next_is_planned(tmp_path, monkeypatch):
    """--jobs N, plain PDF: a page goes to the workers as soon as it is planned; the PDF is the
    bytes of the pages rendered after planning (the page cache's way)."""
    from typeset.plan import issue as planning
    from typeset.render import PagePool

    issue = _issue(tmp_path / "issue")
    events: list = []
    plan_page, submit = planning._plan_page, PagePool.submit
    monkeypatch.setattr(planning, "_plan_page", lambda issue, i, *rest: events.append(("plan", i)) or plan_page(issue, i, *rest))
    monkeypatch.setattr(PagePool, "submit", lambda pool, job, check=None: events.append(("render", job.index))
                        or submit(pool, job, check))
    early = pipeline.build(issue, tmp_path / "early", source_date_epoch=EPOCH, jobs=2)
    assert events == [("plan", 0), ("render", 0), ("plan", 1), ("render", 1), ("plan", 2), ("render", 2)]
    after = pipeline.build(issue, tmp_path / "after", source_date_epoch=EPOCH, page_cache=PageCache())
    assert early.pdf.read_bytes() == after.pdf.read_bytes()


def _render_for_ever(job, check):
    import time

    time.sleep(60)


def test_a_build_that_fails_in_planning_stops_the_page_workers_at_once(tmp_path, monkeypatch):
    """The last page overset (溢出) while the first pages render (here: for ever): the build
    fails with the planner's error, writes no PDF, and its page workers are stopped, not left
    rendering."""
    from typeset.model.errors import UserError
    from typeset.render import PagePool, pages

    monkeypatch.setattr(pages, "_render", _render_for_ever)

    issue = _issue(tmp_path / "issue")
    record = issue / "articles" / "a3.md"
    record.write_text(record.read_text(encoding="utf-8").replace(BODY, BODY * 120), encoding="utf-8")
    workers: dict = {}
    submit = PagePool.submit

    def submitted(pool, job, check=None):
        submit(pool, job, check)
        workers.update(pool.pool._processes)        # the worker processes, once started
    monkeypatch.setattr(PagePool, "submit", submitted)
    with pytest.raises(UserError, match="溢出"):
        pipeline.build(issue, tmp_path / "out", source_date_epoch=EPOCH, jobs=2)
    assert not (tmp_path / "out" / "issue.pdf").exists()
    for worker in workers.values():
        worker.join(10)
    assert len(workers) == 2 and not any(worker.is_alive() for worker in workers.values())


def test_only_the_changed_page_is_rendered_again(tmp_path):
    issue = _issue(tmp_path / "issue")
    rendered: list[str] = []
    cache = PageCache(on_render=rendered.append)
    pipeline.build(issue, tmp_path / "out", page_cache=cache)
    assert len(rendered) == 3
    pipeline.build(issue, tmp_path / "out", page_cache=cache)
    assert len(rendered) == 3                       # nothing changed: nothing rendered
    record = issue / "articles" / "a2.md"
    record.write_text(record.read_text(encoding="utf-8").replace("第2篇", "第二篇"), encoding="utf-8")
    result = pipeline.build(issue, tmp_path / "out", page_cache=cache)
    assert len(rendered) == 4 and len(set(rendered)) == 4    # page 2 alone, under a new key
    text = _glyphs(result.pdf)
    assert "第二篇" in "".join(g[0] for g in text[1])
    cache.salt = "other fonts"
    pipeline.build(issue, tmp_path / "out", page_cache=cache)
    assert len(rendered) == 7                       # new fonts: every page again


def test_a_rebuild_plans_only_the_pages_whose_inputs_changed(tmp_path, monkeypatch):
    """With a page cache (watch, serve) an unchanged page keeps its plan; an edited record, a
    picture of another pixel size or other fonts plan its page again, and the result is the plan a
    fresh build makes."""
    from typeset.plan import issue as planning

    issue = _issue(tmp_path / "issue")
    planned: list[int] = []
    real = planning._plan_page
    monkeypatch.setattr(planning, "_plan_page", lambda issue, i, *rest: planned.append(i) or real(issue, i, *rest))
    cache = PageCache()
    pipeline.build(issue, tmp_path / "out", page_cache=cache)
    assert planned == [0, 1, 2]
    record = issue / "articles" / "a2.md"
    record.write_text(record.read_text(encoding="utf-8").replace(BODY[:20], BODY[:20] * 3, 1), encoding="utf-8")
    cached = pipeline.build(issue, tmp_path / "out", page_cache=cache)
    assert planned == [0, 1, 2, 1]                              # page 2 alone
    fresh = pipeline.build(issue, tmp_path / "fresh")
    assert [[(m.record.slug, m.rect, len(m.fit.body)) for m in p.modules] for p in cached.plan.pages] == \
           [[(m.record.slug, m.rect, len(m.fit.body)) for m in p.modules] for p in fresh.plan.pages]
    cache.salt = "other fonts"
    pipeline.build(issue, tmp_path / "out", page_cache=cache)
    assert planned[7:] == [0, 1, 2]                             # (the fresh build planned 3)


def test_a_rebuild_makes_the_html_only_of_the_pages_that_changed(tmp_path, monkeypatch):
    """With a page cache an unchanged page keeps its HTML; the edited page's is made again, and
    the PDF is the bytes a fresh build makes. Anything else its HTML is made of (here the
    document's date) makes every page again."""
    from typeset.render import html

    issue = _issue(tmp_path / "issue")
    made: list = []
    real = html.render_html
    monkeypatch.setattr(html, "render_html", lambda plan, **options: made.append(options["only"]) or real(plan, **options))
    cache = PageCache()
    pipeline.build(issue, tmp_path / "out", page_cache=cache, source_date_epoch=EPOCH)
    assert made == [[0], [1], [2]]
    record = issue / "articles" / "a2.md"
    record.write_text(record.read_text(encoding="utf-8").replace("第2篇", "第二篇"), encoding="utf-8")
    cached = pipeline.build(issue, tmp_path / "out", page_cache=cache, source_date_epoch=EPOCH)
    assert made[3:] == [[1]]                                    # page 2 alone
    fresh = pipeline.build(issue, tmp_path / "fresh", source_date_epoch=EPOCH, jobs=2)
    assert cached.pdf.read_bytes() == fresh.pdf.read_bytes()
    pipeline.build(issue, tmp_path / "out", page_cache=cache, source_date_epoch=EPOCH + 86400)
    assert made[4:] == [[0], [1], [2]] + [[0], [1], [2]]       # the fresh build's three, then every page again


def test_a_watch_rebuild_reads_and_checks_only_the_changed_page_for_preflight(tmp_path, monkeypatch):
    """After one article changed, preflight reads and checks the text of the page rendered again
    and keeps what it read and found of the others (the hooks count every page the PDF reader
    parses and every page whose text is checked)."""
    from typeset import render, watch
    from typeset.preflight import pdftext, text

    folder = _issue(tmp_path / "issue")
    read, rendered, lines, checked = [], [], [], []
    parse, check_page = pdftext.pages, text._check_page

    def counted_check(number, origin, chars, page_plan, *args):
        checked.append(page_plan.page.number)
        return check_page(number, origin, chars, page_plan, *args)
    monkeypatch.setattr(text, "_check_page", counted_check)

    def counted(pdf):
        pages = parse(pdf)
        read.append(len(pages))
        return pages

    class Counted(PageCache):
        def __init__(self):
            super().__init__(on_render=rendered.append)
    monkeypatch.setattr(pdftext, "pages", counted)
    monkeypatch.setattr(render, "PageCache", Counted)
    record = folder / "articles" / "a2.md"

    def edit_after_the_first(line, error):
        lines.append((line, error))
        if len(lines) == 1:
            assert sum(read) == 3 and len(rendered) == 3        # the first build reads every page
            assert sorted(checked) == [1, 2, 3]                 # … and checks it
            read.clear()
            checked.clear()
            record.write_text(record.read_text(encoding="utf-8").replace("。", "！", 1), encoding="utf-8")
    assert watch.watch(folder, tmp_path / "out", interval=0.05, report=edit_after_the_first, max_builds=2) == 2
    assert not any(error for _, error in lines), lines
    assert len(rendered) == 4 and sum(read) == 1        # page 2 alone rendered again, and read
    assert checked == [2]                               # … and its text checked
    pipeline.build(folder, tmp_path / "fresh")
    assert sum(read) == 1 + 3                           # the hook sees a build without the cache read all


WORKER_DIES = """
import os
from typeset.model.errors import UserError
from typeset.render import render_pages
from typeset.render.pages import PageJob

jobs = [PageJob(f"<html><body><p>第{i}版</p></body></html>", str(i), ".", index=i) for i in range(4)]


def check(index, pdf):
    if index == 2:
        os._exit(3)           # the worker setting page 3 dies (a crash, the OOM killer)


try:
    render_pages(jobs, 2, check=check)
except UserError as e:
    print("failed:", e)
"""


def test_a_page_worker_that_dies_fails_the_build_instead_of_hanging_it(tmp_path):
    """multiprocessing.Pool's map() waited for ever for the page of a worker that died."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", WORKER_DIES], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("failed: a page worker ended without its page"), done.stdout


def test_a_font_file_that_changed_before_assembly_is_one_line_not_wrong_glyphs(tmp_path):
    """A page whose left-out font came from a font file that is no longer the same (a package
    upgraded under `paiban watch`): the issue is not assembled from the new file with the old
    glyph ids, the build fails in one line."""
    import io
    import json

    from typeset.model.errors import UserError
    from typeset.render import PageJob, assemble, render_pages
    from typeset.render.shared_fonts import MARK

    html = '<html><body style="font-family: \'Noto Serif CJK SC\'"><p>鄄城县</p></body></html>'
    page = render_pages([PageJob(html, html, str(tmp_path), fonts_left_out=True)])[0]
    assemble([page], tmp_path / "good.pdf")                         # as rendered: assembled
    with pikepdf.open(io.BytesIO(page.pdf)) as pdf:
        changed = 0
        for obj in pdf.objects:
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/FontDescriptor" and "/FontFile3" in obj:
                data = obj.FontFile3.read_bytes()
                found = json.loads(data[4 + len(MARK):])
                found["fingerprint"] = "0" * 64 + ":1"              # the file it came from is gone
                obj.FontFile3.write(data[:4 + len(MARK)] + json.dumps(found).encode())
                changed += 1
        out = io.BytesIO()
        pdf.save(out)
    assert changed >= 1
    page.pdf = out.getvalue()
    with pytest.raises(UserError, match="changed while the issue was built"):
        assemble([page], tmp_path / "bad.pdf")


def test_fonts_are_left_out_only_in_the_thread_that_asked(tmp_path):
    """A render in another thread (paiban serve's live page beside a build) while a page leaves
    its fonts out gets WeasyPrint's own subsets: every program in its PDF is a font."""
    import threading

    from typeset import preflight
    from typeset.render import PageJob, render_pages, shared_fonts

    html = '<html><body style="font-family: \'Noto Serif CJK SC\'"><p>鄄城县</p></body></html>'
    other: list = []
    with shared_fonts.left_out(shared_fonts.known_files()):
        thread = threading.Thread(target=lambda: other.append(render_pages([PageJob(html, html, str(tmp_path))])[0]))
        thread.start()
        thread.join(120)
        mine = render_pages([PageJob(html, html, str(tmp_path))])[0]       # this thread: left out
    for name, page in (("other", other[0]), ("mine", mine)):
        (tmp_path / f"{name}.pdf").write_bytes(page.pdf)
    assert [f for f in preflight.check_glyphs_and_fonts(tmp_path / "other.pdf") if f.check == "fonts"] == []
    assert any("not a font" in f.message for f in preflight.check_glyphs_and_fonts(tmp_path / "mine.pdf"))
