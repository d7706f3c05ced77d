"""`paiban watch`: one process builds, then rebuilds on every change of the records."""

import os
import subprocess
import threading
import time

from conftest import article, write_issue

from typeset import watch

BODY = "鄄城县召开全县打击治理电信网络诈骗工作推进会议，安排部署下一阶段工作。" * 12


def _pdf_text(pdf) -> str:
    return subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


def _wait_for(condition, seconds: float = 60) -> None:
    end = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < end, "timed out"
        time.sleep(0.05)


def _save(path, text: str) -> None:
    """As an editor saves: the whole file at once (a hidden temporary renamed over it), so a poll
    never reads it half written."""
    part = path.with_name(f".{path.name}.part")
    part.write_text(text, encoding="utf-8")
    os.replace(part, path)


def test_watch_rebuilds_on_a_change_and_survives_a_broken_record(tmp_path):
    issue = write_issue(tmp_path / "issue", {"a": article("全县推进反诈工作", BODY, byline="记者 王明")})
    out = tmp_path / "out"
    lines: list[tuple[str, bool]] = []
    thread = threading.Thread(target=watch.watch, args=(issue, out), daemon=True,
                              kwargs={"interval": 0.05, "max_builds": 3,
                                      "report": lambda line, error: lines.append((line, error))})
    thread.start()
    record = issue / "articles" / "a.md"
    pdf = out / "issue.pdf"

    _wait_for(lambda: len(lines) == 1)
    assert not lines[0][1] and "全县推进反诈工作" in _pdf_text(pdf).replace(" ", "")

    _save(record, "---\ntitle: [unclosed\n---\n\n正文。\n")     # a broken edit
    _wait_for(lambda: len(lines) == 2)
    assert lines[1][1] and "a.md" in lines[1][0] and "front matter" in lines[1][0]
    assert "全县推进反诈工作" in _pdf_text(pdf).replace(" ", "")      # the last good PDF stays

    _save(record, article("鄄城县召开反诈推进会", BODY, byline="记者 王明"))
    _wait_for(lambda: len(lines) == 3)
    thread.join(timeout=60)
    assert not thread.is_alive() and not lines[2][1], lines
    text = _pdf_text(pdf).replace(" ", "")
    assert "鄄城县召开反诈推进会" in text and "全县推进反诈工作" not in text


def test_fingerprint_sees_a_rewrite_and_ignores_temporary_files(tmp_path):
    (tmp_path / "a.md").write_text("一", encoding="utf-8")
    before = watch.fingerprint([tmp_path])
    (tmp_path / ".a.md.123.part").write_text("half", encoding="utf-8")
    assert watch.fingerprint([tmp_path]) == before
    (tmp_path / "a.md").write_text("一二", encoding="utf-8")
    assert watch.fingerprint([tmp_path]) != before
