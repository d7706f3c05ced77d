"""Output variants: each PDF is opened (pikepdf, pdfplumber, poppler) and its structure checked —
print (PDF/X-4, CMYK, bleed, marks), proof (watermark, marks, report page, diff) and archive
(PDF/A-3u, bookmarks, attachments, text per article region, the digital-edition sidecar)."""

from __future__ import annotations

import io
import json
import subprocess
import zipfile
from collections import Counter
from pathlib import Path

import pdfplumber
import pikepdf
import pytest
from conftest import article, paiban, write_issue

from typeset import output, pipeline, preflight
from typeset.model.errors import UserError
from typeset.model.layout import MM
from typeset.output import newsprint


@pytest.fixture(scope="module")
def issue(sample_issue) -> Path:
    """The sample issue: its generated pictures are over 200 ppi at their placed size."""
    return sample_issue


@pytest.fixture(scope="module")
def built(issue, tmp_path_factory):
    out = tmp_path_factory.mktemp("variants")
    result = pipeline.build(issue, out, variants=["print", "proof", "archive"], png_dpi=40)
    return result, {o.variant: o for o in result.outputs}


def _words(pdf: Path, page: int = 1) -> list[tuple[float, float, float, float, str]]:
    """pdftotext's words with their boxes (points, from the top-left), in its reading order."""
    import re

    xml = subprocess.run(["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"],
                         capture_output=True, text=True, check=True).stdout
    return [(float(a), float(b), float(c), float(d), t) for a, b, c, d, t in
            re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', xml)]


def _strip(text: str) -> str:
    return "".join(text.split())


# --- every variant ----------------------------------------------------------------------------

def test_variant_files_and_qpdf(built, issue):
    result, by = built
    for variant, o in by.items():
        assert o.pdf.name == f"{issue.name}.{variant}.pdf"
        check = subprocess.run(["qpdf", "--check", str(o.pdf)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout + check.stderr
        assert "No syntax or stream encoding errors" in check.stdout
    assert not result.report.errors, result.report.text()


def test_png_previews(built, issue):
    from PIL import Image

    _, by = built
    for variant, o in by.items():
        assert [p.name for p in o.pngs] == [f"{issue.name}.{variant}.p5.png"]
        with Image.open(o.pngs[0]) as image:
            assert image.size[0] > 500
    side = json.loads(by["archive"].sidecar.read_text(encoding="utf-8"))
    with Image.open(by["archive"].pngs[0]) as image:
        assert abs(image.size[0] - side["pages"][0]["png_size"][0]) <= 1
        assert abs(image.size[1] - side["pages"][0]["png_size"][1]) <= 1


# --- print ------------------------------------------------------------------------------------

def test_print_output_intent_and_xmp(built):
    _, by = built
    with pikepdf.open(by["print"].pdf) as pdf:
        intents = pdf.Root.OutputIntents
        assert len(intents) == 1 and intents[0].S == pikepdf.Name("/GTS_PDFX")
        profile = intents[0].DestOutputProfile
        assert int(profile.N) == 4 and profile.read_bytes()[16:20] == b"CMYK"
        meta = pdf.open_metadata()
        assert meta["pdfxid:GTS_PDFXVersion"] == "PDF/X-4"
        assert pdf.pdf_version >= "1.6"


def test_print_boxes_bleed_and_slug(built):
    _, by = built
    with pikepdf.open(by["print"].pdf) as pdf:
        page = pdf.pages[0].obj
        trim, bleed, media = ([float(v) for v in page[k]] for k in ("/TrimBox", "/BleedBox", "/MediaBox"))
    assert trim[2] - trim[0] == pytest.approx(390 * MM, abs=0.01)
    assert trim[3] - trim[1] == pytest.approx(546 * MM, abs=0.01)
    for t, b, sign in zip(trim, bleed, (-1, -1, 1, 1)):
        assert (b - t) * sign == pytest.approx(3 * MM, abs=0.01)
    for m, b, sign in zip(media, bleed, (-1, -1, 1, 1)):
        assert (m - b) * sign == pytest.approx(10 * MM, abs=0.01)     # the slug for the marks


def _all_streams(pdf):
    """(owner, resources) of every page and form XObject."""
    seen = set()

    def forms(resources):
        for xobject in (resources.get("/XObject") or {}).values() if resources is not None else ():
            if xobject.objgen not in seen and xobject.get("/Subtype") == "/Form":
                seen.add(xobject.objgen)
                yield xobject, xobject.get("/Resources", resources)
                yield from forms(xobject.get("/Resources"))

    for page in pdf.pages:
        yield page, page.obj.Resources
        yield from forms(page.obj.Resources)


def test_print_has_no_rgb(built):
    _, by = built
    with pikepdf.open(by["print"].pdf) as pdf:
        operators = Counter()
        for owner, resources in _all_streams(pdf):
            for operands, operator in pikepdf.parse_content_stream(owner):
                operators[str(operator)] += 1
                if str(operator) in ("cs", "CS"):
                    space = resources.ColorSpace.get(str(operands[0])) if "/ColorSpace" in resources else None
                    assert str(operands[0]) != "/DeviceRGB"
                    assert space is None or not preflight.pdfx._space_is_rgb(space)
            for name, xobject in (resources.get("/XObject") or {}).items():
                if xobject.get("/Subtype") == "/Image":
                    assert xobject.ColorSpace == pikepdf.Name("/DeviceCMYK"), name
                group = xobject.get("/Group")
                if group is not None:
                    assert not preflight.pdfx._space_is_rgb(group.get("/CS", pikepdf.Name("/DeviceCMYK")))
        assert operators["rg"] == operators["RG"] == operators["g"] == 0
        assert operators["k"] > 0
        assert preflight.pdfx.rgb_uses(pdf) == []
    listing = subprocess.run(["pdfimages", "-list", str(by["print"].pdf)], capture_output=True, text=True,
                             check=True).stdout.splitlines()[2:]
    assert len(listing) == 4
    for row in listing:
        cols = row.split()
        assert cols[5] == "cmyk" and int(cols[12]) >= 200 and int(cols[13]) >= 200, row


def test_print_body_text_is_k_only(built):
    result, by = built
    with pikepdf.open(by["print"].pdf) as pdf:
        k_ops = [tuple(float(v) for v in ops) for ops, op in pikepdf.parse_content_stream(pdf.pages[0])
                 if str(op) == "k"]
        assert (0.0, 0.0, 0.0, 1.0) in k_ops
        fills = preflight.pdfx.text_fills(pdf.pages[0])
    # every text run is 100 % K, except the 报眉 section name in the design's CMYK red and, in the
    # slug, the job line's plate letters C, M, Y each in its own ink
    assert fills[("/DeviceCMYK", (0.0, 0.0, 0.0, 1.0))] > 100
    plates = {("/DeviceCMYK", (1.0, 0.0, 0.0, 0.0)), ("/DeviceCMYK", (0.0, 1.0, 0.0, 0.0)),
              ("/DeviceCMYK", (0.0, 0.0, 1.0, 0.0))}
    assert set(fills) <= {("/DeviceCMYK", (0.0, 0.0, 0.0, 1.0)), ("/DeviceCMYK", (0.13, 1.0, 1.0, 0.07))} | plates
    layout = result.plan.pages[0].layout
    with pdfplumber.open(by["print"].pdf) as pdf:
        page = pdf.pages[0]
        ox = float(page.page_obj.attrs["TrimBox"][0]) - float(page.mediabox[0])
        oy = float(page.mediabox[3]) - float(page.page_obj.attrs["TrimBox"][3])
        body = [c for c in page.chars if any(
            m.rect.x <= (c["x0"] + c["x1"]) / 2 - ox - layout.area_left <= m.rect.x + m.rect.w
            and m.rect.y <= (c["top"] + c["bottom"]) / 2 - oy - layout.area_top <= m.rect.y + m.rect.h
            for m in result.plan.pages[0].modules)]
    assert len(body) > 2000
    assert {tuple(c["non_stroking_color"]) for c in body} == {(0, 0, 0, 1)}


def test_print_marks_in_registration_colour(built):
    _, by = built
    with pikepdf.open(by["print"].pdf) as pdf:
        page = pdf.pages[0]
        space = page.obj.Resources.ColorSpace.PbRegistration
        assert space[0] == pikepdf.Name("/Separation") and space[1] == pikepdf.Name("/All")
        ops = [(str(op), [str(o) for o in operands]) for operands, op in pikepdf.parse_content_stream(page)]
    i = ops.index(("CS", ["/PbRegistration"]))
    assert ops[i + 1] == ("SCN", ["1"])
    strokes = sum(op == "S" for op, _ in ops[i:])
    assert strokes >= 8 + 12       # 8 crop-mark lines, 4 targets (2 circles + a cross each)


def test_print_fonts_embedded_and_subset(built):
    _, by = built
    rows = subprocess.run(["pdffonts", str(by["print"].pdf)], capture_output=True, text=True,
                          check=True).stdout.splitlines()[2:]
    assert rows
    for row in rows:
        name, *_, emb, sub, uni, _obj, _gen = row.split()
        assert "+" in name and (emb, sub, uni) == ("yes", "yes", "yes"), row


def test_print_rejects_a_low_resolution_picture_and_proof_warns(tmp_path):
    from PIL import Image

    folder = write_issue(tmp_path / "lowres", {"a": article("低分辨率图片", "正文内容。" * 60, pictures=[
        {"file": "small.jpg", "caption": "图片说明。"}])}, layout="sikai")
    Image.new("RGB", (240, 160), (120, 60, 30)).save(folder / "small.jpg")
    with pytest.raises(pipeline.PreflightFailed, match="ppi"):
        pipeline.build(folder, tmp_path / "out", variants=["print"])
    assert not (tmp_path / "out" / "lowres.print.pdf").exists()
    result = pipeline.build(folder, tmp_path / "out", variants=["proof"])
    assert [f.check for f in result.report.warnings if "ppi" in f.message] == ["picture"]
    text = subprocess.run(["pdftotext", str(result.pdf), "-"], capture_output=True, text=True).stdout
    assert "ppi" in text


def test_no_cmyk_profile_is_a_clear_error(monkeypatch, tmp_path):
    monkeypatch.delenv(output.CMYK_ENV, raising=False)
    monkeypatch.setenv("PAIBAN_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(newsprint, "CHARACTERIZATION", tmp_path / "none.ti3")
    with pytest.raises(UserError, match="no newsprint CMYK profile"):
        output.find_cmyk_profile()
    monkeypatch.setenv(output.CMYK_ENV, str(tmp_path / "none.icc"))
    with pytest.raises(UserError, match="not a CMYK ICC profile"):
        output.find_cmyk_profile()


# --- proof ------------------------------------------------------------------------------------

def test_proof_watermark_strip_and_report_page(built, issue):
    result, by = built
    pdf = by["proof"].pdf
    with pikepdf.open(pdf) as doc:
        assert len(doc.pages) == len(result.plan.pages) + 1
        assert "/OutputIntents" not in doc.Root            # screen colours
    page = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "校样" in page and "PROOF" in page
    assert output.records_version(result.plan.issue) in page      # version: the records hash
    assert "责任编辑 ×××" in page and "第5版" in page
    report = subprocess.run(["pdftotext", "-f", "2", "-l", "2", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "校样报告 proof report" in report and "预飞 preflight" in report


def test_proof_shows_problems_where_they_are(tmp_path):
    """A missing picture (placeholder with the file name), a character no face has, an overset
    article: the proof is written, marks them on the page and lists them on the report page."""
    folder = write_issue(tmp_path / "bad", {
        "a": article("缺图稿件", "正文内容，说明情况。" * 30, pictures=[{"file": "images/gone.jpg", "caption": "说明。"}]),
        "b": article("缺字\U00030000稿件", "正文内容，说明情况。" * 20),
        "c": article("超长稿件", "很长的正文内容，超出版面。" * 420)}, layout="sikai")
    with pytest.raises(UserError, match="gone.jpg"):
        pipeline.build(folder, tmp_path / "out")
    result = pipeline.build(folder, tmp_path / "out", variants=["proof"])
    checks = {(f.check, f.article) for f in result.report.errors}
    assert {("picture", "a"), ("glyphs", "b"), ("overset", "c")} <= checks
    page = _strip(subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(result.pdf), "-"],
                                 capture_output=True, text=True).stdout)
    assert "缺图missingpicture" in page and "images/gone.jpg" in page
    assert "溢出overset" in page
    last = subprocess.run(["pdftotext", "-f", "2", "-l", "2", str(result.pdf), "-"], capture_output=True,
                          text=True).stdout
    assert "缺图" in last and "U+30000" in last and "溢出 overset" in last
    html = output.mark_tofu('<html><body><div data-x="\U00030000">a\U00030000b</div></body></html>', {"\U00030000"})
    assert 'data-x="\U00030000"' in html and '<span class="proof-tofu">\U00030000</span>' in html


def test_proof_diff_highlights_changed_articles(tmp_path):
    texts = {"a": article("第一篇", "第一篇的正文内容。" * 30), "b": article("第二篇", "第二篇的正文内容。" * 30)}
    folder = write_issue(tmp_path / "d", texts, layout="sikai")
    first = pipeline.build(folder, tmp_path / "v1", variants=["proof"])
    (folder / "articles" / "b.md").write_text(article("第二篇", "第二篇改过的正文内容。" * 30), encoding="utf-8")
    for previous in (first.pdf, ):
        second = pipeline.build(folder, tmp_path / "v2", variants=["proof"], diff=previous)
        changed = [row["slug"] for row in second.outputs[0].report.findings if False] or \
            [row["slug"] for row in output.compare(second.plan, output.load_previous(previous))]
        assert changed == ["b"]
        report = subprocess.run(["pdftotext", "-f", "2", "-l", "2", str(second.pdf), "-"], capture_output=True,
                                text=True).stdout
        assert "改动 changed since the last proof" in report and "第二篇" in report
        page = subprocess.run(["pdftotext", "-f", "1", "-l", "1", str(second.pdf), "-"], capture_output=True,
                              text=True).stdout
        assert page.count("改 改动 changed since") == 1
    with pdfplumber.open(second.pdf) as pdf:       # the changed module has the highlight colour
        fills = {tuple(r["non_stroking_color"] or ()) for r in pdf.pages[0].rects}
    assert any(len(c) == 3 and c[2] < 0.8 < c[0] for c in fills)
    assert output.load_previous(folder) == output.load_previous(second.pdf)   # records folder = proof


# --- archive ----------------------------------------------------------------------------------

def test_archive_pdfa_metadata_fonts_outline_attachments(built, issue):
    result, by = built
    with pikepdf.open(by["archive"].pdf) as pdf:
        meta = pdf.open_metadata()
        assert (meta["pdfaid:part"], meta["pdfaid:conformance"]) == ("3", "A")
        assert set(meta["dc:publisher"]) == {"菏泽日报"} and set(meta["dc:subject"]) == {"魅力鄄城"}
        assert len(meta["dc:date"]) == 1 and set(meta["dc:date"]) == {"2023-08-04"}
        assert "第12345期" in meta["dc:description"] and "共1版" in meta["dc:description"]
        assert str(pdf.docinfo.Title).startswith("菏泽日报 2023年8月4日")
        assert pdf.Root.OutputIntents[0].S == pikepdf.Name("/GTS_PDFA1")
        titles = preflight.pdfa.outline_titles(pdf)
        assert titles == [f"魅力鄄城 › 文章 › {a.title}" for a in result.plan.issue.articles.values()]
        assert set(pdf.attachments) == {f"{issue.name}.records.zip", f"{issue.name}.articles.json"}
        spec = pdf.attachments[f"{issue.name}.records.zip"]
        assert spec.obj.AFRelationship == pikepdf.Name("/Source")
        assert len(pdf.Root.AF) == 2
        records = zipfile.ZipFile(io.BytesIO(spec.get_file().read_bytes()))
    names = set(records.namelist())
    assert f"{issue.name}/issue.toml" in names and f"{issue.name}/articles/p5-01.md" in names
    assert f"{issue.name}/images/huichang.jpg" in names
    rows = subprocess.run(["pdffonts", str(by["archive"].pdf)], capture_output=True, text=True,
                          check=True).stdout.splitlines()[2:]
    assert rows and all(row.split()[-5:-2] == ["yes", "yes", "yes"] for row in rows)


def test_archive_text_of_each_region_is_the_article(built):
    """pdftotext's words (centre in the rectangle), part by part in the sidecar's reading order
    and line by line within a part, spell the article's text exactly."""
    result, by = built
    side = json.loads(by["archive"].sidecar.read_text(encoding="utf-8"))
    height = side["pages"][0]["size_pt"][1]
    words = _words(by["archive"].pdf)

    def inside(rect, word):
        x0, y0, x1, y1 = rect
        cx, cy = (word[0] + word[2]) / 2, height - (word[1] + word[3]) / 2
        return x0 <= cx <= x1 and y0 <= cy <= y1

    records = result.plan.issue.articles
    assert [a["slug"] for a in side["articles"]] == list(records)
    for entry in side["articles"]:
        # one region per module: a 头条 has two, its headline across the top and its body
        # within a part (one column, one headline) its lines top to bottom: pdftotext's own
        # block order may run a lower line of a column before an upper one
        read = "".join(w[4] for region in entry["regions"] for part in region["parts"]
                       for w in sorted((w for w in words if inside(part["pdf"], w)), key=lambda w: (round(w[1]), w[0])))
        assert _strip(read) == _strip(records[entry["slug"]].text())
        assert sorted(_strip(read)) == sorted(_strip(records[entry["slug"]].text()))
        fields = entry["fields"]
        assert fields["title"] == records[entry["slug"]].title
        assert fields["text"] == "\n".join(records[entry["slug"]].paragraphs)


def test_sidecar_regions_contain_exactly_their_articles_glyphs(built):
    result, by = built
    side = json.loads(by["archive"].sidecar.read_text(encoding="utf-8"))
    records = result.plan.issue.articles
    height = side["pages"][0]["size_pt"][1]
    words = _words(by["archive"].pdf)         # poppler's glyph runs, each within one line
    dpi = side["png_dpi"]
    claimed = Counter()
    for entry in side["articles"]:
        inside = ""
        for region in entry["regions"]:     # one per module: a 头条 has two (headline, body)
            x0, y0, x1, y1 = region["pdf"]
            inside += "".join(w[4] for w in words
                              if x0 <= (w[0] + w[2]) / 2 <= x1 and y0 <= height - (w[1] + w[3]) / 2 <= y1)
            left, top, right, bottom = region["png"]
            assert left == pytest.approx(x0 * dpi / 72, abs=1) and bottom == pytest.approx((height - y0) * dpi / 72, abs=1)
        assert Counter(_strip(inside)) == Counter(_strip(records[entry["slug"]].text())), entry["slug"]
        claimed.update(_strip(inside))


# --- the command line -------------------------------------------------------------------------

def test_cli_variant_writes_named_file_and_plain_build_unchanged(tmp_path):
    folder = write_issue(tmp_path / "cli", {"a": article("标题", "正文内容。" * 40)}, layout="sikai")
    result = paiban("build", str(folder), "-o", str(tmp_path / "out"), "--variant", "proof", "--png",
                    "--png-dpi", "30")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "cli.proof.pdf").is_file() and (tmp_path / "out" / "cli.proof.p1.png").is_file()
    assert not (tmp_path / "out" / "cli.pdf").exists()
    assert "wrote" in result.stdout and "cli.proof.pdf" in result.stdout
    bad = paiban("build", str(folder), "-o", str(tmp_path / "out"), "--diff", str(tmp_path / "out" / "cli.proof.pdf"))
    assert bad.returncode == 1 and "--variant proof" in bad.stderr and len(bad.stderr.strip().splitlines()) == 1
