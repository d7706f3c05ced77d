"""Tests of the Chinese line composer (typeset/compose.py): each rule on hand-checked cases,
properties on random paragraphs, and the rendered PDF read back from its glyph positions."""

from __future__ import annotations

import bisect
import io
import itertools
import re
import subprocess

import pytest
from conftest import SEED
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rules import HANGING, NO_END, NO_START

from typeset.compose import CAPPED_CHAR_GAP_EM, Measure, compose_headline, compose_paragraph
from typeset.model.layout import HouseStyle
from typeset.render import LINE_CSS, line_html

EM = 9.0
COL = 13 * EM          # 117 pt: the 基本栏 of 13 小五 characters
WIDE = 20 * EM
TOL = 0.01

NO_INDENT = HouseStyle(indent_em=0)


def texts(lines):
    return [line.text() for line in lines]


def advance(line, text):
    """The advance of the first cluster of `line` whose text is `text`."""
    return next(p.advance for p in line.placed if p.text == text)


# --- 禁则 and 先挤进，后推出 ---------------------------------------------------------------

def test_comma_squeezed_in_instead_of_pushing():
    # 12 Han + 2 commas = 14 em in a 13 em column: the line-end comma and the inner comma
    # go to ½ em, nothing is pushed.
    lines = compose_paragraph("一二三四五，六七八九十一二，三四五六", COL, EM, NO_INDENT)
    assert texts(lines) == ["一二三四五，六七八九十一二，", "三四五六"]
    first = lines[0]
    assert [p.advance for p in first.placed if p.text == "，"] == [4.5, 4.5]
    assert first.width == pytest.approx(COL, abs=TOL)
    assert first.spacing == pytest.approx(0, abs=TOL)


def test_period_that_cannot_be_squeezed_pushes_the_last_character():
    lines = compose_paragraph("一二三四五六七八九十一二三。四五六", COL, EM, NO_INDENT)
    assert texts(lines) == ["一二三四五六七八九十一二", "三。四五六"]
    assert lines[0].width == pytest.approx(COL, abs=TOL)
    assert lines[0].spacing == pytest.approx(EM / 11, abs=TOL)   # 1 em over 11 gaps


def test_line_end_pair_of_closing_marks_takes_one_em():
    # 。” adjacent → 1.5 em, and at line end ” → ½ em: 12 Han + 1 em fits 13 em exactly.
    lines = compose_paragraph("一二三四五六七八九十一二。”三四五", COL, EM, NO_INDENT)
    assert texts(lines) == ["一二三四五六七八九十一二。”", "三四五"]
    assert advance(lines[0], "。") == 4.5 and advance(lines[0], "”") == 4.5
    assert lines[0].width == pytest.approx(COL, abs=TOL)


def test_opening_quote_never_ends_a_line():
    lines = compose_paragraph("一二三四五六七八九十一二“三四”五六", COL, EM, NO_INDENT)
    assert texts(lines)[0] == "一二三四五六七八九十一二"
    assert texts(lines)[1].startswith("“")


@pytest.mark.parametrize("pair", ["——", "……"])
def test_dash_and_ellipsis_never_split(pair):
    source = "一二三四五六七八九十一二" + pair + "三四五六"
    lines = compose_paragraph(source, COL, EM, NO_INDENT)
    assert texts(lines) == ["一二三四五六七八九十一二", pair + "三四五六"]
    strict = compose_paragraph(source, COL, EM, HouseStyle(indent_em=0, kinsoku="strict"))
    assert texts(strict) == ["一二三四五六七八九十一", "二" + pair + "三四五六"]


def test_kinsoku_off_lets_a_comma_start_a_line():
    style = HouseStyle(indent_em=0, kinsoku="off", line_end_half=False, interior_compress=False)
    lines = compose_paragraph("一二三四五六七八九十一二三，四五", COL, EM, style)
    assert texts(lines) == ["一二三四五六七八九十一二三", "，四五"]


