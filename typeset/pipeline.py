"""The one build: load → check the records → plan → for each variant: render → finish →
preflight → write; the plain PDF is a variant like print, proof and archive.

Every variant's PDF is rendered to a temporary file beside its target and renamed into place
only when its preflight passes (the proof excepted: showing the findings is its job), so a
failed build leaves no partial file. These functions are the Python API behind `paiban build`
and `paiban check`.
"""

from __future__ import annotations

import gc
import hashlib
import io
import json
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from typeset import by_page, output, preflight, render
from typeset.model.errors import UserError
from typeset.model.findings import Finding, PreflightFailed, Report
from typeset.plan import IssuePlan, plan_issue
from typeset.plan.pictures import PlacedPicture, placed_pictures
from typeset.sources.issue_folder import load_issue
from typeset.system import fonts
from typeset.system.cache import cache_dir
from typeset.system.clock import BEIJING, attachment_time, beijing_time
from typeset.system.files import all_or_nothing, atomic_target, staged, writes_into

PLAIN = "plain"
VARIANTS = ("print", "proof", "archive")
PRINT_PDF_VARIANT = "pdf/x-4"
# PDF/A-3a: part 3 because the archive carries the issue's source records as attachments, which
# PDF/A-2 forbids (it allows only PDF/A files as attachments); level A because the archive is
# read as text (full-text search, re-indexing, screen readers) in reading order: A demands a
# Unicode mapping for every glyph (WeasyPrint writes a ToUnicode map for every font) and a
# structure tree, which says the order of a page of many columns (typeset.output.tags).
# (PDF/A-1 is out: it rejects the CJK OpenType fonts.)
ARCHIVE_PDF_VARIANT = "pdf/a-3a"
# PDF/A forbids /Interpolate true (ISO 19005-3, 6.2.8), which WeasyPrint writes for `auto`
ARCHIVE_CSS = ":root.archive img { image-rendering: crisp-edges }"
DEFAULT_PNG_DPI = 100


@dataclass
class VariantOutput:
    variant: str
    pdf: Path
    report: Report
    seconds: float = 0.0
    pngs: list[Path] = field(default_factory=list)
    sidecar: Path | None = None


@dataclass
class BuildResult:
    pdf: Path
    plan: IssuePlan
    report: Report
    outputs: list[VariantOutput] = field(default_factory=list)

    @property
    def pngs(self) -> list[Path]:
        return [p for o in self.outputs for p in o.pngs]


@dataclass
class _Build:
    """What every variant of one build shares."""

    plan: IssuePlan
    out_dir: Path
    record_findings: list[Finding]
    placed: list[PlacedPicture]
    epoch: int | None
    write_html: bool
    png_dpi: int | None
    diff: Path | None
    previous: dict | None        # the articles of the build `diff` names
    jobs: int = 1
    page_cache: render.PageCache | None = None
    early: by_page.Early | None = None       # the plain PDF's pages, rendered while the issue was planned

    @property
    def per_page(self) -> bool:
        """Render a page at a time (plain and print)."""
        return self.jobs > 1 or self.page_cache is not None

    def target(self, variant: str) -> Path:
        name = self.plan.issue.name
        return self.out_dir / (f"{name}.pdf" if variant == PLAIN else f"{name}.{variant}.pdf")

    def report(self) -> Report:
        return Report(list(self.record_findings), source=str(self.plan.issue.folder))


