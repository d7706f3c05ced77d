"""Preflight and reliability (issue 6): bad input never crashes and never leaves a partial file;
output is atomic (a killed build leaves the previous PDF or none) and deterministic.

Decisions these tests pin down:
- A number, date, list or table where text is expected (``title: 123``) is rejected, naming the
  field and saying to quote it: YAML turns ``title: 010`` into 8, so coercing would print wrong text.
- Control characters (Unicode Cc) are rejected, never stripped: typed into a file, at load time
  naming the file and line (YAML would otherwise fail with a message of several lines); escaped
  in YAML/TOML ("\\a", "\\u0007") or a tab inside a paragraph, by preflight.check_records, naming
  the 版, the article and the field. The importer strips them (typeset.sources.text.normalize).
- Absurd sizes are rejected at load time with the limit: a file over 4 MB, a body over 200,000
  characters, a 主题 over 100, a 版名 or 报名 over 40; a pin outside the layout's grid.
- A picture must be a file Pillow reads to the end (not a text file named .jpg, not truncated).
"""

from __future__ import annotations

import collections
import concurrent.futures
import contextlib
import io
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

import pikepdf
import pytest
import yaml
from conftest import ROOT, article, paiban, write_issue
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from typeset import preflight
from typeset.model import records
from typeset.model.errors import UserError
from typeset.sources import issue_folder

BODY = "本报讯 这是正文的第一段。\n\n这是第二段，没有问题。"
OK = article("标题", BODY)


def jpeg_bytes() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (400, 300), (120, 160, 200)).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


def set_toml(folder: Path, old: str, new: str) -> None:
    toml = folder / "issue.toml"
    text = toml.read_text(encoding="utf-8")
    assert old in text, text
    toml.write_text(text.replace(old, new, 1), encoding="utf-8")


# --- every bad input: exit 1, one line naming the file (and field or line), nothing written --

def _gbk_article(folder: Path):
    (folder / "articles" / "a.md").write_bytes(article("标题", BODY).encode("gbk"))


def _mixed_encoding(folder: Path):
    utf8 = article("标题", "第一段是UTF-8。").encode("utf-8")
    (folder / "articles" / "a.md").write_bytes(utf8 + "\n第二段是从别处粘贴的GBK。\n".encode("gbk"))


def _picture(data: bytes | None, name: str = "x.jpg"):
    def make(folder: Path):
        (folder / "articles" / "a.md").write_text(article("标题", BODY, pictures=[{"file": name}]), encoding="utf-8")
        if data is None:
            (folder / name).unlink(missing_ok=True)
        else:
            (folder / name).write_bytes(data)
    return make


def _folder_is_a_file(folder: Path):
    shutil.rmtree(folder)
    folder.write_text("not a folder\n", encoding="utf-8")


def _symlink_loop(folder: Path):
    (folder / "issue.toml").unlink()
    (folder / "issue.toml").symlink_to(folder / "issue.toml")


def _article_is_a_folder(folder: Path):
    (folder / "articles" / "a.md").unlink()
    (folder / "articles" / "a.md").mkdir()


def _write(text: str, name: str = "articles/a.md"):
    return lambda folder: (folder / name).write_text(text, encoding="utf-8")


def _toml(old: str, new: str):
    return lambda folder: set_toml(folder, old, new)


ISSUE_TOML = "issue.toml"
ARTICLE = "a.md"
PREFLIGHT = "preflight: "    # found by preflight.check_records: names the 版, article and field, not the path

