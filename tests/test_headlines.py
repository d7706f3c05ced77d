"""A long 主题 broken as a 美编 breaks it, read from the built PDF: on the sample and the
generated test pages every 主题 line is at least 40 % of the longest line of its 主题, and every
break falls where a word of the segmenter starts (the segmenter only lists the legal
boundaries here; the typesetter's own breaking is not asked). A hand-made bad break is caught.

The headline's glyphs are read from the headline part of each module (the archive sidecar) with
pdfplumber: the 主题 is the title's characters at the largest size there, its lines the rows.
"""

from __future__ import annotations

import json
import marshal
import subprocess
import sys

import design_pages
import pdfplumber
import pytest
import rjieba
from conftest import ROOT, build_archive

PAGES = ["sample", *design_pages.PAGES]
MIN_SHARE = 0.40
EPS = 0.5


def legal_boundaries(title: str) -> set[int]:
    """Offsets in the title, spaces left out, where a line may start: where a segmenter's word
    starts (a space between phrases is a word of its own, so the word after it starts too)."""
    starts, at = set(), 0
    for word, _, _ in rjieba.tokenize(title):
        stripped = word.replace(" ", "").replace("\u3000", "")
        if stripped:
            starts.add(at)
        at += len(stripped)
    return starts


def bad_breaks(title: str, lines: list[tuple[str, float]]) -> list[str]:
    """What a 美编 would mark on a 主题 printed as `lines` (text, printed width), in their words."""
    found = []
    longest = max(width for _, width in lines)
    for text, width in lines:
        if width < MIN_SHARE * longest - EPS:
            found.append(f"主题 line '{text}' is {width / longest:.0%} of the longest")
    legal, at = legal_boundaries(title), 0
    for text, _ in lines[:-1]:
        at += len(text)
        if at not in legal:
            found.append(f"主题 broken inside a word at '{text[-1]}|{''.join(t for t, _ in lines)[at]}'")
    return found


def title_lines(page, rect, title: str) -> list[tuple[str, float]]:
    """The rows of the 主题 in a headline part (PDF points, y up): the title's characters at the
    largest size found there, grouped by their top; each row's text and printed width."""
    height = float(page.height)
    wanted = set(title) - {" ", "\u3000"}
    chars = [c for c in page.chars if c["text"] in wanted and rect[0] - EPS <= (c["x0"] + c["x1"]) / 2 <= rect[2] + EPS
             and rect[1] - EPS <= height - (c["top"] + c["bottom"]) / 2 <= rect[3] + EPS]
    size = max(c["size"] for c in chars)
    rows: list[list[dict]] = []
    for c in sorted((c for c in chars if abs(c["size"] - size) < 0.1), key=lambda c: c["top"]):
        if rows and c["top"] - rows[-1][0]["top"] < size / 3:
            rows[-1].append(c)
        else:
            rows.append([c])
    rows = [sorted(row, key=lambda c: c["x0"]) for row in rows]
    return [("".join(c["text"] for c in row), row[-1]["x1"] - row[0]["x0"]) for row in rows]


@pytest.fixture(scope="module")
def headlines(sample_issue, tmp_path_factory):
    """(page, title, its printed lines) of every module with a 主题 on the test pages."""
    found = []
    for name in PAGES:
        base = tmp_path_factory.mktemp(name)
        folder = sample_issue if name == "sample" else design_pages.write_page(base / name, name)
        pdf_path, sidecar_path = build_archive(folder, base / "out")
        sidecar = json.loads(sidecar_path.read_text(encoding="utf-8"))
        with pdfplumber.open(pdf_path) as pdf:
            for article in sidecar["articles"]:
                title = article["fields"]["title"]
                for region in article["regions"]:
                    for part in region["parts"]:
                        bottom, top = part["pdf"][1], part["pdf"][3]
                        if part["kind"] == "headline" and top - bottom > EPS and not region.get("continued"):
                            lines = title_lines(pdf.pages[region["index"] - 1], part["pdf"], title)
                            found.append((name, title, lines))
    return found


def test_every_title_is_read_whole(headlines):
    assert len({(page, title) for page, title, _ in headlines}) >= 4 + sum(len(design_pages.PAGES[p][0])
                                                                             for p in design_pages.PAGES)
    for page, title, lines in headlines:
        assert "".join(text for text, _ in lines) == title.replace(" ", ""), (page, title, lines)


