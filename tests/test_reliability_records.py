"""Reliability (issue 15), input: strict records, pictures, damaged PDFs, huge counts.

Each wrong input a user can make is one line on stderr (file, field or code point, what to do),
exit 1, no traceback and no output; input that is right but extreme (500 articles on a page, a
1 × 1 picture) ends in a plan, a clear overset or a warning, with bounded time and memory."""

from __future__ import annotations

import io
import random
import struct
import subprocess
import time
import zlib
from pathlib import Path

import pikepdf
import pytest
from conftest import article, write_issue
from reliability_kit import (
    BODY,
    assert_nothing_written,
    assert_one_line_error,
    cli,
    left_in,
    measured_run,
    no_traceback,
    paiban,
    picture_bytes,
    picture_issue,
    watch_until_error,
)
from test_robustness import set_toml


def one_line(code: int, stderr: str, *fragments: str) -> str:
    return assert_one_line_error(subprocess.CompletedProcess([], code, "", stderr), *fragments)


def two_page_issue(folder: Path, text_b: str) -> Path:
    """Page 1 holds article a, page 2 article b (the one under test)."""
    return write_issue(folder, {"a": article("第一篇", BODY), "b": text_b}, pages=[["a"], ["b"]])


# --- strict types and keys ------------------------------------------------------------------

# name: (file named, fragments of the message, change to a valid two-page issue)
STRICT = {
    "priority-true": ("b.md", ["priority"], lambda f: (f / "articles" / "b.md").write_text(
        "---\ntitle: 标题\npriority: true\n---\n\n正文。\n", encoding="utf-8")),
    "number-true": ("issue.toml", ["number"], lambda f: set_toml(f, "number = 1\n", "number = true\n")),
    "date-a-string": ("issue.toml", ["date"], lambda f: set_toml(f, "date = 2024-03-01", 'date = "2023-08-04"')),
    "duplicate-title": ("b.md", ["title", "twice|duplicate"], lambda f: (f / "articles" / "b.md").write_text(
        "---\ntitle: 第一个标题\nkicker: 引题\ntitle: 第二个标题\n---\n\n正文。\n", encoding="utf-8")),
}


@pytest.mark.parametrize("name", list(STRICT))
def test_wrong_type_or_duplicate_key_is_one_line(tmp_path, name):
    where, fragments, change = STRICT[name]
    folder = two_page_issue(tmp_path / "issue", article("第二篇", BODY))
    change(folder)
    out = tmp_path / "out"
    code, stderr = cli("build", str(folder), "-o", str(out))
    line = one_line(code, stderr, where)
    assert all(any(word in line for word in f.split("|")) for f in fragments), line
    assert_nothing_written(out)


# --- characters: separators, bidi controls, characters no face has ---------------------------

SEPARATORS = {"U+2028": "\u2028", "U+2029": "\u2029", "U+202E": "\u202e", "U+2066": "\u2066"}


@pytest.mark.parametrize("form", ["typed", "typed-quoted", "escaped"])
@pytest.mark.parametrize("code", list(SEPARATORS))
def test_separator_or_bidi_control_is_named_by_code_point(tmp_path, code, form):
    ch = SEPARATORS[code]
    title = {"typed": f"前半{ch}后半", "typed-quoted": f'"前半{ch}后半"', "escaped": f'"前半\\u{code[2:]}后半"'}[form]
    folder = two_page_issue(tmp_path / "issue", f"---\ntitle: {title}\n---\n\n{BODY}\n")
    out = tmp_path / "out"
    code_, stderr = cli("build", str(folder), "-o", str(out))
    line = one_line(code_, stderr, code)
    assert "b.md" in line or "稿件 b" in line, line
    assert "第1版" not in line, line
    assert_nothing_written(out)


@pytest.mark.parametrize("form", ["typed", "escaped"])
@pytest.mark.parametrize(("old", "field"), [('paper = "测试日报"', "paper"), ('section = "测试版"', "pages.0.section")])
def test_separator_in_issue_toml_is_named_with_its_field(tmp_path, form, old, field):
    folder = two_page_issue(tmp_path / "issue", article("第二篇", BODY))
    key, value = old.split(" = ")
    ch = "\u2028" if form == "typed" else "\\u2028"
    set_toml(folder, old, f'{key} = "{value.strip(chr(34))[:2]}{ch}{value.strip(chr(34))[2:]}"')
    out = tmp_path / "out"
    code, stderr = cli("build", str(folder), "-o", str(out))
    line = one_line(code, stderr, "issue.toml", "U+2028", field)
    assert "Traceback" not in stderr, line
    assert_nothing_written(out)


def test_imported_heading_with_a_line_separator_is_kept_whole_or_named(tmp_path):
    dump = tmp_path / "dump.txt"
    dump.write_text("# 魅力鄄城\n\n## 鄄城县召开\u2028全县工作会议\n\n本报讯 会议强调要狠抓落实。\n", encoding="utf-8")
    result = paiban("import", dump, "-o", tmp_path / "issue", "--date", "2024-03-01")
    no_traceback(result)
    if result.returncode:
        assert_one_line_error(result, "dump.txt", "U+2028")
        return
    titles = [line for p in (tmp_path / "issue" / "articles").glob("*.md")
              for line in p.read_text(encoding="utf-8").splitlines() if line.startswith("title:")]
    assert len(titles) == 1 and "鄄城县召开" in titles[0] and "全县工作会议" in titles[0], titles


