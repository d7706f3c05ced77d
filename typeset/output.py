"""Output variants (输出): the three jobs of one build, each a PDF made from the same plan.

- print   (印刷): PDF/X-4 with a CMYK output intent (an ICC profile found on the system at run
  time), the trim size with 3 mm bleed (TrimBox, BleedBox) inside a 10 mm slug that carries
  crop marks and registration targets we draw in registration colour (Separation /All: every
  plate). No RGB anywhere: the layouts' colours switch to device CMYK (`<html class="print">`),
  text is 100 % K (`0 0 0 1 k`, never rich black), pictures are cropped and converted to CMYK
  JPEG at their placed size through the output intent's profile (Pillow ImageCms), and a
  picture under 200 ppi at its placed size is an error.
- proof   (校样): what editors mark up. Screen colours; a diagonal 校样 watermark and a proof
  strip (issue, page, version = records hash, time built, 责任编辑); problems drawn where they
  are — an overset article, a missing picture (framed placeholder with the file name), a
  character with no glyph, every preflight finding — and listed on a last "proof report" page.
  `--diff PREVIOUS` highlights the articles whose text changed since the last proof. The proof
  never fails on a preflight finding: showing them is its job.
- archive (存档): PDF/A-3u (see ARCHIVE_PDF_VARIANT for why), fonts embedded, one bookmark per
  article (section › title), the issue's metadata in the Info dictionary and XMP, the issue's
  records attached (a zip of the issue folder, AFRelationship /Source) with the digital-edition
  sidecar (`<issue>.articles.json`, /Data) so the archive can be rebuilt and re-indexed alone.

`build_variants` runs them; `check_print_pdf` / `check_archive_pdf` are the structural checks
(pikepdf) run on every written file, in the preflight report's terms.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import math
import os
import re
import shutil
import subprocess
import tempfile
import time
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from typeset import plan as planning
from typeset import diskcache, newsprint, preflight, presscheck, records, render
from typeset.errors import UserError
from typeset.layouts import MM
from typeset.preflight import Finding, Report

VARIANTS = ("print", "proof", "archive")
PRINT_PDF_VARIANT = "pdf/x-4"
# PDF/A-3u: part 3 because the archive carries the issue's source records as attachments, which
# PDF/A-2 forbids (it allows only PDF/A files as attachments); level U because the archive is
# read as text (full-text search, re-indexing), and U demands a Unicode mapping for every
# glyph — WeasyPrint writes a ToUnicode map for every font, so U costs nothing over B and makes
# a validator check it. (PDF/A-1 is out: it rejects the CJK OpenType fonts; level A needs a
# tagged structure we do not claim.)
ARCHIVE_PDF_VARIANT = "pdf/a-3u"
BLEED_MM = 3.0
SLUG_MM = 10.0               # beyond the bleed: room for the crop marks and registration targets
MIN_PPI = 200                # a picture under this at its placed size is an error in print
PRINT_PPI = 300              # print pictures are resampled down to this at their placed size
DEFAULT_PNG_DPI = 100
CMYK_ENV = "PAIBAN_CMYK_ICC"


# --- the CMYK output profile --------------------------------------------------------------------

def _icc_kind(path: Path) -> tuple[bytes, bytes] | None:
    """(device class, colour space) of an ICC profile file, None if it is not one."""
    try:
        with open(path, "rb") as f:
            header = f.read(128)
    except OSError:
        return None
    if len(header) < 128 or header[36:40] != b"acsp":
        return None
    return header[12:16], header[16:20]


def find_cmyk_profile() -> Path:
    """The CMYK output profile for the print variant: $PAIBAN_CMYK_ICC, else the newsprint
    profile (typeset.newsprint: built on first use); a UserError if neither can be had."""
    override = os.environ.get(CMYK_ENV)
    if override:
        path = Path(override)
        if _icc_kind(path) is None or _icc_kind(path)[1] != b"CMYK":
            raise UserError(f"{CMYK_ENV}={override} is not a CMYK ICC profile", where=override)
        return path
    return newsprint.newsprint_profile()


# --- versions and digests -----------------------------------------------------------------------

def records_version(issue: records.LoadedIssue) -> str:
    """The content hash of the issue's records (issue.toml, the article files, the pictures):
    the proof's version, so an editor can tell two proofs apart."""
    folder = issue.folder
    files = {folder / "issue.toml"} | {folder / "articles" / f"{slug}.md" for slug in issue.articles}
    files |= {folder / p.file for a in issue.articles.values() for p in a.pictures}
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(str(path.relative_to(folder)).encode() + b"\0")
        digest.update(path.read_bytes() if path.is_file() else b"(missing)")
        digest.update(b"\0")
    return digest.hexdigest()[:12]


def article_fields(article: records.Article) -> dict:
    """An article's printed fields, as the sidecar lists them."""
    return {"kicker": article.kicker, "title": article.title, "subtitle": article.subtitle,
            "dateline": article.dateline, "byline": article.byline, "text": "\n".join(article.paragraphs),
            "pictures": [{"file": p.file, "caption": p.caption, "credit": p.credit} for p in article.pictures]}


def fields_digest(fields: dict) -> str:
    """A hash of what a reader sees of an article (the picture file name excluded: a new photo
    with the same caption is no change of text)."""
    keep = {k: v for k, v in fields.items() if k != "pictures"}
    keep["captions"] = [(p.get("caption"), p.get("credit")) for p in fields.get("pictures", [])]
    return hashlib.sha256(json.dumps(keep, ensure_ascii=False, sort_keys=True).encode()).hexdigest()[:16]


# --- pictures -----------------------------------------------------------------------------------

@dataclass
class Placed:
    """A picture as the page places it: the module's picture box and what covers it."""

    page: int
    module: planning.ModulePlan
    file: str
    path: Path
    exists: bool
    size_px: tuple[int, int] | None = None
    ppi: float | None = None                # effective resolution at the placed size
    crop: tuple[float, float, float, float] | None = None   # the visible part, in source pixels


def placed_pictures(plan: planning.IssuePlan) -> list[Placed]:
    """Every placed picture with its effective resolution: the box is filled like CSS
    `object-fit: cover` (scaled to cover, centred, the overhang cropped)."""
    from PIL import Image

    result = []
    for page in plan.pages:
        for module in page.modules:
            if not module.picture_rect:
                continue
            file = module.article.pictures[0].file
            path = plan.issue.folder / file
            placed = Placed(page.page.number, module, file, path, path.is_file())
            if placed.exists:
                with Image.open(path) as image:
                    w, h = image.size
                    if image.getexif().get(0x0112, 1) in (5, 6, 7, 8):     # EXIF: rotated a quarter turn
                        w, h = h, w
                box = module.picture_rect
                scale = max(box.w / w, box.h / h)           # points per source pixel
                cw, ch = box.w / scale, box.h / scale
                placed.size_px, placed.ppi = (w, h), 72 / scale
                placed.crop = ((w - cw) / 2, (h - ch) / 2, (w + cw) / 2, (h + ch) / 2)
            result.append(placed)
    return result


