"""typeset.preflight: glyph coverage of records, and the PDF checks (text, .notdef, fonts)."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from typeset import preflight
from typeset.model import records
from typeset.model.findings import Report
from typeset.sources import issue_folder

BODY = "鄄城县召开全县重点工作推进会议，会议强调要提高思想认识，狠抓工作落实，确保各项任务按时完成。"


def write_issue(folder: Path, articles: dict[str, dict], section: str = "魅力鄄城") -> Path:
    """An issue folder with one duikai page; `articles` maps slug → front-matter fields plus
    'body' (list of paragraphs)."""
    (folder / "articles").mkdir(parents=True, exist_ok=True)
    slugs = ", ".join(f'"{s}"' for s in articles)
    (folder / "issue.toml").write_text(textwrap.dedent(f"""\
        paper = "菏泽日报"
        date = 2023-08-04
        number = 1234

        [[pages]]
        number = 3
        section = "{section}"
        layout = "duikai"
        editor = "王某"
        articles = [{slugs}]
        """), encoding="utf-8")
    for slug, fields in articles.items():
        fields = dict(fields)
        body = fields.pop("body")
        front = "\n".join(f"{k}: {json.dumps(v, ensure_ascii=False)}" for k, v in fields.items())
        (folder / "articles" / f"{slug}.md").write_text(f"---\n{front}\n---\n\n" + "\n\n".join(body) + "\n",
                                                         encoding="utf-8")
    return folder


def normal_articles(extra: str = "") -> dict[str, dict]:
    return {
        "lead": {"title": "鄄城县召开重点工作推进会", "dateline": "本报讯（通讯员 纪哲）", "byline": "通讯员 纪哲",
                 "priority": 1, "body": [BODY * 3] * 22},
        "second": {"title": "吉祥如意迎新年", "byline": "记者 李明", "body": [BODY * 3 + extra] * 28},
    }


# --- check_records ----------------------------------------------------------------------------

def test_rare_characters_are_fallback_warnings_or_errors_naming_the_character(tmp_path):
    arts = normal_articles()
    arts["second"]["title"] = "村民𠀀某"
    arts["second"]["body"] = ["他叫𪚥，住在村东头。"] + arts["second"]["body"]
    issue = issue_folder.load_issue(write_issue(tmp_path / "i", arts))
    findings = preflight.check_records(issue)
    for char, code in (("𠀀", "U+20000"), ("𪚥", "U+2A6A5")):
        hits = [f for f in findings if char in f.message]
        assert hits, f"no finding for {code}"
        f = hits[0]
        assert code in f.message and f.article == "second" and f.page == 3
        if f.severity == "warning":
            assert preflight.records.fallback_for(char) is not None
            assert preflight.records.fallback_for(char).family in f.message
        else:
            assert preflight.records.fallback_for(char) is None
    title = next(f for f in findings if "𠀀" in f.message)
    assert "主题 (title)" in title.message
    # the report names page, article and its 主题
    text = Report(findings).text()
    assert "第3版" in text and "second" in text and "村民𠀀某" in text


def test_a_character_no_face_has_is_an_error():
    issue_chars = "\U00030000"          # CJK Extension G: neither Noto CJK nor Hanazono
    assert preflight.records.fallback_for(issue_chars) is None
    article = records.Article(slug="g", title="标题", paragraphs=(f"正文{issue_chars}正文",))
    loaded = _loaded([article])
    [f] = [f for f in preflight.check_records(loaded) if f.check == "glyphs"]
    assert f.severity == "error" and "U+30000" in f.message and f.article == "g"
    assert "paragraphs.1" in f.message


def test_known_characters_pass_and_bmp_plane2_in_noto_passes():
    article = records.Article(slug="ok", title="吉祥", paragraphs=("𠮷野家的牛肉饭。",), byline="记者 王某")
    assert preflight.check_records(_loaded([article])) == []


def test_control_character_in_title_is_an_error_naming_the_field(tmp_path):
    arts = normal_articles()
    arts["lead"]["title"] = "鄄城\a召开会议"
    issue = issue_folder.load_issue(write_issue(tmp_path / "i", arts))
    errors = [f for f in preflight.check_records(issue) if f.check == "control"]
    assert len(errors) == 1
    assert errors[0].severity == "error" and errors[0].article == "lead"
    assert "title" in errors[0].message and "U+0007" in errors[0].message


def _loaded(articles):
    issue = records.Issue(paper="菏泽日报", date=dt.date(2023, 8, 4), pages=[
        records.Page(number=1, section="要闻", articles=[a.slug for a in articles])])
    return records.LoadedIssue(folder=Path("."), issue=issue, articles={a.slug: a for a in articles})


# --- PDF: helpers ---------------------------------------------------------------------------

def _render_html(html: str, target: Path, env: dict | None = None) -> Path:
    """Render HTML in a subprocess (so a restricted fontconfig can be used)."""
    script = ("import sys, weasyprint; weasyprint.HTML(string=open(sys.argv[1], encoding='utf-8').read())"
              ".write_pdf(sys.argv[2])")
    source = target.with_suffix(".html")
    source.write_text(html, encoding="utf-8")
    subprocess.run([sys.executable, "-c", script, str(source), str(target)], check=True,
                   env={**os.environ, **(env or {})}, capture_output=True)
    return target


def _tiny(text: str, family: str) -> str:
    return (f'<html lang="zh-CN"><body style="font-family:\'{family}\';font-size:12pt">'
            f"<p>{text}</p></body></html>")


NOTO_ONLY_FONTCONFIG = """<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>
  <dir>/usr/share/fonts/opentype/noto</dir>
  <cachedir>/var/cache/fontconfig</cachedir>
  <cachedir>{cache}</cachedir>
