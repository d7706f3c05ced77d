"""The `paiban` (排版) command line; also `python -m typeset`.

Every error a user can cause prints one line — file, field, what to do — and exits 1.
"""

from __future__ import annotations

import atexit
import datetime as dt
import functools
import gc
import json
import os
import signal
import sys
from pathlib import Path

import click

from typeset.model.errors import UserError


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
@click.option("--layouts", "layouts", type=click.Path(path_type=Path, file_okay=False), envvar="PAIBAN_LAYOUTS",
              help="a folder of the newsroom's own page designs, searched before the built-in ones "
                   "[env: PAIBAN_LAYOUTS]")
def main(layouts: Path | None):
    """排版 paiban — a Chinese newspaper typesetter: article records in, print-ready pages out."""
    if layouts is not None:
        if not layouts.is_dir():
            click.echo(f"错误 error: {layouts}: --layouts must name a folder of page designs", err=True)
            sys.exit(1)
        os.environ["PAIBAN_LAYOUTS"] = str(layouts.resolve())   # batch workers inherit it


@main.command("import")
@click.argument("dump", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), help="issue folder to write")
@click.option("--json", "as_json", is_flag=True, help="print the records as one JSON issue document")
@click.option("--paper", default="菏泽日报", show_default=True, help="报名")
@click.option("--date", "date", default=None, help="issue date YYYY-MM-DD (default: today)")
@click.option("--page", "page_number", default=1, show_default=True, help="版次")
@click.option("--layout", default="duikai", show_default=True)
@click.option("--force", is_flag=True, help="replace an existing issue folder")
@click.option("--section", default=None, help="版名 of the page (default: the dump's '# 版名'; a Word file's: 第N版)")
@reports_user_errors
def import_(dump: Path, output: Path | None, as_json: bool, paper: str, date: str | None,
            page_number: int, layout: str, force: bool, section: str | None):
    """Import a plain-text page dump (OCR) into records, repairing broken paragraphs; or add a
    Word file (.docx) as one article to the issue folder OUTPUT, listed on page --page; or write
    a JSON issue document (what --json and paiban export print) as the issue folder OUTPUT."""
    from typeset.sources import importer, issue_document

    if dump.suffix.lower() in (".docx", ".doc"):
        return _import_word(dump, output, paper, date, page_number, layout, section)
    if not (as_json or output):
        raise UserError("say where the records go: -o content/<issue> or --json")
    if dump.suffix.lower() == ".json":
        document = issue_document.read_document(dump)
        write = functools.partial(issue_document.write_document, document)
    else:
        page = importer.import_file(dump)
        document = importer.page_document(page, paper=paper, date=_issue_date(date), page_number=page_number,
                                          layout=layout, section=section)
        write = functools.partial(importer.write_issue, page, paper=paper, date=_issue_date(date),
                                  page_number=page_number, layout=layout, section=section)
    if as_json:
        click.echo(issue_document.dumps(issue_document.document_json(document)), nl=False)
    if output:
        folder = write(output, force=force)
        kind = ".json" if dump.suffix.lower() == ".json" else ".md"
        click.echo(f"wrote {folder} ({len(document.articles)} articles, articles/<slug>{kind})", err=as_json)


def _import_word(path: Path, output: Path | None, paper: str, date: str | None, page_number: int,
                 layout: str, section: str | None) -> None:
    from typeset.sources import docx_import

    if not output:
        raise UserError("say which issue folder the article goes to: -o content/<issue>")
    imported = docx_import.import_docx(path)
    article = docx_import.add_to_issue(imported, output, page=page_number, paper=paper, date=_issue_date(date),
                                       layout=layout, section=section)
    click.echo(f"wrote {article} ({len(imported.pictures)} pictures), listed on 版 {page_number}")


def _issue_date(date: str | None) -> dt.date:
    try:
        return dt.date.fromisoformat(date) if date else dt.date.today()
    except ValueError:
        raise UserError(f"--date '{date}' is not a date like 2023-08-04") from None


@main.command()
@click.argument("issue", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), default=Path("out"), show_default=True)
@click.option("--html", "write_html", is_flag=True, help="also write the HTML given to WeasyPrint")
@click.option("--source-date-epoch", type=int, envvar="SOURCE_DATE_EPOCH",
              help="the PDF's date (seconds since 1970); default: the issue date")
@click.option("--variant", "variants", multiple=True, type=click.Choice(["print", "proof", "archive"]),
              help="print (PDF/X-4, CMYK, bleed, marks), proof (校样: marks problems, report page), "
                   "archive (PDF/A-3u, bookmarks, records attached, articles.json); repeatable; "
                   "writes OUTPUT/<issue>.<variant>.pdf")
@click.option("--png", "png", is_flag=True, help="also write a PNG preview of every page")
@click.option("--png-dpi", type=click.IntRange(10, 1200), default=100, show_default=True,
              help="resolution of the PNG previews (and of the pixel regions in articles.json)")
