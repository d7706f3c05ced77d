"""The page-design measurements (tests/pagedesign.py) on hand-made pages: a page that keeps
every rule gives no finding, and a page that breaks exactly one rule gives exactly that one.

Sidecars are written here on the 对开 grid (8 栏 × 102 lines); the rules read from the PDF
(glyph rows, 主题 sizes, picture placement) get small PDFs drawn with pikepdf.
"""

from __future__ import annotations

from pathlib import Path

import pdfplumber
import pikepdf
import pytest
from pagedesign import Frame, measure_page, read_frame

ROOT = Path(__file__).resolve().parent.parent
PAGE_HEIGHT = 1547.717
DUIKAI = Frame(left=53.858, top=1445.669, width=999.0, height=1377.0, pitch=13.5, em=9.0, columns=8,
               column_width=117.0, gap=9.0)


def box(frame: Frame, col: int, cols: int, line: int, lines: int) -> list[float]:
    """PDF rectangle [x0, y0, x1, y1] of `cols` 基本栏 from `col`, `lines` grid lines from `line`."""
    x0 = frame.left + col * (frame.column_width + frame.gap)
    x1 = x0 + cols * frame.column_width + (cols - 1) * frame.gap
    top = frame.top - line * frame.pitch
    return [round(x0, 3), round(top - lines * frame.pitch, 3), round(x1, 3), round(top, 3)]


def module(frame: Frame, slug: str, col: int, cols: int, line: int, lines: int,
           parts: list[tuple[str, int, int, int, int]], title: str | None = None) -> dict:
    """One article with one region; parts are (kind, col, cols, line, lines); a text part
    `cols` wide stands for that many text columns of one 基本栏."""
    regions = []
    for kind, pc, pcols, pl, plines in parts:
        if kind == "text":
            regions += [{"kind": "text", "pdf": box(frame, pc + i, 1, pl, plines)} for i in range(pcols)]
        else:
            regions.append({"kind": kind, "pdf": box(frame, pc, pcols, pl, plines)})
    return {"slug": slug, "fields": {"title": title or slug},
            "regions": [{"page": 1, "index": 1, "pdf": box(frame, col, cols, line, lines), "continued": False,
                         "parts": regions}]}


def sidecar(articles: list[dict], height: float = PAGE_HEIGHT) -> dict:
    return {"pages": [{"page": 1, "index": 1, "size_pt": [1105.512, height]}], "articles": articles}


def good_page() -> list[dict]:
    """A page a designer would sign: the lead across the top with its picture, two modules
    side by side under it (the right one opens with a picture, so the headlines stagger), two
    below with their tops 10 lines apart; module edges meet in T's, never in a cross."""
    f = DUIKAI
    return [
        module(f, "lead", 0, 8, 0, 30, [("headline", 0, 8, 0, 4), ("picture", 0, 5, 4, 26), ("text", 5, 3, 4, 26)]),
        module(f, "second", 0, 5, 30, 40, [("headline", 0, 5, 30, 3), ("text", 0, 5, 33, 37)]),
        module(f, "third", 5, 3, 30, 50, [("picture", 5, 3, 30, 16), ("caption", 5, 3, 46, 1),
                                          ("headline", 5, 3, 47, 3), ("text", 5, 3, 50, 30)]),
        module(f, "fourth", 0, 5, 70, 32, [("headline", 0, 5, 70, 3), ("text", 0, 5, 73, 29)]),
        module(f, "fifth", 5, 3, 80, 22, [("headline", 5, 3, 80, 3), ("text", 5, 3, 83, 19)]),
    ]


def replace(page: list[dict], new: dict) -> list[dict]:
    return [new if a["slug"] == new["slug"] else a for a in page]


def rules_broken(articles: list[dict]) -> list[str]:
    return [v.rule for v in measure_page(sidecar(articles), 1, DUIKAI, {}).violations]


def test_the_duikai_frame_is_read_from_its_layout():
    frame = read_frame(ROOT / "layouts" / "duikai" / "layout.toml", PAGE_HEIGHT)
    for name in Frame.__dataclass_fields__:
        assert getattr(frame, name) == pytest.approx(getattr(DUIKAI, name), abs=0.01), name


