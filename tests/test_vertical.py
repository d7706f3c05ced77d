"""Vertical headlines (竖题) read from the PDF: the glyphs pdfplumber finds and the ink a
rasterizer draws (pdftoppm), cell by cell. The cells are the test's own: the headline is put at
a known place with a known size, and cell r is the square r em below its top."""

from __future__ import annotations

import subprocess

import pdfplumber
import pytest
from PIL import Image

from typeset.compose import compose_vertical
from typeset.render import LINE_CSS, VERTICAL_CSS, line_html, vertical_html

SIZE = 24.0
LEFT = TOP = 30.0
DPI = 300
SCALE = DPI / 72


def render(body: str, height: float, tmp_path) -> tuple[list[dict], Image.Image]:
    import weasyprint

    html = (f'<html lang="zh-CN"><head><style>@page {{ size: 100pt {height + 2 * TOP}pt; margin: 0 }}'
            f" body {{ margin: 0 }} .at {{ position: absolute; left: {LEFT}pt; top: {TOP}pt }}\n"
            f"{LINE_CSS}\n{VERTICAL_CSS}</style></head><body><div class=\"at\">{body}</div></body></html>")
    pdf = tmp_path / "v.pdf"
    pdf.write_bytes(weasyprint.HTML(string=html).write_pdf())
    subprocess.run(["pdftoppm", "-r", str(DPI), "-gray", "-png", str(pdf), str(tmp_path / "v")], check=True)
    with pdfplumber.open(pdf) as doc:
        chars = [c for c in doc.pages[0].chars if c["text"].strip()]
    return chars, Image.open(next(tmp_path.glob("v*.png"))).convert("L")


def vertical(text: str, tmp_path):
    headline = compose_vertical(text, "heiti", SIZE)
    return (headline, *render(vertical_html(headline), headline.height, tmp_path))


def ink(image: Image.Image, row: int, rows: int = 1) -> tuple[float, float, float, float] | None:
    """The ink box (left, top, right, bottom) in em of cells row .. row+rows-1 of the column,
    relative to the first cell's top-left corner; ink outside the column's cells is not seen."""
    x0, y0 = LEFT * SCALE, (TOP + row * SIZE) * SCALE
    box = (int(x0), int(y0), int(x0 + SIZE * SCALE), int(y0 + rows * SIZE * SCALE))
    found = image.crop(box).point(lambda v: 255 if v < 128 else 0).getbbox()
    if found is None:
        return None
    em = SIZE * SCALE
    return tuple((v + (box[i % 2] - (x0, y0)[i % 2])) / em for i, v in enumerate(found))


def in_top_right(box) -> bool:
    left, top, right, bottom = box
    return left >= 0.45 and bottom <= 0.55 and right <= 1.0 and top >= 0.0


def test_characters_upright_one_a_cell_in_one_column(tmp_path):
    text = "提高全民反诈意识"
    headline, chars, image = vertical(text, tmp_path)
    assert "".join(c["text"] for c in chars) == text
    assert all(c["upright"] for c in chars)
    assert {round(c["x0"], 2) for c in chars} == {LEFT}                      # one column
    tops = [c["top"] for c in chars]
    assert [b - a for a, b in zip(tops, tops[1:])] == pytest.approx([SIZE] * (len(text) - 1), abs=0.01)
    for row in range(len(text)):                # each character's ink inside its own cell
        left, top, right, bottom = ink(image, row)
        assert 0 <= left and right <= 1 and 0 <= top and bottom <= 1
        assert bottom - top > 0.6 and abs((left + right) / 2 - 0.5) < 0.1


def test_comma_period_and_ideographic_comma_sit_in_the_top_right_quadrant(tmp_path):
    text = "意识，护苗、行动。"
    headline, chars, image = vertical(text, tmp_path)
    assert "".join(c["text"] for c in chars) == text                         # the source marks
    for row, ch in enumerate(text):
        if ch in "，。、":
            assert in_top_right(ink(image, row)), (ch, ink(image, row))


def test_a_comma_set_horizontally_is_not_in_the_top_right_quadrant(tmp_path):
    """The checker's negative case: a plain line "识，" (the comma in its horizontal place,
    lower left) read cell by cell as if it were vertical."""
    from typeset.compose import compose_paragraph
    from typeset.model.layout import HouseStyle

    (line,) = compose_paragraph([("识，", "heiti")], 5 * SIZE, SIZE, HouseStyle(indent_em=0))
    body = f'<div style="--pitch:{SIZE}pt;transform-origin:0 0;transform:rotate(90deg) translate(0,-{SIZE}pt)">{line_html(line)}</div>'
    _, image = render(body, 2 * SIZE, tmp_path)
    assert ink(image, 1) is not None and not in_top_right(ink(image, 1))


def test_brackets_and_quotes_are_turned_toward_their_text(tmp_path):
    text = "“护苗”（行动）"
    headline, chars, image = vertical(text, tmp_path)
    assert "".join(c["text"] for c in chars) == text                         # not replaced
    for row, ch in enumerate(text):
        box = ink(image, row)
        left, top, right, bottom = box
        if ch in "“”（）":
            assert not next(c for c in chars if c["text"] == ch)["upright"]
        if ch in "（）":
            assert right - left > 2 * (bottom - top), (ch, box)          # lying across the column
        if ch in "“（":
            assert top >= 0.5, (ch, box)            # an opening mark at the foot of its cell, by its text
        if ch in "”）":
            assert bottom <= 0.5, (ch, box)         # a closing mark at the head of its cell
        if ch in "“”":
            assert abs((left + right) / 2 - 0.5) < 0.15, (ch, box)       # centred across


def test_dash_and_ellipsis_run_down_the_column_unbroken(tmp_path):
    text = "行动——实效……好"
    headline, chars, image = vertical(text, tmp_path)
    assert "".join(c["text"] for c in chars) == text
    left, top, right, bottom = ink(image, 2, rows=2)
    assert right - left < 0.2 and bottom - top > 1.9                         # one vertical rule
    x0, y0 = int(LEFT * SCALE), int((TOP + 2 * SIZE) * SCALE)
    band = image.crop((x0, y0 + 4, x0 + int(SIZE * SCALE), y0 + int(2 * SIZE * SCALE) - 4))
    rows_with_ink = [band.crop((0, y, band.width, y + 1)).getextrema()[0] < 128 for y in range(band.height)]
    assert all(rows_with_ink)                                                # no gap between the dashes
    for row in (6, 7):                                                        # …… : dots down the column
        left, top, right, bottom = ink(image, row)
        assert bottom - top > 0.6 and right - left < 0.3


def test_a_space_between_phrases_is_one_empty_cell_and_short_numbers_stand_upright(tmp_path):
    headline, chars, image = vertical("护苗 行动 16", tmp_path)
    assert headline.rows == 7
    assert ink(image, 2) is None
    assert next(c for c in chars if c["text"] == "1")["upright"]
    left, top, right, bottom = ink(image, 6)
    assert 0 <= left and right <= 1 and abs((left + right) / 2 - 0.5) < 0.1
