"""The fonts of an issue rendered a page at a time, subset and embedded once for the issue.

WeasyPrint subsets every font of every document it writes. For a CJK face of 65,535 glyphs that
costs 0.2–0.25 s a page when each 版 is a document of its own (--jobs, watch), and the issue then
carries one subset of each face for every page. So a page is written with the programs of the
role and fallback fonts left out: in their place a placeholder names the font file, the face and
the glyphs the page shows. Assembling the issue subsets each face once, to the glyphs of all its
pages, and every page's font dictionaries point at that one program. Glyph ids are kept
(retain-gids), so the codes, widths and ToUnicode maps WeasyPrint wrote stay true.

The page PDFs with placeholders are an intermediate: only `embed` makes them whole.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import threading
import zlib
from contextlib import contextmanager
from pathlib import Path

from typeset.model.errors import UserError

MARK = b"%paiban font program left out\n"
HEAD = 65536            # the bytes of a font file its fingerprint reads, with its size
# tables a PDF renderer never reads (WeasyPrint drops the same when it subsets)
DROPPED = (b"BASE", b"DSIG", b"EBDT", b"EBLC", b"EBSC", b"GPOS", b"GSUB", b"JSTF", b"LTSH", b"PCLT", b"SVG ")


def _fingerprint(head: bytes, size: int) -> str:
    return f"{hashlib.sha256(head[:HEAD]).hexdigest()}:{size}"


def _fingerprint_of(path: str) -> str:
    with open(path, "rb") as f:
        return _fingerprint(f.read(HEAD), os.fstat(f.fileno()).st_size)


def files_state() -> tuple[tuple[str, int, int], ...]:
    """The font files of the roles and fallback faces, with their sizes and times: what a font
    configuration and `known_files` were made from (a font package upgraded under `paiban watch`
    changes it)."""
    from typeset.system import fonts

    found = []
    for face in list(fonts.resolve_all().values()) + list(fonts.fallbacks()):
        try:
            st = face.file.stat() if face.file is not None else None
        except OSError:
            st = None
        if st is not None:
            found.append((str(face.file), st.st_size, st.st_mtime_ns))
    return tuple(sorted(set(found)))


def known_files() -> dict[str, str]:
    """The font files of the roles and fallback faces, by fingerprint: the fonts whose programs a
    page may leave out (any other font is subset in the page by WeasyPrint, as before)."""
    return _known(files_state())


@functools.lru_cache(maxsize=2)
def _known(state: tuple) -> dict[str, str]:
    found = {}
    for path, _, _ in state:
        try:
            found[_fingerprint_of(path)] = path
        except OSError:
            pass
    return found


# the font files whose programs the current thread's render leaves out (left_out)
_leaving = threading.local()


@contextmanager
def left_out(files: dict[str, str]):
    """Inside the block, WeasyPrint writes a placeholder in this thread instead of the program of
    a font in `files` (its whole file is the face's blob: HarfBuzz gives a .ttc face as the
    collection). WeasyPrint's `Font.clean` is wrapped once for the process; the wrapper does
    WeasyPrint's own work except inside this block in this thread, so a render in another
    thread (paiban serve's, a test's) is never touched."""
    from weasyprint.pdf import fonts

    if not getattr(fonts.Font.clean, "paiban_wrapped", False):
        fonts.Font.clean = _wrapped(fonts.Font.clean)
    outer = getattr(_leaving, "files", None)
    _leaving.files = files
    try:
        yield
    finally:
        _leaving.files = outer


def _wrapped(clean):
    def placeholder(font, to_unicode: dict, hinting: bool) -> None:
        files = getattr(_leaving, "files", None) or {}
        fingerprint = _fingerprint(font.file_content, len(font.file_content)) if files else None
        path = files.get(fingerprint)
        if (path is None or not to_unicode or "fvar" in font.tables
                or font.png or font.svg or font.colr):
            return clean(font, to_unicode, hinting)
        # the first bytes say which font file dictionary WeasyPrint writes (FontFile3 for CFF)
        kind = b"OTTO" if "CFF " in font.tables else b"\0\1\0\0"
        font.file_content = kind + MARK + json.dumps(
            {"file": path, "fingerprint": fingerprint,
             "index": font.index, "glyphs": sorted(to_unicode), "missing": bool(font.missing),
             "hinting": bool(hinting)}, separators=(",", ":")).encode()

    placeholder.paiban_wrapped = True
    return placeholder


def _placeholder(stream) -> dict | None:
    data = stream.read_bytes()
    return json.loads(data[4 + len(MARK):]) if data[4:4 + len(MARK)] == MARK else None


def _subset(file: str, index: int, glyphs: set[int], missing: bool, hinting: bool) -> bytes:
    """The face with only `glyphs`, at their ids, as WeasyPrint subsets (outlines without
    subroutines, hinting only if asked, the .notdef's outline when a character was missing)."""
    import uharfbuzz as hb

    try:
        face = hb.Face(hb.Blob.from_file_path(file), index)
    except OSError as e:
        raise UserError(f"font file {file} cannot be read ({e}): check the font installation (paiban fonts)") from None
    wanted = hb.SubsetInput()
    wanted.glyph_set.update(glyphs | {0})
    wanted.sets(hb.SubsetInputSets.DROP_TABLE_TAG).update(int.from_bytes(tag, "big") for tag in DROPPED)
    flags = hb.SubsetFlags.RETAIN_GIDS | hb.SubsetFlags.PASSTHROUGH_UNRECOGNIZED | hb.SubsetFlags.DESUBROUTINIZE
    if not hinting:
        flags |= hb.SubsetFlags.NO_HINTING
    if missing:
        flags |= hb.SubsetFlags.NOTDEF_OUTLINE
    wanted.flags = flags
    subset = hb.subset(face, wanted)
    if subset is None:
        raise UserError(f"HarfBuzz could not subset the font {Path(file).name} (face {index}): build with --jobs 1")
    return subset.blob.data


def embed(pdf) -> None:
    """Every left-out font program of the assembled `pdf` (pikepdf) replaced by one subset of
    its face, shared by all the pages, holding the glyphs of all of them."""
    import pikepdf

    slots: dict[tuple[str, int], list] = {}          # (file, face) → [(descriptor, key, placeholder)]
    for obj in pdf.objects:
        if not isinstance(obj, pikepdf.Dictionary) or obj.get("/Type") != "/FontDescriptor":
            continue
        for key in ("/FontFile2", "/FontFile3"):
            if key in obj and (found := _placeholder(obj[key])) is not None:
                slots.setdefault((found["file"], found["index"]), []).append((obj, key, found))
    for (file, index), uses in sorted(slots.items()):
        try:
            now = _fingerprint_of(file)
        except OSError:
            now = None
        if any(found["fingerprint"] != now for _, _, found in uses):
            raise UserError(f"font file {file} changed while the issue was built (a font package upgraded?): "
                            "build again")
        glyphs = set().union(*(found["glyphs"] for _, _, found in uses))
        data = _subset(file, index, glyphs, any(f["missing"] for _, _, f in uses), any(f["hinting"] for _, _, f in uses))
        program = pikepdf.Stream(pdf, zlib.compress(data))
        program.Filter = pikepdf.Name.FlateDecode
        if uses[0][1] == "/FontFile3":
            program.Subtype = pikepdf.Name.OpenType
        else:
            program.Length1 = len(data)
        for descriptor, key, _ in uses:
            descriptor[key] = program
