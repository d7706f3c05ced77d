"""Records as JSON: articles/<slug>.json beside .md, the issue document that paiban import --json
and paiban export print and paiban import FILE.json -o FOLDER writes back, and the JSON twin of the
sample issue building to the same PDF bytes as its Markdown records."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pikepdf
import pytest
from conftest import ROOT, SEED, article, paiban, write_issue
from test_cli import assert_one_line_error

from typeset.sources.issue_folder import load_issue

BODY = "鄄城县召开全县打击治理电信网络诈骗工作推进会议，安排部署下一阶段工作。" * 3


def json_article(folder, name, **record):
    (folder / "articles" / f"{name}.json").write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")


def test_a_folder_mixes_markdown_and_json_articles(tmp_path):
    issue = write_issue(tmp_path / "mixed", {"a": article("第一篇", BODY)}, pages=[["a", "b"]])
    json_article(issue, "b", slug="b", title="第二篇", byline="记者 王明", paragraphs=["第一段。", "**一是**第二段。"])
    loaded = load_issue(issue)
    assert [a.title for a in loaded.articles.values()] == ["第一篇", "第二篇"]
    assert loaded.articles["b"].paragraphs == ("第一段。", "**一是**第二段。")
    assert loaded.record_file("b").name == "b.json" and loaded.record_file("a").name == "a.md"


@pytest.mark.parametrize("text, fragments", [
    ('{"slug": "b", "title": "题", "paragraphs": ["段。"],}', ["b.json", "malformed JSON at line 1"]),
    ('["段。"]', ["b.json", "one JSON object"]),
    ('{"slug": "c", "title": "题", "paragraphs": ["段。"]}', ["b.json", "field 'slug'", "'c'", "file name 'b'"]),
    ('{"slug": "b", "title": "题", "paragraphs": []}', ["b.json", "field 'paragraphs'"]),
    ('{"slug": "b", "title": "题", "titel": "题", "paragraphs": ["段。"]}', ["b.json", "field 'titel'", "not a known field"]),
    ('{"slug": "b", "title": 5, "paragraphs": ["段。"]}', ["b.json", "field 'title'", "must be text"]),
])
def test_a_bad_json_article_is_one_line(tmp_path, text, fragments):
    issue = write_issue(tmp_path / "bad", {"a": article("第一篇", BODY)}, pages=[["a", "b"]])
    (issue / "articles" / "b.json").write_text(text, encoding="utf-8")
    assert_one_line_error(paiban("build", str(issue), "-o", str(tmp_path / "out")), *fragments)
    assert not (tmp_path / "out" / "bad.pdf").exists()


def test_an_article_with_both_records_is_one_clear_error(tmp_path):
    issue = write_issue(tmp_path / "both", {"a": article("第一篇", BODY)})
    json_article(issue, "a", slug="a", title="第一篇", paragraphs=[BODY])
    assert_one_line_error(paiban("build", str(issue), "-o", str(tmp_path / "out")), "'a' has two records", "a.md", "a.json", "keep one")


def test_what_import_json_prints_builds(tmp_path):
    printed = paiban("import", str(SEED), "--json", "--date", "2023-08-04", "--page", "5")
    assert printed.returncode == 0, printed.stderr
    (tmp_path / "seed.json").write_text(printed.stdout, encoding="utf-8")
    written = paiban("import", str(tmp_path / "seed.json"), "-o", str(tmp_path / "content" / "seed"))
    assert written.returncode == 0, written.stderr
    folder = tmp_path / "content" / "seed"
    assert sorted(p.name for p in (folder / "articles").iterdir()) == [f"p5-0{i}.json" for i in range(1, 5)]
    document = json.loads(printed.stdout)
    for record in document["articles"]:       # each file is the article's record as printed
        assert json.loads((folder / "articles" / f"{record['slug']}.json").read_text("utf-8")) == record
    built = paiban("build", str(folder), "-o", str(tmp_path / "out"))
    assert built.returncode == 0, built.stderr
    with pikepdf.open(tmp_path / "out" / "seed.pdf") as pdf:
        assert len(pdf.pages) == 1
    # and out again: the folder exports as the document that made it
    exported = paiban("export", str(folder))
    assert exported.returncode == 0, exported.stderr
    assert json.loads(exported.stdout) == document


@pytest.mark.parametrize("change, fragments", [
    (lambda d: d["articles"].pop(), ["pages list article 'p1-04'", "not in 'articles'"]),
    (lambda d: d["issue"]["pages"][0]["articles"].pop(), ["field 'articles.3.slug'", "on no page"]),
    (lambda d: d["articles"][1].update(slug="p1-01"), ["field 'articles.1.slug'", "used twice"]),
    (lambda d: d["articles"][0].update(slug="../p1-01"), ["field 'articles.0.slug'", "file name"]),
    (lambda d: d["issue"].pop("paper"), ["field 'issue.paper'", "required"]),
    (lambda d: d["articles"][2].update(priority=0), ["field 'articles.2.priority'"]),
])
def test_a_bad_issue_document_is_one_line_and_writes_nothing(tmp_path, change, fragments):
    document = json.loads(paiban("import", str(SEED), "--json", "--date", "2023-08-04").stdout)
    change(document)
    (tmp_path / "doc.json").write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    assert_one_line_error(paiban("import", str(tmp_path / "doc.json"), "-o", str(tmp_path / "issue")),
                          "doc.json", *fragments)
    assert not (tmp_path / "issue").exists()


def _build(folder, out, epoch="1691100000") -> bytes:
    result = subprocess.run([sys.executable, "-m", "typeset", "build", str(folder), "-o", str(out)],
                            capture_output=True, text=True, cwd=ROOT, env={**os.environ, "SOURCE_DATE_EPOCH": epoch})
    assert result.returncode == 0, result.stderr
    return (out / f"{folder.name}.pdf").read_bytes()


def test_the_json_twin_of_the_sample_builds_the_same_pdf(sample_issue, tmp_path):
    """The sample's Markdown records, then their JSON twin (made by paiban export and paiban
    import in the same folder: the plain PDF's picture names and file ID derive from the
    pictures' absolute file URLs, so a twin in another folder differs in those names)."""
    folder = tmp_path / "twin" / sample_issue.name
    shutil.copytree(sample_issue, folder)
    markdown_pdf = _build(folder, tmp_path / "out-md")
    exported = paiban("export", str(folder))
    assert exported.returncode == 0, exported.stderr
    (tmp_path / "sample.json").write_text(exported.stdout, encoding="utf-8")
    replaced = paiban("import", str(tmp_path / "sample.json"), "-o", str(folder), "--force")
    assert replaced.returncode == 0, replaced.stderr
    assert sorted(p.name for p in (folder / "articles").iterdir()) == [f"p5-0{i}.json" for i in range(1, 5)]
    assert (folder / "images").is_dir()                   # --force keeps the pictures
    json_pdf = _build(folder, tmp_path / "out-json")
    assert json_pdf == markdown_pdf
    # the PDF carries no trace of where the folder was
    expanded = tmp_path / "expanded.pdf"
    subprocess.run(["qpdf", "--qdf", "--object-streams=disable", str(tmp_path / "out-json" / f"{folder.name}.pdf"),
                    str(expanded)], check=True)
    data = expanded.read_bytes()
    assert str(tmp_path).encode() not in data and b"file://" not in data
    # a different record gives a different PDF: the comparison can fail
    record = json.loads((folder / "articles" / "p5-02.json").read_text("utf-8"))
    record["title"] = record["title"].replace("托管", "看护", 1) if "托管" in record["title"] else record["title"] + "！"
    (folder / "articles" / "p5-02.json").write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    assert _build(folder, tmp_path / "out-changed") != markdown_pdf
