"""PDF/X-4 structure of a print PDF (pikepdf): the CMYK output intent, pdfxid in XMP, TrimBox and
BleedBox, no RGB anywhere, no rich-black text."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from typeset.model.findings import Finding
from typeset.model.layout import MM

from .press import check_press

BLEED_MM = 3.0               # the bleed a print PDF must have outside its TrimBox

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
    """A file that claims to be PDF/X: GTS_PDFXVersion in its Info or its XMP, or a GTS_PDFX
    output intent (a file that lost its intent still claims it in its metadata)."""
    import pikepdf

    with pikepdf.open(pdf_path) as pdf:
        return ("/GTS_PDFXVersion" in pdf.docinfo or "GTS_PDFXVersion" in _xmp(pdf) or any(
            str(i.get("/S")) == "/GTS_PDFX" for i in pdf.Root.get("/OutputIntents") or []))


def check_print_pdf(pdf_path: Path) -> list[Finding]:
    """PDF/X-4 structure: the CMYK output intent, pdfxid in XMP, TrimBox/BleedBox 3 mm apart,
    no RGB anywhere, no rich-black text; and the press's checks (press: newsprint condition,
    total ink, black overprint)."""
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
    return findings + check_press(pdf_path)