def test_a_good_page_breaks_no_rule():
    result = measure_page(sidecar(good_page()), 1, DUIKAI, {})
    assert result.violations == []
    assert result.full_width_text == 1
    assert result.min_column_lines == 19
    assert 0.2 < result.picture_share < 0.25
    assert result.holes == []


def test_headlines_side_by_side_are_a_clash():
    f = DUIKAI
    page = replace(good_page(), module(f, "third", 5, 3, 30, 50, [
        ("headline", 5, 3, 30, 3), ("picture", 5, 3, 33, 16), ("caption", 5, 3, 49, 1), ("text", 5, 3, 50, 30)]))
    result = measure_page(sidecar(page), 1, f, {})
    assert [str(v) for v in result.violations] == ["碰题: second / third"]


def test_four_corners_meeting_are_a_cross():
    f = DUIKAI
    page = replace(good_page(), module(f, "third", 5, 3, 30, 40, [
        ("picture", 5, 3, 30, 16), ("caption", 5, 3, 46, 1), ("headline", 5, 3, 47, 3), ("text", 5, 3, 50, 20)]))
    page = replace(page, module(f, "fifth", 5, 3, 70, 32, [
        ("picture", 5, 3, 70, 12), ("caption", 5, 3, 82, 1), ("headline", 5, 3, 83, 3), ("text", 5, 3, 86, 16)]))
    assert rules_broken(page) == ["十字"]


def test_a_cross_staggered_by_three_lines_is_none():
    f = DUIKAI
    page = replace(good_page(), module(f, "third", 5, 3, 30, 43, [
        ("picture", 5, 3, 30, 16), ("caption", 5, 3, 46, 1), ("headline", 5, 3, 47, 3), ("text", 5, 3, 50, 23)]))
    page = replace(page, module(f, "fifth", 5, 3, 73, 29, [
        ("picture", 5, 3, 73, 12), ("caption", 5, 3, 85, 1), ("headline", 5, 3, 86, 3), ("text", 5, 3, 89, 13)]))
    assert rules_broken(page) == []


def test_a_second_full_width_text_module_is_a_stripe():
    f = DUIKAI
    page = [a for a in good_page() if a["slug"] not in ("fourth", "fifth")]
    page = replace(page, module(f, "second", 0, 5, 30, 50, [("headline", 0, 5, 30, 3), ("text", 0, 5, 33, 47)]))
    page.append(module(f, "fourth", 0, 8, 80, 22, [("headline", 0, 8, 80, 3), ("text", 0, 8, 83, 19)]))
    result = measure_page(sidecar(page), 1, f, {})
    assert [str(v) for v in result.violations] == ["2 通栏 text modules (at most 1)"]


def test_shallow_text_columns_are_reported_by_module():
    f = DUIKAI
    page = replace(good_page(), module(f, "fifth", 5, 3, 80, 22, [("headline", 5, 3, 80, 12), ("text", 5, 3, 92, 10)]))
    result = measure_page(sidecar(page), 1, f, {})
    assert [str(v) for v in result.violations] == ["字块 only 10 lines deep: fifth"]


def test_pictures_over_the_limit_of_the_type_area():
    f = DUIKAI
    page = replace(good_page(), module(f, "second", 0, 5, 30, 40, [
        ("headline", 0, 5, 30, 3), ("picture", 0, 5, 33, 22), ("text", 0, 5, 55, 15)]))
    page = replace(page, module(f, "fourth", 0, 5, 70, 32, [
        ("headline", 0, 5, 70, 3), ("picture", 0, 5, 73, 17), ("text", 0, 5, 90, 12)]))
    result = measure_page(sidecar(page), 1, f, {})
    assert [v.rule for v in result.violations] == ["图片面积"]
    assert result.picture_share == pytest.approx(0.454, abs=0.002)
    # the sample's allowance (45 %) is a parameter of the measurement, not of the page
    assert measure_page(sidecar(page), 1, f, {}, picture_limit=0.46).violations == []


def test_an_empty_area_at_the_foot_is_a_hole():
    f = DUIKAI
    page = replace(good_page(), module(f, "fourth", 0, 5, 70, 25, [("headline", 0, 5, 70, 3), ("text", 0, 5, 73, 22)]))
    result = measure_page(sidecar(page), 1, f, {})
    assert result.holes == [(7, 5, 95)]
    assert [str(v) for v in result.violations] == ["hole 7 lines deep × 5 栏 from line 96"]