# name: (change to a valid one-article issue, file named, fragments the message holds)
BAD_INPUTS = {
    # malformed records
    "yaml-unclosed-bracket": (_write("---\ntitle: [未闭合\n---\n\n正文。\n"), ARTICLE, ["malformed front matter"]),
    "front-matter-not-closed": (_write("---\ntitle: 标题\n\n正文。\n"), ARTICLE, ["not closed"]),
    "no-front-matter": (_write("只有正文。\n"), ARTICLE, ["no front matter"]),
    "front-matter-a-list": (_write("---\n- 标题\n---\n\n正文。\n"), ARTICLE, ["field: value"]),
    "yaml-bad-date": (_write("---\ntitle: 2024-13-45\n---\n\n正文。\n"), ARTICLE, ["malformed front matter"]),
    "yaml-nested-too-deep": (_write("---\ntitle: " + "[" * 3000 + "]" * 3000 + "\n---\n\n正文。\n"), ARTICLE,
                             ["malformed front matter", "nest"]),   # libyaml: "nesting depth"
    "yaml-5000-digit-number": (_write("---\ntitle: 标题\npriority: " + "9" * 5000 + "\n---\n\n正文。\n"), ARTICLE,
                               ["malformed front matter", "digits"]),
    "yaml-python-tag": (_write("---\ntitle: !!python/object:os.system x\n---\n\n正文。\n"), ARTICLE,
                        ["malformed front matter"]),
    "slug-in-front-matter": (_write("---\ntitle: 标题\nslug: b\n---\n\n正文。\n"), ARTICLE, ["'slug'"]),
    "unknown-field": (_write(article("标题", BODY, titel="拼错")), ARTICLE, ["titel", "not a known field"]),
    "missing-title": (_write("---\nkicker: 引题\n---\n\n正文。\n"), ARTICLE, ["title", "missing"]),
    "toml-binary-junk": (lambda f: (f / "issue.toml").write_bytes(random.Random(6).randbytes(3000)), ISSUE_TOML,
                         ["UTF-8"]),
    "toml-text-junk": (_write("paper = 测试日报\n[[pages]\n", ISSUE_TOML), ISSUE_TOML, ["malformed TOML"]),
    "toml-nested-too-deep": (_write("x = " + "[" * 3000 + "]" * 3000 + "\n", ISSUE_TOML), ISSUE_TOML,
                             ["nested too deep"]),
    "toml-missing": (lambda f: (f / "issue.toml").unlink(), ISSUE_TOML, ["file not found"]),
    # wrong types
    "title-a-number": (_write("---\ntitle: 123\n---\n\n正文。\n"), ARTICLE, ["'title'", "must be text", "number"]),
    "title-a-list": (_write("---\ntitle: [头版, 二版]\n---\n\n正文。\n"), ARTICLE, ["'title'", "must be text", "list"]),
    "kicker-a-table": (_write("---\ntitle: 标题\nkicker: {a: 1}\n---\n\n正文。\n"), ARTICLE, ["'kicker'", "must be text"]),
    "title-a-date": (_write("---\ntitle: 2024-03-01\n---\n\n正文。\n"), ARTICLE, ["'title'", "must be text", "date"]),
    "title-empty": (_write("---\ntitle:\n---\n\n正文。\n"), ARTICLE, ["'title'"]),
    "priority-text": (_write(article("标题", BODY, priority="high")), ARTICLE, ["'priority'"]),
    "pictures-a-string": (_write("---\ntitle: 标题\npictures: x.jpg\n---\n\n正文。\n"), ARTICLE, ["'pictures'"]),
    "pin-a-number": (_write("---\ntitle: 标题\npin: 3\n---\n\n正文。\n"), ARTICLE, ["'pin'"]),
    "issue-number-text": (_toml("number = 1\n", 'number = "一"\n'), ISSUE_TOML, ["'number'"]),
    "date-text": (_toml("date = 2024-03-01", 'date = "昨天"'), ISSUE_TOML, ["'date'"]),
    "pages-a-string": (_write('paper = "测试日报"\ndate = 2024-03-01\npages = "a"\n', ISSUE_TOML), ISSUE_TOML,
                       ["'pages'"]),
    # unknown names
    "unknown-layout": (_toml('layout = "duikai"', 'layout = "nonesuch"'), ISSUE_TOML,
                       ["pages.0.layout", "unknown layout 'nonesuch'", "duikai"]),
    "layout-a-path": (_toml('layout = "duikai"', 'layout = "../content"'), ISSUE_TOML,
                      ["pages.0.layout", "unknown layout"]),
    "article-slug-a-path": (_toml('articles = ["a"]', 'articles = ["../issue"]'), ISSUE_TOML,
                            ["pages.0.articles.0", "not an article name"]),
    "article-file-missing": (_toml('articles = ["a"]', 'articles = ["a", "c"]'), "c.md", ["file not found"]),
    "article-listed-twice": (_toml('articles = ["a"]', 'articles = ["a", "a"]'), ISSUE_TOML, ["twice"]),
    # empty articles
    "empty-body": (_write(article("标题", "")), ARTICLE, ["body", "empty"]),
    "blank-body": (_write(article("标题", "   \n\u3000\n\n  \n")), ARTICLE, ["body", "empty"]),
    "blank-title": (_write("---\ntitle: '   '\n---\n\n正文。\n"), ARTICLE, ["'title'"]),
    # absurd sizes
    "pin-columns-99": (_write(article("标题", BODY, pin={"columns": 99})), ARTICLE, ["pin.columns", "99", "8 栏"]),
    "pin-lines-100000": (_write(article("标题", BODY, pin={"lines": 100000})), ARTICLE, ["pin.lines", "100000"]),
    "pin-column-9": (_write(article("标题", BODY, pin={"column": 9})), ARTICLE, ["pin.column", "9"]),
    "pin-runs-off-the-page": (_write(article("标题", BODY, pin={"column": 6, "columns": 4})), ARTICLE,
                              ["pin.columns", "runs past"]),
    "pin-row-100000": (_write(article("标题", BODY, pin={"row": 100000})), ARTICLE, ["pin.row"]),
    "pin-text-columns-50": (_write(article("标题", BODY, pin={"columns": 3, "text_columns": 50})), ARTICLE,
                            ["pin.text_columns", "50"]),
    "pin-columns-0": (_write(article("标题", BODY, pin={"columns": 0})), ARTICLE, ["pin.columns"]),
    "priority-0": (_write(article("标题", BODY, priority=0)), ARTICLE, ["'priority'"]),
    "priority-huge": (_write(article("标题", BODY, priority=10 ** 30)), ARTICLE, ["'priority'"]),
    "issue-number-minus-1": (_toml("number = 1\n", "number = -1\n"), ISSUE_TOML, ["'number'"]),
    "page-number-0": (_toml("number = 1\nsection", "number = 0\nsection"), ISSUE_TOML, ["pages.0.number"]),
    "page-number-twice": (_write('paper = "测试日报"\ndate = 2024-03-01\n[[pages]]\nnumber = 1\nsection = "一"\n'
                                 'articles = ["a"]\n[[pages]]\nnumber = 1\nsection = "二"\narticles = ["b"]\n',
                                 ISSUE_TOML), ISSUE_TOML, ["pages.1.number", "twice"]),
    "title-10000-chars": (_write(article("标题" * 5000, BODY)), ARTICLE, ["'title'", "10,000", "at most 100"]),
    "caption-huge": (_write(article("标题", BODY, pictures=[{"file": "x.jpg", "caption": "说明" * 300}])), ARTICLE,
                     ["pictures.0.caption", "at most 500"]),
    "section-1000-chars": (_toml('section = "测试版"', f'section = "{"版" * 1000}"'), ISSUE_TOML,
                           ["pages.0.section", "at most 40"]),
    "paper-1000-chars": (_toml('paper = "测试日报"', f'paper = "{"报" * 1000}"'), ISSUE_TOML, ["'paper'", "at most 40"]),
    "body-300000-chars": (_write(article("标题", ("这是一个很长的段落。" * 100 + "\n\n") * 300)), ARTICLE,
                          ["300,000 characters", "200,000"]),
    "article-10-MB": (_write(article("标题", ("这是一个很长的段落。" * 100 + "\n\n") * 3500)), ARTICLE,
                      ["larger than 4 MB"]),
    # control characters
    # (escaped in the YAML or TOML: rejected by preflight, which names the 版, the article and the field)
    "bel-in-title": (_write('---\ntitle: "标\\a题"\n---\n\n正文。\n'), PREFLIGHT, ["稿件 a", "(title)", "U+0007"]),
    "nul-in-title": (_write('---\ntitle: "标\\0题"\n---\n\n正文。\n'), PREFLIGHT, ["稿件 a", "(title)", "U+0000"]),
    "bel-in-body": (_write("---\ntitle: 标题\n---\n\n第一段。\n\n正\x07文。\n"), "a.md:7", ["U+0007"]),
    "esc-in-front-matter": (_write("---\ntitle: 标\x1b题\n---\n\n正文。\n"), "a.md:2", ["U+001B"]),
    "form-feed-in-body": (_write("---\ntitle: 标题\n---\n\n正文。\x0c\n"), "a.md:5", ["U+000C"]),
    "tab-in-paragraph": (_write("---\ntitle: 标题\n---\n\n第一段。\n\n正\t文。\n"), PREFLIGHT,
                         ["稿件 a", "(paragraphs.2)", "U+0009"]),
    "bel-in-paper": (_toml('paper = "测试日报"', 'paper = "测试\\u0007日报"'), PREFLIGHT, ["(paper)", "U+0007"]),
    "bel-in-section": (_toml('section = "测试版"', 'section = "测\\u0007试版"'), PREFLIGHT,
                       ["第1版", "(section)", "U+0007"]),
    # libyaml refuses the escape (naming the line), PyYAML's own parser lets the field check name it
    "lone-surrogate": (_write('---\ntitle: "标\\ud800题"\n---\n\n正文。\n'), ARTICLE, ["Unicode"]),
    # mixed encodings
    "gbk-article": (_gbk_article, ARTICLE, ["not UTF-8", "GBK"]),
    "gbk-issue-toml": (lambda f: (f / "issue.toml").write_bytes((f / "issue.toml").read_text(encoding="utf-8")
                                                                  .encode("gbk")), ISSUE_TOML, ["not UTF-8"]),
    "gbk-paragraph-in-utf8": (_mixed_encoding, ARTICLE, ["not UTF-8", "line 7"]),
    # pictures that are not pictures
    "picture-a-text-file": (_picture(b"this is not a JPEG\n"), ARTICLE, ["pictures.0.file", "x.jpg", "not a picture"]),
    "picture-truncated-jpeg": (_picture(jpeg_bytes()[:1500]), ARTICLE, ["pictures.0.file", "x.jpg", "truncated"]),
    "picture-empty-file": (_picture(b""), ARTICLE, ["pictures.0.file", "not a picture"]),
    "picture-missing": (_picture(None), ARTICLE, ["pictures.0.file", "x.jpg"]),
    "picture-pdf-junk": (_picture(b"%PDF-1.4\n%junk\n", "x.png"), ARTICLE, ["pictures.0.file", "x.png"]),
    # the file system
    "folder-is-a-file": (_folder_is_a_file, "issue", ["not an issue folder"]),
    "issue-toml-symlink-loop": (_symlink_loop, ISSUE_TOML, ["cannot read"]),
    "article-is-a-folder": (_article_is_a_folder, ARTICLE, ["cannot read"]),
}


