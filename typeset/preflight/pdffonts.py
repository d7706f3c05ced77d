"""The fonts of a PDF as the checks read them: encodings, embedded CMaps, ToUnicode maps and
glyph ids (WeasyPrint 70 writes every font as Type0 with Identity-H, except when Pango reported
a missing glyph: then an embedded CMap (/WP-Encod-0) maps that character's code to CID 0, the
.notdef — pdfminer cannot read it, so the checks parse it here)."""

from __future__ import annotations

import re
from dataclasses import dataclass

SUBSET_PREFIX = re.compile(r"^[A-Z]{6}\+")

_HEX = re.compile(rb"<([0-9A-Fa-f]+)>")


def _utf16(token: bytes) -> str:
    data = bytes.fromhex(token.strip(b"<>").decode())
    return data.decode("utf-16-be", errors="replace")


def parse_tounicode(data: bytes) -> dict[int, str]:
    """Code → text of a ToUnicode CMap (bfchar and bfrange sections)."""
    result: dict[int, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", data, re.S):
        tokens = _HEX.findall(block)
        for src, dst in zip(tokens[0::2], tokens[1::2]):
            result[int(src, 16)] = _utf16(dst)
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", data, re.S):
        for m in re.finditer(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(<[0-9A-Fa-f]+>|\[[^\]]*\])", block):
            lo, hi, dst = int(m[1], 16), int(m[2], 16), m[3]
            if dst.startswith(b"["):
                for code, item in zip(range(lo, hi + 1), _HEX.findall(dst)):
                    result[code] = _utf16(item)
            else:
                raw = bytes.fromhex(dst.strip(b"<>").decode())
                base = int.from_bytes(raw, "big")
                for k, code in enumerate(range(lo, hi + 1)):
                    value = (base + k).to_bytes(len(raw), "big")
                    result[code] = value.decode("utf-16-be", errors="replace")
    return result


def parse_cid_cmap(data: bytes) -> dict[int, int]:
    """Code → CID of an embedded encoding CMap (cidchar and cidrange sections)."""
    result: dict[int, int] = {}
    for block in re.findall(rb"begincidchar(.*?)endcidchar", data, re.S):
        for m in re.finditer(rb"<([0-9A-Fa-f]+)>\s*(\d+)", block):
            result[int(m[1], 16)] = int(m[2])
    for block in re.findall(rb"begincidrange(.*?)endcidrange", data, re.S):
        for m in re.finditer(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*(\d+)", block):
            lo, hi, cid = int(m[1], 16), int(m[2], 16), int(m[3])
            for k, code in enumerate(range(lo, hi + 1)):
                result[code] = cid + k
    return result


@dataclass
class PdfFont:
    """What the checks need to know of one font dictionary of the PDF."""

    name: str                        # BaseFont, e.g. ABCDEF+Noto-Serif-CJK-SC
    subtype: str
    two_byte: bool
    to_cid: dict[int, int] | None    # None: Identity (code = CID)
    cid_to_gid: bytes | None         # CIDToGIDMap stream (Type2), None: Identity
    to_unicode: dict[int, str]
    embedded: bool
    program_bytes: int               # length of the embedded font program
    program_key: tuple | None
    program_sound: bool = True       # the embedded program is a font (sound_program)

    @property
    def family(self) -> str:
        return SUBSET_PREFIX.sub("", self.name)

    @property
    def subset(self) -> bool:
        return bool(SUBSET_PREFIX.match(self.name))

    def glyph(self, code: int) -> int:
        """The glyph id a code draws (0: .notdef)."""
        cid = code if self.to_cid is None else self.to_cid.get(code, 0)
        if self.cid_to_gid is not None:
            i = 2 * cid
            return int.from_bytes(self.cid_to_gid[i:i + 2], "big") if i + 2 <= len(self.cid_to_gid) else 0
        return cid

    def codes(self, data: bytes) -> list[int]:
        if self.two_byte:
            return [int.from_bytes(data[i:i + 2], "big") for i in range(0, len(data) - 1, 2)]
        return list(data)


def sound_program(stream) -> bool:
    """Whether an embedded font program is a font a renderer can read: an sfnt (TrueType,
    OpenType) whose tables lie inside it, a bare CFF (major version 1), or a Type 1 program."""
    try:
        data = stream.read_bytes()
    except Exception:       # noqa: BLE001 — an undecodable stream is no font
        return False
    if data[:4] in (b"\0\1\0\0", b"OTTO", b"true"):
        tables = int.from_bytes(data[4:6], "big")
        if tables == 0 or 12 + 16 * tables > len(data):
            return False
        entries = (data[12 + 16 * i:28 + 16 * i] for i in range(tables))
        return all(int.from_bytes(e[8:12], "big") + int.from_bytes(e[12:16], "big") <= len(data) for e in entries)
    if str(stream.get("/Subtype", "")) in ("/CIDFontType0C", "/Type1C"):
        return data[:1] == b"\1"
    return data[:2] == b"%!" or str(stream.get("/Subtype", "")) == "/Type1"


def _stream_length(stream) -> int:
    try:
        return int(stream.get("/Length1") or stream.get("/Length") or len(stream.read_raw_bytes()))
    except Exception:
        return 0


def load_font(obj, programs: dict | None = None) -> PdfFont:
    """What the checks need of a font dictionary; `programs` keeps whether each font program
    read so far is sound, by object (a program shared by pages is read once)."""
    import pikepdf

    subtype = str(obj.get("/Subtype", ""))
    name = str(obj.get("/BaseFont", "/(unnamed)")).lstrip("/")
    described, two_byte, to_cid, cid_to_gid = obj, False, None, None
    if subtype == "/Type0":
        two_byte = True
        described = obj.DescendantFonts[0]
        encoding = obj.get("/Encoding")
        if isinstance(encoding, pikepdf.Stream):
            to_cid = parse_cid_cmap(encoding.read_bytes())
        elif encoding is not None and str(encoding) not in ("/Identity-H", "/Identity-V"):
            to_cid = None        # a predefined CMap (not written by WeasyPrint): assume identity
        gid_map = described.get("/CIDToGIDMap")
        if isinstance(gid_map, pikepdf.Stream):
            cid_to_gid = gid_map.read_bytes()
    to_unicode = {}
    if "/ToUnicode" in obj and isinstance(obj.ToUnicode, pikepdf.Stream):
        to_unicode = parse_tounicode(obj.ToUnicode.read_bytes())
    embedded, program_bytes, program_key, program_sound = _program_facts(obj, {} if programs is None else programs)
    return PdfFont(name=name, subtype=subtype, two_byte=two_byte, to_cid=to_cid, cid_to_gid=cid_to_gid,
                   to_unicode=to_unicode, embedded=embedded, program_bytes=program_bytes, program_key=program_key,
                   program_sound=program_sound)


def _program_facts(font, sound: dict[tuple, bool]) -> tuple[bool, int, tuple | None, bool]:
    """A font dictionary's program as the checks see it: (embedded, its bytes, its object, sound);
    `sound` keeps sound_program's answer by program object (a program shared by pages is read
    once)."""
    described = font.DescendantFonts[0] if font.get("/Subtype") == "/Type0" else font
    descriptor = described.get("/FontDescriptor", {})
    program = next((descriptor[k] for k in ("/FontFile", "/FontFile2", "/FontFile3") if k in descriptor), None)
    if program is None:
        return False, 0, None, True
    if program.objgen == (0, 0):
        return True, _stream_length(program), program.objgen, sound_program(program)
    if program.objgen not in sound:
        sound[program.objgen] = sound_program(program)
    return True, _stream_length(program), program.objgen, sound[program.objgen]


def page_programs(pdf_path) -> list[dict[str, tuple[bool, int, tuple | None, bool]]]:
    """Each page's fonts, by name, as (embedded, program bytes, program key, program sound): from
    the page's resources and its forms'. No content stream is read."""
    import pikepdf

    sound: dict[tuple, bool] = {}          # a program shared by pages is read once

    def fonts_in(resources, found: dict, seen: set) -> None:
        for font in (resources.get("/Font") or {}).values():
            found[str(font.get("/BaseFont", "/(unnamed)")).lstrip("/")] = _program_facts(font, sound)
        for form in (resources.get("/XObject") or {}).values():
            if form.get("/Subtype") == "/Form" and "/Resources" in form and form.objgen not in seen:
                seen.add(form.objgen)
                fonts_in(form.Resources, found, seen)

    with pikepdf.open(pdf_path) as doc:
        result = []
        for page in doc.pages:
            found: dict = {}
            fonts_in(page.obj.get("/Resources", {}), found, set())
            result.append(found)
        return result