@contextmanager
def gc_paused():
    """The cyclic garbage collector off for one build, back on after it.

    A build allocates millions of objects, few of them in cycles, and each full collection
    walks every object alive (WeasyPrint's modules included): measured, collection took 7 % of
    a one-page build and 13 % of a 16-page one, and turning it off grew the peak memory by
    under 3 %. What the build leaves in cycles is collected as usual afterwards."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def build(issue_folder: Path | str, out_dir: Path | str, *, write_html: bool = False,
          source_date_epoch: int | None = None, variants: list[str] | tuple[str, ...] = (),
          png_dpi: int | None = None, diff: Path | None = None, jobs: int = 1,
          page_cache: render.PageCache | None = None) -> BuildResult:
    """Build an issue folder into `out_dir/<issue>.pdf`, or with `variants` (print, proof,
    archive) each into `out_dir/<issue>.<variant>.pdf`, in the order given; all of them or, on
    any error or signal, none (nor a temporary file); a refused write is one UserError. `png_dpi`
    adds a PNG preview of every page, `diff` (a previous proof, articles.json or records folder)
    highlights changed articles in the proof.

    The plain and print PDFs are rendered a page at a time when `jobs` > 1 (in that many
    processes) or a `page_cache` is given (a page whose HTML is in it is not rendered again);
    else, and for the proof and archive, the issue is rendered whole (the bytes of before)."""
    if jobs < 1:
        raise UserError(f"--jobs {jobs}: give 1 or more processes")
    with gc_paused(), writes_into(Path(out_dir)), all_or_nothing():      # every variant's outputs, or none
        return _build(Path(issue_folder), Path(out_dir), write_html, source_date_epoch, variants, png_dpi, diff,
                      jobs, page_cache)


def _build(issue_folder: Path, out_dir: Path, write_html: bool, epoch: int | None,
           variants: list[str] | tuple[str, ...], png_dpi: int | None, diff: Path | None, jobs: int,
           page_cache: render.PageCache | None) -> BuildResult:
    fonts.check_all()
    unknown = [v for v in variants if v not in VARIANTS]
    if unknown:
        raise UserError(f"unknown variant '{unknown[0]}' (variants: {', '.join(VARIANTS)})")
    names = list(dict.fromkeys(variants)) or [PLAIN]
    strict = [v for v in names if v != "proof"]
    profile = output.find_cmyk_profile() if "print" in names else None
    issue = load_issue(issue_folder, allow_missing_pictures=not strict)
    record_findings = preflight.check_records(issue)
    if strict and any(f.severity == "error" for f in record_findings):
        raise PreflightFailed(Report(list(record_findings), source=str(issue_folder)))
    if page_cache is not None:
        page_cache.html.next_build()
    # a fresh --jobs build of the plain PDF renders each page while the next one is planned
    early = by_page.Early(jobs, _plain_options(epoch)) if jobs > 1 and page_cache is None and names == [PLAIN] else None
    try:
        issue_plan = plan_issue(issue, overset_ok=not strict, memo=page_cache.plans if page_cache else None,
                                salt=page_cache.salt if page_cache else "", on_page=early.planned if early else None)
        previous = output.load_previous(diff) if diff is not None else None
        shared = _Build(issue_plan, out_dir, record_findings, placed_pictures(issue_plan), epoch, write_html,
                        png_dpi, diff, previous, jobs, page_cache, early)
        outputs = []
        for variant in names:
            start = time.perf_counter()
            if variant == "proof":
                result = _proof(shared)
            else:
                result = _strict(shared, variant, profile)
            result.seconds = time.perf_counter() - start
            result.report.timings[variant] = result.seconds
            outputs.append(result)
    finally:
        if early is not None:       # a build that failed before it took the pages: its workers stopped now
            early.stop()
    merged = Report(source=str(issue_folder))
    for o in outputs:
        merged.findings += [f for f in o.report.findings if f not in merged.findings]
        merged.timings.update(o.report.timings)
    return BuildResult(pdf=outputs[0].pdf, plan=issue_plan, report=merged, outputs=outputs)


def _plain_options(epoch: int | None) -> dict:
    """The plain PDF's HTML options."""
    return {"epoch": epoch}


def _picture_src(placed: list[PlacedPicture], converted: dict | None = None):
    by_module = {(id(p.module), p.index): p for p in placed}

    def src(module, index: int) -> str | None:
        p = by_module.get((id(module), index))
        if p is None or not p.exists:
            return None
        if converted is not None:
            return converted[id(module), index].resolve().as_uri()
        return p.path.resolve().as_uri()
    return src


def _write_html(target: Path, html: str) -> None:
    with atomic_target(target) as tmp:
        tmp.write_text(html, encoding="utf-8")


