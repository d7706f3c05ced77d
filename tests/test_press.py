"""The print PDF as a newspaper plant checks it: the newsprint output intent, total ink measured
from the decoded CMYK pictures, 100 % K text overprinting, the slug's job line and colour bar,
the same bytes from any output folder — and `paiban check` failing hand-made bad copies."""

from __future__ import annotations

import io
import json
import shutil
import tomllib
from pathlib import Path

import pdfplumber
import pikepdf
import pytest
from conftest import paiban
from PIL import Image

from typeset import pipeline

INK_LIMIT = 240           # the sample designs' default ([print] ink_limit)
JPEG_SLACK = 0.5          # % : the decoded JPEG is held within the limit; decoders round differently


@pytest.fixture(scope="module")
def printed(sample_issue, tmp_path_factory) -> Path:
    return pipeline.build(sample_issue, tmp_path_factory.mktemp("print"), variants=["print"]).pdf


def _images(pdf):
    for page in pdf.pages:
        for name, xobject in page.get_images().items():
            yield name, xobject


def _max_ink(xobject) -> float:
    image = pikepdf.PdfImage(xobject).as_pil_image()
    assert image.mode == "CMYK"
    return max(sum(pixel) for pixel in image.get_flattened_data()) / 255 * 100


def test_output_intent_names_the_newsprint_condition(printed):
    with pikepdf.open(printed) as pdf:
        intent = pdf.Root.OutputIntents[0]
        assert str(intent.OutputConditionIdentifier) == "CGATS TR 002"
        assert str(intent.RegistryName) == "http://www.color.org"
        assert "newsprint" in str(intent.Info) and "newsprint" in str(intent.OutputCondition)
        header = intent.DestOutputProfile.read_bytes()[:128]
        assert header[12:20] == b"prtrCMYK" and header[36:40] == b"acsp"


def test_no_picture_pixel_over_the_ink_limit(printed):
    with pikepdf.open(printed) as pdf:
        inks = [_max_ink(x) for _, x in _images(pdf)]
    assert len(inks) == 4
    assert max(inks) <= INK_LIMIT + JPEG_SLACK, inks
    assert max(inks) > INK_LIMIT - 20        # the dark pictures do reach the limit: it bites


def _decoded_max_ink(jpeg: bytes) -> float:
    with Image.open(io.BytesIO(jpeg)) as image:
        return max(sum(pixel) for pixel in image.get_flattened_data()) / 255 * 100


def test_jpeg_ringing_at_white_lettering_is_held_within_the_limit():
    """White bars on a 300 % dark ground: the pixels held to 240 % and saved as they are ring
    over the limit at the edges; the encoder that checks its own output does not."""
    from PIL import ImageDraw

    from typeset.output.newsprint import jpeg_within_ink, limit_ink

    dark = Image.new("CMYK", (160, 96), (200, 190, 180, 240))
    draw = ImageDraw.Draw(dark)
    for x in range(8, 150, 14):
        draw.rectangle((x, 20, x + 5, 76), fill=(0, 0, 0, 0))
    plain = io.BytesIO()
    limit_ink(dark, INK_LIMIT).save(plain, "JPEG", quality=92)
    assert _decoded_max_ink(plain.getvalue()) > INK_LIMIT + 1            # the problem is real
    assert _decoded_max_ink(jpeg_within_ink(dark, INK_LIMIT, dpi=(300, 300))) <= INK_LIMIT + JPEG_SLACK


def test_black_text_overprints_and_pictures_knock_out(printed):
    with pikepdf.open(printed) as pdf:
        page = pdf.pages[0]
        states = page.Resources.ExtGState
        fill, op, stack, seen = None, None, [], {"text": [], "image": []}
        for operands, operator in pikepdf.parse_content_stream(page):
            o = str(operator)
            if o == "q":
                stack.append((fill, op))
            elif o == "Q":
                fill, op = stack.pop()
            elif o == "k":
                fill = tuple(float(v) for v in operands)
            elif o == "gs":
                state = states[operands[0]]
                if "/op" in state:
                    op = (bool(state.op), int(state.get("/OPM", 0)))
            elif o in ("Tj", "TJ") and fill == (0, 0, 0, 1):
                seen["text"].append(op)
            elif o == "Do" and operands[0] in page.get_images():
                seen["image"].append(op)
    assert len(seen["text"]) > 100 and set(seen["text"]) == {(True, 1)}
    assert set(seen["image"]) == {(False, 0)}


