"""Built pages measured as a proof-reader and a printer would: from the PDF.

The sample 魅力鄄城 page, and generated pages heavy in Latin, digits, 《》, ……, —— and
nested quotes, on both designs: columns flush at both edges, 禁则 kept, paragraphs indented,
no 孤字, one baseline grid, every character of the records present and nothing else.
"""

from __future__ import annotations

import re
import subprocess
import sys

import pdfplumber
import pytest
from conftest import ROOT
from pagecheck import letters, measure, pdftotext_columns, spaces_between_han

from typeset import pipeline
from typeset.model.layout import MM

sys.path.insert(0, str(ROOT / "bench"))
import generate  # noqa: E402

MIXED = [
    "据统计，今年1至7月全县共接报电信网络诈骗警情236起，同比下降18.5%。他说：“群众的钱袋子，就是我们的责任田。”",
    "活动现场发放《致全县居民的一封信》3000余份……“刷单返利”“虚假投资理财”……这些骗局花样翻新。",
    "民警提醒——凡是要求转账到“安全账户”的，都是诈骗！下载国家反诈中心APP，开启来电预警功能。",
    "老张说：“孙子告诉我，‘陌生链接不要点’，我记住了。”截至8月1日，全县已有12.6万人注册使用反诈APP。",
    "志愿者们走进社区、集市和企业，面对面讲解5G时代的新型骗局（如AI换脸、虚拟货币投资等）。",
    "好。",
    "会议指出，要把反诈宣传与乡村振兴、文明创建、平安建设结合起来，做到家喻户晓、人人皆知。",
]


@pytest.fixture(scope="module")
def mixed_build(tmp_path_factory):
    """A generated broadsheet page whose articles are made of the mixed sentences above."""
    folder = tmp_path_factory.mktemp("mixed") / "mixed"
    generate.write_issue(folder, articles=5, pictures=True, lengths=[900, 700, 600, 500, 400], seed=7)
    for n, path in enumerate(sorted((folder / "articles").glob("*.md"))):
        head, _, _ = path.read_text(encoding="utf-8").partition("\n---\n")
        body = "\n\n".join(MIXED[(n + i) % len(MIXED)] * (1 + (n + i) % 3) for i in range(5 + n))
        path.write_text(f"{head}\n---\n\n{body}\n", encoding="utf-8")
    return pipeline.build(folder, tmp_path_factory.mktemp("mixed-out"))


