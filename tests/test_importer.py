"""typeset.sources.importer: page dumps → records, and records → an issue folder that loads."""

import datetime as dt
import re
from collections import Counter
from pathlib import Path

import pytest
from conftest import SEED

from typeset.model.chars import han_chars
from typeset.model.errors import UserError
from typeset.sources.importer import (
    ImportedArticle,
    ImportedPage,
    ends_sentence,
    import_file,
    page_document,
    parse_dump,
    write_issue,
)
from typeset.sources.issue_folder import load_issue

DUMPS = Path(__file__).parent / "dumps"


def all_text(page: ImportedPage) -> str:
    parts = [page.section]
    for a in page.articles:
        parts += [a.kicker, a.title, a.subtitle, a.dateline, *a.paragraphs, a.byline]
    parts += [page.editor, page.designer, page.proofreader]
    return "".join(p for p in parts if p)


def without_labels(text: str) -> str:
    """The dump's Han characters less the labels the importer consumes (引题: 副题: 责任编辑 …)."""
    for label in ("引题", "副题", "责任编辑", "美编", "校对"):
        text = text.replace(label, "")
    return text


def fields(page: ImportedPage):
    for a in page.articles:
        yield from (f for f in (a.kicker, a.title, a.subtitle, a.dateline, a.byline) if f)
        yield from a.paragraphs


@pytest.fixture(scope="module")
def seed() -> ImportedPage:
    return import_file(SEED)


# ------------------------------------------------------------------------------------------
# The seed page

def test_seed_structure(seed):
    assert seed.section == "魅力鄄城"
    assert len(seed.articles) == 4
    lead = seed.articles[0]
    assert lead.kicker == "鄄城县召开全县打击治理电信网络诈骗工作推进会议"
    assert lead.title == "提高全民反诈意识 最大限度减少群众财产损失"
    assert [a.title for a in seed.articles[1:]] == [
        "爱心托管班缓解暑期看护难", "“护苗”行动 为青少年健康成长保驾护航", "筑牢反诈“防火墙” 守护群众“钱袋子”"]
    assert all(a.kicker is None for a in seed.articles[1:])
    assert all(a.subtitle is None for a in seed.articles)


def test_seed_datelines_and_bylines(seed):
    a1, a2, a3, a4 = seed.articles
    for a in (a1, a3, a4):
        assert a.dateline == "本报讯（通讯员 纪哲）"
        assert a.byline is None
        assert not a.paragraphs[0].startswith((" ", "本报讯"))
    assert a1.paragraphs[0].startswith("8月3日下午，鄄城县召开")
    assert a3.paragraphs[0].startswith("正值暑期，")
    assert a2.dateline is None
    assert a2.byline == "通讯员 纪哲"
    assert "纪哲" not in a2.paragraphs[-1]
    assert a2.paragraphs[-1].startswith("暑期爱心托管班的开设")
    assert "安全感和获得感，让更多群众感受到来自工会“娘家人”的温暖关怀。" in a2.paragraphs[-1]
    assert a2.paragraphs[-1].endswith("的温暖关怀。")


def test_seed_ocr_breaks_repaired(seed):
    paragraphs = [p for a in seed.articles for p in a.paragraphs]
    text = "\n".join(paragraphs)
    for whole in ["充分认清鄄城县电信网络诈骗案件高发的严峻形势", "要及时关注辖区内电诈案件发案情况",
                  "要广泛深入开展电诈防范宣传", "今年，鄄城县总工会联合团县委，",
                  "还帮助解决了职工子女的托管难题", "防范电信网络新型诈骗小视频、防诈骗录音",
                  "宣讲会等多种方式，并组织网格员"]:
        assert any(whole in p for p in paragraphs), whole
    assert [len(a.paragraphs) for a in seed.articles] == [3, 4, 3, 5]
    # every paragraph ends a sentence
    assert all(ends_sentence(p) for p in paragraphs), [p[-10:] for p in paragraphs if not ends_sentence(p)]
    assert "\n\n" not in text


def test_seed_no_ascii_punctuation_in_chinese(seed):
    for f in fields(seed):
        assert not re.search(r"[\u4e00-\u9fff][,():;?!]|[,():;?!][\u4e00-\u9fff]", f), f
    assert "APP" in seed.articles[3].paragraphs[-1]  # Latin stays ASCII