def test_slug_job_line_and_colour_bar(printed, sample_issue):
    with pikepdf.open(printed) as pdf:
        trim = [float(v) for v in pdf.pages[0].TrimBox]
    with pdfplumber.open(printed) as pdf:
        page = pdf.pages[0]
        height = float(page.height)
        above = "".join(c["text"] for c in page.chars if c["bottom"] < height - trim[3])
        issue = tomllib.loads((sample_issue / "issue.toml").read_text(encoding="utf-8"))
        first = issue["pages"][0]
        assert issue["paper"] in above and f"第{first['number']}版 {first['section']}" in above
        assert "色版CMYK" in above.replace(" ", "")
        below = [r for r in page.rects if r["top"] > height - trim[1]]
        colours = {tuple(r["non_stroking_color"] or ()) for r in below}
    assert {(1, 0, 0, 0), (0, 1, 0, 0), (0, 0, 1, 0), (0, 0, 0, 1), (0.5, 0, 0, 0), (0, 0, 0, 0.5)} <= colours


def test_print_is_the_same_bytes_from_any_output_folder(sample_issue, printed, tmp_path):
    other = pipeline.build(sample_issue, tmp_path / "elsewhere" / "deeper", variants=["print"]).pdf
    assert other.read_bytes() == printed.read_bytes()


# --- paiban check on hand-made bad copies -----------------------------------------------------

def _bad_copy(printed: Path, tmp_path: Path, spoil) -> Path:
    target = tmp_path / "bad.print.pdf"
    shutil.copyfile(printed, target)
    with pikepdf.open(target, allow_overwriting_input=True) as pdf:
        spoil(pdf)
        pdf.save(target)
    return target


def _check(path: Path) -> tuple[int, list[str]]:
    run = paiban("check", "--json", str(path))
    return run.returncode, [f["message"] for f in json.loads(run.stdout)["findings"] if f["severity"] == "error"]


def test_good_print_pdf_passes_check(printed):
    assert _check(printed) == (0, [])


def _add_rgb_fill(pdf):
    page = pdf.pages[0]
    page.contents_add(pdf.make_stream(b"q 1 0 0 rg 10 10 20 20 re f Q"))


def _add_heavy_ink_picture(pdf):
    name, xobject = next(_images(pdf))
    heavy = Image.new("CMYK", (40, 40), (200, 200, 200, 165))          # 300 % total ink
    data = io.BytesIO()
    heavy.save(data, "JPEG", quality=95)
    xobject.write(data.getvalue(), filter=pikepdf.Name.DCTDecode)
    xobject.Width, xobject.Height = 40, 40
    xobject.Decode = pikepdf.Array([1, 0, 1, 0, 1, 0, 1, 0])          # Pillow writes Adobe-inverted CMYK


def _remove_overprint(pdf):
    for state in pdf.pages[0].Resources.ExtGState.values():
        if state.get("/op") is True:
            state.op = state.OP = False


def _swap_intent(pdf):
    intent = pdf.Root.OutputIntents[0]
    intent.OutputConditionIdentifier = pikepdf.String("FOGRA39")
    intent.OutputCondition = intent.Info = pikepdf.String("Coated FOGRA39 (ISO 12647-2:2004)")


@pytest.mark.parametrize("spoil, expected", [
    (_add_rgb_fill, "RGB in a print PDF"),
    (_add_heavy_ink_picture, "total ink"),
    (_remove_overprint, "knock out"),
    (_swap_intent, "not a CMYK newsprint condition"),
])
def test_check_fails_a_spoilt_print_pdf_with_one_finding(printed, tmp_path, spoil, expected):
    code, errors = _check(_bad_copy(printed, tmp_path, spoil))
    assert code == 1
    assert len(errors) == 1 and expected in errors[0], errors


def test_check_fails_a_print_pdf_without_an_output_intent(printed, tmp_path):
    def drop_intent(pdf):
        del pdf.Root.OutputIntents

    code, errors = _check(_bad_copy(printed, tmp_path, drop_intent))
    assert code == 1 and errors and all("output intent" in e for e in errors), errors
