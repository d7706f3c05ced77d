"""What a newspaper plant's preflight checks in a print PDF beyond its structure (output.
pdfx.check_print_pdf has the boxes and RGB): the output intent names a CMYK newsprint condition,
no picture pixel is over the total-ink limit, and 100 % K text overprints.

Each check takes the PDF's path and returns preflight Findings with the page and the place.
"""

from __future__ import annotations

import re
from pathlib import Path

from typeset.model.findings import Finding

DEFAULT_INK_LIMIT = 240
# what tells a newsprint condition in an output intent (ours, a plant's ISOnewspaper26v4, IFRA26)
NEWSPRINT_WORDS = re.compile(r"newsprint|newspaper|IFRA|\bTR ?0*2\b|SNAP", re.IGNORECASE)
# how the print variant states its pictures' ink limit in the output intent's Info
INK_LIMIT_NOTE = re.compile(r"pictures at most (\d+(?:\.\d+)?) % total ink")
JPEG_TOLERANCE = 4      # % of total ink: JPEG's rounding moves a pixel's C+M+Y+K by up to ~3 %


def stated_ink_limit(info: str) -> float:
    """The pictures' ink limit an output intent's Info states (DEFAULT_INK_LIMIT if none)."""
    found = INK_LIMIT_NOTE.search(info)
    return float(found.group(1)) if found else DEFAULT_INK_LIMIT


def _error(message: str, page: int | None = None, hint: str = "") -> Finding:
    return Finding("error", "print", message, page, None, hint)


def _intent(pdf):
    intents = [i for i in pdf.Root.get("/OutputIntents") or [] if str(i.get("/S")) == "/GTS_PDFX"]
    return intents[0] if intents else None


def check_output_intent(pdf_path: Path) -> list[Finding]:
    """The PDF/X output intent names a newsprint condition and its profile is CMYK."""
    import pikepdf

    with pikepdf.open(pdf_path) as pdf:
        intent = _intent(pdf)
        if intent is None:
            return []           # check_print_pdf reports a missing intent
        names = " ".join(str(intent.get(k, "")) for k in ("/OutputConditionIdentifier", "/OutputCondition", "/Info"))
        profile = intent.get("/DestOutputProfile")
        if profile is None or int(profile.get("/N", 0)) != 4 or not NEWSPRINT_WORDS.search(names):
            return [_error(f"output intent: '{intent.get('/OutputConditionIdentifier')}' is not a CMYK newsprint "
                           "condition", hint="print with the newsprint profile (make profile) or set "
                           "PAIBAN_CMYK_ICC to a newsprint profile (ISOnewspaper26v4, CGATS TR 002)")]
    return []


def _images(pdf):
    """(page number, name, image XObject) for every image the pages and their forms draw."""
    seen: set = set()

    def walk(resources, number):
        for name, xobject in (resources.get("/XObject") or {}).items() if resources is not None else ():
            if xobject.objgen in seen:
                continue
            seen.add(xobject.objgen)
            if xobject.get("/Subtype") == "/Image":
                yield number, str(name), xobject
            elif xobject.get("/Subtype") == "/Form":
                yield from walk(xobject.get("/Resources"), number)

    for number, page in enumerate(pdf.pages, 1):
        yield from walk(page.obj.get("/Resources"), number)


def max_total_ink(xobject) -> float | None:
    """The largest C+M+Y+K (%) of any pixel of a CMYK image (JPEG decoded, Adobe-inverted
    JPEGs included); None if the image is not CMYK."""
    from pikepdf import PdfImage
    from PIL import ImageMath

    image = PdfImage(xobject).as_pil_image()
    if image.mode != "CMYK":
        return None
    c, m, y, k = (band.convert("I") for band in image.split())
    total = ImageMath.lambda_eval(lambda e: e["c"] + e["m"] + e["y"] + e["k"], c=c, m=m, y=y, k=k)
    return total.getextrema()[1] / 255 * 100


def check_total_ink(pdf_path: Path) -> list[Finding]:
    """No pixel of any CMYK picture over the ink limit the output intent states (+ JPEG tolerance)."""
    import pikepdf

    findings = []
    with pikepdf.open(pdf_path) as pdf:
        intent = _intent(pdf)
        limit = stated_ink_limit(str(intent.get("/Info", "")) if intent is not None else "")
        for number, name, xobject in _images(pdf):
            total = max_total_ink(xobject)
            if total is not None and total > limit + JPEG_TOLERANCE:
                findings.append(_error(f"total ink: picture {name} reaches {total:.0f} % (limit {limit:g} %)",
                                       number, "convert the picture through the newsprint profile with the "
                                       "design's ink limit ([print] ink_limit in layout.toml)"))
    return findings


def check_black_overprint(pdf_path: Path) -> list[Finding]:
    """Text shown in 100 % K (`0 0 0 1 k`) is painted with fill overprint on and OPM 1."""
    import pikepdf

    findings = []
    with pikepdf.open(pdf_path) as pdf:
        for number, page in enumerate(pdf.pages, 1):
            states = page.obj.get("/Resources", {}).get("/ExtGState") or {}
            fill_k, overprint, stack, knocked = False, False, [], 0
            for operands, operator in pikepdf.parse_content_stream(page):
                op = str(operator)
                if op == "q":
                    stack.append((fill_k, overprint))
                elif op == "Q" and stack:
                    fill_k, overprint = stack.pop()
                elif op == "k":
                    fill_k = [float(v) for v in operands] == [0, 0, 0, 1]
                elif op in ("cs", "sc", "scn", "g", "rg"):
                    fill_k = False
                elif op == "gs":
                    state = states.get(str(operands[0])) or {}
                    if "/op" in state or "/OP" in state:
                        overprint = bool(state.get("/op", state.get("/OP"))) and int(state.get("/OPM", 0)) == 1
                elif op in ("Tj", "TJ", "'", '"') and fill_k and not overprint:
                    knocked += 1
            if knocked:
                findings.append(_error(f"overprint: {knocked} text run(s) in 100 % K knock out (no /op true, "
                                       "/OPM 1 in their graphics state)", number,
                                       "black text must overprint, or misregistration leaves white halos"))
    return findings


def check_press(pdf_path: Path) -> list[Finding]:
    return check_output_intent(pdf_path) + check_total_ink(pdf_path) + check_black_overprint(pdf_path)