@click.option("--diff", "diff", type=click.Path(path_type=Path),
              help="proof: highlight the articles changed since PREVIOUS (a proof or archive PDF, an "
                   "articles.json or a records folder)")
@click.option("--jobs", "jobs", type=click.IntRange(1, 64), default=1, show_default=True,
              help="render the pages in this many processes (plain and print; 1: the issue whole)")
@reports_user_errors
def build(issue: Path, output: Path, write_html: bool, source_date_epoch: int | None,
          variants: tuple[str, ...], png: bool, png_dpi: int, diff: Path | None, jobs: int):
    """Build an issue folder (content/<issue>) into OUTPUT/<issue>.pdf, or with --variant into
    OUTPUT/<issue>.<variant>.pdf (and each 版 as OUTPUT/<issue>.p05.print.pdf)."""
    from typeset.pipeline import build as build_issue

    if diff is not None and "proof" not in variants:
        raise UserError("--diff marks changed articles in the proof: add --variant proof")
    result = build_issue(issue, output, write_html=write_html, source_date_epoch=source_date_epoch,
                         variants=variants, png_dpi=png_dpi if png else None, diff=diff, jobs=jobs)
    for warning in result.report.warnings:
        click.echo(f"注意 warning: {warning.where()} {warning.message}", err=True)
    pages = len(result.plan.pages)
    articles = len({m.record.slug for p in result.plan.pages for m in p.modules})   # a 头条 may take two modules
    for out in result.outputs:
        errors = f", {len(out.report.errors)} preflight error(s) marked" if out.report.errors else ""
        click.echo(f"wrote {out.pdf} ({pages} 版, {articles} articles{errors})")
        if out.sidecar:
            click.echo(f"wrote {out.sidecar}")
    for path in result.pngs:
        click.echo(f"wrote {path}")


@main.command()
@click.argument("issue", type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), default=Path("out"), show_default=True)
@click.option("--variant", "variants", multiple=True, type=click.Choice(["print", "proof", "archive"]),
              help="as for build; e.g. --variant proof for the editors' 校样")
@click.option("--interval", type=click.FloatRange(0.05, 60), default=0.5, show_default=True,
              help="seconds between looks at the files")
@click.option("--jobs", "jobs", type=click.IntRange(1, 64), default=1, show_default=True,
              help="render the changed pages in this many processes")
@reports_user_errors
def watch(issue: Path, output: Path, variants: tuple[str, ...], interval: float, jobs: int):
    """Build an issue, then again whenever its records, pictures or the page designs change
    (Ctrl-C stops). Start-up is paid once, and only the pages an edit touched are rendered again."""
    from typeset import watch as watching

    if not (issue / "issue.toml").is_file():
        raise UserError("not an issue folder (expected a folder with issue.toml)", where=str(issue))
    click.echo(f"watching {issue} (Ctrl-C stops)", err=True)
    watching.watch(issue, output, build_options={"variants": variants, "jobs": jobs}, interval=interval,
                   report=lambda line, error: click.echo(line, err=error))


