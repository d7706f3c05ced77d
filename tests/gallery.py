"""The README's gallery: the pages the tests build — the sample, a short text-only page, a page
with two pictures, a full text page, a page of every kind of item and a page of 组图 — built
with paiban and rendered at 40 dpi into tests/gallery/ (`make gallery`)."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import design_pages  # noqa: E402
import groups_page  # noqa: E402
import kinds_page  # noqa: E402

SAMPLE = HERE.parent / "content" / "meili-juancheng"
DPI = 40


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="paiban-gallery-") as tmp:
        work = Path(tmp)
        issues = {"sample": SAMPLE}
        for name in ("text-4000", "pictures-7000", "text-7500"):
            issues[name] = design_pages.write_page(work / "issues" / name, name)
        issues["kinds"] = kinds_page.write_page(work / "issues" / "kinds")
        issues["groups"] = groups_page.write_page(work / "issues" / "groups", pinned=False)
        issues["vertical"] = design_pages.write_vertical_page(work / "issues" / "vertical")
        for name, folder in issues.items():
            out = work / "out" / name
            subprocess.run([sys.executable, "-m", "typeset", "build", str(folder), "-o", str(out)], check=True)
            pdf = next(out.glob("*.pdf"))
            subprocess.run(["pdftoppm", "-r", str(DPI), "-png", "-singlefile", "-f", "1", "-l", "1", str(pdf),
                            str(work / name)], check=True)
            with Image.open(work / f"{name}.png") as page:      # 64 colours: a small file for the README
                page.convert("RGB").quantize(64).save(HERE / "gallery" / f"{name}.png", optimize=True)
            print(f"tests/gallery/{name}.png")


if __name__ == "__main__":
    main()
