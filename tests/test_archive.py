"""The archive as an archive reads it: PDF/A-3a, tagged, no interpolated image, and the
structure tree's text, article by article and paragraph by paragraph, equal to the records
(read with tests/structtext.py, not with the product's code)."""

from __future__ import annotations

import sys
from pathlib import Path

import pikepdf
import pytest
from conftest import ROOT
from structtext import marked_text, structure

from typeset import pipeline
from typeset.model import records

sys.path.insert(0, str(ROOT / "bench"))
import generate  # noqa: E402


@pytest.fixture(scope="module")
def archive(sample_issue, tmp_path_factory) -> tuple[Path, records.LoadedIssue]:
    out = tmp_path_factory.mktemp("archive")
    result = pipeline.build(sample_issue, out, variants=["archive"])
    assert not result.report.errors, result.report.text()
    return result.outputs[0].pdf, result.plan.issue


@pytest.fixture(scope="module")
def jumped(tmp_path_factory) -> tuple[Path, records.LoadedIssue]:
    """Two pages; the long article on page 1 continues on page 2 (上接/下转)."""
    folder = generate.write_issue(tmp_path_factory.mktemp("jump") / "jump", pages=2, articles=3,
                                  lengths=[7000, 3500, 2333], seed=11)
    toml = (folder / "issue.toml").read_text(encoding="utf-8")
    (folder / "issue.toml").write_text(toml.replace('articles = ["p2-01", "p2-02", "p2-03"]',
                                                    'articles = ["p2-03"]'), encoding="utf-8")
    result = pipeline.build(folder, tmp_path_factory.mktemp("jump-out"), variants=["archive"])
    assert not result.report.errors, result.report.text()
    assert any(m.continuation for m in result.plan.pages[1].modules)
    return result.outputs[0].pdf, result.plan.issue


def _strip(text: str) -> str:
    return "".join(text.split())


def expected_elements(article: records.Article) -> list[tuple[str, str]]:
    """(tag, text) of an article in the record's reading order."""
    rows = [("H2", article.kicker), ("H1", article.title), ("H2", article.subtitle)]
    rows += [("P", (article.dateline or "") + article.paragraphs[0])] + [("P", p) for p in article.paragraphs[1:]]
    rows.append(("P", article.byline))
    assert len(article.pictures) <= 1, "a 组图's tree is read in tests/test_groups.py"
    for picture in article.pictures:          # the caption is the Figure's Caption
        rows.append(("Figure", " ".join(t for t in (picture.caption, picture.credit) if t)))
    return [(tag, _strip(text)) for tag, text in rows if text is not None and (text or tag == "Figure")]


def _read(pdf: Path, issue: records.LoadedIssue):
    tree, used = structure(pdf)
    arts = tree.find("Art")
    return arts, used, list(issue.articles.values())


@pytest.mark.parametrize("which", ["archive", "jumped"])
def test_structure_text_equals_the_records(which, request):
    """One Art per article, in issue order; inside it H2/H1/H2, one P per paragraph (a paragraph
    over several columns, or over a jump to another page, included), Figure with the caption as
    Alt and as its Caption — each element's text equal to the record's field."""
    pdf, issue = request.getfixturevalue(which)
    arts, used, articles = _read(pdf, issue)
    assert len(arts) == len(articles)
    for art, article in zip(arts, articles):
        got = [(k.tag, _strip(k.all_text())) for k in art.kids]
        assert got == expected_elements(article), article.slug
        assert sum(k.tag == "P" for k in art.kids) == len(article.paragraphs) + bool(article.byline)
        for figure, picture in zip(art.find("Figure"), article.pictures):
            assert figure.attrs["/Alt"] == picture.caption
            assert [k.tag for k in figure.kids] == ["Caption"] and not figure.kids[0].kids
    assert len(used) == len(set(used))                     # no marked content in two elements


