"""组图 as a 美编 places them, read from the PDF of a built page (tests/groups_page.py): the
images' drawn and visible rectangles from the content stream (tests/placedimages.py), the
files' pixel sizes read with Pillow, the captions' glyphs with pdfplumber — never the plan.

Two landscapes in a 2-栏 module stand one above the other, two portraits side by side, four
pictures make a 2×2 grid; no picture is cropped past 15 %, blown up under 200 ppi or stretched,
all of them take at most 40 % of the 版心; nothing overlaps; each caption sits under its
picture with half a line of air or more before what follows."""

from __future__ import annotations

import groups_page
import pytest
from conftest import ROOT, build_archive, paiban
from pagedesign import read_frame
from PIL import Image
from placedimages import (
    DrawnImage,
    arrangement,
    caption_problems,
    crop,
    distortion,
    drawn_images,
    height,
    overlap,
    ppi,
    width,
)

MAX_CROP, MIN_PPI, PICTURE_SHARE = 0.15, 200, 0.40     # page-design.md rule 6; print's resolution


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    """(images, glyphs, frame, issue folder) of the built test page."""
    import pdfplumber

    base = tmp_path_factory.mktemp("groups")
    folder = groups_page.write_page(base / "issue")
    run = paiban("build", str(folder), "-o", str(base / "out"))
    assert run.returncode == 0, run.stderr
    pdf_path = base / "out" / "issue.pdf"
    with pdfplumber.open(pdf_path) as pdf:
        chars = [c for c in pdf.pages[0].chars if not c["text"].isspace()]
        page_height = pdf.pages[0].height
    frame = read_frame(ROOT / "layouts" / "duikai" / "layout.toml", page_height)
    return drawn_images(pdf_path), chars, frame, folder


def _item_images(page, slug) -> list[DrawnImage]:
    """The item's images in the record's order, told apart by the files' pixel sizes (Pillow)."""
    images, _, _, folder = page
    found = []
    for file, _, _ in groups_page.PICTURES[slug]:
        with Image.open(folder / file) as picture:
            size = picture.size
        [image] = [i for i in images if i.pixels == size]
        found.append(image)
    return found


def _text_box(chars, text):
    """The box around the first run of `text`'s glyphs (spaces aside) in drawing order."""
    text = "".join(text.split())
    joined = "".join(c["text"] for c in chars)
    at = joined.find(text)
    assert at >= 0, f"{text!r} is not printed"
    run = chars[at:at + len(text)]
    return (min(c["x0"] for c in run), min(c["top"] for c in run), max(c["x1"] for c in run),
            max(c["bottom"] for c in run)), run


def test_two_landscapes_in_a_narrow_module_are_stacked(page):
    frame = page[2]
    images = _item_images(page, "p6-02")
    assert arrangement([i.visible for i in images]) == "stacked"
    narrow = groups_page.PINNED["p6-02"] * (frame.column_width + frame.gap) - frame.gap
    assert all(width(i.visible) <= narrow + 0.5 for i in images)
    assert all(i.pixels[0] > i.pixels[1] for i in images)          # landscapes, as the files are


def test_two_portraits_stand_side_by_side(page):
    images = _item_images(page, "p6-03")
    assert all(i.pixels[1] > i.pixels[0] for i in images)
    assert arrangement([i.visible for i in images]) == "side by side"


def test_four_pictures_make_a_two_by_two_grid(page):
    assert arrangement([i.visible for i in _item_images(page, "p6-04")]) == "2×2"


def test_every_picture_within_its_limits(page):
    images, _, frame, _ = page
    assert len(images) == sum(len(p) for p in groups_page.PICTURES.values())
    for image in images:
        assert crop(image.visible, image.pixels) <= MAX_CROP + 0.005, image
        assert distortion(image.drawn, image.pixels) < 0.005, image
        assert ppi(image.drawn, image.pixels) >= MIN_PPI, image
    area = sum(width(i.visible) * height(i.visible) for i in images)
    assert area <= PICTURE_SHARE * frame.width * frame.height


def test_nothing_overlaps_a_picture(page):
    images, chars, _, _ = page
    boxes = [i.visible for i in images]
    assert not [(a, b) for n, a in enumerate(boxes) for b in boxes[n + 1:] if overlap(a, b)]
    assert not [c["text"] for c in chars for b in boxes if overlap((c["x0"], c["top"], c["x1"], c["bottom"]), b)]


