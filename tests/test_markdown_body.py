"""typeset.markdown_body: record bodies as Markdown — the blocks read, and one clear error (file
and line of the file) for everything a record cannot say."""

from pathlib import Path

import pytest

from typeset.model.errors import UserError
from typeset.sources.issue_folder import split_front_matter
from typeset.sources.markdown_body import BriefItem, Paragraph, Run, Subhead, brief_items, parse_body

P = Paragraph
B = lambda text: Run(text, True)  # noqa: E731
T = lambda text: Run(text)        # noqa: E731


def blocks(body: str, offset: int = 0):
    return parse_body(body, where="a.md", line_offset=offset)


def error(body: str, offset: int = 0) -> tuple[str, str]:
    with pytest.raises(UserError) as caught:
        parse_body(body, where="稿件.md", line_offset=offset)
    return caught.value.where, caught.value.message


# ------------------------------------------------------------------------------------------
# What a body may say

def test_paragraph_lines_are_joined_with_nothing_between():
    assert blocks("县委书记\n  深入基层\n调研。\n\n第二段。") == [
        P((T("县委书记深入基层调研。"),), 1), P((T("第二段。"),), 5)]


def test_hard_line_breaks_join_like_soft_ones():
    assert blocks("两个空格  \n反斜杠\\\n末行。") == [P((T("两个空格反斜杠末行。"),), 1)]


def test_subheads_and_bold_run_ins():
    body = "## 检查重点\n\n**重点一**：严查\n隐患。\n\n## 下一步\n\n全文**加粗**在中间，**尾部**"
    assert blocks(body) == [
        Subhead("检查重点", 1),
        P((B("重点一"), T("：严查隐患。")), 3),
        Subhead("下一步", 6),
        P((T("全文"), B("加粗"), T("在中间，"), B("尾部")), 8),
    ]


def test_bold_across_a_line_break_is_one_run():
    assert blocks("**一是加强\n领导**，各镇") == [P((B("一是加强领导"), T("，各镇")), 1)]


def test_whole_paragraph_bold_and_closing_hashes():
    assert blocks("**编者按**\n\n## 小标题 ##") == [P((B("编者按"),), 1), Subhead("小标题", 3)]


def test_escapes_and_entities_are_text():
    assert blocks("5\\*3，1\\. 不是列表，\\# 不是标题，\\*\\*两颗星，&amp;、&lt;") == [
        P((T("5*3，1. 不是列表，# 不是标题，**两颗星，&、<"),), 1)]


def test_literal_marks_that_are_not_markup_stay_text():
    body = "5*3=15，a_b_c，#鄄城#，[1] 见上，2023-08-04，网址 www.juancheng.gov.cn，1) 非列表"
    assert blocks(body) == [P((T(body),), 1)]


def test_empty_body_has_no_blocks():
    assert blocks("") == [] and blocks("\n\n  \n") == []


def test_line_offset_counts_file_lines():
    source = "---\ntitle: 标题\npriority: 2\n---\n\n## 小标题\n\n正文。\n"
    meta, body = split_front_matter(source, Path("a.md"))
    closing = source.splitlines().index("---", 1) + 1       # line of the closing '---'
    assert parse_body(body, where="a.md", line_offset=closing) == [Subhead("小标题", 6), P((T("正文。"),), 8)]


def test_existing_sample_records_read_as_plain_paragraphs():
    folder = Path(__file__).resolve().parent.parent / "content" / "meili-juancheng" / "articles"
    for path in sorted(folder.glob("*.md")):
        source = path.read_text(encoding="utf-8")
        meta, body = split_front_matter(source, path)
        found = parse_body(body, where=str(path))
        # independent reading: blank-line-separated blocks, lines concatenated
        expected = ["".join(line.strip() for line in chunk.splitlines())
                    for chunk in body.strip().split("\n\n") if chunk.strip()]
        assert [b.text for b in found] == expected
        assert all(isinstance(b, Paragraph) and len(b.runs) == 1 and not b.runs[0].bold for b in found)


# ------------------------------------------------------------------------------------------
# What a body may not say: one error, naming the file and the line of the file