def test_seed_every_han_character_kept(seed):
    dump = SEED.read_text(encoding="utf-8")
    assert sorted(han_chars(all_text(seed))) == sorted(han_chars(dump))
    assert han_chars(all_text(seed)) == han_chars(dump)  # same order, too


def test_seed_as_an_issue_document(seed):
    document = page_document(seed, paper="菏泽日报", date=dt.date(2023, 8, 4), page_number=5).model_dump()
    (page,) = document["issue"]["pages"]
    assert page["section"] == "魅力鄄城"
    assert list(page["articles"]) == ["p5-01", "p5-02", "p5-03", "p5-04"]
    assert [a["priority"] for a in document["articles"]] == [1, 2, 3, 4]
    assert document["articles"][1]["dateline"] is None
    assert document["articles"][1]["byline"] == "通讯员 纪哲"
    assert [list(a["paragraphs"]) for a in document["articles"]] == [a.paragraphs for a in seed.articles]
    with pytest.raises(UserError, match="section"):
        page_document(parse_dump("## 标题\n\n正文。"), paper="报", date=dt.date(2023, 8, 4), page_number=1)


# ------------------------------------------------------------------------------------------
# Our own dumps

def test_subtitle_reporter_byline_and_latin():
    page = import_file(DUMPS / "001_reporter_subtitle.txt")
    assert page.section == "科技前沿"
    (a,) = page.articles
    assert a.kicker is None
    assert a.title == "5G基站建设跑出“加速度”"
    assert a.subtitle == "——记鄄城县通信发展服务中心的一年"
    assert a.dateline == "本报讯（记者 张三 李四）"
    assert a.byline == "记者 张三 李四"
    p = a.paragraphs
    assert len(p) == 4
    assert p[0] == "2023年以来，鄄城县新建5G基站120个，全县5G网络覆盖率达到98.5%，比上年提高3.5个百分点。"
    # a paragraph whose sentence ends inside the quote, and an OCR break inside it
    assert p[1] == "“以前在村里看视频总是卡，现在用5G手机刷短视频一点都不卡了。”什集镇村民王大爷笑着说。"
    assert "“智慧鄄城”APP，" in p[2]
    assert "社保、医保等1,000多项业务" in p[2]           # OCR break repaired; 1,000 stays
    assert "每天10:30和16:30各推送" in p[2]
    assert "https://www.example.gov.cn/app?id=5，欢迎" in p[2]  # URL intact
    assert "（详见相关报道）" in p[3]
    assert han_chars(all_text(page)) == han_chars((DUMPS / "001_reporter_subtitle.txt").read_text("utf-8"))


def test_closing_quote_after_full_stop_ends_paragraph():
    page = parse_dump("## 标题\n\n他说：“走吧。”\n\n第二段。\n")
    assert page.articles[0].paragraphs == ["他说：“走吧。”", "第二段。"]
    page = parse_dump("## 标题\n\n按照“任务分解”\n\n的要求。\n")
    assert page.articles[0].paragraphs == ["按照“任务分解”的要求。"]


def test_agency_datelines_marked_kicker_run_in_byline_and_credits():
    page = import_file(DUMPS / "002_agency_datelines.txt")
    assert page.section is None
    a, b = page.articles
    assert a.kicker is None
    assert a.dateline == "本报8月3日讯（记者 王五）"
    assert a.paragraphs[0] == "记者从省粮食和物资储备局获悉，截至8月2日，全省累计收购小麦1,200万吨，收购进度过半。"
    assert a.byline == "本报记者 王五"  # run in after the last sentence
    assert a.paragraphs[-1].endswith("有车运粮”。")
    assert b.kicker == "守护一方平安"      # written '引题:' before the headline
    assert b.dateline == "新华社北京8月3日电（记者 赵六）"
    assert b.byline == "通讯员 李明"       # bracketed end byline
    assert b.paragraphs[-1] == "群众普遍反映：“晚上出门散步，心里踏实多了！”"
    assert (page.editor, page.designer, page.proofreader) == ("孙七", "周八", "吴九")
    credited = page_document(page, paper="报", date=dt.date(2023, 8, 3), page_number=1, section="要闻")
    assert credited.issue.pages[0].editor == "孙七" and credited.issue.pages[0].proofreader == "吴九"
    assert han_chars(all_text(page)) == without_labels(han_chars((DUMPS / "002_agency_datelines.txt").read_text("utf-8")))