def picture_findings(placed: list[Placed], severity: str) -> list[Finding]:
    """Missing pictures (errors) and pictures under MIN_PPI at their placed size (`severity`)."""
    findings = []
    for p in placed:
        article = p.module.record
        if not p.exists:
            findings.append(Finding("error", "picture", f"缺图 picture file {p.file} does not exist",
                                    p.page, article.slug, "add the file to the issue folder or remove the "
                                    "picture from the record", article.title))
        elif p.ppi is not None and p.ppi < MIN_PPI:
            box = p.module.picture_rect
            findings.append(Finding(
                severity, "picture", f"图片 {p.file} is {p.ppi:.0f} ppi at its placed size "
                f"({box.w / MM:.0f} × {box.h / MM:.0f} mm from {p.size_px[0]} × {p.size_px[1]} px); print "
                f"needs {MIN_PPI} ppi", p.page, article.slug,
                f"supply a larger original (at least {math.ceil(box.w / 72 * MIN_PPI)} px wide) or place it smaller",
                article.title))
    return findings


def cmyk_picture(placed: Placed, profile: Path, cache: Path, ink_limit: float) -> Path:
    """The visible part of a picture at its placed size (at most PRINT_PPI), converted to CMYK
    through the output profile (perceptual), C+M+Y+K held to `ink_limit` %, as a JPEG in
    `cache` named by a content hash."""
    from PIL import Image, ImageCms, ImageOps

    box = placed.module.picture_rect
    ppi = min(placed.ppi, PRINT_PPI)
    target = (max(1, round(box.w / 72 * ppi)), max(1, round(box.h / 72 * ppi)))
    source = placed.path.read_bytes()
    key = hashlib.sha256(source + hashlib.sha256(profile.read_bytes()).digest()
                         + repr((placed.crop, target, ink_limit, "v2")).encode()).hexdigest()[:24]
    out = cache / f"{key}.jpg"
    if out.is_file():
        return out
    cache.mkdir(parents=True, exist_ok=True)
    with Image.open(io.BytesIO(source)) as original:
        embedded = original.info.get("icc_profile")
        image = ImageOps.exif_transpose(original)
        if image.mode in ("RGBA", "LA", "P", "PA"):
            image = image.convert("RGBA")
            white = Image.new("RGBA", image.size, (255, 255, 255, 255))
            image = Image.alpha_composite(white, image).convert("RGB")
        elif image.mode not in ("RGB", "CMYK"):
            image = image.convert("RGB")
        image = image.resize(target, Image.LANCZOS, box=placed.crop)
        if embedded:
            src = ImageCms.ImageCmsProfile(io.BytesIO(embedded))
        elif image.mode == "CMYK":
            src = ImageCms.getOpenProfile(str(profile))
        else:
            src = ImageCms.createProfile("sRGB")
        cmyk = ImageCms.profileToProfile(image, src, str(profile), renderingIntent=ImageCms.Intent.PERCEPTUAL,
                                         outputMode="CMYK")
        cmyk = newsprint.limit_ink(cmyk, ink_limit)
    fd, tmp = tempfile.mkstemp(prefix=".pic.", suffix=".jpg", dir=cache)
    os.close(fd)
    try:
        cmyk.save(tmp, "JPEG", quality=92, dpi=(ppi, ppi))
        os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return out


# --- the print variant: marks, boxes, colour operators ------------------------------------------

def _circle(cx: float, cy: float, r: float) -> str:
    k = 0.5523 * r
    return (f"{cx + r:.3f} {cy:.3f} m {cx + r:.3f} {cy + k:.3f} {cx + k:.3f} {cy + r:.3f} {cx:.3f} {cy + r:.3f} c "
            f"{cx - k:.3f} {cy + r:.3f} {cx - r:.3f} {cy + k:.3f} {cx - r:.3f} {cy:.3f} c "
            f"{cx - r:.3f} {cy - k:.3f} {cx - k:.3f} {cy - r:.3f} {cx:.3f} {cy - r:.3f} c "
            f"{cx + k:.3f} {cy - r:.3f} {cx + r:.3f} {cy - k:.3f} {cx + r:.3f} {cy:.3f} c S\n")


def marks_stream(trim: list[float], colour: str = "/PbRegistration") -> bytes:
    """Crop marks at the four corners (from the bleed edge + 1 mm, 6 mm long) and a
    registration target in the middle of each side, stroked 0.25 pt in registration colour."""
    x0, y0, x1, y1 = trim
    start, length = (BLEED_MM + 1) * MM, 6 * MM
    ops = [f"q {colour} CS 1 SCN 0.25 w 0 J []0 d\n"]
    for x, dx in ((x0, -1), (x1, 1)):
        for y, dy in ((y0, -1), (y1, 1)):
            ops.append(f"{x + dx * start:.3f} {y:.3f} m {x + dx * (start + length):.3f} {y:.3f} l S\n")
            ops.append(f"{x:.3f} {y + dy * start:.3f} m {x:.3f} {y + dy * (start + length):.3f} l S\n")
    centre, r, arm = (BLEED_MM + SLUG_MM / 2) * MM, 2.2 * MM, 3.6 * MM
    mx, my = (x0 + x1) / 2, (y0 + y1) / 2
    for cx, cy in ((mx, y1 + centre), (mx, y0 - centre), (x0 - centre, my), (x1 + centre, my)):
        ops.append(_circle(cx, cy, r))
        ops.append(_circle(cx, cy, r / 2.2))
        ops.append(f"{cx - arm:.3f} {cy:.3f} m {cx + arm:.3f} {cy:.3f} l {cx:.3f} {cy - arm:.3f} m "
                   f"{cx:.3f} {cy + arm:.3f} l S\n")
    ops.append("Q\n")
    return "".join(ops).encode("ascii")


