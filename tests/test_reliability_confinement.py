"""Reliability (issue 15), confinement: a build reads nothing from outside its issue folder.

A picture named by an absolute path, by a `../` path or through a symlink that leaves the folder
is one clear error (file, field) in every variant; nothing is written and the outside file's
bytes are in no output. The archive's records.zip holds only relative names inside
`<issue>/`. A hypothesis fuzz drives slugs, picture paths and front matter through load, plan
and the records zip."""

from __future__ import annotations

import datetime as dt
import io
import os
import subprocess
import tempfile
import zipfile
from pathlib import Path

import pikepdf
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from reliability_kit import (
    SECRET,
    assert_one_line_error,
    cli,
    left_in,
    outside_secret,
    paiban,
    picture_bytes,
    picture_issue,
    records_zip_names,
    safe_zip_name,
    secret_picture,
    typeset_api,
    watch_until_error,
)

from typeset.model.errors import UserError

VARIANTS = {"plain": [], "proof": ["--variant", "proof"], "archive": ["--variant", "archive"]}


def secret_in_outputs(out: Path) -> list[str]:
    """Outputs holding the outside picture's marker: raw bytes, every decoded PDF stream, and
    every member of a zip attached to a PDF."""
    found = []
    for path in (p for p in out.rglob("*") if p.is_file()):
        data = path.read_bytes()
        if SECRET[:40] in data:
            found.append(str(path))
        if not data.startswith(b"%PDF"):
            continue
        with pikepdf.open(path) as pdf:
            for obj in pdf.objects:
                if isinstance(obj, pikepdf.Stream):
                    try:
                        stream = obj.read_bytes()
                    except pikepdf.PdfError:
                        continue
                    members = []
                    if stream.startswith(b"PK"):
                        with zipfile.ZipFile(io.BytesIO(stream)) as archive:
                            members = [archive.read(n) for n in archive.namelist()]
                    if any(SECRET[:40] in m for m in [stream, *members]):
                        found.append(f"{path} (object {obj.objgen})")
    return found


def outside_picture(kind: str, folder: Path, secret: Path) -> str:
    """The picture path a record gives for `kind` of escape, making the symlink if needed."""
    if kind == "absolute":
        return str(secret)
    if kind == "dotdot":
        return os.path.relpath(secret, folder)
    link = folder / "images" / "link.jpg"
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(secret)
    return "images/link.jpg"


def test_the_outside_marker_is_found_when_embedded(tmp_path):
    """Negative test of secret_in_outputs: the marked picture inside the issue is found in the
    PDF and in the archive's records.zip, so not finding it elsewhere means something."""
    folder = picture_issue(tmp_path / "issue", "images/p.jpg", data=secret_picture())
    out = tmp_path / "out"
    code, stderr = cli("build", str(folder), "-o", str(out), "--variant", "archive")
    assert code == 0, stderr
    assert len(secret_in_outputs(out)) >= 2, secret_in_outputs(out)


@pytest.mark.parametrize("variant", list(VARIANTS))
@pytest.mark.parametrize("kind", ["absolute", "dotdot", "symlink"])
def test_a_picture_outside_the_issue_is_one_line_and_read_nowhere(tmp_path, kind, variant):
    secret = outside_secret(tmp_path)
    folder = tmp_path / "issue"
    folder.mkdir()
    picture_issue(folder, outside_picture(kind, folder, secret))
    out = tmp_path / "out"
    result = paiban("build", folder, "-o", out, *VARIANTS[variant])
    assert secret_in_outputs(out) == []
    for pdf in out.glob("*.archive.pdf"):
        assert all(safe_zip_name(n, "issue") for n in records_zip_names(pdf)), records_zip_names(pdf)
    line = assert_one_line_error(result, "a.md", "pictures.0.file")
    assert "issue folder" in line or "outside" in line, line
    assert left_in(out) == []