@pytest.mark.parametrize("body, line, words", [
    ("正文。\n\n# 大标题", 3, "'#' is the title"),
    ("正文。\n\n### 三级", 3, "'###' is not a heading level"),
    ("正文。\n\n#### 四级", 3, "'####' is not a heading level"),
    ("正文\n---", 1, "a line of '===' or '---' under text"),
    ("正文\n===", 1, "a line of '===' or '---' under text"),
    ("正文。\n\n---\n\n后文。", 3, "a rule line"),
    ("正文。\n\n- 一\n- 二", 3, "a list"),
    ("正文。\n\n* 一", 3, "a list"),
    ("正文。\n\n1. 一\n2. 二", 3, "a numbered list"),
    ("正文。\n\n> 引用", 3, "a quote block"),
    ("正文。\n\n    缩进四格", 3, "a code block (a line indented"),
    ("正文。\n\n```\ncode\n```", 3, "a code block (```"),
    ("正文。\n\n<div>块</div>", 3, "HTML markup: delete the tags"),
    ("正文。\n\n| 镇 | 人数 |\n|---|---|\n| 甲 | 3 |", 3, "a table"),
    ("正文。\n\n见[网站](http://a.cn)。", 3, "a link"),
    ("正文。\n\n见<http://a.cn>。", 3, "a link"),
    ("正文。\n\n![图](images/a.jpg)", 3, "a picture in the body"),
    ("正文。\n\n文字<b>粗</b>。", 3, "HTML markup (<…>)"),
    ("正文。\n\n*强调*文字。", 3, "*emphasis* or _emphasis_"),
    ("正文。\n\n_强调_ 文字。", 3, "*emphasis* or _emphasis_"),
    ("正文。\n\n~~删除~~文字。", 3, "~~strikethrough~~"),
    ("正文。\n\n`代码`文字。", 3, "`code` in backticks"),
    ("正文。\n\n[网站]: http://a.cn", 3, "a link reference"),
    ("正文。\n\n## **粗小标题**", 3, "bold (**) inside a 小标题"),
    ("正文。\n\n##", 3, "'##' without text"),
    ("**一是加强领导。**各镇", 1, "'**' that is not read as bold"),
    ("第一行\n第二行**未闭合", 2, "'**' that is not read as bold"),
    ("各**“重点”**工作", 1, "'**' that is not read as bold"),
])
def test_unsupported_markdown_is_one_error_at_its_line(body, line, words):
    where, message = error(body)
    assert where == f"稿件.md:{line}"
    assert words in message
    assert "\n" not in message


def test_error_lines_include_the_front_matter():
    where, _ = error("正文。\n\n- 列表", offset=6)
    assert where == "稿件.md:9"


def test_inline_error_line_counts_the_paragraph_lines_before_it():
    where, message = error("第一段。\n\n第二段\n第二行\n有[链接](x)。", offset=4)
    assert where == "稿件.md:9" and "a link" in message


def test_the_first_problem_is_reported():
    where, message = error("正文。\n\n> 引用\n\n- 列表")
    assert where == "稿件.md:3" and "quote" in message


# ------------------------------------------------------------------------------------------
# Briefs (简讯): items of '## 小标题' and text

def test_brief_items_group_subheads_with_their_text():
    body = "## 鄄城召开会议\n\n近日，会议召开。\n\n## 某镇开展活动\n\n**活动**：内容。\n\n第二段。"
    assert brief_items(blocks(body, 4), where="b.md") == [
        BriefItem("鄄城召开会议", (P((T("近日，会议召开。"),), 7),), 5),
        BriefItem("某镇开展活动", (P((B("活动"), T("：内容。")), 11), P((T("第二段。"),), 13)), 9),
    ]


@pytest.mark.parametrize("body, where, words", [
    ("开头的文字。\n\n## 第一条\n\n内容。", "b.md:5", "put a '## 小标题' above this text"),
    ("## 第一条\n\n内容。\n\n## 空条\n\n## 第三条\n\n内容。", "b.md:9", "the brief '## 空条' has no text"),
    ("## 第一条\n\n内容。\n\n## 末条", "b.md:9", "the brief '## 末条' has no text"),
    ("", "b.md", "a briefs (简讯) body is empty"),
])
def test_brief_body_errors(body, where, words):
    with pytest.raises(UserError) as caught:
        brief_items(blocks(body, 4), where="b.md")
    assert caught.value.where == where and words in caught.value.message