def _to_k(owner) -> bytes:
    """A content stream with its DeviceCMYK colour set through `k`/`K` (`/DeviceCMYK cs` +
    `c m y k scn` → `c m y k k`): the same colours, as print preflight tools expect them;
    100 % K text and rules overprint (newsprint.overprint_black)."""
    import pikepdf

    out = []
    fill = stroke = None
    stack: list = []
    k, big_k = pikepdf.Operator("k"), pikepdf.Operator("K")
    for operands, operator in pikepdf.parse_content_stream(owner):
        op = str(operator)
        if op == "q":
            stack.append((fill, stroke))
        elif op == "Q" and stack:
            fill, stroke = stack.pop()
        elif op in ("cs", "CS"):
            name = str(operands[0])
            if op == "cs":
                fill = name
            else:
                stroke = name
            if name == "/DeviceCMYK":
                out.append(([0, 0, 0, 1], k if op == "cs" else big_k))
                continue
        elif op in ("sc", "scn") and fill == "/DeviceCMYK" and len(operands) == 4:
            out.append((operands, k))
            continue
        elif op in ("SC", "SCN") and stroke == "/DeviceCMYK" and len(operands) == 4:
            out.append((operands, big_k))
            continue
        elif op in ("k", "K", "rg", "RG", "g", "G"):
            space = {"k": "/DeviceCMYK", "rg": "/DeviceRGB", "g": "/DeviceGray"}[op.lower()]
            if op.islower():
                fill = space
            else:
                stroke = space
        out.append((operands, operator))
    return pikepdf.unparse_content_stream(newsprint.overprint_black(out))


def _forms(resources, seen: set) -> list:
    """Form XObjects reachable from a resource dictionary (transparency groups, masks)."""
    import pikepdf

    found = []
    if not isinstance(resources, pikepdf.Dictionary):
        return found
    for xobject in (resources.get("/XObject") or {}).values():
        if xobject.objgen in seen:
            continue
        seen.add(xobject.objgen)
        if xobject.get("/Subtype") == "/Form":
            found.append(xobject)
            found += _forms(xobject.get("/Resources"), seen)
    for state in (resources.get("/ExtGState") or {}).values():
        mask = state.get("/SMask") if isinstance(state, pikepdf.Dictionary) else None
        group = mask.get("/G") if isinstance(mask, pikepdf.Dictionary) else None
        if group is not None and group.objgen not in seen:
            seen.add(group.objgen)
            found.append(group)
            found += _forms(group.get("/Resources"), seen)
    return found


def finish_print(pdf_path: Path, identifier: str, intent: dict[str, str]) -> None:
    """Post-process WeasyPrint's PDF/X-4: BleedBox exactly 3 mm outside the TrimBox (WeasyPrint
    puts it at most 10 pt out, inside the slug), our marks in registration colour, colours as
    `k`/`K`, 100 % K overprinting, the output intent's condition (`intent`: WeasyPrint names it
    by the profile's file), a content-derived XMP DocumentID (WeasyPrint writes a random one)."""
    import pikepdf

    bleed = BLEED_MM * MM
    with pikepdf.open(pdf_path, allow_overwriting_input=True) as pdf:
        registration = pdf.make_indirect(pikepdf.Array([
            pikepdf.Name.Separation, pikepdf.Name.All, pikepdf.Name.DeviceCMYK,
            pikepdf.Dictionary(FunctionType=2, Domain=[0, 1], C0=[0, 0, 0, 0], C1=[1, 1, 1, 1], N=1)]))
        seen: set = set()
        for page in pdf.pages:
            trim = [float(v) for v in page.obj.TrimBox]
            page.obj.BleedBox = pikepdf.Array([trim[0] - bleed, trim[1] - bleed, trim[2] + bleed, trim[3] + bleed])
            resources = page.obj.Resources
            for form in _forms(resources, seen):
                form.write(_to_k(form))
                if "/Resources" in form:       # else it draws with the page's resources
                    newsprint.add_overprint_states(pdf, form.Resources)
            newsprint.add_overprint_states(pdf, resources)
            content = _to_k(page)
            colour_spaces = resources.get("/ColorSpace")
            if colour_spaces is None:
                resources.ColorSpace = colour_spaces = pikepdf.Dictionary()
            colour_spaces.PbRegistration = registration
            page.obj.Contents = pdf.make_stream(b"q\n" + content + b"\nQ\n" + marks_stream(trim))
        for output_intent in pdf.Root.get("/OutputIntents") or []:
            for key, value in intent.items():
                output_intent[f"/{key}"] = pikepdf.String(value)
        with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
            meta["xmpMM:DocumentID"] = f"uuid:{_uuid(identifier)}"
            meta["xmpMM:InstanceID"] = f"uuid:{_uuid(identifier + ':print')}"
            meta["xmpMM:RenditionClass"] = "default"
        pdf.save(pdf_path, deterministic_id=True)


def _uuid(text: str) -> str:
    h = hashlib.sha256(text.encode()).hexdigest()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


# --- structural checks (pikepdf) ------------------------------------------------------------------

RGB_OPERATORS = {"rg", "RG"}


def _space_is_rgb(space, named=None) -> bool:
    """True if a colour space (a name or array) is RGB: DeviceRGB, CalRGB, ICCBased with 3
    components, or Indexed/Pattern/DeviceN/Separation over one of those."""
    import pikepdf

    if isinstance(space, pikepdf.Name):
        name = str(space)
        if name in ("/DeviceRGB", "/RGB", "/CalRGB"):
            return True
        if named is not None and name in named:
            return _space_is_rgb(named[name])
        return False
    if isinstance(space, pikepdf.Array) and len(space):
        family = str(space[0])
        if family == "/CalRGB":
            return True
        if family == "/ICCBased":
            return int(space[1].get("/N", 0)) == 3
        if family in ("/Indexed", "/I"):
            return _space_is_rgb(space[1])
        if family in ("/Separation", "/DeviceN"):
            return _space_is_rgb(space[2] if family == "/Separation" else space[2])
        if family == "/Pattern" and len(space) > 1:
            return _space_is_rgb(space[1])
    return False