def test_a_hole_of_two_lines_is_tolerated():
    f = DUIKAI
    page = replace(good_page(), module(f, "fourth", 0, 5, 70, 30, [("headline", 0, 5, 70, 3), ("text", 0, 5, 73, 27)]))
    result = measure_page(sidecar(page), 1, f, {})
    assert result.holes == [(2, 5, 100)] and result.violations == []


# --- rules read from the PDF: a small 版心 of 2 栏 × 24 lines, two modules side by side ----------

SMALL = Frame(left=50.0, top=700.0, width=243.0, height=324.0, pitch=13.5, em=9.0, columns=2,
              column_width=117.0, gap=9.0)
SMALL_HEIGHT = 802.047


def small_page(title_sizes=(24, 18), picture_px=(26, 24), short_row=None, rows_b=12,
               stretch=False, subhead=None) -> tuple[dict, bytes]:
    """The sidecar and a PDF: module a (1 栏, headline, 21 text lines, priority 1), module b
    (1 栏, picture 117 × 108 pt over its headline, 12 text lines, priority 2). Text rows are
    drawn glyph by glyph in Courier, a paragraph every 7 rows; `short_row` ends one non-final row
    of a 9 pt short; the picture is placed like CSS `object-fit: cover`; `stretch` fills the box instead. `subhead` (slug, row) sets a bold 小标题 there, taking
    two lines."""
    f = SMALL
    a = module(f, "a", 0, 1, 0, 24, [("headline", 0, 1, 0, 3), ("text", 0, 1, 3, 21)], title="ALPHA")
    b = module(f, "b", 1, 1, 0, 24, [("picture", 1, 1, 0, 8), ("caption", 1, 1, 8, 1),
                                    ("headline", 1, 1, 9, 3), ("text", 1, 1, 12, 12)], title="BRAVO")
    ops = []
    def glyphs(font: str, size: float, x0: float, x1: float, baseline: float, text: str) -> None:
        step = (x1 - x0 - 0.6 * size) / max(len(text) - 1, 1)      # Courier: 0.6 em a glyph
        for i, ch in enumerate(text):
            ops.append(f"BT /{font} {size} Tf 1 0 0 1 {x0 + i * step:.3f} {baseline:.3f} Tm ({ch}) Tj ET")
    def text_rows(part: list[float], rows: int, slug: str) -> None:
        for k in range(rows):
            baseline = part[3] - (k + 1) * f.pitch + 3
            if subhead and (slug, k) == subhead:
                glyphs("F2", 9, part[0] + 18, part[2] - 18, baseline - f.pitch / 2, "x" * 7)
            if subhead and (slug, k) in (subhead, (subhead[0], subhead[1] + 1)):
                continue
            start = part[0] + (2 * f.em if k % 7 == 0 else 0)
            end = part[2] - (30 if k % 7 == 6 or k == rows - 1 else 0)
            if (slug, k) == short_row:
                end = part[2] - f.em
            glyphs("F1", 9, start, end, baseline, "x" * (13 if end == part[2] else 9))
    for article, rows, size in ((a, 21, title_sizes[0]), (b, rows_b, title_sizes[1])):
        parts = {p["kind"]: p["pdf"] for p in article["regions"][0]["parts"]}
        text_rows(parts["text"], rows, article["slug"])
        head = parts["headline"]
        glyphs("F2", 6, head[0], head[0] + 40, head[3] - 8, article["fields"]["title"])   # its 引题
        glyphs("F2", size, head[0], head[0] + 3.2 * size, head[1] + 4, article["fields"]["title"])
    picture = b["regions"][0]["parts"][0]["pdf"]
    pw, ph = picture[2] - picture[0], picture[3] - picture[1]
    scale = max(pw / picture_px[0], ph / picture_px[1])
    w, h = (pw, ph) if stretch else (picture_px[0] * scale, picture_px[1] * scale)
    x, y = picture[0] - (w - pw) / 2, picture[1] - (h - ph) / 2
    ops.append(f"q {picture[0]} {picture[1]} {pw} {ph} re W n {w:.3f} 0 0 {h:.3f} {x:.3f} {y:.3f} cm /Im1 Do Q")

    pdf = pikepdf.new()
    image = pikepdf.Stream(pdf, bytes([120, 90, 60]) * (picture_px[0] * picture_px[1]))
    image.update({"/Type": pikepdf.Name.XObject, "/Subtype": pikepdf.Name.Image, "/Width": picture_px[0],
                  "/Height": picture_px[1], "/ColorSpace": pikepdf.Name.DeviceRGB, "/BitsPerComponent": 8})
    fonts = {name: pdf.make_indirect(pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1,
                                                        BaseFont=pikepdf.Name(base)))
             for name, base in (("/F1", "/Courier"), ("/F2", "/Courier-Bold"))}
    page = pikepdf.Dictionary(Type=pikepdf.Name.Page, MediaBox=[0, 0, 400, SMALL_HEIGHT],
                              Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(fonts),
                                                           XObject=pikepdf.Dictionary(Im1=image)),
                              Contents=pdf.make_stream("\n".join(ops).encode()))
    pdf.pages.append(pikepdf.Page(page))
    return [a, b], _saved(pdf)


