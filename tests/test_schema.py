"""`paiban schema`: the records' JSON Schema accepts the sample issue and rejects bad records."""

from __future__ import annotations

import datetime as dt
import json
import tomllib

import pytest
import yaml
from conftest import SAMPLE, paiban
from jsonschema import Draft202012Validator, FormatChecker


@pytest.fixture(scope="module")
def schema() -> dict:
    result = paiban("schema")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    Draft202012Validator.check_schema(document)
    return document


def validator(schema: dict, record: str) -> Draft202012Validator:
    return Draft202012Validator({"$defs": schema["$defs"], "$ref": f"#/$defs/{record}"},
                                format_checker=FormatChecker())


def as_json(value):
    """What a TOML or YAML value is in JSON (dates become ISO strings)."""
    return json.loads(json.dumps(value, default=lambda v: v.isoformat() if isinstance(v, dt.date) else v))


def markdown_record(path) -> dict:
    """An article file as its JSON record: front matter, slug = file name, paragraphs = the body's
    blank-line-separated blocks."""
    _, front, body = path.read_text(encoding="utf-8").split("---\n", 2)
    blocks = [b for b in body.split("\n\n") if b.strip()]
    return {"slug": path.stem, **as_json(yaml.safe_load(front)),
            "paragraphs": ["".join(line.strip() for line in b.splitlines()) for b in blocks]}


def test_the_sample_issue_and_its_articles_are_valid(schema):
    issue = as_json(tomllib.loads((SAMPLE / "issue.toml").read_text(encoding="utf-8")))
    validator(schema, "Issue").validate(issue)
    articles = sorted((SAMPLE / "articles").glob("*.md"))
    assert len(articles) == 4
    for path in articles:
        record = markdown_record(path)
        assert record["title"] and len(record["paragraphs"]) >= 1
        validator(schema, "Article").validate(record)


def test_the_top_level_accepts_either_record(schema):
    top = Draft202012Validator(schema, format_checker=FormatChecker())
    assert top.is_valid(markdown_record(SAMPLE / "articles" / "p5-01.md"))
    assert not top.is_valid({"title": "只有标题"})


@pytest.mark.parametrize("change", [
    {"priority": 12},                       # 1..9
    {"titel": "错字段"},                     # unknown field
    {"paragraphs": []},                     # a body is needed
    {"pictures": [{"caption": "无文件"}]},    # a picture needs its file
    {"pin": {"column": 0}},                 # columns count from 1
])
def test_bad_articles_are_rejected(schema, change):
    record = {**markdown_record(SAMPLE / "articles" / "p5-01.md"), **change}
    assert not validator(schema, "Article").is_valid(record)


def test_bad_issues_are_rejected(schema):
    issue = as_json(tomllib.loads((SAMPLE / "issue.toml").read_text(encoding="utf-8")))
    check = validator(schema, "Issue")
    assert not check.is_valid({**issue, "pages": []})
    assert not check.is_valid({**issue, "date": "2023-13-45"})
    assert not check.is_valid({k: v for k, v in issue.items() if k != "paper"})


def test_the_sample_as_an_issue_document_and_json_articles_is_valid(schema, tmp_path):
    """paiban export's document and the articles/<slug>.json files paiban import writes from it
    are valid, and hold what the Markdown records say (read here without the program's loader)."""
    exported = paiban("export", str(SAMPLE))
    assert exported.returncode == 0, exported.stderr
    document = json.loads(exported.stdout)
    validator(schema, "IssueDocument").validate(document)
    # a field at its default (in the schema) is left out of the document, as of a hand-written record
    issue = as_json(tomllib.loads((SAMPLE / "issue.toml").read_text(encoding="utf-8")))
    default_layout = schema["$defs"]["Page"]["properties"]["layout"]["default"]
    issue["pages"] = [{k: v for k, v in page.items() if (k, v) != ("layout", default_layout)} for page in issue["pages"]]
    assert document["issue"] == issue
    by_slug = {record["slug"]: record for record in document["articles"]}
    for path in sorted((SAMPLE / "articles").glob("*.md")):
        assert by_slug[path.stem] == markdown_record(path)
    (tmp_path / "sample.json").write_text(exported.stdout, encoding="utf-8")
    written = paiban("import", str(tmp_path / "sample.json"), "-o", str(tmp_path / "twin"))
    assert written.returncode == 0, written.stderr
    files = sorted((tmp_path / "twin" / "articles").glob("*.json"))
    assert [f.stem for f in files] == sorted(by_slug)
    for path in files:
        validator(schema, "Article").validate(json.loads(path.read_text(encoding="utf-8")))


def test_bad_issue_documents_are_rejected(schema):
    document = json.loads(paiban("export", str(SAMPLE)).stdout)
    check = validator(schema, "IssueDocument")
    assert check.is_valid(document)
    assert not check.is_valid({**document, "articles": []})
    assert not check.is_valid({"issue": document["issue"]})
    assert not check.is_valid({**document, "articles": [{**document["articles"][0], "priority": 0}]})