</fontconfig>
"""


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """A one-page issue (with 𠮷 in the body) planned and rendered once: (plan, pdf, html)."""
    pytest.importorskip("typeset.compose")
    from typeset import plan, render

    folder = write_issue(tmp_path_factory.mktemp("issue") / "i", normal_articles(extra="𠮷"))
    issue = issue_folder.load_issue(folder)
    issue_plan = plan.plan_issue(issue)
    html = render.render_html(issue_plan)
    pdf = folder.parent / "i.pdf"
    render.write_pdf(issue_plan, html, pdf)
    return issue_plan, pdf, html


# --- PDF: text completeness -----------------------------------------------------------------

def test_a_normal_build_passes_text_completeness(built):
    issue_plan, pdf, _ = built
    for extractor in ("pdfplumber", "poppler"):
        text = [f for f in preflight.check_text(pdf, issue_plan, extractor=extractor) if f.check == "text"]
        assert text == [], (extractor, Report(text).text())


def test_clipped_column_fails_naming_the_article(built, tmp_path):
    from typeset import render

    issue_plan, _, html = built
    clipped = html.replace("</head>", "<style>.col:last-child { display: none }</style></head>", 1)
    pdf = tmp_path / "clipped.pdf"
    render.write_pdf(issue_plan, clipped, pdf)
    findings = [f for f in preflight.check_text(pdf, issue_plan) if f.check == "text"]
    assert {f.article for f in findings} == {m.article.slug for m in issue_plan.pages[0].modules}
    assert all(f.severity == "error" and "missing" in f.message and f.page == 3 for f in findings)
    assert "《" in Report(findings).text()


def test_a_page_checked_where_it_was_rendered_finds_the_clipped_column_too(built, tmp_path):
    """The check a page worker runs on its own page's PDF (as --jobs N and the page cache keep
    it) finds what the check of the issue's PDF finds."""
    from typeset import render

    issue_plan, _, html = built
    clipped = html.replace("</head>", "<style>.col:last-child { display: none }</style></head>", 1)
    pdf = tmp_path / "clipped.pdf"
    render.write_pdf(issue_plan, clipped, pdf)
    page = preflight.read_page(pdf.read_bytes(), issue_plan.pages[0])
    assert page.checked and all(f.severity == "error" and f.page == 3 for f in page.checked)
    assert page.checked == preflight.check_text(pdf, issue_plan)
    assert preflight.check_text(pdf, issue_plan, pdf_pages=[page]) == page.checked