def test_no_prohibited_mark_at_line_start_in_seed_text():
    for para in seed_paragraphs():
        for line in compose_paragraph(para, COL, EM)[1:]:
            assert line.text()[0] not in NO_START


# --- no Han gap that pdftotext reads as a space (< 0.1 em) -----------------------------------

TABLOID = 14 * EM      # 126 pt
HANG = HouseStyle(hang_punctuation=True)


def han_gaps(line):
    """The gaps (pt) between two Han characters that sit side by side on the line."""
    def han(p):
        return len(p.text) == 1 and re.match(r"[\u3400-\u9fff]", p.text)
    return [b.x - (a.x + a.advance) for a, b in zip(line.placed, line.placed[1:]) if han(a) and han(b)]


def test_loose_line_squeezes_in_the_ellipsis():
    # "单返利”“虚假投资理财”" is 11.5 em: breaking before …… (legal) would stretch 1.5 em over
    # 11 gaps (0.136 em). The ” before …… goes to ½ em instead and …… (2 em, unsplit) fits.
    lines = compose_paragraph("单返利”“虚假投资理财”……这些骗局花样翻新，让人防不胜防。", COL, EM, NO_INDENT)
    assert texts(lines) == ["单返利”“虚假投资理财”……", "这些骗局花样翻新，让人防不", "胜防。"]
    first = lines[0]
    assert [(p.text, p.advance) for p in first.placed if p.halt] == [("”", 4.5), ("”", 4.5)]
    assert advance(first, "“") == 9.0
    assert first.width == pytest.approx(COL, abs=TOL)
    assert first.spacing == pytest.approx(0, abs=TOL)
    assert max(han_gaps(first)) < 0.1 * EM


SEVERE = "络诈骗案件高发的严峻形势，认真查摆问题短板，研究制定有效的工作措施"


def test_hanging_comma_keeps_the_pushed_character():
    # First line of a 14-character column: 12 em after the indent. "势，" needs 12.5 em, so 势
    # would be pushed and "络…形" stretched 1 em over 10 gaps (0.1 em). With hanging, 势 ends
    # at the edge and the comma hangs outside at ½ em.
    lines = compose_paragraph(SEVERE, TABLOID, EM, HANG)
    assert texts(lines) == ["络诈骗案件高发的严峻形势，", "认真查摆问题短板，研究制定有", "效的工作措施"]
    first = lines[0]
    assert first.hang and not any(line.hang for line in lines[1:])
    comma, shi = first.placed[-1], first.placed[-2]
    assert (comma.text, comma.advance, comma.halt) == ("，", EM / 2, True)
    assert shi.x + shi.advance == pytest.approx(TABLOID, abs=TOL)
    assert comma.x == pytest.approx(TABLOID, abs=TOL)
    assert first.width == pytest.approx(TABLOID, abs=TOL)   # the edge, not the mark's end
    assert first.spacing == pytest.approx(0, abs=TOL)
    assert max(han_gaps(first)) < 0.1 * EM
    # every mark of the line is halted and it has no letter-spacing: halt is set on the line
    assert '<span class="ln r-shusong h" ' in line_html(first)


def test_hanging_mark_cancels_the_spacing_before_it():
    # stretched line: the mark's negative margin takes back the letter-spacing after 势
    lines = compose_paragraph("络诈骗案件高发的严峻形势，认真", TABLOID + 1, EM, HANG)
    first = lines[0]
    assert first.hang and first.spacing > 0
    comma = first.placed[-1]
    assert comma.x == pytest.approx(TABLOID + 1, abs=TOL)
    assert f"margin-left:-{first.spacing:.4f}".rstrip("0") in line_html(first)


def test_without_hanging_the_han_gap_is_capped_a_hair_short():
    (first, *_rest) = compose_paragraph(SEVERE, TABLOID, EM)    # hang_punctuation off (default)
    assert first.text() == "络诈骗案件高发的严峻形"
    assert first.spacing == pytest.approx(CAPPED_CHAR_GAP_EM * EM)
    assert max(han_gaps(first)) < 0.1 * EM
    assert 0 < TABLOID - first.width < 0.35