@pytest.mark.parametrize("field", ["title", "body"])
def test_a_character_no_face_has_is_named_with_its_code_point(tmp_path, field):
    text = article("庆祝😀大会", BODY) if field == "title" else article("庆祝大会", "本报讯 大家都很高兴😀。")
    folder = two_page_issue(tmp_path / "issue", text)
    out = tmp_path / "out"
    code, stderr = cli("build", str(folder), "-o", str(out))
    line = one_line(code, stderr, "U+1F600")
    assert ("b.md" in line or "稿件 b" in line) and "第1版" not in line, line
    assert_nothing_written(out)


# --- cheap limits ---------------------------------------------------------------------------

def alias_bomb(kind: str) -> str:
    """Front matter of many aliases in a known field: `wide`, 600,000 aliases of one anchor (the
    issue's case); `deep`, nine lists of nine aliases of the list before (the billion laughs)."""
    if kind == "wide":
        return "---\ntitle: 标题\nkicker: &k 引题\npictures: [" + ", ".join(["*k"] * 600_000) + "]\n---\n\n正文。\n"
    levels = ["&a0 [哈]"] + [f"&a{i} [" + ", ".join([f"*a{i - 1}"] * 9) + "]" for i in range(1, 9)]
    return "---\ntitle: 标题\npictures: [" + ", ".join(levels) + "]\n---\n\n正文。\n"


@pytest.mark.parametrize("kind", ["wide", "deep"])
def test_yaml_alias_bomb_is_refused_cheaply(tmp_path, kind):
    """Against a baseline: the same issue with a plain unknown field, measured the same way."""
    plain = write_issue(tmp_path / "plain", {"a": article("标题", BODY, zz="x")})
    bomb = write_issue(tmp_path / "bomb", {"a": alias_bomb(kind)})
    _, base_s, base_mb, base_err = measured_run(["build", plain, "-o", tmp_path / "o1"], timeout=30)
    assert "zz" in base_err, base_err
    code, seconds, mb, stderr = measured_run(["build", bomb, "-o", tmp_path / "o2"], timeout=12)
    assert code == 1, (code, stderr[-2000:])
    line = one_line(code, stderr, "a.md")
    assert "alias" in line.lower() or "pictures" in line, line
    assert seconds < base_s + 2 and mb < base_mb + 60, (seconds, base_s, mb, base_mb)


def test_520_articles_on_a_page_end_in_a_plan_or_a_clear_overset(tmp_path):
    folder = write_issue(tmp_path / "issue", {f"a{i:03d}": article(f"短讯{i}", "本报讯 一句话新闻。") for i in range(520)})
    out = tmp_path / "out"
    start = time.perf_counter()
    result = paiban("build", folder, "-o", out, timeout=40)
    no_traceback(result)
    assert time.perf_counter() - start < 30
    if result.returncode == 0:
        with pikepdf.open(out / "issue.pdf") as pdf:
            assert len(pdf.pages) == 1
    else:
        line = assert_one_line_error(result)
        assert "溢出" in line or "overset" in line or "does not fit" in line, line
        assert_nothing_written(out)


# --- pictures: pixel limit, resolution ------------------------------------------------------

def huge_png(width: int, height: int) -> bytes:
    """A grey PNG of width × height written row by row with zlib (a few KB; the decoder would
    need width × height bytes): no picture library builds it."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    packer = zlib.compressobj(9)
    row = b"\0" + b"\x80" * width
    idat = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def test_huge_png_is_small_on_disk_and_huge_when_decoded():
    """The input's own check: the file is what the case says (small on disk, 144 megapixels)."""
    from PIL import Image

    data = huge_png(12000, 12000)
    assert len(data) < 300_000
    Image.MAX_IMAGE_PIXELS, limit = None, Image.MAX_IMAGE_PIXELS
    try:
        with Image.open(io.BytesIO(data)) as image:
            assert image.size == (12000, 12000)
    finally:
        Image.MAX_IMAGE_PIXELS = limit


def test_a_picture_of_too_many_pixels_is_refused_before_decoding(tmp_path):
    plain = picture_issue(tmp_path / "plain", "images/p.png", data=picture_bytes((800, 600), fmt="PNG"))
    huge = picture_issue(tmp_path / "huge", "images/p.png", data=huge_png(12000, 12000))
    code0, _, base_mb, err0 = measured_run(["build", plain, "-o", tmp_path / "o1"], timeout=30)
    assert code0 == 0, err0
    code, seconds, mb, stderr = measured_run(["build", huge, "-o", tmp_path / "o2"], timeout=20)
    no_traceback(subprocess.CompletedProcess([], code, "", stderr))
    line = one_line(code, stderr, "a.md", "pictures.0.file", "pixels")
    assert "144,000,000" in line or "12000" in line.replace(",", "").replace(" ", ""), line
    assert mb < base_mb + 100, (mb, base_mb)
    assert left_in(tmp_path / "o2") == []


