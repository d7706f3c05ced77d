"""A test page of 组图 (issue 13): a lead article, an article with two landscape pictures in a
narrow module (pinned to 2 栏), a 图片新闻 of two portraits (4 栏), a 图片新闻 of four landscapes
under one shared caption (4 栏), and text to fill — text from the sample's sentences
(tests/design_pages.py), photo-like pictures, each of its own pixel size (so a test can tell
which file an image of the PDF is).

    python tests/groups_page.py OUT_FOLDER
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import yaml
from design_pages import TOPICS, paragraphs, photo, seed_sentences, write_issue_toml

# slug → pictures as (file, (width, height) in pixels, caption or None)
PICTURES = {
    "p6-02": [("images/hedao-1.jpg", (1800, 1200), "清淤后的河道恢复通畅。"),
              ("images/hedao-2.jpg", (1820, 1190), "村民在河岸补植绿化苗木。")],
    "p6-03": [("images/renwu-1.jpg", (1200, 1600), "老党员张秀英在讲述入党经历。"),
              ("images/renwu-2.jpg", (1210, 1620), "志愿者为老人整理党史资料。")],
    "p6-04": [(f"images/sijing-{i}.jpg", (1600 + 10 * i, 1070), None) for i in range(1, 5)],
}
# the four pictures' one caption: their item's text
SHARED_CAPTION = "春种、夏长、秋收、冬藏，鄄城乡村四季各有风景。（本报记者 李楠 摄）"
PINNED = {"p6-02": 2, "p6-03": 4, "p6-04": 4}     # each 组图's module, in 栏 (the arrangement is the planner's)


def _record(folder: Path, slug: str, front: dict, body: str) -> None:
    text = f"---\n{yaml.safe_dump(front, allow_unicode=True, sort_keys=False)}---\n\n{body}\n"
    (folder / "articles" / f"{slug}.md").write_text(text, encoding="utf-8")


def _pin(slug: str, pinned: bool) -> dict:
    return {"pin": {"columns": PINNED[slug]}} if pinned else {}


def _pictures(folder: Path, slug: str, seed: int) -> list[dict]:
    out = []
    for i, (file, size, caption) in enumerate(PICTURES[slug]):
        photo(size, seed + i).save(folder / file, quality=85)
        out.append({"file": file, **({"caption": caption} if caption else {})})
    return out


def write_page(folder: Path, *, pinned: bool = True) -> Path:
    """The issue folder: issue.toml, six records and eight pictures; `pinned`: each 组图's module
    held to its width in PINNED (the tests of each arrangement), else the planner's choice."""
    rng = random.Random(61)
    pool = seed_sentences()
    (folder / "articles").mkdir(parents=True, exist_ok=True)
    (folder / "images").mkdir(exist_ok=True)
    _record(folder, "p6-01", {"kicker": TOPICS[0][1], "title": TOPICS[0][0], "dateline": "本报讯（通讯员 纪哲）",
                              "priority": 1}, "\n\n".join(paragraphs(rng, TOPICS[0], 2200, pool)))
    _record(folder, "p6-02", {"title": "小河道治理见成效", "byline": "通讯员 王晓", "priority": 4,
                              **_pin("p6-02", pinned), "pictures": _pictures(folder, "p6-02", 6100)},
            "\n\n".join(paragraphs(rng, TOPICS[2], 900, pool)))
    _record(folder, "p6-03", {"kind": "photo", "title": "老党员讲述初心故事", "priority": 2,
                              **_pin("p6-03", pinned), "pictures": _pictures(folder, "p6-03", 6200)},
            "近日，鄄城县各社区开展“老党员讲党课”活动，请老党员讲述亲身经历。")
    _record(folder, "p6-04", {"kind": "photo", "title": "乡村四季", "priority": 3,
                              **_pin("p6-04", pinned), "pictures": _pictures(folder, "p6-04", 6300)},
            SHARED_CAPTION)
    _record(folder, "p6-05", {"title": TOPICS[1][0], "byline": "通讯员 赵明", "priority": 5},
            "\n\n".join(paragraphs(rng, TOPICS[1], 1500, pool)))
    _record(folder, "p6-06", {"title": TOPICS[3][0], "priority": 6},
            "\n\n".join(paragraphs(rng, TOPICS[3], 400, pool)))
    return write_issue_toml(folder, "2023-08-25", 12360, 6, ["p6-01", "p6-03", "p6-04", "p6-02", "p6-05", "p6-06"])


if __name__ == "__main__":
    print(write_page(Path(sys.argv[1])))