def test_plan_checks_report_underfull(built):
    issue_plan, _, _ = built
    page = issue_plan.pages[0]
    saved = page.empty_lines, page.empty_span
    try:
        page.empty_lines = 5
        [f] = [f for f in preflight.check_plan(issue_plan) if f.check == "underfull"]
        assert f.severity == "warning" and "5 empty grid lines" in f.message and "mm" in f.message
        assert "foot of the page" in f.message
        page.empty_span = (0, 6)      # a side column runs down to the foot beside the spare area
        [f] = [f for f in preflight.check_plan(issue_plan) if f.check == "underfull"]
        assert "5 empty grid lines" in f.message and "栏 1–6" in f.message
    finally:
        page.empty_lines, page.empty_span = saved


# --- PDF: .notdef, fonts ------------------------------------------------------------------

@pytest.fixture(scope="module")
def notdef_pdf(tmp_path_factory):
    """A PDF with a real .notdef: 𪚥 set in Noto Serif CJK SC with no fallback face installed."""
    folder = tmp_path_factory.mktemp("notdef")
    conf = folder / "fonts.conf"
    conf.write_text(NOTO_ONLY_FONTCONFIG.format(cache=folder / "cache"), encoding="utf-8")
    return _render_html(_tiny("中文𪚥测试", "Noto Serif CJK SC"), folder / "notdef.pdf",
                        env={"FONTCONFIG_FILE": str(conf)})


def test_notdef_glyph_is_an_error_naming_the_character(notdef_pdf):
    findings = preflight.check_glyphs_and_fonts(notdef_pdf)
    [f] = [f for f in findings if f.check == "notdef"]
    assert f.severity == "error" and f.page == 1
    assert "𪚥" in f.message and "U+2A6A5" in f.message
    assert [f for f in findings if f.check == "fonts"] == []


def test_poppler_reads_a_page_pdfplumber_cannot(notdef_pdf):
    import pdfplumber

    with pdfplumber.open(notdef_pdf) as pdf:
        plumber = "".join(c["text"] for c in pdf.pages[0].chars)
        w, h = pdf.pages[0].width, pdf.pages[0].height
    text = preflight.text._poppler_text(notdef_pdf, 1, (0, 0, w, h))
    assert "𪚥" in text and "中文" in text
    assert plumber in ("", "中文𪚥测试")      # pdfminer returns nothing on this page (measured)


def test_fallback_face_in_the_pdf_is_allowed_and_not_notdef(tmp_path):
    pdf = _render_html(_tiny("中文𪚥测试", "Noto Serif CJK SC"), tmp_path / "fallback.pdf")
    findings = preflight.check_glyphs_and_fonts(pdf)
    assert [f for f in findings if f.severity == "error"] == [], Report(findings).text()


def test_only_role_fonts_catches_dejavu(tmp_path):
    pdf = _render_html(_tiny("中文 abc", "DejaVu Sans"), tmp_path / "dejavu.pdf")
    findings = [f for f in preflight.check_glyphs_and_fonts(pdf) if f.check == "fonts"]
    assert any("DejaVu" in f.message and f.severity == "error" for f in findings)


def _check(*args):
    from click.testing import CliRunner

    from typeset.cli import main

    return CliRunner().invoke(main, ["check", *map(str, args)])


def test_check_on_a_pdf_prints_json_and_returns_the_status(tmp_path):
    good = _render_html(_tiny("中文测试", "Noto Serif CJK SC"), tmp_path / "good.pdf")
    result = _check(good, "--json")
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert data["ok"] is True and data["errors"] == 0
    bad = _render_html(_tiny("中文 abc", "DejaVu Sans"), tmp_path / "bad.pdf")
    result = _check(bad)
    assert result.exit_code == 1 and "DejaVu" in result.output
    assert _check(tmp_path / "nothing.txt").exit_code == 1


def test_check_on_an_issue_folder(built):
    issue_plan, _, _ = built
    result = _check(issue_plan.issue.folder, "--json")
    data = json.loads(result.output)
    assert result.exit_code == (1 if data["errors"] else 0)
    assert not [f for f in data["findings"] if f["check"] in ("text", "notdef", "glyphs")]