def rgb_uses(pdf) -> list[str]:
    """Every RGB colour a PDF uses: operators, colour spaces set in content streams, images,
    transparency groups, shadings — pages and the form XObjects they draw."""
    import pikepdf

    problems: list[str] = []
    seen: set = set()

    def scan(owner, resources, where):
        named = resources.get("/ColorSpace") if isinstance(resources, pikepdf.Dictionary) else None
        for operands, operator in pikepdf.parse_content_stream(owner):
            op = str(operator)
            if op in RGB_OPERATORS:
                problems.append(f"{where}: {op} operator")
            elif op in ("cs", "CS") and _space_is_rgb(operands[0], named):
                problems.append(f"{where}: {op} {operands[0]} (RGB colour space)")
            elif op == "BI" or isinstance(operands, pikepdf.PdfInlineImage):
                pass
        if not isinstance(resources, pikepdf.Dictionary):
            return
        for name, xobject in (resources.get("/XObject") or {}).items():
            if xobject.objgen in seen:
                continue
            seen.add(xobject.objgen)
            if xobject.get("/Subtype") == "/Image":
                if _space_is_rgb(xobject.get("/ColorSpace", pikepdf.Name.DeviceGray), named):
                    problems.append(f"{where}: image {name} in {xobject.get('/ColorSpace')}")
            elif xobject.get("/Subtype") == "/Form":
                group = xobject.get("/Group")
                if group is not None and _space_is_rgb(group.get("/CS", pikepdf.Name.DeviceCMYK), named):
                    problems.append(f"{where}: transparency group {name} in {group.get('/CS')}")
                scan(xobject, xobject.get("/Resources", resources), f"{where} form {name}")
        for name, shading in (resources.get("/Shading") or {}).items():
            if _space_is_rgb(shading.get("/ColorSpace"), named):
                problems.append(f"{where}: shading {name} in RGB")
        for name, state in (resources.get("/ExtGState") or {}).items():
            mask = state.get("/SMask") if isinstance(state, pikepdf.Dictionary) else None
            group = mask.get("/G") if isinstance(mask, pikepdf.Dictionary) else None
            if group is not None and group.objgen not in seen:
                seen.add(group.objgen)
                g = group.get("/Group")
                if g is not None and _space_is_rgb(g.get("/CS", pikepdf.Name.DeviceCMYK), named):
                    problems.append(f"{where}: soft mask group in {g.get('/CS')}")
                scan(group, group.get("/Resources", resources), f"{where} mask {name}")

    for number, page in enumerate(pdf.pages, 1):
        group = page.obj.get("/Group")
        if group is not None and _space_is_rgb(group.get("/CS", pikepdf.Name.DeviceCMYK)):
            problems.append(f"page {number}: page group in {group.get('/CS')}")
        scan(page, page.obj.get("/Resources"), f"page {number}")
    return problems


def text_fills(page) -> Counter:
    """(colour space, components) → number of text-showing operators painted with it."""
    import pikepdf

    fills: Counter = Counter()
    fill = ("/DeviceGray", (0.0,))
    stack = []
    for operands, operator in pikepdf.parse_content_stream(page):
        op = str(operator)
        if op == "q":
            stack.append(fill)
        elif op == "Q" and stack:
            fill = stack.pop()
        elif op == "k":
            fill = ("/DeviceCMYK", tuple(float(v) for v in operands))
        elif op == "rg":
            fill = ("/DeviceRGB", tuple(float(v) for v in operands))
        elif op == "g":
            fill = ("/DeviceGray", tuple(float(v) for v in operands))
        elif op == "cs":
            fill = (str(operands[0]), ())
        elif op in ("sc", "scn"):
            fill = (fill[0], tuple(float(v) for v in operands if not isinstance(v, pikepdf.Name)))
        elif op in ("Tj", "TJ", "'", '"'):
            fills[fill] += 1
    return fills


def _xmp(pdf) -> str:
    return str(pdf.open_metadata()) if "/Metadata" in pdf.Root else ""


def is_print_pdf(pdf_path: Path | str) -> bool:
    """A PDF/X file (GTS_PDFXVersion in its Info or a GTS_PDFX output intent)."""
    import pikepdf

    with pikepdf.open(pdf_path) as pdf:
        return "/GTS_PDFXVersion" in pdf.docinfo or any(
            str(i.get("/S")) == "/GTS_PDFX" for i in pdf.Root.get("/OutputIntents") or [])


def check_print_pdf(pdf_path: Path) -> list[Finding]:
    """PDF/X-4 structure: the CMYK output intent, pdfxid in XMP, TrimBox/BleedBox 3 mm apart,
    no RGB anywhere, no rich-black text; and the press's checks (presscheck: newsprint
    condition, total ink, black overprint)."""
    import pikepdf

    findings: list[Finding] = []

    def error(message, page=None, hint=""):
        findings.append(Finding("error", "print", message, page, None, hint))

    with pikepdf.open(pdf_path) as pdf:
        intents = pdf.Root.get("/OutputIntents") or []
        if not any(str(i.get("/S")) == "/GTS_PDFX" and i.get("/DestOutputProfile") is not None
                   and int(i.DestOutputProfile.get("/N", 0)) == 4 for i in intents):
            error("PDF/X: no /GTS_PDFX output intent with a CMYK DestOutputProfile",
                  hint="the @color-profile device-cmyk rule must be in the document's own <style>")
        if "PDF/X-4" not in _xmp(pdf):
            error("PDF/X: the XMP metadata has no pdfxid:GTS_PDFXVersion PDF/X-4")
        for number, page in enumerate(pdf.pages, 1):
            if "/TrimBox" not in page.obj or "/BleedBox" not in page.obj:
                error("PDF/X: the page has no TrimBox or BleedBox", number)
                continue
            trim = [float(v) for v in page.obj.TrimBox]
            bleed = [float(v) for v in page.obj.BleedBox]
            media = [float(v) for v in page.obj.MediaBox]
            gaps = [trim[0] - bleed[0], trim[1] - bleed[1], bleed[2] - trim[2], bleed[3] - trim[3]]
            if any(abs(g - BLEED_MM * MM) > 0.01 for g in gaps):
                error(f"PDF/X: the BleedBox is not {BLEED_MM:g} mm outside the TrimBox ({gaps})", number)
            if not (media[0] <= bleed[0] and media[1] <= bleed[1] and media[2] >= bleed[2] and media[3] >= bleed[3]):
                error("PDF/X: the BleedBox is not inside the MediaBox", number)
            for (space, values), n in text_fills(page).items():
                if space == "/DeviceCMYK" and len(values) == 4 and values[3] >= 0.9 and sum(values[:3]) > 0:
                    error(f"rich black text: {n} text run(s) filled with CMYK {values} (text must be 100 % K)",
                          number, "set text colour var(--ink), device-cmyk(0 0 0 1)")
        for problem in rgb_uses(pdf):
            error(f"RGB in a print PDF: {problem}", hint="colours must be device-cmyk() in print "
                  "(the layouts' CSS variables), pictures converted to CMYK")
    return findings + presscheck.check_press(pdf_path)


def outline_titles(pdf) -> list[str]:
    with pdf.open_outline() as outline:
        titles = []

        def walk(items):
            for item in items:
                titles.append(item.title)
                walk(item.children)
        walk(outline.root)
    return titles


