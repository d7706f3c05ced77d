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
