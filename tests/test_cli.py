"""The paiban CLI as a user meets it: one-line errors, exit 1, no partial output."""

import json

from conftest import SEED, article, paiban, write_issue

from typeset.system import fonts


def assert_one_line_error(result, *fragments):
    assert result.returncode == 1, result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_import_json_from_seed():
    result = paiban("import", str(SEED), "--json", "--date", "2023-08-04", "--page", "5")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["issue"]["pages"][0]["section"] == "魅力鄄城"
    assert document["issue"]["date"] == "2023-08-04"
    articles = document["articles"]
    assert [a["slug"] for a in articles] == document["issue"]["pages"][0]["articles"] == [f"p5-0{i}" for i in range(1, 5)]
    assert articles[0]["kicker"] == "鄄城县召开全县打击治理电信网络诈骗工作推进会议"
    assert set(articles[0]) == {"slug", "kicker", "title", "dateline", "paragraphs", "priority"}
    assert any("充分认清鄄城县电信网络诈骗案件高发的严峻形势" in p for p in articles[0]["paragraphs"])


def test_import_writes_a_buildable_folder(tmp_path):
    result = paiban("import", str(SEED), "-o", str(tmp_path / "issue"), "--date", "2023-08-04")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "issue" / "issue.toml").is_file()
    assert len(list((tmp_path / "issue" / "articles").glob("*.md"))) == 4


def test_import_missing_file(tmp_path):
    assert_one_line_error(paiban("import", str(tmp_path / "none.txt"), "--json"), "none.txt")


def test_build_missing_title_writes_no_pdf(tmp_path):
    write_issue(tmp_path / "issue", {"a": "---\nkicker: 引题\n---\n\n正文。\n"})
    (tmp_path / "out").mkdir()      # there, so a partial or hidden file would be seen
    assert_one_line_error(paiban("build", str(tmp_path / "issue"), "-o", str(tmp_path / "out")), "a.md", "title")
    assert not [p.name for p in (tmp_path / "out").iterdir()]


def test_build_missing_picture_writes_no_pdf(tmp_path):
    write_issue(tmp_path / "issue", {"a": article("标题", "正文。", pictures=[{"file": "x.jpg"}])})
    (tmp_path / "out").mkdir()
    assert_one_line_error(paiban("build", str(tmp_path / "issue"), "-o", str(tmp_path / "out")), "x.jpg")
    assert not [p.name for p in (tmp_path / "out").iterdir()]


def test_build_unknown_layout(tmp_path):
    write_issue(tmp_path / "issue", {"a": article("标题", "正文。")}, layout="nonesuch")
    assert_one_line_error(paiban("build", str(tmp_path / "issue"), "-o", str(tmp_path / "out")),
                          "unknown layout 'nonesuch'")


def test_build_non_utf8(tmp_path):
    write_issue(tmp_path / "issue", {"a": article("标题", "正文。")})
    (tmp_path / "issue" / "articles" / "a.md").write_bytes(article("标题", "正文。").encode("gb18030"))
    assert_one_line_error(paiban("build", str(tmp_path / "issue"), "-o", str(tmp_path / "out")), "UTF-8")


def test_fonts_lists_every_role():
    result = paiban("fonts")
    assert result.returncode == 0, result.stderr
    for role in fonts.role_map().values():
        assert role.name in result.stdout and role.family in result.stdout


def test_fontconfig_answers_are_remembered_while_fontconfig_is_unchanged(monkeypatch, tmp_path):
    monkeypatch.setenv("PAIBAN_CACHE_DIR", str(tmp_path / "cache"))
    asked: list[list[str]] = []
    real = fonts._fc_match
    monkeypatch.setattr(fonts, "_fc_match", lambda patterns: asked.append(list(patterns)) or real(patterns))
    first = fonts._resolve(fonts.role_map())
    assert asked and all(face.resolved for face in first.values())
    asked.clear()
    assert fonts._resolve(fonts.role_map()) == first and asked == []        # remembered
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))    # fontconfig would read fonts there too
    assert fonts._resolve(fonts.role_map()) == first and asked                # asked again


def test_missing_font_names_the_install_command(monkeypatch, tmp_path):
    monkeypatch.setenv("PAIBAN_CACHE_DIR", str(tmp_path))     # no remembered answer of fontconfig
    real = fonts._fc_match
    monkeypatch.setattr(fonts, "_fc_match", lambda patterns: [
        None if pattern.startswith("LXGW WenKai:") else match for pattern, match in zip(patterns, real(patterns))])
    fonts.resolve_all.cache_clear()
    try:
        message = ""
        try:
            fonts.check_all()
        except fonts.UserError as e:
            message = str(e)
        assert "楷体" in message and "apt-get install fonts-lxgw-wenkai" in message
    finally:
        fonts.resolve_all.cache_clear()