def test_a_paragraph_runs_over_columns_and_pages_as_one_p(jumped):
    """The check above is not vacuous: some P draws lines in several columns, one on two pages."""
    pdf, issue = jumped
    with pikepdf.open(pdf) as doc:
        pages_of_p = []
        for element in _elements(doc.Root.StructTreeRoot):
            if element.S == "/P":
                pages_of_p.append({k.Pg.objgen for k in element.K if isinstance(k, pikepdf.Dictionary)})
    assert any(len(p) == 2 for p in pages_of_p)


def _elements(root):
    for kid in root.K:
        if isinstance(kid, pikepdf.Dictionary) and "/S" in kid:
            yield kid
            yield from _elements(kid)


def test_furniture_is_an_artifact_and_every_text_is_somewhere(archive):
    """报眉, folio and credits are artifacts, not in the tree; every piece of marked content
    with an MCID belongs to exactly one element."""
    pdf, issue = archive
    pages, artifacts = marked_text(pdf)
    tree, used = structure(pdf)
    assert set(used) == {(i, mcid) for i, page in enumerate(pages) for mcid in page}
    in_tree = _strip(tree.all_text())
    assert "魅力鄄城" in artifacts[0] and "第5版" in artifacts[0] and "责任编辑" in artifacts[0]
    assert "第5版" not in in_tree and "责任编辑" not in in_tree


def test_archive_declares_pdfa3a_tagged_lang_and_has_no_interpolation(archive):
    pdf_path, _ = archive
    with pikepdf.open(pdf_path) as pdf:
        meta = pdf.open_metadata()
        assert (meta["pdfaid:part"], meta["pdfaid:conformance"]) == ("3", "A")
        assert pdf.Root.MarkInfo.Marked is True and str(pdf.Root.Lang) == "zh-CN"
        images = [o for o in pdf.objects if isinstance(o, pikepdf.Stream) and o.get("/Subtype") == "/Image"]
        assert len(images) >= 4
        assert not [i for i in images if i.get("/Interpolate") is True]


# --- paiban check: each archive rule fails a copy of the good archive broken in one place ------

def _first_image(pdf):
    return next(x for x in pdf.pages[0].Resources.XObject.values() if x.Subtype == "/Image")


def _first_font(pdf):
    return next(iter(pdf.pages[0].Resources.Font.values()))


def _drop_font_file(pdf):
    font = _first_font(pdf)
    descriptor = font.DescendantFonts[0].FontDescriptor if "/DescendantFonts" in font else font.FontDescriptor
    for key in ("/FontFile", "/FontFile2", "/FontFile3"):
        if key in descriptor:
            del descriptor[key]


def _one_art_less(pdf):
    art = next(e for e in _elements(pdf.Root.StructTreeRoot) if e.S == "/Art")
    art.S = pikepdf.Name.Sect


def _unlisted_attachment(pdf):
    pdf.Root.AF = pikepdf.Array(list(pdf.Root.AF)[1:])


BREAKS = {
    "Interpolate": lambda pdf: _first_image(pdf).__setitem__("/Interpolate", True),
    "MarkInfo": lambda pdf: pdf.Root.__delitem__("/MarkInfo"),
    "StructTreeRoot": lambda pdf: pdf.Root.__delitem__("/StructTreeRoot"),
    "Art elements for": _one_art_less,
    "/Lang": lambda pdf: pdf.Root.__delitem__("/Lang"),
    "not embedded": _drop_font_file,
    "ToUnicode": lambda pdf: _first_font(pdf).__delitem__("/ToUnicode"),
    "dc:title": lambda pdf: pdf.docinfo.__setitem__("/Title", pikepdf.String("另一个标题")),
    "no AFRelationship": lambda pdf: next(iter(pdf.attachments.values())).obj.__delitem__("/AFRelationship"),
    "catalog's /AF": _unlisted_attachment,
}


def test_the_good_archive_passes_every_archive_rule(archive):
    from typeset.preflight import pdfa_rules as archivecheck

    assert archivecheck.check(archive[0]) == []