# These also run as a real `python -m typeset build` process (the others run the same CLI code
# in this process, which is 50× faster: a traceback would propagate as an exception).
IN_A_PROCESS = {"yaml-unclosed-bracket", "title-a-number", "unknown-layout", "bel-in-body", "gbk-issue-toml",
                "picture-truncated-jpeg", "article-10-MB", "issue-toml-symlink-loop"}


def bad_issue(base: Path, name: str) -> Path:
    folder = write_issue(base / name / "issue", {"a": OK, "b": article("第二篇", BODY)}, pages=[["a"]])
    (folder / "x.jpg").write_bytes(jpeg_bytes())
    BAD_INPUTS[name][0](folder)
    return folder


@pytest.fixture(scope="module")
def bad_builds(tmp_path_factory):
    """The bad inputs of IN_A_PROCESS built by the CLI in processes of their own (in parallel)."""
    base = tmp_path_factory.mktemp("bad")

    def run(name):
        folder, out = bad_issue(base, name), base / name / "out"
        start = time.perf_counter()
        result = paiban("build", str(folder), "-o", str(out))
        return name, (result, time.perf_counter() - start, out)

    with concurrent.futures.ThreadPoolExecutor(max_workers=3) as pool:
        return dict(pool.map(run, sorted(IN_A_PROCESS)))


