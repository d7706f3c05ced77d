"""typeset.docx_import: Word files made with python-docx → article records in an issue folder."""

import datetime as dt
import io
import tomllib
import zipfile
from pathlib import Path

import docx
import pytest
import yaml
from conftest import paiban
from hypothesis import given, settings
from hypothesis import strategies as st
from PIL import Image

from typeset.model.errors import UserError
from typeset.sources.docx_import import add_to_issue, import_docx
from typeset.sources.markdown_body import Paragraph, Run, as_markdown_paragraph, parse_body

BODY_1 = "8月2日，鄄城县召开安全生产工作会议，县委书记出席会议并讲话。"
BODY_2 = "会议要求，各镇（街）要压实责任，全面排查风险隐患，确保全县安全形势稳定。"


def jpeg(color=(200, 30, 30), size=(120, 80)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, color).save(buffer, "JPEG")
    return buffer.getvalue()


def word(tmp_path: Path, build, name="story.docx") -> Path:
    document = docx.Document()
    build(document)
    path = tmp_path / name
    document.save(path)
    return path


def record(path: Path) -> tuple[dict, str]:
    text = path.read_text(encoding="utf-8")
    _, front, body = text.split("---\n", 2)
    return yaml.safe_load(front), body


def styled(d):
    d.add_paragraph("不忘初心 牢记使命")
    d.add_paragraph("鄄城县全力推进安全生产", style="Title")
    d.add_paragraph("——县委召开专题会议部署")
    d.add_paragraph(f"本报讯（通讯员 纪哲）{BODY_1}")
    d.add_paragraph(BODY_2)
    d.add_paragraph("通讯员 纪哲 李明")


def test_heads_from_styles(tmp_path):
    front, body, pictures = import_docx(word(tmp_path, styled))
    assert front == {"kicker": "不忘初心 牢记使命", "title": "鄄城县全力推进安全生产",
                     "subtitle": "——县委召开专题会议部署", "dateline": "本报讯（通讯员 纪哲）",
                     "byline": "通讯员 纪哲 李明"}
    assert body == f"{BODY_1}\n\n{BODY_2}\n" and pictures == []


def test_heading_1_is_the_title_and_subtitle_style_the_subtitle(tmp_path):
    def build(d):
        d.add_paragraph("鄄城县全力推进安全生产", style="Heading 1")
        d.add_paragraph("县委召开专题会议", style="Subtitle")
        d.add_paragraph(BODY_1)
    front, body, _ = import_docx(word(tmp_path, build))
    assert front == {"title": "鄄城县全力推进安全生产", "subtitle": "县委召开专题会议"}
    assert body == f"{BODY_1}\n"


def test_heads_from_the_first_lines_without_styles(tmp_path):
    def build(d):
        for line in ("引题：不忘初心", "鄄城县全力推进安全生产", "副题：县委召开专题会议",
                     f"本报讯 {BODY_1}", BODY_2, "（记者 张三）"):
            d.add_paragraph(line)
    front, body, _ = import_docx(word(tmp_path, build))
    assert front == {"kicker": "不忘初心", "title": "鄄城县全力推进安全生产", "subtitle": "县委召开专题会议",
                     "dateline": "本报讯", "byline": "记者 张三"}
    assert body == f"{BODY_1}\n\n{BODY_2}\n"


def test_subheads_bold_and_line_breaks(tmp_path):
    def build(d):
        d.add_paragraph("鄄城县全力推进安全生产", style="Title")
        p = d.add_paragraph("会议指出，")
        p.add_run("安全生产").bold = True
        p.add_run("是头等大事。")
        d.add_paragraph("检查重点", style="Heading 2")
        p = d.add_paragraph()
        p.add_run("一是加强领导。").bold = True        # ends in 。 before a Han character
        p.add_run("各镇要落实责任，")
        p.add_run("“双随机”").bold = True              # starts with a quote after a Han character
        p.add_run("检查")
        p.add_run().add_break()
        p.add_run("全面开展。")
        d.add_paragraph("下一步工作", style="Heading 3")
        d.add_paragraph("1. 全县排查；*重点* 行业 <100> 家。")
    front, body, _ = import_docx(word(tmp_path, build))
    assert front == {"title": "鄄城县全力推进安全生产"}
    assert body == ("会议指出，**安全生产**是头等大事。\n\n## 检查重点\n\n"
                    "**一是加强领导**。各镇要落实责任，“**双随机**”检查全面开展。\n\n## 下一步工作\n\n"
                    "1\\. 全县排查；\\*重点\\* 行业 \\<100\\> 家。\n")
    # the Markdown reads back as the same words and bold runs
    blocks = parse_body(body, where="x.md")
    assert blocks[2].text == "一是加强领导。各镇要落实责任，“双随机”检查全面开展。"
    assert [r.text for r in blocks[2].runs if r.bold] == ["一是加强领导", "双随机"]
    assert blocks[4] == Paragraph((Run("1. 全县排查；*重点* 行业 <100> 家。"),), 9)