def test_hard_wrapped_crlf_subheading_and_two_line_headline():
    page = import_file(DUMPS / "003_hardwrapped_crlf.txt")
    (a,) = page.articles
    assert a.title == "小小蘑菇 撑起致富大产业"
    assert a.dateline == "本报讯（通讯员 陈晨）"
    assert a.paragraphs == [
        "近日，走进鄄城县旧城镇食用菌种植基地，一排排大棚整齐排列。",
        "科技赋能",
        "基地负责人介绍，今年共种植香菇、平菇等品种。",
        "每个大棚年收入可达3万元。",
        "带动周边群众就业200余人。",
        "“我们还和高校合作，引进了新品种。”他说，下一步将扩大规模。",
    ]
    assert a.subheads == (1,)


def test_no_section_no_kicker_bare_dateline():
    page = import_file(DUMPS / "004_no_section.txt")
    assert page.section is None
    (a,) = page.articles
    assert a.kicker is None and a.subtitle is None
    assert a.dateline == "本报讯"
    assert a.paragraphs[0].startswith("近日，县图书馆")
    assert "每天9:00至17:30（周一闭馆）" in a.paragraphs[0]
    assert "“书香鄄城”" in a.paragraphs[1] and "0530-1234567" in a.paragraphs[1]
    assert a.byline == "文/图 刘洋"


@pytest.mark.parametrize("dump", sorted(DUMPS.glob("*.txt")), ids=lambda p: p.name)
def test_every_dump_keeps_its_han_characters(dump):
    page = import_file(dump)
    assert han_chars(all_text(page)) == without_labels(han_chars(dump.read_text("utf-8")))


# ------------------------------------------------------------------------------------------
# Kicker and byline rules

def test_short_line_before_later_headline_is_not_a_kicker():
    page = parse_dump("# 版\n\n引题一\n\n## 甲\n\n正文一。\n\n一行短字\n\n## 乙\n\n正文二。\n")
    a, b = page.articles
    assert a.kicker == "引题一"
    assert b.kicker is None
    assert a.paragraphs == ["正文一。", "一行短字"]


def test_byline_before_next_headline_stays_with_its_article():
    page = parse_dump("## 甲\n\n正文一。\n\n记者 张三\n\n## 乙\n\n正文二。\n\n（记者 李四 王五）\n")
    assert [a.byline for a in page.articles] == ["记者 张三", "记者 李四 王五"]
    assert [a.kicker for a in page.articles] == [None, None]


def test_byline_is_taken_before_ocr_repair():
    page = parse_dump("## 甲\n\n正文没有句号\n\n通讯员 纪哲\n")
    a = page.articles[0]
    assert a.byline == "通讯员 纪哲" and a.paragraphs == ["正文没有句号"]


@pytest.mark.parametrize("last", ["文明城市建设取得实效", "图为会议现场", "记者节快乐。", "（完）"])
def test_not_bylines(last):
    page = parse_dump(f"## 甲\n\n正文。\n\n{last}\n")
    assert page.articles[0].byline is None
    assert page.articles[0].paragraphs[-1] == last


def test_multiline_kicker_is_repaired():
    page = parse_dump("# 版\n\n鄄城县召开全县打击\n\n治理电信网络诈骗工作推进会议\n\n## 标题\n\n正文。")
    assert page.articles[0].kicker == "鄄城县召开全县打击治理电信网络诈骗工作推进会议"


def test_dateline_alone_on_its_line():
    page = parse_dump("## 标题\n\n本报讯(通讯员 纪哲)\n\n8月3日下午,会议召开。\n")
    a = page.articles[0]
    assert a.dateline == "本报讯（通讯员 纪哲）"
    assert a.paragraphs == ["8月3日下午，会议召开。"]


def test_subtitle_marker_and_dash_forms():
    page = parse_dump("## 甲\n\n副题：一个副题\n\n正文。\n\n## 乙\n\n--记一位老党员\n\n正文。\n\n"
                      "## 丙\n\n正文。\n\n——引语不是副题\n")
    assert [a.subtitle for a in page.articles] == ["一个副题", "——记一位老党员", None]
    assert page.articles[2].paragraphs[-1] == "——引语不是副题"


