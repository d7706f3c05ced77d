"""The `paiban` (排版) command line; also `python -m typeset`.

Every error a user can cause prints one line — file, field, what to do — and exits 1.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import sys
from pathlib import Path

import click
from typeset.errors import UserError



def reports_user_errors(command):
    """Turn a UserError into one line on stderr and exit code 1 (never a traceback)."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except UserError as e:
            click.echo(f"错误 error: {e}", err=True)
            sys.exit(1)

    return wrapper


@click.group()
@click.version_option(package_name="typeset")
def main():
    """排版 paiban — a Chinese newspaper typesetter: article records in, print-ready pages out."""


@main.command("import")
@click.argument("dump", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), help="issue folder to write")
@click.option("--json", "as_json", is_flag=True, help="print the parsed records as JSON")
@click.option("--paper", default="菏泽日报", show_default=True, help="报名")
@click.option("--date", "date", default=None, help="issue date YYYY-MM-DD (default: today)")
@click.option("--page", "page_number", default=1, show_default=True, help="版次")
@click.option("--layout", default="duikai", show_default=True)
@click.option("--force", is_flag=True, help="replace an existing issue folder")
@reports_user_errors
def import_(dump: Path, output: Path | None, as_json: bool, paper: str, date: str | None,
            page_number: int, layout: str, force: bool):
    """Import a plain-text page dump (OCR) into records, repairing broken paragraphs."""
    from typeset import importer

    page = importer.import_file(dump)
    if as_json:
        click.echo(json.dumps(importer.to_json(page), ensure_ascii=False, indent=2))
    if output:
        try:
            day = dt.date.fromisoformat(date) if date else dt.date.today()
        except ValueError:
            raise UserError(f"--date '{date}' is not a date like 2023-08-04") from None
        folder = importer.write_issue(page, output, paper=paper, date=day, page_number=page_number,
                                      layout=layout, force=force)
        click.echo(f"wrote {folder} ({len(page.articles)} articles)")
    if not (as_json or output):
        raise UserError("say where the records go: -o content/<issue> or --json")


@main.command()
@click.argument("issue", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), default=Path("out"), show_default=True)
@click.option("--html", "write_html", is_flag=True, help="also write the HTML given to WeasyPrint")
@click.option("--source-date-epoch", type=int, envvar="SOURCE_DATE_EPOCH",
              help="the PDF's date (seconds since 1970); default: the issue date")
@reports_user_errors
def build(issue: Path, output: Path, write_html: bool, source_date_epoch: int | None):
    """Build an issue folder (content/<issue>) into OUTPUT/<issue>.pdf."""
    from typeset.build import build as build_issue

    result = build_issue(issue, output, write_html=write_html, source_date_epoch=source_date_epoch)
    for warning in result.report.warnings:
        click.echo(f"注意 warning: {warning.where()} {warning.message}", err=True)
    pages = len(result.plan.pages)
    articles = sum(len(p.modules) for p in result.plan.pages)
    click.echo(f"wrote {result.pdf} ({pages} 版, {articles} articles)")


@main.command("fonts")
@reports_user_errors
def fonts_():
    """List the font roles and the installed faces they resolve to."""
    from typeset import fonts

    for r in fonts.resolve_all().values():
        where = f"{r.file} (face {r.index})" if r.resolved else "MISSING"
        click.echo(f"{r.name} {r.role:<9} {r.family} {r.style:<8} → {where}  [{r.package}, {r.license}]  {r.use}")
    fonts.check_all()


@main.command()
@click.argument("target", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="the report as JSON")
def check(target: Path, as_json: bool):
    """Preflight (预飞) an issue folder or a PDF: glyphs, text completeness, fonts, fill."""
    from typeset import preflight

    sys.exit(preflight.run(target, as_json))