def test_no_hang_when_the_line_is_not_too_loose():
    # pushing 三 stretches 1 em over 11 gaps (0.091 em): no reason to hang
    lines = compose_paragraph("一二三四五六七八九十一二三，四五", COL, EM,
                              HouseStyle(indent_em=0, hang_punctuation=True))
    assert texts(lines) == ["一二三四五六七八九十一二", "三，四五"]
    assert not lines[0].hang
    assert lines[0].spacing == pytest.approx(EM / 11, abs=TOL)


def test_capped_line_gives_the_rest_to_the_gaps_beside_numbers_and_marks():
    # "骗警情236起，同比下降" would need 0.26 em between characters; the Han pairs keep
    # 0.098 em and the gaps around 236, 起 and ， take the rest: flush.
    style = HouseStyle(indent_em=0, digit_gap=False)
    first = compose_paragraph("骗警情236起，同比下降18.5%。", COL, EM, style)[0]
    assert first.text() == "骗警情236起，同比下降"
    assert first.width == pytest.approx(COL, abs=TOL)
    assert max(han_gaps(first)) == pytest.approx(CAPPED_CHAR_GAP_EM * EM)


# --- punctuation width ----------------------------------------------------------------------

def test_adjacent_marks_take_one_and_a_half_em():
    (line,) = compose_paragraph("他说：“好。”）", WIDE, EM, NO_INDENT)
    widths = {p.text: (p.advance, p.halt) for p in line.placed}
    assert widths["："] == (4.5, True)     # ：“ → the colon gives its blank half
    assert widths["“"] == (9.0, False)
    assert widths["。"] == (4.5, True)     # 。”） → each closing mark before another
    assert widths["”"] == (4.5, True)
    assert widths["）"] == (9.0, False)


def test_compress_adjacent_off():
    (line,) = compose_paragraph("他说：“好。”", WIDE, EM, HouseStyle(compress_adjacent=False))
    assert all(p.advance == 9.0 for p in line.placed)


def test_opening_and_closing_bracket_at_the_edges_drop_half_an_em():
    # 14 em: the paragraph's only line needs the start bracket and the end bracket at ½ em.
    (line,) = compose_paragraph("（一二三四五六七八九十一二）", COL, EM, NO_INDENT)
    assert line.placed[0].halt and line.placed[-1].halt
    assert line.width == pytest.approx(COL, abs=TOL)
    assert line.placed[1].x == pytest.approx(EM / 2, abs=TOL)   # 一 right after the ink of （


# --- Han–Latin gap, words, numbers ----------------------------------------------------------

def gaps_around(line, word):
    i = next(k for k, p in enumerate(line.placed) if p.text == word)
    before, here, after = line.placed[i - 1], line.placed[i], line.placed[i + 1]
    return here.x - (before.x + before.advance), after.x - (here.x + here.advance)


def test_han_latin_gap_is_a_quarter_em():
    (line,) = compose_paragraph("使用APP办理", WIDE, EM, NO_INDENT)
    assert gaps_around(line, "APP") == pytest.approx((EM / 4, EM / 4), abs=TOL)
    (line,) = compose_paragraph("使用APP办理", WIDE, EM, HouseStyle(han_latin_gap_em=0))
    assert gaps_around(line, "APP") == pytest.approx((0, 0), abs=TOL)


def test_no_gap_next_to_punctuation_or_at_the_line_start():
    (line,) = compose_paragraph("APP，“iOS”版", WIDE, EM, NO_INDENT)
    assert line.placed[0].x == 0
    _, after = gaps_around(line, "APP")
    assert after == pytest.approx(0, abs=TOL)
    assert gaps_around(line, "iOS") == pytest.approx((0, 0), abs=TOL)


