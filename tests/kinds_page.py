"""Issue 13's test page, written as an issue folder: one item of each kind on a 魅力鄄城 page —
a lead article with a 栏目名, two ## 小标题 and a **bold** run-in, a second article, a 简讯 box
of three items, a 图片新闻 组图 of two pictures, and a 短评 — with text recombined from the
sample's sentences (tests/design_pages.py) and photo-like pictures.

    python tests/kinds_page.py OUT_FOLDER
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import yaml
from design_pages import TOPICS, paragraphs, photo, seed_sentences, write_issue_toml

SUBHEADS = ("抓好源头治理", "织密服务网络")
BOLD = "一是压实责任"
BRIEFS = [("旧城镇开展消防演练", 110), ("郑营镇举办农技培训", 95), ("董口镇完成道路硬化", 120)]
PICTURE_CAPTIONS = ("志愿者在广场为群众讲解防汛知识。", "工作人员检查排涝设备运行情况。")
COMMENT_TITLE = "把实事办到群众心坎上"
PHOTO_TEXT = "7月下旬以来，鄄城县各镇街组织开展防汛应急演练，检验队伍、物资和预案，确保安全度汛。"


def _record(folder: Path, slug: str, front: dict, body: str) -> None:
    text = f"---\n{yaml.safe_dump(front, allow_unicode=True, sort_keys=False)}---\n\n{body}\n"
    (folder / "articles" / f"{slug}.md").write_text(text, encoding="utf-8")


def write_page(folder: Path) -> Path:
    """The issue folder: issue.toml, five records and three pictures."""
    rng = random.Random(13)
    pool = seed_sentences()
    (folder / "articles").mkdir(parents=True, exist_ok=True)
    (folder / "images").mkdir(exist_ok=True)
    photo((2400, 1600), 1301).save(folder / "images/lead.jpg", quality=85)
    photo((1800, 1200), 1302).save(folder / "images/zutu-1.jpg", quality=85)
    photo((1800, 1350), 1303).save(folder / "images/zutu-2.jpg", quality=85)

    lead = paragraphs(rng, TOPICS[0], 1500, pool)
    lead[2] = BOLD + lead[2]
    body = "\n\n".join(lead[:2] + [f"## {SUBHEADS[0]}", f"**{BOLD}**{lead[2][len(BOLD):]}", *lead[3:5],
                                   f"## {SUBHEADS[1]}", *lead[5:]])
    _record(folder, "p5-01", {"column": "县域经济", "kicker": TOPICS[0][1], "title": TOPICS[0][0],
                              "dateline": "本报讯（通讯员 纪哲）", "priority": 1,
                              "pictures": [{"file": "images/lead.jpg", "caption": "旧城镇麦收现场。",
                                            "credit": "纪哲 摄"}]}, body)
    _record(folder, "p5-02", {"title": TOPICS[1][0], "byline": "通讯员 王晓", "priority": 2},
            "\n\n".join(paragraphs(rng, TOPICS[1], 1100, pool)))
    items = []
    for subhead, chars in BRIEFS:
        items += [f"## {subhead}", paragraphs(rng, TOPICS[rng.randrange(len(TOPICS))], chars, pool)[0]]
    _record(folder, "p5-03", {"kind": "briefs", "column": "鄄城简讯", "title": "一周县域动态", "priority": 5},
            "\n\n".join(items))
    _record(folder, "p5-04", {"kind": "photo", "title": "防汛演练筑牢安全堤坝", "priority": 3,
                              "pictures": [{"file": "images/zutu-1.jpg", "caption": PICTURE_CAPTIONS[0]},
                                           {"file": "images/zutu-2.jpg", "caption": PICTURE_CAPTIONS[1],
                                            "credit": "李楠 摄"}]},
            PHOTO_TEXT)
    _record(folder, "p5-05", {"kind": "comment", "column": "短评", "title": COMMENT_TITLE, "byline": "赵明",
                              "priority": 4},
            "\n\n".join(paragraphs(rng, TOPICS[3], 420, pool)))
    return write_issue_toml(folder, "2023-08-18", 12355, 5, ["p5-01", "p5-02", "p5-03", "p5-04", "p5-05"])


if __name__ == "__main__":
    print(write_page(Path(sys.argv[1])))