@pytest.mark.parametrize("variant", ["plain", "archive", "proof"])
def test_a_one_pixel_picture_warns_in_every_variant(tmp_path, variant):
    folder = picture_issue(tmp_path / "issue", "images/p.png", data=picture_bytes((1, 1), fmt="PNG"))
    out = tmp_path / "out"
    code, stderr = cli("build", str(folder), "-o", str(out), *([] if variant == "plain" else ["--variant", variant]))
    assert code == 0, stderr
    warnings = [line for line in stderr.splitlines() if line.startswith("注意 warning:")]
    assert any("p.png" in w and "ppi" in w for w in warnings), stderr


def test_a_one_pixel_picture_fails_print(tmp_path):
    folder = picture_issue(tmp_path / "issue", "images/p.png", data=picture_bytes((1, 1), fmt="PNG"))
    out = tmp_path / "out"
    code, stderr = cli("build", str(folder), "-o", str(out), "--variant", "print")
    one_line(code, stderr, "p.png", "ppi")
    assert_nothing_written(out)


# --- damaged PDFs to check and --diff --------------------------------------------------------

@pytest.fixture(scope="module")
def good_pdf(tmp_path_factory) -> Path:
    base = tmp_path_factory.mktemp("good")
    folder = picture_issue(base / "issue", None)
    code, stderr = cli("build", str(folder), "-o", str(base / "out"), "--variant", "proof")
    assert code == 0, stderr
    return base / "out" / "issue.proof.pdf"


def damaged(kind: str, good: Path, target: Path) -> Path:
    data = good.read_bytes()
    if kind == "truncated":
        target.write_bytes(data[: len(data) // 3])
    elif kind == "garbage":
        target.write_bytes(random.Random(15).randbytes(5000))
    elif kind == "empty":
        target.write_bytes(b"")
    elif kind == "encrypted":
        with pikepdf.open(good) as pdf:
            pdf.save(target, encryption=pikepdf.Encryption(owner="o", user="secret", R=6))
    elif kind == "pageless":
        with pikepdf.new() as pdf:
            pdf.save(target)
    return target


DAMAGE = ["truncated", "garbage", "empty", "encrypted", "pageless"]


def test_damaged_pdfs_are_really_damaged(good_pdf, tmp_path):
    """Negative test of the inputs: pikepdf refuses each, or (page-less) finds no page."""
    for kind in DAMAGE:
        path = damaged(kind, good_pdf, tmp_path / f"{kind}.pdf")
        try:
            with pikepdf.open(path) as pdf:
                assert len(pdf.pages) == 0, kind
        except (pikepdf.PdfError, pikepdf.PasswordError):
            pass


@pytest.mark.parametrize("kind", DAMAGE)
def test_check_of_a_damaged_pdf_is_one_clear_error(good_pdf, tmp_path, kind):
    path = damaged(kind, good_pdf, tmp_path / f"{kind}.pdf")
    result = paiban("check", path)
    no_traceback(result)
    assert result.returncode == 1
    report = (result.stdout + result.stderr).strip().splitlines()
    assert any(str(path) in line for line in report), report
    assert len(result.stderr.strip().splitlines()) <= 1, result.stderr


@pytest.mark.parametrize("kind", ["encrypted", "truncated", "garbage"])
def test_diff_against_a_damaged_pdf_is_one_line(good_pdf, tmp_path, kind):
    previous = damaged(kind, good_pdf, tmp_path / f"{kind}.pdf")
    folder = picture_issue(tmp_path / "issue", None)
    out = tmp_path / "out"
    result = paiban("build", folder, "-o", out, "--variant", "proof", "--diff", previous)
    assert_one_line_error(result, str(previous))
    no_traceback(result)
    assert left_in(out) == []


# --- a NUL in a slug ------------------------------------------------------------------------

def nul_slug_issue(folder: Path) -> Path:
    write_issue(folder, {"a": article("标题", BODY)})
    set_toml(folder, 'articles = ["a"]', 'articles = ["a\\u0000b"]')
    return folder


def test_nul_in_a_slug_is_one_line_in_build(tmp_path):
    folder = nul_slug_issue(tmp_path / "issue")
    code, stderr = cli("build", str(folder), "-o", str(tmp_path / "out"))
    one_line(code, stderr, "issue.toml", "pages.0.articles.0")
    assert_nothing_written(tmp_path / "out")


def test_nul_in_a_slug_is_a_clean_report_in_check(tmp_path):
    result = paiban("check", nul_slug_issue(tmp_path / "issue"))
    no_traceback(result)
    assert result.returncode == 1 and "issue.toml" in result.stdout + result.stderr


def test_nul_in_a_slug_leaves_watch_running(tmp_path):
    running, log = watch_until_error(nul_slug_issue(tmp_path / "issue"), tmp_path / "out")
    assert running, log[-2000:]
    no_traceback(subprocess.CompletedProcess([], 0, "", log))
    assert any(line.count("错误 error") == 1 and "issue.toml" in line for line in log.splitlines()), log