def test_digit_gap_is_a_house_style_choice():
    (line,) = compose_paragraph("8月3日下午", WIDE, EM, HouseStyle(indent_em=0, digit_gap=False))
    assert [p.x for p in line.placed[:2]] == pytest.approx([0, Measure("shusong", EM).width("8")])
    (line,) = compose_paragraph("8月3日下午", WIDE, EM, NO_INDENT)
    assert gaps_around(line, "3") == pytest.approx((EM / 4, EM / 4), abs=TOL)


def test_latin_word_and_number_are_never_broken():
    lines = compose_paragraph("一二三四五六七八九十abcdefgh三四", COL, EM, NO_INDENT)
    assert texts(lines) == ["一二三四五六七八九十", "abcdefgh三四"]
    lines = compose_paragraph("一二三四五六七八九十一12345.67元", COL, EM, NO_INDENT)
    assert "12345.67" in texts(lines)[1]


def test_space_at_a_break_stays_at_the_end_of_the_earlier_line():
    lines = compose_paragraph("Global Positioning System and more words", COL, EM, NO_INDENT)
    assert "".join(texts(lines)) == "Global Positioning System and more words"
    for line in lines:
        assert not line.text().startswith(" ")
    assert lines[0].text().endswith(" ")
    assert lines[0].width == pytest.approx(COL, abs=TOL)   # the trailing space takes no width


def test_word_spaces_stretch_before_the_characters():
    """A word space grows to ½ em before any even inter-character spacing is added."""
    lines = compose_paragraph("the quick brown fox jumps over the lazy dog", COL, EM, NO_INDENT)
    for line in lines[:-1]:
        words = [p for p in line.placed if p.text.strip()]
        between = [b.x - (a.x + a.advance) for a, b in zip(words, words[1:])]
        if line.spacing > TOL:
            assert min(between) >= EM / 2 - TOL
    (line,) = compose_paragraph("the quick fox", COL, EM, NO_INDENT)
    assert line.spacing == 0   # a last line keeps its natural spaces


# --- paragraphs -----------------------------------------------------------------------------

def test_first_line_indent_is_two_em():
    lines = compose_paragraph("一二三四五六七八九十一二三四五六七八九十一二三", COL, EM)
    assert lines[0].placed[0].x == pytest.approx(2 * EM)
    assert texts(lines)[0] == "一二三四五六七八九十一"
    assert lines[1].placed[0].x == 0


def test_orphan_character_is_avoided():
    lines = compose_paragraph("一二三四五六七八九十一二三四", COL, EM, NO_INDENT)
    assert texts(lines) == ["一二三四五六七八九十一二", "三四"]
    assert lines[0].width == pytest.approx(COL, abs=TOL)
    lines = compose_paragraph("一二三四五六七八九十一二三四", COL, EM,
                              HouseStyle(indent_em=0, no_orphan_char=False))
    assert texts(lines) == ["一二三四五六七八九十一二三", "四"]


def test_dateline_run_in_keeps_its_role():
    spans = [("本报讯（通讯员 纪哲）", "heiti"), ("8月3日下午，鄄城县召开全县打击治理电信网络诈骗工作推进会议。", "shusong")]
    lines = compose_paragraph(spans, COL, EM)
    assert "".join(texts(lines)) == spans[0][0] + spans[1][0]
    assert 'r-heiti' in line_html(lines[0]) and lines[0].boxes[0].role == "heiti"
    assert all(line.width == pytest.approx(COL, abs=TOL) for line in lines[:-1])


def test_html_is_one_escaped_element():
    (line,) = compose_paragraph("a<b & c>d", WIDE, EM, NO_INDENT)
    markup = line_html(line)
    assert markup.startswith('<span class="ln') and markup.endswith("</span>")
    assert "a&lt;b" in markup and "&amp;" in markup and "c&gt;d" in markup and "<b" not in markup
    assert ".ln" in LINE_CSS and "var(--pitch)" in LINE_CSS and '"halt"' in LINE_CSS


# --- headlines ------------------------------------------------------------------------------

HEADLINE = "提高全民反诈意识 最大限度减少群众财产损失"


