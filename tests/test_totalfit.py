"""Paragraphs a greedy breaker leaves with a short line (a number or a word that can neither
break nor stretch, Han spacing capped below pdftotext's word break): the composer re-breaks
them over the whole paragraph, and the rendered PDF shows every non-final line flush. And no
Han–Latin gap after a full-width mark. Measured from the glyphs pdfplumber reads."""

from __future__ import annotations

import pytest
from test_compose import EM, page_chars, render_columns, row_chars

from typeset.compose import compose_paragraph
from typeset.model.layout import HouseStyle

DUIKAI = HouseStyle(digit_gap=False)          # the house style of layouts/duikai
NARROW = 11 * EM

# each greedy-set (one line at a time) at its width leaves a non-final line short: 1800 cannot
# join "…资料共" nor break, 藏/著 cannot both fit; the last with "…文化事业" short as well
PARAGRAPHS = [
    ("退休后，他把毕生心血都倾注在家乡的文化事业上，先后向县图书馆捐赠个人著作和珍藏资料共"
     "1800余册，其中不少是绝版的地方志。", NARROW, HouseStyle(indent_em=0, digit_gap=False)),
    ("退休后，他把毕生心血都倾注在家乡的文化事业上，先后向县图书馆捐赠个人著作和珍藏资料共"
     "1800余册，其中不少是绝版的地方志。", 9 * EM, DUIKAI),
    ("记者从县统计局获悉，2023年全县地区生产总值完成226亿元，同比增长6.5%，其中第一产业"
     "增加值达到35亿元，第二产业增加值完成84亿元。", 10 * EM, DUIKAI),
    ("要及时关注辖区内电诈案件发案情况，找准薄弱环节和区域，对重点区域、重点人群及时采取"
     "有针对性的宣防工作，坚决遏制案件高发多发的势头。", NARROW, DUIKAI),
]


def pdf_rows(lines, width):
    """The glyph rows of the rendered paragraph, one list of pdfplumber chars a line."""
    pdf, _, (_, top, pitch) = render_columns([lines], width)
    chars = page_chars(pdf)
    return [row_chars(chars, 30, width, top + i * pitch, pitch) for i in range(len(lines))]


def right_edge(row, width: float) -> float:
    """Where the line's text ends: a closing mark set half-width ends half an em in."""
    last = row[-1]
    ends = [last["x1"]] + ([last["x0"] + EM / 2] if last["text"] in "，。、：；！？）》”" else [])
    return min(ends, key=lambda x: abs(x - (30 + width)))


@pytest.mark.parametrize("source, width, style", PARAGRAPHS, ids=["1800", "1800-indent", "gdp", "weak-points"])
def test_no_short_non_final_line_in_the_pdf(source, width, style):
    lines = compose_paragraph(source, width, EM, style)
    rows = pdf_rows(lines, width)
    assert "".join(c["text"] for row in rows for c in row) == source
    for line, row in zip(lines[:-1], rows):
        text = "".join(c["text"] for c in row)
        assert abs(right_edge(row, width) - (30 + width)) < 0.35, f"short line: {text}"
        han = [(a, b) for a, b in zip(row, row[1:]) if "\u4e00" <= a["text"] <= "\u9fff" and "\u4e00" <= b["text"] <= "\u9fff"]
        # no space for pdftotext (glyph boxes drift by a few hundredths of a point)
        assert max((b["x0"] - a["x1"] for a, b in han), default=0) < 0.1 * EM + 0.03, text


def test_the_number_moves_the_break_lines_above_it():
    """1800 neither breaks nor stretches: the lines above it take or give a character, so the
    line before the number ends at the column's edge (greedy: 1 em short)."""
    source, width, style = PARAGRAPHS[0]
    texts = [line.text() for line in compose_paragraph(source, width, EM, style)]
    before = next(t for t, nxt in zip(texts, texts[1:]) if nxt.startswith("1800"))
    assert before.endswith("资料共")
    rows = pdf_rows(compose_paragraph(source, width, EM, style), width)
    row = next(r for r in rows if "".join(c["text"] for c in r) == before)
    assert abs(row[-1]["x1"] - (30 + width)) < 0.35


def test_an_impossible_paragraph_keeps_its_one_short_line_short_not_spaced():
    """The first line of "二是要加强组织领导，" at 11 em cannot be justified (导， does not fit,
    领 ends 1 em short): the line stays a hair short rather than parting two Han characters."""
    lines = compose_paragraph("二是要加强组织领导，压实工作责任，确保各项措施落到实处。", NARROW, EM, DUIKAI)
    row = pdf_rows(lines, NARROW)[0]
    assert max(b["x0"] - a["x1"] for a, b in zip(row, row[1:])) < 0.1 * EM + 0.03
    assert row[-1]["x1"] < 30 + NARROW - 0.35


def gaps_after(row, mark: str) -> list[float]:
    return [b["x0"] - a["x1"] for a, b in zip(row, row[1:]) if a["text"] == mark]


def test_no_han_latin_gap_after_a_full_width_mark():
    """"获悉，2023": the comma's own blank and nothing more before 2023; between 年 and a
    Latin word the ¼ em gap; measured in the PDF on a natural and on a justified line."""
    style = HouseStyle(indent_em=0)              # with the gap before numbers too
    for width, source in ((40 * EM, "记者获悉，2023年APP用户"),
                          (12 * EM, "据悉，2023年全县粮食总产量再创新高，达到历史最好水平。")):
        lines = compose_paragraph(source, width, EM, style)
        row = pdf_rows(lines, width)[0]
        comma = next(c for c in row if c["text"] == "，")
        digit = row[row.index(comma) + 1]
        assert digit["text"] == "2"
        spacing = lines[0].spacing
        assert digit["x0"] - comma["x1"] == pytest.approx(spacing, abs=0.05), source
    row = pdf_rows(compose_paragraph("记者获悉，2023年APP用户", 40 * EM, EM, style), 40 * EM)[0]
    nian = next(c for c in row if c["text"] == "年")
    a = row[row.index(nian) + 1]
    assert a["x0"] - nian["x1"] == pytest.approx(EM / 4, abs=0.05)


def test_a_capped_line_widens_the_gap_beside_the_number_not_after_the_comma():
    """A line whose Han spacing reaches the cap gives the rest to the gaps beside a number
    first: the comma before 2023 keeps its own blank."""
    width = 15 * EM
    lines = compose_paragraph("全县接报警情，236起同比下降18.5%。", width, EM, HouseStyle(indent_em=0, digit_gap=False))
    first = lines[0]
    row = pdf_rows(lines, width)[0]
    assert "".join(c["text"] for c in row) == "全县接报警情，236起同比下降"
    assert abs(row[-1]["x1"] - (30 + width)) < 0.35                 # flush
    assert max(gaps_after(row, "，")) == pytest.approx(first.spacing, abs=0.05)
    three = next(c for c in row if c["text"] == "6")
    qi = row[row.index(three) + 1]
    assert qi["x0"] - three["x1"] > first.spacing + 0.5             # the rest went beside 236