def check_archive_pdf(pdf_path: Path, plan: planning.IssuePlan) -> list[Finding]:
    """PDF/A-3u structure: pdfaid in XMP, the output intent, fonts embedded (preflight checks the
    fonts), one bookmark per article, the records attached."""
    import pikepdf

    findings: list[Finding] = []
    with pikepdf.open(pdf_path) as pdf:
        xmp = pdf.open_metadata()
        if xmp.get("pdfaid:part") != "3" or xmp.get("pdfaid:conformance") != "U":
            findings.append(Finding("error", "archive", f"PDF/A: the XMP says pdfaid part "
                                    f"{xmp.get('pdfaid:part')} conformance {xmp.get('pdfaid:conformance')}, not 3/U"))
        if not any(str(i.get("/S")) == "/GTS_PDFA1" for i in pdf.Root.get("/OutputIntents") or []):
            findings.append(Finding("error", "archive", "PDF/A: no /GTS_PDFA1 output intent"))
        titles = outline_titles(pdf)
        if len(titles) != len(plan.issue.articles):
            findings.append(Finding("error", "archive", f"bookmarks: {len(titles)} outline entries for "
                                    f"{len(plan.issue.articles)} articles"))
        names = set(pdf.attachments)
        if not any(n.endswith(".records.zip") for n in names):
            findings.append(Finding("error", "archive", "the issue's records are not attached"))
    return findings


# --- the proof ----------------------------------------------------------------------------------

@dataclass
class Note:
    severity: str            # error | warning | changed | info
    label: str
    top: float = 0.0


SEVERITY_LABEL = {"error": "错误", "warning": "注意"}
CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"


def _number(n: int) -> str:
    return CIRCLED[n - 1] if n <= len(CIRCLED) else f"({n})"


class ProofDress:
    """What the page template needs to draw a proof's marks and its report page."""

    def __init__(self, plan: planning.IssuePlan, findings: list[Finding], *, version: str, built: str,
                 changes: list[dict] | None = None, diff_source: str | None = None,
                 overset: set[str] = frozenset(), marks: bool = True):
        self.plan, self.version, self.built, self.marks = plan, version, built, marks
        self.findings = sorted(findings, key=lambda f: (f.severity != "error", f.page or 0, f.article or "", f.check))
        self.errors = sum(f.severity == "error" for f in findings)
        self.warnings = sum(f.severity == "warning" for f in findings)
        self._changes = changes or []
        self.changed = {row["slug"]: row["change"] for row in self._changes if row["change"] != "removed"}
        self.diff_source = diff_source
        self.overset = set(overset)

    def _numbered(self):
        return ((n, f) for n, f in enumerate(self.findings, 1))

    def module_class(self, page, module) -> str:
        slug, number = module.record.slug, page.page.number
        classes = []
        if slug in self.changed:
            classes.append("proof-changed")
        mine = [f for f in self.findings if f.article in (slug, module.article.slug) and f.page in (None, number)]
        if any(f.severity == "error" for f in mine):
            classes.append("proof-error")
        elif mine:
            classes.append("proof-warning")
        return "".join(f" {c}" for c in classes)

    def module_notes(self, page, module) -> list[Note]:
        slug, number = module.record.slug, page.page.number
        notes = []
        if slug in self.changed:
            notes.append(Note("changed", f"改 {self.changed[slug]} since {self.diff_source or 'the last proof'}"))
        for n, f in self._numbered():
            if f.article in (slug, module.article.slug) and f.page in (None, number):
                notes.append(Note(f.severity, f"{_number(n)} {SEVERITY_LABEL[f.severity]} [{f.check}] "
                                  f"{_short(f.message)}"))
        for i, note in enumerate(notes):
            note.top = i * 12
        return notes

    def page_notes(self, page) -> list[Note]:
        number = page.page.number
        return [Note(f.severity, f"{_number(n)} {SEVERITY_LABEL[f.severity]} [{f.check}] {_short(f.message, 90)}")
                for n, f in self._numbered() if f.page == number and not f.article]

    def strip(self, page) -> list[str]:
        issue = self.plan.issue.issue
        number = f" 第{issue.number}期" if issue.number else ""
        items = [f"{issue.paper} {issue.date_line()}{number}", f"第{page.page.number}版 {page.page.section}",
                 f"版本 version {self.version}", f"排于 built {self.built}",
                 f"责任编辑 {page.page.editor or '—'}"]
        problems = sum(1 for f in self.findings if f.page in (None, page.page.number))
        items.append(f"预飞 {self.errors} 错误 {self.warnings} 注意 (见末页 report)" if problems else "预飞 通过")
        return items

    def summary(self) -> list[tuple[str, str]]:
        issue = self.plan.issue.issue
        pages = "、".join(f"第{p.page.number}版 {p.page.section}" for p in self.plan.pages)
        return [("报纸 paper", issue.paper), ("日期 date", issue.date_line()),
                ("期号 issue", str(issue.number or "—")), ("版面 pages", pages),
                ("稿件 articles", str(len(self.plan.issue.articles))),
                ("版本 version (records hash)", self.version), ("排于 built", self.built),
                ("对比 compared with", self.diff_source or "— (no --diff given)")]

    def changes(self) -> list[dict]:
        return self._changes


def _short(message: str, limit: int = 60) -> str:
    message = message.replace("\n", " ")
    return message if len(message) <= limit else message[:limit - 1] + "…"


def overset_findings(plan: planning.IssuePlan, overset: set[str]) -> list[Finding]:
    findings = []
    for page in plan.pages:
        for module in page.modules:
            if module.record.slug in overset and module.fit.jump_to:
                article = module.record
                placed = Counter()
                for p in plan.pages:
                    for m in p.modules:
                        if m.record.slug == article.slug:
                            placed.update(ch for ch in m.text() if not ch.isspace())
                lost = sum((Counter(ch for ch in article.text() if not ch.isspace()) - placed).values())
                findings.append(Finding("error", "overset", f"溢出 overset: about {lost} characters of the "
                                        "article do not fit on the last page and are not set",
                                        page.page.number, article.slug,
                                        "cut the article, or give the issue a page to continue on", article.title))
    return findings


def tofu_characters(findings: list[Finding]) -> set[str]:
    """Characters with no glyph in any face, from the preflight's 缺字 errors."""
    chars = set()
    for f in findings:
        if f.severity == "error" and f.check in ("glyphs", "notdef"):
            chars.update(re.findall(r"'(.)' \(U\+", f.message))
    return chars


def mark_tofu(html: str, chars: set[str]) -> str:
    """Wrap every character with no glyph in the body's text in a red proof mark."""
    if not chars:
        return html
    head, sep, body = html.partition("<body>")
    pattern = re.compile("|".join(re.escape(ch) for ch in chars))

    def text(match):   # text between tags only: never inside an attribute
        return pattern.sub(lambda m: f'<span class="proof-tofu">{m[0]}</span>', match[0])
    return head + sep + re.sub(r">[^<]+<", text, body)