def test_headline_on_one_line_with_a_visible_gap():
    (line,) = compose_headline(HEADLINE, "heiti", 22, 600)
    assert line.text() == HEADLINE
    space = next(p for p in line.placed if p.text == " ")
    follow = next(p for p in line.placed if p.text == "最")
    before = next(p for p in line.placed if p.text == "识")
    assert follow.x - (before.x + before.advance) == pytest.approx(22, abs=TOL)
    assert space.x == pytest.approx(before.x + before.advance)


def test_headline_one_phrase_a_line_and_breaks_inside_only_when_too_wide():
    assert texts(compose_headline(HEADLINE, "heiti", 22, 300)) == ["提高全民反诈意识 ",
                                                                    "最大限度减少群众财产损失"]
    narrow = compose_headline(HEADLINE, "heiti", 22, 150)
    assert "".join(texts(narrow)) == HEADLINE
    assert texts(narrow) == ["提高全民反诈", "意识 ", "最大限度减少", "群众财产损失"]
    assert all(line.width <= 150 + TOL for line in narrow)
    assert all(line.last for line in narrow)


# --- properties -----------------------------------------------------------------------------

HAN = (
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自"
    "二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变"
    "条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指"
    "几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安"
    "场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连"
    "断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属"
    "圆包火住调满县局照参红细引听该铁价严"
)
MARKS = "，。、：；！？"


@st.composite
def sentence(draw):
    han = st.text(alphabet=HAN, min_size=1, max_size=9)
    word = st.sampled_from(["APP", "iPhone", "WeasyPrint", "GDP", "5G", "2023", "3.5%",
                            "No.1", "it’s", "CPU", "Beijing", "HarfBuzz", "100", "8"])
    piece = st.one_of(
        han, han, han,
        st.builds(lambda w: w, word),
        st.builds(lambda a, b: a + " " + b, word, word),
        st.builds(lambda t: "《" + t + "》", han),
        st.builds(lambda t: "“" + t + "”", han),
        st.builds(lambda t, u: "“" + t + "‘" + u + "’”", han, han),
        st.builds(lambda t: "（" + t + "）", han),
        st.just("——"), st.just("……"),
    )
    parts = draw(st.lists(piece, min_size=1, max_size=6))
    return "".join(parts) + draw(st.sampled_from(MARKS))


@st.composite
def paragraph(draw):
    return "".join(draw(st.lists(sentence(), min_size=1, max_size=8)))


def justifiable(line) -> bool:
    """A non-final line with two visible clusters or more (one alone cannot be spread)."""
    return not line.last and sum(1 for p in line.placed if p.text.strip()) > 1


def capped_short(line) -> bool:
    """A line of Han characters only whose spacing was capped below 0.1 em: a hair short."""
    visible = line.text().rstrip(" ")
    return (line.spacing == pytest.approx(CAPPED_CHAR_GAP_EM * EM)
            and all(re.match(r"[\u3400-\u9fff]", ch) for ch in visible))


def check_lines(source, lines, width):
    assert "".join(texts(lines)) == source
    for i, line in enumerate(lines):
        assert line.width <= width + TOL
        visible = line.text().rstrip(" ")
        if justifiable(line) and not capped_short(line):
            assert line.width == pytest.approx(width, abs=TOL), line.text()
        if i:
            assert visible[:1] not in NO_START, line.text()
            assert not line.text().startswith(" ")
        if not line.last:
            assert visible[-1:] not in NO_END, line.text()
            nxt = lines[i + 1].text()
            for pair in ("——", "……"):
                assert not (visible.endswith(pair[0]) and nxt.startswith(pair[1])
                            and not visible.endswith(pair)), (line.text(), nxt)
            tail = re.search(r"[A-Za-z0-9.%’]+$", line.text())
            head = re.match(r"[A-Za-z0-9.%’]+", nxt)
            if tail and head:   # a word is split only when it cannot fit a line
                word = tail.group() + head.group()
                assert Measure("shusong", EM).width(word) > width - 3 * EM, (line.text(), nxt)
    assert lines[-1].last and not any(line.last for line in lines[:-1])