def test_each_caption_sits_under_its_picture_with_air(page):
    images, chars, frame, _ = page
    glyphs = [(c["x0"], c["top"], c["x1"], c["bottom"]) for c in chars]
    checked = 0
    for slug in ("p6-02", "p6-03"):
        for (_, _, caption), image in zip(groups_page.PICTURES[slug], _item_images(page, slug)):
            box, run = _text_box(chars, caption)
            mine = {(c["x0"], c["top"], c["x1"], c["bottom"]) for c in run}
            below = [g for g in glyphs if g not in mine] + [i.visible for i in images]
            assert not caption_problems(box, image.visible, below, frame.pitch), (slug, caption)
            checked += 1
    # the four pictures share one caption (the item's text) under the whole grid
    group = [i.visible for i in _item_images(page, "p6-04")]
    area = (min(b[0] for b in group), min(b[1] for b in group), max(b[2] for b in group), max(b[3] for b in group))
    box, run = _text_box(chars, groups_page.SHARED_CAPTION)
    mine = {(c["x0"], c["top"], c["x1"], c["bottom"]) for c in run}
    assert not caption_problems(box, area, [g for g in glyphs if g not in mine], frame.pitch)
    assert checked == 4


def _options(folder, sizes, columns, kind="photo"):
    """The planner's picture options for an item with pictures of these pixel sizes."""
    from typeset.model.records import Article, Picture
    from typeset.plan import Planner
    from typeset.sources.designs import load_layout

    for i, size in enumerate(sizes):
        Image.new("RGB", size).save(folder / f"{i}.jpg")
    article = Article(slug="a", title="组图", paragraphs=("说明。",), kind=kind,
                      pictures=tuple(Picture(file=f"{i}.jpg", caption=f"第{i}张。") for i in range(len(sizes))))
    planner = Planner(load_layout("duikai"), folder)
    planner.ranks = {"a": 1}
    return planner.picture_options(article, columns)


def test_the_planner_prices_arrangements_by_the_pictures_proportions(tmp_path):
    """Each arrangement's cheapest option in a module of the given width, from the planner's
    own table: two landscapes in 2 栏 stack, two portraits in 2 栏 stand side by side (a tower
    costs about a broken page rule), four landscapes in 4 栏 make a 2×2 grid."""
    def cheapest(sizes, columns):
        best = {}
        for picture_columns, _, _, cost, slots in _options(tmp_path, sizes, columns):
            shape = arrangement([(s.x, s.y, s.x + s.w, s.y + s.h) for s in slots])
            if picture_columns == columns and cost < best.get(shape, float("inf")):
                best[shape] = cost
        return min(best, key=best.get), best

    assert cheapest([(1800, 1200), (1820, 1190)], 2)[0] == "stacked"
    shape, costs = cheapest([(1200, 1600), (1210, 1620)], 2)
    assert shape == "side by side" and costs["stacked"] - costs["side by side"] > 50
    assert cheapest([(1600 + i, 1070) for i in range(4)], 4)[0] == "2×2"


@pytest.mark.parametrize("sizes", [[(1800, 1200)] * 2, [(1200, 1600), (1800, 1200), (1000, 1000)],
                                   [(1600, 1070), (1070, 1600)] * 2])
def test_every_arrangement_keeps_its_pictures_apart_inside_the_area(tmp_path, sizes):
    """Whatever the planner offers (2–4 pictures, 1–8 栏): each picture inside the picture
    area, none overlapping another, none cropped past 15 % — checked on the options' boxes."""
    from typeset.sources.designs import load_layout

    layout = load_layout("duikai")
    seen = set()
    for columns in range(1, 9):
        for picture_columns, lines, _, _, slots in _options(tmp_path, sizes, columns, kind="article"):
            boxes = [(s.x, s.y, s.x + s.w, s.y + s.h) for s in slots]
            seen.add(arrangement(boxes))
            assert sorted(s.picture for s in slots) == list(range(len(sizes)))
            for box, slot in zip(boxes, slots):
                assert box[0] >= -0.01 and box[2] <= layout.span_width(picture_columns) + 0.01
                assert box[1] >= -0.01 and box[3] <= lines * layout.grid.pitch_pt + 0.01
                assert crop(box, sizes[slot.picture]) <= MAX_CROP + 1e-6
            assert not [(a, b) for n, a in enumerate(boxes) for b in boxes[n + 1:] if overlap(a, b, 0.01)]
    assert {"side by side", "stacked"} <= seen