# ------------------------------------------------------------------------------------------
# Errors a user can cause

@pytest.mark.parametrize("dump, message", [
    ("", "empty"),
    ("  \n\n \t\n", "empty"),
    ("# 魅力鄄城\n\n只有正文，没有标题。\n", "no article headline"),
    ("# 版\n\n" + "很长的一段正文，" * 20 + "\n\n## 标题\n\n正文。", "not a kicker"),
    ("# 版\n\n第一段。\n\n第二段。\n\n## 标题\n\n正文。", "not a kicker"),
    ("## 标题\n\n正文。\n\n# 第二个版\n\n## 乙\n\n正文。", "section header"),
    ("# 甲版\n\n# 乙版\n\n## 标题\n\n正文。", "second section"),
    ("杂字\n\n# 版\n\n## 标题\n\n正文。", "before the section header"),
    ("## 标题\n\n## \n\n正文。\n\n## 乙", "no body text"),
    ("## 标题\n\n本报讯（通讯员 纪哲）\n", "no body text"),
])
def test_user_errors(dump, message):
    with pytest.raises(UserError) as e:
        parse_dump(dump, where="page.txt")
    assert message in e.value.message
    assert e.value.where.startswith("page.txt")
    assert "\n" not in str(e.value)


def test_unreadable_files(tmp_path):
    gbk = tmp_path / "gbk.txt"
    gbk.write_bytes("## 标题\n\n正文。".encode("gbk"))
    with pytest.raises(UserError, match="not UTF-8") as e:
        import_file(gbk)
    assert e.value.where == str(gbk)
    with pytest.raises(UserError, match="not found"):
        import_file(tmp_path / "missing.txt")


def test_bom_is_ignored(tmp_path):
    path = tmp_path / "bom.txt"
    path.write_bytes("\ufeff# 版\n\n## 标题\n\n正文。".encode("utf-8"))
    assert import_file(path).section == "版"


# ------------------------------------------------------------------------------------------
# write_issue → load_issue

DATE = dt.date(2023, 8, 4)


def test_write_issue_round_trip(tmp_path, seed):
    folder = write_issue(seed, tmp_path / "content" / "2023-08-04", paper="菏泽日报", date=DATE, page_number=3)
    assert folder == tmp_path / "content" / "2023-08-04"
    loaded = load_issue(folder)
    assert loaded.issue.paper == "菏泽日报" and loaded.issue.date == DATE
    (page,) = loaded.issue.pages
    assert page.number == 3 and page.section == "魅力鄄城" and page.layout == "duikai"
    assert list(page.articles) == ["p3-01", "p3-02", "p3-03", "p3-04"]
    articles = loaded.page_articles(page)
    assert [a.priority for a in articles] == [1, 2, 3, 4]
    for got, want in zip(articles, seed.articles):
        assert (got.kicker, got.title, got.subtitle, got.dateline, got.byline, list(got.paragraphs)) == \
            (want.kicker, want.title, want.subtitle, want.dateline, want.byline, want.paragraphs)
    # nothing left behind next to the folder
    assert sorted(p.name for p in folder.parent.iterdir()) == ["2023-08-04"]
    assert sorted(p.name for p in (folder / "articles").iterdir()) == [f"p3-0{i}.md" for i in range(1, 5)]


@pytest.mark.parametrize("dump", sorted(DUMPS.glob("*.txt")), ids=lambda p: p.name)
def test_every_dump_round_trips(tmp_path, dump):
    page = import_file(dump)
    folder = write_issue(page, tmp_path / "issue", paper='A "quoted" \\ paper 报', date=DATE, page_number=1,
                         layout="sikai", section=page.section or "要闻")
    loaded = load_issue(folder)
    assert loaded.issue.paper == 'A "quoted" \\ paper 报'
    assert loaded.issue.pages[0].layout == "sikai"
    assert loaded.issue.pages[0].editor == page.editor
    assert [list(a.paragraphs) for a in loaded.articles.values()] == [a.paragraphs for a in page.articles]
    assert [a.subheads for a in loaded.articles.values()] == [a.subheads for a in page.articles]
    assert [a.title for a in loaded.articles.values()] == [a.title for a in page.articles]


