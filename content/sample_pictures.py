"""Generate the sample issue's placeholder photographs (样图), marked as samples.

The 魅力鄄城 page had photographs (会场, 托管班, 检查现场, 宣传活动); until real ones are
supplied, these stand in: drawn scenes with a large 样图 SAMPLE label, sized for print
(3000 px wide: over 200 ppi even across all 8 栏 of a broadsheet, as print needs). Run by `make setup`; nothing here is in git.

    python content/sample_pictures.py [ISSUE_FOLDER]
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from typeset.system.fonts import font

SAMPLES = {
    "huichang.jpg": ("会场", (38, 70, 120)),
    "tuoguanban.jpg": ("托管班", (160, 90, 40)),
    "jiancha.jpg": ("检查现场", (40, 110, 70)),
    "xuanchuan.jpg": ("宣传活动", (130, 40, 60)),
}
SIZE = (3000, 2060)


def draw_sample(label: str, colour: tuple[int, int, int], seed: int) -> Image.Image:
    """A simple scene: sky gradient, ground, rows of figures, and the sample label."""
    rng = random.Random(seed)
    w, h = SIZE
    unit = w / 1600          # the drawing was designed at 1600 px wide
    image = Image.new("RGB", SIZE)
    draw = ImageDraw.Draw(image)
    for y in range(h):
        t = y / h
        draw.line([(0, y), (w, y)], fill=tuple(int(c * (0.5 + t) + 60 * (1 - t)) for c in colour))
    draw.rectangle([0, int(h * 0.62), w, h], fill=(90, 84, 78))
    for _ in range(60):
        x, y = rng.randrange(w), rng.randrange(int(h * 0.55), int(h * 0.95))
        r = int(rng.randrange(18, 34) * unit)
        shade = rng.randrange(40, 200)
        draw.ellipse([x - r, y - 3 * r, x + r, y - r], fill=(shade, shade - 20, shade - 30))
        draw.rectangle([x - r, y - r, x + r, y + 2 * r], fill=(rng.randrange(30, 220), 60, 90))
    face = font("heiti")
    big = ImageFont.truetype(str(face.file), int(150 * unit), index=face.index)
    small = ImageFont.truetype(str(face.file), int(60 * unit), index=face.index)
    draw.text((w / 2, h * 0.33), f"样图 {label}", font=big, anchor="mm", fill="white")
    draw.text((w / 2, h * 0.50), "SAMPLE PICTURE · 示例图片", font=small, anchor="mm", fill="white")
    return image


def make_samples(folder: Path) -> list[Path]:
    """Write the sample pictures into folder/images (skipping those already there)."""
    images = folder / "images"
    images.mkdir(parents=True, exist_ok=True)
    written = []
    for seed, (name, (label, colour)) in enumerate(SAMPLES.items()):
        target = images / name
        if not target.exists():
            draw_sample(label, colour, seed).save(target, quality=88, dpi=(200, 200))
            written.append(target)
    return written


if __name__ == "__main__":
    folder = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent / "meili-juancheng"
    for path in make_samples(folder):
        print(f"wrote {path}")