def test_embedded_picture_with_caption(tmp_path):
    data = jpeg()

    def build(d):
        d.add_paragraph("鄄城县全力推进安全生产", style="Title")
        d.add_paragraph(BODY_1)
        d.add_picture(io.BytesIO(data))
        d.add_paragraph("图为检查组在企业检查消防设施。 王五 摄")
        d.add_paragraph(BODY_2)
    front, body, pictures = import_docx(word(tmp_path, build))
    assert body == f"{BODY_1}\n\n{BODY_2}\n"            # the caption is not body text
    assert [(p.filename, p.caption) for p in pictures] == [("picture-1.jpg", "图为检查组在企业检查消防设施。王五 摄")]
    assert pictures[0].data == data


@pytest.mark.parametrize("make, words", [
    (lambda p: p.write_bytes(b""), "the file is empty (0 bytes)"),
    (lambda p: p.write_text("这不是 Word 文件", encoding="utf-8"), "not a Word file"),
    (lambda p: zipfile.ZipFile(p, "w").writestr("a.txt", "x"), "not a Word document (.docx)"),
    (lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500
                             + "WordDocument".encode("utf-16-le") + b"\0" * 100), "old Word 97–2003 file (.doc)"),
    (lambda p: p.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500
                             + "EncryptedPackage".encode("utf-16-le") + b"\0" * 100), "password-protected"),
    (lambda p: docx.Document().save(p), "has no text"),
    (lambda p: _doc_with_only_title(p), "but no text below it"),
    (lambda p: _doc_with_table(p), "a table in the Word file after paragraph 2"),
    (lambda p: None, "file not found"),
])
def test_bad_files_are_one_clear_line(tmp_path, make, words):
    path = tmp_path / "bad.docx"
    make(path)
    with pytest.raises(UserError) as caught:
        import_docx(path)
    assert caught.value.where == str(path)
    assert words in caught.value.message and "\n" not in caught.value.message


def test_a_gif_or_a_picture_above_the_title_is_refused(tmp_path):
    gif = io.BytesIO()
    Image.new("P", (40, 30)).save(gif, "GIF")

    def build(d):
        d.add_paragraph("标题", style="Title")
        d.add_paragraph(BODY_1)
        d.add_picture(io.BytesIO(gif.getvalue()))
    with pytest.raises(UserError, match="picture 1 in the Word file is image/gif: insert it as a JPEG or PNG"):
        import_docx(word(tmp_path, build))

    def above(d):
        d.add_picture(io.BytesIO(jpeg()))
        d.add_paragraph("标题", style="Title")
        d.add_paragraph(BODY_1)
    with pytest.raises(UserError, match="a picture above the title"):
        import_docx(word(tmp_path, above, "above.docx"))


def _doc_with_only_title(path):
    d = docx.Document()
    d.add_paragraph("只有标题", style="Title")
    d.save(path)


def _doc_with_table(path):
    d = docx.Document()
    d.add_paragraph("标题", style="Title")
    d.add_paragraph(BODY_1)
    d.add_table(rows=2, cols=2)
    d.save(path)


def test_cli_reports_a_bad_file_in_one_line(tmp_path):
    path = tmp_path / "old.doc"
    path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 200 + "WordDocument".encode("utf-16-le"))
    result = paiban("import", str(path), "-o", str(tmp_path / "issue"))
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [f"错误 error: {path}: an old Word 97–2003 file (.doc): open it in "
                                                   "Word or LibreOffice and save it as Word Document (.docx)"]
    assert not (tmp_path / "issue").exists()


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet="鄄城县*_#>-+=1.)[]<>`~&\\!| 。，", min_size=1, max_size=30))
def test_escaped_text_reads_back_as_itself(text):
    text = text.strip()
    if text:
        assert [b.text for b in parse_body(as_markdown_paragraph(text), where="x.md")] == [text]