def load_previous(source: Path) -> dict[str, dict]:
    """slug → {"digest", "title"} of a previous build: a proof or archive PDF (its embedded
    articles.json), a sidecar `<issue>.articles.json`, or an issue folder (records)."""
    source = Path(source)
    if source.is_dir():
        issue = records.load_issue(source, allow_missing_pictures=True)
        return {slug: {"digest": fields_digest(article_fields(a)), "title": a.title}
                for slug, a in issue.articles.items()}
    if not source.is_file():
        raise UserError("--diff: no such file or folder", where=str(source))
    if source.suffix.lower() == ".pdf":
        import pikepdf

        try:
            with pikepdf.open(source) as pdf:
                name = next((n for n in pdf.attachments if n.endswith(".articles.json")), None)
                if name is None:
                    raise UserError("--diff: the PDF carries no paiban article records (build the previous "
                                    "proof with --variant proof or archive, or give its articles.json or "
                                    "records folder)", where=str(source))
                data = json.loads(pdf.attachments[name].get_file().read_bytes())
        except pikepdf.PdfError as e:
            raise UserError(f"--diff: not a readable PDF ({e})", where=str(source)) from None
    else:
        try:
            data = json.loads(source.read_text(encoding="utf-8"))
        except (ValueError, UnicodeDecodeError) as e:
            raise UserError(f"--diff: not a paiban articles.json ({e})", where=str(source)) from None
    try:
        return {a["slug"]: {"digest": a.get("digest") or fields_digest(a["fields"]), "title": a["fields"]["title"]}
                for a in data["articles"]}
    except (KeyError, TypeError):
        raise UserError("--diff: not a paiban articles.json (no 'articles' list)", where=str(source)) from None


def compare(plan: planning.IssuePlan, previous: dict[str, dict]) -> list[dict]:
    """Articles changed, new or removed since the previous build."""
    page_of = {}
    for p in plan.pages:
        for m in p.modules:
            page_of.setdefault(m.record.slug, p.page.number)
    rows = []
    for slug, article in plan.issue.articles.items():
        digest = fields_digest(article_fields(article))
        if slug not in previous:
            rows.append({"page": page_of.get(slug, "—"), "slug": slug, "title": article.title, "change": "新稿 new"})
        elif previous[slug]["digest"] != digest:
            rows.append({"page": page_of.get(slug, "—"), "slug": slug, "title": article.title, "change": "改动 changed"})
    for slug, old in previous.items():
        if slug not in plan.issue.articles:
            rows.append({"page": "—", "slug": slug, "title": old["title"], "change": "removed"})
    return rows


# --- sidecar and previews -------------------------------------------------------------------------

def png_name(issue: str, variant: str, page_number: int) -> str:
    return f"{issue}.{variant}.p{page_number}.png" if variant else f"{issue}.p{page_number}.png"


def sidecar(plan: planning.IssuePlan, *, pdf_name: str, variant: str, dpi: int, version: str,
            png_written: bool) -> dict:
    """The digital edition's article index: every article's fields and its regions (one per
    module: a continued article has one on each page), in PDF points and in PNG pixels."""
    issue = plan.issue.issue
    name = plan.issue.name
    px = dpi / 72
    pages, regions = [], {}
    for index, page in enumerate(plan.pages, 1):
        layout = page.layout
        w, h = layout.trim
        pages.append({"page": page.page.number, "index": index, "section": page.page.section,
                      "size_pt": [round(w, 3), round(h, 3)],
                      "png": png_name(name, variant, page.page.number) if png_written else None,
                      "png_size": [math.ceil(w * px - 1e-6), math.ceil(h * px - 1e-6)]})
        def place(rect, kind=None) -> dict:
            x0, top = layout.area_left + rect.x, layout.area_top + rect.y
            x1, bottom = x0 + rect.w, top + rect.h
            entry = {"kind": kind} if kind else {}
            entry["pdf"] = [round(x0, 3), round(h - bottom, 3), round(x1, 3), round(h - top, 3)]
            entry["png"] = [math.floor(x0 * px), math.floor(top * px), math.ceil(x1 * px), math.ceil(bottom * px)]
            return entry

        for module in page.modules:
            # the module's rectangle, then its parts in reading order: headline, text columns,
            # picture, caption (text read part by part comes out in reading order)
            parts = [place(module.head_rect, "headline")]
            parts += [place(column.rect, "text") for column in module.columns if column.lines]
            if module.picture_rect:
                parts += [place(module.picture_rect, "picture")]
            if module.caption_rect and module.caption_rect.h:
                parts += [place(module.caption_rect, "caption")]
            regions.setdefault(module.record.slug, []).append({
                "page": page.page.number, "index": index, **place(module.rect),
                "continued": module.continuation is not None, "parts": parts})
    articles = []
    for slug, article in plan.issue.articles.items():
        fields = article_fields(article)
        where = regions.get(slug, [])
        articles.append({"slug": slug, "page": where[0]["page"] if where else None,
                         "section": next((p.page.section for p in plan.pages if p.page.number == where[0]["page"]),
                                         None) if where else None,
                         "fields": fields, "digest": fields_digest(fields), "regions": where})
    return {"format": "paiban digital edition 1", "paper": issue.paper, "date": issue.date.isoformat(),
            "date_line": issue.date_line(), "issue_number": issue.number, "issue": name, "version": version,
            "pdf": pdf_name,
            "coordinates": {"pdf": "PDF points in the page's default user space: [x0, y0, x1, y1], origin at "
                                   "the bottom-left of the page",
                            "regions": "one per module (an article continued on another page has one there "
                                       "too): the module's rectangle, and its parts in reading order",
                            "png": f"pixels of the PNG preview at {dpi} dpi: [left, top, right, bottom], "
                                   "origin at the top-left"},
            "png_dpi": dpi, "pages": pages, "articles": articles}


def write_pngs(pdf: Path, plan: planning.IssuePlan, out_dir: Path, variant: str, dpi: int) -> list[Path]:
    """One PNG preview per page (pdftoppm), named by 版次."""
    if shutil.which("pdftoppm") is None:
        raise UserError("--png needs pdftoppm (apt-get install poppler-utils)")
    written = []
    for index, page in enumerate(plan.pages, 1):
        target = out_dir / png_name(plan.issue.name, variant, page.page.number)
        png = subprocess.run(["pdftoppm", "-q", "-r", str(dpi), "-f", str(index), "-l", str(index), "-png",
                              "-singlefile", str(pdf)], check=True, capture_output=True).stdout
        from typeset.build import atomic_target

        with atomic_target(target) as tmp:
            tmp.write_bytes(png)
        written.append(target)
    return written