def _saved(pdf: pikepdf.Pdf) -> bytes:
    import io

    buffer = io.BytesIO()
    pdf.save(buffer)
    return buffer.getvalue()


def measure_small(tmp_path: Path, **kwargs):
    articles, data = small_page(**kwargs)
    path = tmp_path / "small.pdf"
    path.write_bytes(data)
    with pdfplumber.open(path) as pdf:
        return measure_page(sidecar(articles, SMALL_HEIGHT), 1, SMALL, {"a": 1, "b": 2}, pdf.pages[0])


def test_a_small_good_pdf_breaks_no_rule(tmp_path):
    result = measure_small(tmp_path)
    assert result.violations == []
    assert result.column_lines == {"a": [21], "b": [12]}
    assert result.title_sizes == {"a": 24, "b": 18}
    assert result.crops == {"b": 0} and result.distortions == {"b": 0}
    # rows 0–5, 7–12, 14–19 of a and 0–5, 7–10 of b are non-final
    assert (result.flush_lines, result.body_lines) == (28, 28)


def test_a_short_non_final_line_is_counted(tmp_path):
    result = measure_small(tmp_path, short_row=("a", 3))
    assert (result.flush_lines, result.body_lines) == (27, 28)
    assert [v.rule for v in result.violations] == ["齐行"]
    assert str(result.violations[0]).startswith("1 of 28 non-final lines short, e.g. a: xxxxxxxxx (-9.0 pt)")


def test_column_depth_is_counted_in_the_pdf_not_taken_from_the_sidecar(tmp_path):
    result = measure_small(tmp_path, rows_b=11)
    assert result.column_lines["b"] == [11]
    assert [str(v) for v in result.violations] == ["字块 only 11 lines deep: b"]


def test_a_subhead_of_two_lines_counts_as_two_lines_of_depth(tmp_path):
    result = measure_small(tmp_path, subhead=("b", 8))
    assert result.column_lines["b"] == [12]
    # the row before the 小标题 ends its paragraph; b keeps rows 0–5 and 10 non-final
    assert (result.flush_lines, result.body_lines) == (25, 25)
    assert result.violations == []


def test_a_lower_priority_with_a_larger_headline(tmp_path):
    result = measure_small(tmp_path, title_sizes=(20, 24))
    assert [str(v) for v in result.violations] == ["主题 of b (priority 2) 24 pt larger than a (priority 1) 20 pt"]


def test_a_picture_cropped_past_the_limit(tmp_path):
    result = measure_small(tmp_path, picture_px=(39, 24))      # 13:8 into a 13:12 box
    assert result.crops["b"] == pytest.approx(1 - 117 / 175.5, abs=0.002)
    assert [str(v) for v in result.violations] == ["picture cropped 33 %: b"]


def test_a_slight_crop_is_within_the_limit(tmp_path):
    result = measure_small(tmp_path, picture_px=(30, 24))      # 13 % off the width
    assert result.crops["b"] == pytest.approx(0.133, abs=0.002) and result.violations == []


def test_a_stretched_picture_is_distorted_not_cropped(tmp_path):
    result = measure_small(tmp_path, picture_px=(39, 24), stretch=True)     # 13:8 pixels in a 13:12 box
    assert result.crops["b"] == 0
    assert [str(v) for v in result.violations] == ["picture distorted 33 %: b"]
