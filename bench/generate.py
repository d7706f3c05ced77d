"""Generated issues for tests and benchmarks: articles of chosen lengths, with or without
pictures, built from the sample page's sentences and a few with Latin, digits, 《》, ……, ——.

    python bench/generate.py OUT_FOLDER --pages 4 --articles 5 [--pictures] [--layout duikai]
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "content"))

EXTRA = [
    "据统计，今年1至7月全县共接报电信网络诈骗警情236起，同比下降18.5%。",
    "他说：“群众的钱袋子，就是我们的责任田。”",
    "活动现场发放《致全县居民的一封信》3000余份，解答群众咨询500余人次。",
    "“刷单返利”“虚假投资理财”……这些骗局花样翻新，让人防不胜防。",
    "民警提醒——凡是要求转账到“安全账户”的，都是诈骗！",
    "下载国家反诈中心APP，开启来电预警功能，可有效识别诈骗电话。",
    "截至8月1日，全县已有12.6万人注册使用反诈APP，注册率达到87%。",
    "镇里还组织了“反诈知识进校园”活动，用情景剧的形式讲解网络诈骗的常见套路。",
    "2023年，鄄城县被评为全省平安建设先进县（市、区）。",
    "志愿者们走进社区、集市和企业，面对面讲解5G时代的新型骗局。",
]
TITLES = ["全县反诈宣传进万家", "夏粮收购工作有序开展", "乡村振兴绘就新画卷", "文明实践活动丰富多彩",
          "老旧小区改造惠民生", "暑期安全教育走进社区", "特色产业助农增收", "河长制落实见实效",
          "全民健身热潮涌动", "非遗传承焕发新活力", "农村人居环境持续改善", "营商环境再优化"]


def sentences() -> list[str]:
    """The sentences of the sample issue's articles, and the mixed ones above."""
    from typeset.sources.issue_folder import load_article

    text = "".join(p for path in sorted((ROOT / "content" / "meili-juancheng" / "articles").glob("*.md"))
                   for p in load_article(path).paragraphs)
    return [s for s in re.findall(r"[^。！？]+[。！？]”?", text) if len(s) > 8] + EXTRA


def article_text(rng: random.Random, chars: int) -> list[str]:
    """Paragraphs of about `chars` characters in all."""
    pool, paragraphs, total = sentences(), [], 0
    while total < chars:
        paragraph = "".join(rng.choice(pool) for _ in range(rng.randint(1, 5)))
        paragraphs.append(paragraph)
        total += len(paragraph)
    return paragraphs


def write_issue(folder: Path, *, pages: int = 1, articles: int = 4, chars: tuple[int, int] = (300, 1500),
                pictures: bool = False, layout: str = "duikai", seed: int = 1, lengths: list[int] | None = None) -> Path:
    """Write a generated issue folder; `lengths` fixes the articles' sizes (characters)."""
    rng = random.Random(seed)
    (folder / "articles").mkdir(parents=True, exist_ok=True)
    toml = f'paper = "样报"\ndate = 2023-08-0{1 + seed % 9}\nnumber = {1000 + seed}\n'
    if pictures:
        from sample_pictures import SAMPLES, make_samples
        make_samples(folder)
        picture_files = [f"images/{name}" for name in SAMPLES]
    for p in range(1, pages + 1):
        slugs = []
        for a in range(1, articles + 1):
            slug = f"p{p}-{a:02d}"
            slugs.append(slug)
            size = lengths[a - 1] if lengths else rng.randint(*chars)
            front = [f"title: {rng.choice(TITLES)} {rng.choice(TITLES)}" if a == 1 else f"title: {rng.choice(TITLES)}",
                     f"priority: {min(a, 9)}"]
            if a == 1:
                front.append("kicker: 鄄城县召开全县工作推进会议")
            if rng.random() < 0.6:
                front.append("dateline: 本报讯（通讯员 纪哲）")
            else:
                front.append("byline: 通讯员 纪哲")
            if pictures and a <= 4:
                front += ["pictures:", f"  - file: {picture_files[(a - 1) % len(picture_files)]}",
                          "    caption: 活动现场。", "    credit: 纪哲 摄"]
            body = "\n\n".join(article_text(rng, size))
            (folder / "articles" / f"{slug}.md").write_text("---\n" + "\n".join(front) + "\n---\n\n" + body + "\n",
                                                            encoding="utf-8")
        toml += (f'\n[[pages]]\nnumber = {p}\nsection = "综合新闻"\nlayout = "{layout}"\neditor = "×××"\n'
                 f'articles = [{", ".join(repr(s).replace(chr(39), chr(34)) for s in slugs)}]\n')
    (folder / "issue.toml").write_text(toml, encoding="utf-8")
    return folder


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--pages", type=int, default=1)
    parser.add_argument("--articles", type=int, default=4)
    parser.add_argument("--pictures", action="store_true")
    parser.add_argument("--layout", default="duikai")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    print(write_issue(args.folder, pages=args.pages, articles=args.articles, pictures=args.pictures,
                      layout=args.layout, seed=args.seed))
