"""Page designs as a newsroom keeps them: its own folder of designs (--layouts / PAIBAN_LAYOUTS)
beside the built-in ones, and a layout.toml checked like the records."""

from __future__ import annotations

import shutil

import pikepdf
from conftest import ROOT, article, paiban, write_issue

BODY = "本报讯 8月3日下午，鄄城县召开全县打击治理电信网络诈骗工作推进会议。" * 6


def _own_design(tmp_path, name: str, replace: tuple[str, str] | None = None, append: str = ""):
    """A copy of the built-in 对开 design under another name, with one edit."""
    folder = tmp_path / "designs" / name
    shutil.copytree(ROOT / "layouts" / "duikai", folder)
    toml = (folder / "layout.toml").read_text(encoding="utf-8")
    if replace:
        assert replace[0] in toml
        toml = toml.replace(*replace)
    (folder / "layout.toml").write_text(toml + append, encoding="utf-8")
    return folder.parent


def _one_line_error(result, *fragments):
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]


def test_a_newsrooms_own_design_builds(tmp_path):
    designs = _own_design(tmp_path, "wanbao", ("trim_mm = [390, 546]", "trim_mm = [380, 540]"))
    issue = write_issue(tmp_path / "issue", {"a": article("标题", BODY)}, layout="wanbao")
    result = paiban("--layouts", str(designs), "build", str(issue), "-o", str(tmp_path / "out"))
    assert result.returncode == 0, result.stderr
    with pikepdf.open(tmp_path / "out" / "issue.pdf") as pdf:
        box = [float(v) for v in pdf.pages[0].MediaBox]
    assert abs((box[2] - box[0]) - 380 * 72 / 25.4) < 0.1 and abs((box[3] - box[1]) - 540 * 72 / 25.4) < 0.1
    # without the folder the design is unknown: one line that lists the designs there are
    _one_line_error(paiban("build", str(issue), "-o", str(tmp_path / "out2")), "unknown layout 'wanbao'", "duikai")


def test_a_misspelt_house_style_key_names_the_file_and_the_key(tmp_path):
    designs = _own_design(tmp_path, "typo", ('kinsoku = "gb"', 'kinsokuu = "gb"'))
    issue = write_issue(tmp_path / "issue", {"a": article("标题", BODY)}, layout="typo")
    _one_line_error(paiban("--layouts", str(designs), "build", str(issue), "-o", str(tmp_path / "out")),
                    "typo/layout.toml", "compose.kinsokuu", "not a known field")
    assert not (tmp_path / "out").exists()


def test_a_wrong_house_style_value_names_the_key(tmp_path):
    designs = _own_design(tmp_path, "bad", ('kinsoku = "gb"', 'kinsoku = "loose"'))
    issue = write_issue(tmp_path / "issue", {"a": article("标题", BODY)}, layout="bad")
    _one_line_error(paiban("--layouts", str(designs), "build", str(issue), "-o", str(tmp_path / "out")),
                    "bad/layout.toml", "compose.kinsoku")


def test_layouts_must_be_a_folder(tmp_path):
    issue = write_issue(tmp_path / "issue", {"a": article("标题", BODY)})
    _one_line_error(paiban("--layouts", str(tmp_path / "nowhere"), "build", str(issue)), "nowhere")