def assert_one_line_error(result: subprocess.CompletedProcess, *fragments: str) -> str:
    assert "Traceback" not in result.stderr, result.stderr
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    return lines[0]


def assert_nothing_written(out: Path):
    """No PDF, and no temporary file either (a .part is hidden, but still partial)."""
    left = sorted(p.name for p in out.iterdir()) if out.exists() else []
    assert left == [], left


@pytest.mark.parametrize("name", list(BAD_INPUTS))
def test_bad_input_is_one_line_naming_the_file(tmp_path, name):
    _, where, fragments = BAD_INPUTS[name]
    folder, out = bad_issue(tmp_path, name), tmp_path / name / "out"
    start = time.perf_counter()
    code, stderr = cli("build", str(folder), "-o", str(out))
    line = assert_one_line_error(subprocess.CompletedProcess([], code, "", stderr), where, *fragments)
    assert where == PREFLIGHT or f"/{name}/" in line, line     # the full path, not only the name
    assert_nothing_written(out)
    assert time.perf_counter() - start < 5, f"{name}: {time.perf_counter() - start:.1f} s"


@pytest.mark.parametrize("name", sorted(IN_A_PROCESS))
def test_bad_input_through_the_real_cli(bad_builds, name):
    _, where, fragments = BAD_INPUTS[name]
    result, seconds, out = bad_builds[name]
    line = assert_one_line_error(result, where, *fragments)
    assert line.startswith("错误 error: ") and f"/{name}/" in line, line
    assert_nothing_written(out)
    assert seconds < 30, f"{name}: {seconds:.1f} s"


def test_10_mb_article_fails_fast(tmp_path):
    """Rejected before composition (which took 54 s for 10 MB before the size limit)."""
    folder = write_issue(tmp_path, {"a": article("标题", ("这是一个很长的段落。" * 100 + "\n\n") * 3500)})
    start = time.perf_counter()
    with pytest.raises(UserError, match="larger than 4 MB"):
        issue_folder.load_issue(folder)
    assert time.perf_counter() - start < 2