@pytest.fixture(scope="module")
def tabloid_build(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tabloid") / "tabloid"
    generate.write_issue(folder, articles=5, layout="sikai", lengths=[1200, 800, 600, 400, 300], seed=5)
    return pipeline.build(folder, tmp_path_factory.mktemp("tabloid-out"))


@pytest.fixture(scope="module")
def dense_build(tmp_path_factory):
    """Eight text-only articles filling a broadsheet: many column breaks, stacked modules."""
    folder = tmp_path_factory.mktemp("dense") / "dense"
    generate.write_issue(folder, articles=8, lengths=[1600, 1300, 1000, 800, 700, 500, 400, 300], seed=8)
    return pipeline.build(folder, tmp_path_factory.mktemp("dense-out"))


# --- the sample page (the foundation) ------------------------------------------------------

def test_sample_is_one_broadsheet_page(sample_build):
    with pdfplumber.open(sample_build.pdf) as pdf:
        assert len(pdf.pages) == 1
        page = pdf.pages[0]
        assert abs(page.width / MM - 390) < 1 and abs(page.height / MM - 546) < 1


def test_sample_fonts_are_the_roles_embedded_and_subset(sample_build):
    out = subprocess.run(["pdffonts", str(sample_build.pdf)], capture_output=True, text=True, check=True).stdout
    rows = out.splitlines()[2:]
    assert rows
    families = set()
    for row in rows:
        name, *_, emb, sub, uni, _obj, _gen = row.split()
        assert (emb, sub, uni) == ("yes", "yes", "yes"), row
        assert re.fullmatch(r"[A-Z]{6}\+.+", name), row
        families.add(name.split("+")[1])
    assert families <= {"Noto-Serif-CJK-SC", "Noto-Serif-CJK-SC-Bold", "Noto-Sans-CJK-SC-Bold", "LXGW-WenKai"}
    assert {"Noto-Serif-CJK-SC", "Noto-Sans-CJK-SC-Bold", "LXGW-WenKai"} <= families


def test_sample_text_is_all_there_and_nothing_else(sample_build):
    """pdftotext of the page = the records' characters + the page furniture (报眉, credits)."""
    text = subprocess.run(["pdftotext", str(sample_build.pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    issue = sample_build.plan.issue
    records_text = "".join(a.text() for a in issue.articles.values())
    page = issue.issue.pages[0]
    furniture = (page.section + issue.issue.paper + "·" + issue.issue.date_line() + "·" + f"第{issue.issue.number}期"
                 + "·" + f"第{page.number}版" + f"责任编辑{page.editor}美编{page.designer}校对{page.proofreader}")
    assert letters(text) == letters(records_text) + letters(furniture)
    for lead in ("鄄城县召开全县打击治理电信网络诈骗工作推进会议", "提高全民反诈意识", "本报讯（通讯员 纪哲）"):
        assert lead in text
    assert not re.search(r"[\u4e00-\u9fff][,()][\u4e00-\u9fff]?|[,()][\u4e00-\u9fff]", text)


# --- composition (flush columns on a character grid) ----------------------------------------

@pytest.mark.parametrize("which", ["sample_build", "mixed_build", "tabloid_build", "dense_build"])
def test_columns_are_flush_and_follow_the_rules(which, request):
    result = request.getfixturevalue(which)
    m = measure(result.pdf, result.plan)
    assert not m.line_count_mismatch, m.line_count_mismatch
    assert m.lines > 50
    assert m.flush_ratio >= 0.995, m.not_flush[:10]
    assert m.bad_starts == [] and m.bad_ends == []
    assert m.bad_indents == [], m.bad_indents[:5]
    assert m.orphans == []
    assert len(m.grid_offsets) == 1, m.grid_offsets      # one baseline grid across all columns


@pytest.mark.parametrize("which", ["sample_build", "mixed_build", "tabloid_build", "dense_build"])
def test_extracted_text_has_no_inserted_spaces(which, request):
    result = request.getfixturevalue(which)
    source = "".join(a.text() for a in result.plan.issue.articles.values())
    inserted = [line for line in spaces_between_han(pdftotext_columns(result.pdf, result.plan))
                if not any(pair in source for pair in re.findall(r"\S +\S", line))]
    assert inserted == []


def test_every_article_round_trips(mixed_build):
    """Per article: the PDF's characters in its modules (a 头条 may have two: its headline
    across the top, its body under it) = its record's (multiset)."""
    plan = mixed_build.plan
    found: dict[str, str] = {}
    with pdfplumber.open(mixed_build.pdf) as pdf:
        page, layout = pdf.pages[0], plan.pages[0].layout
        for module in plan.pages[0].modules:
            r = module.rect
            box = (layout.area_left + r.x, layout.area_top + r.y, layout.area_left + r.x + r.w,
                   layout.area_top + r.y + r.h)
            found[module.record.slug] = found.get(module.record.slug, "") + "".join(
                c["text"] for c in page.chars
                if box[0] <= (c["x0"] + c["x1"]) / 2 <= box[2] and box[1] <= (c["top"] + c["bottom"]) / 2 <= box[3])
    for module in plan.pages[0].modules:
        assert letters(found[module.record.slug]) == letters(module.record.text()), module.article.slug


def test_mixed_page_really_is_mixed(mixed_build):
    source = "".join(a.text() for a in mixed_build.plan.issue.articles.values())
    for needle in ("APP", "18.5%", "《", "……", "——", "‘"):
        assert needle in source
