"""The test pages of issue 12, written as issue folders: county-news text recombined
deterministically (a seeded random) from the sample's sentences and from sentence patterns of
the same kind, and photo-like pictures drawn with Pillow.

    python tests/design_pages.py OUT_FOLDER      # writes OUT_FOLDER/<page>/ for every page
"""

from __future__ import annotations

import random
import re
import sys
from pathlib import Path

import yaml
from PIL import Image, ImageDraw, ImageFilter

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "tests" / "dumps" / "seed_juancheng.txt"   # a copy of shared/seeds/000_5d4c4dc4ed23c78b.txt

# the topics of a county page: 主题, 引题 (or None), the town and the office that act in it
TOPICS = [
    ("秋粮颗粒归仓 农机服务送到田间地头", "全县三夏生产有序推进", "旧城镇", "县农业农村局", "麦收"),
    ("老旧小区改造惠及两千余户居民", None, "古泉街道", "县住建局", "小区改造"),
    ("非遗传承人走进校园教剪纸", "传统文化进课堂", "郑营镇", "县文化馆", "非遗课堂"),
    ("夜间经济点亮县城消费新场景", None, "陈王街道", "县商务局", "夜市"),
    ("黄河滩区迁建群众住上新楼房", "安居才能乐业", "李进士堂镇", "县发改局", "滩区迁建"),
    ("县医院开通胸痛救治绿色通道", None, "县城", "县卫健局", "胸痛中心"),
    ("乡村振兴擂台赛比出发展新干劲", "比学赶超促发展", "董口镇", "县委组织部", "擂台赛"),
    ("汛期安全检查不留死角", None, "左营乡", "县应急管理局", "汛前检查"),
]
PATTERNS = [
    "{month}月{day}日，{office}组织工作人员深入{town}，实地查看{thing}推进情况，现场协调解决群众反映的实际问题。",
    "“{quote}”{town}群众{name}说，这几年家门口的变化大家都看在眼里。",
    "据了解，今年以来，{town}共投入资金{money}万元，实施{thing}项目{n}个，惠及群众{people}余人。",
    "{office}相关负责人介绍，{thing}工作坚持问题导向，做到底数清、情况明、措施实，确保各项任务按时保质完成。",
    "为把好事办好、实事办实，{town}成立工作专班，实行“一周一调度、一月一通报”，层层压实责任。",
    "在{town}{village}，记者看到，工作人员正忙着登记信息、分发资料，前来咨询的群众络绎不绝。",
    "活动现场，志愿者们耐心讲解政策要点，发放宣传资料{n}00余份，接受群众咨询{people}人次。",
    "下一步，{office}将持续跟踪{thing}进展，及时总结推广好的经验做法，让更多群众享受到发展成果。",
    "截至{month}月底，全县{thing}工作已完成年度任务的{percent}%，{town}等{n}个镇街提前完成目标任务。",
    "“{quote}”{office}工作人员{name}告诉记者，他们将把群众满意作为检验工作的标准。",
    "{town}结合实际，探索“党支部+合作社+农户”模式，带动{people}余户群众稳定增收。",
    "近年来，鄄城县坚持以人民为中心的发展思想，把{thing}作为民生实事的重要内容，统筹谋划、压茬推进。",
    "{office}还邀请专业技术人员现场指导，手把手传授操作要领，帮助群众解决实际困难{n}0余个。",
    "连日来，{town}干部群众放弃休息时间，加班加点推进{thing}，确保群众早受益、多受益。",
]
QUOTES = ["现在办事方便多了，跑一趟就能办成", "政策好，干部实在，俺们心里踏实",
          "以前想都不敢想，如今日子越过越有奔头", "有了这个好办法，大家干劲更足了"]
NAMES = ["王秀英", "李建国", "张卫东", "刘桂兰", "赵志强", "孙红梅", "陈立新", "周海涛"]
VILLAGES = ["前王庄村", "后刘村", "张庄村", "李楼村", "孙寺村", "大赵庄村"]
AUTHORS = ["纪哲", "王晓", "李楠", "赵明", "刘畅"]


def seed_sentences() -> list[str]:
    """The sample's body sentences, with its half-width punctuation set full-width."""
    text = SEED.read_text(encoding="utf-8")
    body = "".join(line.strip() for line in text.splitlines()
                   if line.strip() and not line.startswith("#") and len(line.strip()) > 12)
    body = body.translate(str.maketrans({",": "，", "(": "（", ")": "）", ":": "：", ";": "；"}))
    body = re.sub(r"本报讯（通讯员 纪哲） ?", "", body)
    return [s for s in re.findall(r"[^。！？]*[。！？]”?", body) if len(s) > 15]


def sentence(rng: random.Random, topic: tuple, pool: list[str]) -> str:
    """One sentence: a quarter from the sample, the rest from the patterns about the topic."""
    _, _, town, office, thing = topic
    if rng.random() < 0.25:
        return rng.choice(pool)
    return rng.choice(PATTERNS).format(
        month=rng.randint(3, 9), day=rng.randint(1, 28), office=office, town=town, thing=thing,
        quote=rng.choice(QUOTES), name=rng.choice(NAMES), money=rng.randint(120, 3600),
        n=rng.randint(3, 16), people=rng.randint(200, 9000), village=rng.choice(VILLAGES),
        percent=rng.randint(60, 98))


