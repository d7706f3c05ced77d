"""Shared fixtures: the sample issue (with its generated pictures), small issue folders, and
one build of the sample issue shared by the tests that inspect its PDF."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "content" / "meili-juancheng"
SEED = ROOT / "tests" / "dumps" / "seed_juancheng.txt"   # a copy of shared/seeds/000_5d4c4dc4ed23c78b.txt


def _load_sample_pictures():
    spec = importlib.util.spec_from_file_location("sample_pictures", ROOT / "content" / "sample_pictures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def sample_issue() -> Path:
    _load_sample_pictures().make_samples(SAMPLE)
    return SAMPLE


@pytest.fixture(scope="session")
def sample_build(sample_issue, tmp_path_factory):
    """The sample issue built once through the CLI: (pdf path, BuildResult-like plan)."""
    from typeset import pipeline

    out = tmp_path_factory.mktemp("sample-out")
    return pipeline.build(sample_issue, out, write_html=True)


def paiban(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run the CLI as a user would (python -m typeset)."""
    return subprocess.run([sys.executable, "-m", "typeset", *args], capture_output=True, text=True,
                          cwd=cwd or ROOT)


def build_archive(folder: Path, out: Path) -> tuple[Path, Path]:
    """Build an issue's archive variant through the CLI into `out`: (its PDF, its sidecar)."""
    run = paiban("build", str(folder), "--variant", "archive", "-o", str(out))
    assert run.returncode == 0, run.stderr
    return next(out.glob("*.archive.pdf")), next(out.glob("*.articles.json"))


def write_issue(folder: Path, articles: dict[str, str], *, layout: str = "duikai",
                pages: list[list[str]] | None = None, extra_page: str = "") -> Path:
    """A small issue folder: articles maps slug → Markdown text (front matter + body)."""
    (folder / "articles").mkdir(parents=True, exist_ok=True)
    for slug, text in articles.items():
        (folder / "articles" / f"{slug}.md").write_text(text, encoding="utf-8")
    pages = pages or [list(articles)]
    toml = 'paper = "测试日报"\ndate = 2024-03-01\nnumber = 1\n'
    for n, slugs in enumerate(pages, 1):
        toml += (f'\n[[pages]]\nnumber = {n}\nsection = "测试版"\nlayout = "{layout}"\n'
                 f'editor = "王五"\narticles = {slugs!r}\n{extra_page}')
    (folder / "issue.toml").write_text(toml.replace("'", '"'), encoding="utf-8")
    return folder


def article(title: str, body: str, **fields) -> str:
    """Markdown for one article record."""
    import yaml

    front = yaml.safe_dump({"title": title, **fields}, allow_unicode=True, sort_keys=False)
    return f"---\n{front}---\n\n{body}\n"