def records_zip(issue: records.LoadedIssue, when: dt.datetime) -> bytes:
    """The issue folder's records (issue.toml, articles, pictures) as a zip with fixed dates."""
    folder = issue.folder
    files = {folder / "issue.toml"} | {folder / "articles" / f"{slug}.md" for slug in issue.articles}
    files |= {folder / p.file for a in issue.articles.values() for p in a.pictures if (folder / p.file).is_file()}
    buffer = io.BytesIO()
    stamp = (max(1980, when.year), when.month, when.day, 0, 0, 0)
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(files):
            info = zipfile.ZipInfo(f"{issue.name}/{path.relative_to(folder).as_posix()}", stamp)
            info.compress_type = zipfile.ZIP_STORED if path.suffix.lower() in (".jpg", ".jpeg", ".png") \
                else zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, path.read_bytes())
    return buffer.getvalue()


def describe(plan: planning.IssuePlan) -> tuple[str, tuple[str, ...]]:
    """The document's description and keywords (paper, date, issue number, pages, sections)."""
    issue = plan.issue.issue
    number = f" 第{issue.number}期" if issue.number else ""
    pages = "、".join(f"第{p.page.number}版 {p.page.section}" for p in plan.pages)
    description = (f"{issue.paper} {issue.date_line()}{number} · 共{len(plan.pages)}版: {pages} · "
                   f"{len(plan.issue.articles)}篇稿件")
    sections = tuple(dict.fromkeys(p.page.section for p in plan.pages))
    keywords = (issue.paper, issue.date.isoformat(), *( [f"第{issue.number}期"] if issue.number else []), *sections)
    return description, keywords


def finish_archive(pdf_path: Path, plan: planning.IssuePlan, identifier: str) -> None:
    """XMP: the issue in Dublin Core (publisher, date, identifier, subjects), the page count
    (xmpTPg:NPages), a content-derived DocumentID."""
    import pikepdf
    from pikepdf.models.metadata import PdfMetadata

    issue = plan.issue.issue
    try:
        PdfMetadata.register_xml_namespace("http://ns.adobe.com/xap/1.0/t/pg/", "xmpTPg")
    except Exception:
        pass
    with pikepdf.open(pdf_path, allow_overwriting_input=True) as pdf:
        if "/AF" in pdf.Root:       # WeasyPrint 70 lists every attachment twice in the catalog's /AF
            unique = {spec.objgen: spec for spec in pdf.Root.AF}
            pdf.Root.AF = pikepdf.Array(list(unique.values()))
        with pdf.open_metadata(set_pikepdf_as_editor=False, update_docinfo=False) as meta:
            meta["dc:publisher"] = [issue.paper]
            meta["dc:date"] = [issue.date.isoformat()]
            meta["dc:identifier"] = f"{plan.issue.name}" + (f" 第{issue.number}期" if issue.number else "")
            meta["dc:subject"] = list(dict.fromkeys(p.page.section for p in plan.pages))
            meta["dc:type"] = ["newspaper"]
            meta["dc:language"] = ["zh-CN"]
            meta["xmpMM:DocumentID"] = f"uuid:{_uuid(identifier)}"
            meta["xmpMM:InstanceID"] = f"uuid:{_uuid(identifier + ':archive')}"
            try:
                meta["xmpTPg:NPages"] = str(len(pdf.pages))
            except Exception:
                pass
        pdf.save(pdf_path, deterministic_id=True)


# --- building the variants ------------------------------------------------------------------------

@dataclass
class VariantOutput:
    variant: str
    pdf: Path
    report: Report
    seconds: float = 0.0
    pngs: list[Path] = field(default_factory=list)
    sidecar: Path | None = None


def built_at(epoch: int | None) -> str:
    """The proof's "time built": SOURCE_DATE_EPOCH when set, else now (local time)."""
    if epoch is None and os.environ.get("SOURCE_DATE_EPOCH", "").isdigit():
        epoch = int(os.environ["SOURCE_DATE_EPOCH"])
    when = dt.datetime.fromtimestamp(epoch, dt.timezone.utc) if epoch is not None else dt.datetime.now().astimezone()
    return when.strftime("%Y-%m-%d %H:%M %Z").strip()


def slug_time(plan: planning.IssuePlan, epoch: int | None) -> str:
    """The print slug's time: the document's date (SOURCE_DATE_EPOCH, else the issue's date, so
    the file is reproducible) in Beijing time."""
    when = dt.datetime.fromisoformat(render.document_date(plan, epoch).replace("Z", "+00:00"))
    return when.astimezone(dt.timezone(dt.timedelta(hours=8))).strftime("%Y-%m-%d %H:%M 北京时间")


def build_variants(issue_folder: Path, out_dir: Path, variants: list[str], *, write_html: bool = False,
                   source_date_epoch: int | None = None, png_dpi: int | None = None,
                   diff: Path | None = None) -> tuple[planning.IssuePlan, list[VariantOutput]]:
    """Build each requested variant into `out_dir/<issue>.<variant>.pdf` (in the order given);
    a variant's preflight errors stop the build with a UserError (the proof excepted)."""
    from typeset import build as buildmod

    unknown = [v for v in variants if v not in VARIANTS]
    if unknown:
        raise UserError(f"unknown variant '{unknown[0]}' (variants: {', '.join(VARIANTS)})")
    variants = list(dict.fromkeys(variants))
    out_dir = Path(out_dir)
    profile = find_cmyk_profile() if "print" in variants else None
    strict = [v for v in variants if v != "proof"]
    issue = records.load_issue(issue_folder, allow_missing_pictures=not strict)
    record_findings = preflight.check_records(issue)
    if strict and any(f.severity == "error" for f in record_findings):
        raise buildmod.PreflightFailed(Report(list(record_findings), source=str(issue_folder)))
    issue_plan = planning.plan_issue(issue, overset_ok=not strict)
    overset = issue_plan.overset
    version = records_version(issue)
    previous = load_previous(diff) if diff is not None else None
    placed = placed_pictures(issue_plan)
    outputs = []
    for variant in variants:
        start = time.perf_counter()
        report = Report(list(record_findings), source=str(issue_folder))
        target = out_dir / f"{issue.name}.{variant}.pdf"
        if variant == "proof":
            result = _build_proof(issue_plan, target, report, placed, overset, version, previous, diff,
                                  source_date_epoch, write_html, png_dpi)
        else:
            result = _build_strict(variant, issue_plan, target, report, placed, version, profile,
                                   source_date_epoch, write_html, png_dpi)
        result.seconds = time.perf_counter() - start
        report.timings[variant] = result.seconds
        outputs.append(result)
    return issue_plan, outputs


def _picture_src(placed: list[Placed], converted: dict | None = None):
    by_module = {id(p.module): p for p in placed}

    def src(module) -> str | None:
        p = by_module.get(id(module))
        if p is None or not p.exists:
            return None
        if converted is not None:
            return converted[id(module)].resolve().as_uri()
        return p.path.resolve().as_uri()
    return src


