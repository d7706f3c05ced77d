"""The print variant's finish: crop marks and registration targets in registration colour, the
BleedBox, colours as `k`/`K`, a content-derived document ID (pikepdf, after WeasyPrint)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from typeset.model.layout import MM
from typeset.plan import IssuePlan
from typeset.render import document_date
from typeset.system.clock import printed_time

from .identity import document_uuid
from .newsprint import add_overprint_states, overprint_black

BLEED_MM = 3.0
SLUG_MM = 10.0               # beyond the bleed: room for the crop marks and registration targets


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
    return pikepdf.unparse_content_stream(overprint_black(out))


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
                    add_overprint_states(pdf, form.Resources)
            add_overprint_states(pdf, resources)
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
            meta["xmpMM:DocumentID"] = f"uuid:{document_uuid(identifier)}"
            meta["xmpMM:InstanceID"] = f"uuid:{document_uuid(identifier + ':print')}"
            meta["xmpMM:RenditionClass"] = "default"
        pdf.save(pdf_path, deterministic_id=True)


def slug_time(plan: IssuePlan, epoch: int | None) -> str:
    """The print slug's time: the document's date (SOURCE_DATE_EPOCH, else the issue's date, so
    the file is reproducible) in Beijing time."""
    when = dt.datetime.fromisoformat(document_date(plan, epoch).replace("Z", "+00:00"))
    return printed_time(when)
