"""README.zh-CN.md, the Chinese manual: its runnable commands (the ```sh blocks) work, run in
order as a user would from the repository's root, in a temporary copy holding the sample issue,
the seed dump and a Word file; and the English README links to it."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pikepdf
import pytest
from conftest import ROOT, SEED

MANUAL = ROOT / "README.zh-CN.md"
SH_BLOCK = re.compile(r"^```sh\n(.*?)^```", re.S | re.M)


def runnable_lines(text: str) -> list[str]:
    """The command lines of the ```sh blocks, comments and blank lines left out."""
    return [line.strip() for block in SH_BLOCK.findall(text) for line in block.splitlines()
            if line.strip() and not line.lstrip().startswith("#")]


def test_the_extraction_finds_only_sh_blocks():
    text = "```sh\npaiban a\n# note\n\npaiban b\n```\n```text\npaiban serve x\n```\n```sh\nmkdir y\n```\n"
    assert runnable_lines(text) == ["paiban a", "paiban b", "mkdir y"]


def test_the_readme_links_the_manual():
    head = (ROOT / "README.md").read_text(encoding="utf-8").split("\n## ", 1)[0]
    assert "(README.zh-CN.md)" in head
    assert "(README.md)" in MANUAL.read_text(encoding="utf-8").split("\n## ", 1)[0]


def _word_file(path: Path) -> None:
    import docx

    d = docx.Document()
    d.add_paragraph("鄄城县召开安全生产工作会议", style="Title")
    d.add_paragraph("本报讯（通讯员 纪哲）8月3日，鄄城县召开全县安全生产工作会议，安排部署下一阶段重点工作。" * 3)
    d.add_paragraph("会议要求，各镇街要压实责任，扎实开展隐患排查整治，确保全县安全生产形势稳定。" * 3)
    d.save(path)


def test_the_manuals_commands_work(sample_issue, tmp_path):
    lines = runnable_lines(MANUAL.read_text(encoding="utf-8"))
    commands = [line for line in lines if line.startswith("paiban ")]
    assert len(commands) >= 10, lines
    assert {c.split()[1] for c in commands} >= {"build", "schema", "export", "import", "check", "fonts"}
    shutil.copytree(sample_issue, tmp_path / "content" / sample_issue.name)
    (tmp_path / SEED.relative_to(ROOT)).parent.mkdir(parents=True)
    shutil.copy(SEED, tmp_path / SEED.relative_to(ROOT))
    _word_file(tmp_path / "稿件.docx")
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "SOURCE_DATE_EPOCH": "1691100000"}
    for line in lines:
        result = subprocess.run(["bash", "-c", f"set -o pipefail; {line}"], cwd=tmp_path, env=env,
                                capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, f"{line}\n{result.stderr}"
        assert "Traceback" not in result.stderr, line
    # what the commands promise is there
    for variant in ("print", "proof", "archive"):
        with pikepdf.open(tmp_path / "out" / f"meili-juancheng.{variant}.pdf") as pdf:
            assert len(pdf.pages) >= 1
    assert (tmp_path / "out" / "meili-juancheng.pdf").is_file()
    schema = json.loads((tmp_path / "records.schema.json").read_text(encoding="utf-8"))
    assert {"Issue", "Article", "IssueDocument"} <= set(schema["$defs"])
    assert sorted(p.name for p in (tmp_path / "content" / "json-twin" / "articles").iterdir()) == \
        [f"p5-0{i}.json" for i in range(1, 5)]
    issue = (tmp_path / "content" / "2023-08-04" / "issue.toml").read_text(encoding="utf-8")
    assert "综合新闻" in issue and "number = 6" in issue
    assert json.loads((tmp_path / "2023-08-04.json").read_text(encoding="utf-8"))["issue"]["date"] == "2023-08-04"


@pytest.mark.parametrize("name", ["import", "build", "check", "serve", "export", "schema", "fonts", "watch"])
def test_the_manual_covers_every_command_it_should(name):
    assert f"paiban {name}" in MANUAL.read_text(encoding="utf-8")