def _strict(b: _Build, variant: str, profile: Path | None) -> VariantOutput:
    """plain, print or archive: any preflight error fails the build and leaves no file."""
    issue_plan, target, report = b.plan, b.target(variant), b.report()
    name = issue_plan.issue.name
    for p in b.placed:
        if not p.exists:
            raise UserError(f"field 'pictures.0.file': picture file {p.file} does not exist",
                            where=str(issue_plan.issue.record_file(p.module.record.slug)))
    options: dict = {}
    side = None
    identity = None
    # a picture under the resolution print needs: a warning in every variant, an error in print
    report.findings += preflight.picture_findings(b.placed, "error" if variant == "print" else "warning")
    if variant == PLAIN:
        html_options: dict = _plain_options(b.epoch)
    elif variant == "print":
        if report.errors:
            raise PreflightFailed(report)
        description, keywords = output.describe(issue_plan)
        # one cache for every output folder; its place is left out of the document's identity
        cache = cache_dir() / "print-pictures"
        limits = {p.page.number: p.layout.print.ink_limit for p in issue_plan.pages}
        converted = {(id(p.module), p.index): output.cmyk_picture(p, profile, cache, limits[p.page]) for p in b.placed}
        identity = (cache_dir().resolve().as_uri(), "paiban-cache:")
        css = (f"@color-profile device-cmyk {{ src: url({profile.resolve().as_uri()}); components: c, m, y, k }}",)
        html_options = dict(epoch=b.epoch, variant="print", extra_css=css, bleed_mm=output.BLEED_MM + output.SLUG_MM,
                            picture_src=_picture_src(b.placed, converted), description=description,
                            keywords=keywords, slug=output.slug_time(issue_plan, b.epoch))
        options["pdf_variant"] = PRINT_PDF_VARIANT
    else:
        description, keywords = output.describe(issue_plan)
        html_options = dict(epoch=b.epoch, variant="archive", picture_src=_picture_src(b.placed),
                            description=description, keywords=keywords, extra_css=(ARCHIVE_CSS,))
        options["pdf_variant"] = ARCHIVE_PDF_VARIANT
        side = output.sidecar(issue_plan, pdf_name=target.name, variant="archive", dpi=b.png_dpi or DEFAULT_PNG_DPI,
                              version=output.records_version(issue_plan.issue), png_written=b.png_dpi is not None)
        options["attachments"] = _archive_attachments(issue_plan, side, b.epoch)
    per_page = b.per_page and variant != "archive"      # the archive's tags are rebuilt whole
    html = render.render_html(issue_plan, **html_options) if b.write_html or not per_page else None
    if b.write_html:
        _write_html(target.with_suffix(".html"), html)
    result = VariantOutput(variant, target, report)
    pdf_pages = None        # what preflight read of each page, when it is what the issue PDF holds
    with atomic_target(target) as tmp:
        if per_page:
            # the plain PDF's pages are read and checked where they are rendered; the print PDF's
            # are rewritten after (finish_print), and read from it
            identifier, pages = by_page.render_by_page(b.plan, b.placed, b.jobs, b.page_cache, html_options, options,
                                                       identity, report, tmp, read=variant == PLAIN,
                                                       early=b.early if variant == PLAIN else None)
            if variant == PLAIN:
                pdf_pages = by_page.pages_read(b.plan, pages)
        else:
            # the document's identity: its HTML, with where the cache folder (print pictures, the
            # built profile) is left out, so a print PDF is the same bytes in any output folder
            identity_html = html.replace(*identity) if identity else html
            identifier = hashlib.sha256(identity_html.encode()).hexdigest()
            report.findings += render.write_pdf(issue_plan, html, tmp, identity=identity_html, **options)
        if variant == "print":
            output.finish_print(tmp, identifier, output.intent_fields(profile, max(limits.values())))
            report.findings += preflight.check_print_pdf(tmp)
        elif variant == "archive":
            output.finish_archive(tmp, issue_plan, identifier)
            report.findings += preflight.check_archive_pdf(tmp, issue_plan)
        report.findings += preflight.check_pdf(tmp, issue_plan, pdf_pages=pdf_pages)
        if report.errors:
            raise PreflightFailed(report)
    if variant == "print":
        by_page.write_page_pdfs(issue_plan, target)
    if side is not None:
        result.sidecar = target.parent / f"{name}.articles.json"
        with atomic_target(result.sidecar) as tmp:
            tmp.write_bytes(_json_bytes(side))
    if b.png_dpi:
        result.pngs = output.write_pngs(staged(target), issue_plan, target.parent, "" if variant == PLAIN else variant,
                                        b.png_dpi)
    return result