@pytest.mark.parametrize("expected", list(BREAKS))
def test_each_archive_rule_finds_its_break_once(expected, archive, tmp_path):
    from typeset.preflight import pdfa_rules as archivecheck

    bad = tmp_path / "bad.pdf"
    with pikepdf.open(archive[0]) as pdf:
        BREAKS[expected](pdf)
        pdf.save(bad)
    findings = archivecheck.check(bad)
    assert len(findings) == 1 and expected in findings[0].message, [f.message for f in findings]


def test_paiban_check_fails_an_archive_with_interpolation_put_back(archive, tmp_path):
    from conftest import paiban

    bad = tmp_path / "interpolated.pdf"
    with pikepdf.open(archive[0]) as pdf:
        BREAKS["Interpolate"](pdf)
        pdf.save(bad)
    result = paiban("check", str(bad))
    assert result.returncode == 1
    assert "FAILED: 1 error(s)" in result.stdout and "has /Interpolate true" in result.stdout
    assert paiban("check", str(archive[0])).returncode == 0


# --- dates --------------------------------------------------------------------------------------

def test_attachment_dates_are_utc_of_the_issue_midnight_in_beijing(archive, monkeypatch):
    """No SOURCE_DATE_EPOCH: the issue date (2023-08-04) at 00:00 Beijing is 16:00 UTC the day before."""
    pdf_path, issue = archive
    with pikepdf.open(pdf_path) as pdf:
        dates = {(str(s.obj.EF.F.Params.CreationDate), str(s.obj.EF.F.Params.ModDate))
                 for s in pdf.attachments.values()}
    assert issue.issue.date.isoformat() == "2023-08-04"
    assert dates == {("D:20230803160000Z", "D:20230803160000Z")}


def test_proof_prints_beijing_time_and_is_reproducible(sample_issue, tmp_path, monkeypatch):
    import subprocess

    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1691107200")          # 2023-08-04 00:00 UTC
    pdfs = [pipeline.build(sample_issue, tmp_path / name, variants=["proof"]).outputs[0].pdf for name in "ab"]
    assert pdfs[0].read_bytes() == pdfs[1].read_bytes()
    text = subprocess.run(["pdftotext", str(pdfs[0]), "-"], capture_output=True, text=True, check=True).stdout
    assert "2023-08-04 08:00 北京时间" in text
    with pikepdf.open(pdfs[0]) as pdf:
        (spec,) = pdf.attachments.values()
        assert str(spec.obj.EF.F.Params.CreationDate) == "D:20230804000000Z"


def test_the_archive_check_of_a_build_fails_a_spoilt_archive(sample_issue, tmp_path):
    """check_archive_pdf, run on every archive a build writes, on hand-spoilt copies: claimed
    conformance U, records not attached, a bookmark missing."""
    from typeset import preflight

    result = pipeline.build(sample_issue, tmp_path / "good", variants=["archive"])
    good, issue_plan = result.outputs[0].pdf, result.plan
    assert not [f for f in preflight.check_archive_pdf(good, issue_plan) if f.severity == "error"]

    def spoilt(name, change):
        target = tmp_path / f"{name}.pdf"
        with pikepdf.open(good) as pdf:
            change(pdf)
            pdf.save(target)
        return [f.message for f in preflight.check_archive_pdf(target, issue_plan) if f.severity == "error"]

    def conformance_u(pdf):
        with pdf.open_metadata(set_pikepdf_as_editor=False) as meta:
            meta["pdfaid:conformance"] = "U"

    def no_records(pdf):
        del pdf.attachments[next(n for n in pdf.attachments if n.endswith(".records.zip"))]

    def one_bookmark_less(pdf):
        with pdf.open_outline() as outline:
            outline.root.pop()

    assert any("3/A" in m for m in spoilt("u", conformance_u))
    assert any("records are not attached" in m for m in spoilt("norecords", no_records))
    assert any("bookmarks" in m for m in spoilt("bookmarks", one_bookmark_less))
