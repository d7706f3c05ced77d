"""`paiban serve` in a real browser: Playwright drives the OS's Chromium (apt package chromium,
installed by `make setup`; Playwright's own browser download is never used) against the server
running as a user starts it."""

from __future__ import annotations

import io
import re
import time
from pathlib import Path

import pytest
from conftest import article, write_issue
from live_server import Server
from PIL import Image

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
BODY = "鄄城县召开全县打击治理电信网络诈骗工作推进会议，安排部署下一阶段工作。" * 12
OTHER = "今年，鄄城县总工会联合团县委，在全县13个镇街打造了工会暑期爱心托管班。" * 10
FIRST, SECOND, THIRD = "全县推进反诈工作", "鄄城县召开反诈推进会", "反诈宣传走进社区"


@pytest.fixture
def browser():
    from playwright.sync_api import sync_playwright

    assert CHROMIUM.is_file(), "the browser test needs Chromium: run make setup (apt package chromium)"
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True,
                                     timeout=60_000)
        try:
            yield chromium
        finally:
            chromium.close()


def _ink(png: bytes, box: list[int]) -> float:
    """Share of dark pixels inside a box of a page image (text is dark, paper is white)."""
    gray = Image.open(io.BytesIO(png)).convert("L").crop(tuple(box))
    histogram = gray.histogram()
    return sum(histogram[:128]) / sum(histogram)


def test_live_page_shows_the_issue_and_follows_edits_and_errors(tmp_path, browser):
    from playwright.sync_api import expect

    issue = write_issue(tmp_path / "live", {
        "a": article(FIRST, BODY, byline="记者 王明"),
        "b": article("托管班缓解看护难", OTHER, pictures=[{"file": "images/missing.jpg", "caption": "孩子们上手工课。"}]),
    })
    record = issue / "articles" / "a.md"
    server = Server(str(issue), "--port", "0")
    try:
        url = server.url()
        assert url.startswith("http://127.0.0.1:")          # localhost unless told otherwise
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.set_default_timeout(60_000)
        started = time.monotonic()
        page.goto(url)
        image = page.locator("#pages img").first
        page.wait_for_function("() => { const i = document.querySelector('#pages img');"
                               " return i && i.complete && i.naturalWidth > 0 }", timeout=120_000)
        first_load = time.monotonic() - started
        first_src = image.get_attribute("src")
        first_png = page.request.get(url.rstrip("/") + first_src).body()
        assert Image.open(io.BytesIO(first_png)).size == (image.evaluate("i => i.naturalWidth"),
                                                          image.evaluate("i => i.naturalHeight"))

        # the hot zone covers printed matter, and clicking it shows the record, findings and text
        zone = page.locator('.zone[data-slug="a"]').first
        box = [round(v) for v in zone.evaluate(
            "z => { const i = z.parentElement.querySelector('img'), r = z.getBoundingClientRect(),"
            " f = i.getBoundingClientRect(), k = i.naturalWidth / f.width;"
            " return [(r.left - f.left) * k, (r.top - f.top) * k, (r.right - f.left) * k, (r.bottom - f.top) * k] }")]
        assert _ink(first_png, box) > 0.02
        zone.click()
        expect(page.locator("#article-title")).to_have_text(FIRST)
        expect(page.locator("#article-record")).to_contain_text("记者 王明")
        expect(page.locator("#article-text")).to_contain_text(BODY[:20])

        # the missing picture is a finding of article b, linked to its place
        link = page.locator('#findings a[href="#article=b"]').first
        expect(link).to_contain_text("missing.jpg")
        link.click()
        expect(page.locator("#article-title")).to_have_text("托管班缓解看护难")
        expect(page.locator("#article-findings")).to_contain_text("missing.jpg")
        expect(page.locator('.zone[data-slug="b"]').first).to_have_class(re.compile(r"\bselected\b"))
        expect(zone).not_to_have_class(re.compile(r"\bselected\b"))
        zone.click()

        # the proof's marks over the page: article b's missing picture outlines its module as an
        # error and tags it with the finding's number and check, as the proof marks it
        zone_b = page.locator('.zone[data-slug="b"]').first
        expect(zone_b).to_have_class(re.compile(r"\bhas-error\b"))
        expect(zone_b.locator(".mark.error").first).to_have_text(re.compile(r"^① 错误 \[picture\]$"))

        # a saved record: the new title and a new image, without a reload
        page.evaluate("window.notReloaded = true")
        shown = int(page.evaluate("document.body.dataset.shown").split()[0])
        edited = time.time()
        record.write_text(article(SECOND, BODY, byline="记者 王明"), encoding="utf-8")
        expect(page.locator("#article-title")).to_have_text(SECOND, timeout=30_000)
        generation, at = map(int, page.evaluate("document.body.dataset.shown").split())
        assert generation > shown
        update_seconds = at / 1000 - edited      # the page's own record of when the new image went on screen
        assert page.evaluate("window.notReloaded === true")
        second_src = image.get_attribute("src")
        assert second_src != first_src and image.evaluate("i => i.complete && i.naturalWidth > 0")
        assert page.request.get(url.rstrip("/") + second_src).body() != first_png

        # a broken record: its one-line error over the last good page, which stays
        record.write_text("---\ntitle: [unclosed\n---\n\n正文。\n", encoding="utf-8")
        banner = page.locator("#error")
        expect(banner).to_be_visible(timeout=30_000)
        expect(banner).to_contain_text("a.md")
        expect(banner).to_contain_text("front matter")
        assert "\n" not in banner.text_content().strip()
        assert image.get_attribute("src") == second_src and image.evaluate("i => i.naturalWidth > 0")
        expect(page.locator("#article-title")).to_have_text(SECOND)

        # fixed: the banner goes and the page follows
        record.write_text(article(THIRD, BODY, byline="记者 王明"), encoding="utf-8")
        expect(banner).to_be_hidden(timeout=30_000)
        expect(page.locator("#article-title")).to_have_text(THIRD)
        print(f"first page {first_load:.1f} s, update after a save {update_seconds:.1f} s; server: "
              + " | ".join(server.output().splitlines()[1:]))
    finally:
        server.stop()
    assert server.process.returncode is not None