def test_body_just_under_the_limit_loads_quickly(tmp_path):
    body = ("这是一个很长的段落。" * 100 + "\n\n") * 199
    folder = write_issue(tmp_path, {"a": article("标题", body)})
    start = time.perf_counter()
    issue = issue_folder.load_issue(folder)
    assert sum(map(len, issue.articles["a"].paragraphs)) == 199_000
    assert time.perf_counter() - start < 2


def test_control_characters_agree_with_preflight(tmp_path):
    """Typed into the file, a control character is a load error naming the line; escaped ("\\a"),
    it loads and preflight.check_records rejects it naming the field. Either way: no PDF."""
    folder = write_issue(tmp_path, {"a": '---\ntitle: "标\\a题"\n---\n\n正文。\n'})
    issue = issue_folder.load_issue(folder)
    errors = [f for f in preflight.check_records(issue) if f.severity == "error"]
    assert [f.check for f in errors] == ["control"] and "U+0007" in errors[0].message
    (folder / "articles" / "a.md").write_text("---\ntitle: 标\a题\n---\n\n正文。\n", encoding="utf-8")
    with pytest.raises(UserError, match="U\\+0007") as caught:
        issue_folder.load_issue(folder)
    assert caught.value.where.endswith("a.md:2")


def test_import_of_a_gbk_dump_is_one_line(tmp_path):
    dump = tmp_path / "dump.txt"
    dump.write_bytes("# 魅力鄄城\n\n## 标题\n\n正文。\n".encode("gbk"))
    assert_one_line_error(paiban("import", str(dump), "-o", str(tmp_path / "issue")), "dump.txt", "UTF-8")
    assert not (tmp_path / "issue").exists()


def test_import_of_an_overlong_headline_names_the_dump_line(tmp_path):
    dump = tmp_path / "dump.txt"
    dump.write_text("# 魅力鄄城\n\n## 标题\n\n正文。\n\n## " + "长" * 150 + "\n\n正文。\n", encoding="utf-8")
    assert_one_line_error(paiban("import", str(dump), "-o", str(tmp_path / "issue")), "dump.txt:7", "at most 100")
    assert not (tmp_path / "issue").exists()


# --- determinism ------------------------------------------------------------------------------

def pdfinfo(pdf: Path) -> dict[str, str]:
    out = subprocess.run(["pdfinfo", "-isodates", str(pdf)], capture_output=True, text=True, check=True).stdout
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in out.splitlines())}