# ------------------------------------------------------------------------------------------
# Writing into an issue folder

def test_import_creates_the_issue_and_builds(tmp_path):
    def build(d):
        d.add_paragraph("鄄城县全力推进安全生产", style="Title")
        d.add_paragraph(f"本报讯（通讯员 纪哲）{BODY_1}")
        d.add_paragraph(BODY_2 * 3)
        d.add_picture(io.BytesIO(jpeg(size=(300, 200))))
        d.add_paragraph("图为检查现场。")
        d.add_paragraph(BODY_1 * 2)
        d.add_paragraph("通讯员 纪哲")
    story = word(tmp_path, build)
    issue = tmp_path / "content" / "issue-1"
    result = paiban("import", str(story), "-o", str(issue), "--date", "2024-03-01", "--section", "魅力鄄城")
    assert result.returncode == 0, result.stderr
    toml = tomllib.loads((issue / "issue.toml").read_text(encoding="utf-8"))
    assert toml["date"] == dt.date(2024, 3, 1) and toml["pages"][0]["section"] == "魅力鄄城"
    assert toml["pages"][0]["articles"] == ["p1-01"]
    front, body = record(issue / "articles" / "p1-01.md")
    assert front["pictures"] == [{"file": "images/p1-01-picture-1.jpg", "caption": "图为检查现场。"}]
    assert front["priority"] == 1 and front["dateline"] == "本报讯（通讯员 纪哲）"
    with Image.open(issue / "images" / "p1-01-picture-1.jpg") as picture:
        assert picture.format == "JPEG" and picture.size == (300, 200)

    out = tmp_path / "out"
    built = paiban("build", str(issue), "-o", str(out))
    assert built.returncode == 0, built.stderr
    import pdfplumber
    with pdfplumber.open(out / "issue-1.pdf") as pdf:
        printed = "".join(c["text"] for page in pdf.pages for c in page.chars)
    for words in ("鄄城县全力推进安全生产", "图为检查现场", "县委书记出席会议并讲话", "纪哲"):
        assert words in printed


def test_import_appends_to_a_page_keeping_the_issue_file(tmp_path):
    issue = tmp_path / "issue"
    (issue / "articles").mkdir(parents=True)
    (issue / "articles" / "p2-01.md").write_text(f"---\ntitle: 已有稿件\n---\n\n{BODY_2}\n", encoding="utf-8")
    original = ('# 本期\npaper = "菏泽日报"\ndate = 2024-03-01\n\n[[pages]]\nnumber = 2\nsection = "魅力鄄城"\n'
                'articles = ["p2-01"]  # 头条\n')
    (issue / "issue.toml").write_text(original, encoding="utf-8")
    article = add_to_issue(import_docx(word(tmp_path, styled)), issue, page=2, paper="x", date=dt.date.today())
    assert article == issue / "articles" / "p2-02.md"
    text = (issue / "issue.toml").read_text(encoding="utf-8")
    assert "# 本期" in text and "# 头条" in text
    assert tomllib.loads(text)["pages"][0]["articles"] == ["p2-01", "p2-02"]
    front, _ = record(article)
    assert "priority" not in front and front["title"] == "鄄城县全力推进安全生产"

    add_to_issue(import_docx(word(tmp_path, styled)), issue, page=3, paper="x", date=dt.date.today())
    pages = tomllib.loads((issue / "issue.toml").read_text(encoding="utf-8"))["pages"]
    assert [(p["number"], p["section"], p["articles"]) for p in pages][1] == (3, "第3版", ["p3-01"])


def test_a_failed_add_changes_nothing(tmp_path):
    issue = tmp_path / "issue"
    (issue / "articles").mkdir(parents=True)
    original = 'paper = "菏泽日报"\ndate = 2024-03-01\n\n[[pages]]\nnumber = 1\nsection = "魅力鄄城"\narticles = ["p1-01"]\n'
    (issue / "issue.toml").write_text(original, encoding="utf-8")     # p1-01.md is missing: cannot load
    with pytest.raises(UserError) as caught:
        add_to_issue(import_docx(word(tmp_path, styled)), issue, page=1, paper="x", date=dt.date.today())
    assert "p1-01.md" in caught.value.where
    assert (issue / "issue.toml").read_text(encoding="utf-8") == original
    assert sorted(p.name for p in issue.rglob("*")) == ["articles", "issue.toml"]