@settings(max_examples=150, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(paragraph(), st.sampled_from([COL, WIDE]), st.booleans())
def test_random_paragraphs_are_justified_and_follow_the_rules(source, width, indent):
    lines = compose_paragraph(source, width, EM, indent=indent)
    check_lines(source, lines, width)


@settings(max_examples=40, deadline=None, database=None)
@given(paragraph(), st.sampled_from(["gb", "strict", "off"]), st.booleans(), st.booleans())
def test_random_paragraphs_under_other_house_styles(source, kinsoku, end_half, adjacent):
    style = HouseStyle(kinsoku=kinsoku, line_end_half=end_half, compress_adjacent=adjacent,
                       han_latin_gap_em=0.125)
    lines = compose_paragraph(source, COL, EM, style)
    assert "".join(texts(lines)) == source
    for line in lines:
        assert line.width <= COL + TOL
        if justifiable(line) and not capped_short(line):
            assert line.width == pytest.approx(COL, abs=TOL)


@settings(max_examples=150, deadline=None, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(paragraph(), st.sampled_from([COL, TABLOID]), st.booleans(), st.booleans())
def test_random_paragraphs_never_part_two_han_characters(source, width, indent, hang):
    style = HouseStyle(hang_punctuation=hang)
    lines = compose_paragraph(source, width, EM, style, indent=indent)
    check_lines(source, lines, width)
    for line in lines:
        assert max(han_gaps(line), default=0) < 0.1 * EM, line.text()
        if line.hang:
            assert hang and line.text().rstrip()[-1] in HANGING
            mark, before = line.placed[-1], line.placed[-2]
            assert mark.halt and mark.x == pytest.approx(width, abs=TOL)
            assert before.x + before.advance == pytest.approx(width, abs=TOL)


# --- the rendered PDF -----------------------------------------------------------------------

def seed_paragraphs() -> list[str]:
    """Bodies of the sample page, ASCII ,(); fixed, OCR breaks inside sentences joined."""
    text = SEED.read_text(encoding="utf-8")
    paras = []
    for block in text.split("\n\n"):
        block = block.strip()
        if not block or block.startswith("#"):
            continue
        block = block.replace(",", "，").replace("(", "（").replace(")", "）").replace(";", "；")
        if paras and not re.search(r"[。！？”）]$", paras[-1]):
            paras[-1] += block          # an OCR break in mid-sentence
        else:
            paras.append(block)
    return [p for p in paras if len(p) > 12]


OWN = [
    "据《人民日报》2023年8月4日报道，全国共有5G基站305.5万个，占移动基站总数的28.1%；"
    "“十四五”期间还将新增约100万个——其中县城以下占六成以上。",
    "他说：“我常说‘反诈先反贪’，这话不假。”又补一句：“钱袋子要捂紧……”",
    "使用WeasyPrint 70.0和HarfBuzz 6.0.0排版，每栏13个小五字，行距13pt，版心390×545mm。",
    "好。",
    "一些APP（如“XX贷”“YY金融”）以“低息、秒到账”为诱饵……诱导下载，再以“解冻费”“保证金”"
    "等名义骗取钱财——警方提示：凡是网上贷款先交钱的，都是诈骗！",
    "Global Positioning System（GPS，全球定位系统）与北斗卫星导航系统（BDS）兼容共用，"
    "精度达到1.2米，授时精度20ns。",
    "《反电信网络诈骗法》自2022年12月1日起施行，共7章50条。",
    "第一，提高认识；第二，压实责任；第三，锚定目标——“三个到位”缺一不可。",
    "记者：“您怎么看？”尚彦龙：“关键在落实。”",
    "i.e.、e.g.、etc.等缩写不宜用于正文，www.example.com之类网址也应放在括号里（见附注）。",
]


def render_columns(paragraph_lines: list[list], width: float, per_column: int = 60):
    """Lay the composed lines in absolutely positioned columns; return PDF bytes, columns."""
    import weasyprint

    flat = [(p, i, line) for p, lines in enumerate(paragraph_lines) for i, line in enumerate(lines)]
    columns = [flat[k:k + per_column] for k in range(0, len(flat), per_column)]
    gutter, top, pitch = 24.0, 30.0, 13.0
    page_w = 30 + len(columns) * (width + gutter)
    page_h = top * 2 + per_column * pitch
    divs = "".join(
        f'<div class="col" style="left:{30 + c * (width + gutter)}pt">'
        + "".join(line_html(line) for _, _, line in col) + "</div>"
        for c, col in enumerate(columns))
    html = (f'<html lang="zh-CN"><head><style>@page {{ size: {page_w}pt {page_h}pt; margin: 0 }}'
            f" body {{ margin: 0 }} .col {{ position: absolute; top: {top}pt; width: {width}pt;"
            f" --pitch: {pitch}pt }}\n{LINE_CSS}</style></head><body>{divs}</body></html>")
    pdf = weasyprint.HTML(string=html).write_pdf()
    return pdf, columns, (gutter, top, pitch)


def closes_with_half(text: str) -> bool:
    return text in NO_START and text not in "·"


@pytest.fixture(scope="module")
def rendered():
    sets = []
    for width in (COL, WIDE):
        paras = seed_paragraphs() + OWN
        lines = [compose_paragraph(p, width, EM) for p in paras]
        sets.append((width, paras, lines, *render_columns(lines, width)))
    return sets


def test_pdf_lines_are_flush_at_both_edges(rendered):
    total = flush = 0
    failures = []
    for width, left, i, line, got in rendered_rows(rendered):
        assert "".join(ch["text"] for ch in got) == line.text().replace(" ", "")
        first, last = got[0], got[-1]
        start_ok = [first["x0"] - left]
        if first["text"] in NO_END:
            start_ok.append(first["x0"] + EM / 2 - left)   # a halted opening bracket
        indent = 2 * EM if i == 0 else 0.0
        assert min(abs(s - indent) for s in start_ok) < 0.35, (line.text(), start_ok)
        if i:
            assert first["text"][0] not in NO_START, line.text()
        if line.last:
            continue
        ends = [last["x1"] - left]
        if closes_with_half(last["text"]):
            ends.append(last["x0"] + EM / 2 - left)        # a halted closing mark
        if line.hang:
            ends.append(last["x0"] - left)                 # a hanging mark
        total += 1
        if min(abs(e - width) for e in ends) < 0.35:
            flush += 1
        else:
            failures.append((line.text(), ends))
    assert total > 150
    print(f"flush at both edges: {flush} of {total} non-final lines")
    assert flush / total >= 0.995, (flush, total, failures[:5])


def row_chars(chars, left, width, y, pitch):
    """The glyphs of one line of one column, in content-stream order."""
    return [ch for ch in chars if left - EM <= ch["x0"] < left + width + EM
            and y <= ch["top"] < y + pitch]


def page_chars(pdf: bytes) -> list[dict]:
    """The visible glyphs of a PDF's first page (pdfplumber)."""
    import pdfplumber

    with pdfplumber.open(io.BytesIO(pdf)) as doc:
        return [c for c in doc.pages[0].chars if c["text"].strip()]


def rendered_rows(rendered):
    """Every composed line of the rendered columns: (column width, column left, index of the
    line in its paragraph, the line, its glyphs read from the PDF)."""
    for width, paras, lines, pdf, columns, (gutter, top, pitch) in rendered:
        chars = page_chars(pdf)
        for c, col in enumerate(columns):
            left = 30 + c * (width + gutter)
            for row, (_, i, line) in enumerate(col):
                yield width, left, i, line, row_chars(chars, left, width, top + row * pitch, pitch)


def test_pdf_glyphs_sit_where_the_composer_placed_them(rendered):
    """Every glyph's x in the PDF matches the composer's own measure (the script-dependent
    widths of ——, …… and Latin included). WeasyPrint writes letter-spacing as whole
    thousandths of an em, so positions drift by up to ~0.01 pt a glyph: allow 0.25 pt."""
    worst = 0.0
    for _, left, _, line, row in rendered_rows(rendered):
        got = iter(row)
        for placed in (p for p in line.placed if p.text.strip()):
            first = next(got)
            text = first["text"]
            while text != placed.text:
                text += next(got)["text"]
            x = placed.x - (EM / 2 if placed.halt and placed.text in NO_END else 0)
            worst = max(worst, abs(first["x0"] - left - x))
            assert abs(first["x0"] - left - x) < 0.25, (line.text(), placed)
    print(f"worst glyph offset {worst:.3f} pt")


def test_pdf_hanging_comma_sits_in_the_gutter():
    """The text before a hanging mark ends at the column's edge; the mark starts there."""
    lines = compose_paragraph(SEVERE, TABLOID, EM, HANG)
    pdf, columns, (gutter, top, pitch) = render_columns([lines], TABLOID)
    row = row_chars(page_chars(pdf), 30, TABLOID, top, pitch)
    assert "".join(c["text"] for c in row) == "络诈骗案件高发的严峻形势，"
    shi, comma = row[-2], row[-1]
    assert abs(shi["x1"] - (30 + TABLOID)) < 0.05
    assert abs(comma["x0"] - (30 + TABLOID)) < 0.05


def gap_space(a: str, b: str) -> bool:
    """May pdftotext see a space between a and b? Only at a Han–Latin gap."""
    def latin(ch):
        return ch.isascii() and not ch.isspace()
    return latin(a) != latin(b)


def test_pdf_text_equals_the_paragraphs(rendered, tmp_path):
    """pdftotext reads each column back as the source: nothing lost, doubled or reordered.
    It may add a space at a Han–Latin gap; between Han characters its word-break heuristic
    (gaps over 0.1 em next to narrower ones) can see one where a line is stretched by about
    0.1 em a character or more: allowed on at most 2 % of the lines, and counted."""
    spurious: set[tuple[float, int]] = set()   # (column width, line number)
    total_lines = 0
    for width, paras, lines, pdf, columns, (gutter, top, pitch) in rendered:
        path = tmp_path / "cols.pdf"
        path.write_bytes(pdf)
        extracted = ""
        for c, col in enumerate(columns):
            x = 30 + c * (width + gutter) - EM
            out = subprocess.run(
                ["pdftotext", "-r", "72", "-x", str(int(x)), "-y", str(int(top - 2)),
                 "-W", str(int(width + 2 * EM)), "-H", str(int(len(col) * pitch + 4)),
                 "-enc", "UTF-8", str(path), "-"],
                capture_output=True, text=True, check=True).stdout
            extracted += out.replace("\n", "").replace("\f", "")
            total_lines += len(col)
        source = "".join(paras)
        starts = list(itertools.accumulate(len(line.text()) for para in lines for line in para))
        assert re.sub(r"\s", "", extracted) == re.sub(r"\s", "", source)
        i = j = 0
        while i < len(extracted):
            if j < len(source) and extracted[i] == source[j]:
                i, j = i + 1, j + 1
            elif j < len(source) and source[j] == " ":
                j += 1                           # a source space at a line end
            else:
                assert extracted[i] == " "
                if not gap_space(extracted[i - 1], extracted[i + 1]):
                    spurious.add((width, bisect.bisect_right(starts, j)))
                i += 1
    print(f"pdftotext: a space between Han characters in {len(spurious)} of {total_lines} lines")
    assert len(spurious) <= 0.02 * total_lines


def test_no_line_holds_only_dashes():
    """A line of "————" alone is shaped without Han beside it (narrower) and cannot be
    justified: the total-fit breaker found by hypothesis set one; every non-final line of this
    paragraph is flush now."""
    lines = compose_paragraph("APP APP，一一一一APP，————《一一》APP HarfBuzz，", COL, EM, HouseStyle(), indent=False)
    assert all(line.text().strip("—") for line in lines)
    for line in lines[:-1]:
        assert line.width == pytest.approx(COL, abs=TOL), line.text()