@main.command("fonts")
@reports_user_errors
def fonts_():
    """List the font roles (and the fallback faces for 缺字) and the installed faces they resolve to."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    from typeset.system import fonts

    # rich pads by display width: a Han character takes two columns, so the columns line up
    table = Table("字体 role", "key", "family", "style", "file (face)", "package", "license", "use",
                  box=box.SQUARE, header_style="bold")
    for r in (*fonts.resolve_all().values(), *fonts.resolve_fallbacks().values()):
        where = f"{r.file} ({r.index})" if r.resolved else "[red]MISSING[/red]"
        table.add_row(r.name, r.role, r.family, r.style, where, r.package, r.license, r.use)
    console = Console()
    if not console.is_terminal:     # into a file or a pipe: one line a face, however long
        console.width = 1000
    console.print(table)
    fonts.check_all()


@main.command()
@click.argument("issue", type=click.Path(path_type=Path))
@click.option("--host", default="127.0.0.1", show_default=True,
              help="address to listen on (0.0.0.0: every network, e.g. for the newsroom)")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="0: any free port")
@click.option("--png-dpi", type=click.IntRange(20, 300), default=72, show_default=True,
              help="resolution of the page images")
@reports_user_errors
def serve(issue: Path, host: str, port: int, png_dpi: int):
    """The live page: a local web page of the issue's proof that updates whenever a record,
    picture or page design is saved; click an article for its record, findings and text."""
    from typeset import serve as serving

    gc.enable()     # a long-running server: collect cycles as usual (run() turned it off)
    serving.serve(issue, host=host, port=port, dpi=png_dpi)


@main.command()
@click.argument("issue", type=click.Path(path_type=Path))
@reports_user_errors
def export(issue: Path):
    """Print an issue folder's records as one JSON issue document ({"issue", "articles"}: what
    an editorial system reads; paiban import FILE.json -o FOLDER writes it back)."""
    from typeset.sources.issue_document import document_json, document_of, dumps
    from typeset.sources.issue_folder import load_issue

    click.echo(dumps(document_json(document_of(load_issue(issue, allow_missing_pictures=True)))), nl=False)


@main.command()
def schema():
    """Print the JSON Schema of the issue and article records ($defs Issue and Article)."""
    from typeset.model.schema import records_schema

    click.echo(json.dumps(records_schema(), ensure_ascii=False, indent=2))


@main.command()
@click.argument("target", type=click.Path(path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="the report as JSON")
def check(target: Path, as_json: bool):
    """Preflight (预飞) an issue folder or a PDF: glyphs, text completeness, fonts, fill."""
    sys.exit(_check(target, as_json))


@main.command()
@click.argument("dirs", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--output", type=click.Path(path_type=Path), default=Path("out"), show_default=True)
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None,
              help="issues built at once, each in its own process  [default: the number of CPUs]")
@click.option("--force", is_flag=True, help="rebuild the unchanged issues too")
@click.option("-q", "--quiet", is_flag=True, help="no progress bar")
@click.option("--source-date-epoch", type=int, envvar="SOURCE_DATE_EPOCH",
              help="the PDFs' date (seconds since 1970); default: each issue's date")
@click.option("--variant", "variants", multiple=True, type=click.Choice(["print", "proof", "archive"]),
              help="as for build (repeatable); each variant is skipped when its PDF is current")
@click.option("--dask", "dask_scheduler", metavar="ADDRESS",
              help="run the builds on a Dask distributed cluster (tcp://host:8786) instead of local "
                   "processes; the workers need the program, the fonts and the folders at the same paths")
@reports_user_errors
def batch(dirs: tuple[Path, ...], output: Path, jobs: int | None, force: bool, quiet: bool,
          source_date_epoch: int | None, variants: tuple[str, ...], dask_scheduler: str | None):
    """Build many issues (DIR: an issue folder or a folder of them) in parallel; issues unchanged
    since their last build (records, layout, fonts, program) are skipped. Exit 1 if any failed."""
    from typeset import batch as batch_

    sys.exit(batch_.main_cli(dirs, output, jobs, force, quiet, source_date_epoch, dask_scheduler, variants))


@main.command()
@click.option("--force", is_flag=True, help="build it again even when it is there")
@reports_user_errors
def profile(force: bool):
    """Build the newsprint CMYK profile the print variant uses (ArgyllCMS, from Debian's
    characterization data; once, into the cache folder). PAIBAN_CMYK_ICC names another."""
    from typeset.output import newsprint

    where, seconds = (newsprint.build_profile() if force or not newsprint.profile_path().is_file()
                      else (newsprint.profile_path(), 0.0))
    click.echo(f"newsprint profile: {where} ({f'built in {seconds:.1f} s' if seconds else 'cached'})")


def _check(path: Path, as_json: bool) -> int:
    """`paiban check ISSUE|PDF [--json]`: print the report; 1 if any error, else 0."""
    from typeset.model.findings import Finding, Report

    path = Path(path)
    if path.is_dir():
        from typeset.pipeline import check_issue

        report = check_issue(path)
    elif path.is_file() and path.suffix.lower() == ".pdf":
        from typeset.preflight import check_pdf_file

        report = check_pdf_file(path)
    else:
        report = Report([Finding("error", "input", f"{path}: not an issue folder or a PDF file",
                                 hint="give an issue folder (with issue.toml) or a .pdf")], source=str(path))
    click.echo(report.as_json() if as_json else report.text())
    return 1 if report.errors else 0


def _stop(signum, frame) -> None:
    """SIGTERM ends the command as Ctrl-C does: by an exception, so that every `with` block
    unwinds and the temporary files of a build are removed."""
    raise SystemExit(128 + signum)


def run() -> None:
    """The `paiban` program: run one command, then leave without tearing the interpreter down.

    One command a process, so no cyclic garbage collection while it imports and runs (the
    reasons are at build.gc_paused). Tearing down frees every object of the process one by one
    (a build holds WeasyPrint's and the fonts' hundreds of megabytes): measured, 0.2 s of a 2 s
    page build. The exit handlers still run (the advances cache is saved, logs flushed), then
    the process ends."""
    gc.disable()
    signal.signal(signal.SIGTERM, _stop)
    # Ctrl-C stops a command even when it was started from a shell that ignores SIGINT for its
    # background jobs (a script's `&`, a CI runner): the ignore is inherited, and a batch or a
    # watch that cannot be stopped cleanly would leave its workers and temporaries behind
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        main(prog_name="paiban")
        code = 0
    except SystemExit as e:
        code = e.code
    except KeyboardInterrupt:
        print("paiban: stopped (Ctrl-C)", file=sys.stderr)
        code = 130
    if isinstance(code, str):       # sys.exit("message"): print it, exit 1, as Python would
        print(code, file=sys.stderr)
        code = 1
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):    # a closed pipe (paiban fonts | head)
            pass
    os._exit(code if isinstance(code, int) else 0)

