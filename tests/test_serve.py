"""`paiban serve` without a browser: what starts a rebuild, and the errors of starting."""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import time
from dataclasses import asdict

import pytest
from conftest import ROOT, article, write_issue
from live_server import Server
from PIL import Image

from typeset import serve
from typeset.pipeline import build

BODY = "鄄城县召开全县打击治理电信网络诈骗工作推进会议，安排部署下一阶段工作。" * 12


def _picture(colour: tuple[int, int, int]) -> bytes:
    data = io.BytesIO()
    Image.new("RGB", (800, 500), colour).save(data, "JPEG", quality=90, dpi=(200, 200))
    return data.getvalue()


def _mean_colour(png: bytes, box: list[int]) -> tuple[float, ...]:
    left, top, right, bottom = box
    inner = (left + (right - left) // 4, top + (bottom - top) // 4, right - (right - left) // 4,
             bottom - (bottom - top) // 4)        # the middle of the picture: no frame, no caption
    stats = Image.open(io.BytesIO(png)).convert("RGB").crop(inner).getextrema()
    return tuple((low + high) / 2 for low, high in stats)


def test_a_saved_picture_rebuilds_and_a_hidden_file_does_not(tmp_path):
    issue = write_issue(tmp_path / "live", {"a": article("全县推进反诈工作", BODY, pictures=[
        {"file": "images/p.jpg", "caption": "反诈宣传现场。"}])})
    (issue / "images").mkdir()
    picture = issue / "images" / "p.jpg"
    picture.write_bytes(_picture((200, 30, 30)))            # red
    server = Server(str(issue), "--port", "0")
    try:
        first = server.wait_for_state(lambda s: s["generation"] == 1 and not s["building"], 120)
        assert first["error"] is None
        region = next(part["png"] for part in first["articles"][0]["regions"][0]["parts"] if part["kind"] == "picture")
        red = _mean_colour(server.get(first["pages"][0]["url"]), region)
        assert red[0] > 150 and red[2] < 100

        # an editor's swap file and a half-written copy are no change of the issue
        (issue / "articles" / ".a.md.swp").write_text("half", encoding="utf-8")
        (issue / "images" / ".p.jpg.part").write_bytes(b"half")
        time.sleep(1.5)
        quiet = server.wait_for_state(lambda s: True, 5)
        assert quiet["generation"] == 1 and not quiet["building"]

        picture.write_bytes(_picture((30, 30, 200)))         # blue
        second = server.wait_for_state(lambda s: s["generation"] == 2 and not s["building"], 60)
        blue = _mean_colour(server.get(second["pages"][0]["url"]), region)
        assert blue[2] > 150 and blue[0] < 100
    finally:
        server.stop()


def test_a_save_renders_and_rasterizes_only_the_changed_page(tmp_path):
    """Two 版: an edited record sets its page again and the other page keeps its image; a
    picture saved again under its name does the same for its page. Counted by the page
    cache's hook and the image count, not by time."""
    issue = write_issue(tmp_path / "two", {
        "a": article("全县推进反诈工作", BODY),
        "b": article("托管班缓解看护难", BODY, pictures=[{"file": "images/p.jpg", "caption": "反诈宣传现场。"}]),
    }, pages=[["a"], ["b"]])
    (issue / "images").mkdir()
    picture = issue / "images" / "p.jpg"
    picture.write_bytes(_picture((200, 30, 30)))            # red
    live = serve.Live(issue, 72)
    rendered: list[str] = []
    live.pages.on_render = rendered.append
    live.apply(live._build(1))
    first = live.state.as_json()
    assert first["error"] is None and len(first["pages"]) == 2
    assert (len(rendered), live.rasterized, first["rendered"]) == (2, 2, "2 of 2")
    image = {page["index"]: live.state.images[page["image"]] for page in first["pages"]}

    (issue / "articles" / "a.md").write_text(article("鄄城县召开反诈推进会", BODY), encoding="utf-8")
    live.apply(live._build(2))
    second = live.state.as_json()
    assert (len(rendered), live.rasterized, second["rendered"]) == (3, 3, "1 of 2")
    assert second["articles"][0]["title"] == "鄄城县召开反诈推进会"
    assert second["pages"][1]["url"] == first["pages"][1]["url"]          # page 2 kept its image
    assert live.state.images[second["pages"][0]["image"]] != image[1]      # page 1 has a new one

    picture.write_bytes(_picture((30, 30, 200)))             # blue, under the same name
    os.utime(picture, ns=(time.time_ns(), time.time_ns() + 10**9))
    live.apply(live._build(3))
    third = live.state.as_json()
    assert (len(rendered), live.rasterized, third["rendered"]) == (4, 4, "1 of 2")
    assert third["pages"][0]["url"] == second["pages"][0]["url"]
    region = next(part["png"] for part in third["articles"][1]["regions"][0]["parts"] if part["kind"] == "picture")
    blue = _mean_colour(live.state.images[third["pages"][1]["image"]], region)
    assert blue[2] > 150 and blue[0] < 100


def test_the_live_findings_are_the_proofs(tmp_path):
    """The live page renders each 版 by itself and reads it once, the proof renders the issue
    whole: the findings are the same, those of the fonts on the second page (a character no
    face has: .notdef, a fallback font) included. (The two page PDFs number their objects
    alike: page 1's third font, 楷体 for the byline, has the number of page 2's fallback font.)"""
    heads = {"kicker": "鄄城县召开会议", "subtitle": "——安排部署下一阶段工作", "byline": "记者 王明"}
    issue = write_issue(tmp_path / "two", {"a": article("全县推进反诈工作", BODY, **heads),
                                            "b": article("托管班缓解看护难", BODY + "\U0001F600\uE000")},
                        pages=[["a"], ["b"]])
    live = serve.Live(issue, 72)
    live.apply(live._build(1))
    (issue / "articles" / "a.md").write_text(article("鄄城县召开反诈推进会", BODY, **heads), encoding="utf-8")
    live.apply(live._build(2))          # page 2 as read in the build before
    assert live.state.rendered == "1 of 2"
    proof = build(issue, tmp_path / "out", variants=("proof",)).report.findings

    def listed(findings) -> list[tuple]:
        return sorted((f["severity"], f["check"], f["page"] or 0, f["article"] or "", f["message"]) for f in findings)
    assert {(f.check, f.page) for f in proof} >= {("notdef", 2), ("fonts", None)}
    assert listed(live.state.findings) == listed(asdict(f) for f in proof)


@pytest.mark.parametrize("path, ignored", [
    ("/x/articles/.a.md.swp", True), ("/x/images/.p.jpg.123.part", True), ("/x/.git/index", True),
    ("/x/articles/a.md", False), ("/x/images/p.jpg", False), ("/layouts/duikai/page.css", False)])
def test_hidden_files_are_ignored(path, ignored):
    assert serve._ignored(None, path) is ignored


def test_a_port_in_use_is_one_line(tmp_path):
    issue = write_issue(tmp_path / "live", {"a": article("全县推进反诈工作", BODY)})
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "typeset", "serve", str(issue), "--port", str(port)],
                                cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and f"127.0.0.1:{port}" in result.stderr and "--port" in result.stderr


def test_not_an_issue_folder_is_one_line(tmp_path):
    result = subprocess.run([sys.executable, "-m", "typeset", "serve", str(tmp_path), "--port", "0"],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 1 and result.stderr.count("\n") == 1 and "issue.toml" in result.stderr