def test_tounicode_and_cid_cmap_parsers():
    tounicode = b"""2 beginbfchar
<255c> <4e2d>
<ffff> <d869dea5>
endbfchar
1 beginbfrange
<0010> <0012> <0041>
endbfrange"""
    assert preflight.pdffonts.parse_tounicode(tounicode) == {0x255C: "中", 0xFFFF: "𪚥", 0x10: "A", 0x11: "B", 0x12: "C"}
    cmap = b"2 begincidchar\n<255c> 9564\n<ffff> 0\nendcidchar\n1 begincidrange\n<0001> <0003> 7\nendcidrange"
    assert preflight.pdffonts.parse_cid_cmap(cmap) == {0x255C: 9564, 0xFFFF: 0, 1: 7, 2: 8, 3: 9}


def test_a_font_embedded_whole_is_an_error(tmp_path, monkeypatch):
    # HarfBuzz subsetting did not fail here (5,000 WenKai glyphs subset to 1.7 MB), so the
    # thresholds are lowered to exercise the rule on a normal subset
    pdf = _render_html(_tiny("中文测试", "Noto Serif CJK SC"), tmp_path / "small.pdf")
    assert [f for f in preflight.check_glyphs_and_fonts(pdf) if f.check == "fonts"] == []
    monkeypatch.setattr(preflight.fonts, "WHOLE_FONT_BYTES", 100)
    findings = [f for f in preflight.check_glyphs_and_fonts(pdf) if f.check == "fonts"]
    assert any("embedded (nearly) whole" in f.message and "4 glyphs" in f.message for f in findings)


def test_a_plan_that_loses_text_is_an_error(built):
    """A hand-spoilt plan: three body lines of one module dropped."""
    import dataclasses

    issue_plan, _, _ = built
    module = issue_plan.pages[0].modules[1]
    spoilt_module = dataclasses.replace(module, fit=dataclasses.replace(module.fit, body=module.fit.body[:-3]))
    spoilt = dataclasses.replace(issue_plan, pages=[dataclasses.replace(
        issue_plan.pages[0], modules=[spoilt_module if m is module else m for m in issue_plan.pages[0].modules])])
    findings = preflight.check_plan_text(spoilt)
    assert [(f.severity, f.article) for f in findings] == [("error", module.record.slug)]
    assert "missing" in findings[0].message
    assert preflight.check_plan_text(issue_plan) == []


def test_a_hung_mark_belongs_to_its_column_and_nothing_else_does():
    """clreq's hanging punctuation: a 、，。 set from the column's right edge into the gutter is
    the column's; a Han character there, or a mark further out, is not."""
    from typeset.preflight.text import _Centres

    em, edge = 9.0, 117.0

    def glyph(text, x0):
        return {"text": text, "x0": x0, "x1": x0 + em, "top": 10.0, "bottom": 10.0 + em}

    chars = [glyph("绍", edge - em), glyph("，", edge), glyph("县", edge), glyph("。", edge + em)]
    column = (0.0, 0.0, edge, 100.0)
    assert [c["text"] for c in _Centres(chars, 0, 0).inside(column, hang=0.75 * em)] == ["绍", "，"]
    assert [c["text"] for c in _Centres(chars, 0, 0).inside(column)] == ["绍"]


@pytest.mark.parametrize("damage", ["placeholder", "truncated", "no tables"])
def test_a_font_program_that_is_not_a_font_is_an_error(tmp_path, damage):
    """A page whose font program was left out (render.shared_fonts) and never embedded, or cut
    short, prints no text: the check reads the program's table directory."""
    import pikepdf

    pdf = _render_html(_tiny("中文测试", "Noto Serif CJK SC"), tmp_path / "small.pdf")
    assert [f for f in preflight.check_glyphs_and_fonts(pdf) if f.check == "fonts"] == []
    with pikepdf.open(pdf, allow_overwriting_input=True) as doc:
        descriptor = next(o for o in doc.objects if isinstance(o, pikepdf.Dictionary)
                          and o.get("/Type") == "/FontDescriptor")
        program = descriptor.FontFile3
        data = program.read_bytes()
        bad = {"placeholder": b"OTTO%paiban font program left out\n{}", "truncated": data[:len(data) // 2],
               "no tables": data[:4] + b"\0\0" + data[6:]}[damage]
        program.write(bad)
        doc.save(pdf)
    findings = [f for f in preflight.check_glyphs_and_fonts(pdf) if f.check == "fonts"]
    assert any("embedded program is not a font" in f.message and f.severity == "error" for f in findings)
