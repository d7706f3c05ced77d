"""`paiban schema`: the JSON Schema of the records, generated from the models that read them,
so the schema and the loader never disagree on a field."""

from __future__ import annotations

from pydantic.json_schema import models_json_schema

from typeset.model.records import Article, Issue, IssueDocument

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
DESCRIPTION = ("An editorial system that writes records (or checks them before sending) validates an "
               "issue against #/$defs/Issue (issue.toml), an article against #/$defs/Article (an "
               "articles/<slug>.json file is one, its slug the file name) and a whole issue in one "
               "document against #/$defs/IssueDocument (what paiban import --json and paiban export "
               "print). In a Markdown record the slug is the file name and the paragraphs are the body, "
               "not front-matter fields.")


def records_schema() -> dict:
    """One JSON Schema document: the issue and article records and the issue document under
    $defs (with the records they hold: Page, Picture, Pin), and any of the three at the top."""
    _, schema = models_json_schema([(Issue, "validation"), (Article, "validation"), (IssueDocument, "validation")],
                                   title="paiban records: issue (issue.toml) and article (articles/*)",
                                   description=DESCRIPTION)
    return {"$schema": SCHEMA_DIALECT, **schema,
            "anyOf": [{"$ref": f"#/$defs/{name}"} for name in ("Issue", "Article", "IssueDocument")]}