def test_two_builds_of_the_sample_issue_are_byte_identical(sample_issue, tmp_path):
    """Two CLI builds, in processes of their own (different hash seeds) and different folders,
    started together (the code and the sample are being edited while the suite runs)."""
    env = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"}
    runs = [subprocess.Popen([sys.executable, "-m", "typeset", "build", str(sample_issue), "-o", str(tmp_path / out)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                             env=env | {"PYTHONHASHSEED": seed})
            for out, seed in (("one", "1"), ("two", "2"))]
    for run in runs:
        assert run.wait() == 0, run.stderr.read()
        run.stderr.close()
    one, two = (tmp_path / out / f"{sample_issue.name}.pdf" for out in ("one", "two"))
    assert one.read_bytes() == two.read_bytes()
    info = pdfinfo(one)
    assert info["CreationDate"].startswith("2023-08-04T00:00:00+08"), info   # the issue date, not "now"


def _build_cli(issue: Path, out: Path, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"} | env
    return subprocess.run([sys.executable, "-m", "typeset", "build", str(issue), "-o", str(out)],
                          capture_output=True, text=True, cwd=ROOT, env=environment)


@pytest.fixture(scope="module")
def small_issue(tmp_path_factory) -> tuple[Path, Path]:
    """A small issue and its PDF built once through the CLI."""
    base = tmp_path_factory.mktemp("small")
    folder = write_issue(base / "xiaoban", {"a": article("鄄城县召开会议", "本报讯 会议强调要狠抓落实。" * 40),
                                            "b": article("吉祥如意迎新年", "各项任务按时完成。" * 60)})
    result = _build_cli(folder, base / "out")
    assert result.returncode == 0, result.stderr
    return folder, base / "out" / "xiaoban.pdf"


def test_source_date_epoch_sets_the_dates(small_issue, tmp_path):
    folder, pdf = small_issue
    assert pdfinfo(pdf)["CreationDate"].startswith("2024-03-01T00:00:00+08"), pdfinfo(pdf)
    by_env = _build_cli(folder, tmp_path / "env", SOURCE_DATE_EPOCH="1700000000")
    assert by_env.returncode == 0, by_env.stderr
    info = pdfinfo(tmp_path / "env" / "xiaoban.pdf")
    assert info["CreationDate"].startswith("2023-11-14T22:13:20"), info
    assert info["ModDate"] == info["CreationDate"]
    assert (tmp_path / "env" / "xiaoban.pdf").read_bytes() != pdf.read_bytes()
    by_option = subprocess.run([sys.executable, "-m", "typeset", "build", str(folder), "-o", str(tmp_path / "option"),
                                "--source-date-epoch", "1700000000"], capture_output=True, text=True, cwd=ROOT,
                               env={k: v for k, v in os.environ.items() if k != "SOURCE_DATE_EPOCH"})
    assert by_option.returncode == 0, by_option.stderr
    assert (tmp_path / "option" / "xiaoban.pdf").read_bytes() == (tmp_path / "env" / "xiaoban.pdf").read_bytes()


# --- atomic output: kill a build at several moments --------------------------------------------

def _kill_at(folder: Path, out: Path, moment: str) -> str:
    """Start a build and SIGKILL it at `moment`: a delay in seconds, 'part' (the temporary file
    appears) or 'written' (the temporary file has content: WeasyPrint is writing or preflight is
    reading it). Returns what happened: 'killed' or 'finished'."""
    process = subprocess.Popen([sys.executable, "-m", "typeset", "build", str(folder), "-o", str(out)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    start = time.perf_counter()
    try:
        while process.poll() is None and time.perf_counter() - start < 60:
            parts = [p for p in out.glob(".*.part")]
            if moment == "part" and parts:
                break
            if moment == "written" and any(_size(p) > 0 for p in parts):
                break
            if moment not in ("part", "written") and time.perf_counter() - start >= float(moment):
                break
            time.sleep(0.002)
        finished = process.poll() is not None
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait()
    return "finished" if finished else "killed"


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


@pytest.mark.parametrize("moment", ["0.3", "1.5", "part", "written"])
def test_killed_build_leaves_the_previous_pdf(small_issue, tmp_path, moment):
    folder, reference = small_issue
    out = tmp_path / "out"
    out.mkdir()
    previous = out / "xiaoban.pdf"
    shutil.copy(reference, previous)
    # A previous file that differs from a new build's (a comment after %%EOF), so a build that
    # finished after all would show.
    previous.write_bytes(previous.read_bytes() + b"%previous build\n")
    before = previous.read_bytes()

    what = _kill_at(folder, out, moment)

    assert previous.exists()
    now = previous.read_bytes()
    assert now == before or what == "finished"     # the previous file, or (too late to kill) a new one
    with pikepdf.open(previous) as pdf:
        assert len(pdf.pages) == 1
    stale = [p for p in out.iterdir() if p.name != "xiaoban.pdf"]
    assert all(p.name.startswith(".xiaoban.pdf.") and p.name.endswith(".part") for p in stale), stale
    if moment == "part":
        assert stale and what == "killed", (what, stale)  # the kill really hit the build's write


def test_killed_build_without_previous_leaves_no_pdf_and_the_next_build_cleans_up(small_issue, tmp_path):
    folder, _ = small_issue
    out = tmp_path / "out"
    assert _kill_at(folder, out, "written") == "killed"
    assert not (out / "xiaoban.pdf").exists()
    stale = list(out.glob(".xiaoban.pdf.*.part"))
    assert len(stale) == 1
    # A part file of a build killed an hour ago is removed by the next build; a younger one may
    # belong to a build still running, and is kept.
    young = out / ".xiaoban.pdf.young.part"
    young.write_bytes(b"%PDF-1.7 still being written")
    old = stale[0].stat().st_mtime - 7200
    os.utime(stale[0], (old, old))
    result = _build_cli(folder, out)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == [young.name, "xiaoban.pdf"]
    with pikepdf.open(out / "xiaoban.pdf") as pdf:
        assert len(pdf.pages) == 1


# --- fuzz: random records and page dumps ------------------------------------------------------

HAN = "鄄城县召开全县打击治理电信网络诈骗工作推进会议提高全民反诈意识最大限度减少群众财产损失"
PUNCT = "，。、：；！？“”‘’（）《》——…"
text_chars = st.characters(blacklist_categories=("Cs",))           # any character but surrogates
printable = st.sampled_from(list(HAN + PUNCT + "abcXYZ019 ,.:;!?()\"'-/"))
nasty = st.sampled_from(["\x00", "\x07", "\t", "\x1b", "\x7f", "\x85", "\u200b", "\ufeff", "\u2028", "\r",
                         "𪚥", "\U000F0000", "\ue000", "\ufffe", "---", "\n---\n", "#", ": ", "- ", "{", "[", "&a", "*a",
                         "!!binary", "'", '"'])
field_text = st.one_of(st.text(printable, min_size=1, max_size=30),
                       st.lists(st.one_of(printable, nasty, text_chars), max_size=20).map("".join))
scalar = st.one_of(st.none(), st.booleans(), st.integers(-10 ** 20, 10 ** 20), st.floats(allow_nan=True),
                   st.dates(), field_text)


def _nested(inner):
    return st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=8), inner, max_size=3))


value = st.recursive(scalar, _nested, max_leaves=8)
FIELDS = ["kicker", "title", "subtitle", "dateline", "byline", "priority", "pin", "pictures"]
pin = st.fixed_dictionaries({}, optional={k: st.one_of(st.integers(-2, 120), value)
                                          for k in ("column", "row", "columns", "lines", "text_columns")})
front_matter = st.dictionaries(st.one_of(st.sampled_from(FIELDS), st.text(max_size=8)),
                               st.one_of(field_text, value), max_size=6) | st.fixed_dictionaries(
    {"title": field_text}, optional={"kicker": field_text, "subtitle": field_text, "byline": field_text,
                                     "priority": st.one_of(st.integers(-1, 11), value), "pin": pin,
                                     "pictures": st.lists(st.fixed_dictionaries(
                                         {"file": st.sampled_from(["x.jpg", "bad.jpg", "none.jpg", "", "."])},
                                         optional={"caption": field_text}), max_size=2)})
body = st.lists(st.one_of(field_text, st.just(""), st.just("\n"), nasty), max_size=12).map("\n".join)


def write_fuzzed(folder: Path, metas: list, bodies: list[str], raw: list[bytes | None]) -> None:
    (folder / "articles").mkdir(parents=True)
    for i, (meta, text, junk) in enumerate(zip(metas, bodies, raw)):
        path = folder / "articles" / f"a{i}.md"
        if junk is not None:
            path.write_bytes(junk)
            continue
        try:
            front = yaml.safe_dump(meta, allow_unicode=True, sort_keys=False)
        except yaml.YAMLError:
            front = "title: 标题\n"
        path.write_text(f"---\n{front}---\n\n{text}\n", encoding="utf-8", errors="surrogatepass")
    slugs = ", ".join(f'"a{i}"' for i in range(len(metas)))
    (folder / "issue.toml").write_text(f'paper = "测试日报"\ndate = 2024-03-01\n\n[[pages]]\nnumber = 1\n'
                                       f'section = "测试版"\narticles = [{slugs}]\n', encoding="utf-8")
    (folder / "x.jpg").write_bytes(jpeg_bytes())
    (folder / "bad.jpg").write_bytes(b"\xff\xd8\xff\xe0 truncated")


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(metas=st.lists(front_matter, min_size=1, max_size=3), bodies=st.lists(body, min_size=3, max_size=3),
       raw=st.lists(st.one_of(st.none(), st.none(), st.binary(max_size=200)), min_size=3, max_size=3))
def test_fuzz_loader(metas, bodies, raw):
    """load_issue on random front matter (any keys, values, types) and bodies (any characters):
    records whose every field is clean, or a one-line UserError naming the file."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "issue"
        write_fuzzed(folder, metas, bodies, raw)
        try:
            issue = issue_folder.load_issue(folder)
        except UserError as e:
            assert "\n" not in str(e) and e.where and e.where.startswith(str(folder)), str(e)
            return
        controls = False
        for a in issue.articles.values():
            for text in [a.kicker, a.title, a.subtitle, a.dateline, a.byline, *a.paragraphs]:
                controls |= text is not None and any(unicodedata.category(ch) == "Cc" for ch in text)
            assert a.title.strip() and a.paragraphs and len(a.title) <= records.HEAD_MAX
        if controls:  # escaped in the YAML: preflight stops the build
            assert any(f.check == "control" and f.severity == "error" for f in preflight.check_records(issue))


dump_word = st.one_of(st.sampled_from(["鄄城县", "召开", "会议", "。", "，", "\"", "(", ")", "记者 张三",
                                       "本报讯（通讯员 纪哲）", "——", "引题：", "副题：", "\t", "\x07", "\u200b",
                                       " ", "𠮷", ":", "1,000", "www.x.cn", "责任编辑 张三 美编 李四", "#"]),
                      st.text(text_chars, min_size=1, max_size=6))
dump_line = st.lists(dump_word, min_size=1, max_size=8).map("".join)
dump_block = st.lists(dump_line, min_size=1, max_size=3).map("\n".join)
dump_article = st.tuples(dump_line, st.lists(dump_block, max_size=4)).map(
    lambda t: "## " + t[0] + "\n\n" + "\n\n".join(t[1]))
page_dump = st.one_of(
    st.tuples(st.one_of(st.none(), dump_line), st.lists(dump_article, min_size=1, max_size=3),
              st.sampled_from(["\n", "\r\n"])).map(
        lambda t: ((f"# {t[0]}\n\n" if t[0] else "") + "\n\n".join(t[1])).replace("\n", t[2])),
    st.text(text_chars, max_size=200))


@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(dump=page_dump)
def test_fuzz_importer(dump):
    """parse_dump + write_issue on random dumps: an issue folder that loads with exactly the
    parsed text, or a one-line UserError and no folder."""
    from typeset.sources import importer

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "dump.txt"
        path.write_text(dump, encoding="utf-8")
        folder = Path(tmp) / "issue"
        try:
            page = importer.import_file(path)
            importer.write_issue(page, folder, paper="测试日报", date=__import__("datetime").date(2024, 3, 1),
                                 page_number=1, section=None if page.section else "测试版")
        except UserError as e:
            assert "\n" not in str(e), str(e)
            assert not folder.exists()
            assert [p.name for p in Path(tmp).iterdir()] == ["dump.txt"]      # no staging folder left
            return
        loaded = issue_folder.load_issue(folder)
        assert [a.text() for a in loaded.articles.values()] == [
            "".join(filter(None, [a.kicker, a.title, a.subtitle, a.dateline, *a.paragraphs, a.byline]))
            for a in page.articles]


def cli(*args: str) -> tuple[int, str]:
    """The CLI in this process (a traceback would propagate as an exception): (exit code, stderr)."""
    from typeset.cli import main

    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
        try:
            main.main(args=list(args), prog_name="paiban", standalone_mode=True)
            code = 0
        except SystemExit as e:
            code = e.code or 0
    return code, stderr.getvalue()


def pdf_text(pdf: Path) -> str:
    return subprocess.run(["pdftotext", "-q", str(pdf), "-"], capture_output=True, text=True, check=True).stdout


build_text = st.text(st.sampled_from(list(HAN + "，。、“”《》abc019")), min_size=1, max_size=24)
clean_article = st.tuples(
    st.fixed_dictionaries({"title": build_text}, optional={"kicker": build_text, "byline": build_text,
                                                           "priority": st.integers(1, 9)}),
    st.lists(build_text.map(lambda s: s * 8), min_size=1, max_size=5).map("\n\n".join))
dirty_article = st.tuples(
    st.fixed_dictionaries(
        {"title": st.one_of(build_text, value)},
        optional={"kicker": build_text, "priority": st.one_of(st.integers(0, 10), value),
                  "pin": st.fixed_dictionaries({}, optional={"columns": st.integers(0, 12), "lines": st.integers(0, 150)}),
                  "subtitle": st.one_of(build_text, field_text)}),
    st.lists(st.one_of(build_text.map(lambda s: s * 8), field_text), max_size=6).map("\n\n".join))


@settings(max_examples=6, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@example(articles=[({"title": "鄄城县召开会议", "byline": "通讯员 纪哲"}, "会议强调要狠抓落实。" * 30)])
@given(articles=st.lists(st.one_of(clean_article, clean_article, dirty_article), min_size=1, max_size=2))
def test_fuzz_build(articles):
    """The whole build on random records: a PDF holding every character of the records, or
    exit 1 with one line — never a traceback, never a partial file."""
    with tempfile.TemporaryDirectory() as tmp:
        folder, out = Path(tmp) / "issue", Path(tmp) / "out"
        write_fuzzed(folder, [m for m, _ in articles], [b for _, b in articles], [None] * len(articles))
        code, stderr = cli("build", str(folder), "-o", str(out))
        if code != 0:
            assert code == 1
            lines = stderr.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("错误 error: ") and "Traceback" not in stderr, stderr
            assert_nothing_written(out)
            return
        assert sorted(p.name for p in out.iterdir()) == ["issue.pdf"]
        issue = issue_folder.load_issue(folder)
        printed = collections.Counter(ch for ch in pdf_text(out / "issue.pdf") if not ch.isspace())
        wanted = collections.Counter(ch for a in issue.articles.values() for ch in a.text() if not ch.isspace())
        assert not wanted - printed, wanted - printed


def test_a_build_turns_garbage_collection_back_on(tmp_path):
    """A build pauses the cyclic collector (pipeline.gc_paused) and turns it back on, also when it
    fails: a program that builds issues one after another keeps its memory."""
    import gc

    from typeset.pipeline import build

    assert gc.isenabled()
    with pytest.raises(UserError):
        build(tmp_path / "no-such-issue", tmp_path / "out")
    assert gc.isenabled()