def paragraphs(rng: random.Random, topic: tuple, chars: int, pool: list[str]) -> list[str]:
    """About `chars` characters of body (one sentence over at most) in paragraphs of two to
    four sentences."""
    result, total = [], 0
    while total < chars:
        paragraph = ""
        for _ in range(rng.randint(2, 4)):
            if total + len(paragraph) >= chars:
                break
            paragraph += sentence(rng, topic, pool)
        result.append(paragraph)
        total += len(paragraph)
    return result


def photo(size: tuple[int, int], seed: int) -> Image.Image:
    """A photo-like picture: sky, horizon, soft blobs of figures and buildings, blurred."""
    rng = random.Random(seed)
    w, h = size
    image = Image.new("RGB", size)
    draw = ImageDraw.Draw(image)
    sky, ground = (rng.randint(90, 160), rng.randint(140, 190), 220), (rng.randint(70, 120), 100, 60)
    horizon = int(h * rng.uniform(0.35, 0.55))
    for y in range(h):
        t = y / h
        base = sky if y < horizon else ground
        draw.line([(0, y), (w, y)], fill=tuple(int(c * (0.7 + 0.5 * t)) for c in base))
    for _ in range(80):
        x, y = rng.randrange(w), rng.randrange(horizon - h // 6, h)
        r = rng.randrange(w // 80, w // 25)
        shade = tuple(rng.randrange(30, 230) for _ in range(3))
        draw.rectangle([x - r, y - 3 * r, x + r, y], fill=shade)
        draw.ellipse([x - r, y - 4 * r, x + r, y - 2.6 * r], fill=(220, 180, 150))
    return image.filter(ImageFilter.GaussianBlur(w / 800))


# name → (articles: list of (body characters, priority, pictures as (w, h) or None), seed)
PAGES = {
    "text-4000": ([(1250, 1, None), (900, 2, None), (750, 3, None), (600, 4, None), (400, 5, None)], 12),
    "pictures-7000": ([(2000, 1, (2400, 1600)), (1500, 2, (1600, 2400)), (1250, 3, None), (900, 4, None),
                       (700, 5, None), (500, 6, None)], 13),
    "text-7500": ([(1850, 1, None), (1550, 2, None), (1350, 3, None), (1100, 4, None), (850, 5, None),
                   (550, 6, None)], 14),
}


def write_page(folder: Path, name: str) -> Path:
    """One issue folder of one 对开 page (duikai), written from its seed."""
    articles, seed = PAGES[name]
    rng = random.Random(seed)
    pool = seed_sentences()
    topics = rng.sample(TOPICS, len(articles))
    (folder / "articles").mkdir(parents=True, exist_ok=True)
    slugs = []
    for i, ((chars, priority, picture), topic) in enumerate(zip(articles, topics), 1):
        slug = f"p1-{i:02d}"
        slugs.append(slug)
        author = rng.choice(AUTHORS)
        front = {"title": topic[0]}
        if topic[1]:
            front["kicker"] = topic[1]
        if rng.random() < 0.6:
            front["dateline"] = f"本报讯（通讯员 {author}）"
        else:
            front["byline"] = f"通讯员 {author}"
        front["priority"] = priority
        if picture:
            file = f"images/{slug}.jpg"
            (folder / "images").mkdir(exist_ok=True)
            photo(picture, seed * 100 + i).save(folder / file, quality=85)
            front["pictures"] = [{"file": file, "caption": f"{topic[2]}{topic[4]}现场。", "credit": f"{author} 摄"}]
        body = "\n\n".join(paragraphs(rng, topic, chars, pool))
        text = f"---\n{yaml.safe_dump(front, allow_unicode=True, sort_keys=False)}---\n\n{body}\n"
        (folder / "articles" / f"{slug}.md").write_text(text, encoding="utf-8")
    return write_issue_toml(folder, "2023-08-11", 12350, 1, slugs)


def write_issue_toml(folder: Path, date: str, number: int, page: int, slugs: list[str]) -> Path:
    """issue.toml of a one-page test issue of the 菏泽日报's 魅力鄄城 (duikai) with these records."""
    slug_list = ", ".join(f'"{s}"' for s in slugs)
    (folder / "issue.toml").write_text(
        f'paper = "菏泽日报"\ndate = {date}\nnumber = {number}\n\n[[pages]]\nnumber = {page}\nsection = "魅力鄄城"\n'
        f'layout = "duikai"\neditor = "王五"\narticles = [{slug_list}]\n', encoding="utf-8")
    return folder


VERTICAL = ("text-7500", "p1-05")    # the page with a 竖题: this item's record asks for one


def write_vertical_page(folder: Path) -> Path:
    """The 7,500-character page with one item's record asking for a 竖题 (headline: vertical)."""
    page, slug = VERTICAL
    folder = write_page(folder, page)
    record = folder / "articles" / f"{slug}.md"
    record.write_text(record.read_text(encoding="utf-8").replace("---\n", "---\nheadline: vertical\n", 1),
                      encoding="utf-8")
    return folder


def body_characters(folder: Path) -> int:
    """Characters of body text in an issue folder's records (front matter excluded)."""
    return sum(len(re.sub(r"\s", "", p.read_text(encoding="utf-8").split("---", 2)[2]))
               for p in (folder / "articles").glob("*.md"))


if __name__ == "__main__":
    out = Path(sys.argv[1])
    for page in PAGES:
        target = write_page(out / page, page)
        print(f"wrote {target} ({body_characters(target)} characters)")