def test_a_picture_outside_the_issue_leaves_watch_running(tmp_path):
    folder = picture_issue(tmp_path / "issue", str(outside_secret(tmp_path)))
    running, log = watch_until_error(folder, tmp_path / "out", "--variant", "proof")
    assert running, log[-2000:]
    assert "Traceback" not in log
    assert any("错误 error" in line and "pictures.0.file" in line for line in log.splitlines()), log


def test_archive_zip_names_are_relative_and_inside_the_issue(tmp_path):
    folder = picture_issue(tmp_path / "issue", "images/sub/p.jpg")
    out = tmp_path / "out"
    code, stderr = cli("build", str(folder), "-o", str(out), "--variant", "archive")
    assert code == 0, stderr
    names = records_zip_names(out / "issue.archive.pdf")
    assert sorted(names) == ["issue/articles/a.md", "issue/images/sub/p.jpg", "issue/issue.toml"], names
    assert all(safe_zip_name(n, "issue") for n in names)


def test_safe_zip_name_rejects_escapes():
    """Negative test of the zip-name oracle with hand-made bad names."""
    for bad in ["/issue.toml", "issue/../../secret/x.jpg", "S4/../x", "issue//x", "other/x", "issue\\..\\x",
                "C:/issue/x", "issue/./x", ""]:
        assert not safe_zip_name(bad, "issue"), bad
    assert safe_zip_name("issue/images/p.jpg", "issue")


@pytest.mark.parametrize("variant", ["plain", "archive"])
def test_build_dot_names_the_outputs_after_the_folder(tmp_path, variant):
    folder = picture_issue(tmp_path / "xiaoban", "images/p.jpg")
    out = tmp_path / "out"
    result = paiban("build", ".", "-o", out, *VARIANTS[variant], cwd=folder)
    assert result.returncode == 0, result.stderr
    if variant == "plain":
        assert left_in(out) == ["xiaoban.pdf"]
        return
    assert left_in(out) == ["xiaoban.archive.pdf", "xiaoban.articles.json"]
    names = records_zip_names(out / "xiaoban.archive.pdf")
    assert sorted(names) == ["xiaoban/articles/a.md", "xiaoban/images/p.jpg", "xiaoban/issue.toml"], names


# --- fuzz: slugs, picture paths and front matter through load, plan and the records zip -------

# A NUL in a slug is left to test_reliability_records.test_nul_in_a_slug_* (it fails today; here
# it would hide every other finding of the fuzz behind that one).
SLUG_CHARS = st.sampled_from(list("abcz019-_.") + ["鄄", "城", " ", "\u200b", "\u2028", "/", "\\", "..",
                                                     "~", "$", "*", ":", "\u202e", "😀", "é"])
slug = st.lists(SLUG_CHARS, min_size=1, max_size=10).map("".join)
PATH_PARTS = st.sampled_from(["images", "p.jpg", "..", ".", "", "private", "private.jpg", "link", ".hidden.jpg",
                              "images//p.jpg", "~", "%2e%2e", "p.jpg\x00", "图片", "\\..\\"])
inside_picture = st.lists(PATH_PARTS, min_size=1, max_size=5).map("/".join)
picture_path = st.one_of(inside_picture, inside_picture.map(lambda p: "/" + p), st.just("../private/private.jpg"),
                         st.just("images/link/private.jpg"), st.text(max_size=12))
SCALARS = st.one_of(st.none(), st.booleans(), st.integers(-3, 12), st.text(max_size=8), st.dates())
front = st.fixed_dictionaries({"title": st.one_of(st.text(min_size=1, max_size=12), SCALARS)},
                              optional={"priority": SCALARS, "kicker": SCALARS, "byline": SCALARS,
                                        "pictures": st.lists(st.fixed_dictionaries(
                                            {"file": picture_path}, optional={"caption": SCALARS}), max_size=2)})