def test_tricky_yaml_values_round_trip(tmp_path):
    page = parse_dump("# 版\n\n引题: 带冒号 #号\n\n## 'yes': - null\n\n正文。\n")
    assert page.articles[0].kicker == "带冒号 #号"
    assert page.articles[0].title == "'yes': - null"
    tricky = ImportedArticle(kicker="yes", title="null", subtitle="——: x", dateline="@本报讯",
                             byline="'记者' 张三", paragraphs=["---", "- null: true", "# 正文。", "“引号”开头。"])
    page = ImportedPage(section="true", articles=[*page.articles, tricky])
    folder = write_issue(page, tmp_path / "i", paper="报", date=DATE, page_number=1)
    loaded = load_issue(folder)
    assert loaded.issue.pages[0].section == "true"
    for got, want in zip(loaded.articles.values(), page.articles):
        assert (got.kicker, got.title, got.subtitle, got.dateline, got.byline, list(got.paragraphs)) == \
            (want.kicker, want.title, want.subtitle, want.dateline, want.byline, want.paragraphs)


def test_write_issue_priorities_cap_at_9(tmp_path):
    dump = "".join(f"## 标题{i}\n\n正文{i}。\n\n" for i in range(12))
    folder = write_issue(parse_dump(dump), tmp_path / "i", paper="报", date=DATE, page_number=2, section="版")
    loaded = load_issue(folder)
    assert [a.priority for a in loaded.articles.values()] == [1, 2, 3, 4, 5, 6, 7, 8, 9, 9, 9, 9]
    assert list(loaded.articles)[-1] == "p2-12"


def test_write_issue_refuses_non_empty_folder(tmp_path, seed):
    folder = tmp_path / "issue"
    folder.mkdir()
    (folder / "notes.txt").write_text("mine")
    with pytest.raises(UserError, match="not empty") as e:
        write_issue(seed, folder, paper="报", date=DATE, page_number=1)
    assert e.value.where == str(folder)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["issue"]
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]


def test_write_issue_into_empty_folder(tmp_path, seed):
    folder = tmp_path / "issue"
    folder.mkdir()
    write_issue(seed, folder, paper="报", date=DATE, page_number=1)
    assert len(load_issue(folder).articles) == 4


def test_write_issue_force_replaces_records_and_keeps_pictures(tmp_path, seed):
    folder = tmp_path / "issue"
    write_issue(seed, folder, paper="报", date=DATE, page_number=1)
    (folder / "pictures").mkdir()
    (folder / "pictures" / "a.jpg").write_bytes(b"x")
    (folder / "articles" / "stale.md").write_text("old")
    small = parse_dump("## 新标题\n\n新正文。")
    write_issue(small, folder, paper="新报", date=DATE, page_number=1, section="新版", force=True)
    loaded = load_issue(folder)
    assert loaded.issue.paper == "新报"
    assert [a.title for a in loaded.articles.values()] == ["新标题"]
    assert sorted(p.name for p in (folder / "articles").iterdir()) == ["p1-01.md"]
    assert (folder / "pictures" / "a.jpg").read_bytes() == b"x"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["issue"]