def _json_bytes(side: dict) -> bytes:
    return (json.dumps(side, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def _archive_attachments(issue_plan: IssuePlan, side: dict, epoch: int | None) -> list:
    """The issue's records (zip) and the digital-edition index, dated as the PDF is."""
    import weasyprint

    name = issue_plan.issue.name
    when = attachment_time(issue_plan.issue.issue.date, epoch)
    return [
        weasyprint.Attachment(file_obj=io.BytesIO(output.records_zip(issue_plan.issue, when.astimezone(BEIJING))),
                              name=f"{name}.records.zip", description="the issue's source records (issue.toml, "
                              "articles, pictures): unzip and run paiban build to rebuild",
                              created=when, modified=when, relationship="Source"),
        weasyprint.Attachment(file_obj=io.BytesIO(_json_bytes(side)), name=f"{name}.articles.json",
                              description="digital-edition index: every article's fields and regions",
                              created=when, modified=when, relationship="Data")]


def _proof(b: _Build) -> VariantOutput:
    """The proof: a clean render checked by preflight, then the marked render written."""
    import weasyprint

    issue_plan, target = b.plan, b.target("proof")
    name, overset = issue_plan.issue.name, issue_plan.overset
    src = _picture_src(b.placed)
    description, keywords = output.describe(issue_plan)
    clean = render.render_html(issue_plan, epoch=b.epoch, variant="proof", picture_src=src)
    report = _proof_report(b, lambda check: render.write_pdf(issue_plan, clean, check))
    changes = output.compare(issue_plan, b.previous) if b.previous is not None else []
    version = output.records_version(issue_plan.issue)
    dress = output.ProofDress(issue_plan, report.findings, version=version, built=beijing_time(b.epoch), changes=changes,
                              diff_source=Path(b.diff).name if b.diff else None, overset=overset)
    html = render.render_html(issue_plan, epoch=b.epoch, variant="proof", picture_src=src, proof=dress,
                              description=description, keywords=keywords)
    html = output.mark_tofu(html, output.tofu_characters(report.findings))
    if b.write_html:
        _write_html(target.with_suffix(".html"), html)
    side = output.sidecar(issue_plan, pdf_name=target.name, variant="proof", dpi=b.png_dpi or DEFAULT_PNG_DPI,
                          version=version, png_written=b.png_dpi is not None)
    attachment = weasyprint.Attachment(
        file_obj=io.BytesIO(json.dumps(side, ensure_ascii=False).encode("utf-8")), name=f"{name}.articles.json",
        description="the articles of this proof (for paiban build --diff)", relationship="Data",
        created=attachment_time(issue_plan.issue.issue.date, b.epoch),
        modified=attachment_time(issue_plan.issue.issue.date, b.epoch))
    with atomic_target(target) as tmp:
        render.write_pdf(issue_plan, html, tmp, attachments=[attachment])
    result = VariantOutput("proof", target, report)
    if b.png_dpi:
        result.pngs = output.write_pngs(staged(target), issue_plan, target.parent, "proof", b.png_dpi)
    return result


def _proof_report(b: _Build, render_clean: Callable[[Path], list[Finding]], pdf_pages: list | None = None) -> Report:
    """The proof's findings: the records', the pictures', overset, and preflight of the clean
    render that `render_clean` writes to the path it is given (and returns the findings of);
    `pdf_pages`: its pages as preflight reads them, when already read."""
    issue_plan, report, overset = b.plan, b.report(), b.plan.overset
    report.findings += preflight.picture_findings(b.placed, "warning") + preflight.overset_findings(issue_plan, overset)

    def not_overset_text(findings: list[Finding]) -> list[Finding]:
        # the plan-level text finding of an overset article says the same as its overset finding
        return [f for f in findings if not (f.check == "text" and f.page is None and f.article in overset)]
    report.findings = not_overset_text(report.findings)
    with tempfile.TemporaryDirectory(prefix="paiban-proof-") as tmpdir:
        check = Path(tmpdir) / "clean.pdf"
        report.findings += render_clean(check)
        report.findings += not_overset_text(preflight.check_pdf(check, issue_plan, pdf_pages=pdf_pages))
    return report


def check_issue(folder: Path | str) -> Report:
    """Build the issue into a temporary folder and return the preflight report; errors that
    stop a build (records, fonts, overset) become findings."""
    with tempfile.TemporaryDirectory(prefix="paiban-check-") as tmp:
        try:
            return build(folder, tmp).report
        except PreflightFailed as failed:
            return failed.report
        except UserError as e:
            check = "overset" if "溢出" in str(e) else "records"
            return Report([Finding("error", check, str(e), hint="fix the record and run again")],
                          source=str(folder))


@dataclass
class LiveBuild:
    """One build of the live page (paiban serve): the plan, the proof's findings and every
    page's clean PDF (the same object as the last build's while the page is unchanged)."""

    plan: IssuePlan
    report: Report
    pages: list[render.RenderedPage]


def build_live(issue_folder: Path | str, page_cache: render.PageCache) -> LiveBuild:
    """What the live page shows, in one render: the proof's clean pages set a page at a time
    through `page_cache` (only a page whose HTML changed is set again) and checked by preflight
    as the proof's are. The proof's marks are not rendered: the browser draws them from the
    findings. `paiban build --variant proof` is untouched by this."""
    issue_folder = Path(issue_folder)
    with gc_paused():
        fonts.check_all()
        issue = load_issue(issue_folder, allow_missing_pictures=True)
        record_findings = preflight.check_records(issue)
        page_cache.html.next_build()
        plan = plan_issue(issue, overset_ok=True, memo=page_cache.plans, salt=page_cache.salt)
        placed = placed_pictures(plan)
        b = _Build(plan, issue_folder, record_findings, placed, None, False, None, None, None, page_cache=page_cache)
        html_options = dict(variant="proof", picture_src=_picture_src(placed))
        pages = render.render_pages(by_page.page_jobs(plan, placed, html_options, {}, memo=page_cache.html), 1,
                                    page_cache, by_page.page_check(plan))
        pdf_pages = by_page.pages_read(plan, pages)

        def assemble(check: Path) -> list[Finding]:
            render.assemble(pages, check)
            return render.page_findings(pages)
        return LiveBuild(plan, _proof_report(b, assemble, pdf_pages), pages)