def test_long_titles_break_evenly_at_word_boundaries(headlines):
    broken = [(page, title, lines) for page, title, lines in headlines if len(lines) > 1]
    assert broken, "no 主题 on the test pages takes two lines: the test would see nothing"
    for page, title, lines in headlines:
        assert not bad_breaks(title, lines), (page, title, lines)


def test_a_hand_made_bad_break_is_caught(tmp_path):
    """Lines broken where today's greedy breaking broke them, printed by WeasyPrint and read back."""
    import weasyprint

    cases = {"县医院开通胸痛救治绿色通道": ["县医院开通胸痛救治绿色通", "道"],          # a character alone, a word split
             "老旧小区改造惠及两千余户居民": ["老旧小区改造惠及两千", "余户居民"],         # even, but inside 两千余
             "黄河滩区迁建群众住上新楼房": ["黄河滩区迁建群众住上新", "楼房"]}            # a word, too short
    html = "".join(f'<div style="position:absolute;left:20pt;top:{20 + 80 * i}pt;font:24pt/30pt sans-serif">'
                   + "<br>".join(lines) + "</div>" for i, lines in enumerate(cases.values()))
    pdf = tmp_path / "bad.pdf"
    weasyprint.HTML(string=f'<html lang="zh-CN"><style>@page {{ size: 400pt 300pt; margin: 0 }}</style>{html}</html>'
                    ).write_pdf(pdf)
    with pdfplumber.open(pdf) as doc:
        page = doc.pages[0]
        for i, title in enumerate(cases):
            top = 300 - 20 - 80 * i
            lines = title_lines(page, (0, top - 70, 400, top), title)
            assert [text for text, _ in lines] == cases[title]
            marks = bad_breaks(title, lines)
            assert marks, title
    assert any("inside a word" in m for m in bad_breaks("老旧小区改造惠及两千余户居民", [("老旧小区改造惠及两千", 240), ("余户居民", 96)]))
    assert not bad_breaks("老旧小区改造惠及两千余户居民", [("老旧小区改造惠及", 192), ("两千余户居民", 144)])


def test_the_segmenter_reads_and_writes_no_file_at_run_time(tmp_path):
    """Breaking a headline leaves the temporary folder and the home folder as they were."""
    temp, home = tmp_path / "tmp", tmp_path / "home"
    temp.mkdir(), home.mkdir()
    code = ("from typeset.compose import compose_headline\n"
            "assert len(compose_headline('县医院开通胸痛救治绿色通道', 'heiti', 24, 220)) == 2\n")
    run = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         env={"PATH": "/usr/bin:/bin", "TMPDIR": str(temp), "HOME": str(home),
                              "XDG_CACHE_HOME": str(home / ".cache")})
    assert run.returncode == 0, run.stderr
    assert list(temp.iterdir()) == []
    written = [p.relative_to(home) for p in home.rglob("*") if p.is_file()]
    assert all(p.parts[:2] == (".cache", "paiban") for p in written), written


def test_word_boundaries_are_remembered_in_the_cache_folder(tmp_path, monkeypatch):
    """A second process reads the segmenter's words from the cache instead of loading its
    dictionary (0.3–0.6 s); a seeded entry is what it answers, so the file is really read."""
    from typeset.compose import headlines

    monkeypatch.setenv("PAIBAN_CACHE_DIR", str(tmp_path))
    for cached in (headlines.word_starts, headlines._words_file, headlines._known_words):
        cached.cache_clear()
    title = "黄河滩区迁建群众住上新楼房"
    assert headlines.word_starts(title) == legal_boundaries(title)
    headlines.save_words()                                    # as compose.save_metrics, and at exit
    [stored] = tmp_path.glob("headline-words-*.marshal")
    known = marshal.loads(stored.read_bytes())
    assert sorted(known[title]) == sorted(legal_boundaries(title))
    stored.write_bytes(marshal.dumps({title: [0, 7]}))        # what a "second process" finds
    for cached in (headlines.word_starts, headlines._known_words):
        cached.cache_clear()
    assert headlines.word_starts(title) == {0, 7}
    for cached in (headlines.word_starts, headlines._words_file, headlines._known_words):
        cached.cache_clear()