def write_fuzzed_issue(base: Path, slugs: list[str], fronts: list[dict]) -> Path:
    """An issue folder next to a private folder; images/link → the private folder."""
    import yaml

    (base / "private").mkdir()
    (base / "private" / "private.jpg").write_bytes(secret_picture())
    folder = base / "issue"
    (folder / "articles").mkdir(parents=True)
    (folder / "images").mkdir()
    (folder / "images" / "p.jpg").write_bytes(picture_bytes())
    (folder / "images" / "link").symlink_to(base / "private")
    listed = []
    for name, meta in zip(slugs, fronts):
        try:
            path = folder / "articles" / f"{name}.md"
            path.write_text(f"---\n{yaml.safe_dump(meta, allow_unicode=True)}---\n\n本报讯 正文。\n", encoding="utf-8")
        except (OSError, ValueError):       # a name the file system refuses: listed all the same
            pass
        listed.append(name)
    import json

    (folder / "issue.toml").write_text('paper = "测试日报"\ndate = 2024-03-01\n\n[[pages]]\nnumber = 1\n'
                                       f'section = "测试版"\narticles = {json.dumps(listed)}\n', encoding="utf-8")
    return folder


def check_fuzzed(base: Path, slugs: list[str], fronts: list[dict]) -> None:
    load_issue, plan_issue, records_zip = typeset_api()
    folder = write_fuzzed_issue(base, slugs, fronts)
    try:
        issue = load_issue(folder)
        plan_issue(issue, overset_ok=True)
    except UserError as e:
        assert "\n" not in str(e) and (e.where or "").startswith(str(folder)), (str(e), e.where)
        return
    for a in issue.articles.values():
        for p in a.pictures:
            assert (folder / p.file).resolve().is_relative_to(folder.resolve()), p.file
    data = records_zip(issue, dt.datetime(2024, 3, 1))
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            assert safe_zip_name(name, "issue"), name
            assert SECRET[:40] not in archive.read(name), name


FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)


@FUZZ
@given(slugs=st.lists(slug, min_size=1, max_size=3, unique=True), fronts=st.lists(front, min_size=3, max_size=3))
def test_fuzz_slugs_and_front_matter(slugs, fronts):
    """Any slug and front matter (pictures only inside the folder): records, a plan and a safe
    zip, or one line naming a file of the issue; never a traceback."""
    fronts = [{**f, "pictures": [{**p, "file": "images/p.jpg"} for p in f.get("pictures", [])]} for f in fronts]
    with tempfile.TemporaryDirectory() as tmp:
        check_fuzzed(Path(tmp), slugs, fronts)


@FUZZ
@given(fronts=st.lists(front, min_size=1, max_size=1))
@example(fronts=[{"title": "标题", "pictures": [{"file": "../private/private.jpg"}]}])
@example(fronts=[{"title": "标题", "pictures": [{"file": "images/link/private.jpg"}]}])
def test_fuzz_picture_paths_stay_inside_the_issue(fronts):
    """Any picture path: it resolves inside the issue folder, or one line naming the file."""
    with tempfile.TemporaryDirectory() as tmp:
        check_fuzzed(Path(tmp), ["a"], fronts)


@pytest.mark.parametrize("declared", [True, False])
def test_a_shared_assets_folder_is_read_only_when_declared(tmp_path, declared):
    """A picture in ../shared builds when issue.toml declares `assets = "../shared"` (and the
    archive zips it under a safe name); without the declaration it is the confinement error."""
    shared = tmp_path / "shared" / "logo.jpg"
    shared.parent.mkdir()
    shared.write_bytes(picture_bytes())
    folder = picture_issue(tmp_path / "issue", "../shared/logo.jpg")
    if declared:
        toml = folder / "issue.toml"
        toml.write_text('assets = "../shared"\n' + toml.read_text(encoding="utf-8"), encoding="utf-8")
    out = tmp_path / "out"
    code, stderr = cli("build", str(folder), "-o", str(out), "--variant", "archive")
    if not declared:
        line = assert_one_line_error(subprocess.CompletedProcess([], code, "", stderr), "a.md", "pictures.0.file", "outside")
        assert "assets" in line, line
        assert left_in(out) == []
        return
    assert code == 0, stderr
    names = records_zip_names(out / "issue.archive.pdf")
    assert all(safe_zip_name(n, "issue") for n in names), names
    assert "issue/shared/logo.jpg" in names, names