# the checkers, on hand-made placements


def test_arrangement_tells_rows_columns_and_grids():
    a, b = (0, 0, 100, 60), (110, 0, 210, 60)
    assert arrangement([a, b]) == "side by side"
    assert arrangement([a, (0, 70, 100, 130)]) == "stacked"
    assert arrangement([a, b, (0, 70, 100, 130), (110, 70, 210, 130)]) == "2×2"
    assert arrangement([a, b, (0, 70, 100, 130)]) == "other"
    assert arrangement([a, (50, 70, 150, 130)]) == "other"          # one above the other, not aligned


def test_caption_checker_finds_a_caption_without_air_or_astray():
    picture, pitch = (0, 0, 200, 100), 13.5
    caption = (0, 102, 180, 111)
    assert caption_problems(caption, picture, [(0, 130, 9, 139)], pitch) == []
    assert caption_problems(caption, picture, [(20, 115.5, 29, 124.5)], pitch)   # the next line of text: 4.5 pt
    assert caption_problems(caption, picture, [(300, 115.5, 309, 124.5)], pitch) == []   # beside, not under
    assert caption_problems((0, 130, 180, 139), picture, [], pitch)               # far below its picture
    assert caption_problems((0, -12, 180, -3), picture, [], pitch)                # above it
    assert caption_problems((0, 102, 240, 111), picture, [], pitch)               # wider than it


def test_limits_checkers_on_hand_made_placements():
    pixels = (1500, 1000)
    assert crop((0, 0, 150, 100), pixels) == pytest.approx(0)
    assert crop((0, 0, 105, 100), pixels) == pytest.approx(0.3)        # 30 % of the width cut away
    assert crop((0, 0, 150, 60), pixels) == pytest.approx(0.4)         # 40 % of the height
    assert distortion((0, 0, 200, 100), pixels) == pytest.approx(1 / 3)   # stretched
    assert ppi((0, 0, 540, 360), pixels) == pytest.approx(200)
    assert ppi((0, 0, 720, 480), pixels) < MIN_PPI                    # blown up
    assert overlap((0, 0, 10, 10), (5, 5, 15, 15))
    assert not overlap((0, 0, 10, 10), (10, 0, 20, 10))                # touching is not overlapping


def test_drawn_images_reads_the_clip_and_the_transformation(tmp_path):
    """A hand-made PDF: a 30 × 20 px image drawn 200 × 100 pt at (50, 300), clipped to
    (60, 310)–(160, 360), inside a q/Q that a second, unclipped drawing follows."""
    import pikepdf

    pdf = pikepdf.new()
    image = pikepdf.Stream(pdf, bytes(30 * 20 * 3), Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Image,
                           Width=30, Height=20, ColorSpace=pikepdf.Name.DeviceRGB, BitsPerComponent=8)
    content = (b"q 60 310 100 50 re W n q 200 0 0 100 50 300 cm /Im0 Do Q Q "
               b"q 1 0 0 -1 0 800 cm q 30 0 0 20 10 10 cm /Im0 Do Q Q")
    pdf.add_blank_page(page_size=(600, 800))
    pdf.pages[0].Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image))
    pdf.pages[0].Contents = pdf.make_stream(content)
    pdf.save(tmp_path / "hand.pdf")
    first, second = drawn_images(tmp_path / "hand.pdf")
    assert first.pixels == (30, 20)
    assert first.drawn == pytest.approx((50, 400, 250, 500))           # top-down: 800 − 400 … 800 − 300
    assert first.visible == pytest.approx((60, 440, 160, 490))
    assert crop(first.visible, first.pixels) == pytest.approx(1 - 1.5 / (100 / 50))
    assert second.drawn == pytest.approx((10, 10, 40, 30)) and second.visible == second.drawn


def test_left_to_the_planner_the_groups_page_keeps_every_design_rule(tmp_path):
    """The same page without pins (as the README's gallery shows it): 0 碰题, 0 十字, one 通栏 at
    most, 字块 ≥ 12 lines, pictures within their share and crop, 主题 by priority, lines flush."""
    from pagedesign import measure_build

    folder = groups_page.write_page(tmp_path / "issue", pinned=False)
    [design] = measure_build(*build_archive(folder, tmp_path / "out"), folder, ROOT / "layouts")
    assert len(design.priorities) == 6 and design.picture_share > 0.1      # the whole page was read
    assert [v.text for v in design.violations] == []