def _build_strict(variant, issue_plan, target, report, placed, version, profile, epoch, write_html,
                  png_dpi) -> VariantOutput:
    """print or archive: any preflight error fails the build and leaves no file."""
    from typeset import build as buildmod

    name = issue_plan.issue.name
    for p in placed:
        if not p.exists:
            raise UserError(f"field 'pictures.0.file': picture file {p.file} does not exist",
                            where=str(issue_plan.issue.folder / "articles" / f"{p.module.record.slug}.md"))
    description, keywords = describe(issue_plan)
    options: dict = {}
    if variant == "print":
        report.findings += picture_findings(placed, "error")
        if report.errors:
            raise buildmod.PreflightFailed(report)
        # one cache for every output folder: the pictures' paths are in the HTML, whose hash is
        # the document's identifier, so a print PDF is the same bytes wherever it is written
        cache = diskcache.cache_dir() / "print-pictures"
        limits = {p.page.number: p.layout.print.ink_limit for p in issue_plan.pages}
        converted = {id(p.module): cmyk_picture(p, profile, cache, limits[p.page]) for p in placed}
        css = (f"@color-profile device-cmyk {{ src: url({profile.resolve().as_uri()}); components: c, m, y, k }}",)
        html = render.render_html(issue_plan, epoch=epoch, variant="print", extra_css=css,
                                  bleed_mm=BLEED_MM + SLUG_MM, picture_src=_picture_src(placed, converted),
                                  description=description, keywords=keywords,
                                  slug=slug_time(issue_plan, epoch))
        options["pdf_variant"] = PRINT_PDF_VARIANT
    else:
        html = render.render_html(issue_plan, epoch=epoch, variant="archive", picture_src=_picture_src(placed),
                                  description=description, keywords=keywords)
        options["pdf_variant"] = ARCHIVE_PDF_VARIANT
    if write_html:
        with buildmod.atomic_target(target.with_suffix(".html")) as tmp:
            tmp.write_text(html, encoding="utf-8")
    identifier = hashlib.sha256(html.encode()).hexdigest()
    result = VariantOutput(variant, target, report)
    side = None
    if variant == "archive":
        dpi = png_dpi or DEFAULT_PNG_DPI
        side = sidecar(issue_plan, pdf_name=target.name, variant="archive", dpi=dpi, version=version,
                       png_written=png_dpi is not None)
        side_bytes = (json.dumps(side, ensure_ascii=False, indent=1) + "\n").encode("utf-8")
        when = dt.datetime.combine(issue_plan.issue.issue.date, dt.time(), dt.timezone(dt.timedelta(hours=8)))
        import weasyprint

        options["attachments"] = [
            weasyprint.Attachment(file_obj=io.BytesIO(records_zip(issue_plan.issue, when)),
                                  name=f"{name}.records.zip", description="the issue's source records (issue.toml, "
                                  "articles, pictures): unzip and run paiban build to rebuild",
                                  created=when, modified=when, relationship="Source"),
            weasyprint.Attachment(file_obj=io.BytesIO(side_bytes), name=f"{name}.articles.json",
                                  description="digital-edition index: every article's fields and regions",
                                  created=when, modified=when, relationship="Data")]
    with buildmod.atomic_target(target) as tmp:
        buildmod.render_pdf(issue_plan, html, tmp, report, **options)
        if variant == "print":
            finish_print(tmp, identifier, newsprint.intent_fields(profile, max(limits.values())))
            report.findings += check_print_pdf(tmp)
        else:
            finish_archive(tmp, issue_plan, identifier)
            report.findings += check_archive_pdf(tmp, issue_plan)
        report.findings += preflight.check_pdf(tmp, issue_plan)
        if report.errors:
            raise buildmod.PreflightFailed(report)
    if side is not None:
        result.sidecar = target.parent / f"{name}.articles.json"
        with buildmod.atomic_target(result.sidecar) as tmp:
            tmp.write_bytes(side_bytes)
    if png_dpi:
        result.pngs = write_pngs(target, issue_plan, target.parent, variant, png_dpi)
    return result


def _build_proof(issue_plan, target, report, placed, overset, version, previous, diff, epoch, write_html,
                 png_dpi) -> VariantOutput:
    """The proof: a clean render checked by preflight, then the marked render written."""
    from typeset import build as buildmod

    name = issue_plan.issue.name
    report.findings += picture_findings(placed, "warning") + overset_findings(issue_plan, overset)
    # the plan-level text finding of an overset article says the same as its overset finding
    report.findings = [f for f in report.findings
                       if not (f.check == "text" and f.page is None and f.article in overset)]
    src = _picture_src(placed)
    description, keywords = describe(issue_plan)
    clean = render.render_html(issue_plan, epoch=epoch, variant="proof", picture_src=src)
    with tempfile.TemporaryDirectory(prefix="paiban-proof-") as tmpdir:
        check = Path(tmpdir) / "clean.pdf"
        buildmod.render_pdf(issue_plan, clean, check, report)
        pdf_findings = preflight.check_pdf(check, issue_plan)
    report.findings += [f for f in pdf_findings
                        if not (f.check == "text" and f.page is None and f.article in overset)]
    changes = compare(issue_plan, previous) if previous is not None else []
    built = built_at(epoch)
    dress = ProofDress(issue_plan, report.findings, version=version, built=built, changes=changes,
                       diff_source=Path(diff).name if diff else None, overset=overset)
    html = render.render_html(issue_plan, epoch=epoch, variant="proof", picture_src=src, proof=dress,
                              description=description, keywords=keywords)
    html = mark_tofu(html, tofu_characters(report.findings))
    if write_html:
        with buildmod.atomic_target(target.with_suffix(".html")) as tmp:
            tmp.write_text(html, encoding="utf-8")
    dpi = png_dpi or DEFAULT_PNG_DPI
    side = sidecar(issue_plan, pdf_name=target.name, variant="proof", dpi=dpi, version=version,
                   png_written=png_dpi is not None)
    import weasyprint

    attachment = weasyprint.Attachment(
        file_obj=io.BytesIO(json.dumps(side, ensure_ascii=False).encode("utf-8")), name=f"{name}.articles.json",
        description="the articles of this proof (for paiban build --diff)", relationship="Data")
    with buildmod.atomic_target(target) as tmp:
        buildmod.render_pdf(issue_plan, html, tmp, Report(), attachments=[attachment])
    result = VariantOutput("proof", target, report)
    if png_dpi:
        result.pngs = write_pngs(target, issue_plan, target.parent, "proof", png_dpi)
    return result
