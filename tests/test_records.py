"""Record loading: a valid issue loads; every invalid one names the file and the field."""

from pathlib import Path

import pytest
from conftest import article, write_issue

from typeset.model.errors import UserError
from typeset.sources.issue_folder import load_issue

BODY = "本报讯　这是正文的第一段。\n\n这是第二段，没有问题。"


def test_sample_issue_loads(sample_issue):
    issue = load_issue(sample_issue)
    assert issue.issue.paper and issue.issue.pages[0].section == "魅力鄄城"
    lead = issue.articles["p5-01"]
    assert lead.kicker == "鄄城县召开全县打击治理电信网络诈骗工作推进会议"
    assert lead.title == "提高全民反诈意识 最大限度减少群众财产损失"
    assert lead.dateline == "本报讯（通讯员 纪哲）"
    assert issue.articles["p5-02"].byline == "通讯员 纪哲"
    assert issue.issue.date_line() == "2023年8月4日 星期五"
    assert all(a.pictures for a in issue.articles.values())


def test_paragraphs_are_blank_line_blocks(tmp_path):
    write_issue(tmp_path, {"a": article("标题", "第一段第一行\n第一段第二行\n\n第二段")})
    assert load_issue(tmp_path).articles["a"].paragraphs == ("第一段第一行第一段第二行", "第二段")


def expect_error(folder: Path, *fragments: str):
    with pytest.raises(UserError) as caught:
        load_issue(folder)
    message = str(caught.value)
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message, message
    return message


def test_missing_title(tmp_path):
    write_issue(tmp_path, {"a": "---\nkicker: 引题\n---\n\n正文。\n"})
    expect_error(tmp_path, "a.md", "title", "missing")


def test_unknown_field_is_named(tmp_path):
    write_issue(tmp_path, {"a": article("标题", BODY, titel="拼错")})
    expect_error(tmp_path, "a.md", "titel", "not a known field")


def test_malformed_front_matter(tmp_path):
    write_issue(tmp_path, {"a": "---\ntitle: [未闭合\n---\n\n正文。\n"})
    expect_error(tmp_path, "a.md", "malformed front matter")


def test_front_matter_not_closed(tmp_path):
    write_issue(tmp_path, {"a": "---\ntitle: 标题\n\n正文。\n"})
    expect_error(tmp_path, "a.md", "not closed")


def test_non_utf8_file(tmp_path):
    write_issue(tmp_path, {"a": article("标题", BODY)})
    (tmp_path / "articles" / "a.md").write_bytes(article("标题", BODY).encode("gbk"))
    expect_error(tmp_path, "a.md", "not UTF-8", "GBK")


def test_empty_body(tmp_path):
    write_issue(tmp_path, {"a": article("标题", "")})
    expect_error(tmp_path, "a.md", "paragraphs")


def test_missing_picture_file(tmp_path):
    write_issue(tmp_path, {"a": article("标题", BODY, pictures=[{"file": "images/none.jpg"}])})
    expect_error(tmp_path, "a.md", "pictures.0.file", "images/none.jpg", "does not exist")


def test_a_picture_damaged_after_a_build_is_caught_again(tmp_path, monkeypatch):
    """Sound pictures are remembered by path, size and time; a picture written again is read
    again, so a truncated copy never passes on an earlier verdict."""
    import io
    import os

    from PIL import Image

    from typeset.sources import pictures as sources_pictures

    monkeypatch.setenv("PAIBAN_CACHE_DIR", str(tmp_path / "cache"))
    sources_pictures._verified_pictures.cache_clear()
    buffer = io.BytesIO()
    Image.new("RGB", (600, 400), (120, 160, 200)).save(buffer, "JPEG", quality=90)
    issue = tmp_path / "issue"
    write_issue(issue, {"a": article("标题", BODY, pictures=[{"file": "images/p.jpg"}])})
    picture = issue / "images" / "p.jpg"
    picture.parent.mkdir()
    picture.write_bytes(buffer.getvalue())
    load_issue(issue)
    assert str(picture.resolve()) in (tmp_path / "cache" / "pictures.json").read_text(encoding="utf-8")
    sources_pictures._verified_pictures.cache_clear()           # a new process reads the cache file
    load_issue(issue)
    stat = picture.stat()
    picture.write_bytes(buffer.getvalue()[:len(buffer.getvalue()) // 2])
    os.utime(picture, ns=(stat.st_atime_ns, stat.st_mtime_ns))     # even with the old time
    expect_error(issue, "a.md", "pictures.0.file", "truncated")
    sources_pictures._verified_pictures.cache_clear()


def test_missing_article_file(tmp_path):
    write_issue(tmp_path, {"a": article("标题", BODY)}, pages=[["a", "b"]])
    expect_error(tmp_path, "b.md", "file not found")


def test_empty_issue(tmp_path):
    (tmp_path / "issue.toml").write_text('paper = "测试日报"\ndate = 2024-03-01\npages = []\n', encoding="utf-8")
    expect_error(tmp_path, "issue.toml", "pages")


def test_wrong_type_in_issue(tmp_path):
    write_issue(tmp_path, {"a": article("标题", BODY)})
    toml = (tmp_path / "issue.toml").read_text(encoding="utf-8").replace("number = 1\n", "number = \"一\"\n", 1)
    (tmp_path / "issue.toml").write_text(toml, encoding="utf-8")
    expect_error(tmp_path, "issue.toml", "number")


def test_not_a_folder(tmp_path):
    expect_error(tmp_path / "nothing", "not an issue folder")