def test_write_issue_failure_leaves_nothing(tmp_path, seed, monkeypatch):
    import typeset.sources.importer as importer

    def broken(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(importer, "_article_markdown", broken)
    with pytest.raises(UserError, match="No space left"):
        write_issue(seed, tmp_path / "issue", paper="报", date=DATE, page_number=1)
    assert list(tmp_path.iterdir()) == []


def test_write_issue_needs_a_section_and_a_paper(tmp_path):
    page = parse_dump("## 标题\n\n正文。")
    with pytest.raises(UserError, match="section"):
        write_issue(page, tmp_path / "i", paper="报", date=DATE, page_number=1)
    with pytest.raises(UserError, match="paper"):
        write_issue(page, tmp_path / "i", paper=" ", date=DATE, page_number=1, section="版")
    assert list(tmp_path.iterdir()) == []


def test_write_issue_onto_a_file(tmp_path, seed):
    (tmp_path / "f").write_text("x")
    with pytest.raises(UserError, match="not a folder"):
        write_issue(seed, tmp_path / "f", paper="报", date=DATE, page_number=1)


# ------------------------------------------------------------------------------------------
# Details and robustness

@pytest.mark.parametrize("first, dateline, rest", [
    ("本报讯(通讯员 纪哲) 8月3日下午,会议召开。", "本报讯（通讯员 纪哲）", "8月3日下午，会议召开。"),
    ("本报讯（通讯员 纪哲）正值暑期。", "本报讯（通讯员 纪哲）", "正值暑期。"),
    ("本报北京8月3日电 (记者 甲)正文。", "本报北京8月3日电（记者 甲）", "正文。"),
    ("中新网上海8月3日电（记者 乙 丙）正文。", "中新网上海8月3日电（记者 乙 丙）", "正文。"),
    ("新华社北京8月3日电 正文。", "新华社北京8月3日电", "正文。"),
    ("国家电网公司供电（含农村）覆盖全县。", None, "国家电网公司供电（含农村）覆盖全县。"),
    ("本报讯近日，正文。", None, "本报讯近日，正文。"),
    ("据本报讯（通讯员 纪哲）报道。", None, "据本报讯（通讯员 纪哲）报道。"),
])
def test_datelines(first, dateline, rest):
    a = parse_dump(f"## 标题\n\n{first}\n").articles[0]
    assert a.dateline == dateline
    assert a.paragraphs == [rest]


def test_heading_details():
    page = parse_dump("# 版 #\n\n## 学习C#\n\n#话题#不是标题。\n\n### 小标题\n\n正文。")
    assert page.section == "版"
    a = page.articles[0]
    assert a.title == "学习C#"
    assert a.paragraphs == ["#话题#不是标题。", "小标题", "正文。"]
    assert a.subheads == (1,)


def test_one_paragraph_per_line_dump():
    a = parse_dump("## 标题\n第一段。\n第二段！\n第三段没有完\n接着写完。\n").articles[0]
    assert a.paragraphs == ["第一段。第二段！第三段没有完接着写完。"]  # hard-wrapped block: joined
    a = parse_dump("## 标题\n第一段。\n第二段！\n“第三段。”\n").articles[0]
    assert a.paragraphs == ["第一段。", "第二段！", "“第三段。”"]


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

_line = st.one_of(
    st.just(""), st.just("# 版"), st.just("## 标题"), st.just("### 小题"), st.just("引题：上一行"),
    st.just("强化龙头带动"), st.just("（二）服务内容"),
    st.just("——记一位老人"), st.just("通讯员 纪哲"), st.just("（记者 张三）"), st.just("责任编辑 甲 校对 乙"),
    st.just("本报讯(通讯员 纪哲) 正文,"), st.sampled_from(["电信网", "络诈骗。", "说:\"好。\"", "APP 5G 3.5%"]),
    st.text(alphabet="鄄城,。（）()“”\"#—- \t讯报记者", max_size=12),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(_line, max_size=25))
def test_parse_dump_never_crashes(lines):
    dump = "\n".join(lines)
    try:
        page = parse_dump(dump)
    except UserError as e:
        assert "\n" not in str(e)
        return
    for f in fields(page):
        assert f and f == f.strip()
        assert not re.search(r"[\u4e00-\u9fff][,():;?!]|[,():;?!][\u4e00-\u9fff]", f), f
    assert all(a.paragraphs and a.title for a in page.articles)
    assert all(all(0 <= i < len(a.paragraphs) for i in a.subheads) for a in page.articles)
    found, typed = Counter(han_chars(all_text(page))), Counter(without_labels(han_chars(dump)))
    if any(label in dump for label in ("引题", "副题", "责任编辑", "美编", "校对")):
        assert found <= Counter(han_chars(dump))      # a label's own characters are no text
    else:
        assert found == typed


def test_written_folder_has_ordinary_permissions(tmp_path, seed):
    import os
    import stat
    folder = write_issue(seed, tmp_path / "issue", paper="报", date=DATE, page_number=1)
    mask = os.umask(0o022)
    os.umask(mask)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o777 & ~mask


# ------------------------------------------------------------------------------------------
# 小标题 inside an article

def test_seed_has_no_subheads(seed):
    assert [a.subheads for a in seed.articles] == [(), (), (), ()]
    # its lone short OCR piece is still joined to the text after it
    assert "今年，鄄城县总工会联合团县委，在全县13个镇街" in seed.articles[1].paragraphs[1]


def test_unmarked_subheads_in_series_are_kept():
    page = import_file(DUMPS / "005_subheads.txt")
    first, second = page.articles
    assert len(page.articles) == 2
    assert first.paragraphs == [
        "近年来，鄄城县发制品产业不断壮大，已成为群众增收的重要渠道。",
        "强化龙头带动",
        "县里先后引进多家龙头企业，带动上下游企业200余家。全县发制品从业人员超过5万人，产品远销欧美等地。",
        "“线上+线下”齐发力",
        "今年，县里联合电商平台开展直播带货，销售额同比增长三成。",
    ]
    assert first.subheads == (1, 3)
    assert first.byline == "通讯员 纪哲" and first.dateline == "本报讯（通讯员 纪哲）"
    assert second.paragraphs == ["县总工会暑期爱心托管班8月1日开班。", "一、托管对象",
                                 "全县一至六年级职工子女均可报名，名额有限。", "二、服务内容",
                                 "开展美术、手工、安全教育等课程。"]
    assert second.subheads == (1, 3)


def test_subheads_are_written_as_markdown_subheads(tmp_path):
    page = import_file(DUMPS / "005_subheads.txt")
    folder = write_issue(page, tmp_path / "issue", paper="报", date=DATE, page_number=2)
    text = (folder / "articles" / "p2-01.md").read_text("utf-8")
    body = text.split("---\n", 2)[2]
    assert [line for line in body.splitlines() if line.startswith("#")] == ["## 强化龙头带动", "## “线上+线下”齐发力"]
    assert "\n\n## 强化龙头带动\n\n县里先后引进" in body
    loaded = load_issue(folder).articles
    assert loaded["p2-01"].subheads == (1, 3) and loaded["p2-02"].subheads == (1, 3)
    assert loaded["p2-02"].paragraphs[1] == "一、托管对象"
    assert page_document(page, paper="报", date=DATE, page_number=2).articles[0].subheads == (1, 3)


@pytest.mark.parametrize("marked", ["### 强化带动", "### 强化带动\n\n### 加强宣传"])
def test_subhead_is_never_joined_to_the_text_after_it(marked):
    a = parse_dump(f"## 标题\n\n第一段。\n\n{marked}\n\n接着写的正文没有完\n\n这里写完。\n").articles[0]
    heads = [line[4:] for line in marked.split("\n\n")]
    assert a.paragraphs == ["第一段。", *heads, "接着写的正文没有完这里写完。"]
    assert a.subheads == tuple(range(1, 1 + len(heads)))


def test_numbered_subheads_with_brackets():
    a = parse_dump("## 标题\n\n导语一段。\n\n（一）聚焦重点，精准发力\n\n正文一。\n\n（二）强化宣传\n\n正文二。\n").articles[0]
    assert a.subheads == (1, 3)
    assert a.paragraphs[1] == "（一）聚焦重点，精准发力"


@pytest.mark.parametrize("dump", [
    # one lone short line: an OCR break, joined to the text after it
    "第一段。\n\n今年县总工会联合\n\n团县委开展活动。\n\n第三段。",
    # a series, but the text before each does not end a sentence: OCR breaks
    "第一段说到\n\n县总工会联合\n\n团县委开展活动，还有\n\n各镇街工会\n\n一起参与。",
    # a series, but with clause punctuation (unnumbered) or too long
    "第一段。\n\n今年，县总工会联合\n\n团县委开展活动。\n\n同时，各镇街工会\n\n一起参与。",
    "第一段。\n\n鄄城县总工会联合团县委以及各镇街工会和妇联\n\n开展活动。\n\n鄄城县总工会联合团县委以及各镇街妇联和工会\n\n开展活动。",
    # credits in the middle of the text
    "第一段。\n\n通讯员 纪哲\n\n第二段。\n\n记者 张三\n\n第三段。",
])
def test_unclear_lines_are_not_subheads(dump):
    a = parse_dump("## 标题\n\n" + dump).articles[0]
    assert a.subheads == ()


def test_last_line_is_not_an_unmarked_subhead():
    a = parse_dump("## 标题\n\n第一段。\n\n强化带动\n\n第二段。\n\n加强宣传\n").articles[0]
    assert a.subheads == ()
    assert a.paragraphs == ["第一段。", "强化带动第二段。", "加强宣传"]
